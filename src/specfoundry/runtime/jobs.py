"""Background jobs: declared in the spec, started through the API, run by Dramatiq actors.

``POST {base}/jobs/{job-name}/start`` stores a ``job`` row (status ``queued``, the input, the
starter's subject and roles) in the caller's tenant, commits, and sends one message to the
job's actor; it answers 202 with the job. The job row is the source of truth: the worker reads
it, runs the work, and writes progress, result and error back; ``GET {base}/jobs/{id}`` shows
them (``queued``, ``running``, ``succeeded``, ``failed``, ``dead``, ``canceled``).

A job runs in a session bound to the starting tenant (the tenant filter and row-level security
apply in the worker as in a request) and with the starter's permissions: the stored principal
(subject, roles) must still hold one of the job's roles when the job runs, and the work applies
the service's permission table to it (list/read filters for exports, read and update per row
for bulk updates).

Kinds of work:

* :class:`Export`: the rows of an entity the starter may list and read, filtered by the job's
  input (each input field is an equality filter on the field of the same name), as CSV; the
  text is stored on the job row (tenant-scoped) and served at ``GET {base}/jobs/{id}/result``.
* :class:`BulkUpdate`: sets fields to fixed values on every matching row the starter may read
  and update, in batches of ``batch_size``, each batch its own transaction; progress is written
  after each batch and a cancel stops the job between batches.
* :class:`Function`: a user function of the extension package (``fn(ctx) -> result``).

Failures: :class:`JobFailed` (raised by work or by the checks here) ends the job as ``failed``
at once; any other error is retried by Dramatiq (the job's ``attempts``, exponential backoff,
``timeout`` as the actor's time limit) and, once the attempts are spent, the job is ``dead``
and its message is in the dead-letter queue.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dramatiq
import sqlalchemy as sa
from dramatiq.middleware import Interrupt
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from .auth import Principal
from .events import jsonable
from .pagination import SortKey, forward_page
from .problems import Problem, not_found
from .routing import Authorize, check_writable, commit
from .write_rules import WriteCheck

logger = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
DEAD = "dead"
CANCELED = "canceled"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, DEAD, CANCELED)
FINISHED = frozenset({SUCCEEDED, FAILED, DEAD, CANCELED})
DEFAULT_QUEUE = "jobs"
CSV_MEDIA_TYPE = "text/csv"

OpenSession = Callable[[Any, uuid.UUID], Session]


class JobFailed(Exception):
    """The job cannot succeed (no retry): the message is shown as the job's error."""


class JobCanceled(Exception):
    """The job was canceled while it ran (raised between batches)."""


@dataclass(frozen=True, slots=True)
class Export:
    """CSV of the rows of ``entity`` (permission name) the starter may list and read."""

    entity: str
    model: Any
    dump: Callable[[Any], Mapping[str, Any]]
    columns: tuple[str, ...]
    soft_delete: bool = False  # rows with ``deleted_at`` set are left out
    batch_size: int = 500


@dataclass(frozen=True, slots=True)
class BulkUpdate:
    """``values`` set on every matching row of ``entity`` the starter may read and update.

    The fields' write rules hold as on the update route: ``writers`` (``writable_by`` / a
    ``write:`` rule's roles, inheritance resolved) refuse the start with 403 when the starter
    holds none of a set field's roles; ``write_conditions`` (a ``write:`` rule's condition, the
    generated ``permissions.<entity>_<field>_write``) skip each row it is false for."""

    entity: str
    model: Any
    values: Mapping[str, Any]
    soft_delete: bool = False
    batch_size: int = 100
    writers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    write_conditions: Mapping[str, WriteCheck] = field(default_factory=dict)

    def writable(self, principal: Principal, obj: Any) -> bool:
        """Whether the starter may write every set field of ``obj`` (its write conditions)."""
        return all(
            check(principal, obj)
            for name, check in self.write_conditions.items()
            if name in self.values
        )


@dataclass(slots=True)
class JobContext:
    """What a user job function gets: the tenant session, the starter, the input, progress."""

    job_id: uuid.UUID
    session: Session
    principal: Principal
    input: Mapping[str, Any]
    report: Callable[[Mapping[str, Any]], None]

    def progress(self, **values: Any) -> None:
        """Record progress (shown on the job; e.g. ``done=10, total=100``); raises
        :class:`JobCanceled` when the job was canceled meanwhile."""
        self.report(values)


