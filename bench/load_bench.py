"""Load benchmark: the generated service against hand-written FastAPI apps on PostgreSQL.

Generates the minimal example (``notes``) and serves the same ``notes`` table three ways, each
under uvicorn with N worker processes:

* ``generated``: ``notes serve --workers N`` as the app role (row-level security on,
  ``set_config`` per transaction, the generated auth, permissions and problem plumbing);
* ``sync``: ``bench/handwritten_sync.py``, FastAPI + SQLAlchemy 2 (psycopg 3), sync routes;
* ``async``: ``bench/handwritten_async.py``, FastAPI + SQLAlchemy 2 asyncio (asyncpg).

The hand-written apps verify the same HS256 JWT and scope every query with
``WHERE tenant_id = <tid claim>`` (their role bypasses RLS). Each endpoint — ``get`` (GET one),
``list`` (first page), ``deep`` (a page ~90% into the list, by keyset cursor), ``create``
(POST) — is driven by a separate load process (a small asyncio HTTP/1.1 keep-alive client, so
the client spends little CPU) with ``--connections`` concurrent connections: ``--warmup``
seconds unmeasured, then ``--duration`` seconds measured. The apps take turns endpoint by
endpoint, so load from elsewhere on the machine weighs on all of them alike.

Printed per workers x endpoint x app: requests per second, p50/p95 latency, the servers'
CPU time per request (user+system of the uvicorn process tree, from /proc via psutil), and the
generated app's ratios to each hand-written one (RPS: target >= 1.0; CPU/request: target
<= 1.1).

Usage (the defaults run the whole table in about 3.5 minutes)::

    .venv/bin/pip install -e '.[bench]'            # asyncpg, psutil, pyinstrument
    .venv/bin/python bench/load_bench.py
    .venv/bin/python bench/load_bench.py --duration 30 --workers 1,2,4   # a quiet machine
    .venv/bin/python bench/load_bench.py --apps generated,sync --endpoints get,create

Needs PostgreSQL reachable with a superuser URL (``--admin-url``, default
``postgresql://postgres@127.0.0.1:5432/postgres``): the database ``--database`` (default
``i15_bench``) and the roles ``<database>_app``, ``<database>_operator`` and
``<database>_hand`` are dropped and re-created.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
APPS = ("generated", "sync", "async")
ENDPOINTS = ("get", "list", "deep", "create")
PORTS = {"generated": 18431, "sync": 18432, "async": 18433}


# --- the load driver (a separate process: `load_bench.py drive PLAN.json`) ------------------


def _server_cpu(pids: list[int]) -> float:
    """User + system CPU seconds of the server processes and all their children."""
    import psutil

    total = 0.0
    seen: set[int] = set()
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for proc in procs:
            if proc.pid in seen:
                continue
            seen.add(proc.pid)
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


async def _connection(
    port: int, requests: list[bytes], offset: int, stop: list[float], out: list[tuple[float, float]]
) -> list[int]:
    """Send requests back to back on one keep-alive connection until ``stop[0]``; record
    (finish time, latency) per request; return the status codes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    statuses: list[int] = []
    count = len(requests)
    index = offset
    clock = time.perf_counter
    try:
        while clock() < stop[0]:
            request = requests[index % count]
            index += 1
            started = clock()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            finished = clock()
            statuses.append(int(head[9:12]))
            out.append((finished, finished - started))
    finally:
        writer.close()
    return statuses


async def _drive(plan: dict[str, Any]) -> dict[str, Any]:
    requests = [r.encode("latin-1") for r in plan["requests"]]
    out: list[tuple[float, float]] = []
    now = time.perf_counter()
    start = now + plan["warmup"]
    stop = [start + plan["duration"]]
    tasks = [
        asyncio.create_task(_connection(plan["port"], requests, i * 7919, stop, out))
        for i in range(plan["connections"])
    ]
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    cpu_start = _server_cpu(plan["pids"])
    measured_from = time.perf_counter()
    await asyncio.sleep(max(0.0, stop[0] - time.perf_counter()))
    cpu_end = _server_cpu(plan["pids"])
    measured_to = time.perf_counter()
    statuses = [s for result in await asyncio.gather(*tasks) for s in result]
    window = [lat for finished, lat in out if measured_from <= finished <= measured_to]
    window.sort()
    seconds = measured_to - measured_from
    done = len(window)

    def pct(q: float) -> float:
        return window[min(done - 1, round(q * (done - 1)))] * 1000 if done else float("nan")

    bad = sorted({s for s in statuses if s >= 300 or s < 200})
    return {
        "requests": done,
        "rps": done / seconds,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "cpu_ms_per_request": (cpu_end - cpu_start) / done * 1000 if done else float("nan"),
        "bad_statuses": bad,
    }


def drive_main(plan_file: str) -> None:
    plan = json.loads(Path(plan_file).read_text())
    print(json.dumps(asyncio.run(_drive(plan))))


