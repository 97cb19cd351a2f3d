"""The less common schema keywords: ``discriminator``, ``not`` and ``prefixItems``.

Kept apart from :mod:`.schemas` so that module stays about the walk and its shortcuts; these
functions are called by :class:`~specfoundry.diff.schemas.SchemaComparer` with itself as
``comparer`` and recurse only through its memoised ``compare``.

How the fast paths stay safe (see ``SchemaComparer.compare`` and ``_compare_same``): a schema
with any of these keywords holds a nested mapping or a list of them, so it is never "plain"; a
pair serialised identically can still differ below ``not`` or ``prefixItems`` (through a
``$ref``), so ``_compare_same`` walks both; a ``discriminator`` holds only strings, so an
identical pair cannot differ in it and it is compared in ``_compare`` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from specfoundry.diff.errors import DiffInputError
from specfoundry.diff.findings import Change, Level
from specfoundry.diff.pointer import join
from specfoundry.diff.rules import level_of, schema_rule_id

if TYPE_CHECKING:
    from specfoundry.diff.schemas import SchemaComparer, View

_SCHEMAS = "#/components/schemas/"
# The schema under ``not`` is compared in the opposite direction: what it excludes, the outer
# schema no longer accepts, so a change that would widen it narrows the outer schema.
_FLIPPED = {
    "request-parameter": "response-property",
    "request-property": "response-property",
    "response-property": "request-property",
    "response-header": "request-property",
}


def compare_discriminator(
    comparer: SchemaComparer,
    a: dict[str, Any],
    a_at: str,
    b: dict[str, Any],
    b_at: str,
    ctx: str,
    label: str,
    out: list[Change],
) -> None:
    """The schema's own ``discriminator`` (not one merged in through ``allOf``).

    A discriminator belongs to the schema that declares it; subtypes that reach it through
    ``allOf`` would otherwise report the same change once each.
    """
    da, db = a.get("discriminator"), b.get("discriminator")
    if da == db or (not isinstance(da, dict) and not isinstance(db, dict)):
        return
    at_a, at_b = a_at + "/discriminator", b_at + "/discriminator"

    def add(change: str, detail: str, a_ptr: str, b_ptr: str, primary: str = "revision"):
        rule = schema_rule_id(ctx, change)
        out.append(Change(rule, f"{label}: discriminator {detail}", a_ptr, b_ptr, primary))

    if not isinstance(da, dict):
        add("discriminator-added", f"on {db.get('propertyName')!r} added", a_at, at_b)
        return
    if not isinstance(db, dict):
        add("discriminator-removed", f"on {da.get('propertyName')!r} removed", at_a, b_at, "base")
        return
    pa, pb = da.get("propertyName"), db.get("propertyName")
    if pa != pb:
        detail = f"property changed from {pa!r} to {pb!r}"
        add(
            "discriminator-property-changed", detail, at_a + "/propertyName", at_b + "/propertyName"
        )
    ma = da.get("mapping") if isinstance(da.get("mapping"), dict) else {}
    mb = db.get("mapping") if isinstance(db.get("mapping"), dict) else {}
    map_a = at_a + "/mapping" if ma else at_a
    map_b = at_b + "/mapping" if mb else at_b
    variants_a, variants_b = _variants(a), _variants(b)
    for value in sorted(ma.keys() - mb.keys(), key=str):
        target = _target(ma[value])
        if target in variants_a and target not in variants_b:
            continue  # the alternative left too: its removal is the finding
        detail = f"value {value!r} removed"
        add("discriminator-mapping-removed", detail, join(map_a, value), map_b, "base")
    for value in sorted(mb.keys() - ma.keys(), key=str):
        add("discriminator-mapping-added", f"value {value!r} added", map_a, join(map_b, value))
    for value in sorted(ma.keys() & mb.keys(), key=str):
        ta, tb = _target(ma[value]), _target(mb[value])
        if ta == tb or _same_schema(comparer, ta, tb, ctx, label):
            continue
        detail = f"value {value!r} now maps to {mb[value]} instead of {ma[value]}"
        add("discriminator-mapping-changed", detail, join(map_a, value), join(map_b, value))


def _variants(schema: dict[str, Any]) -> set[Any]:
    """The ``$ref`` targets among a schema's ``oneOf``/``anyOf`` alternatives."""
    found = set()
    for key in ("oneOf", "anyOf"):
        members = schema.get(key)
        for member in members if isinstance(members, list) else []:
            if isinstance(member, dict) and isinstance(member.get("$ref"), str):
                found.add(_target(member["$ref"]))
    return found


