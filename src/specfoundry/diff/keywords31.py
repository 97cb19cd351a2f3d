"""The JSON Schema 2020-12 keywords OpenAPI 3.1 brought in: ``const``, ``if``/``then``/``else``,
``dependentRequired``, ``dependentSchemas``, ``contains``, ``patternProperties``,
``propertyNames``, ``unevaluatedItems`` and the ``content*`` keywords.

Why a module of their own: :mod:`.schemas` is about the walk and its shortcuts, and
:mod:`.keywords` holds the older, OpenAPI 3.0 keywords; these are rarer still, so they are
kept together here, where a reader looking for one finds all of them. Like :mod:`.keywords`,
the functions are called by :class:`~specfoundry.diff.schemas.SchemaComparer` with itself as
``comparer`` and recurse only through its memoised ``compare``. (``unevaluatedProperties``
is read as ``additionalProperties`` in :mod:`.schemas`; ``minContains``/``maxContains`` are
bounds there.)

Directions: a keyword that adds a constraint narrows what is valid (an error for data clients
send, info for data they receive); removing it widens. A subschema the keyword applies to
values (``contains``, ``patternProperties``, ``propertyNames``, ``dependentSchemas``,
``contentSchema``) is compared in the same direction, unlike ``not``.

The fast paths (see :mod:`.schemas`): every keyword here that holds a subschema makes its
schema "not plain", and ``_compare_same`` walks them through :func:`compare_subschemas`,
since a pair serialised identically can still differ below them through a ``$ref``. The
others (``const``, ``dependentRequired``, ``content*``) hold plain values: an identical pair
cannot differ in them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from specfoundry.diff.findings import Change
from specfoundry.diff.pointer import join
from specfoundry.diff.rules import SCHEMA_CONTEXTS, schema_rule_id

if TYPE_CHECKING:
    from specfoundry.diff.schemas import SchemaComparer, View

# Keywords holding subschemas, walked by ``_compare_same`` as well as ``_compare``.
SUBSCHEMA_KEYWORDS = (
    "if",
    "then",
    "else",
    "dependentSchemas",
    "contains",
    "patternProperties",
    "propertyNames",
    "unevaluatedItems",
    "contentSchema",
)
# Any of these makes compare_subschemas look (``prefixItems``: ``items`` after a tuple).
_ANY = frozenset(SUBSCHEMA_KEYWORDS) | {"dependentRequired", "prefixItems"}
_CONDITIONAL = ("if", "then", "else")
# Keywords that change nothing about which values are valid.
_ANNOTATIONS = frozenset(("description", "title", "$comment", "example", "examples"))


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _gist(value: Any) -> str:
    """``value`` serialised without its top-level annotations."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k not in _ANNOTATIONS}
    return _key(value)


def compare_values(va: View, vb: View, add: Any) -> None:
    """``const``, ``contentMediaType`` and ``contentEncoding`` (called with the value
    comparison's ``add``, so only for pairs that are not identical).

    A ``const`` against an ``enum`` (no ``const`` on that side) is a change of values, left to
    the enum comparison: ``const: a`` becoming ``enum: [a, b]`` adds a value.
    """
    ca, cb = "const" in va.keywords, "const" in vb.keywords
    if ca and cb:
        if _key(va.get("const")) != _key(vb.get("const")):
            shown = f"{_key(va.get('const'))} to {_key(vb.get('const'))}"
            add("const-changed", f"const changed from {shown}", "const")
    elif ca and "enum" not in vb.keywords:
        add("const-removed", f"const {_key(va.get('const'))} removed", "const", "base")
    elif cb and "enum" not in va.keywords:
        add("const-added", f"value fixed to const {_key(vb.get('const'))}", "const")
    ma, mb = va.get("contentMediaType"), vb.get("contentMediaType")
    if ma != mb:
        if ma is None:
            add("content-media-type-added", f"contentMediaType {mb} added", "contentMediaType")
        elif mb is None:
            detail = f"contentMediaType {ma} removed"
            add("content-media-type-removed", detail, "contentMediaType", "base")
        else:
            detail = f"contentMediaType changed from {ma} to {mb}"
            add("content-media-type-changed", detail, "contentMediaType")
    ea, eb = va.get("contentEncoding"), vb.get("contentEncoding")
    if ea != eb:
        detail = f"contentEncoding changed from {ea or 'none'} to {eb or 'none'}"
        primary = "base" if eb is None else "revision"
        add("content-encoding-changed", detail, "contentEncoding", primary)


