"""In-process CPU and database round trips per request: generated vs hand-written apps.

The noise-resistant companion of ``load_bench.py`` (whose requests per second depend on what
else runs on the machine): each app is imported into this process and called directly through
ASGI, one request at a time, and for each endpoint this prints

* CPU time per request (``time.process_time``, every thread of this process: the route's
  worker thread included), over ``--requests`` requests after a warm-up;
* database round trips per request, counted exactly for the psycopg apps: libpq's protocol
  trace of every pooled connection, one round trip per ``ReadyForQuery`` the server sends
  (``--trace`` prints the statements of one request).

``--profile APP:ENDPOINT`` runs that endpoint under pyinstrument instead, with FastAPI's
threadpool calls made inline so that the route's own code shows in the profile.

Usage::

    .venv/bin/python bench/profile_app.py
    .venv/bin/python bench/profile_app.py --requests 2000 --trace
    .venv/bin/python bench/profile_app.py --profile generated:get

Uses the database ``i15_bench_prof`` (dropped and re-created; see ``load_bench.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import load_bench  # noqa: E402

ENDPOINTS = ("get", "list", "deep", "create")


class RoundTrips:
    """Traces every connection a psycopg engine opens; counts ``ReadyForQuery`` messages."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile("w+")  # noqa: SIM115 (lives as long as the engine)
        self.offset = 0

    def attach(self, engine: Any) -> None:
        import sqlalchemy as sa
        from psycopg import pq

        def on_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.pgconn.trace(self.file.fileno())
            dbapi_connection.pgconn.set_trace_flags(
                pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
            )

        sa.event.listen(engine, "connect", on_connect)
        engine.dispose()  # connections opened before tracing started

    def take(self) -> list[str]:
        """The trace lines written since the last call."""
        self.file.flush()
        self.file.seek(self.offset)
        text = self.file.read()
        self.offset = self.file.tell()
        return text.splitlines()

    @staticmethod
    def count(lines: list[str]) -> int:
        return sum(1 for line in lines if "\tReadyForQuery" in line)


def asgi_request(method: str, path: str, token: str, body: bytes = b"") -> Callable[[Any], Any]:
    target, _, query = path.partition("?")
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    if body:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]

    async def call(app: Any) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": target,
            "raw_path": target.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        received = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return call


def requests_for(app: str, db: dict[str, Any], cursor: str) -> dict[str, list[Any]]:
    token = db["token"]
    body = json.dumps({"title": "a benchmark note", "body": "created in process"}).encode()
    return {
        "get": [asgi_request("GET", f"/v1/notes/{i}", token) for i in db["ids"]],
        "list": [asgi_request("GET", "/v1/notes?limit=10", token)],
        "deep": [asgi_request("GET", f"/v1/notes?limit=10&starting_after={cursor}", token)],
        "create": [asgi_request("POST", "/v1/notes", token, body)],
    }


def load_apps(folder: Path, db: dict[str, Any], names: list[str]) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = db["app_url"]
    os.environ["JWT_SECRET"] = db["env"]["JWT_SECRET"]
    os.environ["BENCH_JWT_SECRET"] = db["env"]["JWT_SECRET"]
    os.environ["BENCH_DATABASE_URL"] = db["hand_url"]
    os.environ["BENCH_ASYNC_DATABASE_URL"] = db["hand_url"].replace("+psycopg", "+asyncpg", 1)
    sys.path.insert(0, str(folder))
    apps: dict[str, Any] = {}
    for name in names:
        if name == "generated":
            apps[name] = importlib.import_module("notes.app").create_app()
        else:
            apps[name] = importlib.import_module(f"handwritten_{name}").app
    return apps


def engine_of(name: str, app: Any) -> Any:
    if name == "generated":
        return app.state.engine
    if name == "sync":
        return importlib.import_module("handwritten_sync").engine
    return None  # asyncpg: not traced


