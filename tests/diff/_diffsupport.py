"""Helpers shared by the diff tests: small documents, a YAML writer, a CLI run's outcome."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


def api(max_length: int = 100, *, extra_status: bool = False, **item: Any) -> dict[str, Any]:
    """A small API with a shared component used by three operations."""
    ref = {"$ref": "#/components/schemas/Item"}
    responses: dict[str, Any] = {
        "200": {"description": "ok", "content": {"application/json": {"schema": ref}}}
    }
    if extra_status:
        responses["404"] = {"description": "missing"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/items": {
                "get": {"operationId": "listItems", "responses": responses},
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": ref}},
                    },
                    "responses": responses,
                },
            },
            "/v1/items/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": responses,
                }
            },
        },
        "components": {
            "schemas": {
                "Item": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string", "maxLength": max_length}, **item},
                }
            }
        },
    }


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


Key = tuple[str, str, str | None, str]


@dataclass
class Outcome:
    """What one `specfoundry diff --format json` run printed, read as findings."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    @property
    def findings(self) -> list[dict[str, Any]]:
        return self.payload["findings"]

    @property
    def keys(self) -> set[Key]:
        """Each finding as (rule, level, operation, pointer)."""
        return {(f["rule"], f["level"], f["operation"], f["pointer"]) for f in self.findings}

    @property
    def rules(self) -> set[tuple[str, str]]:
        """Each finding as (rule, level)."""
        return {(f["rule"], f["level"]) for f in self.findings}

    def at_least(self, level: str) -> list[dict[str, Any]]:
        order = {"info": 0, "warning": 1, "error": 2}
        return [f for f in self.findings if order[f["level"]] >= order[level]]
