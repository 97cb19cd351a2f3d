"""Run what we generate: each example's own suite on SQLite and PostgreSQL, schemathesis against
each app, and the four-command quickstart through the real console entry point."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from service_support import (
    EXAMPLES,
    EXTRA_TESTS,
    REDIS_URL,
    ROLES,
    SERVICES,
    clean_env,
    run_pytest,
)

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def _summary(output: str) -> str:
    lines = [line for line in output.splitlines() if re.search(r"\d+ passed", line)]
    return lines[-1] if lines else output[-500:]


def _run_suite(folder: Path, name: str, env: dict[str, str], *, must_pass: tuple[str, ...]) -> str:
    """The example's whole generated suite, with our extra tests in it (EXTRA_TESTS). Those and
    the files in ``must_pass`` must have run and passed, not merely not failed."""
    output = run_pytest(folder, "-p", "no:warnings", "-rap", env=env)
    assert " failed" not in _summary(output)
    for path in (*EXTRA_TESTS.get(name, {}), *must_pass):
        assert f"PASSED {path}::" in output, f"{path} did not run:\n{output[-2000:]}"
    return output


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_generated_suite_passes_on_sqlite(services: dict[str, Path], name: str) -> None:
    env = clean_env(REDIS_URL=REDIS_URL)  # the cache tests of the suite (cache: in the spec)
    output = _run_suite(services[name], name, env, must_pass=("tests/test_data_layer.py",))
    assert "row-level security exists only on PostgreSQL" in output  # test_rls.py skips here


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_generated_suite_passes_on_postgres(
    services: dict[str, Path], service_pg_url: str, name: str
) -> None:
    env = clean_env(DATABASE_URL=service_pg_url, REDIS_URL=REDIS_URL)
    # The data layer's and row-level security's tests (tests/test_data_layer.py, test_rls.py)
    # are part of the suite: both must have run, none of the RLS tests skipped.
    output = _run_suite(
        services[name], name, env, must_pass=("tests/test_data_layer.py", "tests/test_rls.py")
    )
    assert "row-level security" not in "\n".join(
        line for line in output.splitlines() if line.startswith("SKIPPED")
    ), "RLS tests were skipped"


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_schemathesis_finds_nothing(services: dict[str, Path], name: str) -> None:
    folder = services[name]
    runner = folder / "fuzz_contract.py"
    shutil.copy(HERE / "schemathesis_runner.py", runner)
    svc = SERVICES[name]
    env = clean_env(SERVICE=svc, ROLES=ROLES[name], MAX_EXAMPLES="15")
    try:
        run_pytest(
            folder,
            str(runner.name),
            "-p",
            "no:warnings",
            env=env,
            plugins=("schemathesis.pytest.plugin", "_hypothesis_pytestplugin"),
        )
    finally:
        runner.unlink()


def test_quickstart_through_the_console_entry_point(
    services: dict[str, Path], tmp_path: Path
) -> None:
    folder = services["minimal"]
    env = clean_env(NOTES_ENV="development", PYTHONPATH=str(folder))

    def notes(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "notes.cli", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    notes("migrate")
    tenant = notes("tenant", "create", "--name", "Acme")
    token = notes("token", "--tenant", tenant, "--sub", "alice", "--roles", "writer")
    call = (
        "from starlette.testclient import TestClient\n"
        "from notes.app import create_app\n"
        "c = TestClient(create_app())\n"
        "h = {'Authorization': 'Bearer " + token + "'}\n"
        "r = c.post('/v1/notes', json={'title': 'hi'}, headers=h)\n"
        "assert r.status_code == 201, r.text\n"
        "assert c.get('/v1/notes', headers=h).json()['data'][0]['title'] == 'hi'\n"
        "assert c.get('/v1/notes').status_code == 401\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", call],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Without the development flag and without a secret, the service refuses to start.
    strict = subprocess.run(
        [sys.executable, "-m", "notes.cli", "token", "--tenant", tenant, "--sub", "a"],
        cwd=tmp_path,
        env=clean_env(PYTHONPATH=str(folder)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert strict.returncode == 2 and "JWT_SECRET" in strict.stderr
