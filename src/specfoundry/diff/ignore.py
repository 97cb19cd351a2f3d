"""The ignore file: acknowledged findings, each with a reason and an optional expiry date.

An entry names a rule and the operation and/or pointer it applies to, so acknowledging one
breaking change never hides another. Once an entry's ``expires`` date has passed it stops
suppressing and is itself reported (``ignore-entry-expired``), so exceptions do not outlive
the reason they were granted for; an entry that matches nothing is reported too
(``ignore-entry-unused``, info), so stale entries get cleaned up before they hide something.

    # .specfoundry-ignore.yaml
    ignore:
      - rule: operation-removed
        operation: DELETE /v1/notes/{id}
        reason: the only client was migrated (PLAT-123)
        expires: 2026-03-31
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.diff.errors import DiffInputError
from specfoundry.diff.findings import Finding
from specfoundry.diff.load import index_lines, parse_text
from specfoundry.diff.pointer import join, normalise
from specfoundry.diff.rules import RULES


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    rule: str
    operation: str | None
    pointer: str | None
    reason: str
    expires: dt.date | None
    location: Location

    def matches(self, finding: Finding) -> bool:
        if finding.rule != self.rule:
            return False
        if self.operation is not None and _op(self.operation) != _op(finding.operation or ""):
            return False
        return self.pointer is None or self.pointer == finding.pointer

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "operation": self.operation,
            "pointer": self.pointer,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "location": str(self.location),
        }


@dataclass(frozen=True, slots=True)
class Suppressed:
    finding: Finding
    entry: IgnoreEntry


def _op(text: str) -> str:
    method, _, path = text.strip().partition(" ")
    return f"{method.upper()} {path.strip()}"


def load_ignore(path: Path, display: str) -> list[IgnoreEntry]:
    """Read and validate an ignore file; any mistake is a :class:`DiffInputError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DiffInputError(f"{display}: cannot read the ignore file: {exc}") from None
    data = parse_text(text, display)
    lines = index_lines(text, display)
    base = "/ignore"
    if data is None:
        return []
    if isinstance(data, list):
        base, items = "", data
    elif isinstance(data, dict) and isinstance(data.get("ignore", []), list):
        items = data.get("ignore") or []
    else:
        raise DiffInputError(f"{display}: expected `ignore:` followed by a list of entries")
    entries = []
    for index, item in enumerate(items):
        at = join(base, index)
        where = lines.get(at, Location(display, 1, 1))
        entries.append(_entry(item, where))
    return entries


def _entry(item: Any, where: Location) -> IgnoreEntry:
    def bad(problem: str) -> DiffInputError:
        return DiffInputError(f"{where}: ignore entry {problem}")

    if not isinstance(item, dict):
        raise bad("must be a mapping with rule, operation or pointer, and reason")
    unknown = sorted(set(item) - {"rule", "operation", "pointer", "reason", "expires"})
    if unknown:
        raise bad(f"has unknown keys: {', '.join(unknown)}")
    rule = item.get("rule")
    if not isinstance(rule, str) or rule not in RULES:
        raise bad(f"names no known rule: {rule!r} (see docs/diff-rules.md)")
    operation, pointer = item.get("operation"), item.get("pointer")
    if operation is None and pointer is None:
        raise bad("needs an `operation` (e.g. `GET /v1/projects`) or a `pointer`, or both")
    if operation is not None and not isinstance(operation, str):
        raise bad("`operation` must be a string such as `GET /v1/projects`")
    if pointer is not None and not isinstance(pointer, str):
        raise bad("`pointer` must be a JSON pointer string")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise bad("needs a `reason`")
    expires = item.get("expires")
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    elif isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise bad(f"has an `expires` that is not a YYYY-MM-DD date: {expires!r}") from None
    elif expires is not None and not isinstance(expires, dt.date):
        raise bad("has an `expires` that is not a YYYY-MM-DD date")
    return IgnoreEntry(
        rule,
        operation,
        normalise(pointer) if pointer is not None else None,
        reason.strip(),
        expires,
        where,
    )


def _about(entry: IgnoreEntry, rule: str, what: str) -> Finding:
    """A finding about the ignore file itself, located at the entry."""
    return Finding(
        rule=rule,
        level=RULES[rule].level,
        message=f"ignore entry for {entry.rule} at {entry.operation or entry.pointer} {what}",
        operation=entry.operation,
        pointer=entry.pointer or "",
        location=entry.location,
        revision_location=entry.location,
    )


def apply_ignores(
    findings: list[Finding], entries: list[IgnoreEntry], today: dt.date
) -> tuple[list[Finding], list[Suppressed]]:
    """Split findings into kept and suppressed; expired entries become findings themselves."""
    active = [e for e in entries if e.expires is None or e.expires >= today]
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    used: set[int] = set()
    for finding in findings:
        entry = next((e for e in active if e.matches(finding)), None)
        if entry is None:
            kept.append(finding)
        else:
            suppressed.append(Suppressed(finding, entry))
            used.add(id(entry))
    for entry in active:
        if id(entry) not in used:
            kept.append(_about(entry, "ignore-entry-unused", "matches no finding; remove it"))
    for entry in entries:
        if entry.expires is not None and entry.expires < today:
            kept.append(
                _about(
                    entry,
                    "ignore-entry-expired",
                    f"expired on {entry.expires.isoformat()} and no longer applies",
                )
            )
    kept.sort(key=Finding.sort_key)
    return kept, suppressed


__all__ = ["IgnoreEntry", "Suppressed", "apply_ignores", "load_ignore"]
