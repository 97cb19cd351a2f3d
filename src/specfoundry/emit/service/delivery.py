"""View model of event delivery (handlers, their retry policies, the processed-event model) for
``tasks.py.j2`` and the user's ``handlers.py``: everything conditional is decided here."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from specfoundry.emit.service.webhooks_view import delivery_expression, delivery_imports
from specfoundry.model import Service
from specfoundry.model.platform import EventHandler


@dataclass(frozen=True, slots=True)
class HandlerView:
    consumer: str
    event: str
    function: str
    attempts: int
    backoff_seconds: float
    timeout_seconds: float
    queue: str
    payload: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeliveryView:
    handlers: tuple[HandlerView, ...]
    functions: tuple[tuple[str, str], ...]  # (user function, its docstring), in name order
    imports: tuple[str, ...]  # extra import lines of tasks.py
    processed: str  # the processed-event model, or "None"
    webhooks: str = "None"  # the ``Webhooks(...)`` of outgoing webhooks, or "None"

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(sorted({h.queue for h in self.handlers}))


def delivery_view(model: Service, svc_name: str, ext: str) -> DeliveryView:
    handlers = tuple(_handler(model, h) for h in model.platform.events.handlers)
    imports: tuple[str, ...] = ()
    processed = "None"
    if handlers:
        imports = (f"from {ext} import handlers",)
    if handlers or model.platform.webhooks is not None:
        imports += (f"from {svc_name}.models import ProcessedEvent",)
        processed = "ProcessedEvent"
    return DeliveryView(
        handlers=handlers,
        functions=_functions(handlers),
        imports=imports + delivery_imports(model, svc_name),
        processed=processed,
        webhooks=delivery_expression(model),
    )


def _handler(model: Service, h: EventHandler) -> HandlerView:
    event = model.event(h.event)
    payload = tuple(f.name.raw for f in event.payload) if event is not None else ()
    return HandlerView(
        consumer=h.consumer,
        event=h.event,
        function=h.function,
        attempts=h.attempts,
        backoff_seconds=h.backoff_seconds,
        timeout_seconds=h.timeout_seconds,
        queue=h.queue,
        payload=payload,
    )


def _functions(handlers: tuple[HandlerView, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for function in sorted({h.function for h in handlers}):
        mine = [h for h in handlers if h.function == function]
        events = ", ".join(
            f"`{h.event}` (payload: {', '.join(h.payload) or 'empty'})" for h in mine
        )
        text = textwrap.fill(f"Handles {events}.", width=92, subsequent_indent="    ")
        out.append((function, f'"""{text}"""'))
    return tuple(out)
