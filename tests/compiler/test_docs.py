"""The code registry, docs/diagnostics.md and docs/spec-reference.md stay complete and current."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from specfoundry.diagnostics import Severity
from specfoundry.validate.codes import CODES

ROOT = Path(__file__).resolve().parents[2]
CODE_LITERAL = re.compile(r"""["'](SF\d{3})["']""")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_diagnostics_doc", ROOT / "scripts" / "gen_diagnostics_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def codes_used_in_src() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        if path.name == "codes.py":
            continue
        found.update(CODE_LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_used_in_src_is_registered_and_documented() -> None:
    used = codes_used_in_src()
    assert used, "the scan found no codes at all"
    assert used - set(CODES) == set(), "codes used in src but missing from codes.py"
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### (SF\d{3})$", doc, re.MULTILINE))
    assert used <= documented
    assert documented == set(CODES)


def test_every_registered_code_is_used() -> None:
    assert set(CODES) - codes_used_in_src() == set()


def test_registry_entries_are_complete() -> None:
    for code in CODES.values():
        assert re.fullmatch(r"SF\d{3}", code.id)
        assert isinstance(code.severity, Severity)
        for text in (code.title, code.explanation, code.example, code.fix):
            assert text.strip(), code.id
    assert list(CODES) == sorted(CODES)


def test_diagnostics_doc_is_generated_from_the_registry() -> None:
    generated = _generator().render()
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert doc == generated, "run .venv/bin/python scripts/gen_diagnostics_doc.py"


def _schema_properties(node: Any, section: str | None = None) -> set[tuple[str, str]]:
    """(top-level section, property name) for every property the schema defines."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            top = section or name
            found.add((top, name))
            found |= _schema_properties(sub, top)
        for key, sub in node.items():
            if key != "properties":
                found |= _schema_properties(sub, section)
    elif isinstance(node, list):
        for sub in node:
            found |= _schema_properties(sub, section)
    return found


def test_spec_reference_mentions_every_schema_property() -> None:
    schema = json.loads((ROOT / "specs" / "specfoundry.schema.json").read_text("utf-8"))
    doc = (ROOT / "docs" / "spec-reference.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## `(\w+)`\n(.*?)(?=^## |\Z)", doc, re.MULTILINE | re.DOTALL))
    missing = []
    for section, name in sorted(_schema_properties(schema)):
        if section == name:
            if section not in sections:
                missing.append(section)
            continue
        body = sections.get(section, "")
        if not re.search(rf"`(?:[\w.*]+\.)?{re.escape(name)}`", body):
            missing.append(f"{section}: {name}")
    assert missing == []
