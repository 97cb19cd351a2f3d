"""The registry of problem types (RFC 9457) every generated service answers with.

The table is the runtime's (:mod:`specfoundry.runtime.problem_types`): the generated service
answers with its rows and this module derives ``components/responses`` of the contract from the
same rows. ``docs/problems.md`` mirrors it row for row (a test keeps the two equal).
"""

from __future__ import annotations

from specfoundry.runtime.problem_types import (
    PROBLEM_BASE,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPES,
    ProblemType,
)

__all__ = [
    "PROBLEM_BASE",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPES",
    "ProblemType",
    "problems_for",
    "response_names",
]


def problems_for(response: str) -> tuple[ProblemType, ...]:
    return tuple(p for p in PROBLEM_TYPES if p.response == response)


def response_names() -> tuple[str, ...]:
    """Every ``components/responses`` name, in status order, without repeats."""
    seen: list[str] = []
    for problem in PROBLEM_TYPES:
        if problem.response and problem.response not in seen:
            seen.append(problem.response)
    return tuple(seen)
