"""The default format: findings grouped by operation, coloured when writing to a terminal."""

from __future__ import annotations

import typer

from specfoundry.diff.findings import Level
from specfoundry.diff.report.model import Report, affects, group

_COLOURS = {Level.ERROR: "red", Level.WARNING: "yellow", Level.INFO: "cyan"}


def render(report: Report, color: bool = False) -> str:
    def paint(text: str, level: Level | None = None, bold: bool = False) -> str:
        if not color:
            return text
        return typer.style(text, fg=_COLOURS[level] if level else None, bold=bold)

    lines = [f"specfoundry diff {report.base} -> {report.revision}"]
    if not report.findings:
        lines.append("no changes that affect clients")
    for g in group(report.findings):
        lines.append("")
        lines.append(paint(g.title, g.level, bold=True))
        if g.shared:
            lines.append(f"  {affects(g.operations)}")
        for f in g.findings:
            tag = paint(f"{f.level.value:<7}", f.level)
            lines.append(f"  {tag} {f.rule}: {f.message}")
            where = f"{f.location}  " if f.location else ""
            lines.append(f"          {where}{f.pointer or '/'}")
    counts = report.summary
    lines.append("")
    verdict = "FAIL" if report.failed else "ok"
    suppressed = f", {len(report.suppressed)} ignored" if report.suppressed else ""
    lines.append(
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"
        f"{suppressed}; --fail-on {report.fail_on.value}: "
        + paint(verdict, Level.ERROR if report.failed else Level.INFO, bold=True)
    )
    return "\n".join(lines) + "\n"
