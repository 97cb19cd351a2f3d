"""The generic hostile-input probe (probe_runner.py) against each generated example, in-process
on SQLite: no 5xx for anything a client sends, and no stored row that breaks a read."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from service_support import EXAMPLES, clean_env, run_pytest

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_probe_finds_no_5xx_and_no_unreadable_row(services: dict[str, Path], name: str) -> None:
    folder = services[name]
    runner = folder / "probe_contract.py"
    shutil.copy(HERE / "probe_runner.py", runner)
    svc = "notes" if name == "minimal" else "insights"
    try:
        output = run_pytest(
            folder, runner.name, "-s", "-p", "no:warnings", env=clean_env(SERVICE=svc)
        )
    finally:
        runner.unlink()
    assert re.search(r"probe: \d+ requests", output), output[-2000:]
