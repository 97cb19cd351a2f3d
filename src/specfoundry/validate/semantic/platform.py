"""SF386, SF387, SF395: the platform features (API keys, audit log, cache), their built-in
entities and events."""

from __future__ import annotations

from specfoundry.model import Operation
from specfoundry.validate.semantic.context import CheckContext
from specfoundry.validate.semantic.references import did_you_mean


def check(ctx: CheckContext) -> None:
    check_built_in_events(ctx)
    roles = [r.name.raw for r in ctx.model.permissions.roles]
    platform = ctx.model.platform
    for path, feature in ((("api", "api_keys"), platform.api_keys), (("audit",), platform.audit)):
        if feature is None or not ctx.written(*path, "roles"):
            continue
        for i, role in enumerate(feature.roles):
            if role not in roles:
                ctx.report(
                    "SF386",
                    f"`{'.'.join(path)}.roles` names the role '{role}', which is not defined",
                    ctx.at(*path, "roles", i),
                    did_you_mean(role, roles) or "define it under `permissions.roles`",
                )
    if platform.cache is not None:
        paths = {r.path for r in ctx.model.api.resources}
        readable = {r.path for r in ctx.model.api.resources if Operation.READ in r.operations}
        listable = {r.path for r in ctx.model.api.resources if Operation.LIST in r.operations}
        for i, path in enumerate(platform.cache.resources):
            if path not in readable:
                hint = (
                    f"add `read` to the operations of '{path}': only GET of one object is cached"
                    if path in paths
                    else did_you_mean(path, sorted(paths)) or "list a key of `api.resources`"
                )
                ctx.report(
                    "SF387",
                    f"`cache.resources` names '{path}', which is no API resource with `read`",
                    ctx.at("cache", "resources", i),
                    hint,
                )
            elif path in platform.cache.lists and path not in listable:
                ctx.report(
                    "SF387",
                    f"`cache.resources` caches the list pages of '{path}', which has no `list`",
                    ctx.at("cache", "resources", i, "lists"),
                    f"add `list` to the operations of '{path}', or drop `lists: true`",
                )


def check_built_in_events(ctx: CheckContext) -> None:
    """A spec may declare a built-in event (to describe it or attach handlers), but the payload
    it writes must be part of what the feature sends (SF395)."""
    from specfoundry.lower.platform.common import BUILT_IN

    for event in ctx.model.events:
        written = ctx.raw("events", event.name, "payload")
        if not isinstance(written, dict) or not event.payload:
            continue
        if event.payload[0].location != BUILT_IN:
            continue
        sent = {f.name.raw: f.type.value for f in event.payload}
        listed = ", ".join(f"{n}: {t}" for n, t in sent.items())
        for name, type_ in written.items():
            if sent.get(name) != type_:
                ctx.report(
                    "SF395",
                    f"the payload of the built-in event '{event.name}' has no `{name}: {type_}`",
                    ctx.at("events", event.name, "payload", name),
                    f"the feature sends {{{listed}}}; list a part of it or leave `payload` out",
                )
