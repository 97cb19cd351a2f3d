"""An accuracy review of the newer features of ``specfoundry diff``.

Callbacks and webhooks (compared in reverse), parameter, header and property deprecation with
the ``x-sunset`` / ``x-deprecated-since`` policy, ``discriminator``, ``not`` and
``prefixItems``, the spec-level rules, and the CLI surface (``--base``, ``REV:PATH``, the
ignore file, ``changelog``, ``--fail-on``, exit codes, the six formats).

Each test is one scenario written the way a third party writes documents, with the verdict a
careful reviewer gives (error: breaks existing clients; warning: may break; info: safe; or
nothing), decided before the tool was run. Where the tool disagrees the test is
``xfail(strict=True)`` with the reason, so a fix flips it.

Most OpenAPI scenarios edit ``BILLING``, a realistic 3.1 API with a callback, webhooks,
deprecated parameters, a polymorphic payment method with a discriminator, a tuple
(``prefixItems``) and a ``not``; spec scenarios edit a copy of ``examples/analytics``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from _diffsupport import Outcome

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "analytics"
TODAY = "2025-06-01"

BILLING_YAML = """\
openapi: 3.1.0
info:
  title: Acme Billing
  version: 3.2.0
servers:
  - url: https://api.acme.example
security:
  - bearer: []
paths:
  /v1/subscriptions:
    post:
      operationId: createSubscription
      summary: Start a subscription; events are POSTed to callback_url
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewSubscription'}
      responses:
        '201':
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Subscription'}
      callbacks:
        onEvent:
          '{$request.body#/callback_url}':
            post:
              summary: A subscription event
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Event'}
              responses:
                '200':
                  description: Received
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          received: {type: boolean}
                '410':
                  description: Gone; stop sending events to this URL
  /v1/subscriptions/{id}:
    get:
      operationId: getSubscription
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
        - name: expand
          in: query
          schema:
            type: array
            items: {type: string, enum: [customer, latest_invoice]}
        - name: legacy_format
          in: query
          description: Return the v2 shape
          deprecated: true
          x-deprecated-since: '2024-09-01'
          x-sunset: '2025-03-01'
          schema: {type: boolean}
      responses:
        '200':
          description: The subscription
          headers:
            X-RateLimit-Remaining:
              description: Calls left in this window
              schema: {type: integer}
            X-Legacy-Plan:
              description: Old plan code
              deprecated: true
              x-sunset: '2025-01-01'
              schema: {type: string}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Subscription'}
  /v1/invoices:
    get:
      operationId: listInvoices
      parameters:
        - $ref: '#/components/parameters/Customer'
        - name: status
          in: query
          schema: {type: string, enum: [draft, open, paid, void]}
      responses:
        '200':
          description: A page of invoices
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: array
                    items: {$ref: '#/components/schemas/Invoice'}
  /v1/invoices/{id}/pay:
    post:
      operationId: payInvoice
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [payment_method]
              properties:
                payment_method: {$ref: '#/components/schemas/PaymentMethod'}
      responses:
        '200':
          description: Paid
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Invoice'}
webhooks:
  invoicePaid:
    post:
      operationId: invoicePaidWebhook
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/InvoiceEvent'}
      responses:
        '200': {description: Acknowledged}
  invoiceVoided:
    post:
      deprecated: true
      x-deprecated-since: '2024-06-01'
      x-sunset: '2025-01-31'
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/InvoiceEvent'}
      responses:
        '200': {description: Acknowledged}
components:
  parameters:
    Customer:
      name: customer
      in: query
      schema: {type: string}
  schemas:
    NewSubscription:
      type: object
      required: [plan, callback_url]
      properties:
        plan: {type: string, enum: [starter, team, enterprise]}
        callback_url: {type: string, format: uri}
        username: {$ref: '#/components/schemas/Username'}
        coupon:
          type: string
          deprecated: true
          x-deprecated-since: '2024-01-15'
          x-sunset: '2025-01-15'
    Username:
      type: string
      maxLength: 32
      not:
        enum: [admin, root]
    Subscription:
      type: object
      required: [id, plan, status, trial_days]
      properties:
        id: {type: string}
        plan: {type: string, enum: [starter, team, enterprise]}
        status: {type: string, enum: [trialing, active, canceled]}
        trial_days:
          type: integer
          deprecated: true
          x-sunset: '2025-05-01'
        seats_label: {type: string}
        office: {$ref: '#/components/schemas/GeoPoint'}
    GeoPoint:
      type: array
      prefixItems:
        - {type: number, minimum: -90, maximum: 90}
        - {type: number, minimum: -180, maximum: 180}
      items: false
    Event:
      type: object
      required: [id, type, created]
      properties:
        id: {type: string}
        type: {type: string, enum: [subscription.created, subscription.canceled]}
        created: {type: integer}
        note: {type: string, maxLength: 500}
    Invoice:
      type: object
      required: [id, amount_due]
      properties:
        id: {type: string}
        amount_due: {type: integer}
        paid_with: {$ref: '#/components/schemas/PaymentMethod'}
    InvoiceEvent:
      type: object
      required: [invoice_id, amount]
      properties:
        invoice_id: {type: string}
        amount: {type: integer}
    PaymentMethod:
      oneOf:
        - $ref: '#/components/schemas/Card'
        - $ref: '#/components/schemas/BankAccount'
      discriminator:
        propertyName: type
        mapping:
          card: '#/components/schemas/Card'
          bank_account: '#/components/schemas/BankAccount'
    Card:
      type: object
      required: [type, last4]
      properties:
        type: {type: string}
        last4: {type: string}
    BankAccount:
      type: object
      required: [type, iban]
      properties:
        type: {type: string}
        iban: {type: string}
  securitySchemes:
    bearer: {type: http, scheme: bearer}
