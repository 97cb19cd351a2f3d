"""A completeness review of ``specfoundry diff`` against the check catalogue of oasdiff.

oasdiff (github.com/oasdiff/oasdiff, ``checker/rules.go``) is the reference breaking-change
detector for OpenAPI. This file takes the kinds of change it reports as ERR or WARN and asks
whether we report them too, at a comparable level and in the right direction. Every scenario
is a pair of small documents written for this review (a made-up parcel-shipping API, not
oasdiff's test data), with the verdict a careful reviewer gives, decided before the tool ran.

Two groups:

- gaps: oasdiff reports the change and we say nothing, or say it at a clearly lower level.
  Each is ``xfail(strict=True)`` with the reason, so a fix flips it. The docstring names the
  oasdiff check id(s) and the reviewer's reasoning.
- agreements: important oasdiff checks we already get right, kept as regression protection.

Not counted as gaps: oasdiff checks that are informational, about its own extensions
(``x-stability-level``, ``x-extensible-enum``), about OpenAPI 3.2 (``itemSchema``), or where we
are stricter than oasdiff (e.g. a changed default is a warning here, info there).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

Findings = list[dict[str, Any]]
Diff = Callable[..., Findings]

STR: dict[str, Any] = {"type": "string"}


def obj(required: list[str] | None = None, **props: Any) -> dict[str, Any]:
    """An object schema with the given properties."""
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


def api(
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    *,
    request_media: dict[str, Any] | None = None,
    response_media: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    **operation: Any,
) -> dict[str, Any]:
    """A one-operation API: ``POST /v1/shipments`` with a JSON request body and 201 response.

    ``request``/``response`` are the body schemas; ``request_media``/``response_media`` replace
    the whole media type object (to leave the schema out); no request at all means no body.
    """
    created = response_media if response_media is not None else {"schema": response or obj()}
    op: dict[str, Any] = {
        "operationId": "createShipment",
        "responses": {"201": {"description": "created", "content": {"application/json": created}}},
        **operation,
    }
    if request is not None or request_media is not None:
        media = request_media if request_media is not None else {"schema": request}
        op["requestBody"] = {"required": True, "content": {"application/json": media}}
    if parameters:
        op["parameters"] = parameters
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parcel shipping", "version": "1.0.0"},
        "paths": {"/v1/shipments": {"post": op}},
    }


@pytest.fixture
def diff(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> Diff:
    """Run ``specfoundry diff --format json`` on two dicts; return the findings."""

    def run(base: dict[str, Any], revision: dict[str, Any], *options: str) -> Findings:
        a, b = tmp_path / "base.json", tmp_path / "revision.json"
        a.write_text(json.dumps(base))
        b.write_text(json.dumps(revision))
        args = ["diff", str(a), str(b), "--format", "json", "--today", "2025-06-01", *options]
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1), result.stdout + result.stderr
        findings = json.loads(result.stdout)["findings"]
        print(json.dumps([(f["rule"], f["level"], f["message"]) for f in findings], indent=1))
        return findings

    return run


def levels(findings: Findings) -> set[str]:
    return {f["level"] for f in findings}


def has(findings: Findings, rule: str, level: str) -> bool:
    return any(f["rule"] == rule and f["level"] == level for f in findings)


def gap(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


# --------------------------------------------------------------------------------------------
# Former gaps, now compared: JSON Schema 2019-09/2020-12 keywords (OpenAPI 3.1)
# --------------------------------------------------------------------------------------------


def test_request_unevaluated_properties_false_added(diff: Diff) -> None:
    """oasdiff ``request-property-unevaluated-properties-added`` /
    ``request-body-unevaluated-properties-added`` (ERR).

    Adding ``unevaluatedProperties: false`` to a request body closes the object exactly as
    ``additionalProperties: false`` does (which we report as
    ``request-additional-properties-narrowed``, error): requests carrying any extra field are
    now rejected. Our docs already name ``unevaluatedProperties: false`` as a way an object is
    closed, so the silence here is inconsistent as well as incomplete.
    """
    base = obj(["recipient"], recipient=STR, note=STR)
    revision = {**base, "unevaluatedProperties": False}
    assert "error" in levels(diff(api(base), api(revision)))


def test_request_unevaluated_items_false_added(diff: Diff) -> None:
    """oasdiff ``request-property-unevaluated-items-added`` (ERR).

    A tuple of parcel dimensions that tolerated trailing items now forbids them: requests
    that sent a fourth value are rejected.
    """
    dims = {"type": "array", "prefixItems": [{"type": "number"}] * 3}
    base = obj(dimensions=dims)
    revision = obj(dimensions={**dims, "unevaluatedItems": False})
    assert "error" in levels(diff(api(base), api(revision)))


def test_request_if_then_added(diff: Diff) -> None:
    """oasdiff ``request-property-if-added`` / ``request-property-then-added`` (ERR).

    A conditional is added to the request: international shipments now need a customs code.
    Requests for international shipments without one were valid and are now rejected.
    """
    base = obj(["destination"], destination=STR, customs_code=STR)
    revision = {
        **base,
        "if": {"properties": {"destination": {"const": "international"}}},
        "then": {"required": ["customs_code"]},
    }
    assert "error" in levels(diff(api(base), api(revision)))


def test_response_then_removed(diff: Diff) -> None:
    """oasdiff ``response-property-then-removed`` / ``response-property-if-removed`` (ERR).

    The response promised a tracking URL whenever the status is ``shipped``; the conditional
    is dropped, so clients that read the URL of a shipped parcel may now find none.
    """
    base_schema = obj(["status"], status=STR, tracking_url=STR)
    conditional = {
        "if": {"properties": {"status": {"const": "shipped"}}},
        "then": {"required": ["tracking_url"]},
    }
    base = api(response={**base_schema, **conditional})
    revision = api(response=base_schema)
    assert "error" in levels(diff(base, revision))


def test_request_dependent_required_added(diff: Diff) -> None:
    """oasdiff ``request-property-dependent-required-added`` (ERR).

    Sending ``insured_value`` now also requires ``currency``: requests that sent the value
    alone were valid and are rejected.
    """
    base = obj(insured_value={"type": "number"}, currency=STR)
    revision = {**base, "dependentRequired": {"insured_value": ["currency"]}}
    assert "error" in levels(diff(api(base), api(revision)))


def test_response_dependent_required_removed(diff: Diff) -> None:
    """oasdiff ``response-property-dependent-required-removed`` (ERR).

    Responses promised ``currency`` whenever ``insured_value`` is present; the promise is
    dropped, so clients formatting the amount may meet a value with no currency.
    """
    schema = obj(insured_value={"type": "number"}, currency=STR)
    base = api(response={**schema, "dependentRequired": {"insured_value": ["currency"]}})
    assert "error" in levels(diff(base, api(response=schema)))


def test_request_dependent_schema_added(diff: Diff) -> None:
    """oasdiff ``request-property-dependent-schema-added`` (ERR).

    When ``pickup_window`` is sent, ``pickup_address`` is now required too: narrowing.
    """
    base = obj(pickup_window=STR, pickup_address=STR)
    revision = {**base, "dependentSchemas": {"pickup_window": {"required": ["pickup_address"]}}}
    assert "error" in levels(diff(api(base), api(revision)))


def test_request_contains_added(diff: Diff) -> None:
    """oasdiff ``request-property-contains-added`` (ERR).

    The ``labels`` array must now contain a ``fragile``/``standard`` handling label: requests
    with other labels only (or none) are rejected.
    """
    labels = {"type": "array", "items": STR}
    base = obj(labels=labels)
    revision = obj(labels={**labels, "contains": {"enum": ["fragile", "standard"]}})
    assert "error" in levels(diff(api(base), api(revision)))


def test_request_min_contains_increased(diff: Diff) -> None:
    """oasdiff ``request-property-min-contains-increased`` (ERR).

    At least two matching items are now needed where one sufficed.
    """
    labels = {"type": "array", "items": STR, "contains": {"const": "signed"}}
    base = obj(labels={**labels, "minContains": 1})
    revision = obj(labels={**labels, "minContains": 2})
    assert "error" in levels(diff(api(base), api(revision)))


def test_response_contains_removed(diff: Diff) -> None:
    """oasdiff ``response-property-contains-removed`` (ERR).

    Responses promised at least one ``primary`` contact in the list; clients that pick it
    may now find none.
    """
    contacts = {"type": "array", "items": STR}
    base = api(response=obj(contacts={**contacts, "contains": {"const": "primary"}}))
    revision = api(response=obj(contacts=contacts))
    assert "error" in levels(diff(base, revision))


def test_request_pattern_property_added(diff: Diff) -> None:
    """oasdiff ``request-property-pattern-property-added`` (ERR).

    A free-form ``metadata`` map now requires keys starting ``x-`` to have string values:
    requests that sent ``{"x-priority": 3}`` are rejected.
    """
    base = obj(metadata={"type": "object"})
    revision = obj(metadata={"type": "object", "patternProperties": {"^x-": STR}})
    assert "error" in levels(diff(api(base), api(revision)))


def test_response_pattern_property_removed(diff: Diff) -> None:
    """oasdiff ``response-property-pattern-property-removed`` (ERR).

    Values under ``x-`` keys of the response's ``metadata`` were promised to be strings; the
    promise is gone, so clients may now meet numbers or objects there.
    """
    base = api(response=obj(metadata={"type": "object", "patternProperties": {"^x-": STR}}))
    revision = api(response=obj(metadata={"type": "object"}))
    assert "error" in levels(diff(base, revision))


def test_request_property_names_added(diff: Diff) -> None:
    """oasdiff ``request-property-property-names-added`` (ERR).

    Keys of ``metadata`` must now be lowercase: requests with ``{"Ref": ...}`` are rejected.
    """
    base = obj(metadata={"type": "object"})
    revision = obj(metadata={"type": "object", "propertyNames": {"pattern": "^[a-z_]+$"}})
    assert "error" in levels(diff(api(base), api(revision)))


def test_request_content_media_type_changed(diff: Diff) -> None:
    """oasdiff ``request-property-content-media-type-changed`` (ERR).

    The embedded shipping label must now be a PDF instead of a PNG: clients still send PNGs.
    """
    base = obj(label={"type": "string", "contentMediaType": "image/png"})
    revision = obj(label={"type": "string", "contentMediaType": "application/pdf"})
    assert "error" in levels(diff(api(base), api(revision)))


def test_response_content_encoding_changed(diff: Diff) -> None:
    """oasdiff ``response-property-content-encoding-changed`` (ERR).

    The label in the response switches from base64 to base32: clients decode it wrongly.
    """
    base = api(response=obj(label={"type": "string", "contentEncoding": "base64"}))
    revision = api(response=obj(label={"type": "string", "contentEncoding": "base32"}))
    assert "error" in levels(diff(base, revision))


def test_request_content_schema_added(diff: Diff) -> None:
    """oasdiff ``request-property-content-schema-added`` (ERR).

    A JSON-in-a-string field gains a ``contentSchema`` requiring ``carrier``: embedded
    documents without it are now invalid.
    """
    embedded = {"type": "string", "contentMediaType": "application/json"}
    base = obj(options=embedded)
    revision = obj(options={**embedded, "contentSchema": obj(["carrier"], carrier=STR)})
    assert "error" in levels(diff(api(base), api(revision)))


# --------------------------------------------------------------------------------------------
# Gaps: media types and bodies
# --------------------------------------------------------------------------------------------


def test_request_media_type_schema_added(diff: Diff) -> None:
    """oasdiff ``request-body-media-type-schema-added`` (ERR).

    ``application/json`` had no schema (any JSON accepted); now it has one with a required
    property, so most bodies clients send are rejected. Comparing ``{}`` (no schema) with the
    new schema as ordinary schemas would give this for free.
    """
    base = api(request_media={})
    revision = api(obj(["recipient"], recipient=STR))
    assert "error" in levels(diff(base, revision))


def test_response_media_type_schema_removed(diff: Diff) -> None:
    """oasdiff ``response-body-media-type-schema-removed`` (ERR).

    The response dropped its schema: the required ``id`` clients read is no longer promised,
    and any JSON may come back.
    """
    base = api(response=obj(["id"], id=STR))
    revision = api(response_media={})
    assert "error" in levels(diff(base, revision))


def test_request_body_removed_is_a_warning(diff: Diff) -> None:
    """oasdiff ``request-body-removed`` (ERR); we say ``request-body-removed`` (warning), on
    purpose: a level disagreement, not a gap.

    The review argued that a required body removed changes the operation's meaning. We keep
    the warning for the reason the rule gives: what clients send is ignored, so their
    requests keep succeeding, exactly as a removed request property
    (``request-property-removed``) or parameter (``request-parameter-removed``) is ignored,
    both warnings. An error is for a request that is now rejected; where the server does
    refuse a body, that is the server's choice, not the document's.
    """
    base = api(obj(["recipient"], recipient=STR))
    revision = api()
    found = diff(base, revision)
    assert has(found, "request-body-removed", "warning")
    assert "error" not in levels(found)


# --------------------------------------------------------------------------------------------
# Response shapes widened through composition and const (level disagreements kept on
# purpose, and former gaps)
# --------------------------------------------------------------------------------------------


def test_response_one_of_alternative_added(diff: Diff) -> None:
    """oasdiff ``response-property-one-of-added`` / ``response-body-one-of-added`` (ERR); we say
    ``response-property-variant-added`` (warning), on purpose: a level disagreement.

    The response may now be a third shape (a locker pickup) that no existing client has code
    for. The review called a whole new shape the stronger change than a new enum value; we
    keep both at the same level, because they are the same kind of change: every response an
    old client got is still valid and still means what it meant, and a new alternative (like
    a new enum value) can only reach clients that are sent the new case. Clients written
    against a `oneOf` already dispatch over alternatives and need a default branch, as they
    do for enums; a warning asks for that review without failing every additive release.
    """
    home = obj(["address"], address=STR)
    depot = obj(["depot_id"], depot_id=STR)
    locker = obj(["locker_code"], locker_code={"type": "integer"})
    base = api(response={"oneOf": [home, depot]})
    revision = api(response={"oneOf": [home, depot, locker]})
    found = diff(base, revision)
    assert has(found, "response-property-variant-added", "warning")
    assert "error" not in levels(found)


def test_response_any_of_alternative_added(diff: Diff) -> None:
    """oasdiff ``response-property-any-of-added`` (ERR); we say ``response-property-variant-added``
    (warning), on purpose. Same reasoning as the oneOf case, for a nested property."""
    a, b = obj(["kg"], kg={"type": "number"}), obj(["lb"], lb={"type": "number"})
    c = obj(["oz"], oz={"type": "number"})
    base = api(response=obj(weight={"anyOf": [a, b]}))
    revision = api(response=obj(weight={"anyOf": [a, b, c]}))
    found = diff(base, revision)
    assert has(found, "response-property-variant-added", "warning")
    assert "error" not in levels(found)


def test_response_body_wrapped_in_one_of(diff: Diff) -> None:
    """oasdiff ``response-body-wrapped-in-one-of`` (ERR); we said
    ``response-property-composition-changed`` (review by hand) and now say
    ``response-property-variant-added`` (warning).

    The response used to be one object; now it is one of two, the old one plus a new shape.
    The old schema survives unchanged as one alternative, so the comparison is decidable: it
    is a variant added to a response, at that rule's level (a warning, see the oneOf case
    above for why not an error).
    """
    parcel = obj(["id"], id=STR)
    pallet = obj(["pallet_id"], pallet_id={"type": "integer"})
    base = api(response=parcel)
    revision = api(response={"oneOf": [parcel, pallet]})
    found = diff(base, revision)
    assert [(f["rule"], f["level"]) for f in found] == [
        ("response-property-variant-added", "warning")
    ]


def test_response_const_changed(diff: Diff) -> None:
    """oasdiff ``response-property-const-changed`` (ERR); we said
    ``response-property-enum-value-added`` (warning) plus ``...-removed`` (info), and now
    ``response-property-const-changed`` (error).

    ``kind`` was always ``parcel`` and is now always ``parcel_v2``: unlike an enum value
    added (clients may meet a new value sometimes), every response now carries a value old
    clients never accept, and the value they dispatch on never comes again.
    """
    base = api(response=obj(["kind"], kind={"type": "string", "const": "parcel"}))
    revision = api(response=obj(["kind"], kind={"type": "string", "const": "parcel_v2"}))
    assert has(diff(base, revision), "response-property-const-changed", "error")


def test_response_const_removed(diff: Diff) -> None:
    """oasdiff ``response-property-const-removed`` (ERR); we said
    ``response-property-enum-removed`` (warning) and now say
    ``response-property-const-removed`` (warning): a rule of its own, at our level.

    A field promised to be exactly ``parcel`` may now be anything: clients that treat it as a
    fixed tag may meet another value. But nothing they receive today changed: every response
    still may carry ``parcel``, so this is the enum case (``enum-removed``, a warning: values
    may now vary), not ``const-changed``, where every response carries a value old clients
    never accept (an error).
    """
    base = api(response=obj(["kind"], kind={"type": "string", "const": "parcel"}))
    revision = api(response=obj(["kind"], kind=STR))
    found = diff(base, revision)
    assert has(found, "response-property-const-removed", "warning")
    assert "error" not in levels(found)


# --------------------------------------------------------------------------------------------
# Gaps: the x-sunset policy (our docs claim x-sunset / --min-deprecation-days support)
# --------------------------------------------------------------------------------------------


def _deprecated(sunset: str | None) -> dict[str, Any]:
    extra: dict[str, Any] = {"deprecated": True}
    if sunset is not None:
        extra["x-sunset"] = sunset
    return extra


def test_operation_sunset_moved_earlier(diff: Diff) -> None:
    """oasdiff ``api-sunset-date-changed-too-small`` (ERR).

    The deprecated operation's sunset moves from 2026-12-31 to 2025-07-01, a month away while
    the policy asks for 90 days' notice. Clients planned their migration against the
    published date; the removal itself will later look on time, because it is checked
    against the (already shortened) base. The shortening is the moment to object.
    """
    base = api(**_deprecated("2026-12-31"))
    revision = api(**_deprecated("2025-07-01"))
    assert "error" in levels(diff(base, revision, "--min-deprecation-days", "90"))


def test_operation_sunset_deleted(diff: Diff) -> None:
    """oasdiff ``sunset-deleted`` (ERR).

    The operation stays deprecated but its ``x-sunset`` disappears. With our policy an
    operation deprecated without a sunset may be removed at once (``deprecated-operation-
    removed``, info, when ``--min-deprecation-days`` is 0), so deleting the date silently
    turns a dated promise into none: a two-step early removal. At least a warning.
    """
    base = api(**_deprecated("2026-12-31"))
    revision = api(**_deprecated(None))
    assert levels(diff(base, revision)) & {"warning", "error"}


def test_parameter_sunset_moved_earlier(diff: Diff) -> None:
    """oasdiff ``request-parameter-sunset-date-changed-too-small`` (ERR); we say
    ``request-parameter-sunset-moved-too-early`` (warning; it was an error).

    Same as the operation case, for a deprecated query parameter, but at the level of the
    removal it lets through early: removing the parameter before its sunset is a warning
    (``request-parameter-removed-before-sunset``, see below), because clients still sending
    it have it ignored. Shortening the promise cannot be more serious than breaking it.
    """

    def param(sunset: str) -> list[dict[str, Any]]:
        return [
            {"name": "carrier", "in": "query", "schema": STR, **_deprecated(sunset)},
        ]

    base = api(parameters=param("2026-12-31"))
    revision = api(parameters=param("2025-07-01"))
    found = diff(base, revision, "--min-deprecation-days", "90")
    assert has(found, "request-parameter-sunset-moved-too-early", "warning")
    assert "error" not in levels(found)


def test_response_tuple_opened_is_a_warning(diff: Diff) -> None:
    """``response-property-no-longer-false`` (warning; it was info).

    The response's ``dims`` tuple was closed (``items: false``: exactly three numbers) and
    now allows more elements. That is the same effect as a position added to a closed tuple
    (``response-property-prefix-item-added``, a warning) or additional properties allowed
    (``response-additional-properties-widened``, a warning): tolerant clients ignore the
    extra element, fixed-length decoders reject it.
    """
    closed = {"type": "array", "prefixItems": [{"type": "number"}] * 3, "items": False}
    opened = {"type": "array", "prefixItems": [{"type": "number"}] * 3}
    base = api(response=obj(dims=closed))
    revision = api(response=obj(dims=opened))
    found = diff(base, revision)
    assert has(found, "response-property-no-longer-false", "warning")
    assert "error" not in levels(found)


def test_deprecated_with_unparseable_sunset(diff: Diff) -> None:
    """oasdiff ``api-deprecated-sunset-parse`` (ERR); we say ``operation-deprecated`` (info,
    "sunset soon").

    Our docs say ``x-sunset`` is a date. ``soon`` cannot be enforced: we only notice at
    removal time (``operation-removed-before-sunset``). The author should hear it when writing
    the deprecation, as a warning.
    """
    base = api()
    revision = api(**_deprecated("soon"))
    assert levels(diff(base, revision)) & {"warning", "error"}


def test_parameter_removed_before_sunset_is_a_warning(diff: Diff) -> None:
    """oasdiff ``request-parameter-removed-before-sunset`` (ERR); we say
    ``request-parameter-removed-before-sunset`` (warning), on purpose: a level disagreement.

    The review argued the published date is a promise that should fail the build, as it
    does for operations, callbacks and webhooks. We keep the rule's reasoning: removing a
    parameter before its sunset is "as serious as removing a parameter that was never
    deprecated" (``request-parameter-removed``, a warning), because clients still sending it
    have it ignored and their requests keep succeeding, whereas a removed operation, callback
    or webhook makes their calls fail. Deprecation can lower a removal's level once the
    notice was given, not raise it above what the removal itself breaks.
    """
    carrier = {"name": "carrier", "in": "query", "schema": STR, **_deprecated("2026-12-31")}
    base = api(parameters=[carrier])
    revision = api()
    found = diff(base, revision)
    assert has(found, "request-parameter-removed-before-sunset", "warning")
    assert "error" not in levels(found)


# --------------------------------------------------------------------------------------------
# Agreements: important oasdiff checks we get right (regression protection)
# --------------------------------------------------------------------------------------------

BASE_REQUEST = obj(
    ["recipient"],
    recipient={"type": "string", "maxLength": 100},
    service={"type": "string", "enum": ["standard", "express"]},
    reference={"type": "string", "pattern": "^[A-Z]{3}$"},
    pieces={"type": "integer", "multipleOf": 1},
)
BASE_RESPONSE = obj(
    ["id", "status"],
    id=STR,
    status={"type": "string", "enum": ["created", "shipped"]},
    weight={"type": "integer"},
)


def shipping(**edits: Any) -> dict[str, Any]:
    """The agreements' base document, with a rate-limit header and a query parameter."""
    doc = api(
        copy.deepcopy(BASE_REQUEST),
        copy.deepcopy(BASE_RESPONSE),
        parameters=[{"name": "dry_run", "in": "query", "schema": {"type": "boolean"}}],
    )
    created = doc["paths"]["/v1/shipments"]["post"]["responses"]["201"]
    created["headers"] = {"X-Rate-Limit": {"required": True, "schema": {"type": "integer"}}}
    doc["components"] = {
        "securitySchemes": {
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": "https://auth.example/token",
                        "scopes": {"ship:write": "create", "ship:admin": "administer"},
                    }
                },
            }
        }
    }
    doc["paths"]["/v1/shipments"]["post"]["security"] = [{"oauth": ["ship:write"]}]
    return doc


