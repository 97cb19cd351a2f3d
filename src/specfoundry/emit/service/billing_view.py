"""The view of ``billing:`` for the generated ``<svc>/billing.py`` (runtime/billing.py bound)."""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.model import EntityOrigin, FieldType, Service
from specfoundry.model.nesting import resolve_nesting

_KINDS = {
    FieldType.DATETIME: "datetime",
    FieldType.MONEY: "money",
    FieldType.INTEGER: "int",
}


@dataclass(frozen=True, slots=True)
class BillingView:
    provider: str
    entity: str
    class_name: str
    event_class: str
    tenant_class: str
    state_field: str
    id_field: str
    plan_field: str | None
    initial: str
    terminal: tuple[str, ...]
    objects: tuple[tuple[str, str, str, str | None], ...]  # kind, id, tenant, status paths
    statuses: tuple[tuple[str, str], ...]
    events: tuple[tuple[str, str, str | None], ...]  # type, object kind, fixed target
    fields: tuple[tuple[str, str, str], ...]  # field, path, kind
    transitions: tuple[tuple[str, str, str, str], ...]  # from, to, name, machine function
    access: tuple[tuple[str, str, int], ...]
    default_plan: str | None
    plans: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, int], ...]], ...]
    features: tuple[tuple[str, str], ...]  # base path, feature
    quota_models: tuple[tuple[str, str], ...]  # entity, class
    reads_without_access: bool
    exempt_paths: tuple[str, ...]

    # Python literals of the tables the template lays out as they are
    @property
    def statuses_py(self) -> str:
        return repr(dict(self.statuses))

    @property
    def features_py(self) -> str:
        return repr(dict(self.features))

    @property
    def terminal_py(self) -> str:
        return _set_literal(self.terminal)

    @property
    def exempt_py(self) -> str:
        return _set_literal(self.exempt_paths)

    @property
    def plans_py(self) -> tuple[tuple[str, str, str], ...]:
        """(name, features set literal, quotas dict literal) of each plan."""
        return tuple(
            (name, _set_literal(features), repr(dict(quotas)))
            for name, features, quotas in self.plans
        )

    @property
    def runs(self) -> tuple[tuple[str, str], ...]:
        """(transition, machine function) of each provider transition, once each."""
        return tuple(sorted({(name, fn) for _, _, name, fn in self.transitions}))

    @property
    def model_imports(self) -> tuple[str, ...]:
        names = {self.class_name, self.event_class, self.tenant_class, "TransitionRecord"}
        names |= {cls for _, cls in self.quota_models}
        return tuple(sorted(names))


def _set_literal(items: tuple[str, ...]) -> str:
    """A set literal in sorted order (``repr`` of a set depends on the hash seed); "" if empty."""
    return "{" + ", ".join(repr(i) for i in sorted(items)) + "}" if items else ""


def billing_view(model: Service) -> BillingView | None:
    billing = model.platform.billing
    if billing is None:
        return None
    entity = model.entity(billing.entity.raw)
    machine = next(m for m in model.state_machines if m.name == billing.machine)
    assert entity is not None
    event_entity = next(
        e
        for e in model.entities
        if e.origin is EntityOrigin.PLATFORM and e.name.raw == billing.event_table_entity
    )
    transitions: dict[tuple[str, str], tuple[str, str]] = {}
    for t in machine.transitions:
        if t.public:
            continue
        for source in t.sources:
            transitions.setdefault(
                (source.raw, t.target.raw),
                (t.name.raw, f"transition_{entity.name.raw}_{t.name.raw}"),
            )
    fields = []
    for name, path in billing.fields:
        field = entity.field(name.raw)
        kind = _KINDS.get(field.type, "str") if field is not None else "str"
        if field is not None and field.type is FieldType.ENUM:
            kind = "enum:" + "|".join(field.enum_values)
        fields.append((name.raw, path, kind))
    resources = {r.path: [f"{model.api.base_path}/{r.path}"] for r in model.api.resources}
    for r in model.api.resources:  # a nested resource's routes under its parent as well
        nesting = resolve_nesting(model, r)
        if nesting is not None:
            resources[r.path].append(
                f"{model.api.base_path}/{nesting.parent.path}/{{{nesting.param}}}/{r.path}"
            )
    features = sorted(
        (base, feature)
        for feature, paths in billing.features
        for path in paths
        if path in resources
        for base in resources[path]
    )
    quota_entities = sorted({name for plan in billing.plans for name, _ in plan.quotas})
    own = model.api.resource_for(entity.name.raw)

    def paths(kind_paths: tuple[tuple[str, str], ...]) -> dict[str, str]:
        return dict(kind_paths)

    return BillingView(
        provider=billing.provider,
        entity=entity.name.raw,
        class_name=entity.name.pascal,
        event_class=event_entity.name.pascal,
        tenant_class=model.tenant_entity.name.pascal,
        state_field=machine.field.raw,
        id_field=billing.id_field.raw,
        plan_field=billing.plan_field.raw if billing.plan_field else None,
        initial=machine.initial.raw,
        terminal=tuple(s.name.raw for s in machine.states if s.terminal),
        objects=tuple(
            (kind, paths(p)["id"], paths(p)["tenant"], paths(p).get("status"))
            for kind, p in billing.objects
        ),
        statuses=billing.statuses,
        events=tuple((r.type, r.source, r.to) for r in billing.events),
        fields=tuple(fields),
        transitions=tuple((a, b, n, f) for (a, b), (n, f) in sorted(transitions.items())),
        access=tuple(
            (s.name.raw, s.access.value, s.grace_days or 0)
            for s in machine.states
            if s.access is not None
        ),
        default_plan=billing.default_plan,
        plans=tuple((p.name, tuple(sorted(p.features)), p.quotas) for p in billing.plans),
        features=tuple(features),
        quota_models=tuple(
            (name, e.name.pascal) for name in quota_entities if (e := model.entity(name))
        ),
        reads_without_access=billing.reads_without_access,
        exempt_paths=(f"{model.api.base_path}/{own.path}",) if own else (),
    )
