"""``specfoundry generate`` and ``specfoundry check``: write (or verify) a generated service."""

from __future__ import annotations

from pathlib import Path

import typer

from specfoundry.commands.common import EXIT_FAILED, EXIT_OK, SPEC_ARGUMENT, compile_or_exit
from specfoundry.emit.service import emit_service, read_previous
from specfoundry.emit.service.data import DestructiveChangeError
from specfoundry.write import WriteError, apply, check, plan, render_plan, render_result
from specfoundry.write.tree import Emission

OUTPUT_OPTION = typer.Option(
    ..., "--output", "-o", help="The service's folder (created if missing).", show_default=False
)


def _emission(spec: Path, output: Path, *, allow_destructive: bool = False) -> Emission:
    model = compile_or_exit(spec)
    try:
        return emit_service(model, read_previous(output), allow_destructive=allow_destructive)
    except DestructiveChangeError as exc:
        typer.echo(f"error: {exc}", err=True)
        typer.echo("hint: pass --allow-destructive to generate the migration anyway", err=True)
        raise typer.Exit(EXIT_FAILED) from None


def generate(
    spec: Path = SPEC_ARGUMENT,
    output: Path = OUTPUT_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    diff: bool = typer.Option(False, "--diff", help="With --dry-run: unified diffs of each file."),
    force: bool = typer.Option(
        False, "--force", help="Overwrite files edited by hand (keeping <name>.orig backups)."
    ),
    allow_destructive: bool = typer.Option(
        False, "--allow-destructive", help="Allow migrations that drop tables or columns."
    ),
) -> None:
    """Generate the FastAPI + SQLAlchemy service of a spec into a folder.

    Writes the package, its migrations, its OpenAPI contract, README, pyproject and test suite;
    your code goes in `<service>_ext/`, created once and never overwritten. Running it again
    updates only what changed. Exit status: 0 written (or nothing to do), 1 spec errors or
    conflicts, 2 usage error.

    Examples:

        specfoundry generate examples/analytics -o out/insights

        specfoundry generate spec.yaml -o service --dry-run --diff
    """
    emission = _emission(spec, output, allow_destructive=allow_destructive)
    try:
        write_plan = plan(output, emission, recover=not (dry_run or diff))
        if dry_run or diff:
            typer.echo(render_plan(write_plan, diff=diff), nl=False)
            raise typer.Exit(EXIT_OK)
        typer.echo(render_result(apply(write_plan, force=force)), nl=False)
    except WriteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    raise typer.Exit(EXIT_OK)


def check_command(spec: Path = SPEC_ARGUMENT, output: Path = OUTPUT_OPTION) -> None:
    """Exit 1 when `specfoundry generate SPEC -o DIR` would change DIR (for CI); 0 when current."""
    emission = _emission(spec, output)
    try:
        result = check(output, emission)
    except WriteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(result.render(), nl=False)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command()(generate)
    app.command("check")(check_command)
