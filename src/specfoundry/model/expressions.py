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
    """``resource.<field>`` or ``principal.<id|tenant_id|roles>``."""

    scope: Scope
    name: str


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
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Logical:
    op: BoolOp
    operands: tuple[Expr, ...]


Expr = Compare | Membership | Not | Logical | Attribute | Literal


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
        case Not(operand=operand):
            _collect(operand, found)
        case Logical(operands=operands):
            for operand in operands:
                _collect(operand, found)
