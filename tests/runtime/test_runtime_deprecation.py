"""Deprecation as a route class: headers on successful responses, 410 from the sunset on."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from specfoundry.runtime import deprecation
from specfoundry.runtime.auth import Principal, authenticate
from specfoundry.runtime.problems import Problem
from tests.runtime.fixture_app import Caller, build_app

TABLE = {
    "old": deprecation.Deprecation("2026-01-01", "2027-03-01"),
    "older": deprecation.Deprecation("2025-06-01"),
}


@pytest.fixture
def api() -> Caller:
    router = APIRouter(prefix="/legacy", route_class=deprecation.deprecating_route(TABLE))

    @router.get("/old", operation_id="old")
    def old(fail: bool = False, principal: Principal = Depends(authenticate)) -> JSONResponse:
        if fail:
            raise Problem("not-found", "No such thing.")
        return JSONResponse({"ok": True})

    @router.get("/older", operation_id="older")
    def older(principal: Principal = Depends(authenticate)) -> dict[str, bool]:
        return {"ok": True}

    @router.get("/new", operation_id="new")
    def new(principal: Principal = Depends(authenticate)) -> dict[str, bool]:
        return {"ok": True}

    app = build_app()
    app.include_router(router)
    return Caller(app)


def test_headers_on_success_only(api: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deprecation, "today", lambda: dt.date(2026, 6, 1))
    response = api.client.get("/legacy/old")
    assert response.status_code == 200
    assert response.headers["deprecation"] == "@1767225600"
    assert parsedate_to_datetime(response.headers["sunset"]).date() == dt.date(2027, 3, 1)
    assert "deprecation" not in api.client.get("/legacy/old?fail=true").headers
    older = api.client.get("/legacy/older")
    assert older.headers["deprecation"] == "@1748736000" and "sunset" not in older.headers
    assert "deprecation" not in api.client.get("/legacy/new").headers


def test_gone_from_the_sunset_on_but_unauthenticated_first(
    api: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deprecation, "today", lambda: dt.date(2027, 3, 1))
    response = api.client.get("/legacy/old")
    assert response.status_code == 410
    assert response.json()["detail"].startswith("This operation was retired on 2027-03-01")
    assert api.client.get("/legacy/old", headers={"Authorization": ""}).status_code == 401
    assert api.client.get("/legacy/older").status_code == 200


def test_openapi_marks_only_the_deprecated_operations(api: Caller) -> None:
    paths = api.app.openapi()["paths"]
    assert paths["/legacy/old"]["get"]["deprecated"] is True
    assert "deprecated" not in paths["/legacy/new"]["get"]
