"""Background jobs of a service (``jobs:``), as the emitters see them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from specfoundry.diagnostics import Location


class JobKind(enum.StrEnum):
    EXPORT = "export"  # CSV of the rows of an entity the starter may read
    BULK_UPDATE = "bulk_update"  # fixed values set on many rows, in batches
    FUNCTION = "function"  # a user function of the extension package


@dataclass(frozen=True, slots=True)
class JobInput:
    """One field of a job's request body (``jobs.<name>.input.<field>``)."""

    name: str
    type: str  # a payload type: string, integer, uuid, ...
    location: Location
    required: bool = False
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """``jobs.<name>``: started with ``POST /v{n}/jobs/{name}``, run by the worker."""

    name: str
    kind: JobKind
    roles: tuple[str, ...]
    location: Location
    input: tuple[JobInput, ...] = ()
    entity: str | None = None  # export, bulk_update
    columns: tuple[str, ...] = ()  # export; empty: every field of the representation
    set: tuple[tuple[str, object], ...] = ()  # bulk_update: field -> value
    function: str | None = None  # function: the user function's name
    attempts: int = 3
    backoff_seconds: float = 30.0
    timeout_seconds: float = 3600.0
    queue: str = "jobs"
    batch_size: int | None = None
    description: str | None = None

    @property
    def path_segment(self) -> str:
        return self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class Jobs:
    jobs: tuple[Job, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.jobs)

    def job(self, name: str) -> Job | None:
        return next((j for j in self.jobs if j.name == name), None)
