"""The minimal example's full contract, compared byte for byte with a reviewed golden file.

Refresh after an intended change with ``SPECFOUNDRY_UPDATE_GOLDENS=1 pytest tests/emit`` and
review the diff of ``tests/emit/golden/`` like code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from specfoundry.compiler import load_model
from specfoundry.emit.openapi import build_openapi, render

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "minimal.openapi.yaml"
MINIMAL = REPO / "examples" / "minimal" / "spec.yaml"
# The help desk test spec: the field-type constructs (list fields) in the contract.
HELPDESK_GOLDEN = Path(__file__).parent / "golden" / "helpdesk.openapi.yaml"
HELPDESK = REPO / "tests" / "service" / "specs" / "helpdesk"
_MAIN = "import sys; from specfoundry.cli import main; sys.argv[0] = 'specfoundry'; main()"


def test_minimal_contract_matches_golden() -> None:
    text = render(build_openapi(load_model(MINIMAL)).document, "yaml")
    if os.environ.get("SPECFOUNDRY_UPDATE_GOLDENS") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8", newline="\n")
    assert GOLDEN.exists(), "no golden yet: run with SPECFOUNDRY_UPDATE_GOLDENS=1"
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the contract changed; if intended, refresh with SPECFOUNDRY_UPDATE_GOLDENS=1 and review "
        "the diff"
    )


def test_helpdesk_contract_matches_golden() -> None:
    text = render(build_openapi(load_model(HELPDESK)).document, "yaml")
    if os.environ.get("SPECFOUNDRY_UPDATE_GOLDENS") == "1":
        HELPDESK_GOLDEN.write_text(text, encoding="utf-8", newline="\n")
    assert text == HELPDESK_GOLDEN.read_text(encoding="utf-8"), (
        "the contract changed; if intended, refresh with SPECFOUNDRY_UPDATE_GOLDENS=1 and review "
        "the diff"
    )


def test_output_does_not_depend_on_hash_seed() -> None:
    """Two processes with different hash seeds (set iteration order) print the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _MAIN, "openapi", str(REPO / "examples/analytics")],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            check=True,
        )
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith("openapi: 3.1.0\n")


def test_libyaml_and_pure_python_emitters_agree() -> None:
    """The C emitter is used when available; it must not change a byte of the contract."""
    for spec in (MINIMAL, REPO / "examples" / "analytics"):
        document = build_openapi(load_model(spec)).document
        assert render(document, "yaml") == render(document, "yaml", pure=True)
