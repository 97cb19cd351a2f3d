"""GitHub Actions workflow commands: one annotation per operation finding or shared change.

Annotations point at the revision's file and line when known (that is the file in the pull
request); shared-component changes are annotated once, naming the operations they reach,
because GitHub shows only a few annotations per step.
"""

from __future__ import annotations

from specfoundry.diagnostics import Location
from specfoundry.diff.findings import Level
from specfoundry.diff.report.model import Report, affects, group

_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: Level, title: str, message: str, loc: Location | None) -> str:
    props = []
    if loc is not None:
        props += [f"file={escape_property(loc.file)}", f"line={loc.line}", f"col={loc.column}"]
    props.append(f"title={escape_property(title)}")
    return f"::{_COMMAND[level]} {','.join(props)}::{escape_data(message)}"


def render(report: Report) -> str:
    lines = []
    for g in group(report.findings):
        for f in g.findings:
            if g.shared:
                message = f"{f.message} ({affects(g.operations)}) [{f.pointer}]"
                title = f"{f.rule}"
            else:
                message = f"{f.message} [{f.pointer or '/'}]"
                title = f"{f.rule} ({f.operation})" if f.operation else f.rule
            lines.append(annotation(f.level, title, message, f.annotation_location))
    counts = report.summary
    lines.append(
        f"specfoundry diff: {counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['info']} info, {len(report.suppressed)} ignored; "
        f"{'FAIL' if report.failed else 'ok'} (--fail-on {report.fail_on.value})"
    )
    return "\n".join(lines) + "\n"
