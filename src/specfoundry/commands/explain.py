"""``specfoundry explain``: a readable summary of what a spec means.

The summary itself is built by :mod:`specfoundry.emit.explain`.
"""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from specfoundry.commands.common import EXIT_OK, SPEC_ARGUMENT, compile_or_exit


class ExplainFormat(enum.StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"


def explain(
    spec: Path = SPEC_ARGUMENT,
    format: ExplainFormat = typer.Option(
        ExplainFormat.TEXT, "--format", "-f", help="text (aligned columns) or markdown."
    ),
) -> None:
    """Summarise a spec: entities, roles, the permission matrix, state machines and the API.

    The permission matrix applies role inheritance: a role that inherits a grant shows it.
    Conditional grants are marked `*`, and their conditions are listed under each table.
    Exit status: 0 printed, 1 the spec has errors, 2 usage error.

    Examples:

        specfoundry explain examples/analytics

        specfoundry explain examples/analytics --format markdown > SPEC.md
    """
    from specfoundry.emit.explain import explain_blocks, render_markdown, render_text

    model = compile_or_exit(spec)
    blocks = explain_blocks(model)
    text = render_markdown(blocks) if format is ExplainFormat.MARKDOWN else render_text(blocks)
    typer.echo(text, nl=False)
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command()(explain)
