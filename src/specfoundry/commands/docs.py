"""``specfoundry docs``: the documentation site of a spec (MkDocs + Material), or a staleness
check of a committed one.

The site's sources are emitted by :mod:`specfoundry.emit.docs`; building HTML runs MkDocs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from specfoundry.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    SPEC_ARGUMENT,
    compile_or_exit,
)


def _changes(spec: Path, since: str) -> str:
    import datetime as dt
    import os

    from specfoundry.diff.engine import DiffOptions, diff
    from specfoundry.diff.errors import DiffInputError
    from specfoundry.diff.load import load_side
    from specfoundry.diff.report import Report
    from specfoundry.diff.report.markdown import render_changelog

    # git reads REV:PATH relative to the working directory's place in the repository.
    relative = Path(os.path.relpath(spec.resolve(), Path.cwd())).as_posix()
    try:
        base = load_side(f"{since}:{relative}")
        revision = load_side(relative)
        findings = diff(base, revision, DiffOptions(dt.date.today(), 0))
    except DiffInputError as exc:
        typer.echo(f"specfoundry: error: --since {since}: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    return render_changelog(Report(f"{since}:{relative}", relative, findings))


def _stale(output: Path, files: dict[str, bytes]) -> list[str]:
    """Paths whose bytes differ from the emission, are missing, or are left over."""
    from specfoundry.emit.docs import SOURCE_DIRS

    problems = []
    for path, data in files.items():
        target = output / path
        if not target.is_file():
            problems.append(f"missing: {path}")
        elif target.read_bytes() != data:
            problems.append(f"stale: {path}")
    for folder in SOURCE_DIRS:
        root = output / folder
        if root.is_dir():
            for extra in sorted(p for p in root.rglob("*") if p.is_file()):
                relative = extra.relative_to(output).as_posix()
                if relative not in files:
                    problems.append(f"not generated: {relative}")
    return problems


def _write(output: Path, files: dict[str, bytes]) -> int:
    from specfoundry.emit.docs import SOURCE_DIRS

    changed = 0
    for path, data in files.items():
        target = output / path
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_bytes(data)
        temporary.replace(target)
        changed += 1
    for folder in SOURCE_DIRS:  # the generator owns docs/: pages of removed entities go
        root = output / folder
        for extra in sorted(p for p in root.rglob("*") if p.is_file()):
            if extra.relative_to(output).as_posix() not in files:
                extra.unlink()
                changed += 1
    return changed


def docs(
    spec: Path = SPEC_ARGUMENT,
    output: Path = typer.Option(
        ..., "--output", "-o", help="The site's folder (created if missing).", show_default=False
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        metavar="REV",
        help="Add a Changes page: the changelog of the spec between git revision REV and now.",
    ),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 when the folder's sources are stale."
    ),
    build: bool = typer.Option(
        True, "--build/--no-build", help="Build the HTML into <output>/site with MkDocs."
    ),
) -> None:
    """Generate the documentation site of a spec: MkDocs + Material sources, built to HTML.

    Pages: tenant isolation (with the PostgreSQL policies as generated), permissions (role
    inheritance diagram, the matrix of every resource), data inventory (sensitive and personal
    fields, who can read them), the API (rate limits per plan, deprecations, a reference read
    from the OpenAPI contract) and one page per resource with its state machines as diagrams.
    The site works offline (Mermaid is bundled) and is byte-identical for the same spec.
    Exit status: 0 written (or current with --check), 1 spec errors or a stale site, 2 usage
    error or MkDocs missing/failing.

    Examples:

        specfoundry docs examples/analytics -o site-src

        specfoundry docs examples/analytics -o docs/site --since v1.3.0

        specfoundry docs examples/analytics -o docs/site --check     # in CI
    """
    from specfoundry.emit.docs import BuildError, build_site, emit_docs

    model = compile_or_exit(spec)
    changes = _changes(spec, since) if since is not None else None
    files = emit_docs(model, changes=changes)
    if check:
        problems = _stale(output, files)
        for problem in problems:
            typer.echo(problem)
        if problems:
            typer.echo(f"{output.as_posix()} is stale: run `specfoundry docs` again.", err=True)
            raise typer.Exit(EXIT_FAILED)
        typer.echo(f"{output.as_posix()} is up to date.")
        raise typer.Exit(EXIT_OK)
    changed = _write(output, files)
    typer.echo(f"{output.as_posix()}: {changed} file(s) written, {len(files)} in the site sources.")
    if build:
        try:
            site = build_site(output)
        except BuildError as exc:
            typer.echo(f"specfoundry: error: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        typer.echo(f"HTML: {(site / 'index.html').as_posix()}")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command()(docs)
