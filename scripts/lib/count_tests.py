#!/usr/bin/env python3
"""Counts test cases in meson's JUnit log: every GoogleTest case and every TAP check is
one test. Prints "PASSED FAILED SKIPPED"."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 1 0")  # no log: the suite did not run, which is a failure
    sys.exit(0)
for case in root.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
# A test binary that crashed before reporting any case still counts as one failure.
for suite in root.iter("testsuite"):
    if int(suite.get("failures", 0)) + int(suite.get("errors", 0)) > 0 and suite.find("testcase") is None:
        failed += 1
print(passed, failed, skipped)
