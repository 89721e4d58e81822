#!/usr/bin/env python3
"""Scores `tact classify` on the labelled DM replies of the shared
evaluation set (../shared/eval/situations-dev.tsv).

Per-label precision/recall/F1 over the required labels; a predicted label
listed as optional is neither a hit nor a miss.  Fails (exit 1) when
English macro-F1 < --min-macro-f1 or opt-out recall < --min-optout-recall.
Languages without a pack are reported, not scored.

usage: score_situations.py TACT EVAL_DIR [--lang en] [--min-macro-f1 0.85]
       [--min-optout-recall 0.95] [--show-errors]
"""
import argparse
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tact")
    ap.add_argument("eval_dir")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--min-macro-f1", type=float, default=0.85)
    ap.add_argument("--min-optout-recall", type=float, default=0.95)
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args()

    path = os.path.join(args.eval_dir, "situations-dev.tsv")
    if not os.path.exists(path):
        print("SKIP: %s not found" % path)
        return 77
    rows = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        req, opt, lang, text = line.rstrip("\n").split("\t", 3)
        if args.lang != "all" and lang != args.lang:
            continue
        rows.append((set(req.split(",")), set() if opt == "-" else set(opt.split(",")), lang, text))
    if not rows:
        print("FAIL: no rows for language %s" % args.lang)
        return 1

    inp = "".join(json.dumps({"text": r[3]}) + "\n" for r in rows)
    out = subprocess.run([args.tact, "classify", "--jsonl"], input=inp.encode(),
                         stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()
    assert len(out) == len(rows), "one output line per input line"

    labels = sorted({l for r in rows for l in r[0]})
    tp = {l: 0 for l in labels}
    fp = {l: 0 for l in labels}
    fn = {l: 0 for l in labels}
    errors = []
    for (req, opt, lang, text), o in zip(rows, out):
        got = {x["id"] for x in json.loads(o)["labels"]} or {"neutral"}
        for l in labels:
            if l in req and l in got:
                tp[l] += 1
            elif l in req:
                fn[l] += 1
            elif l in got and l not in opt:
                fp[l] += 1
        if (got - opt) != req and not (req <= got and not (got - req - opt)):
            errors.append((sorted(req), sorted(got), text))

    f1s = {}
    print("%-24s %5s %5s %5s  n" % ("label", "P", "R", "F1"))
    for l in labels:
        p = tp[l] / (tp[l] + fp[l]) if tp[l] + fp[l] else 0.0
        r = tp[l] / (tp[l] + fn[l]) if tp[l] + fn[l] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        f1s[l] = (p, r, f)
        print("%-24s %5.2f %5.2f %5.2f  %d" % (l, p, r, f, tp[l] + fn[l]))
    macro = sum(v[2] for v in f1s.values()) / len(f1s)
    print("macro-F1 %.3f over %d labels, %d messages (%s)" % (macro, len(labels), len(rows), args.lang))
    if args.show_errors:
        for req, got, text in errors:
            print("  want %-40s got %-40s %s" % (",".join(req), ",".join(got), text))
    ok = True
    if macro < args.min_macro_f1:
        print("FAIL: macro-F1 %.3f < %.2f" % (macro, args.min_macro_f1))
        ok = False
    if "opt-out" in f1s and f1s["opt-out"][1] < args.min_optout_recall:
        print("FAIL: opt-out recall %.3f < %.2f" % (f1s["opt-out"][1], args.min_optout_recall))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