"""

SUBS = "/paths/~1v1~1subscriptions/post"
SUB = "/paths/~1v1~1subscriptions~1{id}/get"
INVOICES = "/paths/~1v1~1invoices/get"
PAY = "/paths/~1v1~1invoices~1{id}~1pay/post"
SCHEMAS = "/components/schemas"
CALLBACK = SUBS + "/callbacks/onEvent/{$request.body#~1callback_url}/post"
CALLBACK_OP = "POST /v1/subscriptions callback onEvent {$request.body#/callback_url} POST"


def billing() -> dict[str, Any]:
    """A fresh copy of the base document, to edit into a revision."""
    return yaml.safe_load(BILLING_YAML)


def callback_op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/v1/subscriptions"]["post"]["callbacks"]["onEvent"][
        "{$request.body#/callback_url}"
    ]["post"]


# --- running the diff ------------------------------------------------------------------------


Run = Callable[..., Outcome]


@pytest.fixture
def invoke(runner, app) -> Callable[..., Outcome]:
    """The CLI with raw arguments (``--today`` is the caller's business)."""

    def call(*args: str) -> Outcome:
        result = runner.invoke(app, list(args))
        out, err = result.stdout, result.stderr
        assert "Traceback" not in out + err, out + err
        print(out, err)  # shown when a scenario fails
        return Outcome(result.exit_code, out, err)

    return call


@pytest.fixture
def run_diff(invoke, tmp_path: Path) -> Run:
    """``run_diff(base, revision, *options, fmt="json")``; a document is a dict or its text."""

    def write(name: str, doc: Any) -> Path:
        path = tmp_path / name
        path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
        return path

    def run(base: Any, revision: Any, *options: str, fmt: str = "json") -> Outcome:
        a, b = write("base.yaml", base), write("revision.yaml", revision)
        return invoke("diff", str(a), str(b), "--format", fmt, "--today", TODAY, *options)

    return run


# --- callbacks -------------------------------------------------------------------------------


def test_callback_event_gains_an_enum_value(run_diff: Run) -> None:
    """The API may now send `type: subscription.paused` in the event it POSTs to clients.
    Clients switching over `type` meet a value they do not know: the response direction
    (warning), reported at the callback, pointer in the shared `Event` schema."""
    rev = billing()
    rev["components"]["schemas"]["Event"]["properties"]["type"]["enum"].append(
        "subscription.paused"
    )
    out = run_diff(BILLING_YAML, rev)
    pointer = f"{SCHEMAS}/Event/properties/type/enum"
    assert out.keys == {("response-property-enum-value-added", "warning", CALLBACK_OP, pointer)}
    assert out.exit_code == 0


def test_callback_event_field_no_longer_always_sent(run_diff: Run) -> None:
    """`created` drops out of the event's `required`: clients that read it may now find it
    missing (error, as for a response)."""
    rev = billing()
    rev["components"]["schemas"]["Event"]["required"] = ["id", "type"]
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("response-property-became-optional", "error")}
    assert {f["operation"] for f in out.findings} == {CALLBACK_OP}
    assert out.exit_code == 1


def test_callback_event_note_shortened_is_safe(run_diff: Run) -> None:
    """The API promises shorter notes (maxLength 500 -> 200) in what it sends: clients only
    receive less (info)."""
    rev = billing()
    rev["components"]["schemas"]["Event"]["properties"]["note"]["maxLength"] = 200
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("response-property-constraint-narrowed", "info")}


def test_callback_answer_must_now_carry_a_field(run_diff: Run) -> None:
    """The client's answer (200 body) must now include `received`: clients' receivers that
    answer with an empty object are now answering wrongly (error, request direction)."""
    rev = billing()
    schema = callback_op(rev)["responses"]["200"]["content"]["application/json"]["schema"]
    schema["required"] = ["received"]
    out = run_diff(BILLING_YAML, rev)
    pointer = CALLBACK + "/responses/200/content/application~1json/schema/properties/received"
    assert out.keys == {("request-property-became-required", "error", CALLBACK_OP, pointer)}


def test_callback_unsubscribe_status_no_longer_documented(run_diff: Run) -> None:
    """Receivers answer 410 to unsubscribe; the API no longer documents 410, so those answers
    may be treated as failures and retried (error, as the rule says)."""
    rev = billing()
    del callback_op(rev)["responses"]["410"]
    out = run_diff(BILLING_YAML, rev)
    assert out.keys == {
        ("callback-response-status-removed", "error", CALLBACK_OP, CALLBACK + "/responses/410")
    }


def test_callback_may_arrive_as_xml_too(run_diff: Run) -> None:
    """The API may now POST events as XML as well: there is no negotiation, receivers that
    only parse JSON may get a format they cannot read (warning)."""
    rev = billing()
    content = callback_op(rev)["requestBody"]["content"]
    content["application/xml"] = {"schema": {"$ref": "#/components/schemas/Event"}}
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("callback-request-media-type-added", "warning")}


def test_callback_answer_header_now_required(run_diff: Run) -> None:
    """Receivers must now send `X-Processed-Id` in their answer: none does (error)."""
    rev = billing()
    callback_op(rev)["responses"]["200"]["headers"] = {
        "X-Processed-Id": {"required": True, "schema": {"type": "string"}}
    }
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("callback-response-header-added-required", "error")}
    assert {f["operation"] for f in out.findings} == {CALLBACK_OP}


def test_callback_moved_to_components_unchanged(run_diff: Run) -> None:
    """The callback moved to `components/callbacks/SubscriptionEvents` and is `$ref`'d: the
    same requests are sent, nothing to report."""
    rev = billing()
    post = rev["paths"]["/v1/subscriptions"]["post"]
    rev["components"]["callbacks"] = {"SubscriptionEvents": post["callbacks"]["onEvent"]}
    post["callbacks"]["onEvent"] = {"$ref": "#/components/callbacks/SubscriptionEvents"}
    out = run_diff(BILLING_YAML, rev)
    assert out.findings == []


def test_callback_removed_outright(run_diff: Run) -> None:
    """The `onEvent` callback is gone without deprecation: clients that registered a
    callback_url stop receiving events, and silence looks like no events (error), pointing
    at the operation that survives in the revision."""
    rev = billing()
    del rev["paths"]["/v1/subscriptions"]["post"]["callbacks"]
    out = run_diff(BILLING_YAML, rev)
    assert out.keys == {("callback-removed", "error", CALLBACK_OP, CALLBACK)}
    finding = out.findings[0]
    assert finding["revision"]["pointer"] == SUBS


def test_deprecated_callback_deprecation_message_names_the_callback(run_diff: Run) -> None:
    """Marking the callback deprecated is notice only (info), reported under the callback's
    label, not under POST /v1/subscriptions."""
    rev = billing()
    callback_op(rev).update({"deprecated": True, "x-sunset": "2026-01-01"})
    out = run_diff(BILLING_YAML, rev)
    assert [(f["level"], f["operation"]) for f in out.findings] == [("info", CALLBACK_OP)]


def test_deprecated_callback_message_says_callback(run_diff: Run) -> None:
    """The text a reviewer reads names the callback as deprecated."""
    rev = billing()
    callback_op(rev).update({"deprecated": True, "x-sunset": "2026-01-01"})
    message = run_diff(BILLING_YAML, rev).findings[0]["message"]
    assert message.startswith("callback deprecated")


# --- webhooks --------------------------------------------------------------------------------


def test_webhook_payload_loses_required_field(run_diff: Run) -> None:
    """`InvoiceEvent.amount` removed: receivers of `invoicePaid` (and of the deprecated
    `invoiceVoided`, which uses the same schema) read it (error at both webhooks)."""
    rev = billing()
    event = rev["components"]["schemas"]["InvoiceEvent"]
    del event["properties"]["amount"]
    event["required"] = ["invoice_id"]
    out = run_diff(BILLING_YAML, rev)
    pointer = f"{SCHEMAS}/InvoiceEvent/properties/amount"
    assert out.keys == {
        ("response-property-removed", "error", "WEBHOOK invoicePaid POST", pointer),
        ("response-property-removed", "error", "WEBHOOK invoiceVoided POST", pointer),
    }


def test_webhook_payload_gains_optional_field(run_diff: Run) -> None:
    """A new optional `currency` in the webhook payload: tolerant receivers ignore it
    (info)."""
    rev = billing()
    rev["components"]["schemas"]["InvoiceEvent"]["properties"]["currency"] = {"type": "string"}
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("response-property-added", "info")}


