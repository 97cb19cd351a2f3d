"""Semantic checks over the built model: references, names, machines, permissions, API.

Each module holds the checks of one part of the spec and exposes ``check(ctx)``; the
registry below runs them all so every problem is reported in one pass.
"""

from __future__ import annotations

from specfoundry.diagnostics import Diagnostic
from specfoundry.load import SourceMap
from specfoundry.model import Service
from specfoundry.validate.semantic import references
from specfoundry.validate.semantic.context import CheckContext

CHECKS = (references.check,)


def check_model(model: Service, sources: SourceMap) -> list[Diagnostic]:
    ctx = CheckContext(model, sources)
    for check in CHECKS:
        check(ctx)
    return ctx.diagnostics
