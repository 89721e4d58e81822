#!/usr/bin/env python3
"""Tests tools/unmatched-patterns.py on a pack of its own: it lists the
patterns no corpus line can match (the unbracketed "get sent" of round
forty-five among them) and none that a line does match, reading words as the
engine does ("dont" is "don't"), classes, bracketed alternatives and gaps.

usage: test_unmatched_patterns.py UNMATCHED_PATTERNS TACT DATA_DIR
"""
import os
import subprocess
import sys
import tempfile

from scratch_pack import scratch_pack

# (pattern, whether some line of CORPUS matches it)
PATTERNS = [
    ("does|do it go|goes|(get sent) to everyone", True),
    ("does|do it go|goes|get sent to everyone", False),        # "sent" became a word of its own
    ("(you're|you are) a @thing huh", True),                   # bracketed alternatives, a class
    ("dont call dont text", True),                             # normalised as messages are
    ("zebra *2 quokka", True),                                 # a gap of two
    ("zebra *1 quokka", False),                                # one is too short
    ("^ quokka", False),                                       # only at a message's start
    ("quokka .|please", True),                                 # a clause-end alternative
]
CORPUS = """automation-question\tdoes it go to everyone?
automation-question\tyou are a robot huh
opt-out\tdont call, dont text
neutral\tthe zebra met a quokka.
"""


def main():
    script, tact, data = sys.argv[1:4]
    def edit(cues):
        cues["classes"]["thing"] = ["robot", "bot"]
        cues["cues"] = [{"label": "automation-question", "weight": 0.9,
                         "patterns": [p for p, _ in PATTERNS]}]
    with tempfile.TemporaryDirectory() as tmp:
        pack = scratch_pack(data, tmp, edit)
        corpus = os.path.join(tmp, "corpus.tsv")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("# a comment line is skipped\n" + CORPUS)
        r = subprocess.run([sys.executable, script, tact, corpus, "--data-dir", pack],
                           capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("unmatched-patterns.py failed: " + r.stderr)
    listed = {line.split("\t")[4] for line in r.stdout.splitlines()}
    failures = 0
    for pattern, matched in PATTERNS:
        if (pattern in listed) == matched:
            failures += 1
            print("FAIL: %r %s" % (pattern, "listed, but a line matches it" if matched
                                  else "not listed, but no line matches it"))
    want = "%d of %d patterns match no line of 4" % (sum(not m for _, m in PATTERNS), len(PATTERNS))
    if want not in r.stderr:
        failures += 1
        print("FAIL: summary %r, expected %r" % (r.stderr.strip(), want))
    if failures:
        sys.exit(1)
    print("ok: %d patterns, %d listed" % (len(PATTERNS), len(listed)))


if __name__ == "__main__":
    main()
