"""The API reference pages, read from the emitted OpenAPI document (never from the spec again).

The document is the one ``specfoundry openapi`` prints and the generated service serves, so the
reference cannot say something the contract does not. Operations are grouped by tag (one tag
per resource), schemas listed with their properties; ``$ref`` targets become links.
"""

from __future__ import annotations

import json
from typing import Any

from specfoundry.emit.docs.markdown import Block, Bullets, Heading, Paragraph, Table, code

METHODS = ("get", "post", "put", "patch", "delete")


def schema_type(schema: dict[str, Any]) -> str:
    """A short, human reading of a JSON Schema: ``string (uuid)``, ``array of Dashboard``."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return f"[{name}](#schema-{name.lower()})"
    if "enum" in schema:
        return "one of " + ", ".join(code(str(v)) for v in schema["enum"])
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    nullable = "null" in kinds
    kinds = [k for k in kinds if k != "null"]
    text = " or ".join(str(k) for k in kinds) or "any"
    if "format" in schema:
        text += f" ({schema['format']})"
    if text == "array" and isinstance(schema.get("items"), dict):
        text = "array of " + schema_type(schema["items"])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            text = " / ".join(schema_type(s) for s in schema[key])
    if nullable:
        text += ", nullable"
    return text


def _constraints(schema: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "min"),
        ("maximum", "max"),
        ("pattern", "pattern"),
        ("default", "default"),
    ):
        if key in schema:
            parts.append(f"{label} {code(json.dumps(schema[key]))}")
    return ", ".join(parts)


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = document
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return dict(target)


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                out.append((path, method, item[method]))
    return out


def deprecations(document: dict[str, Any]) -> Table | None:
    rows = []
    for path, method, op in _operations(document):
        if op.get("deprecated"):
            rows.append(
                (
                    f"{method.upper()} {code(path)}",
                    code(op.get("operationId", "")),
                    str(op.get("x-deprecated-since", "")),
                    str(op.get("x-sunset", "")) or "none announced",
                )
            )
    if not rows:
        return None
    return Table(("operation", "operation id", "deprecated since", "sunset"), tuple(rows))


def rate_limits(document: dict[str, Any]) -> list[Block]:
    limits = document.get("info", {}).get("x-rate-limits")
    if not limits:
        return [Paragraph("The spec sets no rate limits (`api.rate_limits`).")]
    rows = tuple(
        (code(plan), _budget(limit), "yes" if plan == limits.get("default_plan") else "")
        for plan, limit in limits.get("plans", {}).items()
    )
    who = "caller" if limits.get("key") == "principal" else "tenant"
    text = (
        f"Requests are counted per {who}; over the limit the API answers `429 Too Many Requests`."
    )
    if limits.get("plan_field"):
        text += f" A tenant's plan is read from {code(limits['plan_field'])}."
    return [Paragraph(text), Table(("plan", "limit", "default plan"), rows)]


def _budget(limit: str | dict[str, str]) -> str:
    """One shared budget (``600/minute``) or separate ones (``read 600/minute, write ...``)."""
    if isinstance(limit, str):
        return limit
    return ", ".join(f"{kind} {value}" for kind, value in limit.items())


def reference(document: dict[str, Any]) -> list[Block]:
    """Every operation by tag, then every schema."""
    blocks: list[Block] = []
    tags = [t["name"] for t in document.get("tags", [])]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {t: [] for t in tags}
    for path, method, op in _operations(document):
        tag = (op.get("tags") or ["other"])[0]
        by_tag.setdefault(tag, []).append((path, method, op))
    for tag, operations in by_tag.items():
        if not operations:
            continue
        blocks.append(Heading(code(tag), 2))
        for path, method, op in operations:
            blocks += _operation(document, path, method, op)
    blocks.append(Heading("Schemas", 2))
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        blocks += _schema(name, schema)
    return blocks


def _operation(document: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(f"{method.upper()} {code(path)}", 3)]
    facts = [f"operation id {code(op.get('operationId', ''))}"]
    if op.get("deprecated"):
        sunset = op.get("x-sunset")
        facts.append(
            f"**deprecated** since {op.get('x-deprecated-since', '?')}"
            + (f", sunset {sunset}" if sunset else "")
        )
    permissions = op.get("x-permissions")
    if permissions:
        roles = [
            code(p["role"]) + (f" when {code(p['when'])}" if p.get("when") else "")
            for p in permissions
        ]
        facts.append("allowed to " + ", ".join(roles))
    blocks.append(Paragraph(f"**{op.get('summary', '')}**"))
    if op.get("description"):
        blocks.append(Paragraph(op["description"]))
    blocks.append(Bullets(tuple(facts)))
    params = [_resolve(document, p) for p in op.get("parameters", [])]
    if params:
        rows = tuple(
            (
                code(p["name"]),
                p["in"],
                "yes" if p.get("required") else "",
                schema_type(p.get("schema", {})),
                " ".join(p.get("description", "").split()),
            )
            for p in params
        )
        blocks.append(Table(("parameter", "in", "required", "type", "description"), rows))
    body = op.get("requestBody")
    if body:
        media = body.get("content", {})
        shapes = ", ".join(f"{schema_type(m.get('schema', {}))} ({t})" for t, m in media.items())
        blocks.append(Paragraph(f"Request body: {shapes}."))
    rows = []
    for status, response in op.get("responses", {}).items():
        resolved = _resolve(document, response)
        media = resolved.get("content", {})
        shape = ", ".join(schema_type(m.get("schema", {})) for m in media.values())
        rows.append((status, " ".join(resolved.get("description", "").split()), shape))
    blocks.append(Table(("status", "meaning", "body"), tuple(rows)))
    return blocks


def _schema(name: str, schema: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(f"{name} {{ #schema-{name.lower()} }}", 3)]
    if schema.get("description"):
        blocks.append(Paragraph(" ".join(str(schema["description"]).split())))
    properties = schema.get("properties", {})
    if not properties:
        blocks.append(Paragraph(f"Type: {schema_type(schema)}."))
        return blocks
    required = set(schema.get("required", []))
    rows = tuple(
        (
            code(prop),
            schema_type(sub),
            "yes" if prop in required else "",
            _constraints(sub),
            " ".join(str(sub.get("description", "")).split()),
        )
        for prop, sub in properties.items()
    )
    blocks.append(Table(("property", "type", "required", "constraints", "description"), rows))
    return blocks
