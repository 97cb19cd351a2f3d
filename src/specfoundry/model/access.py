"""Roles and permission rules: RBAC with inheritance plus attribute conditions, default deny."""

from __future__ import annotations

from dataclasses import dataclass, field

from specfoundry.diagnostics import Location
from specfoundry.model.expressions import Condition
from specfoundry.model.names import Name

CRUD_ACTIONS = ("read", "list", "create", "update", "delete")


@dataclass(frozen=True, slots=True)
class Role:
    name: Name
    location: Location
    # Direct parents as written, and every role this one includes, transitively.
    inherits: tuple[Name, ...] = ()
    includes: tuple[Name, ...] = ()
    description: str | None = None
    cross_tenant: bool = False


@dataclass(frozen=True, slots=True)
class Grant:
    """One rule line: ``role`` may perform the action, when ``condition`` holds (if any)."""

    role: Name
    location: Location
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class ActionRule:
    entity: Name
    action: Name
    grants: tuple[Grant, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Permissions:
    roles: tuple[Role, ...]
    rules: tuple[ActionRule, ...]
    # (entity, action) -> its rule (the first one, as a scan would find): emitters ask for
    # every pair, and a scan of every rule each time was quadratic in the number of entities.
    _by_action: dict[tuple[str, str], ActionRule] = field(
        init=False, repr=False, compare=False, hash=False
    )

    # holders() by (entity, action), filled on first use (emitters ask for each pair often).
    _holders: dict[tuple[str, str], tuple[Holder, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], ActionRule] = {}
        for r in self.rules:
            index.setdefault((r.entity.raw, r.action.raw), r)
        object.__setattr__(self, "_by_action", index)
        object.__setattr__(self, "_holders", {})

    def administrators(self) -> tuple[str, ...]:
        """The top role (the one that includes the most others, first declared on a tie) and
        every role that includes it: who administers what no spec rule names (dead letters)."""
        if not self.roles:
            return ()
        top = max(self.roles, key=lambda r: len(r.includes)).name.raw
        return tuple(
            r.name.raw
            for r in self.roles
            if r.name.raw == top or top in {n.raw for n in r.includes}
        )

    def role(self, name: str) -> Role | None:
        return next((r for r in self.roles if r.name.raw == name), None)

    def rule(self, entity: str, action: str) -> ActionRule | None:
        return self._by_action.get((entity, action))

    def holders(self, entity: str, action: str) -> tuple[Holder, ...]:
        """Every role that may perform ``action``, through inheritance, with its conditions.

        Any allowing path wins (saas-standards P-02): a role that reaches an unconditional
        grant holds the action unconditionally; otherwise it holds it when any of the
        conditions of the grants it reaches is true.
        """
        known = self._holders.get((entity, action))
        if known is None:
            known = self._holders[entity, action] = self._compute_holders(entity, action)
        return known

    def _compute_holders(self, entity: str, action: str) -> tuple[Holder, ...]:
        rule = self.rule(entity, action)
        if rule is None:
            return ()
        result: list[Holder] = []
        for role in self.roles:
            lineage = {role.name.raw, *(n.raw for n in role.includes)}
            matching = [g for g in rule.grants if g.role.raw in lineage]
            if not matching:
                continue
            conditions: tuple[Condition, ...] = ()
            if all(g.condition is not None for g in matching):
                conditions = tuple(g.condition for g in matching if g.condition is not None)
            result.append(Holder(role=role, conditions=conditions))
        return tuple(result)


@dataclass(frozen=True, slots=True)
class Holder:
    """A role allowed an action; ``conditions`` empty means always, else when any holds."""

    role: Role
    conditions: tuple[Condition, ...]

    @property
    def unconditional(self) -> bool:
        return not self.conditions
