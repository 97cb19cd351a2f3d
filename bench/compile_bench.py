"""Time the front end and the OpenAPI emitter on a large synthetic spec and on the examples.

Usage::

    .venv/bin/python bench/compile_bench.py            # 200 entities, median of 5 runs
    .venv/bin/python bench/compile_bench.py --entities 500 --runs 3

The synthetic spec has fields of every type, refs to earlier entities, a state machine for every
tenth entity, two inherited roles plus a conditional rule per entity, and exposes everything.
Figures are medians in milliseconds of CPU time (``time.process_time``: the machine is shared,
so wall time is noisy); ``openapi`` is compile + build + validate + render, which is what
``specfoundry openapi`` does, and ``wall`` is its wall-clock median. ``check`` is
``validate_document`` (see specfoundry.emit.openapi.validation for how it stays fast).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from specfoundry.compiler import compile_spec
from specfoundry.emit.openapi import build_openapi, render, validate_document
from specfoundry.emit.openapi.validation import fast_path_available
from specfoundry.model import FieldType, Service

REPO = Path(__file__).resolve().parents[1]


def synthetic_spec(entities: int) -> dict:
    names = [f"thing_{i:03d}" for i in range(entities)]
    spec: dict = {
        "service": {"name": "bench", "version": "1.0.0", "description": "Synthetic benchmark."},
        "tenancy": {"tenant_entity": "tenant", "cross_tenant_roles": ["support"]},
        "entities": {"tenant": {"tenant_scoped": False, "fields": {"name": {"type": "string"}}}},
        "state_machines": {},
        "events": {},
        "permissions": {
            "roles": {
                "viewer": {"description": "Reads."},
                "editor": {"inherits": ["viewer"]},
                "admin": {"inherits": ["editor"]},
                "support": {},
            },
            "rules": {},
        },
        "api": {
            "version": 1,
            "pagination": {"default_limit": 20, "max_limit": 200},
            "rate_limits": {"default_plan": "free", "plans": {"free": "100/minute"}},
            "resources": {},
        },
    }
    for i, name in enumerate(names):
        fields: dict = {
            "title": {
                "type": "string",
                "required": True,
                "max_length": 200,
                "sortable": True,
                "filterable": True,
            },
            "body": {"type": "text", "max_length": 10000},
            "count": {
                "type": "integer",
                "minimum": 0,
                "maximum": 1000,
                "default": 0,
                "sortable": True,
            },
            "ratio": {"type": "decimal", "minimum": 0, "maximum": 1},
            "price": {"type": "money", "currency": "EUR", "default": "0.00"},
            "active": {"type": "boolean", "default": True, "filterable": True},
            "due_on": {"type": "date"},
            "seen_at": {"type": "datetime", "read_only": True},
            "external": {"type": "uuid", "unique": True, "write_once": True},
            "contact": {"type": "email"},
            "homepage": {"type": "url"},
            "kind": {"type": "enum", "values": ["a", "b", "c"], "default": "a", "filterable": True},
            "extra": {"type": "json"},
            "owner_id": {"type": "string", "auto": "principal"},
        }
        if i:
            fields["parent_id"] = {
                "type": "ref",
                "entity": names[i - 1],
                "filterable": True,
                "on_delete": "cascade",
            }
        resource: dict = {
            "entity": name,
            "operations": ["list", "read", "create", "update", "delete"],
        }
        if i % 10 == 0:
            fields["status"] = {"type": "state", "filterable": True}
            event = f"{name}.closed"
            spec["events"][event] = {"payload": {"id": "uuid"}}
            spec["state_machines"][f"flow_{i:03d}"] = {
                "entity": name,
                "field": "status",
                "initial": "open",
                "states": {"open": {}, "working": {}, "closed": {"terminal": True}},
                "transitions": {
                    "start": {"from": ["open"], "to": "working", "roles": ["editor"]},
                    "close": {
                        "from": ["open", "working"],
                        "to": "closed",
                        "roles": ["admin"],
                        "effects": {"seen_at": "now"},
                        "events": [event],
                    },
                },
            }
            resource["transitions"] = "all"
        spec["entities"][name] = {"description": f"Entity {i}.", "fields": fields}
        spec["permissions"]["rules"][name] = {
            "read": ["viewer", "support"],
            "list": ["viewer"],
            "create": ["editor"],
            "update": [{"role": "editor", "when": "resource.owner_id == principal.id"}, "admin"],
            "delete": ["admin"],
        }
        spec["api"]["resources"][name.replace("_", "-")] = resource
    return spec


def median_ms(
    step: Callable[[], object], runs: int, clock: Callable[[], float] = time.process_time
) -> float:
    times = []
    for _ in range(runs):
        start = clock()
        step()
        times.append((clock() - start) * 1000)
    return statistics.median(times)


def bench(path: Path, runs: int) -> tuple[float, ...]:
    """validate, openapi (CPU, wall), and the parts of openapi after compiling: build, check,
    render."""

    def validate() -> Service:
        result = compile_spec(path)
        assert result.model is not None, "\n".join(d.render() for d in result.diagnostics)
        return result.model

    def openapi() -> str:
        return render(build_openapi(validate()).document, "yaml")

    model = validate()
    document = build_openapi(model, validate=False).document
    text = openapi()  # warm-up, and the sizes for the table
    return (
        median_ms(validate, runs),
        median_ms(openapi, runs),
        median_ms(openapi, runs, time.perf_counter),
        median_ms(lambda: build_openapi(model, validate=False), runs),
        median_ms(lambda: validate_document(document), runs),
        median_ms(lambda: render(document, "yaml"), runs),
        len(text.encode()) / 1024,
        len(yaml.safe_load(text)["paths"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    assert len(FieldType) == 15, "add the new field type to the synthetic spec"

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = Path(tmp) / "synthetic.yaml"
        synthetic.write_text(yaml.safe_dump(synthetic_spec(args.entities), sort_keys=False))
        rows.append((f"synthetic ({args.entities} entities)", *bench(synthetic, args.runs)))
    rows.append(("examples/analytics", *bench(REPO / "examples" / "analytics", args.runs)))
    rows.append(("examples/minimal", *bench(REPO / "examples" / "minimal", args.runs)))

    header = ("spec", "validate", "openapi", "wall", "build", "check", "render", "KiB", "paths")
    cells = [header] + [
        (name, *(f"{v:.0f}" for v in values[:-1]), str(values[-1])) for name, *values in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(
        f"CPU milliseconds, median of {args.runs} runs (openapi = compile + build + check + "
        f"render; wall = its wall-clock time); check: "
        + ("fast path (jsonschema-rs)" if fast_path_available() else "openapi_spec_validator")
    )
    for index, row in enumerate(cells):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
