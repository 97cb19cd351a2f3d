"""Stage 2: JSON Schema validation, then semantic checks on the built model."""
