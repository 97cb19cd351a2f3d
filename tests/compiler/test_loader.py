"""The loader: locations of every value and key, folder merging, and hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from specfoundry.compiler import compile_spec
from specfoundry.diagnostics import Location
from specfoundry.load import load_spec
from specfoundry.load import loader as loader_module

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ANALYTICS = EXAMPLES / "analytics"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def codes(result: object) -> list[str]:
    return [d.code for d in result.diagnostics]  # type: ignore[attr-defined]


# -- locations ----------------------------------------------------------------------------------
def test_locations_of_values_and_keys() -> None:
    loaded = load_spec(ANALYTICS, display_root=ANALYTICS)
    s = loaded.sources
    assert loaded.diagnostics == []
    # `      title: {type: string, required: true, max_length: 200, ...}` on line 32
    assert s.key_at("entities", "dashboard", "fields", "title") == Location("entities.yaml", 32, 7)
    assert s.at("entities", "dashboard", "fields", "title", "max_length") == Location(
        "entities.yaml", 32, 57
    )
    assert s.key_at("api", "pagination") == Location("api.yaml", 3, 3)
    assert s.at("api", "pagination", "max_limit") == Location("api.yaml", 3, 46)
    # list items, and mappings inside list items
    assert s.at("state_machines", "billing", "transitions", "cancel", "from", 2) == Location(
        "lifecycles.yaml", 100, 34
    )
    assert s.at("permissions", "rules", "dashboard", "read", 0, "when") == Location(
        "permissions.yaml", 27, 17
    )


def test_missing_path_falls_back_to_nearest_ancestor() -> None:
    s = load_spec(ANALYTICS, display_root=ANALYTICS).sources
    assert s.at("api", "pagination", "no_such_key") == s.at("api", "pagination")
    assert s.key_at("api", "pagination", "no_such_key") == s.at("api", "pagination")


def test_display_names_are_relative_to_display_root() -> None:
    loaded = load_spec(ANALYTICS, display_root=EXAMPLES)
    assert loaded.sources.files[0] == "analytics/api.yaml"


# -- folders ------------------------------------------------------------------------------------
def test_folder_merges_top_level_sections() -> None:
    loaded = load_spec(ANALYTICS, display_root=ANALYTICS)
    assert loaded.sources.files == (
        "api.yaml",
        "billing.yaml",
        "entities.yaml",
        "jobs.yaml",
        "lifecycles.yaml",
        "permissions.yaml",
        "service.yaml",
    )
    assert loaded.data is not None
    assert sorted(loaded.data) == [
        "api",
        "audit",
        "billing",
        "cache",
        "entities",
        "events",
        "jobs",
        "permissions",
        "service",
        "sla",
        "state_machines",
        "tenancy",
        "webhooks",
    ]
    assert "workspace" in loaded.data["entities"]


def test_sections_split_over_files_merge(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yaml",
        "entities:\n  team: {tenant_scoped: false, fields: {n: {type: string}}}\n",
    )
    write(tmp_path / "b.yaml", "entities:\n  note:\n    fields: {title: {type: string}}\n")
    loaded = load_spec(tmp_path, display_root=tmp_path)
    assert loaded.diagnostics == []
    assert loaded.data == {
        "entities": {
            "team": {"tenant_scoped": False, "fields": {"n": {"type": "string"}}},
            "note": {"fields": {"title": {"type": "string"}}},
        }
    }
    assert loaded.sources.key_at("entities", "note") == Location("b.yaml", 2, 3)


def test_duplicate_key_in_one_file_names_both_places(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "entities:\n  note: {}\n  note: {}\n")
    [d] = load_spec(spec, display_root=tmp_path).diagnostics
    assert d.code == "SF105"
    assert d.location == Location("spec.yaml", 3, 3)
    assert "spec.yaml:2:3" in d.message


def test_duplicate_item_across_files_names_both_places(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "entities:\n  note: {fields: {a: {type: string}}}\n")
    write(tmp_path / "b.yaml", "\nentities:\n  note: {fields: {b: {type: string}}}\n")
    [d] = load_spec(tmp_path, display_root=tmp_path).diagnostics
    assert d.code == "SF106"
    assert d.location == Location("b.yaml", 3, 3)
    assert "a.yaml:2:3" in d.message


def test_folder_without_yaml(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "nothing\n")
    [d] = load_spec(tmp_path).diagnostics
    assert d.code == "SF107"
    assert d.location is None


def test_hidden_files_and_folders_are_not_part_of_the_spec(tmp_path: Path) -> None:
    """Tools keep their own YAML beside a spec (the diff's `.specfoundry-ignore.yaml`,
    `.github/`): a folder spec skips dot-files and dot-folders, so they never merge in."""
    spec = tmp_path / ".config" / "spec"  # the named folder itself may be hidden
    spec.mkdir(parents=True)
    write(spec / "spec.yaml", (EXAMPLES / "minimal" / "spec.yaml").read_text())
    write(spec / ".specfoundry-ignore.yaml", "ignore: []\n")
    (spec / ".github").mkdir()
    write(spec / ".github" / "workflow.yml", "on: push\n")
    result = compile_spec(spec, display_root=spec)
    assert result.ok, [d.render() for d in result.diagnostics]
    assert result.sources.files == ("spec.yaml",)


def test_empty_file(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "")
    result = compile_spec(spec)
    assert codes(result) == ["SF104"]
    assert result.model is None


def test_empty_file_beside_a_real_one_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "# later\n")
    write(tmp_path / "b.yaml", (EXAMPLES / "minimal" / "spec.yaml").read_text())
    result = compile_spec(tmp_path)
    assert result.diagnostics == ()
    assert result.model is not None


def test_binary_file(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert codes(compile_spec(spec)) == ["SF102"]


def test_not_a_mapping(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "- a\n- b\n")
    assert codes(compile_spec(spec)) == ["SF109"]


def test_scalar_document(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "just a sentence\n")
    assert codes(compile_spec(spec)) == ["SF109"]


def test_missing_path(tmp_path: Path) -> None:
    [d] = compile_spec(tmp_path / "nope.yaml").diagnostics
    assert d.code == "SF101"
    assert d.location is None


# -- hostile input ------------------------------------------------------------------------------
def test_five_megabyte_file_is_refused_quickly(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    line = "      f: {type: string, max_length: 80}  # padding padding padding\n"
    spec.write_text("entities:\n  note:\n    fields:\n" + line * (5 * 1024 * 1024 // len(line)))
    assert spec.stat().st_size > 5_000_000
    started = time.monotonic()
    result = compile_spec(spec)
    assert time.monotonic() - started < 2
    assert codes(result) == ["SF108"]
    assert result.diagnostics[0].location is not None


def test_total_size_of_a_folder_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader_module, "MAX_TOTAL_BYTES", 100)
    write(tmp_path / "a.yaml", "service: {name: notes, version: 0.1.0}\n")
    write(tmp_path / "b.yaml", "tenancy: {tenant_entity: team}\n" + "# pad\n" * 20)
    [d] = load_spec(tmp_path, display_root=tmp_path).diagnostics
    assert d.code == "SF108"
    assert d.location == Location("b.yaml", 1, 1)


def test_billion_laughs_is_stopped(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    spec = write(tmp_path / "spec.yaml", "\n".join(lines) + "\n")
    started = time.monotonic()
    result = compile_spec(spec)
    assert time.monotonic() - started < 10
    assert codes(result) == ["SF110"]


def test_deep_nesting(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "a: " + "[" * 500 + "]" * 500 + "\n")
    [d] = compile_spec(spec).diagnostics
    assert d.code in ("SF103", "SF111")  # libyaml stops at 1000 levels, the walker at 64
    assert d.location is not None


def test_alias_to_itself(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "a: &a\n  b: *a\n")
    assert codes(compile_spec(spec)) == ["SF103"]


def test_merge_keys_are_overridden_without_duplicate_errors(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "spec.yaml",
        "base: &base {type: string, max_length: 80}\ntitle:\n  <<: *base\n  max_length: 200\n",
    )
    loaded = load_spec(spec, display_root=tmp_path)
    assert loaded.diagnostics == []
    assert loaded.data is not None
    assert loaded.data["title"] == {"type": "string", "max_length": 200}
    assert loaded.sources.at("title", "max_length") == Location("spec.yaml", 4, 15)


def test_keys_keep_their_spelling(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "1: a\non: b\n2026-01-01: c\nnull: d\n")
    loaded = load_spec(spec)
    assert loaded.diagnostics == []
    assert loaded.data == {"1": "a", "on": "b", "2026-01-01": "c", "null": "d"}


def test_complex_keys_are_rejected(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "? [a, b]\n: c\n")
    [d] = load_spec(spec, display_root=tmp_path).diagnostics
    assert d.code == "SF103"
    assert d.location == Location("spec.yaml", 1, 3)


def test_dates_become_strings_where_strings_are_expected(tmp_path: Path) -> None:
    text = (EXAMPLES / "minimal" / "spec.yaml").read_text()
    spec = write(tmp_path / "spec.yaml", text.replace("version: 0.1.0", "version: 2026-01-01"))
    result = compile_spec(spec)
    assert result.diagnostics == ()
    assert result.model is not None and result.model.version == "2026-01-01"


def test_control_character_has_a_location(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "a: b\nc: d\x07\n")
    [d] = load_spec(spec, display_root=tmp_path).diagnostics
    assert d.code == "SF103"
    assert d.location == Location("spec.yaml", 2, 5)


def test_second_document(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "a: 1\n---\nb: 2\n")
    [d] = load_spec(spec, display_root=tmp_path).diagnostics
    assert d.code == "SF103"
    assert "second one" in d.message


@pytest.mark.parametrize(
    "text",
    [
        "service: 5\n",
        "service: {name: notes, version: 0.1.0}\ntenancy: [a]\nentities: x\napi: null\n",
        "entities:\n  note: {fields: {title: {type: string, default: 2026-01-01}}}\n",
        "!!binary aGVsbG8=\n",
        "a: !unknown tag\n",
        "{a: 1, a: 2}\n",
    ],
)
def test_odd_documents_give_diagnostics(tmp_path: Path, text: str) -> None:
    result = compile_spec(write(tmp_path / "spec.yaml", text))
    assert result.model is None
    assert result.diagnostics


def test_load_model_takes_a_path_as_text() -> None:
    """Library users pass strings (`load_model("examples/minimal")`); it raised AttributeError."""
    from specfoundry.compiler import load_model

    root = Path(__file__).resolve().parents[2]
    assert load_model(str(root / "examples" / "minimal")).name.raw == "notes"
