"""JUnit XML for CI test reports (GitLab ``artifacts:reports:junit``, Jenkins, Cloud Build artifacts).

One testcase per rule that ran; a rule's testcase has one ``<failure>`` per finding, so a clean rule shows
as a passing test and every finding as a failure with its location.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from typing import TextIO

from iamlint.errors import InputError
from iamlint.findings import Finding
from iamlint.report import Report

# Characters XML 1.0 cannot carry at all (ElementTree would write them and produce unreadable XML).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _failure_text(finding: Finding) -> str:
    lines = [
        f"{finding.location or finding.resource}: {finding.rule} {finding.name} ({finding.severity.value})",
        finding.message,
        f"resource: {finding.resource}",
    ]
    if finding.principal:
        lines.append(f"principal: {finding.principal}")
    if finding.role:
        lines.append(f"role: {finding.role}")
    lines.append(f"fingerprint: {finding.fingerprint}")
    return _xml("\n".join(lines))


def junit_tree(report: Report) -> ET.Element:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_rule[finding.rule].append(finding)
    suppressed: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.suppressed if report.show_suppressed else ():
        suppressed[finding.rule].append(finding)
    cases = [(rule.id, rule.name) for rule in report.rules]
    known = {rule_id for rule_id, _ in cases}
    cases += sorted({(f.rule, f.name) for f in report.findings if f.rule not in known})

    failures = sum(1 for rule_id, _ in cases if by_rule.get(rule_id))
    root = ET.Element("testsuites", name="iamlint", tests=str(len(cases)), failures=str(failures))
    suite = ET.SubElement(
        root,
        "testsuite",
        name="iamlint",
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for rule_id, name in cases:
        case = ET.SubElement(suite, "testcase", classname=f"iamlint.{rule_id}", name=f"{rule_id} {name}")
        for finding in by_rule.get(rule_id, []):
            failure = ET.SubElement(
                case, "failure", message=_xml(finding.message), type=finding.severity.value
            )
            failure.text = _failure_text(finding)
        if suppressed.get(rule_id):
            out = ET.SubElement(case, "system-out")
            out.text = _xml(
                "\n".join(
                    f"suppressed ({f.suppressed_by}): {f.location or f.resource}: {f.message}"
                    for f in suppressed[rule_id]
                )
            )
    return root


def error_tree(errors: Sequence[InputError]) -> ET.Element:
    """A run that failed: one testcase ``iamlint`` in error, one ``<error>`` per input or API error."""
    root = ET.Element("testsuites", name="iamlint", tests="1", failures="0", errors="1")
    suite = ET.SubElement(root, "testsuite", name="iamlint", tests="1", failures="0", errors="1", skipped="0")
    case = ET.SubElement(suite, "testcase", classname="iamlint", name="iamlint run")
    for error in errors:
        element = ET.SubElement(case, "error", message=_xml(str(error)), type="input")
        element.text = _xml(str(error))
    return root


def _write_xml(tree: ET.Element, stream: TextIO) -> None:
    ET.indent(tree)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(tree, encoding="unicode"))
    stream.write("\n")


class JunitReporter:
    name = "junit"
    description = "JUnit XML: one testcase per rule, one failure per finding (GitLab, Jenkins, Cloud Build)"
    for_terminal = False

    def render(self, report: Report, stream: TextIO, *, color: bool) -> None:
        _write_xml(junit_tree(report), stream)

    def render_errors(self, errors: Sequence[InputError], stream: TextIO) -> None:
        _write_xml(error_tree(errors), stream)
