"""Start-up stays cheap: a command imports what it needs and nothing more.

``specfoundry --version`` used to import the whole compiler, the emitters (with
openapi-spec-validator and pydantic-settings) and the diff engine: about 0.6 s before printing
a line. Timing is measured by ``bench/cli_bench.py``; this test checks the cause, which does
not depend on the machine: which modules a command leaves in ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from specfoundry.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
HEAVY = (
    "jsonschema",
    "openapi_spec_validator",
    "pydantic_settings",
    "jinja2",
    "yaml",
    "specfoundry.compiler",
    "specfoundry.model",
    "specfoundry.emit",
    "specfoundry.write",
    "specfoundry.diff.engine",
)


def loaded(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def heavy(modules: set[str], allowed: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        m
        for m in modules
        if any(m == h or m.startswith(h + ".") for h in HEAVY)
        and not any(m == a or m.startswith(a + ".") for a in allowed)
    )


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["diff", "--help"]])
def test_version_and_help_load_no_compiler_emitter_or_engine(args: list[str]) -> None:
    assert heavy(loaded(*args)) == []


def test_validate_loads_the_front_end_only() -> None:
    modules = loaded("validate", "examples/minimal")
    assert "specfoundry.compiler" in modules
    allowed = ("jsonschema", "yaml", "specfoundry.compiler", "specfoundry.model")
    assert heavy(modules, allowed) == []