async def measure(
    apps: dict[str, Any], plans: dict[str, dict[str, list[Any]]], args: argparse.Namespace
) -> None:
    """Per endpoint: the apps take turns in ``--rounds`` batches; CPU per request is the median
    over the batches (load from elsewhere inflates some batches, rarely all)."""
    tracer = RoundTrips()
    for name, app in apps.items():
        engine = engine_of(name, app)
        if engine is not None:
            tracer.attach(engine)
    print(f"{'endpoint':<8} {'app':<10} {'CPU ms/req':>10} {'wall ms/req':>11} {'round trips':>11}")
    batch = max(1, args.requests // args.rounds)
    for endpoint in args.endpoints:
        trips: dict[str, int | None] = {}
        for name, app in apps.items():
            calls = plans[name][endpoint]
            for i in range(args.warmup):
                status = await calls[i % len(calls)](app)
                assert 200 <= status < 300, (name, endpoint, status)
            tracer.take()
            await calls[0](app)
            lines = tracer.take()
            trips[name] = RoundTrips.count(lines) if engine_of(name, app) is not None else None
            if args.trace and trips[name] is not None:
                print(f"--- {name} {endpoint}:")
                print("\n".join(f"    {line}" for line in lines if line.startswith("F")))
        cpu: dict[str, list[float]] = {name: [] for name in apps}
        wall: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(args.rounds):
            for name, app in apps.items():
                calls = plans[name][endpoint]
                started_cpu, started = time.process_time(), time.perf_counter()
                for i in range(batch):
                    await calls[i % len(calls)](app)
                cpu[name].append((time.process_time() - started_cpu) / batch * 1000)
                wall[name].append((time.perf_counter() - started) / batch * 1000)
        tracer.take()
        for name in apps:
            shown = "-" if trips[name] is None else str(trips[name])
            print(
                f"{endpoint:<8} {name:<10} {statistics.median(cpu[name]):>10.3f} "
                f"{statistics.median(wall[name]):>11.3f} {shown:>11}"
            )


async def profile(
    apps: dict[str, Any],
    plans: dict[str, dict[str, list[Any]]],
    target: str,
    count: int,
    cpu: bool,
) -> None:
    import fastapi.dependencies.utils
    import fastapi.routing
    from pyinstrument import Profiler

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    fastapi.routing.run_in_threadpool = inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[assignment]
    name, _, endpoint = target.partition(":")
    calls = plans[name][endpoint]
    for i in range(50):
        await calls[i % len(calls)](apps[name])
    if cpu:
        import cProfile
        import pstats

        cprofiler = cProfile.Profile(time.thread_time)
        cprofiler.enable()
        for i in range(count):
            await calls[i % len(calls)](apps[name])
        cprofiler.disable()
        stats = pstats.Stats(cprofiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
        return
    profiler = Profiler(interval=0.0002, async_mode="enabled")
    profiler.start()
    for i in range(count):
        await calls[i % len(calls)](apps[name])
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10, help="batches per app and endpoint")
    parser.add_argument("--apps", default="generated,sync,async")
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--trace", action="store_true", help="print one request's statements")
    parser.add_argument("--profile", metavar="APP:ENDPOINT")
    parser.add_argument(
        "--cpu", action="store_true", help="with --profile: cProfile on thread CPU time instead"
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="i15_bench_prof")
    args = parser.parse_args()
    args.endpoints = [e for e in args.endpoints.split(",") if e]
    names = [a for a in args.apps.split(",") if a]
    if args.profile:
        names = [args.profile.partition(":")[0]]
    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory(prefix="profile-app-") as tmp:
        folder = Path(tmp)
        load_bench.generate(folder)
        db = load_bench.setup_database(args, folder, secret)
        cursor = load_bench.cursors(db["deep"])
        apps = load_apps(folder, db, names)
        plans = {name: requests_for(name, db, cursor[name]) for name in names}
        if args.profile:
            asyncio.run(profile(apps, plans, args.profile, args.requests, args.cpu))
        else:
            asyncio.run(measure(apps, plans, args))


if __name__ == "__main__":
    main()
