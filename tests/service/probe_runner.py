"""Run by test_service_probe.py inside a generated service's folder (``pytest this_file``).

A generic hostile-input probe driven by the served ``/openapi.json``: for every operation it
sends poison strings (lone surrogates, NUL), non-finite and overflowing numbers, oversize
bodies and fields, deeply nested JSON, extreme datetimes and forged values in every body
property, query parameter and path parameter, huge headers, and a token for a tenant that does
not exist. Every answer must be below 500 (4xx answers are problem documents); afterwards every
list and read endpoint still answers 200 for the tenants involved (no stored row breaks a read).
"""

from __future__ import annotations

import importlib
import json
import os
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from starlette.testclient import TestClient

SERVICE = os.environ["SERVICE"]
PROBLEM = "application/problem+json"

db_support = importlib.import_module("tests.db_support")
api_support = importlib.import_module("tests.api_support")
spec_tables = importlib.import_module("tests.spec_tables")
app_module = importlib.import_module(f"{SERVICE}.app")
settings_module = importlib.import_module(f"{SERVICE}.settings")
RESOURCES: dict[str, dict[str, Any]] = spec_tables.RESOURCES

# Written into the JSON text as is (json.dumps cannot produce them).
RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 5000]
DEEP = "[" * 3000 + "]" * 3000
POISON_STRINGS = [
    "\udfff",
    "a\ud800b",
    "a\x00b",
    "\x00",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01",
    "9999-12-31T23:59:59.999999Z",
    "NaN",
    "1e400",
    "-0",
    "x" * 70_000,
]
POISON_VALUES: list[Any] = [
    {"\udfff": 1},
    ["\udfff", {"k": "a\x00b"}],
    {"k": "x" * 70_000},
    2**80,
    -(2**63) - 1,
    1.5,
    True,
    None,
    [],
    {},
]
QUERY_VALUES = [
    "\x00",
    "\udfff",
    "NaN",
    "Infinity",
    "1e400",
    "-1",
    "99999999999999999999999",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "x" * 20_000,
]
# Percent-encoded in the path: NUL, a lone surrogate's UTF-8-like bytes, a byte that is no UTF-8.
ID_VALUES = ["%00", "%ED%BF%BF", "%FF", "not-a-uuid", "0" * 5000, str(uuid.uuid4())]


