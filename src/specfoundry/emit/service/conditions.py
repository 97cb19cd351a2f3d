"""Condition ASTs rendered three ways: Python source, SQLAlchemy source, and a value.

The same tree becomes the per-object check (``python_source``) and the list filter
(``sql_source``) of the generated ``permissions.py``, so a list returns exactly the objects a
read would allow. NULL follows Python's two-valued logic in both: the SQL form pushes negation
down (De Morgan) and adds ``IS NULL`` arms where a nullable column makes SQL's three-valued
logic disagree with Python (``!=``, ``not in``, negated ordering). ``evaluate`` runs a
condition at generation time, to compute the expectation tables of the generated tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from specfoundry.model import Entity, FieldType, Service
from specfoundry.model.expressions import (
    Attribute,
    BoolOp,
    Compare,
    CompareOp,
    Literal,
    Logical,
    MemberOf,
    Membership,
    Not,
    Scope,
)
from specfoundry.model.relations import Hop, PathError, membership_for, resolve_path

Expr = Compare | Membership | MemberOf | Not | Logical | Attribute | Literal

PRINCIPAL_ATTRIBUTES = {"id": "subject", "tenant_id": "tenant_id", "roles": "roles"}
_NEGATED = {
    CompareOp.EQ: CompareOp.NE,
    CompareOp.NE: CompareOp.EQ,
    CompareOp.LT: CompareOp.GE,
    CompareOp.LE: CompareOp.GT,
    CompareOp.GT: CompareOp.LE,
    CompareOp.GE: CompareOp.LT,
}
_MIRRORED = {
    CompareOp.EQ: CompareOp.EQ,
    CompareOp.NE: CompareOp.NE,
    CompareOp.LT: CompareOp.GT,
    CompareOp.LE: CompareOp.GE,
    CompareOp.GT: CompareOp.LT,
    CompareOp.GE: CompareOp.LE,
}
_ORDERING = {CompareOp.LT, CompareOp.LE, CompareOp.GT, CompareOp.GE}


class UnsupportedCondition(ValueError):
    """A condition the service emitter cannot translate (the compiler should have refused it)."""


def _literal(value: Any, field_type: FieldType | None = None) -> str:
    if isinstance(value, str) and field_type in (FieldType.UUID, FieldType.REF):
        return f"uuid.UUID({value!r})"
    return repr(value)


def _related_attribute(node: Expr) -> Attribute | None:
    """The relation path an atomic condition reads, if any (validation allows at most one)."""
    match node:
        case Attribute() if node.related:
            return node
        case Compare(left=left, right=right):
            for side in (left, right):
                if isinstance(side, Attribute) and side.related:
                    return side
        case Membership(left=left) if left.related:
            return left
    return None


def _strip(node: Expr, attribute: Attribute) -> Expr:
    """``node`` with ``attribute`` read on the related object itself (its path dropped)."""
    own = Attribute(attribute.scope, attribute.name)
    match node:
        case Attribute():
            return own
        case Compare(op=op, left=left, right=right):
            return Compare(
                op, own if left == attribute else left, own if right == attribute else right
            )
        case Membership(values=values, negated=negated):
            return Membership(own, values, negated)
    raise UnsupportedCondition(f"unsupported condition node {node!r}")


def _is_roles(node: Attribute | Literal) -> bool:
    """``principal.roles``: a set of role names, so ``==`` and ``in`` test holding a role."""
    return isinstance(node, Attribute) and node.scope is Scope.PRINCIPAL and node.name == "roles"


def _tenant_column(entity: Entity) -> str | None:
    if entity.is_tenant:
        return "id"
    return "tenant_id" if entity.tenant_scoped else None


def _live(entity: Entity, name: str) -> tuple[str, ...]:
    """The clause that keeps a soft-deleted row of ``entity`` (model class ``name``) out of a
    relation's ``EXISTS``, as ``permissions._reach`` keeps it out of the object check."""
    return (f"{name}.deleted_at.is_(None)",) if entity.soft_delete else ()


