"""The value comparison of one schema: type, nullability, format, enum, default and bounds.

Moved out of :mod:`.schemas`, which is about the walk (references, ``allOf`` merging,
alternatives, properties) and its shortcuts; everything here compares the keywords of one
flattened pair (:class:`~specfoundry.diff.schemas.View`) and recurses nowhere, so it is called
only for pairs that are not identical. Findings go through the walk's ``add``, which fixes the
rule's context and the pointers.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from specfoundry.diff.keywords31 import compare_values

if TYPE_CHECKING:
    from specfoundry.diff.schemas import View

_WIDER_FORMATS = {("int32", "int64"), ("float", "double")}
# Bounds by direction (``flatten`` keeps the strictest of several allOf members).
UPPER = ("maxLength", "maxItems", "maxProperties", "maxContains")
LOWER = ("minLength", "minItems", "minProperties", "minContains")
# What else an object may hold: compared alike, each with its own kind.
OPEN = ("additionalProperties", "unevaluatedProperties")


def _types(view: View) -> tuple[frozenset[str], bool]:
    raw = view.get("type")
    if raw is None:
        types: set[str] = set()
    elif isinstance(raw, str):
        types = {raw}
    elif isinstance(raw, list):
        types = {t for t in raw if isinstance(t, str)}
    else:
        types = set()
    nullable = view.get("nullable") is True or "null" in types
    types.discard("null")
    return frozenset(types), nullable


def _implied(view: View) -> frozenset[str]:
    """The type a schema without ``type`` is written for: ``properties``,
    ``additionalProperties`` and the like describe an object, ``items``, ``prefixItems`` and
    the like an array.

    Used only against a side that states its type: adding ``type: object`` to a schema that
    lists properties documents what every client already sends, while adding ``properties``
    to an untyped ``{}`` says nothing about its type.
    """
    keywords = view.keywords
    if view.properties or not keywords.keys().isdisjoint(_OBJECT_KEYS):
        return _OBJECT
    if not keywords.keys().isdisjoint(_ARRAY_KEYS):
        return _ARRAY
    return frozenset()


_OBJECT, _ARRAY = frozenset(("object",)), frozenset(("array",))
_OBJECT_KEYS = frozenset((*OPEN, "patternProperties", "propertyNames"))
_ARRAY_KEYS = frozenset(("items", "prefixItems", "unevaluatedItems", "contains"))


def _covers(outer: frozenset[str], inner: frozenset[str]) -> bool:
    """Whether every value of a schema typed ``inner`` is valid for one typed ``outer``."""
    if not outer:
        return True
    if not inner:
        return False
    return all(t in outer or (t == "integer" and "number" in outer) for t in inner)


def _enum(view: View, fold: bool) -> list[Any] | None:
    """The enum, or with ``fold`` (the other side has an enum and no const) the const as one."""
    if fold and "const" in view.keywords:
        return [view.get("const")]
    values = view.get("enum")
    return values if isinstance(values, list) else None


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _show(values: list[str]) -> str:
    return ", ".join(sorted(values))


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _bound(view: View, plain: str, exclusive: str, upper: bool) -> tuple[float, bool] | None:
    """A numeric bound as (value, exclusive), from either the 3.0 or the 3.1 spelling."""
    value = number(view.get(plain))
    raw_ex = view.get(exclusive)
    if isinstance(raw_ex, bool):
        return None if value is None else (value, raw_ex)
    ex = number(raw_ex)
    candidates = [b for b in ((value, False), (ex, True)) if b[0] is not None]
    if not candidates:
        return None
    if upper:
        return min(candidates, key=lambda b: (b[0], not b[1]))  # type: ignore[arg-type,return-value]
    return max(candidates, key=lambda b: (b[0], b[1]))  # type: ignore[arg-type,return-value]


def _bound_key(view: View, plain: str, exclusive: str) -> str | None:
    """The keyword that holds a side's bound: the 3.1 numeric ``exclusive*`` when it is the
    one that counts, else the plain one (which 3.0's boolean ``exclusive*`` qualifies)."""
    value, raw_ex = number(view.get(plain)), view.get(exclusive)
    ex = None if isinstance(raw_ex, bool) else number(raw_ex)
    if ex is None:
        return plain if value is not None else None
    if value is None:
        return exclusive
    upper = plain == "maximum"
    stricter_ex = ex <= value if upper else ex >= value
    return exclusive if stricter_ex else plain


def _stricter(new: tuple[float, bool], old: tuple[float, bool], upper: bool) -> bool:
    if new[0] != old[0]:
        return new[0] < old[0] if upper else new[0] > old[0]
    return new[1] and not old[1]


def _show_bound(b: tuple[float, bool] | None) -> str:
    if b is None:
        return "none"
    number = int(b[0]) if b[0].is_integer() else b[0]
    return f"{number}{' (exclusive)' if b[1] else ''}"


def _is_multiple(big: float, small: float) -> bool:
    if small == 0:
        return False
    ratio = big / small
    return abs(ratio - round(ratio)) < 1e-9


def compare_value(va: View, vb: View, is_request: bool, add: Any) -> None:
    """Type, nullability, format, enum, default and constraints of one schema."""
    ta, null_a = _types(va)
    tb, null_b = _types(vb)
    if ta != tb and not (ta and tb):
        ta, tb = ta or _implied(va) or ta, tb or _implied(vb) or tb
    if ta != tb:
        shown = f"type changed from {_show(list(ta)) or 'any'} to {_show(list(tb)) or 'any'}"
        if is_request and _covers(tb, ta):
            add("type-widened", shown, "type")
        elif not is_request and _covers(ta, tb):
            add("type-narrowed", shown, "type")
        else:
            add("type-changed", shown, "type")
            return
    if null_a != null_b:
        # Point at what allows null: 3.0's `nullable` (or the null alternative it stands
        # for), else the type.
        key_a = "nullable" if "nullable" in va.keywords else "type"
        key_b = "nullable" if "nullable" in vb.keywords else "type"
        if null_a:
            add("nullable-removed", "null is no longer allowed", key_a, "base", key_b)
        else:
            add("became-nullable", "null is now allowed", key_a, "revision", key_b)
    _compare_format(va, vb, is_request, add)
    _compare_enum(va, vb, add)
    compare_values(va, vb, add)
    if is_request:
        da, db = va.keywords.get("default"), vb.keywords.get("default")
        if (da is None) != (db is None) or (da and db and _key(da[0]) != _key(db[0])):
            shown_a = "none" if da is None else _key(da[0])
            shown_b = "none" if db is None else _key(db[0])
            add("default-changed", f"default changed from {shown_a} to {shown_b}", "default")
    _compare_constraints(va, vb, is_request, add)


def _compare_format(va: View, vb: View, is_request: bool, add: Any) -> None:
    fa, fb = va.get("format"), vb.get("format")
    if fa == fb:
        return
    if fa is None:
        add("format-added", f"format {fb} added", "format")
    elif fb is None:
        add("format-removed", f"format {fa} removed", "format", "base")
    elif is_request and (fa, fb) in _WIDER_FORMATS:
        add("format-widened", f"format widened from {fa} to {fb}", "format")
    elif not is_request and (fb, fa) in _WIDER_FORMATS:
        add("format-narrowed", f"format narrowed from {fa} to {fb}", "format")
    else:
        add("format-changed", f"format changed from {fa} to {fb}", "format")


def _compare_enum(va: View, vb: View, add: Any) -> None:
    # A const against a const (or nothing) has rules of its own (keywords31.compare_values);
    # a const against an enum is a change of values.
    ca, cb = "const" in va.keywords, "const" in vb.keywords
    fold = ca != cb and "enum" in (vb if ca else va).keywords
    ea, eb = _enum(va, fold), _enum(vb, fold)
    key = "const" if fold else "enum"
    if ea is None and eb is None:
        return
    if ea is None:
        add("enum-added", f"values restricted to {_show([_key(v) for v in eb or []])}", key)
        return
    if eb is None:
        add("enum-removed", "values are no longer restricted to an enum", key, "base")
        return
    # null is a value like any other here: listing it is what makes it valid (3.0.3, and
    # 3.1 where the enum decides), so adding or removing it is a change of values.
    ka = {_key(v) for v in ea}
    kb = {_key(v) for v in eb}
    if removed := ka - kb:
        add("enum-value-removed", f"enum values removed: {_show(list(removed))}", key)
    if added := kb - ka:
        add("enum-value-added", f"enum values added: {_show(list(added))}", key)


def _compare_constraints(va: View, vb: View, is_request: bool, add: Any) -> None:
    def report(narrowed: bool, key: str, detail: str) -> None:
        add("constraint-narrowed" if narrowed else "constraint-widened", detail, key)

    for key in UPPER + LOWER:
        xa, xb = number(va.get(key)), number(vb.get(key))
        if xa == xb:
            continue
        upper = key in UPPER
        if xa is None or xb is None:
            narrowed = xa is None
            shown = _fmt(xa if xb is None else xb)
            detail = f"{key} {'added' if narrowed else 'removed'} ({shown})"
        else:
            narrowed = xb < xa if upper else xb > xa
            verb = "decreased" if xb < xa else "increased"
            detail = f"{key} {verb} from {_fmt(xa)} to {_fmt(xb)}"
        report(narrowed, key, detail)
    for plain, exclusive, upper in (
        ("maximum", "exclusiveMaximum", True),
        ("minimum", "exclusiveMinimum", False),
    ):
        ba, bb = _bound(va, plain, exclusive, upper), _bound(vb, plain, exclusive, upper)
        if ba == bb:
            continue
        narrowed = ba is None or (bb is not None and _stricter(bb, ba, upper))
        # Each side points at the keyword it spells its bound with (3.0 and 3.1 differ).
        key_a, key_b = _bound_key(va, plain, exclusive), _bound_key(vb, plain, exclusive)
        detail = f"{plain} changed from {_show_bound(ba)} to {_show_bound(bb)}"
        add(
            "constraint-narrowed" if narrowed else "constraint-widened",
            detail,
            key_a or key_b,
            "revision",
            key_b or key_a,
        )
    pa, pb = va.get("pattern"), vb.get("pattern")
    if pa != pb:
        if pa is None:
            report(True, "pattern", f"pattern added: {pb!r}")
        elif pb is None:
            report(False, "pattern", f"pattern removed (was {pa!r})")
        else:
            # Whether one regular expression accepts more than another cannot be decided
            # here: a changed pattern is for a human to judge, in either direction.
            add("pattern-changed", f"pattern changed from {pa!r} to {pb!r}", "pattern")
    ma, mb = number(va.get("multipleOf")), number(vb.get("multipleOf"))
    if ma != mb:
        if ma is None or mb is None:
            narrowed = ma is None
        elif _is_multiple(mb, ma):
            narrowed = True
        elif _is_multiple(ma, mb):
            narrowed = False
        else:
            narrowed = is_request
        if ma is None or mb is None:
            verb = "added" if ma is None else "removed"
            detail = f"multipleOf {_fmt(mb if ma is None else ma)} {verb}"
        else:
            detail = f"multipleOf changed from {_fmt(ma)} to {_fmt(mb)}"
        report(narrowed, "multipleOf", detail)
    ua, ub = va.get("uniqueItems") is True, vb.get("uniqueItems") is True
    if ua != ub:
        report(ub, "uniqueItems", f"uniqueItems changed from {_fmt(ua)} to {_fmt(ub)}")


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
