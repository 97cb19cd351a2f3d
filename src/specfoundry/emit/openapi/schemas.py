"""Field -> JSON Schema, and the read / create / update / list shapes of each exposed entity.

Follows docs/api-conventions.md ("Schemas"). Everything returned is plain JSON data (str, int,
float, bool, None, list, dict), so the renderer never meets a Decimal or a date.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from specfoundry.emit.openapi.locations import LocationRecorder
from specfoundry.emit.openapi.problems import PROBLEM_BASE
from specfoundry.model import Entity, Field, FieldType, Service, StateMachine
from specfoundry.model.entities import PRINCIPAL_MAX_LENGTH

Schema = dict[str, Any]

# Properties every read shape carries besides the spec fields.
ID_PROPERTY: Schema = {"type": "string", "format": "uuid", "description": "Unique id."}
TIMESTAMP: Schema = {"type": "string", "format": "date-time"}

# The longest string a field takes when the spec sets no ``max_length``: an email or URL as its
# column (varchar 320 / 2048), other strings (unbounded columns) a documented default, so that
# every string in the contract, and so every request, has a bound (docs/api-conventions.md).
DEFAULT_TEXT_MAX_LENGTH = 65_536
DEFAULT_MAX_LENGTH: dict[FieldType, int] = {
    FieldType.EMAIL: 320,
    FieldType.URL: 2048,
    FieldType.STRING: DEFAULT_TEXT_MAX_LENGTH,
    FieldType.TEXT: DEFAULT_TEXT_MAX_LENGTH,
    FieldType.PRINCIPAL: PRINCIPAL_MAX_LENGTH,
}


def max_length(field: Field) -> int | None:
    """The field's ``maxLength``: the spec's ``max_length``, else the type's default."""
    if field.max_length is not None:
        return field.max_length
    return DEFAULT_MAX_LENGTH.get(field.type)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def json_default(field: Field) -> Any:
    value = field.default
    if isinstance(value, Decimal):
        return str(value)
    return value


def base_schema(field: Field) -> Schema:
    """The value's type and constraints; no nullability, default or description."""
    if field.type is FieldType.LIST:
        array: Schema = {"type": "array", "items": base_schema(field.item)}
        if field.min_items:
            array["minItems"] = field.min_items
        array["maxItems"] = field.items_bound
        if field.unique_items:
            array["uniqueItems"] = True
        return array
    match field.type:
        case FieldType.STRING | FieldType.TEXT | FieldType.PRINCIPAL:
            schema: Schema = {"type": "string"}
        case FieldType.EMAIL:
            schema = {"type": "string", "format": "email"}
        case FieldType.URL:
            schema = {"type": "string", "format": "uri"}
        case FieldType.INTEGER:
            schema = {"type": "integer"}
        case FieldType.DECIMAL | FieldType.MONEY:
            schema = {"type": "string", "format": "decimal"}
        case FieldType.BOOLEAN:
            schema = {"type": "boolean"}
        case FieldType.DATE:
            schema = {"type": "string", "format": "date"}
        case FieldType.DATETIME:
            schema = {"type": "string", "format": "date-time"}
        case FieldType.UUID | FieldType.REF:
            schema = {"type": "string", "format": "uuid"}
        case FieldType.ENUM | FieldType.STATE:
            schema = {"type": "string", "enum": list(field.enum_values)}
        case FieldType.JSON:
            schema = {}
    if field.min_length is not None:
        schema["minLength"] = field.min_length
    longest = max_length(field)
    if longest is not None:
        schema["maxLength"] = longest
    if field.pattern is not None:
        schema["pattern"] = field.pattern
    if field.minimum is not None:
        schema["minimum"] = json_number(field.minimum)
    if field.maximum is not None:
        schema["maximum"] = json_number(field.maximum)
    return schema


def nullable(schema: Schema) -> Schema:
    """``type: [X, "null"]``; an ``enum`` also gets ``null`` so the two keywords agree."""
    if "type" not in schema:  # any JSON value already includes null
        return schema
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def property_schema(
    field: Field,
    *,
    with_default: bool = False,
    machine: StateMachine | None = None,
    writer_roles: bool = False,
) -> Schema:
    schema = base_schema(field)
    if field.nullable:
        schema = nullable(schema)
    description = field.description
    if machine is not None:
        lifecycle = state_field_note(machine)
        description = f"{description}\n\n{lifecycle}" if description else lifecycle
    if description:
        schema = {"description": description, **schema}
    if with_default and field.has_default:
        schema["default"] = json_default(field)
    if field.type is FieldType.MONEY and field.currency:
        schema["x-currency"] = field.currency
    if field.type is FieldType.REF and field.ref_entity is not None:
        schema["x-references"] = field.ref_entity.pascal
    if field.type is FieldType.PRINCIPAL:
        schema["x-principal"] = {"roles": [r.raw for r in field.principal_roles]}
        if field.member_of:
            schema["x-principal"]["member_of"] = ".".join(field.member_of)
            if field.member_of_roles is not None:
                schema["x-principal"]["member_of_roles"] = list(field.member_of_roles)
    if writer_roles and field.writers is not None:
        schema["x-writable-by"] = [r.raw for r in field.writers]
    if writer_roles and field.write_condition is not None:
        schema["x-write-condition"] = " ".join(field.write_condition.source.split())
    return schema


