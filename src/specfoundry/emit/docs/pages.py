"""What each page of the documentation site says, computed from the model.

Every statement here comes from the intermediate model (inheritance and defaults applied), the
emitted OpenAPI document, or the SQL the service emitter writes (:mod:`.policies`): the site is
evidence of what the generated service does, not a second description of it.
"""

from __future__ import annotations

from typing import Any

from specfoundry.emit.docs import api as api_pages
from specfoundry.emit.docs.diagrams import effect_text, role_diagram, state_diagram
from specfoundry.emit.docs.markdown import (
    Block,
    Bullets,
    Code,
    Diagram,
    Heading,
    Note,
    Paragraph,
    Table,
    code,
)
from specfoundry.emit.docs.policies import DatabaseSql
from specfoundry.emit.docs.sentences import sentence
from specfoundry.emit.explain import _actions, _flags, _type
from specfoundry.model import Entity, Field, Name, Service, StateMachine
from specfoundry.model.access import Holder
from specfoundry.model.entities import EntityOrigin

YES, MAYBE, NO = "yes", "if", "no"
NONE = "—"


def page_name(entity: Entity) -> str:
    return f"resources/{entity.name.kebab}.md"


def _link(entity: Entity, prefix: str = "") -> str:
    return f"[{entity.name.raw}]({prefix}{page_name(entity)})"


def _holders_text(model: Service, holders: tuple[Holder, ...], entity: str) -> str:
    if not holders:
        return "nobody"
    parts = []
    for holder in holders:
        if holder.unconditional:
            parts.append(holder.role.name.raw)
        else:
            when = " or ".join(sentence(c, entity) for c in holder.conditions)
            parts.append(f"{holder.role.name.raw} (when {when})")
    return ", ".join(parts)


def _readers(model: Service, entity: Entity) -> tuple[Holder, ...]:
    """Roles that may read rows of ``entity`` (read or list), conditions merged."""
    seen: dict[str, Holder] = {}
    for action in ("read", "list"):
        for holder in model.permissions.holders(entity.name.raw, action):
            current = seen.get(holder.role.name.raw)
            if current is None or (current.conditions and holder.unconditional):
                seen[holder.role.name.raw] = holder
    return tuple(seen[r.name.raw] for r in model.permissions.roles if r.name.raw in seen)


# -- the permission matrix ---------------------------------------------------------------------
def permission_matrix(model: Service, entity: Entity) -> list[Block]:
    actions = _actions(model, entity)
    if not any(model.permissions.rule(entity.name.raw, a) for a in actions):
        return [Paragraph("No role may act on it through the API (no permission rules).")]
    cells: dict[tuple[str, str], str] = {}
    # One numbered note per distinct condition, listing who it applies to.
    notes: dict[str, list[str]] = {}
    for action in actions:
        for holder in model.permissions.holders(entity.name.raw, action):
            role = holder.role.name.raw
            if holder.unconditional:
                cells[role, action] = YES
                continue
            when = " or ".join(sentence(c, entity.name.raw) for c in holder.conditions)
            users = notes.setdefault(when, [])
            users.append(f"{role} {action}")
            cells[role, action] = f"{MAYBE} ({list(notes).index(when) + 1})"
    rows = tuple(
        (code(role.name.raw), *(cells.get((role.name.raw, a), NO) for a in actions))
        for role in model.permissions.roles
    )
    blocks: list[Block] = [Table(("role", *(code(a) for a in actions)), rows)]
    blocks.append(
        Paragraph(
            f"{code(YES)} allowed, {code(MAYBE)} allowed only when the numbered condition "
            f"holds, {code(NO)} denied "
            "(the default). Roles inherit every grant of the roles they include."
        )
    )
    if notes:
        blocks.append(
            Bullets(
                tuple(
                    f"({n}) only when {when} ({', '.join(users)})"
                    for n, (when, users) in enumerate(notes.items(), 1)
                )
            )
        )
    return blocks


def permissions_page(model: Service) -> list[Block]:
    rows = tuple(
        (
            code(role.name.raw),
            ", ".join(code(r.raw) for r in role.inherits) or NONE,
            ", ".join(code(r.raw) for r in role.includes) or NONE,
            "yes" if _cross(model, role.name.raw) else "",
            role.description or "",
        )
        for role in model.permissions.roles
    )
    blocks: list[Block] = [
        Heading("Permissions", 1),
        Paragraph(
            "Access is denied unless a rule grants it. A role holds every grant of the roles it "
            "inherits, transitively; when several grants apply, any one that allows wins. "
            "Conditions are checked on the row itself for reads and writes, and added to the "
            "query for lists, so a list returns exactly the rows a read would allow."
        ),
        Heading("Roles", 2),
        Table(("role", "inherits", "includes (all)", "cross-tenant", "description"), rows),
        Heading("Role inheritance", 2),
        Paragraph("An arrow points from a role to a role whose grants it inherits."),
        Diagram(role_diagram(model)),
        Heading("Matrix by resource", 2),
    ]
    for entity in _documented(model):
        blocks.append(Heading(_link(entity), 3))
        blocks += permission_matrix(model, entity)
    return blocks


