"""Run order of the whole suite: the longest tests first.

With pytest-xdist (`scripts/test.sh`: `-n auto --dist worksteal`) a worker that finishes early
takes tests from the other's queue, but it cannot split a test that is already running: a
40-second test started last makes the other worker idle for 40 seconds. Starting the long ones
first leaves the short ones to even out the end. The weights are the seconds each test took on
2 busy cores (`bash scripts/test.sh --durations=40`); a test not listed keeps its place after
them (`slow`-marked ones before the rest). Only the order changes, never what runs.
"""

from __future__ import annotations

import pytest

# (substring of the test id, seconds); the first match counts.
WEIGHTS = (
    ("test_service_generated_suites.py::test_generated_suite_passes_on_postgres[analytics]", 47),
    ("test_service_generated_suites.py::test_generated_suite_passes_on_postgres[projects]", 45),
    ("test_regeneration_e2e.py::test_a_series_of_spec_edits_keeps_user_code_and_data", 36),
    ("test_service_generated_suites.py::test_schemathesis_finds_nothing[analytics]", 26),
    ("test_service_generated_suites.py::test_generated_suite_passes_on_sqlite[projects]", 25),
    ("test_runtime_boundary.py::test_runtime_and_generated_services_pass_mypy_strict", 24),
    ("test_service_probe.py::test_probe_finds_no_5xx_and_no_unreadable_row_on_postgres[an", 21),
    ("test_service_probe.py::test_probe_finds_no_5xx_and_no_unreadable_row_on_postgres[pr", 20),
    ("test_service_generated_suites.py::test_schemathesis_finds_nothing[projects]", 20),
    ("test_service_generated_suites.py::test_generated_suite_passes_on_sqlite[analytics]", 18),
    ("test_service_generated_suites.py::test_schemathesis_finds_nothing[minimal]", 17),
    ("test_service_probe.py::test_probe_finds_no_5xx_and_no_unreadable_row[analytics]", 14),
    ("test_service_probe.py::test_probe_finds_no_5xx_and_no_unreadable_row[projects]", 13),
    ("test_service_random_specs.py::test_random_valid_spec_passes_its_generated_suite", 11),
    ("test_openapi_validation.py::test_benchmark_size_synthetic_spec_is_valid_for_both", 11),
    # its three tests share a module-scoped service: kept together, in their order
    ("test_service_helpdesk.py::", 16),
    ("test_service_generated_suites.py::test_generated_suite_passes_on_postgres[minimal]", 8),
    ("test_service_generated_suites.py::test_quickstart_through_the_console_entry_point", 7),
    ("test_service_generated_suites.py::test_generated_suite_passes_on_sqlite[minimal]", 7),
    ("test_properties.py::test_mutated_examples_never_crash", 7),
    ("test_data_deltas.py::test_delta_migrates_postgres_without_drift", 6),
    ("test_service_probe.py::test_probe_finds_no_5xx_and_no_unreadable_row[minimal]", 6),
    ("test_service_probe.py::test_probe_finds_no_5xx_and_no_unreadable_row_on_postgres[mi", 6),
    ("test_data_deltas.py::test_delta_migrates_sqlite_without_drift", 4),
)
SLOW_UNLISTED = 3  # a `slow`-marked test without a weight


def _entry(item: pytest.Item) -> str | None:
    return next((part for part, _ in WEIGHTS if part in item.nodeid), None)


def _weight(item: pytest.Item) -> float:
    for part, seconds in WEIGHTS:
        if part in item.nodeid:
            return seconds
    return SLOW_UNLISTED if item.get_closest_marker("slow") else 0


def _deal(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """The order for ``workers`` xdist workers under ``--dist worksteal``, which hands worker
    ``i`` the ``i``-th contiguous share of the list: the weighted tests are dealt out so that
    each share starts with about the same seconds of them (the heaviest hand first to the
    lightest share), and the rest fill the shares in collection order. A module entry (ending
    in "::") is one unit: its tests share a module-scoped fixture."""
    units: list[list[pytest.Item]] = []
    for item in items:
        entry = _entry(item)
        if units and entry is not None and entry.endswith("::") and entry == _entry(units[-1][0]):
            units[-1].append(item)
        elif _weight(item) > 0:
            units.append([item])
    heavy = {id(item) for unit in units for item in unit}
    light = [item for item in items if id(item) not in heavy]
    hands: list[list[pytest.Item]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for unit in units:  # already heaviest first
        k = loads.index(min(loads))
        hands[k].extend(unit)
        loads[k] += sum(_weight(item) for item in unit)
    out: list[pytest.Item] = []
    remaining = len(items)
    for k in range(workers):
        size = remaining // (workers - k)  # the scheduler's split of what is left
        take = max(size - len(hands[k]), 0)
        out.extend(hands[k] + light[:take])
        light = light[take:]
        remaining -= len(hands[k]) + take
    return out + light


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_weight, reverse=True)  # stable: equal weights keep the collection order
    workerinput = getattr(config, "workerinput", None)
    workers = int(workerinput["workercount"]) if workerinput else 1
    if workers > 1 and config.getoption("dist", "no") == "worksteal":
        items[:] = _deal(items, workers)
