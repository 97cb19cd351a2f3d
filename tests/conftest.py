"""Suite-wide pytest hooks."""

from __future__ import annotations

import pytest

# The longest tests first (end-to-end runs of generated services, the strict type check), so
# that pytest-xdist's workers do not end the run waiting on one of them started last.
_LONGEST_FIRST = ("test_regeneration_e2e.py", "test_runtime_boundary.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        if any(item.nodeid.split("::")[0].endswith(name) for name in _LONGEST_FIRST):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=rank)  # stable: the order within each rank is the collection order