def op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/v1/shipments"]["post"]


def req(doc: dict[str, Any]) -> dict[str, Any]:
    return op(doc)["requestBody"]["content"]["application/json"]["schema"]


def resp(doc: dict[str, Any]) -> dict[str, Any]:
    return op(doc)["responses"]["201"]["content"]["application/json"]["schema"]


def test_operation_removed(diff: Diff) -> None:
    """oasdiff ``api-path-removed-without-deprecation`` (ERR): ``operation-removed``, error."""
    revision = shipping()
    revision["paths"] = {}
    assert has(diff(shipping(), revision), "operation-removed", "error")


def test_new_required_request_property(diff: Diff) -> None:
    """oasdiff ``new-required-request-property`` (ERR): ``request-property-added-required``."""
    revision = shipping()
    req(revision)["properties"]["weight_kg"] = {"type": "number"}
    req(revision)["required"].append("weight_kg")
    assert has(diff(shipping(), revision), "request-property-added-required", "error")


def test_request_enum_value_removed(diff: Diff) -> None:
    """oasdiff ``request-property-enum-value-removed`` (ERR)."""
    revision = shipping()
    req(revision)["properties"]["service"]["enum"] = ["standard"]
    assert has(diff(shipping(), revision), "request-property-enum-value-removed", "error")