class Probe:
    def __init__(self) -> None:
        self.database = db_support.prepare_database()
        self.settings = settings_module.Settings(
            database_url=self.database.app_url, jwt_secret="p" * 40, rate_limits_enabled=False
        )
        self.app = app_module.create_app(self.settings)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.api = api_support.Api(self.client, self.settings)
        self.tenant = self.api.tenant("Probe")
        self.contract: dict[str, Any] = self.client.get("/openapi.json").json()
        self.failures: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.requests = 0
        self.unsendable = 0
        self.body_limit = getattr(self.settings, "max_body_bytes", 1 << 20)

    def close(self) -> None:
        self.client.close()
        self.app.state.engine.dispose()
        self.database.cleanup()

    # -- sending ---------------------------------------------------------------------------
    def headers(self, tenant: uuid.UUID | None = None, **extra: str) -> dict[str, str]:
        return self.api.headers(tenant or self.tenant, **extra)

    def send(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", self.headers())
        try:
            response = self.client.request(method, url, **kwargs)
        except (UnicodeEncodeError, ValueError, httpx.InvalidURL):
            # The client cannot even send it (a lone surrogate or NUL in a URL or header).
            self.unsendable += 1
            return None
        self.requests += 1
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{method} {url[:80]} {what}: {response.status_code}")
        elif response.status_code >= 400:
            content_type = response.headers.get("content-type", "")
            if not content_type.startswith(PROBLEM):
                self.failures.append(f"{method} {url[:80]} {what}: {content_type} not a problem")
        return response

    def send_json_text(self, method: str, url: str, text: str, what: str) -> Any:
        headers = self.headers(**{"Content-Type": "application/json"})
        return self.send(method, url, what, content=text.encode(), headers=headers)

    # -- what the contract says ------------------------------------------------------------
    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.contract
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def resource_of(self, path: str) -> str | None:
        for name, spec in RESOURCES.items():
            if path == spec["path"] or path.startswith(spec["path"] + "/"):
                return name
        return None

    def object_id(self, resource: str | None) -> str:
        """An existing object of the probe tenant, so that item routes get past the lookup."""
        if resource is None:
            return str(uuid.uuid4())
        spec = RESOURCES[resource]
        if spec["is_tenant"]:
            return str(self.tenant)
        if "create" in spec["operations"]:
            return str(self.api.create(resource, self.tenant)["id"])
        return str(uuid.uuid4())

    def valid_body(self, resource: str | None, method: str) -> dict[str, Any]:
        if resource is None:
            return {}
        if method == "post":
            return dict(self.api.body(resource, self.tenant))
        return dict(RESOURCES[resource].get("update") or {})

    # -- the probe -------------------------------------------------------------------------
    def run(self) -> None:
        for path, item in self.contract["paths"].items():
            for method, operation in item.items():
                if method not in ("get", "post", "patch", "put", "delete"):
                    continue
                self.operation(path, method, operation)
        self.headers_and_tokens()

    def operation(self, path: str, method: str, operation: dict[str, Any]) -> None:
        resource = self.resource_of(path)
        url = path.replace("{id}", self.object_id(resource)) if "{id}" in path else path
        # path parameters
        if "{id}" in path:
            for value in ID_VALUES:
                self.send(method.upper(), path.replace("{id}", value), f"id={value[:20]!r}")
        # query parameters
        for parameter in operation.get("parameters", []):
            parameter = self.resolve(parameter)
            if parameter.get("in") != "query":
                continue
            for value in QUERY_VALUES:
                self.send(
                    method.upper(),
                    url,
                    f"?{parameter['name']}={value[:20]!r}",
                    params={parameter["name"]: value},
                )
            for cursor in ("////", "e30", "WzEsMiwzXQ", "W251bGwsbnVsbCxudWxsXQ"):
                if parameter["name"] in ("starting_after", "ending_before"):
                    self.send(method.upper(), url, "cursor", params={parameter["name"]: cursor})
        # bodies
        body = operation.get("requestBody")
        if body is not None:
            schema = self.resolve(body["content"]["application/json"]["schema"])
            self.bodies(method, url, resource, schema)
        else:
            self.send_json_text(method.upper(), url, json.dumps({"x": "\udfff"}), "stray body")
        self.send_json_text(method.upper(), url, DEEP, "deep body")
        self.send(
            method.upper(),
            url,
            "oversize body",
            content=b'{"x": "' + b"a" * (self.body_limit + 10) + b'"}',
            headers=self.headers(**{"Content-Type": "application/json"}),
        )

    def bodies(self, method: str, url: str, resource: str | None, schema: dict[str, Any]) -> None:
        base = self.valid_body(resource, method)
        verb = method.upper()
        for name in schema.get("properties", {}):
            for value in POISON_STRINGS + POISON_VALUES:
                self.send_json_text(verb, url, json.dumps({**base, name: value}), f"{name}=...")
            for number in RAW_NUMBERS:
                text = json.dumps({**base, name: "@@"}).replace('"@@"', number)
                self.send_json_text(verb, url, text, f"{name}={number[:10]}")
                nested = json.dumps({**base, name: {"n": ["@@"]}}).replace('"@@"', number)
                self.send_json_text(verb, url, nested, f"{name}=[{number[:10]}]")
            deep = json.dumps({**base, name: "@@"}).replace('"@@"', "[" * 100 + "]" * 100)
            self.send_json_text(verb, url, deep, f"{name}=deep")
        for text in ("[]", '"x"', "null", "1e400", '{"\\udfff": 1}', "{", "\xff"):
            self.send_json_text(verb, url, text, f"body {text[:10]!r}")

    def headers_and_tokens(self) -> None:
        reads = self.list_and_read_urls(self.tenant)
        target = reads[0] if reads else "/openapi.json"
        self.send("GET", target, "huge header", headers=self.headers(**{"X-Big": "a" * 65_536}))
        many = {f"X-H{i}": "v" * 100 for i in range(500)}
        self.send("GET", target, "many headers", headers=self.headers(**many))
        self.send(
            "GET",
            target,
            "bad If-None-Match",
            headers=self.headers(**{"If-None-Match": "\x7f" * 1000}),
        )
        # A valid token for a tenant that does not exist is 401 on every route (and stores
        # nothing: check_reads of the ghost tenant finds every list 401 too).
        ghost = uuid.uuid4()
        for path, item in self.contract["paths"].items():
            resource = self.resource_of(path)
            if "post" in item and "{id}" not in path and resource is not None:
                body = json.dumps(self.api.body(resource, self.tenant))
                headers = self.headers(ghost, **{"Content-Type": "application/json"})
                self.expect_401(
                    self.send(
                        "POST", path, "ghost tenant create", content=body.encode(), headers=headers
                    ),
                    f"POST {path}",
                )
            if "get" in item:
                url = path.replace("{id}", str(ghost))
                response = self.send("GET", url, "ghost tenant read", headers=self.headers(ghost))
                self.expect_401(response, f"GET {url}")
        self.ghost = ghost

    def expect_401(self, response: Any, what: str) -> None:
        if response is not None and response.status_code != 401:
            self.failures.append(f"ghost tenant {what}: {response.status_code}, not 401")

    def list_and_read_urls(self, tenant: uuid.UUID) -> list[str]:
        urls = []
        for spec in RESOURCES.values():
            if "list" in spec["operations"]:
                urls.append(spec["path"])
            elif "read" in spec["operations"] and spec["is_tenant"]:
                urls.append(f"{spec['path']}/{tenant}")
        return urls

    def check_reads(self, tenant: uuid.UUID, *, ghost: bool = False) -> None:
        """Every list answers 200 and so does every object on it (all pages).

        For the ghost tenant every list is 401: its token names no tenant that exists."""
        headers = self.headers(tenant)
        for spec in RESOURCES.values():
            if "list" not in spec["operations"]:
                continue
            params: dict[str, Any] = {}
            while True:
                page = self.client.get(spec["path"], params=params, headers=headers)
                if ghost:
                    if page.status_code != 401:
                        self.failures.append(f"ghost tenant GET {spec['path']}: {page.status_code}")
                    break
                if page.status_code != 200:
                    self.failures.append(f"after the probe GET {spec['path']}: {page.status_code}")
                    break
                body = page.json()
                if "read" in spec["operations"]:
                    for item in body["data"]:
                        read = self.client.get(f"{spec['path']}/{item['id']}", headers=headers)
                        if read.status_code != 200:
                            self.failures.append(
                                f"after the probe GET {spec['path']}/{item['id']}: "
                                f"{read.status_code}"
                            )
                if not body["has_more"]:
                    break
                params = {"starting_after": body["next_cursor"]}


def test_probe_finds_no_5xx_and_no_unreadable_row() -> None:
    probe = Probe()
    started = time.monotonic()
    try:
        probe.run()
        probe.check_reads(probe.tenant)
        probe.check_reads(probe.ghost, ghost=True)
    finally:
        probe.close()
    elapsed = time.monotonic() - started
    print(
        f"\nprobe: {probe.requests} requests in {elapsed:.1f}s ({probe.unsendable} unsendable), "
        f"statuses {dict(sorted(probe.statuses.items()))}"
    )
    assert not probe.failures, "\n".join(probe.failures[:60])
