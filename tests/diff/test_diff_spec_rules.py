"""Spec-level rules, on IR models built here (base, mutation, expected findings).

These rules compare compiled models, so each case is a base :class:`Service` and a change to
it. They run without the compiler or the emitter, which keeps them independent of work in
progress elsewhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest

from specfoundry.diagnostics import Location
from specfoundry.diff.engine import DiffOptions, diff
from specfoundry.diff.load import MapLocator, Side
from specfoundry.diff.rules import RULES
from specfoundry.diff.spec_rules import compare_models
from specfoundry.model import (
    ActionRule,
    Api,
    Claims,
    Condition,
    Entity,
    Field,
    FieldType,
    Grant,
    IsolationModel,
    Name,
    Pagination,
    Permissions,
    Role,
    Service,
    State,
    StateMachine,
    Tenancy,
    TenantSource,
    Transition,
)
from specfoundry.model.expressions import (
    Attribute,
    BoolOp,
    Compare,
    CompareOp,
    Literal,
    Logical,
    Scope,
)

L = Location("spec.yaml", 1, 1)
N = Name


def loc(line: int) -> Location:
    return Location("spec.yaml", line, 3)


OWNER = Condition(
    "resource.owner_id == principal.id",
    Compare(CompareOp.EQ, Attribute(Scope.RESOURCE, "owner_id"), Attribute(Scope.PRINCIPAL, "id")),
)
DRAFT = Condition(
    "resource.status == 'draft'",
    Compare(CompareOp.EQ, Attribute(Scope.RESOURCE, "status"), Literal("draft")),
)


def service() -> Service:
    note = Entity(
        N("note"),
        "notes",
        loc(10),
        (
            Field(N("slug"), FieldType.STRING, loc(11)),
            Field(N("region"), FieldType.STRING, loc(12)),
            Field(N("status"), FieldType.STATE, loc(13)),
            Field(N("assignee"), FieldType.PRINCIPAL, loc(14)),
            Field(N("member"), FieldType.PRINCIPAL, loc(15), member_of=("project",)),
        ),
    )
    machine = StateMachine(
        N("lifecycle"),
        N("note"),
        N("status"),
        N("draft"),
        (State(N("draft"), loc(20)), State(N("active"), loc(21)), State(N("archived"), loc(22))),
        (
            Transition(
                N("archive"), (N("draft"), N("active")), N("archived"), loc(23), (N("writer"),)
            ),
            Transition(N("publish"), (N("draft"),), N("active"), loc(24), (N("writer"),)),
        ),
        loc(19),
    )
    roles = (
        Role(N("reader"), loc(30)),
        Role(N("writer"), loc(31), (N("reader"),), (N("reader"),)),
        Role(N("admin"), loc(32), (N("writer"),), (N("writer"), N("reader"))),
    )
    rules = (
        ActionRule(N("note"), N("read"), (Grant(N("reader"), loc(40)),), loc(40)),
        ActionRule(N("note"), N("update"), (Grant(N("writer"), loc(41)),), loc(41)),
        ActionRule(N("note"), N("delete"), (Grant(N("admin"), loc(42)),), loc(42)),
    )
    tenancy = Tenancy(
        IsolationModel.SHARED_SCHEMA, N("team"), TenantSource.JWT_CLAIM, Claims(), (), loc(5)
    )
    return Service(
        N("notes"),
        "Notes",
        "1.0.0",
        None,
        tenancy,
        (note,),
        (machine,),
        Permissions(roles, rules),
        Api(1, (), Pagination()),
        (),
        L,
    )


def _machine(s: Service, **changes: object) -> Service:
    return dataclasses.replace(
        s, state_machines=(dataclasses.replace(s.state_machines[0], **changes),)
    )


def _transition(s: Service, name: str, **changes: object) -> Service:
    m = s.state_machines[0]
    ts = tuple(
        dataclasses.replace(t, **changes) if t.name.raw == name else t for t in m.transitions
    )
    return _machine(s, transitions=ts)


def _field(s: Service, name: str, **changes: object) -> Service:
    e = s.entities[0]
    fs = tuple(dataclasses.replace(f, **changes) if f.name.raw == name else f for f in e.fields)
    return dataclasses.replace(s, entities=(dataclasses.replace(e, fields=fs),))


def _grants(s: Service, action: str, *grants: Grant) -> Service:
    p = s.permissions
    rules = tuple(
        dataclasses.replace(r, grants=grants) if r.action.raw == action else r for r in p.rules
    )
    return dataclasses.replace(s, permissions=dataclasses.replace(p, rules=rules))


def _tenancy(s: Service, **changes: object) -> Service:
    return dataclasses.replace(s, tenancy=dataclasses.replace(s.tenancy, **changes))


def _compiled(s: Service) -> Service:
    """As the compiler builds it: each transition's `roles` also as a permission rule."""
    m = s.state_machines[0]
    extra = tuple(
        ActionRule(m.entity, t.name, tuple(Grant(r, t.location) for r in t.roles), t.location)
        for t in m.transitions
        if t.roles
    )
    p = s.permissions
    return dataclasses.replace(s, permissions=dataclasses.replace(p, rules=p.rules + extra))


