"""The contract of outgoing webhooks (``webhooks``): the routes of ``/webhook-endpoints`` and
``/webhook-deliveries`` (served by ``runtime/webhook_api.py``) and the top-level ``webhooks``
section, one entry per event type with its envelope and the Standard Webhooks headers."""

from __future__ import annotations

import re
from typing import Any

from specfoundry.emit.openapi.locations import LocationRecorder
from specfoundry.emit.openapi.platform import (
    JSON,
    _errors,
    _id_parameter,
    _located,
    _located_schemas,
    _nullable,
    _page_parameters,
    _query,
    _ref,
    _roles_text,
)
from specfoundry.emit.openapi.schemas import base_schema, nullable
from specfoundry.model import Service
from specfoundry.model.entities import Field
from specfoundry.model.service import Event

Obj = dict[str, Any]
_TIME = {"type": "string", "format": "date-time"}
STATUSES = ["pending", "succeeded", "failed"]
SIGNATURE_HEADERS = (
    (
        "webhook-id",
        "The event id: the same on every attempt of one event (dedupe on it).",
        {"type": "string"},
    ),
    (
        "webhook-timestamp",
        "Unix seconds of this attempt; refuse messages more than 5 minutes off.",
        {"type": "string", "pattern": "^[0-9]+$"},
    ),
    (
        "webhook-signature",
        "Space-delimited `v1,<base64 HMAC-SHA256>` signatures of `{id}.{timestamp}.{body}` "
        "with the endpoint's secret (two during a rotation's overlap). Verify with "
        "`standardwebhooks.Webhook(secret).verify(body, headers)`.",
        {"type": "string"},
    ),
)


def event_schema_name(event: str) -> str:
    """``project.created`` -> ``ProjectCreatedEvent``."""
    return "".join(part.capitalize() for part in re.split(r"[._]", event) if part) + "Event"


def _event_schema(event: Event) -> Obj:
    data = {
        f.name.raw: nullable(base_schema(Field(f.name, f.type, f.location))) for f in event.payload
    }
    return {
        "type": "object",
        "description": event.description or f"The `{event.name}` event, as delivered.",
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"type": "string", "const": event.name},
            "timestamp": {**_TIME, "description": "When the event happened."},
            "data": {"type": "object", "properties": data},
        },
    }


def _endpoint_schemas(model: Service) -> dict[str, Obj]:
    types = sorted(e.name for e in model.events)
    text = {"type": ["string", "null"]}
    event_types = {
        "type": "array",
        "maxItems": 100,
        "items": {"type": "string", "enum": types},
        "description": "The event types the endpoint receives; empty: every type.",
    }
    endpoint: Obj = {
        "type": "object",
        "description": "Where the tenant receives its events. The secret is shown only when "
        "created or rotated.",
        "required": [
            "object",
            "id",
            "url",
            "description",
            "event_types",
            "enabled",
            "disabled_reason",
            "secret_prefix",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ],
        "properties": {
            "object": {"type": "string", "const": "webhook_endpoint"},
            "id": {"type": "string", "format": "uuid"},
            "url": {"type": "string", "maxLength": 2000},
            "description": {**text, "maxLength": 255},
            "event_types": event_types,
            "enabled": {"type": "boolean"},
            "disabled_reason": {
                **text,
                "maxLength": 200,
                "description": "Why delivery stopped (e.g. the endpoint answered 410).",
            },
            "secret_prefix": {
                "type": "string",
                "description": "The first characters of the secret, to tell secrets apart.",
            },
            "previous_secret_expires_at": _nullable(
                {**_TIME, "description": "Until when the previous secret also signs."}
            ),
            "created_at": _TIME,
            "updated_at": _TIME,
        },
    }
    with_secret = {
        **endpoint,
        "description": "The endpoint with its secret: shown this once.",
        "required": [*endpoint["required"], "secret"],
        "properties": {
            **endpoint["properties"],
            "secret": {
                "type": "string",
                "pattern": "^whsec_[A-Za-z0-9+/=]+$",
                "description": "Verifies the `webhook-signature` header. Store it now.",
            },
        },
    }
    url = {
        "type": "string",
        "minLength": 1,
        "maxLength": 2000,
        "description": "An https URL whose host resolves to public addresses only.",
        # Reviewers and fuzzers: valid only if its host resolves to public addresses, a fact
        # of DNS no schema can express.
        "x-destination-checked": True,
    }
    create = {
        "type": "object",
        "additionalProperties": False,
        "required": ["url"],
        "properties": {
            "url": url,
            "description": {**text, "maxLength": 255},
            "event_types": {**event_types, "type": ["array", "null"]},
            "enabled": {"type": "boolean", "default": True},
        },
    }
    update = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "url": url,
            "description": {**text, "maxLength": 255},
            "event_types": {**event_types, "type": ["array", "null"]},
            "enabled": {
                "type": "boolean",
                "description": "false stops deliveries; true resumes them.",
            },
        },
    }
    delivery = {
        "type": "object",
        "description": "One event sent to one endpoint, with the outcome of its attempts.",
        "required": [
            "object",
            "id",
            "endpoint_id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "last_response_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "duration_ms",
            "created_at",
        ],
        "properties": {
            "object": {"type": "string", "const": "webhook_delivery"},
            "id": {"type": "string", "format": "uuid"},
            "endpoint_id": {"type": "string", "format": "uuid"},
            "event_id": {
                "type": "string",
                "format": "uuid",
                "description": "Sent as `webhook-id`.",
            },
            "event_type": {"type": "string", "maxLength": 255},
            "status": {"type": "string", "enum": STATUSES},
            "attempts": {"type": "integer", "minimum": 0},
            "last_response_code": {"type": ["integer", "null"]},
            "last_error": {**text, "maxLength": 65536},
            "last_attempt_at": _nullable(_TIME),
            "next_attempt_at": _nullable(
                {**_TIME, "description": "When the next retry is due (pending)."}
            ),
            "delivered_at": _nullable(_TIME),
            "duration_ms": {
                "type": ["integer", "null"],
                "description": "How long the last attempt took.",
            },
            "created_at": _TIME,
        },
    }
    from specfoundry.emit.openapi.platform import _list_schema

    return {
        "WebhookEndpoint": endpoint,
        "WebhookEndpointWithSecret": with_secret,
        "WebhookEndpointCreate": create,
        "WebhookEndpointUpdate": update,
        "WebhookEndpointList": _list_schema("WebhookEndpoint", "webhook endpoints"),
        "WebhookDelivery": delivery,
        "WebhookDeliveryList": _list_schema("WebhookDelivery", "webhook deliveries"),
    }


