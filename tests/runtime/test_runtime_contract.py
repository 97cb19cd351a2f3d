"""The contract reader every generated app starts with, and where SQLite test databases live."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from specfoundry.runtime import contract, db_testing

EXAMPLE_CONTRACT = Path(__file__).resolve().parents[1] / "emit" / "golden"


def _any_contract() -> Path:
    return next(iter(sorted(EXAMPLE_CONTRACT.rglob("*.yaml"))))


def test_the_fast_reader_returns_what_the_safe_loader_returns() -> None:
    path = _any_contract()
    assert contract.read_contract(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_reader_uses_libyaml_when_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")
    assert contract._LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("text", ["[1, 2]", "just text", "!!python/object:os.system {}"])
def test_a_document_that_is_not_a_safe_mapping_is_refused(text: str) -> None:
    with pytest.raises((ValueError, yaml.YAMLError)):
        contract.parse_contract(text)


def test_sqlite_test_databases_live_in_memory_backed_storage_when_there_is_some() -> None:
    shm = Path("/dev/shm")
    roomy = shm.is_dir() and shutil.disk_usage(shm).free >= 256 * 2**20
    assert db_testing._memory_backed_folder() == ("/dev/shm" if roomy else None)
