"""The registry of problem types (RFC 9457) every generated service answers with.

Decided once, here: the service's problem documents (:mod:`.problems`) and the compiler's
OpenAPI contract (``components/responses``) both read this table, and ``docs/problems.md``
mirrors it row for row (a test keeps the two equal). A type URI never changes once published.
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_BASE = "https://specfoundry.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ProblemType:
    slug: str
    status: int
    title: str
    # The components/responses entry that documents it; None for types no operation lists.
    response: str | None
    schema: str
    when: str
    uri: str = ""

    @property
    def type_uri(self) -> str:
        return self.uri or PROBLEM_BASE + self.slug


PROBLEM_TYPES: tuple[ProblemType, ...] = (
    ProblemType(
        "bad-request",
        400,
        "Bad Request",
        "BadRequest",
        "Problem",
        "The request cannot be read: malformed JSON, an invalid cursor, both `starting_after` "
        "and `ending_before`, an unreadable header, a body sent to an operation that takes none "
        "(reads, deletes, transitions).",
    ),
    ProblemType(
        "invalid-signature",
        400,
        "Invalid Signature",
        "BadRequest",
        "Problem",
        "A payment provider webhook whose signature header does not sign its raw body with the "
        "configured secret (`STRIPE_WEBHOOK_SECRET`), or is older than 300 s; nothing is stored.",
    ),
    ProblemType(
        "unauthorized",
        401,
        "Unauthorized",
        "Unauthorized",
        "Problem",
        "No bearer token, or one that is expired, badly signed or missing a required claim. "
        "Sent with `WWW-Authenticate: Bearer`.",
    ),
    ProblemType(
        "payment-required",
        402,
        "Payment Required",
        "PaymentRequired",
        "Problem",
        "The tenant's subscription grants no access to this request (`reason: subscription`, "
        "with `subscription_status`: writes, and reads unless the spec keeps them open), or its "
        "plan lacks the feature the resource needs (`reason: feature`, with `feature`, `plan`).",
    ),
    ProblemType(
        "plan-limit-reached",
        402,
        "Plan Limit Reached",
        "PaymentRequired",
        "Problem",
        "A create would take the tenant past its plan's quota for the entity; `quota`, "
        "`limit`, `used` and `plan` say which.",
    ),
    ProblemType(
        "forbidden",
        403,
        "Forbidden",
        "Forbidden",
        "Problem",
        "The caller can see the object but no role it holds allows the action, or it writes a "
        "field reserved to other roles (`writable_by`).",
    ),
    ProblemType(
        "not-found",
        404,
        "Not Found",
        "NotFound",
        "Problem",
        "No such object, or one that belongs to another tenant (the two are indistinguishable).",
    ),
    ProblemType(
        "method-not-allowed",
        405,
        "Method Not Allowed",
        None,
        "Problem",
        "The path exists but not with this method (not listed per operation).",
    ),
    ProblemType(
        "conflict",
        409,
        "Conflict",
        "Conflict",
        "Problem",
        "The write conflicts with stored data: a duplicate `unique` value, or a delete (soft or "
        "hard) of an object that live objects still reference (`on_delete: restrict`).",
    ),
    ProblemType(
        "invalid-transition",
        409,
        "Invalid Transition",
        "TransitionConflict",
        "TransitionProblem",
        "The transition is not allowed from the object's current state; `allowed` lists the "
        "transitions from that state that the caller may run.",
    ),
    ProblemType(
        "guard-failed",
        409,
        "Transition Guard Failed",
        "TransitionConflict",
        "TransitionProblem",
        "The transition is allowed from the current state but its guard condition is false.",
    ),
    ProblemType(
        "idempotency-key-in-use",
        409,
        "Idempotency Key In Use",
        "Conflict",
        "Problem",
        "A request with the same `Idempotency-Key` is still being processed; retry later.",
    ),
    ProblemType(
        "gone",
        410,
        "Gone",
        "Gone",
        "Problem",
        "The operation is deprecated and its sunset date has passed.",
    ),
    ProblemType(
        "precondition-failed",
        412,
        "Precondition Failed",
        "PreconditionFailed",
        "Problem",
        "`If-Match` does not match the object's current `ETag` (weak tags never match).",
    ),
    ProblemType(
        "payload-too-large",
        413,
        "Content Too Large",
        "ContentTooLarge",
        "Problem",
        "The request body is larger than the service accepts (`MAX_BODY_BYTES`, 1 MiB by "
        "default); `max_bytes` gives the limit.",
    ),
    ProblemType(
        "validation-error",
        422,
        "Unprocessable Content",
        "UnprocessableContent",
        "ValidationProblem",
        "The body or a query parameter is well-formed but invalid; `errors` holds one entry per "
        "offending value, with a JSON pointer. A reference to an object the caller may not read "
        "is answered exactly like one to a missing object.",
    ),
    ProblemType(
        "idempotency-key-reused",
        422,
        "Idempotency Key Reused",
        None,
        "ValidationProblem",
        "The `Idempotency-Key` was already used with a different request body (documented on "
        "the `Idempotency-Key` parameter).",
    ),
    ProblemType(
        "precondition-required",
        428,
        "Precondition Required",
        "PreconditionRequired",
        "Problem",
        "The resource sets `require_precondition` and the write came without `If-Match`.",
    ),
    ProblemType(
        "quota-exceeded",
        429,
        "Too Many Requests",
        "TooManyRequests",
        "Problem",
        "The tenant's plan limit is used up; retry after `Retry-After` seconds. The type is "
        "the IANA-registered one, carrying `violated-policies`.",
        uri="https://iana.org/assignments/http-problem-types#quota-exceeded",
    ),
    ProblemType(
        "internal-error",
        500,
        "Internal Server Error",
        "InternalError",
        "Problem",
        "An unexpected failure; `detail` never carries a stack trace or SQL.",
    ),
    ProblemType(
        "service-unavailable",
        503,
        "Service Unavailable",
        "ServiceUnavailable",
        "Problem",
        "A component the request needs is unavailable (the rate limiter's storage, when the "
        "spec says `on_storage_error: deny`); retry after `Retry-After` seconds.",
    ),
)
