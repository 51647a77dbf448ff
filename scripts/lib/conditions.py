#!/usr/bin/env python3
"""Prints `porticoctl status` JSON (stdin) as one line per condition, for people."""
import json
import sys

for obj in json.load(sys.stdin):
    name = f"{obj['kind']} {obj['name']}"
    for c in obj.get("conditions", []):
        print(f"{name}: {c['type']}={c['status']} ({c['reason']})")
    for listener in obj.get("listeners", []):
        reasons = ", ".join(f"{c['type']}={c['status']}" for c in listener["conditions"])
        print(f"{name} listener {listener['name']}: {listener['attachedRoutes']} routes; {reasons}")
    for parent in obj.get("parents", []):
        reasons = ", ".join(f"{c['type']}={c['status']} ({c['reason']})" for c in parent["conditions"])
        print(f"{name} -> {parent['parentRef']['namespace']}/{parent['parentRef']['name']}: {reasons}")
