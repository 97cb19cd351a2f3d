"""The rule catalog: every rule id the diff can report, its level, and its documentation.

A rule's level is fixed by its id, never decided at the call site, so ``--fail-on`` and the
ignore file mean the same thing in every run. Schema rules are direction-aware: the same
keyword change is listed once per context (request parameter, request body, response body,
response header) with the level that direction deserves. ``docs/diff-rules.md`` is rendered
from this module (``render_markdown``) and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.diff.findings import Level

E, W, I = Level.ERROR, Level.WARNING, Level.INFO  # noqa: E741


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    level: Level
    area: str
    summary: str
    before: str
    after: str


# --- schema rules, one per (context, change) -------------------------------------------------

# Context prefix -> (is_request, what the docs call the place, YAML line that introduces it).
SCHEMA_CONTEXTS: dict[str, tuple[bool, str]] = {
    "request-parameter": (True, "the schema of a query parameter `q`"),
    "request-property": (True, "property `name` of a request body (or the body itself)"),
    "response-property": (False, "property `name` of a response body (or the body itself)"),
    "response-header": (False, "the schema of a response header `X-Rate-Limit`"),
}

# change -> (request level, response level, why, before schema, after schema).
# A level of None means the change cannot happen (or is not reported) in that direction.
SCHEMA_CHANGES: dict[str, tuple[Level | None, Level | None, str, str, str]] = {
    "type-changed": (
        E,
        E,
        "The type changed to one that does not cover the old one: values one side sends are "
        "rejected or misread by the other.",
        "{type: string}",
        "{type: integer}",
    ),
    "type-widened": (
        I,
        None,
        "A request accepts more types than before (integer is also a number); every old "
        "request still validates.",
        "{type: integer}",
        "{type: [integer, string]}",
    ),
    "type-narrowed": (
        None,
        I,
        "A response returns fewer types than before; clients already handle every one of them.",
        "{type: [integer, string]}",
        "{type: integer}",
    ),
    "format-changed": (
        E,
        E,
        "The format changed (e.g. `date` to `date-time`): values are parsed or validated "
        "differently on each side.",
        "{type: string, format: date}",
        "{type: string, format: date-time}",
    ),
    "format-widened": (
        I,
        None,
        "A request format widened (`int32` to `int64`, `float` to `double`); old values fit.",
        "{type: integer, format: int32}",
        "{type: integer, format: int64}",
    ),
    "format-narrowed": (
        None,
        I,
        "A response format narrowed (`int64` to `int32`); clients' types still hold the values.",
        "{type: integer, format: int64}",
        "{type: integer, format: int32}",
    ),
    "format-added": (
        W,
        I,
        "A format was added where there was none: requests with values that do not match it "
        "may now be rejected; responses only become more precise.",
        "{type: string}",
        "{type: string, format: uuid}",
    ),
    "format-removed": (
        I,
        W,
        "A format was removed: requests are accepted more widely, but clients that parsed "
        "response values by the format (dates, UUIDs) may now get values they cannot parse.",
        "{type: string, format: uuid}",
        "{type: string}",
    ),
    "enum-value-removed": (
        E,
        I,
        "An allowed value was removed: requests sending it are rejected. In a response the "
        "server simply stops returning it.",
        "{type: string, enum: [draft, active, archived]}",
        "{type: string, enum: [draft, active]}",
    ),
    "enum-value-added": (
        I,
        W,
        "A value was added: requests may now send it; clients that switch over response "
        "values may meet one they do not know.",
        "{type: string, enum: [draft, active]}",
        "{type: string, enum: [draft, active, archived]}",
    ),
    "enum-added": (
        E,
        I,
        "An enum was added to a free value: requests with other values are rejected.",
        "{type: string}",
        "{type: string, enum: [draft, active]}",
    ),
    "enum-removed": (
        I,
        W,
        "The enum was dropped: any value is accepted in requests, and responses may carry "
        "values clients never saw.",
        "{type: string, enum: [draft, active]}",
        "{type: string}",
    ),
    "constraint-narrowed": (
        E,
        I,
        "A bound became stricter (maxLength down, minimum up, pattern or uniqueItems added, "
        "...): requests that were valid are rejected. Responses only get tighter.",
        "{type: string, maxLength: 200}",
        "{type: string, maxLength: 100}",
    ),
    "constraint-widened": (
        I,
        E,
        "A bound was relaxed or removed (maxLength up, minimum down, pattern or uniqueItems "
        "removed, ...): requests are accepted more widely, but responses may now carry values "
        "old clients never had to handle (buffers, columns, validators).",
        "{type: string, maxLength: 100}",
        "{type: string, maxLength: 200}",
    ),
    "became-nullable": (
        I,
        E,
        "`null` became a valid value: clients that read the response may now get a null they "
        "do not expect; requests may simply send null.",
        "{type: string}",
        "{type: [string, 'null']}",
    ),
    "nullable-removed": (
        E,
        I,
        "`null` is no longer valid: requests that send null are rejected.",
        "{type: [string, 'null']}",
        "{type: string}",
    ),
    "default-changed": (
        W,
        None,
        "The default changed, was added or removed: clients that omit the value get different "
        "behaviour without changing a line.",
        "{type: integer, default: 20}",
        "{type: integer, default: 50}",
    ),
    "variant-removed": (
        E,
        I,
        "A `oneOf`/`anyOf` alternative was removed: requests shaped like it are rejected.",
        "{oneOf: [{type: string}, {type: integer}]}",
        "{oneOf: [{type: string}]}",
    ),
    "variant-added": (
        I,
        W,
        "A `oneOf`/`anyOf` alternative was added: responses may now take a shape old clients "
        "cannot decode.",
        "{oneOf: [{type: string}]}",
        "{oneOf: [{type: string}, {type: integer}]}",
    ),
    "composition-changed": (
        W,
        W,
        "A schema switched between a plain schema and a `oneOf`/`anyOf` (or between the two): "
        "compatibility cannot be decided structurally, review it by hand. (When the plain "
        "schema survives unchanged as one alternative, the others are reported as "
        "`variant-added` or `variant-removed` instead.)",
        "{type: string}",
        "{anyOf: [{type: integer}, {type: boolean}]}",
    ),
    "discriminator-added": (
        W,
        I,
        "A `discriminator` was added: servers and generated code that dispatch on it need the "
        "property in every request (check the variants require it); responses only say more.",
        "{type: object}",
        "{type: object, discriminator: {propertyName: kind}}",
    ),
    "discriminator-removed": (
        I,
        W,
        "The `discriminator` was removed: clients generated with it dispatch responses on a "
        "property that is no longer promised; requests are no longer routed by it.",
        "{type: object, discriminator: {propertyName: kind}}",
        "{type: object}",
    ),
    "discriminator-property-changed": (
        E,
        E,
        "The discriminator's `propertyName` changed: both sides look for the variant's name in "
        "a different property, so requests and responses are decoded as the wrong variant or "
        "not at all.",
        "{type: object, discriminator: {propertyName: kind}}",
        "{type: object, discriminator: {propertyName: type}}",
    ),
    "discriminator-mapping-removed": (
        E,
        W,
        "A discriminator value was removed from the `mapping`: requests sending it are "
        "rejected. A response stops sending it, unless its schema is still a variant, which "
        "is then named by its component name instead, a value old clients do not map.",
        "{type: object, discriminator: {propertyName: kind, mapping: "
        "{cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog'}}}",
        "{type: object, discriminator: {propertyName: kind, mapping: "
        "{cat: '#/components/schemas/Cat'}}}",
    ),
    "discriminator-mapping-added": (
        I,
        W,
        "A discriminator value was added to the `mapping`: requests may send it; clients that "
        "switch over response variants meet one they do not know.",
        "{type: object, discriminator: {propertyName: kind, mapping: "
        "{cat: '#/components/schemas/Cat'}}}",
        "{type: object, discriminator: {propertyName: kind, mapping: "
        "{cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog'}}}",
    ),
    "discriminator-mapping-changed": (
        E,
        E,
        "A discriminator value now maps to another schema (not merely a renamed, identical "
        "one): the same value is decoded as a different shape on each side.",
        "{type: object, discriminator: {propertyName: kind, mapping: "
        "{cat: '#/components/schemas/Cat'}}}",
        "{type: object, discriminator: {propertyName: kind, mapping: "
        "{cat: '#/components/schemas/Lion'}}}",
    ),
    "not-added": (
        E,
        I,
        "A `not` schema was added: values matching it were valid and are now rejected, so "
        "requests may fail; responses only exclude values.",
        "{type: string}",
        "{type: string, not: {const: admin}}",
    ),
    "not-removed": (
        I,
        W,
        "The `not` schema was removed: requests are accepted more widely, but responses may "
        "now carry values old clients were promised never to see, of a type they already "
        "read (like `enum-removed`: an exclusion lifted, not a promise of presence lost).",
        "{type: string, not: {const: admin}}",
        "{type: string}",
    ),
    "not-changed": (
        W,
        W,
        "The `not` schema changed in a way that may exclude values that were valid (compared "
        "in the opposite direction: what the excluded schema gains, the schema loses); review "
        "it by hand.",
        "{type: string, not: {const: admin}}",
        "{type: string, not: {const: root}}",
    ),
    "not-changed-compatible": (
        I,
        I,
        "The `not` schema changed, and compared in the opposite direction every difference is "
        "safe: old values keep being valid where that matters for this direction.",
        "{type: object, not: {properties: {a: {type: string}}}}",
        "{type: object, not: {properties: {a: {type: string}, b: {type: string}}}}",
    ),
    "prefix-item-added": (
        I,
        W,
        "A position was added at the end of a `prefixItems` tuple: old requests (shorter "
        "tuples) stay valid; clients that decode response tuples of a fixed length meet an "
        "extra element, which strict deserialisers reject (like additional properties "
        "widened; a tuple opened is `no-longer-false`).",
        "{type: array, prefixItems: [{type: number}, {type: number}]}",
        "{type: array, prefixItems: [{type: number}, {type: number}, {type: number}]}",
    ),
    "prefix-item-removed": (
        W,
        E,
        "A position was removed from the end of a `prefixItems` tuple: requests that send it "
        "have it ignored (or rejected with `items: false`); clients that read it from "
        "responses break.",
        "{type: array, prefixItems: [{type: number}, {type: number}, {type: number}]}",
        "{type: array, prefixItems: [{type: number}, {type: number}]}",
    ),
    "pattern-changed": (
        W,
        W,
        "The `pattern` was replaced by another: whether the new regular expression accepts "
        "every value the old one did (or no more) cannot be decided mechanically, so requests "
        "may be rejected and responses may carry values clients never had; review it by hand. "
        "(A pattern added is `constraint-narrowed`, one removed `constraint-widened`.)",
        "{type: string, pattern: '^[A-Z0-9]{8}$'}",
        "{type: string, pattern: '^[A-Z0-9]{8,12}$'}",
    ),
    "became-false": (
        E,
        W,
        "The schema became `false` (3.1): no value is valid any more. Requests that send one "
        "are rejected; responses no longer carry it, and clients that read it lose the data.",
        "{type: string}",
        "false",
    ),
    "no-longer-false": (
        I,
        W,
        "The schema was `false` (3.1), so no value was valid, and now allows some: requests "
        "may send a value; responses may carry one where they promised none (most often a "
        "tuple opened: `items` or `unevaluatedItems` no longer `false`), which strict "
        "deserialisers reject, like `prefix-item-added` or additional properties widened.",
        "false",
        "{type: string}",
    ),
    # JSON Schema 2020-12 keywords of OpenAPI 3.1 (compared in keywords31.py).
    "const-changed": (
        E,
        E,
        "The `const` value changed: every request with the old value is rejected, and every "
        "response carries a value old clients never accept (and the one they dispatch on "
        "never comes again).",
        "{type: string, const: parcel}",
        "{type: string, const: parcel_v2}",
    ),
    "const-added": (
        E,
        I,
        "A `const` was added: requests with any other value are rejected; responses only "
        "become more predictable.",
        "{type: string}",
        "{type: string, const: parcel}",
    ),
    "const-removed": (
        I,
        W,
        "The `const` was removed: requests may send any value, but a response value clients "
        "treated as a fixed tag (and may dispatch on) may now vary.",
        "{type: string, const: parcel}",
        "{type: string}",
    ),
    "conditional-added": (
        E,
        I,
        "An `if`/`then`/`else` conditional was added: values that meet the condition must now "
        "also match `then` (the others `else`), so requests that were valid may be rejected; "
        "responses only promise more. (Like `not-added`: a new constraint narrows.)",
        "{type: object, properties: {kind: {type: string}, code: {type: string}}}",
        "{type: object, properties: {kind: {type: string}, code: {type: string}}, "
        "if: {properties: {kind: {const: intl}}}, then: {required: [code]}}",
    ),
    "conditional-removed": (
        I,
        E,
        "The `if`/`then`/`else` conditional was removed: requests are accepted more widely, "
        "but what responses promised under the condition (a property present, a bound) no "
        "longer holds: like a property that became optional or a constraint widened in a "
        "response, clients that read it break.",
        "{type: object, properties: {kind: {type: string}, code: {type: string}}, "
        "if: {properties: {kind: {const: intl}}}, then: {required: [code]}}",
        "{type: object, properties: {kind: {type: string}, code: {type: string}}}",
    ),
    "conditional-changed": (
        W,
        W,
        "The `if`/`then`/`else` conditional changed (its condition, a branch added or removed, "
        "or what a branch requires): which values are valid moves in ways that cannot be "
        "decided structurally; review it by hand.",
        "{type: object, if: {properties: {kind: {const: intl}}}, then: {required: [code]}}",
        "{type: object, if: {properties: {kind: {const: intl}}}, then: {required: [code, vat]}}",
    ),
    "dependent-required-added": (
        E,
        I,
        "`dependentRequired` gained a condition (a new key, or a new name under a key): "
        "requests that send the key without the names it now requires are rejected.",
        "{type: object, properties: {value: {type: number}, currency: {type: string}}}",
        "{type: object, properties: {value: {type: number}, currency: {type: string}}, "
        "dependentRequired: {value: [currency]}}",
    ),
    "dependent-required-removed": (
        I,
        E,
        "`dependentRequired` lost a condition: requests are accepted more widely, but "
        "responses that carry the key may now lack the properties it promised (like a "
        "property that became optional in a response).",
        "{type: object, properties: {value: {type: number}, currency: {type: string}}, "
        "dependentRequired: {value: [currency]}}",
        "{type: object, properties: {value: {type: number}, currency: {type: string}}}",
    ),
    "dependent-schema-added": (
        E,
        I,
        "A `dependentSchemas` entry was added: objects that carry the key must now also match "
        "its schema, so requests that were valid may be rejected.",
        "{type: object, properties: {value: {type: number}, currency: {type: string}}}",
        "{type: object, properties: {value: {type: number}, currency: {type: string}}, "
        "dependentSchemas: {value: {required: [currency]}}}",
    ),
    "dependent-schema-removed": (
        I,
        E,
        "A `dependentSchemas` entry was removed: requests are accepted more widely, but "
        "responses that carry the key no longer keep its promise (like a property that "
        "became optional or a constraint widened in a response). A changed entry is "
        "compared as a schema.",
        "{type: object, properties: {value: {type: number}, currency: {type: string}}, "
        "dependentSchemas: {value: {required: [currency]}}}",
        "{type: object, properties: {value: {type: number}, currency: {type: string}}}",
    ),
    "contains-added": (
        E,
        I,
        "A `contains` schema was added: arrays without a matching item were valid and are now "
        "rejected, so requests may fail; responses only promise more. (`minContains` and "
        "`maxContains` are bounds: `constraint-narrowed`/`-widened`.)",
        "{type: array, items: {type: string}}",
        "{type: array, items: {type: string}, contains: {const: signed}}",
    ),
    "contains-removed": (
        I,
        E,
        "The `contains` schema was removed: requests are accepted more widely, but clients "
        "that pick the promised item out of a response array may now find none (like a "
        "property that became optional). A changed `contains` is compared as a schema, in "
        "the same direction.",
        "{type: array, items: {type: string}, contains: {const: signed}}",
        "{type: array, items: {type: string}}",
    ),
    "pattern-property-added": (
        E,
        I,
        "A `patternProperties` entry was added: properties whose names match it must now "
        "match its schema, so requests that sent other values there are rejected. Entries "
        "are matched by pattern and compared as schemas.",
        "{type: object}",
        "{type: object, patternProperties: {'^x-': {type: string}}}",
    ),
    "pattern-property-removed": (
        I,
        E,
        "A `patternProperties` entry was removed: requests are accepted more widely, but the "
        "values of matching response properties, which clients read, are no longer promised "
        "to match its schema and may come in any type (like a type changed or a constraint "
        "widened in a response; unlike additional properties widened, these properties "
        "could already be sent: what is lost is the shape of their values).",
        "{type: object, patternProperties: {'^x-': {type: string}}}",
        "{type: object}",
    ),
    "property-names-added": (
        E,
        I,
        "A `propertyNames` schema was added: requests with property names it rejects are "
        "rejected. A changed one is compared as a schema, in the same direction.",
        "{type: object}",
        "{type: object, propertyNames: {pattern: '^[a-z_]+$'}}",
    ),
    "property-names-removed": (
        I,
        W,
        "The `propertyNames` schema was removed: requests are accepted more widely; responses "
        "may carry property names clients were promised never to see (like additional "
        "properties widened).",
        "{type: object, propertyNames: {pattern: '^[a-z_]+$'}}",
        "{type: object}",
    ),
    "content-media-type-changed": (
        E,
        E,
        "The `contentMediaType` of a string changed (e.g. `image/png` to `application/pdf`): "
        "the embedded content is produced and read as a different format on each side.",
        "{type: string, contentMediaType: image/png}",
        "{type: string, contentMediaType: application/pdf}",
    ),
    "content-media-type-added": (
        W,
        I,
        "A `contentMediaType` was added to a string: requests whose content is not of that "
        "type may now be rejected; responses only become more precise. (Like `format-added`.)",
        "{type: string}",
        "{type: string, contentMediaType: application/json}",
    ),
    "content-media-type-removed": (
        I,
        W,
        "The `contentMediaType` was removed: requests are accepted more widely, but clients "
        "that parsed the response string as that type may now get content they cannot "
        "parse. (Like `format-removed`.)",
        "{type: string, contentMediaType: application/json}",
        "{type: string}",
    ),
    "content-encoding-changed": (
        E,
        E,
        "The `contentEncoding` of a string changed, was added or was removed (e.g. `base64` to "
        "`base32`): the same characters decode to different bytes on each side.",
        "{type: string, contentEncoding: base64}",
        "{type: string, contentEncoding: base32}",
    ),
    "content-schema-added": (
        E,
        I,
        "A `contentSchema` was added: embedded documents that do not match it are now "
        "invalid, so requests may be rejected. A changed one is compared as a schema.",
        "{type: string, contentMediaType: application/json}",
        "{type: string, contentMediaType: application/json, "
        "contentSchema: {type: object, required: [carrier]}}",
    ),
    "content-schema-removed": (
        I,
        E,
        "The `contentSchema` was removed: requests are accepted more widely, but what clients "
        "read from the embedded document of a response is no longer promised (like "
        "`response-media-type-schema-removed`).",
        "{type: string, contentMediaType: application/json, "
        "contentSchema: {type: object, required: [carrier]}}",
        "{type: string, contentMediaType: application/json}",
    ),
}

# Rules about object properties; they apply to bodies only.
PROPERTY_RULES: tuple[tuple[str, Level, str, str, str], ...] = (
    (
        "request-property-added-required",
        E,
        "A new required property: every old request lacks it and is rejected.",
        "{properties: {name: {type: string}}, required: [name]}",
        "{properties: {name: {type: string}, team: {type: string}}, required: [name, team]}",
    ),
    (
        "request-property-added",
        I,
        "A new optional property: old requests stay valid.",
        "{properties: {name: {type: string}}}",
        "{properties: {name: {type: string}, team: {type: string}}}",
    ),
    (
        "request-property-became-required",
        E,
        "An optional property became required: old requests that omit it are rejected.",
        "{properties: {name: {type: string}}}",
        "{properties: {name: {type: string}}, required: [name]}",
    ),
    (
        "request-property-became-optional",
        I,
        "A required property became optional: old requests stay valid.",
        "{properties: {name: {type: string}}, required: [name]}",
        "{properties: {name: {type: string}}}",
    ),
    (
        "request-property-removed",
        W,
        "A property clients may send was removed: it is now ignored (where the object "
        "forbids additional properties, see `request-property-removed-from-closed-object`).",
        "{properties: {name: {type: string}, team: {type: string}}}",
        "{properties: {name: {type: string}}}",
    ),
    (
        "request-property-deprecated",
        I,
        "A request property was marked `deprecated`: clients get notice to stop sending it.",
        "{properties: {name: {type: string}}}",
        "{properties: {name: {type: string, deprecated: true, x-sunset: '2026-06-30'}}}",
    ),
    (
        "request-deprecated-property-removed",
        I,
        "A deprecated request property was removed after its sunset date (or it had none), "
        "with the notice `--min-deprecation-days` requires. Before that, the removal is "
        "reported as `request-property-removed`.",
        "{properties: {id: {type: string}, note: {type: string, deprecated: true, "
        "x-sunset: '2020-01-01'}}}",
        "{properties: {id: {type: string}}}",
    ),
    (
        "request-property-became-read-only",
        E,
        "A property clients send became `readOnly`: the server no longer accepts it.",
        "{properties: {name: {type: string}}}",
        "{properties: {name: {type: string, readOnly: true}}}",
    ),
    (
        "request-additional-properties-narrowed",
        E,
        "`additionalProperties` (or `unevaluatedProperties`) was closed or restricted: requests "
        "carrying extra properties are rejected.",
        "{type: object, properties: {name: {type: string}}}",
        "{type: object, properties: {name: {type: string}}, additionalProperties: false}",
    ),
    (
        "request-additional-properties-widened",
        I,
        "`additionalProperties` (or `unevaluatedProperties`) was opened: requests may carry "
        "more than before.",
        "{type: object, additionalProperties: false}",
        "{type: object}",
    ),
    (
        "response-property-removed",
        E,
        "A required response property was removed: clients that read it break.",
        "{properties: {id: {type: string}, name: {type: string}}, required: [id, name]}",
        "{properties: {id: {type: string}}, required: [id]}",
    ),
    (
        "response-optional-property-removed",
        W,
        "An optional response property was removed: clients had to cope with its absence, "
        "but the data they read from it is gone.",
        "{properties: {id: {type: string}, note: {type: string}}}",
        "{properties: {id: {type: string}}}",
    ),
    (
        "response-property-deprecated",
        I,
        "A response property was marked `deprecated`: clients get notice to stop reading it.",
        "{properties: {name: {type: string}}}",
        "{properties: {name: {type: string, deprecated: true, x-sunset: '2026-06-30'}}}",
    ),
    (
        "response-deprecated-property-removed",
        I,
        "A deprecated response property was removed after its sunset date (or it had none), "
        "with the notice `--min-deprecation-days` requires. Before that, the removal is "
        "reported as `response-property-removed` or `response-optional-property-removed`.",
        "{properties: {id: {type: string}, note: {type: string, deprecated: true, "
        "x-sunset: '2020-01-01'}}, required: [id, note]}",
        "{properties: {id: {type: string}}, required: [id]}",
    ),
    (
        "response-property-became-optional",
        E,
        "A response property that was always present may now be missing: clients that read "
        "it break.",
        "{properties: {name: {type: string}}, required: [name]}",
        "{properties: {name: {type: string}}}",
    ),
    (
        "response-property-added",
        I,
        "A new response property: tolerant readers ignore it.",
        "{properties: {id: {type: string}}}",
        "{properties: {id: {type: string}, name: {type: string}}}",
    ),
    (
        "response-property-became-required",
        I,
        "A response property is now always present.",
        "{properties: {name: {type: string}}}",
        "{properties: {name: {type: string}}, required: [name]}",
    ),
    (
        "response-property-became-write-only",
        E,
        "A response property became `writeOnly`: it disappears from responses.",
        "{properties: {name: {type: string}}}",
        "{properties: {name: {type: string, writeOnly: true}}}",
    ),
    (
        "response-additional-properties-widened",
        W,
        "A response object may now carry properties beyond the listed ones "
        "(`additionalProperties` or `unevaluatedProperties` opened); strict deserialisers "
        "reject them.",
        "{type: object, additionalProperties: false}",
        "{type: object}",
    ),
    (
        "response-additional-properties-narrowed",
        I,
        "A response object no longer carries unlisted properties (`additionalProperties` or "
        "`unevaluatedProperties` closed or restricted).",
        "{type: object}",
        "{type: object, additionalProperties: false}",
    ),
    (
        "request-property-removed-from-closed-object",
        E,
        "A property was removed from an object that forbids additional properties "
        "(`additionalProperties: false` or `unevaluatedProperties: false`): requests that "
        "still send it, optional or not, are rejected.",
        "{type: object, additionalProperties: false, properties: {name: {type: string}, "
        "team: {type: string}}}",
        "{type: object, additionalProperties: false, properties: {name: {type: string}}}",
    ),
)

# --- everything else ------------------------------------------------------------------------

OTHER_RULES: tuple[tuple[str, Level, str, str, str, str], ...] = (
    # area, id, level, summary, before, after
    (
        "Paths and operations",
        "operation-removed",
        E,
        "An operation (or its whole path) was removed without being deprecated first.",
        "paths: {/v1/projects: {get: {...}, post: {...}}}",
        "paths: {/v1/projects: {get: {...}}}",
    ),
    (
        "Paths and operations",
        "operation-removed-before-sunset",
        E,
        "A deprecated operation was removed before its sunset date (`x-sunset`), or with less "
        "notice than `--min-deprecation-days` since `x-deprecated-since`.",
        "post: {deprecated: true, x-sunset: '2999-01-01'}",
        "(operation gone)",
    ),
    (
        "Paths and operations",
        "deprecated-operation-removed",
        I,
        "A deprecated operation was removed after its sunset date (or it had none), with the "
        "notice the policy requires.",
        "post: {deprecated: true, x-sunset: '2020-01-01'}",
        "(operation gone)",
    ),
    (
        "Paths and operations",
        "operation-added",
        I,
        "A new operation.",
        "paths: {/v1/projects: {get: {...}}}",
        "paths: {/v1/projects: {get: {...}, post: {...}}}",
    ),
    (
        "Paths and operations",
        "operation-deprecated",
        I,
        "An operation was marked deprecated: clients get notice to migrate.",
        "get: {operationId: listProjects}",
        "get: {operationId: listProjects, deprecated: true, x-sunset: '2026-06-30'}",
    ),
    (
        "Paths and operations",
        "operation-id-changed",
        W,
        "The `operationId` changed: generated clients rename the method that calls it.",
        "get: {operationId: listProjects}",
        "get: {operationId: projectsList}",
    ),
    (
        "Paths and operations",
        "path-trailing-slash-changed",
        W,
        "A path gained or lost its trailing slash (`/pets` to `/pets/`): URLs are matched "
        "literally, and many frameworks answer the other spelling with 404 or a redirect (which "
        "drops a POST body). The operations are still compared with each other.",
        "paths: {/v1/projects: {get: {...}}}",
        "paths: {/v1/projects/: {get: {...}}}",
    ),
    (
        "Paths and operations",
        "server-base-path-changed",
        E,
        "The path every server shares changed (`https://api.example.com/v1` to `.../v2`) while "
        "the paths stayed: every URL clients build from the servers is gone. Reported once "
        "instead of every operation removed and added. When every server of each side shares "
        "one path prefix, operations are matched by that prefix + path, so moving `/v1` from the "
        "servers into every path is no change; this rule applies when matching by the paths "
        "alone pairs more operations. Only document-level `servers` are read.",
        "servers: [{url: 'https://api.example.com/v1'}]",
        "servers: [{url: 'https://api.example.com/v2'}]",
    ),
    (
        "Parameters",
        "request-parameter-added-required",
        E,
        "A new required parameter: every old request lacks it.",
        "parameters: []",
        "parameters: [{name: team, in: query, required: true, schema: {type: string}}]",
    ),
    (
        "Parameters",
        "request-parameter-added",
        I,
        "A new optional parameter.",
        "parameters: []",
        "parameters: [{name: team, in: query, schema: {type: string}}]",
    ),
    (
        "Parameters",
        "request-parameter-became-required",
        E,
        "An optional parameter became required: old requests that omit it are rejected.",
        "parameters: [{name: team, in: query, schema: {type: string}}]",
        "parameters: [{name: team, in: query, required: true, schema: {type: string}}]",
    ),
    (
        "Parameters",
        "request-parameter-became-optional",
        I,
        "A required parameter became optional.",
        "parameters: [{name: team, in: query, required: true, schema: {type: string}}]",
        "parameters: [{name: team, in: query, schema: {type: string}}]",
    ),
    (
        "Parameters",
        "request-parameter-removed",
        W,
        "A parameter was removed: clients still sending it have it ignored (or rejected by "
        "strict servers), and whatever it controlled is gone.",
        "parameters: [{name: team, in: query, schema: {type: string}}]",
        "parameters: []",
    ),
    (
        "Parameters",
        "request-parameter-deprecated",
        I,
        "A parameter was marked deprecated: clients get notice to stop sending it.",
        "parameters: [{name: team, in: query, schema: {type: string}}]",
        "parameters: [{name: team, in: query, deprecated: true, x-sunset: '2026-06-30', "
        "schema: {type: string}}]",
    ),
    (
        "Parameters",
        "request-parameter-removed-before-sunset",
        W,
        "A deprecated parameter was removed before its sunset date (`x-sunset`), or with less "
        "notice than `--min-deprecation-days` since `x-deprecated-since`: as serious as "
        "removing a parameter that was never deprecated (`request-parameter-removed`).",
        "parameters: [{name: team, in: query, deprecated: true, x-sunset: '2999-01-01'}]",
        "parameters: []",
    ),
    (
        "Parameters",
        "deprecated-request-parameter-removed",
        I,
        "A deprecated parameter was removed after its sunset date (or it had none), with the "
        "notice the policy requires.",
        "parameters: [{name: team, in: query, deprecated: true, x-sunset: '2020-01-01'}]",
        "parameters: []",
    ),
    (
        "Parameters",
        "request-parameter-location-changed",
        E,
        "A parameter moved (query to header, ...): clients send it where it is no longer read.",
        "parameters: [{name: team, in: query, schema: {type: string}}]",
        "parameters: [{name: team, in: header, schema: {type: string}}]",
    ),
    (
        "Parameters",
        "request-parameter-style-changed",
        E,
        "A parameter's serialisation (`style`, `explode`, `allowReserved`) changed: clients "
        "encode it in a way the server no longer parses.",
        "{name: ids, in: query, style: form, explode: true}",
        "{name: ids, in: query, style: form, explode: false}",
    ),
    (
        "Request bodies",
        "request-body-added-required",
        E,
        "A required request body appeared on an operation that had none.",
        "post: {responses: {...}}",
        "post: {requestBody: {required: true, content: {...}}}",
    ),
    (
        "Request bodies",
        "request-body-added",
        I,
        "An optional request body appeared.",
        "post: {responses: {...}}",
        "post: {requestBody: {content: {...}}}",
    ),
    (
        "Request bodies",
        "request-body-became-required",
        E,
        "The request body became required: old requests without one are rejected.",
        "requestBody: {content: {...}}",
        "requestBody: {required: true, content: {...}}",
    ),
    (
        "Request bodies",
        "request-body-became-optional",
        I,
        "The request body became optional.",
        "requestBody: {required: true, content: {...}}",
        "requestBody: {content: {...}}",
    ),
    (
        "Request bodies",
        "request-body-removed",
        W,
        "The request body was removed: what clients send is ignored.",
        "requestBody: {content: {...}}",
        "(no requestBody)",
    ),
    (
        "Request bodies",
        "request-media-type-removed",
        E,
        "A request media type is no longer accepted: clients sending it get 415.",
        "content: {application/json: {...}, application/xml: {...}}",
        "content: {application/json: {...}}",
    ),
    (
        "Request bodies",
        "request-media-type-added",
        I,
        "A request media type is now accepted as well.",
        "content: {application/json: {...}}",
        "content: {application/json: {...}, application/xml: {...}}",
    ),
    (
        "Request bodies",
        "request-media-type-schema-added",
        E,
        "A request media type without a schema (any body accepted) gained one: bodies that do "
        "not match it are now rejected.",
        "content: {application/json: {}}",
        "content: {application/json: {schema: {type: object, required: [name]}}}",
    ),
    (
        "Request bodies",
        "request-media-type-schema-removed",
        I,
        "A request media type lost its schema: any body is accepted.",
        "content: {application/json: {schema: {type: object, required: [name]}}}",
        "content: {application/json: {}}",
    ),
    (
        "Responses",
        "response-success-status-removed",
        E,
        "A 2xx (or 1xx/3xx) response was removed: clients waiting for it get something else.",
        "responses: {'200': {...}}",
        "responses: {'201': {...}}",
    ),
    (
        "Responses",
        "response-status-removed",
        I,
        "An error response (4xx/5xx/default) is no longer documented.",
        "responses: {'200': {...}, '404': {...}}",
        "responses: {'200': {...}}",
    ),
    (
        "Responses",
        "response-status-added",
        I,
        "A new documented error status (4xx/5xx/default): clients already handle failures "
        "they do not know by their class.",
        "responses: {'200': {...}}",
        "responses: {'200': {...}, '404': {...}}",
    ),
    (
        "Responses",
        "response-success-status-added",
        W,
        "A new success status (1xx/2xx/3xx) may now be sent: clients that check for exactly "
        "the codes they knew (`200`) treat it as a failure, or do not follow a new redirect.",
        "responses: {'200': {...}}",
        "responses: {'200': {...}, '202': {...}}",
    ),
    (
        "Responses",
        "response-success-status-widened",
        W,
        "A success status is now documented only by its range (`200` to `2XX`); the two "
        "responses are compared. Clients that expect exactly the old code may get another one "
        "of the range.",
        "responses: {'200': {...}}",
        "responses: {'2XX': {...}}",
    ),
    (
        "Responses",
        "response-error-status-widened",
        I,
        "An error status is now documented only by its range or by `default` (`404` to `4XX`); "
        "the two responses are compared.",
        "responses: {'200': {...}, '404': {...}}",
        "responses: {'200': {...}, '4XX': {...}}",
    ),
    (
        "Responses",
        "response-status-range-narrowed",
        I,
        "A status range was replaced by exact codes it covered (`2XX` to `200`): clients "
        "handling the range handle them. Each code is compared with the range's response "
        "(likewise a code added where `default` or its range documented it before).",
        "responses: {'2XX': {...}}",
        "responses: {'200': {...}}",
    ),
    (
        "Responses",
        "response-media-type-removed",
        E,
        "A response media type is no longer produced: clients asking for it get 406.",
        "content: {application/json: {...}, text/csv: {...}}",
        "content: {application/json: {...}}",
    ),
    (
        "Responses",
        "response-media-type-added",
        I,
        "A response media type is produced as well.",
        "content: {application/json: {...}}",
        "content: {application/json: {...}, text/csv: {...}}",
    ),
    (
        "Responses",
        "response-media-type-schema-removed",
        E,
        "A response media type lost its schema: the shape clients read is no longer promised, "
        "and any content may come back.",
        "content: {application/json: {schema: {type: object, required: [id]}}}",
        "content: {application/json: {}}",
    ),
    (
        "Responses",
        "response-media-type-schema-added",
        I,
        "A response media type without a schema gained one: what was unspecified is now described.",
        "content: {application/json: {}}",
        "content: {application/json: {schema: {type: object, required: [id]}}}",
    ),
    (
        "Response headers",
        "response-header-removed",
        E,
        "A required response header was removed: clients that read it break.",
        "headers: {X-Rate-Limit: {required: true, schema: {type: integer}}}",
        "headers: {}",
    ),
    (
        "Response headers",
        "response-optional-header-removed",
        W,
        "An optional response header was removed: clients that used it lose the data.",
        "headers: {X-Rate-Limit: {schema: {type: integer}}}",
        "headers: {}",
    ),
    (
        "Response headers",
        "response-header-became-optional",
        E,
        "A response header that was always sent may now be missing: clients that read it break.",
        "headers: {X-Rate-Limit: {required: true, schema: {type: integer}}}",
        "headers: {X-Rate-Limit: {schema: {type: integer}}}",
    ),
    (
        "Response headers",
        "response-header-added",
        I,
        "A new response header.",
        "headers: {}",
        "headers: {X-Rate-Limit: {schema: {type: integer}}}",
    ),
    (
        "Response headers",
        "deprecated-response-header-removed",
        I,
        "A deprecated response header was removed after its sunset date (or it had none), "
        "with the notice the policy requires. Removed earlier, it is reported like any header "
        "removal.",
        "headers: {X-Legacy: {deprecated: true, x-sunset: '2020-01-01'}}",
        "headers: {}",
    ),
    (
        "Response headers",
        "response-header-deprecated",
        I,
        "A response header was marked deprecated: clients get notice to stop reading it.",
        "headers: {X-Rate-Limit: {schema: {type: integer}}}",
        "headers: {X-Rate-Limit: {deprecated: true, schema: {type: integer}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-removed",
        E,
        "A callback (a name, expression or method of it) was removed without being deprecated "
        "first: clients that registered for it stop receiving requests they act on, and "
        "silence looks the same as no events.",
        "callbacks: {onEvent: {'{$request.body#/url}': {post: {...}}}}",
        "callbacks: {}",
    ),
    (
        "Callbacks and webhooks",
        "callback-removed-before-sunset",
        E,
        "A deprecated callback was removed before its sunset date (`x-sunset`), or with less "
        "notice than `--min-deprecation-days` since `x-deprecated-since`.",
        "'{$request.body#/url}': {post: {deprecated: true, x-sunset: '2999-01-01'}}",
        "(callback gone)",
    ),
    (
        "Callbacks and webhooks",
        "deprecated-callback-removed",
        I,
        "A deprecated callback was removed after its sunset date (or it had none), with the "
        "notice the policy requires.",
        "'{$request.body#/url}': {post: {deprecated: true, x-sunset: '2020-01-01'}}",
        "(callback gone)",
    ),
    (
        "Callbacks and webhooks",
        "callback-deprecated",
        I,
        "A callback was marked deprecated: clients get notice that the API will stop sending it.",
        "'{$request.body#/url}': {post: {responses: {...}}}",
        "'{$request.body#/url}': {post: {deprecated: true, responses: {...}}}",
    ),
    (
        "Callbacks and webhooks",
        "webhook-deprecated",
        I,
        "A webhook was marked deprecated: subscribers get notice that its events will stop.",
        "webhooks: {invoicePaid: {post: {responses: {...}}}}",
        "webhooks: {invoicePaid: {post: {deprecated: true, responses: {...}}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-added",
        I,
        "A new callback.",
        "callbacks: {}",
        "callbacks: {onEvent: {'{$request.body#/url}': {post: {...}}}}",
    ),
    (
        "Callbacks and webhooks",
        "webhook-removed",
        E,
        "A webhook (or one of its methods) was removed without being deprecated first: "
        "clients subscribed to it stop receiving events they act on, and silence looks the "
        "same as no events.",
        "webhooks: {invoicePaid: {post: {...}}}",
        "webhooks: {}",
    ),
    (
        "Callbacks and webhooks",
        "webhook-removed-before-sunset",
        E,
        "A deprecated webhook was removed before its sunset date (`x-sunset`), or with less "
        "notice than `--min-deprecation-days` since `x-deprecated-since`.",
        "invoicePaid: {post: {deprecated: true, x-sunset: '2999-01-01'}}",
        "(webhook gone)",
    ),
    (
        "Callbacks and webhooks",
        "deprecated-webhook-removed",
        I,
        "A deprecated webhook was removed after its sunset date (or it had none), with the "
        "notice the policy requires.",
        "invoicePaid: {post: {deprecated: true, x-sunset: '2020-01-01'}}",
        "(webhook gone)",
    ),
    (
        "Callbacks and webhooks",
        "webhook-added",
        I,
        "A new webhook.",
        "webhooks: {}",
        "webhooks: {invoicePaid: {post: {...}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-request-body-removed",
        E,
        "The API no longer sends the body of a callback or webhook request: clients that read "
        "it get nothing.",
        "post: {requestBody: {content: {...}}}",
        "post: {}",
    ),
    (
        "Callbacks and webhooks",
        "callback-request-body-added",
        I,
        "The API now sends a body with a callback or webhook request that had none.",
        "post: {}",
        "post: {requestBody: {content: {...}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-request-body-became-optional",
        E,
        "The API may now send a callback or webhook request without the body clients read.",
        "requestBody: {required: true, content: {...}}",
        "requestBody: {content: {...}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-request-body-became-required",
        I,
        "The API now always sends the body of a callback or webhook request.",
        "requestBody: {content: {...}}",
        "requestBody: {required: true, content: {...}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-request-media-type-added",
        W,
        "The API may send a callback or webhook body in another media type; there is no "
        "content negotiation, so clients may receive a format they cannot parse.",
        "content: {application/json: {...}}",
        "content: {application/json: {...}, application/xml: {...}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-request-media-type-removed",
        I,
        "The API sends a callback or webhook body in fewer media types; clients already "
        "parse the rest.",
        "content: {application/json: {...}, application/xml: {...}}",
        "content: {application/json: {...}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-status-removed",
        E,
        "A status clients answer a callback or webhook with is no longer documented: the API "
        "may now treat those answers as failures (retry, give up, unsubscribe).",
        "responses: {'200': {...}, '204': {...}}",
        "responses: {'200': {...}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-status-added",
        I,
        "The API accepts another status as an answer to a callback or webhook.",
        "responses: {'200': {...}}",
        "responses: {'200': {...}, '204': {...}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-media-type-removed",
        E,
        "The API no longer accepts callback or webhook answers in a media type clients use.",
        "content: {application/json: {...}, text/plain: {...}}",
        "content: {application/json: {...}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-media-type-added",
        I,
        "The API accepts callback or webhook answers in another media type as well.",
        "content: {application/json: {...}}",
        "content: {application/json: {...}, text/plain: {...}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-request-media-type-schema-removed",
        E,
        "A callback or webhook body media type lost its schema: the shape clients read is no "
        "longer promised.",
        "content: {application/json: {schema: {type: object, required: [id]}}}",
        "content: {application/json: {}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-request-media-type-schema-added",
        I,
        "A callback or webhook body media type without a schema gained one: what the API "
        "sends is now described.",
        "content: {application/json: {}}",
        "content: {application/json: {schema: {type: object, required: [id]}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-media-type-schema-added",
        E,
        "A media type of the answers to a callback or webhook had no schema (any answer "
        "accepted) and gained one: answers that do not match it are now rejected.",
        "content: {application/json: {}}",
        "content: {application/json: {schema: {type: object, required: [ok]}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-media-type-schema-removed",
        I,
        "A media type of the answers to a callback or webhook lost its schema: any answer is "
        "accepted.",
        "content: {application/json: {schema: {type: object, required: [ok]}}}",
        "content: {application/json: {}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-header-removed",
        W,
        "The API no longer reads a header clients send in their answer to a callback or "
        "webhook: whatever it conveyed is ignored.",
        "headers: {X-Processed-Id: {schema: {type: string}}}",
        "headers: {}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-header-added-required",
        E,
        "Clients must now send a new header when they answer a callback or webhook; no "
        "existing client does.",
        "headers: {}",
        "headers: {X-Processed-Id: {required: true, schema: {type: string}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-header-added",
        I,
        "Clients may send a new, optional header when they answer a callback or webhook.",
        "headers: {}",
        "headers: {X-Processed-Id: {schema: {type: string}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-header-became-required",
        E,
        "A header of the answer to a callback or webhook became required: the API may now "
        "treat answers that omit it as failures (retry, give up, unsubscribe).",
        "headers: {X-Processed-Id: {schema: {type: string}}}",
        "headers: {X-Processed-Id: {required: true, schema: {type: string}}}",
    ),
    (
        "Callbacks and webhooks",
        "callback-response-header-became-optional",
        I,
        "A header of the answer to a callback or webhook became optional.",
        "headers: {X-Processed-Id: {required: true, schema: {type: string}}}",
        "headers: {X-Processed-Id: {schema: {type: string}}}",
    ),
    (
        "Security",
        "security-added",
        E,
        "An operation that needed no credentials now requires them.",
        "security: []",
        "security: [{bearer: []}]",
    ),
    (
        "Security",
        "security-removed",
        I,
        "An operation no longer requires credentials (compatible, but check it is intended).",
        "security: [{bearer: []}]",
        "security: []",
    ),
    (
        "Security",
        "security-requirement-changed",
        E,
        "A way of authenticating that used to work is no longer accepted (scheme replaced or "
        "another scheme required as well).",
        "security: [{apiKey: []}]",
        "security: [{bearer: []}]",
    ),
    (
        "Security",
        "security-scope-added",
        E,
        "A requirement needs an extra OAuth scope: tokens issued before lack it.",
        "security: [{oauth: [projects:read]}]",
        "security: [{oauth: [projects:read, projects:admin]}]",
    ),
    (
        "Security",
        "security-scope-removed",
        I,
        "A requirement needs fewer scopes.",
        "security: [{oauth: [projects:read, projects:admin]}]",
        "security: [{oauth: [projects:read]}]",
    ),
    (
        "Security",
        "security-alternative-added",
        I,
        "Another way of authenticating is accepted as well.",
        "security: [{bearer: []}]",
        "security: [{bearer: []}, {apiKey: []}]",
    ),
    (
        "Security",
        "security-scheme-changed",
        E,
        "A security scheme's definition changed (type, header name, location, flow URLs): "
        "clients send credentials the server no longer reads.",
        "apiKey: {type: apiKey, in: header, name: X-API-Key}",
        "apiKey: {type: apiKey, in: header, name: X-Api-Token}",
    ),
    (
        "Security",
        "security-scheme-renamed",
        W,
        "A security scheme was renamed, its definition and every requirement otherwise the "
        "same: nothing changes on the wire, but SDKs name credential settings after the scheme. "
        "Requirements are compared with the old name read as the new one.",
        "securitySchemes: {oauth: {type: oauth2, flows: {...}}}",
        "securitySchemes: {acmeOAuth: {type: oauth2, flows: {...}}}",
    ),
    (
        "Deprecation",
        "operation-sunset-moved-too-early",
        E,
        "An operation's `x-sunset` moved to an earlier date that leaves less than "
        "`--min-deprecation-days` after `x-deprecated-since` (after today when there is "
        "none), or lies before that start: clients lose the notice the policy promises, "
        "and the removal itself will later look on time, because it is judged against the "
        "shortened date.",
        "post: {deprecated: true, x-sunset: '2026-12-31'}",
        "post: {deprecated: true, x-sunset: '2025-07-01'}",
    ),
    (
        "Deprecation",
        "operation-sunset-moved-earlier",
        W,
        "An operation's `x-sunset` moved to an earlier date that still leaves the notice "
        "the policy requires: clients planned their migration for the old date.",
        "post: {deprecated: true, x-sunset: '2026-12-31'}",
        "post: {deprecated: true, x-sunset: '2026-06-30'}",
    ),
    (
        "Deprecation",
        "operation-sunset-deleted",
        W,
        "An operation's `x-sunset` was deleted while it stays deprecated: without a sunset "
        "a removal needs only `--min-deprecation-days` (none by default), so the next "
        "release can remove it at once, a silent early removal in two steps.",
        "post: {deprecated: true, x-sunset: '2026-12-31'}",
        "post: {deprecated: true}",
    ),
    (
        "Deprecation",
        "request-parameter-sunset-moved-too-early",
        W,
        "A parameter's `x-sunset` moved to an earlier date that leaves less than "
        "`--min-deprecation-days` after `x-deprecated-since` (after today when there is "
        "none), or lies before that start: clients lose the notice the policy promises, "
        "and the removal itself will later look on time, because it is judged against the "
        "shortened date. A warning, as serious as the removal it lets through early "
        "(`request-parameter-removed-before-sunset`): clients still sending the parameter "
        "have it ignored.",
        "{name: team, in: query, deprecated: true, x-sunset: '2026-12-31'}",
        "{name: team, in: query, deprecated: true, x-sunset: '2025-07-01'}",
    ),
    (
        "Deprecation",
        "request-parameter-sunset-moved-earlier",
        W,
        "A parameter's `x-sunset` moved to an earlier date that still leaves the notice "
        "the policy requires: clients planned their migration for the old date.",
        "{name: team, in: query, deprecated: true, x-sunset: '2026-12-31'}",
        "{name: team, in: query, deprecated: true, x-sunset: '2026-06-30'}",
    ),
    (
        "Deprecation",
        "request-parameter-sunset-deleted",
        W,
        "A parameter's `x-sunset` was deleted while it stays deprecated: without a sunset "
        "a removal needs only `--min-deprecation-days` (none by default), so the next "
        "release can remove it at once, a silent early removal in two steps.",
        "{name: team, in: query, deprecated: true, x-sunset: '2026-12-31'}",
        "{name: team, in: query, deprecated: true}",
    ),
    (
        "Deprecation",
        "response-header-sunset-moved-too-early",
        E,
        "A response header's `x-sunset` moved to an earlier date that leaves less than "
        "`--min-deprecation-days` after `x-deprecated-since` (after today when there is "
        "none), or lies before that start: clients lose the notice the policy promises, "
        "and the removal itself will later look on time, because it is judged against the "
        "shortened date.",
        "X-Legacy: {deprecated: true, x-sunset: '2026-12-31'}",
        "X-Legacy: {deprecated: true, x-sunset: '2025-07-01'}",
    ),
    (
        "Deprecation",
        "response-header-sunset-moved-earlier",
        W,
        "A response header's `x-sunset` moved to an earlier date that still leaves the "
        "notice the policy requires: clients planned their migration for the old date.",
        "X-Legacy: {deprecated: true, x-sunset: '2026-12-31'}",
        "X-Legacy: {deprecated: true, x-sunset: '2026-06-30'}",
    ),
    (
        "Deprecation",
        "response-header-sunset-deleted",
        W,
        "A response header's `x-sunset` was deleted while it stays deprecated: without a "
        "sunset a removal needs only `--min-deprecation-days` (none by default), so the "
        "next release can remove it at once, a silent early removal in two steps.",
        "X-Legacy: {deprecated: true, x-sunset: '2026-12-31'}",
        "X-Legacy: {deprecated: true}",
    ),
    (
        "Deprecation",
        "callback-sunset-moved-too-early",
        E,
        "A callback's `x-sunset` moved to an earlier date that leaves less than "
        "`--min-deprecation-days` after `x-deprecated-since` (after today when there is "
        "none), or lies before that start: clients lose the notice the policy promises, "
        "and the removal itself will later look on time, because it is judged against the "
        "shortened date.",
        "'{$request.body#/url}': {post: {deprecated: true, x-sunset: '2026-12-31'}}",
        "'{$request.body#/url}': {post: {deprecated: true, x-sunset: '2025-07-01'}}",
    ),
    (
        "Deprecation",
        "callback-sunset-moved-earlier",
        W,
        "A callback's `x-sunset` moved to an earlier date that still leaves the notice the "
        "policy requires: clients planned their migration for the old date.",
        "'{$request.body#/url}': {post: {deprecated: true, x-sunset: '2026-12-31'}}",
        "'{$request.body#/url}': {post: {deprecated: true, x-sunset: '2026-06-30'}}",
    ),
    (
        "Deprecation",
        "callback-sunset-deleted",
        W,
        "A callback's `x-sunset` was deleted while it stays deprecated: without a sunset a "
        "removal needs only `--min-deprecation-days` (none by default), so the next "
        "release can remove it at once, a silent early removal in two steps.",
        "'{$request.body#/url}': {post: {deprecated: true, x-sunset: '2026-12-31'}}",
        "'{$request.body#/url}': {post: {deprecated: true}}",
    ),
    (
        "Deprecation",
        "webhook-sunset-moved-too-early",
        E,
        "A webhook's `x-sunset` moved to an earlier date that leaves less than "
        "`--min-deprecation-days` after `x-deprecated-since` (after today when there is "
        "none), or lies before that start: clients lose the notice the policy promises, "
        "and the removal itself will later look on time, because it is judged against the "
        "shortened date.",
        "invoicePaid: {post: {deprecated: true, x-sunset: '2026-12-31'}}",
        "invoicePaid: {post: {deprecated: true, x-sunset: '2025-07-01'}}",
    ),
    (
        "Deprecation",
        "webhook-sunset-moved-earlier",
        W,
        "A webhook's `x-sunset` moved to an earlier date that still leaves the notice the "
        "policy requires: clients planned their migration for the old date.",
        "invoicePaid: {post: {deprecated: true, x-sunset: '2026-12-31'}}",
        "invoicePaid: {post: {deprecated: true, x-sunset: '2026-06-30'}}",
    ),
    (
        "Deprecation",
        "webhook-sunset-deleted",
        W,
        "A webhook's `x-sunset` was deleted while it stays deprecated: without a sunset a "
        "removal needs only `--min-deprecation-days` (none by default), so the next "
        "release can remove it at once, a silent early removal in two steps.",
        "invoicePaid: {post: {deprecated: true, x-sunset: '2026-12-31'}}",
        "invoicePaid: {post: {deprecated: true}}",
    ),
    (
        "Deprecation",
        "deprecation-sunset-unreadable",
        W,
        "Something was marked deprecated (or its sunset changed) with an `x-sunset` that "
        "is not a date (ISO 8601, or an HTTP date as in the `Sunset` header): no removal "
        "can be checked against it, and removing it is reported as before its sunset. Any "
        "kind: operation, parameter, response header, callback, webhook, schema property.",
        "get: {operationId: listProjects}",
        "get: {operationId: listProjects, deprecated: true, x-sunset: soon}",
    ),
    (
        "Lifecycles (spec only)",
        "state-removed",
        E,
        "A state of a state machine was removed: stored records in it and clients that filter "
        "or branch on it break.",
        "states: {draft: {}, active: {}, archived: {terminal: true}}",
        "states: {draft: {}, active: {}}",
    ),
    (
        "Lifecycles (spec only)",
        "state-added",
        I,
        "A new state.",
        "states: {draft: {}, active: {}}",
        "states: {draft: {}, active: {}, archived: {terminal: true}}",
    ),
    (
        "Lifecycles (spec only)",
        "transition-removed",
        E,
        "A transition was removed: its endpoint disappears and the move it allowed is gone.",
        "transitions: {archive: {from: [active], to: archived}}",
        "transitions: {}",
    ),
    (
        "Lifecycles (spec only)",
        "transition-added",
        I,
        "A new transition.",
        "transitions: {}",
        "transitions: {archive: {from: [active], to: archived}}",
    ),
    (
        "Lifecycles (spec only)",
        "transition-sources-narrowed",
        E,
        "A transition can start from fewer states: calls that worked now get 409.",
        "archive: {from: [draft, active], to: archived}",
        "archive: {from: [active], to: archived}",
    ),
    (
        "Lifecycles (spec only)",
        "transition-sources-widened",
        I,
        "A transition can start from more states.",
        "archive: {from: [active], to: archived}",
        "archive: {from: [draft, active], to: archived}",
    ),
    (
        "Lifecycles (spec only)",
        "transition-target-changed",
        E,
        "A transition now leads to another state.",
        "archive: {from: [active], to: archived}",
        "archive: {from: [active], to: deleted}",
    ),
    (
        "Permissions (spec only)",
        "role-removed",
        E,
        "A role was removed: tokens carrying it grant nothing.",
        "roles: {reader: {}, auditor: {}}",
        "roles: {reader: {}}",
    ),
    (
        "Permissions (spec only)",
        "role-permission-removed",
        E,
        "A role can no longer perform an action (an entity action or a transition) it could "
        "perform before, directly or through inheritance.",
        "note: {update: [writer]}",
        "note: {update: [admin]}",
    ),
    (
        "Permissions (spec only)",
        "role-permission-added",
        I,
        "A role can perform an action it could not before.",
        "note: {delete: [admin]}",
        "note: {delete: [admin, writer]}",
    ),
    (
        "Permissions (spec only)",
        "condition-added",
        E,
        "A condition now restricts a permission or a transition that had none: calls that "
        "were allowed are refused when it does not hold (like `transition-sources-narrowed`; "
        "a condition changed is `condition-changed`, a warning, because it may not be "
        "tighter).",
        "note: {update: [writer]}",
        "note: {update: [{role: writer, when: resource.owner_id == principal.id}]}",
    ),
    (
        "Permissions (spec only)",
        "condition-changed",
        W,
        "A condition changed and cannot be proven equivalent: it may be tighter.",
        "when: resource.owner_id == principal.id",
        "when: resource.owner_id == principal.id and resource.status == 'draft'",
    ),
    (
        "Permissions (spec only)",
        "condition-widened",
        W,
        "A condition provably allows more than before: the old condition is one alternative "
        "of the new one (`old or ...`), or the new one drops a part of an `and`. Objects that "
        "were hidden become readable or writable, e.g. through a relation path "
        "(`resource.project.owner_id`); review it as an access change.",
        "when: resource.project.owner_id == principal.id",
        "when: resource.project.owner_id == principal.id or resource.visibility == 'public'",
    ),
    (
        "Permissions (spec only)",
        "condition-removed",
        I,
        "A condition was removed: the permission or transition is allowed unconditionally.",
        "note: {update: [{role: writer, when: resource.owner_id == principal.id}]}",
        "note: {update: [writer]}",
    ),
    (
        "Tenancy (spec only)",
        "tenancy-model-changed",
        E,
        "The isolation model changed (shared schema, schema or database per tenant): data "
        "must be migrated and deployments change.",
        "tenancy: {model: shared_schema}",
        "tenancy: {model: schema_per_tenant}",
    ),
    (
        "Tenancy (spec only)",
        "tenant-resolution-changed",
        E,
        "How the tenant of a request is found changed (source or claim names): tokens issued "
        "before resolve to no tenant or the wrong one.",
        "tenancy: {claims: {tenant: tid}}",
        "tenancy: {claims: {tenant: org_id}}",
    ),
    (
        "Tenancy (spec only)",
        "cross-tenant-role-removed",
        E,
        "A role was removed from `tenancy.cross_tenant_roles`: its holders (support staff, "
        "operators) now reach only their own tenant, and tooling that read or acted across "
        "tenants breaks.",
        "tenancy: {cross_tenant_roles: [support]}",
        "tenancy: {cross_tenant_roles: []}",
    ),
    (
        "Tenancy (spec only)",
        "cross-tenant-role-added",
        I,
        "A role may now act across tenants. Nothing breaks for clients; review who holds it, "
        "since it reaches every tenant's data (each access is audited).",
        "tenancy: {cross_tenant_roles: []}",
        "tenancy: {cross_tenant_roles: [support]}",
    ),
    (
        "Fields (spec only)",
        "field-became-unique",
        E,
        "A field became unique: creates that were accepted now conflict (409), and existing "
        "duplicates block the migration.",
        "slug: {type: string}",
        "slug: {type: string, unique: true}",
    ),
    (
        "Fields (spec only)",
        "field-uniqueness-removed",
        W,
        "A field is no longer unique: clients that looked records up by it may get several.",
        "slug: {type: string, unique: true}",
        "slug: {type: string}",
    ),
    (
        "Fields (spec only)",
        "field-became-write-once",
        E,
        "A field became write-once: updates that changed it are now refused.",
        "region: {type: string}",
        "region: {type: string, write_once: true}",
    ),
    (
        "Fields (spec only)",
        "field-write-once-removed",
        I,
        "A write-once field may now be updated.",
        "region: {type: string, write_once: true}",
        "region: {type: string}",
    ),
    (
        "Fields (spec only)",
        "field-visibility-widened",
        W,
        "A field is shown to more callers: its `read:` rule was removed, gained roles, or lost "
        "or changed its condition. Nothing breaks for clients; review who may now see it.",
        "internal_note: {type: text, read: {roles: [agent]}}",
        "internal_note: {type: text, read: {roles: [agent, customer]}}",
    ),
    (
        "Fields (spec only)",
        "field-visibility-narrowed",
        W,
        "A field is shown to fewer callers: a `read:` rule was added or lost roles. Clients of "
        "the other roles stop receiving it (the contract no longer requires it in responses).",
        "internal_note: {type: text}",
        "internal_note: {type: text, read: {roles: [agent]}}",
    ),
    (
        "Fields (spec only)",
        "field-write-widened",
        W,
        "More callers may write a field: its `write` / `writable_by` rule was removed, gained "
        "roles, or lost or changed its condition. Nothing breaks for clients; review who may "
        "now change it.",
        "estimate: {type: decimal, write: {roles: [lead]}}",
        "estimate: {type: decimal, write: {roles: [lead, member]}}",
    ),
    (
        "Fields (spec only)",
        "field-write-narrowed",
        E,
        "Fewer callers may write a field: a `write` / `writable_by` rule was added, lost roles "
        "or gained a condition. Requests that sent the field and were accepted are now 403.",
        "estimate: {type: decimal}",
        'estimate: {type: decimal, write: {roles: [lead], condition: "resource.done == false"}}',
    ),
    (
        "Fields (spec only)",
        "principal-field-narrowed",
        E,
        "A `principal` field accepts fewer principals: its `roles` lost some, it gained "
        "`member_of`, or its `member_of` roles or object changed. Requests naming a principal "
        "that was accepted are now 422.",
        "assignee_id: {type: principal, member_of: project}",
        "assignee_id: {type: principal, member_of: {path: project, roles: [lead]}}",
    ),
    (
        "Fields (spec only)",
        "principal-field-widened",
        I,
        "A `principal` field accepts more principals: its `roles` gained some, or its "
        "`member_of` (or that membership's roles) was relaxed. Nothing breaks for clients.",
        "assignee_id: {type: principal, member_of: {path: project, roles: [lead]}}",
        "assignee_id: {type: principal, member_of: project}",
    ),
    (
        "Ignore file",
        "ignore-entry-expired",
        W,
        "An entry of the ignore file has passed its `expires` date: it no longer suppresses "
        "anything. Remove it, or renew it with a reason.",
        "- {rule: operation-removed, operation: DELETE /v1/notes/{id}, expires: 2020-01-01}",
        "(entry still there after its date)",
    ),
    (
        "Ignore file",
        "ignore-entry-unused",
        I,
        "An entry of the ignore file matched no finding: the change it acknowledged is gone "
        "(or its rule, operation or pointer no longer names it). Remove it, so it cannot hide "
        "a later change that happens to match.",
        "- {rule: operation-removed, operation: DELETE /v1/notes/{id}, reason: ...}",
        "(DELETE /v1/notes/{id} is back, or was never removed)",
    ),
)


def _property_sunset_rules() -> tuple[tuple[str, Level, str, str, str, str], ...]:
    """The sunset rules of schema properties, alike for request and response bodies."""
    before = "name: {type: string, deprecated: true, x-sunset: '2026-12-31'}"
    rules = []
    for side in ("request", "response"):
        kind = f"{side}-property"
        what = f"A {side} body property's `x-sunset`"
        rules += [
            (
                "Deprecation",
                f"{kind}-sunset-moved-too-early",
                E,
                f"{what} moved to an earlier date that leaves less than "
                "`--min-deprecation-days` after `x-deprecated-since` (after today when there "
                "is none), or lies before that start: clients lose the notice the policy "
                "promises.",
                before,
                "name: {type: string, deprecated: true, x-sunset: '2025-07-01'}",
            ),
            (
                "Deprecation",
                f"{kind}-sunset-moved-earlier",
                W,
                f"{what} moved to an earlier date that still leaves the notice the policy "
                "requires: clients planned their migration for the old date.",
                before,
                "name: {type: string, deprecated: true, x-sunset: '2026-06-30'}",
            ),
            (
                "Deprecation",
                f"{kind}-sunset-deleted",
                W,
                f"{what} was deleted while it stays deprecated: the next release can remove "
                "it at once, a silent early removal in two steps.",
                before,
                "name: {type: string, deprecated: true}",
            ),
        ]
    return tuple(rules)


OTHER_RULES += _property_sunset_rules()


def schema_rule_id(context: str, change: str) -> str:
    return f"{context}-{change}"


_AREA_NAMES = {
    "request-parameter": "request parameters",
    "request-property": "request bodies",
    "response-property": "response bodies",
    "response-header": "response headers",
}


def _build() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for context, (is_request, where) in SCHEMA_CONTEXTS.items():
        area = "Schemas in " + _AREA_NAMES[context]
        for change, (req, resp, why, before, after) in SCHEMA_CHANGES.items():
            level = req if is_request else resp
            if level is None:
                continue
            rule_id = schema_rule_id(context, change)
            rules[rule_id] = Rule(rule_id, level, area, f"{why} (Here: {where}.)", before, after)
    for rule_id, level, summary, before, after in PROPERTY_RULES:
        area = "Request body properties" if rule_id.startswith("request") else "Response bodies"
        rules[rule_id] = Rule(rule_id, level, area, summary, before, after)
    for area, rule_id, level, summary, before, after in OTHER_RULES:
        rules[rule_id] = Rule(rule_id, level, area, summary, before, after)
    return rules


RULES: dict[str, Rule] = _build()


def level_of(rule_id: str) -> Level:
    return RULES[rule_id].level


USAGE = """## Using it

