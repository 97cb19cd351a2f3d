"""A spec the catalog cannot lay out is a located diagnostic from every command, never a traceback.

Two entities that reference each other used to pass ``validate`` and then stop ``generate`` with
``CatalogError: reference cycle``. The real CLI runs in a subprocess here, so an uncaught
exception would show as a traceback on stderr.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[1] / "compiler" / "cases"
SPECS = {
    "SF306": CASES / "SF306-reference-cycle" / "spec.yaml",
    "SF315": CASES / "SF315-generated-name" / "spec.yaml",
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "specfoundry", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("code", sorted(SPECS))
@pytest.mark.parametrize("command", ["validate", "generate", "check"])
def test_catalog_problems_are_located_errors(tmp_path: Path, code: str, command: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPECS[code].read_text(encoding="utf-8"), encoding="utf-8")
    out = ["-o", str(tmp_path / "out")] if command != "validate" else []
    result = run(command, "spec.yaml", *out, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(rf"^spec\.yaml:\d+:\d+: error\[{code}\]: ", result.stderr, re.MULTILINE)
    assert not (tmp_path / "out").exists()