def _roles_as_rule(s: Service, name: str) -> Service:
    """A transition's `roles` written as `permissions.rules.<entity>.<transition>` instead."""
    m = s.state_machines[0]
    t = m.transition(name)
    assert t is not None
    moved = _transition(s, name, roles=())
    rule = ActionRule(m.entity, t.name, tuple(Grant(r, loc(45)) for r in t.roles), loc(45))
    p = moved.permissions
    return dataclasses.replace(moved, permissions=dataclasses.replace(p, rules=(*p.rules, rule)))


Mutation = Callable[[Service], Service]
CASES: list[tuple[str, Mutation, list[str]]] = [
    (
        "state-removed",
        lambda s: _machine(
            _transition(s, "archive", target=N("active")),
            states=s.state_machines[0].states[:2],
        ),
        ["state-removed", "transition-target-changed"],
    ),
    (
        "state-added",
        lambda s: _machine(s, states=(*s.state_machines[0].states, State(N("deleted"), loc(25)))),
        ["state-added"],
    ),
    (
        "transition-removed",
        lambda s: _machine(s, transitions=s.state_machines[0].transitions[1:]),
        ["transition-removed"],
    ),
    (
        "transition-added",
        lambda s: _machine(
            s,
            transitions=(
                *s.state_machines[0].transitions,
                Transition(N("restore"), (N("archived"),), N("draft"), loc(26)),
            ),
        ),
        ["transition-added"],
    ),
    (
        "transition-sources-narrowed",
        lambda s: _transition(s, "archive", sources=(N("active"),)),
        ["transition-sources-narrowed"],
    ),
    (
        "transition-sources-widened",
        lambda s: _transition(s, "publish", sources=(N("draft"), N("archived"))),
        ["transition-sources-widened"],
    ),
    (
        "transition-target-changed",
        lambda s: _transition(s, "publish", target=N("archived")),
        ["transition-target-changed"],
    ),
    (
        "transition-guard-added",
        lambda s: _transition(s, "archive", guard=OWNER),
        ["condition-added"],
    ),
    (
        "transition-role-lost",
        lambda s: _transition(s, "archive", roles=(N("admin"),)),
        ["role-permission-removed"],  # writer loses it; admin still has it (it was inherited)
    ),
    (
        "role-removed",
        lambda s: dataclasses.replace(
            s,
            permissions=dataclasses.replace(
                s.permissions,
                roles=s.permissions.roles[1:],
                rules=s.permissions.rules[1:],
            ),
        ),
        # writer and admin held `read` only through reader, so they lose it too.
        ["role-removed", "role-permission-removed", "role-permission-removed"],
    ),
    (
        "role-permission-removed",
        lambda s: _grants(s, "update", Grant(N("admin"), loc(41))),
        ["role-permission-removed"],
    ),
    (
        "role-permission-added",
        lambda s: _grants(s, "delete", Grant(N("writer"), loc(42))),
        ["role-permission-added"],
    ),
    (
        "condition-added",
        lambda s: _grants(s, "update", Grant(N("writer"), loc(41), OWNER)),
        ["condition-added", "condition-added"],  # writer and admin (who inherits writer)
    ),
    (
        "condition-removed",
        lambda s: _grants(
            _grants(s, "update", Grant(N("writer"), loc(41), OWNER)),
            "update",
            Grant(N("writer"), loc(41)),
        ),
        [],  # relative to the base nothing changed
    ),
    (
        "tenancy-model-changed",
        lambda s: _tenancy(s, model=IsolationModel.SCHEMA_PER_TENANT),
        ["tenancy-model-changed"],
    ),
    (
        "tenant-resolution-changed",
        lambda s: _tenancy(s, claims=Claims(tenant="org_id")),
        ["tenant-resolution-changed"],
    ),
    ("field-became-unique", lambda s: _field(s, "slug", unique=True), ["field-became-unique"]),
    (
        "field-became-write-once",
        lambda s: _field(s, "region", write_once=True),
        ["field-became-write-once"],
    ),
    # "-compiled": both sides as the compiler builds them (transition roles also as rules).
    (
        "transition-roles-moved-to-a-rule-compiled",
        lambda s: _roles_as_rule(s, "archive"),
        [],  # the same roles may archive: nothing changed for anyone
    ),
    (
        "transition-removed-compiled",
        lambda s: _machine(s, transitions=s.state_machines[0].transitions[1:]),
        ["transition-removed"],  # not also role-permission-removed per role
    ),
    (
        "transition-role-lost-compiled",
        lambda s: _transition(s, "archive", roles=(N("admin"),)),
        ["role-permission-removed"],  # once (writer), not once per rule module
    ),
    (
        "cross-tenant-role-added",
        lambda s: _tenancy(s, cross_tenant_roles=(N("admin"),)),
        ["cross-tenant-role-added"],
    ),
    (
        "field-visibility-narrowed",
        lambda s: _field(s, "region", read_roles=(N("writer"),)),
        ["field-visibility-narrowed"],
    ),
    (
        "field-visibility-narrowed-by-a-condition",
        lambda s: _field(s, "region", read_condition=OWNER),
        ["field-visibility-narrowed"],
    ),
    (
        "field-write-narrowed",
        lambda s: _field(s, "region", writable_by=(N("admin"),)),
        ["field-write-narrowed"],
    ),
    (
        "field-write-narrowed-by-a-condition",
        lambda s: _field(s, "region", write_condition=OWNER),
        ["field-write-narrowed"],
    ),
    (
        "principal-field-narrowed-by-member-of",
        lambda s: _field(s, "assignee", member_of=("project",)),
        ["principal-field-narrowed"],
    ),
    (
        "principal-field-narrowed-by-member-roles",
        lambda s: _field(s, "member", member_of_roles=("lead",)),
        ["principal-field-narrowed"],
    ),
    (
        "principal-field-narrowed-by-tenant-roles",
        lambda s: _field(s, "assignee", principal_roles=(N("admin"),)),
        ["principal-field-narrowed"],
    ),
    ("nothing-identical", lambda s: s, []),
]

