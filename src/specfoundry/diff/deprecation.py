"""When removing something deprecated is acceptable: the ``x-sunset`` / notice policy.

One rule for operations, parameters, callbacks, webhooks (:mod:`.operations`) and schema
properties (:mod:`.schemas`): ``x-sunset`` must have passed, and ``x-deprecated-since`` must be
at least ``min_deprecation_days`` old when a minimum is set. It lives apart so the schema
comparison can use it without importing the operation walk (which imports the schema one).

The promise can also be broken before the removal, by editing it (:func:`sunset_change`): a
removal is judged against the base's ``x-sunset``, so a sunset moved earlier or deleted in one
release makes the next release's removal look on time.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Any, Protocol

from specfoundry.diff.findings import Change


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


# What sunset_change reports, as the end of a rule id (``operation-sunset-moved-earlier``);
# an unreadable sunset has one rule for every kind of thing.
SUNSET_MOVED_TOO_EARLY = "sunset-moved-too-early"
SUNSET_MOVED_EARLIER = "sunset-moved-earlier"
SUNSET_DELETED = "sunset-deleted"
SUNSET_UNREADABLE = "deprecation-sunset-unreadable"


def sunset_change(
    a: dict[str, Any], b: dict[str, Any], policy: DeprecationPolicy
) -> tuple[str, str] | None:
    """(change, message) when the deprecation notice of ``b``, the revision of ``a``, got worse.

    Only something deprecated in the revision is judged, and only what the revision changed:

    - ``x-sunset`` is new or changed and is not a date (``soon``): :data:`SUNSET_UNREADABLE`;
      no removal can be checked against it (:func:`removal_problem` refuses it).
    - deprecated on both sides, a readable ``x-sunset`` deleted: :data:`SUNSET_DELETED`; a
      later removal would be judged without a sunset, so at once.
    - deprecated on both sides, ``x-sunset`` moved to an earlier date:
      :data:`SUNSET_MOVED_TOO_EARLY` when the new date leaves less than
      ``min_deprecation_days`` after ``x-deprecated-since`` (after ``today`` when there is no
      since; with no minimum, when the date lies before that start), else
      :data:`SUNSET_MOVED_EARLIER`: clients planned for the old date. A date that had
      passed already, moved earlier still, allows nothing sooner and is not reported.
    """
    if not b.get("deprecated"):
        return None
    raw_a, raw_b = a.get("x-sunset"), b.get("x-sunset")
    new_b = date_of(raw_b)
    if raw_b is not None and new_b is None:
        if a.get("deprecated") and raw_a == raw_b:
            return None  # reported when it was written
        return SUNSET_UNREADABLE, f"deprecated with an x-sunset that is not a date ({raw_b!r})"
    if not a.get("deprecated"):
        return None
    old = date_of(raw_a)
    if old is None:
        return None
    if raw_b is None:
        return SUNSET_DELETED, f"x-sunset {old.isoformat()} deleted while still deprecated"
    if new_b is None or new_b >= old or old <= policy.today:
        return None  # later, or the old date had passed already: nothing allowed sooner
    since = date_of(b.get("x-deprecated-since"))
    start, origin = (since, "x-deprecated-since") if since is not None else (policy.today, "today")
    notice, days = (new_b - start).days, policy.min_deprecation_days
    moved = f"x-sunset moved earlier, from {old.isoformat()} to {new_b.isoformat()}"
    if notice < 0:
        return SUNSET_MOVED_TOO_EARLY, f"{moved}, before {origin} {start.isoformat()}"
    if notice < days:
        detail = f"{notice} days after {origin} {start.isoformat()}; the policy requires {days}"
        return SUNSET_MOVED_TOO_EARLY, f"{moved}, {detail}"
    return SUNSET_MOVED_EARLIER, moved


def sunset_changes(
    kind: str,
    label: str,
    a: dict[str, Any],
    a_at: str,
    b: dict[str, Any],
    b_at: str,
    policy: DeprecationPolicy,
) -> list[Change]:
    """:func:`sunset_change` of a ``kind`` (``operation``, ``request-property``, ...) as the
    finding it makes, at the ``x-sunset`` of each side where there is one.

    Depends on the two nodes and the policy alone, so callers may memoise or replay it.
    """
    found = sunset_change(a, b, policy)
    if found is None:
        return []
    change, detail = found
    rule = change if change == SUNSET_UNREADABLE else f"{kind}-{change}"
    base_at = a_at + "/x-sunset" if "x-sunset" in a else a_at
    revision_at = b_at + "/x-sunset" if "x-sunset" in b else b_at
    return [Change(rule, f"{label}: {detail}", base_at, revision_at)]
