"""Fixtures for the diff tests: a CLI app with only our commands, and document writers."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from specfoundry.commands.diff import register


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.callback()
    def _root() -> None:
        """Two commands, so typer keeps sub-command names."""

    return application


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
