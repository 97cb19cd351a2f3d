"""View models of the platform features' generated modules (``apikeys.py``, ``audit.py``,
``cache.py``): everything the templates lay out, decided here."""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.emit.service.webhooks_view import WebhooksView, webhooks_view
from specfoundry.model import Operation, Service
from specfoundry.model.entities import Entity, EntityOrigin, FieldType, OnDelete
from specfoundry.model.expressions import Condition, Scope


@dataclass(frozen=True, slots=True)
class ApiKeysView:
    class_name: str
    prefix: str
    manager_roles: tuple[str, ...]
    implied: tuple[tuple[str, tuple[str, ...]], ...]  # role -> roles it includes (itself too)
    max_lifetime_days: int | None

    @property
    def all_roles(self) -> tuple[str, ...]:
        return tuple(role for role, _ in self.implied)

    @property
    def grantable_by_first(self) -> tuple[str, ...]:
        """What the first manager role may put on a key (the generated test's creator)."""
        return dict(self.implied)[self.manager_roles[0]]


@dataclass(frozen=True, slots=True)
class AuditedView:
    class_name: str
    resource_type: str
    sensitive: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditView:
    class_name: str
    reader_roles: tuple[str, ...]
    operator_roles: tuple[str, ...]
    audited: tuple[AuditedView, ...]
    probe_resource: str | None = None  # a resource the generated test creates an object of
    probe_entity: str | None = None

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(sorted({self.class_name, *(a.class_name for a in self.audited)}))


@dataclass(frozen=True, slots=True)
class CachedView:
    class_name: str
    resource: str
    per_subject: bool
    lists: bool = False


@dataclass(frozen=True, slots=True)
class CacheView:
    ttl_seconds: int
    cached: tuple[CachedView, ...]
    # What the generated test reads and changes: a cached resource, a field, a new value.
    probe_resource: str | None = None
    probe_field: str | None = None
    probe_value: str | None = None
    # class -> cached resources whose list pages a delete of it changes in the database
    cascades: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(sorted({c.class_name for c in self.cached} | {c for c, _ in self.cascades}))

    @property
    def list_probe(self) -> bool:
        """Whether the generated test checks list pages (the probe resource caches them)."""
        return any(c.lists and c.resource == self.probe_resource for c in self.cached)


@dataclass(frozen=True, slots=True)
class PlatformView:
    api_keys: ApiKeysView | None
    audit: AuditView | None
    cache: CacheView | None
    base_path: str = "/v1"
    webhooks: WebhooksView | None = None
    # Background jobs or timers (``jobs.py``: the jobs router and the timers' listener).
    background: bool = False
    # ``/dead-letters`` (``deadletters.py``): who sees and retries them; None: not served.
    dead_letter_roles: tuple[str, ...] | None = None

    @property
    def readme(self) -> str:
        """The README's bullets for the switched-on features (empty when none is)."""
        out = []
        base = self.base_path
        if self.api_keys is not None:
            keys = self.api_keys
            out.append(
                f"- **API keys**: `POST {base}/api-keys` (roles {', '.join(keys.manager_roles)}) "
                f"returns the key once (`{keys.prefix}...`); send it as "
                "`Authorization: Bearer <key>`. It acts in its own tenant with its scopes (roles "
                f"its creator holds); `POST {base}/api-keys/{{id}}/revoke` stops it on the next "
                "request. Only an HMAC of the secret is stored.\n"
            )
        if self.audit is not None:
            out.append(
                "- **Audit log**: every create, update, delete, transition, API-key event and "
                "403 writes a hash-chained record (actor, request id, IP, user agent, changes "
                "with `sensitive` fields redacted) in the same transaction; "
                f"`GET {base}/audit-events` (roles {', '.join(self.audit.reader_roles)}); the app "
                "role cannot UPDATE or DELETE them on PostgreSQL; `<service> audit verify` "
                "detects tampering.\n"
            )
        if self.background:
            out.append(
                f"- **Jobs and timers**: `POST {base}/jobs/{{job-name}}/start` answers 202 with "
                f"the queued job; `GET {base}/jobs/{{id}}` shows status, progress and result (an "
                f"export's CSV at `{base}/jobs/{{id}}/result`). `worker` runs jobs with the "
                "starter's tenant and roles, and the timed transitions (`after:`) once their "
                "delay has passed.\n"
            )
        if self.cache is not None:
            names = ", ".join(c.resource for c in self.cache.cached)
            lists = ", ".join(c.resource for c in self.cache.cached if c.lists)
            pages = f" and of the list pages of {lists} (per query string)" if lists else ""
            out.append(
                f"- **Cache**: with `REDIS_URL`, GET of one object of {names}{pages} is served "
                f"from Redis for up to {self.cache.ttl_seconds} s, keyed by tenant and the "
                "caller's visibility, and invalidated by every write after it commits; a hit "
                "still counts against the rate limit.\n"
            )
        if self.webhooks is not None:
            out.append(self.webhooks.readme(base))
        return "".join(out)

    @property
    def modules(self) -> tuple[str, ...]:
        """The generated modules with an ``install(app)``, in install order (the cache wraps
        routes the others add, so it comes last)."""
        pairs = (
            ("apikeys", self.api_keys is not None),
            ("audit", self.audit is not None),
            ("webhooks", self.webhooks is not None),
            ("jobs", self.background),
            ("deadletters", self.dead_letter_roles is not None),
            ("cache", self.cache is not None),
        )
        return tuple(name for name, on in pairs if on)


