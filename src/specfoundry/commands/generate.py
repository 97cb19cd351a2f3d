"""``specfoundry generate`` and ``specfoundry check``: write (or verify) a generated service."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import typer

import specfoundry
from specfoundry.commands.common import EXIT_FAILED, EXIT_OK, SPEC_ARGUMENT, compile_or_exit
from specfoundry.resources import templates_dir

if TYPE_CHECKING:
    from specfoundry.emit.service.format_cache import FormatCache
    from specfoundry.model import Service
    from specfoundry.write.tree import Emission
    from specfoundry.write.usercode import StaleReference

OUTPUT_OPTION = typer.Option(
    ..., "--output", "-o", help="The service's folder (created if missing).", show_default=False
)


@cache
def _generator_digest() -> bytes:
    """Every file that decides the output: the package's code and the templates."""
    from specfoundry.write import fingerprint

    package = Path(specfoundry.__file__).parent
    files = sorted(package.rglob("*.py")) + sorted(templates_dir().rglob("*.j2"))
    return fingerprint(*(f.read_bytes() for f in files)).encode()


def _inputs(model: Service, *, allow_destructive: bool) -> str:
    """What the emission depends on besides the output folder's own (hash-checked) files."""
    from specfoundry.write import fingerprint

    return fingerprint(
        specfoundry.__version__.encode(),
        _generator_digest(),
        repr(model).encode(),
        b"allow-destructive" if allow_destructive else b"",
    )


def _required_hooks(model: Service) -> dict[str, str]:
    hooks = {
        t.hook.raw: f"transition {machine.entity}.{t.name}"
        for machine in model.state_machines
        for t in machine.transitions
        if t.hook is not None
    }
    for entity in model.entities:
        for action, hook in entity.hooks:
            hooks.setdefault(hook.raw, f"{action} of {entity.name}")
    return hooks


def _stale_user_code(model: Service, output: Path, emission: Emission) -> list[StaleReference]:
    from specfoundry.write.usercode import find_stale_references

    package = model.name.snake
    return find_stale_references(
        output, emission, package, f"{package}_ext", _required_hooks(model)
    )


def _report_user_code(problems: list[StaleReference]) -> None:
    for problem in problems:
        typer.echo(problem.render(), err=True)


def _emission(spec: Path, output: Path, *, allow_destructive: bool = False) -> Emission:
    return _emit(compile_or_exit(spec), output, allow_destructive=allow_destructive)


def _emit(
    model: Service,
    output: Path,
    *,
    allow_destructive: bool = False,
    cache: FormatCache | None = None,
) -> Emission:
    # The emitters (Jinja, the OpenAPI validator, ruff) load only when something is emitted:
    # a no-op ``generate`` stops at ``is_current``.
    from specfoundry.emit.service import emit_service, read_previous
    from specfoundry.emit.service.data import DestructiveChangeError

    try:
        return emit_service(
            model, read_previous(output), allow_destructive=allow_destructive, cache=cache
        )
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
    restore_user_files: bool = typer.Option(
        False,
        "--restore-user-files",
        help="Re-create scaffold files of <service>_ext/ that you deleted (never overwrites).",
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
    from specfoundry.write import WriteError, apply, is_current, plan, render_plan, render_result

    model = compile_or_exit(spec)
    inputs = _inputs(model, allow_destructive=allow_destructive)
    fast_path_allowed = not (dry_run or diff or force or restore_user_files)
    if fast_path_allowed and is_current(output, inputs):
        # Same spec, same generator, no file touched: emitting again would change nothing.
        typer.echo(f"{output.as_posix()} is up to date.")
        raise typer.Exit(EXIT_OK)
    from specfoundry.emit.service.format_cache import FormatCache

    # ruff's results per module from the last generation: unchanged modules skip ruff.
    cache = FormatCache(output)
    emission = _emit(model, output, allow_destructive=allow_destructive, cache=cache)
    try:
        write_plan = plan(
            output,
            emission,
            recover=not (dry_run or diff),
            inputs=inputs,
            recreate_scaffold=restore_user_files,
        )
        if dry_run or diff:
            typer.echo(render_plan(write_plan, diff=diff), nl=False)
            raise typer.Exit(EXIT_OK)
        typer.echo(render_result(apply(write_plan, force=force)), nl=False)
        cache.save()
    except WriteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    _report_user_code(_stale_user_code(model, output, emission))
    raise typer.Exit(EXIT_OK)


def check_command(spec: Path = SPEC_ARGUMENT, output: Path = OUTPUT_OPTION) -> None:
    """Exit 1 when `specfoundry generate SPEC -o DIR` would change DIR (for CI); 0 when current.

    Also exit 1 when code in `<service>_ext/` refers to generated names or hooks that the spec
    no longer produces (each reported with its file and line).

    Example:

        specfoundry check examples/analytics -o out/insights
    """
    from specfoundry.emit.service.format_cache import FormatCache
    from specfoundry.write import WriteError, check

    model = compile_or_exit(spec)
    emission = _emit(model, output, cache=FormatCache(output))  # read only: check writes nothing
    try:
        result = check(output, emission, inputs=_inputs(model, allow_destructive=False))
    except WriteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(result.render(), nl=False)
    problems = _stale_user_code(model, output, emission) if output.is_dir() else []
    _report_user_code(problems)
    raise typer.Exit(result.exit_code or (EXIT_FAILED if problems else EXIT_OK))


def register(app: typer.Typer) -> None:
    app.command()(generate)
    app.command("check")(check_command)
