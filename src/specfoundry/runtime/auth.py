"""Bearer-token authentication: a verified JWT becomes a :class:`Principal`.

The algorithm is fixed by configuration (HS256 with ``JWT_SECRET``, RS256 with a public key or a
JWKS file) and never read from the token. ``exp``, the subject claim and the tenant claim are
required; the roles claim is a list of role names (absent: no roles). The claim names are the
service's (:class:`.settings.ServiceIdentity`, read from ``Settings.identity``). ``exp``, ``nbf``
and ``iat`` must be JSON numbers (a numeric string is refused), a token may not live longer
than ``JWT_MAX_LIFETIME_SECONDS``, ``aud`` / ``iss`` are required when configured, and the
development secret is refused outside development. The tenant always comes from the token,
never from the request.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from .problems import Problem
from .settings import Settings

LEEWAY_SECONDS = 30
TIME_CLAIMS = ("exp", "nbf", "iat")


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    tenant_id: uuid.UUID
    roles: frozenset[str]
    # ``user`` (a JWT) or ``api_key`` (an API key: ``subject`` is ``api_key:<id>``).
    kind: str = "user"


class InvalidToken(ValueError):
    """The token cannot be trusted; the message is safe to show."""


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.identity = settings.identity
        self.algorithm = settings.jwt_algorithm
        self._jwks = jwt.PyJWKSet.from_dict(dict(settings.jwt_jwks)) if settings.jwt_jwks else None

    def _key(self, token: str) -> Any:
        if self._jwks is not None:
            kid = jwt.get_unverified_header(token).get("kid")
            for key in self._jwks.keys:
                if key.key_id == kid:
                    return key.key
            raise InvalidToken("unknown key id")
        if self.settings.jwt_public_key is not None:
            return self.settings.jwt_public_key
        return self.settings.jwt_secret

    @property
    def refuses_development_secret(self) -> bool:
        """Outside development, a key equal to the published development secret verifies nothing."""
        return self.settings.uses_development_secret and not self.settings.is_development

    def verify(self, token: str) -> Principal:
        keyed = self._jwks is not None or self.settings.jwt_public_key is not None
        if not keyed and self.refuses_development_secret:
            raise InvalidToken("the development secret is not accepted outside development")
        subject_claim = self.identity.subject_claim
        tenant_claim = self.identity.tenant_claim
        roles_claim = self.identity.roles_claim
        required = ["exp", subject_claim, tenant_claim]
        if self.settings.jwt_audience:
            required.append("aud")
        if self.settings.jwt_issuer:
            required.append("iss")
        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=[self.algorithm],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": required},
            )
        except InvalidToken:
            raise
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        except (ValueError, TypeError, OverflowError):
            raise InvalidToken("the token's claims are malformed") from None
        self._check_times(claims)
        subject = claims.get(subject_claim)
        if not isinstance(subject, str) or not subject:
            raise InvalidToken(f"`{subject_claim}` must be a non-empty string")
        try:
            tenant_id = uuid.UUID(str(claims.get(tenant_claim)))
        except ValueError:
            raise InvalidToken(f"`{tenant_claim}` must be a UUID") from None
        roles = claims.get(roles_claim, [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidToken(f"`{roles_claim}` must be a list of strings")
        return Principal(subject=subject, tenant_id=tenant_id, roles=frozenset(roles))

    def _check_times(self, claims: dict[str, Any]) -> None:
        """``exp``/``nbf``/``iat`` are finite JSON numbers; the lifetime is bounded."""
        for name in TIME_CLAIMS:
            if name not in claims:
                continue
            value = claims[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidToken(f"`{name}` must be a number")
            if not math.isfinite(value):
                raise InvalidToken(f"`{name}` must be a finite number")
        start = claims["iat"] if "iat" in claims else time.time()
        if claims["exp"] - start > self.settings.jwt_max_lifetime_seconds + LEEWAY_SECONDS:
            raise InvalidToken("the token lives longer than this service accepts")

    def issue(
        self,
        subject: str,
        tenant_id: uuid.UUID,
        roles: Iterable[str],
        *,
        ttl: dt.timedelta = dt.timedelta(hours=1),
    ) -> str:
        """A signed token (HS256 only: RS256 tokens come from your identity provider)."""
        if self.algorithm != "HS256" or not self.settings.jwt_secret:
            raise InvalidToken("only HS256 tokens (JWT_SECRET) can be issued here")
        if self.refuses_development_secret:
            raise InvalidToken("the development secret signs tokens only in development")
        if ttl.total_seconds() > self.settings.jwt_max_lifetime_seconds:
            raise InvalidToken(
                f"a token may live at most {self.settings.jwt_max_lifetime_seconds} seconds "
                "(JWT_MAX_LIFETIME_SECONDS)"
            )
        now = dt.datetime.now(dt.UTC)
        identity = self.identity
        claims: dict[str, Any] = {
            identity.subject_claim: subject,
            identity.tenant_claim: str(tenant_id),
            identity.roles_claim: sorted(set(roles)),
            "iat": now,
            "exp": now + ttl,
        }
        if self.settings.jwt_audience:
            claims["aud"] = self.settings.jwt_audience
        if self.settings.jwt_issuer:
            claims["iss"] = self.settings.jwt_issuer
        return jwt.encode(claims, self.settings.jwt_secret, algorithm="HS256")


def _unauthorized(detail: str, error: str | None) -> Problem:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return Problem("unauthorized", detail, headers={"WWW-Authenticate": challenge})


async def authenticate(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer <JWT or API key>``; 401 with
    ``WWW-Authenticate`` if not. Kept on ``request.state.principal`` for the rest of the request.

    ``async`` because a JWT never blocks (the keys are in memory): FastAPI then runs it on the
    event loop instead of paying a worker-thread round trip per request. An API key (a token
    starting with the service's key prefix, when API keys are on) is looked up in the database
    on every request, in a worker thread, so a revocation takes effect on the next request.
    """
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    principal = await _authenticate(request)
    request.state.principal = principal
    return principal


async def _authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("A bearer token is required.", None)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("Use `Authorization: Bearer <token>`.", "invalid_request")
    keys = getattr(request.app.state, "api_keys", None)
    if keys is not None and token.startswith(keys.prefix):
        try:
            return await run_in_threadpool(keys.verify, token)
        except InvalidToken:
            raise _unauthorized(
                "The API key is invalid, expired or revoked.", "invalid_token"
            ) from None
    verifier: TokenVerifier = request.app.state.verifier
    try:
        principal = verifier.verify(token)
    except InvalidToken:
        raise _unauthorized("The bearer token is invalid or expired.", "invalid_token") from None
    if not await tenant_exists(request, principal.tenant_id):
        raise _unauthorized("The bearer token's tenant does not exist.", "invalid_token")
    return principal


async def tenant_exists(request: Request, tenant_id: uuid.UUID) -> bool:
    """Whether the tenant exists, by ``request.app.state.tenants`` (the data layer's
    ``TenantDirectory``: ``cached(id) -> bool | None`` and ``exists(id) -> bool``); cached per
    process, a cache miss queries in a worker thread."""
    tenants = request.app.state.tenants
    known = tenants.cached(tenant_id)
    if known is None:
        known = await run_in_threadpool(tenants.exists, tenant_id)
    return bool(known)