class _Renderer:
    def __init__(
        self,
        entity: Entity,
        obj: str,
        model: str,
        principal: str,
        service: Service | None = None,
    ) -> None:
        self.entity = entity
        self.obj = obj
        self.model = model
        self.principal = principal
        self.service = service
        self.uses_uuid = False
        self.related_classes: set[str] = set()

    # -- relation paths ----------------------------------------------------------------------
    def _hops(self, attribute: Attribute) -> tuple[Hop, ...]:
        if self.service is None:
            raise UnsupportedCondition(f"relation path {attribute.dotted} outside a rule")
        try:
            return resolve_path(self.service, self.entity, attribute.path)
        except PathError as exc:
            raise UnsupportedCondition(str(exc)) from None

    def _inner(self, hops: tuple[Hop, ...], obj: str, model: str) -> _Renderer:
        inner = _Renderer(hops[-1].target, obj, model, self.principal, self.service)
        self.related_classes |= {h.target.name.pascal for h in hops}
        return inner

    def _membership(self, node: MemberOf) -> tuple[tuple[Hop, ...], Entity, Entity]:
        """(hops to the object, the object's entity, the membership entity)."""
        hops = self._hops(Attribute(Scope.RESOURCE, "id", node.path)) if node.path else ()
        target = hops[-1].target if hops else self.entity
        assert self.service is not None or not hops
        members = membership_for(self.service, target) if self.service is not None else None
        if members is None or members.membership is None:
            raise UnsupportedCondition(f"no membership entity for {target.name}")
        self.related_classes |= {h.target.name.pascal for h in hops} | {members.name.pascal}
        return hops, target, members

    def _py_member_of(self, node: MemberOf) -> str:
        hops, _target, members = self._membership(node)
        assert members.membership is not None
        link = members.membership
        role = link.role.raw if link.role else None
        chain = "".join(f"({h.target.name.pascal}, {h.field.name.raw!r}), " for h in hops)
        args = [
            self.principal,
            self.obj,
            f"({chain})",
            members.name.pascal,
            repr((link.object.raw, link.subject.raw, role)),
        ]
        if node.roles is not None:
            args.append(repr(node.roles))
        text = f"member_of({', '.join(args)})"
        return f"(not {text})" if node.negated else text

    def _sql_member_of(self, node: MemberOf, negate: bool) -> str:
        hops, target, members = self._membership(node)
        assert members.membership is not None
        link = members.membership
        # The membership entity may be the listed entity itself (a project member's rule
        # reading ``resource.project.members``) or one the path goes through: the subquery
        # then reads its rows through an alias, else SQL correlates them to the outer row.
        aliased = members.name == self.entity.name or any(
            h.target.name == members.name for h in hops
        )
        m = "m" if aliased else members.name.pascal
        clauses: list[str] = []
        source = self.model
        for hop in hops:
            name = hop.target.name.pascal
            clauses.append(f"{name}.id == {source}.{hop.field.name.raw}")
            mine, theirs = _tenant_column(hop.target), _tenant_column(hop.source)
            if mine is not None and theirs is not None:
                clauses.append(f"{name}.{mine} == {source}.{theirs}")
            clauses.extend(_live(hop.target, name))
            source = name
        clauses.append(f"{m}.{link.object.raw} == {source}.id")
        mine, theirs = _tenant_column(members), _tenant_column(target)
        if mine is not None and theirs is not None:
            clauses.append(f"{m}.{mine} == {source}.{theirs}")
        clauses.append(f"{m}.{link.subject.raw} == {self.principal}.subject")
        clauses.extend(_live(members, m))
        if node.roles is not None and link.role is not None:
            clauses.append(f"{m}.{link.role.raw}.in_({list(node.roles)!r})")
        hop_columns = [f"{h.target.name.pascal}.id" for h in hops]
        if aliased:
            args = [members.name.pascal, f"lambda m: ({', '.join(clauses)},)", *hop_columns]
            exists = f"aliased_exists({', '.join(args)})"
        else:
            columns = ", ".join([*hop_columns, f"{m}.id"])
            exists = f"sa.select({columns}).where({', '.join(clauses)}).exists()"
        return f"~{exists}" if negate != node.negated else exists

    def _py_related(self, node: Expr, attribute: Attribute) -> str:
        hops = self._hops(attribute)
        inner = self._inner(hops, "target", "")
        body = inner.py(_strip(node, attribute))
        self.uses_uuid |= inner.uses_uuid
        chain = "".join(f"({h.target.name.pascal}, {h.field.name.raw!r}), " for h in hops)
        return f"related({self.obj}, ({chain}), lambda target: {body})"

    def _sql_related(self, node: Expr, attribute: Attribute, negate: bool) -> str:
        hops = self._hops(attribute)
        inner = self._inner(hops, "", hops[-1].target.name.pascal)
        clauses: list[str] = []
        source = self.model
        for hop in hops:
            target = hop.target.name.pascal
            clauses.append(f"{target}.id == {source}.{hop.field.name.raw}")
            mine, theirs = _tenant_column(hop.target), _tenant_column(hop.source)
            if mine is not None and theirs is not None:
                clauses.append(f"{target}.{mine} == {source}.{theirs}")
            clauses.extend(_live(hop.target, target))
            source = target
        clauses.append(inner.sql(_strip(node, attribute)))
        self.uses_uuid |= inner.uses_uuid
        # Every table of the chain is selected, so the session's tenant filter applies to each.
        columns = ", ".join(f"{h.target.name.pascal}.id" for h in hops)
        exists = f"sa.select({columns}).where({', '.join(clauses)}).exists()"
        return f"~{exists}" if negate else exists

    # -- operands ------------------------------------------------------------------------
    def _field_type(self, node: Attribute) -> FieldType | None:
        field = self.entity.field(node.name)
        return field.type if field is not None else None

    def _nullable(self, node: Attribute) -> bool:
        if node.scope is not Scope.RESOURCE:
            return False
        field = self.entity.field(node.name)
        return field is None or field.nullable

    def _resource_name(self, node: Attribute) -> str:
        if node.name != "id" and self.entity.field(node.name) is None:
            raise UnsupportedCondition(f"unknown field resource.{node.name}")
        return node.name

    def py_operand(self, node: Attribute | Literal, other: Attribute | Literal | None) -> str:
        if isinstance(node, Literal):
            ftype = (
                self._field_type(other)
                if isinstance(other, Attribute) and other.scope is Scope.RESOURCE
                else None
            )
            text = _literal(node.value, ftype)
            self.uses_uuid |= text.startswith("uuid.")
            return text
        if node.scope is Scope.RESOURCE:
            return f"{self.obj}.{self._resource_name(node)}"
        if node.name not in PRINCIPAL_ATTRIBUTES:
            raise UnsupportedCondition(f"unknown attribute principal.{node.name}")
        return f"{self.principal}.{PRINCIPAL_ATTRIBUTES[node.name]}"

    def col(self, node: Attribute) -> str:
        return f"{self.model}.{self._resource_name(node)}"

    # -- Python ------------------------------------------------------------------------------
    def py(self, node: Expr) -> str:
        if isinstance(node, MemberOf):
            return self._py_member_of(node)
        attribute = _related_attribute(node)
        if attribute is not None:
            return self._py_related(node, attribute)
        match node:
            case Literal(value=value):
                return repr(bool(value))
            case Attribute():
                return f"({self.py_operand(node, None)} is True)"
            case Not(operand=operand):
                return f"(not {self.py(operand)})"
            case Logical(op=op, operands=operands):
                joiner = " and " if op is BoolOp.AND else " or "
                return "(" + joiner.join(self.py(o) for o in operands) + ")"
            case Membership(left=left, values=values, negated=negated):
                items = ", ".join(self.py_operand(v, left) for v in values)
                word = "not in" if negated else "in"
                # A trailing comma only where a tuple needs one (ruff format would otherwise
                # explode the tuple one item a line).
                tuple_ = f"({items},)" if len(values) == 1 else f"({items})"
                if _is_roles(left):  # a set of roles: does the caller hold any of them?
                    held = f"{self.py_operand(left, None)}.isdisjoint({tuple_})"
                    return f"({held})" if negated else f"(not {held})"
                return f"({self.py_operand(left, None)} {word} {tuple_})"
            case Compare(op=op, left=left, right=right) if op in (CompareOp.EQ, CompareOp.NE) and (
                _is_roles(left) or _is_roles(right)
            ):
                roles, role = (left, right) if _is_roles(left) else (right, left)
                word = "in" if op is CompareOp.EQ else "not in"
                return f"({self.py_operand(role, None)} {word} {self.py_operand(roles, None)})"
            case Compare(op=op, left=left, right=right):
                return self._py_compare(op, left, right)
        raise UnsupportedCondition(f"unsupported condition node {node!r}")

    def _py_compare(
        self, op: CompareOp, left: Attribute | Literal, right: Attribute | Literal
    ) -> str:
        a = self.py_operand(left, right)
        b = self.py_operand(right, left)
        for side, other in ((left, b), (right, a)):
            if isinstance(side, Literal) and (side.value is None or isinstance(side.value, bool)):
                target = other
                if op is CompareOp.EQ:
                    return f"({target} is {side.value!r})"
                if op is CompareOp.NE:
                    return f"({target} is not {side.value!r})"
        if op in _ORDERING:
            guards = [
                f"{text} is not None"
                for node, text in ((left, a), (right, b))
                if isinstance(node, Attribute) and self._nullable(node)
            ]
            return "(" + " and ".join([*guards, f"{a} {op.value} {b}"]) + ")"
        return f"({a} {op.value} {b})"

    # -- SQL -------------------------------------------------------------------------------
    def sql(self, node: Expr, negate: bool = False) -> str:
        if isinstance(node, MemberOf):
            return self._sql_member_of(node, negate)
        attribute = _related_attribute(node)
        if attribute is not None:
            return self._sql_related(node, attribute, negate)
        match node:
            case Literal(value=value):
                return "sa.true()" if bool(value) != negate else "sa.false()"
            case Attribute():
                return self.sql(Compare(CompareOp.EQ, node, Literal(True)), negate)
            case Not(operand=operand):
                return self.sql(operand, not negate)
            case Logical(op=op, operands=operands):
                conj = (op is BoolOp.AND) != negate
                parts = ", ".join(self.sql(o, negate) for o in operands)
                return f"sa.and_({parts})" if conj else f"sa.or_({parts})"
            case Membership(left=left, values=values, negated=negated):
                return self._sql_membership(left, values, negated != negate)
            case Compare(left=left, right=right) if _is_roles(left) or _is_roles(right):
                return self._constant(self.py(node), negate)
            case Compare(op=op, left=left, right=right):
                return self._sql_compare(op, left, right, negate)
        raise UnsupportedCondition(f"unsupported condition node {node!r}")

    def _constant(self, py_text: str, negate: bool) -> str:
        return f"(sa.true() if {'not ' if negate else ''}{py_text} else sa.false())"

    def _sql_membership(self, left: Attribute, values: tuple[Literal, ...], negated: bool) -> str:
        if left.scope is not Scope.RESOURCE:
            return self._constant(self.py(Membership(left, values, False)), negated)
        col = self.col(left)
        kept = [self.py_operand(v, left) for v in values if v.value is not None]
        has_null = any(v.value is None for v in values)
        items = f"[{', '.join(kept)}]"
        if not negated:
            expr = f"{col}.in_({items})"
            return f"sa.or_({expr}, {col}.is_(None))" if has_null else expr
        expr = f"{col}.not_in({items})"
        if has_null:
            return f"sa.and_({expr}, {col}.is_not(None))"
        return f"sa.or_({expr}, {col}.is_(None))" if self._nullable(left) else expr

    def _sql_compare(
        self, op: CompareOp, left: Attribute | Literal, right: Attribute | Literal, negate: bool
    ) -> str:
        def is_res(n: Attribute | Literal) -> bool:
            return isinstance(n, Attribute) and n.scope is Scope.RESOURCE

        if not is_res(left) and not is_res(right):
            return self._constant(self._py_compare(op, left, right), negate)
        if not is_res(left):
            left, right, op = right, left, _MIRRORED[op]
        assert isinstance(left, Attribute)
        if negate:
            op = _NEGATED[op]
        col = self.col(left)
        nullable = self._nullable(left)
        if is_res(right):
            assert isinstance(right, Attribute)
            other = self.col(right)
            if op is CompareOp.EQ:
                return f"{col}.is_not_distinct_from({other})"
            if op is CompareOp.NE:
                return f"{col}.is_distinct_from({other})"
            present = f"{col}.is_not(None), {other}.is_not(None)"
            if negate:
                return f"sa.or_({col}.is_(None), {other}.is_(None), {col} {op.value} {other})"
            return f"sa.and_({present}, {col} {op.value} {other})"
        value = self.py_operand(right, left)
        if isinstance(right, Literal) and (right.value is None or isinstance(right.value, bool)):
            if op is CompareOp.EQ:
                return f"{col}.is_({value})"
            if op is CompareOp.NE:
                return f"{col}.is_not({value})"
        if op is CompareOp.EQ:
            return f"({col} == {value})"
        if op is CompareOp.NE:
            return (
                f"sa.or_({col} != {value}, {col}.is_(None))" if nullable else f"({col} != {value})"
            )
        if negate and nullable:
            return f"sa.or_({col} {op.value} {value}, {col}.is_(None))"
        return f"({col} {op.value} {value})"


