"""``specfoundry validate``: the compiler's front end, for editors, pre-commit and CI."""

from __future__ import annotations

from pathlib import Path

import typer

from specfoundry.commands.common import (
    EXIT_OK,
    SPEC_ARGUMENT,
    DiagnosticFormat,
    failure_status,
    report,
)


def validate(
    spec: Path = SPEC_ARGUMENT,
    format: DiagnosticFormat = typer.Option(
        DiagnosticFormat.TEXT, "--format", "-f", help="text for people, json for tools."
    ),
) -> None:
    """Check a spec and print every problem as file:line:column: error[CODE]: message.

    Exit status: 0 valid, 1 the spec has errors, 2 usage error (including a path that does
    not exist).

    Examples:

        specfoundry validate examples/analytics

        specfoundry validate spec.yaml --format json
    """
    from specfoundry.compiler import compile_spec

    result = compile_spec(spec)
    report(result, format)
    if result.model is None:
        raise typer.Exit(failure_status(result))
    if format is DiagnosticFormat.TEXT:
        model = result.model
        # The spec's own entities; built-in ones (platform features) are not the user's count.
        from specfoundry.model.entities import EntityOrigin

        declared = sum(e.origin is EntityOrigin.SPEC for e in model.entities)
        typer.echo(
            f"{spec.as_posix()}: valid ({declared} entities, "
            f"{len(model.state_machines)} state machines, "
            f"{len(model.api.resources)} resources)"
        )
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command()(validate)
