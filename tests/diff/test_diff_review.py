"""An accuracy review of ``specfoundry diff`` on documents written the way third parties write them.

Each test is one scenario: a pair of hand-written OpenAPI documents (3.0 and 3.1, YAML and
JSON) and the verdict a careful human reviewer gives, decided before the tool was run. The
verdict is a set of (rule, level, operation, pointer) findings, or at least the rules and
levels. Where the tool disagrees with the reviewer the test is ``xfail(strict=True)`` with the
reason, so a fix flips it.

Most scenarios edit one realistic base document (``PETSTORE``, a 3.0 API with shared error
responses, ``$ref``'d parameters, ``allOf`` inheritance, ``oneOf`` polymorphism, security
schemes with scopes, servers, tags and examples); the rest bring their own pair.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from _diffsupport import Outcome

Doc = dict[str, Any] | str

PETSTORE_YAML = """\
openapi: 3.0.3
info:
  title: Acme Pet Store
  version: 2.4.0
  description: |
    The public API of the Acme pet store. Maintained by the platform team.
  x-logo: {url: https://example.com/logo.png}
servers:
  - url: https://api.acme.example/v2
    description: production
  - url: https://sandbox.acme.example/v2
    description: sandbox
tags:
  - name: pets
    description: Everything about pets
  - name: orders
security:
  - oauth: [pets:read]
paths:
  /pets:
    get:
      tags: [pets]
      summary: List pets
      operationId: listPets
      parameters:
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
        - name: status
          in: query
          description: Filter by status
          schema:
            type: string
            enum: [available, pending, sold]
        - name: X-Request-ID
          in: header
          schema: {type: string, format: uuid}
      responses:
        '200':
          description: A page of pets
          headers:
            X-RateLimit-Remaining:
              required: true
              schema: {type: integer}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PetPage'}
        '400': {$ref: '#/components/responses/BadRequest'}
        default: {$ref: '#/components/responses/Error'}
    post:
      tags: [pets]
      summary: Add a pet
      operationId: createPet
      security:
        - oauth: [pets:write]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
            example: {name: Rex, species: dog}
      responses:
        '201':
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
        '400': {$ref: '#/components/responses/BadRequest'}
        default: {$ref: '#/components/responses/Error'}
  /pets/{petId}:
    parameters:
      - name: petId
        in: path
        required: true
        schema: {type: string, format: uuid}
    get:
      tags: [pets]
      operationId: getPet
      responses:
        '200':
          description: The pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
        '404': {$ref: '#/components/responses/NotFound'}
        default: {$ref: '#/components/responses/Error'}
    delete:
      tags: [pets]
      operationId: deletePet
      security:
        - oauth: [pets:write]
      responses:
        '204': {description: Deleted}
        '404': {$ref: '#/components/responses/NotFound'}
        default: {$ref: '#/components/responses/Error'}
  /orders:
    post:
      tags: [orders]
      operationId: placeOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Order'}
      responses:
        '201':
          description: Placed
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
        default: {$ref: '#/components/responses/Error'}
components:
  parameters:
    Limit:
      name: limit
      in: query
      description: Page size
      schema: {type: integer, format: int32, minimum: 1, maximum: 100, default: 20}
    Cursor:
      name: cursor
      in: query
      schema: {type: string}
  responses:
    BadRequest:
      description: The request is invalid
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
    NotFound:
      description: No such resource
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
    Error:
      description: Unexpected error
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
  schemas:
    Error:
      type: object
      required: [code, message]
      properties:
        code: {type: string, example: invalid_argument}
        message: {type: string}
        details:
          type: array
          items: {type: string}
    NewPet:
      type: object
      required: [name, species]
      properties:
        name: {type: string, minLength: 1, maxLength: 64}
        species: {type: string, enum: [dog, cat, bird]}
        tag:
          type: string
          nullable: true
        birthday: {type: string, format: date}
    Pet:
      allOf:
        - $ref: '#/components/schemas/NewPet'
        - type: object
          required: [id, status]
          properties:
            id: {type: string, format: uuid, readOnly: true}
            status: {type: string, enum: [available, pending, sold]}
            owner:
              $ref: '#/components/schemas/Owner'
            x-internal-note: {type: string}
    Owner:
      type: object
      required: [id]
      properties:
        id: {type: string}
        email: {type: string, format: email}
        password: {type: string, writeOnly: true}
    PetPage:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items: {$ref: '#/components/schemas/Pet'}
        next_cursor: {type: string, nullable: true}
    Order:
      type: object
      required: [items]
      properties:
        id: {type: integer, format: int64, readOnly: true}
        total: {type: number, minimum: 0, exclusiveMinimum: true}
        items:
          type: array
          minItems: 1
          items:
            type: object
            required: [pet_id, quantity]
            properties:
              pet_id: {type: string, format: uuid}
              quantity: {type: integer, minimum: 1}
        payment:
          oneOf:
            - $ref: '#/components/schemas/CardPayment'
            - $ref: '#/components/schemas/VoucherPayment'
        shipping: {$ref: '#/components/schemas/Address'}
        billing: {$ref: '#/components/schemas/Address'}
    CardPayment:
      type: object
      required: [card_token]
      properties:
        card_token: {type: string}
    VoucherPayment:
      type: object
      required: [voucher_code]
      properties:
        voucher_code: {type: string, pattern: '^[A-Z0-9]{8}$'}
    Address:
      type: object
      additionalProperties: false
      required: [line1, country]
      properties:
        line1: {type: string}
        line2: {type: string}
        country: {type: string, minLength: 2, maxLength: 2}
  securitySchemes:
    oauth:
      type: oauth2
      description: Acme accounts
      flows:
        authorizationCode:
          authorizationUrl: https://auth.acme.example/authorize
          tokenUrl: https://auth.acme.example/token
          scopes:
            pets:read: Read pets
            pets:write: Change pets
    apiKey:
      type: apiKey
      in: header
      name: X-API-Key
"""

PETS = "/paths/~1pets"
PET = "/paths/~1pets~1{petId}"
ORDERS = "/paths/~1orders"
SCHEMAS = "/components/schemas"


def petstore() -> dict[str, Any]:
    """A fresh copy of the base document, to edit into a revision."""
    return yaml.safe_load(PETSTORE_YAML)


# --- running the diff ------------------------------------------------------------------------


Run = Callable[..., Outcome]


@pytest.fixture
def run_diff(runner, app, tmp_path: Path) -> Run:
    """``run_diff(base, revision, *options, fmt="json")``; a document is a dict or its text.

    Dicts are written as YAML, or as JSON when ``json_docs`` is true (as a converter would).
    """

    def write(name: str, doc: Doc, as_json: bool) -> Path:
        path = tmp_path / name
        if isinstance(doc, str):
            path.write_text(doc)
        elif as_json:
            path.write_text(json.dumps(doc, indent=2))
        else:
            path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    def run(
        base: Doc, revision: Doc, *options: str, fmt: str = "json", json_docs: bool = False
    ) -> Outcome:
        suffix = ".json" if json_docs else ".yaml"
        a = write("base" + suffix, base, json_docs)
        b = write("revision" + suffix, revision, json_docs)
        args = ["diff", str(a), str(b), "--format", fmt, "--today", "2025-06-01", *options]
        result = runner.invoke(app, args)
        assert "Traceback" not in result.stdout + result.stderr
        print(result.stdout, result.stderr)  # shown when a scenario fails
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return run


def at(*parts: str) -> str:
    """A JSON pointer from already-escaped parts."""
    return "/".join(parts)


RESPONSE_PET_OPS = ("GET /pets", "POST /pets", "GET /pets/{petId}")
ERROR_OPS = ("GET /pets", "POST /pets", "GET /pets/{petId}", "DELETE /pets/{petId}", "POST /orders")


def reordered(node: Any, key: str | None = None) -> Any:
    """Every mapping's keys in reverse, and every list whose order means nothing reversed."""
    if isinstance(node, dict):
        return {k: reordered(node[k], k) for k in reversed(list(node))}
    if isinstance(node, list):
        items = [reordered(v) for v in node]
        unordered = ("enum", "required", "parameters", "oneOf", "anyOf", "tags", "security")
        return list(reversed(items)) if key in unordered else items
    return node


def to_openapi_31(node: Any) -> Any:
    """The same API in 3.1 spelling, as a migration tool writes it."""
    if isinstance(node, list):
        return [to_openapi_31(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_openapi_31(v) for k, v in node.items()}
    if out.get("openapi", "").startswith("3.0"):
        out["openapi"] = "3.1.0"
    if out.pop("nullable", False):
        out["type"] = [out["type"], "null"]
    if out.get("exclusiveMinimum") is True:
        out["exclusiveMinimum"] = out.pop("minimum")
    if "example" in out and "type" in out:  # a schema, not a media type
        out["examples"] = [out.pop("example")]
    return out


def rename_component(doc: dict[str, Any], kind: str, old: str, new: str) -> dict[str, Any]:
    """Rename ``components/<kind>/<old>`` and every ``$ref`` to it."""
    components = doc["components"][kind]
    doc["components"][kind] = {(new if k == old else k): v for k, v in components.items()}
    text = json.dumps(doc).replace(f'"#/components/{kind}/{old}"', f'"#/components/{kind}/{new}"')
    return json.loads(text)


# --- no change at all ------------------------------------------------------------------------


def test_identical_documents(run_diff: Run) -> None:
    """The same document twice: nothing to say, exit 0."""
    out = run_diff(PETSTORE_YAML, PETSTORE_YAML)
    assert out.exit_code == 0 and out.findings == []


def test_cosmetic_edits_are_no_change(run_diff: Run) -> None:
    """Descriptions, summaries, examples, titles, tags, server descriptions, `x-` extensions,
    info.version: documentation only, nothing a client sends or receives changes."""
    rev = petstore()
    rev["info"]["version"] = "2.5.0"
    rev["info"]["description"] = "The public API. Now maintained by the pets team."
    rev["info"]["x-logo"] = {"url": "https://example.com/logo-2.png"}
    rev["servers"][1]["description"] = "sandbox (resets nightly)"
    rev["tags"].append({"name": "admin", "description": "Internal"})
    rev["tags"][0]["description"] = "Pets, their owners and their status"
    listing = rev["paths"]["/pets"]["get"]
    listing["summary"] = "List all pets"
    listing["description"] = "Pages through pets, newest first."
    listing["x-codegen-request-body-name"] = "body"
    listing["parameters"][2]["description"] = "Only pets with this status"
    listing["parameters"][2]["example"] = "available"
    listing["responses"]["200"]["description"] = "One page"
    create = rev["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]
    create["example"] = {"name": "Tom", "species": "cat"}
    schemas = rev["components"]["schemas"]
    schemas["Error"]["properties"]["code"]["example"] = "not_found"
    schemas["Error"]["title"] = "Problem"
    schemas["Error"]["description"] = "Every error response has this shape."
    schemas["NewPet"]["properties"]["name"]["description"] = "What the pet answers to"
    schemas["Owner"]["x-go-type"] = "models.Owner"
    rev["components"]["securitySchemes"]["oauth"]["description"] = "Acme ID"
    rev["components"]["responses"]["NotFound"]["description"] = "Not found"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_reordering_everything_is_no_change(run_diff: Run) -> None:
    """Paths, methods, properties, parameters, responses, enum values, `required`, `oneOf`
    variants and security alternatives in another order: the API is the same."""
    out = run_diff(PETSTORE_YAML, reordered(petstore()))
    assert out.findings == []


def test_same_api_converted_to_openapi_31_json(run_diff: Run) -> None:
    """3.0 YAML converted to 3.1 JSON: `nullable: true` becomes `type: [x, "null"]`, the
    boolean `exclusiveMinimum` becomes a number, `example` becomes `examples`. Same API."""
    out = run_diff(petstore(), to_openapi_31(petstore()), json_docs=True)
    assert out.findings == []


def test_components_renamed_with_every_ref_updated(run_diff: Run) -> None:
    """`Owner` -> `PetOwner`, `Error` -> `Problem`, a `oneOf` variant `CardPayment` ->
    `CardPaymentMethod`, the `NotFound` response -> `NotFoundError`: names of components are
    not on the wire, so nothing changes for a client."""
    rev = rename_component(petstore(), "schemas", "Owner", "PetOwner")
    rev = rename_component(rev, "schemas", "Error", "Problem")
    rev = rename_component(rev, "schemas", "CardPayment", "CardPaymentMethod")
    rev = rename_component(rev, "responses", "NotFound", "NotFoundError")
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_refs_inlined_in_place(run_diff: Run) -> None:
    """A `$ref`'d schema, parameter and response each replaced by an inline copy of its
    target (what bundlers do): the same API."""
    rev = petstore()
    schemas = rev["components"]["schemas"]
    pet_ext = schemas["Pet"]["allOf"][1]["properties"]
    pet_ext["owner"] = copy.deepcopy(schemas["Owner"])
    listing = rev["paths"]["/pets"]["get"]
    listing["parameters"][0] = copy.deepcopy(rev["components"]["parameters"]["Limit"])
    get_pet = rev["paths"]["/pets/{petId}"]["get"]
    get_pet["responses"]["404"] = copy.deepcopy(rev["components"]["responses"]["NotFound"])
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_path_parameter_renamed_in_template(run_diff: Run) -> None:
    """`/pets/{petId}` -> `/pets/{id}` with the parameter renamed: URLs are the same."""
    rev = petstore()
    item = rev["paths"].pop("/pets/{petId}")
    item["parameters"][0]["name"] = "id"
    rev["paths"]["/pets/{id}"] = item
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_header_names_change_case(run_diff: Run) -> None:
    """HTTP header names are case-insensitive: `X-Request-ID` -> `x-request-id` (parameter)
    and `X-RateLimit-Remaining` -> `x-ratelimit-remaining` (response header) change nothing."""
    rev = petstore()
    listing = rev["paths"]["/pets"]["get"]
    listing["parameters"][3]["name"] = "x-request-id"
    headers = listing["responses"]["200"]["headers"]
    headers["x-ratelimit-remaining"] = headers.pop("X-RateLimit-Remaining")
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_path_level_parameter_moved_into_each_operation(run_diff: Run) -> None:
    """The `petId` parameter moved from the path item into both operations: same API."""
    rev = petstore()
    item = rev["paths"]["/pets/{petId}"]
    param = item.pop("parameters")[0]
    for method in ("get", "delete"):
        item[method]["parameters"] = [copy.deepcopy(param)]
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_allof_flattened_into_one_object(run_diff: Run) -> None:
    """`Pet: allOf [NewPet, {...}]` rewritten as one flat object with the same properties
    and the same `required`: the same schema."""
    rev = petstore()
    schemas = rev["components"]["schemas"]
    new_pet, ext = schemas["NewPet"], schemas["Pet"]["allOf"][1]
    schemas["Pet"] = {
        "type": "object",
        "required": new_pet["required"] + ext["required"],
        "properties": {**copy.deepcopy(new_pet["properties"]), **ext["properties"]},
    }
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_explicit_defaults_spelled_out(run_diff: Run) -> None:
    """Writing out what OpenAPI defaults to (`style: form`, `explode: true` on a query
    parameter, `required: false`, `nullable: false`, `additionalProperties: true`,
    `deprecated: false`) changes nothing."""
    rev = petstore()
    status = rev["paths"]["/pets"]["get"]["parameters"][2]
    status.update({"style": "form", "explode": True, "required": False, "allowReserved": False})
    header = rev["paths"]["/pets"]["get"]["parameters"][3]
    header.update({"style": "simple", "explode": False})
    rev["paths"]["/pets"]["get"]["deprecated"] = False
    error = rev["components"]["schemas"]["Error"]
    error["additionalProperties"] = True
    error["properties"]["message"]["nullable"] = False
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


YAML_QUIRKS_BASE = """\
openapi: 3.0.3
info: {title: Events, version: '1'}
paths:
  /events:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Event'}
components:
  schemas:
    Event:
      type: object
      required: [id, day]
      properties:
        id: {type: string}
        day: {type: string, format: date, example: '2024-01-31'}
        kind: {type: string, enum: ['yes', 'no']}
"""

YAML_QUIRKS_REVISION = """\
openapi: 3.0.3
info: {title: Events, version: '1'}
x-common: &id {type: string}
paths:
  /events:
    get:
      responses:
        200:
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Event'}
components:
  schemas:
    Event:
      type: object
      required: [id, day]
      properties:
        id: *id
        day: {type: string, format: date, example: 2024-01-31}
        kind: {type: string, enum: ['yes', 'no']}
"""


def test_yaml_spellings_are_no_change(run_diff: Run) -> None:
    """An unquoted status code (an int to YAML), an unquoted date in an example (a date to
    YAML) and a property written through an anchor alias: the same API."""
    out = run_diff(YAML_QUIRKS_BASE, YAML_QUIRKS_REVISION)
    assert out.exit_code == 0, out.stderr
    assert out.findings == []


# --- changes in shared components ------------------------------------------------------------


def test_shared_error_schema_loses_a_required_field(run_diff: Run) -> None:
    """`Error.code` removed: every operation's error responses reach it through a `$ref`'d
    response, and clients branch on `code`. One error per operation, at the component."""
    rev = petstore()
    error = rev["components"]["schemas"]["Error"]
    del error["properties"]["code"]
    error["required"] = ["message"]
    out = run_diff(PETSTORE_YAML, rev)
    pointer = f"{SCHEMAS}/Error/properties/code"
    assert out.keys == {("response-property-removed", "error", op, pointer) for op in ERROR_OPS}
    assert out.exit_code == 1


def test_shared_limit_parameter_tightened_and_default_changed(run_diff: Run) -> None:
    """The `$ref`'d `limit` parameter: maximum 100 -> 50 rejects requests that were valid
    (error); its default 20 -> 25 changes what clients that omit it get (warning)."""
    rev = petstore()
    schema = rev["components"]["parameters"]["Limit"]["schema"]
    schema.update({"maximum": 50, "default": 25})
    out = run_diff(PETSTORE_YAML, rev)
    at_ = "/components/parameters/Limit/schema"
    assert out.keys == {
        ("request-parameter-constraint-narrowed", "error", "GET /pets", f"{at_}/maximum"),
        ("request-parameter-default-changed", "warning", "GET /pets", f"{at_}/default"),
    }


def test_allof_base_gains_a_required_property(run_diff: Run) -> None:
    """`NewPet` gains required `microchip`: creating a pet without it now fails (error); the
    responses that reach it through `Pet: allOf [NewPet, ...]` only gain a field (info)."""
    rev = petstore()
    new_pet = rev["components"]["schemas"]["NewPet"]
    new_pet["properties"]["microchip"] = {"type": "string"}
    new_pet["required"].append("microchip")
    out = run_diff(PETSTORE_YAML, rev)
    pointer = f"{SCHEMAS}/NewPet/properties/microchip"
    assert out.keys == {
        ("request-property-added-required", "error", "POST /pets", pointer),
        *(("response-property-added", "info", op, pointer) for op in RESPONSE_PET_OPS),
    }


def test_address_used_twice_in_one_body_reported_once(run_diff: Run) -> None:
    """`Address` is reached through `shipping` and `billing` of one order: `country`
    maxLength 2 -> 3 is one request finding (info) and one response finding (error), not two
    of each."""
    rev = petstore()
    rev["components"]["schemas"]["Address"]["properties"]["country"]["maxLength"] = 3
    out = run_diff(PETSTORE_YAML, rev)
    pointer = f"{SCHEMAS}/Address/properties/country/maxLength"
    assert sorted((f["rule"], f["level"]) for f in out.findings) == [
        ("request-property-constraint-widened", "info"),
        ("response-property-constraint-widened", "error"),
    ]
    assert {f["pointer"] for f in out.findings} == {pointer}


def test_allof_member_narrows_an_inherited_property(run_diff: Run) -> None:
    """POST /pets now takes `allOf: [NewPet, {properties: {name: {maxLength: 32}}}]`: both
    members apply, so names of 33 to 64 characters that were valid are rejected (error)."""
    rev = petstore()
    body = rev["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"] = {
        "allOf": [
            {"$ref": "#/components/schemas/NewPet"},
            {"type": "object", "properties": {"name": {"type": "string", "maxLength": 32}}},
        ]
    }
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {("request-property-constraint-narrowed", "error")}


def test_oneof_variant_added_to_payment(run_diff: Run) -> None:
    """A third payment method: requests may now send it (info), responses may now carry a
    variant old clients cannot decode (warning)."""
    rev = petstore()
    schemas = rev["components"]["schemas"]
    schemas["GiftCardPayment"] = {
        "type": "object",
        "required": ["gift_card"],
        "properties": {"gift_card": {"type": "string"}},
    }
    payment = schemas["Order"]["properties"]["payment"]["oneOf"]
    payment.append({"$ref": "#/components/schemas/GiftCardPayment"})
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {
        ("request-property-variant-added", "info"),
        ("response-property-variant-added", "warning"),
    }
    assert {f["operation"] for f in out.findings} == {"POST /orders"}


def test_oneof_variant_removed_from_payment(run_diff: Run) -> None:
    """Vouchers are no longer accepted: requests paying by voucher fail (error); responses
    simply stop carrying them (info)."""
    rev = petstore()
    rev["components"]["schemas"]["Order"]["properties"]["payment"]["oneOf"].pop()
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {
        ("request-property-variant-removed", "error"),
        ("response-property-variant-removed", "info"),
    }


def test_oneof_variants_reordered_and_one_renamed(run_diff: Run) -> None:
    """`oneOf: [Voucher, CardPaymentMethod]` where it was `[Card, Voucher]`, same shapes."""
    rev = rename_component(petstore(), "schemas", "CardPayment", "CardPaymentMethod")
    rev["components"]["schemas"]["Order"]["properties"]["payment"]["oneOf"].reverse()
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_response_property_becomes_nullable_30_style(run_diff: Run) -> None:
    """`Pet.status` gains `nullable: true`: clients that switch over it meet a null they
    never handled. An error at every operation returning a pet."""
    rev = petstore()
    rev["components"]["schemas"]["Pet"]["allOf"][1]["properties"]["status"]["nullable"] = True
    out = run_diff(PETSTORE_YAML, rev)
    assert {(f["rule"], f["level"], f["operation"]) for f in out.findings} == {
        ("response-property-became-nullable", "error", op) for op in RESPONSE_PET_OPS
    }


def test_integer_quantity_becomes_number(run_diff: Run) -> None:
    """`quantity` integer -> number: requests with integers still validate (info), but
    responses may now carry 1.5 to clients that parse an int (error)."""
    rev = petstore()
    line = rev["components"]["schemas"]["Order"]["properties"]["items"]["items"]
    line["properties"]["quantity"]["type"] = "number"
    out = run_diff(PETSTORE_YAML, rev)
    pointer = f"{SCHEMAS}/Order/properties/items/items/properties/quantity/type"
    assert out.keys == {
        ("request-property-type-widened", "info", "POST /orders", pointer),
        ("response-property-type-changed", "error", "POST /orders", pointer),
    }


def test_birthday_format_date_becomes_date_time(run_diff: Run) -> None:
    """`date` -> `date-time`: both sides parse and validate the value differently. An error
    for the request and for every response that carries a pet."""
    rev = petstore()
    rev["components"]["schemas"]["NewPet"]["properties"]["birthday"]["format"] = "date-time"
    out = run_diff(PETSTORE_YAML, rev)
    pointer = f"{SCHEMAS}/NewPet/properties/birthday/format"
    assert out.keys == {
        ("request-property-format-changed", "error", "POST /pets", pointer),
        *(("response-property-format-changed", "error", op, pointer) for op in RESPONSE_PET_OPS),
    }


def test_int32_limit_widened_and_int64_order_id_narrowed(run_diff: Run) -> None:
    """`limit` int32 -> int64 is a wider request value (info); a response `Order.id` int64
    -> int32 only gets smaller (info)."""
    rev = petstore()
    rev["components"]["parameters"]["Limit"]["schema"]["format"] = "int64"
    rev["components"]["schemas"]["Order"]["properties"]["id"]["format"] = "int32"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {
        ("request-parameter-format-widened", "info"),
        ("response-property-format-narrowed", "info"),
    }


def test_pattern_added_to_request_property(run_diff: Run) -> None:
    """`card_token` gains `pattern: ^tok_`: requests with other tokens are rejected (error);
    responses only get tighter (info)."""
    rev = petstore()
    rev["components"]["schemas"]["CardPayment"]["properties"]["card_token"]["pattern"] = "^tok_"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {
        ("request-property-constraint-narrowed", "error"),
        ("response-property-constraint-narrowed", "info"),
    }


def test_pattern_relaxed_on_request_property(run_diff: Run) -> None:
    """Voucher codes `^[A-Z0-9]{8}$` -> `^[A-Z0-9]{8,12}$`: every old request still
    validates. The tool cannot prove it, but it must not call it a certain break: no error
    for the request side (the response side may legitimately be an error: longer codes)."""
    rev = petstore()
    voucher = rev["components"]["schemas"]["VoucherPayment"]["properties"]["voucher_code"]
    voucher["pattern"] = "^[A-Z0-9]{8,12}$"
    out = run_diff(PETSTORE_YAML, rev)
    assert not [f for f in out.at_least("error") if f["rule"].startswith("request-")]


def test_read_only_and_write_only_are_respected(run_diff: Run) -> None:
    """`NewPet` gains a required readOnly `created_at` (clients never send it: no request
    finding; responses gain a field: info), and `Owner.password`, writeOnly, is removed
    (it never appeared in responses: nothing)."""
    rev = petstore()
    schemas = rev["components"]["schemas"]
    schemas["NewPet"]["properties"]["created_at"] = {
        "type": "string",
        "format": "date-time",
        "readOnly": True,
    }
    schemas["NewPet"]["required"].append("created_at")
    del schemas["Owner"]["properties"]["password"]
    out = run_diff(PETSTORE_YAML, rev)
    pointer = f"{SCHEMAS}/NewPet/properties/created_at"
    assert out.keys == {("response-property-added", "info", op, pointer) for op in RESPONSE_PET_OPS}


def test_property_becomes_read_only(run_diff: Run) -> None:
    """`NewPet.name` becomes readOnly: clients that send it (they must, it is required) are
    now sending a field the server refuses. An error on POST /pets only."""
    rev = petstore()
    rev["components"]["schemas"]["NewPet"]["properties"]["name"]["readOnly"] = True
    out = run_diff(PETSTORE_YAML, rev)
    assert {(f["rule"], f["level"], f["operation"]) for f in out.findings} == {
        ("request-property-became-read-only", "error", "POST /pets")
    }


def test_closed_address_opened(run_diff: Run) -> None:
    """`Address` drops `additionalProperties: false`: requests may carry more (info);
    responses may now carry unlisted fields strict deserialisers reject (warning)."""
    rev = petstore()
    del rev["components"]["schemas"]["Address"]["additionalProperties"]
    out = run_diff(PETSTORE_YAML, rev)
    assert {(f["rule"], f["level"], f["operation"]) for f in out.findings} == {
        ("request-additional-properties-widened", "info", "POST /orders"),
        ("response-additional-properties-widened", "warning", "POST /orders"),
    }


def test_optional_field_removed_from_closed_request_object(run_diff: Run) -> None:
    """`Address` has `additionalProperties: false`; `line2` is removed. Every client that
    sends a second address line now gets a 400: an error for the request, a warning for the
    response (data gone)."""
    rev = petstore()
    del rev["components"]["schemas"]["Address"]["properties"]["line2"]
    out = run_diff(PETSTORE_YAML, rev)
    levels = {(f["rule"].split("-")[0], f["level"]) for f in out.findings}
    assert levels == {("request", "error"), ("response", "warning")}


def test_free_form_map_values_constrained(run_diff: Run) -> None:
    """3.0 `additionalProperties: {}` -> `true` is no change; a typed map's values gaining
    `maxLength` rejects requests (error) and only tightens responses (info)."""
    base, rev = petstore(), petstore()
    for doc, extra in ((base, {}), (rev, True)):
        doc["components"]["schemas"]["Owner"]["properties"]["prefs"] = {
            "type": "object",
            "additionalProperties": extra,
        }
    for doc, value in ((base, {"type": "string"}), (rev, {"type": "string", "maxLength": 63})):
        doc["components"]["schemas"]["NewPet"]["properties"]["labels"] = {
            "type": "object",
            "additionalProperties": value,
        }
    out = run_diff(base, rev)
    pointer = f"{SCHEMAS}/NewPet/properties/labels/additionalProperties/maxLength"
    assert out.keys == {
        ("request-property-constraint-narrowed", "error", "POST /pets", pointer),
        *(
            ("response-property-constraint-narrowed", "info", op, pointer)
            for op in RESPONSE_PET_OPS
        ),
    }


def test_nested_required_becomes_optional(run_diff: Run) -> None:
    """`Order.items[].quantity` no longer required: old requests still valid (info); clients
    reading it from responses may find it missing (error)."""
    rev = petstore()
    line = rev["components"]["schemas"]["Order"]["properties"]["items"]["items"]
    line["required"] = ["pet_id"]
    out = run_diff(PETSTORE_YAML, rev)
    pointer = f"{SCHEMAS}/Order/properties/items/items/properties/quantity"
    assert out.keys == {
        ("request-property-became-optional", "info", "POST /orders", pointer),
        ("response-property-became-optional", "error", "POST /orders", pointer),
    }


def test_status_enum_gains_a_value(run_diff: Run) -> None:
    """`adopted` added to the status filter (request: info) and to `Pet.status` (responses:
    clients switching over it meet an unknown value, warning)."""
    rev = petstore()
    rev["paths"]["/pets"]["get"]["parameters"][2]["schema"]["enum"].append("adopted")
    rev["components"]["schemas"]["Pet"]["allOf"][1]["properties"]["status"]["enum"].append(
        "adopted"
    )
    out = run_diff(PETSTORE_YAML, rev)
    assert {(f["rule"], f["level"], f["operation"]) for f in out.findings} == {
        ("request-parameter-enum-value-added", "info", "GET /pets"),
        *(("response-property-enum-value-added", "warning", op) for op in RESPONSE_PET_OPS),
    }


# --- operations, parameters, responses -------------------------------------------------------


def test_operation_removed_and_deprecated(run_diff: Run) -> None:
    """DELETE /pets/{petId} removed without notice (error, at the base's operation) and
    GET /pets/{petId} deprecated with a sunset (info)."""
    rev = petstore()
    item = rev["paths"]["/pets/{petId}"]
    del item["delete"]
    item["get"].update({"deprecated": True, "x-sunset": "2026-01-01"})
    out = run_diff(PETSTORE_YAML, rev)
    assert out.keys == {
        ("operation-removed", "error", "DELETE /pets/{petId}", f"{PET}/delete"),
        ("operation-deprecated", "info", "GET /pets/{petId}", f"{PET}/get/deprecated"),
    }


def test_operation_id_renamed(run_diff: Run) -> None:
    """`listPets` -> `getPets`: the wire is the same, generated SDK methods are renamed."""
    rev = petstore()
    rev["paths"]["/pets"]["get"]["operationId"] = "getPets"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.keys == {
        ("operation-id-changed", "warning", "GET /pets", f"{PETS}/get/operationId"),
    }
    assert out.exit_code == 0


def test_required_query_parameter_added(run_diff: Run) -> None:
    """A new required `species` filter: every old listing request lacks it (error); an
    optional `sort` alongside is fine (info)."""
    rev = petstore()
    params = rev["paths"]["/pets"]["get"]["parameters"]
    params.append(
        {"name": "species", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    params.append({"name": "sort", "in": "query", "schema": {"type": "string"}})
    out = run_diff(PETSTORE_YAML, rev)
    assert out.keys == {
        ("request-parameter-added-required", "error", "GET /pets", f"{PETS}/get/parameters/4"),
        ("request-parameter-added", "info", "GET /pets", f"{PETS}/get/parameters/5"),
    }


def test_query_parameter_renamed_by_case(run_diff: Run) -> None:
    """`cursor` -> `Cursor`: query names are case-sensitive, so clients sending `cursor`
    now send an unknown parameter (removed: warning) and the new one is optional (info)."""
    rev = petstore()
    rev["components"]["parameters"]["Cursor"]["name"] = "Cursor"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {
        ("request-parameter-removed", "warning"),
        ("request-parameter-added", "info"),
    }


def test_header_parameter_moved_to_query(run_diff: Run) -> None:
    """`X-Request-ID` keeps its name but moves from the headers to the query string: clients
    send it where it is no longer read (error)."""
    rev = petstore()
    rev["paths"]["/pets"]["get"]["parameters"][3]["in"] = "query"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {("request-parameter-location-changed", "error")}
    assert "from header to query" in out.findings[0]["message"]


def test_shared_parameter_dropped_from_one_operation(run_diff: Run) -> None:
    """GET /pets stops taking `cursor` (it was `$ref: Cursor`): a warning, pointing at the
    list entry that went away, not at the component that is still there."""
    rev = petstore()
    rev["paths"]["/pets"]["get"]["parameters"].pop(1)
    out = run_diff(PETSTORE_YAML, rev)
    assert out.keys == {
        ("request-parameter-removed", "warning", "GET /pets", f"{PETS}/get/parameters/1"),
    }


def test_success_status_replaced(run_diff: Run) -> None:
    """POST /pets answers 200 where it answered 201: clients waiting for 201 break, and the
    new 200 is a success code they never saw (a warning of its own)."""
    rev = petstore()
    responses = rev["paths"]["/pets"]["post"]["responses"]
    responses["200"] = responses.pop("201")
    out = run_diff(PETSTORE_YAML, rev)
    assert out.keys == {
        ("response-success-status-removed", "error", "POST /pets", f"{PETS}/post/responses/201"),
        ("response-success-status-added", "warning", "POST /pets", f"{PETS}/post/responses/200"),
    }


def test_default_error_split_into_explicit_codes(run_diff: Run) -> None:
    """`default` replaced by explicit 500 and 503 with the same body: error documentation
    only (info)."""
    rev = petstore()
    responses = rev["paths"]["/orders"]["post"]["responses"]
    error = responses.pop("default")
    responses["500"] = error
    responses["503"] = copy.deepcopy(error)
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {("response-status-removed", "info"), ("response-status-added", "info")}


def test_success_status_widened_to_range(run_diff: Run) -> None:
    """GET /pets/{petId}: `200` documented as `2XX` with the same body. A 200 with a pet is
    still what clients get; nothing a client relies on broke."""
    rev = petstore()
    responses = rev["paths"]["/pets/{petId}"]["get"]["responses"]
    responses["2XX"] = responses.pop("200")
    out = run_diff(PETSTORE_YAML, rev)
    assert out.at_least("error") == []
    # The two responses are compared; the range itself is the warning the reviewer allowed.
    assert out.keys == {
        (
            "response-success-status-widened",
            "warning",
            "GET /pets/{petId}",
            f"{PET}/get/responses/2XX",
        )
    }


def test_error_status_widened_to_range_compares_the_bodies(run_diff: Run) -> None:
    """`404` documented as `4XX`, whose inline body lacks `Error.details`: the pairing is
    info, and comparing the two bodies still finds the property gone (a warning)."""
    rev = petstore()
    responses = rev["paths"]["/pets/{petId}"]["get"]["responses"]
    responses.pop("404")
    responses["4XX"] = {
        "description": "Client error",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }
            }
        },
    }
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {
        ("response-error-status-widened", "info"),
        ("response-optional-property-removed", "warning"),
    }


def test_lowercase_status_range_is_the_same(run_diff: Run) -> None:
    """`4XX` and `4xx` are one range (tools accept both spellings)."""
    base, rev = petstore(), petstore()
    base["paths"]["/orders"]["post"]["responses"]["4XX"] = {"description": "client error"}
    rev["paths"]["/orders"]["post"]["responses"]["4xx"] = {"description": "client error"}
    out = run_diff(base, rev)
    assert out.findings == []


def test_required_response_header_dropped(run_diff: Run) -> None:
    """`X-RateLimit-Remaining` was always sent; clients that throttle on it break."""
    rev = petstore()
    del rev["paths"]["/pets"]["get"]["responses"]["200"]["headers"]
    out = run_diff(PETSTORE_YAML, rev)
    pointer = f"{PETS}/get/responses/200/headers/X-RateLimit-Remaining"
    assert out.keys == {("response-header-removed", "error", "GET /pets", pointer)}


def test_response_media_type_gains_charset(run_diff: Run) -> None:
    """`application/json` spelled `application/json; charset=utf-8`: the same media type,
    JSON is UTF-8 anyway. Nothing changes for clients."""
    rev = petstore()
    content = rev["paths"]["/pets/{petId}"]["get"]["responses"]["200"]["content"]
    content["application/json; charset=utf-8"] = content.pop("application/json")
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_trailing_slash_added_to_path(run_diff: Run) -> None:
    """`/pets` -> `/pets/`: clients keep calling `/pets`. A careful reviewer flags it (the
    operations' URLs changed), at least as a warning."""
    rev = petstore()
    rev["paths"] = {("/pets/" if k == "/pets" else k): v for k, v in rev["paths"].items()}
    out = run_diff(PETSTORE_YAML, rev)
    flagged = {f["operation"] for f in out.at_least("warning")}
    assert {"GET /pets", "POST /pets"} <= {op.rstrip("/") for op in flagged if op}
    # One warning per operation; the operations are still matched and compared.
    assert out.rules == {("path-trailing-slash-changed", "warning")}


def test_path_case_change_breaks(run_diff: Run) -> None:
    """`/orders` -> `/Orders`: URL paths are case-sensitive; the old URL is gone."""
    rev = petstore()
    rev["paths"] = {("/Orders" if k == "/orders" else k): v for k, v in rev["paths"].items()}
    out = run_diff(PETSTORE_YAML, rev)
    assert {(f["rule"], f["operation"]) for f in out.findings} == {
        ("operation-removed", "POST /orders"),
        ("operation-added", "POST /Orders"),
    }


# --- security and servers --------------------------------------------------------------------


def test_document_scope_added(run_diff: Run) -> None:
    """The document-wide requirement now also needs `pets:admin`: tokens issued before lack
    it. An error at each operation that inherits it (both GETs and POST /orders), at
    `/security`."""
    rev = petstore()
    rev["security"] = [{"oauth": ["pets:read", "pets:admin"]}]
    rev["components"]["securitySchemes"]["oauth"]["flows"]["authorizationCode"]["scopes"][
        "pets:admin"
    ] = "Administer"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.keys == {
        ("security-scope-added", "error", "GET /pets", "/security"),
        ("security-scope-added", "error", "GET /pets/{petId}", "/security"),
        ("security-scope-added", "error", "POST /orders", "/security"),
    }


def test_api_key_accepted_as_an_alternative(run_diff: Run) -> None:
    """POST /orders accepts an API key as well as OAuth: nothing old stops working (info)."""
    rev = petstore()
    rev["paths"]["/orders"]["post"]["security"] = [{"oauth": ["pets:read"]}, {"apiKey": []}]
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {("security-alternative-added", "info")}


def test_token_url_moved(run_diff: Run) -> None:
    """The OAuth token URL moves: clients fetch tokens where none are issued (error, once,
    document-wide)."""
    rev = petstore()
    flow = rev["components"]["securitySchemes"]["oauth"]["flows"]["authorizationCode"]
    flow["tokenUrl"] = "https://id.acme.example/oauth/token"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.keys == {
        ("security-scheme-changed", "error", None, "/components/securitySchemes/oauth")
    }


def test_security_scheme_renamed_everywhere(run_diff: Run) -> None:
    """The scheme's name is not on the wire: same flows, same scopes, same tokens. At most a
    warning (SDK configuration keys may be named after it), never an error."""
    text = PETSTORE_YAML.replace("- oauth:", "- acmeOAuth:").replace(
        "    oauth:\n", "    acmeOAuth:\n"
    )
    out = run_diff(PETSTORE_YAML, text)
    assert out.at_least("error") == []
    assert out.keys == {
        ("security-scheme-renamed", "warning", None, "/components/securitySchemes/acmeOAuth")
    }


def test_api_key_header_name_changes_case(run_diff: Run) -> None:
    """`X-API-Key` -> `x-api-key` for an `in: header` API key: the same header."""
    rev = petstore()
    rev["components"]["securitySchemes"]["apiKey"]["name"] = "x-api-key"
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_base_path_moved_from_server_into_paths(run_diff: Run) -> None:
    """`servers: [.../v2]` + `/pets` rewritten as `servers: [...]` + `/v2/pets`: every URL a
    client calls is the same."""
    rev = petstore()
    for server in rev["servers"]:
        server["url"] = server["url"].removesuffix("/v2")
    rev["paths"] = {"/v2" + k: v for k, v in rev["paths"].items()}
    out = run_diff(PETSTORE_YAML, rev)
    assert out.findings == []


def test_server_url_changed(run_diff: Run) -> None:
    """Both servers move from `/v2` to `/v3`: clients configured from the document call
    URLs the API no longer documents. A reviewer flags it, at least as a warning.

    Decided (maintainer): an error, reported once. Every URL a client builds from the
    servers is gone, exactly as if every operation were removed, so it breaks as much as
    `operation-removed`. Operations are matched by base path + path when that pairs more of
    them (see the test above), so keyed by full URL path this change would read as five
    operations removed and five added; matching by the paths alone pairs them all, so the
    operations are compared as usual and the move is one `server-base-path-changed` at
    `/servers` instead of ten findings.
    """
    rev = petstore()
    for server in rev["servers"]:
        server["url"] = server["url"].replace("/v2", "/v3")
    out = run_diff(PETSTORE_YAML, rev)
    assert out.at_least("warning")
    assert out.keys == {("server-base-path-changed", "error", None, "/servers")}


# --- nullability and composition, 3.0 and 3.1 -----------------------------------------------


def profile_api(version: str, contact: dict[str, Any], nickname: dict[str, Any]) -> str:
    """A small hand-written API whose `Profile` is read and written, as JSON text."""
    doc = {
        "openapi": version,
        "info": {"title": "Profiles", "version": "1.0.0"},
        "paths": {
            "/me": {
                "get": {
                    "operationId": "getProfile",
                    "responses": {
                        "200": {
                            "description": "Your profile",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Profile"}
                                }
                            },
                        }
                    },
                },
                "put": {
                    "operationId": "putProfile",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}
                        },
                    },
                    "responses": {"204": {"description": "Saved"}},
                },
            }
        },
        "components": {
            "schemas": {
                "Profile": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "nickname": nickname,
                        "contact": contact,
                    },
                },
                "Contact": {
                    "type": "object",
                    "properties": {"email": {"type": "string", "format": "email"}},
                },
            }
        },
    }
    return json.dumps(doc, indent=2)