def _cross(model: Service, role: str) -> bool:
    return any(r.raw == role for r in model.tenancy.cross_tenant_roles)


# -- state machines ----------------------------------------------------------------------------
def machine_blocks(model: Service, machine: StateMachine, level: int) -> list[Block]:
    blocks: list[Block] = [Heading(f"State machine {code(machine.name.raw)}", level)]
    if machine.description:
        blocks.append(Paragraph(machine.description))
    blocks.append(
        Paragraph(
            f"Field {code(machine.field.raw)} starts as {code(machine.initial.raw)} and changes "
            "only through these transitions (each a `POST .../{id}/<transition>` when the API "
            "exposes it); every change is recorded in the append-only transition log."
        )
    )
    blocks.append(Diagram(state_diagram(machine, model)))
    rows = []
    for t in machine.transitions:
        holders = model.permissions.holders(machine.entity.raw, t.name.raw)
        allowed = (
            _holders_text(model, holders, machine.entity.raw)
            if holders
            else ", ".join(r.raw for r in t.roles) or NONE
        )
        rows.append(
            (
                code(t.name.raw),
                ", ".join(code(s.raw) for s in t.sources),
                code(t.target.raw),
                allowed,
                sentence(t.guard, machine.entity.raw) if t.guard else NONE,
                "; ".join(effect_text(t)) or NONE,
                ", ".join(code(e.raw) for e in t.events) or NONE,
            )
        )
    blocks.append(
        Table(("transition", "from", "to", "who may", "guard", "effects", "events"), tuple(rows))
    )
    states = []
    for state in machine.states:
        notes = []
        if state.name == machine.initial:
            notes.append("initial")
        if state.terminal:
            notes.append("terminal: no transition leaves it")
        if state.access is not None:
            grace = f" for {state.grace_days} days" if state.grace_days is not None else ""
            notes.append(f"access {state.access.value}{grace}")
        text = code(state.name.raw) + (f": {', '.join(notes)}" if notes else "")
        if state.description:
            text += f" ({state.description})"
        states.append(text)
    blocks.append(Bullets(tuple(states)))
    return blocks


# -- data inventory ----------------------------------------------------------------------------
def _classification(field: Field) -> tuple[str, str]:
    return ("yes" if field.sensitive else "", "yes" if field.personal else "")


def _lineage_of(model: Service, names: tuple[Name, ...]) -> set[str]:
    """The roles named and the roles inheriting them."""
    allowed = {r.raw for r in names}
    return {
        r.name.raw
        for r in model.permissions.roles
        if r.name.raw in allowed or any(i.raw in allowed for i in r.includes)
    }


def _writers(model: Service, entity: Entity, field: Field) -> str:
    if not field.client_writable:
        return "the service only" if field.type.value != "state" else "transitions only"
    if field.writable_by is not None:
        allowed = _lineage_of(model, field.writable_by)
        text = ", ".join(r.name.raw for r in model.permissions.roles if r.name.raw in allowed)
        text = text or "nobody"
    else:
        holders: dict[str, None] = {}
        for action in ("create", "update"):
            for holder in model.permissions.holders(entity.name.raw, action):
                holders[holder.role.name.raw] = None
        text = ", ".join(holders) or "nobody"
    if field.write_condition is not None and text != "nobody":
        text += f", only when {sentence(field.write_condition, entity.name.raw)}"
    return text


def _field_readers(model: Service, entity: Entity, field: Field) -> str:
    """Who reads ``field``: the entity's readers, narrowed by the field's ``read:`` rule."""
    holders = _readers(model, entity)
    if field.read_roles is not None:
        allowed = _lineage_of(model, field.read_roles)
        holders = tuple(h for h in holders if h.role.name.raw in allowed)
    text = _holders_text(model, holders, entity.name.raw)
    if field.read_condition is not None and text != "nobody":
        text += f", only when {sentence(field.read_condition, entity.name.raw)}"
    return text


