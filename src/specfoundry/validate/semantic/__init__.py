"""Semantic checks over the built model: references, names, machines, permissions, API.

Each module holds the checks of one part of the spec and exposes ``check(ctx)``; the
registry below runs them all so every problem is reported in one pass. A check that fails
with an exception becomes an SF999 diagnostic naming the check, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from specfoundry.diagnostics import Diagnostic, Severity
from specfoundry.load import SourceMap
from specfoundry.model import Service
from specfoundry.validate.semantic import (
    api,
    billing,
    conditions,
    fields,
    jobs,
    machines,
    names,
    nesting,
    permissions,
    platform,
    references,
    tenancy,
    webhooks,
)
from specfoundry.validate.semantic.context import CheckContext

Check = Callable[[CheckContext], None]

CHECKS: tuple[Check, ...] = (
    references.check,
    names.check,
    fields.check,
    tenancy.check,
    machines.check,
    conditions.check,
    permissions.check,
    api.check,
    nesting.check,
    billing.check,
    platform.check,
    webhooks.check,
    jobs.check,
)


def check_model(
    model: Service, sources: SourceMap, data: dict[str, Any] | None = None
) -> list[Diagnostic]:
    ctx = CheckContext(model, sources, data)
    for check in CHECKS:
        try:
            check(ctx)
        except Exception as exc:  # a bug in a check must not hide the other diagnostics
            ctx.diagnostics.append(
                Diagnostic(
                    "SF999",
                    Severity.ERROR,
                    f"internal error in check {check.__module__}.{check.__name__} "
                    f"({type(exc).__name__}: {exc})",
                    None,
                    "please report this spec to the specfoundry maintainers",
                )
            )
    return ctx.diagnostics