CONTACT = {"$ref": "#/components/schemas/Contact"}
NICKNAME = {"type": "string"}


def test_nullable_ref_migrated_from_30_to_31_spelling(run_diff: Run) -> None:
    """The two usual ways to make a `$ref` nullable, before and after a 3.1 migration: the
    same API, nothing to report."""
    base = profile_api("3.0.3", {"allOf": [CONTACT], "nullable": True}, NICKNAME)
    rev = profile_api("3.1.0", {"anyOf": [CONTACT, {"type": "null"}]}, NICKNAME)
    out = run_diff(base, rev, json_docs=True)
    assert out.findings == []


def test_ref_becomes_nullable_in_31(run_diff: Run) -> None:
    """`contact` may now be null: clients reading `profile.contact.email` crash on null.
    An error for GET /me; for PUT /me requests accepting null is harmless (info)."""
    base = profile_api("3.1.0", CONTACT, NICKNAME)
    rev = profile_api("3.1.0", {"anyOf": [CONTACT, {"type": "null"}]}, NICKNAME)
    out = run_diff(base, rev, json_docs=True)
    assert {(f["rule"], f["level"], f["operation"]) for f in out.findings} == {
        ("response-property-became-nullable", "error", "GET /me"),
        ("request-property-became-nullable", "info", "PUT /me"),
    }


