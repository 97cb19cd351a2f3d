"""`sla:` lowering, target resolution, and the load test plan the service emitter writes."""

from __future__ import annotations

from pathlib import Path

from specfoundry.compiler import compile_spec
from specfoundry.emit.service.loadtest import plan
from specfoundry.model.sla import OperationClass

ANALYTICS = Path(__file__).resolve().parents[2] / "examples" / "analytics"


def test_targets_resolve_per_metric_by_scope_then_plan() -> None:
    model = compile_spec(ANALYTICS).model
    assert model is not None
    sla = model.platform.sla
    assert sla.users == 10
    read = OperationClass.READ
    # every operation: p99 and error rate; the read class: p95.
    assert sla.effective("get_project", read, None) == {
        "p95_ms": 300,
        "p99_ms": 1500,
        "error_rate": 0.01,
    }
    # a plan's own class target beats the plan-agnostic class target ...
    assert sla.effective("get_project", read, "enterprise")["p95_ms"] == 200
    # ... but an operation's own target beats any class target, plan or not.
    assert sla.effective("list_dashboards", read, "enterprise")["p95_ms"] == 400
    assert sla.effective("list_dashboards", read, None)["min_rps"] == 0.2
    assert sla.effective("create_project", OperationClass.WRITE, "enterprise")["p95_ms"] == 600

    load = plan(model)
    ops = load["operations"]
    assert ops["get_project"]["targets"] == {
        "*": {"p95_ms": 300, "p99_ms": 1500, "error_rate": 0.01},
        "enterprise": {"p95_ms": 200, "p99_ms": 1500, "error_rate": 0.01},
    }
    assert "enterprise" not in ops["list_dashboards"]["targets"]  # the same as every plan's
    assert "connect_data_source" in load["not_exercised"]
    # objects are created after what they reference; each operation runs as a role allowed it
    order = [r["entity"] for r in load["resources"]]
    assert order.index("project") < order.index("dashboard")
    assert order.index("project") < order.index("data_source")
    dashboard = next(r for r in load["resources"] if r["entity"] == "dashboard")
    assert dashboard["refs"] == {"project_id": "project"}
    assert dashboard["operations"]["update"]["role"] == "admin"  # analyst only for its own
    assert dashboard["operations"]["list"]["role"] == "admin"  # viewer only with a condition
    assert "support" not in load["roles"]  # the cross-tenant role is not used


def test_no_sla_no_targets() -> None:
    minimal = ANALYTICS.parent / "minimal"
    model = compile_spec(minimal).model
    assert model is not None
    assert model.platform.sla.targets == ()
    assert plan(model)["operations"] == {}
