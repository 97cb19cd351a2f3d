"""View models of the generated HTTP layer: every decision, made in Python, for the templates.

Templates receive these frozen objects and only lay them out. Names, Python types, permission
predicates (rendered by :mod:`.conditions`), event payloads and deprecation headers are all
decided here, from the IR alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

from specfoundry.emit.openapi.problems import PROBLEM_TYPES
from specfoundry.emit.openapi.schemas import max_length
from specfoundry.emit.service import conditions
from specfoundry.emit.service.billing_view import BillingView, billing_view
from specfoundry.emit.service.literals import python_literal
from specfoundry.emit.service.platform_views import PlatformView, platform_view
from specfoundry.lower.http import lower_http
from specfoundry.model import (
    AutoValue,
    Entity,
    Field,
    FieldType,
    Name,
    OnDelete,
    Operation,
    Resource,
    Service,
    StateMachine,
    Transition,
)
from specfoundry.model.expressions import Scope
from specfoundry.model.http import HttpDeprecation, HttpOperation, HttpResource, OperationKind
from specfoundry.model.machines import Access, EffectValue
from specfoundry.model.relations import Hop, PathError, membership_for, resolve_path

INT32 = 2**31 - 1


@dataclass(frozen=True, slots=True)
class ProblemView:
    slug: str
    status: int
    title: str
    uri: str


@dataclass(frozen=True, slots=True)
class FieldView:
    name: str
    kind: str  # str int decimal bool date datetime uuid json
    create_annotation: str
    update_annotation: str
    create_default: str | None  # Python source of the default; None = required
    field_args: str  # keyword arguments of pydantic Field(...)
    in_create: bool
    in_update: bool
    writable_by: tuple[str, ...] | None  # roles (inheritance expanded) that may write it
    auto_principal: bool
    auto_now: bool
    ref_class: str | None
    ref_soft_delete: bool
    # Conditions (Python source over the referenced model) a referenced object must meet: alive,
    # in the caller's tenant and readable by the caller; otherwise it is "no such object".
    ref_where: tuple[str, ...] = ()

    @property
    def create_value(self) -> str:
        """What follows the Create model's ``name: annotation`` ("" when the field is required)."""
        return _assignment(self.create_default, self.field_args)

    @property
    def update_value(self) -> str:
        """What follows the Update model's ``name: annotation``: every field may be left out."""
        return _assignment("None", self.field_args)


def _assignment(default: str | None, args: str) -> str:
    if not args:
        return "" if default is None else f" = {default}"
    parts = ([] if default is None else [f"default={default}"]) + [args]
    return f" = Field({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class RequestFieldView:
    name: str
    annotation: str
    value: str  # what follows the annotation: "" (required) or " = <default or Field(...)>"


@dataclass(frozen=True, slots=True)
class RequestModelView:
    """A request body model of schemas.py: ``<Entity>Create`` or ``<Entity>Update``."""

    class_name: str
    fields: tuple[RequestFieldView, ...]


@dataclass(frozen=True, slots=True)
class SortView:
    value: str  # query value without the sign
    column: str
    kind: str
    nullable: bool


@dataclass(frozen=True, slots=True)
class FilterView:
    name: str
    annotation: str
    query_args: str  # constraints, as keyword arguments of Query(...)
    contains: bool = False  # a list field: objects whose list holds the value

    def where(self, class_name: str) -> str:
        """The list query's condition for this filter (Python source)."""
        column = f"{class_name}.{self.name}"
        if self.contains:
            return f"contains({column}, {self.param})"
        return f"{column} == {self.param}"

    @property
    def param(self) -> str:
        """The route function's parameter (its alias is ``name``): a double underscore, which
        no spec name has, keeps it apart from the route's other parameters and imports."""
        return f"q__{self.name}"


@dataclass(frozen=True, slots=True)
class ConditionView:
    """One spec condition of one entity: a check of a loaded object and the same condition
    as a list filter (``<function>_where``), rendered from one syntax tree by :mod:`.conditions`,
    paired as ``<constant> = Condition(...)`` in permissions.py."""

    function: str  # <entity>_when_<fields>
    constant: str  # the function's name in capitals
    class_name: str
    source: str  # the condition as the spec writes it
    python: str  # Python source over ``obj`` and ``principal``
    sql: str  # SQLAlchemy source over the model class and ``principal``
    related_classes: tuple[str, ...] = ()  # models its relation paths reach