def test_type_array_with_null_reordered(run_diff: Run) -> None:
    """3.1 `type: [string, "null"]` -> `type: ["null", string]`, and 3.0 `nullable: true`
    -> 3.1 `type: [string, "null"]`: the same schemas."""
    base = profile_api("3.1.0", CONTACT, {"type": ["string", "null"]})
    rev = profile_api("3.1.0", CONTACT, {"type": ["null", "string"]})
    assert run_diff(base, rev, json_docs=True).findings == []
    base_30 = profile_api("3.0.3", CONTACT, {"type": "string", "nullable": True})
    assert run_diff(base_30, rev, json_docs=True).findings == []


def test_nullable_removed_in_31(run_diff: Run) -> None:
    """`nickname` `type: [string, "null"]` -> `string`: clients that send null to clear it
    are rejected (error); responses simply stop carrying null (info)."""
    base = profile_api("3.1.0", CONTACT, {"type": ["string", "null"]})
    rev = profile_api("3.1.0", CONTACT, NICKNAME)
    out = run_diff(base, rev, json_docs=True)
    assert {(f["rule"], f["level"], f["operation"]) for f in out.findings} == {
        ("request-property-nullable-removed", "error", "PUT /me"),
        ("response-property-nullable-removed", "info", "GET /me"),
    }