# --- set-up ----------------------------------------------------------------------------------


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def generate(out: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from specfoundry.compiler import load_model
    from specfoundry.emit.service import emit_service

    for item in emit_service(load_model(ROOT / "examples" / "minimal")):
        target = out / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)


def _url(admin: str, **parts: Any) -> str:
    import sqlalchemy as sa

    base = sa.make_url(admin.replace("postgresql://", "postgresql+psycopg://", 1))
    return base.set(**parts).render_as_string(hide_password=False)


def setup_database(args: argparse.Namespace, folder: Path, secret: str) -> dict[str, Any]:
    """Fresh database and roles, migrated by the generated CLI; a tenant with ``--rows`` notes."""
    import psycopg

    db = args.database
    app_role, operator, hand = f"{db}_app", f"{db}_operator", f"{db}_hand"
    password = secrets.token_hex(12)
    admin = args.admin_url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        for role in (app_role, operator, hand):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        conn.execute(f'CREATE DATABASE "{db}"')
        conn.execute(
            f"CREATE ROLE \"{app_role}\" LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS "
            "NOINHERIT NOCREATEDB NOCREATEROLE"
        )
        conn.execute(f'CREATE ROLE "{operator}" NOLOGIN')
        conn.execute(f"CREATE ROLE \"{hand}\" LOGIN PASSWORD '{password}' BYPASSRLS NOSUPERUSER")
    owner_url = _url(admin, database=db)
    app_url = _url(admin, database=db, username=app_role, password=password)
    hand_url = _url(admin, database=db, username=hand, password=password)
    env = {
        **os.environ,
        "PYTHONPATH": str(folder),
        "MIGRATION_DATABASE_URL": owner_url,
        "DATABASE_URL": owner_url,
        "APP_DB_ROLE": app_role,
        "OPERATOR_DB_ROLE": operator,
        "JWT_SECRET": secret,
    }
    cli = [sys.executable, "-m", "notes.cli"]
    _run([*cli, "migrate"], env, folder)
    env["DATABASE_URL"] = app_url
    tenant = uuid.UUID(_run([*cli, "tenant", "create", "--name", "Bench"], env, folder))
    token = _run(
        [*cli, "token", "--tenant", str(tenant), "--sub", "bench", "--roles", "writer"], env, folder
    )
    plain_owner = owner_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain_owner, autocommit=True) as conn:
        conn.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON notes, teams TO "{hand}"')
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY notes (id, tenant_id, title, body, created_at, updated_at, version) "
                "FROM STDIN"
            ) as copy,
        ):
            base = time.time() - args.rows
            for i in range(args.rows):
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + i))
                copy.write_row(
                    (
                        uuid.uuid4(),
                        tenant,
                        f"note {i}",
                        "a short body",
                        f"{stamp}+00",
                        f"{stamp}+00",
                        1,
                    )
                )
        conn.execute("ANALYZE notes")
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM notes WHERE tenant_id = %s ORDER BY random() LIMIT 1000", (tenant,)
            )
        ]
        deep = conn.execute(
            "SELECT id, created_at FROM notes WHERE tenant_id = %s "
            "ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
            (tenant, int(args.rows * 0.9)),
        ).fetchone()
    return {
        "app_url": app_url,
        "hand_url": hand_url,
        "tenant": tenant,
        "token": token,
        "ids": ids,
        "deep": deep,
        "env": env,
    }


def cursors(deep: tuple[uuid.UUID, Any]) -> dict[str, str]:
    import base64

    sys.path.insert(0, str(ROOT / "src"))
    from specfoundry.runtime.pagination import encode

    row_id, created = deep
    generated = encode("-created_at", "datetime", created, row_id)
    raw = json.dumps([created.isoformat(), str(row_id)]).encode()
    hand = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return {"generated": generated, "sync": hand, "async": hand}


