"""The platform features of a service (rate limits, idempotency, API keys, audit, cache,
events delivery, webhooks, jobs, billing), as the emitters see them.

Each feature is one frozen dataclass and one field of :class:`Platform`; a feature that the spec
does not switch on keeps its default (off). Tables a feature needs are built-in entities that
lowering adds to :attr:`Service.entities` (see ``specfoundry.lower.platform``), so models,
migrations, row-level security and the tenant foreign key come from the same code as the spec's
own entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from specfoundry.model.sla import Sla


@dataclass(frozen=True, slots=True)
class Platform:
    """Switched-on platform features; every field defaults to "off"."""

    # Service level targets checked by the generated load test (``sla:``); none by default.
    sla: Sla = field(default_factory=Sla)