@dataclass(frozen=True, slots=True)
class FieldCheckView:
    """A field's ``read`` or ``write`` condition as a check of one object, in permissions.py
    (which imports what relation paths and membership tests need): ``<entity>_<field>_read``
    / ``_write``, referenced by the resource module's ``VISIBILITY`` / ``WRITE_CONDITIONS``."""

    function: str
    class_name: str
    source: str
    python: str
    related_classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GrantView:
    """Roles holding an action when any of ``conditions`` (constants) is true."""

    roles: tuple[str, ...]
    conditions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleView:
    """Who may perform ``action`` on ``entity``: roles always allowed, then conditional grants
    (inheritance already resolved)."""

    entity: str
    action: str
    always: tuple[str, ...]
    when: tuple[GrantView, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        out = list(self.always)
        for g in self.when:
            out += [r for r in g.roles if r not in out]
        return tuple(out)


@dataclass(frozen=True, slots=True)
class PermissionsView:
    """The generated permissions.py: the roles, the condition functions and the table."""

    roles: tuple[str, ...]
    classes: tuple[str, ...]  # model classes the conditions read
    conditions: tuple[ConditionView, ...]
    rules: tuple[RuleView, ...]
    # What permissions.py imports from the runtime (``related`` only with relation paths).
    runtime_names: tuple[str, ...] = ("Condition", "PermissionTable", "Rule", "When")
    field_checks: tuple[FieldCheckView, ...] = ()  # fields' read and write conditions


@dataclass(frozen=True, slots=True)
class EventView:
    type: str
    payload: tuple[tuple[str, str], ...]  # (key, Python expression over obj)


@dataclass(frozen=True, slots=True)
class EffectView:
    field: str
    value: str  # Python source


@dataclass(frozen=True, slots=True)
class TransitionView:
    name: str
    function: str  # transition_<entity>_<name>
    sources: tuple[str, ...]
    target: str
    guard_python: str | None
    guard_source: str | None
    effects: tuple[EffectView, ...]
    hook: str | None
    events: tuple[EventView, ...]
    rule: RuleView

    @property
    def guard_message(self) -> str:
        return f"The guard of `{self.name}` is false: {self.guard_source}"

    @property
    def guards(self) -> tuple[tuple[str, str], ...]:
        """(Python condition, message) of each guard that must hold (machines.py)."""
        return ((self.guard_python, self.guard_message),) if self.guard_python else ()

    @property
    def hooks(self) -> tuple[str, ...]:
        """The user hooks the transition calls (machines.py)."""
        return (self.hook,) if self.hook else ()


@dataclass(frozen=True, slots=True)
class MachineView:
    name: str
    entity: str
    class_name: str
    field: str
    initial: str
    states: tuple[str, ...]
    terminal: tuple[str, ...]
    transitions: tuple[TransitionView, ...]
    allowed: tuple[tuple[str, tuple[str, ...]], ...]  # state -> transitions allowed from it
    access: tuple[tuple[str, str, int], ...]  # (state, granted|denied|grace, grace days)
    # Each transition the API exposes: the ones a caller can be told about (if its permission
    # allows) when it asks for a transition the state does not allow.
    runnable: tuple[str, ...] = ()

    @property
    def banner(self) -> str:
        """The comment line opening the machine's section of machines.py (at most 100 wide)."""
        text = f"# -- {self.name}: {self.entity}.{self.field} "
        if len(text) > 99:
            return f"# -- {self.name}:\n# {self.entity}.{self.field}"
        return text + "-" * (99 - len(text))


@dataclass(frozen=True, slots=True)
class ReferrerView:
    """A reference field pointing at ``parent`` and what deleting a parent object does to the
    objects whose ``field`` names it.

    ``action`` is decided here, from ``on_delete`` and both entities' ``soft_delete``:
    ``restrict`` (409 while live referrers exist), ``set_null`` (the ORM nulls the field, so
    the referrer's version and ETag change), ``soft_delete`` / ``delete`` (a soft-deleted
    parent's cascade: soft-delete or delete the referrer). A hard-deleted parent's cascade is
    the database's ``ON DELETE CASCADE`` and has no row here.
    """

    parent: str  # class name of the referenced entity
    child: str  # class name of the referencing entity
    field: str
    action: str  # restrict | set_null | soft_delete | delete
    child_soft_delete: bool


@dataclass(frozen=True, slots=True)
class DeletionView:
    soft_deleted: tuple[str, ...]  # class names of soft-deletable entities
    referrers: tuple[tuple[str, tuple[ReferrerView, ...]], ...]  # parent class -> referrers


@dataclass(frozen=True, slots=True)
class RouteView:
    """One route of a resource module: the lowered operation and what its body needs."""

    http: HttpOperation
    events: tuple[EventView, ...] = ()  # written to the outbox (create, update, delete)
    transition: TransitionView | None = None
    # A nested route (``/v1/tasks/{task_id}/comments``) differs from a flat one only by what
    # follows; each is empty on a flat route.
    router: str = "router"  # the module's router it is declared on
    params: tuple[str, ...] = ()  # parameters first in the signature: the parent's id
    prelude: tuple[str, ...] = ()  # statements first in the body: the parent's check
    where: tuple[str, ...] = ()  # a list's further conditions: the parent's children
    set_values: tuple[str, ...] = ()  # a create's values taken from the path
    after_load: tuple[str, ...] = ()  # after ``_load``: the object is the parent's
    filters: tuple[FilterView, ...] = ()  # a list's filters
    location: str = ""  # a create's ``Location`` header, an f-string body
    # ``(None,)`` when the route lays out its kind's module table (SORT_KEYS, CREATE_RESTRICTED,
    # UPDATE_RESTRICTED); ``()`` on a nested route whose flat twin already did.
    declares: tuple[None, ...] = (None,)
    # A create's checks of the new object beyond the resource's: on a nested route, the
    # parent field's conditional write rule (the path, not the body, sent it).
    object_checks: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The route's shape: the macro of ``resource.py.j2`` that lays it out."""
        return self.http.kind.value

    @property
    def name(self) -> str:
        """The action: list read create update delete, or the transition's name."""
        return self.http.action.raw

    @property
    def operation_id(self) -> str:
        return self.http.id.raw

    @property
    def deprecation(self) -> HttpDeprecation | None:
        return self.http.deprecation


@dataclass(frozen=True, slots=True)
class ResourceView:
    path: str
    entity: str
    class_name: str
    module: str
    router: str
    title: str
    is_tenant: bool
    soft_delete: bool
    fields: tuple[FieldView, ...]
    routes: tuple[RouteView, ...]  # every route, CRUD then transitions
    sorts: tuple[SortView, ...]
    filters: tuple[FilterView, ...]
    transitions: tuple[TransitionView, ...]
    machine: MachineView | None
    require_precondition: bool
    rules: dict[str, RuleView]
    events: dict[str, EventView]  # create/update/delete -> event
    base_path: str
    doc: str = ""  # the module docstring's text
    # Conditions (Python source over the model) every object the routes reach meets besides
    # the tenant filter: the tenant entity's own id, not soft-deleted.
    scope_where: tuple[str, ...] = ()
    # (field, Python source) set on a new object before the create permission check.
    create_values: tuple[tuple[str, str], ...] = ()
    imports: tuple[str, ...] = ()  # the module's import lines (ruff sorts them)
    # (principal field, Python source of its ``Members(...)``): whom each may name.
    principals: tuple[tuple[str, str], ...] = ()
    members_class: str | None = None  # the tenancy.members model, when principals are checked
    # Statements run after a create (flushed), an update (changes set) or before a delete, in
    # its transaction: the entity's `effects` and its user hook (by action).
    after: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # (field, roles expanded or None, the permissions.py check of its condition or None)
    visibility: tuple[tuple[str, tuple[str, ...] | None, str | None], ...] = ()
    # (field, the permissions.py check of its ``write`` condition)
    write_conditions: tuple[tuple[str, str], ...] = ()
    # (principal field, Python source of its ``MemberOf(...)``) and the classes they name
    members_of: tuple[tuple[str, str], ...] = ()
    members_of_classes: tuple[str, ...] = ()
    default_limit: int = 10
    max_limit: int = 100

    @property
    def nested_routes(self) -> tuple[RouteView, ...]:
        return tuple(r for r in self.routes if r.http.parent is not None)

    @property
    def nested_router_lines(self) -> tuple[str, ...]:
        """The nested routes' router and the parent's noun (none without a parent)."""
        nested = self.nested_routes
        if not nested:
            return ()
        parent = nested[0].http.parent
        assert parent is not None
        prefix = nested[0].http.path.removesuffix(nested[0].http.suffix)
        return (
            "# The routes under the parent: its id in the path, checked first (runtime.nesting).",
            "nested_router = APIRouter(",
            f'    prefix="{prefix}",',
            f'    tags=["{self.path}"],',
            "    route_class=deprecating_route(DEPRECATED),",
            ")",
            f'PARENT_NOUN = "{parent.entity.raw.replace("_", " ")}"',
        )

    @property
    def router_names(self) -> tuple[tuple[str, str], ...]:
        """(module attribute, alias in ``routes.routers``) of each router with routes."""
        out = []
        if any(r.http.parent is None for r in self.routes):
            out.append(("router", self.router))
        if self.nested_routes:
            out.append(("nested_router", f"{self.entity}_nested_router"))
        return tuple(out)

    @property
    def load_where(self) -> tuple[str, ...]:
        """What ``_load`` finds: the object with the id sent, within the scope."""
        return (f"{self.class_name}.id == obj_id", *self.scope_where)

    @property
    def list_where(self) -> tuple[str, ...]:
        """What a list shows: objects the caller may list and read, within the scope."""
        return (
            f'permissions.where(principal, "{self.entity}", "list")',
            f'permissions.where(principal, "{self.entity}", "read")',
            *self.scope_where,
        )

    @property
    def operations(self) -> tuple[RouteView, ...]:
        """The CRUD routes."""
        return tuple(o for o in self.routes if o.http.kind is not OperationKind.TRANSITION)

    def op(self, name: str) -> RouteView | None:
        return next((o for o in self.operations if o.name == name), None)

    @property
    def deprecated(self) -> tuple[RouteView, ...]:
        return tuple(o for o in self.routes if o.deprecation is not None)

    @property
    def has_deprecation(self) -> bool:
        return bool(self.deprecated)

    @property
    def deprecations(self) -> tuple[tuple[Name, str, str | None], ...]:
        """(operation id, since, sunset) of each deprecated route, dates as ISO strings (the
        runtime's ``Deprecation`` takes them so)."""
        out = []
        for route in self.deprecated:
            d = route.http.deprecation
            assert d is not None
            out.append((route.http.id, d.since.isoformat(), d.sunset and d.sunset.isoformat()))
        return tuple(out)

    @property
    def refs(self) -> tuple[FieldView, ...]:
        return tuple(f for f in self.fields if f.ref_class)

    @property
    def ref_classes(self) -> tuple[str, ...]:
        return tuple(sorted({f.ref_class for f in self.fields if f.ref_class}))

    @property
    def model_imports(self) -> tuple[str, ...]:
        members = {self.members_class} if self.members_class else set()
        return tuple(
            sorted({self.class_name, *self.ref_classes, *members, *self.members_of_classes})
        )

    def after_lines(self, action: str) -> tuple[str, ...]:
        return next((lines for act, lines in self.after if act == action), ())

    @property
    def dump_call(self) -> str:
        """The response body of ``obj`` for the caller: hidden fields left out."""
        if self.visibility:
            return f"redact(principal, obj, dump_{self.entity}(obj), VISIBILITY)"
        return f"dump_{self.entity}(obj)"

    @property
    def list_dump(self) -> str:
        if self.visibility:
            return f"lambda obj: redact(principal, obj, dump_{self.entity}(obj), VISIBILITY)"
        return f"dump_{self.entity}"

    @property
    def list_checks(self) -> tuple[str, ...]:
        """Statements a list runs first: no filter or sort on a field hidden from the caller."""
        if not self.visibility:
            return ()
        return ("refuse_hidden_query(principal, VISIBILITY, request.query_params, sort)",)

    @property
    def visibility_table(self) -> tuple[str, ...]:
        """``VISIBILITY``: who sees each restricted field (none without ``read:`` rules)."""
        if not self.visibility:
            return ()
        rows = []
        for name, roles, check in self.visibility:
            role_set = "None" if roles is None else f"frozenset({list(roles)!r})"
            rule = f"FieldRule({role_set})"
            if check is not None:
                rule = f"FieldRule({role_set}, {check})"
            rows.append(f'    "{name}": {rule},')
        return (
            "# Who sees each restricted field (`read:`): others get responses without it.",
            "VISIBILITY: dict[str, FieldRule] = {",
            *rows,
            "}",
        )

    @property
    def principal_table(self) -> tuple[str, ...]:
        """The ``PRINCIPALS`` table's lines (none without principal fields to check)."""
        if not self.principals:
            return ()
        rows = [f'    "{name}": {members},' for name, members in self.principals]
        return (
            "# Whom a principal field may name: a member of the caller's tenant (with the roles).",
            "PRINCIPALS: dict[str, Members] = {",
            *rows,
            "}",
        )

    @property
    def write_table(self) -> tuple[str, ...]:
        """``WRITE_CONDITIONS`` and ``MEMBERS_OF``: the fields' conditional write rules and the
        objects principal fields must be members of (none without them)."""
        lines: list[str] = []
        if self.write_conditions:
            lines += [
                "# Fields written only when a condition holds for the row before the write.",
                "WRITE_CONDITIONS: dict[str, WriteCheck] = {",
                *(f'    "{name}": {check},' for name, check in self.write_conditions),
                "}",
            ]
        if self.members_of:
            lines += [
                "# Principal fields naming a member of a related object (`member_of`).",
                "MEMBERS_OF: dict[str, MemberOf] = {",
                *(f'    "{name}": {rule},' for name, rule in self.members_of),
                "}",
            ]
        return tuple(lines)

    @property
    def create_checks(self) -> tuple[str, ...]:
        """Statements checking a create body's values beyond its schema and references."""
        return ("check_principals(session, values, PRINCIPALS)",) if self.principals else ()

    @property
    def create_object_checks(self) -> tuple[str, ...]:
        """Statements checking the new object (in the session, before the INSERT) after the
        create permission: conditional write rules, principals' memberships."""
        lines = []
        if self.write_conditions:
            lines.append(
                "check_write_conditions(principal, obj, body.model_fields_set, WRITE_CONDITIONS)"
            )
        if self.members_of:
            lines.append("check_members_of(session, obj, values, MEMBERS_OF)")
        return tuple(lines)

    @property
    def update_checks(self) -> tuple[str, ...]:
        """Statements checking an update's changes beyond their schema and references (the
        row is still as it was before the write)."""
        lines = []
        if self.principals:
            lines.append("check_principals(session, changes, PRINCIPALS)")
        if self.write_conditions:
            lines.append("check_write_conditions(principal, obj, changes, WRITE_CONDITIONS)")
        return tuple(lines)

    @property
    def update_object_checks(self) -> tuple[str, ...]:
        """Statements checking the updated object, its changes set, before the commit."""
        if self.members_of:
            return ("check_members_of(session, obj, changes, MEMBERS_OF)",)
        return ()

    @property
    def create_fields(self) -> tuple[FieldView, ...]:
        return tuple(f for f in self.fields if f.in_create)

    @property
    def update_fields(self) -> tuple[FieldView, ...]:
        return tuple(f for f in self.fields if f.in_update)

    @property
    def restricted_create(self) -> tuple[FieldView, ...]:
        return tuple(f for f in self.create_fields if f.writable_by is not None)

    @property
    def restricted_update(self) -> tuple[FieldView, ...]:
        return tuple(f for f in self.update_fields if f.writable_by is not None)


@dataclass(frozen=True, slots=True)
class TenantView:
    class_name: str
    # (field, Python expression over `name`) for each field a new tenant needs.
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class HookView:
    name: str
    entity: str
    class_name: str
    transitions: tuple[str, ...]
    machine: str
    writes: tuple[str, ...] = ()  # create / update / delete (a write hook; no transitions)

    @property
    def summary(self) -> str:
        """The stub's docstring: what calls the hook, and what it may do."""
        if self.writes:
            actions = ", ".join(f"`{a}`" for a in self.writes)
            return f"Runs after {actions} of a {self.entity.replace('_', ' ')}, in its transaction."
        names = ", ".join(f'"{t}"' for t in self.transitions)
        return f"Runs on {names} of the `{self.machine}` state machine."

    @property
    def detail(self) -> str:
        if self.writes:
            return (
                f"``{self.entity}`` is written (flushed on create). Use ``session`` for further "
                "writes."
            )
        return f"``{self.entity}`` already has its new state. Use ``session`` for further writes."


@dataclass(frozen=True, slots=True)
class ServiceView:
    name: str
    ext: str
    title: str
    version: str
    description: str
    env_prefix: str
    base_path: str
    claims_subject: str
    claims_tenant: str
    claims_roles: str
    cross_tenant_roles: tuple[str, ...]
    roles: tuple[str, ...]
    resources: tuple[ResourceView, ...]
    machines: tuple[MachineView, ...]
    permissions: PermissionsView
    hooks: tuple[HookView, ...]
    problems: tuple[ProblemView, ...]
    tenant: TenantView
    default_limit: int
    max_limit: int
    deletion: DeletionView | None = None  # None: no resource deletes
    billing: BillingView | None = None  # None: no `billing:` section
    platform: PlatformView = field(default_factory=lambda: PlatformView(None, None, None))

    @property
    def has_deprecation(self) -> bool:
        return any(r.has_deprecation for r in self.resources)

    @property
    def routers(self) -> tuple[str, ...]:
        """The routers ``routes.routers()`` returns, by their aliases there."""
        return tuple(alias for r in self.resources for _, alias in r.router_names)

    @property
    def app_imports(self) -> tuple[str, ...]:
        """Imports of the platform features ``create_app`` sets up."""
        return (f"from {self.name} import billing",) if self.billing else ()

    @property
    def readme_settings(self) -> tuple[str, ...]:
        """Rows of the README's configuration table added by platform features."""
        if not self.billing:
            return ()
        return (
            "| `STRIPE_WEBHOOK_SECRET` | none | the secret that signs the provider's webhooks; "
            "without it `POST /webhooks/...` refuses every event |",
            "| `BILLING_CACHE_SECONDS` | `5` | how long a tenant's entitlement is cached per "
            "process (`0`: never); a provider event changing the subscription forgets it at once |",
        )

    @property
    def readme_behaviour(self) -> tuple[str, ...]:
        """Bullets of the README's behaviour section added by platform features."""
        b = self.billing
        if not b:
            return ()
        return (
            f"- **Billing** (`billing:`, provider `{b.provider}`): the provider owns "
            f"`{b.entity}`; its signed webhooks at `POST /webhooks/{b.provider}` (verified over "
            "the raw body, 300 s tolerance; 400 `invalid-signature` with no effect) run the "
            "machine's `by: provider` transitions, which have no route, and write the "
            "provider-owned fields, which are read-only. Each event is stored once by id in the "
            "same transaction as its effect (a redelivery answers 200 `duplicate`), and one "
            "older than the newest received for the subscription is `stale` and changes nothing. "
            "A tenant whose subscription state grants no access gets 402 `payment-required` on "
            "writes" + ("" if b.reads_without_access else " and reads") + "; a resource "
            "needing a feature its plan lacks answers 402; creates past the plan's quota answer "
            f"402 `plan-limit-reached` (counted in the writing transaction). `GET "
            f"{self.base_path}/usage` shows plan, status, features and quota use. Try it "
            f"locally: `{self.name} billing send-test-event customer.subscription.updated "
            "--tenant ID --subscription sub_1 --status active`.",
        )

    @property
    def extra_dependencies(self) -> tuple[str, ...]:
        """pyproject dependency lines of platform features."""
        return ('"stripe>=16.1,<16.2",  # billing: webhook signatures',) if self.billing else ()

    @property
    def cli_modules(self) -> tuple[str, ...]:
        """Modules of platform features that add commands: each has ``add_commands(subparsers)``
        which sets ``run(args) -> exit code`` as the default of its parsers (the one plugin
        mechanism of the generated CLI)."""
        pairs = (("audit", self.platform.audit is not None), ("billing", bool(self.billing)))
        return tuple(name for name, on in pairs if on)

    @property
    def app_setup(self) -> tuple[str, ...]:
        """Statements of ``create_app`` before the resource routers are included; they may add
        to ``router_dependencies`` (every resource route's dependencies)."""
        return ("router_dependencies += billing.install(app, settings)",) if self.billing else ()

    @property
    def quickstart_path(self) -> str:
        """A GET a token with every role answers 200: a list, else the caller's tenant."""
        for r in self.resources:
            if r.op("list"):
                return r.base_path
        for r in self.resources:
            if r.is_tenant and r.op("read"):
                return r.base_path + "/{tenant}"
        r = self.resources[0]
        return r.base_path + ("/{tenant}" if r.is_tenant else "")

    @property
    def readme_path(self) -> str:
        """The first resource's path in the README's first request (its tenant's id for the
        tenant entity: a caller reaches only its own)."""
        r = self.resources[0]
        return r.base_path + ("/<id>" if r.is_tenant else "")

    @property
    def package_doc(self) -> str:
        return (
            f"{self.title}: generated by specfoundry from the spec. Your code goes in `{self.ext}`."
        )

    @property
    def model_classes(self) -> tuple[str, ...]:
        return tuple(sorted({r.class_name for r in self.resources}))


# -- helpers --------------------------------------------------------------------------------
def _kind(field: Field) -> str:
    match field.type:
        case FieldType.INTEGER:
            return "int"
        case FieldType.DECIMAL | FieldType.MONEY:
            return "decimal"
        case FieldType.BOOLEAN:
            return "bool"
        case FieldType.DATE:
            return "date"
        case FieldType.DATETIME:
            return "datetime"
        case FieldType.UUID | FieldType.REF:
            return "uuid"
        case FieldType.JSON:
            return "json"
        case FieldType.LIST:
            return "list"
    return "str"


_STRING_VALIDATORS = {
    FieldType.EMAIL: "Email",
    FieldType.URL: "Url",
}


def base_annotation(field: Field) -> str:
    """The pydantic type of a request value (the aliases are defined in schemas.py)."""
    if field.type is FieldType.LIST:
        listed = f"list[{item_annotation(field.item)}]"
        if field.unique_items:
            return f"Annotated[{listed}, AfterValidator(unique_items)]"
        return listed
    match field.type:
        case FieldType.EMAIL | FieldType.URL:
            return _STRING_VALIDATORS[field.type]
        case FieldType.STRING | FieldType.TEXT | FieldType.PRINCIPAL:
            return "Text"
        case FieldType.INTEGER:
            return "Int"
        case FieldType.DECIMAL | FieldType.MONEY:
            return "DecimalString"
        case FieldType.BOOLEAN:
            return "Bool"
        case FieldType.DATE:
            return "Date"
        case FieldType.DATETIME:
            return "DateTime"
        case FieldType.UUID | FieldType.REF:
            return "Uuid"
        case FieldType.ENUM | FieldType.STATE:
            return "Literal[" + ", ".join(repr(v) for v in field.enum_values) + "]"
        case FieldType.JSON:
            return "Json"
    raise ValueError(field.type)  # pragma: no cover


def item_annotation(item: Field) -> str:
    """The pydantic type of one item of a list field, with the field's item constraints."""
    if item.type is FieldType.UUID:
        return "Annotated[str, Strict(), AfterValidator(uuid_item)]"
    args = field_args(item)
    base = base_annotation(item)
    return f"Annotated[{base}, Field({args})]" if args else base


def field_args(field: Field) -> str:
    if field.type is FieldType.LIST:  # the list's length; item constraints are on the items
        bounds = [f"min_length={field.min_items}"] if field.min_items else []
        return ", ".join([*bounds, f"max_length={field.items_bound}"])
    args: list[str] = []
    if field.min_length is not None:
        args.append(f"min_length={field.min_length}")
    longest = max_length(field)
    if longest is not None:
        args.append(f"max_length={longest}")
    if field.pattern is not None:
        args.append(f"pattern={field.pattern!r}")
    numeric = field.type in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY)
    if numeric:
        low, high = field.minimum, field.maximum
        if field.type is FieldType.INTEGER:
            low = max(low, Decimal(-INT32 - 1)) if low is not None else Decimal(-INT32 - 1)
            high = min(high, Decimal(INT32)) if high is not None else Decimal(INT32)
        if low is not None:
            args.append(f"ge={_number(low, field)}")
        if high is not None:
            args.append(f"le={_number(high, field)}")
    if field.type in (FieldType.DECIMAL, FieldType.MONEY):
        args.append("max_digits=19")
        args.append("decimal_places=4")
    return ", ".join(args)


