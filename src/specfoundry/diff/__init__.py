"""``specfoundry diff``: breaking-change detection between two specs or OpenAPI documents.

Layers, one way: ``load`` (inputs, git, YAML/JSON) -> ``operations``/``schemas``/``spec_rules``
(comparison, producing :class:`Change`) -> ``engine`` (findings with levels and locations) ->
``ignore`` (acknowledged findings) -> ``report`` (formats) -> ``specfoundry.commands.diff``
(CLI).

This package module imports nothing, so the CLI can name the output formats and levels
(``report``, ``findings``) without loading the comparison engine. Import from the layer::

    from specfoundry.diff.engine import DiffOptions, diff
    from specfoundry.diff.load import Side, load_side
"""