REVERSED: list[tuple[str, Mutation, list[str]]] = [
    ("condition-removed", lambda s: _grants(s, "update", Grant(N("writer"), loc(41), OWNER)), []),
    ("field-uniqueness-removed", lambda s: _field(s, "slug", unique=True), []),
    ("field-write-once-removed", lambda s: _field(s, "region", write_once=True), []),
    (
        "field-visibility-widened",
        lambda s: _field(s, "region", read_roles=(N("admin"),)),
        [],
    ),
    (
        "field-write-widened",
        lambda s: _field(s, "region", write_condition=OWNER),
        [],
    ),
    (
        "cross-tenant-role-removed",
        lambda s: _tenancy(s, cross_tenant_roles=(N("admin"),)),
        [],
    ),
    (
        "principal-field-widened",
        lambda s: _field(s, "member", member_of_roles=("lead",)),
        [],
    ),
]


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_spec_rule(name: str, mutate: Mutation, expected: list[str]) -> None:
    base, revision = service(), mutate(service())
    if name.endswith("-compiled"):
        base, revision = _compiled(base), _compiled(revision)
    assert sorted(c.rule for c in compare_models(base, revision)) == sorted(expected)


@pytest.mark.parametrize(
    ("rule", "mutate"), [(r[0], r[1]) for r in REVERSED], ids=[r[0] for r in REVERSED]
)
def test_spec_rule_reverse_direction(rule: str, mutate: Mutation) -> None:
    """The opposite direction of an 'added' case gives the 'removed' rule."""
    base = service()
    rules = [c.rule for c in compare_models(mutate(base), base)]
    if rule == "condition-removed":
        assert rules == ["condition-removed", "condition-removed"]
    else:
        assert rules == [rule]


