"""The contract of the platform features' own routes: ``/api-keys`` and ``/audit-events``.

They are served by the runtime (``runtime/apikeys.py``, ``runtime/audit.py``); what this module
writes is what those routers answer (the generated suite checks the routes against it).
"""

from __future__ import annotations

from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.emit.openapi.locations import LocationRecorder
from specfoundry.model import Service

Obj = dict[str, Any]
JSON = "application/json"
PAGE_LIMIT = {"default": 20, "minimum": 1, "maximum": 100}
REQUEST_ID = (
    "Every audit record carries the request id: the client's `X-Request-ID` when it is a "
    "token of 1-128 characters `[A-Za-z0-9._:-]`, otherwise one the service makes up."
)


def _ref(name: str) -> Obj:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str) -> Obj:
    return {"$ref": f"#/components/responses/{name}"}


def _nullable(schema: Obj) -> Obj:
    return {**schema, "type": [schema["type"], "null"]}


_TIME = {"type": "string", "format": "date-time"}


def _errors(model: Service, *statuses: str) -> Obj:
    names = {
        "400": "BadRequest",
        "401": "Unauthorized",
        "403": "Forbidden",
        "404": "NotFound",
        "409": "Conflict",
        "413": "ContentTooLarge",
        "422": "UnprocessableContent",
    }
    # Every operation lists 404 (the conventions: an unknown id, or a path of no route).
    out = {status: _response(names[status]) for status in sorted({*statuses, "404"})}
    if model.api.rate_limits is not None:
        out["429"] = _response("TooManyRequests")
    out["500"] = _response("InternalError")
    return out


def _roles_text(roles: tuple[str, ...]) -> str:
    return ", ".join(f"`{r}`" for r in roles)


def _list_schema(item: str, noun: str) -> Obj:
    return {
        "type": "object",
        "description": f"A page of {noun}.",
        "required": ["object", "url", "has_more", "next_cursor", "data"],
        "properties": {
            "object": {"type": "string", "const": "list"},
            "url": {"type": "string", "description": "The path of this list."},
            "has_more": {"type": "boolean"},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as `starting_after` for the next page.",
            },
            "data": {"type": "array", "items": _ref(item)},
        },
    }


def _page_parameters() -> list[Obj]:
    return [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": "The most items to return.",
            "schema": {"type": "integer", **PAGE_LIMIT},
        },
        {
            "name": "starting_after",
            "in": "query",
            "required": False,
            "description": "The `next_cursor` of the previous page.",
            "schema": {"type": "string"},
        },
    ]


def _query(name: str, description: str, schema: Obj) -> Obj:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _id_parameter(noun: str) -> Obj:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": f"Id of the {noun}.",
        "schema": {"type": "string", "format": "uuid"},
    }


# -- API keys ----------------------------------------------------------------------------------


def _api_key_schemas(model: Service) -> dict[str, Obj]:
    roles = [r.name.raw for r in model.permissions.roles]
    key: Obj = {
        "type": "object",
        "description": "An API key; its secret is never shown again after creation.",
        "required": [
            "object",
            "id",
            "name",
            "prefix",
            "scopes",
            "created_by",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ],
        "properties": {
            "object": {"type": "string", "const": "api_key"},
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string", "maxLength": 80},
            "prefix": {
                "type": "string",
                "maxLength": 48,
                "description": "Tells keys apart; not usable as a key.",
            },
            "scopes": {
                "type": "array",
                "items": {"type": "string", "enum": roles},
                "description": "The roles the key acts with.",
            },
            "created_by": {
                "type": "string",
                "maxLength": 255,
                "description": "The subject who created it.",
            },
            "created_at": _TIME,
            "expires_at": _nullable(_TIME),
            "last_used_at": _nullable({**_TIME, "description": "Updated at most once a minute."}),
            "revoked_at": _nullable(_TIME),
        },
    }
    created = {
        **key,
        "description": "The created key, with its secret: shown this once.",
        "required": [*key["required"], "secret"],
        "properties": {
            **key["properties"],
            "secret": {
                "type": "string",
                "description": "Send as `Authorization: Bearer <secret>`. Store it now: only a "
                "hash is kept.",
            },
        },
    }
    create = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 80},
            "scopes": {
                "type": ["array", "null"],
                "minItems": 1,
                "maxItems": 32,
                "items": {"type": "string", "enum": [r.name.raw for r in model.permissions.roles]},
                "description": "Roles the key acts with, each one you hold (directly or through "
                "inheritance); default: every role you hold.",
            },
            "expires_at": _nullable(
                {
                    **_TIME,
                    "description": "When the key stops working; capped at the spec's "
                    "`max_lifetime_days` (also the default when set).",
                }
            ),
        },
    }
    return {
        "ApiKey": key,
        "ApiKeyCreated": created,
        "ApiKeyCreate": create,
        "ApiKeyList": _list_schema("ApiKey", "API keys"),
    }