def test_null_added_to_response_enum(run_diff: Run) -> None:
    """`nickname: {type: [string, null], enum: [a, b]}` rejects null (the enum decides);
    adding `null` to the enum lets responses carry null: at least a warning for GET /me."""
    nullable = ["string", "null"]
    base = profile_api("3.1.0", CONTACT, {"type": nullable, "enum": ["ace", "bud"]})
    rev = profile_api("3.1.0", CONTACT, {"type": nullable, "enum": ["ace", "bud", None]})
    out = run_diff(base, rev, json_docs=True)
    assert {f["operation"] for f in out.at_least("warning")} == {"GET /me"}


def test_null_removed_from_request_enum_30(run_diff: Run) -> None:
    """3.0: `nullable: true, enum: [ace, bud, null]` -> `nullable: true, enum: [ace, bud]`.
    Per 3.0.3 null must be listed in the enum to be valid, so clients that clear the field
    with null are now rejected: an error for PUT /me."""
    base = profile_api(
        "3.0.3", CONTACT, {"type": "string", "nullable": True, "enum": ["ace", "bud", None]}
    )
    rev = profile_api(
        "3.0.3", CONTACT, {"type": "string", "nullable": True, "enum": ["ace", "bud"]}
    )
    out = run_diff(base, rev, json_docs=True)
    assert {f["operation"] for f in out.at_least("error")} == {"PUT /me"}


