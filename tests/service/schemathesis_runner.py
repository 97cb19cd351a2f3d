"""Run by test_service_fuzz.py inside a generated service's folder (``pytest this_file``).

Schemathesis fuzzes the app in-process from its own ``/openapi.json``, with a token holding
every role, so requests reach the handlers. All default checks run (no 5xx, status codes,
headers, content types and bodies match the contract, invalid data rejected, valid data
accepted), with one documented exception: ``positive_data_acceptance`` is skipped on operations
whose valid-looking input can still be refused by facts a schema cannot express: list
operations (an opaque cursor a fuzzer invents is a 400; ``starting_after`` and
``ending_before`` are mutually exclusive), creates whose body has a reference (it must name
an existing object of the tenant, else 422), bodies with a webhook destination
(``x-destination-checked``: the host must resolve to public addresses), requests with an
``Idempotency-Key`` (the
fuzzer reuses keys with other bodies: 422 ``idempotency-key-reused``), and operations without
`security` (a provider's webhook, valid only with a signature over the body).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

SERVICE = os.environ["SERVICE"]
ROLES = os.environ["ROLES"].split(",")
MAX_EXAMPLES = int(os.environ.get("MAX_EXAMPLES", "15"))
# CI runs the same examples every time, so a red run is reproducible and a green one means the
# same thing on every machine; FUZZ_RANDOM=1 explores new inputs (run it when hunting bugs).
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"

schemathesis.openapi.format(
    "decimal",
    st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False).map(str),
)
db_support = importlib.import_module("tests.db_support")
app_module = importlib.import_module(f"{SERVICE}.app")
cli = importlib.import_module(f"{SERVICE}.cli")
auth = importlib.import_module(f"{SERVICE}.auth")
settings_module = importlib.import_module(f"{SERVICE}.settings")

database = db_support.prepare_database()
# Rate limits off: the fuzzer sends far more than a plan allows (limits have their own tests).
config = settings_module.Settings(
    database_url=database.app_url, jwt_secret="f" * 40, rate_limits_enabled=False
)
app = app_module.create_app(config)
tenant = cli.create_tenant(config, "Fuzz")
# With `billing:`, the fuzzer's tenant is on the plan and in the state that grant everything (as
# the generated suite's tenants are): a 402 would otherwise refuse valid data.
BILLING: dict[str, Any] = getattr(importlib.import_module("tests.spec_tables"), "BILLING", {})
if BILLING:
    model = getattr(importlib.import_module(f"{SERVICE}.models"), BILLING["class_name"])
    values = {BILLING["state_field"]: BILLING["entitled"]["state"], BILLING["id_field"]: "sub_fuzz"}
    if BILLING["plan_field"]:
        values[BILLING["plan_field"]] = BILLING["entitled"]["plan"]
    with importlib.import_module(f"{SERVICE}.db").open_session(
        app.state.session_factory, tenant
    ) as session:
        session.add(model(**values))
        session.commit()
token = auth.TokenVerifier(config).issue("fuzzer", tenant, ROLES)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
schema.config.generation.update(allow_x00=False, max_examples=MAX_EXAMPLES)


def _has_references(operation: Any) -> bool:
    body = operation.definition.raw.get("requestBody", {})
    ref = body.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    shape = schema.raw_schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return any("x-references" in p for p in shape.get("properties", {}).values())


def _has_destination(operation: Any) -> bool:
    body = operation.definition.raw.get("requestBody", {})
    ref = body.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    shape = schema.raw_schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return any("x-destination-checked" in p for p in shape.get("properties", {}).values())


def _skips_positive_check(case: Any) -> bool:
    if _has_destination(case.operation):
        return True  # a webhook URL: valid only if its host resolves to public addresses
    if case.operation.definition.raw.get("security") == []:
        return True  # a provider's webhook: valid only with a signature no schema can express
    method = case.operation.method.upper()
    is_collection = "{id}" not in case.operation.path
    if any(name.lower() == "idempotency-key" for name in case.headers or {}):
        return True
    return is_collection and (method == "GET" or _has_references(case.operation))


def _query_lost_in_encoding(case: Any) -> bool:
    """A negative query whose invalid part cannot be sent: an empty name or a nested value
    (``{"": {}}``) vanishes from the URL, so what arrives is valid and a 2xx is right."""
    return any(
        name == "" or isinstance(value, dict) or (isinstance(value, list) and not value)
        for name, value in (case.query or {}).items()
    )


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None, derandomize=DERANDOMIZE)
def test_api(case: Any) -> None:
    excluded = [positive_data_acceptance] if _skips_positive_check(case) else []
    if _query_lost_in_encoding(case):
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded)


def teardown_module() -> None:
    app.state.engine.dispose()
    database.cleanup()