def test_request_max_length_decreased(diff: Diff) -> None:
    """oasdiff ``request-property-max-length-decreased`` (ERR): ``constraint-narrowed``."""
    revision = shipping()
    req(revision)["properties"]["recipient"]["maxLength"] = 50
    assert has(diff(shipping(), revision), "request-property-constraint-narrowed", "error")


def test_request_pattern_changed(diff: Diff) -> None:
    """oasdiff ``request-property-pattern-changed`` (WARN): same rule name and level."""
    revision = shipping()
    req(revision)["properties"]["reference"]["pattern"] = "^[A-Z]{2}[0-9]$"
    assert has(diff(shipping(), revision), "request-property-pattern-changed", "warning")


def test_request_multiple_of_changed(diff: Diff) -> None:
    """oasdiff ``request-property-multiple-of-changed`` (ERR): ``constraint-narrowed``."""
    revision = shipping()
    req(revision)["properties"]["pieces"]["multipleOf"] = 2
    assert has(diff(shipping(), revision), "request-property-constraint-narrowed", "error")


def test_request_parameter_became_required(diff: Diff) -> None:
    """oasdiff ``request-parameter-became-required`` (ERR)."""
    revision = shipping()
    op(revision)["parameters"][0]["required"] = True
    assert has(diff(shipping(), revision), "request-parameter-became-required", "error")


