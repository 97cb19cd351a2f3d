"""The ``specfoundry`` command line. Each command lives in its own module and registers here.

The command modules are imported statically, so a missing or broken one fails loudly. They are
cheap to import (typer and their option types only); each imports the compiler, the emitters
or the diff engine inside the function that runs the command, so ``specfoundry --version``
loads none of them (``bench/cli_bench.py`` measures it).
"""

from __future__ import annotations

import typer

from specfoundry import __version__
from specfoundry.commands import diff, docs, explain, generate, init, openapi, validate

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


for _command in (init, validate, explain, openapi, generate, diff, docs):
    _command.register(app)


def main() -> None:
    app()
