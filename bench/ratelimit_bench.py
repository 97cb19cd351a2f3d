"""Requests per second of GET-one in a generated service with rate limiting off and on.

Generates the analytics example (``insights``), migrates a scratch SQLite database, creates a
tenant and one project, then sends ``--requests`` sequential ``GET /v1/projects/{id}`` in
process (Starlette's TestClient) against three apps built from the same settings:

* ``off``: ``RATE_LIMITS=false`` (``rate_limits_enabled=False``);
* ``memory``: the spec's limiter with in-process storage (no ``REDIS_URL``);
* ``redis``: the same with ``REDIS_URL`` (``--redis``, default db 1), as in production.

The spec's strategy and key are kept; only the quotas are raised (the benchmark would otherwise
hit the free plan's 60/minute). Rounds alternate between the apps (``--rounds``) and the best
round of each is reported (wall-clock requests per second, and CPU milliseconds per request,
which a busy shared machine inflates less).

Usage::

    .venv/bin/python bench/ratelimit_bench.py
    .venv/bin/python bench/ratelimit_bench.py --requests 3000 --rounds 5
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from specfoundry.compiler import load_model  # noqa: E402
from specfoundry.emit.service import emit_service  # noqa: E402


def generate(out: Path) -> None:
    for item in emit_service(load_model(ROOT / "examples" / "analytics")):
        target = out / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder)
        sys.path.insert(0, str(folder))
        os.chdir(folder)
        from starlette.testclient import TestClient

        db_support = importlib.import_module("tests.db_support")
        app_module = importlib.import_module("insights.app")
        settings_module = importlib.import_module("insights.settings")
        cli = importlib.import_module("insights.cli")
        auth = importlib.import_module("insights.auth")
        ratelimit = importlib.import_module("insights.runtime.ratelimit")
        spec = app_module.RATE_LIMITS
        huge = {plan: dict.fromkeys(b, "100000000/minute") for plan, b in spec.plans.items()}
        app_module.RATE_LIMITS = ratelimit.RateLimitConfig(
            plans=huge,
            default_plan=spec.default_plan,
            key=spec.key,
            strategy=spec.strategy,
            on_storage_error=spec.on_storage_error,
        )
        prepared = db_support.prepare_database()
        try:
            base = settings_module.Settings(database_url=prepared.app_url, jwt_secret="b" * 40)
            tenant = cli.create_tenant(base, "Bench")
            token = auth.TokenVerifier(base).issue("bench", tenant, ["owner"])
            headers = {"Authorization": f"Bearer {token}"}
            variants: dict[str, Any] = {
                "off": dataclasses.replace(base, rate_limits_enabled=False),
                "memory": base,
                "redis": dataclasses.replace(base, redis_url=args.redis),
            }
            clients = {}
            for name, settings in variants.items():
                client = TestClient(create := app_module.create_app(settings))
                client.__enter__()
                clients[name] = (client, create)
            first = clients["off"][0]
            created = first.post("/v1/projects", json={"name": "bench"}, headers=headers)
            assert created.status_code == 201, created.text
            url = f"/v1/projects/{created.json()['id']}"
            best: dict[str, float] = {}
            cpu_best: dict[str, float] = {}
            for _ in range(args.rounds):
                for name, (client, _app) in clients.items():
                    for _ in range(50):  # warm-up (plan cache, connections)
                        assert client.get(url, headers=headers).status_code == 200
                    started, cpu = time.perf_counter(), time.process_time()
                    for _ in range(args.requests):
                        client.get(url, headers=headers)
                    rate = args.requests / (time.perf_counter() - started)
                    cpu_ms = (time.process_time() - cpu) * 1000 / args.requests
                    best[name] = max(best.get(name, 0.0), rate)
                    cpu_best[name] = min(cpu_best.get(name, 1e9), cpu_ms)
            sample = clients["redis"][0].get(url, headers=headers)
            print(f"GET {url.rsplit('/', 1)[0]}/{{id}}, {args.requests} requests x {args.rounds}")
            print(f"  RateLimit-Policy: {sample.headers.get('ratelimit-policy')}")
            for name, rate in best.items():
                ratio = rate / best["off"]
                print(
                    f"  {name:7s} {rate:8.0f} req/s wall ({ratio:.2f} x off), "
                    f"{cpu_best[name]:.2f} ms CPU per request"
                )
            for client, app in clients.values():
                client.__exit__(None, None, None)
                app.state.engine.dispose()
        finally:
            prepared.cleanup()


if __name__ == "__main__":
    main()
