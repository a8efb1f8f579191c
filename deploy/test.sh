#!/usr/bin/env bash
# `make test`: the whole suite. Browser tests run when Debian's chromium is
# present (CI installs it and sets REQUIRE_SERVICES=1, which makes them required).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/pytest "$@"
