"""Write an emitted file tree to disk, safely across regenerations.

The emitters produce an :data:`Emission`; the CLI calls :func:`plan`, then :func:`render_plan`
(``--dry-run`` / ``--diff``) or :func:`apply` (``--force``), and :func:`check` for
``specfoundry check``. Every failure is a :class:`WriteError` with a user-facing message.
See ``docs/regeneration.md`` for the guarantees.
"""

from .apply import WriteResult, apply
from .check import CheckResult, check
from .current import fingerprint, is_current
from .errors import (
    ConflictError,
    EmissionError,
    InterruptedWriteError,
    LockTimeoutError,
    ManifestError,
    PlanOutdatedError,
    UnsafePathError,
    WriteError,
)
from .lock import DEFAULT_TIMEOUT
from .manifest import Manifest
from .plan import Action, ConflictKind, PlannedFile, WritePlan, plan
from .render import render_plan, render_result
from .tree import Emission, EmittedFile, Owner

__all__ = [
    "DEFAULT_TIMEOUT",
    "Action",
    "CheckResult",
    "ConflictError",
    "ConflictKind",
    "Emission",
    "EmissionError",
    "EmittedFile",
    "InterruptedWriteError",
    "LockTimeoutError",
    "Manifest",
    "ManifestError",
    "Owner",
    "PlanOutdatedError",
    "PlannedFile",
    "UnsafePathError",
    "WriteError",
    "WritePlan",
    "WriteResult",
    "apply",
    "check",
    "fingerprint",
    "is_current",
    "plan",
    "render_plan",
    "render_result",
]
