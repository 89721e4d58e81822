#!/usr/bin/env python3
"""Tests tools/judge-ablation.py end to end on a few lines: it trains the
judge alone with train-judge.py's own functions, so a change to those (a
field added to a case, an argument to train()) must not leave it broken;
and each variant prints a score over the held-out lines, above zero.

usage: test_judge_ablation.py JUDGE_ABLATION TACT DATA_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

TRAIN = """opt-out\tstop texting me please
opt-out\tplease stop texting me now
opt-out\tstop texting me, thanks
opt-out\tunsubscribe me from this list
opt-out\tremove me from your list please
praise\tlove it, great service
praise\tgreat service, love the team
question\twhat time do you open tomorrow?
question\twhat time is the delivery tomorrow?
neutral\tok see you then
neutral\tsounds good see you tomorrow
"""
TEST = """opt-out\tstop texting me
praise\tgreat service
neutral\tok see you
"""
LINE = re.compile(r"^(base|class|num) +judge alone, macro-F1 ([0-9.]+) on 3 held-out messages \((\d+) weights\)$")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    script, tact, data = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        tr, te = os.path.join(tmp, "train.tsv"), os.path.join(tmp, "test.tsv")
        for path, text in ((tr, TRAIN), (te, TEST)):
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        r = subprocess.run([sys.executable, script, tact, "--train", tr, "--test", te, "--data-dir", data,
                            "--epochs", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    failures = []
    if r.returncode != 0:
        failures.append("exit %d: %s" % (r.returncode, r.stderr.decode()[-500:]))
    lines = r.stdout.decode().splitlines()
    got = [LINE.match(l) for l in lines]
    if [m.group(1) if m else l for m, l in zip(got, lines)] != ["base", "class", "num"]:
        failures.append("expected one line for each of base, class, num; got %r" % lines)
    for m in got:
        if m and (float(m.group(2)) <= 0 or int(m.group(3)) == 0):
            failures.append("%s learnt nothing: macro-F1 %s with %s weights" % m.group(1, 2, 3))
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok: " + "; ".join(lines))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
