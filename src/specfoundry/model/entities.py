"""Entities and their fields, as the emitters see them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from specfoundry.diagnostics import Location
from specfoundry.model.names import Name


class FieldType(enum.StrEnum):
    STRING = "string"
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    UUID = "uuid"
    EMAIL = "email"
    URL = "url"
    ENUM = "enum"
    JSON = "json"
    MONEY = "money"
    REF = "ref"
    STATE = "state"


# Field types whose values are strings on the wire.
TEXTUAL_TYPES = frozenset(
    {FieldType.STRING, FieldType.TEXT, FieldType.EMAIL, FieldType.URL, FieldType.ENUM}
    | {FieldType.STATE, FieldType.UUID, FieldType.REF}
)
NUMERIC_TYPES = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY})


class EntityOrigin(enum.StrEnum):
    """Where an entity comes from: the spec, or a platform feature the spec switched on."""

    SPEC = "spec"
    PLATFORM = "platform"


class AutoValue(enum.StrEnum):
    """Values the service fills in itself; such fields are read-only."""

    NOW = "now"
    PRINCIPAL = "principal"


class OnDelete(enum.StrEnum):
    RESTRICT = "restrict"
    CASCADE = "cascade"
    SET_NULL = "set_null"


# Columns every entity gets; a spec may not declare fields with these names.
ID_COLUMN = "id"
TENANT_COLUMN = "tenant_id"
SYSTEM_COLUMNS = ("id", "tenant_id", "created_at", "updated_at", "version", "deleted_at")

DefaultValue = str | int | bool | Decimal | None


@dataclass(frozen=True, slots=True)
class Field:
    name: Name
    type: FieldType
    location: Location
    description: str | None = None
    required: bool = False
    unique: bool = False
    read_only: bool = False
    write_once: bool = False
    sortable: bool = False
    filterable: bool = False
    min_length: int | None = None
    max_length: int | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    pattern: str | None = None
    has_default: bool = False
    default: DefaultValue = None
    enum_values: tuple[str, ...] = ()
    ref_entity: Name | None = None
    on_delete: OnDelete = OnDelete.RESTRICT
    currency: str | None = None
    auto: AutoValue | None = None
    # None means every role allowed to create/update the entity may write the field.
    writable_by: tuple[Name, ...] | None = None
    state_machine: Name | None = None
    # Data classification for the docs' data inventory (and anything that must hide values):
    # ``sensitive`` = secrets or values that must never be shown in full; ``personal`` = data
    # about an identifiable person (GDPR "personal data").
    # Also redacted in audit records (the audit log stores that it changed, never the values).
    sensitive: bool = False
    personal: bool = False
    # A reference: the action the writer must hold on the object it names (create, re-point);
    # None means read (the object must be readable, else it is answered like a missing one).
    parent_permission: Name | None = None

    @property
    def nullable(self) -> bool:
        return not self.required and not self.has_default and self.type is not FieldType.STATE

    @property
    def client_writable(self) -> bool:
        """Whether create/update bodies may carry the field at all."""
        return not (self.read_only or self.auto is not None or self.type is FieldType.STATE)

    @property
    def updatable(self) -> bool:
        return self.client_writable and not self.write_once


@dataclass(frozen=True, slots=True)
class Index:
    fields: tuple[Name, ...]
    unique: bool
    location: Location


@dataclass(frozen=True, slots=True)
class MembershipLink:
    """``membership:`` of an entity: each row says the principal ``subject`` (a string field
    holding the token subject) belongs to the object ``object`` (a reference field) with
    ``role`` (an enum field, optional): the source of ``principal in resource.members`` and
    ``principal.role_in(resource.x)`` in conditions."""

    subject: Name
    object: Name
    role: Name | None
    location: Location


@dataclass(frozen=True, slots=True)
class Entity:
    name: Name
    table: str
    location: Location
    fields: tuple[Field, ...]
    description: str | None = None
    tenant_scoped: bool = True
    is_tenant: bool = False
    soft_delete: bool = False
    indexes: tuple[Index, ...] = ()
    # Event emitted on create / update / delete, by action name.
    emits: tuple[tuple[str, Name], ...] = ()
    origin: EntityOrigin = EntityOrigin.SPEC
    # Rows are never updated or deleted by the app role (PostgreSQL grants): the audit log.
    append_only: bool = False
    membership: MembershipLink | None = None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name.raw == name), None)

    @property
    def sortable_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.sortable)

    @property
    def filterable_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.filterable)

    @property
    def references(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.type is FieldType.REF)

    def event_for(self, action: str) -> Name | None:
        return next((event for act, event in self.emits if act == action), None)
