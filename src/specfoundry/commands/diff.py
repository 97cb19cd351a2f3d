"""``specfoundry diff`` and ``specfoundry changelog``, over the engine in :mod:`specfoundry.diff`.

Exit codes: 0 ok, 1 findings at or above ``--fail-on``, 2 unusable input (one line on stderr,
never a traceback).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from specfoundry.diff.errors import DiffInputError
from specfoundry.diff.findings import Level
from specfoundry.diff.report import OutputFormat, Report, render

if TYPE_CHECKING:
    from specfoundry.diff.findings import Finding
    from specfoundry.diff.ignore import Suppressed
    from specfoundry.diff.load import Side

DIFF_HELP = """\
Report the changes between two versions of an API, and whether they break clients.

BASE and REVISION are each a spec (YAML file, or folder with a `service:` key), an OpenAPI
3.0/3.1 document (YAML or JSON), or `REV:PATH` to read PATH as it is at git revision REV
(the working tree is not touched). Every rule is listed in docs/diff-rules.md.

\b
Examples:
  specfoundry diff old/openapi.yaml new/openapi.yaml
  specfoundry diff origin/main:specs/ specs/
  specfoundry diff --base origin/main specs/ --format github     # in CI
  specfoundry diff v1.json v2.json --format json --fail-on warning
  specfoundry diff --base main specs/ --format markdown > comment.md

Exit status: 0 when no finding is at or above --fail-on, 1 when one is, 2 when an input
cannot be used.
"""

CHANGELOG_HELP = """\
Print every change between two versions of an API as release notes (markdown).

Takes the same inputs as `specfoundry diff`; lists changes at every level and never fails
because of them.

\b
Examples:
  specfoundry changelog v1.2.0:specs/ specs/ > CHANGES.md
  specfoundry changelog --base origin/main specs/
"""


def _fail(message: str) -> typer.Exit:
    typer.echo(f"specfoundry: error: {message}", err=True)
    return typer.Exit(2)


def _arguments(first: str | None, second: str | None, base_rev: str | None) -> tuple[str, str]:
    if base_rev is not None:
        if first is None or second is not None:
            raise DiffInputError("with --base REV, give exactly one PATH (e.g. --base main specs/)")
        return f"{base_rev}:{first}", first
    if first is None or second is None:
        raise DiffInputError("give BASE and REVISION, or --base REV and one PATH")
    return first, second


def _today(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DiffInputError(f"--today {value!r} is not a YYYY-MM-DD date") from None


def _run(
    first: str | None,
    second: str | None,
    base_rev: str | None,
    today: dt.date,
    min_days: int,
) -> tuple[Side, Side, list[Finding]]:
    from specfoundry.diff.engine import DiffOptions, diff
    from specfoundry.diff.load import load_side

    base_arg, revision_arg = _arguments(first, second, base_rev)
    base = load_side(base_arg)
    revision = load_side(revision_arg)
    return base, revision, diff(base, revision, DiffOptions(today, min_days))


def _ignores(
    ignore: Path | None, revision_arg: str, findings: list[Finding], today: dt.date
) -> tuple[list[Finding], list[Suppressed]]:
    from specfoundry.diff.ignore import apply_ignores, load_ignore
    from specfoundry.diff.load import ignore_default

    if ignore is not None:
        if not ignore.is_file():
            raise DiffInputError(f"{ignore}: no such ignore file")
        path = ignore
    else:
        path = ignore_default(revision_arg)
        if not path.is_file():
            return findings, []
    return apply_ignores(findings, load_ignore(path, path.as_posix()), today)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DiffInputError(f"{output}: cannot write: {exc}") from None


def register(app: typer.Typer) -> None:
    """Add ``diff`` and ``changelog`` to the main CLI (or to a test's own Typer app)."""

    @app.command("diff", help=DIFF_HELP, no_args_is_help=True)
    def diff_command(
        first: str | None = typer.Argument(None, metavar="BASE", show_default=False),
        second: str | None = typer.Argument(None, metavar="REVISION", show_default=False),
        base_rev: str | None = typer.Option(
            None, "--base", metavar="REV", help="Diff REV:PATH against the working tree's PATH."
        ),
        fmt: OutputFormat = typer.Option(
            OutputFormat.TEXT, "--format", "-f", help="Output format."
        ),
        fail_on: Level = typer.Option(
            Level.ERROR, "--fail-on", help="Exit 1 when a finding is at or above this level."
        ),
        ignore: Path | None = typer.Option(
            None,
            "--ignore",
            help="Ignore file [default: .specfoundry-ignore.yaml beside the revision spec].",
            show_default=False,
        ),
        min_days: int = typer.Option(
            0,
            "--min-deprecation-days",
            min=0,
            help="Days of notice (since x-deprecated-since) before a deprecated operation "
            "may be removed.",
        ),
        today_text: str | None = typer.Option(
            None, "--today", metavar="YYYY-MM-DD", help="Evaluate dates as of this day."
        ),
        output: Path | None = typer.Option(None, "--output", "-o", help="Write here."),
        color: bool | None = typer.Option(
            None, "--color/--no-color", help="Colour text output [default: on a terminal]."
        ),
    ) -> None:
        try:
            today = _today(today_text)
            base, revision, findings = _run(first, second, base_rev, today, min_days)
            revision_arg = _arguments(first, second, base_rev)[1]
            kept, suppressed = _ignores(ignore, revision_arg, findings, today)
            report = Report(base.name, revision.name, kept, fail_on, suppressed)
            use_color = color if color is not None else (output is None and sys.stdout.isatty())
            _write(render(fmt, report, use_color), output)
        except DiffInputError as exc:
            raise _fail(str(exc)) from None
        except RecursionError:
            raise _fail("the documents nest too deeply to compare") from None
        except Exception as exc:  # the boundary: no traceback reaches the user
            raise _fail(f"internal error ({type(exc).__name__}: {exc}); please report it") from None
        raise typer.Exit(1 if report.failed else 0)

    @app.command("changelog", help=CHANGELOG_HELP, no_args_is_help=True)
    def changelog_command(
        first: str | None = typer.Argument(None, metavar="BASE", show_default=False),
        second: str | None = typer.Argument(None, metavar="REVISION", show_default=False),
        base_rev: str | None = typer.Option(
            None, "--base", metavar="REV", help="Diff REV:PATH against the working tree's PATH."
        ),
        today_text: str | None = typer.Option(
            None, "--today", metavar="YYYY-MM-DD", help="Evaluate dates as of this day."
        ),
        output: Path | None = typer.Option(None, "--output", "-o", help="Write here."),
    ) -> None:
        try:
            today = _today(today_text)
            base, revision, findings = _run(first, second, base_rev, today, 0)
            from specfoundry.diff.report.markdown import render_changelog

            report = Report(base.name, revision.name, findings)
            _write(render_changelog(report), output)
        except DiffInputError as exc:
            raise _fail(str(exc)) from None
        except RecursionError:
            raise _fail("the documents nest too deeply to compare") from None
        except Exception as exc:  # the boundary: no traceback reaches the user
            raise _fail(f"internal error ({type(exc).__name__}: {exc}); please report it") from None
