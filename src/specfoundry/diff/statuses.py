"""Status codes: which responses of two operations are the same response.

A code may be written exactly (``404``), as a range (``4XX``) or as ``default``, and a client
reads whichever entry matches; pairing the two sides' entries by what they document, not by
how they are spelled, is what keeps a ``404`` folded into ``4XX`` from reading as a removal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from specfoundry.diff.direction import Direction
from specfoundry.diff.findings import Change
from specfoundry.diff.pointer import join


def status_changes(
    sa: dict[str, Any],
    ra_at: str,
    sb: dict[str, Any],
    rb_at: str,
    d: Direction,
    covered: list[tuple[str, str]],
) -> Iterator[Change]:
    """Status codes removed or added (``sa``/``sb``: upper-cased code -> key as written).

    A code documented on one side only may be covered on the other by its range (``200``
    by ``2XX``) or, for errors, by ``default``: the two responses are compared (the pair
    is appended to ``covered``) and the finding says so instead of a plain removal.
    """
    removed, added = set(sa) - set(sb), set(sb) - set(sa)
    # A range the revision documents in place of exact codes it covers: narrowed.
    narrowed = {_range_of(s) for s in added if _range_of(s) in removed}
    for status in sorted(removed):
        cover = None if status in narrowed else _cover(status, sb)
        if cover is not None:
            covered.append((status, cover))
            rule = (
                "response-success-status-widened"
                if _success(status)
                else "response-error-status-widened"
            )
            yield Change(
                d.rule(rule),
                f"response {sa[status]} is now documented as {sb[cover]}",
                join(ra_at, sa[status]),
                join(rb_at, sb[cover]),
            )
            continue
        if status in narrowed:
            codes = sorted(str(sb[s]) for s in added if _range_of(s) == status)
            yield Change(
                d.rule("response-status-range-narrowed"),
                f"response {sa[status]} is now documented as {', '.join(codes)}",
                join(ra_at, sa[status]),
                rb_at,
                "base",
            )
            continue
        success = _success(status)
        rule = "response-success-status-removed" if success else "response-status-removed"
        yield Change(
            d.rule(rule),
            f"response {sa[status]} removed",
            join(ra_at, sa[status]),
            rb_at,
            "base",
        )
    widened = {cover for _, cover in covered}
    for status in sorted(added):
        if status in widened:
            continue  # reported, and compared, as the codes it now documents
        cover = _cover(status, sa)
        if cover is not None:
            covered.append((cover, status))
        # A code its range or `default` documented before could be sent already.
        new_success = cover is None and _success(status)
        rule = "response-success-status-added" if new_success else "response-status-added"
        yield Change(
            d.rule(rule),
            f"response {sb[status]} added"
            + (f" (was documented as {sa[cover]})" if cover is not None else ""),
            ra_at,
            join(rb_at, sb[status]),
        )


def _success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


def _range_of(status: str) -> str | None:
    """The range an exact status code falls in (``404``: ``4XX``)."""
    return status[0] + "XX" if len(status) == 3 and status.isdigit() else None


def _cover(status: str, others: dict[str, Any]) -> str | None:
    """The entry of ``others`` (upper-cased statuses) that documents ``status`` there: its
    range, else for an error code or range ``default``. A success code is never covered by
    ``default``, which documents errors in practice."""
    span = _range_of(status)
    if span is not None and span in others:
        return span
    if status != "DEFAULT" and not _success(status) and "DEFAULT" in others:
        return "DEFAULT"
    return None