def test_principal_member_roles_compare_as_sets() -> None:
    """The same membership roles in another order change nothing; one more role widens."""
    base = _field(service(), "member", member_of_roles=("lead", "contributor"))
    reordered = _field(service(), "member", member_of_roles=("contributor", "lead"))
    assert list(compare_models(base, reordered)) == []
    more = _field(service(), "member", member_of_roles=("contributor", "lead", "viewer"))
    assert [c.rule for c in compare_models(base, more)] == ["principal-field-widened"]


def test_condition_changed_unless_provably_same() -> None:
    base = service()
    owner = _grants(base, "update", Grant(N("writer"), loc(41), OWNER))
    draft = _grants(base, "update", Grant(N("writer"), loc(41), DRAFT))
    respelled = _grants(
        base,
        "update",
        Grant(
            N("writer"),
            loc(41),
            dataclasses.replace(OWNER, source="resource.owner_id==principal.id"),
        ),
    )
    assert {c.rule for c in compare_models(owner, draft)} == {"condition-changed"}
    assert list(compare_models(owner, respelled)) == []


def test_condition_widened_when_the_old_one_implies_the_new_one() -> None:
    base = service()
    owner = _grants(base, "update", Grant(N("writer"), loc(41), OWNER))
    either = Condition(
        f"{OWNER.source} or {DRAFT.source}", Logical(BoolOp.OR, (OWNER.expr, DRAFT.expr))
    )
    both = Condition(
        f"{OWNER.source} and {DRAFT.source}", Logical(BoolOp.AND, (OWNER.expr, DRAFT.expr))
    )
    wider = _grants(base, "update", Grant(N("writer"), loc(41), either))
    narrower = _grants(base, "update", Grant(N("writer"), loc(41), both))
    assert {c.rule for c in compare_models(owner, wider)} == {"condition-widened"}
    assert {c.rule for c in compare_models(narrower, owner)} == {"condition-widened"}
    assert {c.rule for c in compare_models(owner, narrower)} == {"condition-changed"}


def test_spec_findings_carry_spec_locations_and_pointers() -> None:
    base = service()
    revision = _transition(base, "archive", sources=(N("active"),))
    empty = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    side_a = Side("a", empty, MapLocator({}), base, "spec")
    side_b = Side("b", empty, MapLocator({}), revision, "spec")
    (finding,) = diff(side_a, side_b, DiffOptions(dt.date(2025, 6, 1)))
    assert finding.rule == "transition-sources-narrowed"
    assert finding.level.value == "error"
    assert finding.location == loc(23)
    assert finding.pointer == "/components/schemas/Note/properties/status/x-transitions/archive"
    assert "draft" in finding.message


def test_each_spec_finding_has_its_own_pointer() -> None:
    """Findings of one rule never share a pointer, so an ignore entry names exactly one."""
    base = service()
    revision = _grants(_grants(base, "read", Grant(N("writer"), loc(40))), "update")
    revision = _transition(revision, "archive", sources=(N("active"),))
    revision = _transition(revision, "publish", sources=(N("active"),))
    changes = list(compare_models(_compiled(base), _compiled(revision)))
    keys = [(c.rule, c.pointer) for c in changes]
    assert len(keys) == len(set(keys)), keys
    note = "/components/schemas/Note"
    assert sorted(keys) == [
        ("role-permission-removed", f"{note}/x-permissions/read/reader"),
        ("role-permission-removed", f"{note}/x-permissions/update/admin"),
        ("role-permission-removed", f"{note}/x-permissions/update/writer"),
        ("transition-sources-narrowed", f"{note}/properties/status/x-transitions/archive"),
        ("transition-sources-narrowed", f"{note}/properties/status/x-transitions/publish"),
    ]


def test_every_spec_rule_has_a_case() -> None:
    covered = {rule for c in CASES for rule in c[2]} | {r[0] for r in REVERSED}
    covered.add("condition-changed")  # test_condition_changed_unless_provably_same
    covered.add("condition-widened")  # test_condition_widened_when_the_old_one_implies_...
    spec_rules = {r.id for r in RULES.values() if r.area.endswith("(spec only)")}
    assert sorted(spec_rules - covered) == []