def test_webhook_added(run_diff: Run) -> None:
    """A new `invoiceFinalized` webhook: nobody receives it until they subscribe (info)."""
    rev = billing()
    rev["webhooks"]["invoiceFinalized"] = {"post": {"responses": {"200": {"description": "ok"}}}}
    out = run_diff(BILLING_YAML, rev)
    assert out.keys == {
        (
            "webhook-added",
            "info",
            "WEBHOOK invoiceFinalized POST",
            "/webhooks/invoiceFinalized/post",
        )
    }


def test_webhooks_removed_one_after_sunset_one_not_deprecated(run_diff: Run) -> None:
    """The whole `webhooks` section dropped: `invoiceVoided` was deprecated with a sunset
    (2025-01-31) that has passed (info); `invoicePaid` was never deprecated (error)."""
    rev = billing()
    del rev["webhooks"]
    out = run_diff(BILLING_YAML, rev)
    assert out.keys == {
        ("webhook-removed", "error", "WEBHOOK invoicePaid POST", "/webhooks/invoicePaid/post"),
        (
            "deprecated-webhook-removed",
            "info",
            "WEBHOOK invoiceVoided POST",
            "/webhooks/invoiceVoided/post",
        ),
    }
    assert out.exit_code == 1


def test_deprecated_webhook_removed_with_too_little_notice(run_diff: Run) -> None:
    """`invoiceVoided` removed after its sunset, but it was deprecated on 2024-06-01 and the
    policy asks for 400 days of notice (365 days elapsed): before-sunset error."""
    rev = billing()
    del rev["webhooks"]["invoiceVoided"]
    out = run_diff(BILLING_YAML, rev, "--min-deprecation-days", "400")
    assert out.rules == {("webhook-removed-before-sunset", "error")}
    assert "365 days" in out.findings[0]["message"]


def test_webhook_moved_to_components_path_items(run_diff: Run) -> None:
    """3.1 `webhooks.invoicePaid: {$ref: '#/components/pathItems/InvoicePaid'}` and, there,
    the body made optional: the API may now send no body (error), located in the component."""
    rev = billing()
    item = rev["webhooks"]["invoicePaid"]
    item["post"]["requestBody"]["required"] = False
    rev["components"]["pathItems"] = {"InvoicePaid": item}
    rev["webhooks"]["invoicePaid"] = {"$ref": "#/components/pathItems/InvoicePaid"}
    out = run_diff(BILLING_YAML, rev)
    assert out.keys == {
        (
            "callback-request-body-became-optional",
            "error",
            "WEBHOOK invoicePaid POST",
            "/components/pathItems/InvoicePaid/post/requestBody",
        )
    }


# --- parameter deprecation -------------------------------------------------------------------


def test_parameter_marked_deprecated(run_diff: Run) -> None:
    """`expand` deprecated with a sunset: notice only (info), pointing at `deprecated`."""
    rev = billing()
    expand = rev["paths"]["/v1/subscriptions/{id}"]["get"]["parameters"][1]
    expand.update({"deprecated": True, "x-sunset": "2026-01-01"})
    out = run_diff(BILLING_YAML, rev)
    pointer = SUB + "/parameters/1/deprecated"
    assert out.keys == {
        ("request-parameter-deprecated", "info", "GET /v1/subscriptions/{id}", pointer)
    }
    assert "2026-01-01" in out.findings[0]["message"]


def test_shared_parameter_deprecated_is_one_finding_at_the_component(run_diff: Run) -> None:
    """`components/parameters/Customer` deprecated: one info, at the component's pointer."""
    rev = billing()
    rev["components"]["parameters"]["Customer"]["deprecated"] = True
    out = run_diff(BILLING_YAML, rev)
    assert out.keys == {
        (
            "request-parameter-deprecated",
            "info",
            "GET /v1/invoices",
            "/components/parameters/Customer/deprecated",
        )
    }


def test_deprecated_parameter_removed_after_sunset(run_diff: Run) -> None:
    """`legacy_format` deprecated since 2024-09-01, sunset 2025-03-01, removed on 2025-06-01:
    what the deprecation promised (info, exit 0)."""
    rev = billing()
    rev["paths"]["/v1/subscriptions/{id}"]["get"]["parameters"].pop(2)
    out = run_diff(BILLING_YAML, rev)
    assert out.keys == {
        (
            "deprecated-request-parameter-removed",
            "info",
            "GET /v1/subscriptions/{id}",
            SUB + "/parameters/2",
        )
    }
    assert out.exit_code == 0


def test_deprecated_parameter_removed_with_short_notice(run_diff: Run) -> None:
    """The same removal under a 365-day policy: only 273 days since the deprecation, so it
    is as serious as removing an undeprecated parameter (warning)."""
    rev = billing()
    rev["paths"]["/v1/subscriptions/{id}"]["get"]["parameters"].pop(2)
    out = run_diff(BILLING_YAML, rev, "--min-deprecation-days", "365")
    assert out.rules == {("request-parameter-removed-before-sunset", "warning")}
    assert "273 days" in out.findings[0]["message"]


def test_deprecated_parameter_removed_before_http_date_sunset(run_diff: Run) -> None:
    """Teams copy the `Sunset` response header value into `x-sunset`:
    `Sat, 01 Nov 2025 00:00:00 GMT`. Removing the parameter on 2025-06-01 is before it
    (warning, like any parameter removal), not a promised removal."""
    base, rev = billing(), billing()
    param = base["paths"]["/v1/subscriptions/{id}"]["get"]["parameters"][2]
    param["x-sunset"] = "Sat, 01 Nov 2025 00:00:00 GMT"
    rev["paths"]["/v1/subscriptions/{id}"]["get"]["parameters"].pop(2)
    out = run_diff(base, rev)
    assert out.rules == {("request-parameter-removed-before-sunset", "warning")}


def test_deprecated_operation_removed_with_iso_datetime_sunset(run_diff: Run) -> None:
    """`x-sunset: 2025-09-30T00:00:00Z` on GET /v1/invoices (a full timestamp): removing the
    operation on 2025-06-01 is before the sunset (error)."""
    base, rev = billing(), billing()
    base["paths"]["/v1/invoices"]["get"].update(
        {"deprecated": True, "x-sunset": "2025-09-30T00:00:00Z"}
    )
    del rev["paths"]["/v1/invoices"]
    out = run_diff(base, rev)
    assert out.rules == {("operation-removed-before-sunset", "error")}


# --- response header deprecation -------------------------------------------------------------


def test_response_header_marked_deprecated(run_diff: Run) -> None:
    """`X-RateLimit-Remaining` deprecated: notice to stop reading it (info)."""
    rev = billing()
    headers = rev["paths"]["/v1/subscriptions/{id}"]["get"]["responses"]["200"]["headers"]
    headers["X-RateLimit-Remaining"]["deprecated"] = True
    out = run_diff(BILLING_YAML, rev)
    pointer = SUB + "/responses/200/headers/X-RateLimit-Remaining/deprecated"
    assert out.keys == {
        ("response-header-deprecated", "info", "GET /v1/subscriptions/{id}", pointer)
    }