```
specfoundry diff BASE REVISION [--format text|json|markdown|github|junit|sarif]
                 [--fail-on error|warning|info] [--ignore FILE]
                 [--min-deprecation-days N] [--today YYYY-MM-DD] [-o FILE]
specfoundry diff --base REV PATH ...        # REV:PATH against the working tree's PATH
specfoundry changelog BASE REVISION         # every change, as markdown release notes
```

Each of BASE and REVISION is a spec (a YAML file or folder with a `service:` key), an
OpenAPI 3.0/3.1 document in YAML or JSON (told apart by content), or `REV:PATH`, read from
git without touching the working tree. Local `$ref`s are followed; external ones are refused
(bundle the document first). In CI:

```
specfoundry diff --base origin/main specs/ --format github
```

Exit status: `0` when no finding is at or above `--fail-on`, `1` when one is, `2` when an
input cannot be used (one line on stderr).

### JSON output (a stable contract)

```json
{
  "version": 1,
  "base": "origin/main:specs/", "revision": "specs/",
  "fail_on": "error", "failed": true,
  "findings": [
    {
      "rule": "request-property-became-required",
      "level": "error",
      "message": "Project.name: became required",
      "operation": "POST /v1/projects",
      "pointer": "/components/schemas/Project/properties/name",
      "location": {"file": "specs/entities.yaml", "line": 12, "column": 7},
      "base": {"pointer": "...", "location": null},
      "revision": {"pointer": "...", "location": {"file": "...", "line": 12, "column": 7}}
    }
  ],
  "summary": {"error": 1, "warning": 0, "info": 0, "total": 1},
  "suppressed": [{"rule": "...", "ignored_by": {"reason": "...", "expires": "2026-03-31"}}]
}
```

