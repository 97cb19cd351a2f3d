"""Paths and operations: one per resource operation and exposed transition.

Follows docs/api-conventions.md ("Paths and operations", "Parameters of list operations",
"Headers", "Errors"). Shared parameters, headers and error responses live in ``components`` and
are referenced with ``$ref``; anything that depends on one entity is written inline.
"""

from __future__ import annotations

from typing import Any

from specfoundry.emit.openapi.locations import LocationRecorder
from specfoundry.emit.openapi.problems import (
    PROBLEM_MEDIA_TYPE,
    problems_for,
    response_names,
)
from specfoundry.emit.openapi.schemas import base_schema, ref
from specfoundry.lower.http import HttpLoweringError, lower_http
from specfoundry.model import (
    Entity,
    FieldType,
    Holder,
    Resource,
    Service,
    StateMachine,
    Transition,
)
from specfoundry.model.http import (
    HttpDeprecation,
    HttpOperation,
    HttpResource,
    HttpSurface,
    OperationKind,
)

JSON = "application/json"
Obj = dict[str, Any]

# Key order inside an operation object, for a stable, readable document.
_OPERATION_KEYS = (
    "tags",
    "summary",
    "description",
    "operationId",
    "deprecated",
    "x-deprecated-since",
    "x-sunset",
    "x-permissions",
    "parameters",
    "requestBody",
    "responses",
)


class OpenAPIBuildError(RuntimeError):
    """The model cannot be expressed as a contract; a gap in the compiler's checks."""


def words(entity: Entity) -> str:
    return entity.name.raw.replace("_", " ")


def article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


# -- components shared by every operation ---------------------------------------------------
def header_components(model: Service | None = None) -> Obj:
    headers = _base_headers()
    if model is not None and model.api.rate_limits is not None:
        headers |= RATE_LIMIT_HEADERS
    if model is not None and model.platform.idempotency.enabled:
        headers["Idempotent-Replayed"] = {
            "description": "`true` when this response is the stored first response of an "
            "earlier request with the same `Idempotency-Key` (a replay: nothing ran again).",
            "schema": {"type": "string", "enum": ["true"]},
        }
    return headers


RATE_LIMIT_HEADERS: Obj = {
    "RateLimit-Policy": {
        "description": "The rate-limit policy that applies (IETF draft-ietf-httpapi-ratelimit-"
        'headers): `"<policy>";q=<quota>;w=<window seconds>`. Sent on every response to an '
        "authenticated request, errors included.",
        "schema": {"type": "string"},
        "example": '"free";q=60;w=60',
    },
    "RateLimit": {
        "description": 'What is left: `"<policy>";r=<remaining>;t=<seconds until the window '
        "ends>`. Left out when the limiter's storage is unavailable.",
        "schema": {"type": "string"},
        "example": '"free";r=59;t=60',
    },
}


def _rate_limit_header_refs() -> Obj:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}


def _base_headers() -> Obj:
    return {
        "ETag": {
            "description": "Strong entity tag of the object's current version; send it back "
            "in `If-Match` to update safely.",
            "required": True,
            "schema": {"type": "string"},
        },
        "Location": {
            "description": "Path of the created object.",
            "required": True,
            "schema": {"type": "string", "format": "uri-reference"},
        },
        "WWW-Authenticate": {
            "description": "The authentication scheme: `Bearer`, with an `error` parameter when "
            "a token was sent but rejected.",
            "required": True,
            "schema": {"type": "string"},
        },
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 1},
        },
    }