def test_deprecated_response_header_removed_after_sunset(run_diff: Run) -> None:
    """`X-Legacy-Plan` was deprecated with a sunset (2025-01-01) that has passed: removing it
    is what the deprecation announced (info), exactly like a deprecated property."""
    rev = billing()
    del rev["paths"]["/v1/subscriptions/{id}"]["get"]["responses"]["200"]["headers"][
        "X-Legacy-Plan"
    ]
    out = run_diff(BILLING_YAML, rev)
    assert {f["level"] for f in out.findings} == {"info"}


# --- discriminator ---------------------------------------------------------------------------


def test_discriminator_mapping_bare_names_equal_refs(run_diff: Run) -> None:
    """`mapping: {card: Card}` is the same as `'#/components/schemas/Card'`: nothing."""
    rev = billing()
    rev["components"]["schemas"]["PaymentMethod"]["discriminator"]["mapping"] = {
        "card": "Card",
        "bank_account": "BankAccount",
    }
    out = run_diff(BILLING_YAML, rev)
    assert out.findings == []


def test_payment_method_variant_added_with_mapping(run_diff: Run) -> None:
    """A `sepa_debit` variant and its mapping: requests may send it (info); responses
    (`Invoice.paid_with`) may carry a variant old clients cannot decode (warning). No error."""
    rev = billing()
    schemas = rev["components"]["schemas"]
    schemas["SepaDebit"] = {
        "type": "object",
        "required": ["type", "mandate"],
        "properties": {"type": {"type": "string"}, "mandate": {"type": "string"}},
    }
    schemas["PaymentMethod"]["oneOf"].append({"$ref": "#/components/schemas/SepaDebit"})
    schemas["PaymentMethod"]["discriminator"]["mapping"]["sepa_debit"] = (
        "#/components/schemas/SepaDebit"
    )
    out = run_diff(BILLING_YAML, rev)
    levels = {(f["operation"], f["level"]) for f in out.findings}
    assert ("POST /v1/invoices/{id}/pay", "error") not in levels
    assert {lv for op, lv in levels if op == "POST /v1/invoices/{id}/pay" and lv != "info"} == {
        "warning"
    }  # the response
    assert ("GET /v1/invoices", "warning") in levels


def test_discriminator_value_repointed_to_another_shape(run_diff: Run) -> None:
    """`card` now maps to `CardV2` (needs `fingerprint`, no `last4`): the same value is
    decoded as a different shape (error)."""
    rev = billing()
    schemas = rev["components"]["schemas"]
    schemas["CardV2"] = {
        "type": "object",
        "required": ["type", "fingerprint"],
        "properties": {"type": {"type": "string"}, "fingerprint": {"type": "string"}},
    }
    schemas["PaymentMethod"]["discriminator"]["mapping"]["card"] = "#/components/schemas/CardV2"
    out = run_diff(BILLING_YAML, rev)
    assert ("request-property-discriminator-mapping-changed", "error") in out.rules


def test_discriminator_property_renamed(run_diff: Run) -> None:
    """`propertyName: type` -> `object` (Stripe-style): every client dispatches on the wrong
    property (error)."""
    rev = billing()
    rev["components"]["schemas"]["PaymentMethod"]["discriminator"]["propertyName"] = "object"
    out = run_diff(BILLING_YAML, rev)
    assert {r for r, lv in out.rules if "discriminator" in r} == {
        "request-property-discriminator-property-changed",
        "response-property-discriminator-property-changed",
    }
    assert all(lv == "error" for _, lv in out.rules)


def _response_only_payment(doc: dict[str, Any]) -> dict[str, Any]:
    """The pay request takes a plain token, so `PaymentMethod` is only ever received."""
    body = doc["paths"]["/v1/invoices/{id}/pay"]["post"]["requestBody"]["content"]
    body["application/json"]["schema"] = {
        "type": "object",
        "properties": {"token": {"type": "string"}},
    }
    return doc


def test_response_variant_and_its_mapping_removed_together(run_diff: Run) -> None:
    """Bank accounts are no longer returned: `BankAccount` leaves `oneOf` and `bank_account`
    leaves the mapping, in a schema only ever received. The server stops sending a shape;
    clients still understand every value they get (info only)."""
    base, rev = _response_only_payment(billing()), _response_only_payment(billing())
    pm = rev["components"]["schemas"]["PaymentMethod"]
    pm["oneOf"].pop(1)
    del pm["discriminator"]["mapping"]["bank_account"]
    out = run_diff(base, rev)
    assert out.findings and {f["level"] for f in out.findings} == {"info"}


# --- not -------------------------------------------------------------------------------------


def test_username_excludes_one_more_name(run_diff: Run) -> None:
    """Sign-up now refuses `system` as well (`not: {enum: [admin, root, system]}`): a request
    that was valid may be rejected; the rule reviews it as a warning."""
    rev = billing()
    rev["components"]["schemas"]["Username"]["not"]["enum"].append("system")
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("request-property-not-changed", "warning")}
    assert out.findings[0]["pointer"].startswith(f"{SCHEMAS}/Username/not")


def test_username_excludes_fewer_names(run_diff: Run) -> None:
    """`root` allowed again: requests are accepted more widely (info, compatible)."""
    rev = billing()
    rev["components"]["schemas"]["Username"]["not"]["enum"] = ["admin"]
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("request-property-not-changed-compatible", "info")}


def test_username_not_removed(run_diff: Run) -> None:
    """The `not` is gone from a request-only schema: more requests are valid (info)."""
    rev = billing()
    del rev["components"]["schemas"]["Username"]["not"]
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("request-property-not-removed", "info")}


def test_not_added_to_response_plan(run_diff: Run) -> None:
    """`Subscription.plan` gets `not: {const: starter}` (in a response only): the API sends
    fewer values (info)."""
    rev = billing()
    rev["components"]["schemas"]["Subscription"]["properties"]["plan"]["not"] = {"const": "starter"}
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("response-property-not-added", "info")}


# --- prefixItems -----------------------------------------------------------------------------


def test_tuple_latitude_precision_changed_in_response(run_diff: Run) -> None:
    """`GeoPoint[1]` (longitude) integer instead of number in a response: clients decoding
    a number still accept an integer (type narrowed in a response, info), at position 1."""
    rev = billing()
    rev["components"]["schemas"]["GeoPoint"]["prefixItems"][1]["type"] = "integer"
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("response-property-type-narrowed", "info")}
    assert out.findings[0]["pointer"] == f"{SCHEMAS}/GeoPoint/prefixItems/1/type"
    assert "GeoPoint[1]" in out.findings[0]["message"]


