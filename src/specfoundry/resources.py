"""Where the files that ship with specfoundry (JSON Schema, templates) are found.

In a wheel they sit inside the package; in a source checkout (editable install) they sit at the
repository root, where contributors edit them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    packaged = _PACKAGE / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent.parent / name


@cache
def templates_dir() -> Path:
    return _resource_dir("templates")


@cache
def schema_path() -> Path:
    return _resource_dir("specs") / "specfoundry.schema.json"
