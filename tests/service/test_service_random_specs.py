"""Property test: every valid spec generates ruff-clean code whose own suite passes.

Specs come from :func:`random_specs.random_spec`, one per seed (random but reproducible: a
failure names its seed; ``SPECFOUNDRY_RANDOM_SPEC_SEEDS=0-200`` hunts further). Each must
compile without errors, generate, and pass ``ruff check`` with the generated project's own
settings; a few (marked slow) also run their generated suite on SQLite.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from random_specs import random_spec
from service_support import clean_env, generate, run_pytest

from specfoundry.compiler import compile_spec
from specfoundry.diagnostics import Severity
from specfoundry.emit.service import ruff_command, testplan
from specfoundry.model import Service


def _seeds(default: str) -> list[int]:
    text = os.environ.get("SPECFOUNDRY_RANDOM_SPEC_SEEDS", default)
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += list(range(int(low), int(high or low) + 1))
    return seeds


LINT_SEEDS = _seeds("1-10")
SUITE_SEEDS = [2, 25]  # small suites that cover restrict, cascade, set_null, hidden refs, 428


def _compile(seed: int, folder: Path) -> Service:
    spec = random_spec(seed)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = compile_spec(path)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert not errors, f"seed {seed}: a valid spec was refused:\n" + "\n".join(
        str(d) for d in errors
    )
    assert result.model is not None
    return result.model


def _generate(seed: int, tmp_path: Path) -> Path:
    model = _compile(seed, tmp_path)
    out = generate(model, tmp_path / "service")
    lint = subprocess.run(
        [*ruff_command(), "check", "--no-cache", "."],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, f"seed {seed}: generated code fails ruff:\n{lint.stdout}"
    return out


def test_update_payloads_change_the_sample(tmp_path: Path) -> None:
    """The generated suite's update body must change the object (else its ETag stays and the
    stale-If-Match test fails): checked on every resource of 40 random specs."""
    same = []
    for seed in range(40):
        folder = tmp_path / str(seed)
        folder.mkdir()
        model = _compile(seed, folder)
        for resource in model.api.resources:
            entity = model.entity(resource.entity.raw)
            assert entity is not None
            stored = testplan._resource_values(model, entity, testplan.CREATOR)
            for name, value in testplan.update_payload(entity).items():
                if value == stored[name]:
                    same.append((seed, resource.path, name, value))
    assert not same


@pytest.mark.parametrize("seed", LINT_SEEDS)
def test_random_valid_spec_generates_ruff_clean_code(seed: int, tmp_path: Path) -> None:
    _generate(seed, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SUITE_SEEDS)
def test_random_valid_spec_passes_its_generated_suite(seed: int, tmp_path: Path) -> None:
    out = _generate(seed, tmp_path)
    output = run_pytest(out, "-x", "-p", "no:warnings", "-p", "no:randomly", env=clean_env())
    assert " failed" not in output
