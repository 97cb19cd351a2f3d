"""The HTTP surface of a service: every operation, with each convention already applied.

Built once from the IR by :func:`specfoundry.lower.http.lower_http`; the OpenAPI emitter, the
service's view models and the generated test plan all read it instead of deciding operation ids,
methods, paths, statuses, problem types, deprecation headers or required permissions themselves.
Names stay :class:`Name` objects; emitters pick the spelling at the last step.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from specfoundry.diagnostics import Location
from specfoundry.model.names import Name


class OperationKind(enum.StrEnum):
    """What an operation does; each kind has one route shape in the generated service."""

    LIST = "list"
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    TRANSITION = "transition"


@dataclass(frozen=True, slots=True)
class HttpDeprecation:
    """A deprecated operation: since when, until when, and the response headers announcing it."""

    since: dt.date
    sunset: dt.date | None  # from this day on the operation answers 410 Gone
    note: str | None
    location: Location
    deprecation_header: str  # RFC 9745 ``Deprecation`` value: ``@<unix seconds>``
    sunset_header: str | None  # RFC 8594 ``Sunset`` value: an HTTP date


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """One error status of an operation: the shared response (``components/responses``) that
    documents it and the problem types (slugs) it may carry."""

    status: int
    response: str
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HttpParent:
    """The parent a nested route reaches its objects through (``api.resources.<r>.parent``)."""

    resource: str  # the parent resource's path segment, ``tasks``
    entity: Name  # the parent's entity
    param: str  # the path parameter of the parent's id, ``task_id``
    field: Name  # the child's reference field naming the parent


@dataclass(frozen=True, slots=True)
class HttpOperation:
    id: Name  # operationId, and the name of the route function
    kind: OperationKind
    entity: Name
    action: Name  # the permission action the caller must hold: list, read, ..., a transition
    method: str  # upper case: GET POST PATCH DELETE
    path: str  # the whole path template, ``/v1/projects/{id}``
    suffix: str  # the path below the resource's collection path: "", "/{id}", "/{id}/archive"
    path_params: tuple[str, ...]
    status: int  # the success status
    statuses: tuple[int, ...]  # every status the contract lists, ascending
    errors: tuple[ErrorResponse, ...]  # ascending status
    collection: bool  # authorized before any object is loaded (list, create)
    request_schema: str | None  # ``components/schemas`` name of the body, None without one
    response_schema: str | None  # of the success body; None for 204
    takes_if_match: bool
    if_match_required: bool  # 428 without ``If-Match``
    takes_if_none_match: bool
    deprecation: HttpDeprecation | None
    transition: Name | None  # the state machine transition a TRANSITION runs
    location: Location
    # The parent of a nested route (``/v1/tasks/{task_id}/comments``); None on a flat one.
    parent: HttpParent | None = None

    @property
    def method_lower(self) -> str:
        """The method as OpenAPI keys and FastAPI's router decorators spell it."""
        return self.method.lower()

    @property
    def problems(self) -> tuple[str, ...]:
        """Every problem type slug the operation may answer with."""
        return tuple(slug for error in self.errors for slug in error.problems)


@dataclass(frozen=True, slots=True)
class HttpResource:
    path: str  # the resource's segment, ``data-sources``: also its OpenAPI tag
    entity: Name
    collection_path: str  # ``/v1/data-sources``
    item_path: str  # ``/v1/data-sources/{id}``
    # Every route: the flat ones (CRUD in the spec's order, then transitions), then the nested
    # ones in the same order. A resource nested without ``flat`` has only nested routes.
    operations: tuple[HttpOperation, ...]
    location: Location
    parent: HttpParent | None = None  # a nested resource's parent
    nested_collection_path: str | None = None  # ``/v1/tasks/{task_id}/comments``

    @property
    def flat(self) -> tuple[HttpOperation, ...]:
        """The flat routes (``/v1/comments...``)."""
        return tuple(o for o in self.operations if o.parent is None)

    @property
    def nested(self) -> tuple[HttpOperation, ...]:
        """The nested routes (``/v1/tasks/{task_id}/comments...``)."""
        return tuple(o for o in self.operations if o.parent is not None)

    def operation(self, kind: OperationKind) -> HttpOperation | None:
        """The flat CRUD operation of ``kind`` (the first transition for TRANSITION)."""
        return next((o for o in self.flat if o.kind is kind), None)

    def nested_operation(self, kind: OperationKind) -> HttpOperation | None:
        return next((o for o in self.nested if o.kind is kind), None)

    @property
    def crud(self) -> tuple[HttpOperation, ...]:
        return tuple(o for o in self.flat if o.kind is not OperationKind.TRANSITION)

    @property
    def transitions(self) -> tuple[HttpOperation, ...]:
        return tuple(o for o in self.flat if o.kind is OperationKind.TRANSITION)

    @property
    def deprecated(self) -> tuple[HttpOperation, ...]:
        return tuple(o for o in self.flat if o.deprecation is not None)


@dataclass(frozen=True, slots=True)
class HttpSurface:
    base_path: str
    resources: tuple[HttpResource, ...]

    @property
    def operations(self) -> tuple[HttpOperation, ...]:
        return tuple(o for r in self.resources for o in r.operations)

    def resource(self, path: str) -> HttpResource:
        return next(r for r in self.resources if r.path == path)

    def for_entity(self, entity: str) -> HttpResource | None:
        return next((r for r in self.resources if r.entity.raw == entity), None)
