"""Service level targets (``sla:``): latency, error rate and throughput per operation class,
operation and plan, checked by the generated load test.

A target applies to every operation, to an operation class (``read``: list and read;
``write``: create, update, delete; ``transition``), or to one operation (its operationId), for
every plan or one plan. :meth:`Sla.effective` resolves the targets of one operation: a more
specific scope wins (operation over class over every operation), and at the same scope a
plan's own target wins over the plan-agnostic one; each metric is resolved on its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from specfoundry.diagnostics import Location

if TYPE_CHECKING:
    from specfoundry.model.service import Service

METRICS = ("p95_ms", "p99_ms", "error_rate", "min_rps")


class OperationClass(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    TRANSITION = "transition"


@dataclass(frozen=True, slots=True)
class SlaTarget:
    location: Location
    operation: str | None = None  # an operationId
    operation_class: OperationClass | None = None
    plan: str | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    error_rate: float | None = None  # fraction of requests that failed, 0..1
    min_rps: float | None = None  # requests per second the operation must sustain

    @property
    def rank(self) -> tuple[int, int]:
        scope = 2 if self.operation else 1 if self.operation_class else 0
        return scope, 1 if self.plan else 0

    def metrics(self) -> dict[str, float]:
        return {m: v for m in METRICS if (v := getattr(self, m)) is not None}


@dataclass(frozen=True, slots=True)
class Sla:
    targets: tuple[SlaTarget, ...] = ()
    users: int = 10  # simulated users of the load test

    def effective(
        self, operation: str, operation_class: OperationClass, plan: str | None
    ) -> dict[str, float]:
        """Every metric's target for ``operation`` as a tenant on ``plan`` (None: no plan)."""
        matching = [
            t
            for t in self.targets
            if (t.operation is None or t.operation == operation)
            and (t.operation_class is None or t.operation_class is operation_class)
            and (t.plan is None or t.plan == plan)
        ]
        out: dict[str, float] = {}
        for target in sorted(matching, key=lambda t: t.rank):  # stable: spec order breaks ties
            out.update(target.metrics())
        return {m: out[m] for m in METRICS if m in out}


_CLASSES = {
    "list": OperationClass.READ,
    "read": OperationClass.READ,
    "create": OperationClass.WRITE,
    "update": OperationClass.WRITE,
    "delete": OperationClass.WRITE,
}


def operation_ids(model: Service) -> dict[str, OperationClass]:
    """Every operationId of the API (as the OpenAPI emitter names them) with its class."""
    from specfoundry.model.nesting import resolve_nesting  # it imports the Service

    out: dict[str, OperationClass] = {}
    for resource in model.api.resources:
        entity = resource.entity
        nesting = resolve_nesting(model, resource)
        # Flat routes `<verb>_<entity>`; nested ones `<verb>_<parent>_<entity>`.
        prefixes = [""] if nesting is None or nesting.flat else []
        if nesting is not None:
            prefixes.append(f"{nesting.parent_entity.name.raw}_")
        for prefix in prefixes:
            for op in resource.operations:
                name = {
                    "list": f"list_{prefix}{entity.plural}",
                    "read": f"get_{prefix}{entity.raw}",
                }.get(op.value, f"{op.value}_{prefix}{entity.raw}")
                out[name] = _CLASSES[op.value]
            for t in resource.transitions:
                out[f"{t.raw}_{prefix}{entity.raw}"] = OperationClass.TRANSITION
    return out
