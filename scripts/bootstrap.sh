#!/usr/bin/env bash
# Create .venv (once) and install specfoundry with everything its tests need.
# Idempotent: a second run only checks that the install is current.
# --no-compile: pip would byte-compile every installed module (~16 s of CPU on a fresh venv);
# Python compiles the ones actually imported on first use and caches them in __pycache__.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-compile -e '.[test]'
