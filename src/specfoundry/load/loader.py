"""Read a spec file or folder into JSON-compatible data plus a map of source locations.

PyYAML's composer keeps a mark on every node; we walk the node graph ourselves instead of using
``safe_load`` so that each value and each key keeps its file, line and column. Data stays
JSON-compatible (dates become ISO strings) because the next stage is JSON Schema validation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from specfoundry.diagnostics import Diagnostic, Location, Severity

Path_ = tuple[str | int, ...]
MAX_FILE_BYTES = 10 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(slots=True)
class SourceMap:
    """Where each value (and each mapping key) of the merged document was written."""

    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def at(self, *path: str | int) -> Location | None:
        """The location of the value at ``path``, or of its nearest located ancestor."""
        probe: Path_ = tuple(path)
        while True:
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def key_at(self, *path: str | int) -> Location | None:
        """The location of the key that introduces ``path`` (falls back to its value)."""
        return self.keys.get(tuple(path)) or self.at(*path)


@dataclass(slots=True)
class LoadedSpec:
    data: dict[str, Any] | None
    sources: SourceMap
    diagnostics: list[Diagnostic]


def load_spec(path: Path, display_root: Path | None = None) -> LoadedSpec:
    """Load one YAML file, or every YAML file of a folder merged into one document.

    ``display_root``: file names in locations are shown relative to it (default: as given).
    """
    diagnostics: list[Diagnostic] = []
    sources = SourceMap()
    files = _spec_files(path, diagnostics)
    merged: dict[str, Any] | None = None
    shown: list[str] = []
    for file in files:
        name = _display(file, display_root)
        shown.append(name)
        file_sources = SourceMap()
        document = _load_file(file, name, file_sources, diagnostics)
        if document is None:
            continue
        if not isinstance(document, dict):
            diagnostics.append(
                Diagnostic(
                    "SF109",
                    Severity.ERROR,
                    "a spec file must hold a mapping of top-level sections",
                    Location(name, 1, 1),
                    "start the file with a section such as `service:` or `entities:`",
                )
            )
            continue
        if merged is None:
            merged = document
        else:
            _merge(merged, document, (), sources, file_sources, diagnostics)
        for path_, loc in file_sources.values.items():
            sources.values.setdefault(path_, loc)
        for path_, loc in file_sources.keys.items():
            sources.keys.setdefault(path_, loc)
    sources.files = tuple(shown)
    if merged is None and files and not diagnostics:
        diagnostics.append(
            Diagnostic(
                "SF104",
                Severity.ERROR,
                "the spec is empty",
                Location(shown[0], 1, 1),
                "run `specfoundry init DIR` for a commented starter spec",
            )
        )
    return LoadedSpec(merged, sources, diagnostics)


def _display(file: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return file.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return file.as_posix()


def _spec_files(path: Path, diagnostics: list[Diagnostic]) -> list[Path]:
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in YAML_SUFFIXES
        )
        if not files:
            diagnostics.append(
                Diagnostic(
                    "SF107",
                    Severity.ERROR,
                    f"no YAML files (*.yaml, *.yml) in folder {path.as_posix()}",
                    None,
                    "point at a spec file, or at a folder that holds one",
                )
            )
        return files
    if not path.exists():
        diagnostics.append(
            Diagnostic(
                "SF101",
                Severity.ERROR,
                f"no such file or folder: {path.as_posix()}",
                None,
                "check the path; a spec is a YAML file or a folder of them",
            )
        )
        return []
    return [path]


def _load_file(
    file: Path, name: str, sources: SourceMap, diagnostics: list[Diagnostic]
) -> Any | None:
    start = Location(name, 1, 1)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        diagnostics.append(
            Diagnostic("SF101", Severity.ERROR, f"cannot read file: {exc.strerror}", start)
        )
        return None
    if len(raw) > MAX_FILE_BYTES:
        diagnostics.append(
            Diagnostic(
                "SF108",
                Severity.ERROR,
                f"file is {len(raw) // 1024} KiB; the limit is {MAX_FILE_BYTES // 1024} KiB",
                start,
                "split the spec into several files in one folder",
            )
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", raw, raw.index(b"\x00"), raw.index(b"\x00") + 1, "")
    except UnicodeDecodeError:
        diagnostics.append(
            Diagnostic(
                "SF102",
                Severity.ERROR,
                "file is not UTF-8 text",
                start,
                "a spec is a YAML text file; is this the right path?",
            )
        )
        return None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Walker(loader, name, sources, diagnostics).value(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(name, mark.line + 1, mark.column + 1) if mark else start
        problem = exc.problem or exc.context or "invalid YAML"
        diagnostics.append(
            Diagnostic(
                "SF103",
                Severity.ERROR,
                f"invalid YAML: {problem}",
                where,
                "check indentation and quoting near this position",
            )
        )
    except yaml.YAMLError as exc:
        diagnostics.append(Diagnostic("SF103", Severity.ERROR, f"invalid YAML: {exc}", start))
    except RecursionError:
        diagnostics.append(
            Diagnostic("SF103", Severity.ERROR, "invalid YAML: nesting is too deep", start)
        )
    finally:
        loader.dispose()
    return None


class _Walker:
    """Turns composed YAML nodes into plain data, recording locations on the way."""

    def __init__(
        self,
        loader: yaml.SafeLoader,
        file: str,
        sources: SourceMap,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.loader = loader
        self.file = file
        self.sources = sources
        self.diagnostics = diagnostics
        self.active: set[int] = set()

    def loc(self, node: yaml.Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def value(self, node: yaml.Node, path: Path_) -> Any:
        self.sources.values[path] = self.loc(node)
        if id(node) in self.active:
            raise yaml.MarkedYAMLError(
                problem="an alias refers to itself", problem_mark=node.start_mark
            )
        if isinstance(node, yaml.MappingNode):
            self.active.add(id(node))
            try:
                return self.mapping(node, path)
            finally:
                self.active.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            self.active.add(id(node))
            try:
                return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
            finally:
                self.active.discard(id(node))
        return _plain(self.loader.construct_object(node, deep=True))

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        self.loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise yaml.MarkedYAMLError(
                    problem="a mapping key must be a plain scalar",
                    problem_mark=key_node.start_mark,
                )
            key = str(_plain(key)) if not isinstance(key, str) else key
            child = (*path, key)
            if key in result:
                first = self.sources.keys[child]
                self.diagnostics.append(
                    Diagnostic(
                        "SF105",
                        Severity.ERROR,
                        f"duplicate key '{key}' (first defined at {first})",
                        self.loc(key_node),
                        "YAML keeps only one of them; remove or rename one",
                    )
                )
                continue
            self.sources.keys[child] = self.loc(key_node)
            result[key] = self.value(value_node, child)
        return result


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, float) and value != value:  # NaN has no JSON form
        return str(value)
    return value


def _merge(
    into: dict[str, Any],
    other: dict[str, Any],
    path: Path_,
    sources: SourceMap,
    other_sources: SourceMap,
    diagnostics: list[Diagnostic],
) -> None:
    """Merge a later file's document into the earlier ones; the same item twice is an error.

    Top-level sections (``entities``, ``events``...) merge, so a spec can be split by topic;
    anything below them must be written in one file only.
    """
    for key, value in other.items():
        child = (*path, key)
        if key not in into:
            into[key] = value
            continue
        if isinstance(into[key], dict) and isinstance(value, dict) and len(child) < 2:
            _merge(into[key], value, child, sources, other_sources, diagnostics)
            continue
        diagnostics.append(
            Diagnostic(
                "SF106",
                Severity.ERROR,
                f"'{'.'.join(map(str, child))}' is defined in two files "
                f"(first at {sources.keys.get(child)})",
                other_sources.keys.get(child),
                "define each item in one file only",
            )
        )