def test_tuple_gains_altitude_in_response(run_diff: Run) -> None:
    """A third position (altitude) in a closed response tuple: clients that decode exactly
    two numbers meet a third (warning)."""
    rev = billing()
    rev["components"]["schemas"]["GeoPoint"]["prefixItems"].append({"type": "number"})
    out = run_diff(BILLING_YAML, rev)
    assert out.keys == {
        (
            "response-property-prefix-item-added",
            "warning",
            op,
            f"{SCHEMAS}/GeoPoint/prefixItems/2",
        )
        for op in ("GET /v1/subscriptions/{id}", "POST /v1/subscriptions")
    }


# --- property deprecation --------------------------------------------------------------------


def test_response_property_deprecated(run_diff: Run) -> None:
    """`seats_label` deprecated with a sunset: notice only (info)."""
    rev = billing()
    label = rev["components"]["schemas"]["Subscription"]["properties"]["seats_label"]
    label.update({"deprecated": True, "x-sunset": "2026-01-01"})
    out = run_diff(BILLING_YAML, rev)
    assert {(r, lv) for r, lv in out.rules} == {("response-property-deprecated", "info")}


def test_required_deprecated_response_property_removed_after_sunset(run_diff: Run) -> None:
    """`trial_days` (required) was deprecated with a sunset of 2025-05-01, passed: removing
    it is the announced removal (info at both operations that return it)."""
    rev = billing()
    sub = rev["components"]["schemas"]["Subscription"]
    del sub["properties"]["trial_days"]
    sub["required"] = ["id", "plan", "status"]
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("response-deprecated-property-removed", "info")}
    assert out.exit_code == 0


def test_deprecated_request_property_removed_before_policy_allows(run_diff: Run) -> None:
    """`coupon` removed after its sunset but with 365 days of notice required (deprecated
    2024-01-15, 503 days: fine) and 600 required: reported as a plain removal (warning)."""
    rev = billing()
    del rev["components"]["schemas"]["NewSubscription"]["properties"]["coupon"]
    ok = run_diff(BILLING_YAML, rev, "--min-deprecation-days", "365")
    assert ok.rules == {("request-deprecated-property-removed", "info")}
    early = run_diff(BILLING_YAML, rev, "--min-deprecation-days", "600")
    assert early.rules == {("request-property-removed", "warning")}
    assert "policy requires 600" in early.findings[0]["message"]


def test_property_deprecated_through_ref_sibling_in_31(run_diff: Run) -> None:
    """3.1 allows `{$ref: GeoPoint, deprecated: true}`: `office` is deprecated (info); the
    tuple itself did not change."""
    rev = billing()
    rev["components"]["schemas"]["Subscription"]["properties"]["office"]["deprecated"] = True
    out = run_diff(BILLING_YAML, rev)
    assert out.rules == {("response-property-deprecated", "info")}


# --- spec-level rules ------------------------------------------------------------------------


@pytest.fixture
def spec_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of examples/analytics: ``base`` and ``rev`` (edit the latter)."""
    base, rev = tmp_path / "base", tmp_path / "rev"
    shutil.copytree(EXAMPLE, base)
    shutil.copytree(EXAMPLE, rev)
    return base, rev


PAUSE_TRANSITION = (
    "      pause:\n        from: [active, failing]\n        to: paused\n        roles: [analyst]\n"
)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def spec_diff(invoke, base: Path, rev: Path, *options: str, fmt: str = "json") -> Outcome:
    return invoke("diff", str(base), str(rev), "--format", fmt, "--today", TODAY, *options)


def spec_rules(out: Outcome) -> set[tuple[str, str]]:
    """(rule, level) of the findings without an operation: the spec-level ones."""
    return {(f["rule"], f["level"]) for f in out.findings if f["operation"] is None}


def test_spec_identical(invoke, spec_pair) -> None:
    """The same spec twice: nothing."""
    out = spec_diff(invoke, *spec_pair)
    assert out.findings == [] and out.exit_code == 0


def test_spec_transition_source_narrowed(invoke, spec_pair) -> None:
    """`connect` can no longer start from `paused`: resuming a paused connection now gets
    409 (error), located at the transition in lifecycles.yaml."""
    base, rev = spec_pair
    edit(rev / "lifecycles.yaml", "from: [draft, failing, paused]", "from: [draft, failing]")
    # `paused` still needs a way out: disconnect leaves it.
    out = spec_diff(invoke, base, rev)
    assert spec_rules(out) == {("transition-sources-narrowed", "error")}
    finding = next(f for f in out.findings if f["rule"] == "transition-sources-narrowed")
    assert finding["location"]["file"].endswith("lifecycles.yaml")
    assert finding["location"]["line"] == 15  # `connect:`


def test_spec_role_loses_update_on_projects(invoke, spec_pair) -> None:
    """`project.update: [analyst]` -> `[admin]`: analysts lose it (error); admins and owners
    (who inherit analyst) keep it, so nothing about them."""
    base, rev = spec_pair
    edit(
        rev / "permissions.yaml",
        "      create: [analyst]\n      update: [analyst]\n      delete: [admin]\n    dashboard",
        "      create: [analyst]\n      update: [admin]\n      delete: [admin]\n    dashboard",
    )
    out = spec_diff(invoke, base, rev)
    removed = [f for f in out.findings if f["rule"] == "role-permission-removed"]
    assert [f["message"] for f in removed] == ["role analyst: update project no longer allowed"]
    assert spec_rules(out) == {("role-permission-removed", "error")}


def test_spec_admin_stops_inheriting_analyst(invoke, spec_pair) -> None:
    """`admin: {inherits: [analyst]}` -> `inherits: [viewer]`: admins lose every grant that
    only analysts have (creating projects and dashboards, ...): errors for admin, and for
    owner who inherits admin."""
    base, rev = spec_pair
    edit(rev / "permissions.yaml", "admin: {inherits: [analyst]", "admin: {inherits: [viewer]")
    out = spec_diff(invoke, base, rev)
    messages = {f["message"] for f in out.findings if f["rule"] == "role-permission-removed"}
    assert "role admin: create project no longer allowed" in messages
    assert "role owner: create project no longer allowed" in messages
    assert "role admin: transition connection.connect no longer allowed" in messages


def test_spec_condition_added_is_an_error(invoke, spec_pair) -> None:
    """Analysts may now update a project only while it is not archived, where they could
    update any: ``condition-added`` (error; it was a warning).

    Updates of archived projects that succeeded now get 403. A condition added only ever
    refuses calls that were allowed, like a transition that can start from fewer states
    (``transition-sources-narrowed``) or a stricter bound in a request
    (``constraint-narrowed``), both errors; that it refuses only some calls does not make it
    less breaking for those. A condition *changed* stays a warning: it may not be tighter.
    """
    base, rev = spec_pair
    edit(
        rev / "permissions.yaml",
        "      update: [analyst]\n",
        '      update: [{role: analyst, when: "resource.archived == false"}]\n',
    )
    out = spec_diff(invoke, base, rev)
    assert spec_rules(out) == {("condition-added", "error")}


def test_spec_condition_tightened(invoke, spec_pair) -> None:
    """Analysts may edit data sources only in `draft` or `paused` (no longer `failing`): a
    tighter condition (warning: condition-changed)."""
    base, rev = spec_pair
    edit(
        rev / "permissions.yaml",
        "resource.status in ['draft', 'paused', 'failing']",
        "resource.status in ['draft', 'paused']",
    )
    out = spec_diff(invoke, base, rev)
    assert spec_rules(out) == {("condition-changed", "warning")}


def test_spec_condition_respelled_is_no_change(invoke, spec_pair) -> None:
    """The same condition with double quotes and other spacing: the same tree, nothing."""
    base, rev = spec_pair
    edit(
        rev / "permissions.yaml",
        """when: "resource.status in ['draft', 'paused', 'failing']\"""",
        """when: 'resource.status in ["draft","paused","failing"]'""",
    )
    out = spec_diff(invoke, base, rev)
    assert out.findings == []


