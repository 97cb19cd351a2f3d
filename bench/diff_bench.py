"""Benchmark ``specfoundry diff`` on a synthetic ~5 MB OpenAPI document.

Builds a document with thousands of operations and schemas that share components, writes it
and a mutated copy (YAML and JSON), then reports, for each format: the time to merely load both
documents, the time of the diff proper (everything after loading, line numbers included), their
ratio, and the peak memory the diff allocates (tracemalloc) against the size of the loaded
documents, then PASS or FAIL against the targets (the exit status is 1 on any FAIL).

    .venv/bin/python bench/diff_bench.py [--resources 700] [--format json|yaml|both] [--runs 3]

Targets (from the issue): diff within 2x the load time, memory within 3x the documents' size.
The verdict reads "the diff" as everything after loading (comparison and line numbers); the
whole run, loading included, is printed beside it for the stricter reading.
Times are the best of ``--runs`` runs, each from a clean heap; the verdict uses CPU time
(``time.process_time``), which a shared machine disturbs less than wall time (also shown).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import yaml

from specfoundry.diff.engine import DiffOptions, diff
from specfoundry.diff.load import load_side

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
TIME_TARGET = 2.0  # the diff's CPU time over the time to load both documents
MEMORY_TARGET = 3.0  # the diff's peak allocation over the size of the loaded documents


def build(resources: int) -> dict[str, Any]:
    """``resources`` resources with 5 operations each, over shared and per-resource schemas."""
    schemas: dict[str, Any] = {
        "Audit": {
            "type": "object",
            "required": ["created_at", "created_by"],
            "properties": {
                "created_at": {"type": "string", "format": "date-time"},
                "created_by": {"type": "string", "format": "uuid"},
                "updated_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string", "maxLength": 200},
                "status": {"type": "integer", "minimum": 100, "maximum": 599},
                "detail": {"type": "string"},
            },
        },
        "Page": {
            "type": "object",
            "properties": {"next": {"type": ["string", "null"]}, "total": {"type": "integer"}},
        },
    }
    parameters = {
        "Limit": {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
        },
        "Cursor": {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    }
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    errors = {
        code: {"description": text, "content": problem}
        for code, text in (("400", "bad"), ("401", "who"), ("403", "no"), ("404", "gone"))
    }
    paths: dict[str, Any] = {}
    for i in range(resources):
        name = f"Resource{i}"
        fields = {
            f"field_{j}": {
                "type": "string",
                "maxLength": 50 + j,
                "description": f"Field {j} of resource {i}, described at some length for realism.",
            }
            for j in range(12)
        }
        fields["status"] = {"type": "string", "enum": ["draft", "active", "archived"]}
        fields["audit"] = {"$ref": "#/components/schemas/Audit"}
        fields["parent"] = {"$ref": f"#/components/schemas/{name}"}  # a cycle
        schemas[name] = {
            "type": "object",
            "required": ["field_0", "status"],
            "properties": fields,
        }
        schemas[f"{name}List"] = {
            "allOf": [
                {"$ref": "#/components/schemas/Page"},
                {
                    "type": "object",
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {"$ref": f"#/components/schemas/{name}"},
                        }
                    },
                },
            ]
        }
        ref = {"$ref": f"#/components/schemas/{name}"}
        one = {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}
        id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
        body = {"required": True, "content": {"application/json": {"schema": ref}}}
        base = f"/v1/resource-{i}"
        paths[base] = {
            "get": {
                "operationId": f"list{name}",
                "parameters": [
                    {"$ref": "#/components/parameters/Limit"},
                    {"$ref": "#/components/parameters/Cursor"},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{name}List"}
                            }
                        },
                    },
                    **errors,
                },
                "security": [{"bearer": []}],
            },
            "post": {
                "operationId": f"create{name}",
                "requestBody": body,
                "responses": {"201": one["200"], **errors},
                "security": [{"oauth": [f"r{i}:write"]}],
            },
        }
        paths[f"{base}/{{id}}"] = {
            "parameters": [id_param],
            "get": {"operationId": f"get{name}", "responses": {**one, **errors}},
            "patch": {
                "operationId": f"update{name}",
                "requestBody": body,
                "responses": {**one, **errors},
            },
            "delete": {
                "operationId": f"delete{name}",
                "responses": {"204": {"description": "gone"}, **errors},
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "bench", "version": "1.0.0"},
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": parameters,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "oauth": {
                    "type": "oauth2",
                    "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {}}},
                },
            },
        },
    }


def mutate(doc: dict[str, Any]) -> dict[str, Any]:
    """A revision with a realistic mix: shared and local changes, removals and additions."""
    rev = copy.deepcopy(doc)
    schemas = rev["components"]["schemas"]
    schemas["Problem"]["properties"]["title"]["maxLength"] = 100  # shared, every operation
    schemas["Audit"]["required"].append("updated_at")
    rev["components"]["parameters"]["Limit"]["schema"]["maximum"] = 50
    names = [k for k in schemas if k.startswith("Resource") and not k.endswith("List")]
    for index, name in enumerate(names):
        if index % 10 == 0:
            schemas[name]["properties"]["status"]["enum"].append("deleted")
        if index % 25 == 0:
            schemas[name]["required"].append("field_3")
        if index % 50 == 0:
            del schemas[name]["properties"]["field_11"]
    paths = rev["paths"]
    for index, key in enumerate(sorted(paths)):
        if index % 40 == 0 and "delete" in paths[key]:
            del paths[key]["delete"]
        if index % 30 == 0 and "post" in paths[key]:
            paths[key]["post"]["security"] = [{"oauth": ["admin"]}]
    return rev


def _load_and_diff(base: Path, revision: Path) -> tuple[float, float, float, float, list[Any]]:
    """(load wall, load cpu, diff wall, diff cpu, findings) of one run, from a clean heap."""
    gc.collect()  # no run pays for the garbage of the one before
    today = dt.date(2025, 6, 1)
    start, cpu = time.perf_counter(), time.process_time()
    a, b = load_side(str(base)), load_side(str(revision))
    load, load_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    findings = diff(a, b, DiffOptions(today))
    elapsed, diff_cpu = time.perf_counter() - start, time.process_time() - cpu
    return load, load_cpu, elapsed, diff_cpu, findings


def measure(base: Path, revision: Path, runs: int) -> dict[str, float]:
    """Best of ``runs`` for each time (the machine may be shared), and the diff's peak memory."""
    results = [_load_and_diff(base, revision) for _ in range(runs)]
    findings = results[0][4]
    if any(r[4] != findings for r in results):
        raise SystemExit("the diff is not deterministic")
    # Memory: size of the loaded documents vs the peak the diff allocates on top of them.
    gc.collect()
    tracemalloc.start()
    a, b = load_side(str(base)), load_side(str(revision))
    loaded, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    diff(a, b, DiffOptions(dt.date(2025, 6, 1)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "load": min(r[0] for r in results),
        "load_cpu": min(r[1] for r in results),
        "diff": min(r[2] for r in results),
        "diff_cpu": min(r[3] for r in results),
        "findings": len(findings),
        "loaded_mb": loaded / 2**20,
        "diff_peak_mb": (peak - loaded) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=700)
    parser.add_argument("--format", choices=("json", "yaml", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3, help="take the best of this many runs")
    args = parser.parse_args()
    doc = build(args.resources)
    rev = mutate(doc)
    operations = sum(
        1 for item in doc["paths"].values() for m in item if m in ("get", "post", "patch", "delete")
    )
    print(
        f"synthetic document: {operations} operations, "
        f"{len(doc['components']['schemas'])} schemas (python {sys.version.split()[0]}); "
        f"best of {args.runs} runs"
    )
    formats = ("json", "yaml") if args.format == "both" else (args.format,)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            base, revision = Path(tmp, f"base.{fmt}"), Path(tmp, f"rev.{fmt}")
            for path, data in ((base, doc), (revision, rev)):
                if fmt == "json":
                    path.write_text(json.dumps(data, indent=1))
                else:
                    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False))
            size = base.stat().st_size / 2**20
            r = measure(base, revision, args.runs)
            time_ratio = r["diff_cpu"] / r["load_cpu"]
            memory_ratio = r["diff_peak_mb"] / r["loaded_mb"]
            ok = time_ratio <= TIME_TARGET and memory_ratio <= MEMORY_TARGET
            failed = failed or not ok
            print(
                f"{fmt:>4}: file {size:.1f} MB | {r['findings']} findings\n"
                f"      time   cpu: load both {r['load_cpu']:.3f} s, diff {r['diff_cpu']:.3f} s "
                f"= {time_ratio:.2f}x (target <= {TIME_TARGET:g}) | wall: load "
                f"{r['load']:.3f} s, diff {r['diff']:.3f} s = {r['diff'] / r['load']:.2f}x\n"
                f"      whole run (load + diff) cpu {r['load_cpu'] + r['diff_cpu']:.3f} s "
                f"= {1 + time_ratio:.2f}x the load\n"
                f"      memory loaded {r['loaded_mb']:.1f} MB, "
                f"diff peak +{r['diff_peak_mb']:.1f} MB = {memory_ratio:.2f}x "
                f"(target <= {MEMORY_TARGET:g})\n"
                f"      {'PASS' if ok else 'FAIL'}"
            )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
