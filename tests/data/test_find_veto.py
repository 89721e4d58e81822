#!/usr/bin/env python3
"""Tests tools/find-veto.py on a pack of its own: the shipped packs with two
opt-out vetoes added, one for "zebra" and one for "quokka". The tool must
name the one veto that holds an opt-out off, both when two hold it off at
once, and say so (exit 1) when the message has the label already or lacks
it without any veto.

usage: test_find_veto.py FIND_VETO TACT DATA_DIR
"""
import os
import subprocess
import sys
import tempfile

from scratch_pack import scratch_pack

ZEBRA = "zebra *2 sale"
QUOKKA = "quokka|wombat"
# (message, exit code, the added patterns it must name)
CASES = [
    ("stop texting me about the zebra sale", 0, {ZEBRA}),
    ("stop texting me about the zebra sale and the quokka", 0, {ZEBRA, QUOKKA}),
    ("stop texting me about the wombat", 0, {QUOKKA}),
    ("stop texting me", 1, set()),            # has the label already
    ("what time does the zebra sale start", 1, set()),   # lacks it without any veto
]


def main():
    script, tact, data = sys.argv[1:4]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        pack = scratch_pack(data, tmp, lambda cues: cues["cues"].extend([
            {"label": "opt-out", "clause_veto": True, "patterns": [ZEBRA]},
            {"label": "opt-out", "veto": True, "patterns": [QUOKKA]}]))
        for message, code, named in CASES:
            r = subprocess.run([sys.executable, script, tact, "opt-out", message, "--data-dir", pack],
                               capture_output=True, text=True)
            got = {line.split(": ", 1)[1] for line in r.stdout.splitlines() if line.startswith("cue ")}
            if r.returncode != code or got != named:
                print("FAIL: %r: exit %d naming %s, expected exit %d naming %s (%s)"
                      % (message, r.returncode, sorted(got), code, sorted(named), r.stderr.strip()))
                failures += 1
        r = subprocess.run([sys.executable, script, tact, "opt-out", "stop", "--data-dir",
                            os.path.join(tmp, "missing")], capture_output=True, text=True)
        if r.returncode != 2:
            print("FAIL: a missing pack directory gave exit %d" % r.returncode)
            failures += 1
    if failures:
        sys.exit(1)
    print("ok: %d messages" % len(CASES))


if __name__ == "__main__":
    main()