def _paths(model: Service, base: str) -> dict[str, Obj]:
    settings = model.platform.webhooks
    assert settings is not None
    who = f"Roles: {_roles_text(settings.roles)} (and roles that include them)."
    refused = (
        " The URL must be https and resolve to public addresses only (no loopback, private, "
        "link-local or metadata address; 422 otherwise)."
    )
    no_store = {
        "description": "`no-store`: the secret must not be cached.",
        "schema": {"type": "string"},
    }
    secret_ok = {
        "description": "The endpoint and its secret.",
        "headers": {"Cache-Control": no_store},
        "content": {JSON: {"schema": _ref("WebhookEndpointWithSecret")}},
    }
    endpoint_ok = {
        "description": "The webhook endpoint.",
        "content": {JSON: {"schema": _ref("WebhookEndpoint")}},
    }
    delivery_ok = {
        "description": "The webhook delivery.",
        "content": {JSON: {"schema": _ref("WebhookDelivery")}},
    }
    ep, dl = ["webhook-endpoints"], ["webhook-deliveries"]
    endpoint_id = _id_parameter("webhook endpoint")
    delivery_id = _id_parameter("webhook delivery")

    def body(name: str) -> Obj:
        return {"required": True, "content": {JSON: {"schema": _ref(name)}}}

    return {
        f"{base}/webhook-endpoints": {
            "get": {
                "tags": ep,
                "summary": "List webhook endpoints",
                "description": who,
                "operationId": "list_webhook_endpoints",
                "parameters": _page_parameters(),
                "responses": {
                    "200": {
                        "description": "A page of webhook endpoints, newest first.",
                        "content": {JSON: {"schema": _ref("WebhookEndpointList")}},
                    },
                    **_errors(model, "400", "401", "403", "422"),
                },
            },
            "post": {
                "tags": ep,
                "summary": "Create a webhook endpoint",
                "description": who
                + refused
                + " The response carries the signing secret once (`Cache-Control: no-store`).",
                "operationId": "create_webhook_endpoint",
                "requestBody": body("WebhookEndpointCreate"),
                "responses": {
                    "201": {
                        **secret_ok,
                        "description": "The created endpoint and its secret.",
                        "headers": {
                            "Location": {"$ref": "#/components/headers/Location"},
                            "Cache-Control": no_store,
                        },
                    },
                    **_errors(model, "400", "401", "403", "409", "413", "422"),
                },
            },
        },
        f"{base}/webhook-endpoints/{{id}}": {
            "get": {
                "tags": ep,
                "summary": "Get a webhook endpoint",
                "description": who,
                "operationId": "get_webhook_endpoint",
                "parameters": [endpoint_id],
                "responses": {"200": endpoint_ok, **_errors(model, "400", "401", "403")},
            },
            "patch": {
                "tags": ep,
                "summary": "Update a webhook endpoint",
                "description": who
                + " Change the URL, description or event types; enable or disable it."
                + refused,
                "operationId": "update_webhook_endpoint",
                "parameters": [endpoint_id],
                "requestBody": body("WebhookEndpointUpdate"),
                "responses": {
                    "200": endpoint_ok,
                    **_errors(model, "400", "401", "403", "409", "413", "422"),
                },
            },
            "delete": {
                "tags": ep,
                "summary": "Delete a webhook endpoint",
                "description": who + " Its deliveries are deleted with it.",
                "operationId": "delete_webhook_endpoint",
                "parameters": [endpoint_id],
                "responses": {
                    "204": {"description": "Deleted."},
                    **_errors(model, "400", "401", "403", "409"),
                },
            },
        },
        f"{base}/webhook-endpoints/{{id}}/rotate-secret": {
            "post": {
                "tags": ep,
                "summary": "Rotate a webhook endpoint's secret",
                "description": who
                + " A new secret, shown once; the previous one keeps signing for "
                f"{settings.rotation_overlap_hours} h (both signatures are sent).",
                "operationId": "rotate_webhook_endpoint_secret",
                "parameters": [endpoint_id],
                "responses": {
                    "200": {**secret_ok, "description": "The endpoint and its new secret."},
                    **_errors(model, "400", "401", "403", "409"),
                },
            }
        },
        f"{base}/webhook-deliveries": {
            "get": {
                "tags": dl,
                "summary": "List webhook deliveries",
                "description": who,
                "operationId": "list_webhook_deliveries",
                "parameters": [
                    *_page_parameters(),
                    _query(
                        "endpoint_id",
                        "Only this endpoint's.",
                        {"type": "string", "format": "uuid"},
                    ),
                    _query("status", "Only this status.", {"type": "string", "enum": STATUSES}),
                ],
                "responses": {
                    "200": {
                        "description": "A page of deliveries, newest first.",
                        "content": {JSON: {"schema": _ref("WebhookDeliveryList")}},
                    },
                    **_errors(model, "400", "401", "403", "422"),
                },
            }
        },
        f"{base}/webhook-deliveries/{{id}}": {
            "get": {
                "tags": dl,
                "summary": "Get a webhook delivery",
                "description": who,
                "operationId": "get_webhook_delivery",
                "parameters": [delivery_id],
                "responses": {"200": delivery_ok, **_errors(model, "400", "401", "403")},
            }
        },
        f"{base}/webhook-deliveries/{{id}}/redeliver": {
            "post": {
                "tags": dl,
                "summary": "Redeliver a webhook delivery",
                "description": who
                + " Queues a new attempt now, also of a delivered one (same `webhook-id`); "
                "a failed delivery starts its schedule again. 409 when the endpoint is "
                "disabled; 503 when no worker is reachable.",
                "operationId": "redeliver_webhook_delivery",
                "parameters": [delivery_id],
                "responses": {
                    "202": {**delivery_ok, "description": "The delivery, queued."},
                    **_errors(model, "400", "401", "403", "409"),
                    "503": {"$ref": "#/components/responses/ServiceUnavailable"},
                },
            }
        },
    }


