"""Run every comparer over two sides and turn their changes into located, sorted findings."""

from __future__ import annotations

import datetime as dt
import gc
import sys
from dataclasses import dataclass
from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.diff.findings import Change, Finding
from specfoundry.diff.load import Locator, Side
from specfoundry.diff.operations import OperationComparer, Policy
from specfoundry.diff.pointer import Document
from specfoundry.diff.rules import RULES
from specfoundry.diff.schemas import SchemaComparer


@dataclass(frozen=True, slots=True)
class DiffOptions:
    today: dt.date
    min_deprecation_days: int = 0


# Schema comparison recurses once per nesting level (a few frames each); deeply nested or long
# acyclic $ref chains need more than Python's default 1000 frames.
RECURSION_LIMIT = 6000


def diff(base: Side, revision: Side, options: DiffOptions) -> list[Finding]:
    """Every finding between ``base`` and ``revision``, deduplicated and sorted.

    The cyclic garbage collector is paused meanwhile: the diff makes almost no reference
    cycles, but its allocations would trigger full collections, each of which traverses every
    object of both loaded documents (on 5 MB documents, a fifth of the diff's time).
    """
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, RECURSION_LIMIT))
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _diff(base, revision, options)
    finally:
        if collecting:
            gc.enable()
        sys.setrecursionlimit(previous)


def _diff(base: Side, revision: Side, options: DiffOptions) -> list[Finding]:
    doc_a, doc_b = Document(base.document, base.name), Document(revision.document, revision.name)
    policy = Policy(options.today, options.min_deprecation_days)
    schemas = SchemaComparer(doc_a, doc_b, policy)
    located: list[tuple[str | None, Change]] = list(
        OperationComparer(doc_a, doc_b, schemas, policy).compare()
    )
    if base.model is not None and revision.model is not None:
        from specfoundry.diff.spec_rules import compare_models

        located += [(None, change) for change in compare_models(base.model, revision.model)]
    seen: set[tuple[str | None, str, str | None, str | None, str]] = set()
    unique: list[tuple[str | None, Change]] = []
    for operation, change in located:
        key = (operation, change.rule, change.base_pointer, change.revision_pointer, change.message)
        if key not in seen:
            seen.add(key)
            unique.append((operation, change))
    # The base side is located only where it caused the finding (a removal): the revision's
    # location is the one a reviewer acts on. Each side is located in one batch.
    base_locs = _locate_all(
        base.locate,
        {
            c.base_pointer
            for _, c in unique
            if c.base_location is None and c.base_pointer is not None and c.primary == "base"
        },
    )
    rev_locs = _locate_all(
        revision.locate,
        {
            c.revision_pointer
            for _, c in unique
            if c.revision_location is None and c.revision_pointer is not None
        },
    )
    survivor = _Survivor.between(base, revision)
    findings = [_finding(op, change, base_locs, rev_locs, survivor) for op, change in unique]
    findings.sort(key=Finding.sort_key)
    return findings


def _locate_all(locate: Locator, pointers: set[str]) -> dict[str, Location | None]:
    many = getattr(locate, "locate_many", None)
    if many is not None:
        return many(pointers)
    return {pointer: locate(pointer) for pointer in pointers}


class _Survivor:
    """For two specs: where in the revision a thing removed from the base would be annotated.

    A removal has a location in the base only (a transition's key, a permission rule). Its
    base line number means nothing in the revision's file of the same name (with ``--base``
    both sides have the same repo-relative names), so the annotation goes to the nearest spec
    item that still exists in the revision instead: the machine's ``transitions:`` for a
    removed transition, the entity's rules for a removed rule.
    """

    def __init__(self, base: Any, revision: Any) -> None:
        self._paths: dict[Location, tuple[str | int, ...]] = {}
        for path, loc in base.values.items():
            self._paths.setdefault(loc, path)
        for path, loc in base.keys.items():
            self._paths[loc] = path
        self._revision = revision

    @classmethod
    def between(cls, base: Side, revision: Side) -> _Survivor | None:
        if base.sources is None or revision.sources is None:
            return None
        return cls(base.sources, revision.sources)

    def __call__(self, base_location: Location) -> Location | None:
        path = self._paths.get(base_location)
        while path:  # never the root: a whole section gone has no place in the revision
            found = self._revision.keys.get(path) or self._revision.values.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return None


def _finding(
    operation: str | None,
    change: Change,
    base_locs: dict[str, Location | None],
    rev_locs: dict[str, Location | None],
    survivor: _Survivor | None = None,
) -> Finding:
    base_loc = change.base_location
    if base_loc is None and change.base_pointer is not None and change.primary == "base":
        base_loc = base_locs[change.base_pointer]
    rev_loc = change.revision_location
    if rev_loc is None and change.revision_pointer is not None:
        rev_loc = rev_locs[change.revision_pointer]
    if rev_loc is None and base_loc is not None and survivor is not None:
        rev_loc = survivor(base_loc)
    primary = base_loc if change.primary == "base" else rev_loc
    return Finding(
        rule=change.rule,
        level=RULES[change.rule].level,
        message=change.message,
        operation=operation,
        pointer=change.pointer,
        location=primary or rev_loc or base_loc,
        base_pointer=change.base_pointer,
        revision_pointer=change.revision_pointer,
        base_location=base_loc,
        revision_location=rev_loc,
    )
