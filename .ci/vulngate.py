#!/usr/bin/env python3
"""Reads `govulncheck -format json` on standard input and fails when a
vulnerability affects code that Rolegate calls (a finding whose trace starts
at a function), unless .ci/govulncheck-accepted names it with a reason.
Vulnerabilities only in imported packages or required modules are listed,
not fatal. Every accepted one is printed on every run, so none is forgotten."""
import json
import os
import sys

accepted = {}
path = os.path.join(os.path.dirname(__file__), "govulncheck-accepted")
with open(path) as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            vid, _, why = line.partition(" ")
            accepted[vid] = why.strip()

dec, text, i = json.JSONDecoder(), sys.stdin.read(), 0
osv, called, imported = {}, {}, set()
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    msg, i = dec.raw_decode(text, i)
    if "osv" in msg:
        osv[msg["osv"]["id"]] = msg["osv"].get("summary", "")
    f = msg.get("finding")
    if f:
        top = f["trace"][0]
        if top.get("function"):
            called[f["osv"]] = (top.get("module", ""), f.get("fixed_version") or "no fix")
        else:
            imported.add(f["osv"])

failed = False
for vid in sorted(called):
    mod, fixed = called[vid]
    if vid in accepted:
        print(f"accepted {vid} ({mod}, fixed in {fixed}): {osv.get(vid, '')} -- {accepted[vid]}")
    else:
        print(f"VULNERABLE {vid} ({mod}, fixed in {fixed}): {osv.get(vid, '')}")
        failed = True
for vid in sorted(imported - set(called)):
    print(f"not called: {vid}: {osv.get(vid, '')}")
for vid in sorted(set(accepted) - set(called)):
    print(f"{vid} is accepted in .ci/govulncheck-accepted but no longer found: remove it")
if failed:
    print("govulncheck: Rolegate calls vulnerable code (see https://pkg.go.dev/vuln/ID); "
          "upgrade, or accept it with a reason in .ci/govulncheck-accepted")
    sys.exit(1)
print(f"govulncheck: no unaccepted vulnerability in called code ({len(called)} accepted)")
