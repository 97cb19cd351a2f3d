"""Parser of the condition language, e.g. ``resource.status in ['draft', 'active']``.

The grammar is a small subset of Python expressions, so we let the standard library's parser
do the tokenising and then accept only whitelisted node kinds. Nothing is ever evaluated: the
result is our own syntax tree (:mod:`specfoundry.model.expressions`).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from specfoundry.model.expressions import (
    Attribute,
    BoolOp,
    Compare,
    CompareOp,
    Condition,
    Expr,
    Literal,
    LiteralValue,
    Logical,
    MemberOf,
    Membership,
    Not,
    Scope,
)

_COMPARE_OPS: dict[type[ast.cmpop], CompareOp] = {
    ast.Eq: CompareOp.EQ,
    ast.NotEq: CompareOp.NE,
    ast.Lt: CompareOp.LT,
    ast.LtE: CompareOp.LE,
    ast.Gt: CompareOp.GT,
    ast.GtE: CompareOp.GE,
}
# YAML spellings users reach for; Python's own spellings work as well.
_NAMED_LITERALS = {"null": None, "true": True, "false": False, "None": None}
MAX_LENGTH = 2000


class ConditionSyntaxError(ValueError):
    """The condition is not in the language; ``offset`` is 0-based within the source."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


def parse_condition(source: str) -> Condition:
    if len(source) > MAX_LENGTH:
        raise ConditionSyntaxError(f"condition is longer than {MAX_LENGTH} characters")
    text = source.strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ConditionSyntaxError(
            f"cannot parse condition: {exc.msg}", max((exc.offset or 1) - 1, 0)
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise ConditionSyntaxError("cannot parse condition") from None
    try:
        return Condition(source=text, expr=_convert(tree.body))
    except RecursionError:
        raise ConditionSyntaxError("condition is nested too deeply") from None


def _convert(node: ast.expr) -> Expr:
    match node:
        case ast.BoolOp(op=op, values=values):
            kind = BoolOp.AND if isinstance(op, ast.And) else BoolOp.OR
            return Logical(kind, tuple(_convert(v) for v in values))
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return Not(_convert(operand))
        case ast.Compare(left=left, ops=[op], comparators=[right]):
            return _comparison(node, left, op, right)
        case ast.Compare():
            raise _unsupported(node, "chained comparisons; join them with `and`")
        case ast.Attribute() | ast.Name() | ast.Constant():
            return _operand(node)
        case _:
            raise _unsupported(node, type(node).__name__.lower())


def _resource_path(node: ast.expr) -> tuple[str, ...] | None:
    """``resource.a.b`` as ("a", "b"); None when ``node`` is not such a chain."""
    if isinstance(node, ast.Name) and node.id == "resource":
        return ()
    parts = _dotted(node) if isinstance(node, ast.Attribute) else None
    if parts is None or parts[0] != "resource":
        return None
    return parts[1:]


def _role_in(node: ast.expr) -> tuple[str, ...] | None:
    """The path of ``principal.role_in(resource.<path>)``; None when ``node`` is not one."""
    match node:
        case ast.Call(
            func=ast.Attribute(value=ast.Name(id="principal"), attr="role_in"),
            args=[arg],
            keywords=[],
        ):
            path = _resource_path(arg)
            if path is None:
                raise _unsupported(arg, "role_in of anything but resource or resource.<ref>")
            return path
    return None


def _member_of(node: ast.expr, left: ast.expr, op: ast.cmpop, right: ast.expr) -> Expr | None:
    """The membership forms, or None when the comparison is not one of them."""
    negated = isinstance(op, ast.NotIn | ast.NotEq)
    if isinstance(left, ast.Name) and left.id == "principal" and isinstance(op, ast.In | ast.NotIn):
        path = _resource_path(right)
        if path is None or not path or path[-1] != "members":
            raise _unsupported(right, "`principal in` anything but resource.<path>.members")
        return MemberOf(path[:-1], None, negated)
    path = _role_in(left)
    if path is None:
        return None
    if isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.List | ast.Tuple | ast.Set):
        values = [_literal(item).value for item in right.elts]
    elif isinstance(op, ast.Eq | ast.NotEq):
        values = [_literal(right).value]
    else:
        raise _unsupported(node, "role_in(...) other than `in [...]` or `==`")
    if not all(isinstance(v, str) for v in values):
        raise _unsupported(right, "role names that are not strings")
    return MemberOf(path, tuple(str(v) for v in values), negated)


