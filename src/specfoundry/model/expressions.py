"""The condition language's syntax tree.

Conditions such as ``resource.owner_id == principal.id`` are parsed by the compiler (never
evaluated with ``eval``) into these nodes. Emitters walk the same tree twice: into a per-object
Python check and into a SQLAlchemy filter, so a list returns exactly what a read would allow.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Scope(enum.StrEnum):
    RESOURCE = "resource"
    PRINCIPAL = "principal"


class CompareOp(enum.StrEnum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class BoolOp(enum.StrEnum):
    AND = "and"
    OR = "or"


@dataclass(frozen=True, slots=True)
class Attribute:
    """``resource.<field>``, ``resource.<ref>...<ref>.<field>`` or ``principal.<name>``.

    ``path`` holds the relation hops of a resource attribute as written (each a reference
    field of the entity reached so far, named with or without its ``_id`` suffix); ``name`` is
    the field read at the end. An empty path reads the resource's own field.
    """

    scope: Scope
    name: str
    path: tuple[str, ...] = ()

    @property
    def dotted(self) -> str:
        """The attribute as written, e.g. ``resource.project.owner_id``."""
        return ".".join((str(self.scope), *self.path, self.name))

    @property
    def related(self) -> bool:
        """Whether the attribute reads a related object's field (a relation path)."""
        return bool(self.path)


LiteralValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Literal:
    value: LiteralValue


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Attribute | Literal
    right: Attribute | Literal


@dataclass(frozen=True, slots=True)
class Membership:
    """``left in [a, b]`` (or ``not in`` when ``negated``)."""

    left: Attribute
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class MemberOf:
    """``principal in resource.<path>.members`` (``roles`` None), or
    ``principal.role_in(resource.<path>) in [r, ...]`` (the caller's role in that object is
    one of ``roles``), through the spec's membership entity of the object's entity. ``path``
    holds the relation hops from the resource to the object (empty: the resource itself)."""

    path: tuple[str, ...]
    roles: tuple[str, ...] | None = None
    negated: bool = False

    @property
    def dotted(self) -> str:
        return ".".join(("resource", *self.path))


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Logical:
    op: BoolOp
    operands: tuple[Expr, ...]


Expr = Compare | Membership | MemberOf | Not | Logical | Attribute | Literal


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition with its source text, kept for messages, docs and diffs."""

    source: str
    expr: Expr

    def attributes(self) -> tuple[Attribute, ...]:
        found: list[Attribute] = []
        _collect(self.expr, found)
        return tuple(found)


def _collect(node: Expr, found: list[Attribute]) -> None:
    match node:
        case Attribute():
            found.append(node)
        case Literal():
            pass
        case Compare(left=left, right=right):
            _collect(left, found)
            _collect(right, found)
        case Membership(left=left):
            found.append(left)
        case MemberOf():
            found.append(Attribute(Scope.PRINCIPAL, "id"))  # the caller's subject
        case Not(operand=operand):
            _collect(operand, found)
        case Logical(operands=operands):
            for operand in operands:
                _collect(operand, found)
