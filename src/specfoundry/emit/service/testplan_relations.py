"""Generated tests of relation conditions: scenarios that build the objects and membership rows
the spec's rules read, then check callers against statuses computed from the rules.

The role matrix (testplan.py) creates no membership rows, so it cannot tell a member of a
project from a stranger. Here each scenario is a plan of steps (:mod:`specfoundry.runtime.
scenarios` runs it inside the service): objects created through the API along a relation path,
and rows of the ``membership:`` entity (through its create route when the suite's creator may
use it, else written directly), and rows of ``tenancy.roles_from``. The expected statuses come
from :func:`.conditions.evaluate` with the caller's memberships, as everywhere in the plan.

Scenarios, a few per construct:

* ``visible``: a member of the object a read rule's ``principal in resource.<path>.members``
  names reads the object and finds it in the list; a non-member with the same role gets 404
  and does not; fields with a ``read:`` rule are present or absent as the rule says;
* ``role-in-<action>``: a member with an object role the ``role_in`` rule of update / delete
  grants may act, one with another object role gets 403 (or 404 when it may not read);
* ``owner-via``: the creator of the object a ``resource.<path>.<field> == principal.id``
  condition reads sees the object (not its own), a stranger does not;
* ``parent``: a member who may read a parent but lacks its ``parent_permission`` gets 403 on
  the child's create, one who holds it 201, a non-member the 422 of a missing parent;
* ``roles-from``: a ``tenancy.roles_from`` row gives a caller whose token has no role the
  row's role;
* ``write-rule``: a field's ``write`` condition: a caller who may update the object but not
  write the field (another object role, not the owner) gets 403 and the field is unchanged, one
  the condition allows writes it;
* ``member-of``: a principal field with ``member_of``: a member of the tenant who is also a
  member of the related object is accepted on create and update, one who is not is 422.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specfoundry.emit.service.conditions import evaluate
from specfoundry.emit.service.testplan import (
    CREATOR,
    _creatable,
    _creating_resource,
    _expand_roles,
    _lineage,
    _resource_values,
    other_value,
    sample_payload,
    sample_value,
    update_payload,
)
from specfoundry.model import Entity, FieldType, Operation, Service
from specfoundry.model.expressions import (
    Attribute,
    Compare,
    CompareOp,
    Logical,
    MemberOf,
    Not,
    Scope,
)
from specfoundry.model.relations import PathError, membership_for, resolve_path

OUTSIDER = "outsider"
# Field types a row written directly can take from the sample (JSON value == column value).
_PLAIN = {
    FieldType.STRING,
    FieldType.TEXT,
    FieldType.EMAIL,
    FieldType.URL,
    FieldType.INTEGER,
    FieldType.BOOLEAN,
    FieldType.ENUM,
}


def _member_of_nodes(node: Any) -> list[MemberOf]:
    """The non-negated ``MemberOf`` nodes of a condition (negated ones never grant)."""
    match node:
        case MemberOf(negated=False):
            return [node]
        case Logical(operands=operands):
            return [m for o in operands for m in _member_of_nodes(o)]
    return []


def _owner_paths(node: Any) -> list[Attribute]:
    """``resource.<path>.<field>`` attributes compared equal to ``principal.id``."""
    match node:
        case Compare(op=CompareOp.EQ, left=left, right=right):
            for a, b in ((left, right), (right, left)):
                if (
                    isinstance(a, Attribute)
                    and a.scope is Scope.RESOURCE
                    and a.related
                    and b == Attribute(Scope.PRINCIPAL, "id")
                ):
                    return [a]
        case Logical(operands=operands):
            return [a for o in operands for a in _owner_paths(o)]
        case Not():
            return []
    return []


@dataclass
class _Obj:
    entity: Entity
    sub: str
    refs: dict[str, str]
    values: dict[str, Any]


@dataclass
class _Plan:
    """The objects of one scenario, its steps, and who is a member of what."""

    model: Service
    objects: dict[str, _Obj] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    members: list[tuple[str, str, Any]] = field(default_factory=list)  # (sub, key, role)
    role_rows: list[tuple[str, str]] = field(default_factory=list)  # (sub, tenant role)

    @property
    def all_roles(self) -> set[str]:
        return {r.name.raw for r in self.model.permissions.roles}

    # -- what the service stores and who asks ------------------------------------------------
    def stored(self, key: str) -> dict[str, Any]:
        obj = self.objects[key]
        values = _resource_values(self.model, obj.entity, obj.sub)
        values.update(obj.values)
        for name, ref in obj.refs.items():
            values[name] = self.stored(ref)
        values["id"] = key
        return values

    def principal(self, sub: str, token_roles: set[str]) -> dict[str, Any]:
        rows = {role for s, role in self.role_rows if s == sub}
        source = self.model.tenancy.roles_from
        roles = set(token_roles)
        if source is not None and source.prefer == "membership":
            roles = rows
        elif source is not None and source.prefer == "token":
            roles = roles or rows
        elif source is not None:
            roles |= rows
        return {
            "id": sub,
            "roles": sorted(roles),
            "tenant_id": None,
            "memberships": [(key, role) for s, key, role in self.members if s == sub],
        }

    def allowed(self, entity: Entity, action: str, values: dict[str, Any], who: Any) -> bool:
        for holder in self.model.permissions.holders(entity.name.raw, action):
            if holder.role.name.raw not in who["roles"]:
                continue
            if holder.unconditional or any(
                evaluate(c.expr, values, who) for c in holder.conditions
            ):
                return True
        return False

    def expect(self, key: str, action: str, sub: str, roles: set[str]) -> tuple[int, bool | None]:
        """(status, listed?) of ``action`` on object ``key`` (as role_matrix computes it)."""
        entity = self.objects[key].entity
        values, who = self.stored(key), self.principal(sub, roles)
        readable = self.allowed(entity, "read", values, who)
        if action == "read":
            return (200 if readable else 404), None
        if action == "list":
            holds = any(
                h.role.name.raw in who["roles"]
                for h in self.model.permissions.holders(entity.name.raw, "list")
            )
            if not holds:
                return 403, None
            return 200, readable and self.allowed(entity, "list", values, who)
        if not readable:
            return 404, None
        if not self.allowed(entity, action, values, who):
            return 403, None
        return (204 if action == "delete" else 200), None

    def shown(self, key: str, sub: str, roles: set[str]) -> dict[str, bool]:
        """Whether each field with a ``read:`` rule is in the caller's answers."""
        entity = self.objects[key].entity
        values, who = self.stored(key), self.principal(sub, roles)
        out: dict[str, bool] = {}
        for f in entity.fields:
            if not f.hidden_sometimes:
                continue
            shown = f.read_roles is None or bool(
                _lineage(self.model, set(who["roles"])) & {r.raw for r in f.read_roles}
            )
            if shown and f.read_condition is not None:
                shown = bool(evaluate(f.read_condition.expr, values, who))
            out[f.name.raw] = shown
        return out

    # -- steps -----------------------------------------------------------------------------
    def create(
        self,
        key: str,
        entity: Entity,
        sub: str,
        refs: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> bool:
        """An object through the API; False when the suite cannot create it."""
        resource = _creating_resource(self.model, entity)
        if resource is None:
            return False
        self.objects[key] = _Obj(entity, sub, dict(refs or {}), dict(values or {}))
        who = self.principal(sub, self.all_roles)
        if not self.allowed(entity, "create", self.stored(key), who):
            return False
        step = {"key": key, "create": resource.path, "as": sub, "refs": dict(refs or {})}
        self.steps.append({**step, "values": dict(values or {})})
        return True

    def row(self, key: str, entity: Entity, refs: dict[str, str], values: dict[str, Any]) -> bool:
        """A row the scenario needs (a membership): through the API when the suite's creator
        may create it there, else written directly; False when neither can be done."""
        resource = _creating_resource(self.model, entity)
        self.objects[key] = _Obj(entity, CREATOR, dict(refs), dict(values))
        who = self.principal(CREATOR, self.all_roles)
        if (
            resource is not None
            and self.allowed(entity, "create", self.stored(key), who)
            and all(self._parent_ok(entity, name, ref, who) for name, ref in refs.items())
        ):
            step = {"key": key, "create": resource.path, "as": CREATOR, "refs": dict(refs)}
            self.steps.append({**step, "values": dict(values)})
            return True
        direct = dict(values)
        for f in entity.fields:
            name = f.name.raw
            if name in refs or name in direct:
                continue
            if f.auto is not None and f.auto.value == "principal":
                direct[name] = CREATOR
            elif f.required and not f.has_default and f.client_writable:
                if f.type not in _PLAIN:
                    return False  # the suite cannot write this column's value generically
                direct[name] = sample_value(f, len(self.steps) + 1)  # varied: unique ones
        insert = {"key": key, "insert": entity.name.pascal, "refs": dict(refs)}
        self.steps.append({**insert, "values": direct})
        return True

    def _parent_ok(self, entity: Entity, name: str, ref: str, who: Any) -> bool:
        f = entity.field(name)
        parent = self.objects[ref]
        needed = f.parent_permission.raw if f is not None and f.parent_permission else "read"
        values = self.stored(ref)
        return self.allowed(parent.entity, "read", values, who) and self.allowed(
            parent.entity, needed, values, who
        )

    def member(self, sub: str, target: str, role: Any) -> bool:
        """A row of the target's ``membership:`` entity making ``sub`` a member (with
        ``role``, when the entity has a role field)."""
        link_entity = membership_for(self.model, self.objects[target].entity)
        if link_entity is None or link_entity.membership is None:
            return False
        link = link_entity.membership
        values: dict[str, Any] = {link.subject.raw: sub}
        if link.role is not None:
            values[link.role.raw] = role
        self.members.append((sub, target, role if link.role is not None else None))
        key = f"{sub}-in-{target}"
        return self.row(key, link_entity, {link.object.raw: target}, values)

    def chain(
        self,
        entity: Entity,
        path: tuple[str, ...],
        last_sub: str = CREATOR,
        *,
        subject: bool = True,
    ) -> str | None:
        """The scenario's ``subject`` (an object of ``entity``; left out when not
        ``subject``) and the objects its relation ``path`` goes through, deepest first (that
        one created by ``last_sub``); the key of the object the path reaches, or None when
        the suite cannot make them."""
        try:
            hops = resolve_path(self.model, entity, path)
        except PathError:
            return None
        keys = ["subject", *(h.target.name.raw for h in hops)]
        entities = [entity, *(h.target for h in hops)]
        for i in reversed(range(0 if subject else 1, len(keys))):
            refs = {hops[i].field.name.raw: keys[i + 1]} if i < len(hops) else {}
            sub = last_sub if i == len(hops) else CREATOR
            if not self.create(keys[i], entities[i], sub, refs):
                return None
        return keys[-1]

    def expect_write(self, key: str, name: str, sub: str, roles: set[str]) -> int:
        """The status of an update of object ``key`` sending field ``name`` only: the update's
        own status, then the field's write roles and condition (on the stored row)."""
        status, _listed = self.expect(key, "update", sub, roles)
        if status != 200:
            return status
        entity = self.objects[key].entity
        f = entity.field(name)
        assert f is not None
        who = self.principal(sub, roles)
        if f.writers is not None and not (
            _lineage(self.model, set(who["roles"])) & {r.raw for r in f.writers}
        ):
            return 403
        if f.write_condition is not None and not evaluate(
            f.write_condition.expr, self.stored(key), who
        ):
            return 403
        return 200

    def check(self, sub: str, roles: set[str], action: str, key: str = "subject") -> dict[str, Any]:
        status, listed = self.expect(key, action, sub, roles)
        resource = _creating_resource(self.model, self.objects[key].entity)
        assert resource is not None
        out: dict[str, Any] = {
            "resource": resource.path,
            "as": sub,
            "roles": sorted(roles),
            "action": action,
            "expected": status,
            "listed": listed,
        }
        if action == "read" and status == 200:
            out["fields"] = self.shown(key, sub, roles)
        return out


def _row(name: str, plan: _Plan, checks: list[dict[str, Any]]) -> tuple[Any, ...]:
    return (name, plan.steps, checks)


def _visible(model: Service, resource: Any, entity: Entity) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    seen: set[tuple[str, ...]] = set()
    for holder in model.permissions.holders(entity.name.raw, "read"):
        role = {holder.role.name.raw}
        for cond in holder.conditions:
            for node in _member_of_nodes(cond.expr):
                if node.path in seen:
                    continue
                plan = _Plan(model)
                target = plan.chain(entity, node.path)
                if target is None:
                    continue
                role_value = _grant_value(model, plan, target, node)
                if not plan.member("insider", target, role_value):
                    continue
                actions = ["read"]
                if Operation.LIST in resource.operations:
                    actions.append("list")
                checks = [
                    plan.check(sub, role, a) for sub in ("insider", OUTSIDER) for a in actions
                ]
                if checks[0]["expected"] == checks[len(actions)]["expected"]:
                    continue  # the membership changes nothing for this role
                seen.add(node.path)
                via = ".".join(node.path) or "itself"
                name = f"{resource.path}-visible-via-{via}-as-{holder.role.name.raw}"
                rows.append(_row(name, plan, checks))
    return rows


def _role_values(model: Service, target: Entity) -> tuple[Any, ...]:
    link_entity = membership_for(model, target)
    if link_entity is None or link_entity.membership is None:
        return ()
    if link_entity.membership.role is None:
        return (None,)
    f = link_entity.field(link_entity.membership.role.raw)
    return f.enum_values if f is not None and f.enum_values else ()


def _grant_value(model: Service, plan: _Plan, target: str, node: MemberOf) -> Any:
    if node.roles:
        return node.roles[0]
    values = _role_values(model, plan.objects[target].entity)
    return values[0] if values else None


def _role_in(model: Service, resource: Any, entity: Entity, action: str) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    if action == "update" and not update_payload(entity):
        return rows
    for holder in model.permissions.holders(entity.name.raw, action):
        role = {holder.role.name.raw}
        for cond in holder.conditions:
            for node in _member_of_nodes(cond.expr):
                if not node.roles:
                    continue
                probe = _Plan(model)
                target = probe.chain(entity, node.path)
                if target is None:
                    continue
                others = [
                    v
                    for v in _role_values(model, probe.objects[target].entity)
                    if v not in node.roles
                ]
                if not others:
                    continue

                lower = _lower_role(model, entity, node, target, others, role)
                plan = _Plan(model)
                plan.chain(entity, node.path)
                if not (
                    plan.member("lowered", target, lower)
                    and plan.member("elevated", target, node.roles[0])
                ):
                    continue
                checks = [plan.check(sub, role, action) for sub in ("lowered", "elevated")]
                if checks[0]["expected"] == checks[1]["expected"]:
                    continue
                name = f"{resource.path}-role-in-{action}-as-{holder.role.name.raw}"
                return [_row(name, plan, checks)]
    return rows


def _lower_role(
    model: Service, entity: Entity, node: MemberOf, target: str, others: list[Any], role: set[str]
) -> Any:
    """Of the object roles ``node`` does not grant, the first that may still read the object
    (so the refusal is a 403, not a 404), else the first."""
    for value in others:
        trial = _Plan(model)
        trial.chain(entity, node.path)
        trial.member("lowered", target, value)
        if trial.expect("subject", "read", "lowered", role)[0] == 200:
            return value
    return others[0]


def _role_in_create(model: Service, resource: Any, entity: Entity) -> list[tuple[Any, ...]]:
    """A member with an object role the create rule's ``role_in`` grants on the object the
    body's reference leads to creates (201); one with another role is refused."""
    for holder in model.permissions.holders(entity.name.raw, "create"):
        role = {holder.role.name.raw}
        for cond in holder.conditions:
            for node in _member_of_nodes(cond.expr):
                if not node.roles or not node.path:
                    continue
                try:
                    ref = resolve_path(model, entity, node.path[:1])[0].field
                except PathError:
                    continue
                if ref.name.raw not in sample_payload(entity) or not ref.client_writable:
                    continue
                probe = _Plan(model)
                target = probe.chain(entity, node.path, subject=False)
                if target is None:
                    continue
                first = ref.ref_entity.raw if ref.ref_entity is not None else ""
                values = _role_values(model, probe.objects[target].entity)
                others = [v for v in values if v not in node.roles]
                if not others:
                    continue
                plan = _Plan(model)
                plan.chain(entity, node.path, subject=False)
                lower = others[0]
                for value in others:  # prefer a role that may read the parent: a 403
                    trial = _Plan(model)
                    trial.chain(entity, node.path, subject=False)
                    trial.member("lowered", target, value)
                    if _create_status(trial, entity, ref.name.raw, "lowered", role, first) != 422:
                        lower = value
                        break
                plan.member("lowered", target, lower)
                plan.member("elevated", target, node.roles[0])
                checks = []
                for sub in ("lowered", "elevated"):
                    status = _create_status(plan, entity, ref.name.raw, sub, role, first)
                    checks.append(
                        {
                            "resource": resource.path,
                            "as": sub,
                            "roles": sorted(role),
                            "action": "create",
                            "refs": {ref.name.raw: first},
                            "expected": status,
                            "listed": None,
                            "like_missing": status == 422,
                        }
                    )
                if checks[0]["expected"] == checks[1]["expected"]:
                    continue
                name = f"{resource.path}-role-in-create-as-{holder.role.name.raw}"
                return [_row(name, plan, checks)]
    return []


def _owner_via(model: Service, resource: Any, entity: Entity) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    seen: set[tuple[str, ...]] = set()
    for holder in model.permissions.holders(entity.name.raw, "read"):
        role = {holder.role.name.raw}
        for cond in holder.conditions:
            for attribute in _owner_paths(cond.expr):
                if attribute.path in seen:
                    continue
                plan = _Plan(model)
                try:
                    hops = resolve_path(model, entity, attribute.path)
                except PathError:
                    continue
                owner_field = hops[-1].target.field(attribute.name)
                if owner_field is None or owner_field.auto is None:
                    continue  # only a field the creator fills names the relation's owner
                if owner_field.auto.value != "principal":
                    continue
                if plan.chain(entity, attribute.path, last_sub="relowner") is None:
                    continue
                actions = ["read"]
                if Operation.LIST in resource.operations:
                    actions.append("list")
                checks = [plan.check(s, role, a) for s in ("relowner", OUTSIDER) for a in actions]
                if checks[0]["expected"] == checks[len(actions)]["expected"]:
                    continue
                seen.add(attribute.path)
                via = ".".join(attribute.path)
                name = f"{resource.path}-owner-via-{via}-as-{holder.role.name.raw}"
                rows.append(_row(name, plan, checks))
    return rows


def _parent(model: Service, resource: Any, entity: Entity) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for ref in entity.fields:
        permission = ref.parent_permission
        if permission is None or permission.raw == "read" or not ref.client_writable:
            continue
        assert ref.ref_entity is not None
        parent = model.entity(ref.ref_entity.raw)
        if parent is None:
            continue
        for role in model.permissions.roles:
            roles = {role.name.raw}
            if not any(
                h.role.name.raw in roles
                for h in model.permissions.holders(entity.name.raw, "create")
            ):
                continue
            outcomes: dict[int, Any] = {}
            for value in _role_values(model, parent):
                trial = _Plan(model)
                if not trial.create("parent", parent, CREATOR) or not trial.member(
                    "reader", "parent", value
                ):
                    break
                status = _create_status(trial, entity, ref.name.raw, "reader", roles)
                outcomes.setdefault(status, value)
            if 403 not in outcomes:
                continue
            plan = _Plan(model)
            plan.create("parent", parent, CREATOR)
            plan.member("reader", "parent", outcomes[403])
            subs = ["reader"]
            if 201 in outcomes:
                plan.member("writer", "parent", outcomes[201])
                subs.append("writer")
            checks = []
            for sub in [*subs, OUTSIDER]:
                status = _create_status(plan, entity, ref.name.raw, sub, roles)
                checks.append(
                    {
                        "resource": resource.path,
                        "as": sub,
                        "roles": sorted(roles),
                        "action": "create",
                        "refs": {ref.name.raw: "parent"},
                        "expected": status,
                        "listed": None,
                        "like_missing": status == 422,
                    }
                )
            name = f"{resource.path}-parent-{ref.name.raw}-as-{role.name.raw}"
            rows.append(_row(name, plan, checks))
            break
    return rows


def _create_status(
    plan: _Plan, entity: Entity, ref: str, sub: str, roles: set[str], parent: str = "parent"
) -> int:
    """The status of a create of ``entity`` by ``sub`` naming object ``parent`` in ``ref``
    (the sample's other references are created by the suite's creator)."""
    model = plan.model
    who = plan.principal(sub, roles)
    if not any(
        h.role.name.raw in who["roles"]
        for h in model.permissions.holders(entity.name.raw, "create")
    ):
        return 403
    parent_obj = plan.objects[parent]
    values = _resource_values(model, entity, sub)
    values[ref] = plan.stored(parent)
    for f in entity.fields:
        if (
            f.type is not FieldType.REF
            or f.name.raw not in sample_payload(entity)
            or f.name.raw == ref
        ):
            continue
        assert f.ref_entity is not None
        target = model.entity(f.ref_entity.raw)
        if target is None or model.api.resource_for(target.name.raw) is None:
            continue
        if not plan.allowed(target, "read", _resource_values(model, target, CREATOR), who):
            return 422
    if not plan.allowed(parent_obj.entity, "read", values[ref], who):
        return 422
    permission = entity.field(ref)
    needed = permission.parent_permission if permission is not None else None
    if needed is not None and not plan.allowed(parent_obj.entity, needed.raw, values[ref], who):
        return 403
    return 201 if plan.allowed(entity, "create", values, who) else 403


def _roles_from(model: Service) -> list[tuple[Any, ...]]:
    source = model.tenancy.roles_from
    if source is None:
        return []
    rows_entity = model.entity(source.entity.raw)
    if rows_entity is None:
        return []
    role_field = rows_entity.field(source.role.raw)
    spec_roles = [r.name.raw for r in model.permissions.roles]
    values = [v for v in (role_field.enum_values if role_field else ()) if v in spec_roles]
    for resource, entity in _creatable(model):
        if Operation.READ not in resource.operations or entity.is_tenant:
            continue
        for value in values:
            plan = _Plan(model)
            if not plan.create("subject", entity, CREATOR):
                break
            plan.role_rows.append(("promoted", value))
            if not plan.row(
                "promoted-row",
                rows_entity,
                {},
                {source.subject.raw: "promoted", source.role.raw: value},
            ):
                break
            checks = [plan.check(sub, set(), "read") for sub in ("promoted", OUTSIDER)]
            if checks[0]["expected"] == 200 and checks[1]["expected"] != 200:
                return [_row(f"{resource.path}-roles-from-{value}", plan, checks)]
    return []


def _write_rule(model: Service, resource: Any, entity: Entity) -> list[tuple[Any, ...]]:
    """For each field with a ``write`` condition, one scenario where one caller may update the
    object and write the field and another may update it but not write the field: a plain
    object (its creator against an outsider) or, for a ``role_in`` test in the condition, the
    members of the related object with the granted role and with another."""
    rows: list[tuple[Any, ...]] = []
    if Operation.UPDATE not in resource.operations:
        return rows
    for f in entity.fields:
        if f.write_condition is None or not f.updatable:
            continue
        value = other_value(f)
        if value is None:
            continue
        # (plan, callers, (reference field, key of the object it names) of a create)
        plans: list[tuple[_Plan, tuple[str, ...], tuple[str, str] | None]] = []
        plain = _Plan(model)
        if plain.create("subject", entity, CREATOR):
            plans.append((plain, (CREATOR, OUTSIDER), None))
        for node in _member_of_nodes(f.write_condition.expr):
            plan = _Plan(model)
            target = plan.chain(entity, node.path)
            if target is None:
                continue
            first = None
            if node.path:
                hop = resolve_path(model, entity, node.path[:1])[0]
                first = (hop.field.name.raw, hop.target.name.raw)
            values = _role_values(model, plan.objects[target].entity)
            granted = node.roles[0] if node.roles else (values[0] if values else None)
            others = [v for v in values if node.roles and v not in node.roles]
            if not plan.member("elevated", target, granted):
                continue
            members = ["elevated"]
            for other in others:
                if plan.member(f"lowered-{other}", target, other):
                    members.append(f"lowered-{other}")
            plans.append((plan, (*members, OUTSIDER), first))
        found = None
        for plan, subs, first in plans:
            for role in model.permissions.roles:
                roles = {role.name.raw}
                statuses = {
                    sub: plan.expect_write("subject", f.name.raw, sub, roles) for sub in subs
                }
                refused = [
                    s
                    for s in subs
                    if statuses[s] == 403 and plan.expect("subject", "update", s, roles)[0] == 200
                ]
                allowed = [s for s in subs if statuses[s] == 200]
                if refused and allowed:
                    found = (plan, role.name.raw, allowed[0], refused[0], first)
                    break
            if found is not None:
                break
        if found is None:
            continue
        plan, role_name, allowed_sub, refused_sub, first = found
        checks = []
        for sub in (refused_sub, allowed_sub):
            checks.append(
                {
                    "resource": resource.path,
                    "as": sub,
                    "roles": [role_name],
                    "action": "update",
                    "body": {f.name.raw: value},
                    "kept": f.name.raw,
                    "expected": plan.expect_write("subject", f.name.raw, sub, {role_name}),
                    "listed": None,
                }
            )
        if first is not None and Operation.CREATE in resource.operations and f.client_writable:
            creates = [
                _create_write(plan, entity, f.name.raw, value, first, sub, {role_name})
                for sub in (refused_sub, allowed_sub)
            ]
            if sorted(c["expected"] for c in creates) == [201, 403]:
                checks += [{**c, "resource": resource.path} for c in creates]
        rows.append(_row(f"{resource.path}-write-rule-{f.name.raw}-as-{role_name}", plan, checks))
    return rows


def _create_write(
    plan: _Plan,
    entity: Entity,
    name: str,
    value: Any,
    first: tuple[str, str],
    sub: str,
    roles: set[str],
) -> dict[str, Any]:
    """A create sending field ``name`` whose reference ``first[0]`` names object ``first[1]``:
    the create's own status, then the field's write rule on the object as it would be."""
    ref, key = first
    status = _create_status(plan, entity, ref, sub, roles, key)
    if status == 201:
        who = plan.principal(sub, roles)
        f = entity.field(name)
        assert f is not None
        values = _resource_values(plan.model, entity, sub)
        values[ref] = plan.stored(key)
        values[name] = value
        lineage = _lineage(plan.model, set(who["roles"]))
        if (f.writers is not None and not lineage & {r.raw for r in f.writers}) or (
            f.write_condition is not None and not evaluate(f.write_condition.expr, values, who)
        ):
            status = 403
    return {
        "as": sub,
        "roles": sorted(roles),
        "action": "create",
        "refs": {ref: key},
        "values": {name: value},
        "expected": status,
        "listed": None,
        "like_missing": False,
    }


def _tenant_member(plan: _Plan, sub: str, field: Any) -> bool:
    """A row of ``tenancy.members`` making ``sub`` a member of the tenant with a role the
    principal field requires."""
    model = plan.model
    members = model.tenancy.members
    if members is None:
        return True
    rows_entity = model.entity(members.entity.raw)
    if rows_entity is None:
        return False
    values: dict[str, Any] = {members.subject.raw: sub}
    if members.role is not None:
        role_field = rows_entity.field(members.role.raw)
        choices = role_field.enum_values if role_field is not None else ()
        wanted = _expand_roles(model, field.principal_roles) if field.principal_roles else []
        pick = (
            next((v for v in wanted if v in choices), None) if wanted else next(iter(choices), None)
        )
        if pick is None:
            return False
        values[members.role.raw] = pick
        source = model.tenancy.roles_from
        if source is not None and source.entity == members.entity and pick in plan.all_roles:
            plan.role_rows.append((sub, pick))
    return plan.row(f"{sub}-member", rows_entity, {}, values)


def _member_of_field(model: Service, resource: Any, entity: Entity) -> list[tuple[Any, ...]]:
    """A principal field with ``member_of``: naming a member of the related object is
    accepted, naming another member of the tenant is 422 (create, and update when exposed)."""
    rows: list[tuple[Any, ...]] = []
    for f in entity.fields:
        if not f.member_of or f.type is not FieldType.PRINCIPAL or not f.client_writable:
            continue
        try:
            ref = resolve_path(model, entity, f.member_of[:1])[0].field
        except PathError:
            continue
        if ref.name.raw not in sample_payload(entity) or not ref.client_writable:
            continue
        plan = _Plan(model)
        target = plan.chain(entity, f.member_of)
        if target is None:
            continue
        first = ref.ref_entity.raw if ref.ref_entity is not None else ""
        values = _role_values(model, plan.objects[target].entity)
        allowed = [v for v in values if f.member_of_roles is None or v in f.member_of_roles]
        if not allowed:
            continue
        # With `member_of: {path, roles}`, a member holding another role is refused too.
        others = [v for v in values if v not in allowed]
        named_as: list[tuple[str, int]] = [("bystander", 422), ("insider", 201)]
        if not (
            _tenant_member(plan, "insider", f)
            and _tenant_member(plan, "bystander", f)
            and plan.member("insider", target, allowed[0])
        ):
            continue
        if (
            others
            and _tenant_member(plan, "sideliner", f)
            and plan.member("sideliner", target, others[0])
        ):
            named_as.insert(1, ("sideliner", 422))
        roles = plan.all_roles
        if _create_status(plan, entity, ref.name.raw, CREATOR, roles, first) != 201:
            continue
        checks: list[dict[str, Any]] = []
        for named, status in named_as:
            checks.append(
                {
                    "resource": resource.path,
                    "as": CREATOR,
                    "roles": sorted(roles),
                    "action": "create",
                    "refs": {ref.name.raw: first},
                    "values": {f.name.raw: named},
                    "expected": status,
                    "listed": None,
                    "like_missing": False,
                }
            )
        updates = Operation.UPDATE in resource.operations and f.updatable
        if updates and plan.expect("subject", "update", CREATOR, roles)[0] == 200:
            for named, created in named_as:
                status = 200 if created == 201 else created
                checks.append(
                    {
                        "resource": resource.path,
                        "as": CREATOR,
                        "roles": sorted(roles),
                        "action": "update",
                        "body": {f.name.raw: named},
                        "kept": f.name.raw,
                        "expected": status,
                        "listed": None,
                    }
                )
        rows.append(_row(f"{resource.path}-member-of-{f.name.raw}", plan, checks))
    return rows


def relation_scenarios(model: Service) -> list[tuple[Any, ...]]:
    """(name, steps, checks) of every scenario (see the module's docstring)."""
    rows: list[tuple[Any, ...]] = []
    for resource, entity in _creatable(model):
        if entity.is_tenant:
            continue
        if Operation.READ in resource.operations:
            rows += _visible(model, resource, entity)
            rows += _owner_via(model, resource, entity)
        rows += _role_in_create(model, resource, entity)
        for action in ("update", "delete"):
            if Operation(action) in resource.operations:
                rows += _role_in(model, resource, entity, action)
        rows += _parent(model, resource, entity)
        rows += _write_rule(model, resource, entity)
        rows += _member_of_field(model, resource, entity)
    rows += _roles_from(model)
    return rows
