"""Build the intermediate model from a schema-valid document.

The builder is tolerant: references that do not resolve are kept as names, so the semantic
checks (:mod:`specfoundry.validate.semantic`) can report every problem against a whole model
with locations. Only what cannot be represented at all (a condition that does not parse, a
date that is not a date) becomes a diagnostic here.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from specfoundry.diagnostics import Diagnostic, Location, Severity
from specfoundry.load import SourceMap
from specfoundry.lower.conditions import (
    ConditionSyntaxError,
    parse_condition,
    with_inherited_roles,
)
from specfoundry.lower.platform import api_keys as platform_api_keys
from specfoundry.lower.platform import audit as platform_audit
from specfoundry.lower.platform import cache as platform_cache
from specfoundry.lower.platform import jobs as platform_jobs
from specfoundry.lower.platform import merge_events, platform_entities, platform_events
from specfoundry.lower.platform import webhooks as platform_webhooks
from specfoundry.lower.platform.idempotency import idempotency_settings
from specfoundry.model import (
    Access,
    ActionRule,
    Api,
    AutoValue,
    Billing,
    BillingEventRule,
    BillingPlan,
    Claims,
    Condition,
    Deprecation,
    Driver,
    Effect,
    EffectValue,
    Entity,
    Event,
    EventField,
    Field,
    FieldType,
    Grant,
    Index,
    IsolationModel,
    MembershipLink,
    Name,
    Nesting,
    OnDelete,
    Operation,
    Pagination,
    Permissions,
    Platform,
    RateLimit,
    RateLimitKey,
    RateLimits,
    RateLimitStrategy,
    Resource,
    Role,
    RolesFrom,
    Service,
    State,
    StateMachine,
    Tenancy,
    TenantSource,
    Transition,
)
from specfoundry.model.entities import WriteEffect
from specfoundry.model.platform import EventDelivery, EventHandler, Webhooks
from specfoundry.model.service import Members
from specfoundry.model.sla import METRICS as SLA_METRICS
from specfoundry.model.sla import OperationClass, Sla, SlaTarget

_UNKNOWN = Location("<unknown>", 0, 0)


class _Builder:
    def __init__(self, data: dict[str, Any], sources: SourceMap) -> None:
        self.data = data
        self.sources = sources
        self.diagnostics: list[Diagnostic] = []

    def at(self, *path: str | int) -> Location:
        return self.sources.at(*path) or _UNKNOWN

    def key(self, *path: str | int) -> Location:
        return self.sources.key_at(*path) or _UNKNOWN

    def error(self, code: str, message: str, location: Location, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.ERROR, message, location, hint))

    # -- conditions -------------------------------------------------------------------------
    def condition(self, text: str, *path: str | int) -> Condition | None:
        try:
            return with_inherited_roles(parse_condition(text), self._role_holders)
        except ConditionSyntaxError as exc:
            self.error(
                "SF330",
                f"{exc} (in `{text.strip()}`, at character {exc.offset + 1})",
                self.at(*path),
                "conditions compare resource.<field> and principal.<id|tenant_id|roles> with "
                "literals using == != < <= > >= in, joined by and/or/not",
            )
            return None

    @functools.cached_property
    def _role_holders(self) -> dict[str, tuple[str, ...]]:
        """Each role with the roles that include it (inherit it, transitively), in the spec's
        order: ``principal.roles`` tests hold for them too (``with_inherited_roles``)."""
        raw = (self.data.get("permissions") or {}).get("roles") or {}
        if not isinstance(raw, dict):
            return {}
        parents = {
            str(name): [str(p) for p in (body or {}).get("inherits", []) or []]
            if isinstance(body, dict) or body is None
            else []
            for name, body in raw.items()
        }
        return {
            role: tuple(other for other in parents if role in _closure(other, parents))
            for role in parents
        }

    # -- service ----------------------------------------------------------------------------
    def service(self) -> Service:
        raw = self.data["service"]
        name = Name(raw["name"])
        machines = tuple(self.machine(n, m) for n, m in sorted(self._section("state_machines")))
        entities = tuple(self.entity(n, e, machines) for n, e in self._items("entities"))
        entities += platform_entities(self.data)
        return Service(
            name=name,
            title=raw.get("title") or name.title,
            version=str(raw["version"]),
            description=raw.get("description"),
            tenancy=self.tenancy(),
            entities=entities,
            state_machines=machines,
            permissions=self.permissions(machines),
            api=self.api(machines),
            events=merge_events(
                tuple(self.event(n, e) for n, e in sorted(self._section("events"))),
                platform_events(self.data),
            ),
            location=self.key("service"),
            platform=self.platform(),
        )

    def platform(self) -> Platform:
        """The platform features' settings (each feature adds its field here)."""
        api_keys = platform_api_keys.settings(self.data)
        audit = platform_audit.settings(self.data)
        return Platform(
            api_keys=api_keys and replace(api_keys, location=self.key("api", "api_keys")),
            audit=audit and replace(audit, location=self.key("audit")),
            cache=platform_cache.settings(self.data),
            sla=self.sla(),
            idempotency=idempotency_settings(self.data),
            events=self.event_delivery(),
            billing=self.billing(),
            webhooks=self.webhooks(),
            jobs=platform_jobs.settings(self.data, self.key, duration_seconds),
        )

    def webhooks(self) -> Webhooks | None:
        """``webhooks``: outgoing webhooks (lower/platform/webhooks.py)."""
        settings = platform_webhooks.settings(self.data)
        return settings and replace(settings, location=self.key("webhooks"))

    def sla(self) -> Sla:
        raw = self.data.get("sla") or {}
        targets = []
        for n, item in enumerate(raw.get("targets") or ()):
            kind = item.get("class")
            targets.append(
                SlaTarget(
                    location=self.at("sla", "targets", n),
                    operation=item.get("operation"),
                    operation_class=OperationClass(kind) if kind else None,
                    plan=item.get("plan"),
                    **{m: float(item[m]) for m in SLA_METRICS if m in item},
                )
            )
        return Sla(targets=tuple(targets), users=int(raw.get("users", 10)))

    def event_delivery(self) -> EventDelivery:
        """``events.<type>.handlers``: user functions with their retry policies."""
        handlers: list[EventHandler] = []
        for event, raw in sorted(self._section("events")):
            for function, policy in sorted(((raw or {}).get("handlers") or {}).items()):
                policy = policy or {}
                handlers.append(
                    EventHandler(
                        event=event,
                        function=function,
                        location=self.key("events", event, "handlers", function),
                        attempts=int(policy.get("attempts", 5)),
                        backoff_seconds=duration_seconds(policy.get("backoff", "15s")),
                        timeout_seconds=duration_seconds(policy.get("timeout", "60s")),
                        queue=str(policy.get("queue", "events")),
                    )
                )
        return EventDelivery(handlers=tuple(handlers))

    # -- billing ----------------------------------------------------------------------------
    def billing(self) -> Billing | None:
        raw = self.data.get("billing")
        if not raw:
            return None
        sub = raw["subscription"]
        entity = sub["entity"]
        machine = sub.get("machine") or next(
            (
                n
                for n, m in sorted(self._section("state_machines"))
                if isinstance(m, dict) and m.get("entity") == entity
            ),
            entity,
        )
        objects = tuple(
            (kind, tuple(sorted((what, str(path)) for what, path in paths.items())))
            for kind, paths in sorted((raw.get("objects") or {}).items())
        )
        events = tuple(
            BillingEventRule(
                type=etype,
                source=(body or {}).get("object", "subscription"),
                to=(body or {}).get("to"),
                location=self.key("billing", "events", etype),
            )
            for etype, body in sorted((raw.get("events") or {}).items())
        )
        plans = tuple(
            BillingPlan(
                name=str(pname),
                features=tuple((body or {}).get("features", ())),
                quotas=tuple(sorted(((body or {}).get("quotas") or {}).items())),
                location=self.key("billing", "plans", pname),
            )
            for pname, body in (raw.get("plans") or {}).items()
        )
        features = tuple(
            (fname, tuple((body or {}).get("resources", ())))
            for fname, body in sorted((raw.get("features") or {}).items())
        )
        return Billing(
            provider=raw.get("provider", "stripe"),
            entity=Name(entity),
            machine=Name(machine),
            id_field=Name(sub["id_field"]),
            plan_field=Name(sub["plan_field"]) if "plan_field" in sub else None,
            objects=objects,
            statuses=tuple(
                sorted((str(k), str(v)) for k, v in (raw.get("statuses") or {}).items())
            ),
            events=events,
            fields=tuple((Name(f), str(path)) for f, path in (sub.get("fields") or {}).items()),
            default_plan=raw.get("default_plan"),
            plans=plans,
            features=features,
            reads_without_access=bool(raw.get("reads_without_access", True)),
            location=self.key("billing"),
        )

    def _provider_fields(self, entity: str) -> set[str]:
        """Fields of ``entity`` the billing provider writes: read-only through the API."""
        raw = self.data.get("billing") or {}
        sub = raw.get("subscription") or {}
        if sub.get("entity") != entity:
            return set()
        return {*(sub.get("fields") or {}), sub.get("id_field", "")}

    def _section(self, key: str) -> list[tuple[str, Any]]:
        return list((self.data.get(key) or {}).items())

    def _items(self, key: str) -> list[tuple[str, Any]]:
        """Spec order is kept for entities: it is the order users read them in."""
        return self._section(key)

    def tenancy(self) -> Tenancy:
        raw = self.data["tenancy"]
        resolution = raw.get("resolution") or {}
        claims = raw.get("claims") or {}
        return Tenancy(
            model=IsolationModel(raw.get("model", "shared_schema")),
            tenant_entity=Name(raw["tenant_entity"]),
            source=TenantSource(resolution.get("source", "jwt_claim")),
            claims=Claims(
                subject=claims.get("subject", "sub"),
                tenant=resolution.get("claim", "tid"),
                roles=claims.get("roles", "roles"),
            ),
            cross_tenant_roles=tuple(Name(r) for r in raw.get("cross_tenant_roles", [])),
            location=self.key("tenancy"),
            roles_from=self._members_roles(raw.get("members"))
            or self._roles_from(raw.get("roles_from")),
            members=Members(
                entity=Name(raw["members"]["entity"]),
                subject=Name(raw["members"]["subject"]),
                role=Name(raw["members"]["role"]) if "role" in raw["members"] else None,
                location=self.key("tenancy", "members"),
            )
            if "members" in raw
            else None,
        )

    def _members_roles(self, raw: Any) -> RolesFrom | None:
        """``tenancy.members.roles: membership | union``: tenant roles from the member rows
        (``token``, the default: from the token only). Without a ``role`` field there is
        nothing to read (SF403 says so)."""
        if not isinstance(raw, dict) or raw.get("roles", "token") == "token":
            return None
        if "role" not in raw:
            return None
        return RolesFrom(
            entity=Name(raw["entity"]),
            subject=Name(raw["subject"]),
            role=Name(raw["role"]),
            prefer=str(raw["roles"]),
            location=self.key("tenancy", "members", "roles"),
            key="members",
        )

    def _roles_from(self, raw: Any) -> RolesFrom | None:
        if not isinstance(raw, dict):
            return None
        return RolesFrom(
            entity=Name(raw["entity"]),
            subject=Name(raw["subject"]),
            role=Name(raw["role"]),
            prefer=str(raw.get("prefer", "membership")),
            location=self.key("tenancy", "roles_from"),
        )

    # -- entities ---------------------------------------------------------------------------
    def entity(self, name: str, raw: dict[str, Any], machines: tuple[StateMachine, ...]) -> Entity:
        path = ("entities", name)
        is_tenant = name == self.data["tenancy"]["tenant_entity"]
        bound = {m.field.raw: m for m in machines if m.entity.raw == name}
        provider_owned = self._provider_fields(name)
        fields = tuple(
            self.field(path, fname, fraw, bound.get(fname), provider_owned=fname in provider_owned)
            for fname, fraw in raw["fields"].items()
        )
        indexes = []
        for i, item in enumerate(raw.get("indexes", [])):
            names, unique = (
                (item, False)
                if isinstance(item, list)
                else (item["fields"], bool(item.get("unique")))
            )
            indexes.append(
                Index(tuple(Name(n) for n in names), unique, self.at(*path, "indexes", i))
            )
        emits = tuple(
            sorted((action, Name(event)) for action, event in (raw.get("emits") or {}).items())
        )
        hooks = tuple((action, Name(fn)) for action, fn in (raw.get("hooks") or {}).items())
        effects = tuple(
            self.write_effect(path, action, i, item)
            for action, items in (raw.get("effects") or {}).items()
            for i, item in enumerate(items)
        )
        return Entity(
            name=Name(name),
            table=raw.get("table") or Name(name).plural,
            location=self.key(*path),
            fields=fields,
            description=raw.get("description"),
            tenant_scoped=raw.get("tenant_scoped", not is_tenant),
            is_tenant=is_tenant,
            soft_delete=bool(raw.get("soft_delete", False)),
            indexes=tuple(indexes),
            emits=emits,
            membership=self._membership(path, raw.get("membership")),
            hooks=hooks,
            effects=effects,
        )

    def _membership(self, path: tuple[str, str], raw: Any) -> MembershipLink | None:
        if not isinstance(raw, dict):
            return None
        role = raw.get("role")
        return MembershipLink(
            subject=Name(raw["subject"]),
            object=Name(raw["object"]),
            role=Name(role) if role else None,
            location=self.key(*path, "membership"),
        )

    def write_effect(
        self, path: tuple[str, str], action: str, i: int, raw: dict[str, Any]
    ) -> WriteEffect:
        at = (*path, "effects", action, i)
        target = raw["set"]
        value = target.get("value")
        special = AutoValue(value) if value in ("now", "principal") else None
        return WriteEffect(
            action=action,
            target=Name(target["target"]),
            field=Name(target["field"]),
            value=None if special is not None else value,
            special=special,
            location=self.key(*at),
            when=self.condition(raw["when"], *at, "when") if "when" in raw else None,
            once=bool(raw.get("once", False)),
        )

    def field(
        self,
        entity_path: tuple[str, str],
        name: str,
        raw: dict[str, Any],
        machine: StateMachine | None,
        *,
        provider_owned: bool = False,
    ) -> Field:
        path = (*entity_path, "fields", name)
        ftype = FieldType(raw["type"])
        values: tuple[str, ...] = tuple(raw.get("values", ()))
        if ftype is FieldType.STATE and machine is not None:
            values = tuple(s.name.raw for s in machine.states)
        has_default = "default" in raw
        default = (
            self.default_value(ftype, raw.get("default"), *path, "default") if has_default else None
        )
        is_list = ftype is FieldType.LIST
        item_type = FieldType(raw["items"]) if is_list and "items" in raw else None
        return Field(
            name=Name(name),
            type=ftype,
            location=self.key(*path),
            description=raw.get("description"),
            required=bool(raw.get("required", False)),
            # On a list, `unique` means that no item repeats (a JSON array has no unique index).
            unique=bool(raw.get("unique", False)) and not is_list,
            read_only=provider_owned or bool(raw.get("read_only", False)),
            write_once=bool(raw.get("write_once", False)) and not provider_owned,
            parent_permission=Name(raw["parent_permission"])
            if raw.get("parent_permission")
            else None,
            sortable=bool(raw.get("sortable", False)),
            filterable=bool(raw.get("filterable", False)),
            min_length=raw.get("min_length"),
            max_length=raw.get("max_length"),
            # Money is never negative unless the spec says so (a price of -100.00 is refused).
            minimum=self.decimal(raw.get("minimum"), *path, "minimum")
            if "minimum" in raw or ftype is not FieldType.MONEY
            else Decimal(0),
            maximum=self.decimal(raw.get("maximum"), *path, "maximum"),
            pattern=raw.get("pattern"),
            has_default=has_default,
            default=default,
            enum_values=values,
            ref_entity=Name(raw["entity"]) if "entity" in raw else None,
            on_delete=OnDelete(raw.get("on_delete", "restrict")),
            currency=raw.get("currency"),
            auto=AutoValue(raw["auto"]) if "auto" in raw else None,
            writable_by=self.writers(raw),
            write_key="write" if "writable_by" not in raw and "write" in raw else "writable_by",
            write_condition=self.condition(raw["write"]["condition"], *path, "write", "condition")
            if "condition" in (raw.get("write") or {}) and "writable_by" not in raw
            else None,
            member_of=_member_of_path(raw.get("member_of")),
            member_of_roles=_member_of_roles(raw.get("member_of")),
            state_machine=machine.name if machine is not None else None,
            sensitive=bool(raw.get("sensitive", False)),
            personal=bool(raw.get("personal", False)),
            item_type=item_type,
            min_items=raw.get("min_items"),
            max_items=raw.get("max_items"),
            unique_items=is_list and bool(raw.get("unique", False)),
            principal_roles=tuple(Name(r) for r in raw.get("roles", ())),
            read_roles=tuple(Name(r) for r in raw["read"]["roles"])
            if "roles" in (raw.get("read") or {})
            else None,
            read_condition=self.condition(raw["read"]["condition"], *path, "read", "condition")
            if "condition" in (raw.get("read") or {})
            else None,
            on_behalf_of=tuple(Name(r) for r in raw["on_behalf_of"])
            if "on_behalf_of" in raw
            else None,
        )

    @staticmethod
    def writers(raw: dict[str, Any]) -> tuple[Name, ...] | None:
        """The roles that may write a field: ``writable_by``, else ``write.roles`` (both
        together is SF417, reported by the field checks; ``writable_by`` wins meanwhile)."""
        if "writable_by" in raw:
            return tuple(Name(r) for r in raw["writable_by"])
        roles = (raw.get("write") or {}).get("roles")
        return tuple(Name(r) for r in roles) if roles is not None else None

    def decimal(self, value: Any, *path: str | int) -> Decimal | None:
        if value is None or isinstance(value, bool):
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.error(
                "SF371",
                f"'{value}' is not a number",
                self.at(*path),
                "write a plain number such as 10 or 9.99",
            )
            return None
        return number

    def default_value(self, ftype: FieldType, value: Any, *path: str | int) -> Any:
        """Defaults are typed here so the emitters print them without guessing."""
        if value is None:
            return None
        if ftype in (FieldType.DECIMAL, FieldType.MONEY):
            return self.decimal(value, *path)
        return value

    # -- state machines ---------------------------------------------------------------------
    def machine(self, name: str, raw: dict[str, Any]) -> StateMachine:
        path = ("state_machines", name)
        states = tuple(self.state(path, sname, sraw or {}) for sname, sraw in raw["states"].items())
        transitions = tuple(
            self.transition(path, tname, traw) for tname, traw in raw["transitions"].items()
        )
        return StateMachine(
            name=Name(name),
            entity=Name(raw["entity"]),
            field=Name(raw["field"]),
            initial=Name(raw["initial"]),
            states=states,
            transitions=transitions,
            location=self.key(*path),
            description=raw.get("description"),
        )

    def state(self, machine_path: tuple[str, str], name: str, raw: dict[str, Any]) -> State:
        access = raw.get("access")
        return State(
            name=Name(name),
            location=self.key(*machine_path, "states", name),
            terminal=bool(raw.get("terminal", False)),
            access=None
            if access is None
            else Access.GRACE
            if access == "grace"
            else Access.GRANTED
            if access
            else Access.DENIED,
            grace_days=raw.get("grace_days"),
            description=raw.get("description"),
        )

    def transition(
        self, machine_path: tuple[str, str], name: str, raw: dict[str, Any]
    ) -> Transition:
        path = (*machine_path, "transitions", name)
        sources = raw["from"] if isinstance(raw["from"], list) else [raw["from"]]
        guard = self.condition(raw["guard"], *path, "guard") if "guard" in raw else None
        effects = tuple(
            Effect(Name(field), _effect_value(value), self.key(*path, "effects", field))
            for field, value in (raw.get("effects") or {}).items()
        )
        return Transition(
            name=Name(name),
            sources=tuple(Name(s) for s in sources),
            target=Name(raw["to"]),
            location=self.key(*path),
            roles=tuple(Name(r) for r in raw.get("roles", ())),
            guard=guard,
            effects=effects,
            hook=Name(raw["hook"]) if "hook" in raw else None,
            events=tuple(Name(e) for e in raw.get("events", ())),
            description=raw.get("description"),
            by=Driver(raw.get("by", "api")),
            after_seconds=duration_seconds(raw["after"]) if "after" in raw else None,
        )

    # -- permissions ------------------------------------------------------------------------
    def permissions(self, machines: tuple[StateMachine, ...]) -> Permissions:
        raw = self.data.get("permissions") or {"roles": {}}
        cross = set(self.data["tenancy"].get("cross_tenant_roles", []))
        parents = {
            name: list((body or {}).get("inherits", [])) for name, body in raw["roles"].items()
        }
        roles = tuple(
            Role(
                name=Name(name),
                location=self.key("permissions", "roles", name),
                inherits=tuple(Name(p) for p in parents[name]),
                includes=tuple(Name(n) for n in _closure(name, parents)),
                description=(body or {}).get("description"),
                cross_tenant=name in cross,
            )
            for name, body in raw["roles"].items()
        )
        rules: list[ActionRule] = []
        for entity, actions in sorted((raw.get("rules") or {}).items()):
            for action, grants in sorted(actions.items()):
                path = ("permissions", "rules", entity, action)
                rules.append(
                    ActionRule(
                        entity=Name(entity),
                        action=Name(action),
                        grants=tuple(self.grant(g, *path, i) for i, g in enumerate(grants)),
                        location=self.key(*path),
                    )
                )
        # Transition roles are permission rules like any other, so every emitter reads one table.
        written = {(r.entity.raw, r.action.raw) for r in rules}
        for machine in machines:
            for t in machine.transitions:
                if not t.roles or not t.public:
                    continue  # provider/system transitions: no role can run them (SF326)
                if (machine.entity.raw, t.name.raw) in written:
                    self.error(
                        "SF343",
                        f"transition '{t.name}' has `roles` and also a rule in "
                        f"permissions.rules.{machine.entity}",
                        t.location,
                        "grant a transition in one place only",
                    )
                    continue
                rules.append(
                    ActionRule(
                        entity=machine.entity,
                        action=t.name,
                        grants=tuple(Grant(r, t.location) for r in t.roles),
                        location=t.location,
                    )
                )
        rules.sort(key=lambda r: (r.entity.raw, r.action.raw))
        return Permissions(roles=roles, rules=tuple(rules))

    def grant(self, raw: Any, *path: str | int) -> Grant:
        if isinstance(raw, str):
            return Grant(Name(raw), self.at(*path))
        condition = self.condition(raw["when"], *path, "when") if "when" in raw else None
        return Grant(Name(raw["role"]), self.at(*path), condition)

    # -- api --------------------------------------------------------------------------------
    def api(self, machines: tuple[StateMachine, ...]) -> Api:
        raw = self.data["api"]
        pagination = raw.get("pagination") or {}
        resources = []
        for rpath, body in raw["resources"].items():
            path = ("api", "resources", rpath)
            entity = body["entity"]
            exposed = body.get("transitions", [])
            if exposed == "all":
                # Transitions the provider or the system runs get no public route.
                exposed = [
                    t.name.raw
                    for m in machines
                    if m.entity.raw == entity
                    for t in m.transitions
                    if t.public
                ]
            per_op = tuple(
                sorted(
                    (op, dep)
                    for op, draw in (body.get("deprecated_operations") or {}).items()
                    if (dep := self.deprecation(draw, *path, "deprecated_operations", op))
                )
            )
            resources.append(
                Resource(
                    path=rpath,
                    entity=Name(entity),
                    operations=tuple(
                        Operation(o) for o in Operation if o.value in body["operations"]
                    ),
                    transitions=tuple(Name(t) for t in exposed),
                    location=self.key(*path),
                    deprecated=self.deprecation(body["deprecated"], *path, "deprecated")
                    if "deprecated" in body
                    else None,
                    deprecated_operations=per_op,
                    require_precondition=bool(body.get("require_precondition", False)),
                    parent=self.nesting(body["parent"], *path, "parent")
                    if "parent" in body
                    else None,
                )
            )
        return Api(
            version=raw.get("version", 1),
            resources=tuple(resources),
            pagination=Pagination(
                default_limit=pagination.get("default_limit", 10),
                max_limit=pagination.get("max_limit", 100),
            ),
            rate_limits=self.rate_limits(raw["rate_limits"]) if "rate_limits" in raw else None,
        )

    def nesting(self, raw: dict[str, Any], *path: str | int) -> Nesting:
        return Nesting(
            resource=raw["resource"],
            field=Name(raw["field"]) if "field" in raw else None,
            flat=bool(raw.get("flat", False)),
            location=self.key(*path),
        )

    def deprecation(self, raw: dict[str, Any], *path: str | int) -> Deprecation | None:
        try:
            since = dt.date.fromisoformat(raw["since"])
            sunset = dt.date.fromisoformat(raw["sunset"]) if "sunset" in raw else None
        except ValueError as exc:
            self.error("SF204", f"invalid date: {exc}", self.at(*path), "write dates as YYYY-MM-DD")
            return None
        return Deprecation(since, sunset, self.key(*path), raw.get("note"))

    def rate_limits(self, raw: dict[str, Any]) -> RateLimits:
        plan_entity = plan_field = None
        if "plan_field" in raw:
            entity, field = raw["plan_field"].split(".", 1)
            plan_entity, plan_field = Name(entity), Name(field)

        def notation(text: str | None) -> str | None:
            return None if text is None else text.replace(" per ", "/").replace(" ", "")

        plans = []
        for plan, limit in raw["plans"].items():
            where = self.at("api", "rate_limits", "plans", plan)
            if isinstance(limit, str):  # one budget for every operation
                plans.append(RateLimit(plan, notation(limit), where))
            else:
                read, write = notation(limit.get("read")), notation(limit.get("write"))
                plans.append(RateLimit(plan, None, where, read=read, write=write))
        return RateLimits(
            plans=tuple(plans),
            default_plan=raw["default_plan"],
            plan_entity=plan_entity,
            plan_field=plan_field,
            key=RateLimitKey(raw.get("key", "tenant")),
            strategy=RateLimitStrategy(raw.get("strategy", "sliding-window-counter")),
            on_storage_error=raw.get("on_storage_error", "allow"),
        )

    # -- events -----------------------------------------------------------------------------
    def event(self, name: str, raw: dict[str, Any] | None) -> Event:
        raw = raw or {}
        path = ("events", name)
        return Event(
            name=name,
            payload=tuple(
                EventField(Name(f), FieldType(t), self.key(*path, "payload", f))
                for f, t in (raw.get("payload") or {}).items()
            ),
            location=self.key(*path),
            description=raw.get("description"),
        )


