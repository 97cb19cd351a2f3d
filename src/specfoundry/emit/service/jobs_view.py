"""View model of background jobs and timers for ``jobs.py.j2`` (the service's ``jobs.py``) and
the user's ``<ext>/jobs.py``: everything conditional is decided here."""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.emit.service.platform_views import _holders
from specfoundry.model import Entity, Service
from specfoundry.model.jobs import Job, JobKind
from specfoundry.model.names import Name

# A job input's payload type -> (annotation, the import it needs).
_ANNOTATIONS: dict[str, tuple[str, str | None]] = {
    "string": ("Text", "from {svc}.schemas import Text"),
    "text": ("Text", "from {svc}.schemas import Text"),
    "email": ("Text", "from {svc}.schemas import Text"),
    "url": ("Text", "from {svc}.schemas import Text"),
    "integer": ("int", None),
    "decimal": ("Decimal", "from decimal import Decimal"),
    "money": ("Decimal", "from decimal import Decimal"),
    "boolean": ("bool", None),
    "date": ("dt.date", "import datetime as dt"),
    "datetime": ("IsoDateTime", "from {svc}.runtime.routing import IsoDateTime"),
    "uuid": ("uuid.UUID", "import uuid"),
    "json": ("Any", None),
}
STANDARD_COLUMNS = ("id",)
TRAILING_COLUMNS = ("created_at", "updated_at")


@dataclass(frozen=True, slots=True)
class InputFieldView:
    name: str
    annotation: str  # e.g. "uuid.UUID | None = None"


# A sample value of each payload type (the generated test's body for required inputs).
_SAMPLES: dict[str, object] = {
    "integer": 1,
    "decimal": "1.5",
    "money": "1.50",
    "boolean": True,
    "date": "2024-01-02",
    "datetime": "2024-01-02T03:04:05Z",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "json": {},
}


@dataclass(frozen=True, slots=True)
class JobView:
    name: str
    segment: str  # the path segment (``_`` written ``-``)
    kind: str
    sample: dict[str, object]  # a valid body (required inputs only)
    outsider: str | None  # a role that may not start it (the generated test's 403)
    input_class: str
    fields: tuple[InputFieldView, ...]
    work: str  # the Python expression of the work (Export(...), BulkUpdate(...), Function(...))
    roles: tuple[str, ...]
    attempts: int
    backoff_seconds: float
    timeout_seconds: float
    queue: str


@dataclass(frozen=True, slots=True)
class TimerView:
    entity: str
    transition: str
    class_name: str
    field: str
    source: str
    target: str
    delay_seconds: float
    function: str
    initial: bool


@dataclass(frozen=True, slots=True)
class JobsView:
    jobs: tuple[JobView, ...]
    timers: tuple[TimerView, ...]
    imports: tuple[str, ...]  # import lines, sorted
    models: tuple[str, ...]  # model classes to import
    dumpers: tuple[str, ...]  # schemas.dump_* functions to import
    functions: tuple[str, ...]  # user job functions (``<ext>/jobs.py``)
    job_model: str  # "Job", or "None" without jobs
    records: str  # "TransitionRecord", or "None" without timers
    queues: tuple[str, ...]
    ext_imports: tuple[str, ...]  # the user's job functions module, when a job names one
    modules: str  # the service's modules jobs.py imports ("machines, permissions")

    @property
    def enabled(self) -> bool:
        return bool(self.jobs or self.timers)


def _input_field(type_: str, required: bool) -> tuple[str, str | None]:
    annotation, imports = _ANNOTATIONS.get(type_, ("Text", None))
    return (annotation if required else f"{annotation} | None = None"), imports


def _work(model: Service, job: Job) -> tuple[str, str | None, str | None]:
    """(the work expression, the model class, the dump function) of one job."""
    if job.kind is JobKind.FUNCTION:
        return f"_jobs.Function(ext_jobs.{job.function})", None, None
    entity = model.entity(job.entity or "")
    assert entity is not None  # SF390
    cls = entity.name.pascal
    soft = entity.soft_delete
    if job.kind is JobKind.EXPORT:
        # A field with a `read:` rule is never exported (the CSV has no per-caller visibility;
        # SF396 refuses it as an explicit column).
        columns = job.columns or (
            *STANDARD_COLUMNS,
            *(f.name.raw for f in entity.fields if not f.hidden_sometimes),
            *TRAILING_COLUMNS,
        )
        dump = f"dump_{entity.name.raw}"
        batch = job.batch_size or 500
        text = (
            f"_jobs.Export({entity.name.raw!r}, {cls}, {dump}, columns={tuple(columns)!r}, "
            f"soft_delete={soft}, batch_size={batch})"
        )
        return text, cls, dump
    values = dict(job.set)
    batch = job.batch_size or 100
    text = (
        f"_jobs.BulkUpdate({entity.name.raw!r}, {cls}, values={values!r}, "
        f"soft_delete={soft}, batch_size={batch}{_write_rules(model, entity, values)})"
    )
    return text, cls, None


