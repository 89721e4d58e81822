#!/usr/bin/env python3
"""Trains the judge (data/LANG/judge.json) from labelled messages.

The judge is one logistic unit per label over the units `tact units` prints
for a message ("^", words, "|" between clauses, "$"): every unit but "^"/"$"
and every adjacent pair is a feature, present or absent (not counted).  Training is plain
one-vs-rest logistic regression (AdaGrad, L2, a fixed seed), so the same
inputs give the same file.

usage: train-judge.py TACT OUT.json FILE... [--lang en] [--threshold T]
                      [--label-threshold LABEL=T]... [--overrule LABEL=P]...
                      [--partial FILE]... [--partial-weight W] [--partial-labels L,...]
                      [--data-dir DIR] [--cv]
  FILE        case files, "labels<TAB>message" (the format of tests/data)
  --partial   a file whose lines state only the labels they name: "x" is
              true, "!x" false, "neutral" no label at all; a line teaches
              nothing of a label it does not name, but for opt-out: a line
              that does not name it is no opt-out, the rule by which
              tests/data/run_cues.py scores every line (the edge sets and
              guards of tests/data, which leave most labels open)
  --partial-weight  W > 0: scales a --partial line's gradient
  --partial-labels  L,...: the only labels the --partial lines teach
  --overrule  LABEL=P: the judge drops LABEL when only shipped cues assert it
              and the judge gives it a probability below P (see data/README.md)
  --cv        do not write: print leave-one-file-out scores of the judge alone
              (each file is scored by a model trained on the others)

The units come from `tact units` run on the packs WITHOUT a judge (a judge's
words would otherwise change how elongated words are looked up), so pass the
shipped data directory with --data-dir: a copy is used whose judge.json is
switched off (threshold 1; a missing file would let the built-in judge in).
"""
import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

from tact_run import labelled_lines

LABELS = ["opt-out", "abusive", "our-mistake", "needs-expert", "automation-question",
          "annoyed-by-automation", "confused", "not-a-fit", "resolved", "interested",
          "feedback", "question", "praise"]


def load_cases(path, partial=False, teach=None):
    """[(labels that are true, labels the line states or None for all, text)]"""
    cases = []
    for n, labels, text in labelled_lines(path):
        named = [l for l in labels.split(",") if l]
        want = {l for l in named if not l.startswith("!")} - {"neutral"}
        unknown = want - set(LABELS)
        known = None
        if partial:
            # "!neutral" would say nothing a line could teach
            unknown |= {l for l in named if l.lstrip("!") not in LABELS and l != "neutral"}
            if "neutral" in named:
                known = set(LABELS)  # no label at all: every label is stated
            else:
                # an unnamed opt-out is a false one (run_cues.py's rule)
                known = {l.lstrip("!") for l in named} | {"opt-out"}
            if teach:
                known &= teach
        if unknown:
            sys.exit("%s:%d: unknown label(s) %s" % (path, n, ",".join(sorted(unknown))))
        cases.append((want, known, text))
    return cases


def units_of(tact, data_dir, texts):
    with tempfile.TemporaryDirectory() as tmp:
        args = [tact, "units", "--jsonl", "-q"]
        if data_dir:
            d = os.path.join(tmp, "data")
            shutil.copytree(data_dir, d, ignore=shutil.ignore_patterns("judge.json"))
            for lang in os.listdir(d):
                if os.path.isdir(os.path.join(d, lang)):
                    with open(os.path.join(d, lang, "judge.json"), "w") as f:
                        json.dump({"schema": "purple-tact-pack/1", "kind": "judge", "lang": lang,
                                   "threshold": 1, "entries": {}}, f)
            args += ["--data-dir", d]
        inp = "".join(json.dumps({"text": t}) + "\n" for t in texts).encode("utf-8")
        proc = subprocess.run(args, input=inp, stdout=subprocess.PIPE, check=True)
    return [json.loads(l)["units"] for l in proc.stdout.decode("utf-8").splitlines()]


def features(units):
    # present or not, not counted: a long message that says "me" five times
    # is not five times more of anything
    f = {u: 1 for u in units[1:-1]}
    for a, b in zip(units, units[1:]):
        f[a + " " + b] = 1
    return f


def usable(feature):
    # the judge file's features are one unit or two separated by one space;
    # a unit never holds a space, and these characters would make an
    # error path in judge.json ambiguous
    return not any(c in feature for c in '."[]\\')


