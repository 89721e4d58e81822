#!/usr/bin/env python3
"""Measures a change to the judge's features before anyone builds it.

Trains the judge alone (tools/train-judge.py's own functions and options) on
some case sets and scores it on others it never saw, once per variant of the
features:

  base    the features the engine uses today (units and adjacent pairs)
  class   plus one feature per cue class a unit's word belongs to (@auto, @bot…)
  num     with every number unit replaced by one "#num" symbol

Only a variant that generalises better on held-out sets is worth the engine
work (a judge row table, the snapshot format, the trainer).

usage: judge-ablation.py TACT --train FILE… --test FILE… [--variant V]…
                         [--data-dir DIR] [--epochs N]
e.g.   tools/judge-ablation.py build-test/plugin/cli/tact --epochs 10 \\
         --train tests/data/cues-en.tsv tools/judge/background*-en.tsv \\
                 $(ls tests/data/cues[0-9]*-en.tsv | awk -F'cues|-en' '$2 <= 234') \\
         --test $(ls tests/data/cues23[5-9]-en.tsv) tests/data/cues240-en.tsv

2026-12-03, judge alone, macro-F1 on cues235-240 (10 epochs, the files in the
order of the example): base 0.922, class 0.928, num 0.924.  With the case sets
before the everyday sets: base 0.923, class 0.928, num 0.920.  The order of the
files alone moves a figure by up to 0.004: only the class features' gain
(+0.005 both times) stands out of that noise.

The engine then learnt them (a row per class, "@insult" in judge.json), and
the shipped judge was trained with and without them, the whole engine scored
on sets that judge never saw.  Trained on sets up to 240, on cues241-246:
macro-F1 0.936 both ways, opt-out recall 0.955 with classes against 0.970
without.  Trained up to 234, on cues235-240: 0.943 against 0.944, opt-out
recall 1.000 against 0.985.  The cues already match by class, so what the
judge gains alone they had mostly caught; for +1 % instructions per message
the change was not kept (2026-12-03).
"""
import argparse
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("train_judge", os.path.join(HERE, "train-judge.py"))
tj = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tj)

NUMBER = re.compile(r"[0-9][0-9.,:]*")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tact")
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--test", nargs="+", required=True)
    ap.add_argument("--variant", action="append", choices=["base", "class", "num"])
    ap.add_argument("--data-dir", default=os.path.join(HERE, "..", "data"))
    ap.add_argument("--epochs", type=int, default=20)
    a = ap.parse_args()

    with open(os.path.join(a.data_dir, "en", "cues.json"), encoding="utf-8") as f:
        classes = json.load(f)["classes"]
    # the class words are written in normal form, as the units print them
    of_word = {}
    for name, words in classes.items():
        for w in words:
            of_word.setdefault(w, []).append("@" + name)

    train = [c for f in a.train for c in tj.load_cases(f)]
    test = [c for f in a.test for c in tj.load_cases(f)]
    units = tj.units_of(a.tact, a.data_dir, [t for _, _, t in train + test])
    Y = [w for w, _, _ in train + test]
    n = len(train)
    thresholds = {"opt-out": 0.8, "automation-question": 0.8}

    for variant in a.variant or ["base", "class", "num"]:
        X = []
        for u in units:
            if variant == "num":
                u = ["#num" if NUMBER.fullmatch(x) else x for x in u]
            x = tj.features(u)
            if variant == "class":
                for w in u[1:-1]:
                    for c in of_word.get(w, []):
                        x[c] = 1
            X.append(x)
        vocab = tj.vocabulary(X[:n])
        model = tj.prune(tj.train(tj.restrict(X[:n], vocab), Y[:n], [None] * n, l1=6, alpha=2,
                                  epochs=a.epochs), 0.3)
        P = [{l for l, p in tj.predict(model, x).items() if p >= thresholds.get(l, 0.5)}
             for x in X[n:]]
        print("%-6s judge alone, macro-F1 %.4f on %d held-out messages (%d weights)" %
              (variant, tj.macro_f1(Y[n:], P), len(test), sum(len(w) for w in model[0].values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
