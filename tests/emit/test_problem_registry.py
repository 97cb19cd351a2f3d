"""docs/problems.md and the contract's components/responses list the same problem types."""

from __future__ import annotations

import re
from pathlib import Path

from specfoundry.compiler import load_model
from specfoundry.emit.openapi import PROBLEM_TYPES, build_openapi

REPO = Path(__file__).resolve().parents[2]


def test_docs_list_every_problem_type() -> None:
    text = (REPO / "docs" / "problems.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| (\d{3}) \| `?([A-Za-z]*)`? \| <?(\S+?)>? \|", text, re.M)
    documented = {
        (slug, int(status), response or None, uri) for slug, status, response, uri in rows
    }
    expected = {(p.slug, p.status, p.response, p.type_uri) for p in PROBLEM_TYPES}
    assert documented == expected


def test_every_registered_response_is_in_the_contract() -> None:
    document = build_openapi(load_model(REPO / "examples" / "minimal" / "spec.yaml")).document
    responses = document["components"]["responses"]
    for problem in PROBLEM_TYPES:
        if problem.response is None:
            continue
        content = responses[problem.response]["content"]["application/problem+json"]
        examples = (
            [content["example"]]
            if "example" in content
            else [e["value"] for e in content["examples"].values()]
        )
        assert any(e["type"] == problem.type_uri for e in examples), problem.slug
        assert all(e["status"] == problem.status for e in examples)
