"""The generated analytics service under its own load test, on PostgreSQL (not part of the suite).

Generates examples/analytics into a temporary folder, creates the owner and app roles and a
database (``i14_docs_load``) on 127.0.0.1:5432, migrates as the owner, serves the app as the
non-owner app role with uvicorn on a free loopback port, and runs

    insights loadtest --host http://127.0.0.1:PORT --duration 30s --users 10

which creates tenants, signs tokens per role, runs Locust headless, and compares every
operation with the spec's `sla:` targets (exit 1 on a miss). Prints Locust's summary, the
verdict, and where the CSV and HTML reports are (``--report DIR`` keeps them).

Why not in the test suite: migrating, starting the server and Locust take about 10 s before the
first request, which alone is the feature's share of the suite's time budget; the verdict's
logic is unit-tested in tests/runtime/test_runtime_loadtest.py.

    .venv/bin/python bench/loadtest_bench.py [--duration 30s] [--users 10] [--report DIR]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "i14_docs_load"
OWNER, APP, OPERATOR = "i14_docs_owner", "i14_docs_app", "i14_docs_operator"


def _admin(statements: list[str]) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def _setup_database() -> None:
    _admin(
        [
            f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
            f"DO $$ BEGIN CREATE ROLE {OWNER} LOGIN PASSWORD 'owner'; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            f"DO $$ BEGIN CREATE ROLE {APP} LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            f"DO $$ BEGIN CREATE ROLE {OPERATOR} NOLOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            f"CREATE DATABASE {DATABASE} OWNER {OWNER}",
        ]
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the service did not answer at {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", default="30s")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--report", type=Path, default=None, help="keep the reports here")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="loadtest-bench-") as tmp:
        service = Path(tmp) / "insights"
        started = time.monotonic()
        subprocess.run(
            [
                python,
                "-m",
                "specfoundry",
                "generate",
                str(REPO / "examples" / "analytics"),
                "-o",
                str(service),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        _setup_database()
        base = "postgresql+psycopg://{}:{}@127.0.0.1:5432/" + DATABASE
        env = {
            **os.environ,
            "PYTHONPATH": str(service),
            "MIGRATION_DATABASE_URL": base.format(OWNER, "owner"),
            "DATABASE_URL": base.format(APP, "app"),
            "APP_DB_ROLE": APP,
            "OPERATOR_DB_ROLE": OPERATOR,
            "JWT_SECRET": secrets.token_urlsafe(32),
        }
        env.pop("INSIGHTS_ENV", None)
        cli = [python, "-m", "insights.cli"]
        subprocess.run([*cli, "migrate"], cwd=service, env=env, check=True)
        port = _free_port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port)],
            cwd=service,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            host = f"http://127.0.0.1:{port}"
            _wait(f"{host}/openapi.json")
            print(
                f"set-up (generate, database, migrate, serve): {time.monotonic() - started:.1f} s"
            )
            out = Path(tmp) / "report"
            command = [*cli, "loadtest", "--host", host, "--duration", args.duration]
            command += ["--out", str(out)]
            if args.users:
                command += ["--users", str(args.users)]
            status = subprocess.run(command, cwd=service, env=env, check=False).returncode
        finally:
            server.terminate()
            server.wait(timeout=30)
        if args.report is not None:
            shutil.copytree(out, args.report, dirs_exist_ok=True)
            print(f"reports kept in {args.report}")
        _admin([f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"])
        print(f"loadtest exit status: {status}")
        return status


if __name__ == "__main__":
    raise SystemExit(main())
