"""Entities and their fields, as the emitters see them."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from decimal import Decimal

from specfoundry.diagnostics import Location
from specfoundry.model.expressions import Condition
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
    LIST = "list"
    # A subject id (the token's `sub`) that must be a member of the tenant (tenancy.members).
    PRINCIPAL = "principal"


# Field types whose values are strings on the wire.
TEXTUAL_TYPES = frozenset(
    {FieldType.STRING, FieldType.TEXT, FieldType.EMAIL, FieldType.URL, FieldType.ENUM}
    | {FieldType.STATE, FieldType.UUID, FieldType.REF, FieldType.PRINCIPAL}
)
# The longest subject id a principal field holds (the column's length).
PRINCIPAL_MAX_LENGTH = 255
NUMERIC_TYPES = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY})
# The item types a ``list`` field may hold (stored as a JSON array of strings or integers).
LIST_ITEM_TYPES = (
    FieldType.STRING,
    FieldType.INTEGER,
    FieldType.UUID,
    FieldType.ENUM,
    FieldType.EMAIL,
    FieldType.URL,
)
# A ``list`` field without ``max_items`` holds at most this many items (every request bounded).
DEFAULT_MAX_ITEMS = 100


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
    # A ``list`` field: the type of its items (the field's length, value and range options
    # apply to each item), how many it may hold, and whether an item may repeat.
    item_type: FieldType | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    # A ``principal`` field: the member roles the named principal must hold (none: any member).
    principal_roles: tuple[Name, ...] = ()
    # ``auto: principal``: roles that may name someone else on create (acting on their behalf).
    on_behalf_of: tuple[Name, ...] | None = None
    # ``read:``: who sees the field in responses (absent for everyone else). Roles (inheritance
    # applied; None: every role that may read the object) and a condition that must also hold.
    read_roles: tuple[Name, ...] | None = None
    read_condition: Condition | None = None
    # ``write:``: a condition that must hold (on the row before the write; on create, the row
    # as it would be) for a caller to write the field; its roles are ``writable_by``.
    # ``write_key``: the spec key the roles were written under (``writable_by`` or ``write``).
    write_condition: Condition | None = None
    write_key: str = "writable_by"
    # A ``principal`` field: a reference field (or relation path) naming the object the
    # principal must also be a member of, through that object's membership entity.
    member_of: tuple[str, ...] = ()
    # ``member_of: {path, roles}``: the membership row must also hold one of these roles (the
    # membership entity's role values); None: any membership.
    member_of_roles: tuple[str, ...] | None = None

    @property
    def hidden_sometimes(self) -> bool:
        """Whether a ``read:`` rule may leave the field out of a response."""
        return self.read_roles is not None or self.read_condition is not None

    @property
    def item(self) -> Field:
        """One item of a ``list`` field, as a field of its own (its constraints, required)."""
        assert self.item_type is not None, f"{self.name} is not a list"
        return dataclasses.replace(
            self,
            type=self.item_type,
            required=True,
            has_default=False,
            default=None,
            item_type=None,
            min_items=None,
            max_items=None,
            unique_items=False,
            read_roles=None,
            read_condition=None,
            write_condition=None,
            member_of=(),
            member_of_roles=None,
        )

    @property
    def items_bound(self) -> int:
        """The most items a ``list`` field holds: ``max_items`` or the documented default."""
        return self.max_items if self.max_items is not None else DEFAULT_MAX_ITEMS

    @property
    def nullable(self) -> bool:
        return not self.required and not self.has_default and self.type is not FieldType.STATE

    @property
    def client_writable(self) -> bool:
        """Whether create/update bodies may carry the field at all."""
        auto = self.auto is not None and self.on_behalf_of is None
        return not (self.read_only or auto or self.type is FieldType.STATE)

    @property
    def updatable(self) -> bool:
        return self.client_writable and not self.write_once and self.auto is None

    @property
    def writers(self) -> tuple[Name, ...] | None:
        """The roles that may write the field (None: any role that may write the object):
        ``writable_by``, or for an ``auto: principal`` field the ``on_behalf_of`` roles."""
        return self.on_behalf_of if self.on_behalf_of is not None else self.writable_by


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
class WriteEffect:
    """``effects:`` of an entity: after ``action`` (create, update or delete) of an object, set
    ``field`` of the object its reference ``target`` names to ``value`` (a literal, or
    ``special``: now / the caller), when ``when`` holds for the object; ``once``: only while
    that field is still null."""

    action: str
    target: Name
    field: Name
    value: DefaultValue
    location: Location
    special: AutoValue | None = None
    when: Condition | None = None
    once: bool = False


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
    # ``hooks:``: (action, function of the user's ``<svc>_ext/hooks.py``) run in the write's
    # transaction; ``effects:`` set fields of referenced objects in it.
    hooks: tuple[tuple[str, Name], ...] = ()
    effects: tuple[WriteEffect, ...] = ()

    def hook_for(self, action: str) -> Name | None:
        return next((hook for act, hook in self.hooks if act == action), None)

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