def _write_rules(model: Service, entity: Entity, values: dict[str, object]) -> str:
    """The set fields' write rules as ``BulkUpdate`` arguments (none: an empty string): the
    roles that may write them, inheritance resolved, and their conditions' generated checks."""
    fields = [f for f in entity.fields if f.name.raw in values]
    writers = {
        f.name.raw: _holders(model, tuple(r.raw for r in f.writers))
        for f in fields
        if f.writers is not None
    }
    checks = [
        f"{f.name.raw!r}: permissions.{entity.name.raw}_{f.name.raw}_write"
        for f in fields
        if f.write_condition is not None and f.client_writable
    ]
    text = ""
    if writers:
        roles = ", ".join(f"{k!r}: frozenset({list(v)!r})" for k, v in writers.items())
        text += f", writers={{{roles}}}"
    if checks:
        text += f", write_conditions={{{', '.join(checks)}}}"
    return text


def jobs_view(model: Service, svc: str, ext: str) -> JobsView:
    imports: set[str] = set()
    models: set[str] = set()
    dumpers: set[str] = set()
    jobs = []
    for job in model.platform.jobs.jobs:
        fields = []
        for item in job.input:
            annotation, needs = _input_field(item.type, item.required)
            if needs:
                imports.add(needs.format(svc=svc))
            fields.append(InputFieldView(item.name, annotation))
        work, cls, dump = _work(model, job)
        if cls:
            models.add(cls)
        if dump:
            dumpers.add(dump)
        jobs.append(
            JobView(
                name=job.name,
                segment=job.path_segment,
                kind=str(job.kind),
                sample={i.name: _SAMPLES.get(i.type, "x") for i in job.input if i.required},
                outsider=next(
                    (
                        r.name.raw
                        for r in model.permissions.roles
                        if r.name.raw not in _holders(model, job.roles)
                    ),
                    None,
                ),
                input_class=f"{Name(job.name).pascal}Input",
                fields=tuple(fields),
                work=work,
                roles=_holders(model, job.roles),
                attempts=job.attempts,
                backoff_seconds=job.backoff_seconds,
                timeout_seconds=job.timeout_seconds,
                queue=job.queue,
            )
        )
    timers = []
    for machine in model.state_machines:
        entity = model.entity(machine.entity.raw)
        if entity is None:
            continue
        for t in machine.transitions:
            if t.after_seconds is None or len(t.sources) != 1:
                continue
            models.add(entity.name.pascal)
            timers.append(
                TimerView(
                    entity=entity.name.raw,
                    transition=t.name.raw,
                    class_name=entity.name.pascal,
                    field=machine.field.raw,
                    source=t.sources[0].raw,
                    target=t.target.raw,
                    delay_seconds=t.after_seconds,
                    function=f"transition_{entity.name.raw}_{t.name.raw}",
                    initial=t.sources[0] == machine.initial,
                )
            )
    if jobs:
        models.add("Job")
    if timers:
        models.add("TransitionRecord")
    functions = tuple(
        sorted(
            {
                j.function
                for j in model.platform.jobs.jobs
                if j.kind is JobKind.FUNCTION and j.function
            }
        )
    )
    queues = {j.queue for j in jobs} | ({"timers"} if timers else set())
    return JobsView(
        jobs=tuple(jobs),
        timers=tuple(timers),
        imports=tuple(sorted(imports)),
        models=tuple(sorted(models)),
        dumpers=tuple(sorted(dumpers)),
        functions=functions,
        job_model="Job" if jobs else "None",
        records="TransitionRecord" if timers else "None",
        ext_imports=(f"from {ext} import jobs as ext_jobs",) if functions else (),
        modules="machines, permissions" if timers else "permissions",
        queues=tuple(sorted(queues)),
    )