def compare_subschemas(
    comparer: SchemaComparer, va: View, vb: View, ctx: str, label: str, out: list[Change]
) -> None:
    """Every keyword of this module that holds a subschema, and ``dependentRequired``."""
    ka, kb = va.keywords, vb.keywords
    if ka.keys().isdisjoint(_ANY) and kb.keys().isdisjoint(_ANY):
        return
    _compare_conditional(comparer, va, vb, ctx, label, out)
    _compare_dependent_required(va, vb, ctx, label, out)
    _compare_map(comparer, va, vb, ctx, label, "dependentSchemas", "dependent-schema", out)
    pctx = "request-property" if SCHEMA_CONTEXTS[ctx][0] else "response-property"
    _compare_map(comparer, va, vb, pctx, label, "patternProperties", "pattern-property", out, ctx)
    for key, change in (
        ("contains", "contains"),
        ("propertyNames", "property-names"),
        ("contentSchema", "content-schema"),
    ):
        _compare_one(comparer, va, vb, ctx, label, key, change, out)
    _compare_rest_items(comparer, va, vb, ctx, label, out)


def _compare_one(
    comparer: SchemaComparer,
    va: View,
    vb: View,
    ctx: str,
    label: str,
    key: str,
    change: str,
    out: list[Change],
) -> None:
    """A keyword holding one subschema: added, removed, or compared in the same direction."""
    sa, sb = va.keywords.get(key), vb.keywords.get(key)
    if sa is None and sb is None:
        return
    if sa is None:
        assert sb is not None
        rule = schema_rule_id(ctx, change + "-added")
        out.append(Change(rule, f"{label}: `{key}` added", va.pointer, sb[1]))
    elif sb is None:
        rule = schema_rule_id(ctx, change + "-removed")
        out.append(Change(rule, f"{label}: `{key}` removed", sa[1], vb.pointer, "base"))
    else:
        out.extend(comparer.compare(*sa, *sb, ctx, f"{label}/{key}"))


def _compare_map(
    comparer: SchemaComparer,
    va: View,
    vb: View,
    ctx: str,
    label: str,
    key: str,
    change: str,
    out: list[Change],
    outer: str | None = None,
) -> None:
    """A keyword holding named subschemas: matched by name; an entry added narrows, one
    removed widens (reported in the ``outer`` context), one kept is compared in ``ctx``."""
    ka, kb = va.keywords.get(key), vb.keywords.get(key)
    if ka is None and kb is None:
        return
    ma = ka[0] if ka is not None and isinstance(ka[0], dict) else {}
    mb = kb[0] if kb is not None and isinstance(kb[0], dict) else {}
    at_a = ka[1] if ka is not None else va.pointer
    at_b = kb[1] if kb is not None else vb.pointer
    outer = outer or ctx
    for name in sorted(ma.keys() - mb.keys(), key=str):
        rule = schema_rule_id(outer, change + "-removed")
        detail = f"{label}: `{key}` entry {name!r} removed"
        out.append(Change(rule, detail, join(at_a, name), at_b, "base"))
    for name in sorted(mb.keys() - ma.keys(), key=str):
        rule = schema_rule_id(outer, change + "-added")
        out.append(Change(rule, f"{label}: `{key}` entry {name!r} added", at_a, join(at_b, name)))
    for name in sorted(ma.keys() & mb.keys(), key=str):
        sub = f"{label}/{key}/{name}"
        out.extend(
            comparer.compare(ma[name], join(at_a, name), mb[name], join(at_b, name), ctx, sub)
        )


def _compare_dependent_required(
    va: View, vb: View, ctx: str, label: str, out: list[Change]
) -> None:
    """``dependentRequired``: per key, the names it requires (holds strings only)."""
    ka, kb = va.keywords.get("dependentRequired"), vb.keywords.get("dependentRequired")
    if ka is None and kb is None:
        return
    ma = ka[0] if ka is not None and isinstance(ka[0], dict) else {}
    mb = kb[0] if kb is not None and isinstance(kb[0], dict) else {}
    if ma == mb:
        return
    at_a = ka[1] if ka is not None else va.pointer
    at_b = kb[1] if kb is not None else vb.pointer
    for name in sorted(ma.keys() | mb.keys(), key=str):
        la, lb = ma.get(name), mb.get(name)
        names_a = {v for v in la if isinstance(v, str)} if isinstance(la, list) else set()
        names_b = {v for v in lb if isinstance(v, str)} if isinstance(lb, list) else set()
        a_ptr = join(at_a, name) if name in ma else at_a
        b_ptr = join(at_b, name) if name in mb else at_b
        if added := names_b - names_a:
            rule = schema_rule_id(ctx, "dependent-required-added")
            detail = f"{label}: {name!r} now requires {', '.join(sorted(added))}"
            out.append(Change(rule, detail, a_ptr, b_ptr))
        if removed := names_a - names_b:
            rule = schema_rule_id(ctx, "dependent-required-removed")
            detail = f"{label}: {name!r} no longer requires {', '.join(sorted(removed))}"
            out.append(Change(rule, detail, a_ptr, b_ptr, "base" if name not in mb else "revision"))


