"""The one exception the diff raises on purpose: the input cannot be used (exit code 2)."""


class DiffInputError(Exception):
    """Unusable input; the message is one line, shown to the user as is."""