def python_source(
    expr: Expr,
    entity: Entity,
    *,
    obj: str = "obj",
    principal: str = "principal",
    service: Service | None = None,
) -> str:
    """The per-object check; relation paths need ``service`` (to resolve them)."""
    return _Renderer(entity, obj, "", principal, service).py(expr)


def sql_source(
    expr: Expr,
    entity: Entity,
    *,
    model: str,
    principal: str = "principal",
    service: Service | None = None,
) -> str:
    """The list filter; a relation path becomes ``EXISTS`` over the chain of references."""
    return _Renderer(entity, "", model, principal, service).sql(expr)


def related_classes(expr: Expr, entity: Entity, service: Service) -> tuple[str, ...]:
    """The model classes the relation paths of ``expr`` reach (for imports), sorted."""
    renderer = _Renderer(entity, "obj", "M", "principal", service)
    renderer.py(expr)
    return tuple(sorted(renderer.related_classes))


def uses_uuid(expr: Expr, entity: Entity) -> bool:
    renderer = _Renderer(entity, "obj", "M", "principal")
    renderer.py(expr)
    return renderer.uses_uuid


# -- evaluation at generation time ------------------------------------------------------------
def evaluate(expr: Expr, resource: Mapping[str, Any], principal: Mapping[str, Any]) -> bool:
    """The value of ``expr`` for plain ``resource`` / ``principal`` dicts (Python semantics)."""
    value = _value(expr, resource, principal)
    return bool(value)