def _number(value: Decimal, field: Field) -> str:
    if field.type is FieldType.INTEGER:
        return str(int(value))
    return f'Decimal("{value}")'


def _expand(model: Service, roles: tuple[str, ...]) -> tuple[str, ...]:
    """``roles`` plus every role that includes one of them (inheritance)."""
    wanted = set(roles)
    return tuple(
        r.name.raw
        for r in model.permissions.roles
        if r.name.raw in wanted or wanted & {n.raw for n in r.includes}
    )


def _entity_actions(model: Service, entity: Entity) -> list[str]:
    """The actions of ``entity`` the permission table lists: CRUD, then its transitions."""
    actions = [op.value for op in Operation]
    for m in model.machine_for(entity.name.raw):
        actions += [t.name.raw for t in m.transitions]
    return actions


def _condition_names(model: Service, entity: Entity) -> dict[str, str]:
    """A function name for each distinct condition (by source) of ``entity``'s rules, in
    order of first use: ``<entity>_when_<resource fields it reads>``, numbered on a clash."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for action in _entity_actions(model, entity):
        for holder in model.permissions.holders(entity.name.raw, action):
            for condition in holder.conditions:
                if condition.source in names:
                    continue
                fields: list[str] = []
                for attr in condition.attributes():
                    # A relation path is named by its first hop (``task_when_project``).
                    read = attr.path[0] if attr.path else attr.name
                    if attr.scope is Scope.RESOURCE and read not in fields:
                        fields.append(read)
                base = "_".join([entity.name.raw, "when", *fields[:3]])
                name, n = base, 1
                while name in taken:
                    n += 1
                    name = f"{base}_{n}"
                taken.add(name)
                names[condition.source] = name
    return names


def condition_views(model: Service, entity: Entity) -> tuple[ConditionView, ...]:
    """The condition functions of ``entity`` for permissions.py, in order of first use."""
    names = _condition_names(model, entity)
    found: dict[str, ConditionView] = {}
    for action in _entity_actions(model, entity):
        for holder in model.permissions.holders(entity.name.raw, action):
            for c in holder.conditions:
                if c.source in found:
                    continue
                found[c.source] = ConditionView(
                    function=names[c.source],
                    constant=names[c.source].upper(),
                    class_name=entity.name.pascal,
                    source=" ".join(c.source.split()),
                    python=conditions.python_source(c.expr, entity, service=model),
                    sql=conditions.sql_source(
                        c.expr, entity, model=entity.name.pascal, service=model
                    ),
                    related_classes=conditions.related_classes(c.expr, entity, model),
                )
    return tuple(found.values())


def rule_view(model: Service, entity: Entity, action: str) -> RuleView:
    holders = model.permissions.holders(entity.name.raw, action)
    names = _condition_names(model, entity)
    always = tuple(h.role.name.raw for h in holders if h.unconditional)
    groups: dict[tuple[str, ...], list[str]] = {}
    for holder in holders:
        if not holder.unconditional:
            key = tuple(names[c.source].upper() for c in holder.conditions)
            groups.setdefault(key, []).append(holder.role.name.raw)
    return RuleView(
        entity=entity.name.raw,
        action=action,
        always=always,
        when=tuple(GrantView(tuple(roles), key) for key, roles in groups.items()),
    )


def _runtime_names(
    conditions_: tuple[ConditionView, ...], checks: tuple[FieldCheckView, ...] = ()
) -> tuple[str, ...]:
    """What permissions.py imports from runtime.permissions: the table's classes, and the
    relation helpers its conditions call."""
    names = ["Condition", "PermissionTable", "Rule", "When"]
    for helper in ("member_of", "related"):
        if any(f"{helper}(" in c.python for c in conditions_) or any(
            f"{helper}(" in c.python for c in checks
        ):
            names.append(helper)
    if any("aliased_exists(" in c.sql for c in conditions_):
        names.append("aliased_exists")
    return tuple(sorted(names[:4]) + sorted(names[4:]))


def permissions_view(model: Service) -> PermissionsView:
    """permissions.py of the service: every entity with a resource, every action of it."""
    exposed = _exposed(model)
    entities = [e for e in model.entities if e.name.raw in exposed]
    conditions_ = tuple(c for e in entities for c in condition_views(model, e))
    checks = tuple(c for e in entities for c in field_check_views(model, e))
    return PermissionsView(
        roles=tuple(r.name.raw for r in model.permissions.roles),
        classes=tuple(
            sorted(
                {c.class_name for c in conditions_}
                | {c.class_name for c in checks}
                | {k for c in conditions_ for k in c.related_classes}
                | {k for c in checks for k in c.related_classes}
            )
        ),
        conditions=conditions_,
        runtime_names=_runtime_names(conditions_, checks),
        field_checks=checks,
        rules=tuple(
            rule_view(model, e, action) for e in entities for action in _entity_actions(model, e)
        ),
    )


def _payload(model: Service, entity: Entity, event_name: str) -> EventView:
    event = model.event(event_name)
    pairs: list[tuple[str, str]] = []
    if event is not None:
        for item in event.payload:
            key = item.name.raw
            if key == f"{entity.name.raw}_id" or key == "id":
                pairs.append((key, "obj.id"))
            elif entity.field(key) is not None:
                pairs.append((key, f"obj.{key}"))
            elif key == "actor":
                pairs.append((key, "principal.subject"))
            else:
                pairs.append((key, "None"))
    else:
        pairs.append((f"{entity.name.raw}_id", "obj.id"))
    return EventView(type=event_name, payload=tuple(pairs))


def _effect_value(effect_value: object, field: Field | None) -> str:
    if effect_value is EffectValue.NOW:
        return "now"
    if effect_value is EffectValue.PRINCIPAL:
        return "principal.subject"
    return python_literal(effect_value, field.type if field is not None else None)


def machine_view(model: Service, machine: StateMachine, resource: Resource | None) -> MachineView:
    entity = model.entity(machine.entity.raw)
    assert entity is not None
    exposed = {t.raw for t in resource.transitions} if resource else set()
    transitions = [transition_view(model, entity, t) for t in machine.transitions]
    access = tuple(
        (s.name.raw, s.access.value, s.grace_days or 0)
        for s in machine.states
        if s.access is not None
    )
    return MachineView(
        name=machine.name.raw,
        entity=entity.name.raw,
        class_name=entity.name.pascal,
        field=machine.field.raw,
        initial=machine.initial.raw,
        states=tuple(s.name.raw for s in machine.states),
        terminal=tuple(s.name.raw for s in machine.states if s.terminal),
        transitions=tuple(transitions),
        allowed=tuple(
            (s.name.raw, tuple(t.name.raw for t in machine.allowed_from(s.name.raw)))
            for s in machine.states
        ),
        access=access,
        runnable=tuple(t.name for t in transitions if t.name in exposed and resource),
    )


def transition_view(model: Service, entity: Entity, t: Transition) -> TransitionView:
    guard_py = conditions.python_source(t.guard.expr, entity) if t.guard else None
    return TransitionView(
        name=t.name.raw,
        function=f"transition_{entity.name.raw}_{t.name.raw}",
        sources=tuple(s.raw for s in t.sources),
        target=t.target.raw,
        guard_python=guard_py,
        guard_source=t.guard.source.strip() if t.guard else None,
        effects=tuple(
            EffectView(e.field.raw, _effect_value(e.value, entity.field(e.field.raw)))
            for e in t.effects
        ),
        hook=t.hook.raw if t.hook else None,
        events=tuple(_payload(model, entity, str(e)) for e in t.events),
        rule=rule_view(model, entity, t.name.raw),
    )


def field_view(model: Service, field: Field) -> FieldView:
    base = base_annotation(field)
    create_ann = f"{base} | None" if field.nullable else base
    # An update may leave any field out (None: not sent), but never null a non-nullable one.
    update_ann = create_ann if field.nullable else f"Annotated[{base} | None, NotNull]"
    if field.has_default:
        default: str | None = python_literal(field.default, field.type)
    elif field.nullable:
        default = "None"
    else:
        default = None
    ref_entity = model.entity(field.ref_entity.raw) if field.ref_entity else None
    return FieldView(
        name=field.name.raw,
        kind=_kind(field),
        create_annotation=create_ann,
        update_annotation=update_ann,
        create_default=default,
        field_args=field_args(field),
        in_create=field.client_writable,
        in_update=field.updatable,
        writable_by=_expand(model, tuple(r.raw for r in field.writers))
        if field.writers is not None
        else None,
        auto_principal=field.auto is not None and field.auto.value == "principal",
        auto_now=field.auto is not None and field.auto.value == "now",
        ref_class=ref_entity.name.pascal if ref_entity else None,
        ref_soft_delete=bool(ref_entity and ref_entity.soft_delete),
        ref_where=_ref_where(model, ref_entity, field.parent_permission) if ref_entity else (),
    )


def _exposed(model: Service) -> set[str]:
    """Entities with a resource: the ones ``permissions.py`` has functions for."""
    return {r.entity.raw for r in model.api.resources}


def _ref_where(
    model: Service, target: Entity, parent_permission: Name | None = None
) -> tuple[str, ...]:
    """What a referenced object must satisfy besides its id (see ``FieldView.ref_where``).

    The caller's tenant comes from the data layer's filter, except for the tenant entity,
    whose table has no ``tenant_id``: its id is the tenant id. The read filter applies when
    the entity has a resource (and so read rules the caller can hold).
    """
    cls = target.name.pascal
    out = []
    if target.is_tenant:
        out.append(f"{cls}.id == principal.tenant_id")
    if target.soft_delete:
        out.append(f"{cls}.deleted_at.is_(None)")
    if target.name.raw in _exposed(model):
        out.append(f'permissions.where(principal, "{target.name.raw}", "read")')
        action = parent_permission.raw if parent_permission else "read"
        if action != "read":  # the keyword argument goes last, after the conditions
            condition = f'permissions.where(principal, "{target.name.raw}", "{action}")'
            out.append(f'permission=("{action}", {condition})')
    return tuple(out)


def _delete_action(on_delete: OnDelete, parent_soft: bool, child_soft: bool) -> str | None:
    """What deleting a parent does to a live referrer; None: the database's cascade does it."""
    if on_delete is OnDelete.RESTRICT:
        return "restrict"
    if on_delete is OnDelete.SET_NULL:
        return "set_null"
    if parent_soft:  # the parent row stays, so the database cascades nothing
        return "soft_delete" if child_soft else "delete"
    return None


