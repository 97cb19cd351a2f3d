"""Field visibility: per-field ``read:`` rules of the spec, applied to every response.

A resource module lists its restricted fields (``VISIBILITY``: field -> ``FieldRule``). A
field is shown when the caller holds one of the rule's roles (inheritance already expanded;
``None``: any role that may read the object) and the rule's condition, if any, holds for the
object. Hidden fields are absent from the JSON (never ``null``: that would be a value).

A hidden field cannot be probed: a list filter on a field hidden from the caller's roles is
the 400 of an unknown query parameter, a sort on it the 422 of an unknown sort value. Fields
shown under a condition are never filterable or sortable (the compiler refuses it, SF404).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .auth import Principal
from .problems import Problem


class FieldRule:
    """Who sees a field: ``roles`` (None: anyone who may read the object) and ``check``
    (None: always), a Python check of the loaded object for the caller."""

    __slots__ = ("check", "roles")

    def __init__(
        self,
        roles: frozenset[str] | None,
        check: Callable[[Principal, Any], bool] | None = None,
    ) -> None:
        self.roles = roles
        self.check = check


def shown(principal: Principal, rule: FieldRule, obj: Any) -> bool:
    if rule.roles is not None and not principal.roles & rule.roles:
        return False
    return rule.check is None or rule.check(principal, obj)


def redact(
    principal: Principal, obj: Any, body: dict[str, Any], rules: Mapping[str, FieldRule]
) -> dict[str, Any]:
    """``body`` (the object's response) without the fields hidden from the caller."""
    for name, rule in rules.items():
        if not shown(principal, rule, obj):
            body.pop(name, None)
    return body


def refuse_hidden_query(
    principal: Principal, rules: Mapping[str, FieldRule], params: Mapping[str, Any], sort: str
) -> None:
    """A list's filters and sort may not name a field hidden from the caller (see above)."""
    hidden = {
        name
        for name, rule in rules.items()
        if rule.check is not None or (rule.roles is not None and not principal.roles & rule.roles)
    }
    probed = sorted(name for name in params if name in hidden)
    if probed:
        raise Problem(
            "bad-request",
            "Unknown query parameters: " + ", ".join(f"`{name}`" for name in probed) + ".",
        )
    if sort.lstrip("-") in hidden:
        raise Problem(
            "validation-error",
            "The request is invalid; see `errors`.",
            errors=[{"pointer": "/query/sort", "message": "not a sort key of this list"}],
        )