def test_spec_tenancy_model_and_claim_changed(invoke, spec_pair) -> None:
    """Schema per tenant and the tenant read from `org_id`: both break (two errors)."""
    base, rev = spec_pair
    edit(rev / "service.yaml", "model: shared_schema", "model: schema_per_tenant")
    edit(rev / "service.yaml", "claim: tid", "claim: org_id")
    out = spec_diff(invoke, base, rev)
    assert spec_rules(out) == {
        ("tenancy-model-changed", "error"),
        ("tenant-resolution-changed", "error"),
    }


def test_spec_support_loses_cross_tenant_access(invoke, spec_pair) -> None:
    """`cross_tenant_roles: [support]` -> `[]`: support staff who read subscriptions across
    workspaces now see only their own tenant; their tooling breaks (an error-level loss of a
    permission, like role-permission-removed)."""
    base, rev = spec_pair
    edit(rev / "service.yaml", "cross_tenant_roles: [support]", "cross_tenant_roles: []")
    out = spec_diff(invoke, base, rev)
    assert "error" in {lv for _, lv in spec_rules(out)}


def test_spec_fields_unique_and_write_once(invoke, spec_pair) -> None:
    """`dashboard.title` unique (creates that were accepted now conflict: error),
    `data_source.host` write-once (updates refused: error), `member.email` no longer unique
    (lookups by it may return several: warning)."""
    base, rev = spec_pair
    edit(
        rev / "entities.yaml",
        "title: {type: string, required: true, max_length: 200,",
        "title: {type: string, required: true, unique: true, max_length: 200,",
    )
    edit(
        rev / "entities.yaml",
        "host: {type: string, max_length: 255, sensitive: true}",
        "host: {type: string, max_length: 255, sensitive: true, write_once: true}",
    )
    edit(
        rev / "entities.yaml",
        "email: {type: email, required: true, unique: true,",
        "email: {type: email, required: true,",
    )
    out = spec_diff(invoke, base, rev)
    assert spec_rules(out) == {
        ("field-became-unique", "error"),
        ("field-became-write-once", "error"),
        ("field-uniqueness-removed", "warning"),
    }


def test_spec_transition_roles_moved_to_permission_rules(invoke, spec_pair) -> None:
    """`connect: {roles: [analyst]}` rewritten as `permissions.rules.data_source.connect:
    [analyst]` (the spec reference offers both): the same roles may connect, nothing
    changes for anyone."""
    base, rev = spec_pair
    edit(
        rev / "lifecycles.yaml",
        "        to: connecting\n        roles: [analyst]\n",
        "        to: connecting\n",
    )
    edit(
        rev / "permissions.yaml",
        "      delete: [admin]\n    subscription:",
        "      delete: [admin]\n      connect: [analyst]\n    subscription:",
    )
    out = spec_diff(invoke, base, rev)
    assert spec_rules(out) == set()


def test_spec_deprecated_operation_removed_before_its_sunset(invoke, spec_pair) -> None:
    """`data-sources` `delete` is deprecated with sunset 2027-03-01; dropping it in 2025 is
    before the sunset (error), and after it, the promised removal (info)."""
    base, rev = spec_pair
    edit(
        rev / "api.yaml",
        "operations: [list, read, create, update, delete]\n      transitions: all\n"
        "      deprecated",
        "operations: [list, read, create, update]\n      transitions: all\n      deprecated",
    )
    edit(
        rev / "api.yaml",
        "      deprecated_operations:\n        delete:\n          since: 2026-09-01\n"
        "          sunset: 2027-03-01\n"
        "          note: Disconnect the data source instead"
        " (POST /v1/data-sources/{id}/disconnect); deleting loses its history.\n",
        "",
    )
    early = spec_diff(invoke, base, rev)
    assert {(f["rule"], f["level"]) for f in early.findings if f["operation"]} >= {
        ("operation-removed-before-sunset", "error")
    }
    late = invoke("diff", str(base), str(rev), "--format", "json", "--today", "2027-06-01")
    removed = [f for f in late.findings if "operation" in f["rule"]]
    assert {(f["rule"], f["level"]) for f in removed} == {("deprecated-operation-removed", "info")}


def test_spec_ignore_entry_hides_only_what_it_names(invoke, spec_pair) -> None:
    """The team acknowledges that analysts may no longer update projects. In the same
    change viewers lose `read project`: that error must still be reported (exit 1)."""
    base, rev = spec_pair
    edit(
        rev / "permissions.yaml",
        "    project:\n      read: [viewer]\n      list: [viewer]\n      create: [analyst]\n"
        "      update: [analyst]",
        "    project:\n      read: [analyst]\n      list: [viewer]\n      create: [analyst]\n"
        "      update: [admin]",
    )
    ignore = rev.parent / "ignore.yaml"
    ignore.write_text(
        "ignore:\n"
        "  - rule: role-permission-removed\n"
        "    pointer: /components/schemas/Project\n"
        "    reason: analysts edit through the admin console now (PLAT-7)\n"
    )
    out = spec_diff(invoke, base, rev, "--ignore", str(ignore))
    kept = {f["message"] for f in out.findings if f["rule"] == "role-permission-removed"}
    assert "role viewer: read project no longer allowed" in kept
    assert out.exit_code == 1


def test_spec_ignore_entry_by_its_pointer_hides_that_finding_only(invoke, spec_pair) -> None:
    """The same change, acknowledged with the pointer the output gives the lost permission
    (`.../x-permissions/update/analyst`): that finding is suppressed, the viewer's is not."""
    base, rev = spec_pair
    edit(
        rev / "permissions.yaml",
        "    project:\n      read: [viewer]\n      list: [viewer]\n      create: [analyst]\n"
        "      update: [analyst]",
        "    project:\n      read: [analyst]\n      list: [viewer]\n      create: [analyst]\n"
        "      update: [admin]",
    )
    pointers = {
        f["message"]: f["pointer"]
        for f in spec_diff(invoke, base, rev).findings
        if f["rule"] == "role-permission-removed"
    }
    assert pointers == {
        "role analyst: update project no longer allowed": (
            "/components/schemas/Project/x-permissions/update/analyst"
        ),
        "role viewer: read project no longer allowed": (
            "/components/schemas/Project/x-permissions/read/viewer"
        ),
    }
    ignore = rev.parent / "ignore.yaml"
    ignore.write_text(
        "ignore:\n"
        "  - rule: role-permission-removed\n"
        "    pointer: /components/schemas/Project/x-permissions/update/analyst\n"
        "    reason: analysts edit through the admin console now (PLAT-7)\n"
    )
    out = spec_diff(invoke, base, rev, "--ignore", str(ignore))
    kept = [f["message"] for f in out.findings if f["rule"] == "role-permission-removed"]
    assert kept == ["role viewer: read project no longer allowed"]
    assert [s["message"] for s in out.payload["suppressed"]] == [
        "role analyst: update project no longer allowed"
    ]
    assert out.exit_code == 1


