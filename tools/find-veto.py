#!/usr/bin/env python3
"""Names the veto patterns that keep a label off a message.

"Why is this not an opt-out?" has had one answer in most rounds: a veto
(`veto` or `clause_veto`, data/README.md) written for some look-alike also
matches this message. The engine shows the evidence for a label it gives,
never the veto that took one away, and the English pack has over a thousand
veto patterns. This removes them from a copy of the pack, half at a time,
until it has the few whose removal gives the label back.

usage: tools/find-veto.py TACT LABEL MESSAGE [--data-dir DIR] [--lang en] [--judge]
  DIR is the shipped pack directory (default: data/ beside this script).
  The cues alone are asked unless --judge is given (a clause veto also blocks
  the judge's evidence in its clause). Prints "cue C pattern P (veto|clause
  veto): PATTERN" for each culprit; exits 0 when it found them, 1 when the
  message has the label already or lacks it even without any veto (it says
  which), 2 on a usage or engine error.
"""
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import json
import os
import shutil
import sys
import tempfile

from tact_run import classify_labels, judge_off


class Probe:
    """Asks the engine for LABEL on MESSAGE with some veto patterns removed."""

    def __init__(self, tact, data, lang, label, message, judge, tmp):
        self.tact, self.lang, self.label, self.message = tact, lang, label, message
        self.pack = os.path.join(tmp, "data")
        shutil.copytree(data, self.pack)
        self.path = os.path.join(self.pack, lang, "cues.json")
        with open(self.path, encoding="utf-8") as f:
            self.cues = json.load(f)
        self.user = None if judge else judge_off(os.path.join(tmp, "user"), lang)
        # every (cue, pattern) of a veto of this label
        self.vetoes = [(c, p) for c, cue in enumerate(self.cues["cues"])
                       if cue.get("label") == label and (cue.get("veto") or cue.get("clause_veto"))
                       for p in range(len(cue["patterns"]))]

    def has_label(self, removed):
        """Whether the label comes back with the (cue, pattern) pairs REMOVED."""
        cues = json.loads(json.dumps(self.cues))
        for c, p in sorted(removed, reverse=True):
            del cues["cues"][c]["patterns"][p]
        # a cue left without patterns would be refused as invalid; one that
        # matches nothing ("#url" never stands for a word) keeps it valid
        for cue in cues["cues"]:
            if not cue["patterns"]:
                cue["patterns"] = ["#url #url #url #url"]
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(cues, f, ensure_ascii=False)
        return self.label in classify_labels("find-veto", self.tact, self.pack,
                                             [self.message], self.user)[0]


def culprits(probe):
    """A small set of veto patterns whose removal gives the label back.

    Bisection for one culprit at a time: the shortest prefix of the candidates
    whose removal (with the culprits found so far) gives the label back ends in
    a culprit; the search goes on among the candidates before it, since two
    vetoes can each hold the label off on their own."""
    found = []
    rest = list(probe.vetoes)
    while not probe.has_label(found):
        lo, hi = 1, len(rest)
        while lo < hi:
            mid = (lo + hi) // 2
            if probe.has_label(found + rest[:mid]):
                hi = mid
            else:
                lo = mid + 1
        found.append(rest[lo - 1])
        rest = rest[:lo - 1]
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tact")
    ap.add_argument("label")
    ap.add_argument("message")
    ap.add_argument("--data-dir", default=os.path.join(here, "..", "data"))
    ap.add_argument("--lang", default="en")
    ap.add_argument("--judge", action="store_true")
    a = ap.parse_args()
    if not os.path.isfile(os.path.join(a.data_dir, a.lang, "cues.json")):
        sys.stderr.write("find-veto: no %s/cues.json in %s\n" % (a.lang, a.data_dir))
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        probe = Probe(a.tact, a.data_dir, a.lang, a.label, a.message, a.judge, tmp)
        if probe.has_label([]):
            print("the message has %s already" % a.label)
            sys.exit(1)
        if not probe.has_label(probe.vetoes):
            print("no veto involved: the message lacks %s even without the %d veto patterns"
                  % (a.label, len(probe.vetoes)))
            sys.exit(1)
        for c, p in sorted(culprits(probe)):
            cue = probe.cues["cues"][c]
            print("cue %d pattern %d (%s): %s" % (c, p, "veto" if cue.get("veto") else "clause veto",
                                                  cue["patterns"][p]))


if __name__ == "__main__":
    main()