def parameter_components(model: Service) -> Obj:
    pagination = model.api.pagination
    out = _base_parameters(pagination)
    idempotency = model.platform.idempotency
    if idempotency.enabled:
        out["IdempotencyKey"] = {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Makes a retry safe (IETF draft-ietf-httpapi-idempotency-key-header): "
            '1 to 255 characters, sent as `abc` or as the sf-string `"abc"` (the same key). '
            "A retry with the same key and the same request replays the first response with "
            "`Idempotent-Replayed: true`; the same key with a different request is a 422 "
            "`idempotency-key-reused`; while the first request still runs, a 409 "
            "`idempotency-key-in-use`. Keys are scoped to the tenant and caller and kept "
            f"{idempotency.ttl_hours} hours. Error responses are not stored: a failed request "
            "can be retried with the same key.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        }
    return out


def _base_parameters(pagination: Any) -> Obj:
    return {
        "Limit": {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": "Page size.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": pagination.max_limit,
                "default": pagination.default_limit,
            },
        },
        "StartingAfter": {
            "name": "starting_after",
            "in": "query",
            "required": False,
            "description": "Opaque cursor: the page after this one (`next_cursor` of the "
            "previous page). Not with `ending_before`.",
            "schema": {"type": "string"},
        },
        "EndingBefore": {
            "name": "ending_before",
            "in": "query",
            "required": False,
            "description": "Opaque cursor: the page before this one. Not with `starting_after`.",
            "schema": {"type": "string"},
        },
        "IfMatch": {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": "Apply the change only if the object's current `ETag` matches "
            "(412 otherwise).",
            "schema": {"type": "string"},
        },
        "IfMatchRequired": {
            "name": "If-Match",
            "in": "header",
            "required": True,
            "description": "The object's current `ETag`; required on this resource (428 "
            "without it, 412 when it does not match).",
            "schema": {"type": "string"},
        },
        "IfNoneMatch": {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "Answer 304 Not Modified when the object's `ETag` still matches.",
            "schema": {"type": "string"},
        },
    }


def response_components(model: Service | None = None) -> Obj:
    limited = model is not None and model.api.rate_limits is not None
    responses: Obj = {}
    for name in response_names():
        problems = problems_for(name)
        first = problems[0]
        content: Obj = {"schema": ref(first.schema)}
        if len(problems) == 1:
            content["example"] = _problem_example(first.type_uri, first.title, first.status)
        else:
            content["examples"] = {
                p.slug: {"value": _problem_example(p.type_uri, p.title, p.status)} for p in problems
            }
        if len(problems) == 1:
            description = f"{first.title}. {first.when}"
        else:
            description = "\n".join(
                [f"{first.status}: one of these problem types.", ""]
                + [f"- `{p.slug}`: {p.when}" for p in problems]
            )
        response: Obj = {"description": description}
        if name == "Unauthorized":
            response["headers"] = {
                "WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}
            }
        elif name == "TooManyRequests":
            response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
            if limited:
                response["headers"] |= _rate_limit_header_refs()
        elif name == "ServiceUnavailable":
            response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
        response["content"] = {PROBLEM_MEDIA_TYPE: content}
        responses[name] = response
    return responses


def _problem_example(type_uri: str, title: str, status: int) -> Obj:
    return {"type": type_uri, "title": title, "status": status}


def _response_ref(name: str) -> Obj:
    return {"$ref": f"#/components/responses/{name}"}