def _comparison(node: ast.expr, left: ast.expr, op: ast.cmpop, right: ast.expr) -> Expr:
    member = _member_of(node, left, op, right)
    if member is not None:
        return member
    if isinstance(op, ast.In | ast.NotIn):
        subject = _operand(left)
        if not isinstance(subject, Attribute):
            raise _unsupported(left, "`in` needs an attribute on its left")
        if not isinstance(right, ast.List | ast.Tuple | ast.Set):
            raise _unsupported(right, "`in` needs a list of literals, e.g. ['a', 'b']")
        values = tuple(_literal(item) for item in right.elts)
        return Membership(subject, values, negated=isinstance(op, ast.NotIn))
    kind = _COMPARE_OPS.get(type(op))
    if kind is None:
        raise _unsupported(node, f"the operator {type(op).__name__}")
    return Compare(kind, _operand(left), _operand(right))


def _dotted(node: ast.Attribute) -> tuple[str, ...] | None:
    """``a.b.c`` as ("a", "b", "c"); None when the chain does not start with a plain name."""
    parts: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if not isinstance(current, ast.Name):
        return None
    parts.append(current.id)
    return tuple(reversed(parts))


def _operand(node: ast.expr) -> Attribute | Literal:
    match node:
        case ast.Attribute():
            parts = _dotted(node)
            if parts is None or parts[0] not in Scope._value2member_map_:
                raise _unsupported(
                    node,
                    "attributes other than resource.<field>, resource.<ref>.<field> or "
                    "principal.<name>",
                )
            scope = Scope(parts[0])
            if scope is Scope.PRINCIPAL and len(parts) > 2:
                raise _unsupported(node, "paths below principal.<name>")
            return Attribute(scope, parts[-1], parts[1:-1])
        case ast.Name(id=name) if name in _NAMED_LITERALS:
            return Literal(_NAMED_LITERALS[name])
        case ast.Name(id=name):
            raise _unsupported(node, f"the bare name '{name}' (write resource.{name}?)")
        case _:
            return _literal(node)


def _literal(node: ast.expr) -> Literal:
    match node:
        case ast.Constant(value=value) if isinstance(value, str | int | float | bool | None):
            return Literal(value)
        case ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=value)) if isinstance(
            value, int | float
        ) and not isinstance(value, bool):
            return Literal(-value)
        case ast.Name(id=name) if name in _NAMED_LITERALS:
            return Literal(_NAMED_LITERALS[name])
        case _:
            raise _unsupported(node, "a value that is not a string, number, boolean or null")


def _unsupported(node: ast.AST, what: str) -> ConditionSyntaxError:
    offset = getattr(node, "col_offset", 0)
    return ConditionSyntaxError(f"conditions do not support {what}", offset)


def with_inherited_roles(condition: Condition, holders: Mapping[str, tuple[str, ...]]) -> Condition:
    """``condition`` with every test of ``principal.roles`` widened to the roles that inherit
    the named ones: ``principal.roles in ['admin']`` holds for an ``owner`` who inherits
    ``admin``, as a rule granting ``admin`` does. ``holders`` maps a role to itself and every
    role that includes it (in the spec's order); the caller's role set stays what the token or
    the member table says, so the widening happens once, here, for every renderer."""
    return Condition(condition.source, _widen(condition.expr, holders))


def _widen(node: Expr, holders: Mapping[str, tuple[str, ...]]) -> Expr:
    match node:
        case Not(operand=operand):
            return Not(_widen(operand, holders))
        case Logical(op=op, operands=operands):
            return Logical(op, tuple(_widen(o, holders) for o in operands))
        case Membership(left=left, values=values, negated=negated) if _is_roles(left):
            return Membership(left, _holding(values, holders), negated)
        case Compare(op=op, left=left, right=right) if op in (CompareOp.EQ, CompareOp.NE):
            for roles, role in ((left, right), (right, left)):
                if _is_roles(roles) and isinstance(roles, Attribute) and isinstance(role, Literal):
                    return Membership(roles, _holding((role,), holders), op is CompareOp.NE)
    return node


def _is_roles(node: Expr) -> bool:
    return isinstance(node, Attribute) and node.scope is Scope.PRINCIPAL and node.name == "roles"


def _holding(
    values: tuple[Literal, ...], holders: Mapping[str, tuple[str, ...]]
) -> tuple[Literal, ...]:
    """The named roles and every role that includes one of them, each once, named ones first."""
    names: list[LiteralValue] = []
    for value in values:
        widened = holders.get(value.value, ()) if isinstance(value.value, str) else ()
        for name in (value.value, *widened):
            if name not in names:
                names.append(name)
    return tuple(Literal(name) for name in names)