def inventory_table(model: Service, entity: Entity) -> Table:
    rows = []
    for field in entity.fields:
        sensitive, personal = _classification(field)
        rows.append(
            (
                code(field.name.raw),
                _type(field),
                sensitive,
                personal,
                _field_readers(model, entity, field),
                _writers(model, entity, field),
                field.description or "",
            )
        )
    return Table(
        ("field", "type", "sensitive", "personal", "who can read", "who can write", "description"),
        tuple(rows),
    )


def inventory_page(model: Service) -> list[Block]:
    flagged = [
        (entity, field)
        for entity in model.entities
        for field in entity.fields
        if field.sensitive or field.personal
    ]
    blocks: list[Block] = [
        Heading("Data inventory", 1),
        Paragraph(
            "Every field the service stores, its type, whether the spec marks it as sensitive "
            "(`sensitive: true`) or personal data (`personal: true`), and who can read and "
            "write it. Reads follow the entity's `read` and `list` rules narrowed by the field's "
            "`read:` rule, writes the field's `write:` rule; every row also "
            f"carries {code('id')}, {code('created_at')} and {code('updated_at')}, and rows of "
            f"tenant-scoped entities {code('tenant_id')}."
        ),
        Heading("Sensitive and personal data", 2),
    ]
    if flagged:
        rows = tuple(
            (
                _link(entity),
                code(field.name.raw),
                "sensitive" if field.sensitive else "",
                "personal" if field.personal else "",
                _field_readers(model, entity, field),
            )
            for entity, field in flagged
        )
        blocks.append(Table(("entity", "field", "sensitive", "personal", "who can read"), rows))
    else:
        blocks.append(Paragraph("The spec marks no field as sensitive or personal."))
    blocks.append(
        Paragraph(
            "Retention: the spec states no retention period; rows are kept until deleted "
            "(soft-deleted rows keep their data, with `deleted_at` set)."
        )
    )
    for entity in model.entities:
        blocks.append(Heading(_link(entity), 2))
        blocks.append(inventory_table(model, entity))
    return blocks


# -- tenancy -----------------------------------------------------------------------------------
def tenancy_page(model: Service, sql: DatabaseSql) -> list[Block]:
    tenancy = model.tenancy
    tenant = model.tenant_entity
    shared = [e for e in model.entities if not e.tenant_scoped and not e.is_tenant]
    blocks: list[Block] = [
        Heading("Tenant isolation", 1),
        Paragraph(
            f"Isolation model: **{tenancy.model.value.replace('_', ' ')}**: every tenant's rows "
            f"live in the same tables, told apart by {code('tenant_id')}. The tenant is a "
            f"{_link(tenant)} row; its id is the tenant id."
        ),
        Heading("How the tenant of a request is decided", 2),
        Bullets(
            (
                f"From the verified JWT only: the claim {code(tenancy.claims.tenant)} names the "
                f"tenant, {code(tenancy.claims.subject)} the caller and "
                f"{code(tenancy.claims.roles)} the caller's roles. Nothing the client sends in "
                "a path, query or body can choose the tenant.",
                "A request without a valid token answers 401; a token whose tenant does not "
                "exist answers 401 as well.",
                "Rows are never looked up across tenants: a row of another tenant answers 404, "
                "exactly like a row that does not exist.",
            )
        ),
        Heading("The data-layer filter", 2),
        Bullets(
            (
                "Every database session is bound to one tenant. Every ORM `SELECT`, `UPDATE` "
                f"and `DELETE` gets {code('tenant_id = <tenant>')} added (for the tenant table "
                f"itself {code('id = <tenant>')}), joins and relationship loads included; a "
                "session with no tenant refuses to run such a query (fail closed).",
                "New rows are stamped with the session's tenant; a row of another tenant is "
                "refused at flush.",
                "References between tenant-scoped tables are composite foreign keys "
                f"{code('(tenant_id, x_id)')}, so a row can never point at another tenant's row.",
                "On PostgreSQL each transaction first runs "
                + code("SELECT set_config('app.tenant_id', <tenant>, true)")
                + ", and the "
                "row-level security policies below confine the app's role to that tenant even "
                "where the ORM filter does not apply.",
            )
        ),
        Heading("Tables", 2),
        Table(
            ("entity", "table", "isolation"),
            tuple(
                (
                    _link(e),
                    code(e.table),
                    "the tenant (policy on id)"
                    if e.is_tenant
                    else "tenant-scoped (tenant_id, RLS)"
                    if e.tenant_scoped
                    else "shared by every tenant",
                )
                for e in model.entities
            ),
        ),
    ]
    if shared:
        blocks.append(
            Note(
                "warning",
                "Shared tables",
                "These entities are not tenant-scoped: every tenant reads the same rows: "
                + ", ".join(e.name.raw for e in shared)
                + ".",
            )
        )
    policies = [s for t in sql.tables for s in t.security]
    blocks += [
        Heading("PostgreSQL row-level security, as generated", 2),
        Paragraph(
            "These are the statements of the service's initial migration "
            "(`migrations/versions/0001_initial.py`, printed by Alembic for PostgreSQL). "
            "`FORCE` makes the policies apply to the tables' owner too; the app connects as a "
            "role that is not the owner, not a superuser and has no `BYPASSRLS` (the service "
            "refuses to start otherwise)."
        ),
        Code("sql", "\n\n".join(policies)),
        Heading("Cross-tenant access", 2),
    ]
    cross = ", ".join(code(r.raw) for r in tenancy.cross_tenant_roles)
    if cross:
        blocks.append(
            Paragraph(
                f"Cross-tenant roles: {cross}. Through the API they act within the tenant named "
                "in their token, like every other role: the generated API has no cross-tenant "
                "operation. Every state change they make is written to the append-only "
                "transition log (who, when, from which state to which)."
            )
        )
    else:
        blocks.append(Paragraph("The spec names no cross-tenant role."))
    blocks.append(
        Paragraph(
            "In the database, only the operator role "
            f"{code(sql.operator_role)} (`OPERATOR_DB_ROLE`) sees every tenant, through the "
            "`operator_access` policies; operator code must open a cross-tenant session on a "
            "connection that logs in as (a member of) that role. `migrate` applies the "
            "following after every upgrade (the app role's name comes from `APP_DB_ROLE`):"
        )
    )
    blocks.append(Code("sql", sql.setup, summary="Roles, grants and operator policies (SQL)"))
    return blocks