def deletion_view(model: Service) -> DeletionView | None:
    """What deleting an object of each entity does to the objects that reference it."""
    if not any(Operation.DELETE in r.operations for r in model.api.resources):
        return None
    referrers: list[tuple[str, tuple[ReferrerView, ...]]] = []
    for parent in model.entities:
        rows = []
        for child in model.entities:
            for f in child.fields:
                if f.type is not FieldType.REF or f.ref_entity is None:
                    continue
                if f.ref_entity.raw != parent.name.raw:
                    continue
                action = _delete_action(f.on_delete, parent.soft_delete, child.soft_delete)
                if action is None:
                    continue  # a hard delete cascades in the database (ON DELETE CASCADE)
                rows.append(
                    ReferrerView(
                        parent=parent.name.pascal,
                        child=child.name.pascal,
                        field=f.name.raw,
                        action=action,
                        child_soft_delete=child.soft_delete,
                    )
                )
        if rows or parent.soft_delete:
            referrers.append((parent.name.pascal, tuple(rows)))
    return DeletionView(
        soft_deleted=tuple(e.name.pascal for e in model.entities if e.soft_delete),
        referrers=tuple(referrers),
    )


_FILTER_ANNOTATION = {
    "str": "str",
    "int": "int",
    "bool": "bool",
    "date": "dt.date",
    "datetime": "QueryDateTime",
    "uuid": "uuid.UUID",
    "decimal": "Decimal",
}