@dataclass(frozen=True, slots=True)
class Function:
    """A user function of the extension package: ``fn(ctx)`` returns the job's JSON result."""

    function: Callable[[JobContext], Any]


Work = Export | BulkUpdate | Function


@dataclass(frozen=True, slots=True)
class JobType:
    """One job of the spec (``jobs.<name>``)."""

    name: str
    work: Work
    roles: frozenset[str]  # who may start it
    input: type[BaseModel]
    attempts: int = 3
    backoff_seconds: float = 30.0
    timeout_seconds: float = 3600.0
    queue: str = DEFAULT_QUEUE

    @property
    def kind(self) -> str:
        return {Export: "export", BulkUpdate: "bulk_update", Function: "function"}[type(self.work)]

    @property
    def actor_name(self) -> str:
        return f"job:{self.name}"

    @property
    def path_segment(self) -> str:
        """The job's segment of its start path, ``{base}/jobs/{segment}/start`` (not
        ``{base}/jobs/{segment}``: that path would also match ``GET {base}/jobs/{id}``)."""
        return self.name.replace("_", "-")

    def actor_options(self) -> dict[str, Any]:
        return {
            "max_retries": max(self.attempts - 1, 0),
            "min_backoff": max(int(self.backoff_seconds * 1000), 1),
            "max_backoff": max(int(self.backoff_seconds * 1000) * 32, 1),
            "time_limit": max(int(self.timeout_seconds * 1000), 1),
        }


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def dump(row: Any, base_path: str) -> dict[str, Any]:
    """The job resource."""
    has_result = row.status == SUCCEEDED and row.result_text is not None
    return {
        "object": "job",
        "id": str(row.id),
        "name": row.name,
        "status": row.status,
        "input": row.input or {},
        "progress": row.progress or {},
        "result": row.result,
        "result_url": f"{base_path}/jobs/{row.id}/result" if has_result else None,
        "error": row.error,
        "attempts": row.attempts,
        "created_by": row.created_by,
        "created_at": jsonable(_utc(row.created_at)),
        "started_at": jsonable(_utc(row.started_at)),
        "finished_at": jsonable(_utc(row.finished_at)),
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    text = str(jsonable(value))
    # Spreadsheet formula injection: a cell that starts like a formula is quoted as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class Jobs:
    """A service's job types: their actors on ``broker`` and how they run.

    ``model`` is the service's ``Job`` model; ``open_session(factory, tenant_id)`` opens a
    tenant-bound session (the service's ``db.open_session``)."""

    broker: dramatiq.Broker
    session_factory: sessionmaker[Any]
    open_session: OpenSession
    model: Any
    permissions: Any  # a runtime.permissions.PermissionTable
    types: tuple[JobType, ...] = ()
    base_path: str = "/v1"
    actors: dict[str, dramatiq.Actor[..., None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for job in self.types:
            if job.actor_name in self.actors:
                raise ValueError(f"two jobs are named {job.name!r}")
            # One app per test, or the app and the in-process worker of `serve`, declare the
            # same actors on one shared broker: the latest declaration wins.
            self.broker.actors.pop(job.actor_name, None)
            declare = dramatiq.actor(
                broker=self.broker,
                actor_name=job.actor_name,
                queue_name=job.queue,
                **job.actor_options(),
            )
            self.actors[job.actor_name] = declare(self._runner(job))

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(sorted({j.queue for j in self.types}))

    def type(self, name: str) -> JobType | None:
        return next((j for j in self.types if j.name == name), None)

    # -- starting -------------------------------------------------------------------------
    def create(
        self, session: Session, principal: Principal, job: JobType, values: Mapping[str, Any]
    ) -> Any:
        """The queued job row (added to ``session``; the caller commits, then :meth:`send`)."""
        row = self.model(
            id=uuid.uuid4(),
            tenant_id=principal.tenant_id,
            name=job.name,
            status=QUEUED,
            input=dict(values),
            progress={},
            attempts=0,
            created_by=principal.subject,
            principal_roles=sorted(principal.roles),
            principal_kind=principal.kind,
        )
        session.add(row)
        return row

    def send(self, job: JobType, job_id: uuid.UUID, tenant_id: uuid.UUID) -> bool:
        """Hand the committed job to the broker; False (logged) when the broker is down: the
        job stays ``queued`` and the start is not an error."""
        try:
            self.actors[job.actor_name].send(str(job_id), str(tenant_id))
        except Exception:
            logger.exception("could not queue job %s (%s)", job_id, job.name)
            return False
        return True

    # -- running --------------------------------------------------------------------------
    def _runner(self, job: JobType) -> Callable[[str, str], None]:
        def run(job_id: str, tenant_id: str) -> None:
            self.run(job, uuid.UUID(job_id), uuid.UUID(tenant_id))

        run.__name__ = f"job_{job.name}"
        return run

    def _update(self, tenant_id: uuid.UUID, job_id: uuid.UUID, **values: Any) -> None:
        session = self.open_session(self.session_factory, tenant_id)
        with session:
            row = self._row(session, tenant_id, job_id)
            if row is None:
                return
            for name, value in values.items():
                setattr(row, name, value)
            session.commit()

    def _row(self, session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Any:
        model = self.model
        return session.scalars(
            sa.select(model).where(model.id == job_id, model.tenant_id == tenant_id)
        ).one_or_none()

    def _status(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> str | None:
        session = self.open_session(self.session_factory, tenant_id)
        with session:
            model = self.model
            value: str | None = session.scalar(
                sa.select(model.status).where(model.id == job_id, model.tenant_id == tenant_id)
            )
            return value

    def run(self, job: JobType, job_id: uuid.UUID, tenant_id: uuid.UUID) -> str | None:
        """Run the job once (the actor's body); the job's final or current status."""
        session = self.open_session(self.session_factory, tenant_id)
        with session:
            row = self._row(session, tenant_id, job_id)
            if row is None or row.status in FINISHED:
                return None if row is None else str(row.status)
            principal = Principal(
                subject=row.created_by,
                tenant_id=tenant_id,
                roles=frozenset(row.principal_roles or ()),
                kind=row.principal_kind or "user",
            )
            stored: dict[str, Any] = dict(row.input or {})
            row.status = RUNNING
            row.attempts = (row.attempts or 0) + 1
            row.started_at = row.started_at or _now()
            row.error = None
            attempt = row.attempts
            session.commit()
        try:
            if not principal.roles & job.roles:
                raise JobFailed(f"the starter no longer holds a role allowed to run `{job.name}`")
            if isinstance(job.work, BulkUpdate) and _unwritable(principal, job.work):
                raise JobFailed(
                    "the starter no longer holds a role that may write "
                    + ", ".join(f"`{f}`" for f in _unwritable(principal, job.work))
                )
            try:
                values = job.input.model_validate(stored).model_dump(exclude_none=True)
            except ValidationError as exc:
                raise JobFailed(f"the stored input is no longer valid: {exc}") from None
            outcome = self._work(job, job_id, principal, values)
        except JobCanceled:
            return CANCELED
        except JobFailed as exc:
            self._update(tenant_id, job_id, status=FAILED, error=str(exc), finished_at=_now())
            return FAILED
        except (Exception, Interrupt) as exc:
            dead = attempt >= job.attempts
            status = DEAD if dead else QUEUED
            message = f"{type(exc).__name__}: {exc}"
            fields: dict[str, Any] = {"status": status, "error": message}
            if dead:
                fields["finished_at"] = _now()
            if self._status(tenant_id, job_id) != CANCELED:
                self._update(tenant_id, job_id, **fields)
            logger.warning("job %s (%s) attempt %d failed: %s", job_id, job.name, attempt, message)
            raise
        result, text = outcome
        session = self.open_session(self.session_factory, tenant_id)
        with session:
            row = self._row(session, tenant_id, job_id)
            if row is None or row.status == CANCELED:
                return CANCELED
            row.status = SUCCEEDED
            row.result = jsonable(result)
            row.result_text = text
            row.finished_at = _now()
            session.commit()
        return SUCCEEDED

    def _work(
        self, job: JobType, job_id: uuid.UUID, principal: Principal, values: Mapping[str, Any]
    ) -> tuple[Any, str | None]:
        work = job.work
        if isinstance(work, Export):
            return self._export(work, job_id, principal, values)
        if isinstance(work, BulkUpdate):
            return self._bulk_update(work, job_id, principal, values), None
        return self._function(work, job_id, principal, values), None

    def _progress(self, principal: Principal, job_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        session = self.open_session(self.session_factory, principal.tenant_id)
        with session:
            row = self._row(session, principal.tenant_id, job_id)
            if row is None or row.status == CANCELED:
                raise JobCanceled()
            row.progress = jsonable(dict(values))
            session.commit()

    def _filters(self, model: Any, principal: Principal, values: Mapping[str, Any]) -> list[Any]:
        clauses: list[Any] = []
        if hasattr(model, "tenant_id"):
            clauses.append(model.tenant_id == principal.tenant_id)
        for name, value in sorted(values.items()):
            if value is None:
                continue
            column = getattr(model, name, None)
            if column is None:
                raise JobFailed(f"`{name}` is not a field to filter on")
            clauses.append(column == value)
        return clauses

    def _export(
        self, work: Export, job_id: uuid.UUID, principal: Principal, values: Mapping[str, Any]
    ) -> tuple[Any, str]:
        model, table = work.model, self.permissions
        where = [
            table.where(principal, work.entity, "list"),
            table.where(principal, work.entity, "read"),
            *self._filters(model, principal, values),
        ]
        if work.soft_delete:
            where.append(model.deleted_at.is_(None))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(work.columns)
        rows = 0
        last: Any = None
        while True:
            session = self.open_session(self.session_factory, principal.tenant_id)
            with session:
                statement = sa.select(model).where(*where).order_by(model.id)
                if last is not None:
                    statement = statement.where(model.id > last)
                batch: list[Any] = list(session.scalars(statement.limit(work.batch_size)))
                for obj in batch:
                    # The same check as a read: a row the filter let through is re-checked.
                    if not table.allows(principal, work.entity, "read", obj):
                        continue
                    data = work.dump(obj)
                    writer.writerow([_csv_cell(data.get(name)) for name in work.columns])
                    rows += 1
            if not batch:
                break
            last = batch[-1].id
            self._progress(principal, job_id, {"rows": rows})
        return {"rows": rows, "media_type": CSV_MEDIA_TYPE}, out.getvalue()

    def _bulk_update(
        self, work: BulkUpdate, job_id: uuid.UUID, principal: Principal, values: Mapping[str, Any]
    ) -> Any:
        model, table = work.model, self.permissions
        where = self._filters(model, principal, values)
        if work.soft_delete:
            where.append(model.deleted_at.is_(None))
        session = self.open_session(self.session_factory, principal.tenant_id)
        with session:
            total = int(session.scalar(sa.select(sa.func.count(model.id)).where(*where)) or 0)
        counts = {"total": total, "done": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        self._progress(principal, job_id, counts)
        last: Any = None
        while True:
            session = self.open_session(self.session_factory, principal.tenant_id)
            with session:
                statement = sa.select(model).where(*where).order_by(model.id)
                if last is not None:
                    statement = statement.where(model.id > last)
                batch: list[Any] = list(session.scalars(statement.limit(work.batch_size)))
                if not batch:
                    break
                for obj in batch:
                    # As the update route: a row the starter may not read or update is skipped.
                    allowed = (
                        table.allows(principal, work.entity, "read", obj)
                        and table.allows(principal, work.entity, "update", obj)
                        and work.writable(principal, obj)
                    )
                    if not allowed:
                        counts["skipped"] += 1
                    elif all(getattr(obj, k) == v for k, v in work.values.items()):
                        counts["unchanged"] += 1
                    else:
                        for name, value in work.values.items():
                            setattr(obj, name, value)
                        counts["updated"] += 1
                    counts["done"] += 1
                last = batch[-1].id
                session.commit()  # one transaction per batch
            self._progress(principal, job_id, counts)
        return counts

    def _function(
        self, work: Function, job_id: uuid.UUID, principal: Principal, values: Mapping[str, Any]
    ) -> Any:
        session = self.open_session(self.session_factory, principal.tenant_id)
        with session:
            context = JobContext(
                job_id=job_id,
                session=session,
                principal=principal,
                input=values,
                report=lambda progress: self._progress(principal, job_id, progress),
            )
            result = work.function(context)
            session.commit()
        return result


def router(jobs: Jobs, session_scope: Callable[..., Any]) -> APIRouter:
    """``{base}/jobs``: start (one path per job), list, read, cancel, download the result."""
    model = jobs.model
    base = jobs.base_path
    api = APIRouter(prefix=f"{base}/jobs", tags=["jobs"])

    def anyone(principal: Principal, entity: str, action: str) -> bool:
        return True

    reader = Depends(Authorize("job", "read", holds=anyone))
    sort_key = SortKey(model.created_at, "datetime", False)

    def load(session: Session, principal: Principal, raw_id: str) -> Any:
        """The job, if it is the caller's own (in the caller's tenant); else 404."""
        try:
            job_id = uuid.UUID(raw_id)
        except ValueError:
            raise not_found("job") from None
        row: Any = session.scalars(
            sa.select(model).where(
                model.id == job_id,
                model.tenant_id == principal.tenant_id,
                model.created_by == principal.subject,
            )
        ).one_or_none()
        if row is None:
            raise not_found("job")
        return row

    def starter(job: JobType) -> Callable[..., Any]:
        def holds(principal: Principal, entity: str, action: str) -> bool:
            return bool(principal.roles & job.roles)

        allowed = Depends(Authorize("job", job.name, holds=holds, collection=True))

        def start(
            body: BaseModel,
            principal: Principal = allowed,
            session: Session = Depends(session_scope),
        ) -> JSONResponse:
            values: dict[str, Any] = body.model_dump(mode="json", exclude_none=True)
            if isinstance(job.work, BulkUpdate):
                check_writable(principal, job.work.values, job.work.writers)
            row = jobs.create(session, principal, job, values)
            commit(session)
            jobs.send(job, row.id, principal.tenant_id)
            return JSONResponse(
                dump(row, base),
                status_code=202,
                headers={"Location": f"{base}/jobs/{row.id}"},
            )

        # FastAPI reads the body's model from the annotation: the job's own input model.
        start.__annotations__["body"] = job.input
        start.__name__ = f"start_{job.name}"
        return start

    for job in jobs.types:
        api.add_api_route(
            f"/{job.path_segment}/start",
            starter(job),
            methods=["POST"],
            status_code=202,
            operation_id=f"start_{job.name}",
        )

    @api.get("", operation_id="list_jobs")
    def list_jobs(
        request: Request,
        limit: int = Query(default=20, ge=1, le=100),
        starting_after: str | None = Query(default=None),
        principal: Principal = reader,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        mine = sa.select(model).where(
            model.tenant_id == principal.tenant_id, model.created_by == principal.subject
        )
        return JSONResponse(
            forward_page(
                request,
                session,
                mine,
                sort="-created_at",
                key=sort_key,
                id_column=model.id,
                limit=limit,
                starting_after=starting_after,
                dump=lambda row: dump(row, base),
            )
        )

    @api.get("/{id}", operation_id="get_job")
    def get_job(
        id: str, principal: Principal = reader, session: Session = Depends(session_scope)
    ) -> JSONResponse:
        body = dump(load(session, principal, id), base)
        session.close()
        return JSONResponse(body)

    @api.get("/{id}/result", operation_id="get_job_result")
    def get_job_result(
        id: str, principal: Principal = reader, session: Session = Depends(session_scope)
    ) -> Response:
        row = load(session, principal, id)
        if row.status != SUCCEEDED or row.result_text is None:
            raise Problem(
                "conflict",
                f"The job has no file to download (status `{row.status}`).",
            )
        text: str = row.result_text
        name = f"{row.name}-{row.id}.csv"
        session.close()
        return Response(
            text,
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @api.post("/{id}/cancel", operation_id="cancel_job")
    def cancel_job(
        id: str, principal: Principal = reader, session: Session = Depends(session_scope)
    ) -> JSONResponse:
        """Cancel a queued or running job (a running one stops at its next batch); canceling a
        canceled job is a no-op; a finished one is a 409."""
        row = load(session, principal, id)
        if row.status in (QUEUED, RUNNING):
            row.status = CANCELED
            row.finished_at = _now()
            commit(session)
        elif row.status != CANCELED:
            raise Problem("conflict", f"The job has already finished (status `{row.status}`).")
        return JSONResponse(dump(row, base))

    return api


def install(app: FastAPI, jobs: Jobs, session_scope: Callable[..., Any]) -> None:
    """Serve ``{base}/jobs`` (``app.state.jobs``: the job types and their actors)."""
    app.state.jobs = jobs
    if jobs.types:
        app.include_router(router(jobs, session_scope))


def _unwritable(principal: Principal, work: BulkUpdate) -> list[str]:
    """The set fields whose write roles the starter holds none of."""
    return sorted(
        f for f in work.values if f in work.writers and not principal.roles & work.writers[f]
    )
