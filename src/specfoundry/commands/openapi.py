"""``specfoundry openapi``: the OpenAPI 3.1 contract of a spec, as YAML or JSON."""

from __future__ import annotations

import enum
import os
import stat
import tempfile
from pathlib import Path

import typer

from specfoundry.commands.common import EXIT_OK, EXIT_USAGE, SPEC_ARGUMENT, compile_or_exit


class ContractFormat(enum.StrEnum):
    YAML = "yaml"
    JSON = "json"


_SUFFIXES = {".yaml": ContractFormat.YAML, ".yml": ContractFormat.YAML}
_SUFFIXES[".json"] = ContractFormat.JSON


def openapi(
    spec: Path = SPEC_ARGUMENT,
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the contract to this file instead of stdout.",
        show_default=False,
    ),
    format: ContractFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="yaml or json. Default: from the -o suffix (.json -> json), else yaml.",
        show_default=False,
    ),
) -> None:
    """Print the OpenAPI 3.1 contract of a spec (docs/api-conventions.md describes it).

    The output is deterministic: the same spec always gives the same bytes, wherever it lives.
    Exit status: 0 written, 1 the spec has errors (printed to stderr), 2 usage error.

    Examples:

        specfoundry openapi examples/analytics

        specfoundry openapi examples/analytics -o openapi.yaml

        specfoundry openapi spec.yaml -o contract.json

        specfoundry openapi spec.yaml --format json | jq '.paths | keys'
    """
    from specfoundry.emit.openapi import build_openapi, render

    fmt = format or _format_for(output)
    model = compile_or_exit(spec)
    text = render(build_openapi(model).document, fmt.value)
    if output is None:
        typer.echo(text, nl=False)
        raise typer.Exit(EXIT_OK)
    if output.is_dir():
        typer.echo(f"error: {output.as_posix()} is a folder; name the file to write", err=True)
        raise typer.Exit(EXIT_USAGE)
    _write_atomic(output, text)
    typer.echo(f"wrote {output.as_posix()} ({fmt.value})", err=True)
    raise typer.Exit(EXIT_OK)


def _format_for(output: Path | None) -> ContractFormat:
    if output is None:
        return ContractFormat.YAML
    return _SUFFIXES.get(output.suffix.lower(), ContractFormat.YAML)


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so readers never see half a contract.

    The file gets the mode a plain ``open(path, "w")`` would give it: an existing file keeps its
    own, a new one gets 0666 minus the umask (``mkstemp`` alone would leave 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it; the CLI is single-threaded here)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def register(app: typer.Typer) -> None:
    app.command()(openapi)
