"""Reading the emitted OpenAPI contract (``openapi.yaml``) at startup and in the service's tests.

The app serves its contract at ``/openapi.json``, so every process start parses it. PyYAML's
pure-Python parser takes ~0.75 s for the analytics contract (120 KB), libyaml's ~0.1 s: the C
loader is used when PyYAML was built with it (its wheels are), the pure-Python one otherwise;
both return the same document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_contract(text: str) -> dict[str, Any]:
    """The contract document of ``text`` (YAML, safe types only)."""
    document = yaml.load(text, Loader=_LOADER)  # a safe loader (C or Python)
    if not isinstance(document, dict):
        raise ValueError("the OpenAPI contract is not a mapping")
    return document


def read_contract(path: Path) -> dict[str, Any]:
    """The contract document stored at ``path``."""
    return parse_contract(path.read_text(encoding="utf-8"))
