"""What every command shares: compiling a spec and reporting its diagnostics.

Command modules are imported for every invocation (``specfoundry --version`` included), so at
module level they import only typer and what their options name; the compiler, emitters and
the diff engine are imported inside the functions that use them.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from specfoundry.diagnostics import render_json, render_text

if TYPE_CHECKING:
    from specfoundry.compiler import CompileResult
    from specfoundry.model import Service

# Exit statuses, the same for every command (documented in README.md).
EXIT_OK = 0
EXIT_FAILED = 1  # the spec has errors, or a check found something
EXIT_USAGE = 2  # the command line or an input could not be used


class DiagnosticFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


SPEC_ARGUMENT = typer.Argument(
    ...,
    help="A spec YAML file, or a folder whose *.yaml files form one spec.",
    show_default=False,
)


def report(result: CompileResult, fmt: DiagnosticFormat = DiagnosticFormat.TEXT) -> None:
    """Print diagnostics to stderr (text) or stdout (json) the way editors and CI read them."""
    if fmt is DiagnosticFormat.JSON:
        typer.echo(render_json(result.diagnostics))
        return
    if result.diagnostics:
        typer.echo(render_text(result.diagnostics), err=True)
        errors = sum(1 for d in result.diagnostics if d.severity.value == "error")
        warnings = len(result.diagnostics) - errors
        typer.echo(f"{errors} error(s), {warnings} warning(s)", err=True)


def failure_status(result: CompileResult) -> int:
    """2 when the spec path itself does not exist (a usage error), else 1."""
    missing = all(d.code == "SF101" and d.location is None for d in result.diagnostics)
    return EXIT_USAGE if result.diagnostics and missing else EXIT_FAILED


def compile_or_exit(spec: Path, fmt: DiagnosticFormat = DiagnosticFormat.TEXT) -> Service:
    """The model of ``spec``; on errors, print them all and exit with status 1 (2: no such path)."""
    from specfoundry.compiler import compile_spec

    result = compile_spec(spec)
    if result.model is None:
        report(result, fmt)
        raise typer.Exit(failure_status(result))
    if result.diagnostics:
        report(result, fmt)
    return result.model
