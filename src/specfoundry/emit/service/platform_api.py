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


def readme_platform(model: Service) -> list[str]:
    """The README's bullets on rate limits and idempotency keys (Markdown lines)."""
    lines: list[str] = []
    limits = model.api.rate_limits
    if limits is None:
        lines.append("- **Rate limits**: none (the spec has no `api.rate_limits`).")
    else:
        plans = "; ".join(f"`{p.plan}` {p.text}" for p in limits.plans)
        source = (
            f"the tenant's newest `{limits.plan_entity}.{limits.plan_field}`"
            if limits.plan_entity is not None
            else "none stored"
        )
        fail = (
            "the request goes through (fail open)"
            if limits.on_storage_error == "allow"
            else "503 `service-unavailable` (fail closed)"
        )
        lines += [
            f"- **Rate limits** per plan ({plans}; default `{limits.default_plan}`), one budget "
            f"per {limits.key.value}, `{limits.strategy.value}`. The plan is {source}, cached",
            "  for 60 s per process. Storage: Redis when `REDIS_URL` is set (shared by every",
            "  worker), else process memory. Every authenticated response carries",
            '  `RateLimit-Policy: "free";q=60;w=60` and `RateLimit: "free";r=59;t=60`; over the',
            "  limit, 429 `quota-exceeded` with `Retry-After`. `RATE_LIMIT_LEGACY_HEADERS=true`",
            "  adds `X-RateLimit-*`; `RATE_LIMITS=false` turns enforcement off. When Redis is",
            f"  down: {fail}, never a 500.",
        ]
    idem = model.platform.idempotency
    if not idem.enabled:
        lines.append("- **Idempotency keys**: not enabled (`api.idempotency`).")
    else:
        methods = " and ".join(idem.methods)
        lines += [
            f"- **Idempotency keys**: {methods} take `Idempotency-Key` (1-255 characters,",
            '  `abc` or `"abc"`). A retry with the same key and request replays the first',
            "  response with `Idempotent-Replayed: true`; another request with the key is 422,",
            "  one while the first still runs is 409. The response is stored in",
            "  `idempotency_keys` in the transaction of the effect, scoped to tenant and caller,",
            f"  kept {idem.ttl_hours} h; error responses are not stored.",
        ]
    return lines
