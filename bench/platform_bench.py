"""Platform benchmark: the generated analytics service (``insights``) with its API platform
features on and off, and GET with and without the cache, in one run, on PostgreSQL + Redis.

Three services are generated from copies of ``examples/analytics`` and served side by side, each
by ``insights serve --workers N`` (uvicorn) as the app role (row-level security on) on a
database of its own:

* ``on``: the spec as it is: rate limits (Redis storage), idempotency keys, API keys, the audit
  log, the cache (GET of one dashboard or project, the dashboards' list pages); every plan's rate
  limit is raised to 1,000,000/minute so that the limiter runs on every request but never answers
  429 (the bench measures its cost, not its refusals);
* ``nocache``: the same spec without ``cache:``;
* ``off``: the same spec without ``cache``, ``audit``, ``api.rate_limits``, ``api.idempotency`` and
  ``api.api_keys``.

Billing (a spec feature of its own, not an API platform feature) stays on in all three: the
tenant gets an active subscription through a signed test webhook (``insights billing
send-test-event``). Each service gets a project and ``--rows`` dashboards through its API.

Endpoints, each driven by ``bench/load_bench.py``'s load process (asyncio keep-alive HTTP/1.1
client, ``--connections`` connections, ``--warmup`` s unmeasured, ``--duration`` s measured):
``get`` (GET of one dashboard, cycling over the ids), ``list`` (``GET /v1/dashboards?limit=10``)
and ``create`` (POST of a dashboard, each with its own ``Idempotency-Key``; ``off`` ignores the
header). The services take turns endpoint by endpoint, so load from elsewhere on the machine
weighs on all of them alike.

Printed: requests per second, p50/p95 latency and the servers' CPU time per request for each
service and endpoint, then the ratios on/off (the cost of all platform features) and
on/nocache (the cache's gain).

Usage (the defaults finish in about 2 minutes)::

    .venv/bin/pip install -e '.[bench]'            # psutil (the load process reads CPU times)
    .venv/bin/python bench/platform_bench.py
    .venv/bin/python bench/platform_bench.py --duration 15 --workers 2   # a quiet machine

Needs PostgreSQL (``--admin-url``, a superuser; the databases ``<--database>_<variant>`` and
their roles are dropped and re-created) and Redis (``--redis-url``, default database 4, flushed).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import load_bench  # noqa: E402  (the load process, server stop, helpers)

VARIANTS = ("on", "nocache", "off")
ENDPOINTS = ("get", "list", "create")
PORTS = {"on": 18441, "nocache": 18442, "off": 18443}
ROLE = "admin"
WEBHOOK_SECRET = "whsec_" + "b" * 32
CLI = (sys.executable, "-m", "insights.cli")


# --- the three specs -------------------------------------------------------------------------


def _edit(folder: Path, variant: str) -> None:
    """Switch the platform features of the copied spec per variant (every file is re-dumped)."""
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict):
            continue
        api = data.get("api")
        if isinstance(api, dict) and isinstance(api.get("rate_limits"), dict):
            plans = api["rate_limits"]["plans"]
            for plan in plans:
                plans[plan] = "1000000/minute"
        if variant in ("nocache", "off"):
            data.pop("cache", None)
        if variant == "off":
            data.pop("audit", None)
            if isinstance(api, dict):
                for key in ("rate_limits", "idempotency", "api_keys"):
                    api.pop(key, None)
            sla = data.get("sla")
            if isinstance(sla, dict):  # per-plan targets need the rate limits' plans
                sla["targets"] = [t for t in sla.get("targets", []) if "plan" not in t]
        path.write_text(yaml.safe_dump(data, sort_keys=False))


def generate(variant: str, out: Path) -> None:
    spec = out.parent / f"spec-{variant}"
    shutil.copytree(ROOT / "examples" / "analytics", spec)
    _edit(spec, variant)
    sys.path.insert(0, str(ROOT / "src"))
    from specfoundry.compiler import load_model
    from specfoundry.emit.service import emit_service

    for item in emit_service(load_model(spec)):
        target = out / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)


# --- set-up ----------------------------------------------------------------------------------


def setup_database(args: argparse.Namespace, variant: str, folder: Path, secret: str) -> dict:
    """A fresh database and roles, migrated by the generated CLI; one tenant and its token."""
    import psycopg

    db = f"{args.database}_{variant}"
    app_role, operator = f"{db}_app", f"{db}_operator"
    password = secrets.token_hex(12)
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        for role in (app_role, operator):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        conn.execute(f'CREATE DATABASE "{db}"')
        conn.execute(
            f"CREATE ROLE \"{app_role}\" LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS "
            "NOINHERIT NOCREATEDB NOCREATEROLE"
        )
        conn.execute(f'CREATE ROLE "{operator}" NOLOGIN')
    owner_url = load_bench._url(args.admin_url, database=db)
    app_url = load_bench._url(args.admin_url, database=db, username=app_role, password=password)
    env = {
        **os.environ,
        "PYTHONPATH": str(folder),
        "MIGRATION_DATABASE_URL": owner_url,
        "DATABASE_URL": owner_url,
        "APP_DB_ROLE": app_role,
        "OPERATOR_DB_ROLE": operator,
        "JWT_SECRET": secret,
        "REDIS_URL": args.redis_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    cli = list(CLI)
    load_bench._run([*cli, "migrate"], env, folder)
    env["DATABASE_URL"] = app_url
    tenant = load_bench._run([*cli, "tenant", "create", "--name", "Bench"], env, folder)
    token = load_bench._run(
        [*cli, "token", "--tenant", tenant, "--sub", "bench", "--roles", ROLE, "--ttl", "120"],
        env,
        folder,
    )
    return {"tenant": tenant, "token": token, "env": env, "folder": folder}


def start(variant: str, db: dict, workers: int) -> subprocess.Popen:
    port = PORTS[variant]
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
        env=db["env"],
        cwd=db["folder"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{variant} did not start:\n{process.stderr.read().decode()}")
        try:
            status, _ = _call(port, db, "GET", "/v1/projects")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{variant} did not answer within 90 s")


def _call(port: int, db: dict, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {db['token']}", "Content-Type": "application/json"}
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    return response.status, (json.loads(data) if data else None)


def seed(variant: str, db: dict, rows: int) -> None:
    """An active subscription (signed test webhook), a project and ``rows`` dashboards."""
    port = PORTS[variant]
    load_bench._run(
        [
            *CLI,
            *("billing", "send-test-event", "customer.subscription.created"),
            *("--tenant", db["tenant"], "--subscription", f"sub_{variant}"),
            *("--status", "active", "--plan", "team"),
            *("--url", f"http://127.0.0.1:{port}/webhooks/stripe"),
        ],
        db["env"],
        db["folder"],
    )
    status, project = _call(port, db, "POST", "/v1/projects", {"name": f"Bench {variant}"})
    if status != 201:
        raise SystemExit(f"{variant}: creating a project answered {status}: {project}")
    db["project"] = project["id"]
    db["ids"] = []
    for i in range(rows):
        body = {"project_id": project["id"], "title": f"dashboard {i}", "visibility": "workspace"}
        status, made = _call(port, db, "POST", "/v1/dashboards", body)
        if status != 201:
            raise SystemExit(f"{variant}: creating a dashboard answered {status}: {made}")
        db["ids"].append(made["id"])


def request_lines(endpoint: str, db: dict) -> list[str]:
    common = f"Host: 127.0.0.1\r\nAuthorization: Bearer {db['token']}\r\n"
    common += "Accept: application/json\r\n"
    if endpoint == "get":
        return [f"GET /v1/dashboards/{i} HTTP/1.1\r\n{common}\r\n" for i in db["ids"]]
    if endpoint == "list":
        return [f"GET /v1/dashboards?limit=10 HTTP/1.1\r\n{common}\r\n"]
    body = json.dumps({"project_id": db["project"], "title": "under load"})
    return [
        f"POST /v1/dashboards HTTP/1.1\r\n{common}Content-Type: application/json\r\n"
        f"Idempotency-Key: {uuid.uuid4()}\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        for _ in range(5_000)
    ]


# --- the table -------------------------------------------------------------------------------


def print_table(results: dict[tuple[str, str], dict[str, Any]]) -> None:
    header = (
        f"{'endpoint':<8} {'service':<8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'CPU ms/req':>10}   {'on/off':>7} {'on/nocache':>10}"
    )
    print()
    print(header)
    print("-" * len(header))
    for (endpoint, variant), r in results.items():
        ratios = ["", ""]
        if variant == "on":
            for n, other in enumerate(("off", "nocache")):
                if (endpoint, other) in results:
                    ratios[n] = f"{r['rps'] / results[(endpoint, other)]['rps']:.2f}"
        bad = f"  non-2xx: {r['bad_statuses']}" if r["bad_statuses"] else ""
        print(
            f"{endpoint:<8} {variant:<8} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
            f"{r['cpu_ms_per_request']:>10.2f}   {ratios[0]:>7} {ratios[1]:>10}{bad}"
        )
    print(
        "\non/off: RPS with every API platform feature on divided by RPS with none; "
        "on/nocache: with the cache divided by without (same features otherwise)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=4.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per service")
    parser.add_argument("--rows", type=int, default=200, help="dashboards per service")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="i11_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    endpoints = [e for e in args.endpoints.split(",") if e]
    for name in variants:
        if name not in VARIANTS:
            parser.error(f"unknown service {name!r} (one of {', '.join(VARIANTS)})")
    for name in endpoints:
        if name not in ENDPOINTS:
            parser.error(f"unknown endpoint {name!r} (one of {', '.join(ENDPOINTS)})")

    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    started = time.monotonic()
    secret = secrets.token_urlsafe(48)
    results: dict[tuple[str, str], dict[str, Any]] = {}
    servers: dict[str, subprocess.Popen] = {}
    with tempfile.TemporaryDirectory(prefix="platform-bench-") as tmp:
        dbs = {}
        try:
            for variant in variants:
                folder = Path(tmp) / variant
                generate(variant, folder)
                dbs[variant] = setup_database(args, variant, folder, secret)
                servers[variant] = start(variant, dbs[variant], args.workers)
                seed(variant, dbs[variant], args.rows)
            print(
                f"set up in {time.monotonic() - started:.1f} s: {args.rows} dashboards each, "
                f"{args.connections} connections, {args.warmup:g}+{args.duration:g} s per run, "
                f"{args.workers} worker(s) per service",
                file=sys.stderr,
            )
            for endpoint in endpoints:
                for variant in variants:
                    plan = {
                        "port": PORTS[variant],
                        "pids": [servers[variant].pid],
                        "requests": request_lines(endpoint, dbs[variant]),
                        "connections": args.connections,
                        "warmup": args.warmup,
                        "duration": args.duration,
                    }
                    r = results[(endpoint, variant)] = load_bench.drive(plan)
                    print(
                        f"  {endpoint:<6} {variant:<8} {r['rps']:7.0f} req/s "
                        f"{r['cpu_ms_per_request']:6.2f} CPU ms/req",
                        file=sys.stderr,
                    )
        finally:
            for process in servers.values():
                load_bench.stop_server(process)
    print_table(results)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(
            json.dumps([{"endpoint": e, "service": v, **r} for (e, v), r in results.items()])
        )


if __name__ == "__main__":
    main()
