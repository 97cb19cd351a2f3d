"""Event handlers named in the spec (``events.<type>.handlers``): yours.
specfoundry never overwrites this file (it created it once); a handler added to the spec later
must be added here by hand.

The worker (``insights worker``) calls each handler with the event and a session bound to the
event's tenant. What the handler writes with ``session`` commits together with the record that
the event was handled, so an event delivered twice is handled once. Raise to fail the attempt:
it is retried per the spec's policy, then dead-lettered (``insights dead-letters list``).
Anything outside the database (an e-mail, an HTTP call) may run more than once: make it
idempotent with ``event.id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from insights.runtime.relay import Event


def notify_connection_failure(event: Event, session: Session) -> None:
    """Handles `data_source.failed` (payload: data_source_id, last_error)."""
