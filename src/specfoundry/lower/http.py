"""Lower the IR's API section into the HTTP surface (:mod:`specfoundry.model.http`).

Every HTTP convention of docs/api-conventions.md that depends on the spec is decided here, once:
operation ids, methods and paths, success and error statuses (with their problem types), the
``If-Match`` / ``If-None-Match`` preconditions, request and response schema names, the
permission action each operation requires, and deprecation with its header values. The OpenAPI
emitter, the service's view models and the generated test plan read the result.
"""

from __future__ import annotations

import calendar
import datetime as dt
from email.utils import formatdate
from functools import cache

from specfoundry.model import Deprecation, Entity, Name, Resource, Service, Transition
from specfoundry.model.http import (
    ErrorResponse,
    HttpDeprecation,
    HttpOperation,
    HttpParent,
    HttpResource,
    HttpSurface,
    OperationKind,
)
from specfoundry.model.nesting import resolve_nesting
from specfoundry.runtime.problem_types import PROBLEM_TYPES


class HttpLoweringError(RuntimeError):
    """The model has no HTTP surface; a gap in the semantic checks, never a user error."""


# Method and path below the collection of each CRUD kind; a transition is POST /{id}/<name>.
ROUTES: dict[OperationKind, tuple[str, str]] = {
    OperationKind.LIST: ("GET", ""),
    OperationKind.READ: ("GET", "/{id}"),
    OperationKind.CREATE: ("POST", ""),
    OperationKind.UPDATE: ("PATCH", "/{id}"),
    OperationKind.DELETE: ("DELETE", "/{id}"),
    OperationKind.TRANSITION: ("POST", "/{id}/{transition}"),
}
SUCCESS: dict[OperationKind, int] = {
    OperationKind.LIST: 200,
    OperationKind.READ: 200,
    OperationKind.CREATE: 201,
    OperationKind.UPDATE: 200,
    OperationKind.DELETE: 204,
    OperationKind.TRANSITION: 200,
}
# Verb of the operation id (``<verb>_<entity>``); a list is ``list_<entity plural>``, a
# transition ``<transition>_<entity>``.
VERB: dict[OperationKind, str] = {
    OperationKind.READ: "get",
    OperationKind.CREATE: "create",
    OperationKind.UPDATE: "update",
    OperationKind.DELETE: "delete",
}
# The problem types (slugs) each shared error response documents.
_SLUGS: dict[str, tuple[str, ...]] = {}
for _problem in PROBLEM_TYPES:
    if _problem.response:
        _SLUGS[_problem.response] = (*_SLUGS.get(_problem.response, ()), _problem.slug)
_WRITES = (OperationKind.CREATE, OperationKind.UPDATE, OperationKind.DELETE)
_PRECONDITIONED = (OperationKind.UPDATE, OperationKind.DELETE, OperationKind.TRANSITION)


def operation_id(
    kind: OperationKind, entity: Name, transition: Name | None = None, parent: Name | None = None
) -> Name:
    """``<verb>_<entity>``; under a parent ``<verb>_<parent>_<entity>`` (``get_task_comment``,
    ``list_task_comments``)."""
    prefix = f"{parent.raw}_" if parent is not None else ""
    if kind is OperationKind.LIST:
        return Name(f"list_{prefix}{entity.plural}")
    if kind is OperationKind.TRANSITION:
        assert transition is not None
        return Name(f"{transition.raw}_{prefix}{entity.raw}")
    return Name(f"{VERB[kind]}_{prefix}{entity.raw}")


def _epoch(day: dt.date) -> int:
    return calendar.timegm(day.timetuple())


def deprecation(d: Deprecation | None) -> HttpDeprecation | None:
    """The deprecation with its header values: ``Deprecation: @<unix seconds>`` (RFC 9745),
    ``Sunset: <HTTP date>`` (RFC 8594)."""
    if d is None:
        return None
    return HttpDeprecation(
        since=d.since,
        sunset=d.sunset,
        note=d.note,
        location=d.location,
        deprecation_header=f"@{_epoch(d.since)}",
        sunset_header=formatdate(_epoch(d.sunset), usegmt=True) if d.sunset else None,
    )


