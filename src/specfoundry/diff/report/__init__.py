"""Output formats. Each module renders a :class:`Report` to text and decides nothing else."""

from __future__ import annotations

import enum
from collections.abc import Callable

from specfoundry.diff.report.model import Report


class OutputFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    GITHUB = "github"
    JUNIT = "junit"
    SARIF = "sarif"


def render(fmt: OutputFormat, report: Report, color: bool = False) -> str:
    from specfoundry.diff.report import github, json_format, junit, markdown, sarif, text

    renderers: dict[OutputFormat, Callable[[Report], str]] = {
        OutputFormat.TEXT: lambda r: text.render(r, color),
        OutputFormat.JSON: json_format.render,
        OutputFormat.MARKDOWN: markdown.render,
        OutputFormat.GITHUB: github.render,
        OutputFormat.JUNIT: junit.render,
        OutputFormat.SARIF: sarif.render,
    }
    return renderers[fmt](report)


__all__ = ["OutputFormat", "Report", "render"]
