#!/usr/bin/env python3
"""Runs `tact classify --jsonl` over a cue-case file and checks the labels.

Case file: one case per line, "labels<TAB>message"; "#" lines are comments.
labels is a comma-separated list of playbook ids:
  id       the label must be asserted
  !id      the label must not be asserted
  neutral  no label at all may be asserted
Besides, opt-out must never be asserted unless the line expects it (a false
opt-out silences a lead for good).

usage: run_cues.py TACT FILE [--floor F | --strict] [--per-label] [--no-judge]
  --floor F    fail when the share of correct lines is below F (0..1)
  --strict     fail on any incorrect line
  --no-judge   the cues alone: a user judge.json with threshold 1 switches the
               shipped judge off (so a regression of the cues is not hidden by
               the judge, which was trained on these files)
  --per-label  also print precision, recall and F1 per label and their
               macro-F1 (strict: an asserted label the line does not list is
               a false positive; "neutral" counts as the label of a line with
               no label asserted)
Every incorrect line is printed either way.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def classify_jsonl(tact, texts, no_judge):
    """Runs `tact classify --jsonl` over @texts, one object a line, and
    returns the finished process (stdout: one JSON result a text).
    @no_judge: the cues alone, through a user judge.json with threshold 1."""
    inp = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    with tempfile.TemporaryDirectory() as user:
        cmd = [tact, "classify", "--jsonl"]
        if no_judge:
            os.makedirs(os.path.join(user, "en"))
            with open(os.path.join(user, "en", "judge.json"), "w") as f:
                json.dump({"schema": "purple-tact-pack/1", "kind": "judge", "lang": "en",
                           "threshold": 1, "entries": {}}, f)
            cmd += ["--user-data", user]
        return subprocess.run(cmd, input=inp.encode("utf-8"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tact")
    ap.add_argument("file")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--floor", type=float)
    g.add_argument("--strict", action="store_true")
    ap.add_argument("--per-label", action="store_true")
    ap.add_argument("--no-judge", action="store_true")
    args = ap.parse_args()

    cases = []
    with open(args.file, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if "\t" not in line:
                print("%s:%d: no TAB between labels and text" % (args.file, n))
                return 1
            labels, text = line.split("\t", 1)
            want = {l for l in labels.split(",") if l and not l.startswith("!")}
            avoid = {l[1:] for l in labels.split(",") if l.startswith("!")}
            cases.append((n, want, avoid, text))
    if not cases:
        print("%s: no cases" % args.file)
        return 1

    proc = classify_jsonl(args.tact, [c[3] for c in cases], args.no_judge)
    if proc.returncode != 0:
        print("tact classify exited with %d: %s" % (proc.returncode, proc.stderr.decode()))
        return 1
    out = proc.stdout.decode("utf-8").splitlines()
    if len(out) != len(cases):
        print("expected %d output lines, got %d" % (len(cases), len(out)))
        return 1

    good = 0
    tp, fp, fn = {}, {}, {}
    for (n, want, avoid, text), o in zip(cases, out):
        got = {x["id"] for x in json.loads(o)["labels"]}
        g2 = got or {"neutral"}
        for l in want | g2:
            if l in want and l in g2:
                tp[l] = tp.get(l, 0) + 1
            elif l in g2:
                fp[l] = fp.get(l, 0) + 1
            else:
                fn[l] = fn.get(l, 0) + 1
        problems = []
        if want == {"neutral"}:
            if got:
                problems.append("expected no label")
        else:
            if want - got:
                problems.append("missing " + ",".join(sorted(want - got)))
        if got & avoid:
            problems.append("must not have " + ",".join(sorted(got & avoid)))
        if "opt-out" in got and "opt-out" not in want:
            problems.append("false opt-out")
        if problems:
            print("%s:%d: %s | got [%s] | %s" % (args.file, n, "; ".join(problems),
                                                  ",".join(sorted(got)) or "neutral", text))
        else:
            good += 1
    share = good / len(cases)
    if args.per_label:
        f1s = []
        print("%-24s %5s %5s %5s %4s" % ("label", "P", "R", "F1", "n"))
        for l in sorted(set(tp) | set(fn)):
            t, p_, n_ = tp.get(l, 0), fp.get(l, 0), fn.get(l, 0)
            pr = t / (t + p_) if t + p_ else 0.0
            rc = t / (t + n_) if t + n_ else 0.0
            f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
            f1s.append(f1)
            print("%-24s %5.2f %5.2f %5.2f %4d" % (l, pr, rc, f1, t + n_))
        print("macro-F1 %.3f over %d labels" % (sum(f1s) / len(f1s), len(f1s)))
    print("%s: %d/%d correct (%.3f)" % (args.file, good, len(cases), share))
    if args.strict and good != len(cases):
        print("FAIL: every line of this file must pass")
        return 1
    if args.floor is not None and share < args.floor:
        print("FAIL: %.3f is below the floor %.3f" % (share, args.floor))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