def train(X, Y, K, epochs=20, l1=1.0, l2=1.0, alpha=0.5, beta=1.0, seed=1, scale=None):
    """FTRL-proximal per label: the L1 term leaves most weights exactly zero,
    so the file stays small and a message touches few weights.

    Lines with labels in part (K[i] not None) are shuffled apart and spread
    evenly among the others, so the full lines keep the order they have
    without them: a label no partial line states trains exactly as before.
    scale[i], when given, multiplies partial line i's gradient (its file's
    --partial-weight or --partial-light-weight); without it, 1."""
    Z = {l: {} for l in LABELS}
    N = {l: {} for l in LABELS}
    rnd = random.Random(seed)
    rnd_part = random.Random(seed + 1)
    idx = [i for i in range(len(X)) if K[i] is None]
    part = [i for i in range(len(X)) if K[i] is not None]

    def merged():
        k = 0
        for n, i in enumerate(idx, 1):
            yield i
            while k < len(part) and k * len(idx) < n * len(part):
                yield part[k]
                k += 1
        yield from part[k:]

    def weight(z, n):
        if abs(z) <= l1:
            return 0.0
        return -(z - math.copysign(l1, z)) / ((beta + math.sqrt(n)) / alpha + l2)

    for _ in range(epochs):
        rnd.shuffle(idx)
        rnd_part.shuffle(part)
        for i in merged():
            x = dict(X[i])
            x["<bias>"] = 1
            for l in LABELS:
                if K[i] is not None and l not in K[i]:
                    continue  # the line says nothing of this label
                z, n = Z[l], N[l]
                w = {f: weight(z.get(f, 0.0), n.get(f, 0.0)) for f in x}
                s_ = sum(w[f] * c for f, c in x.items())
                p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, s_))))
                g = p - (1.0 if l in Y[i] else 0.0)
                if K[i] is not None and scale is not None:
                    g *= scale[i]
                for f, c in x.items():
                    gf = g * c
                    nf = n.get(f, 0.0)
                    sigma = (math.sqrt(nf + gf * gf) - math.sqrt(nf)) / alpha
                    z[f] = z.get(f, 0.0) + gf - sigma * w[f]
                    n[f] = nf + gf * gf
    W = {l: {} for l in LABELS}
    B = {}
    for l in LABELS:
        for f in Z[l]:
            w = weight(Z[l][f], N[l][f])
            if f == "<bias>":
                B[l] = w
            elif w != 0.0:
                W[l][f] = w
        B.setdefault(l, 0.0)
    return W, B


def prune(model, min_weight):
    W, B = model
    return {l: {f: w for f, w in W[l].items() if abs(w) >= min_weight} for l in W}, B


def predict(model, x):
    W, B = model
    out = {}
    for l in LABELS:
        z = B[l] + sum(W[l].get(f, 0.0) * c for f, c in x.items())
        out[l] = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    return out


def vocabulary(X, min_count=2):
    seen = {}
    for x in X:
        for f in x:
            seen[f] = seen.get(f, 0) + 1
    return {f for f, n in seen.items() if n >= min_count and usable(f)}


def restrict(X, vocab):
    return [{f: c for f, c in x.items() if f in vocab} for x in X]


def restrict_lines(X, K):
    """A full line keeps the features seen twice in full lines, a partial one
    those seen twice in all: the full lines train on what they did without
    the partial ones, which still bring their own words."""
    full = vocabulary([x for x, k in zip(X, K) if k is None])
    every = vocabulary(X) if any(k is not None for k in K) else full
    return [restrict([x], full if k is None else every)[0] for x, k in zip(X, K)]


def macro_f1(Y, P):
    f1s = []
    for l in LABELS + ["neutral"]:
        tp = sum(1 for y, p in zip(Y, P) if l in (y or {"neutral"}) and l in (p or {"neutral"}))
        fp = sum(1 for y, p in zip(Y, P) if l not in (y or {"neutral"}) and l in (p or {"neutral"}))
        fn = sum(1 for y, p in zip(Y, P) if l in (y or {"neutral"}) and l not in (p or {"neutral"}))
        if tp + fn == 0:
            continue
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn)
        f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    return sum(f1s) / len(f1s)


