"""Walk paths, operations, parameters, bodies, responses and security of two documents.

Everything below the schema level is delegated to :class:`SchemaComparer`. Which operations,
callbacks and webhooks pair up is worked out by :mod:`.paths`, which status codes and media
types do by :mod:`.statuses` and :mod:`.media`, and what a security requirement or scheme
change means by :mod:`.security`; this module walks the pairs (parameters, request bodies,
responses and headers), skips or replays what cannot have changed, and applies the
deprecation policy to removed operations, parameters, headers, callbacks and webhooks.

Callbacks and webhooks are requests the API sends: the client reads their request body and
produces their responses. They are walked by the same code as operations, with a
:class:`~.direction.Direction` that swaps the schema contexts and renames the structural rules
whose level flips.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from specfoundry.diff.deprecation import (
    date_of,
    removal_problem,
    sunset_changes,
)
from specfoundry.diff.direction import FORWARD, REVERSED, Direction
from specfoundry.diff.findings import Change
from specfoundry.diff.media import match_media_parameters
from specfoundry.diff.paths import (
    Op,
    callbacks,
    keyed_operations,
    template_names,
    trailing_slash,
    webhooks,
)
from specfoundry.diff.pointer import Document, join
from specfoundry.diff.quiet import QuietIndex, serialise
from specfoundry.diff.schemas import REQUEST_PARAMETER, SchemaComparer
from specfoundry.diff.security import (
    requirement_findings,
    scheme_changes,
    scheme_renames,
    schemes,
)
from specfoundry.diff.statuses import status_changes

# Direction, FORWARD and REVERSED live in .direction; they stay importable from here.
__all__ = ["FORWARD", "REVERSED", "Direction", "Located", "OperationComparer", "Policy"]

Located = tuple[str | None, Change]  # (operation label, change)


@dataclass(frozen=True, slots=True)
class Policy:
    """The deprecation policy: when removing something deprecated is acceptable."""

    today: dt.date
    min_deprecation_days: int = 0


class OperationComparer:
    def __init__(
        self, base: Document, revision: Document, schemas: SchemaComparer, policy: Policy
    ) -> None:
        self.base = base
        self.revision = revision
        self.schemas = schemas
        self.policy = policy
        self.quiet = QuietIndex(base, revision, schemas.texts)
        # Results of sub-walks (a response, a request body, a parameter) by the serialisations
        # of both sides; see _replay.
        self._replays: dict[tuple[Any, ...], tuple[Change, ...]] = {}
        # Security findings, as (rule, message), by the serialisations of both requirements.
        self._securities: dict[tuple[Any, Any], list[tuple[str, str]]] = {}
        # True while walking an operation whose node serialises identically on both sides:
        # every part of it then does too, so _replay serialises only the base side.
        self._same_text = False
        self._items: dict[tuple[str, str], tuple[bool, bool]] = {}  # see _operation_quiet
        self._global_quiet: bool | None = None
        # Security schemes renamed with an identical definition: base name -> revision name.
        self._scheme_renames = scheme_renames(schemes(base.data), schemes(revision.data))

    def compare(self) -> Iterator[Located]:
        ops_a, ops_b, base_path_change = keyed_operations(self.base, self.revision)
        if base_path_change is not None:
            yield None, base_path_change
        # Where a removed operation's path still lives in the revision, for annotations.
        items_b = {k[0]: op.item_pointer for k, op in ops_b.items()}
        for key in sorted(set(ops_a) | set(ops_b)):
            a, b = ops_a.get(key), ops_b.get(key)
            if a is not None and b is None:
                yield a.label, self._removed(a, items_b.get(key[0]))
            elif b is not None and a is None:
                yield b.label, Change("operation-added", "operation added", None, b.pointer)
            elif a is not None and b is not None:
                full_a, full_b = a.base_path + a.path, b.base_path + b.path
                if trailing_slash(full_a) != trailing_slash(full_b):
                    yield (
                        b.label,
                        Change(
                            "path-trailing-slash-changed",
                            f"path {full_a} is now {full_b}",
                            a.item_pointer,
                            b.item_pointer,
                        ),
                    )
                if self._operation_quiet(a, b):
                    continue
                label = b.label
                for change in self._operation(a, b):
                    yield label, change
                if "callbacks" in a.node or "callbacks" in b.node:
                    yield from self._callback_changes(a, b)
                self._same_text = False
        if "webhooks" in self.base.data or "webhooks" in self.revision.data:
            yield from self._webhook_changes()
        sa, sb = schemes(self.base.data), schemes(self.revision.data)
        yield from ((None, c) for c in scheme_changes(sa, sb, self._scheme_renames))

    # -- skipping what cannot change -----------------------------------------------------------

    def _operation_quiet(self, a: Op, b: Op) -> bool:
        """Whether the pair cannot produce a finding, so the walk skips it whole (every
        finding, ``x-sunset`` edits included, needs the two sides to differ).

        An operation's findings come from its path item (its own node and the shared
        parameters) and, when it has no ``security`` of its own, from the document's; the path
        template must also be spelled the same (parameters are matched by position in it, and
        a trailing slash or a base path moved into the paths shows in the spelling: pairs
        matched by servers' prefix + path have different paths whenever the prefixes differ).
        Path items are checked rather than operations: fewer, larger serialisations, each
        shared by the item's operations. When only ``$ref`` targets differ, the equal
        serialisation still tells the walk (``_same_text``) that every part of the operation
        serialises identically on both sides, so each part is serialised once, not twice.
        """
        pair = (a.item_pointer, b.item_pointer)
        state = self._items.get(pair)
        if state is None:
            state = self._items[pair] = self._item_state(a.item, b.item)
        same_text, refs_quiet = state
        if not same_text or a.path != b.path:
            return False
        if refs_quiet and ("security" in a.node or self._global_security_quiet()):
            return True
        self._same_text = True
        return False

    def _item_state(self, a: dict[str, Any], b: dict[str, Any]) -> tuple[bool, bool]:
        """(serialised identically, no ``$ref`` inside reaches a changed target)."""
        if a != b:
            return False, False
        text = serialise(a)
        if text is None or text != serialise(b):
            return False, False
        return True, self.quiet.refs_quiet(a, text)

    def _global_security_quiet(self) -> bool:
        if self._global_quiet is None:
            self._global_quiet = self.quiet.quiet(
                self.base.data.get("security"), self.revision.data.get("security")
            )
        return self._global_quiet

    def _replay(
        self,
        key: tuple[Any, ...],
        raw_a: Any,
        raw_b: Any,
        roots: tuple[str, str],
        walk: Callable[..., Iterator[Change]],
        *args: Any,
    ) -> Iterable[Change]:
        """The changes of ``walk(*args)`` for ``raw_a``/``raw_b``, skipped or replayed if possible.

        A quiet pair (see :mod:`.quiet`) yields nothing: this is how unchanged operations are
        skipped, part by part. Otherwise the result depends only on the two subtrees (their
        ``$ref`` targets included), on ``key`` (what labels the walk uses) and on the
        deprecation policy, fixed for the comparer's lifetime (``x-sunset`` edits are judged
        against its ``today``), except for pointers inside the walked operation's path item
        (``roots``): a result without any is replayed for the next pair that serialises the
        same way.
        """
        text_a = serialise(raw_a)
        text_b = text_a if self._same_text else serialise(raw_b)
        if text_a is None or text_b is None:
            return tuple(walk(*args))
        # == as well: the serialisation does not know that NaN differs from itself.
        if text_a == text_b and raw_a == raw_b and self.quiet.refs_quiet(raw_a, text_a):
            return ()
        full = (*key, text_a, text_b)
        hit = self._replays.get(full)
        if hit is not None:
            return hit
        changes = tuple(walk(*args))
        if not any(_inside(c, roots) for c in changes):
            self._replays[full] = changes
        return changes

    # -- operations ---------------------------------------------------------------------------

    def _removal(self, kind: str, node: dict[str, Any], where: str) -> tuple[str, str]:
        """(rule, message) for removing ``node``, a ``kind`` (``operation``, ...), by the policy.

        Not deprecated: ``{kind}-removed``. Deprecated: ``deprecated-{kind}-removed`` once
        ``x-sunset`` has passed and ``x-deprecated-since`` is at least
        ``min_deprecation_days`` old, ``{kind}-removed-before-sunset`` otherwise.
        """
        if not node.get("deprecated"):
            return f"{kind}-removed", where
        problem = removal_problem(node, self.policy)
        if problem:
            return f"{kind}-removed-before-sunset", f"deprecated {where} {problem}"
        sunset = date_of(node.get("x-sunset"))
        detail = f"deprecated {where}" + (
            f" after its sunset {sunset.isoformat()}" if sunset else ""
        )
        return f"deprecated-{kind}-removed", detail

    def _removed(self, op: Op, surviving_item: str | None) -> Change:
        where = "operation removed" if surviving_item else f"path {op.path} removed"
        parent = surviving_item or "/paths"
        rule, message = self._removal("operation", op.node, where)
        return Change(rule, message, op.pointer, parent, "base")

    def _operation(self, a: Op, b: Op) -> Iterator[Change]:
        yield from self._identity(a, b)
        yield from self._parameters(a, b)
        yield from self._request_body(a, b)
        yield from self._responses(a, b)
        yield from self._security(a, b)

    def _identity(self, a: Op, b: Op, kind: str = "operation") -> Iterator[Change]:
        """Deprecation and ``operationId`` of an operation, callback or webhook (``kind``)."""
        if b.node.get("deprecated") and not a.node.get("deprecated"):
            sunset = b.node.get("x-sunset")
            detail = f"{kind} deprecated" + (f" (sunset {sunset})" if sunset else "")
            yield Change(f"{kind}-deprecated", detail, a.pointer, join(b.pointer, "deprecated"))
        yield from sunset_changes(kind, kind, a.node, a.pointer, b.node, b.pointer, self.policy)
        id_a, id_b = a.node.get("operationId"), b.node.get("operationId")
        if id_a and id_b and id_a != id_b:
            yield Change(
                "operation-id-changed",
                f"operationId changed from {id_a} to {id_b}",
                join(a.pointer, "operationId"),
                join(b.pointer, "operationId"),
            )

    # -- callbacks and webhooks ---------------------------------------------------------------

    def _callback_changes(self, a: Op, b: Op) -> Iterator[Located]:
        """The callbacks of operation ``a`` against those of ``b``, walked in reverse."""
        if self.quiet.quiet(a.node.get("callbacks"), b.node.get("callbacks")):
            return
        ca, cb = callbacks(self.base, a), callbacks(self.revision, b)
        # The nearest surviving parent of a removed one: its path item, callback or operation.
        parents: dict[tuple[str, ...], str] = {k[:2]: op.item_pointer for k, op in cb.items()}
        for k in cb:
            parents[k[:1]] = join(b.pointer, "callbacks", k[0])
        for key in sorted(set(ca) | set(cb)):
            parent = parents.get(key[:2]) or parents.get(key[:1]) or b.pointer
            yield from self._reversed_pair("callback", ca.get(key), cb.get(key), parent)

    def _webhook_changes(self) -> Iterator[Located]:
        raw_a, raw_b = self.base.data.get("webhooks"), self.revision.data.get("webhooks")
        if self.quiet.quiet(raw_a, raw_b):
            return
        wa, wb = webhooks(self.base), webhooks(self.revision)
        parents = {k[0]: op.item_pointer for k, op in wb.items()}
        fallback = "/webhooks" if isinstance(raw_b, dict) else None
        for key in sorted(set(wa) | set(wb)):
            parent = parents.get(key[0], fallback)
            yield from self._reversed_pair("webhook", wa.get(key), wb.get(key), parent)

    def _reversed_pair(
        self, kind: str, a: Op | None, b: Op | None, parent: str | None
    ) -> Iterator[Located]:
        """A callback or webhook operation removed, added or changed."""
        if a is not None and b is None:
            rule, message = self._removal(kind, a.node, f"{kind} removed")
            yield a.label, Change(rule, message, a.pointer, parent, "base")
        elif b is not None and a is None:
            yield b.label, Change(f"{kind}-added", f"{kind} added", None, b.pointer)
        elif a is not None and b is not None:
            label = b.label
            for change in self._identity(a, b, kind):
                yield label, change
            for change in self._request_body(a, b, REVERSED):
                yield label, change
            for change in self._responses(a, b, REVERSED):
                yield label, change

    # -- parameters ---------------------------------------------------------------------------

    def _params(
        self, doc: Document, op: Op
    ) -> dict[tuple[str, str], tuple[dict[str, Any], str, Any, str]]:
        """Effective parameters (operation overrides path item), keyed for matching, as
        (parameter, where it is defined, the list entry, the list entry's pointer).

        Path parameters are keyed by their position in the template, so renaming ``{id}`` to
        ``{project_id}`` is not reported; header names are case-insensitive.
        """
        found: dict[tuple[str, str], tuple[dict[str, Any], str, Any, str]] = {}
        names = template_names(op.path)
        for owner, owner_at in ((op.item, op.item_pointer), (op.node, op.pointer)):
            raw = owner.get("parameters")
            if not isinstance(raw, list):
                continue
            prefix = owner_at + "/parameters/"
            for index, entry in enumerate(raw):
                entry_at = prefix + str(index)
                param, at = doc.deref(entry, entry_at)
                if not isinstance(param, dict):
                    continue
                where, name = str(param.get("in", "")), str(param.get("name", ""))
                if where == "path" and name in names:
                    key = (where, f"#{names.index(name)}")
                elif where == "header":
                    key = (where, name.lower())
                else:
                    key = (where, name)
                found[key] = (param, at, entry, entry_at)
        return found

    def _parameters(self, a: Op, b: Op) -> Iterator[Change]:
        pa, pb = self._params(self.base, a), self._params(self.revision, b)
        removed = {k: pa[k] for k in pa if k not in pb}
        added = {k: pb[k] for k in pb if k not in pa}
        for key in sorted(removed):
            # A removal or an addition is about the operation's list entry (a shared $ref'd
            # parameter is still there for other operations); a move, about the definition.
            param, at, _, entry_at = removed[key]
            name = str(param.get("name"))
            # The same name elsewhere (a header's in any case): a move. A query, path or cookie
            # name that only changes case is another parameter.
            moved = next(
                (
                    k
                    for k in sorted(added)
                    if k[0] not in ("path", key[0])
                    and (
                        k[1] == name
                        or ("header" in (k[0], key[0]) and k[1].lower() == name.lower())
                    )
                ),
                None,
            )
            if moved is not None and key[0] != "path":
                _, new_at, _, _ = added.pop(moved)
                yield Change(
                    "request-parameter-location-changed",
                    f"parameter `{name}` moved from {key[0]} to {moved[0]}",
                    at,
                    new_at,
                )
                continue
            rule, message = self._removal(
                "request-parameter", param, f"{key[0]} parameter `{name}` removed"
            )
            yield Change(rule, message, entry_at, b.pointer, "base")
        for key in sorted(added):
            param, _, _, entry_at = added[key]
            required = bool(param.get("required")) or key[0] == "path"
            rule = "request-parameter-added-required" if required else "request-parameter-added"
            detail = "required " if required else ""
            message = f"{detail}{key[0]} parameter `{param.get('name')}` added"
            yield Change(rule, message, None, entry_at)
        roots = (a.item_pointer, b.item_pointer)
        for key in sorted(set(pa) & set(pb)):
            (param_a, a_at, raw_a, _), (param_b, b_at, raw_b, _) = pa[key], pb[key]
            yield from self._replay(
                ("parameter", key[0]),
                raw_a,
                raw_b,
                roots,
                self._parameter,
                key[0],
                param_a,
                a_at,
                param_b,
                b_at,
            )

    def _parameter(
        self, where: str, pa: dict[str, Any], a_at: str, pb: dict[str, Any], b_at: str
    ) -> Iterator[Change]:
        name = str(pb.get("name"))
        label = f"{where} parameter `{name}`"
        if pb.get("deprecated") and not pa.get("deprecated"):
            sunset = pb.get("x-sunset")
            detail = f"{label} deprecated" + (f" (sunset {sunset})" if sunset else "")
            yield Change("request-parameter-deprecated", detail, a_at, join(b_at, "deprecated"))
        yield from sunset_changes("request-parameter", label, pa, a_at, pb, b_at, self.policy)
        req_a = bool(pa.get("required")) or where == "path"
        req_b = bool(pb.get("required")) or where == "path"
        if req_a != req_b:
            rule = (
                "request-parameter-became-required"
                if req_b
                else ("request-parameter-became-optional")
            )
            yield Change(rule, f"{label} became {'required' if req_b else 'optional'}", a_at, b_at)
        style_a, style_b = _serialisation(where, pa), _serialisation(where, pb)
        if style_a != style_b:
            shown = ", ".join(
                f"{k} {style_a[i]} -> {style_b[i]}"
                for i, k in enumerate(("style", "explode", "allowReserved"))
                if style_a[i] != style_b[i]
            )
            yield Change("request-parameter-style-changed", f"{label}: {shown}", a_at, b_at)
        sa, sb = _param_schema(pa, a_at), _param_schema(pb, b_at)
        if sa is not None and sb is not None:
            yield from self.schemas.compare(*sa, *sb, REQUEST_PARAMETER, label)

    # -- request bodies -----------------------------------------------------------------------

    def _request_body(self, a: Op, b: Op, d: Direction = FORWARD) -> Iterable[Change]:
        raw_a, raw_b = a.node.get("requestBody"), b.node.get("requestBody")
        if raw_a is None and raw_b is None:
            return ()
        return self._replay(
            ("request-body", d.name),
            raw_a,
            raw_b,
            (a.item_pointer, b.item_pointer),
            self._request_body_walk,
            a,
            b,
            raw_a,
            raw_b,
            d,
        )

    def _request_body_walk(
        self, a: Op, b: Op, raw_a: Any, raw_b: Any, d: Direction
    ) -> Iterator[Change]:
        if raw_a is None:
            body, at = self.revision.deref(raw_b, join(b.pointer, "requestBody"))
            required = isinstance(body, dict) and bool(body.get("required"))
            rule = d.rule("request-body-added-required" if required else "request-body-added")
            yield Change(rule, f"{'required ' if required else ''}request body added", None, at)
            return
        body_a, a_at = self.base.deref(raw_a, join(a.pointer, "requestBody"))
        if raw_b is None:
            rule = d.rule("request-body-removed")
            yield Change(rule, "request body removed", a_at, b.pointer, "base")
            return
        body_b, b_at = self.revision.deref(raw_b, join(b.pointer, "requestBody"))
        if not isinstance(body_a, dict) or not isinstance(body_b, dict):
            return
        req_a, req_b = bool(body_a.get("required")), bool(body_b.get("required"))
        if req_a != req_b:
            rule = d.rule(
                "request-body-became-required" if req_b else "request-body-became-optional"
            )
            state = "required" if req_b else "optional"
            yield Change(rule, f"request body became {state}", a_at, b_at)
        yield from self._content(body_a, a_at, body_b, b_at, "request", "request body", d)

    def _content(
        self,
        a: dict[str, Any],
        a_at: str,
        b: dict[str, Any],
        b_at: str,
        side: str,
        label: str,
        d: Direction,
    ) -> Iterator[Change]:
        ca = a.get("content") if isinstance(a.get("content"), dict) else {}
        cb = b.get("content") if isinstance(b.get("content"), dict) else {}
        ka = {str(k).lower(): k for k in ca}
        kb = {str(k).lower(): k for k in cb}
        match_media_parameters(ka, kb)
        ctx = d.body_context if side == "request" else d.response_context
        for media in sorted(set(ka) - set(kb)):
            yield Change(
                d.rule(f"{side}-media-type-removed"),
                f"{label}: media type {ka[media]} removed",
                join(a_at, "content", ka[media]),
                b_at,
                "base",
            )
        for media in sorted(set(kb) - set(ka)):
            yield Change(
                d.rule(f"{side}-media-type-added"),
                f"{label}: media type {kb[media]} added",
                a_at,
                join(b_at, "content", kb[media]),
            )
        both = sorted(set(ka) & set(kb))
        for media in both:
            ma, mb = ca[ka[media]], cb[kb[media]]
            ma_at, mb_at = join(a_at, "content", ka[media]), join(b_at, "content", kb[media])
            if not isinstance(ma, dict) or not isinstance(mb, dict):
                continue
            sub = label if len(both) == 1 else f"{label} ({kb[media]})"
            if "schema" in ma and "schema" in mb:
                yield from self.schemas.compare(
                    ma["schema"],
                    join(ma_at, "schema"),
                    mb["schema"],
                    join(mb_at, "schema"),
                    ctx,
                    sub,
                )
            elif "schema" in ma or "schema" in mb:
                where = f"{label}: media type {kb[media]}"
                yield from self._schema_presence(ma, ma_at, mb, mb_at, side, where, d)

    def _schema_presence(
        self,
        ma: dict[str, Any],
        ma_at: str,
        mb: dict[str, Any],
        mb_at: str,
        side: str,
        label: str,
        d: Direction,
    ) -> Iterator[Change]:
        """A media type that gained or lost its schema (one side has ``schema``).

        No schema allows any content, so this is the change from or to ``{}``. Reported as one
        finding, ``{side}-media-type-schema-added`` or ``-removed``, rather than as the schema
        comparison with ``{}`` (a type change plus every property): the whole shape appeared
        or stopped being promised. A schema that allows anything (``{}``, ``true``) is no change.
        """
        added = "schema" in mb
        node, at = (mb, mb_at) if added else (ma, ma_at)
        doc = self.revision if added else self.base
        schema, _ = doc.deref(node["schema"], join(at, "schema"))
        if schema is True or schema == {}:
            return
        if added:
            rule = d.rule(f"{side}-media-type-schema-added")
            message = f"{label} gained a schema (it had none: any content)"
            yield Change(rule, message, ma_at, join(mb_at, "schema"))
        else:
            rule = d.rule(f"{side}-media-type-schema-removed")
            message = f"{label} lost its schema (any content now)"
            yield Change(rule, message, join(ma_at, "schema"), mb_at, "base")

    # -- responses ----------------------------------------------------------------------------

    def _responses(self, a: Op, b: Op, d: Direction = FORWARD) -> Iterator[Change]:
        ra = a.node.get("responses") if isinstance(a.node.get("responses"), dict) else {}
        rb = b.node.get("responses") if isinstance(b.node.get("responses"), dict) else {}
        ra_at, rb_at = a.pointer + "/responses", b.pointer + "/responses"
        # With _same_text, the same status codes on both sides, in the same order.
        sa = sb = {str(k).upper(): k for k in ra}
        pairs = [(status, status) for status in sorted(set(sa) & set(sb))]
        if not self._same_text:
            sa, sb = {str(k).upper(): k for k in ra}, {str(k).upper(): k for k in rb}
            covered: list[tuple[str, str]] = []
            yield from status_changes(sa, ra_at, sb, rb_at, d, covered)
            pairs = [(status, status) for status in sorted(set(sa) & set(sb))] + covered
        roots = (a.item_pointer, b.item_pointer)
        for status_a, status_b in pairs:
            key_a, key_b = sa[status_a], sb[status_b]
            raw_a, raw_b = ra[key_a], rb[key_b]
            yield from self._replay(
                ("response", str(key_a), str(key_b), d.name),
                raw_a,
                raw_b,
                roots,
                self._response,
                raw_a,
                ra_at,
                key_a,
                raw_b,
                rb_at,
                key_b,
                d,
            )

    def _response(
        self,
        raw_a: Any,
        ra_at: str,
        key_a: Any,
        raw_b: Any,
        rb_at: str,
        status: Any,
        d: Direction,
    ) -> Iterator[Change]:
        resp_a, a_at = self.base.deref(raw_a, join(ra_at, key_a))
        resp_b, b_at = self.revision.deref(raw_b, join(rb_at, status))
        if not isinstance(resp_a, dict) or not isinstance(resp_b, dict):
            return
        yield from self._headers(resp_a, a_at, resp_b, b_at, str(status), d)
        label = f"response {status} body"
        yield from self._content(resp_a, a_at, resp_b, b_at, "response", label, d)

    def _headers(
        self,
        a: dict[str, Any],
        a_at: str,
        b: dict[str, Any],
        b_at: str,
        status: str,
        d: Direction,
    ) -> Iterator[Change]:
        ha = a.get("headers") if isinstance(a.get("headers"), dict) else {}
        hb = b.get("headers") if isinstance(b.get("headers"), dict) else {}
        na, nb = {str(k).lower(): k for k in ha}, {str(k).lower(): k for k in hb}
        for low in sorted(set(na) | set(nb)):
            if low == "content-type":
                continue  # OpenAPI says to ignore it; media types cover it
            in_a, in_b = low in na, low in nb
            name = nb[low] if in_b else na[low]
            label = f"response {status} header `{name}`"
            if in_a:
                head_a, ha_at = self.base.deref(ha[na[low]], join(a_at, "headers", na[low]))
            if in_b:
                head_b, hb_at = self.revision.deref(hb[nb[low]], join(b_at, "headers", nb[low]))
            if in_a and not in_b:
                yield self._header_removed(head_a, ha_at, b_at, label, d)
            elif in_b and not in_a:
                required = isinstance(head_b, dict) and bool(head_b.get("required"))
                rule = "response-header-added-required" if required else "response-header-added"
                yield Change(d.rule(rule), f"{label} added", a_at, hb_at)
            elif isinstance(head_a, dict) and isinstance(head_b, dict):
                if head_b.get("deprecated") and not head_a.get("deprecated"):
                    at = join(hb_at, "deprecated")
                    yield Change("response-header-deprecated", f"{label} deprecated", ha_at, at)
                yield from sunset_changes(
                    "response-header", label, head_a, ha_at, head_b, hb_at, self.policy
                )
                req_a, req_b = bool(head_a.get("required")), bool(head_b.get("required"))
                if req_a != req_b:
                    rule = (
                        "response-header-became-required"
                        if req_b
                        else "response-header-became-optional"
                    )
                    if rule not in d.unreported:
                        state = "required" if req_b else "optional"
                        yield Change(d.rule(rule), f"{label} became {state}", ha_at, hb_at)
                sa, sb = _param_schema(head_a, ha_at), _param_schema(head_b, hb_at)
                if sa is not None and sb is not None:
                    yield from self.schemas.compare(*sa, *sb, d.header_context, label)

    def _header_removed(
        self, header: Any, at: str, parent: str, label: str, d: Direction
    ) -> Change:
        """A removed response header, judged by the deprecation policy when it was deprecated.

        Removed in time, it is what the deprecation announced (``info``); removed early, it is
        as serious as any removal, and the message says why.
        """
        required = isinstance(header, dict) and bool(header.get("required"))
        rule = "response-header-removed" if required else "response-optional-header-removed"
        message = f"{label} removed"
        if isinstance(header, dict) and header.get("deprecated"):
            problem = removal_problem(header, self.policy)
            if problem is None:
                return Change(
                    "deprecated-response-header-removed",
                    f"deprecated {message}",
                    at,
                    parent,
                    "base",
                )
            message = f"deprecated {message} {problem}"
        return Change(d.rule(rule), message, at, parent, "base")

    # -- security -----------------------------------------------------------------------------

    def _effective_security(self, doc: Document, op: Op) -> tuple[Any, str]:
        """The operation's raw security requirement (its own, else the document's), and where."""
        if "security" in op.node:
            return op.node.get("security"), join(op.pointer, "security")
        return doc.data.get("security"), "/security"

    def _security(self, a: Op, b: Op) -> Iterator[Change]:
        """Every finding here is about the requirement as a whole, at its two pointers.

        What is found depends on the two raw requirements alone, so it is worked out once per
        pair of serialisations (most operations share one requirement) and replayed with each
        operation's own pointers.
        """
        raw_a, a_at = self._effective_security(self.base, a)
        raw_b, b_at = self._effective_security(self.revision, b)
        text_a, text_b = serialise(raw_a), serialise(raw_b)
        if text_a is None or text_b is None:
            found = requirement_findings(raw_a, raw_b, self._scheme_renames)
        else:
            known = self._securities.get((text_a, text_b))
            if known is None:
                known = requirement_findings(raw_a, raw_b, self._scheme_renames)
                self._securities[(text_a, text_b)] = known
            found = known
        for rule, message in found:
            yield Change(rule, message, a_at, b_at)


def _inside(change: Change, roots: tuple[str, str]) -> bool:
    """Whether either pointer of ``change`` lies at or under one of ``roots``."""
    for pointer in (change.base_pointer, change.revision_pointer):
        if pointer is None:
            continue
        for root in roots:
            if pointer == root or pointer.startswith(root + "/"):
                return True
    return False


def _serialisation(where: str, param: dict[str, Any]) -> tuple[str, bool, bool]:
    """``style``, ``explode`` and ``allowReserved`` with the defaults OpenAPI gives them."""
    default_style = "form" if where in ("query", "cookie") else "simple"
    style = str(param.get("style") or default_style)
    explode = param.get("explode")
    if not isinstance(explode, bool):
        explode = style == "form"
    return style, explode, bool(param.get("allowReserved"))


def _param_schema(param: dict[str, Any], at: str) -> tuple[Any, str] | None:
    if "schema" in param:
        return param["schema"], join(at, "schema")
    content = param.get("content")
    if isinstance(content, dict) and content:
        media = sorted(content)[0]
        entry = content[media]
        if isinstance(entry, dict) and "schema" in entry:
            return entry["schema"], join(at, "content", media, "schema")
    return None
