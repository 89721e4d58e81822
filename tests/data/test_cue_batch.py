#!/usr/bin/env python3
"""Tests tools/cue-batch.py on a copy of the shipped packs: a batch with one
edit of each kind must give exactly the pattern lists it says, change no line
of cues.json outside the cues it touches, and leave packs `tact check-data`
accepts; a batch with a mistake in it must name its line, exit 2 and write
nothing.

usage: test_cue_batch.py CUE_BATCH TACT DATA_DIR
"""
import json
import os
import subprocess
import sys
import tempfile


def run(script, spec_text, src, dst, tmp):
    spec = os.path.join(tmp, "batch.spec")
    with open(spec, "w", encoding="utf-8") as f:
        f.write(spec_text)
    return subprocess.run([sys.executable, script, spec, src, dst], capture_output=True, text=True), spec


def load(data):
    with open(os.path.join(data, "en", "cues.json"), encoding="utf-8") as f:
        text = f.read()
    return text, json.loads(text)["cues"]


def main():
    script, tact, data = sys.argv[1:4]
    failures = []
    src_text, src = load(data)
    # two cues with a few patterns each, neither the first nor the last
    a = next(i for i, c in enumerate(src) if i > 0 and len(c["patterns"]) >= 3)
    b = next(i for i, c in enumerate(src) if i > a + 1 and len(c["patterns"]) >= 3)
    with tempfile.TemporaryDirectory() as tmp:
        dst = os.path.join(tmp, "out")
        r, _ = run(script, "# a comment, then a blank line\n\n"
                           "ADD %d zorblax *2 quuxle\n"
                           "DEL %d 0\n"
                           "MOD %d 1 blimf|zorp\n"
                           "MOV %d 2 %d\n" % (a, a, a, a, b), data, dst, tmp)
        if r.returncode != 0:
            failures.append("a good batch: exit %d (%s)" % (r.returncode, r.stderr.strip()))
        else:
            text, cues = load(dst)
            want_a = ["blimf|zorp"] + src[a]["patterns"][3:] + ["zorblax *2 quuxle"]
            want_b = src[b]["patterns"] + [src[a]["patterns"][2]]
            if cues[a]["patterns"] != want_a:
                failures.append("cue %d: %s, wanted %s" % (a, cues[a]["patterns"][:3], want_a[:3]))
            if cues[b]["patterns"] != want_b:
                failures.append("cue %d does not end with the moved pattern" % b)
            others = [i for i in range(len(src)) if i not in (a, b) and cues[i] != src[i]]
            if others or len(cues) != len(src):
                failures.append("cues the batch does not name changed: %s" % others[:5])
            # every line the batch does not touch is kept as it was: the
            # file keeps its length (one added, one deleted, one moved)
            old_lines, new_lines = src_text.split("\n"), text.split("\n")
            kept = set(new_lines) & set(old_lines)
            if len(new_lines) != len(old_lines) or len(kept) < len(set(old_lines)) - 8:
                failures.append("lines outside the two cues changed: %d lines, was %d"
                                % (len(new_lines), len(old_lines)))
            c = subprocess.run([tact, "check-data", dst], capture_output=True, text=True)
            if c.returncode != 0:
                failures.append("check-data refused the result: %s" % (c.stdout + c.stderr).strip()[-300:])

        # mistakes: each names the spec's line, exits 2, writes nothing
        bad = [("ADD %d zorblax\nADD 99999 zorblax\n" % a, ":2: no cue 99999"),
               ("DEL %d 99999\n" % a, ":1: cue %d has no pattern 99999" % a),
               ("DEL %d 0\nMOD %d 0 zorp\n" % (a, a), ":2: pattern 0 of cue %d is edited already on line 1" % a),
               ("PUT %d zorp\n" % a, ":1: unknown edit 'PUT'"),
               ("MOD %d 1\n" % a, ":1: MOD needs")]
        for k, (spec_text, says) in enumerate(bad):
            out = os.path.join(tmp, "bad%d" % k)
            r, spec = run(script, spec_text, data, out, tmp)
            if r.returncode != 2 or (spec + says) not in r.stderr or os.path.exists(out):
                failures.append("%r: exit %d, %r, wanted exit 2 with %r and nothing written"
                                % (spec_text, r.returncode, r.stderr.strip(), spec + says))
        # an existing destination other than the source is refused
        r, _ = run(script, "ADD %d zorp\n" % a, data, dst, tmp)
        if r.returncode != 2 or "exists" not in r.stderr:
            failures.append("an existing destination: exit %d" % r.returncode)
        # in place: the source directory itself is edited
        r, _ = run(script, "ADD %d zorp\n" % a, dst, dst, tmp)
        if r.returncode != 0 or load(dst)[1][a]["patterns"][-1] != "zorp":
            failures.append("in place: exit %d (%s)" % (r.returncode, r.stderr.strip()))

    for f in failures:
        print("FAIL: " + f)
    if failures:
        sys.exit(1)
    print("ok: one batch of each edit, %d mistakes refused, in place" % len(bad))


if __name__ == "__main__":
    main()