def _operand(
    node: Attribute | Literal, resource: Mapping[str, Any], principal: Mapping[str, Any]
) -> Any:
    if isinstance(node, Literal):
        return node.value
    source = resource if node.scope is Scope.RESOURCE else principal
    return source.get(node.name)


_COMPARE: dict[CompareOp, Callable[[Any, Any], bool]] = {
    CompareOp.EQ: lambda a, b: a == b,
    CompareOp.NE: lambda a, b: a != b,
    CompareOp.LT: lambda a, b: a < b,
    CompareOp.LE: lambda a, b: a <= b,
    CompareOp.GT: lambda a, b: a > b,
    CompareOp.GE: lambda a, b: a >= b,
}


def _reached(resource: Mapping[str, Any], attribute: Attribute) -> Mapping[str, Any] | None:
    """The related object a path reaches in nested ``resource`` dicts (a reference's value is
    the related object's dict, or an id / None when it is not known): None when missing."""
    current: Mapping[str, Any] = resource
    for hop in attribute.path:
        value = current.get(hop, current.get(f"{hop}_id"))
        if not isinstance(value, Mapping):
            return None
        current = value
    return current


def _value(node: Expr, resource: Mapping[str, Any], principal: Mapping[str, Any]) -> Any:
    if isinstance(node, MemberOf):
        # Membership rows are given as ``principal["memberships"]``: (object id, role) pairs.
        target = _reached(resource, Attribute(Scope.RESOURCE, "id", node.path))
        rows = principal.get("memberships", ())
        found = target is not None and any(
            obj == target.get("id") and (node.roles is None or role in node.roles)
            for obj, role in rows
        )
        return found != node.negated
    attribute = _related_attribute(node)
    if attribute is not None:
        # As the generated check: false when a link is missing, else the condition there.
        target = _reached(resource, attribute)
        return target is not None and bool(_value(_strip(node, attribute), target, principal))
    match node:
        case Literal(value=value):
            return value
        case Attribute():
            return _operand(node, resource, principal)
        case Not(operand=operand):
            return not _value(operand, resource, principal)
        case Logical(op=op, operands=operands):
            values = [bool(_value(o, resource, principal)) for o in operands]
            return all(values) if op is BoolOp.AND else any(values)
        case Membership(left=left, values=values, negated=negated):
            value = _operand(left, resource, principal)
            if _is_roles(left):
                return bool(set(value or ()) & {v.value for v in values}) != negated
            found = value in [v.value for v in values]
            return found != negated
        case Compare(op=op, left=left, right=right) if op in (CompareOp.EQ, CompareOp.NE) and (
            _is_roles(left) or _is_roles(right)
        ):
            roles, role = (left, right) if _is_roles(left) else (right, left)
            held = _operand(role, resource, principal) in set(
                _operand(roles, resource, principal) or ()
            )
            return held == (op is CompareOp.EQ)
        case Compare(op=op, left=left, right=right):
            a = _operand(left, resource, principal)
            b = _operand(right, resource, principal)
            if op in _ORDERING and (a is None or b is None):
                return False
            return _COMPARE[op](a, b)
    raise UnsupportedCondition(f"unsupported condition node {node!r}")
