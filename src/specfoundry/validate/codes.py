"""The registry of diagnostic codes: one entry per code the compiler front end can report.

Codes are stable: a code keeps its meaning forever (a retired code is never reused), so users
can search for it and tools can filter on it. Ranges: SF1xx loading YAML, SF2xx JSON Schema
(structure), SF3xx semantic checks: 30x references, 31x names, 32x state machines,
33x conditions, 34x permissions, 35x API, 36x tenancy, 37x fields,
38x billing and platform features; SF40x field types, visibility and write effects;
41x nested resources;
SF999 internal errors.

``docs/diagnostics.md`` is generated from this module by ``scripts/gen_diagnostics_doc.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.diagnostics import Severity

E = Severity.ERROR
W = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Code:
    id: str
    severity: Severity
    title: str
    explanation: str
    example: str  # a spec excerpt (YAML) that triggers the code
    fix: str  # what to do instead, prose or a YAML excerpt
    # Why the diagnostic may come without a file location (None: it always has one).
    unlocated: str | None = None


AREAS = {
    "SF1": "Loading YAML",
    "SF20": "Structure (JSON Schema)",
    "SF30": "References",
    "SF31": "Names",
    "SF32": "State machines",
    "SF33": "Conditions",
    "SF34": "Permissions",
    "SF35": "API",
    "SF36": "Tenancy",
    "SF37": "Fields",
    "SF38": "Billing and platform features",
    "SF39": "Platform features: jobs, timers and built-in events",
    "SF40": "Field types, visibility and write effects",
    "SF41": "Nested resources",
    # SF417-SF421 (SF410-SF416 are the nested resources'): write rules and member_of.
    "SF417": "Field write rules and project membership of principals",
    "SF418": "Field write rules and project membership of principals",
    "SF419": "Field write rules and project membership of principals",
    "SF420": "Field write rules and project membership of principals",
    "SF421": "Field write rules and project membership of principals",
    "SF422": "Field write rules and project membership of principals",
    "SF9": "Internal",
}

_CODES = (
    # -- SF1xx: loading --------------------------------------------------------------------
    Code(
        "SF101",
        E,
        "spec path not found or unreadable",
        "The path given to the command does not exist, or a file in it cannot be read.",
        "$ specfoundry validate spce.yaml",
        "Check the path: a spec is one YAML file or a folder of them.",
        unlocated="the path itself is missing, so there is no file to point into",
    ),
    Code(
        "SF102",
        E,
        "file is not UTF-8 text",
        "The file holds bytes that are not UTF-8 text (or NUL bytes): most likely the path "
        "names a binary file.",
        "$ specfoundry validate logo.png",
        "Point at the spec's YAML file; save it as UTF-8.",
    ),
    Code(
        "SF103",
        E,
        "invalid YAML",
        "The YAML parser rejected the file: bad indentation, an unclosed quote or bracket, a "
        "list or mapping used as a key, a second document, an alias that contains itself, a "
        "control character.",
        "entities:\n  note:\n    fields: {title: {type: string}\n",
        "entities:\n  note:\n    fields: {title: {type: string}}\n",
    ),
    Code(
        "SF104",
        E,
        "the spec is empty",
        "No file of the spec holds anything but comments.",
        "# TODO: write the spec\n",
        "Start from `specfoundry init DIR`, or from examples/minimal/spec.yaml.",
    ),
    Code(
        "SF105",
        E,
        "duplicate key in a mapping",
        "The same key appears twice in one mapping. YAML would silently keep only one of the "
        "values, so specfoundry refuses both and names both places.",
        "fields:\n  title: {type: string}\n  title: {type: text}\n",
        "fields:\n  title: {type: string}\n  body: {type: text}\n",
    ),
    Code(
        "SF106",
        E,
        "item defined in two files",
        "A folder spec merges its files' top-level sections (`entities`, `events`, ...). The "
        "same item (e.g. `entities.note`) written in two files is an error; the message names "
        "the first place, the location is the second.",
        "# a.yaml\nentities:\n  note: {fields: {title: {type: string}}}\n"
        "# b.yaml\nentities:\n  note: {fields: {body: {type: text}}}\n",
        "Define each entity, machine, event... in one file only.",
    ),
    Code(
        "SF107",
        E,
        "folder holds no YAML files",
        "The path is a folder, but no `*.yaml` or `*.yml` file is in it (or below it). "
        "Hidden files and folders (names starting with a dot) are not part of a spec.",
        "$ specfoundry validate src/",
        "Point at the folder that holds the spec's YAML files.",
        unlocated="there is no file to point into",
    ),
    Code(
        "SF108",
        E,
        "file too large",
        "A spec file is larger than 1 MiB, or the spec's files add up to more than 4 MiB. "
        "Real specs are a few KiB; the limit keeps a wrong path from taking minutes.",
        "$ specfoundry validate dump.yaml   # 50 MB",
        "Check the path; split a genuinely large spec into several files of one folder.",
    ),
    Code(
        "SF109",
        E,
        "file does not hold a mapping",
        "A spec file must be a mapping of top-level sections; this one is a list or a scalar.",
        "- service: {name: notes}\n",
        "service: {name: notes, version: 0.1.0}\n",
    ),
    Code(
        "SF110",
        E,
        "document expands to too many values",
        "Aliases (`*name`) are expanded when the spec is read, so nested aliases multiply (the "
        "'billion laughs' attack). Reading stops after 200,000 values.",
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n# ... and so on",
        "Write the spec out plainly; it never needs that many values.",
    ),
    Code(
        "SF111",
        E,
        "YAML nested too deeply",
        "The YAML is nested more than 64 levels deep. No spec needs more than about eight.",
        "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]"
        "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
        "Check the indentation; a spec's structure is shallow.",
    ),
    # -- SF2xx: structure ------------------------------------------------------------------
    Code(
        "SF200",
        E,
        "structure error",
        "The document breaks a rule of the JSON Schema (specs/specfoundry.schema.json) that "
        "has no more specific code.",
        "api:\n  resources:\n    notes:\n      entity: note\n      transitions: some\n",
        "Follow the message; docs/spec-reference.md describes every key.",
    ),
    Code(
        "SF201",
        E,
        "missing required key",
        "A section or item lacks a key it must have.",
        "service:\n  name: notes\n",
        "service:\n  name: notes\n  version: 0.1.0\n",
    ),
    Code(
        "SF202",
        E,
        "unknown key",
        "A key that the spec language does not define at this place, often a typo; the hint "
        "suggests the closest allowed key.",
        "fields:\n  title: {type: string, requried: true}\n",
        "fields:\n  title: {type: string, required: true}\n",
    ),
    Code(
        "SF203",
        E,
        "wrong type of value",
        "A value of the wrong kind: a scalar where a mapping belongs, a number where a string "
        "belongs, a list where a mapping belongs...",
        "entities:\n  note: note\n",
        "entities:\n  note:\n    fields: {title: {type: string}}\n",
    ),
    Code(
        "SF204",
        E,
        "invalid value",
        "A value of the right kind that is not allowed: not one of the listed choices, not "
        "snake_case, not a date, not a rate such as 600/minute.",
        "fields:\n  title: {type: strng}\n",
        "fields:\n  title: {type: string}\n",
    ),
    # -- SF30x: references -----------------------------------------------------------------
    Code(
        "SF301",
        E,
        "unknown entity",
        "The tenant entity, a `ref` field's `entity`, a state machine's `entity`, a "
        "permission rule, an API resource or rate_limits.plan_field names an entity the spec "
        "does not declare.",
        "dashboard:\n  fields:\n    project_id: {type: ref, entity: projet}\n",
        "dashboard:\n  fields:\n    project_id: {type: ref, entity: project}\n",
    ),
    Code(
        "SF302",
        E,
        "unknown field",
        "A state machine's `field`, a transition's `effects`, an index or "
        "rate_limits.plan_field names a field the entity does not have.",
        "indexes:\n  - [project_id, titel]\n",
        "indexes:\n  - [project_id, title]\n",
    ),
    Code(
        "SF303",
        E,
        "unknown state",
        "A state machine's `initial`, or a transition's `from` or `to`, names a state the "
        "machine does not declare.",
        "states: {draft: {}, live: {}}\ntransitions:\n  publish: {from: draft, to: published}\n",
        "states: {draft: {}, live: {}}\ntransitions:\n  publish: {from: draft, to: live}\n",
    ),
    Code(
        "SF304",
        E,
        "unknown role",
        "A permission rule, a transition's `roles`, a field's `writable_by`, a role's "
        "`inherits` or tenancy.cross_tenant_roles names a role not declared under "
        "permissions.roles.",
        "rules:\n  note:\n    read: [reeder]\n",
        "rules:\n  note:\n    read: [reader]\n",
    ),
    Code(
        "SF305",
        E,
        "unknown event",
        "An entity's `emits` or a transition's `events` names an event not declared under "
        "`events`.",
        "project:\n  emits: {create: project.creatd}\n",
        "events:\n  project.created: {payload: {project_id: uuid}}\n",
    ),
    Code(
        "SF306",
        E,
        "entities reference each other in a cycle",
        "`ref` fields lead from an entity back to itself through other entities (a -> b -> a). "
        "Each `ref` is a foreign key, and the tables are created parents first, so a cycle has "
        "no order to create them in (and no order to insert their first rows in). A `ref` from "
        "an entity to itself (a tree) is fine.",
        "note:\n  fields: {folder_id: {type: ref, entity: folder}}\nfolder:\n"
        "  fields: {pinned_note_id: {type: ref, entity: note}}\n",
        "Keep the reference that defines ownership (note.folder_id) and make the other a plain "
        "id without a foreign key:\n\nfolder:\n  fields: {pinned_note_id: {type: uuid}}\n\n"
        "or move it to an entity of its own that refers to both (e.g. folder_pin with folder_id "
        "and note_id).",
    ),
    # -- SF31x: names ----------------------------------------------------------------------
    Code(
        "SF310",
        E,
        "reserved word used as a name",
        "A name would become an identifier that Python or SQL reserves, or one the generated "
        "models already use: a field `from`, `order` or `metadata`, an entity, state or "
        "transition `class`, a table `user` (set with `table:`; the default plural `users` is "
        "fine). The generated code would not compile, or its SQL would need quoting everywhere.",
        "fields:\n  order: {type: integer}\n",
        "fields:\n  position: {type: integer}\n",
    ),
    Code(
        "SF311",
        E,
        "name listed twice",
        "The same name appears twice in one list: enum values, `from`, `roles`, `events`, "
        "`inherits`, `writable_by`, cross_tenant_roles, an index, a resource's transitions, "
        "or the same grant twice in one rule.",
        "status: {type: enum, values: [open, closed, open]}\n",
        "status: {type: enum, values: [open, closed]}\n",
    ),
    Code(
        "SF312",
        E,
        "two entities share one table",
        "Two entities map to the same table name (through `table:` or the default plural).",
        "person: {fields: {name: {type: string}}}\nhuman:\n  table: persons\n"
        "  fields: {name: {type: string}}\n",
        "human:\n  table: humans\n",
    ),
    Code(
        "SF313",
        E,
        "field named like a system column",
        "Every entity already gets the columns id, created_at, updated_at, version and "
        "deleted_at; a field may not take one of these names. (tenant_id is SF361.)",
        "fields:\n  created_at: {type: datetime}\n",
        "Remove the field: `created_at` is there already and is filled by the service.",
    ),
    Code(
        "SF314",
        E,
        "name too long for PostgreSQL",
        "An entity, field or table name is longer than 63 bytes; PostgreSQL truncates "
        "identifiers, so two long names could silently become one.",
        "fields:\n  the_date_on_which_the_customer_first_signed_the_master_services_agreement: "
        "{type: date}\n",
        "fields:\n  msa_signed_on: {type: date}\n",
    ),
    Code(
        "SF315",
        E,
        "entity named like a table or class of the generated service",
        "Every generated service has the tables outbox_events and transition_records, and its "
        "models.py defines or imports the classes Base, TenantScoped, TenantRoot, OutboxEvent, "
        "TransitionRecord, UTCDateTime, Any, ClassVar, Decimal and Mapped. An entity whose table "
        "(the plural of its name, or `table:`) or class (its name in PascalCase) is one of these "
        "would replace or shadow it.",
        "entities:\n  outbox_event:\n    fields: {topic: {type: string}}\n",
        "entities:\n  webhook_event:\n    fields: {topic: {type: string}}\n",
    ),
    Code(
        "SF316",
        E,
        "entity named like a built-in entity of a platform feature",
        "A platform feature the spec switches on brings its own tables as built-in entities "
        "(event handlers: processed_event; `api.idempotency`: idempotency_key; `api.api_keys`: "
        "api_key; `audit`: audit_event; `billing`: billing_event). A spec entity with the same "
        "name or table would replace it.",
        "events:\n  project.created:\n    handlers: {notify: {}}\nentities:\n"
        "  processed_event:\n    fields: {consumer: {type: string}}\n",
        "events:\n  project.created:\n    handlers: {notify: {}}\nentities:\n"
        "  handled_note:\n    fields: {consumer: {type: string}}\n",
    ),
    # -- SF32x: state machines -------------------------------------------------------------
    Code(
        "SF320",
        E,
        "machine drives a field that is not a state field",
        "A state machine's `field` must be declared `type: state` on its entity.",
        "entities:\n  order:\n    fields: {status: {type: string}}\nstate_machines:\n"
        "  lifecycle: {entity: order, field: status, ...}\n",
        "fields: {status: {type: state}}\n",
    ),
    Code(
        "SF321",
        E,
        "state field without a state machine",
        "A `type: state` field takes its values and its transitions from exactly one state "
        "machine; none names this field.",
        "fields:\n  status: {type: state}\n# and no state machine with field: status\n",
        "state_machines:\n  lifecycle:\n    entity: order\n    field: status\n    ...\n"
        "# or: status: {type: enum, values: [...]}\n",
    ),
    Code(
        "SF322",
        E,
        "state field driven by two machines",
        "Two state machines name the same entity field; a state field follows one machine.",
        "state_machines:\n  a: {entity: order, field: status, ...}\n"
        "  b: {entity: order, field: status, ...}\n",
        "Merge the machines, or give the second one its own state field.",
    ),
    Code(
        "SF323",
        E,
        "unreachable state",
        "No chain of transitions leads from the initial state to this state, so no record "
        "can ever be in it.",
        "initial: draft\nstates: {draft: {}, live: {}, archived: {terminal: true}}\n"
        "transitions:\n  publish: {from: draft, to: live}\n  retire: {from: live, to: live}\n",
        "transitions:\n  archive: {from: live, to: archived}\n",
    ),
    Code(
        "SF324",
        E,
        "non-terminal state with no way out",
        "No transition leaves this state, but it is not marked terminal: records that reach "
        "it are stuck. Either it should be terminal or a transition is missing.",
        "states: {draft: {}, live: {}}\ntransitions:\n  publish: {from: draft, to: live}\n",
        "states: {draft: {}, live: {terminal: true}}\n",
    ),
    Code(
        "SF325",
        E,
        "transition out of a terminal state",
        "A transition lists a terminal state in `from`; nothing leaves a terminal state.",
        "states: {live: {}, deleted: {terminal: true}}\ntransitions:\n"
        "  restore: {from: deleted, to: live}\n",
        "Drop `terminal: true` from the state, or remove it from `from`.",
    ),
    Code(
        "SF326",
        E,
        "transition name defined by two machines of one entity",
        "Transitions become endpoints POST /{resource}/{id}/{transition} and permission "
        "actions, so two machines of one entity may not both define the same name.",
        "state_machines:\n  billing: {entity: account, ..., transitions: {pause: ...}}\n"
        "  sync: {entity: account, ..., transitions: {pause: ...}}\n",
        "Rename one, e.g. `pause_sync`.",
    ),
    Code(
        "SF327",
        E,
        "transition named like a CRUD action",
        "A transition may not be named read, list, create, update or delete: its endpoint and "
        "its permission rule would clash with the built-in action.",
        "transitions:\n  delete: {from: live, to: deleted}\n",
        "transitions:\n  archive: {from: live, to: deleted}\n",
    ),
    Code(
        "SF328",
        E,
        "effect does not fit its field",
        "A transition's `effects` sets a field to a value it cannot hold: `now` on a field "
        "that is not a date or datetime, `principal` on one that is not a string or uuid, a "
        "literal of the wrong type, null on a required field, or the state field itself.",
        "effects: {canceled_by: now}   # canceled_by is a string\n",
        "effects: {canceled_by: principal, canceled_at: now}\n",
    ),
    Code(
        "SF329",
        E,
        "grace period without grace_days (or the reverse)",
        "`access: grace` needs `grace_days` (how long access lasts), and `grace_days` only "
        "means something with `access: grace`.",
        "past_due: {access: grace}\n",
        "past_due: {access: grace, grace_days: 7}\n",
    ),
    # -- SF33x: conditions -----------------------------------------------------------------
    Code(
        "SF330",
        E,
        "condition does not parse",
        "A `when` or `guard` is not in the condition language: comparisons (== != < <= > "
        ">=, `in [...]`) of resource.<field> and principal.<id|tenant_id|roles> with literals,"
        " joined by and/or/not.",
        'when: "resource.owner_id = principal.id"\n',
        'when: "resource.owner_id == principal.id"\n',
    ),
    Code(
        "SF331",
        E,
        "condition reads an unknown field",
        "`resource.<name>` must be a field of the entity the rule or transition is about (or a "
        "column every row has: id, tenant_id, created_at, updated_at, version, deleted_at).",
        "when: \"resource.visibilty == 'workspace'\"\n",
        "when: \"resource.visibility == 'workspace'\"\n",
    ),
    Code(
        "SF332",
        E,
        "condition reads an unknown principal attribute",
        "The caller is known by `principal.id` (the token subject), `principal.tenant_id` and "
        "`principal.roles`; nothing else.",
        'when: "resource.owner_id == principal.user_id"\n',
        'when: "resource.owner_id == principal.id"\n',
    ),
    Code(
        "SF333",
        E,
        "condition compares incompatible values",
        "The two sides of a comparison cannot be equal: an enum or state field against a "
        "value that is not among its values, a number field against a string, principal.id "
        "against a boolean field, a non-boolean field standing alone, null with < or >.",
        "when: \"resource.status in ['draft', 'archivd']\"\n",
        "when: \"resource.status in ['draft', 'archived']\"\n",
    ),
    Code(
        "SF334",
        E,
        "comparison not defined for the type",
        "`<`, `<=`, `>`, `>=` need ordered values (numbers, dates, text); booleans, enums, "
        "states, uuids and principal.roles have no order. Json and list fields cannot be compared.",
        "when: \"resource.status > 'draft'\"\n",
        "when: \"resource.status in ['live', 'archived']\"\n",
    ),
    Code(
        "SF335",
        W,
        "condition that never changes",
        "A comparison of two literals, or a literal true/false, always gives the same answer; "
        "probably a typo.",
        "when: \"'admin' == 'admin'\"\n",
        "Compare resource.<field> or principal.<name> with a value, or drop the condition.",
    ),
    Code(
        "SF336",
        E,
        "condition follows an unknown relation",
        "In `resource.<ref>.<field>` each hop must be a reference field of the entity reached so "
        "far, written with or without its `_id` suffix (`resource.project.owner_id` follows "
        "`project_id`).",
        'when: "resource.projet.owner_id == principal.id"\n',
        'when: "resource.project.owner_id == principal.id"\n',
    ),
    Code(
        "SF337",
        E,
        "relation path through a field that is not a reference",
        "Only `type: ref` fields lead to another entity; a path cannot continue after a string, "
        "number or other plain field.",
        'when: "resource.title.owner_id == principal.id"\n',
        'when: "resource.project.owner_id == principal.id"\n',
    ),
    Code(
        "SF338",
        E,
        "relation path with a cycle or too many hops",
        "A relation path may not come back to an entity it has already visited (e.g. "
        "task -> project -> task) and has at most 3 hops, so every relation condition is a "
        "bounded chain of primary-key lookups (and one `EXISTS` in SQL).",
        'when: "resource.project.lead_task.project.owner_id == principal.id"\n',
        'when: "resource.project.owner_id == principal.id"\n',
    ),
    Code(
        "SF339",
        E,
        "relation path that cannot become SQL",
        "A condition is compiled twice, to an object check and to a list filter. A relation "
        "path becomes an `EXISTS` subquery, so it may be compared with a literal or a principal "
        "attribute only (not with another resource field or a second path), and it may appear "
        "in permission rules, not in transition guards.",
        'when: "resource.project.owner_id == resource.owner_id"\n',
        'when: "resource.project.owner_id == principal.id"\n',
    ),
    # -- SF34x: permissions ----------------------------------------------------------------
    Code(
        "SF340",
        E,
        "role inheritance cycle",
        "Roles inherit from each other in a loop; the message shows the whole path.",
        "roles:\n  admin: {inherits: [owner]}\n  owner: {inherits: [admin]}\n",
        "roles:\n  admin: {}\n  owner: {inherits: [admin]}\n",
    ),
    Code(
        "SF341",
        E,
        "rule for an action the entity does not have",
        "A permission rule names an action that is neither a CRUD action (read, list, "
        "create, update, delete) nor a transition of the entity's state machines.",
        "rules:\n  note:\n    archive: [writer]   # note has no transition 'archive'\n",
        "Fix the name, or add the transition to the entity's state machine.",
    ),
    Code(
        "SF342",
        E,
        "parent permission that is not an action of the referenced entity",
        "`parent_permission` goes on a `ref` field and names what the caller must be allowed to "
        "do to the object it names, to create or re-point the referrer: `read` (the default), "
        "`update` or a transition of the referenced entity.",
        "project_id: {type: ref, entity: project, parent_permission: edit}\n",
        "project_id: {type: ref, entity: project, parent_permission: update}\n",
    ),
    Code(
        "SF343",
        E,
        "transition granted in two places",
        "A transition lists `roles` and `permissions.rules` also has an entry for it; grant a "
        "transition in one place only.",
        "transitions:\n  publish: {from: draft, to: live, roles: [editor]}\n"
        "rules:\n  post:\n    publish: [admin]\n",
        "Keep either the transition's `roles` or the rule.",
    ),
    Code(
        "SF344",
        E,
        "membership test without a membership entity",
        "`principal in resource.<path>.members` and `principal.role_in(resource.<path>)` read "
        "the entity marked `membership:` whose `object` references the entity the path leads "
        "to; there must be one, and `role_in` needs its `role`.",
        'when: "principal in resource.project.members"   # no entity has membership: ...\n',
        "project_member:\n  membership: {subject: user_id, object: project_id, role: role}\n"
        "  fields:\n    user_id: {type: string, required: true}\n"
        "    project_id: {type: ref, entity: project, required: true}\n"
        "    role: {type: enum, values: [admin, member]}\n",
    ),
    Code(
        "SF345",
        E,
        "membership declaration names a wrong field",
        "`membership: {subject, object, role}` names fields of the entity: `subject` a string "
        "field (the token subject), `object` a reference field, `role` an enum field.",
        "membership: {subject: user_id, object: project}\n",
        "membership: {subject: user_id, object: project_id}\n",
    ),
    # -- SF35x: API ------------------------------------------------------------------------
    Code(
        "SF350",
        E,
        "sunset date not after the deprecation date",
        "A deprecation's `sunset` (when the endpoint stops working) must come after its "
        "`since` date.",
        "deprecated: {since: 2026-09-01, sunset: 2026-03-01}\n",
        "deprecated: {since: 2026-09-01, sunset: 2027-03-01}\n",
    ),
    Code(
        "SF351",
        E,
        "entity exposed twice",
        "Two API resources expose the same entity; each entity has one resource.",
        "resources:\n  notes: {entity: note, operations: [read]}\n"
        "  memos: {entity: note, operations: [list]}\n",
        "resources:\n  notes: {entity: note, operations: [list, read]}\n",
    ),
    Code(
        "SF352",
        E,
        "resource exposes a transition the entity does not have",
        "A resource's `transitions` list names a transition that none of the entity's state "
        "machines defines.",
        "data-sources: {entity: data_source, operations: [read], transitions: [conect]}\n",
        "data-sources: {entity: data_source, operations: [read], transitions: [connect]}\n",
    ),
    Code(
        "SF353",
        W,
        "exposed operation nobody may call",
        "The resource exposes an operation or transition, but no permission rule grants it "
        "to any role (default deny), so every call gets 403.",
        "resources:\n  notes: {entity: note, operations: [list, delete]}\n"
        "rules:\n  note: {list: [reader]}\n",
        "rules:\n  note: {list: [reader], delete: [writer]}\n",
    ),
    Code(
        "SF354",
        E,
        "default page size above the maximum",
        "`pagination.default_limit` must not exceed `max_limit`.",
        "pagination: {default_limit: 200, max_limit: 100}\n",
        "pagination: {default_limit: 20, max_limit: 100}\n",
    ),
    Code(
        "SF355",
        E,
        "default plan is not a plan",
        "`rate_limits.default_plan` must be one of the keys of `rate_limits.plans`.",
        "rate_limits:\n  default_plan: basic\n  plans: {free: 60/minute}\n",
        "rate_limits:\n  default_plan: free\n  plans: {free: 60/minute}\n",
    ),
    Code(
        "SF356",
        E,
        "plan field cannot hold every plan",
        "`rate_limits.plan_field` must be an enum field whose values include every plan.",
        "plan_field: subscription.plan   # values: [free, team]\n"
        "plans: {free: 60/minute, team: 600/minute, enterprise: 6000/minute}\n",
        "plan: {type: enum, values: [free, team, enterprise]}\n",
    ),
    Code(
        "SF357",
        E,
        "resource cannot be created",
        "The resource exposes create, but a required field without a default is read-only "
        "(no request may set it) or writable only by roles that may not create the entity.",
        "fields:\n  code: {type: string, required: true, read_only: true}\n",
        "fields:\n  code: {type: string, required: true}\n",
    ),
    Code(
        "SF358",
        E,
        "SLA target names an unknown operation or plan",
        "An `sla.targets` entry's `operation` must be an operationId of the API, and its `plan` "
        "a key of `api.rate_limits.plans`.",
        "sla:\n  targets:\n    - {operation: list_dashboard, p95_ms: 200}\n",
        "sla:\n  targets:\n    - {operation: list_dashboards, p95_ms: 200}\n",
    ),
    Code(
        "SF359",
        E,
        "deprecation of an operation that is not exposed",
        "`deprecated_operations` names an operation missing from the resource's `operations`.",
        "operations: [list, read]\ndeprecated_operations:\n  update: {since: 2026-01-01}\n",
        "Remove the entry, or expose the operation.",
    ),
    # -- SF36x: tenancy --------------------------------------------------------------------
    Code(
        "SF360",
        E,
        "tenant entity is tenant-scoped",
        "The tenant entity's id is the tenant id; its rows cannot belong to a tenant.",
        "workspace:\n  tenant_scoped: true\n",
        "workspace:\n  tenant_scoped: false   # or leave it out\n",
    ),
    Code(
        "SF361",
        E,
        "field named like the tenant column",
        "Every tenant-scoped row gets a `tenant_id` column, set from the caller's token and "
        "never from the request; a field may not take its name.",
        "fields:\n  tenant_id: {type: uuid}\n",
        "Remove the field; every row already has tenant_id.",
    ),
    Code(
        "SF362",
        E,
        "shared entity points at tenant data",
        "An entity that is not tenant-scoped (shared by all tenants) has a `ref` to a "
        "tenant-scoped entity, so a shared row would point into one tenant's data.",
        "country:\n  tenant_scoped: false\n  fields: {owner_id: {type: ref, entity: member}}\n",
        "Make the referring entity tenant-scoped, or drop the reference.",
    ),
    Code(
        "SF363",
        W,
        "isolation model not generated yet",
        "Only `shared_schema` (a tenant_id column on every row, enforced by every query) is "
        "generated today; other models fall back to it.",
        "tenancy: {tenant_entity: team, model: schema_per_tenant}\n",
        "tenancy: {tenant_entity: team, model: shared_schema}\n",
    ),
    Code(
        "SF364",
        W,
        "tenant entity exposed with list, create or delete",
        "A caller reaches the tenant entity only at its own id, so list returns one row and "
        "create/delete cannot work from inside the tenant.",
        "workspaces: {entity: workspace, operations: [list, read, create, update, delete]}\n",
        "workspaces: {entity: workspace, operations: [read, update]}\n",
    ),
    Code(
        "SF365",
        E,
        "roles_from names a wrong entity or field",
        "`tenancy.roles_from: {entity, subject, role, prefer}` takes tenant-level roles from a "
        "membership table: `entity` must exist, `subject` be a string field (the token "
        "subject) and `role` an enum field whose every value is a role the spec defines.",
        "roles_from: {entity: member, subject: user_id, role: title}\n",
        "roles_from: {entity: member, subject: user_id, role: role, prefer: union}\n",
    ),
    # -- SF37x: fields ---------------------------------------------------------------------
    Code(
        "SF370",
        E,
        "lower bound above upper bound",
        "`min_length` is greater than `max_length`, or `minimum` greater than `maximum`: no "
        "value could be valid.",
        "title: {type: string, min_length: 10, max_length: 5}\n",
        "title: {type: string, min_length: 5, max_length: 10}\n",
    ),
    Code(
        "SF371",
        E,
        "not a number",
        "`minimum`, `maximum` or a decimal/money `default` is not a finite number.",
        "price: {type: money, currency: USD, default: free}\n",
        'price: {type: money, currency: USD, default: "0.00"}\n',
    ),
    Code(
        "SF372",
        E,
        "invalid default",
        "The default is not a value the field can hold: not among an enum's values, of the "
        "wrong type, outside minimum/maximum or the length bounds, null on a required field, "
        "or given for a state field (which starts in its machine's initial state).",
        "visibility: {type: enum, values: [private, workspace], default: public}\n",
        "visibility: {type: enum, values: [private, workspace], default: private}\n",
    ),
    Code(
        "SF373",
        E,
        "enum without values",
        "A `type: enum` field must list its `values`.",
        "kind: {type: enum}\n",
        "kind: {type: enum, values: [postgres, bigquery]}\n",
    ),
    Code(
        "SF374",
        E,
        "option does not apply to the field's type",
        "`values` belongs to enum fields, `entity` and `on_delete` to ref fields, `currency` "
        "to money, `min_length`/`max_length`/`pattern` to text-like fields, "
        "`minimum`/`maximum` to numbers.",
        "title: {type: string, values: [a, b]}\n",
        "title: {type: enum, values: [a, b]}\n",
    ),
    Code(
        "SF375",
        E,
        "ref without entity",
        "A `type: ref` field must say which entity it points at.",
        "project_id: {type: ref}\n",
        "project_id: {type: ref, entity: project}\n",
    ),
    Code(
        "SF376",
        E,
        "auto value does not fit the type",
        "`auto: now` fills date or datetime fields; `auto: principal` fills string or uuid "
        "fields with the caller's id.",
        "created_by: {type: integer, auto: principal}\n",
        "created_by: {type: string, auto: principal}\n",
    ),
    Code(
        "SF377",
        E,
        "unique on a json or text field",
        "Uniqueness needs an indexable value; json and unbounded text are not.",
        "body: {type: text, unique: true}\n",
        "slug: {type: string, max_length: 80, unique: true}\n",
    ),
    Code(
        "SF378",
        E,
        "invalid regular expression",
        "A field's `pattern` is not a valid regular expression.",
        'slug: {type: string, pattern: "^[a-z"}\n',
        'slug: {type: string, pattern: "^[a-z]+$"}\n',
    ),
    Code(
        "SF379",
        E,
        "contradictory field options",
        "Two options of one field cannot both hold: `required` with `on_delete: set_null`, "
        "`read_only` with `write_once` or `writable_by`, `auto` with `writable_by` or "
        "`default`.",
        "owner_id: {type: ref, entity: member, required: true, on_delete: set_null}\n",
        "owner_id: {type: ref, entity: member, required: true, on_delete: cascade}\n",
    ),
    # -- SF38x: billing ---------------------------------------------------------------------
    Code(
        "SF380",
        E,
        "provider or system transition granted to a role",
        "A transition with `by: provider` or `by: system` is run by the payment provider's "
        "webhooks or by the service itself; no caller may run it, so it takes no `roles` and no "
        "`permissions.rules` entry.",
        "activate: {from: [unpaid], to: active, by: provider, roles: [owner]}\n",
        "activate: {from: [unpaid], to: active, by: provider}\n",
    ),
    Code(
        "SF381",
        E,
        "provider or system transition exposed by the API",
        "A resource lists in `transitions` a transition with `by: provider` or `by: system`; "
        "such transitions have no public route (`transitions: all` leaves them out).",
        "subscriptions: {entity: subscription, operations: [read], transitions: [activate]}\n",
        "subscriptions: {entity: subscription, operations: [read]}\n",
    ),
    Code(
        "SF382",
        E,
        "billing section names something that does not exist",
        "`billing` names an entity, field, state, object kind, plan, feature or resource that "
        "the spec does not have, or its machine has no `by: provider` transition.",
        "billing:\n  statuses: {active: live}   # the machine has no state 'live'\n",
        "billing:\n  statuses: {active: active}\n",
    ),
    Code(
        "SF384",
        E,
        "webhooks name an unknown role",
        "`webhooks.roles` names the roles that manage webhook endpoints and see deliveries; "
        "each must be a role of `permissions.roles`.",
        "webhooks:\n  roles: [integrator]\n",
        "webhooks:\n  roles: [admin]\n",
    ),
    Code(
        "SF385",
        W,
        "webhooks without events",
        "`webhooks` is enabled but the spec declares no event type, so no endpoint could ever "
        "receive anything (endpoints subscribe to declared event types).",
        "webhooks: {}\nevents: {}\n",
        "webhooks: {}\nevents:\n  project.created:\n    payload: {project_id: uuid}\n",
    ),
    Code(
        "SF386",
        E,
        "platform feature names an unknown role",
        "`api.api_keys.roles` and `audit.roles` name the roles that manage API keys and read "
        "the audit log; each must be a role of `permissions.roles`.",
        "audit:\n  roles: [auditor]\n",
        "audit:\n  roles: [owner]\n",
    ),
    Code(
        "SF387",
        E,
        "cache names an unknown resource",
        "`cache.resources` lists API resources (the keys of `api.resources`) whose GET of one "
        "object is cached; each must exist and expose `read`, and one written "
        "`{name: ..., lists: true}` (its list pages cached too) must expose `list`.",
        "cache:\n  resources: [dashbords]\n",
        "cache:\n  resources: [dashboards]\n",
    ),
    Code(
        "SF390",
        E,
        "job names an unknown entity or column",
        "An `export` or `bulk_update` job works on an entity the API serves (`list` for an "
        "export, `update` for a bulk update); export `columns` are fields of the entity (or "
        "`id`, `created_at`, `updated_at`).",
        "jobs:\n  export_dashboards:\n    kind: export\n    entity: dashbord\n    roles: [admin]\n",
        "    entity: dashboard\n",
    ),
    Code(
        "SF391",
        E,
        "job input does not match a field to filter on",
        "Each `input` field of an `export` or `bulk_update` job is an equality filter on the "
        "entity field of the same name, so that field must exist and the input must have its "
        "type (a `ref` or `uuid` field takes `uuid`; `enum` and `state` fields take `string`).",
        "jobs:\n  archive_projects:\n    kind: bulk_update\n    entity: project\n"
        "    set: {archived: true}\n    input: {owner: string}\n    roles: [admin]\n",
        "    input: {owner_id: string}\n",
    ),
    Code(
        "SF392",
        E,
        "bulk update sets a field that cannot be set",
        "A `bulk_update` job sets fields the entity's update route accepts: not read-only, "
        "automatic, write-once or state fields (states change through transitions).",
        "jobs:\n  close_all:\n    kind: bulk_update\n    entity: data_source\n"
        "    set: {status: disconnected}\n    roles: [admin]\n",
        "Set a writable field, or run the transition from a `function` job.",
    ),
    Code(
        "SF393",
        E,
        "job names an unknown role",
        "`roles` of a job lists roles of `permissions.roles` that may start it.",
        "jobs:\n  export_projects:\n    kind: export\n    entity: project\n    roles: [admn]\n",
        "    roles: [admin]\n",
    ),
    Code(
        "SF394",
        E,
        "job keys do not fit its kind",
        "`export` needs `entity` (and takes `columns`, `batch_size`); `bulk_update` needs "
        "`entity` and `set` (and takes `batch_size`); `function` takes `function` (default: the "
        "job's name, in `<service>_ext/jobs.py`).",
        "jobs:\n  archive_projects:\n    kind: bulk_update\n    entity: project\n"
        "    roles: [admin]\n",
        "    set: {archived: true}\n",
    ),
    Code(
        "SF395",
        E,
        "built-in event declared with another payload",
        "A platform feature sends its own events (API keys: `api_key.created`, "
        "`api_key.revoked`). A spec may declare one to describe it or attach handlers, but a "
        "`payload` it writes must list fields (name and type) the feature sends.",
        "events:\n  api_key.revoked:\n    payload: {key: string}\n",
        "events:\n  api_key.revoked:\n    payload: {api_key_id: uuid}\n",
    ),
    Code(
        "SF396",
        E,
        "export column hidden by a read rule",
        "An export's CSV is written once for the starter, without the per-caller field "
        "visibility of API responses, so a field with a `read:` rule cannot be one of its "
        "`columns`; an export without `columns` leaves such fields out.",
        "jobs:\n  export_tickets:\n    kind: export\n    entity: ticket\n"
        "    columns: [title, internal_note]\n    roles: [agent]\n",
        "    columns: [title]\n",
    ),
    Code(
        "SF397",
        E,
        "timer transition not run by the system",
        "A transition with `after:` is a timer: the worker runs it, so it must be `by: system` "
        "(no roles, no route).",
        "fail_connecting:\n  from: [connecting]\n  to: failing\n  after: 10m\n  roles: [admin]\n",
        "fail_connecting:\n  from: [connecting]\n  to: failing\n  after: 10m\n  by: system\n",
    ),
    Code(
        "SF398",
        E,
        "timer transition needs exactly one source state",
        "A timer counts from the moment the object entered its source state, so it has one "
        "source state and a positive delay.",
        "expire:\n  from: [trialing, past_due]\n  to: canceled\n  after: 7d\n  by: system\n",
        "One timer transition per source state.",
    ),
    # -- SF40x: field types, visibility and write effects ------------------------------------
    Code(
        "SF400",
        E,
        "list without item type",
        "A `type: list` field must say what its items are with `items:` (string, integer, "
        "uuid, enum, email or url). The field's `max_length`, `min_length`, `pattern`, "
        "`values`, `minimum` and `maximum` then apply to each item.",
        "labels: {type: list}\n",
        "labels: {type: list, items: string, max_length: 40, max_items: 20, unique: true}\n",
    ),
    Code(
        "SF401",
        E,
        "option a list field cannot have",
        "A `list` field cannot be `sortable` (a list has no order to sort objects by), have "
        "a `default` (it starts empty, or null when optional) or be filled by `auto`.",
        "labels: {type: list, items: string, sortable: true}\n",
        "labels: {type: list, items: string, filterable: true}\n",
    ),
    Code(
        "SF402",
        E,
        "principal option without what it needs",
        "A `principal` field's `roles` are checked against the role of the tenant's members, "
        "so `tenancy.members` must be declared with a `role`; `on_behalf_of` belongs to "
        "`auto: principal` fields.",
        "assignee: {type: principal, roles: [agent]}   # no tenancy.members\n",
        "tenancy:\n  tenant_entity: company\n  members: {entity: member, subject: user_id, "
        "role: role}\n",
    ),
    Code(
        "SF403",
        E,
        "tenancy.members names no usable entity or field",
        "`tenancy.members.entity` must be a tenant-scoped entity, `subject` a string field "
        "of it holding the token subject, `role` an enum field of role names.",
        "tenancy:\n  members: {entity: member, subject: email}   # email is not a string\n",
        "tenancy:\n  members: {entity: member, subject: user_id, role: role}\n",
    ),
    Code(
        "SF404",
        E,
        "conditionally visible field used as a filter or sort",
        "A field whose `read:` rule has a `condition` is absent from responses where the "
        "condition is false; filtering or sorting on it would reveal its value there, so it "
        "cannot be `filterable` or `sortable`. A field restricted by `read.roles` alone can: "
        "callers without the roles get 400 for the filter and 422 for the sort, as for an "
        "unknown field.",
        'internal_note: {type: text, read: {condition: "resource.public == false"}, '
        "sortable: true}\n",
        "internal_note: {type: text, read: {roles: [agent]}, sortable: true}\n",
    ),
    Code(
        "SF405",
        E,
        "effect on a referenced object that cannot be applied",
        "An entity's `effects` set a field of the object one of its reference fields names: "
        "`target` must be a `ref` field of the entity (with or without `_id`), `field` a "
        "field of the referenced entity (not a state or list), `value` a value it can hold "
        "(`now` for dates, `principal` for strings).",
        "effects:\n  create:\n    - set: {target: tiket, field: first_responded_at, value: now}\n",
        "effects:\n  create:\n    - set: {target: ticket, field: first_responded_at, value: now}"
        "\n      once: true\n",
    ),
    # -- SF41x: nested resources -------------------------------------------------------------
    Code(
        "SF410",
        E,
        "nested under an unknown resource",
        "`parent.resource` names the resource whose routes this one nests under; it must be a "
        "key of `api.resources`.",
        "comments:\n  entity: comment\n  operations: [list, create]\n  parent: {resource: taks}\n",
        "comments:\n  entity: comment\n  operations: [list, create]\n  parent: {resource: tasks}\n",
    ),
    Code(
        "SF411",
        E,
        "nested resource without a reference to its parent",
        "A nested resource's entity must have a `ref` field naming the parent resource's "
        "entity: it holds the parent id taken from the path.",
        "comments: {entity: comment, operations: [list], parent: {resource: tasks}}\n"
        "# and `comment` has no `ref` field to `task`\n",
        "comment:\n  fields:\n    task_id: {type: ref, entity: task, required: true}\n",
    ),
    Code(
        "SF412",
        E,
        "nested resource with several references to its parent",
        "The child entity references the parent's entity through more than one field; "
        "`parent.field` says which one holds the parent of the path.",
        "parent: {resource: tasks}  # comment has task_id and reply_to_task_id\n",
        "parent: {resource: tasks, field: task_id}\n",
    ),
    Code(
        "SF413",
        E,
        "parent field is not a reference to the parent",
        "`parent.field` must be a `ref` field of the child entity whose `entity` is the parent "
        "resource's entity.",
        "parent: {resource: tasks, field: body}\n",
        "parent: {resource: tasks, field: task_id}\n",
    ),
    Code(
        "SF414",
        E,
        "parent resource without a read operation",
        "Every nested route loads the parent named in the path and answers 404 unless the "
        "caller may read it, so the parent resource must expose `read`.",
        "tasks: {entity: task, operations: [list, create]}\n"
        "comments: {entity: comment, operations: [list], parent: {resource: tasks}}\n",
        "tasks: {entity: task, operations: [list, read, create]}\n",
    ),
    Code(
        "SF415",
        E,
        "nested more than one level",
        "Nesting is one level only: the parent resource may not be nested itself (nor may a "
        "resource be its own parent, or two resources each other's). Deeper objects keep their "
        "own one-level nesting under their direct parent.",
        "comments: {entity: comment, operations: [list], parent: {resource: tasks}}\n"
        "tasks: {entity: task, operations: [list, read], parent: {resource: projects}}\n",
        "comments: {entity: comment, operations: [list], parent: {resource: tasks}}\n"
        "tasks: {entity: task, operations: [list, read]}  # not nested itself\n",
    ),
    Code(
        "SF416",
        E,
        "nested under a resource of the same entity",
        "A resource nested under a resource of its own entity would route an object under "
        "itself or a sibling; a parent must be another entity the child references.",
        "replies: {entity: comment, operations: [list], parent: {resource: comments}}\n",
        "comments: {entity: comment, operations: [list], parent: {resource: tasks}}\n",
    ),
    Code(
        "SF417",
        E,
        "`write` and `writable_by` on one field",
        "`writable_by: [roles]` is the shorthand of `write: {roles: [roles]}`. A field takes "
        "one of the two: with both, which roles may write it would be ambiguous.",
        "estimate_hours: {type: decimal, writable_by: [admin], write: {condition: "
        '"resource.done == false"}}\n',
        'estimate_hours: {type: decimal, write: {roles: [admin], condition: "resource.done '
        '== false"}}\n',
    ),
    Code(
        "SF418",
        E,
        "write rule on a field clients never write",
        "A `write` rule says who may send a field in create and update bodies; a read-only "
        "field, a state field or a field filled by `auto` is never sent, so the rule would "
        "never apply.",
        "owner_id: {type: string, auto: principal, write: {roles: [admin]}}\n",
        "owner_id: {type: string, auto: principal, on_behalf_of: [admin]}\n",
    ),
    Code(
        "SF419",
        E,
        "`member_of` on a field that is not a principal",
        "`member_of` checks that the principal a `type: principal` field names is a member of "
        "a related object; other fields name no principal.",
        "assignee: {type: string, member_of: project}\n",
        "assignee_id: {type: principal, member_of: project}\n",
    ),
    Code(
        "SF420",
        E,
        "`member_of` path leading to no object with members",
        "`member_of` names a reference field of the entity (with or without `_id`) or a "
        "relation path of them (`task.project`), and the entity it reaches must have a "
        "membership entity (`membership: {subject, object}` whose object references it).",
        "assignee_id: {type: principal, member_of: projet}\n",
        "assignee_id: {type: principal, member_of: project}   # project_member has "
        "`membership: {subject: user_id, object: project_id}`\n",
    ),
    Code(
        "SF421",
        W,
        "`tenancy.roles_from` is deprecated",
        "Where tenant-level roles come from is said once, on the members: "
        "`tenancy.members.roles` is `token` (the default: the token's roles), `membership` "
        "(the caller's member row only) or `union` (both). `tenancy.roles_from` still works "
        "(its `prefer: token`, the token's roles when it carries any, has no new spelling) "
        "unless `tenancy.members.roles` is also set, which wins.",
        "tenancy:\n  roles_from: {entity: member, subject: user_id, role: role, prefer: union}\n"
        "  members: {entity: member, subject: user_id, role: role}\n",
        "tenancy:\n  members: {entity: member, subject: user_id, role: role, roles: union}\n",
    ),
    Code(
        "SF422",
        E,
        "`member_of` role the membership does not define",
        "`member_of: {path, roles}` requires the principal's membership row to hold one of "
        "`roles`: the membership entity must say which field is the role (`membership: "
        "{subject, object, role}`) and each role must be one of that field's values.",
        "assignee_id:\n  type: principal\n  member_of: {path: project, roles: [owner]}\n",
        "assignee_id:\n  type: principal\n  member_of: {path: project, roles: [lead, contributor]}"
        "   # project_member.role: [lead, contributor, viewer]\n",
    ),
    # -- internal ----------------------------------------------------------------------------
    Code(
        "SF999",
        E,
        "internal error",
        "specfoundry itself failed on this spec (a bug). The other diagnostics are still reported.",
        "(any spec that triggers a bug)",
        "Please report the spec to the specfoundry maintainers.",
        unlocated="the failure is in specfoundry, not at a place in the spec",
    ),
)

CODES: dict[str, Code] = {code.id: code for code in _CODES}


def area(code: str) -> str:
    for prefix in sorted(AREAS, key=len, reverse=True):
        if code.startswith(prefix):
            return AREAS[prefix]
    return "Other"
