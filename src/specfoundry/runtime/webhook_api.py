"""The routes of outgoing webhooks: ``/webhook-endpoints`` and ``/webhook-deliveries``.

* An endpoint is a URL, the event types it receives (none: every type; each must be an event
  the spec declares, else 422) and a secret (``whsec_...``) shown once, in the create and
  rotate responses (``Cache-Control: no-store``); reads show only ``secret_prefix``.
* The URL is checked on every save (:func:`webhooks.check_destination`): https, no credentials,
  no loopback, private, link-local (cloud metadata) or otherwise non-public address, after DNS
  resolution; the check runs again before each delivery attempt. A policy that allows private
  targets (``webhooks.allow_private_targets: development`` with ``<PREFIX>_ENV=development``)
  lifts the rules for local receivers. A refused URL is 422 ``validation-error``.
* ``POST /{id}/rotate-secret`` makes a new secret; the previous one keeps signing for the
  overlap (the ``webhook-signature`` header then carries both signatures).
* Deliveries are listed newest first (filters ``endpoint_id``, ``status``) and read with their
  attempts, last response code, error and timing; ``POST /{id}/redeliver`` queues a new attempt
  now (a failed delivery starts its schedule again), 202.

Every route is the tenant's (the session's tenant filter and row-level security apply) and
needs one of the roles that manage webhooks; another tenant's object is 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from . import webhooks as wh
from .auth import Principal
from .events import jsonable
from .pagination import SortKey, forward_page
from .problems import Problem, not_found
from .routing import Authorize, commit

# Queues one attempt of a delivery now: (delivery id, tenant id).
Sender = Callable[[uuid.UUID, uuid.UUID], None]
SECRET_SHOWN = 10  # characters of the secret that reads show (``whsec_`` + 4)
MAX_EVENT_TYPES = 100
Status = Literal["pending", "succeeded", "failed"]


@dataclass(slots=True)
class WebhookPolicy:
    """The service's webhook settings (from ``webhooks``) and its two models."""

    endpoint: type[Any]
    delivery: type[Any]
    manager_roles: frozenset[str]  # every role that may manage webhooks (inheritance expanded)
    event_types: tuple[str, ...]  # the spec's declared events
    base_path: str
    allow_private_targets: str = "development"  # or "never"
    rotation_overlap_hours: int = 24
    resolver: wh.Resolver = wh.resolve

    def private_allowed(self, environment: str) -> bool:
        return self.allow_private_targets == "development" and environment == "development"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def dump_endpoint(row: Any) -> dict[str, Any]:
    return {
        "object": "webhook_endpoint",
        "id": str(row.id),
        "url": row.url,
        "description": row.description,
        "event_types": list(row.event_types or ()),
        "enabled": bool(row.enabled),
        "disabled_reason": row.disabled_reason,
        "secret_prefix": str(row.secret)[:SECRET_SHOWN],
        "previous_secret_expires_at": jsonable(_utc(row.previous_secret_expires_at)),
        "created_at": jsonable(_utc(row.created_at)),
        "updated_at": jsonable(_utc(row.updated_at)),
    }


def dump_delivery(row: Any) -> dict[str, Any]:
    return {
        "object": "webhook_delivery",
        "id": str(row.id),
        "endpoint_id": str(row.endpoint_id),
        "event_id": str(row.event_id),
        "event_type": row.event_type,
        "status": row.status,
        "attempts": int(row.attempts or 0),
        "last_response_code": row.last_response_code,
        "last_error": row.last_error,
        "last_attempt_at": jsonable(_utc(row.last_attempt_at)),
        "next_attempt_at": jsonable(_utc(row.next_attempt_at)),
        "delivered_at": jsonable(_utc(row.delivered_at)),
        "duration_ms": row.duration_ms,
        "created_at": jsonable(_utc(row.created_at)),
    }


def _no_nul(value: Any) -> Any:
    """Text the database can store: PostgreSQL refuses NUL in text (422 here, not a 500)."""
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(t, str) and "\x00" in t for t in texts):
        raise ValueError("must not contain NUL characters")
    return value


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=255)
    event_types: list[str] | None = Field(default=None, max_length=MAX_EVENT_TYPES)
    enabled: bool = True

    no_nul = field_validator("url", "description", "event_types")(_no_nul)


class WebhookEndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=255)
    event_types: list[str] | None = Field(default=None, max_length=MAX_EVENT_TYPES)
    enabled: bool | None = None

    no_nul = field_validator("url", "description", "event_types")(_no_nul)


def _invalid(pointer: str, message: str) -> Problem:
    return Problem(
        "validation-error",
        "The request body is not valid.",
        errors=[{"pointer": pointer, "message": message}],
    )


