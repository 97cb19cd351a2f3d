"""View models of the platform features' generated modules (``apikeys.py``, ``audit.py``,
``cache.py``): everything the templates lay out, decided here."""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.model import Service
from specfoundry.model.entities import EntityOrigin


@dataclass(frozen=True, slots=True)
class ApiKeysView:
    class_name: str
    prefix: str
    manager_roles: tuple[str, ...]
    implied: tuple[tuple[str, tuple[str, ...]], ...]  # role -> roles it includes (itself too)
    max_lifetime_days: int | None


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

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(sorted({self.class_name, *(a.class_name for a in self.audited)}))


@dataclass(frozen=True, slots=True)
class CachedView:
    class_name: str
    resource: str
    per_subject: bool


@dataclass(frozen=True, slots=True)
class CacheView:
    ttl_seconds: int
    cached: tuple[CachedView, ...]

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(sorted({c.class_name for c in self.cached}))


@dataclass(frozen=True, slots=True)
class PlatformView:
    api_keys: ApiKeysView | None
    audit: AuditView | None
    cache: CacheView | None

    @property
    def modules(self) -> tuple[str, ...]:
        """The generated modules with an ``install(app)``, in install order (the cache wraps
        routes the others add, so it comes last)."""
        pairs = (("apikeys", self.api_keys), ("audit", self.audit), ("cache", self.cache))
        return tuple(name for name, view in pairs if view is not None)


def _holders(model: Service, roles: tuple[str, ...]) -> tuple[str, ...]:
    """``roles`` and every role that includes one of them, in spec order."""
    wanted = set(roles)
    return tuple(
        r.name.raw
        for r in model.permissions.roles
        if r.name.raw in wanted or wanted & {n.raw for n in r.includes}
    )


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
        audit = AuditView(
            class_name="AuditEvent",
            reader_roles=_holders(model, settings.audit.roles),
            operator_roles=tuple(r.raw for r in model.tenancy.cross_tenant_roles),
            audited=audited,
        )
    cache = None
    if settings.cache is not None:
        cached = []
        for path in settings.cache.resources:
            resource = next((r for r in model.api.resources if r.path == path), None)
            if resource is None:
                continue  # SF381
            entity = resource.entity.raw
            per_subject = any(
                "principal.id" in condition.source
                for holder in model.permissions.holders(entity, "read")
                for condition in holder.conditions
            )
            cached.append(CachedView(resource.entity.pascal, path, per_subject))
        cache = CacheView(settings.cache.ttl_seconds, tuple(cached))
    return PlatformView(api_keys, audit, cache)