# -- operations ---------------------------------------------------------------------------
class _ResourceBuilder:
    def __init__(
        self,
        model: Service,
        resource: Resource,
        http: HttpResource,
        entity: Entity,
        recorder: LocationRecorder,
    ) -> None:
        self.model = model
        self.resource = resource
        self.http = http
        self.entity = entity
        self.recorder = recorder
        self.noun = words(entity)

    # The operations of the resource, as {path: {method: operation}}.
    def paths(self) -> dict[str, Obj]:
        out: dict[str, Obj] = {}
        machines = self.model.machine_for(self.entity.name.raw)
        for operation in self.http.operations:
            if operation.kind is OperationKind.TRANSITION:
                assert operation.transition is not None
                machine, transition = next(
                    (m, t) for m in machines if (t := m.transition(operation.transition.raw))
                )
                built = self._transition(operation, machine, transition)
            else:
                built = getattr(self, f"_{operation.kind.value}")(operation)
            out.setdefault(operation.path, {})[operation.method_lower] = self._finish(
                operation, built
            )
        for path in out:
            self.recorder.record(self.resource.location, "paths", path)
        return out

    def _finish(self, operation: HttpOperation, op: Obj) -> Obj:
        deprecation = operation.deprecation
        op["tags"] = [self.http.path]
        op["operationId"] = operation.id.raw
        op["x-permissions"] = self._permissions(operation.action.raw)
        if deprecation is not None:
            op["deprecated"] = True
            op["x-deprecated-since"] = deprecation.since.isoformat()
            if deprecation.sunset is not None:
                op["x-sunset"] = deprecation.sunset.isoformat()
            op["description"] = _join(op.get("description"), _deprecation_text(deprecation))
            for status, response in op["responses"].items():
                if status.startswith("2") or status == "304":
                    response.setdefault("headers", {}).update(_deprecation_headers(deprecation))
        if operation.parent is not None:
            op["parameters"] = [self._parent_id(operation), *op.get("parameters", [])]
            op["description"] = _join(op.get("description"), self._nested_text(operation))
        self._platform(operation.method, op)
        responses: Obj = dict(op["responses"])
        for error in operation.errors:
            responses[str(error.status)] = _response_ref(error.response)
        op["responses"] = dict(sorted(responses.items()))
        base = ("paths", operation.path, operation.method_lower)
        self.recorder.record(operation.location, *base)
        if deprecation is not None:
            self.recorder.record(deprecation.location, *base, "deprecated")
        rule = self.model.permissions.rule(self.entity.name.raw, operation.action.raw)
        if rule is not None:
            self.recorder.record(rule.location, *base, "x-permissions")
        for index, parameter in enumerate(op.get("parameters", [])):
            where = parameter.pop("x-location", None)
            self.recorder.record(where, *base, "parameters", index)
        if "requestBody" in op:
            self.recorder.record(self.entity.location, *base, "requestBody")
        return {key: op[key] for key in _OPERATION_KEYS if op.get(key) is not None}

    def _platform(self, method: str, op: Obj) -> None:
        """Rate-limit fields on success responses; ``Idempotency-Key`` where the spec takes it."""
        idempotent = method.upper() in self.model.platform.idempotency.methods
        for status, response in op["responses"].items():
            if not (status.startswith("2") or status == "304"):
                continue
            if self.model.api.rate_limits is not None:
                response.setdefault("headers", {}).update(_rate_limit_header_refs())
            if idempotent and status.startswith("2"):
                response.setdefault("headers", {})["Idempotent-Replayed"] = {
                    "$ref": "#/components/headers/Idempotent-Replayed"
                }
        if idempotent:
            op.setdefault("parameters", []).append(
                {"$ref": "#/components/parameters/IdempotencyKey"}
            )

    def _permissions(self, action: str) -> list[Obj]:
        out = []
        for holder in self.model.permissions.holders(self.entity.name.raw, action):
            entry: Obj = {"role": holder.role.name.raw}
            if holder.conditions:
                entry["when"] = _conditions_text(holder)
            if holder.role.cross_tenant:
                entry["cross_tenant"] = True
            out.append(entry)
        return out

    # -- parameters and responses ---------------------------------------------------------
    def _id(self) -> Obj:
        return {
            "name": "id",
            "in": "path",
            "required": True,
            "description": f"Id of the {self.noun}."
            + (
                " Only the caller's own tenant is reachable; any other id answers 404."
                if self.entity.is_tenant
                else ""
            ),
            "schema": {"type": "string", "format": "uuid"},
            "x-location": self.resource.location,
        }

    def _parent_id(self, operation: HttpOperation) -> Obj:
        parent = operation.parent
        assert parent is not None
        noun = parent.entity.raw.replace("_", " ")
        return {
            "name": parent.param,
            "in": "path",
            "required": True,
            "description": f"Id of the {noun}. It must exist in the caller's tenant and be "
            "readable by the caller; otherwise the operation answers 404.",
            "schema": {"type": "string", "format": "uuid"},
            "x-location": self.resource.parent.location
            if self.resource.parent is not None
            else self.resource.location,
        }

    def _nested_text(self, operation: HttpOperation) -> str:
        parent = operation.parent
        assert parent is not None
        noun = parent.entity.raw.replace("_", " ")
        text = (
            f"Nested under the {noun} `{{{parent.param}}}`: a missing {noun}, one of another "
            f"tenant or one the caller may not read answers 404"
        )
        if operation.kind is OperationKind.LIST:
            plural = self.entity.name.plural.replace("_", " ")
            return text + f"; only the {plural} of that {noun} are listed."
        if operation.kind is OperationKind.CREATE:
            return text + f"; the new {self.noun}'s `{parent.field}` is that {noun}."
        return text + f", as does a {self.noun} of another {noun}."

    def _if_match(self, operation: HttpOperation) -> Obj:
        name = "IfMatchRequired" if operation.if_match_required else "IfMatch"
        return {"$ref": f"#/components/parameters/{name}"}

    def _ok(self, operation: HttpOperation, description: str) -> Obj:
        headers: Obj = {"ETag": {"$ref": "#/components/headers/ETag"}}
        if operation.kind is OperationKind.CREATE:
            headers["Location"] = {"$ref": "#/components/headers/Location"}
        assert operation.response_schema is not None
        return {
            "description": description,
            "headers": headers,
            "content": {JSON: {"schema": ref(operation.response_schema)}},
        }

    def _body(self, operation: HttpOperation) -> Obj:
        assert operation.request_schema is not None
        return {"required": True, "content": {JSON: {"schema": ref(operation.request_schema)}}}

    def _describe(self, *parts: str | None) -> str | None:
        return _join(self.entity.description, *parts)

    # -- CRUD -----------------------------------------------------------------------------
    def _list(self, operation: HttpOperation) -> Obj:
        sortable = [f.name.raw for f in self.entity.sortable_fields] + ["created_at"]
        parameters: list[Obj] = [
            {"$ref": "#/components/parameters/Limit"},
            {"$ref": "#/components/parameters/StartingAfter"},
            {"$ref": "#/components/parameters/EndingBefore"},
            {
                "name": "sort",
                "in": "query",
                "required": False,
                "description": "Sort key; `-` for descending. Ties are broken by id.",
                "schema": {
                    "type": "string",
                    "enum": [v for f in sortable for v in (f, f"-{f}")],
                    "default": "-created_at",
                },
                "x-location": self.entity.location,
            },
        ]
        taken = {"limit", "starting_after", "ending_before", "sort"}
        for field in self.entity.filterable_fields:
            if operation.parent is not None and field.name == operation.parent.field:
                continue  # fixed by the path
            if field.name.raw in taken:
                raise OpenAPIBuildError(
                    f"filterable field '{self.entity.name}.{field.name}' has the name of a list "
                    f"parameter"
                )
            plural = self.entity.name.plural.replace("_", " ")
            parameters.append(
                {
                    "name": field.name.raw,
                    "in": "query",
                    "required": False,
                    "description": f"Only {plural} whose `{field.name}` contains this value."
                    if field.type is FieldType.LIST
                    else f"Only {plural} whose `{field.name}` equals this value.",
                    "schema": base_schema(field.item if field.type is FieldType.LIST else field),
                    "x-location": field.location,
                }
            )
        return {
            "summary": f"List {self.entity.name.plural.replace('_', ' ')}",
            "description": self._describe(),
            "parameters": parameters,
            "responses": {
                str(operation.status): {
                    "description": f"A page of {self.entity.name.plural.replace('_', ' ')}.",
                    "content": {JSON: {"schema": ref(operation.response_schema or "")}},
                }
            },
        }

    def _read(self, operation: HttpOperation) -> Obj:
        return {
            "summary": f"Get {article(self.noun)}",
            "description": self._describe(),
            "parameters": [self._id(), {"$ref": "#/components/parameters/IfNoneMatch"}],
            "responses": {
                str(operation.status): self._ok(operation, f"The {self.noun}."),
                "304": {
                    "description": "Not modified: `If-None-Match` matched the current `ETag`.",
                    "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                },
            },
        }

    def _create(self, operation: HttpOperation) -> Obj:
        return {
            "summary": f"Create {article(self.noun)}",
            "description": self._describe(),
            "requestBody": self._body(operation),
            "responses": {str(operation.status): self._ok(operation, f"The created {self.noun}.")},
        }

    def _update(self, operation: HttpOperation) -> Obj:
        return {
            "summary": f"Update {article(self.noun)}",
            "description": self._describe("Partial update: only the fields sent change."),
            "parameters": [self._id(), self._if_match(operation)],
            "requestBody": self._body(operation),
            "responses": {str(operation.status): self._ok(operation, f"The updated {self.noun}.")},
        }

    def _delete(self, operation: HttpOperation) -> Obj:
        note = (
            "Soft delete: the object disappears from reads and lists."
            if (self.entity.soft_delete)
            else None
        )
        return {
            "summary": f"Delete {article(self.noun)}",
            "description": self._describe(note),
            "parameters": [self._id(), self._if_match(operation)],
            "responses": {str(operation.status): {"description": "Deleted."}},
        }

    def _transition(
        self, operation: HttpOperation, machine: StateMachine, transition: Transition
    ) -> Obj:
        sources = ", ".join(s.raw for s in transition.sources)
        return {
            "summary": f"{transition.name.title}: {sources} -> {transition.target}",
            "description": transition_description(machine, transition),
            "parameters": [self._id(), self._if_match(operation)],
            "responses": {
                str(operation.status): self._ok(
                    operation, f"The {self.noun}, now `{transition.target}`."
                )
            },
        }


def transition_description(machine: StateMachine, transition: Transition) -> str:
    sources = ", ".join(f"`{s}`" for s in transition.sources)
    lines = [
        f"Transition `{transition.name}` of the `{machine.name}` state machine "
        f"(field `{machine.field}`): from {sources} to `{transition.target}`.",
    ]
    if transition.description:
        lines.append(transition.description)
    details = []
    if transition.roles:
        details.append(
            "Roles: "
            + ", ".join(r.raw for r in transition.roles)
            + " (and the roles that inherit them)."
        )
    if transition.guard is not None:
        details.append(
            f"Guard: `{transition.guard.source.strip()}` (409 `guard-failed` when false)."
        )
    if transition.effects:
        effects = ", ".join(f"`{e.field}` = {_effect(e.value)}" for e in transition.effects)
        details.append(f"Effects: {effects}.")
    if transition.hook is not None:
        details.append(f"Hook: `{transition.hook}` runs in the same transaction.")
    if transition.events:
        details.append("Events: " + ", ".join(f"`{e}`" for e in transition.events) + ".")
    if details:
        lines.append("\n".join(f"- {d}" for d in details))
    lines.append(machine_summary(machine))
    return "\n\n".join(lines)


def machine_summary(machine: StateMachine) -> str:
    """The whole state machine as Markdown, for tag and transition descriptions."""
    head = (
        f"**State machine `{machine.name}`** (field `{machine.field}`, initial `{machine.initial}`)"
    )
    if machine.description:
        head += f": {machine.description}"
    rows = ["| transition | from | to |", "|---|---|---|"]
    for t in machine.transitions:
        rows.append(f"| `{t.name}` | {', '.join(s.raw for s in t.sources)} | {t.target} |")
    states = []
    for s in machine.states:
        flags = []
        if s.name == machine.initial:
            flags.append("initial")
        if s.terminal:
            flags.append("terminal")
        if s.access is not None:
            access = s.access.value + (f" {s.grace_days} days" if s.grace_days else "")
            flags.append(f"access {access}")
        states.append(f"`{s.name}`" + (f" ({', '.join(flags)})" if flags else ""))
    return f"{head}\n\nStates: {', '.join(states)}.\n\n" + "\n".join(rows)


def _effect(value: Any) -> str:
    if value is None:
        return "null"
    if hasattr(value, "value") and not isinstance(value, bool | int | str):
        return f"`{value.value}`"
    return f"`{value}`"


def _conditions_text(holder: Holder) -> str:
    texts = [c.source.strip() for c in holder.conditions]
    if len(texts) == 1:
        return texts[0]
    return " or ".join(f"({t})" for t in texts)


def _deprecation_text(deprecation: HttpDeprecation) -> str:
    text = f"**Deprecated** since {deprecation.since.isoformat()}"
    if deprecation.sunset is not None:
        text += f"; sunset {deprecation.sunset.isoformat()}, after which it answers 410 Gone"
    text += "."
    if deprecation.note:
        text += f" {deprecation.note}"
    return text


def _deprecation_headers(deprecation: HttpDeprecation) -> Obj:
    headers: Obj = {
        "Deprecation": {
            "description": "When the operation was deprecated (RFC 9745), as `@<unix seconds>`.",
            "required": True,
            "schema": {"type": "string"},
            "example": deprecation.deprecation_header,
        }
    }
    if deprecation.sunset is not None:
        headers["Sunset"] = {
            "description": "When the operation stops working (RFC 8594), as an HTTP date.",
            "required": True,
            "schema": {"type": "string"},
            "example": deprecation.sunset_header,
        }
    return headers


def _join(*parts: str | None) -> str | None:
    kept = [p.strip() for p in parts if p and p.strip()]
    return "\n\n".join(kept) if kept else None


def build_paths(
    model: Service, recorder: LocationRecorder, surface: HttpSurface | None = None
) -> dict[str, Obj]:
    """The ``paths`` object: one path item per path of the HTTP surface (``surface``, or the
    lowering of ``model``)."""
    try:
        http = surface if surface is not None else lower_http(model)
    except HttpLoweringError as error:
        raise OpenAPIBuildError(str(error)) from error
    paths: dict[str, Obj] = {}
    for resource, lowered in zip(model.api.resources, http.resources, strict=True):
        entity = model.entity(resource.entity.raw)
        assert entity is not None
        builder = _ResourceBuilder(model, resource, lowered, entity, recorder)
        paths.update(builder.paths())
    return dict(sorted(paths.items()))
