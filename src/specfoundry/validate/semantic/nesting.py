"""SF41x: nested resources (``api.resources.<r>.parent``)."""

from __future__ import annotations

from specfoundry.model import Operation, Resource
from specfoundry.model.nesting import refs_to
from specfoundry.validate.semantic.context import CheckContext
from specfoundry.validate.semantic.references import did_you_mean


def check(ctx: CheckContext) -> None:
    for resource in ctx.model.api.resources:
        if resource.parent is not None:
            _nesting(ctx, resource)


def _nesting(ctx: CheckContext, resource: Resource) -> None:
    nesting = resource.parent
    assert nesting is not None
    path = ("api", "resources", resource.path, "parent")
    parent = ctx.model.api.resource(nesting.resource)
    if parent is None:
        ctx.report(
            "SF410",
            f"resource '{resource.path}' is nested under '{nesting.resource}', which is not a "
            "resource",
            ctx.at(*path, "resource"),
            did_you_mean(
                nesting.resource,
                (r.path for r in ctx.model.api.resources if r is not resource),
                "resources",
            ),
        )
        return
    if parent is resource or parent.parent is not None:
        what = "itself" if parent is resource else f"'{parent.path}', which is nested itself"
        ctx.report(
            "SF415",
            f"resource '{resource.path}' is nested under {what}",
            ctx.at(*path, "resource"),
            "nesting is one level only: nest under a resource that has no `parent`",
        )
        return
    child = ctx.model.entity(resource.entity.raw)
    parent_entity = ctx.model.entity(parent.entity.raw)
    if child is None or parent_entity is None:
        return  # SF301
    if Operation.READ not in parent.operations:
        ctx.report(
            "SF414",
            f"resource '{resource.path}' is nested under '{parent.path}', which has no read "
            "operation",
            ctx.at(*path, "resource"),
            f"add `read` to the operations of '{parent.path}': the parent in the path must be "
            "readable by the caller",
        )
    if parent_entity.name == child.name:
        ctx.report(
            "SF416",
            f"resource '{resource.path}' is nested under '{parent.path}', which exposes the "
            f"same entity '{child.name}'",
            ctx.at(*path, "resource"),
            "nest a resource under a resource of another entity that it references",
        )
        return
    refs = refs_to(child, parent_entity.name.raw)
    if nesting.field is not None:
        field = child.field(nesting.field.raw)
        if field is None or field not in refs:
            what = "is not a field of" if field is None else "is not a reference to"
            target = f"'{child.name}'" if field is None else f"'{parent_entity.name}'"
            ctx.report(
                "SF413",
                f"parent field '{nesting.field}' of resource '{resource.path}' {what} {target}",
                ctx.at(*path, "field"),
                did_you_mean(nesting.field.raw, (f.name.raw for f in refs), "references")
                or f"'{child.name}' has no reference to '{parent_entity.name}'",
            )
        return
    if not refs:
        ctx.report(
            "SF411",
            f"resource '{resource.path}' is nested under '{parent.path}', but '{child.name}' "
            f"has no reference to '{parent_entity.name}'",
            ctx.key(*path),
            f"add a field `{parent_entity.name}_id: {{type: ref, entity: {parent_entity.name}, "
            "required: true}` to the child entity",
        )
    elif len(refs) > 1:
        names = ", ".join(f"'{f.name}'" for f in refs)
        ctx.report(
            "SF412",
            f"'{child.name}' references '{parent_entity.name}' through {names}: say which one "
            f"names the parent of resource '{resource.path}'",
            ctx.key(*path),
            f"add `field: {refs[0].name}` (or another of them) to `parent`",
        )