def _compare_conditional(
    comparer: SchemaComparer, va: View, vb: View, ctx: str, label: str, out: list[Change]
) -> None:
    """``if``/``then``/``else`` as one conditional: added, removed, or changed.

    An ``if`` without ``then`` or ``else`` constrains nothing, so it counts as no conditional.
    A conditional changes when a part appears or disappears, when comparing a part finds
    anything (in either direction for ``if``: which values take the branch moves both ways),
    or when a part differs otherwise (``then: {required: [...]}`` gains a name, which the
    comparison of properties cannot see); top-level annotations do not count.
    """
    pa = {k: va.keywords[k] for k in _CONDITIONAL if k in va.keywords}
    pb = {k: vb.keywords[k] for k in _CONDITIONAL if k in vb.keywords}
    live_a = "then" in pa or "else" in pa
    live_b = "then" in pb or "else" in pb
    if not live_a and not live_b:
        return
    if not live_b:
        first = next(iter(pa.values()))
        rule = schema_rule_id(ctx, "conditional-removed")
        out.append(
            Change(rule, f"{label}: `if`/`then`/`else` removed", first[1], vb.pointer, "base")
        )
        return
    if not live_a:
        first = next(iter(pb.values()))
        rule = schema_rule_id(ctx, "conditional-added")
        out.append(Change(rule, f"{label}: `if`/`then`/`else` added", va.pointer, first[1]))
        return
    rule = schema_rule_id(ctx, "conditional-changed")
    for part in _CONDITIONAL:
        sa, sb = pa.get(part), pb.get(part)
        if sa is None and sb is None:
            continue
        if sa is None or sb is None:
            verb = "added" if sa is None else "removed"
            a_ptr = sa[1] if sa is not None else va.pointer
            b_ptr = sb[1] if sb is not None else vb.pointer
            primary = "base" if sb is None else "revision"
            out.append(Change(rule, f"{label}: `{part}` {verb}", a_ptr, b_ptr, primary))
            return
        inner = comparer.compare(*sa, *sb, ctx, f"{label}/{part}")
        if inner:
            first = inner[0]
            more = f" and {len(inner) - 1} more" if len(inner) > 1 else ""
            detail = f"`{part}` changed ({first.message.split(': ', 1)[-1]}{more})"
            a_ptr, b_ptr = first.base_pointer, first.revision_pointer
            out.append(Change(rule, f"{label}: {detail}", a_ptr, b_ptr, first.primary))
            return
        if _gist(sa[0]) != _gist(sb[0]):
            out.append(Change(rule, f"{label}: `{part}` changed", sa[1], sb[1]))
            return


def _compare_rest_items(
    comparer: SchemaComparer, va: View, vb: View, ctx: str, label: str, out: list[Change]
) -> None:
    """What a tuple (``prefixItems``) allows after its positions: ``unevaluatedItems``, and
    ``items`` added or removed there (an absent one allows anything, like ``true``). So
    ``unevaluatedItems: false`` added is ``became-false``, as ``items: false`` would be."""
    tuple_ = "prefixItems" in va.keywords or "prefixItems" in vb.keywords
    keys = ("unevaluatedItems", "items") if tuple_ else ("unevaluatedItems",)
    for key in keys:
        sa, sb = va.keywords.get(key), vb.keywords.get(key)
        if (sa is None) == (sb is None) and (key == "items" or sa is None):
            continue  # items on both sides are compared by the walk itself
        a, a_at = sa if sa is not None else (True, va.pointer)
        b, b_at = sb if sb is not None else (True, vb.pointer)
        out.extend(comparer.compare(a, a_at, b, b_at, ctx, label + "[]"))
