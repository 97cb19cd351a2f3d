"""API keys: a second way in, next to JWTs (``Authorization: Bearer <key>``).

A key reads ``<prefix><tenant id, 32 hex><key id, 32 hex><secret, 43 chars>``: the prefix (e.g.
``insights_sk_``) tells it apart from a JWT (which starts with ``eyJ``) and makes leaked keys
findable by secret scanners. The tenant and key id only say where to look: the key is trusted
once the stored hash of its secret matches, in that tenant's rows (row-level security applies),
so the tenant always comes from the key's record, never from the client.

Only ``HMAC-SHA256(pepper, secret)`` is stored. The secret is 256 random bits, so a slow
password KDF (Argon2, bcrypt, scrypt) would add nothing against guessing and would cost
milliseconds on every request; a keyed hash is the usual choice for high-entropy tokens. The key
(``API_KEY_PEPPER``, from the environment) means a database dump alone cannot test candidate
keys; without it the HMAC key is a fixed label and the hash is as strong as SHA-256 (still
safe for 256-bit secrets). Changing the pepper invalidates every key. Comparison is
constant-time.

Each request with a key reads its record (revocation and expiry take effect on the next
request; nothing is cached). ``last_used_at`` is written at most once a minute per key and
process, by a plain UPDATE that changes neither ``version`` nor the audit log.

Scopes are role names: a key acts with exactly those roles, which must all be roles its creator
holds (directly or through inheritance). Only a person (a JWT) may create or revoke keys, so a
leaked key cannot mint new ones.

Creating and revoking a key write the built-in events ``api_key.created`` and ``api_key.revoked``
(the key's id and name, the actor; never the secret) to the outbox in the transaction of the
change, like the spec's own events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from .auth import InvalidToken, Principal
from .events import jsonable
from .pagination import SortKey, forward_page
from .problems import Problem, not_found
from .routing import Authorize, IsoDateTime, commit

PEPPER_VARIABLE = "API_KEY_PEPPER"
DEFAULT_PEPPER = b"specfoundry api key v1"
SECRET_BYTES = 32
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
LAST_USED_INTERVAL = dt.timedelta(minutes=1)
SUBJECT_PREFIX = "api_key:"

OpenSession = Callable[[Any, uuid.UUID], Session]
# ``emit(session, tenant_id, event_type, payload)``: an outbox row in the session's transaction.
Emit = Callable[[Session, uuid.UUID, str, Mapping[str, Any]], None]
CREATED_EVENT = "api_key.created"
REVOKED_EVENT = "api_key.revoked"


def pepper_from_env(environ: Mapping[str, str] | None = None) -> bytes:
    env = os.environ if environ is None else environ
    value = env.get(PEPPER_VARIABLE)
    return value.encode() if value else DEFAULT_PEPPER


def hash_secret(secret: str, pepper: bytes) -> str:
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def new_key(prefix: str, tenant_id: uuid.UUID, key_id: uuid.UUID) -> tuple[str, str]:
    """(the whole key, its secret part)."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return f"{prefix}{tenant_id.hex}{key_id.hex}{secret}", secret


def parse_key(token: str, prefix: str) -> tuple[uuid.UUID, uuid.UUID, str] | None:
    """(tenant id, key id, secret) of a well-formed key, else None."""
    if not token.startswith(prefix):
        return None
    body = token[len(prefix) :]
    tenant, key, secret = body[:32], body[32:64], body[64:]
    if not (_HEX32.match(tenant) and _HEX32.match(key) and _SECRET.match(secret)):
        return None
    return uuid.UUID(tenant), uuid.UUID(key), secret


def display_prefix(prefix: str, key_id: uuid.UUID) -> str:
    """What lists show to tell keys apart (never enough to use the key)."""
    return f"{prefix}…{key_id.hex[:8]}"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(slots=True)
class ApiKeyPolicy:
    """The service's API-key settings (from ``api.api_keys``) and its key model."""

    model: type[Any]
    prefix: str
    manager_roles: frozenset[str]  # every role that may manage keys (inheritance expanded)
    implied: Mapping[str, frozenset[str]]  # role -> the roles it includes (itself too)
    base_path: str
    max_lifetime_days: int | None = None

    def grantable(self, roles: Iterable[str]) -> frozenset[str]:
        """Every role a holder of ``roles`` may put on a key."""
        out: set[str] = set()
        for role in roles:
            out |= self.implied.get(role, frozenset({role}))
        return frozenset(out & set(self.implied))


