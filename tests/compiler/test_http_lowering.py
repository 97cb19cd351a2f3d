"""The HTTP lowering decides every HTTP convention once; the emitters only read it.

Each test pins one convention of docs/api-conventions.md (operation ids, methods and paths,
statuses and problem types, preconditions, deprecation headers, permissions) so that changing it
is a visible decision, and checks that the OpenAPI document, the service's view models and the
generated test plan agree with the lowering.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import yaml

from specfoundry.compiler import load_model
from specfoundry.emit.openapi import build_openapi
from specfoundry.emit.service import testplan
from specfoundry.emit.service.catalog import build_catalog
from specfoundry.emit.service.literals import python_literal
from specfoundry.emit.service.views import service_view
from specfoundry.lower.http import lower_http
from specfoundry.model import FieldType, Service
from specfoundry.model.http import HttpSurface, OperationKind

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "examples" / "minimal" / "spec.yaml"


@pytest.fixture(scope="module")
def analytics() -> Service:
    return load_model(ROOT / "examples" / "analytics")


@pytest.fixture(scope="module")
def surface(analytics: Service) -> HttpSurface:
    return lower_http(analytics)


def _variant(
    tmp_path: Path, edit: dict[str, object], fields: dict[str, object] | None = None
) -> Service:
    """The minimal spec with ``edit`` merged into its ``notes`` resource (and ``fields`` into
    the note entity)."""
    spec = yaml.safe_load(MINIMAL.read_text())
    spec["api"]["resources"]["notes"].update(edit)
    spec["entities"]["note"]["fields"].update(fields or {})
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return load_model(path)


def test_ids_methods_and_paths_follow_one_convention(surface: HttpSurface) -> None:
    ops = surface.resource("data-sources").operations
    assert [(o.id.raw, o.method, o.path, o.kind, o.action.raw) for o in ops[:6]] == [
        ("list_data_sources", "GET", "/v1/data-sources", OperationKind.LIST, "list"),
        ("get_data_source", "GET", "/v1/data-sources/{id}", OperationKind.READ, "read"),
        ("create_data_source", "POST", "/v1/data-sources", OperationKind.CREATE, "create"),
        ("update_data_source", "PATCH", "/v1/data-sources/{id}", OperationKind.UPDATE, "update"),
        ("delete_data_source", "DELETE", "/v1/data-sources/{id}", OperationKind.DELETE, "delete"),
        (
            "connect_data_source",
            "POST",
            "/v1/data-sources/{id}/connect",
            OperationKind.TRANSITION,
            "connect",
        ),
    ]
    connect = ops[5]
    assert connect.suffix == "/{id}/connect"
    assert connect.path_params == ("id",)
    assert connect.transition is not None and connect.transition.raw == "connect"
    assert ops[0].path_params == ()


def test_success_statuses_schemas_and_preconditions(surface: HttpSurface) -> None:
    by_kind = {o.kind: o for o in surface.resource("members").operations}
    assert {k.value: o.status for k, o in by_kind.items()} == {
        "list": 200,
        "read": 200,
        "create": 201,
        "update": 200,
        "delete": 204,
    }
    assert {k.value: (o.request_schema, o.response_schema) for k, o in by_kind.items()} == {
        "list": (None, "MemberList"),
        "read": (None, "Member"),
        "create": ("MemberCreate", "Member"),
        "update": ("MemberUpdate", "Member"),
        "delete": (None, None),
    }
    assert [k.value for k, o in by_kind.items() if o.takes_if_match] == ["update", "delete"]
    assert [k.value for k, o in by_kind.items() if o.takes_if_none_match] == ["read"]
    assert [k.value for k, o in by_kind.items() if o.collection] == ["list", "create"]
    assert not any(o.if_match_required for o in by_kind.values())
    assert 304 in by_kind[OperationKind.READ].statuses


def test_error_statuses_and_problem_types_per_kind(surface: HttpSurface) -> None:
    ops = surface.resource("data-sources").operations
    errors = {o.kind.value: {e.status: e.response for e in o.errors} for o in ops[:6]}
    common = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
    common[402] = "PaymentRequired"  # analytics gates data sources behind a billing feature
    tail = {429: "TooManyRequests", 500: "InternalError"}  # analytics has rate limits
    assert errors["list"] == {**common, 422: "UnprocessableContent", **tail}
    assert errors["read"] == {**common, **tail}
    write = {409: "Conflict", 413: "ContentTooLarge", 422: "UnprocessableContent"}
    assert errors["create"] == {**common, **write, **tail}
    assert errors["update"] == {**common, **write, 412: "PreconditionFailed", **tail}
    # analytics deprecates deleting a data source, with a sunset: Gone from then on
    gone = {409: "Conflict", 410: "Gone", 412: "PreconditionFailed"}
    assert errors["delete"] == {**common, **gone, **tail}
    assert errors["transition"] == {
        **common,
        409: "TransitionConflict",
        412: "PreconditionFailed",
        422: "UnprocessableContent",  # analytics takes Idempotency-Key on POST: key reused
        **tail,
    }
    transition = ops[5]
    assert {"invalid-transition", "guard-failed"} <= set(transition.problems)
    assert transition.statuses == (200, 400, 401, 402, 403, 404, 409, 412, 422, 429, 500)


def test_deprecation_headers_are_rfc_9745_and_8594(surface: HttpSurface) -> None:
    deprecated = surface.resource("data-sources").deprecated
    assert [o.id.raw for o in deprecated] == ["delete_data_source"]
    d = deprecated[0].deprecation
    assert d is not None
    assert d.since == dt.date(2026, 9, 1) and d.sunset == dt.date(2027, 3, 1)
    since = calendar.timegm(dt.date(2026, 9, 1).timetuple())
    assert d.deprecation_header == f"@{since}"
    assert d.sunset_header == "Mon, 01 Mar 2027 00:00:00 GMT"
    assert parsedate_to_datetime(d.sunset_header).date() == d.sunset
    assert 410 in deprecated[0].statuses  # answers Gone from the sunset on


def test_resource_wide_deprecation_and_required_precondition(tmp_path: Path) -> None:
    model = _variant(
        tmp_path, {"deprecated": {"since": "2026-01-01"}, "require_precondition": True}
    )
    (notes,) = lower_http(model).resources
    assert [o.id.raw for o in notes.deprecated] == [o.id.raw for o in notes.operations]
    assert all(o.deprecation and o.deprecation.sunset_header is None for o in notes.operations)
    assert all(410 not in o.statuses for o in notes.operations)  # no sunset, never Gone
    update = notes.operation(OperationKind.UPDATE)
    assert update is not None and update.if_match_required and 428 in update.statuses
    listing = notes.operation(OperationKind.LIST)
    assert listing is not None and 428 not in listing.statuses and 429 not in listing.statuses


def test_openapi_views_and_test_plan_read_the_lowering(
    analytics: Service, surface: HttpSurface
) -> None:
    document = build_openapi(analytics, validate=False).document
    # Routes of the platform features (billing's /webhooks/stripe and /v1/usage, ...) are the
    # runtime's, not the spec resources': the lowering covers every resource path.
    resource_paths = {r.collection_path for r in surface.resources}
    from_contract = sorted(
        (op["operationId"], method.upper(), path, op.get("deprecated", False))
        for path, item in document["paths"].items()
        for method, op in item.items()
        if any(path == p or path.startswith(p + "/") for p in resource_paths)
    )
    from_surface = sorted(
        (o.id.raw, o.method, o.path, o.deprecation is not None) for o in surface.operations
    )
    assert from_contract == from_surface
    for o in surface.operations:
        responses = document["paths"][o.path][o.method_lower]["responses"]
        assert sorted(int(s) for s in responses) == list(o.statuses)

    svc = service_view(analytics)
    routes = sorted(
        (route.http.id.raw, route.http.method, r.base_path + route.http.suffix)
        for r in svc.resources
        for route in r.routes
    )
    assert routes == sorted((o.id.raw, o.method, o.path) for o in surface.operations)

    rows = testplan.deprecated_table(surface)
    assert rows == [("data-sources", "delete", "DELETE", "/{id}", "2027-03-01")]


def test_one_literal_renderer_for_defaults(tmp_path: Path) -> None:
    assert python_literal(Decimal("1.5"), FieldType.MONEY) == 'Decimal("1.5")'
    assert python_literal("0.00", FieldType.DECIMAL) == 'Decimal("0.00")'
    assert python_literal(dt.date(2026, 1, 2)) == "dt.date.fromisoformat('2026-01-02')"
    assert python_literal("2026-01-02", FieldType.DATE) == "dt.date.fromisoformat('2026-01-02')"
    assert python_literal(None, FieldType.DATE) == "None"
    assert python_literal("viewer", FieldType.ENUM) == "'viewer'"
    # An unquoted date default (YAML reads it as a date) reaches the ORM and the request
    # schema as the same Python value.
    model = _variant(tmp_path, {}, {"due": {"type": "date", "default": dt.date(2026, 5, 1)}})
    expected = "dt.date.fromisoformat('2026-05-01')"
    column = build_catalog(model).table("notes").column("due")
    assert column.default == expected
    (note,) = service_view(model).resources
    assert next(f for f in note.fields if f.name == "due").create_default == expected
