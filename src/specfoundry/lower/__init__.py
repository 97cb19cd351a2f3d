"""Stage 3: turn schema-valid data into the frozen intermediate model."""

from specfoundry.lower.builder import build_model
from specfoundry.lower.conditions import ConditionSyntaxError, parse_condition

__all__ = ["ConditionSyntaxError", "build_model", "parse_condition"]
