"""Transition hooks named in the spec: yours. specfoundry never overwrites this file (it
created it once); a hook added to the spec later must be added here by hand.

Each hook runs inside the transition's transaction, after the guard, the effects and the state
change, before the events are written. Raise ``insights.problems.Problem`` to refuse the
transition (everything rolls back). Write hooks (`hooks:` of an entity) run likewise after a
create, update or delete and its effects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from insights.auth import Principal
    from insights.models import Subscription


def on_subscription_canceled(
    session: Session, principal: Principal, subscription: Subscription
) -> None:
    """Runs on "cancel" of the `billing` state machine.

    ``subscription`` already has its new state. Use ``session`` for further writes.
    """
