#!/usr/bin/env python3
"""Scores the edge sets (tests/data/edge*-en.tsv): recall and precision of
opt-out and automation-question over the lines whose truth for that label
the set states.  The sets are written to tests/data/edge-brief.md: a line
"opt-out" is a genuine opt-out whose automation question is left open, a
line "automation-question" is not an opt-out, "!x" says nothing of the other
label, and "opt-out,!automation-question" marks a genuine opt-out among the
"!automation-question" lines.

usage: score_edge.py TACT [--no-judge] [--show] FILE...
  --no-judge  the cues alone (a user judge.json with threshold 1)
  --show      print every line that is wrong for one of the two labels
"""
import json
import sys

from run_cues import classify_jsonl  # the same call, with or without the judge

OO, AQ = "opt-out", "automation-question"


def truth(labels):
    """The labels a line states, as {label: bool}."""
    ls = labels.split(",")
    if ls == [OO]:
        return {OO: True}
    if ls == [AQ]:
        return {AQ: True, OO: False}
    if set(ls) == {OO, AQ}:
        return {OO: True, AQ: True}
    if set(ls) == {OO, "!" + AQ}:
        return {OO: True, AQ: False}
    if ls == ["!" + OO]:
        return {OO: False}
    if ls == ["!" + AQ]:
        return {AQ: False}
    raise ValueError("labels %r are not those of an edge set" % labels)


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        return 2
    tact = args.pop(0)
    nojudge, show = "--no-judge" in args, "--show" in args
    files = [a for a in args if not a.startswith("--")]
    cases = []
    for fn in files:
        with open(fn, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                if "\t" not in line:
                    print("%s:%d: no TAB between labels and text" % (fn, n))
                    return 1
                labels, text = line.split("\t", 1)
                try:
                    cases.append((fn, n, truth(labels), text))
                except ValueError as e:
                    print("%s:%d: %s" % (fn, n, e))
                    return 1
    proc = classify_jsonl(tact, [c[3] for c in cases], nojudge)
    if proc.returncode != 0:
        print("tact classify exited with %d: %s" % (proc.returncode, proc.stderr.decode()))
        return 1
    out = proc.stdout.decode("utf-8").splitlines()
    counts = {OO: [0, 0, 0], AQ: [0, 0, 0]}  # true positives, false positives, misses
    wrong = 0
    for (fn, n, t, text), o in zip(cases, out):
        got = {x["id"] for x in json.loads(o)["labels"]}
        why = []
        for label in (OO, AQ):
            if label not in t:
                continue
            if t[label] and label in got:
                counts[label][0] += 1
            elif label in got:
                counts[label][1] += 1
                why.append("false " + label)
            elif t[label]:
                counts[label][2] += 1
                why.append("missed " + label)
        if why:
            wrong += 1
            if show:
                print("%s:%d: %s | got [%s] | %s" % (fn, n, "; ".join(why),
                                                     ",".join(sorted(got)) or "neutral", text))
    for label, (tp, fp, fn_) in counts.items():
        print("%-20s recall %.3f (%d of %d)  precision %.3f (%d of %d)"
              % (label, tp / max(1, tp + fn_), tp, tp + fn_, tp / max(1, tp + fp), tp, tp + fp))
    print("lines wrong for either label: %d of %d" % (wrong, len(cases)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