def test_type_object_added_to_schema_with_properties(run_diff: Run) -> None:
    """`Contact` was written without `type` (common in hand-written 3.0); adding
    `type: object` documents what every client already sends. No error."""
    base = json.loads(profile_api("3.0.3", CONTACT, NICKNAME))
    del base["components"]["schemas"]["Contact"]["type"]
    out = run_diff(base, profile_api("3.0.3", CONTACT, NICKNAME))
    assert out.at_least("error") == []


def test_exclusive_minimum_tightened_30_to_31(run_diff: Run) -> None:
    """3.0 `minimum: 0` (inclusive) -> 3.1 `exclusiveMinimum: 0`: a total of 0 is no longer
    valid in requests (error), responses only get tighter (info). The finding points at the
    revision's `exclusiveMinimum`, the line a reviewer acts on."""
    base = petstore()
    base["components"]["schemas"]["Order"]["properties"]["total"] = {
        "type": "number",
        "minimum": 0,
    }
    rev = to_openapi_31(petstore())
    out = run_diff(base, rev, json_docs=True)
    pointer = f"{SCHEMAS}/Order/properties/total/exclusiveMinimum"
    assert out.keys == {
        ("request-property-constraint-narrowed", "error", "POST /orders", pointer),
        ("response-property-constraint-narrowed", "info", "POST /orders", pointer),
    }