def test_response_required_property_removed(diff: Diff) -> None:
    """oasdiff ``response-required-property-removed`` (ERR): ``response-property-removed``."""
    revision = shipping()
    del resp(revision)["properties"]["status"]
    resp(revision)["required"] = ["id"]
    assert has(diff(shipping(), revision), "response-property-removed", "error")


def test_response_property_became_optional(diff: Diff) -> None:
    """oasdiff ``response-property-became-optional`` (ERR)."""
    revision = shipping()
    resp(revision)["required"] = ["id"]
    assert has(diff(shipping(), revision), "response-property-became-optional", "error")


def test_response_enum_value_added(diff: Diff) -> None:
    """oasdiff ``response-property-enum-value-added`` (WARN): same rule name and level."""
    revision = shipping()
    resp(revision)["properties"]["status"]["enum"].append("lost")
    assert has(diff(shipping(), revision), "response-property-enum-value-added", "warning")


def test_response_type_generalized(diff: Diff) -> None:
    """oasdiff ``response-property-type-generalized`` (ERR): integer to number is a type
    change clients that parse integers cannot follow."""
    revision = shipping()
    resp(revision)["properties"]["weight"] = {"type": "number"}
    assert has(diff(shipping(), revision), "response-property-type-changed", "error")


def test_response_became_nullable(diff: Diff) -> None:
    """oasdiff ``response-property-became-nullable`` (ERR)."""
    revision = shipping()
    resp(revision)["properties"]["id"] = {"type": ["string", "null"]}
    assert has(diff(shipping(), revision), "response-property-became-nullable", "error")


