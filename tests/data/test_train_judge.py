#!/usr/bin/env python3
"""Tests tools/train-judge.py's training on labels in part (--partial): a
line of such a file teaches only the labels it names, so every label no
partial line names trains exactly as without the file, and a named one
learns from it.

usage: test_train_judge.py TRAIN_JUDGE TACT DATA_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

# full lines: every label they do not name is false
FULL = """opt-out\tstop texting me please
opt-out\tplease stop texting me now
opt-out\tunsubscribe me from this list
opt-out\tremove me from your list please
praise\tlove it, great service
praise\tgreat service, love the team
praise\tyou folks are great
question\twhat time do you open tomorrow?
question\twhat time is the delivery tomorrow?
neutral\tok see you then
neutral\tok thanks see you
neutral\tsounds good see you tomorrow
"""
# partial lines: each states opt-out ("leave me be" is new to the full
# lines, and "great service" would teach praise false if these were full);
# the questions name no opt-out and so, by run_cues.py's rule, are none;
# the last two say only what they are not
PARTIAL = """opt-out\tgreat service but leave me be from now on
opt-out\tleave me be, great service though
opt-out\tjust leave me be
!opt-out\tgreat service, stop the renewal though
!opt-out\tplease stop the renewal
question\twhat are your hours? stop texting me them
question\tcan you text me your hours?
!resolved\tstill waiting on the refund
!resolved\tthe refund is still pending
"""
UNTAUGHT = ("abusive", "our-mistake", "needs-expert", "automation-question", "annoyed-by-automation",
            "confused", "not-a-fit", "interested", "feedback", "praise")


def run(script, tact, data, out, files, partial, extra=()):
    cmd = [sys.executable, script, tact, out, *files, "--data-dir", data,
           "--l1", "0.1", "--min-weight", "0", "--epochs", "10", *extra]
    for p in partial:
        cmd += ["--partial", p]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def train(script, tact, data, out, files, partial, extra=()):
    r = run(script, tact, data, out, files, partial, extra)
    if r.returncode != 0:
        sys.exit("train-judge.py failed: %s" % r.stderr.decode())
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def by_label(entries, label):
    return {k: v for k, v in entries.items() if k == label or k.startswith(label + " ")}


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    script, tact, data = sys.argv[1:]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        full, part = os.path.join(tmp, "full.tsv"), os.path.join(tmp, "part.tsv")
        with open(full, "w", encoding="utf-8") as f:
            f.write(FULL)
        with open(part, "w", encoding="utf-8") as f:
            f.write(PARTIAL)
        a = train(script, tact, data, os.path.join(tmp, "a.json"), [full], [])["entries"]
        b_json = train(script, tact, data, os.path.join(tmp, "b.json"), [full], [part])
        b = b_json["entries"]
        for label in UNTAUGHT:
            if by_label(a, label) != by_label(b, label):
                failures.append("%s, which no partial line names, trained differently with them" % label)
        # half weight: the same invariant, and a weaker pull on what they teach
        h = train(script, tact, data, os.path.join(tmp, "h.json"), [full], [part],
                  ["--partial-weight", "0.5"])["entries"]
        for label in UNTAUGHT:
            if by_label(a, label) != by_label(h, label):
                failures.append("--partial-weight 0.5: %s, which no partial line names, changed" % label)
        if not 0 < h.get("opt-out be", 0) < b.get("opt-out be", 0):
            failures.append("--partial-weight 0.5: 'be' has opt-out weight %r, at full weight %r"
                            % (h.get("opt-out be"), b.get("opt-out be")))
        if b.get("resolved refund", 0) >= 0:
            failures.append("'refund', only in partial lines marked !resolved, has resolved weight %r"
                            % b.get("resolved refund"))
        if by_label(a, "opt-out") == by_label(b, "opt-out"):
            failures.append("opt-out learnt nothing from the partial lines")
        if b.get("opt-out be", 0) <= 0 or "opt-out be" in a:
            failures.append("'be', only in partial opt-outs, has opt-out weight %r (without them %r)"
                            % (b.get("opt-out be"), a.get("opt-out be")))
        if b.get("opt-out renewal", 0) >= 0:
            failures.append("'renewal', only in partial non-opt-outs, has opt-out weight %r"
                            % b.get("opt-out renewal"))
        if b.get("opt-out hours", 0) >= 0:
            failures.append("'hours', only in partial questions that do not name opt-out, has opt-out "
                            "weight %r: an unnamed opt-out must be learnt as false" % b.get("opt-out hours"))
        if by_label(a, "question") == by_label(b, "question"):
            failures.append("question learnt nothing from the partial lines that name it")
        # --partial-labels opt-out: the partial questions teach opt-out only
        c = train(script, tact, data, os.path.join(tmp, "c.json"), [full], [part],
                  ["--partial-labels", "opt-out"])["entries"]
        if by_label(c, "question") != by_label(a, "question"):
            failures.append("--partial-labels opt-out: question still learnt from the partial lines")
        if by_label(c, "opt-out") != by_label(b, "opt-out"):
            failures.append("--partial-labels opt-out: opt-out did not learn what it did without it")
        # --partial-light: the same file at the same weight trains the same
        # judge as --partial (it comes last either way); at a lower weight
        # it pulls less, and the untaught labels stay as they were
        same = train(script, tact, data, os.path.join(tmp, "l1.json"), [full], [],
                     ["--partial-light", part, "--partial-light-weight", "1"])
        if same["entries"] != b:
            failures.append("--partial-light at weight 1 trained another judge than --partial")
        if "part.tsv" not in same["_note"]:
            failures.append("the _note does not name the --partial-light file: %s" % same["_note"])
        light = train(script, tact, data, os.path.join(tmp, "l2.json"), [full], [],
                      ["--partial-light", part, "--partial-light-weight", "0.5"])["entries"]
        if light != h:
            failures.append("--partial-light-weight 0.5 trained another judge than --partial-weight 0.5")
        for label in UNTAUGHT:
            if by_label(a, label) != by_label(light, label):
                failures.append("--partial-light: %s, which no partial line names, changed" % label)
        for w in ("0", "nan"):
            if run(script, tact, data, os.path.join(tmp, "x.json"), [full], [],
                   ["--partial-light", part, "--partial-light-weight", w]).returncode == 0:
                failures.append("--partial-light-weight %s was accepted" % w)
        bad = os.path.join(tmp, "bad.tsv")
        for labels in ("!neutral", "!nonsense", "opt-out,bogus"):
            with open(bad, "w", encoding="utf-8") as f:
                f.write("%s\tstop texting me\n" % labels)
            if run(script, tact, data, os.path.join(tmp, "x.json"), [full], [bad]).returncode == 0:
                failures.append("a partial line labelled %r was accepted" % labels)
        if "part.tsv" not in b_json["_note"]:
            failures.append("the _note does not name the partial file: %s" % b_json["_note"])
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok: labels no partial line names are unchanged; opt-out learnt from them")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
