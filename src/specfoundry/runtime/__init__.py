"""The runtime of every generated service: ordinary Python, copied into the service unchanged.

`specfoundry generate` copies each module of this package into ``<service>/runtime/`` (with the
generated-file header line in front), so a generated service is self-contained: it depends on
published packages only, never on specfoundry. Code here is linted with the repository, checked
with ``mypy --strict`` and unit-tested in ``tests/runtime/`` against a small fixture app, instead
of only through generated suites.

Two rules keep the copy working:

* nothing here imports the rest of specfoundry (the compiler may import the runtime, never the
  other way; ``tests/runtime/test_runtime_boundary.py`` checks it);
* imports between runtime modules are relative (``from .problems import Problem``), so a module
  is the same file as ``specfoundry.runtime.x`` and as ``<service>.runtime.x``.

What depends on the spec (names, tables, rules) reaches runtime code as arguments, from the
modules the generator writes; nothing here is a template.
"""
