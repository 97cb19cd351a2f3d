"""The case triples: every folder under ``cases/`` is one parametrised test.

Each holds ``base.yaml``, ``revision.yaml`` and ``expected.yaml`` (the findings as
rule/level/operation/pointer, plus optional ``today`` and ``min_deprecation_days``). The
whole list must match exactly: a missing finding and an extra one both fail.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from specfoundry.diff.engine import DiffOptions, diff
from specfoundry.diff.load import load_side
from specfoundry.diff.rules import RULES

CASES = Path(__file__).parent / "cases"
TODAY = dt.date(2025, 6, 1)
SPEC_AREAS = {rule.id for rule in RULES.values() if rule.area.endswith("(spec only)")}


def _key(item: dict[str, Any]) -> tuple[str, str, str, str]:
    return (item["rule"], item["level"], item["operation"] or "", item["pointer"])


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "expected.yaml").exists())


@pytest.mark.parametrize("folder", _cases(), ids=lambda p: p.name)
def test_case(folder: Path) -> None:
    expected = yaml.safe_load((folder / "expected.yaml").read_text())
    options = DiffOptions(
        today=expected.get("today", TODAY),
        min_deprecation_days=expected.get("min_deprecation_days", 0),
    )
    if "service" in yaml.safe_load((folder / "base.yaml").read_text()):
        pytest.importorskip("specfoundry.emit.openapi", reason="spec cases need the emitter")
    base = load_side(str(folder / "base.yaml"))
    revision = load_side(str(folder / "revision.yaml"))
    findings = diff(base, revision, options)
    if base.kind == "spec":
        findings = [f for f in findings if f.rule in SPEC_AREAS]
    actual = sorted(
        _key(
            {"rule": f.rule, "level": f.level.value, "operation": f.operation, "pointer": f.pointer}
        )
        for f in findings
    )
    assert actual == sorted(_key(item) for item in expected["findings"])


def test_every_rule_has_a_case() -> None:
    """Each rule id appears in at least one case's expected findings (ignore file aside)."""
    seen = set()
    for folder in _cases():
        for item in yaml.safe_load((folder / "expected.yaml").read_text())["findings"]:
            seen.add(item["rule"])
    # Spec-only rules are covered on IR models in test_diff_spec_rules.py; the ignore file's rule
    # in test_diff_cli.py.
    ignore_file = {rule.id for rule in RULES.values() if rule.area == "Ignore file"}
    missing = sorted(set(RULES) - seen - SPEC_AREAS - ignore_file)
    assert not missing, f"rules without a case: {missing}"


def test_nothing_cases_exist() -> None:
    nothing = [p for p in _cases() if p.name.startswith("nothing-")]
    assert len(nothing) >= 5
