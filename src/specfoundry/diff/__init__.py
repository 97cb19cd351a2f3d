"""``specfoundry diff``: breaking-change detection between two specs or OpenAPI documents.

Layers, one way: ``load`` (inputs, git, YAML/JSON) -> ``operations``/``schemas``/``spec_rules``
(comparison, producing :class:`Change`) -> ``engine`` (findings with levels and locations) ->
``ignore`` (acknowledged findings) -> ``report`` (formats) -> ``command`` (CLI).
"""

from specfoundry.diff.engine import DiffOptions, diff
from specfoundry.diff.errors import DiffInputError
from specfoundry.diff.findings import Finding, Level
from specfoundry.diff.load import Side, load_side

__all__ = ["DiffInputError", "DiffOptions", "Finding", "Level", "Side", "diff", "load_side"]
