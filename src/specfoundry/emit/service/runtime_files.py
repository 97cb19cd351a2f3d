"""The runtime package, copied into a generated service as ``<service>/runtime/``.

The files are :mod:`specfoundry.runtime`'s own modules, byte for byte after the generated-file
header line, so what the runtime's unit tests and ``mypy --strict`` checked is what runs in the
service.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path, PurePosixPath

from specfoundry.emit.render import generated_header
from specfoundry.write.tree import EmittedFile

RUNTIME_DIR = Path(__file__).resolve().parents[2] / "runtime"


@cache
def _sources() -> tuple[tuple[str, bytes], ...]:
    return tuple((path.name, path.read_bytes()) for path in sorted(RUNTIME_DIR.glob("*.py")))


def runtime_files(package: str) -> list[EmittedFile]:
    """Every runtime module as ``<package>/runtime/<module>.py``, generator-owned."""
    header = generated_header().encode()
    return [
        EmittedFile(PurePosixPath(package, "runtime", name), header + source, "generator")
        for name, source in _sources()
    ]
