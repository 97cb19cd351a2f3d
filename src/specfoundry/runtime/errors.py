"""Errors shared by the runtime modules."""

from __future__ import annotations


class ConfigurationError(RuntimeError):
    """The environment or the database does not describe a usable configuration; the message
    says what to do."""
