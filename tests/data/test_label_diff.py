#!/usr/bin/env python3
"""Tests tools/label-diff.py on packs of its own: a copy of the shipped packs,
and the same copy with an opt-out veto and a sure automation-question cue
added. The tool must report each line those two turn right or wrong, mark
what a line leaves open apart, say nothing of lines that did not move, and do
so with the judge and with the cues alone.

usage: test_label_diff.py LABEL_DIFF TACT DATA_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

from scratch_pack import scratch_pack

CORPUS = """# a comment line is skipped
opt-out\tstop texting me about the zebra sale
automation-question\tquokka?
!automation-question\tthe quokka ate my lunch
neutral\tquokka facts please
opt-out\tunsubscribe me please
"""
# (mark, label, line of CORPUS.tsv) the change must produce; nothing else
EXPECTED = {
    ("-", "opt-out", 2),               # the veto silences a real opt-out
    ("+", "automation-question", 3),   # the new cue finds one
    ("-", "automation-question", 4),   # and a look-alike
    ("~", "automation-question", 5),   # a line that leaves it open
}


def main():
    script, tact, data = sys.argv[1:4]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        old = os.path.join(tmp, "old")
        shutil.copytree(data, old)
        new = scratch_pack(data, tmp, lambda cues: cues["cues"].extend([
            {"label": "opt-out", "veto": True, "patterns": ["zebra"]},
            {"label": "automation-question", "weight": 0.9, "sure": True, "patterns": ["quokka"]}]))
        corpus = os.path.join(tmp, "CORPUS.tsv")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write(CORPUS)
        for mode in ([], ["--no-judge"]):
            r = subprocess.run([sys.executable, script, tact, old, new, corpus] + mode,
                               capture_output=True, text=True)
            name = " ".join(mode) or "with the judge"
            if r.returncode != 0:
                print("FAIL (%s): exit %d: %s" % (name, r.returncode, r.stderr))
                failures += 1
                continue
            lines = r.stdout.splitlines()
            got = set()
            for line in lines[:-1]:
                head = line.split("\t")[0].split()
                got.add((head[0], head[1], int(head[2].rsplit(":", 1)[1])))
            if got != EXPECTED:
                print("FAIL (%s): reported %s, expected %s" % (name, sorted(got), sorted(EXPECTED)))
                failures += 1
            if lines[-1:] != ["fixed 1 broken 2 open 1"]:
                print("FAIL (%s): summary %r" % (name, lines[-1:]))
                failures += 1
        # the same packs on both sides: nothing to report
        r = subprocess.run([sys.executable, script, tact, old, old, corpus],
                           capture_output=True, text=True)
        if r.stdout.splitlines() != ["fixed 0 broken 0 open 0"]:
            print("FAIL: identical packs reported %r" % r.stdout)
            failures += 1
        # an engine error is an error, not an empty report
        r = subprocess.run([sys.executable, script, tact, old, os.path.join(tmp, "missing"), corpus],
                           capture_output=True, text=True)
        if r.returncode != 2:
            print("FAIL: a missing pack directory gave exit %d" % r.returncode)
            failures += 1
    if failures:
        sys.exit(1)
    print("ok: %d changes reported in both modes" % len(EXPECTED))


if __name__ == "__main__":
    main()