def test_required_response_header_removed(diff: Diff) -> None:
    """oasdiff ``required-response-header-removed`` (ERR): ``response-header-removed``."""
    revision = shipping()
    del op(revision)["responses"]["201"]["headers"]
    assert has(diff(shipping(), revision), "response-header-removed", "error")


def test_success_status_removed(diff: Diff) -> None:
    """oasdiff ``response-success-status-removed`` (ERR)."""
    revision = shipping()
    op(revision)["responses"] = {"202": op(revision)["responses"].pop("201")}
    assert has(diff(shipping(), revision), "response-success-status-removed", "error")


def test_request_media_type_removed(diff: Diff) -> None:
    """oasdiff ``request-body-media-type-removed`` (ERR): ``request-media-type-removed``."""
    revision = shipping()
    content = op(revision)["requestBody"]["content"]
    content["application/merge-patch+json"] = content.pop("application/json")
    assert has(diff(shipping(), revision), "request-media-type-removed", "error")


def test_security_scope_added(diff: Diff) -> None:
    """oasdiff ``api-security-scope-added`` (ERR): ``security-scope-added``."""
    revision = shipping()
    op(revision)["security"] = [{"oauth": ["ship:write", "ship:admin"]}]
    assert has(diff(shipping(), revision), "security-scope-added", "error")


def test_unevaluated_properties_closed_object_property_removed(diff: Diff) -> None:
    """oasdiff has no exact counterpart; kept next to the unevaluatedProperties gap to pin what
    we already do: a property removed from an object closed by ``unevaluatedProperties:
    false`` is ``request-property-removed-from-closed-object`` (error)."""
    closed = {**obj(recipient=STR, note=STR), "unevaluatedProperties": False}
    narrower = {**obj(recipient=STR), "unevaluatedProperties": False}
    found = diff(api(closed), api(narrower))
    assert has(found, "request-property-removed-from-closed-object", "error")
