"""When removing something deprecated is acceptable: the ``x-sunset`` / notice policy.

One rule for operations, parameters, callbacks, webhooks (:mod:`.operations`) and schema
properties (:mod:`.schemas`): ``x-sunset`` must have passed, and ``x-deprecated-since`` must be
at least ``min_deprecation_days`` old when a minimum is set. It lives apart so the schema
comparison can use it without importing the operation walk (which imports the schema one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol


class DeprecationPolicy(Protocol):
    """What :class:`specfoundry.diff.operations.Policy` provides."""

    @property
    def today(self) -> dt.date: ...

    @property
    def min_deprecation_days(self) -> int: ...


def date_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def removal_problem(node: dict[str, Any], policy: DeprecationPolicy) -> str | None:
    """Why removing the deprecated ``node`` now breaks the policy, or None when it is allowed."""
    sunset = date_of(node.get("x-sunset"))
    since = date_of(node.get("x-deprecated-since"))
    today, days = policy.today, policy.min_deprecation_days
    if sunset is not None and today < sunset:
        return f"before its sunset date {sunset.isoformat()}"
    if days and since is not None and (today - since).days < days:
        return f"{(today - since).days} days after its deprecation; the policy requires {days}"
    if days and since is None and sunset is None:
        return f"without x-deprecated-since, so {days} days of notice cannot be verified"
    return None