# -- resource pages ----------------------------------------------------------------------------
def resource_page(
    model: Service, entity: Entity, document: dict[str, Any], sql: DatabaseSql
) -> list[Block]:
    blocks: list[Block] = [Heading(entity.name.raw, 1)]
    if entity.description:
        blocks.append(Paragraph(entity.description))
    facts = [f"table {code(entity.table)}"]
    if entity.is_tenant:
        facts.append("the tenant entity: its id is the tenant id")
    elif entity.tenant_scoped:
        facts.append("tenant-scoped: each row belongs to one tenant")
    else:
        facts.append("shared by every tenant")
    if entity.soft_delete:
        facts.append("soft delete: delete sets `deleted_at`, the row stays")
    if entity.origin is EntityOrigin.PLATFORM:
        facts.append("built in: added by a platform feature the spec switches on")
    facts += [f"emits {code(event.raw)} on {action}" for action, event in entity.emits]
    resource = model.api.resource_for(entity.name.raw)
    if resource is not None:
        facts.append(f"API: {code(model.api.base_path + '/' + resource.path)}")
    blocks.append(Bullets(tuple(facts)))

    blocks.append(Heading("Fields", 2))
    rows = tuple(
        (code(f.name.raw), _type(f), ", ".join(_flags(f)), f.description or "")
        for f in entity.fields
    )
    blocks.append(Table(("field", "type", "rules", "description"), rows))
    blocks.append(Heading("Data inventory", 2))
    blocks.append(inventory_table(model, entity))

    blocks.append(Heading("Permissions", 2))
    blocks += permission_matrix(model, entity)

    for machine in model.machine_for(entity.name.raw):
        blocks += machine_blocks(model, machine, 2)

    if resource is not None:
        blocks.append(Heading("API operations", 2))
        rows2 = []
        for path, item in document.get("paths", {}).items():
            for method in api_pages.METHODS:
                op = item.get(method)
                if op is None or resource.path not in (op.get("tags") or []):
                    continue
                deprecated = ""
                if op.get("deprecated"):
                    deprecated = f"since {op.get('x-deprecated-since', '?')}"
                    if op.get("x-sunset"):
                        deprecated += f", sunset {op['x-sunset']}"
                rows2.append(
                    (
                        f"{method.upper()} {code(path)}",
                        code(op.get("operationId", "")),
                        op.get("summary", ""),
                        deprecated,
                    )
                )
        blocks.append(Table(("operation", "id", "summary", "deprecated"), tuple(rows2)))
        blocks.append(
            Paragraph("Parameters, bodies and responses: [API reference](../api-reference.md).")
        )
    else:
        blocks.append(Paragraph("Not exposed by the API."))

    table = sql.table(entity.table)
    if table is not None:
        blocks.append(Heading("Database", 2))
        blocks.append(Code("sql", "\n\n".join(table.statements + table.security)))
    return blocks


