"""The golden trees are generated output (with their own ``tests/``), not specfoundry's tests."""

collect_ignore = ["minimal", "analytics"]
