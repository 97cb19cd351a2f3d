"""Human-readable dry runs and summaries.

Deterministic on purpose (entries sorted by path, no colours, no timestamps, paths relative to
the output folder) so the text can be asserted in tests and pasted into reviews.
"""

from __future__ import annotations

import difflib
from pathlib import PurePosixPath

from .apply import WriteResult
from .plan import Action, PlannedFile, WritePlan

_ORDER = (Action.ADD, Action.CHANGE, Action.DELETE, Action.CONFLICT, Action.SCAFFOLD)
_LABEL = {
    Action.ADD: "add",
    Action.CHANGE: "change",
    Action.DELETE: "delete",
    Action.CONFLICT: "conflict",
    Action.SCAFFOLD: "create",
}


def render_plan(write_plan: WritePlan, *, diff: bool = False, context: int = 3) -> str:
    """The plan as text: one line per path that would change, grouped by action, then counts.

    With ``diff=True`` a unified diff follows for every changed or conflicting file (what
    ``--force`` would replace) and for every added file.
    """
    lines = [f"Plan for {write_plan.display}:"]
    for action in _ORDER:
        for entry in write_plan.of(action):
            note = f"  ({entry.note})" if action in (Action.CONFLICT, Action.ADD) else ""
            if action is Action.ADD and entry.note == "new":
                note = ""
            lines.append(f"  {_LABEL[action]:<9}{entry.path}{note}")
    if write_plan.manifest_changed and not any(write_plan.of(a) for a in _ORDER):
        lines.append("  update   .specfoundry/manifest.json")
    if len(lines) == 1:
        lines.append("  nothing to do, the folder is up to date")
    lines.append(summary_line(write_plan))
    if write_plan.conflicts:
        lines.append(
            "Conflicts block the write; move hand edits into user files or use --force "
            "(previous content is kept as <name>.orig)."
        )
    if diff:
        for entry in write_plan.entries:
            if entry.content is not None and entry.action in (
                Action.ADD,
                Action.CHANGE,
                Action.CONFLICT,
            ):
                lines.extend(_diff(entry, context))
    return "\n".join(lines) + "\n"


def summary_line(write_plan: WritePlan) -> str:
    counts = {action: len(write_plan.of(action)) for action in Action}
    parts = [
        f"{counts[Action.ADD]} to add",
        f"{counts[Action.CHANGE]} to change",
        f"{counts[Action.DELETE]} to delete",
        f"{counts[Action.CONFLICT]} conflicting",
        f"{counts[Action.SCAFFOLD]} user files to create",
        f"{counts[Action.UNCHANGED]} unchanged",
        f"{counts[Action.KEEP]} user files kept",
    ]
    return "Summary: " + ", ".join(parts) + "."


def render_result(result: WriteResult) -> str:
    """One-paragraph summary of what :func:`apply` did."""
    if not result.files_touched and not result.manifest_written:
        return f"{result.label} is up to date ({result.unchanged} files unchanged).\n"
    lines = [
        f"Wrote {result.label}: {len(result.written)} written, {len(result.deleted)} deleted, "
        f"{len(result.scaffolded)} user files created, {result.unchanged} unchanged."
    ]
    lines += [f"  kept previous {path} as {backup}" for path, backup in result.backups]
    return "\n".join(lines) + "\n"


def _diff(entry: PlannedFile, context: int) -> list[str]:
    path = str(entry.path)
    old, new = entry.old_content or b"", entry.content or b""
    source = "/dev/null" if entry.old_content is None else f"a/{path}"
    try:
        old_text, new_text = old.decode("utf-8"), new.decode("utf-8")
    except UnicodeDecodeError:
        return [f"Binary files {source} and b/{path} differ"]
    return [
        line.rstrip("\n")
        for line in difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=source,
            tofile=f"b/{PurePosixPath(path)}",
            n=context,
        )
    ]
