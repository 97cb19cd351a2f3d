"""``GET {base}/dead-letters`` and ``POST {base}/dead-letters/{message_id}/retry``: the event
handler messages of the caller's tenant that used up their attempts, and sending one again.

Dramatiq keeps dead messages in its dead-letter queues (Redis with ``REDIS_URL``; the stub
broker of ``serve``'s in-process worker otherwise), shared by every tenant. An event handler's
message carries its event, and so its tenant: a caller sees and retries only its tenant's
(another tenant's message is answered like a missing one), and only with the spec's top role
(or a role that inherits it). Operators see every tenant's with the service CLI
(``dead-letters list``/``retry``).

A retried message starts with a fresh retry budget; the handler is idempotent by event id, so
a retry after a fix runs it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse

from .auth import Principal
from .problems import Problem, not_found
from .routing import Authorize
from .tasks import DeadLetter, DeadLetters

logger = logging.getLogger(__name__)

# What lists and retries dead letters, resolved on use (the worker may start after the app);
# None when none is reachable (no REDIS_URL and no in-process worker).
DeadLetterSource = Callable[[], DeadLetters | None]


@dataclass(frozen=True, slots=True)
class DeadLetterPolicy:
    manager_roles: frozenset[str]  # roles (inheritance applied) that see and retry them
    base_path: str = "/v1"


def dump(letter: DeadLetter) -> dict[str, Any]:
    """The API form of a dead letter: no traceback (internals), only its last line."""
    return {
        "object": "dead_letter",
        "id": letter.message_id,
        "queue": letter.queue,
        "handler": letter.actor,
        "event_id": letter.event_id,
        "event_type": letter.event_type,
        "error": letter.error_line,
        "failed_at": letter.failed_at.isoformat() if letter.failed_at is not None else None,
    }


def _of_tenant(
    source: DeadLetterSource, principal: Principal
) -> tuple[DeadLetters | None, list[DeadLetter]]:
    """The queues and the caller's tenant's dead letters in them. No queue reachable from this
    process (no ``REDIS_URL`` and no in-process worker: the stub broker is per process) means
    none; Redis unreachable is a 503."""
    letters = source()
    if letters is None:
        return None, []
    try:
        entries = letters.entries()
    except Exception as error:  # the broker is away (redis.ConnectionError, timeouts)
        logger.warning("dead letters unreachable: %s", error)
        raise Problem(
            "service-unavailable",
            "The queues are unreachable; try again later.",
            headers={"Retry-After": "60"},
        ) from error
    tenant = str(principal.tenant_id)
    return letters, [letter for letter in entries if letter.tenant_id == tenant]


def router(policy: DeadLetterPolicy, source: DeadLetterSource) -> APIRouter:
    api = APIRouter(prefix=policy.base_path)

    def holds(principal: Principal, entity: str, action: str) -> bool:
        return bool(principal.roles & policy.manager_roles)

    manage = Depends(Authorize("dead_letter", "manage", holds=holds, collection=True))

    @api.get("/dead-letters", operation_id="list_dead_letters", tags=["dead-letters"])
    def list_dead_letters(principal: Principal = manage) -> dict[str, Any]:
        _, mine = _of_tenant(source, principal)
        return {"object": "list", "data": [dump(letter) for letter in mine], "has_more": False}

    @api.post(
        "/dead-letters/{message_id}/retry",
        status_code=202,
        operation_id="retry_dead_letter",
        tags=["dead-letters"],
    )
    def retry_dead_letter(message_id: str, principal: Principal = manage) -> JSONResponse:
        letters, mine = _of_tenant(source, principal)
        letter = next((m for m in mine if m.message_id == message_id), None)
        if letters is None or letter is None:
            raise not_found("dead letter")
        letters.retry(message_id)
        return JSONResponse(dump(letter), status_code=202)

    return api


def install(app: FastAPI, policy: DeadLetterPolicy, source: DeadLetterSource) -> None:
    app.include_router(router(policy, source))