def _documented(model: Service) -> list[Entity]:
    return list(model.entities)


# -- index and API -----------------------------------------------------------------------------
def index_page(model: Service, has_changes: bool) -> list[Block]:
    blocks: list[Block] = [Heading(f"{model.title}", 1)]
    if model.description:
        blocks.append(Paragraph(model.description))
    blocks.append(
        Paragraph(
            f"Service {code(model.name.raw)}, version {model.version}. Every page of this site "
            "is generated from the service's spec by `specfoundry docs`: what it says is what the "
            "generated service enforces."
        )
    )
    pages = [
        "[Tenant isolation](tenancy.md): how the tenant is decided, the data-layer filter, the "
        "PostgreSQL policies as generated, cross-tenant roles",
        "[Permissions](permissions.md): roles, inheritance, the permission matrix of every "
        "resource",
        "[Data inventory](data-inventory.md): every field, sensitive and personal data, who can "
        "read it",
        "[API](api.md): rate limits per plan, deprecations and sunsets; "
        "[API reference](api-reference.md): every operation and schema",
    ]
    if has_changes:
        pages.append("[Changes](changes.md): what changed in the API since a revision")
    blocks.append(Bullets(tuple(pages)))
    blocks.append(Heading("Resources", 2))
    rows = []
    for entity in model.entities:
        resource = model.api.resource_for(entity.name.raw)
        machines = ", ".join(m.name.raw for m in model.machine_for(entity.name.raw))
        rows.append(
            (
                _link(entity),
                code(model.api.base_path + "/" + resource.path) if resource else NONE,
                machines or NONE,
                entity.description or "",
            )
        )
    blocks.append(Table(("resource", "API path", "state machines", "description"), tuple(rows)))
    return blocks


def api_page(model: Service, document: dict[str, Any]) -> list[Block]:
    security = document.get("components", {}).get("securitySchemes", {})
    auth = [
        f"{code(name)}: {' '.join(s.get('description', '').split())}"
        for name, s in security.items()
    ]
    blocks: list[Block] = [
        Heading("API", 1),
        Paragraph(
            f"Base path {code(model.api.base_path)}. Lists are paginated by cursor (limit "
            f"{model.api.pagination.default_limit} by default, at most "
            f"{model.api.pagination.max_limit}). Errors are RFC 9457 problem details. The "
            "contract: [openapi.json](openapi.json)."
        ),
        Heading("Authentication", 2),
        Bullets(tuple(auth) or ("none",)),
        Heading("Rate limits per plan", 2),
        *api_pages.rate_limits(document),
        Heading("Deprecations and sunsets", 2),
    ]
    table = api_pages.deprecations(document)
    if table is None:
        blocks.append(Paragraph("No operation is deprecated."))
    else:
        blocks.append(
            Paragraph(
                "Deprecated operations answer with `Deprecation` and `Sunset` headers; after the "
                "sunset they answer `410 Gone`."
            )
        )
        blocks.append(table)
        notes = [
            f"{code(r.path)} {op}: {d.note}"
            for r in model.api.resources
            for op, d in r.deprecated_operations
            if d.note
        ]
        if notes:
            blocks.append(Bullets(tuple(notes)))
    blocks += service_levels(model)
    return blocks


def service_levels(model: Service) -> list[Block]:
    sla = model.platform.sla
    blocks: list[Block] = [Heading("Service levels", 2)]
    if not sla.targets:
        return [*blocks, Paragraph("The spec states no service level targets (`sla:`).")]
    blocks.append(
        Paragraph(
            "Targets from the spec's `sla:`, checked by the generated load test "
            f"(`{model.name.raw} loadtest`). For an operation the most specific target wins per "
            "metric: an operation's own over its class's over every operation's; at the same "
            "level a plan's own over the one for every plan."
        )
    )
    rows = tuple(
        (
            code(t.operation)
            if t.operation
            else t.operation_class.value
            if t.operation_class
            else "every operation",
            code(t.plan) if t.plan else "every plan",
            _ms(t.p95_ms),
            _ms(t.p99_ms),
            f"{t.error_rate:.2%}" if t.error_rate is not None else NONE,
            f"{t.min_rps:g}/s" if t.min_rps is not None else NONE,
        )
        for t in sla.targets
    )
    blocks.append(Table(("applies to", "plan", "p95", "p99", "error rate", "throughput"), rows))
    return blocks


def _ms(value: float | None) -> str:
    return NONE if value is None else f"{value:g} ms"
