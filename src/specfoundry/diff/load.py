"""Turn a command-line argument into a :class:`Side`: a document, its locator, maybe an IR.

An argument is a local path (a spec file or folder, or an OpenAPI 3.x document in YAML or
JSON, told apart by content) or ``REV:PATH``, read from git without touching the working tree.
Specs are compiled by :mod:`specfoundry.compiler` and emitted by
:mod:`specfoundry.emit.openapi`, imported lazily so the diff works on OpenAPI documents even
in a build where those are missing.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from specfoundry.diagnostics import Location, Severity
from specfoundry.diff import git
from specfoundry.diff.errors import DiffInputError
from specfoundry.diff.locate_json import JsonLocator
from specfoundry.diff.locate_yaml import YamlLocator
from specfoundry.diff.pointer import ancestors, join, normalise

if TYPE_CHECKING:
    from specfoundry.load import SourceMap
    from specfoundry.model import Service

Locator = Callable[[str], Location | None]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Side:
    """One input of the diff, whatever it was read from."""

    name: str  # as the user wrote it, for messages
    document: dict[str, Any]
    locate: Locator
    model: Service | None = None  # the IR, when the input was a spec
    kind: str = "openapi"  # or "spec"
    sources: SourceMap | None = None  # of a spec: where each key is written


class MapLocator:
    """Nearest-ancestor lookup in a pointer -> location map (the emitter's, or our own)."""

    def __init__(self, locations: dict[str, Location]) -> None:
        self._map = locations

    def __call__(self, pointer: str) -> Location | None:
        for probe in ancestors(pointer):
            found = self._map.get(probe)
            if found is not None:
                return found
        return None


def index_lines(text: str, display: str) -> dict[str, Location]:
    """Map each JSON pointer of a YAML/JSON text to where its key (or item) is written.

    This composes the whole text; documents are located with :class:`YamlLocator` and
    :class:`JsonLocator` instead, which read it once and keep only what they are asked for.
    """
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return {}
    out: dict[str, Location] = {}
    if root is None:
        return out
    stack: list[tuple[yaml.Node, str, yaml.Node]] = [(root, "", root)]
    while stack:
        node, pointer, marker = stack.pop()
        mark = marker.start_mark
        out[pointer] = Location(display, mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((value, join(pointer, str(key.value)), key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, join(pointer, index), item))
    return out


def parse_text(text: str, name: str) -> Any:
    """JSON when it looks like JSON (fast path), YAML otherwise."""
    return _parse(text, name)[0]


def _parse(text: str, name: str) -> tuple[Any, bool]:
    """The data, and whether it was read as JSON."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return json.loads(text), True
        except ValueError:
            pass
    try:
        return yaml.load(text, Loader=_LOADER), False  # a safe loader (C if available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise DiffInputError(f"{name}{where}: cannot parse: {problem}") from None


def load_side(argument: str, cwd: Path | None = None) -> Side:
    """Read one side of the diff; raises :class:`DiffInputError` for anything unusable."""
    cwd = cwd or Path.cwd()
    local = cwd / argument
    if not local.exists() and ":" in argument:
        rev, _, path = argument.partition(":")
        if rev:
            return _load_revision(rev, path or ".", argument, cwd)
    if not local.exists():
        raise DiffInputError(f"{argument}: no such file or folder")
    return _load_local(local, argument, _relative(local, cwd), display_root=cwd)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _load_local(path: Path, name: str, display: str, display_root: Path | None = None) -> Side:
    if path.is_dir():
        return _load_spec(path, name, display_root)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DiffInputError(f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MB")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DiffInputError(f"{name}: cannot read: {exc}") from None
    data, is_json = _parse(text, name)
    if isinstance(data, dict) and "openapi" in data:
        version = str(data.get("openapi"))
        if not version.startswith("3."):
            raise DiffInputError(f"{name}: OpenAPI {version} is not supported (3.0 or 3.1 only)")
        locator: Locator = (
            JsonLocator(text, display) if is_json else YamlLocator(text, display, index_lines)
        )
        return Side(name, data, locator)
    if isinstance(data, dict) and "swagger" in data:
        raise DiffInputError(f"{name}: Swagger 2.0 is not supported; convert it to OpenAPI 3")
    if isinstance(data, dict) and "service" in data:
        return _load_spec(path, name, display_root)
    raise DiffInputError(
        f"{name}: neither an OpenAPI 3 document (no `openapi:` key) nor a specfoundry spec "
        "(no `service:` key)"
    )


def _load_spec(path: Path, name: str, display_root: Path | None) -> Side:
    # Imported here: diffing two OpenAPI documents needs neither the compiler nor the emitter.
    from specfoundry.compiler import compile_spec
    from specfoundry.emit.openapi import build_openapi

    result = compile_spec(path, display_root)
    if result.model is None:
        errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
        first = errors[0].render().splitlines()[0] if errors else "no model was produced"
        more = (
            f" (and {len(errors) - 1} more; run `specfoundry validate`)" if len(errors) > 1 else ""
        )
        raise DiffInputError(f"{name}: the spec does not compile: {first}{more}")
    emitted = build_openapi(result.model)
    locations = {normalise(k): v for k, v in emitted.locations.items()}
    return Side(name, emitted.document, MapLocator(locations), result.model, "spec", result.sources)


def _load_revision(rev: str, path: str, name: str, cwd: Path) -> Side:
    with tempfile.TemporaryDirectory(prefix="specfoundry-diff-") as tmp:
        root = Path(tmp)
        relative = git.materialise(rev, path, cwd, root)
        target = root / relative if relative else root
        return _load_local(target, name, relative, display_root=root)


def ignore_default(argument: str, cwd: Path | None = None) -> Path:
    """``.specfoundry-ignore.yaml`` beside the spec (in the working tree, also for REV:PATH).

    For a folder spec that is inside the folder: the spec loader skips hidden files, so the
    ignore file is never read as part of the spec.
    """
    cwd = cwd or Path.cwd()
    local = cwd / argument
    if not local.exists() and ":" in argument:
        local = cwd / (argument.partition(":")[2] or ".")
    folder = local if local.is_dir() else local.parent
    return folder / ".specfoundry-ignore.yaml"


__all__ = ["MapLocator", "Side", "ignore_default", "load_side", "parse_text"]
