"""The HTTP layer, CLI, user package, project files and generated tests of a service.

Each file is one template rendered with the view models of :mod:`.views` (and the test tables of
:mod:`.testplan`); nothing here formats code by hand.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from specfoundry.emit.openapi import build_openapi
from specfoundry.emit.openapi import render as render_contract
from specfoundry.emit.render import generated_header, render
from specfoundry.emit.service import testplan
from specfoundry.emit.service.delivery import delivery_view
from specfoundry.emit.service.jobs_view import jobs_view
from specfoundry.emit.service.loadtest import plan_json as loadtest_plan_json
from specfoundry.emit.service.platform_api import api_platform_view, readme_platform
from specfoundry.emit.service.runtime_files import runtime_files
from specfoundry.emit.service.views import (
    ServiceView,
    request_models,
    schema_imports,
    service_view,
)
from specfoundry.model import Service
from specfoundry.write.tree import EmittedFile, Owner

DUMPERS = {
    "str": "_plain",
    "int": "_plain",
    "bool": "_plain",
    "json": "_plain",
    "list": "_plain",
    "uuid": "_uuid",
    "datetime": "_datetime",
    "date": "_date",
    "decimal": "_decimal_out",
}


def readme_parts(svc: ServiceView) -> dict[str, str]:
    """The README's optional paragraphs (rendered, or empty when the service has no such
    feature)."""

    def part(name: str, wanted: bool) -> str:
        return render(f"service/readme/{name}.md.j2", svc=svc) if wanted else ""

    return {
        "cross_tenant": part("cross_tenant", bool(svc.cross_tenant_roles)),
        "machines": part("machines", bool(svc.machines)),
        "deprecation": part("deprecation", svc.has_deprecation),
    }


def http_layer_files(model: Service) -> list[EmittedFile]:
    svc = service_view(model)
    contract = render_contract(build_openapi(model).document, "yaml")
    header = generated_header()
    name, ext = svc.name, svc.ext
    out: list[EmittedFile] = []

    def add(path: str, text: str, owner: Owner = "generator") -> None:
        out.append(EmittedFile(PurePosixPath(path), text.encode(), owner))

    def py(path: str, template: str, **ctx: Any) -> None:
        add(path, render(f"service/{template}", header=header, svc=svc, **ctx))

    classes = sorted({r.class_name for r in svc.resources})
    py(f"{name}/__init__.py", "package_init.py.j2")
    out += runtime_files(name)
    py(f"{name}/settings.py", "settings.py.j2")
    py(f"{name}/problems.py", "problems.py.j2")
    py(f"{name}/guards.py", "guards.py.j2")
    py(f"{name}/auth.py", "auth.py.j2")
    py(f"{name}/permissions.py", "permissions.py.j2", perms=svc.permissions)
    py(f"{name}/pagination.py", "pagination.py.j2")
    py(f"{name}/events.py", "events.py.j2")
    delivery = delivery_view(model, name, ext)
    background = jobs_view(model, name, ext)
    if background.enabled:
        py(f"{name}/jobs.py", "jobs.py.j2", view=background)
    # Jobs and timers run in the worker: tasks.py hands their actors to it.
    worker_extras = (
        (f"from {name} import jobs as background",),
        "background.declare",
        "background.QUEUES",
    )
    py(
        f"{name}/tasks.py",
        "tasks.py.j2",
        delivery=delivery,
        extras=worker_extras if background.enabled else ((), "None", "()"),
    )
    if svc.machines:
        machine_classes = sorted({m.class_name for m in svc.machines})
        py(
            f"{name}/machines.py",
            "machines.py.j2",
            machine_classes=machine_classes,
            extra_imports=[f"from {ext} import hooks"] if svc.hooks else [],
            entitled=[m for m in svc.machines if m.access],
        )
    if svc.deletion is not None:
        py(f"{name}/deletion.py", "deletion.py.j2")
    if svc.billing is not None:
        py(f"{name}/billing.py", "billing.py.j2", b=svc.billing)
    py(
        f"{name}/schemas.py",
        "schemas.py.j2",
        classes=classes,
        dumpers=DUMPERS,
        request_models={r.entity: request_models(r) for r in svc.resources},
        imports=schema_imports(svc),
    )
    py(f"{name}/deps.py", "deps.py.j2", role_source=_role_source(model))
    py(f"{name}/routes/__init__.py", "routes_init.py.j2")
    for r in svc.resources:
        py(f"{name}/routes/{r.module}.py", "resource.py.j2", r=r)
    platform = svc.platform
    for module, view in (
        ("apikeys", platform.api_keys),
        ("audit", platform.audit),
        ("cache", platform.cache),
        ("webhooks", platform.webhooks),
    ):
        if view is not None:
            py(f"{name}/{module}.py", f"{module}.py.j2", p=view)
    if platform.dead_letter_roles is not None:
        py(f"{name}/deadletters.py", "deadletters.py.j2", roles=platform.dead_letter_roles)
    py(f"{name}/app.py", "app.py.j2", api_platform=api_platform_view(model))
    py(f"{name}/cli.py", "cli.py.j2")
    py("loadtest/locustfile.py", "loadtest/locustfile.py.j2")
    add("loadtest/plan.json", loadtest_plan_json(model))
    add(f"{name}/openapi.yaml", contract)
    add("openapi.yaml", contract)
    add("pyproject.toml", render("service/pyproject.toml.j2", header=header, svc=svc))
    add(
        "README.md",
        render(
            "service/README.md.j2",
            header_text=generated_header("").strip(),
            svc=svc,
            readme_platform=readme_platform(model),
            readme=readme_parts(svc),
        ),
    )
    # The user's package: created once, never overwritten.
    user = {"svc": svc}
    add(f"{ext}/__init__.py", render("service/ext/init.py.j2", **user), "user")
    add(f"{ext}/settings.py", render("service/ext/settings.py.j2", **user), "user")
    add(f"{ext}/routes.py", render("service/ext/routes.py.j2", **user), "user")
    if delivery.handlers:
        add(
            f"{ext}/handlers.py",
            render("service/ext/handlers.py.j2", delivery=delivery, **user),
            "user",
        )
    if background.functions:
        add(f"{ext}/jobs.py", render("service/ext/jobs.py.j2", view=background, **user), "user")
    if svc.hooks:
        hook_classes = sorted({h.class_name for h in svc.hooks})
        add(
            f"{ext}/hooks.py",
            render("service/ext/hooks.py.j2", hook_classes=hook_classes, **user),
            "user",
        )
    out += testplan.test_files(model, svc, header)
    return out


__all__ = ["ServiceView", "http_layer_files"]


def _role_source(model: Service) -> str:
    """``ROLE_SOURCE`` of deps.py: ``tenancy.roles_from`` as a ``routing.RoleSource``, or None."""
    source = model.tenancy.roles_from
    entity = model.entity(source.entity.raw) if source is not None else None
    if source is None or entity is None:
        return "None"
    return (
        f"routing.RoleSource(models.{entity.name.pascal}, {source.subject.raw!r}, "
        f"{source.role.raw!r}, prefer={source.prefer!r}, known=permissions.ROLES, "
        "open_session=open_session)"
    )
