"""SF384, SF385: outgoing webhooks (``webhooks``)."""

from __future__ import annotations

from specfoundry.validate.semantic.context import CheckContext
from specfoundry.validate.semantic.references import did_you_mean


def check(ctx: CheckContext) -> None:
    settings = ctx.model.platform.webhooks
    if settings is None:
        return
    roles = [r.name.raw for r in ctx.model.permissions.roles]
    if ctx.written("webhooks", "roles"):
        for i, role in enumerate(settings.roles):
            if role not in roles:
                ctx.report(
                    "SF384",
                    f"`webhooks.roles` names the role '{role}', which is not defined",
                    ctx.at("webhooks", "roles", i),
                    did_you_mean(role, roles) or "define it under `permissions.roles`",
                )
    if not ctx.model.events:
        ctx.report(
            "SF385",
            "`webhooks` is enabled but the spec declares no event: nothing would be delivered",
            ctx.key("webhooks"),
            "declare the events to deliver under `events` (and emit them from transitions or "
            "`emits`), or remove `webhooks`",
        )
