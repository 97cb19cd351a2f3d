"""The contract of background jobs (``jobs:``): ``/jobs/{job-name}/start`` (start, 202), ``/jobs``,
``/jobs/{id}``, ``/jobs/{id}/result`` (the export's CSV) and ``/jobs/{id}/cancel``.

They are served by the runtime (``runtime/jobs.py``); what this module writes is what that
router answers (the generated suite checks the routes against it).
"""

from __future__ import annotations

from typing import Any

from specfoundry.emit.openapi.locations import LocationRecorder
from specfoundry.emit.openapi.platform import (
    _TIME,
    JSON,
    _errors,
    _id_parameter,
    _list_schema,
    _located,
    _located_schemas,
    _page_parameters,
    _ref,
    _roles_text,
)
from specfoundry.emit.openapi.schemas import DEFAULT_TEXT_MAX_LENGTH
from specfoundry.model import Service
from specfoundry.model.jobs import Job, JobKind
from specfoundry.model.names import Name

Obj = dict[str, Any]
CSV = "text/csv"
STATUSES = ["queued", "running", "succeeded", "failed", "dead", "canceled"]

# A job input's payload type -> its JSON Schema.
INPUT_SCHEMAS: dict[str, Obj] = {
    "string": {"type": "string"},
    "text": {"type": "string"},
    "email": {"type": "string", "format": "email"},
    "url": {"type": "string", "format": "uri"},
    "integer": {"type": "integer"},
    "decimal": {"type": "string", "format": "decimal"},
    "money": {"type": "string", "format": "decimal"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "uuid": {"type": "string", "format": "uuid"},
    "json": {},
}


def input_schema_name(job: Job) -> str:
    return f"{Name(job.name).pascal}JobInput"


def _input_schema(job: Job) -> Obj:
    props: Obj = {}
    for item in job.input:
        schema = dict(INPUT_SCHEMAS.get(item.type, {"type": "string"}))
        if not item.required and "type" in schema:
            schema["type"] = [schema["type"], "null"]
        if item.description:
            schema["description"] = item.description
        elif job.kind is not JobKind.FUNCTION:
            schema["description"] = f"Only rows whose `{item.name}` equals this."
        props[item.name] = schema
    out: Obj = {
        "type": "object",
        "additionalProperties": False,
        "description": f"The input of job `{job.name}`.",
        "properties": props,
    }
    required = [i.name for i in job.input if i.required]
    if required:
        out["required"] = required
    return out


def _job_schema() -> Obj:
    nullable_time = {**_TIME, "type": ["string", "null"]}
    return {
        "type": "object",
        "description": "A background job: what it was asked, where it is, what it produced.",
        "required": [
            "object",
            "id",
            "name",
            "status",
            "input",
            "progress",
            "result",
            "result_url",
            "error",
            "attempts",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ],
        "properties": {
            "object": {"type": "string", "const": "job"},
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string", "maxLength": 80, "description": "The job's name."},
            "status": {
                "type": "string",
                "enum": STATUSES,
                "description": "`queued` (also between retries), `running`, `succeeded`, "
                "`failed` (will not succeed: no retry), `dead` (every attempt failed), "
                "`canceled`.",
            },
            "input": {"type": "object", "description": "The input it was started with."},
            "progress": {
                "type": "object",
                "description": "Exports: `rows`; bulk updates: `total`, `done`, `updated`, "
                "`unchanged`, `skipped` (rows the starter may not update).",
            },
            "result": {"description": "What the job returned (JSON), once it succeeded."},
            "result_url": {
                "type": ["string", "null"],
                "description": "Where to download the file an export produced.",
            },
            "error": {
                "type": ["string", "null"],
                "maxLength": DEFAULT_TEXT_MAX_LENGTH,
                "description": "The last error.",
            },
            "attempts": {"type": "integer", "minimum": 0},
            "created_by": {
                "type": "string",
                "maxLength": 255,
                "description": "The subject who started it.",
            },
            "created_at": _TIME,
            "started_at": nullable_time,
            "finished_at": nullable_time,
        },
    }


def _schemas(model: Service) -> dict[str, Obj]:
    out: dict[str, Obj] = {"Job": _job_schema(), "JobList": _list_schema("Job", "jobs")}
    for job in model.platform.jobs.jobs:
        out[input_schema_name(job)] = _input_schema(job)
    return out


def _start(model: Service, job: Job, base: str) -> Obj:
    what = {
        JobKind.EXPORT: f"Exports the `{job.entity}` rows the starter may read as CSV "
        f"(download it at `{base}/jobs/{{id}}/result`).",
        JobKind.BULK_UPDATE: f"Sets {', '.join(f'`{k}`' for k, _ in job.set)} on every matching "
        f"`{job.entity}` the starter may update, in batches.",
        JobKind.FUNCTION: f"Runs `{job.function}` of the extension package.",
    }[job.kind]
    text = (job.description + " " if job.description else "") + what
    return {
        "post": {
            "tags": ["jobs"],
            "summary": f"Start job {job.name}",
            "description": f"Roles: {_roles_text(job.roles)} (and roles that include them). "
            + text
            + " Answers at once with the queued job; the worker runs it with the caller's "
            "tenant and permissions.",
            "operationId": f"start_{job.name}",
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": _ref(input_schema_name(job))}},
            },
            "responses": {
                "202": {
                    "description": "The job, queued.",
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                    "content": {JSON: {"schema": _ref("Job")}},
                },
                **_errors(model, "400", "401", "403", "413", "422"),
            },
        }
    }