def test_multi_type_widened_for_requests(run_diff: Run) -> None:
    """3.1 `type: string` -> `type: [string, integer]` for a request field: old requests
    stay valid (info); responses may now carry an integer where clients expect a string
    (error)."""
    base = profile_api("3.1.0", CONTACT, NICKNAME)
    rev = profile_api("3.1.0", CONTACT, {"type": ["string", "integer"]})
    out = run_diff(base, rev, json_docs=True)
    assert {(f["rule"], f["level"], f["operation"]) for f in out.findings} == {
        ("request-property-type-widened", "info", "PUT /me"),
        ("response-property-type-changed", "error", "GET /me"),
    }


# --- cycles and unusable input ---------------------------------------------------------------

CATEGORY_TREE = """\
{
  "openapi": "3.1.0",
  "info": {"title": "Catalogue", "version": "3"},
  "paths": {
    "/categories/{id}": {
      "put": {
        "parameters": [{"name": "id", "in": "path", "required": true,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/Category"}}}},
        "responses": {"200": {"description": "Saved", "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/Category"}}}}}
      }
    }
  },
  "components": {"schemas": {"Category": {
    "type": "object",
    "required": ["name"%(required)s],
    "properties": {
      "name": {"type": "string"},%(extra)s
      "parent": {"$ref": "#/components/schemas/Category"},
      "children": {"type": "array", "items": {"$ref": "#/components/schemas/Category"}}
    }
  }}}
}
"""


