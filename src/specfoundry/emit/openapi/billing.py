"""The contract of the routes ``billing:`` adds: the provider's webhook and the usage read."""

from __future__ import annotations

from typing import Any

from specfoundry.model import Service

Obj = dict[str, Any]


def _ref(name: str) -> Obj:
    return {"$ref": f"#/components/responses/{name}"}


def billing_schemas(model: Service) -> Obj:
    if model.platform.billing is None:
        return {}
    return {
        "ProviderEventOutcome": {
            "type": "object",
            "required": ["id", "outcome"],
            "properties": {
                "id": {"type": "string", "description": "The provider's event id."},
                "outcome": {
                    "type": "string",
                    "enum": [
                        "applied",
                        "duplicate",
                        "stale",
                        "invalid-transition",
                        "unknown-status",
                        "unknown-subscription",
                        "ignored",
                        "rejected",
                    ],
                },
            },
        },
        "Usage": {
            "type": "object",
            "required": ["object", "plan", "status", "access", "features", "quotas"],
            "properties": {
                "object": {"const": "usage"},
                "plan": {"type": ["string", "null"]},
                "status": {"type": ["string", "null"], "description": "null: no subscription."},
                "access": {"type": "boolean"},
                "features": {"type": "array", "items": {"type": "string"}},
                "quotas": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["used", "limit"],
                        "properties": {
                            "used": {"type": "integer", "minimum": 0},
                            "limit": {"type": ["integer", "null"]},
                        },
                    },
                },
            },
        },
    }


def billing_paths(model: Service) -> Obj:
    billing = model.platform.billing
    if billing is None:
        return {}
    json = "application/json"
    webhook: Obj = {
        "operationId": "receive_provider_event",
        "tags": ["billing"],
        "summary": f"Receive a signed {billing.provider} event",
        "description": (
            "Authenticated by `Stripe-Signature` over the raw body (300 s tolerance), not by a "
            "token. The event is stored once by id with its effect; a redelivery is "
            "`duplicate`, an event older than the newest received for the subscription is "
            "`stale`; both change nothing."
        ),
        "security": [],
        "x-request-body": "the provider's event (JSON), read raw to verify its signature",
        "responses": {
            "200": {
                "description": "Received; `outcome` says what it did.",
                "content": {
                    json: {"schema": {"$ref": "#/components/schemas/ProviderEventOutcome"}}
                },
            },
            "400": _ref("BadRequest"),
            "413": _ref("ContentTooLarge"),
            "500": _ref("InternalError"),
        },
    }
    usage: Obj = {
        "operationId": "read_usage",
        "tags": ["billing"],
        "summary": "The tenant's plan, subscription status, features and quota use",
        "responses": {
            "200": {
                "description": "The usage.",
                "content": {json: {"schema": {"$ref": "#/components/schemas/Usage"}}},
            },
            "400": _ref("BadRequest"),
            "401": _ref("Unauthorized"),
            "500": _ref("InternalError"),
        },
    }
    return {
        f"/webhooks/{billing.provider}": {"post": webhook},
        f"{model.api.base_path}/usage": {"get": usage},
    }