def label_values(specs, flag, in_range, expected):
    """{label: value} from repeated LABEL=VALUE options, or exit naming the bad one."""
    out = {}
    for spec in specs:
        lab, _, v = spec.partition("=")
        if lab not in LABELS or not v or not in_range(float(v)):
            sys.exit("%s %s: %s" % (flag, spec, expected))
        out[lab] = float(v)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tact")
    ap.add_argument("out")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--label-threshold", action="append", default=[], metavar="LABEL=T",
                    help="a threshold for one label (repeatable), e.g. opt-out=0.8")
    ap.add_argument("--overrule", action="append", default=[], metavar="LABEL=P",
                    help="overrule the shipped cues' LABEL below probability P (repeatable)")
    ap.add_argument("--data-dir")
    ap.add_argument("--l1", type=float, default=1.0, help="L1 strength (higher = sparser)")
    ap.add_argument("--alpha", type=float, default=0.5, help="FTRL learning rate")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--min-weight", type=float, default=0.01,
                    help="drop weights smaller than this (a smaller, faster file)")
    ap.add_argument("--partial", action="append", default=[], metavar="FILE",
                    help="a case file whose lines state only the labels they name (repeatable)")
    ap.add_argument("--partial-weight", type=float, default=1.0, metavar="W",
                    help="scales a --partial line's gradient (above 0)")
    ap.add_argument("--partial-light", action="append", default=[], metavar="FILE",
                    help="a --partial file taught with --partial-light-weight instead (repeatable): "
                         "narrow probe sets that would outweigh the broad ones")
    ap.add_argument("--partial-light-weight", type=float, default=0.25, metavar="W",
                    help="scales a --partial-light line's gradient (above 0)")
    ap.add_argument("--partial-labels", metavar="LABEL,...",
                    help="the only labels a --partial line may teach (default: all it states)")
    ap.add_argument("--cv", action="store_true")
    a = ap.parse_args()
    label_th = label_values(a.label_threshold, "--label-threshold", lambda t: True,
                            "expected LABEL=T with a message label")
    overrule = label_values(a.overrule, "--overrule", lambda p: 0 <= p < 1,
                            "expected LABEL=P with a message label and 0 <= P < 1")

    per_file = [load_cases(f) for f in a.files]
    teach = None
    if a.partial_labels is not None:
        teach = {l for l in a.partial_labels.split(",") if l}
        if not teach or teach - set(LABELS):
            sys.exit("--partial-labels %r: expected message labels separated by commas" % a.partial_labels)
    for flag, w in (("--partial-weight", a.partial_weight), ("--partial-light-weight", a.partial_light_weight)):
        if not (math.isfinite(w) and w > 0):
            sys.exit("%s %g: expected a number above 0" % (flag, w))
    cases = [c for cs in per_file for c in cs] + [c for f in a.partial for c in load_cases(f, True, teach)]
    n_heavy = len(cases)
    cases += [c for f in a.partial_light for c in load_cases(f, True, teach)]
    # a full line's entry is never read
    scale = [a.partial_weight if i < n_heavy else a.partial_light_weight for i in range(len(cases))]
    units = units_of(a.tact, a.data_dir, [t for _, _, t in cases])
    X = [features(u) for u in units]
    Y = [w for w, _, _ in cases]
    K = [k for _, k, _ in cases]

    if a.cv:
        start = 0
        for path, cs in zip(a.files, per_file):
            test = range(start, start + len(cs))
            start += len(cs)
            tr = [i for i in range(len(X)) if i not in test]
            model = prune(train(restrict_lines([X[i] for i in tr], [K[i] for i in tr]), [Y[i] for i in tr], [K[i] for i in tr], l1=a.l1, alpha=a.alpha, epochs=a.epochs, scale=[scale[i] for i in tr]), a.min_weight)
            P = [{l for l, p in predict(model, X[i]).items() if p >= label_th.get(l, a.threshold)} for i in test]
            print("%s: judge alone macro-F1 %.3f (threshold %.2f)" %
                  (path, macro_f1([Y[i] for i in test], P), a.threshold))
        return 0

    W, B = prune(train(restrict_lines(X, K), Y, K, l1=a.l1, alpha=a.alpha, epochs=a.epochs, scale=scale), a.min_weight)
    entries = []
    for l in LABELS:
        entries.append((l, round(B[l], 3)))
        for f in sorted(W[l]):
            entries.append((l + " " + f, round(W[l][f], 3)))
    part_note = ("; labels in part, weight %g%s: %s" % (
                     a.partial_weight, ", only " + ",".join(sorted(teach)) if teach else "",
                     ", ".join(os.path.basename(f) for f in a.partial))
                 if a.partial else "")
    if a.partial_light:
        part_note += "; labels in part, weight %g: %s" % (
            a.partial_light_weight, ", ".join(os.path.basename(f) for f in a.partial_light))
    note = ("Generated by tools/train-judge.py from %d labelled messages (%s%s) with "
            "--l1 %g --alpha %g --epochs %d --min-weight %g%s; retrain rather than edit.  See data/README.md." %
            (len(cases), ", ".join(os.path.basename(f) for f in a.files), part_note,
             a.l1, a.alpha, a.epochs, a.min_weight,
             "".join(" --label-threshold %s=%g" % kv for kv in sorted(label_th.items())) +
             "".join(" --overrule %s=%g" % kv for kv in sorted(overrule.items()))))
    with open(a.out, "w", encoding="utf-8") as f:
        f.write('{\n  "schema": "purple-tact-pack/1",\n  "kind": "judge",\n  "lang": %s,\n'
                '  "_note": %s,\n  "threshold": %s,\n' %
                (json.dumps(a.lang), json.dumps(note), json.dumps(a.threshold)))
        if label_th:
            f.write('  "thresholds": %s,\n' % json.dumps(label_th))
        if overrule:
            f.write('  "overrule": %s,\n' % json.dumps(dict(sorted(overrule.items()))))
        f.write('  "entries": {\n')
        for i, (k, w) in enumerate(entries):
            f.write("    %s: %s%s\n" % (json.dumps(k, ensure_ascii=False), json.dumps(w),
                                        "," if i + 1 < len(entries) else ""))
        f.write("  }\n}\n")
    print("%s: %d weights (%d features), from %d messages" %
          (a.out, len(entries) - len(LABELS), len({k.split(" ", 1)[1] for k, _ in entries if " " in k}),
           len(cases)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
