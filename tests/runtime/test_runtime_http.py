"""The runtime's HTTP behaviour against the fixture app (tests/runtime/fixture_app.py):
problem documents, preconditions, cursors, strict requests, the request guard."""

from __future__ import annotations

import base64
import json

import pytest

from specfoundry.runtime import pagination, routing
from specfoundry.runtime.problem_types import PROBLEM_TYPES
from specfoundry.runtime.problems import TYPES, Problem
from tests.runtime.fixture_app import Caller, build_app

PROBLEM = "application/problem+json"


@pytest.fixture
def api() -> Caller:
    return Caller(build_app())


def _problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == TYPES[slug][2]
    assert body["status"] == status
    return body


def test_problem_types_table_is_the_registry() -> None:
    assert list(TYPES) == [p.slug for p in PROBLEM_TYPES]
    assert TYPES["quota-exceeded"][2].startswith("https://iana.org/")


def test_validation_error_points_at_the_field(api: Caller) -> None:
    body = _problem(api.client.post("/items", json={"name": 5}), 422, "validation-error")
    assert body["errors"][0]["pointer"] == "/name"
    assert body["instance"] == "/items"


def test_malformed_json_is_400(api: Caller) -> None:
    response = api.client.post("/items", content=b"{", headers={"content-type": "application/json"})
    _problem(response, 400, "bad-request")


def test_unknown_path_and_method(api: Caller) -> None:
    _problem(api.client.get("/nowhere"), 404, "not-found")
    body = _problem(api.client.delete("/items"), 405, "method-not-allowed")
    assert body["detail"] == "This path does not accept this method."
    assert api.client.delete("/items").headers["allow"] == "GET, POST"