def resource_view(model: Service, resource: Resource, http: HttpResource) -> ResourceView:
    entity = model.entity(resource.entity.raw)
    assert entity is not None
    machines = model.machine_for(entity.name.raw)
    machine = machine_view(model, machines[0], resource) if machines else None
    by_name = {t.name: t for t in (machine.transitions if machine else ())}
    events = {action: _payload(model, entity, str(event)) for action, event in entity.emits}
    routes = []
    for op in http.operations:
        transition = by_name[op.action.raw] if op.transition is not None else None
        emitted = (events[op.kind.value],) if op.kind.value in events else ()
        routes.append(RouteView(op, emitted, transition))
    exposed = {t.raw for t in resource.transitions}
    transitions = tuple(t for t in (machine.transitions if machine else ()) if t.name in exposed)
    sorts = [
        SortView(f.name.raw, f.name.raw, _kind(f), f.nullable) for f in entity.sortable_fields
    ] + [SortView("created_at", "created_at", "datetime", False)]
    filters = []
    for listed in entity.filterable_fields:
        # A list field is filtered by one item: `?labels=bug` holds `bug`.
        f: Field = listed.item if listed.type is FieldType.LIST else listed
        if f.type in (FieldType.ENUM, FieldType.STATE):
            ann = "Literal[" + ", ".join(repr(v) for v in f.enum_values) + "]"
        elif f.type in (FieldType.EMAIL, FieldType.URL, FieldType.STRING, FieldType.TEXT) or (
            f.type is FieldType.PRINCIPAL
        ):
            ann = base_annotation(f)
        else:
            ann = _FILTER_ANNOTATION.get(_kind(f), "str")
        args = ", ".join(
            a
            for a in field_args(f).split(", ")
            if a and not a.startswith(("max_digits", "decimal_places"))
        )
        filters.append(FilterView(f.name.raw, ann, args, contains=f is not listed))
    routes = [_placed(route, tuple(filters), http.collection_path) for route in routes]
    flat_kinds = {r.http.kind for r in routes if r.http.parent is None}
    routes = [
        dataclasses.replace(r, declares=())
        if r.http.parent is not None and r.http.kind in flat_kinds
        else r
        for r in routes
    ]
    actions = [op.value for op in Operation]
    rules = {a: rule_view(model, entity, a) for a in actions}
    fields = tuple(field_view(model, f) for f in entity.fields)
    cls = entity.name.pascal
    scope = []
    if entity.is_tenant:
        scope.append(f"{cls}.id == principal.tenant_id")
    if entity.soft_delete:
        scope.append(f"{cls}.deleted_at.is_(None)")
    create_values = []
    for fv in fields:
        if fv.auto_principal and fv.in_create:  # `on_behalf_of`: the value sent, if any
            create_values.append((fv.name, f"obj.{fv.name} or principal.subject"))
        elif fv.auto_principal:
            create_values.append((fv.name, "principal.subject"))
        elif fv.auto_now:
            create_values.append((fv.name, "events.utcnow()"))
    if machine is not None:
        create_values.append((machine.field, python_literal(machine.initial)))
    view = ResourceView(
        path=resource.path,
        entity=entity.name.raw,
        class_name=cls,
        module=entity.name.raw,
        router=f"{entity.name.raw}_router",
        title=entity.name.raw.replace("_", " "),
        is_tenant=entity.is_tenant,
        soft_delete=entity.soft_delete,
        fields=fields,
        routes=tuple(routes),
        sorts=tuple(sorts),
        filters=tuple(filters),
        transitions=transitions,
        machine=machine,
        require_precondition=resource.require_precondition,
        rules=rules,
        events=events,
        base_path=http.collection_path,
        doc=f"`{http.collection_path}`: the {entity.name.raw.replace('_', ' ')} resource.",
        scope_where=tuple(scope),
        create_values=tuple(create_values),
        principals=_principal_rules(model, entity),
        after=_after_writes(model, entity),
        visibility=tuple(
            (
                f.name.raw,
                _expand(model, tuple(r.raw for r in f.read_roles))
                if f.read_roles is not None
                else None,
                f"permissions.{entity.name.raw}_{f.name.raw}_read"
                if f.read_condition is not None
                else None,
            )
            for f in entity.fields
            if f.hidden_sometimes
        ),
        write_conditions=tuple(
            (f.name.raw, f"permissions.{entity.name.raw}_{f.name.raw}_write")
            for f in entity.fields
            if f.write_condition is not None and f.client_writable
        ),
        members_of=_members_of(model, entity),
        members_of_classes=_members_of_classes(model, entity),
        members_class=_members_class(model, entity),
        default_limit=model.api.pagination.default_limit,
        max_limit=model.api.pagination.max_limit,
    )
    conditional = {name for name, _ in view.write_conditions}
    placed = tuple(
        dataclasses.replace(
            r,
            object_checks=(
                f'check_write_conditions(principal, obj, {{"{r.http.parent.field}"}}, '
                "WRITE_CONDITIONS)",
            ),
        )
        if r.http.parent is not None
        and r.http.kind is OperationKind.CREATE
        and r.http.parent.field.raw in conditional
        else r
        for r in view.routes
    )
    view = dataclasses.replace(view, routes=placed)
    return dataclasses.replace(view, imports=_imports(model.name.raw, view))


