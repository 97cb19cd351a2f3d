"""SF36x: tenant isolation: the tenant entity, the tenant column, rows shared across tenants."""

from __future__ import annotations

from specfoundry.model import TENANT_COLUMN, IsolationModel, Operation
from specfoundry.validate.semantic.context import CheckContext, field_path


def check(ctx: CheckContext) -> None:
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
