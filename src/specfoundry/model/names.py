"""Names are types: spec strings are turned into identifiers once, at the IR boundary.

Templates never re-case raw strings; they read these properties. Reserved-word checks live
here too, because the same lists decide what is a valid name and how it is printed.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

# Words that break generated code or SQL when used as a column, table or attribute name.
SQL_RESERVED = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast check
    collate column constraint create cross current_catalog current_date current_role current_time
    current_timestamp current_user default deferrable desc distinct do else end except false fetch
    for foreign from grant group having ilike in initially inner intersect into is isnull join
    lateral leading left like limit localtime localtimestamp natural not notnull null offset on only
    or order outer overlaps placing primary references returning right select session_user similar
    some symmetric table tablesample then to trailing true union unique user using variadic verbose
    when where window with
    """.split()
)
PYTHON_RESERVED = frozenset(keyword.kwlist)
# Attribute names the generated ORM and Pydantic models already use.
GENERATED_ATTRIBUTES = frozenset(
    {"metadata", "registry", "query", "model_config", "model_fields", "schema", "json", "dict"}
    # module-level names the generated model classes refer to in their bodies: a column of
    # the same name would shadow them there
    | {"sa", "dt", "uuid", "utcnow", "mapped_column"}
)

# Tables and classes every generated service has besides the entities' own: the outbox, the
# transition log, and the names models.py defines or imports (its base classes and types).
# An entity may not take them as its table or (PascalCase) class name.
GENERATED_TABLES = ("outbox_events", "transition_records")
GENERATED_CLASSES = (
    "OutboxEvent",
    "TransitionRecord",
    "Base",
    "TenantScoped",
    "TenantRoot",
    "UTCDateTime",
    "Any",
    "ClassVar",
    "Decimal",
    "Mapped",
)

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def is_snake_case(value: str) -> bool:
    return bool(_SNAKE.match(value))


def reserved_kind(value: str) -> str | None:
    """Why ``value`` cannot be used as a generated identifier, or None when it can."""
    if value in PYTHON_RESERVED:
        return "a Python keyword"
    if value in SQL_RESERVED:
        return "an SQL reserved word"
    if value in GENERATED_ATTRIBUTES:
        return "a name the generated models use"
    return None


def pluralize(word: str) -> str:
    """English plural of the last word of a snake_case name; good enough for table names."""
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


@dataclass(frozen=True, slots=True, order=True)
class Name:
    """A snake_case spec name with every spelling the emitters need."""

    raw: str

    @property
    def snake(self) -> str:
        return self.raw

    @property
    def pascal(self) -> str:
        return "".join(part.capitalize() for part in self.raw.split("_"))

    @property
    def camel(self) -> str:
        pascal = self.pascal
        return pascal[:1].lower() + pascal[1:]

    @property
    def plural(self) -> str:
        return pluralize(self.raw)

    @property
    def kebab(self) -> str:
        return self.raw.replace("_", "-")

    @property
    def title(self) -> str:
        return self.raw.replace("_", " ").capitalize()

    @property
    def constant(self) -> str:
        return self.raw.upper()

    def __str__(self) -> str:
        return self.raw
