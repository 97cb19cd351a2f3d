"""What ``app.py`` passes to the runtime for ``api.rate_limits`` and ``api.idempotency``.

Computed here, as Python source text, so the template stays a layout (no conditionals): every
value is ``None`` when the spec leaves the feature off.
"""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.lower.platform.idempotency import ENTITY as IDEMPOTENCY_ENTITY
from specfoundry.model import Service
from specfoundry.model.names import Name


@dataclass(frozen=True, slots=True)
class ApiPlatformView:
    rate_limits: str  # a ``RateLimitConfig(...)`` expression, or "None"
    plan_model: str  # "models.<Class>" holding the plan, or "None"
    plan_column: str  # a string literal
    idempotency_model: str  # "models.IdempotencyKey", or "None"
    idempotency_methods: str  # a tuple literal
    idempotency_ttl_hours: int


def api_platform_view(model: Service) -> ApiPlatformView:
    limits = model.api.rate_limits
    config = plan_model = "None"
    plan_column = '"plan"'
    if limits is not None:
        plans = ", ".join(
            f"{p.plan!r}: {{{', '.join(f'{c!r}: {v!r}' for c, v in p.budgets)}}}"
            for p in limits.plans
        )
        config = (
            f"RateLimitConfig(plans={{{plans}}}, default_plan={limits.default_plan!r}, "
            f"key={limits.key.value!r}, strategy={limits.strategy.value!r}, "
            f"on_storage_error={limits.on_storage_error!r})"
        )
        if limits.plan_entity is not None and limits.plan_field is not None:
            plan_model = f"models.{limits.plan_entity.pascal}"
            plan_column = repr(limits.plan_field.raw)
    idem = model.platform.idempotency
    return ApiPlatformView(
        rate_limits=config.replace("'", '"'),
        plan_model=plan_model,
        plan_column=plan_column.replace("'", '"'),
        idempotency_model=f"models.{Name(IDEMPOTENCY_ENTITY).pascal}" if idem.enabled else "None",
        idempotency_methods=repr(idem.methods).replace("'", '"'),
        idempotency_ttl_hours=idem.ttl_hours,
    )
