"""Find user code that a spec edit left pointing at something that no longer exists.

User-owned files are never rewritten, so when a spec edit renames an entity or removes a
transition, the user's imports of generated names (``from insights.models import Dashboard``)
or hooks the spec no longer calls would fail at import time or silently go dead. We read the
user's files with :mod:`ast` (never importing them) and compare what they use with what the new
emission defines, so ``generate`` and ``check`` can point at the user's file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .tree import Emission


@dataclass(frozen=True, slots=True, order=True)
class StaleReference:
    file: str  # relative to the output folder
    line: int
    column: int
    message: str
    hint: str

    def render(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: warning[user-code]: {self.message}\n  hint: {self.hint}"


def _module_name(path: PurePosixPath) -> str | None:
    if path.suffix != ".py":
        return None
    parts = list(path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or None


def _top_level_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


class GeneratedModules(Mapping[str, set[str]]):
    """Dotted module name -> names it defines, for every generator-owned Python file.

    A module is parsed the first time its names are asked for: user code imports a handful of
    the hundreds of generated modules, and parsing them all cost seconds on large specs.
    """

    def __init__(self, emission: Emission) -> None:
        self._sources: dict[str, bytes] = {}
        self._names: dict[str, set[str]] = {}
        for item in emission:
            name = _module_name(PurePosixPath(item.path))
            if item.owner == "generator" and name:
                self._sources[name] = item.content

    def __getitem__(self, module: str) -> set[str]:
        if module not in self._names:
            source = self._sources[module]  # KeyError for a module that is not generated
            self._names[module] = _top_level_names(source.decode("utf-8", "replace"))
        return self._names[module]

    def __contains__(self, module: object) -> bool:
        return module in self._sources

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def generated_modules(emission: Emission) -> Mapping[str, set[str]]:
    """Dotted module name -> names it defines (parsed lazily), for generator-owned modules."""
    return GeneratedModules(emission)


def find_stale_references(
    out_dir: Path,
    emission: Emission,
    package: str,
    user_package: str,
    required_hooks: Mapping[str, str],
) -> list[StaleReference]:
    """Problems in the user's package as it is on disk, against the new emission.

    ``required_hooks`` maps each hook function the spec names to what calls it (for messages).
    """
    modules = generated_modules(emission)
    problems: list[StaleReference] = []
    user_dir = out_dir / user_package
    for file in sorted(user_dir.rglob("*.py")) if user_dir.is_dir() else []:
        rel = file.relative_to(out_dir).as_posix()
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        problems += _stale_imports(rel, tree, package, modules)
        if rel == f"{user_package}/hooks.py":
            problems += _hook_mismatches(rel, tree, required_hooks)
    if required_hooks and not (user_dir / "hooks.py").is_file():
        for hook, caller in sorted(required_hooks.items()):
            problems.append(
                StaleReference(
                    f"{user_package}/hooks.py",
                    1,
                    1,
                    f"the spec names hook '{hook}' ({caller}) but hooks.py is missing",
                    "restore the file with `specfoundry generate --restore-user-files`",
                )
            )
    return sorted(problems)


def _stale_imports(
    rel: str, tree: ast.Module, package: str, modules: Mapping[str, set[str]]
) -> Iterable[StaleReference]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != package and not node.module.startswith(package + "."):
                continue
            if node.module not in modules:
                yield StaleReference(
                    rel,
                    node.lineno,
                    node.col_offset + 1,
                    f"module '{node.module}' is no longer generated",
                    "the spec no longer produces it; update or remove this import",
                )
                continue
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if alias.name in modules[node.module] or submodule in modules:
                    continue
                yield StaleReference(
                    rel,
                    node.lineno,
                    node.col_offset + 1,
                    f"'{alias.name}' is no longer defined in generated module '{node.module}'",
                    "was it renamed or removed from the spec? update this import",
                )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(package + ".") and alias.name not in modules:
                    yield StaleReference(
                        rel,
                        node.lineno,
                        node.col_offset + 1,
                        f"module '{alias.name}' is no longer generated",
                        "the spec no longer produces it; update or remove this import",
                    )


def _hook_mismatches(
    rel: str, tree: ast.Module, required: Mapping[str, str]
) -> Iterable[StaleReference]:
    defined = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    for name, node in sorted(defined.items()):
        if name.startswith("_") or name in required:
            continue
        yield StaleReference(
            rel,
            node.lineno,
            node.col_offset + 1,
            f"hook '{name}' is no longer named by the spec, so nothing calls it",
            "the transition or hook was renamed or removed; move its code or delete it",
        )
    for name, caller in sorted(required.items()):
        if name not in defined:
            yield StaleReference(
                rel,
                1,
                1,
                f"the spec names hook '{name}' ({caller}) but hooks.py does not define it",
                f"add `def {name}(...)` to {rel}; the generated call site shows the signature",
            )
