"""SARIF 2.1.0, for code-scanning dashboards: rules from the catalog, one result per finding."""

from __future__ import annotations

import hashlib
import json

from specfoundry import __version__
from specfoundry.diff.findings import Finding, Level
from specfoundry.diff.report.model import Report
from specfoundry.diff.rules import RULES

_LEVEL = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _fingerprint(f: Finding) -> str:
    key = f"{f.rule}|{f.operation or ''}|{f.pointer}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def render(report: Report) -> str:
    used = sorted({f.rule for f in report.findings})
    index = {rule: i for i, rule in enumerate(used)}
    rules = [
        {
            "id": rule,
            "name": rule,
            "shortDescription": {"text": RULES[rule].summary.split(". ")[0].rstrip(".") + "."},
            "fullDescription": {"text": RULES[rule].summary},
            "defaultConfiguration": {"level": _LEVEL[RULES[rule].level]},
            "helpUri": f"docs/diff-rules.md#{rule}",
        }
        for rule in used
    ]
    results = []
    for f in report.findings:
        location: dict[str, object] = {
            "logicalLocations": [
                {"fullyQualifiedName": f.pointer or "/", "kind": "object"},
            ]
        }
        loc = f.annotation_location
        if loc is not None:
            location["physicalLocation"] = {
                "artifactLocation": {"uri": loc.file},
                "region": {"startLine": loc.line, "startColumn": loc.column},
            }
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": _LEVEL[f.level],
                "message": {"text": f"{f.operation}: {f.message}" if f.operation else f.message},
                "locations": [location],
                "partialFingerprints": {"specfoundryDiff/v1": _fingerprint(f)},
                "properties": {"operation": f.operation, "pointer": f.pointer},
            }
        )
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "specfoundry-diff",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"