@cache
def error_responses(
    kind: OperationKind,
    *,
    sunset: bool,
    require_precondition: bool,
    rate_limited: bool,
    idempotent: bool = False,
    limiter_may_deny: bool = False,
    payment_required: bool = False,
) -> tuple[ErrorResponse, ...]:
    """The error responses the conventions list for an operation of ``kind`` ("Errors")."""
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
    if payment_required:  # billing: the entitlement check (402 payment-required, quotas)
        names[402] = "PaymentRequired"
    if kind is OperationKind.TRANSITION:
        names[409] = "TransitionConflict"
    elif kind in _WRITES:
        names[409] = "Conflict"
    if sunset:
        names[410] = "Gone"
    if kind in _PRECONDITIONED:
        names[412] = "PreconditionFailed"
    if kind in (OperationKind.CREATE, OperationKind.UPDATE):
        names[413] = "ContentTooLarge"
    if idempotent or kind in (OperationKind.LIST, OperationKind.CREATE, OperationKind.UPDATE):
        # With Idempotency-Key: 422 idempotency-key-reused on any keyed operation.
        names[422] = "UnprocessableContent"
    if kind in _PRECONDITIONED and require_precondition:
        names[428] = "PreconditionRequired"
    if rate_limited:
        names[429] = "TooManyRequests"
        if limiter_may_deny:  # on_storage_error: deny answers 503 while Redis is down
            names[503] = "ServiceUnavailable"
    names[500] = "InternalError"
    return tuple(
        ErrorResponse(status, name, _SLUGS[name]) for status, name in sorted(names.items())
    )


def _schemas(
    kind: OperationKind, entity: Name, nested: bool = False
) -> tuple[str | None, str | None]:
    """(request body schema, success body schema) names in ``components/schemas``; a nested
    create's body (``CommentCreateNested``) leaves out the parent field, taken from the path."""
    request = {
        OperationKind.CREATE: f"{entity.pascal}Create{'Nested' if nested else ''}",
        OperationKind.UPDATE: f"{entity.pascal}Update",
    }.get(kind)
    if kind is OperationKind.LIST:
        return request, f"{entity.pascal}List"
    if kind is OperationKind.DELETE:
        return request, None
    return request, entity.pascal


