"""List-endpoint benchmark of a generated service on PostgreSQL.

Generates the minimal example (``notes``), loads ``--rows`` notes into one tenant (COPY, as the
table owner), then measures, in-process through the ASGI app and as the non-owner app role
(row-level security on, like production):

* p50 / p99 latency of the first page and of a deep page (keyset cursor ~90% into the list);
* requests per second of the generated list endpoint beside a hand-written minimal FastAPI +
  SQLAlchemy endpoint running the same keyset query on the same engine (the cost of the
  generated auth, permission filter, tenant filter and problem plumbing).

Usage::

    .venv/bin/python bench/list_bench.py                       # 1,000,000 rows, 300 requests
    .venv/bin/python bench/list_bench.py --rows 100000 --requests 100
    .venv/bin/python bench/list_bench.py --url postgresql://postgres@127.0.0.1:5432/postgres

Needs a reachable PostgreSQL (superuser URL, to create a scratch database and role).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from specfoundry.compiler import load_model  # noqa: E402
from specfoundry.emit.service import emit_service  # noqa: E402


def generate(out: Path) -> None:
    for item in emit_service(load_model(ROOT / "examples" / "minimal")):
        target = out / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)


def load_rows(owner_url: str, tenant: uuid.UUID, rows: int) -> None:
    import psycopg

    url = owner_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(tenant),))
        buffer = io.StringIO()
        base = time.time() - rows
        for i in range(rows):
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + i))
            buffer.write(f"{uuid.uuid4()}\t{tenant}\tnote {i}\t\\N\t{stamp}+00\t{stamp}+00\t1\n")
        buffer.seek(0)
        columns = "id, tenant_id, title, body, created_at, updated_at, version"
        with conn.cursor() as cur, cur.copy(f"COPY notes ({columns}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        conn.execute("ANALYZE notes")
        conn.commit()


def timings(call: Callable[[], Any], count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextlib.contextmanager
def service(folder: Path, url: str) -> Iterator[dict[str, Any]]:
    sys.path.insert(0, str(folder))
    modules = {
        name: importlib.import_module(name)
        for name in ("notes.app", "notes.settings", "notes.auth", "notes.cli", "notes.pagination")
    }
    db_support = importlib.import_module("tests.db_support")
    prepared = db_support.prepare_database(url)
    try:
        yield {"prepared": prepared, **modules}
    finally:
        prepared.cleanup()


def baseline_app(engine: Any, tenant: uuid.UUID) -> Any:
    """The hand-written comparison: one keyset query, no auth, no permission layer.

    Like for like with the generated endpoint: same engine (so the same pool and pre-ping), same
    in-process ASGI path, and the same response document (every field of the generated body,
    the next cursor included), serialised once with ``JSONResponse`` as the generated route does.
    """
    import base64
    import json

    import sqlalchemy as sa
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse
    from sqlalchemy.orm import Session

    Note = importlib.import_module("notes.models").Note

    app = FastAPI()

    @app.get("/notes")
    def list_notes(limit: int = 10) -> JSONResponse:
        with Session(engine) as session:
            session.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant)}
            )
            rows = session.scalars(
                sa.select(Note)
                .where(Note.tenant_id == tenant)
                .order_by(Note.created_at.desc(), Note.id.desc())
                .limit(limit + 1)
            ).all()
            has_more = len(rows) > limit
            rows = rows[:limit]
            data = [
                {
                    "id": str(n.id),
                    "title": n.title,
                    "body": n.body,
                    "created_at": n.created_at.isoformat(),
                    "updated_at": n.updated_at.isoformat(),
                }
                for n in rows
            ]
            next_cursor = None
            if has_more:
                last = rows[-1]
                raw = json.dumps(["-created_at", last.created_at.isoformat(), str(last.id)])
                next_cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
            body = {
                "object": "list",
                "url": "/notes",
                "has_more": has_more,
                "next_cursor": next_cursor,
                "data": data,
            }
            return JSONResponse(body)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="list-bench-")))
        generate(folder)
        s = stack.enter_context(service(folder, args.url))
        prepared = s["prepared"]
        settings = s["notes.settings"].Settings(database_url=prepared.app_url, jwt_secret="b" * 40)
        tenant = s["notes.cli"].create_tenant(settings, "Bench")
        started = time.perf_counter()
        load_rows(prepared.owner_url, tenant, args.rows)
        print(f"loaded {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        app = s["notes.app"].create_app(settings)
        token = s["notes.auth"].TokenVerifier(settings).issue("bench", tenant, ["reader"])
        headers = {"Authorization": f"Bearer {token}"}
        client = TestClient(app)
        import sqlalchemy as sa

        with app.state.engine.connect() as conn:
            conn.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": str(tenant)}
            )
            row = conn.execute(
                sa.text(
                    "SELECT id, created_at FROM notes ORDER BY created_at DESC, id DESC "
                    "OFFSET :n LIMIT 1"
                ),
                {"n": int(args.rows * 0.9)},
            ).one()
        cursor = s["notes.pagination"].encode("-created_at", "datetime", row.created_at, row.id)

        def first() -> None:
            assert client.get("/v1/notes", headers=headers).status_code == 200

        def deep() -> None:
            response = client.get("/v1/notes", params={"starting_after": cursor}, headers=headers)
            assert response.status_code == 200 and response.json()["data"]

        base_client = TestClient(baseline_app(app.state.engine, tenant))

        def base() -> None:
            assert base_client.get("/notes").status_code == 200

        calls = {
            "generated, first page": first,
            "generated, deep page": deep,
            "hand-written, first page": base,
        }
        for call in calls.values():
            timings(call, 10)  # warm up
        # Interleaved, one request of each per round, so load from other processes (a CI run on
        # the same machine) weighs on all three alike and the ratios stay comparable.
        results: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.requests):
            for name, call in calls.items():
                results[name] += timings(call, 1)
        print(f"\n{'endpoint':<26} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
        for name, values in results.items():
            rate = 1000 / statistics.mean(values)
            p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
            print(f"{name:<26} {p50:>8.2f} {p99:>8.2f} {rate:>8.0f}")
        ratio = statistics.mean(results["hand-written, first page"]) / statistics.mean(
            results["generated, first page"]
        )
        print(f"\ngenerated / hand-written throughput (first page): {ratio:.2f}x")
        app.state.engine.dispose()


if __name__ == "__main__":
    main()