def _webhooks(model: Service) -> dict[str, Obj]:
    parameters = [
        {"name": name, "in": "header", "required": True, "description": text, "schema": schema}
        for name, text, schema in SIGNATURE_HEADERS
    ]
    out: dict[str, Obj] = {}
    for event in sorted(model.events, key=lambda e: e.name):
        out[event.name] = {
            "post": {
                "tags": ["webhook-endpoints"],
                "summary": f"The `{event.name}` event",
                "description": (event.description + " " if event.description else "")
                + "Sent to every enabled endpoint subscribed to it, signed per Standard Webhooks; "
                "retried with backoff until a 2xx (redirects are not followed; 410 disables the "
                "endpoint).",
                "operationId": "webhook_" + re.sub(r"[^a-z0-9]+", "_", event.name),
                "security": [],
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": _ref(event_schema_name(event.name))}},
                },
                "responses": {
                    "200": {
                        "description": "Any 2xx acknowledges the delivery; anything else is "
                        "retried (410: the endpoint is disabled)."
                    }
                },
            }
        }
    return out


def webhooks_contract(
    model: Service, recorder: LocationRecorder | None = None
) -> tuple[dict[str, Obj], dict[str, Obj], list[Obj], dict[str, Obj]]:
    """(paths, schemas, tags, webhooks) of outgoing webhooks; empty when the spec has none."""
    settings = model.platform.webhooks
    if settings is None:
        return {}, {}, [], {}
    where = settings.location
    paths = _located(_paths(model, model.api.base_path), where, recorder)
    schemas = _located_schemas(_endpoint_schemas(model), where, recorder)
    for event in model.events:
        name = event_schema_name(event.name)
        # A built-in event (api_key.revoked) has no spec line of its own (line 0): the
        # section's, which puts it in the contract.
        at = event.location if event.location is not None and event.location.line > 0 else where
        schemas |= _located_schemas({name: _event_schema(event)}, at, recorder)
        if recorder is not None:
            recorder.record(at, "webhooks", event.name)
            recorder.record(at, "webhooks", event.name, "post")
    tags = [
        {"name": "webhook-endpoints", "description": "Where the tenant receives its events."},
        {"name": "webhook-deliveries", "description": "Each event sent, and its attempts."},
    ]
    return paths, schemas, tags, _webhooks(model)
