"""What every format renders: the findings after the ignore file, and how to group them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from specfoundry.diagnostics import Location
from specfoundry.diff.findings import Finding, Level, at_or_above, summary

if TYPE_CHECKING:  # the ignore layer loads YAML and the rule table; the CLI names formats cheaply
    from specfoundry.diff.ignore import Suppressed

LEVEL_ORDER = (Level.ERROR, Level.WARNING, Level.INFO)


@dataclass(frozen=True, slots=True)
class Report:
    base: str
    revision: str
    findings: list[Finding]
    fail_on: Level = Level.ERROR
    suppressed: list[Suppressed] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(at_or_above(self.findings, self.fail_on))

    @property
    def summary(self) -> dict[str, int]:
        return summary(self.findings)


@dataclass(frozen=True, slots=True)
class Group:
    """Findings shown together: one operation, or one change in a shared component.

    ``operations`` lists every operation a shared change reaches, so a change to a component
    used by 300 operations is one entry instead of 300.
    """

    title: str
    findings: list[Finding]
    operations: list[str]
    shared: bool

    @property
    def level(self) -> Level:
        return max((f.level for f in self.findings), key=lambda lv: lv.rank)

    @property
    def location(self) -> Location | None:
        return self.findings[0].annotation_location if self.findings else None


def _shared_key(f: Finding) -> tuple[str, str, str]:
    return (f.rule, f.pointer, f.message)


def group(findings: list[Finding]) -> list[Group]:
    """Operation groups first (sorted), then shared-component groups (sorted by pointer)."""
    reach: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        if f.pointer.startswith("/components/") and f.operation is not None:
            reach.setdefault(_shared_key(f), []).append(f)
    shared_keys = {k for k, fs in reach.items() if len({f.operation for f in fs}) > 1}
    by_op: dict[str, list[Finding]] = {}
    for f in findings:
        if _shared_key(f) in shared_keys:
            continue
        by_op.setdefault(f.operation or "", []).append(f)
    ordered = sorted(by_op.items(), key=lambda kv: (kv[0].partition(" ")[2], kv[0]))
    groups = [Group(op or "(whole document)", fs, [op] if op else [], False) for op, fs in ordered]
    by_pointer: dict[str, list[Finding]] = {}
    operations: dict[str, set[str]] = {}
    for key in sorted(shared_keys, key=lambda k: (k[1], k[0], k[2])):
        first = reach[key][0]
        by_pointer.setdefault(key[1], []).append(first)
        operations.setdefault(key[1], set()).update(f.operation or "" for f in reach[key])
    for pointer, fs in by_pointer.items():
        title = "shared " + pointer.lstrip("/").replace("~1", "/").replace("~0", "~")
        groups.append(Group(title, fs, sorted(operations[pointer]), True))
    return groups


def by_level(groups: list[Group], level: Level) -> list[Group]:
    """The groups restricted to findings of one level (empty groups dropped)."""
    out = []
    for g in groups:
        fs = [f for f in g.findings if f.level is level]
        if fs:
            out.append(Group(g.title, fs, g.operations, g.shared))
    return out


def affects(operations: list[str], limit: int = 5) -> str:
    shown = ", ".join(operations[:limit])
    more = f" and {len(operations) - limit} more" if len(operations) > limit else ""
    noun = "operation" if len(operations) == 1 else "operations"
    return f"affects {len(operations)} {noun}: {shown}{more}"