def _api_key_paths(model: Service, base: str) -> dict[str, Obj]:
    settings = model.platform.api_keys
    assert settings is not None
    who = f"Roles: {_roles_text(settings.roles)} (and roles that include them)."
    person = " Only a person (a JWT) may create or revoke keys, never a key."
    key_ok = {"description": "The API key.", "content": {JSON: {"schema": _ref("ApiKey")}}}
    tags = ["api-keys"]
    return {
        f"{base}/api-keys": {
            "get": {
                "tags": tags,
                "summary": "List API keys",
                "description": who,
                "operationId": "list_api_keys",
                "parameters": _page_parameters(),
                "responses": {
                    "200": {
                        "description": "A page of API keys, newest first.",
                        "content": {JSON: {"schema": _ref("ApiKeyList")}},
                    },
                    **_errors(model, "400", "401", "403", "422"),
                },
            },
            "post": {
                "tags": tags,
                "summary": "Create an API key",
                "description": who
                + person
                + (
                    f" Keys start with `{settings.prefix}`; the response carries the secret "
                    "once (`Cache-Control: no-store`)."
                ),
                "operationId": "create_api_key",
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": _ref("ApiKeyCreate")}},
                },
                "responses": {
                    "201": {
                        "description": "The created key and its secret.",
                        "headers": {
                            "Location": {"$ref": "#/components/headers/Location"},
                            "Cache-Control": {
                                "description": "`no-store`: the secret must not be cached.",
                                "schema": {"type": "string"},
                            },
                        },
                        "content": {JSON: {"schema": _ref("ApiKeyCreated")}},
                    },
                    **_errors(model, "400", "401", "403", "409", "413", "422"),
                },
            },
        },
        f"{base}/api-keys/{{id}}": {
            "get": {
                "tags": tags,
                "summary": "Get an API key",
                "description": who,
                "operationId": "get_api_key",
                "parameters": [_id_parameter("API key")],
                "responses": {"200": key_ok, **_errors(model, "400", "401", "403", "404")},
            }
        },
        f"{base}/api-keys/{{id}}/revoke": {
            "post": {
                "tags": tags,
                "summary": "Revoke an API key",
                "description": who + person + " The key answers 401 from the next request on; "
                "revoking a revoked key changes nothing.",
                "operationId": "revoke_api_key",
                "parameters": [_id_parameter("API key")],
                "responses": {
                    "200": {**key_ok, "description": "The revoked key."},
                    **_errors(model, "400", "401", "403", "404", "409"),
                },
            }
        },
    }


# -- audit events ------------------------------------------------------------------------------


