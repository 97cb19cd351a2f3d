"""Markdown blocks of the documentation site, and their layout.

Pages are built as lists of blocks (the same idea as ``specfoundry explain``), then laid out as
Markdown for MkDocs (Material theme, ``pymdownx.superfences`` for Mermaid fences,
``pymdownx.details`` for collapsible blocks). Cell text is escaped here, once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str  # Markdown, already decided by the caller (may hold `code` and links)


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Diagram:
    """A Mermaid diagram (rendered to SVG in the browser by the bundled mermaid.min.js)."""

    source: str


@dataclass(frozen=True, slots=True)
class Code:
    language: str
    text: str
    # Shown folded under this summary when set (pymdownx.details).
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """An admonition: ``kind`` is one of MkDocs Material's (note, warning, info, ...)."""

    kind: str
    title: str
    text: str


Block = Heading | Paragraph | Bullets | Table | Diagram | Code | Note


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, line breaks as <br>)."""
    return text.replace("|", "\\|").replace("\n", "<br>")


def code(text: str) -> str:
    """Inline code; backticks inside the text get a longer fence."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if out:
            out.append("")
        match block:
            case Heading(text=text, level=level):
                out.append(f"{'#' * level} {text}")
            case Paragraph(text=text):
                out.append(text)
            case Bullets(items=items):
                out += [f"- {item}" for item in items]
            case Table(headers=headers, rows=rows):
                out.append("| " + " | ".join(cell(h) for h in headers) + " |")
                out.append("|" + "---|" * len(headers))
                out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
            case Diagram(source=source):
                out += ["```mermaid", source.rstrip("\n"), "```"]
            case Code(language=language, text=text, summary=None):
                out += [f"```{language}", text.rstrip("\n"), "```"]
            case Code(language=language, text=text, summary=summary):
                out.append(f'??? note "{summary}"')
                out.append("")
                out += [
                    f"    {line}".rstrip()
                    for line in (f"```{language}", *text.rstrip("\n").split("\n"), "```")
                ]
            case Note(kind=kind, title=title, text=text):
                out.append(f'!!! {kind} "{title}"')
                out.append("")
                out += [f"    {line}".rstrip() for line in text.split("\n")]
    return "\n".join(out) + "\n"