`operation` is `METHOD /path` (for a callback, `METHOD /path callback NAME EXPRESSION
METHOD`; for a webhook, `WEBHOOK NAME METHOD`) or null (document-wide and spec-level rules).
`pointer` is an RFC 6901 JSON pointer into the document that holds the change: the base for
removals, the revision otherwise. `location` is the file, line and column of that node (in the
spec when the input was a spec, in the OpenAPI file otherwise), or null when unknown. Findings
are sorted by path, method, level (most severe first) and pointer.
For spec-level findings the pointer names the spec item the finding is about (see the ignore
file below). With `--format github` (and SARIF) a removal from a spec is annotated in the
revision, at the nearest spec item that still exists (the state machine or its
`transitions:` for a removed transition), not at the line it had in the base.

### The ignore file

`--ignore FILE`, by default `.specfoundry-ignore.yaml` beside the revision's spec:

```yaml
ignore:
  - rule: operation-removed
    operation: DELETE /v1/notes/{id}     # and/or pointer: /paths/~1v1~1notes~1{id}/delete
    reason: the only client was migrated (PLAT-123)
    expires: 2026-03-31                  # optional
```

An entry suppresses the findings with that rule and operation (and pointer, when given). After
its `expires` date it no longer suppresses anything and is reported as `ignore-entry-expired`.

