"""The load test's verdict (runtime/loadtest.py): targets per plan, Locust's CSV, the report.

The real run against a generated service is bench/loadtest_bench.py (about a minute).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from specfoundry.runtime.loadtest import (
    Check,
    compare,
    parse_duration,
    read_stats,
    summary,
    targets_for,
    write_report,
)

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,"
    "75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def _stats(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "locust_stats.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


PLAN = {
    "operations": {
        "list_notes": {
            "class": "read",
            "targets": {
                "*": {"p95_ms": 200, "error_rate": 0.01, "min_rps": 5},
                "enterprise": {"p95_ms": 100, "error_rate": 0.01, "min_rps": 5},
            },
        },
        "create_note": {"class": "write", "targets": {"*": {"p99_ms": 500}}},
        "delete_note": {"class": "write", "targets": {"*": {"p95_ms": 300}}},
    }
}


def test_a_plans_own_targets_replace_the_plan_agnostic_ones() -> None:
    assert targets_for(PLAN, "enterprise")["list_notes"]["p95_ms"] == 100
    assert targets_for(PLAN, "free")["list_notes"]["p95_ms"] == 200
    assert targets_for(PLAN, None)["create_note"] == {"p99_ms": 500}


def test_figures_from_locusts_csv_are_compared_with_the_targets(tmp_path: Path) -> None:
    stats = read_stats(
        _stats(
            tmp_path,
            "GET,list_notes,200,4,50,60,10,400,100,10.0,0.2,50,60,70,80,120,150,180,190,300,400,400",
            "POST,create_note,20,0,80,90,20,900,100,1.0,0,80,90,100,120,300,400,600,700,900,900,900",
            "DELETE,delete_note,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
            ",Aggregated,220,4,50,60,10,900,100,11.0,0.2,50,60,70,80,120,150,180,190,300,400,900",
        )
    )
    assert stats["list_notes"]["error_rate"] == pytest.approx(0.02)
    checks = {(c.operation, c.metric): c for c in compare(stats, targets_for(PLAN, "free"))}
    assert checks["list_notes", "p95_ms"].ok  # 150 <= 200
    assert not checks["list_notes", "error_rate"].ok  # 2 % > 1 %
    assert checks["list_notes", "min_rps"].ok  # 10 >= 5: throughput is a floor
    assert not checks["create_note", "p99_ms"].ok  # 700 > 500
    # An operation without requests misses its targets: nothing was shown to hold.
    assert checks["delete_note", "p95_ms"].actual is None
    assert not checks["delete_note", "p95_ms"].ok
    enterprise = compare(stats, targets_for(PLAN, "enterprise"))
    p95 = next(c for c in enterprise if c.metric == "p95_ms" and c.operation == "list_notes")
    assert not p95.ok  # 150 > the enterprise plan's 100


def test_report_csv_and_summary(tmp_path: Path) -> None:
    checks = [Check("list_notes", "p95_ms", 200, 150), Check("create_note", "p99_ms", 500, 700)]
    write_report(checks, tmp_path / "sla.csv")
    rows = list(csv.reader((tmp_path / "sla.csv").open()))
    assert rows[0] == ["operation", "metric", "target", "actual", "result"]
    assert rows[1] == ["list_notes", "p95_ms", "200", "150", "ok"]
    assert rows[2] == ["create_note", "p99_ms", "500", "700", "MISSED"]
    text = summary(checks)
    assert text.startswith("1 of 2 targets met")
    assert "MISSED create_note p99_ms: target 500, actual 700" in text


def test_durations() -> None:
    assert parse_duration("30") == 30
    assert parse_duration("30s") == 30
    assert parse_duration("2m") == 120
    for bad in ("0", "-5s", "soon", "5d"):
        with pytest.raises(ValueError):
            parse_duration(bad)
