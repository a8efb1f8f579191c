#!/usr/bin/env bash
# `make check-all`: the reliability suite (tests marked slow) and the security scans.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/pytest -m slow tests/reliability "$@"