def _placed(route: RouteView, filters: tuple[FilterView, ...], collection: str) -> RouteView:
    """``route`` with what its place asks for: on a nested route, the parent from the path is
    checked first (``runtime.nesting``), a list shows only its children (and has no filter on
    the parent field), a create takes the parent field from the path, and an object of another
    parent is not found."""
    parent = route.http.parent
    kind = route.http.kind
    if parent is None:
        return dataclasses.replace(
            route,
            filters=filters if kind is OperationKind.LIST else (),
            location=f"{collection}/{{obj.id}}" if kind is OperationKind.CREATE else "",
        )
    field = parent.field.raw
    nested = route.http.path.removesuffix(route.http.suffix)
    return dataclasses.replace(
        route,
        router="nested_router",
        params=(f"{parent.param}: str,",),
        prelude=(
            f"parent = nesting.parent_id(session, principal, {parent.param}, "
            f'REFERENCES["{field}"], PARENT_NOUN)',
        ),
        where=(f"{route.http.entity.pascal}.{field} == parent",)
        if kind is OperationKind.LIST
        else (),
        set_values=(
            # The path names the parent field: a role that may not write it may not either.
            f'check_writable(principal, {{"{field}"}}, CREATE_RESTRICTED)',
            f'values["{field}"] = parent',
        )
        if kind is OperationKind.CREATE
        else (),
        after_load=(f'nesting.check_parent(obj, "{field}", parent, NOUN)',)
        if kind not in (OperationKind.LIST, OperationKind.CREATE)
        else (),
        filters=tuple(f for f in filters if f.name != field) if kind is OperationKind.LIST else (),
        location=nested.replace(f"{{{parent.param}}}", "{parent}") + "/{obj.id}"
        if kind is OperationKind.CREATE
        else "",
    )


