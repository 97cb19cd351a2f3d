"""The service emitter: a complete FastAPI + SQLAlchemy 2 service, its project files and tests.

Public API::

    files = emit_service(model)              # first generation
    files = emit_service(model, previous)    # later ones (previous: the data layer's view of DIR)

The data layer (``db.py``, ``models.py``, migrations, their tests) comes from
:mod:`specfoundry.emit.service.data`; this module adds the HTTP layer, the CLI, the user
package, the project files and the generated test suite (:mod:`.project`), then runs
``ruff check --fix`` and ``ruff format`` once over the whole tree in a temporary folder and reads
it back. The result is deterministic: the same model gives the same bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path, PurePosixPath

from specfoundry.emit.render import TemplateError
from specfoundry.emit.service.data import PreviousOutput, emit_data_layer, read_previous
from specfoundry.emit.service.format_cache import FormatCache, ruff_identity
from specfoundry.emit.service.project import http_layer_files
from specfoundry.model import Service
from specfoundry.write.tree import EmittedFile

__all__ = ["FormatCache", "PreviousOutput", "ServiceEmitError", "emit_service", "read_previous"]


class ServiceEmitError(RuntimeError):
    """The generated tree failed ruff: a bug in specfoundry's templates."""


def emit_service(
    model: Service,
    previous: PreviousOutput | None = None,
    *,
    allow_destructive: bool = False,
    cache: FormatCache | None = None,
) -> tuple[EmittedFile, ...]:
    """Every file of the service; ``cache`` (the output folder's) skips ruff where it can."""
    files: dict[PurePosixPath, EmittedFile] = {}
    for item in emit_data_layer(model, previous, allow_destructive=allow_destructive):
        files[item.path] = item
    for item in http_layer_files(model):
        if item.path in files:
            raise ServiceEmitError(f"two emitters produce {item.path}")
        files[item.path] = item
    return tuple(_lint_and_format([files[p] for p in sorted(files)], cache))


def ruff_command() -> list[str]:
    found = shutil.which("ruff")
    if found is None:
        candidate = Path(sys.executable).with_name("ruff")
        if candidate.exists():
            found = str(candidate)
    return [found] if found else [sys.executable, "-m", "ruff"]


def _raise_template_error(stderr: str) -> None:
    """Raise :class:`TemplateError` naming the modules ruff could not parse, if any."""
    unparsable = [
        line.removeprefix("error: Failed to parse ").strip()
        for line in stderr.splitlines()
        if line.startswith("error: Failed to parse ")
    ]
    if unparsable:
        raise TemplateError("a template rendered invalid Python: " + "; ".join(unparsable))


def _scratch_dir() -> str | None:
    """Where the temporary tree goes: memory-backed when the system has it (less I/O)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def _lint_and_format(
    files: list[EmittedFile], cache: FormatCache | None = None
) -> list[EmittedFile]:
    """``ruff check --fix`` then ``ruff format`` over the Python files, once each.

    With a ``cache``, modules whose rendered text, path and ruff settings match the last
    generation's (and whose file on disk is still what ruff made of them) are taken from disk
    instead; only the others go through ruff.
    """
    ruff = ruff_command()
    config = next((f.content for f in files if str(f.path) == "pyproject.toml"), b"")
    salt = ruff_identity(ruff) + b"\0" + config
    if cache is not None:
        cache.use_settings(salt)
    formatted: dict[PurePosixPath, bytes] = {}
    pending: list[tuple[EmittedFile, str]] = []
    for item in files:
        if item.path.suffix != ".py":
            continue
        key = FormatCache.key(salt, item.path, item.content)
        hit = cache.lookup(item.path, key, item.content) if cache is not None else None
        if hit is None:
            pending.append((item, key))
        else:
            formatted[item.path] = hit
    if pending:
        with tempfile.TemporaryDirectory(prefix="specfoundry-", dir=_scratch_dir()) as tmp:
            root = Path(tmp)
            (root / "pyproject.toml").write_bytes(config)  # ruff's settings
            # The whole tree, not only the modules ruff is to see: isort classifies a top-level
            # name as first-party when its package (``tests/__init__.py``, ...) exists.
            for item in files:
                if item.path.suffix == ".py":
                    target = root / item.path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(formatted.get(item.path, item.content))
            # Only the modules named go through ruff; --force-exclude applies ruff's default
            # excludes to them as it does when it walks ``.``.
            names = [str(item.path) for item, _ in pending]
            # ``format`` without --quiet: that is how a parse error reaches stderr. Rendered
            # Python is parsed nowhere else, so a syntax error here is a template's bug.
            for args in (["check", "--fix", "--quiet", "--exit-zero"], ["format"]):
                result = subprocess.run(
                    [*ruff, *args, "--force-exclude", "--", *names],
                    cwd=root,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    _raise_template_error(result.stderr)
                    raise ServiceEmitError(
                        f"ruff {args[0]} failed: {result.stderr or result.stdout}"
                    )
            for item, key in pending:
                content = (root / item.path).read_bytes()
                formatted[item.path] = content
                if cache is not None:
                    cache.store(item.path, key, content)
    return [
        EmittedFile(item.path, formatted.get(item.path, item.content), item.owner) for item in files
    ]
