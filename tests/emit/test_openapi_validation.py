"""The contract validator (specfoundry.emit.openapi.validation) against openapi-spec-validator.

``validate_document`` does openapi-spec-validator's checks its own, faster way; these tests keep
the reference validator in the loop: it must accept what we emit (examples and the synthetic
benchmark spec), and both must reject the same broken documents.
"""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate as reference_validate

from specfoundry.compiler import compile_spec
from specfoundry.emit.openapi import (
    InvalidContractError,
    build_openapi,
    validate_document,
    validation,
)

REPO = Path(__file__).resolve().parents[2]
ANALYTICS = REPO / "examples" / "analytics"

needs_fast_path = pytest.mark.skipif(
    not validation.fast_path_available(), reason="jsonschema-rs is not installed"
)


def _synthetic_spec(entities: int) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("compile_bench", REPO / "bench/compile_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result: dict[str, Any] = module.synthetic_spec(entities)
    return result


def _contract(path: Path) -> dict[str, Any]:
    result = compile_spec(path)
    assert result.model is not None, result.diagnostics
    return build_openapi(result.model, validate=False).document


@cache
def _analytics() -> dict[str, Any]:
    return _contract(ANALYTICS)


def _synthetic(tmp_path: Path, entities: int) -> dict[str, Any]:
    path = tmp_path / "synthetic.yaml"
    path.write_text(yaml.safe_dump(_synthetic_spec(entities), sort_keys=False))
    return _contract(path)


# -- both validators accept what we emit --------------------------------------------------------
def test_synthetic_spec_is_valid_for_both(tmp_path: Path) -> None:
    document = _synthetic(tmp_path, 12)
    reference_validate(document)
    validate_document(document)


@pytest.mark.slow
def test_benchmark_size_synthetic_spec_is_valid_for_both(tmp_path: Path) -> None:
    document = _synthetic(tmp_path, 200)
    reference_validate(document)  # ~30 s: the reason validate_document does not call it
    validate_document(document)


# -- both reject the same broken documents ------------------------------------------------------
def _first_op(doc: dict[str, Any], method: str) -> tuple[str, dict[str, Any]]:
    for url, item in sorted(doc["paths"].items()):
        if method in item and "{" in url:
            return url, item[method]
    raise AssertionError(f"no {method} operation with a path parameter")


def _inline_param(op: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in op["parameters"] if "$ref" not in p)


def _a_property(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = doc["components"]["schemas"]
    name = next(n for n, s in sorted(schemas.items()) if s.get("properties"))
    return next(iter(schemas[name]["properties"].values()))


def bad_schema_type(doc: dict[str, Any]) -> None:
    _a_property(doc)["type"] = "strin"


def bad_pattern(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Broken"] = {"type": "string", "pattern": "(unclosed"}


def bad_nested_keyword(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Broken"] = {
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"minLength": -1}}},
    }


def bad_default(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Broken"] = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 0, "default": -3}},
    }


def bad_default_format(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Broken"] = {"type": "string", "format": "date", "default": "x"}


def bad_default_through_ref(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Small"] = {"type": "integer", "maximum": 1}
    doc["components"]["schemas"]["Broken"] = {
        "allOf": [{"$ref": "#/components/schemas/Small"}],
        "default": 5,
    }


def required_outside_all_of(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Broken"] = {
        "allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}],
        "required": ["a", "b"],
    }


def duplicate_operation_id(doc: dict[str, Any]) -> None:
    _, get = _first_op(doc, "get")
    _, delete = _first_op(doc, "delete")
    delete["operationId"] = get["operationId"]


def undeclared_path_parameter(doc: dict[str, Any]) -> None:
    url, _ = _first_op(doc, "get")
    doc["paths"][url.replace("{id}", "{key}")] = doc["paths"].pop(url)


def duplicate_parameter(doc: dict[str, Any]) -> None:
    _, op = _first_op(doc, "get")
    op["parameters"].append(copy.deepcopy(_inline_param(op)))


def dangling_reference(doc: dict[str, Any]) -> None:
    _, op = _first_op(doc, "get")
    op["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Nope"
    }


def missing_title(doc: dict[str, Any]) -> None:
    del doc["info"]["title"]


def unknown_operation_field(doc: dict[str, Any]) -> None:
    _, op = _first_op(doc, "get")
    op["summery"] = "typo"


def response_without_description(doc: dict[str, Any]) -> None:
    _, op = _first_op(doc, "get")
    del op["responses"]["200"]["description"]


def duplicate_tag(doc: dict[str, Any]) -> None:
    doc["tags"].append(dict(doc["tags"][0]))


def unknown_webhook_operation_field(doc: dict[str, Any]) -> None:
    next(iter(doc["webhooks"].values()))["post"]["summery"] = "typo"


MUTATIONS: list[Callable[[dict[str, Any]], None]] = [
    unknown_webhook_operation_field,
    bad_schema_type,
    bad_pattern,
    bad_nested_keyword,
    bad_default,
    bad_default_format,
    bad_default_through_ref,
    required_outside_all_of,
    duplicate_operation_id,
    undeclared_path_parameter,
    duplicate_parameter,
    dangling_reference,
    missing_title,
    unknown_operation_field,
    response_without_description,
    duplicate_tag,
]


@needs_fast_path
@pytest.mark.parametrize("mutate", MUTATIONS, ids=[m.__name__ for m in MUTATIONS])
def test_both_validators_reject(mutate: Callable[[dict[str, Any]], None]) -> None:
    document = copy.deepcopy(_analytics())
    validate_document(document)  # untouched, it is valid
    mutate(document)
    with pytest.raises(Exception):  # noqa: B017 - the reference raises several types
        reference_validate(document)
    with pytest.raises(InvalidContractError):
        validate_document(document)


# -- the fallback -------------------------------------------------------------------------------
def test_without_jsonschema_rs_the_reference_validator_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(validation, "jsonschema_rs", None)
    monkeypatch.setattr(validation, "reference_validate", calls.append)
    document = _analytics()
    validate_document(document)
    assert calls == [document]


@needs_fast_path
def test_with_jsonschema_rs_the_reference_validator_does_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(validation, "reference_validate", calls.append)
    validate_document(_analytics())
    assert calls == []


def test_features_the_emitter_never_uses_go_to_the_reference_validator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(validation, "reference_validate", calls.append)
    document = copy.deepcopy(_analytics())
    document["jsonSchemaDialect"] = "https://spec.openapis.org/oas/3.1/dialect/base"
    validate_document(document)
    assert calls == [document]
