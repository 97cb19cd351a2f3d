"""Conditions of the spec as English sentences, for people who do not read the condition language.

``resource.owner_id == principal.id`` on a dashboard reads "the caller is the dashboard's
owner"; ``resource.status in ['draft', 'paused']`` reads "the data source's status is draft or
paused". The sentence is built from the parsed tree (never from the source text), so it says
what the service enforces.
"""

from __future__ import annotations

from specfoundry.model.expressions import (
    Attribute,
    BoolOp,
    Compare,
    CompareOp,
    Condition,
    Expr,
    Literal,
    Logical,
    MemberOf,
    Membership,
    Not,
    Scope,
)

_OPS = {
    CompareOp.EQ: "is",
    CompareOp.NE: "is not",
    CompareOp.LT: "is less than",
    CompareOp.LE: "is at most",
    CompareOp.GT: "is greater than",
    CompareOp.GE: "is at least",
}
_PRINCIPAL = {"id": "the caller", "tenant_id": "the caller's tenant", "roles": "the caller's roles"}


def sentence(condition: Condition, entity: str) -> str:
    """The condition as a sentence about ``entity`` (its spec name, e.g. ``data_source``)."""
    return _expr(condition.expr, entity.replace("_", " "))


def _expr(node: Expr, subject: str) -> str:
    match node:
        case Compare(op=op, left=left, right=right):
            return _compare(op, left, right, subject)
        case Membership(left=left, values=values, negated=negated):
            options = _either([_literal(v) for v in values])
            if left.scope is Scope.PRINCIPAL and left.name == "roles":  # a set of roles
                return f"the caller {'holds neither' if negated else 'holds'} {options}"
            verb = "is not" if negated else "is"
            return f"{_attribute(left, subject)} {verb} {options}"
        case Not(operand=operand):
            return f"it is not the case that {_expr(operand, subject)}"
        case Logical(op=op, operands=operands):
            joiner = " or " if op is BoolOp.OR else " and "
            return joiner.join(_expr(o, subject) for o in operands)
        case MemberOf(path=path, roles=roles, negated=negated):
            whose = "".join(f"'s {hop.removesuffix('_id').replace('_', ' ')}" for hop in path)
            verb = "is not" if negated else "is"
            what = f"the {subject}{whose}" if path else f"the {subject}"
            if roles is None:
                return f"the caller {verb} a member of {what}"
            return f"the caller {verb} a member of {what} as {_either([f'`{r}`' for r in roles])}"
        case Attribute():
            return f"{_attribute(node, subject)} is true"
        case Literal(value=value):
            return "always" if value else "never"


def _compare(
    op: CompareOp, left: Attribute | Literal, right: Attribute | Literal, subject: str
) -> str:
    # "the caller is the dashboard's owner" reads better than the other way round.
    caller = isinstance(right, Attribute) and right.scope is Scope.PRINCIPAL and right.name == "id"
    owned = isinstance(left, Attribute) and left.scope is Scope.RESOURCE
    if caller and owned and isinstance(left, Attribute) and op in (CompareOp.EQ, CompareOp.NE):
        verb = "is" if op is CompareOp.EQ else "is not"
        whose = "".join(f"'s {_person(hop)}" for hop in left.path)
        return f"the caller {verb} the {subject}{whose}'s {_person(left.name)}"
    if isinstance(right, Literal) and right.value is None and op in (CompareOp.EQ, CompareOp.NE):
        state = "is not set" if op is CompareOp.EQ else "is set"
        return f"{_operand(left, subject)} {state}"
    return f"{_operand(left, subject)} {_OPS[op]} {_operand(right, subject)}"


def _person(field: str) -> str:
    """``owner_id`` -> owner (the field names a person by id)."""
    return field.removesuffix("_id").replace("_", " ")


def _attribute(attribute: Attribute, subject: str) -> str:
    if attribute.scope is Scope.PRINCIPAL:
        return _PRINCIPAL.get(attribute.name, f"the caller's {attribute.name}")
    whose = "".join(f"'s {hop.removesuffix('_id').replace('_', ' ')}" for hop in attribute.path)
    return f"the {subject}{whose}'s {attribute.name.replace('_', ' ')}"


def _operand(operand: Attribute | Literal, subject: str) -> str:
    return _attribute(operand, subject) if isinstance(operand, Attribute) else _literal(operand)


def _literal(literal: Literal) -> str:
    value = literal.value
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)


def _either(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]
