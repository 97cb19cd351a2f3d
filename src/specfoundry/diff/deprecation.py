"""When removing something deprecated is acceptable: the ``x-sunset`` / notice policy.

One rule for operations, parameters, callbacks, webhooks (:mod:`.operations`) and schema
properties (:mod:`.schemas`): ``x-sunset`` must have passed, and ``x-deprecated-since`` must be
at least ``min_deprecation_days`` old when a minimum is set. It lives apart so the schema
comparison can use it without importing the operation walk (which imports the schema one).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Any, Protocol


class DeprecationPolicy(Protocol):
    """What :class:`specfoundry.diff.operations.Policy` provides."""

    @property
    def today(self) -> dt.date: ...

    @property
    def min_deprecation_days(self) -> int: ...


def date_of(value: Any) -> dt.date | None:
    """The date of an ``x-sunset`` or ``x-deprecated-since`` value, None if it has none.

    Accepts what documents use: a YAML date, an ISO 8601 date or date-time, and the HTTP date
    of the ``Sunset`` header (RFC 8594), e.g. ``Sat, 01 Nov 2025 00:00:00 GMT``.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def removal_problem(node: dict[str, Any], policy: DeprecationPolicy) -> str | None:
    """Why removing the deprecated ``node`` now breaks the policy, or None when it is allowed."""
    sunset = date_of(node.get("x-sunset"))
    since = date_of(node.get("x-deprecated-since"))
    today, days = policy.today, policy.min_deprecation_days
    if sunset is None and node.get("x-sunset") is not None:
        # A sunset nobody can read has not verifiably passed.
        return f"with an x-sunset that is not a date ({node.get('x-sunset')!r})"
    if sunset is not None and today < sunset:
        return f"before its sunset date {sunset.isoformat()}"
    if days and since is not None and (today - since).days < days:
        return f"{(today - since).days} days after its deprecation; the policy requires {days}"
    if days and since is None and sunset is None:
        return f"without x-deprecated-since, so {days} days of notice cannot be verified"
    return None