def _target(value: Any) -> Any:
    """A mapping value as a reference: a bare name means the component of that name."""
    if isinstance(value, str) and "/" not in value and "#" not in value:
        return _SCHEMAS + value
    return value


def _same_schema(comparer: SchemaComparer, ta: Any, tb: Any, ctx: str, label: str) -> bool:
    """Whether two mapping targets are one schema renamed (nothing differs between them)."""
    if not isinstance(ta, str) or not isinstance(tb, str):
        return False
    try:
        node_a, at_a = comparer.base.deref({"$ref": ta}, "")
        node_b, at_b = comparer.revision.deref({"$ref": tb}, "")
    except DiffInputError:  # external or dangling: cannot be shown to be the same
        return False
    if not isinstance(node_a, dict) or not isinstance(node_b, dict):
        return False
    return not comparer.compare(node_a, at_a, node_b, at_b, ctx, label)


def compare_not(
    comparer: SchemaComparer, va: View, vb: View, ctx: str, label: str, out: list[Change]
) -> None:
    """``not``: added narrows what is valid, removed widens it; a change is judged by comparing
    the two excluded schemas in the opposite direction (see ``_FLIPPED``)."""
    na, nb = va.keywords.get("not"), vb.keywords.get("not")
    if na is None and nb is None:
        return
    if na is None:
        assert nb is not None
        rule = schema_rule_id(ctx, "not-added")
        out.append(Change(rule, f"{label}: a `not` schema was added", va.pointer, nb[1]))
        return
    if nb is None:
        rule = schema_rule_id(ctx, "not-removed")
        out.append(
            Change(rule, f"{label}: the `not` schema was removed", na[1], vb.pointer, "base")
        )
        return
    if isinstance(na[0], dict) and isinstance(nb[0], dict):
        inner = comparer.compare(*na, *nb, _FLIPPED[ctx], label)
        if not inner:
            return
        safe = all(level_of(change.rule) is Level.INFO for change in inner)
        first = inner[0]
        more = f" and {len(inner) - 1} more" if len(inner) > 1 else ""
        detail = f"the `not` schema changed ({first.message.split(': ', 1)[-1]}{more})"
        a_ptr, b_ptr, primary = first.base_pointer, first.revision_pointer, first.primary
    elif na[0] == nb[0] and type(na[0]) is type(nb[0]):
        return
    else:
        safe = False
        detail = "the `not` schema changed"
        a_ptr, b_ptr, primary = na[1], nb[1], "revision"
    rule = schema_rule_id(ctx, "not-changed-compatible" if safe else "not-changed")
    out.append(Change(rule, f"{label}: {detail}", a_ptr, b_ptr, primary))


def compare_prefix_items(
    comparer: SchemaComparer, va: View, vb: View, ctx: str, label: str, out: list[Change]
) -> None:
    """``prefixItems`` (tuples): position by position, then positions added or removed."""
    pa, pb = va.keywords.get("prefixItems"), vb.keywords.get("prefixItems")
    if pa is None and pb is None:
        return
    la = pa[0] if pa is not None and isinstance(pa[0], list) else []
    lb = pb[0] if pb is not None and isinstance(pb[0], list) else []
    at_a = pa[1] if pa is not None else va.pointer
    at_b = pb[1] if pb is not None else vb.pointer
    for index in range(min(len(la), len(lb))):
        a_at, b_at = join(at_a, index), join(at_b, index)
        out.extend(comparer.compare(la[index], a_at, lb[index], b_at, ctx, f"{label}[{index}]"))
    for index in range(len(lb), len(la)):
        rule = schema_rule_id(ctx, "prefix-item-removed")
        detail = f"{label}: tuple position {index} removed"
        out.append(Change(rule, detail, join(at_a, index), at_b, "base"))
    for index in range(len(la), len(lb)):
        rule = schema_rule_id(ctx, "prefix-item-added")
        out.append(Change(rule, f"{label}: tuple position {index} added", at_a, join(at_b, index)))