def test_spec_default_ignore_file_in_the_spec_folder(invoke, spec_pair) -> None:
    """The documented default: `.specfoundry-ignore.yaml` beside the revision's spec, which
    for a folder spec (`specs/`) is the folder itself. The diff must still run and apply it:
    the acknowledged lost permission is suppressed, exit 0."""
    base, rev = spec_pair
    edit(
        rev / "permissions.yaml",
        "      create: [analyst]\n      update: [analyst]\n      delete: [admin]\n    dashboard",
        "      create: [analyst]\n      update: [admin]\n      delete: [admin]\n    dashboard",
    )
    (rev / ".specfoundry-ignore.yaml").write_text(
        "ignore:\n"
        "  - rule: role-permission-removed\n"
        "    pointer: /components/schemas/Project/x-permissions/update/analyst\n"
        "    reason: analysts edit through the admin console now (PLAT-7)\n"
    )
    out = spec_diff(invoke, base, rev)
    assert out.exit_code == 0, out.stderr
    assert [s["rule"] for s in out.payload["suppressed"]] == ["role-permission-removed"]


def test_spec_lost_transition_permission_reported_once(invoke, spec_pair) -> None:
    """`admin` stops inheriting `analyst`: admin and owner lose `connect` and `pause`. Each
    loss is one finding (four in all), not one per rule module."""
    base, rev = spec_pair
    edit(rev / "permissions.yaml", "admin: {inherits: [analyst]", "admin: {inherits: [viewer]")
    out = spec_diff(invoke, base, rev)
    lost = [
        f["message"]
        for f in out.findings
        if f["rule"] == "role-permission-removed"
        and ("connect" in f["message"] or "pause" in f["message"])
    ]
    assert len(lost) == 4, lost


def test_spec_removed_transition_not_repeated_per_role(invoke, spec_pair) -> None:
    """The `pause` transition is removed (and `paused` with it): transition-removed and
    state-removed say it; 'role analyst: pause data_source no longer allowed' for every role
    repeats the same fact three times."""
    base, rev = spec_pair
    lc = rev / "lifecycles.yaml"
    edit(lc, "      failing: {}\n      paused: {}\n", "      failing: {}\n")
    edit(lc, "from: [draft, failing, paused]", "from: [draft, failing]")
    edit(
        lc,
        PAUSE_TRANSITION,
        "",
    )
    edit(
        lc,
        "from: [draft, connecting, active, failing, paused]",
        "from: [draft, connecting, active, failing]",
    )
    edit(
        rev / "permissions.yaml",
        "resource.status in ['draft', 'paused', 'failing']",
        "resource.status in ['draft', 'failing']",
    )
    out = spec_diff(invoke, base, rev)
    assert not [f for f in out.findings if f["rule"] == "role-permission-removed"]


def test_spec_state_removed_annotations_point_at_spec(invoke, spec_pair) -> None:
    """`paused` removed from the connection machine (with `pause`, and from `connect`'s
    sources): state-removed and transition-removed are errors. In GitHub format every
    spec-level annotation names a spec file and line, never the generated OpenAPI."""
    base, rev = spec_pair
    lc = rev / "lifecycles.yaml"
    edit(lc, "      failing: {}\n      paused: {}\n", "      failing: {}\n")
    edit(lc, "from: [draft, failing, paused]", "from: [draft, failing]")
    edit(
        lc,
        PAUSE_TRANSITION,
        "",
    )
    edit(
        lc,
        "from: [draft, connecting, active, failing, paused]",
        "from: [draft, connecting, active, failing]",
    )
    edit(
        rev / "permissions.yaml",
        "resource.status in ['draft', 'paused', 'failing']",
        "resource.status in ['draft', 'failing']",
    )
    out = spec_diff(invoke, base, rev)
    assert {("state-removed", "error"), ("transition-removed", "error")} <= spec_rules(out)
    github = spec_diff(invoke, base, rev, fmt="github").stdout.splitlines()
    for rule in ("state-removed", "transition-removed", "transition-sources-narrowed"):
        line = next(x for x in github if f"title={rule}" in x)
        assert "file=" in line and ".yaml" in line, line
        assert "lifecycles.yaml" in line, line
    assert out.exit_code == 1


# --- the CLI surface -------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """A git repo with the analytics spec under `specs/` and `openapi.yaml`, committed."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root / "specs")
    (root / "openapi.yaml").write_text(BILLING_YAML)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    monkeypatch.chdir(root)
    return root


def test_cli_base_rev_on_spec_folder(invoke, repo: Path) -> None:
    """`--base HEAD specs/` after narrowing a transition in the working tree: one spec-level
    error, located in the working tree's repo-relative file."""
    edit(
        repo / "specs" / "lifecycles.yaml",
        "from: [draft, failing, paused]",
        "from: [draft, failing]",
    )
    out = invoke("diff", "--base", "HEAD", "specs/", "--format", "json", "--today", TODAY)
    assert out.exit_code == 1
    assert out.payload["base"] == "HEAD:specs/"
    finding = next(f for f in out.findings if f["rule"] == "transition-sources-narrowed")
    assert finding["location"]["file"] == "specs/lifecycles.yaml"


def test_cli_github_annotation_of_removed_transition_endpoint(invoke, repo: Path) -> None:
    """`pause` removed in the working tree, `--base HEAD specs/ --format github`: every
    annotation is placed on a line of the revision that belongs to what changed (the
    `connection` machine, as state-removed and transition-removed do), not on the line
    number the removed transition had in the base."""
    lc = repo / "specs" / "lifecycles.yaml"
    edit(lc, "      failing: {}\n      paused: {}\n", "      failing: {}\n")
    edit(lc, "from: [draft, failing, paused]", "from: [draft, failing]")
    edit(
        lc,
        PAUSE_TRANSITION,
        "",
    )
    edit(
        lc,
        "from: [draft, connecting, active, failing, paused]",
        "from: [draft, connecting, active, failing]",
    )
    edit(
        repo / "specs" / "permissions.yaml",
        "resource.status in ['draft', 'paused', 'failing']",
        "resource.status in ['draft', 'failing']",
    )
    out = invoke("diff", "--base", "HEAD", "specs/", "--format", "github", "--today", TODAY)
    revision_lines = lc.read_text().splitlines()
    # The narrowed `connect` and `disconnect` are annotated at their own (surviving) keys;
    # the removals at the machine or its `transitions:`, never at pause's old line 32.
    narrowed = {"transition-sources-narrowed": ("connect:", "disconnect:")}
    for line in out.stdout.splitlines():
        if "file=specs/lifecycles.yaml" not in line:
            continue
        number = int(line.split("line=")[1].split(",")[0])
        rule = line.split("title=")[1].split("::")[0].split(" ")[0]
        allowed = narrowed.get(rule, ("connection:", "transitions:"))
        assert revision_lines[number - 1].strip() in allowed, line
    assert "title=operation-removed" in out.stdout


