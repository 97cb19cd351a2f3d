"""The one Jinja environment every template-based emitter uses.

Templates lay out text; Python decides. ``StrictUndefined`` turns a missing view-model value
into an error at generation time instead of an empty string in the user's code, and no
template may compute names or types itself: they arrive in the context already decided.
"""

from __future__ import annotations

import os
import re
import textwrap
from functools import cache
from typing import Any

import jinja2

from specfoundry import __version__
from specfoundry.resources import templates_dir


class TemplateError(RuntimeError):
    """A template produced invalid Python: a bug in specfoundry, never the user's fault."""


_OPTIONS: dict[str, Any] = {
    "keep_trailing_newline": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": False,
}


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Jinja's own compiled-template cache (compiling the templates costs ~0.2 s a run).

    Jinja keys entries by template file and source checksum, and its magic by Jinja and Python
    version; the folder name adds the options that change compiled code, so another setting
    never reads our bytecode. It lives in Jinja's default place (a private folder of this user
    in the temporary directory); when that is unusable, templates are compiled every run.
    """
    import hashlib
    import tempfile
    from pathlib import Path

    tag = hashlib.sha256(f"{jinja2.__version__}{sorted(_OPTIONS.items())}".encode()).hexdigest()
    try:
        directory = Path(tempfile.gettempdir()) / f"specfoundry-jinja-{os.getuid()}-{tag[:16]}"
        directory.mkdir(mode=0o700, exist_ok=True)
        info = directory.stat()
        if info.st_uid != os.getuid() or info.st_mode & 0o077 or directory.is_symlink():
            return None
    except (OSError, AttributeError):  # AttributeError: no os.getuid (Windows)
        return None
    return jinja2.FileSystemBytecodeCache(str(directory))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_bytecode_cache(),
        **_OPTIONS,
    )
    env.filters["docstring"] = docstring
    env.filters["pystr"] = python_string
    env.filters["pyrepr"] = repr  # a str, int or None as Python source
    return env


# Generated code is checked at 100 columns (its pyproject's ruff settings); spec text goes in
# wrapped below that, whatever its length.
LINE_WIDTH = 100


def _escape(text: str) -> str:
    """``text`` safe inside a triple-quoted string: backslashes, quote runs, control chars."""
    out = []
    for ch in text.replace("\\", "\\\\"):
        if ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    escaped = "".join(out).replace('"""', '\\"\\"\\"')
    if escaped.endswith('"'):
        escaped = escaped[:-1] + '\\"'
    if escaped.startswith('"'):  # else ruff format inserts a space after the opening quotes
        escaped = "\\" + escaped
    return escaped


def docstring(text: str, indent: int = 0) -> str:
    """A docstring literal for spec text (descriptions, titles), wrapped to the line width.

    Paragraphs (blank-line separated) are kept; words longer than a line stay whole (a line of
    one word is never too long for ruff's E501).
    """
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    paragraphs = [_escape(p) for p in paragraphs if p] or [""]
    width = LINE_WIDTH - indent
    if len(paragraphs) == 1 and len(paragraphs[0]) + 6 <= width:
        return f'"""{paragraphs[0]}"""'
    pad = " " * indent
    lines: list[str] = []
    for n, paragraph in enumerate(paragraphs):
        if n:
            lines.append("")
        first = width - 3 if n == 0 else width
        wrapped = textwrap.wrap(
            paragraph, width=first, break_long_words=False, break_on_hyphens=False
        )
        if len(paragraphs) == 1 and len(wrapped) == 1 and " " in paragraph:
            # ruff format puts the closing quotes after a lone content line: split it.
            wrapped = paragraph.rsplit(" ", 1)
        if len(wrapped) > 1:
            rest = " ".join(wrapped[1:])
            wrapped = wrapped[:1] + textwrap.wrap(
                rest, width=width, break_long_words=False, break_on_hyphens=False
            )
        lines += wrapped
    body = "\n".join(f"{pad}{line}" if i and line else line for i, line in enumerate(lines))
    return f'"""{body}\n{pad}"""'


def python_string(text: str, width: int = 72) -> str:
    """A Python expression for ``text``: one literal, or parenthesized literals of at most
    ``width`` characters each (split after spaces) that ruff format lays out within the line
    width wherever the expression stands."""
    if len(text) <= width:
        return repr(text)
    pieces = re.findall(r"\S*\s*", text)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > width:
            chunks.append(current)
            current = ""
        current += piece
    if current:
        chunks.append(current)
    return "(" + " ".join(repr(c) for c in chunks) + ")"


def generated_header(comment: str = "#") -> str:
    """The first line of every generated file; deterministic (no dates, no paths)."""
    return (
        f"{comment} Generated by specfoundry {__version__}. Do not edit: "
        f"`specfoundry generate` overwrites this file.\n"
    )


def render(template: str, **context: Any) -> str:
    """Render ``template`` (a path below ``templates/``).

    Python output is not parsed here: the service emitter runs ``ruff format`` over every
    generated module, which fails on a syntax error, and maps that failure to a
    :class:`TemplateError` naming the file (parsing each module twice cost a third of a full
    generation).
    """
    return environment().get_template(template).render(**context)
