"""Helpers of the service emitter tests (imported by name: the test folders are not packages)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from specfoundry.emit.service import emit_service
from specfoundry.model import Service
from specfoundry.write import apply, plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"minimal": ROOT / "examples" / "minimal", "analytics": ROOT / "examples" / "analytics"}
ROLES = {"minimal": "reader,writer", "analytics": "owner,support", "projects": "owner"}
SERVICES = {"minimal": "notes", "analytics": "insights", "projects": "planwise"}
# examples/projects runs its own focused end-to-end test in the suite
# (test_service_projects_example.py); its whole generated suite, probe and schemathesis run on
# every example with SPECFOUNDRY_EXAMPLES=all (about 90 s more: over the suite's time budget).
if os.environ.get("SPECFOUNDRY_EXAMPLES") == "all":
    EXAMPLES["projects"] = ROOT / "examples" / "projects"


def generate(model: Service, out: Path) -> Path:
    """Write the service of ``model`` into ``out`` through the write layer, like the CLI."""
    apply(plan(out, emit_service(model)))
    return out


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a generated suite: no variables of ours leaking in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "JWT_", "PYTEST_", "NOTES_", "INSIGHTS_"))
    }
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def run_pytest(
    folder: Path,
    *args: str,
    env: dict[str, str],
    plugins: tuple[str, ...] = (),
    timeout: int = 1200,
) -> str:
    """``pytest`` inside ``folder`` with specfoundry's own interpreter; returns its output.

    Only the named ``plugins`` load: specfoundry's venv also holds hypothesis, schemathesis and
    locust, whose automatic loading cost ~1.8 s per pytest process (about 50 s of the suite).
    """
    loaded = [arg for plugin in plugins for arg in ("-p", plugin)]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *loaded, *args],
        cwd=folder,
        env={**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    return output