def category_tree(name: str = "Category", slug: bool = False) -> str:
    text = CATEGORY_TREE % {
        "required": ', "slug"' if slug else "",
        "extra": '\n      "slug": {"type": "string"},' if slug else "",
    }
    return text.replace('"Category"', f'"{name}"').replace("/Category", f"/{name}")


def test_recursive_schema_change_reported_once(run_diff: Run) -> None:
    """A self-referencing `Category` gains required `slug`: one request error and one
    response info, not one per level of recursion; the diff terminates."""
    out = run_diff(category_tree(), category_tree(slug=True), json_docs=True)
    pointer = f"{SCHEMAS}/Category/properties/slug"
    assert out.keys == {
        ("request-property-added-required", "error", "PUT /categories/{id}", pointer),
        ("response-property-added", "info", "PUT /categories/{id}", pointer),
    }


def test_recursive_schema_renamed(run_diff: Run) -> None:
    """`Category` -> `Taxon`, self-references included: the same API."""
    out = run_diff(category_tree(), category_tree("Taxon"), json_docs=True)
    assert out.findings == []


def test_external_ref_is_refused_clearly(run_diff: Run) -> None:
    """A split document (`$ref: ./schemas/pet.yaml`) cannot be compared: exit 2, one line
    that names the ref and says to bundle, no traceback."""
    rev = petstore()
    rev["components"]["schemas"]["Owner"] = {"$ref": "./schemas/owner.yaml#/Owner"}
    out = run_diff(PETSTORE_YAML, rev)
    assert out.exit_code == 2
    assert "./schemas/owner.yaml#/Owner" in out.stderr and "bundle" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_ref_to_a_missing_component_is_refused_clearly(run_diff: Run) -> None:
    """A typo'd `$ref` in the revision: exit 2 with a one-line message naming it."""
    rev = petstore()
    rev["paths"]["/orders"]["post"]["responses"]["default"] = {
        "$ref": "#/components/responses/Eror"
    }
    out = run_diff(PETSTORE_YAML, rev)
    assert out.exit_code == 2 and "#/components/responses/Eror" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_owner_becomes_polymorphic(run_diff: Run) -> None:
    """`Pet.owner: $ref Owner` -> `oneOf: [Owner, Organisation]`: responses may now carry a
    shape old clients do not know (a warning). `Owner` survives unchanged as the first
    alternative, so `Organisation` is an alternative added, as between two compositions.
    `Owner.id` was not removed: it is still there in the first alternative."""
    rev = petstore()
    schemas = rev["components"]["schemas"]
    schemas["Organisation"] = {
        "type": "object",
        "required": ["org_id"],
        "properties": {"org_id": {"type": "string"}},
    }
    schemas["Pet"]["allOf"][1]["properties"]["owner"] = {
        "oneOf": [
            {"$ref": "#/components/schemas/Owner"},
            {"$ref": "#/components/schemas/Organisation"},
        ]
    }
    out = run_diff(PETSTORE_YAML, rev)
    assert out.at_least("error") == []
    assert out.rules == {("response-property-variant-added", "warning")}


# --- messages and output formats -------------------------------------------------------------


