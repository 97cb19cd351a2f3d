"""Read a spec file or folder into JSON-compatible data plus a map of source locations.

PyYAML's composer keeps a mark on every node; we walk the node graph ourselves instead of using
``safe_load`` so that each value and each key keeps its file, line and column. Data stays
JSON-compatible (dates become ISO strings) because the next stage is JSON Schema validation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from specfoundry.diagnostics import Diagnostic, Location, Severity

Path_ = tuple[str | int, ...]
# A real spec is tens of KiB; these limits keep hostile input (huge files, alias bombs,
# runaway nesting) from taking minutes or exhausting memory before anything is reported.
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000  # nodes after alias expansion, per file
MAX_DEPTH = 64
YAML_SUFFIXES = (".yaml", ".yml")
# libyaml parses ~4x faster and caps nesting itself; the pure-Python loader is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TooLarge(Exception):
    def __init__(self, code: str, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.node = node


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
    total = 0
    for file in files:
        name = _display(file, display_root)
        shown.append(name)
        file_sources = SourceMap()
        with contextlib.suppress(OSError):
            total += file.stat().st_size
        if total > MAX_TOTAL_BYTES:
            diagnostics.append(
                Diagnostic(
                    "SF108",
                    Severity.ERROR,
                    f"the spec's files add up to more than {MAX_TOTAL_BYTES // 1024} KiB; "
                    "this file and the ones after it were not read",
                    Location(name, 1, 1),
                    "is the folder right? a spec is usually a few files of a few KiB",
                )
            )
            break
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


def _hidden(relative: Path) -> bool:
    """A dot-file, or a file under a dot-folder (inside the spec folder): not part of the spec.

    Tools keep their own YAML there (`.specfoundry-ignore.yaml`, `.github/`, `.pre-commit-
    config.yaml`); the folder the user named may itself be hidden and is still read.
    """
    return any(part.startswith(".") for part in relative.parts)


def _spec_files(path: Path, diagnostics: list[Diagnostic]) -> list[Path]:
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in YAML_SUFFIXES
            and not _hidden(p.relative_to(path))
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
                "a spec is usually a few KiB; is this the right file? "
                "(a large spec can be split into several files in one folder)",
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
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Walker(loader, name, sources, diagnostics).value(node, ())
    except _TooLarge as exc:
        diagnostics.append(
            Diagnostic(
                exc.code,
                Severity.ERROR,
                exc.message,
                Location(name, exc.node.start_mark.line + 1, exc.node.start_mark.column + 1),
                "write the spec out plainly; anchors and aliases (&name, *name) are rarely needed"
                if exc.code == "SF110"
                else f"a spec needs only a few levels; the limit is {MAX_DEPTH}",
            )
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(name, mark.line + 1, mark.column + 1) if mark else start
        problem = exc.problem or exc.context or "invalid YAML"
        if "another document" in problem:
            problem = "a spec file holds one document, but a second one starts here"
        diagnostics.append(
            Diagnostic(
                "SF103",
                Severity.ERROR,
                f"invalid YAML: {problem}",
                where,
                "check indentation and quoting near this position",
            )
        )
    except yaml.reader.ReaderError as exc:
        diagnostics.append(
            Diagnostic(
                "SF103",
                Severity.ERROR,
                f"invalid YAML: {exc.reason} (character #x{exc.character:04x})"
                if isinstance(exc.character, int)
                else f"invalid YAML: {exc.reason}",
                _offset_location(name, text, exc.position),
                "remove the control character; a spec is plain text",
            )
        )
    except yaml.YAMLError as exc:
        diagnostics.append(Diagnostic("SF103", Severity.ERROR, f"invalid YAML: {exc}", start))
    except RecursionError:
        diagnostics.append(
            Diagnostic(
                "SF111",
                Severity.ERROR,
                "the YAML is nested too deeply",
                start,
                f"a spec needs only a few levels; the limit is {MAX_DEPTH}",
            )
        )
    finally:
        loader.dispose()
    return None


def _offset_location(name: str, text: str, offset: int) -> Location:
    before = text[: max(offset, 0)]
    line = before.count("\n") + 1
    return Location(name, line, offset - (before.rfind("\n") + 1) + 1)


class _Walker:
    """Turns composed YAML nodes into plain data, recording locations on the way.

    Aliases are expanded (the data is a tree), so a "billion laughs" document of nested
    aliases would expand exponentially: the walker counts every node it produces and stops
    at :data:`MAX_NODES`, and stops at :data:`MAX_DEPTH` levels of nesting.
    """

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
        self.own_keys: dict[int, set[int]] = {}
        self.count = 0

    def loc(self, node: yaml.Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def value(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(
                "SF110",
                f"the document expands to more than {MAX_NODES} values "
                "(aliases are expanded, so nested aliases multiply)",
                node,
            )
        if len(path) > MAX_DEPTH:
            raise _TooLarge("SF111", f"the YAML is nested more than {MAX_DEPTH} levels", node)
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
        own = self.own_keys.get(id(node))
        if own is None:  # an aliased mapping is flattened once; remember which keys it wrote
            own = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
            self.own_keys[id(node)] = own
            self.loader.flatten_mapping(node)
        # Decide which entry each key keeps before walking any value, so an overridden
        # merged value is never expanded.
        entries: dict[str, tuple[yaml.Node, yaml.Node, bool]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.MarkedYAMLError(
                    problem="a mapping key must be a plain scalar, not a list or a mapping",
                    problem_mark=key_node.start_mark,
                )
            key = self.loader.construct_object(key_node, deep=True)
            # Keys that YAML reads as numbers, booleans, dates or null keep their spelling:
            # `1:` is the key "1", `on:` is "on", never "True".
            key = key if isinstance(key, str) else str(key_node.value)
            is_own = id(key_node) in own
            previous = entries.get(key)
            if previous is not None and previous[2] and is_own:
                self.diagnostics.append(
                    Diagnostic(
                        "SF105",
                        Severity.ERROR,
                        f"duplicate key '{key}' (first defined at {self.loc(previous[0])})",
                        self.loc(key_node),
                        "YAML keeps only one of them; remove or rename one",
                    )
                )
                continue
            # A merged entry (`<<: *base`) yields to the mapping's own keys and later merges.
            entries[key] = (key_node, value_node, is_own)
        result: dict[str, Any] = {}
        for key, (key_node, value_node, _) in entries.items():
            child = (*path, key)
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