def test_unhandled_error_is_a_500_problem_without_internals(
    api: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    body = _problem(api.client.get("/items/boom/now"), 500, "internal-error")
    assert "secret" not in json.dumps(body)
    assert any(r.name == "shop" and r.exc_info for r in caplog.records)


def test_unknown_query_parameter_and_unexpected_body(api: Caller) -> None:
    body = _problem(api.client.get("/items", params={"colour": "red"}), 400, "bad-request")
    assert "`colour`" in body["detail"]
    response = api.client.request("GET", "/items/nope", content=b"{}")
    assert _problem(response, 400, "bad-request")["detail"].endswith("takes no request body.")


def test_authorize_refuses_a_collection_action_no_role_holds() -> None:
    reader = Caller(build_app(), roles=("reader",))
    _problem(reader.client.post("/items", json={"name": "x"}), 403, "forbidden")
    assert reader.client.get("/items").status_code == 200


def test_missing_and_bad_tokens_are_401(api: Caller) -> None:
    response = api.client.get("/items", headers={"Authorization": ""})
    _problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    response = api.client.get("/items", headers={"Authorization": "Bearer nope"})
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    api.app.state.tenants.known.clear()
    detail = _problem(api.client.get("/items"), 401, "unauthorized")["detail"]
    assert "tenant does not exist" in detail


def test_etag_if_none_match_and_if_match(api: Caller) -> None:
    created = api.client.post("/items", json={"name": "a"})
    assert created.status_code == 201
    tag, item = created.headers["etag"], created.json()["id"]
    assert tag == '"1"'
    assert api.client.get(f"/items/{item}", headers={"If-None-Match": tag}).status_code == 304
    weak = api.client.get(f"/items/{item}", headers={"If-None-Match": f"W/{tag}"})
    assert weak.status_code == 304
    assert api.client.get(f"/items/{item}", headers={"If-None-Match": '"9"'}).status_code == 200
    url = f"/items/{item}"
    _problem(api.client.patch(url, json={"name": "b"}), 428, "precondition-required")
    weak_match = api.client.patch(url, json={"name": "b"}, headers={"If-Match": f"W/{tag}"})
    _problem(weak_match, 412, "precondition-failed")
    updated = api.client.patch(url, json={"name": "b"}, headers={"If-Match": tag})
    assert updated.json() == {"name": "b", "version": 2}
    star = api.client.patch(url, json={"name": "c"}, headers={"If-Match": "*"})
    assert star.status_code == 200


def test_restricted_field_is_refused_not_dropped(api: Caller) -> None:
    item = api.client.post("/items", json={"name": "a"}).json()["id"]
    response = api.client.patch(
        f"/items/{item}", json={"name": "b", "rank": 1}, headers={"If-Match": "*"}
    )
    assert "`rank`" in _problem(response, 403, "forbidden")["detail"]


def test_ids_that_are_not_uuids_are_404(api: Caller) -> None:
    _problem(api.client.get("/items/not-a-uuid"), 404, "not-found")


def test_other_tenants_objects_are_missing(api: Caller) -> None:
    item = api.client.post("/items", json={"name": "a"}).json()["id"]
    other = Caller(api.app)
    _problem(other.client.get(f"/items/{item}"), 404, "not-found")


@pytest.mark.parametrize("sort", ["name", "-name", "rank", "-rank"])
def test_cursor_pages_walk_every_row_once(api: Caller, sort: str) -> None:
    for i in range(7):
        rank = None if i % 3 == 0 else i
        assert api.client.post("/items", json={"name": f"n{i}", "rank": rank}).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, "sort": sort} | ({"starting_after": cursor} if cursor else {})
        page = api.client.get("/items", params=params).json()
        seen += [row["id"] for row in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 7
    back = api.client.get("/items", params={"limit": 3, "sort": sort, "ending_before": cursor})
    assert [row["id"] for row in back.json()["data"]] == seen[2:5]


def _cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


NIL = "00000000-0000-0000-0000-000000000000"
FORGED = [
    ("name", "!!!"),
    ("name", _cursor({"a": 1})),
    ("name", _cursor(["name", "x"])),
    ("name", _cursor(["rank", "x", NIL])),  # another sort order
    ("name", _cursor(["name", 5, NIL])),
    ("name", _cursor(["name", "a\u0000b", NIL])),
    ("name", _cursor(["name", "x", "not-a-uuid"])),
    ("rank", _cursor(["rank", "x", NIL])),
    ("rank", _cursor(["rank", 2**70, NIL])),
    ("rank", _cursor(["rank", True, NIL])),
]


@pytest.mark.parametrize(("sort", "cursor"), FORGED)
def test_forged_cursors_are_400(api: Caller, sort: str, cursor: str) -> None:
    response = api.client.get("/items", params={"sort": sort, "starting_after": cursor})
    _problem(response, 400, "bad-request")


def test_both_cursors_at_once_are_400(api: Caller) -> None:
    cursor = pagination.encode("name", "str", "a", __import__("uuid").uuid4())
    params = {"starting_after": cursor, "ending_before": cursor}
    _problem(api.client.get("/items", params=params), 400, "bad-request")


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("str", "é"),
        ("int", -5),
        ("bool", False),
        ("decimal", __import__("decimal").Decimal("1.50")),
    ],
)
def test_cursor_round_trip(kind: str, value: object) -> None:
    row_id = __import__("uuid").uuid4()
    assert pagination.decode(pagination.encode("s", kind, value, row_id), "s", kind) == (
        value,
        row_id,
    )
    with pytest.raises(Problem):
        pagination.decode(pagination.encode("s", kind, value, row_id), "-s", kind)


def test_etag_helpers() -> None:
    assert routing.etag(3) == '"3"'
    assert routing.not_modified(3, '"1", W/"3"')
    assert not routing.not_modified(3, None)
    routing.check_if_match(3, '"1", "3"', required=False)
    routing.check_if_match(3, None, required=False)
    with pytest.raises(Problem):
        routing.check_if_match(3, 'W/"3"', required=False)


def test_body_over_the_limit_is_413(api: Caller) -> None:
    body = _problem(api.client.post("/items", json={"name": "x" * 5000}), 413, "payload-too-large")
    assert body["max_bytes"] == 2048

    def chunks():
        yield b'{"name": "'
        yield b"x" * 4000
        yield b'"}'

    response = api.client.post(
        "/items", content=chunks(), headers={"content-type": "application/json"}
    )
    _problem(response, 413, "payload-too-large")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "x", "rank": NaN}',
        b'{"name": "x", "rank": 1e999}',
        b'{"name": "\\ud800"}',
        b'{"\\udc00": 1, "name": "x"}',
        b'{"name": "x", "deep": ' + b"[" * 80 + b"]" * 80 + b"}",
    ],
)
def test_json_no_field_may_hold_is_422_before_the_route(api: Caller, raw: bytes) -> None:
    response = api.client.post("/items", content=raw, headers={"content-type": "application/json"})
    body = _problem(response, 422, "validation-error")
    assert body["errors"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_content_length_that_is_not_a_number_is_400(api: Caller) -> None:
    response = api.client.post(
        "/items", content=b"{}", headers={"content-type": "application/json", "content-length": "x"}
    )
    assert response.status_code == 400