def test_cli_rev_path_openapi_and_changelog(invoke, repo: Path) -> None:
    """`HEAD:openapi.yaml` against the edited file: a new webhook (info) and the removal of
    the callback's 410 (error). `changelog` lists both and exits 0."""
    doc = billing()
    doc["webhooks"]["invoiceFinalized"] = {"post": {"responses": {"200": {"description": "ok"}}}}
    del callback_op(doc)["responses"]["410"]
    (repo / "openapi.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    out = invoke("diff", "HEAD:openapi.yaml", "openapi.yaml", "--format", "json", "--today", TODAY)
    assert out.rules == {("webhook-added", "info"), ("callback-response-status-removed", "error")}
    assert out.exit_code == 1
    log = invoke("changelog", "--base", "HEAD", "openapi.yaml", "--today", TODAY)
    assert log.exit_code == 0
    assert "webhook-added" in log.stdout or "invoiceFinalized" in log.stdout
    assert "410" in log.stdout


def test_cli_ignore_file_active_and_expired(invoke, repo: Path) -> None:
    """The default ignore file beside the revision: an active entry hides the callback 410
    removal; an expired one stops hiding the webhook removal and is itself a warning."""
    doc = billing()
    del callback_op(doc)["responses"]["410"]
    del doc["webhooks"]["invoicePaid"]
    (repo / "openapi.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (repo / ".specfoundry-ignore.yaml").write_text(
        "ignore:\n"
        "  - rule: callback-response-status-removed\n"
        f"    operation: {CALLBACK_OP}\n"
        "    reason: receivers never answered 410 (checked in logs)\n"
        "    expires: 2025-12-31\n"
        "  - rule: webhook-removed\n"
        "    operation: WEBHOOK invoicePaid POST\n"
        "    reason: migration window\n"
        "    expires: 2025-05-01\n"
    )
    out = invoke("diff", "--base", "HEAD", "openapi.yaml", "--format", "json", "--today", TODAY)
    assert out.rules == {("webhook-removed", "error"), ("ignore-entry-expired", "warning")}
    assert [s["rule"] for s in out.payload["suppressed"]] == ["callback-response-status-removed"]
    assert out.exit_code == 1


def test_cli_fail_on_levels(run_diff: Run) -> None:
    """Only an info (a webhook added): exit 0 by default and with --fail-on warning, 1 with
    --fail-on info. A warning only: exit 0 by default, 1 with --fail-on warning."""
    info = billing()
    info["webhooks"]["invoiceFinalized"] = {"post": {"responses": {"200": {"description": "ok"}}}}
    assert run_diff(BILLING_YAML, info).exit_code == 0
    assert run_diff(BILLING_YAML, info, "--fail-on", "warning").exit_code == 0
    assert run_diff(BILLING_YAML, info, "--fail-on", "info").exit_code == 1
    warn = billing()
    callback_op(warn)["requestBody"]["content"]["application/xml"] = {"schema": {"type": "object"}}
    assert run_diff(BILLING_YAML, warn).exit_code == 0
    assert run_diff(BILLING_YAML, warn, "--fail-on", "warning").exit_code == 1


def test_cli_unusable_inputs_exit_2(invoke, repo: Path) -> None:
    """Unknown revision, a bad --today, an ignore entry naming no rule: exit 2, one line."""
    bad_rev = invoke("diff", "--base", "v9.9.9", "openapi.yaml", "--today", TODAY)
    bad_day = invoke("diff", "--base", "HEAD", "openapi.yaml", "--today", "01/06/2025")
    (repo / "ignore.yaml").write_text(
        "ignore:\n  - rule: webhook-gone\n    operation: X\n    reason: r\n"
    )
    bad_ignore = invoke(
        "diff", "--base", "HEAD", "openapi.yaml", "--ignore", "ignore.yaml", "--today", TODAY
    )
    for out in (bad_rev, bad_day, bad_ignore):
        assert out.exit_code == 2
        assert len(out.stderr.strip().splitlines()) == 1


def test_every_format_on_a_spec_diff(invoke, spec_pair) -> None:
    """One spec change (a transition narrowed) in all six formats: exit 1 everywhere, the
    rule named, JSON/SARIF/JUnit parse, and the GitHub annotation points at the spec's
    lifecycles.yaml, line 15 (`connect:`), not at the generated OpenAPI."""
    base, rev = spec_pair
    edit(rev / "lifecycles.yaml", "from: [draft, failing, paused]", "from: [draft, failing]")
    for fmt in ("text", "json", "markdown", "github", "junit", "sarif"):
        out = spec_diff(invoke, base, rev, fmt=fmt)
        assert out.exit_code == 1, fmt
        assert "transition-sources-narrowed" in out.stdout, fmt
    sarif = json.loads(spec_diff(invoke, base, rev, fmt="sarif").stdout)
    assert sarif["runs"][0]["results"]
    ET.fromstring(spec_diff(invoke, base, rev, fmt="junit").stdout.encode())
    github = spec_diff(invoke, base, rev, fmt="github").stdout
    line = next(x for x in github.splitlines() if "transition-sources-narrowed" in x)
    assert "lifecycles.yaml,line=15," in line


def test_spec_condition_widened_through_a_relation(invoke, spec_pair) -> None:
    """Viewers may now also read the dashboards of every project they own: the old condition
    is one alternative of the new one, so more dashboards become readable (condition-widened,
    a warning to review as an access change), not merely "changed"."""
    base, rev = spec_pair
    old = "\"resource.visibility == 'workspace' or resource.owner_id == principal.id\""
    new = (
        "\"resource.visibility == 'workspace' or resource.owner_id == principal.id"
        ' or resource.project.owner_id == principal.id"'
    )
    text = (rev / "permissions.yaml").read_text(encoding="utf-8")
    (rev / "permissions.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    out = spec_diff(invoke, base, rev)
    assert spec_rules(out) == {("condition-widened", "warning")}


def test_spec_relation_condition_tightened_is_changed(invoke, spec_pair) -> None:
    """The other way round (a relation path added as a further `and`): tighter, so it is not
    widened; it stays condition-changed."""
    base, rev = spec_pair
    old = "\"resource.visibility == 'workspace' or resource.owner_id == principal.id\""
    new = (
        "\"(resource.visibility == 'workspace' or resource.owner_id == principal.id)"
        ' and resource.project.archived == false"'
    )
    text = (rev / "permissions.yaml").read_text(encoding="utf-8")
    (rev / "permissions.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    out = spec_diff(invoke, base, rev)
    assert spec_rules(out) == {("condition-changed", "warning")}