def request_lines(endpoint: str, app: str, db: dict[str, Any], cursor: str) -> list[str]:
    auth = f"Authorization: Bearer {db['token']}\r\n"
    common = f"Host: 127.0.0.1\r\n{auth}Accept: application/json\r\n"
    if endpoint == "get":
        return [f"GET /v1/notes/{i} HTTP/1.1\r\n{common}\r\n" for i in db["ids"]]
    if endpoint == "list":
        return [f"GET /v1/notes?limit=10 HTTP/1.1\r\n{common}\r\n"]
    if endpoint == "deep":
        return [f"GET /v1/notes?limit=10&starting_after={cursor} HTTP/1.1\r\n{common}\r\n"]
    body = json.dumps({"title": "a benchmark note", "body": "created under load"})
    return [
        f"POST /v1/notes HTTP/1.1\r\n{common}Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ]


# --- servers ---------------------------------------------------------------------------------


def start_server(app: str, workers: int, folder: Path, db: dict[str, Any]) -> subprocess.Popen:
    port = PORTS[app]
    env = {**db["env"], "BENCH_JWT_SECRET": db["env"]["JWT_SECRET"]}
    if app == "generated":
        cmd = [
            sys.executable,
            "-m",
            "notes.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
        env["DATABASE_URL"] = db["app_url"]
    else:
        module = "handwritten_sync" if app == "sync" else "handwritten_async"
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            f"{module}:app",
            "--app-dir",
            str(BENCH),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
        env["BENCH_DATABASE_URL"] = db["hand_url"]
        env["BENCH_ASYNC_DATABASE_URL"] = db["hand_url"].replace("+psycopg", "+asyncpg", 1)
    process = subprocess.Popen(
        cmd,
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    probe = f"GET /v1/notes/{db['ids'][0]} HTTP/1.1\r\nHost: x\r\n"
    probe += f"Authorization: Bearer {db['token']}\r\nConnection: close\r\n\r\n"
    ready = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{app} did not start:\n{process.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(probe.encode())
                answer = sock.recv(64)
            if answer.startswith(b"HTTP/1.1 200"):
                ready += 1
                if ready >= workers * 4:  # likely every worker has answered once
                    return process
                continue
            raise SystemExit(f"{app} answered {answer!r}")
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{app} did not answer within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def drive(plan: dict[str, Any]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "drive", handle.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    return json.loads(out)


# --- the table -------------------------------------------------------------------------------


def print_table(results: dict[tuple[int, str, str], dict[str, Any]], apps: list[str]) -> None:
    header = (
        f"{'workers':>7} {'endpoint':<8} {'app':<10} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'CPU ms/req':>10}   {'RPS x':>13} {'CPU x':>13}"
    )
    print()
    print(header)
    print("-" * len(header))
    others = [a for a in apps if a != "generated"]
    for (workers, endpoint, app), r in results.items():
        ratios = ["", ""]
        gen = results.get((workers, endpoint, "generated"))
        if app == "generated" and gen is not None:
            rps = [
                gen["rps"] / results[(workers, endpoint, o)]["rps"]
                for o in others
                if (workers, endpoint, o) in results
            ]
            cpu = [
                gen["cpu_ms_per_request"] / results[(workers, endpoint, o)]["cpu_ms_per_request"]
                for o in others
                if (workers, endpoint, o) in results
            ]
            ratios = ["/".join(f"{x:.2f}" for x in rps), "/".join(f"{x:.2f}" for x in cpu)]
        bad = f"  non-2xx: {r['bad_statuses']}" if r["bad_statuses"] else ""
        print(
            f"{workers:>7} {endpoint:<8} {app:<10} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} "
            f"{r['p95_ms']:>8.1f} {r['cpu_ms_per_request']:>10.2f}   {ratios[0]:>13} "
            f"{ratios[1]:>13}{bad}"
        )
    if others:
        print(
            f"\nRPS x / CPU x: generated divided by {' / '.join(others)} "
            "(targets: RPS >= 1.00, CPU per request <= 1.10)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=4.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--apps", default=",".join(APPS))
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--rows", type=int, default=20_000, help="notes in the tenant")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="i15_bench")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    apps = [a for a in args.apps.split(",") if a]
    endpoints = [e for e in args.endpoints.split(",") if e]
    worker_counts = [int(w) for w in args.workers.split(",") if w]
    for name in apps:
        if name not in APPS:
            parser.error(f"unknown app {name!r} (one of {', '.join(APPS)})")
    for name in endpoints:
        if name not in ENDPOINTS:
            parser.error(f"unknown endpoint {name!r} (one of {', '.join(ENDPOINTS)})")

    started = time.monotonic()
    secret = secrets.token_urlsafe(48)
    results: dict[tuple[int, str, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        folder = Path(tmp)
        generate(folder)
        db = setup_database(args, folder, secret)
        cursor = cursors(db["deep"])
        print(
            f"set up in {time.monotonic() - started:.1f} s: {args.rows} notes, "
            f"{args.connections} connections, {args.warmup:g}+{args.duration:g} s per run",
            file=sys.stderr,
        )
        for workers in worker_counts:
            servers = {}
            try:
                for app in apps:
                    servers[app] = start_server(app, workers, folder, db)
                for endpoint in endpoints:
                    for app in apps:
                        plan = {
                            "port": PORTS[app],
                            "pids": [servers[app].pid],
                            "requests": request_lines(endpoint, app, db, cursor[app]),
                            "connections": args.connections,
                            "warmup": args.warmup,
                            "duration": args.duration,
                        }
                        results[(workers, endpoint, app)] = drive(plan)
                        r = results[(workers, endpoint, app)]
                        print(
                            f"  workers={workers} {endpoint:<6} {app:<9} {r['rps']:7.0f} req/s "
                            f"{r['cpu_ms_per_request']:6.2f} CPU ms/req",
                            file=sys.stderr,
                        )
            finally:
                for process in servers.values():
                    stop_server(process)
    print_table(results, apps)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [{"workers": w, "endpoint": e, "app": a, **r} for (w, e, a), r in results.items()],
                indent=2,
            )
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "drive":
        drive_main(sys.argv[2])
    else:
        main()
