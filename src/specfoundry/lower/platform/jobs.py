"""``jobs:``: background jobs, and their table (``jobs``: status, progress, result, the starter).

The job row is the source of truth of a job: the API creates it (status ``queued``), the worker
reads the starter's subject and roles from it and writes progress, result (JSON, and the CSV of
an export as text) and error back. Rows are tenant-scoped like every built-in table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.lower.platform.common import BUILT_IN, field
from specfoundry.model.entities import Entity, EntityOrigin, FieldType, Index
from specfoundry.model.jobs import Job, JobInput, JobKind, Jobs
from specfoundry.model.names import Name

ENTITY = "job"
TABLE = "jobs"

Locate = Callable[..., Location]


def settings(data: dict[str, Any], key: Locate, seconds: Callable[[Any], float]) -> Jobs:
    """The spec's jobs, in name order (``key(*path)`` locates a key of the spec)."""
    out = []
    for name, raw in sorted((data.get("jobs") or {}).items()):
        raw = raw or {}
        kind = JobKind(raw.get("kind", "function"))
        inputs = []
        for fname, spec in (raw.get("input") or {}).items():
            body = spec if isinstance(spec, dict) else {"type": spec}
            inputs.append(
                JobInput(
                    name=str(fname),
                    type=str(body.get("type", "string")),
                    location=key("jobs", name, "input", fname),
                    required=bool(body.get("required", False)),
                    description=body.get("description"),
                )
            )
        function = raw.get("function") or (name if kind is JobKind.FUNCTION else None)
        out.append(
            Job(
                name=str(name),
                kind=kind,
                roles=tuple(str(r) for r in raw.get("roles") or ()),
                location=key("jobs", name),
                input=tuple(inputs),
                entity=raw.get("entity"),
                columns=tuple(str(c) for c in raw.get("columns") or ()),
                set=tuple((str(k), v) for k, v in (raw.get("set") or {}).items()),
                function=function,
                attempts=int(raw.get("attempts", 3)),
                backoff_seconds=seconds(raw.get("backoff", "30s")),
                timeout_seconds=seconds(raw.get("timeout", "1h")),
                queue=str(raw.get("queue", "jobs")),
                batch_size=raw.get("batch_size"),
                description=raw.get("description"),
            )
        )
    return Jobs(jobs=tuple(out))


def entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    if not data.get("jobs"):
        return ()
    return (
        Entity(
            name=Name(ENTITY),
            table=TABLE,
            location=BUILT_IN,
            description="A background job: its input, status, progress, result and starter.",
            fields=(
                field("name", FieldType.STRING, required=True, max_length=80),
                field("status", FieldType.STRING, required=True, max_length=16),
                field("input", FieldType.JSON),
                field("progress", FieldType.JSON),
                field("result", FieldType.JSON),
                # The file an export produced (CSV), served at /jobs/{id}/result.
                field("result_text", FieldType.TEXT),
                field("error", FieldType.TEXT),
                field("attempts", FieldType.INTEGER, required=True),
                field("created_by", FieldType.STRING, required=True, max_length=255),
                # The starter's roles when it started the job: the job runs with them.
                field("principal_roles", FieldType.JSON),
                field("principal_kind", FieldType.STRING, max_length=16),
                field("started_at", FieldType.DATETIME),
                field("finished_at", FieldType.DATETIME),
            ),
            indexes=(Index(fields=(Name("created_by"),), unique=False, location=BUILT_IN),),
            origin=EntityOrigin.PLATFORM,
        ),
    )


__all__ = ["ENTITY", "TABLE", "entities", "settings"]
