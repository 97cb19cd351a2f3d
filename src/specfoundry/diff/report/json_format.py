"""The JSON contract (documented in docs/diff-rules.md): stable keys, sorted findings."""

from __future__ import annotations

import json

from specfoundry.diff.report.model import Report

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    payload = {
        "version": SCHEMA_VERSION,
        "base": report.base,
        "revision": report.revision,
        "fail_on": report.fail_on.value,
        "failed": report.failed,
        "findings": [f.to_json() for f in report.findings],
        "summary": report.summary,
        "suppressed": [
            {**s.finding.to_json(), "ignored_by": s.entry.to_json()} for s in report.suppressed
        ],
    }
    return json.dumps(payload, indent=2, sort_keys=False) + "\n"
