"""The whole contract: build it from the model, validate it, render it deterministically."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from specfoundry.diagnostics import Location
from specfoundry.emit.openapi.billing import billing_paths, billing_schemas
from specfoundry.emit.openapi.dead_letters import dead_letters_contract
from specfoundry.emit.openapi.locations import LocationRecorder
from specfoundry.emit.openapi.operations import (
    build_paths,
    header_components,
    machine_summary,
    parameter_components,
    response_components,
)
from specfoundry.emit.openapi.platform import platform_contract
from specfoundry.emit.openapi.schemas import entity_shapes, problem_schemas
from specfoundry.emit.openapi.validation import validate_contract
from specfoundry.emit.openapi.webhooks import webhooks_contract
from specfoundry.model import Operation, Service
from specfoundry.model.nesting import resolve_nesting

OPENAPI_VERSION = "3.1.0"
# Top-level keys in the order people read them; anything else follows, sorted.
TOP_LEVEL_ORDER = (
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "paths",
    "webhooks",
    "components",
)
COMPONENT_ORDER = ("schemas", "parameters", "headers", "responses", "securitySchemes")

Format = Literal["yaml", "json"]


class InvalidContractError(RuntimeError):
    """The emitted document is not valid OpenAPI: always a bug in specfoundry."""


@dataclass(frozen=True, slots=True)
class OpenAPIDocument:
    """The contract as plain JSON data, and the spec location of each node that came from it.

    ``locations`` maps RFC 6901 pointers (``/paths/~1v1~1projects/get``) to spec locations.
    """

    document: dict[str, Any]
    locations: dict[str, Location]

    def render(self, fmt: Format = "yaml") -> str:
        return render(self.document, fmt)


def build_openapi(model: Service, *, validate: bool = True) -> OpenAPIDocument:
    """The OpenAPI 3.1 contract of ``model``; raises :class:`InvalidContractError` if invalid."""
    recorder = LocationRecorder()
    recorder.record(model.location, "info")
    recorder.record(model.tenancy.location, "info", "x-tenancy")

    schemas: dict[str, Any] = problem_schemas()
    tags: list[dict[str, Any]] = []
    for index, resource in enumerate(model.api.resources):
        entity = model.entity(resource.entity.raw)
        if entity is None:
            continue  # build_paths reports it
        ops = set(resource.operations)
        nesting = resolve_nesting(model, resource)
        schemas.update(
            entity_shapes(
                model,
                entity,
                create=Operation.CREATE in ops and (nesting is None or nesting.flat),
                nested_create=nesting.field
                if nesting is not None and Operation.CREATE in ops
                else None,
                update=Operation.UPDATE in ops,
                listing=Operation.LIST in ops,
                recorder=recorder,
            )
        )
        tag: dict[str, Any] = {"name": resource.path}
        description = _tag_description(model, resource.entity.raw, entity.description)
        if description:
            tag["description"] = description
        tags.append(tag)
        recorder.record(resource.location, "tags", index)
    paths = build_paths(model, recorder)
    if model.platform.billing is not None:
        extra = billing_paths(model)
        for path, item in extra.items():
            recorder.record(model.platform.billing.location, "paths", path)
            for method in item:
                recorder.record(model.platform.billing.location, "paths", path, method)
        paths = dict(sorted({**paths, **extra}.items()))
        for name, shape in billing_schemas(model).items():
            schemas[name] = shape
            recorder.record(model.platform.billing.location, "components", "schemas", name)
            for prop in shape["properties"]:
                where = ("components", "schemas", name, "properties", prop)
                recorder.record(model.platform.billing.location, *where)
        tags.append({"name": "billing", "description": "Provider webhooks and plan usage."})
    platform_paths, platform_schemas, platform_tags = platform_contract(model, recorder)
    paths = dict(sorted({**paths, **platform_paths}.items()))
    schemas.update(platform_schemas)
    tags += platform_tags
    hook_paths, hook_schemas, hook_tags, webhooks = webhooks_contract(model, recorder)
    paths = dict(sorted({**paths, **hook_paths}.items()))
    schemas.update(hook_schemas)
    tags += hook_tags
    dead_paths, dead_schemas, dead_tags = dead_letters_contract(model, recorder)
    paths = dict(sorted({**paths, **dead_paths}.items()))
    schemas.update(dead_schemas)
    tags += dead_tags

    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": _info(model),
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": tags,
        "paths": paths,
        **({"webhooks": webhooks} if webhooks else {}),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "parameters": parameter_components(model),
            "headers": header_components(model),
            "responses": response_components(model),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": _auth_description(model),
                }
            },
        },
    }
    if validate:
        validate_document(document)
    return OpenAPIDocument(document=document, locations=recorder.result())


def validate_document(document: dict[str, Any]) -> None:
    """Raise :class:`InvalidContractError` unless ``document`` is valid OpenAPI 3.1.

    The checks are openapi-spec-validator's; see :mod:`specfoundry.emit.openapi.validation`
    for how they are made fast on large contracts.
    """
    try:
        validate_contract(document)
    except Exception as exc:  # the validator raises several unrelated exception types
        raise InvalidContractError(
            f"specfoundry emitted an invalid OpenAPI document: {exc}"
        ) from exc


def _info(model: Service) -> dict[str, Any]:
    tenancy = model.tenancy
    info: dict[str, Any] = {"title": model.title, "version": model.version}
    if model.description:
        info["description"] = model.description
    info["x-service"] = model.name.raw
    info["x-tenancy"] = {
        "model": tenancy.model.value,
        "tenant_entity": tenancy.tenant_entity.raw,
        "source": tenancy.source.value,
        "claims": {
            "subject": tenancy.claims.subject,
            "tenant": tenancy.claims.tenant,
            "roles": tenancy.claims.roles,
        },
        "cross_tenant_roles": [r.raw for r in tenancy.cross_tenant_roles],
    }
    limits = model.api.rate_limits
    if limits is not None:
        block: dict[str, Any] = {"default_plan": limits.default_plan}
        if limits.plan_entity is not None and limits.plan_field is not None:
            block["plan_field"] = f"{limits.plan_entity}.{limits.plan_field}"
        block["plans"] = {
            p.plan: p.limit or {"read": p.read, "write": p.write} for p in limits.plans
        }
        block["key"] = limits.key.value
        block["strategy"] = limits.strategy.value
        block["on_storage_error"] = limits.on_storage_error
        info["x-rate-limits"] = block
    return info


def _auth_description(model: Service) -> str:
    claims = model.tenancy.claims
    return (
        f"A JWT whose `{claims.subject}` claim is the caller, `{claims.tenant}` the tenant and "
        f"`{claims.roles}` the roles. Missing or invalid tokens answer 401." + _api_key_text(model)
    )


def _api_key_text(model: Service) -> str:
    keys = model.platform.api_keys
    if keys is None:
        return ""
    return (
        f" Or an API key (`{keys.prefix}...`, from `{model.api.base_path}/api-keys`): it acts "
        "in its tenant with its scopes as roles; a revoked or expired key answers 401."
    )


def _tag_description(model: Service, entity: str, description: str | None) -> str | None:
    parts = [description] if description else []
    parts += [machine_summary(m) for m in model.machine_for(entity)]
    return "\n\n".join(parts) if parts else None


# -- rendering ------------------------------------------------------------------------------
# libyaml's emitter writes the same bytes as PyYAML's pure-Python one (a test checks this on
# the examples) and is about five times faster on large contracts. With it, the time left is
# PyYAML's generic (Python) representer, the implicit-tag resolver the emitter calls back for
# every scalar, and the cyclic GC (see _gc_paused). _Dumper builds the same nodes directly for
# JSON data and memoizes the resolver (about a fifth off); _PureDumper keeps PyYAML's own
# representer, so the test that both agree also checks the fast one.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """SafeDumper without anchors: a contract is read by people, ``&id001`` helps nobody."""

    _resolved: dict[tuple[str, tuple[bool, bool]], str]

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent(self, data: Any) -> None:
        if self.default_flow_style is not False:  # pragma: no cover - render() always passes False
            super().represent(data)
            return
        self._resolved = {}
        self.serialize(self._node(data))

    def _node(self, data: Any) -> yaml.Node:
        """What SafeRepresenter makes of ``data`` (no anchors, block style, keys unsorted)."""
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR, data, style="|" if "\n" in data else None)
        if kind is dict:
            items = [(self._node(k), self._node(v)) for k, v in data.items()]
            return yaml.MappingNode(_MAP, items, flow_style=False)
        if kind is list:
            return yaml.SequenceNode(_SEQ, [self._node(v) for v in data], flow_style=False)
        node: yaml.Node = self.represent_data(data)  # bool, int, float, None, anything else
        return node

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        # The tag of a scalar depends on its text only (safe dumpers have no path resolvers).
        if kind is yaml.ScalarNode:
            key = (value, implicit)
            try:
                return self._resolved[key]
            except KeyError:
                tag: str = super().resolve(kind, value, implicit)
                self._resolved[key] = tag
                return tag
        tag = super().resolve(kind, value, implicit)
        return tag


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


class _PureDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


_PureDumper.add_representer(str, _str_presenter)


def ordered(document: dict[str, Any]) -> dict[str, Any]:
    """Top-level and component keys in the documented order; paths sorted."""
    out = {k: document[k] for k in TOP_LEVEL_ORDER if k in document}
    out.update({k: document[k] for k in sorted(document) if k not in out})
    if isinstance(out.get("paths"), dict):
        out["paths"] = dict(sorted(out["paths"].items()))
    components = out.get("components")
    if isinstance(components, dict):
        ordered_components = {k: components[k] for k in COMPONENT_ORDER if k in components}
        ordered_components.update(
            {k: components[k] for k in sorted(components) if k not in ordered_components}
        )
        out["components"] = ordered_components
    return out


def render(document: dict[str, Any], fmt: Format = "yaml", *, pure: bool = False) -> str:
    """Deterministic text of ``document``: same input, same bytes.

    ``pure`` forces PyYAML's Python emitter (for the test that both emitters agree).
    """
    data = ordered(document)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        dumper = _PureDumper if pure else _Dumper
        with _gc_paused():
            text: str = yaml.dump(
                data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100
            )
        return text
    raise ValueError(f"unknown format {fmt!r}; use 'yaml' or 'json'")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The representer allocates a node per value (~200k for a 2.5 MB contract), an acyclic
    tree freed by reference counting; the cyclic collector's repeated passes over it cost as
    much as the rendering itself, so it waits until the text is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
