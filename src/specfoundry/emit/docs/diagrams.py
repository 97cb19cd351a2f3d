"""Mermaid sources: a state machine as a state diagram, role inheritance as a flowchart.

Identifiers are prefixed (``s_``, ``r_``) so a state or role named like a Mermaid keyword
(``end``, ``state``, ``class``) cannot break the diagram; the spec names appear as labels.
Edge labels carry no characters Mermaid reads as syntax (``:``, ``;``, ``#``, brackets, quotes
other than the apostrophe): they are stripped here, once.
"""

from __future__ import annotations

import enum
import re

from specfoundry.emit.docs.sentences import sentence
from specfoundry.model import Service, StateMachine
from specfoundry.model.machines import Transition

_UNSAFE = re.compile(r"[:;#\[\]{}\"`<>|]")


def label(text: str) -> str:
    return _UNSAFE.sub("", text).strip()


def state_id(name: str) -> str:
    return f"s_{name}"


def role_id(name: str) -> str:
    return f"r_{name}"


def effect_text(t: Transition) -> list[str]:
    parts = []
    for effect in t.effects:
        value = effect.value
        shown = value.value if isinstance(value, enum.Enum) else value
        shown = (
            "empty" if shown is None else str(shown).lower() if isinstance(shown, bool) else shown
        )
        parts.append(f"sets {effect.field} to {shown}")
    if t.hook is not None:
        parts.append(f"runs hook {t.hook}")
    return parts


def state_diagram(machine: StateMachine, model: Service) -> str:
    lines = ["stateDiagram-v2"]
    for state in machine.states:
        notes = []
        if state.access is not None:
            notes.append(f"access {state.access.value}")
        if state.grace_days is not None:
            notes.append(f"{state.grace_days} days")
        text = state.name.raw + (f" ({', '.join(notes)})" if notes else "")
        lines.append(f'    state "{label(text)}" as {state_id(state.name.raw)}')
    lines.append(f"    [*] --> {state_id(machine.initial.raw)}")
    for t in machine.transitions:
        parts = [t.name.raw]
        if t.roles:
            parts.append("by " + ", ".join(r.raw for r in t.roles))
        if t.guard is not None:
            parts.append("when " + sentence(t.guard, machine.entity.raw))
        parts += effect_text(t)
        if t.events:
            parts.append("emits " + ", ".join(e.raw for e in t.events))
        text = "<br>".join(label(p) for p in parts)
        for source in t.sources:
            lines.append(f"    {state_id(source.raw)} --> {state_id(t.target.raw)} : {text}")
    for state in machine.states:
        if state.terminal:
            lines.append(f"    {state_id(state.name.raw)} --> [*]")
    return "\n".join(lines) + "\n"


def role_diagram(model: Service) -> str:
    """Roles as boxes, an arrow from each role to every role it inherits directly."""
    lines = ["flowchart BT"]
    cross = {r.raw for r in model.tenancy.cross_tenant_roles}
    for role in model.permissions.roles:
        text = role.name.raw + (
            " (cross-tenant)" if role.name.raw in cross or role.cross_tenant else ""
        )
        lines.append(f'    {role_id(role.name.raw)}["{label(text)}"]')
    for role in model.permissions.roles:
        for parent in role.inherits:
            lines.append(f"    {role_id(role.name.raw)} -->|inherits| {role_id(parent.raw)}")
    crossing = [
        role_id(r.name.raw)
        for r in model.permissions.roles
        if r.name.raw in cross or r.cross_tenant
    ]
    if crossing:
        lines.append("    classDef crossTenant stroke-dasharray: 5 5")
        lines.append(f"    class {','.join(crossing)} crossTenant")
    return "\n".join(lines) + "\n"
