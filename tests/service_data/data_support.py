"""Helpers shared by the data-layer emitter tests (imported by name: tests have no packages)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from specfoundry.emit.service.data import emit_data_layer
from specfoundry.emit.service.runtime_files import runtime_files
from specfoundry.model import Service

# Stands in for the pyproject.toml the service emitter writes (assumed ruff settings).
RUFF_CONFIG = """\
[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF"]
"""


def write_tree(model: Service, out: Path, **kwargs: object) -> Path:
    """The data layer and the runtime package it binds (as ``specfoundry generate`` writes
    them; the HTTP layer is left out)."""
    data = emit_data_layer(model, **kwargs)  # type: ignore[arg-type]
    for item in [*data, *runtime_files(model.name.snake)]:
        target = out / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)
    if not (out / "pyproject.toml").exists():
        (out / "pyproject.toml").write_text(RUFF_CONFIG)
    return out


def run_python(cwd: Path, code: str, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter inside the generated project; return stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=_env(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def run_pytest(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *args],
        cwd=cwd,
        env=_env(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "APP_DB_ROLE")}
    env.pop("PYTHONPATH", None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the venv's plugins add seconds per run
    env.update(extra or {})
    return env
