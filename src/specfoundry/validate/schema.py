"""Structural validation against the published JSON Schema (draft 2020-12).

The same schema gives editors completion through the YAML language server, so a structural
rule written here once serves both the CLI and the editor.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from specfoundry.diagnostics import Diagnostic, Location, Severity
from specfoundry.load import SourceMap
from specfoundry.resources import schema_path

if TYPE_CHECKING:  # ``jsonschema`` loads only when a spec has errors (or no jsonschema-rs)
    import jsonschema
    from jsonschema.exceptions import ValidationError

try:  # an optional accelerator (also used by the contract validator)
    import jsonschema_rs
except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
    jsonschema_rs = None

_VALUE_RULES = frozenset(
    {
        "enum",
        "const",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "minProperties",
        "uniqueItems",
    }
)


@cache
def spec_schema() -> dict[str, Any]:
    with schema_path().open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(
        spec_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@cache
def fast_validator() -> Any | None:
    """A jsonschema-rs validator of the same schema (formats checked), or None without it."""
    if jsonschema_rs is None:
        return None
    try:
        return jsonschema_rs.validator_for(spec_schema(), validate_formats=True, offline=True)
    except Exception:  # pragma: no cover - a schema jsonschema-rs cannot compile
        return None


def validate_structure(data: Any, sources: SourceMap) -> list[Diagnostic]:
    # A valid spec (the usual case) is confirmed by jsonschema-rs in milliseconds; anything it
    # rejects (or cannot take) goes through ``jsonschema``, which words the diagnostics. The
    # reference validator therefore still decides every error; tests/compiler checks that both
    # agree on the examples and on every diagnostic case.
    fast = fast_validator()
    if fast is not None:
        try:
            if fast.is_valid(data):
                return []
        except Exception:
            pass
    diagnostics = [_diagnostic(e, sources) for e in _leaf_errors(_validator().iter_errors(data))]
    unique = {(d.location, d.code, d.message): d for d in diagnostics}
    return list(unique.values())


def _leaf_errors(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """For ``oneOf``/``anyOf`` failures, report the branch that came closest, not all."""
    from jsonschema.exceptions import best_match

    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            yield best_match(error.context)
        else:
            yield error


def _path(error: ValidationError) -> tuple[str | int, ...]:
    return tuple(error.absolute_path)


def _diagnostic(error: ValidationError, sources: SourceMap) -> Diagnostic:
    path = _path(error)
    where = _dotted(path)
    match error.validator:
        case "required":
            missing = _quoted_name(error.message)
            return Diagnostic(
                "SF201",
                Severity.ERROR,
                f"{where} is missing the required key '{missing}'",
                sources.key_at(*path) if path else sources.at(),
                f"add `{missing}:`; see docs/spec-reference.md for its meaning",
            )
        case "additionalProperties":
            return _unknown_key(error, path, sources)
        case "propertyNames":
            bad = str(error.instance)
            return Diagnostic(
                "SF204",
                Severity.ERROR,
                f"'{bad}' is not a valid name in {where}",
                sources.key_at(*path, bad),
                "names are snake_case: lowercase letters, digits and underscores, "
                "starting with a letter (resource paths and event names have their own forms)",
            )
        case "type":
            expected = error.validator_value
            expected_text = " or ".join(expected) if isinstance(expected, list) else str(expected)
            return Diagnostic(
                "SF203",
                Severity.ERROR,
                f"{where} must be {_article(expected_text)}, not {_describe(error.instance)}",
                sources.at(*path),
                _type_hint(expected_text),
            )
        case rule if rule in _VALUE_RULES:
            return Diagnostic(
                "SF204",
                Severity.ERROR,
                f"{where}: {_value_message(error)}",
                sources.at(*path),
                _value_hint(error),
            )
        case _:
            return Diagnostic(
                "SF200", Severity.ERROR, f"{where}: {error.message}", sources.at(*path)
            )


def _unknown_key(
    error: ValidationError, path: tuple[str | int, ...], sources: SourceMap
) -> Diagnostic:
    allowed = sorted(error.schema.get("properties", {}))
    extras = sorted(k for k in error.instance if k not in allowed)
    first = extras[0] if extras else "?"
    suggestion = difflib.get_close_matches(first, allowed, n=1)
    hint = (
        f"did you mean '{suggestion[0]}'?"
        if suggestion
        else f"allowed keys here: {', '.join(allowed)}"
    )
    others = f" (and {', '.join(repr(e) for e in extras[1:])})" if len(extras) > 1 else ""
    location: Location | None = sources.key_at(*path, first)
    return Diagnostic(
        "SF202",
        Severity.ERROR,
        f"unknown key '{first}' in {_dotted(path)}{others}",
        location,
        hint,
    )


def _dotted(path: tuple[str | int, ...]) -> str:
    if not path:
        return "the spec"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f"'{text}'"


def _quoted_name(message: str) -> str:
    return message.split("'")[1] if "'" in message else message


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _describe(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"the string '{value}'"


def _type_hint(expected: str) -> str:
    if "object" in expected:
        return "indent the keys under this one, `key: value` per line"
    if "array" in expected:
        return "write a list: `[a, b]` or one `- item` per line"
    return f"write {_article(expected)} value here"


def _value_message(error: ValidationError) -> str:
    value = error.validator_value
    match error.validator:
        case "enum":
            return f"{_describe(error.instance)} is not one of {', '.join(map(str, value))}"
        case "const":
            return f"{_describe(error.instance)} must be '{value}'"
        case "pattern":
            return f"{_describe(error.instance)} does not match the pattern {value}"
        case "format":
            return f"{_describe(error.instance)} is not a valid {value}"
        case _:
            return error.message


def _value_hint(error: ValidationError) -> str | None:
    match error.validator:
        case "enum":
            candidates = [str(v) for v in error.validator_value]
            close = difflib.get_close_matches(str(error.instance), candidates, n=1)
            return f"did you mean '{close[0]}'?" if close else None
        case "format" if error.validator_value == "date":
            return "write dates as YYYY-MM-DD"
        case "pattern" if "second|minute" in str(error.validator_value):
            return "write a rate as COUNT/UNIT, e.g. 600/minute"
        case "pattern":
            return "names are snake_case: lowercase letters, digits and underscores"
        case _:
            return None