For a folder spec the default file is inside the folder (`specs/.specfoundry-ignore.yaml`);
hidden files are not part of a spec, so it is not read as one.

Spec-level findings (operation null) are acknowledged by `rule` and `pointer`. Their pointer
names exactly one thing, so an entry hides that finding and no other; copy it from the JSON,
text or GitHub output. `x-` segments name spec items, not nodes of the generated document:

- `role-permission-*`, and `condition-*` of a role's grant:
  `/components/schemas/<Entity>/x-permissions/<action>/<role>`, where `action` is an entity
  action or a transition, wherever its roles are written;
- `transition-*`, and `condition-*` of a transition's guard:
  `/components/schemas/<Entity>/properties/<field>/x-transitions/<transition>`;
- `state-*`: `/components/schemas/<Entity>/properties/<field>/x-states/<state>`;
- `role-removed`: `/x-roles/<role>`;
- `cross-tenant-role-*`: `/info/x-tenancy/cross_tenant_roles/<role>`;
- `field-*`: `/components/schemas/<Entity>/properties/<field>`;
- `tenancy-model-changed`, `tenant-resolution-changed`: the root, `pointer: ""`.

```yaml
ignore:
  - rule: role-permission-removed
    pointer: /components/schemas/Project/x-permissions/update/analyst
    reason: analysts edit through the admin console now (PLAT-7)
```
"""


LEVELS = """## Levels