def visible_to(field: Field, schema: Schema) -> Schema:
    """A field with a ``read:`` rule: may be absent, and says for whom it is present."""
    rule: Schema = {}
    who = "the roles " + ", ".join(f"`{r}`" for r in field.read_roles or ())
    if field.read_roles is not None:
        rule["roles"] = [r.raw for r in field.read_roles]
    if field.read_condition is not None:
        rule["condition"] = " ".join(field.read_condition.source.split())
    if field.read_roles is None:
        who = "callers who may read the object"
    when = f" when `{rule['condition']}`" if "condition" in rule else ""
    note = f"Present only for {who}{when}; absent otherwise."
    description = schema.get("description")
    return {
        **schema,
        "description": f"{description}\n\n{note}" if description else note,
        "x-visible-to": rule,
    }


def state_field_note(machine: StateMachine) -> str:
    terminal = [s.name.raw for s in machine.states if s.terminal]
    text = (
        f"State of the `{machine.name}` state machine: starts as `{machine.initial}`"
        + (f"; terminal: {', '.join(f'`{t}`' for t in terminal)}" if terminal else "")
        + ". Changed only by the transition operations."
    )
    return text


def entity_shapes(
    model: Service,
    entity: Entity,
    *,
    create: bool,
    update: bool,
    listing: bool,
    recorder: LocationRecorder,
    nested_create: Field | None = None,
) -> dict[str, Schema]:
    """The named schemas of one exposed entity, with their locations recorded."""
    name = entity.name.pascal
    machines = {m.field.raw: m for m in model.machine_for(entity.name.raw)}
    shapes: dict[str, Schema] = {}

    read_props: dict[str, Schema] = {"id": dict(ID_PROPERTY)}
    for field in entity.fields:
        prop = property_schema(field, machine=machines.get(field.name.raw))
        if field.hidden_sometimes:
            prop = visible_to(field, prop)
        read_props[field.name.raw] = prop
    read_props["created_at"] = dict(TIMESTAMP)
    read_props["updated_at"] = dict(TIMESTAMP)
    read: Schema = {"type": "object"}
    if entity.description:
        read["description"] = entity.description
    hidden = {f.name.raw for f in entity.fields if f.hidden_sometimes}
    read["required"] = [name for name in read_props if name not in hidden]
    read["properties"] = read_props
    shapes[name] = read

    writable = [f for f in entity.fields if f.client_writable]
    noun = entity.name.raw.replace("_", " ")
    bodies: list[tuple[str, str, list[Field]]] = []
    if create:
        bodies.append((f"{name}Create", f"A new {noun}.", writable))
    if nested_create is not None:  # the nested route's: the parent comes from the path
        parent = nested_create.ref_entity.raw.replace("_", " ") if nested_create.ref_entity else ""
        bodies.append(
            (
                f"{name}CreateNested",
                f"A new {noun} of the {parent} named in the path (`{nested_create.name}` is "
                "taken from there).",
                [f for f in writable if f.name != nested_create.name],
            )
        )
    for body_name, description, fields in bodies:
        props = {
            f.name.raw: property_schema(f, with_default=True, writer_roles=True) for f in fields
        }
        body: Schema = {"type": "object", "description": description}
        required = [f.name.raw for f in fields if f.required and not f.has_default]
        if required:
            body["required"] = required
        body["properties"] = props
        body["additionalProperties"] = False
        shapes[body_name] = body
    if update:
        props = {f.name.raw: property_schema(f, writer_roles=True) for f in writable if f.updatable}
        shapes[f"{name}Update"] = {
            "type": "object",
            "description": "The fields to change; omitted fields keep their value.",
            "properties": props,
            "additionalProperties": False,
        }
    if listing:
        shapes[f"{name}List"] = {
            "type": "object",
            "description": f"A page of {entity.name.plural.replace('_', ' ')}.",
            "required": ["object", "url", "has_more", "next_cursor", "data"],
            "properties": {
                "object": {"type": "string", "const": "list"},
                "url": {"type": "string", "description": "The path of this list."},
                "has_more": {"type": "boolean"},
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "Pass as `starting_after` for the next page.",
                },
                "data": {"type": "array", "items": ref(name)},
            },
        }

    for shape_name, shape in shapes.items():
        recorder.record(entity.location, "components", "schemas", shape_name)
        for prop in shape.get("properties", {}):
            field = entity.field(prop)
            if field is not None:
                recorder.record(
                    field.location, "components", "schemas", shape_name, "properties", prop
                )
    return shapes


def problem_schemas() -> dict[str, Schema]:
    return {
        "Problem": {
            "type": "object",
            "description": "Problem details (RFC 9457). Extension members may be present.",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {
                    "type": "string",
                    "format": "uri-reference",
                    "description": f"Identifies the problem type; see {PROBLEM_BASE}.",
                },
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 100, "maximum": 599},
                "detail": {"type": "string"},
                "instance": {"type": "string", "format": "uri-reference"},
            },
        },
        "ValidationProblem": {
            "allOf": [
                ref("Problem"),
                {
                    "type": "object",
                    "required": ["errors"],
                    "properties": {
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["pointer", "message"],
                                "properties": {
                                    "pointer": {
                                        "type": "string",
                                        "description": "JSON pointer to the offending value.",
                                    },
                                    "message": {"type": "string"},
                                },
                            },
                        }
                    },
                },
            ]
        },
        "TransitionProblem": {
            "allOf": [
                ref("Problem"),
                {
                    "type": "object",
                    "required": ["current_state", "requested", "allowed"],
                    "properties": {
                        "current_state": {"type": "string"},
                        "requested": {"type": "string"},
                        "allowed": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Transitions from the current state that the "
                            "caller may run.",
                        },
                    },
                },
            ]
        },
    }
