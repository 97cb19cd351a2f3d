"""Helpers of the service emitter tests (imported by name: the test folders are not packages)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from specfoundry.emit.service import emit_service
from specfoundry.model import Service
from specfoundry.write import apply, plan

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EXAMPLES = {
    "minimal": ROOT / "examples" / "minimal",
    "analytics": ROOT / "examples" / "analytics",
    "projects": ROOT / "examples" / "projects",
}
ROLES = {"minimal": "reader,writer", "analytics": "owner,support", "projects": "owner"}
SERVICES = {"minimal": "notes", "analytics": "insights", "projects": "planwise"}
# The Redis database the generated suites' cache tests use (CI=true fails them without one).
REDIS_URL = os.environ.get("SPECFOUNDRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
# Tests of ours that run inside a generated example's suite, with its fixtures (copied into its
# tests/ folder when the example is generated): examples/projects' non-member visibility check.
EXTRA_TESTS = {
    "projects": {
        "tests/test_project_visibility.py": HERE / "projects" / "check_project_visibility.py"
    }
}


def generate(model: Service, out: Path, extra_tests: dict[str, Path] | None = None) -> Path:
    """Write the service of ``model`` into ``out`` through the write layer, like the CLI, then
    copy ``extra_tests`` (path in the service: our file) into it."""
    apply(plan(out, emit_service(model)))
    for target, source in (extra_tests or {}).items():
        shutil.copy(source, out / target)
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