def test_messages_name_properties_as_a_reader_would(run_diff: Run) -> None:
    """A reviewer reads `Pet.status`, `Order.items[].quantity`, `NewPet.labels.*` and
    'pattern added', not JSON-pointer fragments or Python's `None`."""
    base, rev = petstore(), petstore()
    for doc, value in ((base, {"type": "string"}), (rev, {"type": "string", "maxLength": 63})):
        doc["components"]["schemas"]["NewPet"]["properties"]["labels"] = {
            "type": "object",
            "additionalProperties": value,
        }
    schemas = rev["components"]["schemas"]
    schemas["Pet"]["allOf"][1]["properties"]["status"]["enum"].append("adopted")
    schemas["Order"]["properties"]["items"]["items"]["required"] = ["pet_id"]
    schemas["CardPayment"]["properties"]["card_token"]["pattern"] = "^tok_"
    messages = " | ".join(f["message"] for f in run_diff(base, rev).findings)
    for wanted in ("Pet.status", "Order.items[].quantity", "NewPet.labels.*"):
        assert wanted in messages
    for unwanted in ("/allOf/", "/items", "/additionalProperties", "None"):
        assert unwanted not in messages


def release() -> dict[str, Any]:
    """A realistic release: one error in a shared component, a removed operation, a
    warning and an info."""
    rev = petstore()
    error = rev["components"]["schemas"]["Error"]
    del error["properties"]["code"]
    error["required"] = ["message"]
    rev["paths"]["/pets"]["get"]["operationId"] = "getPets"
    rev["paths"]["/pets"]["get"]["parameters"].append(
        {"name": "sort", "in": "query", "schema": {"type": "string"}}
    )
    del rev["paths"]["/pets/{petId}"]["delete"]
    return rev


def test_every_format_tells_the_same_story(run_diff: Run) -> None:
    """One release in every format: exit 1 everywhere, every rule named, parseable JSON,
    SARIF and JUnit, and GitHub annotations on lines of the revision file."""
    rev = release()
    expected = {
        "response-property-removed",
        "operation-removed",
        "operation-id-changed",
        "request-parameter-added",
    }
    as_json = run_diff(PETSTORE_YAML, rev)
    assert {f["rule"] for f in as_json.findings} == expected
    assert as_json.payload["summary"] == {"error": 5, "warning": 1, "info": 1, "total": 7}
    for fmt in ("text", "markdown", "github", "junit", "sarif"):
        out = run_diff(PETSTORE_YAML, rev, fmt=fmt)
        assert out.exit_code == 1, fmt
        assert all(rule in out.stdout for rule in expected), fmt
    sarif = json.loads(run_diff(PETSTORE_YAML, rev, fmt="sarif").stdout)
    assert len(sarif["runs"][0]["results"]) == 7
    junit = ET.fromstring(run_diff(PETSTORE_YAML, rev, fmt="junit").stdout.encode())
    assert len(junit.findall(".//failure")) == 5
    github = run_diff(PETSTORE_YAML, rev, fmt="github").stdout.splitlines()
    removed = next(line for line in github if "operation-removed" in line)
    assert "revision.yaml" in removed
    written = yaml.safe_dump(rev, sort_keys=False).splitlines()
    line = int(removed.split("line=")[1].split(",")[0])
    assert written[line - 1].strip() == "/pets/{petId}:"  # the surviving path item


def test_text_groups_the_shared_error_schema(run_diff: Run) -> None:
    """The `Error.code` removal is one entry naming the four surviving operations that
    reach it, not four repeated lines."""
    text = run_diff(PETSTORE_YAML, release(), "--no-color", fmt="text").stdout
    assert text.count("response-property-removed") == 1
    assert "affects 4 operations: GET /pets, GET /pets/{petId}, POST /orders, POST /pets" in text


def test_markdown_shows_patterns_literally(run_diff: Run) -> None:
    """`pattern` `^[a-z]*$` -> `^[a-z0-9_]*$` on a request field: the PR comment must show
    both patterns as written (in a code span or with `*` escaped), not italicise them."""
    rev = petstore()
    base = petstore()
    base["components"]["schemas"]["CardPayment"]["properties"]["card_token"]["pattern"] = "^[a-z]*$"
    card = rev["components"]["schemas"]["CardPayment"]["properties"]["card_token"]
    card["pattern"] = "^[a-z0-9_]*$"
    markdown = run_diff(base, rev, fmt="markdown").stdout
    line = next(x for x in markdown.splitlines() if "request-property-pattern-changed" in x)
    assert "`^[a-z0-9_]*$`" in line or "\\*" in line


# --- more ways third parties write the same thing --------------------------------------------


def test_bundler_style_refs_into_paths(run_diff: Run) -> None:
    """Bundlers deduplicate by pointing one operation's response at another's, with the
    path's braces percent-encoded (`~1pets~1%7BpetId%7D`). The content is the same: nothing
    to report, and no 'points at nothing'."""
    rev = petstore()
    delete = rev["paths"]["/pets/{petId}"]["delete"]
    delete["responses"]["404"] = {"$ref": "#/paths/~1pets~1%7BpetId%7D/get/responses/404"}
    out = run_diff(PETSTORE_YAML, rev)
    assert out.exit_code == 0, out.stderr
    assert out.findings == []


def test_path_item_moved_to_components_in_31(run_diff: Run) -> None:
    """3.1 `paths./orders: {$ref: '#/components/pathItems/Orders'}` with the request body
    made optional there: one info, at the component where it was edited."""
    base, rev = to_openapi_31(petstore()), to_openapi_31(petstore())
    rev["components"]["pathItems"] = {"Orders": rev["paths"]["/orders"]}
    rev["paths"]["/orders"] = {"$ref": "#/components/pathItems/Orders"}
    rev["components"]["pathItems"]["Orders"]["post"]["requestBody"]["required"] = False
    out = run_diff(base, rev, json_docs=True)
    pointer = "/components/pathItems/Orders/post/requestBody"
    assert out.keys == {("request-body-became-optional", "info", "POST /orders", pointer)}


def test_parameter_schema_moved_under_content(run_diff: Run) -> None:
    """`status` switches from `schema` to `content: {application/json: {schema}}` and loses
    `sold`: clients filtering by `sold` are rejected (error), found through `content`."""
    rev = petstore()
    rev["paths"]["/pets"]["get"]["parameters"][2] = {
        "name": "status",
        "in": "query",
        "content": {
            "application/json": {"schema": {"type": "string", "enum": ["available", "pending"]}}
        },
    }
    out = run_diff(PETSTORE_YAML, rev)
    assert out.rules == {("request-parameter-enum-value-removed", "error")}


def test_deprecated_operation_removed_after_sunset(run_diff: Run) -> None:
    """DELETE /pets/{petId} was deprecated with a sunset that has passed: removing it now
    is what the deprecation promised (info)."""
    base = petstore()
    base["paths"]["/pets/{petId}"]["delete"].update({"deprecated": True, "x-sunset": "2025-01-01"})
    rev = petstore()
    del rev["paths"]["/pets/{petId}"]["delete"]
    out = run_diff(base, rev)
    assert out.rules == {("deprecated-operation-removed", "info")}
    assert out.exit_code == 0


def test_authentication_made_optional(run_diff: Run) -> None:
    """GET /pets/{petId} adds the empty requirement `{}`: anonymous calls are now accepted
    as well. Nothing breaks (info, to be checked as intended)."""
    rev = petstore()
    rev["paths"]["/pets/{petId}"]["get"]["security"] = [{"oauth": ["pets:read"]}, {}]
    out = run_diff(PETSTORE_YAML, rev)
    assert {(f["rule"], f["level"], f["operation"]) for f in out.findings} == {
        ("security-removed", "info", "GET /pets/{petId}")
    }


def test_property_forbidden_with_false_schema_in_31(run_diff: Run) -> None:
    """3.1 `tag: false`: a request that still carries `tag` is now invalid (error); in
    responses it is gone (warning)."""
    base, rev = to_openapi_31(petstore()), to_openapi_31(petstore())
    rev["components"]["schemas"]["NewPet"]["properties"]["tag"] = False
    out = run_diff(base, rev, json_docs=True)
    assert "error" in {f["level"] for f in out.findings if f["operation"] == "POST /pets"}
