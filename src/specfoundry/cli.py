"""The ``specfoundry`` command line. Each command lives in its own module and registers here."""

from __future__ import annotations

import importlib

import typer

from specfoundry import __version__

app = typer.Typer(
    name="specfoundry",
    help=(
        "Compile a YAML spec of a multi-tenant SaaS service into its OpenAPI contract, a "
        "runnable FastAPI service with its own tests, and breaking-change reports.\n\n"
        "Start with: specfoundry init my-service"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that define ``register(app)``; optional ones may not exist in every build yet.
_COMMAND_MODULES = (
    "specfoundry.commands.init",
    "specfoundry.commands.validate",
    "specfoundry.commands.explain",
    "specfoundry.commands.openapi",
    "specfoundry.commands.generate",
    "specfoundry.diff.command",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"specfoundry {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """specfoundry: specs in, services and contracts out."""


for _module in _COMMAND_MODULES:
    try:
        importlib.import_module(_module).register(app)
    except ModuleNotFoundError as exc:
        if exc.name is None or not _module.startswith(exc.name):
            raise


def main() -> None:
    app()
