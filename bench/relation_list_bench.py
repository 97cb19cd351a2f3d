"""A list filtered by a two-hop relation condition vs the same list without it (PostgreSQL).

Generates a small service (``tracker``: project -> task -> comment) whose comment list is, for
the role ``member``, filtered by ``resource.task.project.owner_id == principal.id`` (a two-hop
relation path: one correlated ``EXISTS`` over tasks and projects), and unconditional for the
role ``admin``. Loads ``--rows`` comments (COPY, as the table owner) spread over ``--rows/10``
tasks and ``--rows/100`` projects, of which the caller owns ``--owned`` percent, then times the
same endpoint, first page and a deep keyset page, in-process through the ASGI app as the
non-owner app role (row-level security on, like production), for both roles, interleaved.

Prints p50/p99 per case and the ratio (mean time with the condition / without it).

Usage::

    .venv/bin/python bench/relation_list_bench.py                      # 100,000 rows, 50% owned
    .venv/bin/python bench/relation_list_bench.py --owned 5 --requests 200
    .venv/bin/python bench/relation_list_bench.py --url postgresql://postgres@127.0.0.1:5432/postgres

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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from list_bench import percentile, timings  # noqa: E402

from specfoundry.compiler import load_model  # noqa: E402
from specfoundry.emit.service import emit_service  # noqa: E402

CONDITION = "resource.task.project.owner_id == principal.id"
SPEC = f"""
service: {{name: tracker, version: 0.1.0}}
tenancy: {{tenant_entity: workspace}}
entities:
  workspace:
    tenant_scoped: false
    fields:
      name: {{type: string, required: true, max_length: 80}}
  project:
    fields:
      name: {{type: string, required: true, max_length: 80}}
      owner_id: {{type: string, auto: principal}}
  task:
    fields:
      project_id: {{type: ref, entity: project, required: true}}
      title: {{type: string, required: true, max_length: 200}}
  comment:
    fields:
      task_id: {{type: ref, entity: task, required: true}}
      body: {{type: string, required: true, max_length: 200}}
permissions:
  roles:
    member: {{}}
    admin: {{}}
  rules:
    comment:
      list:
        - role: member
          when: "{CONDITION}"
        - admin
      read:
        - role: member
          when: "{CONDITION}"
        - admin
api:
  resources:
    comments: {{entity: comment, operations: [list, read]}}
"""


def generate(out: Path) -> None:
    spec = out / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    for item in emit_service(load_model(spec)):
        target = out / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)


def _copy(conn: Any, table: str, columns: str, lines: Iterator[str]) -> None:
    buffer = io.StringIO()
    for line in lines:
        buffer.write(line)
    buffer.seek(0)
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def load_rows(owner_url: str, tenant: uuid.UUID, rows: int, owned: float) -> None:
    import psycopg

    url = owner_url.replace("postgresql+psycopg://", "postgresql://")
    n_projects, n_tasks = max(1, rows // 100), max(1, rows // 10)
    projects = [uuid.uuid4() for _ in range(n_projects)]
    tasks = [uuid.uuid4() for _ in range(n_tasks)]
    base = time.time() - rows
    every = round(100 / owned) if owned > 0 else 0

    def stamp(i: int) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + i)) + "+00"

    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(tenant),))
        common = "created_at, updated_at, version"
        _copy(
            conn,
            "projects",
            f"id, tenant_id, name, owner_id, {common}",
            (
                f"{p}\t{tenant}\tp{i}\t{'bench' if every and i % every == 0 else 'other'}"
                f"\t{stamp(i)}\t{stamp(i)}\t1\n"
                for i, p in enumerate(projects)
            ),
        )
        _copy(
            conn,
            "tasks",
            f"id, tenant_id, project_id, title, {common}",
            (
                f"{t}\t{tenant}\t{projects[i % n_projects]}\tt{i}\t{stamp(i)}\t{stamp(i)}\t1\n"
                for i, t in enumerate(tasks)
            ),
        )
        _copy(
            conn,
            "comments",
            f"id, tenant_id, task_id, body, {common}",
            (
                f"{uuid.uuid4()}\t{tenant}\t{tasks[i % n_tasks]}\tc{i}\t{stamp(i)}\t{stamp(i)}\t1\n"
                for i in range(rows)
            ),
        )
        conn.execute("ANALYZE projects")
        conn.execute("ANALYZE tasks")
        conn.execute("ANALYZE comments")
        conn.commit()


@contextlib.contextmanager
def service(folder: Path, url: str) -> Iterator[dict[str, Any]]:
    sys.path.insert(0, str(folder))
    names = ("tracker.app", "tracker.settings", "tracker.auth", "tracker.cli", "tracker.pagination")
    modules = {name: importlib.import_module(name) for name in names}
    db_support = importlib.import_module("tests.db_support")
    prepared = db_support.prepare_database(url)
    try:
        yield {"prepared": prepared, **modules}
    finally:
        prepared.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--owned", type=float, default=50.0, help="percent of projects owned")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rel-bench-")))
        generate(folder)
        s = stack.enter_context(service(folder, args.url))
        prepared = s["prepared"]
        settings = s["tracker.settings"].Settings(
            database_url=prepared.app_url, jwt_secret="b" * 40
        )
        tenant = s["tracker.cli"].create_tenant(settings, "Bench")
        started = time.perf_counter()
        load_rows(prepared.owner_url, tenant, args.rows, args.owned)
        print(
            f"loaded {args.rows:,} comments, {args.rows // 10:,} tasks, {args.rows // 100:,} "
            f"projects ({args.owned:g}% owned by the caller) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        app = s["tracker.app"].create_app(settings)
        verifier = s["tracker.auth"].TokenVerifier(settings)
        member = {"Authorization": f"Bearer {verifier.issue('bench', tenant, ['member'])}"}
        admin = {"Authorization": f"Bearer {verifier.issue('bench', tenant, ['admin'])}"}
        client = TestClient(app)
        import sqlalchemy as sa

        with app.state.engine.connect() as conn:
            conn.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": str(tenant)}
            )
            row = conn.execute(
                sa.text(
                    "SELECT id, created_at FROM comments ORDER BY created_at DESC, id DESC "
                    "OFFSET :n LIMIT 1"
                ),
                {"n": int(args.rows * 0.9)},
            ).one()
        cursor = s["tracker.pagination"].encode("-created_at", "datetime", row.created_at, row.id)

        def call(headers: dict[str, str], deep: bool) -> Any:
            params = {"starting_after": cursor} if deep else {}

            def run() -> None:
                response = client.get("/v1/comments", params=params, headers=headers)
                assert response.status_code == 200, response.text
                assert response.json()["data"], response.text

            return run

        calls = {
            "no condition, first page": call(admin, False),
            "two-hop, first page": call(member, False),
            "no condition, deep page": call(admin, True),
            "two-hop, deep page": call(member, True),
        }
        for run in calls.values():
            timings(run, 10)  # warm up
        results: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.requests):
            for name, run in calls.items():
                results[name] += timings(run, 1)
        print(f"\n{'list':<28} {'p50 ms':>8} {'p99 ms':>8}")
        for name, values in results.items():
            print(f"{name:<28} {percentile(values, 0.5):>8.2f} {percentile(values, 0.99):>8.2f}")
        for page in ("first page", "deep page"):
            ratio = statistics.mean(results[f"two-hop, {page}"]) / statistics.mean(
                results[f"no condition, {page}"]
            )
            print(f"two-hop / no condition ({page}): {ratio:.2f}x")
        app.state.engine.dispose()


if __name__ == "__main__":
    main()