def _after_writes(model: Service, entity: Entity) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per action, the route's statements for the entity's ``effects`` and ``hooks``."""
    out = []
    for action in ("create", "update", "delete"):
        lines: list[str] = []
        for effect in (e for e in entity.effects if e.action == action):
            ref = entity.field(effect.target.raw) or entity.field(f"{effect.target.raw}_id")
            assert ref is not None and ref.ref_entity is not None
            target = model.entity(ref.ref_entity.raw)
            assert target is not None
            field = target.field(effect.field.raw)
            cls, name = target.name.pascal, effect.field.raw
            if effect.special is AutoValue.NOW:
                value = "events.utcnow()"
            elif effect.special is AutoValue.PRINCIPAL:
                value = "principal.subject"
            else:
                value = python_literal(effect.value, field.type if field else None)
            when = effect.when
            lines.append(f"# effect: set {target.name}.{name}")
            pad = ""
            if when is not None:
                lines.append(f"if {conditions.python_source(when.expr, entity)}:")
                pad = "    "
            load = f"sa.select({cls}).where({cls}.id == obj.{ref.name.raw})"
            unset = f" and target.{name} is None" if effect.once else ""
            lines += [
                f"{pad}target = session.scalars({load}).one_or_none()",
                f"{pad}if target is not None{unset}:",
                f"{pad}    target.{name} = {value}",
            ]
        hook = entity.hook_for(action)
        if hook is not None:
            lines.append(f"hooks.{hook.raw}(session, principal, obj)")
        if lines:
            out.append((action, tuple(lines)))
    return tuple(out)


def _principal_fields(model: Service, entity: Entity) -> tuple[Field, ...]:
    """Fields naming a principal the tenancy's members must hold: ``principal`` fields, and
    ``auto: principal`` fields someone may fill on another's behalf."""
    if model.tenancy.members is None:
        return ()
    return tuple(
        f
        for f in entity.fields
        if f.client_writable and (f.type is FieldType.PRINCIPAL or f.on_behalf_of is not None)
    )


def _member_of_hops(model: Service, entity: Entity, field: Field) -> tuple[Hop, ...] | None:
    """The hops of a principal field's ``member_of`` and the membership entity (None when the
    compiler refused it)."""
    try:
        return resolve_path(model, entity, field.member_of)
    except PathError:
        return None


def _members_of_rules(
    model: Service, entity: Entity
) -> list[tuple[Field, tuple[Hop, ...], Entity]]:
    out = []
    for f in entity.fields:
        if not f.member_of or f.type is not FieldType.PRINCIPAL or not f.client_writable:
            continue
        hops = _member_of_hops(model, entity, f)
        members = membership_for(model, hops[-1].target) if hops else None
        if hops and members is not None and members.membership is not None:
            out.append((f, hops, members))
    return out


def _members_of(model: Service, entity: Entity) -> tuple[tuple[str, str], ...]:
    """``MEMBERS_OF`` of a resource module: a ``MemberOf(...)`` per ``member_of`` field."""
    rows = []
    for f, hops, members in _members_of_rules(model, entity):
        assert members.membership is not None
        chain = "".join(f"({h.target.name.pascal}, {h.field.name.raw!r}), " for h in hops)
        link = members.membership
        roles = (
            f", role_field={link.role.raw!r}, roles={f.member_of_roles!r}"
            if f.member_of_roles is not None and link.role is not None
            else ""
        )
        rows.append(
            (
                f.name.raw,
                f"MemberOf(({chain}), {members.name.pascal}, "
                f"{link.object.raw!r}, {link.subject.raw!r}{roles})",
            )
        )
    return tuple(rows)


def _members_of_classes(model: Service, entity: Entity) -> tuple[str, ...]:
    classes = {
        c
        for _f, hops, members in _members_of_rules(model, entity)
        for c in (members.name.pascal, *(h.target.name.pascal for h in hops))
    }
    return tuple(sorted(classes))


def field_check_views(model: Service, entity: Entity) -> tuple[FieldCheckView, ...]:
    """The ``read`` and ``write`` conditions of ``entity``'s fields, for permissions.py."""
    out = []
    for f in entity.fields:
        for rule, condition in (("read", f.read_condition), ("write", f.write_condition)):
            if condition is None or (rule == "write" and not f.client_writable):
                continue
            out.append(
                FieldCheckView(
                    function=f"{entity.name.raw}_{f.name.raw}_{rule}",
                    class_name=entity.name.pascal,
                    source=" ".join(condition.source.split()),
                    python=conditions.python_source(condition.expr, entity, service=model),
                    related_classes=conditions.related_classes(condition.expr, entity, model),
                )
            )
    return tuple(out)


def _members_class(model: Service, entity: Entity) -> str | None:
    members = model.tenancy.members
    if members is None or not _principal_fields(model, entity):
        return None
    return members.entity.pascal


def _principal_rules(model: Service, entity: Entity) -> tuple[tuple[str, str], ...]:
    """``PRINCIPALS`` of a resource module: a ``Members(...)`` per principal field."""
    members = model.tenancy.members
    fields = _principal_fields(model, entity)
    if members is None or not fields:
        return ()
    target = model.entity(members.entity.raw)
    assert target is not None
    cls = members.entity.pascal
    rows = []
    for f in fields:
        args = [f"{cls}.{members.subject.raw}"]
        if target.soft_delete:
            args.append(f"{cls}.deleted_at.is_(None)")
        if f.principal_roles and members.role is not None:
            roles = _expand(model, tuple(r.raw for r in f.principal_roles))
            args.append(f"{cls}.{members.role.raw}.in_({list(roles)!r})")
        rows.append((f.name.raw, f"Members({', '.join(args)})"))
    return tuple(rows)


# What each route kind uses from FastAPI and from the service's ``routes`` package.
_ROUTE_HELPERS: dict[OperationKind, tuple[str, ...]] = {
    OperationKind.LIST: ("JSONResponse", "Query", "Request"),
    OperationKind.READ: ("IfNoneMatch", "JSONResponse", "Response", "etag", "not_modified"),
    OperationKind.CREATE: (
        "JSONResponse",
        "check_references",
        "check_writable",
        "commit",
        "etag",
        "flush",
        "forbidden",
    ),
    OperationKind.UPDATE: (
        "IfMatch",
        "JSONResponse",
        "check_if_match",
        "check_references",
        "check_writable",
        "commit",
        "etag",
        "forbidden",
    ),
    OperationKind.DELETE: ("IfMatch", "Response", "check_if_match", "commit", "forbidden"),
    OperationKind.TRANSITION: (
        "IfMatch",
        "JSONResponse",
        "check_if_match",
        "commit",
        "etag",
        "forbidden",
    ),
}
_FASTAPI = {"APIRouter", "Depends", "Query", "Request", "Response"}
# From the service's ``deps`` module: the Annotated dependencies of the route signatures.
_DEPS = {"Authorize", "IfMatch", "IfNoneMatch", "SessionDep"}
_SCHEMA_ALIASES = ("Email", "QueryDateTime", "Text", "Url")


