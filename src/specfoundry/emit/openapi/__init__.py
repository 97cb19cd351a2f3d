"""The OpenAPI 3.1 contract emitter (docs/api-conventions.md is its specification).

Public API::

    doc = build_openapi(model)          # OpenAPIDocument(document, locations); validated
    text = render(doc.document, "yaml")  # deterministic YAML or JSON
"""

from specfoundry.emit.openapi.document import (
    InvalidContractError,
    OpenAPIDocument,
    build_openapi,
    render,
    validate_document,
)
from specfoundry.emit.openapi.locations import pointer
from specfoundry.emit.openapi.operations import OpenAPIBuildError
from specfoundry.emit.openapi.problems import PROBLEM_TYPES, ProblemType

__all__ = [
    "PROBLEM_TYPES",
    "InvalidContractError",
    "OpenAPIBuildError",
    "OpenAPIDocument",
    "ProblemType",
    "build_openapi",
    "pointer",
    "render",
    "validate_document",
]
