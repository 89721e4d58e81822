"""Running `tact classify` from the tools in tools/, with or without the judge,
and reading the labelled sets they run it over.

The engine's own way of switching the judge off is a user pack whose
judge.json never asserts anything (data/README.md, `threshold` 1); the
tools that weigh a change to the cues ask with it and without it.
"""
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import subprocess
import sys


def judge_off(user_dir, lang="en"):
    """Writes USER_DIR/LANG/judge.json, a judge that never asserts a label,
    and returns USER_DIR, to be given as `--user-data`."""
    os.makedirs(os.path.join(user_dir, lang), exist_ok=True)
    with open(os.path.join(user_dir, lang, "judge.json"), "w", encoding="utf-8") as f:
        json.dump({"schema": "purple-tact-pack/1", "kind": "judge", "lang": lang,
                   "threshold": 1, "entries": {}}, f)
    return user_dir


def classify_labels(tool, tact, data_dir, texts, user_data=None):
    """The set of label ids the engine gives each of TEXTS, in order, with
    the packs of DATA_DIR compiled afresh. On an engine error, or an answer
    count that does not match, says so under TOOL's name and exits 2."""
    cmd = [tact, "classify", "--jsonl", "--no-cache", "-q", "--data-dir", data_dir]
    if user_data:
        cmd += ["--user-data", user_data]
    feed = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    r = subprocess.run(cmd, input=feed, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("%s: %s failed: %s" % (tool, " ".join(cmd), r.stderr))
        sys.exit(2)
    out = r.stdout.splitlines()
    if len(out) != len(texts):
        sys.stderr.write("%s: %d answers for %d lines\n" % (tool, len(out), len(texts)))
        sys.exit(2)
    return [{x["id"] for x in json.loads(line)["labels"]} for line in out]


def labelled_lines(path):
    """Yields (line number, LABELS, MESSAGE) for each "LABELS<TAB>MESSAGE"
    line of the case file PATH (the format of tests/data), skipping blank
    lines, "#" comments and lines without a tab."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#") or "\t" not in line:
                continue
            labels, text = line.split("\t", 1)
            yield n, labels, text
