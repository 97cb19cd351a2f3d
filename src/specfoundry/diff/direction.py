"""Who sends what: the one difference between walking an operation and a callback.

Callbacks and webhooks are walked by the same code as operations; everything that depends on
which side sends the request lives here, so the walkers (and the tests) share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.diff.schemas import (
    REQUEST_PARAMETER,
    REQUEST_PROPERTY,
    RESPONSE_HEADER,
    RESPONSE_PROPERTY,
)


@dataclass(frozen=True, slots=True)
class Direction:
    """Who sends what in the operation being walked.

    In an operation clients call, the client sends the request and reads the responses. In a
    callback or webhook the API sends the request: its body is data the client reads (checked
    like a response body, widening breaks) and its responses are data the client produces
    (checked like a request, narrowing what the API accepts breaks). Schema rules keep their
    ids, which name the data's direction relative to the client; structural rules whose level
    flips are renamed by ``renames``; those in ``unreported`` are not reported at all.
    """

    name: str  # part of the replay keys: the same subtrees give other findings per direction
    body_context: str  # schema context of request bodies
    response_context: str  # of response bodies
    header_context: str  # of response headers
    renames: dict[str, str]
    unreported: frozenset[str] = frozenset()

    def rule(self, rule: str) -> str:
        return self.renames.get(rule, rule)


FORWARD = Direction(
    "operation",
    REQUEST_PROPERTY,
    RESPONSE_PROPERTY,
    RESPONSE_HEADER,
    {"response-header-added-required": "response-header-added"},
    # A response header that is now always sent breaks nobody (and was never reported).
    frozenset({"response-header-became-required"}),
)
REVERSED = Direction(
    "callback",
    RESPONSE_PROPERTY,
    REQUEST_PROPERTY,
    REQUEST_PARAMETER,
    {
        "request-body-added-required": "callback-request-body-added",
        "request-body-added": "callback-request-body-added",
        "request-body-removed": "callback-request-body-removed",
        "request-body-became-required": "callback-request-body-became-required",
        "request-body-became-optional": "callback-request-body-became-optional",
        "request-media-type-added": "callback-request-media-type-added",
        "request-media-type-removed": "callback-request-media-type-removed",
        "response-success-status-removed": "callback-response-status-removed",
        "response-status-removed": "callback-response-status-removed",
        "response-status-added": "callback-response-status-added",
        "response-success-status-added": "callback-response-status-added",
        # The API accepts more answers (any of the range) or, narrowed, fewer.
        "response-success-status-widened": "callback-response-status-added",
        "response-error-status-widened": "callback-response-status-added",
        "response-status-range-narrowed": "callback-response-status-removed",
        "response-media-type-added": "callback-response-media-type-added",
        "request-media-type-schema-added": "callback-request-media-type-schema-added",
        "request-media-type-schema-removed": "callback-request-media-type-schema-removed",
        "response-media-type-schema-added": "callback-response-media-type-schema-added",
        "response-media-type-schema-removed": "callback-response-media-type-schema-removed",
        "response-media-type-removed": "callback-response-media-type-removed",
        "response-header-removed": "callback-response-header-removed",
        "response-optional-header-removed": "callback-response-header-removed",
        "response-header-added-required": "callback-response-header-added-required",
        "response-header-added": "callback-response-header-added",
        "response-header-became-required": "callback-response-header-became-required",
        "response-header-became-optional": "callback-response-header-became-optional",
    },
)
