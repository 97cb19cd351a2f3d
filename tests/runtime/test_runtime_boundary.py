"""The runtime package stays copyable: no import of the compiler, relative imports between its
modules, strict types, and generated services carry it unchanged."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from specfoundry.compiler import load_model
from specfoundry.emit.render import generated_header
from specfoundry.emit.service import emit_service

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "src" / "specfoundry" / "runtime"
MODULES = sorted(RUNTIME.glob("*.py"))


def test_runtime_imports_nothing_of_the_compiler() -> None:
    offenders = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "specfoundry"]
    assert offenders == [], "runtime modules must import each other relatively: " + str(offenders)


# The generated services of both examples, as the golden record holds them: their packages and
# the user packages specfoundry scaffolds (a fresh service must type-check as generated).
GOLDEN_PACKAGES = [
    REPO / "tests/golden/minimal/notes",
    REPO / "tests/golden/minimal/notes_ext",
    REPO / "tests/golden/analytics/insights",
    REPO / "tests/golden/analytics/insights_ext",
]


def test_runtime_and_generated_services_pass_mypy_strict() -> None:
    # One mypy run for all three: reading SQLAlchemy, FastAPI and pydantic is most of its ~20 s
    # (the services add about a second); no cache, so a stale one never hides an error.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            str(RUNTIME),
            *map(str, GOLDEN_PACKAGES),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_service_carries_the_runtime_unchanged() -> None:
    files = {
        f.path.as_posix(): f.content for f in emit_service(load_model(REPO / "examples/minimal"))
    }
    header = generated_header().encode()
    for path in MODULES:
        copied = files[f"notes/runtime/{path.name}"]
        assert copied == header + path.read_bytes(), f"{path.name} changed on its way into notes/"
