"""JUnit XML: one test case per finding; findings at or above ``--fail-on`` are failures.

CI systems that only understand test reports then show each breaking change as a failed test
named after its rule and operation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from specfoundry.diff.report.model import Report


def render(report: Report) -> str:
    failures = [f for f in report.findings if f.level.rank >= report.fail_on.rank]
    suites = ET.Element("testsuites", name="specfoundry diff")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"specfoundry diff {report.base} -> {report.revision}",
        tests=str(max(1, len(report.findings))),
        failures=str(len(failures)),
        errors="0",
        skipped="0",
    )
    if not report.findings:
        ET.SubElement(suite, "testcase", classname="specfoundry.diff", name="no changes")
    for f in report.findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f.operation or "(whole document)",
            name=f"{f.rule} {f.pointer or '/'}",
        )
        if f.location is not None:
            case.set("file", f.location.file)
            case.set("line", str(f.location.line))
        detail = f"{f.level.value}: {f.message}\npointer: {f.pointer or '/'}"
        if f.location is not None:
            detail += f"\nlocation: {f.location}"
        if f.level.rank >= report.fail_on.rank:
            failure = ET.SubElement(case, "failure", message=f.message, type=f.level.value)
            failure.text = detail
        else:
            ET.SubElement(case, "system-out").text = detail
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"
