"""SF36x: tenant isolation: the tenant entity, the tenant column, rows shared across tenants."""

from __future__ import annotations

from specfoundry.model import TENANT_COLUMN, FieldType, IsolationModel, Operation
from specfoundry.validate.semantic.context import CheckContext, field_path
from specfoundry.validate.semantic.references import did_you_mean


def check(ctx: CheckContext) -> None:
    _roles_from(ctx)
    _roles_from_deprecated(ctx)
    model = ctx.model
    tenant = model.entity(model.tenancy.tenant_entity.raw)
    if tenant is not None and tenant.tenant_scoped:
        ctx.report(
            "SF360",
            f"the tenant entity '{tenant.name}' cannot itself belong to a tenant",
            ctx.at("entities", tenant.name.raw, "tenant_scoped"),
            "remove `tenant_scoped: true` (the tenant entity is never tenant-scoped)",
        )
    for entity in model.entities:
        for field in entity.fields:
            path = field_path(entity.name.raw, field.name.raw)
            if field.name.raw == TENANT_COLUMN:
                ctx.report(
                    "SF361",
                    f"field '{entity.name}.{TENANT_COLUMN}' has the name of the tenant column",
                    ctx.key(*path),
                    "every tenant-scoped row already carries tenant_id, set from the caller's "
                    "token; remove the field",
                )
            target = model.entity(field.ref_entity.raw) if field.ref_entity else None
            if (
                target is not None
                and target.tenant_scoped
                and not entity.tenant_scoped
                and not target.is_tenant
            ):
                ctx.report(
                    "SF362",
                    f"'{entity.name}' is shared by all tenants but its field '{field.name}' "
                    f"points at '{target.name}', whose rows belong to one tenant",
                    ctx.at(*path, "entity"),
                    f"make '{entity.name}' tenant-scoped, or drop the reference",
                )
    if model.tenancy.model is not IsolationModel.SHARED_SCHEMA:
        ctx.report(
            "SF363",
            f"tenancy model '{model.tenancy.model}' is not generated yet; the service will use "
            "shared_schema (a tenant_id column on every row)",
            ctx.at("tenancy", "model"),
            "write `model: shared_schema` to make that explicit",
        )
    if tenant is not None:
        resource = model.api.resource_for(tenant.name.raw)
        if resource is not None:
            ops = [
                o
                for o in (Operation.LIST, Operation.CREATE, Operation.DELETE)
                if o in resource.operations
            ]
            for op in ops:
                ctx.report(
                    "SF364",
                    f"resource '{resource.path}' exposes {op} on the tenant entity, which a "
                    "caller only reaches at its own id",
                    ctx.item("api", "resources", resource.path, "operations", value=op.value),
                    "expose read and update only; tenants are created by onboarding, "
                    "outside the tenant's own API",
                )


def _roles_from(ctx: CheckContext) -> None:
    """``tenancy.roles_from``: a known entity, a string subject field and an enum role field
    whose every value is a role the spec defines (SF365)."""
    source = ctx.model.tenancy.roles_from
    if source is None:
        return
    key = source.key
    label = "tenancy.members" if key == "members" else "roles_from"
    where = ctx.at("tenancy", key)
    entity = ctx.model.entity(source.entity.raw)
    if entity is None:
        ctx.report(
            "SF365",
            f"{label} names the unknown entity '{source.entity}'",
            where,
            did_you_mean(source.entity.raw, [e.name.raw for e in ctx.model.entities], "entities"),
        )
        return
    subject = entity.field(source.subject.raw)
    if subject is None or subject.type is not FieldType.STRING:
        ctx.report(
            "SF365",
            f"{label} subject '{source.subject}' must be a string field of '{entity.name}'",
            ctx.at("tenancy", key, "subject"),
        )
    role = entity.field(source.role.raw)
    if role is None or role.type is not FieldType.ENUM:
        ctx.report(
            "SF365",
            f"{label} role '{source.role}' must be an enum field of '{entity.name}'",
            ctx.at("tenancy", key, "role"),
        )
        return
    defined = {r.name.raw for r in ctx.model.permissions.roles}
    unknown = [v for v in role.enum_values if v not in defined]
    if unknown:
        ctx.report(
            "SF365",
            f"{label} role field '{entity.name}.{role.name}' has values that are not roles: "
            + ", ".join(unknown),
            ctx.at("tenancy", key, "role"),
            "every value of the role field must be a role under permissions.roles",
        )


def _roles_from_deprecated(ctx: CheckContext) -> None:
    """``tenancy.roles_from`` is the old spelling of ``tenancy.members.roles`` (SF421)."""
    if not ctx.written("tenancy", "roles_from"):
        return
    source = ctx.model.tenancy.roles_from
    ignored = source is not None and source.key == "members"
    ctx.report(
        "SF421",
        "tenancy.roles_from is deprecated"
        + ("; tenancy.members.roles is set, so it is ignored" if ignored else ""),
        ctx.key("tenancy", "roles_from"),
        "say where tenant roles come from on the members: `members: {entity: member, subject: "
        "user_id, role: role, roles: membership | union}` (`token`, the default: the token's)",
    )
