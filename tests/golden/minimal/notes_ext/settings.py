"""Settings overrides: yours. specfoundry created this file once and never overwrites it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notes.settings import Settings


def override(settings: Settings) -> Settings:
    """Return the settings to use; e.g. ``dataclasses.replace(settings, ...)``."""
    return settings
