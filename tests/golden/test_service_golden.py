"""The golden record: each example's whole generated service, kept under ``tests/golden/``.

A template or emitter change shows up here as a diff of generated output, reviewed like code.
Refresh after an intended change with::

    SPECFOUNDRY_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/golden

and read ``git diff tests/golden`` before committing. The trees are data: ruff and pytest skip
them (``extend-exclude`` in pyproject.toml, ``collect_ignore`` in conftest.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from specfoundry.compiler import load_model
from specfoundry.emit.service import emit_service

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EXAMPLES = {"minimal": REPO / "examples" / "minimal", "analytics": REPO / "examples" / "analytics"}
UPDATE = os.environ.get("SPECFOUNDRY_UPDATE_GOLDENS") == "1"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_generated_service_matches_the_golden_record(name: str) -> None:
    emitted = {f.path.as_posix(): f.content for f in emit_service(load_model(EXAMPLES[name]))}
    golden = HERE / name
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        for path, content in emitted.items():
            target = golden / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    assert golden.is_dir(), "no golden record yet: run with SPECFOUNDRY_UPDATE_GOLDENS=1"
    recorded = _tree(golden)
    assert sorted(emitted) == sorted(recorded), (
        "the set of generated files changed; if intended, refresh with "
        "SPECFOUNDRY_UPDATE_GOLDENS=1 and review the diff"
    )
    changed = [path for path in emitted if emitted[path] != recorded[path]]
    assert changed == [], (
        f"generated files differ from the golden record: {changed}; if intended, refresh with "
        "SPECFOUNDRY_UPDATE_GOLDENS=1 and review `git diff tests/golden`"
    )
