"""The front end as one call: load -> JSON Schema -> build -> semantic checks -> model.

Each stage only runs when the previous one produced something it can read, but every stage
that runs reports all it finds, so one invocation shows the user every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from specfoundry.diagnostics import CompileError, Diagnostic, Severity, has_errors, sort_key
from specfoundry.load import SourceMap, load_spec
from specfoundry.lower import build_model
from specfoundry.model import Service
from specfoundry.validate.schema import validate_structure
from specfoundry.validate.semantic import check_model


@dataclass(frozen=True, slots=True)
class CompileResult:
    model: Service | None
    diagnostics: tuple[Diagnostic, ...]
    sources: SourceMap

    @property
    def ok(self) -> bool:
        return self.model is not None


def compile_spec(path: Path | str, display_root: Path | None = None) -> CompileResult:
    """Compile a spec file or folder; ``model`` is None when there are errors."""
    loaded = load_spec(Path(path), display_root)
    diagnostics = list(loaded.diagnostics)
    if loaded.data is None or has_errors(diagnostics):
        return _result(None, diagnostics, loaded.sources)
    diagnostics += validate_structure(loaded.data, loaded.sources)
    if has_errors(diagnostics):
        return _result(None, diagnostics, loaded.sources)
    try:
        model, build_diagnostics = build_model(loaded.data, loaded.sources)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # pragma: no cover
        # The schema should make this unreachable; if it is not, say so instead of a traceback.
        diagnostics.append(
            Diagnostic(
                "SF999",
                Severity.ERROR,
                f"internal error while building the model ({type(exc).__name__}: {exc})",
                None,
                "please report this spec to the specfoundry maintainers",
            )
        )
        return _result(None, diagnostics, loaded.sources)
    diagnostics += build_diagnostics
    diagnostics += check_model(model, loaded.sources, loaded.data)
    return _result(None if has_errors(diagnostics) else model, diagnostics, loaded.sources)


def _result(
    model: Service | None, diagnostics: list[Diagnostic], sources: SourceMap
) -> CompileResult:
    return CompileResult(model, tuple(sorted(diagnostics, key=sort_key)), sources)


def load_model(path: Path | str) -> Service:
    """For library users and tests: the model, or :class:`CompileError` with every diagnostic."""
    result = compile_spec(path)
    if result.model is None:
        raise CompileError(result.diagnostics)
    return result.model