def _imports(package: str, r: ResourceView) -> tuple[str, ...]:
    """The import lines of a resource module: what its routes, tables and filters use."""
    kinds = {route.http.kind for route in r.routes}
    used = {"APIRouter", "Depends", "Authorize", "ReferenceRule", "SessionDep", "parse_id"}
    for kind in kinds:
        used.update(_ROUTE_HELPERS[kind])
    if r.refs:
        used.add("Reference")
    routes = sorted(used - _FASTAPI - _DEPS - {"JSONResponse"})
    typing_names = ["Annotated", "Literal"] if OperationKind.LIST in kinds else ["Annotated"]
    lines = [
        "import sqlalchemy as sa",
        "from sqlalchemy.orm import Session",
        f"from fastapi import {', '.join(sorted(used & _FASTAPI))}",
        f"from {package} import {', '.join(_service_modules(r))}",
        f"from typing import {', '.join(typing_names)}",
        f"from {package}.auth import Principal",
        f"from {package}.deps import {', '.join(sorted(used & _DEPS))}",
        f"from {package}.models import {', '.join(r.model_imports)}",
        f"from {package}.problems import not_found",
        f"from {package}.routes import {', '.join(routes)}",
        f"from {package}.runtime.deprecation import Deprecation, deprecating_route",
    ]
    if "JSONResponse" in used:
        lines.append("from fastapi.responses import JSONResponse")
    if OperationKind.LIST in kinds:
        lines.append(f"from {package}.pagination import SortKey, paginate")
    if any(f.contains for f in r.filters):
        lines.append(f"from {package}.runtime.lists import contains")
    if r.principals:
        lines.append(f"from {package}.runtime.principals import Members, check_principals")
    if any(line.startswith("hooks.") for _, lines in r.after for line in lines):
        lines.append(f"from {package}_ext import hooks")
    if r.nested_routes:
        lines.append(f"from {package}.runtime import nesting")
    if r.visibility:
        names = "FieldRule, redact" + (", refuse_hidden_query" if r.op("list") else "")
        lines.append(f"from {package}.runtime.visibility import {names}")
    if r.write_conditions:
        lines.append(
            f"from {package}.runtime.write_rules import WriteCheck, check_write_conditions"
        )
    if r.members_of:
        lines.append(f"from {package}.runtime.principals import MemberOf, check_members_of")
    annotations = " ".join(f.annotation for f in r.filters)
    schemas = [alias for alias in _SCHEMA_ALIASES if alias in annotations.replace("[", " ").split()]
    schemas += [
        route.http.request_schema for route in r.routes if route.http.request_schema is not None
    ]
    lines.append(f"from {package}.schemas import {', '.join([*schemas, f'dump_{r.entity}'])}")
    for module, marker in (("datetime as dt", "dt."), ("uuid", "uuid."), ("decimal", "Decimal")):
        if marker in annotations:
            lines.append(
                "from decimal import Decimal" if module == "decimal" else f"import {module}"
            )
    return tuple(lines)


def _service_modules(r: ResourceView) -> tuple[str, ...]:
    """The service's own modules a resource module uses."""
    out = ["permissions"]
    if r.op("delete"):
        out.append("deletion")
    effects_now = any("events.utcnow()" in line for _, lines in r.after for line in lines)
    if r.events or effects_now or any(f.auto_now for f in r.fields):
        out.append("events")
    if r.transitions:
        out.append("machines")
    return tuple(sorted(out))


def schema_imports(svc: ServiceView) -> tuple[str, ...]:
    """schemas.py's imports of the runtime's list item checks, when a request model uses them."""
    annotations = " ".join(
        f.create_annotation + " " + f.update_annotation for r in svc.resources for f in r.fields
    )
    names = [n for n in ("unique_items", "uuid_item") if f"({n})" in annotations]
    return (f"from {svc.name}.runtime.lists import {', '.join(names)}",) if names else ()


def request_models(r: ResourceView) -> tuple[RequestModelView, ...]:
    """The request bodies of ``r``'s operations: Create and Update, when it has them."""
    out = []
    schemas = {route.http.request_schema for route in r.routes}
    if f"{r.class_name}Create" in schemas:
        out.append(
            RequestModelView(
                f"{r.class_name}Create",
                tuple(
                    RequestFieldView(f.name, f.create_annotation, f.create_value)
                    for f in r.create_fields
                ),
            )
        )
    nested = next((o.http for o in r.nested_routes if o.http.kind is OperationKind.CREATE), None)
    if nested is not None and nested.parent is not None:  # the parent field from the path
        out.append(
            RequestModelView(
                f"{r.class_name}CreateNested",
                tuple(
                    RequestFieldView(f.name, f.create_annotation, f.create_value)
                    for f in r.create_fields
                    if f.name != nested.parent.field.raw
                ),
            )
        )
    if r.op("update"):
        out.append(
            RequestModelView(
                f"{r.class_name}Update",
                tuple(
                    RequestFieldView(f.name, f.update_annotation, f.update_value)
                    for f in r.update_fields
                ),
            )
        )
    return tuple(out)


def _tenant_view(model: Service) -> TenantView:
    entity = model.tenant_entity
    values = []
    for f in entity.fields:
        if not f.client_writable or f.has_default or not f.required:
            continue
        if f.name.raw == "name" or (f.type in (FieldType.STRING, FieldType.TEXT) and not values):
            expr = "name" if f.max_length is None else f"name[:{f.max_length}]"
        elif f.type in (FieldType.STRING, FieldType.TEXT):
            expr = "slugify(name)" if f.max_length is None else f"slugify(name)[:{f.max_length}]"
        elif f.type is FieldType.ENUM:
            expr = repr(f.enum_values[0])
        else:
            raise ValueError(
                f"tenant field {f.name} ({f.type}) needs a value `tenant create` cannot make up"
            )
        values.append((f.name.raw, expr))
    return TenantView(class_name=entity.name.pascal, values=tuple(values))


def service_view(model: Service) -> ServiceView:
    surface = lower_http(model)
    resources = tuple(
        resource_view(model, r, http)
        for r, http in zip(model.api.resources, surface.resources, strict=True)
    )
    machines = tuple(
        machine_view(model, m, model.api.resource_for(m.entity.raw)) for m in model.state_machines
    )
    hooks: dict[str, HookView] = {}
    for m in model.state_machines:
        entity = model.entity(m.entity.raw)
        assert entity is not None
        for t in m.transitions:
            if t.hook is None:
                continue
            prior = hooks.get(t.hook.raw)
            names = (*prior.transitions, t.name.raw) if prior else (t.name.raw,)
            hooks[t.hook.raw] = HookView(
                t.hook.raw, entity.name.raw, entity.name.pascal, names, m.name.raw
            )
    for entity in model.entities:
        for action, hook in entity.hooks:
            prior = hooks.get(hook.raw)
            writes = (*prior.writes, action) if prior else (action,)
            hooks[hook.raw] = HookView(
                hook.raw, entity.name.raw, entity.name.pascal, (), "", writes
            )
    claims = model.tenancy.claims
    return ServiceView(
        name=model.name.raw,
        ext=f"{model.name.raw}_ext",
        title=model.title,
        version=model.version,
        description=model.description or model.title,
        env_prefix=model.name.constant,
        base_path=model.api.base_path,
        claims_subject=claims.subject,
        claims_tenant=claims.tenant,
        claims_roles=claims.roles,
        cross_tenant_roles=tuple(r.raw for r in model.tenancy.cross_tenant_roles),
        roles=tuple(r.name.raw for r in model.permissions.roles),
        resources=resources,
        machines=machines,
        permissions=permissions_view(model),
        hooks=tuple(sorted(hooks.values(), key=lambda h: h.name)),
        problems=tuple(ProblemView(p.slug, p.status, p.title, p.type_uri) for p in PROBLEM_TYPES),
        tenant=_tenant_view(model),
        default_limit=model.api.pagination.default_limit,
        max_limit=model.api.pagination.max_limit,
        deletion=deletion_view(model),
        billing=billing_view(model),
        platform=platform_view(model),
    )


ACCESS_VALUES = tuple(a.value for a in Access)
