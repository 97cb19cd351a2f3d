#!/usr/bin/env bash
# specfoundry's whole test suite, including the generated services' own suites on SQLite and
# PostgreSQL. Sets everything up first, so it works on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/services.sh
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
exec .venv/bin/python -m pytest "$@"