def _parse_id(raw: str, noun: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise not_found(noun) from None


def router(policy: WebhookPolicy, session_scope: Callable[..., Any]) -> APIRouter:
    """``/webhook-endpoints`` and ``/webhook-deliveries`` in one router."""
    endpoint, delivery = policy.endpoint, policy.delivery
    api = APIRouter(prefix=policy.base_path)
    known = frozenset(policy.event_types)

    def holds(principal: Principal, entity: str, action: str) -> bool:
        return bool(principal.roles & policy.manager_roles)

    manage = Depends(Authorize("webhook_endpoint", "manage", holds=holds, collection=True))
    see = Depends(Authorize("webhook_delivery", "manage", holds=holds, collection=True))

    def check_url(request: Request, url: str) -> None:
        environment = str(getattr(request.app.state.settings, "environment", "production"))
        refused = wh.check_destination(
            url,
            allow_private=policy.private_allowed(environment),
            resolver=policy.resolver,
        )
        if refused is not None:
            raise _invalid("/url", refused)

    def check_types(types: list[str]) -> list[str]:
        unknown = [t for t in types if t not in known]
        if unknown:
            raise Problem(
                "validation-error",
                "Endpoints subscribe to event types the service declares.",
                errors=[
                    {"pointer": f"/event_types/{types.index(t)}", "message": f"no event {t!r}"}
                    for t in unknown
                ],
            )
        return sorted(set(types))

    def load(session: Session, model: Any, noun: str, principal: Principal, raw: str) -> Any:
        row: Any = session.scalars(
            sa.select(model).where(
                model.id == _parse_id(raw, noun), model.tenant_id == principal.tenant_id
            )
        ).one_or_none()
        if row is None:
            raise not_found(noun)
        return row

    def listing(
        request: Request, session: Session, statement: Any, model: Any, **kw: Any
    ) -> JSONResponse:
        key = SortKey(model.created_at, "datetime", False)
        return JSONResponse(
            forward_page(
                request, session, statement, sort="-created_at", key=key, id_column=model.id, **kw
            )
        )

    def with_secret(row: Any, status: int = 200) -> JSONResponse:
        body = dump_endpoint(row)
        body["secret"] = row.secret
        headers = {"Cache-Control": "no-store"}
        if status == 201:
            headers["Location"] = f"{policy.base_path}/webhook-endpoints/{row.id}"
        return JSONResponse(body, status_code=status, headers=headers)

    # -- endpoints ---------------------------------------------------------------------------
    @api.post(
        "/webhook-endpoints",
        status_code=201,
        operation_id="create_webhook_endpoint",
        tags=["webhook-endpoints"],
    )
    def create_webhook_endpoint(
        request: Request,
        body: WebhookEndpointCreate,
        principal: Principal = manage,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        check_url(request, body.url)
        row = endpoint(
            tenant_id=principal.tenant_id,
            url=body.url,
            description=body.description,
            event_types=check_types(body.event_types or []),
            secret=wh.new_secret(),
            enabled=body.enabled,
        )
        session.add(row)
        commit(session)
        return with_secret(row, 201)

    @api.get(
        "/webhook-endpoints", operation_id="list_webhook_endpoints", tags=["webhook-endpoints"]
    )
    def list_webhook_endpoints(
        request: Request,
        limit: int = Query(default=20, ge=1, le=100),
        starting_after: str | None = Query(default=None),
        principal: Principal = manage,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        statement = sa.select(endpoint).where(endpoint.tenant_id == principal.tenant_id)
        return listing(
            request,
            session,
            statement,
            endpoint,
            limit=limit,
            starting_after=starting_after,
            dump=dump_endpoint,
        )

    @api.get(
        "/webhook-endpoints/{id}",
        operation_id="get_webhook_endpoint",
        tags=["webhook-endpoints"],
    )
    def get_webhook_endpoint(
        id: str, principal: Principal = manage, session: Session = Depends(session_scope)
    ) -> JSONResponse:
        body = dump_endpoint(load(session, endpoint, "webhook endpoint", principal, id))
        session.close()
        return JSONResponse(body)

    @api.patch(
        "/webhook-endpoints/{id}",
        operation_id="update_webhook_endpoint",
        tags=["webhook-endpoints"],
    )
    def update_webhook_endpoint(
        request: Request,
        id: str,
        body: WebhookEndpointUpdate,
        principal: Principal = manage,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        """Change the URL, description or event types; enable or disable the endpoint
        (enabling clears the reason it was disabled)."""
        row = load(session, endpoint, "webhook endpoint", principal, id)
        sent = body.model_fields_set
        for name in ("url", "enabled"):
            if name in sent and getattr(body, name) is None:
                raise _invalid(f"/{name}", "may not be null")
        if body.url is not None:
            check_url(request, body.url)
            row.url = body.url
        if "description" in sent:
            row.description = body.description
        if "event_types" in sent:
            row.event_types = check_types(body.event_types or [])
        if body.enabled is not None:
            row.enabled = body.enabled
            if body.enabled:
                row.disabled_reason = None
        commit(session)
        return JSONResponse(dump_endpoint(row))

    @api.delete(
        "/webhook-endpoints/{id}",
        status_code=204,
        operation_id="delete_webhook_endpoint",
        tags=["webhook-endpoints"],
    )
    def delete_webhook_endpoint(
        id: str, principal: Principal = manage, session: Session = Depends(session_scope)
    ) -> Response:
        """Delete the endpoint and its deliveries."""
        row = load(session, endpoint, "webhook endpoint", principal, id)
        session.execute(sa.delete(delivery).where(delivery.endpoint_id == row.id))
        session.delete(row)
        commit(session)
        return Response(status_code=204)

    @api.post(
        "/webhook-endpoints/{id}/rotate-secret",
        operation_id="rotate_webhook_endpoint_secret",
        tags=["webhook-endpoints"],
    )
    def rotate_webhook_endpoint_secret(
        id: str, principal: Principal = manage, session: Session = Depends(session_scope)
    ) -> JSONResponse:
        """A new secret, shown once; the previous one keeps signing during the overlap."""
        row = load(session, endpoint, "webhook endpoint", principal, id)
        overlap = dt.timedelta(hours=policy.rotation_overlap_hours)
        row.previous_secret = row.secret if overlap else None
        row.previous_secret_expires_at = dt.datetime.now(dt.UTC) + overlap if overlap else None
        row.secret = wh.new_secret()
        commit(session)
        return with_secret(row)

    # -- deliveries --------------------------------------------------------------------------
    @api.get(
        "/webhook-deliveries",
        operation_id="list_webhook_deliveries",
        tags=["webhook-deliveries"],
    )
    def list_webhook_deliveries(
        request: Request,
        limit: int = Query(default=20, ge=1, le=100),
        starting_after: str | None = Query(default=None),
        endpoint_id: uuid.UUID | None = Query(default=None),
        status: Status | None = Query(default=None),
        principal: Principal = see,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        statement = sa.select(delivery).where(delivery.tenant_id == principal.tenant_id)
        if endpoint_id is not None:
            statement = statement.where(delivery.endpoint_id == endpoint_id)
        if status is not None:
            statement = statement.where(delivery.status == status)
        return listing(
            request,
            session,
            statement,
            delivery,
            limit=limit,
            starting_after=starting_after,
            dump=dump_delivery,
        )

    @api.get(
        "/webhook-deliveries/{id}",
        operation_id="get_webhook_delivery",
        tags=["webhook-deliveries"],
    )
    def get_webhook_delivery(
        id: str, principal: Principal = see, session: Session = Depends(session_scope)
    ) -> JSONResponse:
        body = dump_delivery(load(session, delivery, "webhook delivery", principal, id))
        session.close()
        return JSONResponse(body)

    @api.post(
        "/webhook-deliveries/{id}/redeliver",
        status_code=202,
        operation_id="redeliver_webhook_delivery",
        tags=["webhook-deliveries"],
    )
    def redeliver_webhook_delivery(
        request: Request,
        id: str,
        principal: Principal = see,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        """Queue a new attempt now (a failed delivery starts its schedule again)."""
        row = load(session, delivery, "webhook delivery", principal, id)
        target = session.get(endpoint, row.endpoint_id)
        if target is None or not target.enabled:
            raise Problem("conflict", "The delivery's endpoint is disabled: enable it first.")
        body = dump_delivery(row)
        session.close()
        sender = sender_of(request.app)
        if sender is None:
            raise Problem(
                "service-unavailable",
                "No worker is reachable to deliver it: set REDIS_URL and run the `worker`.",
                headers={"Retry-After": "60"},
            )
        sender(row.id, principal.tenant_id)
        return JSONResponse(body, status_code=202)

    return api


def sender_of(app: FastAPI) -> Sender | None:
    """The app's way to queue an attempt now, or None when no worker is reachable."""
    resolve: Callable[[], Sender | None] | None = getattr(app.state, "webhook_sender", None)
    return resolve() if resolve is not None else None


def install(
    app: FastAPI,
    policy: WebhookPolicy,
    session_scope: Callable[..., Any],
    sender: Callable[[], Sender | None] | None = None,
) -> None:
    """Serve ``/webhook-endpoints`` and ``/webhook-deliveries``; ``sender()`` gives what queues
    a redelivery (resolved on use: the worker may start after the app)."""
    app.state.webhook_sender = sender
    app.include_router(router(policy, session_scope))
