"""Conditional field write rules: ``write: {roles, condition}`` on a field of the spec.

The roles part is ``writable_by`` (``runtime.routing.check_writable``: the route's
``*_RESTRICTED`` table). The condition part is a resource module's ``WRITE_CONDITIONS``:
field -> a check of the object for the caller, generated in the service's ``permissions.py``
from the same syntax tree as the permission conditions (``resource.<path>``,
``principal.<attr>``, membership tests, ``role_in``).

The check runs on the row before the write: on update, the loaded object before the changes
are set; on create, the object as it would be stored (the body's values and the fields the
service fills, in the session but not flushed). A field the caller sends while its condition is
false is refused (403 problem+json naming the fields), never silently dropped (P-08); fields not
sent are not checked, so a client may always write the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .auth import Principal
from .problems import Problem

# ``check(principal, obj)``: whether the caller may write the field of this object.
WriteCheck = Callable[[Principal, Any], bool]


def check_write_conditions(
    principal: Principal, obj: Any, sent: Iterable[str], conditions: Mapping[str, WriteCheck]
) -> None:
    """403 when the caller sends a field whose write condition is false for ``obj``."""
    denied = sorted(f for f in set(sent) if f in conditions and not conditions[f](principal, obj))
    if denied:
        raise Problem(
            "forbidden",
            "You may not write "
            + ", ".join(f"`{f}`" for f in denied)
            + " of this object (the field's write rule does not allow it).",
        )
