"""Token verification rules and settings from the environment, straight on the runtime."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from typing import Any

import jwt
import pytest

from specfoundry.runtime.auth import InvalidToken, TokenVerifier
from specfoundry.runtime.errors import ConfigurationError
from specfoundry.runtime.settings import from_env
from tests.runtime.fixture_app import IDENTITY, SECRET, ShopSettings

TENANT = uuid.uuid4()


def _settings(**changes: Any) -> ShopSettings:
    return dataclasses.replace(ShopSettings(database_url="sqlite://", jwt_secret=SECRET), **changes)


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "alice", "org": str(TENANT), "roles": ["r"]}
    claims |= {"iat": now, "exp": now + 600}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _verify(claims: dict[str, Any], settings: ShopSettings | None = None, key: str = SECRET):
    return TokenVerifier(settings or _settings()).verify(jwt.encode(claims, key, "HS256"))


def test_a_valid_token_uses_the_services_claim_names() -> None:
    principal = _verify(_claims())
    assert (principal.subject, principal.tenant_id, principal.roles) == (
        "alice",
        TENANT,
        frozenset({"r"}),
    )
    with pytest.raises(InvalidToken):
        _verify(_claims(org=None, tenant_id=str(TENANT)))  # the default name is not this one's


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
def test_time_claims_must_be_numbers(claim: str) -> None:
    with pytest.raises(InvalidToken):
        _verify(_claims(**{claim: str(int(time.time()) + 60)}))
    with pytest.raises(InvalidToken):
        _verify(_claims(**{claim: True}))


def test_lifetime_is_bounded() -> None:
    now = int(time.time())
    with pytest.raises(InvalidToken, match="lives longer"):
        _verify(_claims(iat=now, exp=now + 86_400 * 2))
    with pytest.raises(InvalidToken, match="lives longer"):
        _verify(_claims(iat=None, exp=now + 86_400 * 2))
    short = _settings(jwt_max_lifetime_seconds=60)
    with pytest.raises(InvalidToken):
        _verify(_claims(), short)


@pytest.mark.parametrize(
    "changes",
    [{"sub": ""}, {"sub": 5}, {"org": "nope"}, {"roles": "admin"}, {"roles": [1]}, {"exp": None}],
)
def test_malformed_claims_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        _verify(_claims(**changes))


def test_wrong_key_and_algorithm_none_are_refused() -> None:
    with pytest.raises(InvalidToken):
        _verify(_claims(), key="k" * 40)
    unsigned = jwt.encode(_claims(), None, algorithm="none")
    with pytest.raises(InvalidToken):
        TokenVerifier(_settings()).verify(unsigned)


def test_audience_and_issuer_are_required_when_configured() -> None:
    settings = _settings(jwt_audience="api", jwt_issuer="https://idp")
    with pytest.raises(InvalidToken):
        _verify(_claims(), settings)
    with pytest.raises(InvalidToken):
        _verify(_claims(aud="other", iss="https://idp"), settings)
    assert _verify(_claims(aud="api", iss="https://idp"), settings).subject == "alice"
    token = TokenVerifier(settings).issue("bob", TENANT, ["x"])
    assert TokenVerifier(settings).verify(token).subject == "bob"


def test_development_secret_only_in_development() -> None:
    dev = IDENTITY.development_secret
    production = _settings(jwt_secret=dev)
    with pytest.raises(InvalidToken, match="development"):
        _verify(_claims(), production, key=dev)
    with pytest.raises(InvalidToken):
        TokenVerifier(production).issue("a", TENANT, [])
    development = _settings(jwt_secret=dev, environment="development")
    assert development.uses_development_secret
    assert _verify(_claims(), development, key=dev).subject == "alice"


def test_issue_refuses_a_lifetime_over_the_limit() -> None:
    with pytest.raises(InvalidToken, match="JWT_MAX_LIFETIME_SECONDS"):
        TokenVerifier(_settings()).issue("a", TENANT, [], ttl=dt.timedelta(days=2))


def test_settings_from_the_environment() -> None:
    settings = from_env(ShopSettings, {"JWT_SECRET": SECRET, "MAX_BODY_BYTES": "10"})
    assert isinstance(settings, ShopSettings)
    assert (settings.max_body_bytes, settings.jwt_algorithm) == (10, "HS256")
    assert settings.database_url.endswith("shop.db")
    development = from_env(ShopSettings, {"SHOP_ENV": "development"})
    assert development.jwt_secret == IDENTITY.development_secret


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {},
            "JWT_SECRET is not set. Set it (or JWT_PUBLIC_KEY_FILE / JWT_JWKS_FILE), or set "
            "SHOP_ENV=",
        ),
        ({"JWT_SECRET": "short"}, "JWT_SECRET must be at least 32 bytes"),
        ({"JWT_SECRET": IDENTITY.development_secret}, "published development secret"),
        ({"JWT_SECRET": SECRET, "JWT_JWKS_FILE": "x"}, "not both"),
        ({"JWT_SECRET": SECRET, "MAX_BODY_BYTES": "ten"}, "MAX_BODY_BYTES must be a whole number"),
        (
            {"JWT_SECRET": SECRET, "LIST_PAGE_MAX_BYTES": "0"},
            "LIST_PAGE_MAX_BYTES must be positive",
        ),
        ({"JWT_SECRET": SECRET, "API_DOCS": "maybe"}, "API_DOCS must be true or false"),
        ({"JWT_SECRET": SECRET, "LOG_SQL_PARAMETERS": "1"}, "it needs SHOP_ENV=development"),
    ],
)
def test_settings_refuse_bad_configuration(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        from_env(ShopSettings, env)
    assert message in str(info.value)


def test_commands_without_tokens_need_no_key() -> None:
    assert from_env(ShopSettings, {}, require_jwt=False).jwt_secret is None
