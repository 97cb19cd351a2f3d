"""Security: what a client must present to call an operation, and the schemes it names.

Whether a changed requirement locks a client out is a question about sets of credentials
(alternatives of schemes with scopes), not about the document's structure; it is answered here
from the raw requirements and scheme definitions alone, so the operation walk can cache it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from specfoundry.diff.findings import Change
from specfoundry.diff.pointer import join
from specfoundry.diff.quiet import serialise

_SCHEME_FIELDS = ("type", "scheme", "in", "name", "openIdConnectUrl")


def requirement_findings(raw_a: Any, raw_b: Any, renames: dict[str, str]) -> list[tuple[str, str]]:
    """Findings, as (rule, message), between two raw requirements; the base's is read with
    the new names of renamed schemes (``renames``: base name -> revision name). A requirement
    written identically on both sides finds nothing (the operation walk skips such pairs, so
    the answer must not depend on the walk)."""
    if raw_a == raw_b and serialise(raw_a) == serialise(raw_b):
        return []
    alts_a = _alternatives(raw_a)
    if renames:
        alts_a = [{renames.get(k, k): v for k, v in alt.items()} for alt in alts_a]
    return list(_compare_alternatives(alts_a, _alternatives(raw_b)))


def _alternatives(raw: Any) -> list[dict[str, set[str]]]:
    alternatives: list[dict[str, set[str]]] = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, dict):
            alternatives.append({str(k): {str(s) for s in (v or [])} for k, v in entry.items()})
    return alternatives


def _compare_alternatives(
    alts_a: list[dict[str, set[str]]], alts_b: list[dict[str, set[str]]]
) -> Iterator[tuple[str, str]]:
    """(rule, message) of each security finding from requirement ``alts_a`` to ``alts_b``."""
    public_a = not alts_a or any(not alt for alt in alts_a)
    public_b = not alts_b or any(not alt for alt in alts_b)
    if public_a and not public_b:
        yield ("security-added", "operation now requires authentication")
        return
    if public_b and not public_a:
        yield ("security-removed", "operation no longer requires authentication")
        return
    if public_a and public_b:
        return
    lost = [alt for alt in alts_a if not any(_satisfies(alt, other) for other in alts_b)]
    for alt in lost:
        same = _twin(alt, alts_b)
        if same is not None:
            extra = sorted(s for k in same for s in same[k] - alt[k])
            yield (
                "security-scope-added",
                f"security {_show_alt(alt)} now also needs scopes {', '.join(extra)}",
            )
        else:
            yield (
                "security-requirement-changed",
                f"security {_show_alt(alt)} is no longer accepted",
            )
    for alt in alts_b:
        same = _twin(alt, alts_a)
        if same is None:
            # A replacement is reported once, as the lost requirement; only a pure
            # addition is news of its own.
            if not lost and not any(_satisfies(o, alt) for o in alts_a):
                yield ("security-alternative-added", f"security {_show_alt(alt)} is now accepted")
        elif fewer := sorted(s for k in alt for s in same[k] - alt[k]):
            yield (
                "security-scope-removed",
                f"security {_show_alt(alt)} no longer needs scopes {', '.join(fewer)}",
            )


def _satisfies(have: dict[str, set[str]], need: dict[str, set[str]]) -> bool:
    """Whether a client holding credentials ``have`` meets requirement ``need``."""
    return all(k in have and need[k] <= have[k] for k in need)


def _twin(
    alt: dict[str, set[str]], others: list[dict[str, set[str]]]
) -> dict[str, set[str]] | None:
    """The alternative of ``others`` that ``alt`` is compared with: an identical one, else the
    first with the same schemes (whose scopes then differ)."""
    if alt in others:
        return alt
    return next((o for o in others if set(o) == set(alt)), None)


def _show_alt(alt: dict[str, set[str]]) -> str:
    parts = [f"{k}[{', '.join(sorted(v))}]" if v else k for k, v in sorted(alt.items())]
    return " + ".join(parts)


def schemes(data: dict[str, Any]) -> dict[str, Any]:
    """A document's security schemes by name."""
    components = data.get("components")
    found = components.get("securitySchemes") if isinstance(components, dict) else None
    return found if isinstance(found, dict) else {}


def scheme_renames(sa: dict[str, Any], sb: dict[str, Any]) -> dict[str, str]:
    """Schemes of the base missing from the revision whose definition is that of exactly one
    scheme new in the revision (and no other missing one): base name -> revision name."""
    gone = {name: _scheme_definition(sa[name]) for name in sa if name not in sb}
    new = {name: _scheme_definition(sb[name]) for name in sb if name not in sa}
    if not gone or not new:
        return {}
    renames: dict[str, str] = {}
    for old, definition in gone.items():
        if definition is None or list(gone.values()).count(definition) != 1:
            continue
        twins = [name for name, d in new.items() if d == definition]
        if len(twins) == 1:
            renames[str(old)] = str(twins[0])
    return renames


def scheme_changes(
    sa: dict[str, Any], sb: dict[str, Any], renames: dict[str, str]
) -> Iterator[Change]:
    """Security schemes renamed (``renames``, from :func:`scheme_renames`) or changed from
    ``sa`` to ``sb`` (each by name, as :func:`schemes` finds them)."""
    for old, new in sorted(renames.items()):
        yield Change(
            "security-scheme-renamed",
            f"security scheme `{old}` renamed to `{new}` (same definition)",
            join("/components/securitySchemes", old),
            join("/components/securitySchemes", new),
        )
    for name in sorted(set(sa) & set(sb)):
        a, b = sa[name], sb[name]
        if not isinstance(a, dict) or not isinstance(b, dict):
            continue
        changed = [f for f in _SCHEME_FIELDS if _scheme_field(a, f) != _scheme_field(b, f)]
        if _flow_urls(a) != _flow_urls(b):
            changed.append("flows")
        if changed:
            at = join("/components/securitySchemes", name)
            yield Change(
                "security-scheme-changed",
                f"security scheme `{name}` changed: {', '.join(changed)}",
                at,
                at,
            )


def _scheme_definition(scheme: Any) -> Any:
    """What identifies a security scheme apart from its name: every field but descriptions
    and extensions, an API key header's name in lower case."""
    if not isinstance(scheme, dict):
        return None
    out = {
        str(k): v for k, v in scheme.items() if k != "description" and not str(k).startswith("x-")
    }
    if "name" in out:
        out["name"] = _scheme_field(scheme, "name")
    return serialise(out)


def _scheme_field(scheme: dict[str, Any], field: str) -> Any:
    """A field of a security scheme as it matters on the wire: an API key's header name in
    any case (HTTP header names are case-insensitive)."""
    value = scheme.get(field)
    if field == "name" and scheme.get("in") == "header" and isinstance(value, str):
        return value.lower()
    return value


def _flow_urls(scheme: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    flows = scheme.get("flows")
    if not isinstance(flows, dict):
        return []
    return sorted(
        (str(k), v.get("authorizationUrl"), v.get("tokenUrl"))
        for k, v in flows.items()
        if isinstance(v, dict)
    )