class _Lowering:
    def __init__(self, model: Service) -> None:
        self.model = model
        self.base = model.api.base_path

    def resource(self, resource: Resource) -> HttpResource:
        entity = self.model.entity(resource.entity.raw)
        if entity is None:
            raise HttpLoweringError(f"resource '{resource.path}' names unknown entity")
        collection = f"{self.base}/{resource.path}"
        nesting = resolve_nesting(self.model, resource)
        if resource.parent is not None and nesting is None:
            raise HttpLoweringError(f"resource '{resource.path}' has an invalid parent")
        parent = None
        nested_collection = None
        if nesting is not None:
            parent = HttpParent(
                resource=nesting.parent.path,
                entity=nesting.parent_entity.name,
                param=nesting.param,
                field=nesting.field.name,
            )
            nested_collection = (
                f"{self.base}/{nesting.parent.path}/{{{nesting.param}}}/{resource.path}"
            )
        ops: list[HttpOperation] = []
        placements: list[HttpParent | None] = []
        if nesting is None or nesting.flat:
            placements.append(None)  # the flat routes
        if parent is not None:
            placements.append(parent)
        for under in placements:
            ops += self.operations(resource, entity, under)
        return HttpResource(
            path=resource.path,
            entity=entity.name,
            collection_path=collection,
            item_path=f"{collection}/{{id}}",
            operations=tuple(ops),
            location=resource.location,
            parent=parent,
            nested_collection_path=nested_collection,
        )

    def operations(
        self, resource: Resource, entity: Entity, parent: HttpParent | None
    ) -> list[HttpOperation]:
        """The CRUD operations then the exposed transitions, flat or under ``parent``."""
        ops = [
            self.operation(resource, entity, OperationKind(op.value), None, parent)
            for op in resource.operations
        ]
        machines = self.model.machine_for(entity.name.raw)
        for name in resource.transitions:
            found = [t for m in machines if (t := m.transition(name.raw)) is not None]
            if not found:
                raise HttpLoweringError(
                    f"resource '{resource.path}' exposes transition '{name}', which no "
                    f"state machine of '{entity.name}' defines"
                )
            ops.append(self.operation(resource, entity, OperationKind.TRANSITION, found[0], parent))
        return ops

    def _payment_required(
        self,
        resource: Resource,
        entity: Entity,
        kind: OperationKind,
        parent: HttpParent | None = None,
    ) -> bool:
        """With ``billing:``, whether the entitlement check may answer 402 on this operation
        (a nested route is under its own resource's feature, else its parent's)."""
        billing = self.model.platform.billing
        if billing is None or entity.name == billing.entity:
            return False
        if kind in _WRITES or kind is OperationKind.TRANSITION:
            return True
        gated_paths = {resource.path} | ({parent.resource} if parent is not None else set())
        gated = any(gated_paths & set(paths) for _, paths in billing.features)
        return gated or not billing.reads_without_access

    def operation(
        self,
        resource: Resource,
        entity: Entity,
        kind: OperationKind,
        transition: Transition | None,
        parent: HttpParent | None = None,
    ) -> HttpOperation:
        t_name = transition.name if transition is not None else None
        action = t_name if t_name is not None else Name(kind.value)
        method, suffix = ROUTES[kind]
        suffix = suffix.replace("{transition}", t_name.raw if t_name else "")
        dep = deprecation(resource.deprecation_of(action.raw))
        limits = self.model.api.rate_limits
        errors = error_responses(
            kind,
            sunset=dep is not None and dep.sunset is not None,
            require_precondition=resource.require_precondition,
            rate_limited=limits is not None,
            idempotent=method.upper() in self.model.platform.idempotency.methods,
            limiter_may_deny=limits is not None and limits.on_storage_error == "deny",
            payment_required=self._payment_required(resource, entity, kind, parent),
        )
        status = SUCCESS[kind]
        successes = {status} | ({304} if kind is OperationKind.READ else set())
        request, response = _schemas(kind, entity.name, nested=parent is not None)
        location = transition.location if transition is not None else resource.location
        base = f"{self.base}/{resource.path}"
        params: tuple[str, ...] = ("id",) if "{id}" in suffix else ()
        if parent is not None:
            base = f"{self.base}/{parent.resource}/{{{parent.param}}}/{resource.path}"
            params = (parent.param, *params)
        return HttpOperation(
            id=operation_id(kind, entity.name, t_name, parent.entity if parent else None),
            kind=kind,
            entity=entity.name,
            action=action,
            method=method,
            path=f"{base}{suffix}",
            suffix=suffix,
            path_params=params,
            status=status,
            statuses=tuple(sorted(successes | {e.status for e in errors})),
            errors=errors,
            collection=kind in (OperationKind.LIST, OperationKind.CREATE),
            request_schema=request,
            response_schema=response,
            takes_if_match=kind in _PRECONDITIONED,
            if_match_required=kind in _PRECONDITIONED and resource.require_precondition,
            takes_if_none_match=kind is OperationKind.READ,
            deprecation=dep,
            transition=t_name,
            location=location,
            parent=parent,
        )


# The last model lowered and its surface: one generation lowers the same (immutable) model for
# the contract, the service and its tests.
_LAST: list[tuple[Service, HttpSurface]] = []


def lower_http(model: Service) -> HttpSurface:
    """The HTTP surface of ``model``: its resources' operations, each convention applied."""
    if _LAST and _LAST[0][0] is model:
        return _LAST[0][1]
    surface = _lower(model)
    _LAST[:] = [(model, surface)]
    return surface


def _lower(model: Service) -> HttpSurface:
    lowering = _Lowering(model)
    resources = tuple(lowering.resource(r) for r in model.api.resources)
    owner: dict[str, str] = {}
    for r in resources:
        for op in r.operations:
            if owner.setdefault(op.path, r.path) != r.path:
                raise HttpLoweringError(f"two resources produce the path {op.path}")
    return HttpSurface(base_path=model.api.base_path, resources=resources)


__all__ = ["HttpLoweringError", "lower_http", "operation_id"]
