"""A resource with nested routes only gets a passing generated suite: examples/analytics with
data sources (transitions, a timer, a billing feature, referenced by dashboards) nested under
projects without `flat`. The flat-route tables leave it out; objects the other tests need are
made under their project (`Api.create` through the nested route)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from service_support import clean_env, generate, run_pytest

from specfoundry.compiler import load_model

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_of_a_nested_only_resource_passes(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(ROOT / "examples" / "analytics", spec)
    api = spec / "api.yaml"
    anchor = "      entity: data_source\n"
    api.write_text(api.read_text().replace(anchor, anchor + "      parent: {resource: projects}\n"))
    folder = generate(load_model(spec), tmp_path / "service")
    output = run_pytest(folder, "-p", "no:warnings", env=clean_env())
    assert "failed" not in output.splitlines()[-1], output[-3000:]
    assert (folder / "tests" / "test_api_nested.py").is_file()