A level follows from what a change does to a client that was correct before it, by these
principles, so you can predict it:

- **What clients send** (parameters, request bodies, answers to callbacks and webhooks, calls
  allowed by a spec's permissions): a change that rejects calls that were accepted is an
  `error`, even if it rejects only some of them: a new required item, a narrower type, a
  stricter bound, an `enum`, `not`, `const` or conditional added, a media type dropped, new
  security, a permission or transition source lost, a permission condition added. Something
  removed that is then ignored, not rejected, is a `warning` (a parameter, a property of an
  open object, a body), and so is a change that may reject values or change behaviour
  without certainty: a `format` or `contentMediaType` added (many validators only annotate
  them), a default changed. Accepting more is `info`.
- **What clients receive** (response bodies and headers, bodies of callbacks and webhooks):
  a change that lets the server send what clients must parse and could not is an `error`: a
  different type or format, `null`, a required property or header that may be missing or is
  gone, a relaxed bound or a dropped `pattern`, a lost promise that something is present or
  has a shape (`dependentRequired`, `contains`, a conditional, a `patternProperties` entry,
  `contentSchema`, a media type's schema), a success status or media type no longer sent. A
  change that well-behaved clients tolerate but strict ones may not is a `warning`: a new
  value of a type they already read (an enum value, variant or discriminator value added;
  `enum`, `const`, `not`, `propertyNames` or `format` dropped), extra properties or tuple
  elements, an optional property or header gone. Sending fewer kinds of values is `info`.
- **Deprecation** never raises a level: removing something after the notice the policy
  asks for is `info`; earlier it is as serious as removing it undeprecated, and shortening
  a sunset below the policy is as serious as the early removal it lets through. A sunset
  moved earlier within the policy, or deleted, is a `warning`.
- **When compatibility cannot be decided** from the documents (a replaced `pattern`, `not`,
  conditional or permission condition, a switch between a plain schema and a `oneOf`), the
  level is `warning`: review it by hand.
- Renames that change nothing on the wire but the names generated code uses (`operationId`,
  a security scheme) are `warning`s.
"""


def render_markdown() -> str:
    """The reference page ``docs/diff-rules.md``; ``scripts/gen_diff_rules_doc.py`` writes it."""
    lines = [
        "# `specfoundry diff` rules",
        "",
        "<!-- Generated by `scripts/gen_diff_rules_doc.py` from src/specfoundry/diff/rules.py; "
        "do not edit by hand. -->",
        "",
        "Every finding names one rule. A rule's id is stable and its level is fixed:",
        "",
        "- `error`: breaking. Existing clients fail.",
        "- `warning`: may break some clients (strict deserialisers, clients that relied on "
        "undocumented behaviour).",
        "- `info`: safe; listed so changelogs are complete.",
        "",
        "`--fail-on LEVEL` (default `error`) makes the command exit 1 when a finding at or "
        "above LEVEL remains after the ignore file is applied.",
        "",
        "Rules are direction-aware. Data a client *sends* (parameters, request bodies) must "
        "keep being accepted, so narrowing breaks it; data a client *receives* (response "
        "bodies and headers) must keep being understood, so widening breaks it. Schemas are "
        "compared through `$ref`, `allOf` (merged), `oneOf` and `anyOf` (alternatives matched "
        "by component name, then by position; a plain schema that survives unchanged as one "
        "alternative makes the others variants added or removed), `items`, `prefixItems` "
        "(position by position) with `unevaluatedItems`, `additionalProperties` and "
        "`unevaluatedProperties` (alike), `patternProperties` (by pattern), `propertyNames`, "
        "`contains` (with `minContains`/`maxContains` as bounds), `dependentRequired` and "
        "`dependentSchemas` (by key), `contentSchema` (with `contentMediaType` and "
        "`contentEncoding`), `if`/`then`/`else` (added, removed or changed as one "
        "conditional), `const` (rules of its own) and `not` (the excluded schema is compared "
        "in the opposite direction); a `discriminator` is compared where it is declared. A "
        "change inside a "
        "shared component is reported at every operation that reaches it, and grouped under "
        "the component in text and markdown output.",
        "",
        "Deprecation: an operation, a parameter, a response header, a callback or a webhook "
        "marked `deprecated: true` may carry `x-sunset` (a date) and `x-deprecated-since` (a "
        "date). Removing it is `info` once `x-sunset` has passed and at least "
        "`--min-deprecation-days` have elapsed since `x-deprecated-since`; before that it is "
        "as serious as removing it undeprecated (an error for an operation, callback or "
        "webhook, a warning for a parameter, an error or a warning for a response header as "
        "it was required or optional). Marking any of them, or a schema property, deprecated "
        "is `info`. A schema "
        "property marked `deprecated: true` follows the same policy with its own `x-sunset` "
        "and `x-deprecated-since`: removing it in time is `info`, removing it earlier is "
        "reported like any property removal. A removal is judged against the base's "
        "`x-sunset`, so editing the promise is checked when it happens (operations, "
        "parameters, response headers, callbacks, webhooks): a sunset moved earlier is an "
        "error (a warning for a parameter, whose early removal is one) when the new date "
        "leaves less than `--min-deprecation-days` after "
        "`x-deprecated-since` (after today without one), a warning otherwise "
        "(`*-sunset-moved-too-early`, `*-sunset-moved-earlier`); a sunset deleted while the "
        "thing stays deprecated is a warning (`*-sunset-deleted`); a new or changed "
        "`x-sunset` that is not a date is a warning (`deprecation-sunset-unreadable`).",
        "",
        "Callbacks and webhooks are requests the API sends, so their directions are reversed: "
        "a callback's or webhook's request body is data the client receives (checked with the "
        "`response-property-*` schema rules: widening breaks) and its responses are data the "
        "client sends (`request-property-*`, and `request-parameter-*` for their headers: "
        "narrowing what the API accepts breaks). Their structural changes have `callback-*` "
        "rules of their own. They are reported under an operation such as "
        "`POST /v1/subscriptions callback onEvent {$request.body#/url} POST` or "
        "`WEBHOOK invoicePaid POST`; parameters and security of callbacks and webhooks are "
        "not compared.",
        "",
        "Rules marked *spec only* compare the compiled models of two specs and do not apply "
        "to plain OpenAPI documents.",
        "",
        LEVELS,
        USAGE,
    ]
    areas: dict[str, list[Rule]] = {}
    for rule in RULES.values():
        areas.setdefault(rule.area, []).append(rule)
    lines.append("| rule | level | area |")
    lines.append("| --- | --- | --- |")
    for area, rules in areas.items():
        for rule in sorted(rules, key=lambda r: r.id):
            lines.append(f"| [`{rule.id}`](#{rule.id}) | {rule.level.value} | {area} |")
    lines.append("")
    for area, rules in areas.items():
        lines += [f"## {area}", ""]
        for rule in sorted(rules, key=lambda r: r.id):
            lines += [
                f"### {rule.id}",
                "",
                f"Level: **{rule.level.value}**. {rule.summary}",
                "",
                "```yaml",
                f"# before\n{rule.before}\n# after\n{rule.after}",
                "```",
                "",
            ]
    return "\n".join(lines)
