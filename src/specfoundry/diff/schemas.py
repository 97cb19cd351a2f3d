"""Direction-aware comparison of two JSON Schemas (as used by OpenAPI 3.0 and 3.1).

Why a class with a memo: components are shared by many operations, and a 5 MB document can
reach the same component pair thousands of times. Results are memoised per (base schema
identity, revision schema identity, context); a pair met again while it is still being compared
(a ``$ref`` cycle) contributes nothing the second time, so cycles terminate. Changes carry
absolute pointers into both documents, so a memoised result is valid wherever it is replayed.

``allOf`` is merged into a flat view (properties, required, keywords); ``oneOf``/``anyOf``
alternatives are matched by component name, then by structural equality, then by position.
``discriminator``, ``not`` and ``prefixItems`` are compared in :mod:`.keywords`. Removing a
deprecated property is judged by the deprecation policy (:mod:`.deprecation`), which is fixed
for the comparer's lifetime, so memoised results stay valid.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from specfoundry.diff.deprecation import DeprecationPolicy, removal_problem
from specfoundry.diff.findings import Change
from specfoundry.diff.keywords import compare_discriminator, compare_not, compare_prefix_items
from specfoundry.diff.pointer import Document, escape, join
from specfoundry.diff.quiet import serialise
from specfoundry.diff.rules import SCHEMA_CONTEXTS, schema_rule_id

REQUEST_PARAMETER = "request-parameter"
REQUEST_PROPERTY = "request-property"
RESPONSE_PROPERTY = "response-property"
RESPONSE_HEADER = "response-header"

_IN_PROGRESS: tuple[Change, ...] = ()
_COMPONENT_PREFIX = "/components/schemas/"
_POSITION = re.compile(r"/prefixItems/(\d+)")
_WIDER_FORMATS = {("int32", "int64"), ("float", "double")}
_UPPER = ("maxLength", "maxItems", "maxProperties")
_LOWER = ("minLength", "minItems", "minProperties")


@dataclass(slots=True)
class View:
    """A schema with its ``allOf`` members merged in; every entry keeps its pointer."""

    pointer: str
    keywords: dict[str, tuple[Any, str]] = field(default_factory=dict)
    properties: dict[str, tuple[Any, str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)

    def get(self, key: str) -> Any:
        entry = self.keywords.get(key)
        return None if entry is None else entry[0]

    def at(self, key: str) -> str:
        entry = self.keywords.get(key)
        return self.pointer if entry is None else entry[1]


def flatten(doc: Document, node: dict[str, Any], pointer: str) -> View:
    view = View(pointer)
    seen = {id(node)}

    def absorb(schema: dict[str, Any], at: str) -> None:
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                prefix = at + "/properties/"
                for name, sub in value.items():
                    if name not in view.properties:
                        view.properties[name] = (sub, prefix + escape(name))
            elif key == "required" and isinstance(value, list):
                view.required.update(v for v in value if isinstance(v, str))
            elif key == "allOf" and isinstance(value, list):
                for index, member in enumerate(value):
                    target, target_at = doc.deref(member, join(at, "allOf", index))
                    if isinstance(target, dict) and id(target) not in seen:
                        seen.add(id(target))
                        absorb(target, target_at)
            elif key not in view.keywords:
                view.keywords[key] = (value, at + "/" + escape(key))

    absorb(node, pointer)
    return view


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


def _covers(outer: frozenset[str], inner: frozenset[str]) -> bool:
    """Whether every value of a schema typed ``inner`` is valid for one typed ``outer``."""
    if not outer:
        return True
    if not inner:
        return False
    return all(t in outer or (t == "integer" and "number" in outer) for t in inner)


def _enum(view: View) -> list[Any] | None:
    if "const" in view.keywords:
        return [view.get("const")]
    values = view.get("enum")
    return values if isinstance(values, list) else None


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _show(values: list[str]) -> str:
    return ", ".join(sorted(values))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _bound(view: View, plain: str, exclusive: str, upper: bool) -> tuple[float, bool] | None:
    """A numeric bound as (value, exclusive), from either the 3.0 or the 3.1 spelling."""
    value = _number(view.get(plain))
    raw_ex = view.get(exclusive)
    if isinstance(raw_ex, bool):
        return None if value is None else (value, raw_ex)
    ex = _number(raw_ex)
    candidates = [b for b in ((value, False), (ex, True)) if b[0] is not None]
    if not candidates:
        return None
    if upper:
        return min(candidates, key=lambda b: (b[0], not b[1]))  # type: ignore[arg-type,return-value]
    return max(candidates, key=lambda b: (b[0], b[1]))  # type: ignore[arg-type,return-value]


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


def _component_label(pointer: str) -> str | None:
    if pointer.startswith(_COMPONENT_PREFIX):
        label = pointer[len(_COMPONENT_PREFIX) :].replace("/properties/", ".")
        if "tems" in label:  # array positions read as Point[] and Point[0]
            label = _POSITION.sub(r"[\1]", label.replace("/items", "[]"))
        return label
    return None


class SchemaComparer:
    """Compares schemas of two documents; one instance per diff so the memo is shared."""

    def __init__(
        self, base: Document, revision: Document, policy: DeprecationPolicy | None = None
    ) -> None:
        self.base = base
        self.revision = revision
        # Without a policy, removing a deprecated property is judged like any removal.
        self.policy = policy
        self._memo: dict[tuple[int, int, str], tuple[Change, ...]] = {}
        # Per base schema (alive for the whole diff, so its id is stable): the properties that
        # _compare_same walks.
        self._walked: dict[int, list[str]] = {}

    # -- entry point --------------------------------------------------------------------------

    def compare(
        self, a: Any, a_at: str, b: Any, b_at: str, ctx: str, label: str, name: str | None = None
    ) -> tuple[Change, ...]:
        """Changes from schema ``a`` to schema ``b``; ``name`` extends ``label`` (a property).

        Called for every property of every schema compared: the cheap outcomes (an equal plain
        pair, a memoised pair) are decided before the label is even built.
        """
        if type(a) is dict and "$ref" in a:
            a, a_at = self.base.deref(a, a_at)
        if type(b) is dict and "$ref" in b:
            b, b_at = self.revision.deref(b, b_at)
        if not isinstance(a, dict) or not isinstance(b, dict):
            return ()
        key = (id(a), id(b), ctx)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        if a == b and _plain(a):
            return ()  # equal at C speed, and no $ref below that could hide a change
        if name is not None:
            label = f"{label}.{name}" if label else name
        label = _component_label(b_at) or _component_label(a_at) or label
        self._memo[key] = _IN_PROGRESS
        out: list[Change] = []
        self._compare(a, a_at, b, b_at, ctx, label, out)
        result = tuple(out)
        self._memo[key] = result
        return result

    # -- the comparison proper ----------------------------------------------------------------

    def _compare(
        self,
        a: dict[str, Any],
        a_at: str,
        b: dict[str, Any],
        b_at: str,
        ctx: str,
        label: str,
        out: list[Change],
    ) -> None:
        is_request = SCHEMA_CONTEXTS[ctx][0]
        if "allOf" not in a and "oneOf" not in a and "anyOf" not in a and _identical(a, b):
            self._compare_same(a, a_at, b, b_at, ctx, label, is_request, out)
            return
        va = flatten(self.base, a, a_at)
        vb = flatten(self.revision, b, b_at)

        def add(change: str, detail: str, key: str | None = None, primary: str = "revision"):
            a_ptr = va.at(key) if key else va.pointer
            b_ptr = vb.at(key) if key else vb.pointer
            out.append(
                Change(schema_rule_id(ctx, change), f"{label}: {detail}", a_ptr, b_ptr, primary)
            )

        composed = self._compare_composition(va, vb, ctx, label, is_request, add, out)
        if not composed and not _identical(a, b):
            self._compare_value(va, vb, ctx, is_request, add)
        compare_discriminator(self, a, a_at, b, b_at, ctx, label, out)
        self._compare_properties(va, vb, ctx, label, is_request, out)
        self._compare_additional(va, vb, ctx, label, is_request, out)
        items_a, items_b = va.keywords.get("items"), vb.keywords.get("items")
        if items_a is not None and items_b is not None:
            out.extend(self.compare(*items_a, *items_b, ctx, label + "[]"))
        compare_prefix_items(self, va, vb, ctx, label, out)
        compare_not(self, va, vb, ctx, label, out)

    def _compare_same(
        self,
        a: dict[str, Any],
        a_at: str,
        b: dict[str, Any],
        b_at: str,
        ctx: str,
        label: str,
        is_request: bool,
        out: list[Change],
    ) -> None:
        """:meth:`_compare` for a pair serialised identically, without allOf/oneOf/anyOf.

        Nothing differs here but what a ``$ref`` below reaches: no composition or value change,
        the same properties with the same required-ness, so only the properties that are not
        plain (a ``$ref`` or a nested schema), ``additionalProperties``, ``items``,
        ``prefixItems`` and ``not`` are walked, exactly as :meth:`_compare` would walk them, in
        the same order. (A ``discriminator`` holds strings only: identical means unchanged.)
        """
        va, vb = View(a_at), View(b_at)
        props_a, props_b = a.get("properties"), b.get("properties")
        if isinstance(props_a, dict) and isinstance(props_b, dict):
            # Met once per context: which properties are worth walking depends on ``a`` alone.
            names = self._walked.get(id(a))
            if names is None:
                names = self._walked[id(a)] = [
                    name
                    for name, sub in props_a.items()
                    # equal on both sides, and nothing below it can differ: skipped
                    if not (type(sub) is dict and "$ref" not in sub and _plain(sub))
                ]
            prefix_a, prefix_b = a_at + "/properties/", b_at + "/properties/"
            for name in names:
                va.properties[name] = (props_a[name], prefix_a + escape(name))
                vb.properties[name] = (props_b[name], prefix_b + escape(name))
            for view, node in ((va, a), (vb, b)):
                required = node.get("required")
                if isinstance(required, list):
                    view.required.update(v for v in required if isinstance(v, str))
        for key in ("additionalProperties", "items", "prefixItems", "not"):
            if key in a:
                va.keywords[key] = (a[key], a_at + "/" + key)
                vb.keywords[key] = (b[key], b_at + "/" + key)
        self._compare_properties(va, vb, ctx, label, is_request, out)
        self._compare_additional(va, vb, ctx, label, is_request, out)
        items_a, items_b = va.keywords.get("items"), vb.keywords.get("items")
        if items_a is not None and items_b is not None:
            out.extend(self.compare(*items_a, *items_b, ctx, label + "[]"))
        if "prefixItems" in a:
            compare_prefix_items(self, va, vb, ctx, label, out)
        if "not" in a:
            compare_not(self, va, vb, ctx, label, out)

    def _compare_value(self, va: View, vb: View, ctx: str, is_request: bool, add: Any) -> None:
        """Type, nullability, format, enum, default and constraints of one schema."""
        ta, null_a = _types(va)
        tb, null_b = _types(vb)
        if ta != tb:
            shown = f"type changed from {_show(list(ta)) or 'any'} to {_show(list(tb)) or 'any'}"
            if is_request and _covers(tb, ta):
                add("type-widened", shown, "type")
            elif not is_request and _covers(ta, tb):
                add("type-narrowed", shown, "type")
            else:
                add("type-changed", shown, "type")
                return
        if null_a and not null_b:
            add("nullable-removed", "null is no longer allowed", "type", "base")
        elif null_b and not null_a:
            add("became-nullable", "null is now allowed", "type")
        self._compare_format(va, vb, is_request, add)
        self._compare_enum(va, vb, add)
        if is_request:
            da, db = va.keywords.get("default"), vb.keywords.get("default")
            if (da is None) != (db is None) or (da and db and _key(da[0]) != _key(db[0])):
                shown_a = "none" if da is None else _key(da[0])
                shown_b = "none" if db is None else _key(db[0])
                add("default-changed", f"default changed from {shown_a} to {shown_b}", "default")
        self._compare_constraints(va, vb, is_request, add)

    def _compare_format(self, va: View, vb: View, is_request: bool, add: Any) -> None:
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

    def _compare_enum(self, va: View, vb: View, add: Any) -> None:
        ea, eb = _enum(va), _enum(vb)
        key = "const" if "const" in vb.keywords or "const" in va.keywords else "enum"
        if ea is None and eb is None:
            return
        if ea is None:
            add("enum-added", f"values restricted to {_show([_key(v) for v in eb or []])}", key)
            return
        if eb is None:
            add("enum-removed", "values are no longer restricted to an enum", key, "base")
            return
        ka = {_key(v) for v in ea if v is not None}
        kb = {_key(v) for v in eb if v is not None}
        if removed := ka - kb:
            add("enum-value-removed", f"enum values removed: {_show(list(removed))}", key)
        if added := kb - ka:
            add("enum-value-added", f"enum values added: {_show(list(added))}", key)

    def _compare_constraints(self, va: View, vb: View, is_request: bool, add: Any) -> None:
        def report(narrowed: bool, key: str, detail: str) -> None:
            add("constraint-narrowed" if narrowed else "constraint-widened", detail, key)

        for key in _UPPER + _LOWER:
            xa, xb = _number(va.get(key)), _number(vb.get(key))
            if xa == xb:
                continue
            upper = key in _UPPER
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
            key = plain if plain in vb.keywords or plain in va.keywords else exclusive
            report(narrowed, key, f"{plain} changed from {_show_bound(ba)} to {_show_bound(bb)}")
        pa, pb = va.get("pattern"), vb.get("pattern")
        if pa != pb:
            # An unrelated new pattern is breaking in either direction: report that side.
            narrowed = pa is None if pa is None or pb is None else is_request
            report(narrowed, "pattern", f"pattern changed from {pa!r} to {pb!r}")
        ma, mb = _number(va.get("multipleOf")), _number(vb.get("multipleOf"))
        if ma != mb:
            if ma is None or mb is None:
                narrowed = ma is None
            elif _is_multiple(mb, ma):
                narrowed = True
            elif _is_multiple(ma, mb):
                narrowed = False
            else:
                narrowed = is_request
            report(narrowed, "multipleOf", f"multipleOf changed from {_fmt(ma)} to {_fmt(mb)}")
        ua, ub = va.get("uniqueItems") is True, vb.get("uniqueItems") is True
        if ua != ub:
            report(ub, "uniqueItems", f"uniqueItems changed from {_fmt(ua)} to {_fmt(ub)}")

    def _compare_composition(
        self,
        va: View,
        vb: View,
        ctx: str,
        label: str,
        is_request: bool,
        add: Any,
        out: list[Change],
    ) -> bool:
        """Compare ``oneOf``/``anyOf``; True when one side only has them (skip value checks)."""
        kind_a = next((k for k in ("oneOf", "anyOf") if isinstance(va.get(k), list)), None)
        kind_b = next((k for k in ("oneOf", "anyOf") if isinstance(vb.get(k), list)), None)
        if kind_a is None and kind_b is None:
            return False
        if kind_a is None or kind_b is None:
            add("composition-changed", f"{kind_a or 'plain schema'} became {kind_b or 'plain'}")
            return True
        left = [
            (*self.base.deref(node, join(va.at(kind_a), i)), i)
            for i, node in enumerate(va.get(kind_a))
        ]
        right = [
            (*self.revision.deref(node, join(vb.at(kind_b), i)), i)
            for i, node in enumerate(vb.get(kind_b))
        ]
        pairs: list[tuple[tuple[Any, str, int], tuple[Any, str, int]]] = []
        by_name = {_component_label(r[1]): r for r in right if _component_label(r[1])}
        rest_left = []
        for entry in left:
            match = by_name.pop(_component_label(entry[1]) or "", None)
            if match is not None:
                pairs.append((entry, match))
            else:
                rest_left.append(entry)
        rest_right = [r for r in right if not any(r is p[1] for p in pairs)]
        for entry in list(rest_left):
            for candidate in rest_right:
                sub = label + f"|{entry[2]}"
                if not self.compare(entry[0], entry[1], candidate[0], candidate[1], ctx, sub):
                    pairs.append((entry, candidate))
                    rest_left.remove(entry)
                    rest_right.remove(candidate)
                    break
        while rest_left and rest_right:
            pairs.append((rest_left.pop(0), rest_right.pop(0)))
        for entry_a, entry_b in sorted(pairs, key=lambda p: p[1][2]):
            sub = label + f"|{entry_b[2]}"
            out.extend(self.compare(entry_a[0], entry_a[1], entry_b[0], entry_b[1], ctx, sub))
        for entry in rest_left:
            out.append(
                Change(
                    schema_rule_id(ctx, "variant-removed"),
                    f"{label}: {kind_a} alternative {entry[2]} removed",
                    entry[1],
                    vb.at(kind_b),
                    "base",
                )
            )
        for entry in rest_right:
            out.append(
                Change(
                    schema_rule_id(ctx, "variant-added"),
                    f"{label}: {kind_b} alternative {entry[2]} added",
                    va.at(kind_a),
                    entry[1],
                )
            )
        return False

    def _compare_properties(
        self, va: View, vb: View, ctx: str, label: str, is_request: bool, out: list[Change]
    ) -> None:
        if not va.properties and not vb.properties:
            return
        pctx = REQUEST_PROPERTY if is_request else RESPONSE_PROPERTY
        hidden = "readOnly" if is_request else "writeOnly"
        required_a, required_b = va.required, vb.required
        for name in sorted(set(va.properties) | set(vb.properties)):
            sa, sb = va.properties.get(name), vb.properties.get(name)
            if sa is not None and sb is not None:
                # The common case, decided at C speed: an equal plain property (no $ref, no
                # nested schema) that keeps its required-ness and visibility finds nothing.
                pa, pb = sa[0], sb[0]
                if (
                    type(pa) is dict
                    and pa == pb
                    and "$ref" not in pa
                    and (name in required_a) == (name in required_b)
                    and (pa.get(hidden) is True) == (pb.get(hidden) is True)
                    and _plain(pa)
                ):
                    continue
            hid_a = sa is not None and self._flag(self.base, sa, hidden)
            hid_b = sb is not None and self._flag(self.revision, sb, hidden)
            present_a, present_b = sa is not None and not hid_a, sb is not None and not hid_b
            req_a = present_a and name in va.required
            req_b = present_b and name in vb.required
            if present_a and sb is not None and hid_b:
                rule = (
                    "request-property-became-read-only"
                    if is_request
                    else ("response-property-became-write-only")
                )
                what = "readOnly" if is_request else "writeOnly"
                sub = f"{label}.{name}" if label else name
                out.append(Change(rule, f"{sub}: became {what}", sa[1], sb[1]))
            elif present_a and sb is None:
                assert sa is not None
                if is_request:
                    rule = "request-property-removed"
                elif req_a:
                    rule = "response-property-removed"
                else:
                    rule = "response-optional-property-removed"
                detail = "property removed"
                deprecated = self._deprecated(self.base, sa)
                if deprecated is not None and self.policy is not None:
                    problem = removal_problem(deprecated[0], self.policy)
                    if problem is None:
                        rule = (
                            f"{'request' if is_request else 'response'}-deprecated-property-removed"
                        )
                        sunset = deprecated[0].get("x-sunset")
                        detail = "deprecated property removed" + (
                            f" after its sunset {sunset}" if sunset else ""
                        )
                    else:
                        detail = f"deprecated property removed {problem}"
                sub = f"{label}.{name}" if label else name
                out.append(Change(rule, f"{sub}: {detail}", sa[1], vb.pointer, "base"))
            elif present_b and not present_a:
                assert sb is not None
                if is_request:
                    rule = "request-property-added-required" if req_b else "request-property-added"
                else:
                    rule = "response-property-added"
                detail = "required property added" if req_b else "property added"
                a_ptr = sa[1] if sa is not None else va.pointer
                sub = f"{label}.{name}" if label else name
                out.append(Change(rule, f"{sub}: {detail}", a_ptr, sb[1]))
            elif present_a and present_b:
                assert sa is not None and sb is not None
                if req_a != req_b:
                    if is_request:
                        rule = (
                            "request-property-became-required"
                            if req_b
                            else "request-property-became-optional"
                        )
                    else:
                        rule = (
                            "response-property-became-required"
                            if req_b
                            else "response-property-became-optional"
                        )
                    state = "required" if req_b else "optional"
                    sub = f"{label}.{name}" if label else name
                    out.append(Change(rule, f"{sub}: became {state}", sa[1], sb[1]))
                deprecated = self._deprecated(self.revision, sb)
                if deprecated is not None and self._deprecated(self.base, sa) is None:
                    rule = (
                        "request-property-deprecated"
                        if is_request
                        else "response-property-deprecated"
                    )
                    sunset = deprecated[0].get("x-sunset")
                    detail = "property deprecated" + (f" (sunset {sunset})" if sunset else "")
                    sub = f"{label}.{name}" if label else name
                    out.append(
                        Change(rule, f"{sub}: {detail}", sa[1], deprecated[1] + "/deprecated")
                    )
                out.extend(self.compare(sa[0], sa[1], sb[0], sb[1], pctx, label, name))

    def _compare_additional(
        self, va: View, vb: View, ctx: str, label: str, is_request: bool, out: list[Change]
    ) -> None:
        ka, kb = va.keywords.get("additionalProperties"), vb.keywords.get("additionalProperties")
        if ka is None and kb is None:
            return
        rank_a, rank_b = _openness(ka), _openness(kb)
        pctx = REQUEST_PROPERTY if is_request else RESPONSE_PROPERTY
        if rank_a == rank_b == 1 and ka is not None and kb is not None:
            out.extend(self.compare(*ka, *kb, pctx, label + ".*"))
            return
        if rank_a == rank_b:
            return
        direction = "narrowed" if rank_b < rank_a else "widened"
        side = "request" if is_request else "response"
        rule = f"{side}-additional-properties-{direction}"
        a_ptr = ka[1] if ka is not None else va.pointer
        b_ptr = kb[1] if kb is not None else vb.pointer
        names = {0: "forbidden", 1: "restricted to a schema", 2: "allowed"}
        detail = f"additional properties: {names[rank_a]} -> {names[rank_b]}"
        out.append(Change(rule, f"{label}: {detail}", a_ptr, b_ptr))

    @staticmethod
    def _deprecated(doc: Document, entry: tuple[Any, str]) -> tuple[dict[str, Any], str] | None:
        """The schema (and its pointer) that marks the property ``deprecated``, if any."""
        node = entry[0]
        if type(node) is dict:
            if node.get("deprecated") is True:
                return node, entry[1]
            if "$ref" not in node:
                return None
        target, at = doc.deref(node, entry[1])
        if isinstance(target, dict) and target.get("deprecated") is True:
            return target, at
        return None

    @staticmethod
    def _flag(doc: Document, entry: tuple[Any, str], flag: str) -> bool:
        node = entry[0]
        if isinstance(node, dict):
            if node.get(flag) is True:
                return True
            if "$ref" not in node:
                return False
        target, _ = doc.deref(node, entry[1])
        return isinstance(target, dict) and target.get(flag) is True


def _identical(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether ``a`` and ``b`` have the same keywords, so the value comparison finds nothing.

    ``==`` is lenient (``True == 1``) and the serialisation is not NaN-aware, so both must
    agree. ``allOf`` merges in keywords from elsewhere, so it rules the shortcut out.
    """
    if a != b or "allOf" in a:
        return False
    text = serialise(a)
    return text is not None and text == serialise(b)


def _plain(node: dict[str, Any]) -> bool:
    """True when ``node`` holds no nested mapping, so equality means no change at all."""
    for value in node.values():
        if isinstance(value, dict):
            return False
        if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            return False
    return True


def _openness(entry: tuple[Any, str] | None) -> int:
    """0: no additional properties; 1: restricted by a schema; 2: anything."""
    if entry is None or entry[0] is True:
        return 2
    value = entry[0]
    if value is False:
        return 0
    if isinstance(value, dict) and not value:
        return 2
    return 1


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
