#!/usr/bin/env python3
"""Prints the ninja targets the tests of the given suites need in a meson build folder,
so a build can make only those (usage: suite_targets.py BUILD SUITE...)."""

import json
import os
import subprocess
import sys


def main():
    build, suites = os.path.abspath(sys.argv[1]), set(sys.argv[2:])
    tests = json.loads(subprocess.check_output(["meson", "introspect", build, "--tests"]))
    targets = json.loads(subprocess.check_output(["meson", "introspect", build, "--targets"]))
    files = {t["id"]: t["filename"] for t in targets}
    wanted = set()
    for test in tests:
        if not suites & {s.split(":")[-1] for s in test["suite"]}:
            continue
        paths = [a for a in test["cmd"] if isinstance(a, str)]
        for dep in test.get("depends", []):
            paths += files.get(dep, [])
        paths = [os.path.normpath(p) for p in paths]
        wanted.update(os.path.relpath(p, build) for p in paths if p.startswith(build + "/"))
    print("\n".join(sorted(wanted)))


if __name__ == "__main__":
    main()
