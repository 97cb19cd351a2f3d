"""Configuration, read from the environment once at start-up.

The variables (a service documents them in its own ``settings`` module):

- ``DATABASE_URL``: SQLAlchemy URL; default ``sqlite:///./<service>.db``.
- ``JWT_SECRET``: HS256 key (32+ bytes); ``JWT_PUBLIC_KEY_FILE`` (PEM) or ``JWT_JWKS_FILE``
  (a JSON Web Key Set) verify RS256 tokens instead.
- ``JWT_AUDIENCE``, ``JWT_ISSUER``: when set, tokens must carry this ``aud`` / ``iss``.
- ``JWT_MAX_LIFETIME_SECONDS``, ``MAX_BODY_BYTES``, ``LIST_PAGE_MAX_BYTES``: positive integers.
- ``API_DOCS``: ``false`` turns ``/docs`` off.
- ``OPERATOR_DATABASE_URL``, ``REDIS_URL``: optional (``REDIS_URL``: the rate limiter's shared
  storage; without it each process counts on its own).
- ``RATE_LIMIT_LEGACY_HEADERS``: ``true`` adds ``X-RateLimit-Limit/-Remaining/-Reset``.
- ``RATE_LIMITS``: ``false`` switches the spec's rate limits off (load tests, emergencies).
- ``LOG_SQL_PARAMETERS``: ``1`` shows SQL parameters in logs (development only).
- ``<PREFIX>_ENV``: ``development`` allows the labelled, insecure development secret.

What is specific to a service (its name, the prefix of its environment variable, its claim
names) is a :class:`ServiceIdentity` that the generated ``settings`` module builds and binds to
its subclass of :class:`Settings`.

``pydantic-settings`` was considered and not used: the messages below (the ones operators see
and the generated tests check) and the JWT key-file reading would need a custom source and
validators for each variable, more code than this module.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from .errors import ConfigurationError

MIN_SECRET_BYTES = 32
DEFAULT_MAX_LIFETIME_SECONDS = 86_400
DEFAULT_MAX_BODY_BYTES = 1_048_576
DEFAULT_LIST_PAGE_MAX_BYTES = 1_048_576

__all__ = [
    "DEFAULT_LIST_PAGE_MAX_BYTES",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_LIFETIME_SECONDS",
    "MIN_SECRET_BYTES",
    "ConfigurationError",
    "ServiceIdentity",
    "Settings",
    "from_env",
]


@dataclass(frozen=True, slots=True)
class ServiceIdentity:
    """What the runtime needs to know about the service it runs in."""

    name: str  # the Python package, the logger, the default SQLite file
    env_prefix: str  # ``<env_prefix>_ENV`` selects the environment
    subject_claim: str = "sub"
    tenant_claim: str = "tenant_id"
    roles_claim: str = "roles"

    @property
    def environment_variable(self) -> str:
        return f"{self.env_prefix}_ENV"

    @property
    def development_secret(self) -> str:
        """Used only in development when ``JWT_SECRET`` is unset. Never in production."""
        return f"{self.name}-development-only-secret-do-not-use-in-production"

    def default_database_url(self) -> str:
        return f"sqlite:///{Path.cwd() / f'{self.name}.db'}"


@dataclass(frozen=True, slots=True)
class Settings:
    """The service's configuration; a generated service's subclass sets :attr:`identity`."""

    identity: ClassVar[ServiceIdentity]

    database_url: str
    operator_database_url: str | None = None
    log_sql_parameters: bool = False
    jwt_algorithm: str = "HS256"
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_jwks: Mapping[str, Any] | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    redis_url: str | None = None
    environment: str = "production"
    jwt_max_lifetime_seconds: int = DEFAULT_MAX_LIFETIME_SECONDS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    list_page_max_bytes: int = DEFAULT_LIST_PAGE_MAX_BYTES
    docs_enabled: bool = True
    rate_limit_legacy_headers: bool = False
    rate_limits_enabled: bool = True
    # billing: (the webhook secret; how long an entitlement is cached per tenant, 0 = never)
    stripe_webhook_secret: str | None = None
    billing_cache_seconds: int = 5

    @property
    def uses_development_secret(self) -> bool:
        return self.jwt_secret == self.identity.development_secret

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


S = TypeVar("S", bound=Settings)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or ""
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive")
    return value


def _non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or ""
    return _positive_int(env, name, default) if raw not in ("0", "") else (0 if raw else default)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


def log_sql_parameters(env: Mapping[str, str], environment: str, variable: str) -> bool:
    """``LOG_SQL_PARAMETERS=1`` shows SQL parameters in logs and errors: development only."""
    wanted = env.get("LOG_SQL_PARAMETERS", "").lower() in ("1", "true", "yes", "on")
    if wanted and environment != "development":
        raise ConfigurationError(
            f"LOG_SQL_PARAMETERS would log personal data; it needs {variable}=development"
        )
    return wanted


def from_env(
    settings_class: type[S], environ: Mapping[str, str] | None = None, *, require_jwt: bool = True
) -> S:
    """``settings_class`` built from ``environ`` (default ``os.environ``).

    ``require_jwt=False`` is for commands that never see a token (``migrate``,
    ``tenant create``): a missing JWT key is then not an error.
    """
    identity = settings_class.identity
    variable = identity.environment_variable
    development_secret = identity.development_secret
    env = os.environ if environ is None else environ
    environment = env.get(variable, "production")
    secret = env.get("JWT_SECRET") or None
    public_key_file = env.get("JWT_PUBLIC_KEY_FILE") or None
    jwks_file = env.get("JWT_JWKS_FILE") or None
    if secret and (public_key_file or jwks_file):
        raise ConfigurationError(
            "set JWT_SECRET (HS256) or JWT_PUBLIC_KEY_FILE / JWT_JWKS_FILE (RS256), not both"
        )
    algorithm = "HS256"
    public_key = None
    jwks = None
    if public_key_file:
        algorithm, public_key = "RS256", Path(public_key_file).read_text(encoding="utf-8")
    elif jwks_file:
        algorithm = "RS256"
        jwks = json.loads(Path(jwks_file).read_text(encoding="utf-8"))
    elif secret:
        if secret == development_secret and environment != "development":
            raise ConfigurationError(
                "JWT_SECRET is the published development secret; set a secret of your own "
                f"(or {variable}=development)"
            )
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
    elif environment == "development":
        secret = development_secret
    elif require_jwt:
        raise ConfigurationError(
            "JWT_SECRET is not set. Set it (or JWT_PUBLIC_KEY_FILE / JWT_JWKS_FILE), or set "
            f"{variable}=development to use the insecure development secret"
        )
    return settings_class(
        database_url=env.get("DATABASE_URL") or identity.default_database_url(),
        operator_database_url=env.get("OPERATOR_DATABASE_URL") or None,
        log_sql_parameters=log_sql_parameters(env, environment, variable),
        jwt_algorithm=algorithm,
        jwt_secret=secret,
        jwt_public_key=public_key,
        jwt_jwks=jwks,
        jwt_audience=env.get("JWT_AUDIENCE") or None,
        jwt_issuer=env.get("JWT_ISSUER") or None,
        redis_url=env.get("REDIS_URL") or None,
        environment=environment,
        jwt_max_lifetime_seconds=_positive_int(
            env, "JWT_MAX_LIFETIME_SECONDS", DEFAULT_MAX_LIFETIME_SECONDS
        ),
        max_body_bytes=_positive_int(env, "MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        list_page_max_bytes=_positive_int(env, "LIST_PAGE_MAX_BYTES", DEFAULT_LIST_PAGE_MAX_BYTES),
        docs_enabled=_flag(env, "API_DOCS", True),
        rate_limit_legacy_headers=_flag(env, "RATE_LIMIT_LEGACY_HEADERS", False),
        rate_limits_enabled=_flag(env, "RATE_LIMITS", True),
        stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
        billing_cache_seconds=_non_negative_int(env, "BILLING_CACHE_SECONDS", 5),
    )