def _holders(model: Service, roles: tuple[str, ...]) -> tuple[str, ...]:
    """``roles`` and every role that includes one of them, in spec order."""
    wanted = set(roles)
    return tuple(
        r.name.raw
        for r in model.permissions.roles
        if r.name.raw in wanted or wanted & {n.raw for n in r.includes}
    )


def _cache_probe(model: Service) -> tuple[str | None, str | None, str | None]:
    """A cached resource with create and update, and a plain text field any updater may set."""
    assert model.platform.cache is not None
    for path in model.platform.cache.resources:
        resource = next((r for r in model.api.resources if r.path == path), None)
        entity = model.entity(resource.entity.raw) if resource else None
        if resource is None or entity is None:
            continue
        if not {Operation.CREATE, Operation.UPDATE} <= set(resource.operations):
            continue
        for f in entity.fields:
            plain = f.type in (FieldType.STRING, FieldType.TEXT) and f.pattern is None
            if plain and f.updatable and not f.unique and f.writers is None:
                value = "cache probe"[: f.max_length or 11]
                if (f.min_length or 0) <= len(value):
                    return path, f.name.raw, value
    return None, None, None


def _cascades(
    model: Service, listed: tuple[CachedView, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Entity class -> cached list resources whose rows the database changes when one of its
    rows is deleted: a reference with ``on_delete: cascade`` or ``set_null`` to it, or to an
    entity whose rows such a delete removes through ``cascade`` (transitively)."""

    def removed_by(name: str, seen: set[str]) -> set[str]:
        """Entities whose delete removes rows of ``name`` in the database."""
        entity = model.entity(name)
        out: set[str] = set()
        for f in entity.fields if entity is not None else ():
            target = f.ref_entity.raw if f.ref_entity is not None else None
            if target is None or f.on_delete is not OnDelete.CASCADE or target in seen:
                continue
            seen.add(target)
            out |= {target, *removed_by(target, seen)}
        return out

    out: dict[str, list[str]] = {}
    for view in listed:
        resource = next(r for r in model.api.resources if r.path == view.resource)
        name = resource.entity.raw
        entity = model.entity(name)
        assert entity is not None  # the semantic checks resolved it
        sources: set[str] = set()
        for f in entity.fields:
            if f.ref_entity is None or f.on_delete not in (OnDelete.CASCADE, OnDelete.SET_NULL):
                continue
            target = f.ref_entity.raw
            sources |= {target, *removed_by(target, {name, target})}
        for source in sorted(sources - {name}):
            target_entity = model.entity(source)
            if target_entity is not None:
                out.setdefault(target_entity.name.pascal, []).append(view.resource)
    return tuple((name, tuple(paths)) for name, paths in sorted(out.items()))


def _reads_subject(condition: Condition | None) -> bool:
    """Whether a condition's value depends on who the caller is beyond their roles and tenant:
    ``principal.id`` (also through a relation path) and membership tests (``principal in
    resource...members``, ``role_in``), which ``Condition.attributes`` reports as
    ``principal.id``."""
    return condition is not None and any(
        a.scope is Scope.PRINCIPAL and a.name == "id" for a in condition.attributes()
    )


def _per_subject(model: Service, entity: str, target: Entity | None) -> bool:
    """Whether cached answers of ``entity`` must be keyed by the caller's subject: a read or
    list rule or a field's ``read:`` rule reads the caller, or the caller's roles come from a
    membership table (the token's roles, which the cache sees, are then not the whole story)."""
    if model.tenancy.roles_from is not None:
        return True
    reads = [f.read_condition for f in target.fields] if target is not None else []
    return any(
        _reads_subject(condition)
        for action in ("read", "list")
        for holder in model.permissions.holders(entity, action)
        for condition in holder.conditions
    ) or any(_reads_subject(c) for c in reads)


def platform_view(model: Service) -> PlatformView:
    settings = model.platform
    api_keys = None
    if settings.api_keys is not None:
        keys = settings.api_keys
        api_keys = ApiKeysView(
            class_name="ApiKey",
            prefix=keys.prefix,
            manager_roles=_holders(model, keys.roles),
            implied=tuple(
                (r.name.raw, tuple(sorted({r.name.raw, *(n.raw for n in r.includes)})))
                for r in model.permissions.roles
            ),
            max_lifetime_days=keys.max_lifetime_days,
        )
    audit = None
    if settings.audit is not None:
        audited = tuple(
            AuditedView(
                e.name.pascal,
                e.name.raw,
                tuple(sorted(f.name.raw for f in e.fields if f.sensitive)),
            )
            for e in model.entities
            if e.origin is EntityOrigin.SPEC or e.name.raw == "api_key"
        )
        probe = next((r for r in model.api.resources if Operation.CREATE in r.operations), None)
        audit = AuditView(
            class_name="AuditEvent",
            reader_roles=_holders(model, settings.audit.roles),
            operator_roles=tuple(r.raw for r in model.tenancy.cross_tenant_roles),
            audited=audited,
            probe_resource=probe.path if probe else None,
            probe_entity=probe.entity.raw if probe else None,
        )
    cache = None
    if settings.cache is not None:
        cached = []
        for path in settings.cache.resources:
            resource = next((r for r in model.api.resources if r.path == path), None)
            if resource is None:
                continue  # SF381
            entity = resource.entity.raw
            target = model.entity(entity)
            per_subject = _per_subject(model, entity, target)
            lists = path in settings.cache.lists
            cached.append(CachedView(resource.entity.pascal, path, per_subject, lists))
        cache = CacheView(
            settings.cache.ttl_seconds,
            tuple(cached),
            *_cache_probe(model),
            cascades=_cascades(model, tuple(c for c in cached if c.lists)),
        )
    hooks = settings.webhooks
    webhooks = webhooks_view(model, _holders(model, hooks.roles)) if hooks is not None else None
    background = model.platform.jobs.enabled or any(
        t.after_seconds is not None for m in model.state_machines for t in m.transitions
    )
    dead_letters = model.permissions.administrators() if model.platform.dead_letters else None
    return PlatformView(
        api_keys, audit, cache, model.api.base_path, webhooks, background, dead_letters
    )