_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def duration_seconds(text: str | int) -> float:
    """``"500ms"``, ``"30s"``, ``"5m"``, ``"2h"``, ``"1d"`` (schema-checked) -> seconds."""
    value = str(text).strip()
    for unit in ("ms", "s", "m", "h", "d"):
        if value.endswith(unit) and value[: -len(unit)].strip().isdigit():
            return int(value[: -len(unit)]) * _DURATION_UNITS[unit]
    return float(value)


def _effect_value(value: Any) -> Any:
    if isinstance(value, str) and value in EffectValue._value2member_map_:
        return EffectValue(value)
    return value


def _member_of_path(raw: Any) -> tuple[str, ...]:
    """``member_of: project`` or ``member_of: {path: project, roles: [...]}``: the path."""
    text = raw.get("path") if isinstance(raw, dict) else raw
    return tuple(text.split(".")) if isinstance(text, str) and text else ()


def _member_of_roles(raw: Any) -> tuple[str, ...] | None:
    """The roles of ``member_of: {path, roles}``; None for the plain form (any membership)."""
    if not isinstance(raw, dict) or "roles" not in raw:
        return None
    return tuple(str(r) for r in raw["roles"] or ())


def _closure(role: str, parents: dict[str, list[str]]) -> list[str]:
    """Every role ``role`` inherits from, transitively; safe on cycles (reported elsewhere)."""
    seen: list[str] = []
    stack = list(parents.get(role, []))
    while stack:
        current = stack.pop()
        if current in seen or current == role:
            continue
        seen.append(current)
        stack.extend(parents.get(current, []))
    return sorted(seen)


def build_model(data: dict[str, Any], sources: SourceMap) -> tuple[Service, list[Diagnostic]]:
    builder = _Builder(data, sources)
    service = builder.service()
    return service, builder.diagnostics
