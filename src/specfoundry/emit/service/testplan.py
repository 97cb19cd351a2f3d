"""Placeholder, replaced below."""
from __future__ import annotations

from typing import Any

from specfoundry.write.tree import EmittedFile


def test_files(model: Any, svc: Any, header: str) -> list[EmittedFile]:
    return []
