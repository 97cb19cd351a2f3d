"""Validate the contract before it is written: openapi-spec-validator's checks, done quickly.

``openapi_spec_validator.validate`` is the reference, but on large contracts it is slow (about
30 s CPU on the 200-entity benchmark spec of ``bench/compile_bench.py``): it checks every Schema
Object against the OAS 3.1 dialect metaschema with the pure-Python ``jsonschema``, whose
``$dynamicRef`` handling costs ~10 ms per schema even with one reused validator, and it walks
the document through ``jsonschema-path``, re-resolving ``$ref`` chains at every step.

When ``jsonschema-rs`` is importable (openapi-spec-validator's own optional backend, which it
already uses for the document-level check), :func:`validate_contract` performs the same checks
directly on the plain data:

1. the whole document against the official OAS 3.1 JSON Schema shipped in
   openapi-spec-validator (exactly its first step);
2. every distinct Schema Object (deduplicated by content) once against the OAS 3.1 base dialect
   metaschema shipped in openapi-schema-validator, with format checks (``pattern`` must be a
   regex, ...), which covers the nested schemas too;
3. the semantic checks of openapi-spec-validator's keyword validators: unique operation ids and
   tag names, no duplicate parameter in a list, path template parameters declared and declared
   parameters used, ``required`` names defined when ``allOf`` is used, every ``default`` valid
   against its schema (OAS 3.1 validator with format checks); the Path Items of ``webhooks``
   are checked like those of ``paths`` (their keys are names, not URL templates);
4. every ``$ref`` is local and resolves.

Without ``jsonschema-rs``, or for documents that use features the emitter never produces
(``jsonSchemaDialect``, callbacks, ``$schema`` in a schema), it falls back to
``openapi_spec_validator.validate``. The test suite keeps running that reference validator on
both examples and on the synthetic benchmark spec, and checks that both validators reject the
same broken documents (tests/emit/test_openapi_validation.py).
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from functools import cache
from typing import Any

from openapi_spec_validator import validate as reference_validate

try:  # an optional accelerator, as in openapi-spec-validator itself
    import jsonschema_rs
except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
    jsonschema_rs = None

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_OAS31_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"
_OAS31_VOCABULARY = "https://spec.openapis.org/oas/3.1/meta/base"
_DOC_URI = "urn:specfoundry:contract"


class ContractError(ValueError):
    """One reason the document is not valid OpenAPI 3.1."""


def fast_path_available() -> bool:
    """jsonschema-rs is installed and the schemas it needs load (they come from the validators'
    packages, partly through a private module, hence the check)."""
    if jsonschema_rs is None:
        return False
    try:
        _document_validator()
        _metaschema_validator()
    except Exception:  # pragma: no cover - a layout change in those packages
        return False
    return True


def validate_contract(document: dict[str, Any]) -> None:
    """Raise :class:`ContractError` (or the reference validator's error) unless ``document`` is
    valid OpenAPI 3.1."""
    if not fast_path_available() or not _plain_enough(document):
        reference_validate(document)
        return
    try:
        first = next(_Checker(document).errors(), None)
    except _Unsupported:
        reference_validate(document)
        return
    if first is not None:
        raise ContractError(first)


def _plain_enough(document: dict[str, Any]) -> bool:
    """Whether the fast path understands every feature ``document`` uses."""
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1."):
        return False
    if "jsonSchemaDialect" in document:
        return False
    items = [*_mapping(document.get("paths")).values()]
    items += _mapping(document.get("webhooks")).values()
    for item in items:
        for method in _METHODS:
            if isinstance(item, dict) and "callbacks" in _mapping(item.get(method)):
                return False
    return "callbacks" not in _mapping(document.get("components"))


# -- validators built once per process -------------------------------------------------------


@cache
def _document_validator() -> Any:
    from openapi_spec_validator.schemas.utils import get_schema_content

    return jsonschema_rs.validator_for(dict(get_schema_content("3.1")), offline=True)


@cache
def _metaschema_validator() -> Any:
    from openapi_schema_validator._specifications import REGISTRY

    registry = jsonschema_rs.Registry(
        [(uri, REGISTRY.contents(uri)) for uri in (_OAS31_VOCABULARY, _OAS31_DIALECT)]
    )
    return jsonschema_rs.validator_for(
        REGISTRY.contents(_OAS31_DIALECT), registry=registry, validate_formats=True, offline=True
    )


# -- the checks ------------------------------------------------------------------------------


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _Checker:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        # (pointer, schema) of every Schema Object in a standard position
        self.schemas: list[tuple[str, Any]] = []
        self._registry: Any = None

    def errors(self) -> Iterator[str]:
        for error in _document_validator().iter_errors(self.document):
            where = "/".join(_escape(p) for p in error.instance_path)
            yield f"/{where}: {error.message}"
            return  # the rest assumes the document's shape is right
        yield from self._references()
        yield from self._tags()
        yield from self._paths()
        self._component_schemas()
        yield from self._metaschema()
        yield from self._schema_semantics()

    # $ref ------------------------------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """``node`` with local ``$ref`` chains followed (references are checked first)."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 64:
            node = self._lookup(node["$ref"])
            seen += 1
        return node

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise KeyError(ref)
        node: Any = self.document
        for raw in ref[1:].split("/")[1:]:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict):
                node = node[part]
            elif isinstance(node, list):
                node = node[int(part)]
            else:
                raise KeyError(ref)
        return node

    def _references(self) -> Iterator[str]:
        refs: set[str] = set()
        stack: list[Any] = [self.document]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    refs.add(ref)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        for ref in sorted(refs):
            try:
                self._lookup(ref)
            except (KeyError, IndexError, ValueError):
                yield f"unresolvable reference {ref!r}"

    # document-level semantics -----------------------------------------------------------------

    def _tags(self) -> Iterator[str]:
        seen: set[str] = set()
        for tag in _sequence(self.document.get("tags")):
            name = tag.get("name")
            if name in seen:
                yield f"/tags: duplicate tag name {name!r}"
            seen.add(name)

    def _paths(self) -> Iterator[str]:
        operation_ids: set[Any] = set()
        items = [("paths", url, item) for url, item in _mapping(self.document.get("paths")).items()]
        items += [("webhooks", n, i) for n, i in _mapping(self.document.get("webhooks")).items()]
        for section, url, item in items:
            base = f"/{section}/{_escape(url)}"
            item = self.resolve(item)
            shared = _sequence(item.get("parameters"))
            yield from self._parameters(shared, f"{base}/parameters")
            try:
                url_params = (
                    {name for _, name, _, _ in string.Formatter().parse(url) if name}
                    if section == "paths"
                    else set()
                )
            except ValueError as exc:
                yield f"{base}: invalid path template ({exc})"
                continue
            for method in _METHODS:
                if method not in item:
                    continue
                op, where = item[method], f"{base}/{method}"
                op_id = op.get("operationId")
                if op_id is not None:
                    if op_id in operation_ids:
                        yield f"{where}: operationId {op_id!r} is not unique"
                    operation_ids.add(op_id)
                own = _sequence(op.get("parameters"))
                yield from self._parameters(own, f"{where}/parameters")
                declared = {
                    p.get("name") for p in map(self.resolve, shared + own) if p.get("in") == "path"
                }
                for name in sorted(url_params ^ declared, key=str):
                    yield f"{where}: path parameter {name!r} is not both in the URL and declared"
                if "requestBody" in op:
                    self._content(self.resolve(op["requestBody"]), f"{where}/requestBody")
                for status, response in _mapping(op.get("responses")).items():
                    self._response(response, f"{where}/responses/{_escape(status)}")

    def _parameters(self, parameters: list[Any], where: str) -> Iterator[str]:
        seen: set[tuple[Any, Any]] = set()
        for index, raw in enumerate(parameters):
            parameter = self.resolve(raw)
            key = (parameter.get("name"), parameter.get("in"))
            if key in seen:
                yield f"{where}/{index}: duplicate parameter {key[0]!r} in {key[1]!r}"
            seen.add(key)
            if "$ref" not in raw:
                self._schema_holder(raw, f"{where}/{index}")

    def _schema_holder(self, holder: dict[str, Any], where: str) -> None:
        """A parameter or header: a ``schema`` or a ``content`` map."""
        if "schema" in holder:
            self.schemas.append((f"{where}/schema", holder["schema"]))
        self._content(holder, where)

    def _content(self, holder: Any, where: str) -> None:
        if "$ref" in holder:
            return  # a component, collected from components
        for media, media_type in _mapping(holder.get("content")).items():
            if "schema" in media_type:
                self.schemas.append(
                    (f"{where}/content/{_escape(media)}/schema", media_type["schema"])
                )

    def _response(self, response: dict[str, Any], where: str) -> None:
        if "$ref" in response:
            return
        self._content(response, where)
        for name, header in _mapping(response.get("headers")).items():
            if "$ref" not in header:
                self._schema_holder(header, f"{where}/headers/{_escape(name)}")

    def _component_schemas(self) -> None:
        components = _mapping(self.document.get("components"))
        for name, schema in _mapping(components.get("schemas")).items():
            self.schemas.append((f"/components/schemas/{_escape(name)}", schema))
        for kind in ("parameters", "headers"):
            for name, holder in _mapping(components.get(kind)).items():
                if "$ref" not in holder:
                    self._schema_holder(holder, f"/components/{kind}/{_escape(name)}")
        for name, body in _mapping(components.get("requestBodies")).items():
            self._content(body, f"/components/requestBodies/{_escape(name)}")
        for name, response in _mapping(components.get("responses")).items():
            self._response(response, f"/components/responses/{_escape(name)}")

    # schemas ----------------------------------------------------------------------------------

    def _metaschema(self) -> Iterator[str]:
        validator = _metaschema_validator()
        checked: set[str] = set()
        for where, schema in self.schemas:
            if isinstance(schema, dict) and "$schema" in schema:
                raise _Unsupported  # pragma: no cover - the emitter never sets $schema
            key = _canonical(schema)
            if key in checked:
                continue
            checked.add(key)
            for error in validator.iter_errors(schema):
                inner = "".join(f"/{_escape(p)}" for p in error.instance_path)
                yield f"{where}{inner}: {error.message}"
                return

    def _schema_semantics(self) -> Iterator[str]:
        visited: set[int] = set()
        defaults: set[str] = set()
        for where, schema in self.schemas:
            yield from self._schema(schema, where, visited, defaults, top=True)

    def _schema(
        self, schema: Any, where: str, visited: set[int], defaults: set[str], *, top: bool
    ) -> Iterator[str]:
        node = schema
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            where = node["$ref"][1:]  # local and resolvable: checked first
            node = self._lookup(node["$ref"])
        if not isinstance(node, dict) or id(node) in visited:
            return
        visited.add(id(node))
        nested: set[str] = set()
        for keyword in ("allOf", "anyOf", "oneOf"):
            for index, inner in enumerate(_sequence(node.get(keyword))):
                yield from self._schema(
                    inner, f"{where}/{keyword}/{index}", visited, defaults, top=False
                )
                if keyword == "allOf":
                    nested |= self._properties(inner)
        for keyword in ("not", "items"):
            if keyword in node:
                yield from self._schema(
                    node[keyword], f"{where}/{keyword}", visited, defaults, top=False
                )
        for name, inner in _mapping(node.get("properties")).items():
            yield from self._schema(
                inner, f"{where}/properties/{_escape(name)}", visited, defaults, top=False
            )
        if top and "allOf" in node:
            missing = set(_sequence(node.get("required"))) - set(_mapping(node.get("properties")))
            missing -= nested
            if missing:
                yield f"{where}: required names without a property: {sorted(missing)}"
        if "default" in node:
            yield from self._default(node, where, defaults)

    def _properties(self, schema: Any) -> set[str]:
        """Every property name reachable from ``schema`` (as openapi-spec-validator collects)."""
        node = self.resolve(schema)
        if not isinstance(node, dict):
            return set()
        names = set(_mapping(node.get("properties")))
        for keyword in ("allOf", "anyOf", "oneOf"):
            for inner in _sequence(node.get(keyword)):
                names |= self._properties(inner)
        for keyword in ("items", "not"):
            if keyword in node:
                names |= self._properties(node[keyword])
        return names

    def _default(self, node: dict[str, Any], where: str, seen: set[str]) -> Iterator[str]:
        from openapi_schema_validator import OAS31Validator, oas31_format_checker

        value = node["default"]
        if value is None and node.get("nullable") is True:
            return
        local = "$ref" not in _canonical(node)
        key = _canonical([node, value]) if local else where
        if key in seen:
            return
        seen.add(key)
        if local:
            validator = OAS31Validator(node, format_checker=oas31_format_checker)
        else:
            validator = OAS31Validator(
                {"$ref": f"{_DOC_URI}#{where}"},
                format_checker=oas31_format_checker,
                registry=self._document_registry(),
            )
        for error in validator.iter_errors(value):
            yield f"{where}/default: {error.message}"
            return

    def _document_registry(self) -> Any:
        """The document as a resource, so that ``$ref`` inside a schema with a default resolves."""
        if self._registry is None:
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            resource = Resource(contents=self.document, specification=DRAFT202012)
            self._registry = Registry().with_resource(_DOC_URI, resource)
        return self._registry


class _Unsupported(Exception):
    """The document uses something only the reference validator handles."""
