"""The contract of ``/dead-letters`` (runtime/dead_letter_api.py): the event handler messages of
the caller's tenant that used up their attempts, and retrying one."""

from __future__ import annotations

from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.emit.openapi.locations import LocationRecorder
from specfoundry.emit.openapi.platform import JSON, _errors, _located, _located_schemas, _ref
from specfoundry.model import Service

Obj = dict[str, Any]


def _schemas() -> dict[str, Obj]:
    nullable_string = {"type": ["string", "null"]}
    letter: Obj = {
        "type": "object",
        "description": "A handler's message that used up its attempts (Dramatiq's dead letters).",
        "required": ["object", "id", "queue", "handler", "error"],
        "properties": {
            "object": {"type": "string", "const": "dead_letter"},
            "id": {"type": "string", "description": "The message id (retry it by this id)."},
            "queue": {"type": "string"},
            "handler": {"type": "string", "description": "The actor that gave up."},
            "event_id": {**nullable_string, "format": "uuid"},
            "event_type": nullable_string,
            "error": {"type": "string", "description": "The last error (its last line)."},
            "failed_at": {**nullable_string, "format": "date-time"},
        },
    }
    listed: Obj = {
        "type": "object",
        "required": ["object", "data", "has_more"],
        "properties": {
            "object": {"type": "string", "const": "list"},
            "data": {"type": "array", "items": _ref("DeadLetter")},
            "has_more": {"type": "boolean", "const": False},
        },
    }
    return {"DeadLetter": letter, "DeadLetterList": listed}


def _paths(model: Service, roles: str) -> dict[str, Obj]:
    base = model.api.base_path
    who = f"Roles: {roles} (and roles that include them). Only the caller's tenant's messages."
    unavailable = {"503": {"$ref": "#/components/responses/ServiceUnavailable"}}
    return {
        f"{base}/dead-letters": {
            "get": {
                "tags": ["dead-letters"],
                "summary": "List dead letters",
                "description": who,
                "operationId": "list_dead_letters",
                "responses": {
                    "200": {
                        "description": "Every dead letter of the tenant.",
                        "content": {JSON: {"schema": _ref("DeadLetterList")}},
                    },
                    **_errors(model, "400", "401", "403"),
                    **unavailable,
                },
            }
        },
        f"{base}/dead-letters/{{message_id}}/retry": {
            "post": {
                "tags": ["dead-letters"],
                "summary": "Retry a dead letter",
                "description": who + " The message is queued again with fresh attempts.",
                "operationId": "retry_dead_letter",
                "parameters": [
                    {
                        "name": "message_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 100},
                    }
                ],
                "responses": {
                    "202": {
                        "description": "The dead letter, queued again.",
                        "content": {JSON: {"schema": _ref("DeadLetter")}},
                    },
                    **_errors(model, "400", "401", "403"),
                    **unavailable,
                },
            }
        },
    }


def dead_letters_contract(
    model: Service, recorder: LocationRecorder | None = None
) -> tuple[dict[str, Obj], dict[str, Obj], list[Obj]]:
    """(paths, schemas, tags) of ``/dead-letters``; empty when the service has no handler."""
    if not model.platform.dead_letters:
        return {}, {}, []
    where = _where(model)
    roles = ", ".join(f"`{r}`" for r in model.permissions.administrators())
    paths = _located(_paths(model, roles), where, recorder)
    schemas = _located_schemas(_schemas(), where, recorder)
    tags = [{"name": "dead-letters", "description": "Handler messages that gave up."}]
    return paths, schemas, tags


def _where(model: Service) -> Location | None:
    """The spec line the feature comes from: the first handler, else ``webhooks``."""
    handlers = model.platform.events.handlers
    if handlers:
        return handlers[0].location
    hooks = model.platform.webhooks
    return hooks.location if hooks is not None else None
