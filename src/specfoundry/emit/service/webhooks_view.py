"""View model of outgoing webhooks (``webhooks``) for ``webhooks.py.j2``, ``tasks.py.j2`` and the
README: everything the templates lay out, decided here."""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.lower.platform.webhooks import DELIVERY, ENDPOINT
from specfoundry.model import Service
from specfoundry.model.names import Name


@dataclass(frozen=True, slots=True)
class WebhooksView:
    endpoint_class: str
    delivery_class: str
    manager_roles: tuple[str, ...]  # the spec's roles and every role that includes one
    event_types: tuple[str, ...]
    allow_private_targets: str
    attempts: int
    rotation_overlap_hours: int
    env_variable: str = "SERVICE_ENV"  # <PREFIX>_ENV of the service

    def readme(self, base: str) -> str:
        private = (
            "`http://` and private or loopback targets are accepted only with "
            f"`{self.env_variable}=development`"
            if self.allow_private_targets == "development"
            else "private targets are refused in every environment"
        )
        return (
            f"- **Webhooks**: `{base}/webhook-endpoints` (roles {', '.join(self.manager_roles)}) "
            "registers an https URL and the event types it receives; the secret (`whsec_...`) is "
            "in the create and `rotate-secret` responses only (the previous secret keeps signing "
            f"for {self.rotation_overlap_hours} h). The worker delivers every committed event to "
            "the subscribed endpoints, signed per Standard Webhooks (`webhook-id`, "
            "`webhook-timestamp`, `webhook-signature`; verify with `standardwebhooks`), retried "
            f"up to {self.attempts} times over hours; 410 disables the endpoint. URLs to "
            f"loopback, private, link-local or metadata addresses are refused (422); {private}. "
            f"`{base}/webhook-deliveries` shows each attempt's outcome; `POST "
            f"{base}/webhook-deliveries/{{id}}/redeliver` sends one again.\n"
        )


def webhooks_view(model: Service, holders: tuple[str, ...]) -> WebhooksView | None:
    settings = model.platform.webhooks
    if settings is None:
        return None
    return WebhooksView(
        endpoint_class=Name(ENDPOINT).pascal,
        delivery_class=Name(DELIVERY).pascal,
        manager_roles=holders,
        event_types=tuple(sorted(e.name for e in model.events)),
        allow_private_targets=settings.allow_private_targets,
        attempts=settings.attempts,
        rotation_overlap_hours=settings.rotation_overlap_hours,
        env_variable=f"{model.name.constant}_ENV",
    )


def delivery_expression(model: Service) -> str:
    """The ``Webhooks(...)`` of ``tasks.py``'s ``Delivery``, or ``None``."""
    settings = model.platform.webhooks
    if settings is None:
        return "None"
    return (
        f"Webhooks({Name(ENDPOINT).pascal}, {Name(DELIVERY).pascal}, "
        f'attempts={settings.attempts}, allow_private_targets="{settings.allow_private_targets}")'
    )


def delivery_imports(model: Service, svc_name: str) -> tuple[str, ...]:
    if model.platform.webhooks is None:
        return ()
    return (
        f"from {svc_name}.models import {Name(DELIVERY).pascal}, {Name(ENDPOINT).pascal}",
        f"from {svc_name}.runtime.worker import Webhooks",
    )
