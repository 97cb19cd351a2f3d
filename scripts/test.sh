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
# Bytecode is written and reused: the suite starts ~80 Python processes (the generated services'
# own suites, the CLI), each importing FastAPI, SQLAlchemy and pydantic; compiling them from
# source every time cost about 1 CPU-second per process. (Some images set the variable.)
unset PYTHONDONTWRITEBYTECODE
# Temporary files (generated services, their SQLite databases) in memory-backed /dev/shm when it
# has room: SQLite syncs the disk at every commit and the suite commits tens of thousands of times.
basetemp=()
shm_free_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $4}' || true)
if [ -w /dev/shm ] && [ "${shm_free_kb:-0}" -gt 2097152 ]; then
  tmp=$(mktemp -d /dev/shm/specfoundry-tests.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  basetemp=(--basetemp "$tmp/pytest")
fi
if [ "$workers" = "1" ]; then
  .venv/bin/python -m pytest "${basetemp[@]}" "$@"
else
  # tests/conftest.py puts the slowest tests first; work stealing keeps both workers busy to the end.
  .venv/bin/python -m pytest -n "$workers" --dist worksteal --durations=10 "${basetemp[@]}" "$@"
fi
