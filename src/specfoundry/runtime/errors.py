"""Errors the runtime raises at start-up."""

from __future__ import annotations


class ConfigurationError(RuntimeError):
    """The service cannot start with this configuration; the message says what to set."""
