#!/usr/bin/env python3
"""Shows which lines of labelled sets a change to the packs turns right or wrong.

Every cue batch since round forty was weighed this way before it landed: run
the engine over all of tests/data with the packs before and after the change,
and list each line whose verdict on an opt-out or an automation question moved.
The suites' floors only say a set got worse; this says which line, and whether
the change fixed or broke it. The judge adds and drops labels, so the check is
made with it and again with the cues alone (`--no-judge`): a pattern can look
harmless with the judge and still break what the cues alone got right, which is
what a user's own cues, or a judge that never saw the line, would show.

A line's LABELS say what it wants: `opt-out` must have the label, `!opt-out`
must not, and so on. A line that names neither form of a label wants no
opt-out (the rule of tests/data/run_cues.py: an opt-out nobody asked for costs
a customer) and leaves the automation question open; a change there is shown
with `~` and counted apart.

usage: tools/label-diff.py TACT OLD_DATA_DIR NEW_DATA_DIR [--no-judge]
                           [--labels opt-out,automation-question] FILE.tsv…
  Prints one line per change: "+" fixed, "-" broken, "~" open, then the label,
  FILE:LINE, what the line wants, the labels before -> after, and the message;
  then "fixed N broken M open K". Exits 0 whatever changed (it reports; the
  suites judge), 2 on a usage or engine error.
"""
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import os
import tempfile

from tact_run import classify_labels, judge_off, labelled_lines


def load_lines(paths):
    """[(file:line, wanted labels, message)] of every labelled line."""
    return [("%s:%d" % (os.path.basename(path), n), set(want.split(",")), text)
            for path in paths for n, want, text in labelled_lines(path)]


def verdict(label, want, before, after):
    """'+', '-' or '~' for a label whose presence changed, None if it did not."""
    had, has = label in before, label in after
    if had == has:
        return None
    if label in want:
        return "+" if has else "-"
    if "!" + label in want or label == "opt-out":
        return "-" if has else "+"
    return "~"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tact")
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--no-judge", action="store_true")
    ap.add_argument("--labels", default="opt-out,automation-question")
    a = ap.parse_args()
    labels = a.labels.split(",")
    cases = load_lines(a.files)
    texts = [c[2] for c in cases]
    with tempfile.TemporaryDirectory() as tmp:
        user = judge_off(tmp) if a.no_judge else None
        old = classify_labels("label-diff", a.tact, a.old, texts, user)
        new = classify_labels("label-diff", a.tact, a.new, texts, user)
    counts = {"+": 0, "-": 0, "~": 0}
    for (where, want, text), before, after in zip(cases, old, new):
        for label in labels:
            mark = verdict(label, want, before, after)
            if mark is None:
                continue
            counts[mark] += 1
            print("%s %s %s\t%s\t%s -> %s\t%s" % (
                mark, label, where, ",".join(sorted(want)),
                ",".join(sorted(before)) or "neutral",
                ",".join(sorted(after)) or "neutral", text))
    print("fixed %d broken %d open %d" % (counts["+"], counts["-"], counts["~"]))


if __name__ == "__main__":
    main()
