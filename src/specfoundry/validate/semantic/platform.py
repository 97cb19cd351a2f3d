"""SF316, SF38x: the platform features (API keys, audit log, cache) and their built-in entities."""

from __future__ import annotations

from specfoundry.model import Operation
from specfoundry.model.entities import EntityOrigin
from specfoundry.validate.semantic.context import CheckContext
from specfoundry.validate.semantic.references import did_you_mean


def check(ctx: CheckContext) -> None:
    _built_in_names(ctx)
    roles = [r.name.raw for r in ctx.model.permissions.roles]
    platform = ctx.model.platform
    for path, feature in ((("api", "api_keys"), platform.api_keys), (("audit",), platform.audit)):
        if feature is None or not ctx.written(*path, "roles"):
            continue
        for i, role in enumerate(feature.roles):
            if role not in roles:
                ctx.report(
                    "SF380",
                    f"`{'.'.join(path)}.roles` names the role '{role}', which is not defined",
                    ctx.at(*path, "roles", i),
                    did_you_mean(role, roles) or "define it under `permissions.roles`",
                )
    if platform.cache is not None:
        paths = {r.path for r in ctx.model.api.resources}
        readable = {r.path for r in ctx.model.api.resources if Operation.READ in r.operations}
        for i, path in enumerate(platform.cache.resources):
            if path not in readable:
                hint = (
                    f"add `read` to the operations of '{path}': only GET of one object is cached"
                    if path in paths
                    else did_you_mean(path, sorted(paths)) or "list a key of `api.resources`"
                )
                ctx.report(
                    "SF381",
                    f"`cache.resources` names '{path}', which is no API resource with `read`",
                    ctx.at("cache", "resources", i),
                    hint,
                )


def _built_in_names(ctx: CheckContext) -> None:
    built_in = [e for e in ctx.model.entities if e.origin is EntityOrigin.PLATFORM]
    for entity in ctx.model.entities:
        if entity.origin is EntityOrigin.PLATFORM:
            continue
        for other in built_in:
            if entity.name.raw == other.name.raw or entity.table == other.table:
                ctx.report(
                    "SF316",
                    f"entity '{entity.name}' takes the name of the built-in entity "
                    f"'{other.name}' (table '{other.table}')",
                    ctx.key("entities", entity.name.raw),
                    "remove it (the platform feature provides it) or rename it",
                )
