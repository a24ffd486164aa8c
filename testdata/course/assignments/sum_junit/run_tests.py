"""Runs the tests of test_sum.py and writes a JUnit XML report to
reports/junit.xml, one test case per test method."""
import os
import unittest
import xml.etree.ElementTree as ET


def cases(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from cases(t)
        else:
            yield t


suite = unittest.defaultTestLoader.loadTestsFromName("test_sum")
tests = list(cases(suite))  # running the suite empties it
result = unittest.TestResult()
suite.run(result)
problems = {t.id(): ("failure", m) for t, m in result.failures}
problems.update({t.id(): ("error", m) for t, m in result.errors})
root = ET.Element("testsuite", name="test_sum", tests=str(result.testsRun))
for t in tests:
    case = ET.SubElement(root, "testcase", classname=type(t).__name__, name=t.id().rsplit(".", 1)[-1])
    if t.id() in problems:
        kind, message = problems[t.id()]
        ET.SubElement(case, kind, message=message.strip().splitlines()[-1]).text = message
os.makedirs("reports", exist_ok=True)
ET.ElementTree(root).write("reports/junit.xml", encoding="utf-8", xml_declaration=True)
