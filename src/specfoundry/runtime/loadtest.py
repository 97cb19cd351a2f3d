"""The load test of a service: run the generated Locust file headless, compare with the spec's
service level targets, report.

``<service> loadtest --host URL --duration 30s`` creates a few tenants, signs a token per tenant
and role, and calls :func:`run`: Locust (``loadtest/locustfile.py``, in a child process so its
gevent patching stays out of this one) drives the API as those tenants and roles and writes its
CSV statistics and HTML report (latency plots included); :func:`compare` reads the statistics
and checks each operation against its targets from ``loadtest/plan.json`` (the spec's ``sla:``
resolved per operation and plan by specfoundry); :func:`write_report` writes
``sla.csv``. The exit status is 1 when a target is missed or an operation was never exercised,
0 otherwise.

This module imports neither Locust nor the service: it works on files and a command line.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METRICS = ("p95_ms", "p99_ms", "error_rate", "min_rps")
ANY_PLAN = "*"
STATS_PREFIX = "locust"


@dataclass(frozen=True, slots=True)
class Check:
    operation: str
    metric: str
    target: float
    actual: float | None  # None: the operation was not exercised

    @property
    def ok(self) -> bool:
        if self.actual is None:
            return False
        if self.metric == "min_rps":
            return self.actual >= self.target
        return self.actual <= self.target


def load_plan(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def targets_for(plan: dict[str, Any], plan_name: str | None) -> dict[str, dict[str, float]]:
    """Each operation's targets for tenants on ``plan_name`` (the plan's own, else any plan's)."""
    out: dict[str, dict[str, float]] = {}
    for operation, spec in plan["operations"].items():
        by_plan: dict[str, dict[str, float]] = spec["targets"]
        chosen = by_plan.get(plan_name or ANY_PLAN, by_plan.get(ANY_PLAN, {}))
        if chosen:
            out[operation] = {m: float(chosen[m]) for m in METRICS if m in chosen}
    return out


def parse_duration(text: str) -> int:
    """Seconds of ``30``, ``30s``, ``2m`` or ``1h``."""
    match = re.fullmatch(r"\s*(\d+)\s*([smh]?)\s*", text)
    if match is None or int(match.group(1)) <= 0:
        raise ValueError(f"duration {text!r}: give a positive number of seconds, or 30s, 2m, 1h")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None  # Locust writes "N/A" for percentiles of an operation without requests


def read_stats(path: Path) -> dict[str, dict[str, float | None]]:
    """Locust's ``<prefix>_stats.csv``: per request name, the figures the targets speak of."""
    out: dict[str, dict[str, float | None]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            requests = _number(row["Request Count"]) or 0.0
            failures = _number(row["Failure Count"]) or 0.0
            out[row["Name"]] = {
                "requests": requests,
                "p95_ms": _number(row["95%"]) if requests else None,
                "p99_ms": _number(row["99%"]) if requests else None,
                "error_rate": failures / requests if requests else None,
                "min_rps": _number(row["Requests/s"]) if requests else None,
            }
    return out


def compare(
    stats: dict[str, dict[str, float | None]], targets: dict[str, dict[str, float]]
) -> list[Check]:
    checks = []
    for operation in sorted(targets):
        figures = stats.get(operation, {})
        for metric, target in targets[operation].items():
            checks.append(Check(operation, metric, target, figures.get(metric)))
    return checks


def write_report(checks: list[Check], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["operation", "metric", "target", "actual", "result"])
        for c in checks:
            actual = "" if c.actual is None else f"{c.actual:.4g}"
            result = "ok" if c.ok else ("not exercised" if c.actual is None else "MISSED")
            writer.writerow([c.operation, c.metric, f"{c.target:g}", actual, result])


def summary(checks: list[Check]) -> str:
    missed = [c for c in checks if not c.ok]
    lines = [f"{len(checks) - len(missed)} of {len(checks)} targets met"]
    for c in missed:
        actual = "not exercised" if c.actual is None else f"{c.actual:.4g}"
        lines.append(f"  MISSED {c.operation} {c.metric}: target {c.target:g}, actual {actual}")
    return "\n".join(lines)


def locust_command(locustfile: Path, host: str, seconds: int, users: int, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "--locustfile",
        str(locustfile),
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--csv",
        str(out / STATS_PREFIX),
        "--html",
        str(out / "report.html"),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]


def run(
    *,
    folder: Path,
    host: str,
    seconds: int,
    users: int | None,
    plan_name: str | None,
    tenants: list[dict[str, Any]],
    out: Path,
) -> int:
    """Run the load test; return the exit status (0 every target met, 1 a miss)."""
    plan = load_plan(folder / "plan.json")
    out.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "LOADTEST_PLAN": str(folder / "plan.json"),
        "LOADTEST_TENANTS": json.dumps(tenants),
    }
    command = locust_command(
        folder / "locustfile.py", host, seconds, users or int(plan["users"]), out
    )
    result = subprocess.run(command, env=env, check=False)
    stats_file = out / f"{STATS_PREFIX}_stats.csv"
    if result.returncode != 0 or not stats_file.is_file():
        print(f"error: locust failed (exit status {result.returncode})", file=sys.stderr)
        return 2
    checks = compare(read_stats(stats_file), targets_for(plan, plan_name))
    write_report(checks, out / "sla.csv")
    print(summary(checks))
    print(f"report: {out / 'report.html'}, {out / 'sla.csv'}")
    return 0 if all(c.ok for c in checks) else 1
