"""Direction-aware comparison of two JSON Schemas (as used by OpenAPI 3.0 and 3.1).

Why a class with a memo: components are shared by many operations, and a 5 MB document can
reach the same component pair thousands of times. Results are memoised per (base schema
identity, revision schema identity, context); a pair met again while it is still being compared
(a ``$ref`` cycle) contributes nothing the second time, so cycles terminate. Changes carry
absolute pointers into both documents, so a memoised result is valid wherever it is replayed.

``allOf`` is merged into a flat view (properties, required, keywords): every member applies,
so a bound met in several members keeps its strictest value, and a property defined by several
members is compared as all of its definitions at once (a made-up ``allOf`` of them, see
:class:`Made`). ``oneOf``/``anyOf`` alternatives are matched by component name, then by
structural equality, then by position; an ``anyOf``/``oneOf`` of one schema and a null-only
alternative is that schema made nullable (3.1's spelling of 3.0's ``allOf: [X], nullable:
true``). A plain schema against a ``oneOf``/``anyOf`` is ``composition-changed`` plus the
comparison of the plain schema with its matching alternative, never with the composed side's
own (usually empty) properties. Boolean schemas: ``true`` is read as ``{}``, ``false`` as
nothing valid. A schema without ``type`` is taken for an object (``properties``) or an array
(``items``) when the other side states its type.

``discriminator``, ``not`` and ``prefixItems`` are compared in :mod:`.keywords`, the JSON
Schema 2020-12 keywords of OpenAPI 3.1 in :mod:`.keywords31` (``unevaluatedProperties`` is read
here, like ``additionalProperties``), and one pair's values (type, format, enum, bounds) in
:mod:`.values`. Removing a deprecated property is judged by the deprecation policy
(:mod:`.deprecation`), fixed for the comparer's lifetime, so memoised results stay valid.

Made-up schemas (:class:`Made`, and ``{}`` standing for ``true``) are kept by the comparer for
its lifetime, so the memo's identities stay valid; a ``Made`` always holds an ``allOf``, so it
is never "plain" nor taken by ``_compare_same``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specfoundry.diff.deprecation import (
    DeprecationPolicy,
    removal_problem,
    sunset_changes,
)
from specfoundry.diff.findings import Change
from specfoundry.diff.keywords import compare_discriminator, compare_not, compare_prefix_items
from specfoundry.diff.keywords31 import SUBSCHEMA_KEYWORDS, compare_subschemas
from specfoundry.diff.pointer import Document, escape, join, unescape
from specfoundry.diff.quiet import Texts
from specfoundry.diff.rules import SCHEMA_CONTEXTS, schema_rule_id
from specfoundry.diff.values import LOWER, OPEN, UPPER, compare_value, number

REQUEST_PARAMETER = "request-parameter"
REQUEST_PROPERTY = "request-property"
RESPONSE_PROPERTY = "response-property"
RESPONSE_HEADER = "response-header"

_IN_PROGRESS: tuple[Change, ...] = ()
_COMPONENT_PREFIX = "/components/schemas/"


@dataclass(slots=True)
class View:
    """A schema with its ``allOf`` members merged in; every entry keeps its pointer."""

    pointer: str
    keywords: dict[str, tuple[Any, str]] = field(default_factory=dict)
    properties: dict[str, tuple[Any, str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    # Properties defined by more than one allOf member: every definition, in order met.
    more: dict[str, list[tuple[Any, str]]] | None = None

    def get(self, key: str) -> Any:
        entry = self.keywords.get(key)
        return None if entry is None else entry[0]

    def at(self, key: str) -> str:
        entry = self.keywords.get(key)
        return self.pointer if entry is None else entry[1]


class Made(dict):  # type: ignore[type-arg]
    """A schema the comparer makes up, kept alive (and so of stable identity) for the diff.

    It is an ``allOf`` of schemas that live elsewhere (the definitions of one property met in
    several ``allOf`` members; the one non-null alternative of ``anyOf: [X, {type: 'null'}]``),
    so ``members_at`` gives each member's own pointer and ``keys_at`` the pointer of an own
    keyword (``nullable``: the null alternative it stands for).
    """

    __slots__ = ("keys_at", "members_at")

    def __init__(self, data: dict[str, Any], members_at: list[str], keys_at: dict[str, str]):
        super().__init__(data)
        self.members_at = members_at
        self.keys_at = keys_at


# Bounds met in several allOf members: all apply, so the strictest is the one that counts.
_SMALLEST = frozenset((*UPPER, "maximum", "exclusiveMaximum"))
_LARGEST = frozenset((*LOWER, "minimum", "exclusiveMinimum"))


def _tighter(key: str, new: Any, old: Any) -> bool:
    """Whether ``new`` is a stricter value than ``old`` for the bound ``key``."""
    if isinstance(new, bool) or isinstance(old, bool):
        # 3.0 exclusiveMaximum/exclusiveMinimum, and uniqueItems: true is the stricter one
        return new is True and old is False
    xn, xo = number(new), number(old)
    if xn is None or xo is None:
        return False
    return xn < xo if key in _SMALLEST else xn > xo


def flatten(doc: Document, node: dict[str, Any], pointer: str) -> View:
    view = View(pointer)
    seen = {id(node)}

    def absorb(schema: dict[str, Any], at: str) -> None:
        made = schema if type(schema) is Made else None
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                prefix = at + "/properties/"
                for name, sub in value.items():
                    entry = (sub, prefix + escape(name))
                    first = view.properties.get(name)
                    if first is None:
                        view.properties[name] = entry
                    else:  # every allOf member applies: keep each definition
                        if view.more is None:
                            view.more = {}
                        view.more.setdefault(name, [first]).append(entry)
            elif key == "required" and isinstance(value, list):
                view.required.update(v for v in value if isinstance(v, str))
            elif key == "allOf" and isinstance(value, list):
                for index, member in enumerate(value):
                    member_at = made.members_at[index] if made else join(at, "allOf", index)
                    target, target_at = doc.deref(member, member_at)
                    if isinstance(target, dict) and id(target) not in seen:
                        seen.add(id(target))
                        absorb(target, target_at)
            else:
                known = view.keywords.get(key)
                if known is None or (
                    (key in _SMALLEST or key in _LARGEST or key == "uniqueItems")
                    and _tighter(key, value, known[0])
                ):
                    key_at = made.keys_at.get(key) if made else None
                    view.keywords[key] = (value, key_at or at + "/" + escape(key))

    absorb(node, pointer)
    return view


_NULL_KEYS = frozenset(
    ("type", "enum", "const", "description", "title", "$comment", "example", "examples")
)


def _null_only(node: Any) -> bool:
    """Whether ``node`` allows null and nothing else (``{type: 'null'}`` and its spellings)."""
    if type(node) is not dict or not node.keys() <= _NULL_KEYS:
        return False
    if "type" not in node and "enum" not in node and "const" not in node:
        return False
    kind = node.get("type", "null")
    return (
        (kind == "null" or kind == ["null"])
        and node.get("enum", [None]) == [None]
        and node.get("const") is None
    )


def _component_path(pointer: str) -> str | None:
    """Where ``pointer`` lies inside ``/components/schemas`` (alternatives are matched by it)."""
    return pointer[len(_COMPONENT_PREFIX) :] if pointer.startswith(_COMPONENT_PREFIX) else None


def _component_label(pointer: str) -> str | None:
    """A pointer into a component as a reader names it: ``Pet.status`` (not
    ``Pet/allOf/1/properties/status``), ``Order.items[].quantity``, ``Point[0]``,
    ``NewPet.labels.*`` and ``Payment|1`` (an alternative)."""
    path = _component_path(pointer)
    if path is None:
        return None
    tokens = path.split("/")
    parts = [unescape(tokens[0])]
    index, end = 1, len(tokens)
    while index < end:
        token = tokens[index]
        following = index + 1 < end
        if token == "properties" and following:
            parts.append("." + unescape(tokens[index + 1]))
            index += 2
        elif token == "allOf" and following:
            index += 2  # merged: the members are one schema
        elif token in ("oneOf", "anyOf") and following:
            parts.append("|" + tokens[index + 1])
            index += 2
        elif token == "prefixItems" and following:
            parts.append(f"[{tokens[index + 1]}]")
            index += 2
        elif token == "items":
            parts.append("[]")
            index += 1
        elif token == "additionalProperties":
            parts.append(".*")
            index += 1
        else:
            parts.append("/" + unescape(token))
            index += 1
    return "".join(parts)


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
        self.texts = Texts()  # shared with the operation walk's QuietIndex
        # Per base schema (alive for the whole diff, so its id is stable): the properties that
        # _compare_same walks.
        self._walked: dict[int, list[str]] = {}
        # Schemas made up for the diff (see Made), kept so their identities stay stable: the
        # merged definitions of a property, by their (identity, pointer); the nullable reading
        # of `anyOf: [X, {type: 'null'}]`, by the identity of the original; `true` as `{}`, by
        # pointer.
        self._merged: dict[tuple[tuple[int, str], ...], tuple[Made, str]] = {}
        self._unwrapped: dict[int, dict[str, Any]] = {}
        self._anything: dict[str, dict[str, Any]] = {}
        self._labels: dict[str, str | None] = {}

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
            return self._compare_boolean(a, a_at, b, b_at, ctx, label, name)
        key = (id(a), id(b), ctx)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        if a == b and _plain(a):
            return ()  # equal at C speed, and no $ref below that could hide a change
        label = self._label(a_at, b_at, label, name)
        self._memo[key] = _IN_PROGRESS
        if "anyOf" in a or "oneOf" in a:
            a = self._unwrap_null(self.base, a, a_at)
        if "anyOf" in b or "oneOf" in b:
            b = self._unwrap_null(self.revision, b, b_at)
        out: list[Change] = []
        self._compare(a, a_at, b, b_at, ctx, label, out)
        result = tuple(out)
        self._memo[key] = result
        return result

    def _label(self, a_at: str, b_at: str, label: str, name: str | None) -> str:
        if name is not None:
            label = f"{label}.{name}" if label else name
        for pointer in (b_at, a_at):
            if pointer.startswith(_COMPONENT_PREFIX):
                known = self._labels.get(pointer)
                if known is None:
                    known = self._labels[pointer] = _component_label(pointer)
                if known:
                    return known
        return label

    def _compare_boolean(
        self, a: Any, a_at: str, b: Any, b_at: str, ctx: str, label: str, name: str | None
    ) -> tuple[Change, ...]:
        """A boolean schema on either side: ``true`` allows anything (read as ``{}``),
        ``false`` nothing."""
        if not (type(a) is bool or isinstance(a, dict)) or not (
            type(b) is bool or isinstance(b, dict)
        ):
            return ()
        if a is b or (a is True and b == {}) or (b is True and a == {}):
            return ()
        if a is False or b is False:
            label = self._label(a_at, b_at, label, name)
            if b is False:
                change, detail = "became-false", "the schema became `false`: no value is valid"
            else:
                change, detail = "no-longer-false", "the schema was `false` (no value was valid)"
            return (Change(schema_rule_id(ctx, change), f"{label}: {detail}", a_at, b_at),)
        if a is True:
            a = self._anything.setdefault(a_at, {})
        if b is True:
            b = self._anything.setdefault(b_at, {})
        return self.compare(a, a_at, b, b_at, ctx, label, name)

    def _unwrap_null(self, doc: Document, node: dict[str, Any], at: str) -> dict[str, Any]:
        """``anyOf``/``oneOf: [X, {type: 'null'}]`` read as X made nullable (the 3.1 spelling
        of 3.0's ``allOf: [X], nullable: true``, which it is made into); else ``node``."""
        known = self._unwrapped.get(id(node))
        if known is not None:
            return known
        result = node
        kinds = [k for k in ("anyOf", "oneOf") if k in node]
        alternatives = node[kinds[0]] if len(kinds) == 1 else None
        if isinstance(alternatives, list) and len(alternatives) == 2:
            kind = kinds[0]
            nulls = [
                index
                for index, alternative in enumerate(alternatives)
                if _null_only(doc.deref(alternative, join(at, kind, index))[0])
            ]
            if len(nulls) == 1:
                keep = 1 - nulls[0]
                members = node.get("allOf")
                members = list(members) if isinstance(members, list) else []
                members_at = [join(at, "allOf", index) for index in range(len(members))]
                data = {k: v for k, v in node.items() if k not in (kind, "allOf", "nullable")}
                data["nullable"] = True
                data["allOf"] = [*members, alternatives[keep]]
                members_at.append(join(at, kind, keep))
                result = Made(data, members_at, {"nullable": join(at, kind, nulls[0])})
        self._unwrapped[id(node)] = result
        return result

    def _merge_definitions(self, view: View) -> None:
        """A property defined in several allOf members is all of its definitions at once."""
        assert view.more is not None
        for name, entries in view.more.items():
            forbidden = next((e for e in entries if e[0] is False), None)
            if forbidden is not None:
                view.properties[name] = forbidden
                continue
            entries = [e for e in entries if e[0] is not True] or entries[:1]
            if len(entries) == 1:
                view.properties[name] = entries[0]
                continue
            key = tuple((id(e[0]), e[1]) for e in entries)
            made = self._merged.get(key)
            if made is None:
                node = Made({"allOf": [e[0] for e in entries]}, [e[1] for e in entries], {})
                made = self._merged[key] = (node, entries[0][1])
            view.properties[name] = made

    def _identical(self, a: dict[str, Any], b: dict[str, Any]) -> bool:
        """Whether ``a`` and ``b`` have the same keywords, so the value comparison finds nothing.

        ``==`` is lenient (``True == 1``) and the serialisation is not NaN-aware, so both must
        agree. ``allOf`` merges in keywords from elsewhere, so it rules the shortcut out.
        """
        if a != b or "allOf" in a:
            return False
        text = self.texts.of(a)
        return text is not None and text == self.texts.of(b)

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
        if "allOf" not in a and "oneOf" not in a and "anyOf" not in a and self._identical(a, b):
            self._compare_same(a, a_at, b, b_at, ctx, label, is_request, out)
            return
        va = flatten(self.base, a, a_at)
        vb = flatten(self.revision, b, b_at)
        if va.more is not None:
            self._merge_definitions(va)
        if vb.more is not None:
            self._merge_definitions(vb)

        def add(
            change: str,
            detail: str,
            key: str | None = None,
            primary: str = "revision",
            b_key: str | None = None,
        ):
            """``key`` names the keyword on both sides, or the base's when ``b_key`` is given."""
            a_ptr = va.at(key) if key else va.pointer
            b_key = b_key or key
            b_ptr = vb.at(b_key) if b_key else vb.pointer
            out.append(
                Change(schema_rule_id(ctx, change), f"{label}: {detail}", a_ptr, b_ptr, primary)
            )

        mixed = self._compare_composition(va, vb, ctx, label, is_request, add, out)
        if mixed:
            self._compare_with_alternative(a, a_at, b, b_at, va, vb, ctx, label, add, out)
            # A plain schema against a oneOf/anyOf: the plain side was compared with the
            # alternative it became (or came from), if one matches; the composed side's own
            # properties, items and so on are not the plain side's, so they are not compared.
            compare_discriminator(self, a, a_at, b, b_at, ctx, label, out)
            return
        if not self._identical(a, b):
            compare_value(va, vb, is_request, add)
        compare_discriminator(self, a, a_at, b, b_at, ctx, label, out)
        self._compare_properties(va, vb, ctx, label, is_request, out)
        self._compare_additional(va, vb, ctx, label, is_request, out)
        items_a, items_b = va.keywords.get("items"), vb.keywords.get("items")
        if items_a is not None and items_b is not None:
            out.extend(self.compare(*items_a, *items_b, ctx, label + "[]"))
        compare_prefix_items(self, va, vb, ctx, label, out)
        compare_not(self, va, vb, ctx, label, out)
        compare_subschemas(self, va, vb, ctx, label, out)

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
        plain (a ``$ref`` or a nested schema), ``additionalProperties``,
        ``unevaluatedProperties``, ``items``, ``prefixItems``, ``not`` and the subschema
        keywords of :mod:`.keywords31` are walked, exactly as :meth:`_compare` would walk them,
        in the same order. (A ``discriminator``, ``const``, ``dependentRequired`` or
        ``content*`` holds plain values only: identical means unchanged.)
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
        for key in _WALKED:
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
        compare_subschemas(self, va, vb, ctx, label, out)

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
        """Compare ``oneOf``/``anyOf``; True when one side only has them (mixed, left to
        :meth:`_compare_with_alternative`)."""
        kind_a = next((k for k in ("oneOf", "anyOf") if isinstance(va.get(k), list)), None)
        kind_b = next((k for k in ("oneOf", "anyOf") if isinstance(vb.get(k), list)), None)
        if kind_a is None and kind_b is None:
            return False
        if kind_a is None or kind_b is None:
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
        by_name = {_component_path(r[1]): r for r in right if _component_path(r[1])}
        rest_left = []
        for entry in left:
            match = by_name.pop(_component_path(entry[1]) or "", None)
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

    def _compare_with_alternative(
        self,
        a: dict[str, Any],
        a_at: str,
        b: dict[str, Any],
        b_at: str,
        va: View,
        vb: View,
        ctx: str,
        label: str,
        add: Any,
        out: list[Change],
    ) -> None:
        """A plain schema and a oneOf/anyOf: compare the plain one with its alternative.

        The alternative is the one with the plain schema's component name (``Owner`` became
        ``oneOf: [Owner, Organisation]``), else the first that compares without a finding.
        When it compares without a finding, the plain schema survives unchanged as that
        alternative, so the others are alternatives added (the schema was wrapped) or removed
        (unwrapped): ``variant-added``/``variant-removed``, decided as between two
        compositions. Otherwise ``composition-changed`` (review by hand), with the findings
        against the named alternative.
        """
        kind_a = next((k for k in ("oneOf", "anyOf") if isinstance(va.get(k), list)), None)
        plain_is_base = kind_a is None
        composed, doc = (vb, self.revision) if plain_is_base else (va, self.base)
        kind = next(k for k in ("oneOf", "anyOf") if isinstance(composed.get(k), list))
        plain, plain_at = (a, a_at) if plain_is_base else (b, b_at)
        alternatives = [
            (*doc.deref(alternative, join(composed.at(kind), index)), index)
            for index, alternative in enumerate(composed.get(kind))
        ]

        def versus(alt: tuple[Any, str, int]) -> tuple[Change, ...]:
            sub = label + f"|{alt[2]}"
            if plain_is_base:
                return self.compare(plain, plain_at, alt[0], alt[1], ctx, sub)
            return self.compare(alt[0], alt[1], plain, plain_at, ctx, sub)

        name = _component_path(plain_at)
        survivor, found = None, ()
        for alt in alternatives:
            if name is not None and _component_path(alt[1]) == name:
                survivor, found = alt, versus(alt)
                break
        else:
            survivor = next((alt for alt in alternatives if not versus(alt)), None)
        if survivor is not None and not found:
            change = "variant-added" if plain_is_base else "variant-removed"
            verb = "added" if plain_is_base else "removed"
            for alt in alternatives:
                if alt is survivor:
                    continue
                detail = f"{label}: {kind} alternative {alt[2]} {verb} (the schema was "
                detail += f"{'wrapped in' if plain_is_base else 'unwrapped from'} {kind})"
                rule = schema_rule_id(ctx, change)
                if plain_is_base:
                    out.append(Change(rule, detail, plain_at, alt[1]))
                else:
                    out.append(Change(rule, detail, alt[1], plain_at, "base"))
            return
        add(
            "composition-changed",
            f"{kind if not plain_is_base else 'plain schema'} became "
            f"{kind if plain_is_base else 'plain'}",
        )
        out.extend(found)

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
                detail = "property removed"
                if is_request:
                    rule = "request-property-removed"
                    # Where nothing unlisted is allowed, requests still sending it are rejected.
                    if (
                        vb.get("additionalProperties") is False
                        or vb.get("unevaluatedProperties") is False
                    ):
                        rule = "request-property-removed-from-closed-object"
                        detail = "property removed where additional properties are forbidden"
                elif req_a:
                    rule = "response-property-removed"
                else:
                    rule = "response-optional-property-removed"
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
                if deprecated is not None:
                    was = self._deprecated(self.base, sa)
                    sub = f"{label}.{name}" if label else name
                    kind = "request-property" if is_request else "response-property"
                    if was is None:
                        sunset = deprecated[0].get("x-sunset")
                        detail = "property deprecated" + (f" (sunset {sunset})" if sunset else "")
                        out.append(
                            Change(
                                f"{kind}-deprecated",
                                f"{sub}: {detail}",
                                sa[1],
                                deprecated[1] + "/deprecated",
                            )
                        )
                    if self.policy is not None:
                        base, base_at = was if was is not None else ({}, sa[1])
                        out += sunset_changes(kind, sub, base, base_at, *deprecated, self.policy)
                out.extend(self.compare(sa[0], sa[1], sb[0], sb[1], pctx, label, name))

    def _compare_additional(
        self, va: View, vb: View, ctx: str, label: str, is_request: bool, out: list[Change]
    ) -> None:
        """``additionalProperties``, then ``unevaluatedProperties``, alike: each is compared
        with its own kind on the other side (an object may state both)."""
        for key in OPEN:
            ka, kb = va.keywords.get(key), vb.keywords.get(key)
            if ka is None and kb is None:
                continue
            rank_a, rank_b = _openness(ka), _openness(kb)
            pctx = REQUEST_PROPERTY if is_request else RESPONSE_PROPERTY
            if rank_a == rank_b == 1 and ka is not None and kb is not None:
                out.extend(self.compare(*ka, *kb, pctx, label + ".*"))
                continue
            if rank_a == rank_b:
                continue
            direction = "narrowed" if rank_b < rank_a else "widened"
            side = "request" if is_request else "response"
            rule = f"{side}-additional-properties-{direction}"
            a_ptr = ka[1] if ka is not None else va.pointer
            b_ptr = kb[1] if kb is not None else vb.pointer
            names = {0: "forbidden", 1: "restricted to a schema", 2: "allowed"}
            what = "additional" if key == "additionalProperties" else "unevaluated"
            detail = f"{what} properties: {names[rank_a]} -> {names[rank_b]}"
            out.append(Change(rule, f"{label}: {detail}", a_ptr, b_ptr))

    @staticmethod
    def _deprecated(doc: Document, entry: tuple[Any, str]) -> tuple[dict[str, Any], str] | None:
        """The schema (and its pointer) that marks the property ``deprecated``, if any."""
        node = entry[0]
        if type(node) is Made:  # every definition of the property: any one marks it
            for member, at in zip(node["allOf"], node.members_at, strict=True):
                found = SchemaComparer._deprecated(doc, (member, at))
                if found is not None:
                    return found
            return None
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
        if type(node) is Made:
            members = zip(node["allOf"], node.members_at, strict=True)
            return any(SchemaComparer._flag(doc, member, flag) for member in members)
        if isinstance(node, dict):
            if node.get(flag) is True:
                return True
            if "$ref" not in node:
                return False
        target, _ = doc.deref(node, entry[1])
        return isinstance(target, dict) and target.get(flag) is True


# What ``_compare_same`` walks (keywords that hold subschemas), in ``_compare``'s order.
_WALKED = (*OPEN, "items", "prefixItems", "not", *SUBSCHEMA_KEYWORDS)


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