def _audit_schemas() -> dict[str, Obj]:
    text = {"type": ["string", "null"]}
    event = {
        "type": "object",
        "description": "One audited action. `hash` chains it to the tenant's previous record.",
        "required": [
            "object",
            "id",
            "seq",
            "occurred_at",
            "actor",
            "action",
            "resource",
            "outcome",
            "request_id",
            "ip",
            "user_agent",
            "changes",
            "prev_hash",
            "hash",
        ],
        "properties": {
            "object": {"type": "string", "const": "audit_event"},
            "id": {"type": "string", "format": "uuid"},
            "seq": {"type": "integer", "description": "Position in the tenant's chain."},
            "occurred_at": _TIME,
            "actor": {
                "type": "object",
                "required": ["subject", "kind"],
                "properties": {
                    "subject": text,
                    "kind": {"type": "string", "enum": ["user", "api_key", "system", "operator"]},
                },
            },
            "action": {
                "type": "string",
                "maxLength": 80,
                "description": "`<entity>.create|update|delete|transition.<name>`, "
                "`api_key.revoke`, or `<METHOD> <path>` for a denial.",
            },
            "resource": {
                "type": "object",
                "required": ["type", "id"],
                "properties": {"type": text, "id": text},
            },
            "outcome": {"type": "string", "enum": ["success", "denied"]},
            "request_id": {**text, "maxLength": 128},
            "ip": {**text, "maxLength": 64},
            "user_agent": {**text, "maxLength": 512},
            "changes": {
                "type": ["object", "null"],
                "description": "Changed fields as `{field: {before, after}}`; fields marked "
                "`sensitive` show `[redacted]`.",
            },
            "prev_hash": {**text, "maxLength": 64},
            "hash": {"type": "string", "maxLength": 64},
        },
    }
    return {"AuditEvent": event, "AuditEventList": _list_schema("AuditEvent", "audit events")}


def _audit_paths(model: Service, base: str) -> dict[str, Obj]:
    settings = model.platform.audit
    assert settings is not None
    text = {"type": "string"}
    return {
        f"{base}/audit-events": {
            "get": {
                "tags": ["audit-events"],
                "summary": "List audit events",
                "description": f"Roles: {_roles_text(settings.roles)} (and roles that include "
                "them). The tenant's audit log, newest first. " + REQUEST_ID,
                "operationId": "list_audit_events",
                "parameters": [
                    *_page_parameters(),
                    _query("resource_type", "Only this entity.", {**text, "maxLength": 63}),
                    _query("resource_id", "Only this object.", {**text, "maxLength": 64}),
                    _query("actor", "Only this actor subject.", {**text, "maxLength": 255}),
                    _query("action", "Only this action.", {**text, "maxLength": 80}),
                    _query("since", "From this time on (inclusive).", _TIME),
                    _query("until", "Before this time.", _TIME),
                ],
                "responses": {
                    "200": {
                        "description": "A page of audit events.",
                        "content": {JSON: {"schema": _ref("AuditEventList")}},
                    },
                    **_errors(model, "400", "401", "403", "422"),
                },
            }
        }
    }


def platform_contract(
    model: Service, recorder: LocationRecorder | None = None
) -> tuple[dict[str, Obj], dict[str, Obj], list[Obj]]:
    """(paths, schemas, tags) of the switched-on features' routes; each operation's location is
    its feature's section of the spec."""
    base = model.api.base_path
    paths: dict[str, Obj] = {}
    schemas: dict[str, Obj] = {}
    tags: list[Obj] = []
    if model.platform.api_keys is not None:
        where = model.platform.api_keys.location
        paths |= _located(_api_key_paths(model, base), where, recorder)
        schemas |= _located_schemas(_api_key_schemas(model), where, recorder)
        tags.append({"name": "api-keys", "description": "API keys: a way in for programs."})
    if model.platform.audit is not None:
        where = model.platform.audit.location
        paths |= _located(_audit_paths(model, base), where, recorder)
        schemas |= _located_schemas(_audit_schemas(), where, recorder)
        tags.append({"name": "audit-events", "description": "The tenant's audit log."})
    from specfoundry.emit.openapi.jobs import jobs_contract

    job_paths, job_schemas, job_tags = jobs_contract(model, recorder)
    paths |= job_paths
    schemas |= job_schemas
    tags += job_tags
    return paths, schemas, tags


def _located(
    paths: dict[str, Obj], location: Location | None, recorder: LocationRecorder | None
) -> dict[str, Obj]:
    if recorder is not None:
        for path, item in paths.items():
            for method in item:
                recorder.record(location, "paths", path, method)
    return paths


def _located_schemas(
    schemas: dict[str, Obj], location: Location | None, recorder: LocationRecorder | None
) -> dict[str, Obj]:
    if recorder is not None:
        for name, schema in schemas.items():
            recorder.record(location, "components", "schemas", name)
            for prop in schema.get("properties", {}):
                recorder.record(location, "components", "schemas", name, "properties", prop)
    return schemas
