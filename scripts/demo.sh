#!/usr/bin/env bash
# The main job on the bundled example: validate the analytics spec, generate its service into
# out/insights, and run the generated service's own test suite (SQLite).
# Then start it with:  cd out/insights && ../../.venv/bin/insights serve
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/specfoundry validate examples/analytics
.venv/bin/specfoundry generate examples/analytics -o out/insights
cd out/insights
env -u DATABASE_URL ../../.venv/bin/python -m pytest -q
