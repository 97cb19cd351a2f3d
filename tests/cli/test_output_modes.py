"""Files specfoundry writes get the mode a plain ``open(path, "w")`` would give them.

``specfoundry openapi -o FILE`` wrote through ``tempfile.mkstemp`` and left the contract
0600, unreadable to the web server or the CI job that publishes it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specfoundry.cli import app

REPO = Path(__file__).resolve().parents[2]
MINIMAL = str(REPO / "examples" / "minimal" / "spec.yaml")


@pytest.fixture(params=[0o022, 0o027], ids=["umask022", "umask027"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def plain_open_mode(folder: Path) -> int:
    reference = folder / "reference.txt"
    with open(reference, "w", encoding="utf-8") as handle:
        handle.write("x")
    return mode(reference)


def run(*args: str) -> None:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_openapi_output_gets_the_umask_mode(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "openapi.yaml"
    run("openapi", MINIMAL, "-o", str(out))
    assert mode(out) == 0o666 & ~umask == plain_open_mode(tmp_path)


def test_openapi_output_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    out.write_text("{}", encoding="utf-8")
    out.chmod(0o640)
    run("openapi", MINIMAL, "-o", str(out))
    assert mode(out) == 0o640
    assert out.read_text(encoding="utf-8") != "{}"


def test_generated_files_get_the_umask_mode(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "notes"
    run("generate", MINIMAL, "-o", str(out))
    expected = plain_open_mode(tmp_path)
    files = [p for p in out.rglob("*") if p.is_file() and ".specfoundry" not in p.parts]
    assert files
    assert {p.relative_to(out).as_posix(): mode(p) for p in files if mode(p) != expected} == {}
    folders = [p for p in out.rglob("*") if p.is_dir()]
    assert {mode(p) for p in folders} == {0o777 & ~umask}
