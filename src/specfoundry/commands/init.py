"""``specfoundry init``: a new project with a commented starter spec that validates."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from specfoundry.commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, report
from specfoundry.resources import schema_path

SPEC_FILE = Path("spec") / "service.yaml"
SCHEMA_FILE = Path("spec") / "specfoundry.schema.json"
README_FILE = Path("README.md")


def default_name(directory: Path) -> str:
    """A snake_case service name from a folder name: ``My-Service 2`` -> ``my_service_2``."""
    raw = re.sub(r"[^a-z0-9]+", "_", directory.resolve().name.lower()).strip("_")
    if not raw:
        return "my_service"
    if not raw[0].isalpha():
        raw = f"service_{raw}"
    return raw


def init(
    directory: Path = typer.Argument(
        ..., help="The project folder to create (must be empty or new).", show_default=False
    ),
    name: str | None = typer.Option(
        None,
        "--name",
        "-n",
        help="Service name, snake_case (default: from the folder name).",
        show_default=False,
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Write into a non-empty folder; files with the same names are replaced.",
    ),
) -> None:
    """Create a project: spec/service.yaml (a commented starter spec), its schema, a README.

    The starter spec has a tenant, one entity with a state machine, two roles with a
    conditional rule, and its API; it validates as written. A non-empty folder is refused
    unless --force.
    Exit status: 0 created, 1 the folder is not empty (or is a file), 2 bad --name.

    Examples:

        specfoundry init my-service

        specfoundry init billing --name billing_api

        specfoundry init . --force
    """
    from specfoundry.compiler import compile_spec
    from specfoundry.emit.render import render
    from specfoundry.model.names import Name, is_snake_case, reserved_kind

    service = name or default_name(directory)
    if not is_snake_case(service) or reserved_kind(service):
        why = reserved_kind(service) or "not snake_case (a-z, 0-9, single underscores)"
        typer.echo(f"error: service name '{service}' is {why}; pass --name my_service", err=True)
        raise typer.Exit(EXIT_USAGE)
    if directory.exists() and not directory.is_dir():
        typer.echo(f"error: {directory.as_posix()} exists and is not a folder", err=True)
        raise typer.Exit(EXIT_FAILED)
    if directory.is_dir() and any(directory.iterdir()) and not force:
        typer.echo(
            f"error: {directory.as_posix()} is not empty; choose a new or empty folder, or pass "
            f"--force to write the starter files into it",
            err=True,
        )
        raise typer.Exit(EXIT_FAILED)

    context = {"name": service, "title": Name(service).title}
    files = {
        SPEC_FILE: render("init/service.yaml.j2", **context),
        README_FILE: render("init/README.md.j2", **context),
        SCHEMA_FILE: schema_path().read_text(encoding="utf-8"),
    }
    for relative, text in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        replaced = target.exists()
        target.write_text(text, encoding="utf-8", newline="\n")
        typer.echo(f"{'replaced' if replaced else 'created'} {target.as_posix()}")

    # The scaffold must validate; if it does not, that is a bug to report, not the user's fault.
    result = compile_spec(directory / "spec")
    if result.model is None:
        report(result)
        typer.echo("error: the starter spec does not validate; please report this", err=True)
        raise typer.Exit(EXIT_FAILED)
    spec_dir = (directory / "spec").as_posix()
    typer.echo(f"\nNext: specfoundry validate {spec_dir} && specfoundry explain {spec_dir}")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command()(init)