@dataclass(slots=True)
class ApiKeyAuthenticator:
    """Verifies keys against the database (``app.state.api_keys``)."""

    policy: ApiKeyPolicy
    session_factory: Any
    open_session: OpenSession
    pepper: bytes
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    _touched: dict[uuid.UUID, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def prefix(self) -> str:
        return self.policy.prefix

    def verify(self, token: str) -> Principal:
        parsed = parse_key(token, self.prefix)
        if parsed is None:
            raise InvalidToken("malformed API key")
        tenant_id, key_id, secret = parsed
        model = self.policy.model
        now = self.clock()
        session = self.open_session(self.session_factory, tenant_id)
        with session:
            row = session.execute(
                sa.select(
                    model.secret_hash,
                    model.scopes,
                    model.expires_at,
                    model.revoked_at,
                    model.last_used_at,
                ).where(model.id == key_id, model.tenant_id == tenant_id)
            ).first()
            if row is None:
                raise InvalidToken("unknown API key")
            stored: str = row[0]
            scopes: list[str] | None = row[1]
            expires_at: dt.datetime | None = row[2]
            revoked_at: dt.datetime | None = row[3]
            last_used_at: dt.datetime | None = row[4]
            if not hmac.compare_digest(stored, hash_secret(secret, self.pepper)):
                raise InvalidToken("unknown API key")
            if revoked_at is not None:
                raise InvalidToken("revoked API key")
            expires = _utc(expires_at)
            if expires is not None and expires <= now:
                raise InvalidToken("expired API key")
            if self._due(key_id, _utc(last_used_at), now):
                session.execute(
                    sa.update(model)
                    .where(model.id == key_id, model.tenant_id == tenant_id)
                    .values(last_used_at=now)
                    .execution_options(synchronize_session=False)
                )
                session.commit()
        return Principal(
            subject=f"{SUBJECT_PREFIX}{key_id}",
            tenant_id=tenant_id,
            roles=frozenset(scopes or ()),
            kind="api_key",
        )

    def _due(self, key_id: uuid.UUID, last_used: dt.datetime | None, now: dt.datetime) -> bool:
        """Whether to write ``last_used_at`` now (at most once per interval and process)."""
        if last_used is not None and now - last_used < LAST_USED_INTERVAL:
            return False
        mono = time.monotonic()
        with self._lock:
            touched = self._touched.get(key_id)
            if touched is not None and mono - touched < LAST_USED_INTERVAL.total_seconds():
                return False
            self._touched[key_id] = mono
            if len(self._touched) > 10_000:
                self._touched.clear()
        return True


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    scopes: list[str] | None = Field(default=None, min_length=1, max_length=32)
    expires_at: IsoDateTime | None = None


def dump(row: Any, prefix: str) -> dict[str, Any]:
    return {
        "object": "api_key",
        "id": str(row.id),
        "name": row.name,
        "prefix": row.prefix,
        "scopes": list(row.scopes or ()),
        "created_by": row.created_by,
        "created_at": jsonable(_utc(row.created_at)),
        "expires_at": jsonable(_utc(row.expires_at)),
        "last_used_at": jsonable(_utc(row.last_used_at)),
        "revoked_at": jsonable(_utc(row.revoked_at)),
    }


def router(
    policy: ApiKeyPolicy,
    session_scope: Callable[..., Any],
    pepper: bytes,
    label: Callable[[Session, Any, str], None] | None = None,
    emit: Emit | None = None,
) -> APIRouter:
    """``/api-keys``: create (the secret is in the response, once), list, read, revoke;
    ``emit`` writes the keys' events to the outbox (None: no events)."""
    model = policy.model

    def event(session: Session, event_type: str, row: Any, principal: Principal) -> None:
        if emit is None:
            return
        payload = {"api_key_id": row.id, "name": row.name, "actor": principal.subject}
        if event_type == CREATED_EVENT:
            payload["expires_at"] = row.expires_at
        emit(session, principal.tenant_id, event_type, payload)

    api = APIRouter(prefix=f"{policy.base_path}/api-keys", tags=["api-keys"])

    def holds(principal: Principal, entity: str, action: str) -> bool:
        return bool(principal.roles & policy.manager_roles)

    # Every route: authenticated, strict (unknown query parameters, unexpected bodies are 400),
    # and 403 unless the caller holds a role that manages keys.
    manage = Depends(Authorize("api_key", "manage", holds=holds, collection=True))
    sort_key = SortKey(model.created_at, "datetime", False)

    def load(session: Session, principal: Principal, raw_id: str) -> Any:
        try:
            key_id = uuid.UUID(raw_id)
        except ValueError:
            raise not_found("API key") from None
        row: Any = session.scalars(
            sa.select(model).where(model.id == key_id, model.tenant_id == principal.tenant_id)
        ).one_or_none()
        if row is None:
            raise not_found("API key")
        return row

    @api.post("", status_code=201, operation_id="create_api_key")
    def create_api_key(
        body: ApiKeyCreate,
        principal: Principal = manage,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        if principal.kind != "user":
            raise Problem("forbidden", "API keys are created by a person (a JWT), not by a key.")
        grantable = policy.grantable(principal.roles)
        scopes = sorted(set(body.scopes if body.scopes is not None else grantable))
        beyond = [s for s in scopes if s not in grantable]
        if beyond or not scopes:
            errors = [
                {"pointer": "/scopes", "message": f"not a role you hold: {s}"} for s in beyond
            ]
            raise Problem(
                "validation-error",
                "A key's scopes must be roles you hold.",
                errors=errors or [{"pointer": "/scopes", "message": "no scope"}],
            )
        now = dt.datetime.now(dt.UTC)
        # A past `expires_at` makes a key that is already expired (401); a later one than
        # `max_lifetime_days` allows is shortened to it. Neither is an error: both are valid
        # requests by the contract.
        expires = _utc(body.expires_at)
        if policy.max_lifetime_days is not None:
            longest = now + dt.timedelta(days=policy.max_lifetime_days)
            expires = longest if expires is None else min(expires, longest)
        key_id = uuid.uuid4()
        key, secret = new_key(policy.prefix, principal.tenant_id, key_id)
        row = model(
            id=key_id,
            tenant_id=principal.tenant_id,
            name=body.name,
            prefix=display_prefix(policy.prefix, key_id),
            secret_hash=hash_secret(secret, pepper),
            scopes=scopes,
            created_by=principal.subject,
            expires_at=expires,
        )
        session.add(row)
        event(session, CREATED_EVENT, row, principal)
        commit(session)
        out = dump(row, policy.prefix)
        out["secret"] = key
        return JSONResponse(
            out,
            status_code=201,
            headers={
                "Location": f"{policy.base_path}/api-keys/{key_id}",
                "Cache-Control": "no-store",
            },
        )

    @api.get("", operation_id="list_api_keys")
    def list_api_keys(
        request: Request,
        limit: int = Query(default=20, ge=1, le=100),
        starting_after: str | None = Query(default=None),
        principal: Principal = manage,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        return JSONResponse(
            forward_page(
                request,
                session,
                sa.select(model).where(model.tenant_id == principal.tenant_id),
                sort="-created_at",
                key=sort_key,
                id_column=model.id,
                limit=limit,
                starting_after=starting_after,
                dump=lambda row: dump(row, policy.prefix),
            )
        )

    @api.get("/{id}", operation_id="get_api_key")
    def get_api_key(
        id: str,
        principal: Principal = manage,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        body = dump(load(session, principal, id), policy.prefix)
        session.close()
        return JSONResponse(body)

    @api.post("/{id}/revoke", operation_id="revoke_api_key")
    def revoke_api_key(
        id: str,
        principal: Principal = manage,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        """Revoke the key; it stops working on the next request. Revoking twice is a no-op."""
        if principal.kind != "user":
            raise Problem("forbidden", "API keys are revoked by a person (a JWT), not by a key.")
        row = load(session, principal, id)
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
            if label is not None:
                label(session, row, "revoke")
            event(session, REVOKED_EVENT, row, principal)
            commit(session)
        return JSONResponse(dump(row, policy.prefix))

    return api


def install(
    app: FastAPI,
    policy: ApiKeyPolicy,
    open_session: OpenSession,
    session_scope: Callable[..., Any],
    *,
    pepper: bytes | None = None,
    emit: Emit | None = None,
) -> None:
    """Accept keys in ``authenticate`` and serve ``/api-keys`` (``emit``: the service's outbox
    write, for the keys' events)."""
    from .audit import label

    secret = pepper if pepper is not None else pepper_from_env()
    app.state.api_keys = ApiKeyAuthenticator(
        policy, app.state.session_factory, open_session, secret
    )
    app.include_router(router(policy, session_scope, secret, label, emit))
