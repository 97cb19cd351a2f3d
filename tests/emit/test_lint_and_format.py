"""The service emitter's single ruff pass: syntax errors are template bugs, formatting is once."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from specfoundry.emit.render import TemplateError
from specfoundry.emit.service import _lint_and_format
from specfoundry.write.tree import EmittedFile

PYPROJECT = EmittedFile(
    PurePosixPath("pyproject.toml"),
    b'[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ["E", "F", "I"]\n',
)


def test_invalid_rendered_python_is_a_template_error_naming_the_file() -> None:
    files = [
        PYPROJECT,
        EmittedFile(PurePosixPath("pkg/good.py"), b"x = 1\n"),
        EmittedFile(PurePosixPath("pkg/bad.py"), b"def f(:\n    pass\n"),
    ]
    with pytest.raises(TemplateError, match=r"bad\.py"):
        _lint_and_format(files)


def test_python_is_fixed_and_formatted_other_files_untouched() -> None:
    readme = EmittedFile(PurePosixPath("README.md"), b"x  =  1\n")
    files = [
        PYPROJECT,
        readme,
        EmittedFile(PurePosixPath("pkg/mod.py"), b"import os\nimport sys\nx  =  [1,2]\n"),
    ]
    out = {str(f.path): f.content for f in _lint_and_format(files)}
    assert out["pkg/mod.py"] == b"x = [1, 2]\n"
    assert out["README.md"] == readme.content
    assert out["pyproject.toml"] == PYPROJECT.content
