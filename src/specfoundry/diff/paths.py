"""Which operations a document has, and the keys that pair them across two documents.

The walk compares operations, callbacks and webhooks pairwise; whether two of them are "the
same" is a question of OpenAPI's structure (path templates, servers' base paths, callback
expressions) that is answered here once, apart from what the pairs are then checked for.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from specfoundry.diff.findings import Change
from specfoundry.diff.pointer import Document, join

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True, slots=True)
class Op:
    """An operation, or a callback's or webhook's, with the path item it belongs to."""

    method: str
    path: str
    node: dict[str, Any]
    pointer: str
    item: dict[str, Any]
    item_pointer: str
    title: str | None = None  # the label of a callback or webhook
    base_path: str = ""  # the servers' common path prefix, when operations are keyed by it

    @property
    def label(self) -> str:
        return self.title or f"{self.method.upper()} {self.path}"


@functools.cache
def template_names(path: str) -> tuple[str, ...]:
    """The parameter names of a path template, in order (each path is met on both sides)."""
    return tuple(m.group(0)[1:-1] for m in _TEMPLATE.finditer(path))


def _path_key(path: str) -> str:
    return _TEMPLATE.sub("{}", path.rstrip("/") or "/")


def trailing_slash(path: str) -> bool:
    return path != "/" and path.endswith("/")


_SERVER_VARIABLE = re.compile(r"\{([^}/]*)\}")


def _server_parts(server: Any) -> tuple[str, str] | None:
    """(origin, path prefix without a trailing slash) of a server object, its variables
    replaced by their defaults; None when that cannot be worked out."""
    if not isinstance(server, dict) or not isinstance(server.get("url"), str):
        return None
    variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
    unknown = False

    def fill(m: re.Match[str]) -> str:
        nonlocal unknown
        var = variables.get(m.group(1))
        default = var.get("default") if isinstance(var, dict) else None
        if not isinstance(default, str):
            unknown = True
            return m.group(0)
        return default

    url = _SERVER_VARIABLE.sub(fill, server["url"])
    if unknown:
        return None
    parts = urllib.parse.urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}".lower() if parts.netloc else ""
    path = parts.path.rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    if "{" in path or "}" in path:
        return None
    return origin, path


def _base_path(data: dict[str, Any]) -> str | None:
    """The path prefix every document-level server shares (``""`` without servers), or None
    when the servers disagree or one cannot be read."""
    servers = data.get("servers")
    if not isinstance(servers, list) or not servers:
        return ""
    prefixes = set()
    for server in servers:
        parts = _server_parts(server)
        if parts is None:
            return None
        prefixes.add(parts[1])
    return prefixes.pop() if len(prefixes) == 1 else None


def _operations(doc: Document, prefix: str = "") -> dict[tuple[str, str], Op]:
    """Operations keyed by (normalised ``prefix`` + path template, method)."""
    out: dict[tuple[str, str], Op] = {}
    paths = doc.data.get("paths") or {}
    if not isinstance(paths, dict):
        return out
    for path, raw_item in paths.items():
        item_at = join("/paths", path)
        item, item_at = doc.deref(raw_item, item_at)
        if not isinstance(item, dict):
            continue
        path_key = None
        for method in METHODS:
            node = item.get(method)
            if isinstance(node, dict):
                if path_key is None:
                    path_key = _path_key(prefix + str(path))
                key = (path_key, method)
                if key not in out:
                    out[key] = Op(
                        method, str(path), node, item_at + "/" + method, item, item_at, None, prefix
                    )
    return out


def keyed_operations(
    base: Document, revision: Document
) -> tuple[dict[tuple[str, str], Op], dict[tuple[str, str], Op], Change | None]:
    """Both sides' operations, keyed so that the same URL meets itself.

    A client calls the servers' URL joined with the path, so when every server of each
    side shares one path prefix (``https://x/v2`` and ``https://y/v2``: ``/v2``) and the
    prefixes differ, operations are keyed by prefix + path: ``/v2`` moved from the servers
    into every path is no change. If keying by the paths alone matches more operations,
    the prefix itself changed (``/v2`` to ``/v3``): one ``server-base-path-changed``
    instead of every operation removed and added.
    """
    ops_a, ops_b = _operations(base), _operations(revision)
    prefix_a, prefix_b = _base_path(base.data), _base_path(revision.data)
    if prefix_a is None or prefix_b is None or prefix_a == prefix_b:
        return ops_a, ops_b, None
    full_a, full_b = _operations(base, prefix_a), _operations(revision, prefix_b)
    if len(full_a.keys() & full_b.keys()) >= len(ops_a.keys() & ops_b.keys()):
        return full_a, full_b, None
    at_a = "/servers" if "servers" in base.data else None
    at_b = "/servers" if "servers" in revision.data else None
    change = Change(
        "server-base-path-changed",
        f"the servers' base path changed from {prefix_a or '/'} to {prefix_b or '/'}: "
        "every operation's URL changed",
        at_a,
        at_b,
        "revision" if at_b is not None else "base",
    )
    return ops_a, ops_b, change


def _item_operations(
    doc: Document, raw_item: Any, item_at: str, prefix: str, name: str
) -> Iterator[tuple[str, Op]]:
    """(method, operation) of a callback's or webhook's path item, labelled ``prefix METHOD``."""
    item, item_at = doc.deref(raw_item, item_at)
    if not isinstance(item, dict):
        return
    for method in METHODS:
        node = item.get(method)
        if isinstance(node, dict):
            title = f"{prefix} {method.upper()}"
            yield method, Op(method, name, node, item_at + "/" + method, item, item_at, title)


def callbacks(doc: Document, op: Op) -> dict[tuple[str, str, str], Op]:
    """The callback operations of ``op`` by (callback name, expression, method)."""
    out: dict[tuple[str, str, str], Op] = {}
    raw = op.node.get("callbacks")
    if not isinstance(raw, dict):
        return out
    for name, raw_callback in raw.items():
        callback, at = doc.deref(raw_callback, join(op.pointer, "callbacks", name))
        if not isinstance(callback, dict):
            continue
        for expression, raw_item in callback.items():
            if str(expression).startswith("x-"):
                continue
            prefix = f"{op.label} callback {name} {expression}"
            for method, cb in _item_operations(
                doc, raw_item, join(at, expression), prefix, str(name)
            ):
                out[(str(name), str(expression), method)] = cb
    return out


def webhooks(doc: Document) -> dict[tuple[str, str], Op]:
    """The webhook operations (OpenAPI 3.1) by (webhook name, method)."""
    out: dict[tuple[str, str], Op] = {}
    raw = doc.data.get("webhooks")
    if not isinstance(raw, dict):
        return out
    for name, raw_item in raw.items():
        prefix = f"WEBHOOK {name}"
        for method, hook in _item_operations(
            doc, raw_item, join("/webhooks", name), prefix, str(name)
        ):
            out[(str(name), method)] = hook
    return out
