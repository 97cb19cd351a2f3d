"""Markdown for a pull-request comment (``diff``) and for release notes (``changelog``)."""

from __future__ import annotations

import re

from specfoundry.diff.findings import Finding, Level
from specfoundry.diff.report.model import LEVEL_ORDER, Report, affects, by_level, group

HEADINGS = {
    Level.ERROR: "Breaking changes",
    Level.WARNING: "Changes that may break some clients",
    Level.INFO: "Other changes",
}


def _line(f: Finding) -> str:
    where = f" — `{f.location}`" if f.location else ""
    return f"- `{f.rule}`: {_escape(f.message)}{where}"


# Code spans (the names messages quote) are shown as written; elsewhere every character
# markdown could read as markup is escaped, so values such as regex patterns (`^[a-z_]*$`)
# show literally instead of as emphasis or links.
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")
_MARKUP = re.compile(r"([\\`*_\[\]|~#!>])")


def _escape(text: str) -> str:
    parts = _CODE_SPAN.split(text)
    for i in range(0, len(parts), 2):  # the even parts lie outside code spans
        plain = parts[i].replace("&", "&amp;").replace("<", "&lt;")
        parts[i] = _MARKUP.sub(r"\\\1", plain)
    return "".join(parts)


def sections(report: Report, level_heading: str = "###", group_heading: str = "####") -> list[str]:
    lines: list[str] = []
    groups = group(report.findings)
    for level in LEVEL_ORDER:
        chosen = by_level(groups, level)
        if not chosen:
            continue
        lines += [f"{level_heading} {HEADINGS[level]} ({level.value})", ""]
        for g in chosen:
            lines.append(f"{group_heading} `{g.title}`")
            if g.shared:
                lines.append(f"_{affects(g.operations)}_")
            lines.append("")
            lines += [_line(f) for f in g.findings]
            lines.append("")
    return lines


def render(report: Report) -> str:
    counts = report.summary
    icon = "❌" if report.failed else "✅"
    verdict = "fails" if report.failed else "passes"
    lines = [
        f"## {icon} API diff {verdict} (`--fail-on {report.fail_on.value}`)",
        "",
        f"`{report.base}` → `{report.revision}`",
        "",
        "| error | warning | info | ignored |",
        "| ---: | ---: | ---: | ---: |",
        f"| {counts['error']} | {counts['warning']} | {counts['info']} "
        f"| {len(report.suppressed)} |",
        "",
    ]
    if not report.findings:
        lines += ["No changes that affect clients.", ""]
    lines += sections(report)
    if report.suppressed:
        lines += ["<details><summary>Ignored findings</summary>", ""]
        for s in report.suppressed:
            lines.append(f"{_line(s.finding)} — ignored: {_escape(s.entry.reason)}")
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def render_changelog(report: Report) -> str:
    lines = [f"# API changes: `{report.base}` → `{report.revision}`", ""]
    if not report.findings:
        lines += ["No changes.", ""]
    lines += sections(report, "##", "###")
    return "\n".join(lines)
