#!/usr/bin/env bash
# specfoundry's whole test suite, including the generated services' own suites on SQLite and
# PostgreSQL. Sets everything up first, so it works on a fresh clone.
# Runs on every core (pytest-xdist); PYTEST_WORKERS=1 runs in one process, extra arguments go to
# pytest (e.g. `bash scripts/test.sh tests/diff -q`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/services.sh
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
workers=${PYTEST_WORKERS:-auto}
if [ "$workers" = "1" ]; then
  exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest -n "$workers" --durations=10 "$@"
