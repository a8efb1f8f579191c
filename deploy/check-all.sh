#!/usr/bin/env bash
# `make check-all`: the longer reliability suite, every test marked slow in tests/reliability:
# the fault tests (test_fault*.py), the 5-minute soak (test_soak.py) and the security scans
# (bandit, pip-audit in test_security.py). Needs the real services (as `make test` with
# REQUIRE_SERVICES=1); .ci/run runs it after `make test`.
#
# Environment: SOAK_SECONDS (default 300), PIP_AUDIT_REQUIRED=1 (fail instead of skip when
# pip-audit cannot reach its advisory data). Extra arguments go to pytest.
# pytest's summary (-rA) lists each test with its outcome, --durations=0 each one's time.
set -euo pipefail
cd "$(dirname "$0")/.."

export SOAK_SECONDS="${SOAK_SECONDS:-300}"
echo "[check-all] pytest -m slow tests/reliability (SOAK_SECONDS=$SOAK_SECONDS)"
status=0
.venv/bin/pytest -m slow tests/reliability -rA --durations=0 -p no:cacheprovider "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "[check-all] FAILED: no slow test was collected"
    exit 1
fi
exit "$status"