def _paths(model: Service, base: str) -> dict[str, Obj]:
    job_ok = {"description": "The job.", "content": {JSON: {"schema": _ref("Job")}}}
    mine = "Jobs are visible to the member who started them."
    tags = ["jobs"]
    return {
        f"{base}/jobs": {
            "get": {
                "tags": tags,
                "summary": "List jobs",
                "description": mine + " Newest first.",
                "operationId": "list_jobs",
                "parameters": _page_parameters(),
                "responses": {
                    "200": {
                        "description": "A page of the caller's jobs.",
                        "content": {JSON: {"schema": _ref("JobList")}},
                    },
                    **_errors(model, "400", "401", "403", "422"),
                },
            }
        },
        f"{base}/jobs/{{id}}": {
            "get": {
                "tags": tags,
                "summary": "Get a job",
                "description": mine,
                "operationId": "get_job",
                "parameters": [_id_parameter("job")],
                "responses": {"200": job_ok, **_errors(model, "400", "401", "403", "404")},
            }
        },
        f"{base}/jobs/{{id}}/result": {
            "get": {
                "tags": tags,
                "summary": "Download a job's file",
                "description": mine + " The CSV an export produced (409 until it succeeded).",
                "operationId": "get_job_result",
                "parameters": [_id_parameter("job")],
                "responses": {
                    "200": {
                        "description": "The file, as an attachment.",
                        "headers": {
                            "Content-Disposition": {
                                "description": "`attachment; filename=...`",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": {CSV: {"schema": {"type": "string"}}},
                    },
                    **_errors(model, "400", "401", "403", "404", "409"),
                },
            }
        },
        f"{base}/jobs/{{id}}/cancel": {
            "post": {
                "tags": tags,
                "summary": "Cancel a job",
                "description": mine + " A queued job never runs; a running one stops before "
                "its next batch (batches already committed stay). Canceling a canceled job "
                "changes nothing; a finished one is a 409.",
                "operationId": "cancel_job",
                "parameters": [_id_parameter("job")],
                "responses": {
                    "200": {**job_ok, "description": "The canceled job."},
                    **_errors(model, "400", "401", "403", "404", "409"),
                },
            }
        },
    }


def jobs_contract(
    model: Service, recorder: LocationRecorder | None = None
) -> tuple[dict[str, Obj], dict[str, Obj], list[Obj]]:
    """(paths, schemas, tags) of the jobs routes (nothing when the spec declares no job)."""
    jobs = model.platform.jobs.jobs
    if not jobs:
        return {}, {}, []
    base = model.api.base_path
    paths: dict[str, Obj] = {}
    for job in jobs:
        paths |= _located(
            {f"{base}/jobs/{job.path_segment}/start": _start(model, job, base)},
            job.location,
            recorder,
        )
    paths |= _located(_paths(model, base), jobs[0].location, recorder)
    schemas = _located_schemas(_schemas(model), jobs[0].location, recorder)
    tags = [{"name": "jobs", "description": "Background jobs: exports, bulk updates."}]
    return paths, schemas, tags
