#!/usr/bin/env python3
"""Tests of the `tact` command line.

usage: test_cli.py TACT DATA_DIR {classify|usage|check-data}
  classify    one output line per input line, in order; --jsonl with a bad
              line gives an {"error": …} object there and exit code 1
  usage       --help exits 0, an unknown command exits 2, and so does a
              --data-dir or --user-data that is not a directory
  check-data  DATA_DIR passes; a corrupted copy fails with exit code 3 and
              a file:line:col message
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def run(tact, args, inp=None):
    p = subprocess.run([tact] + args, input=inp.encode("utf-8") if inp is not None else None,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def test_classify(tact):
    msgs = ["stop messaging me", "is this a bot?", "ok", "", "thanks, love it!",
            "caf\u00e9 \U0001F600 \u202e", "how much does it cost?"]
    rc, out, err = run(tact, ["classify"], "\n".join(msgs) + "\n")
    check(rc == 0, "classify exit 0 (got %d: %s)" % (rc, err))
    lines = out.splitlines()
    check(len(lines) == len(msgs), "classify: %d lines for %d inputs" % (len(lines), len(msgs)))
    objs = [json.loads(l) for l in lines]
    for o in objs:
        check(set(o) >= {"lang", "polarity", "primary", "labels"}, "classify keys: %s" % o)
    if len(objs) == len(msgs):
        check(objs[0]["primary"] == "opt-out", "line 1 is the opt-out")
        check(objs[1]["primary"] == "automation-question", "line 2 is the bot question")
        check(objs[2]["primary"] == "neutral" and objs[2]["labels"] == [], "line 3 is neutral")
        check(objs[3]["primary"] == "neutral", "an empty line is neutral")
    # no trailing newline, CRLF
    rc, out, _ = run(tact, ["classify"], "is this a bot?\r\nstop messaging me")
    ls = out.splitlines()
    check(rc == 0 and len(ls) == 2 and json.loads(ls[1])["primary"] == "opt-out",
          "CRLF and a last line without newline")

    # --jsonl: a bad line in the middle yields an error object in its place
    inp = (json.dumps({"text": "is this a bot?", "alias": "Maria"}) + "\n" +
           "{not json\n" +
           json.dumps({"from": "x"}) + "\n" +
           json.dumps({"text": "stop messaging me"}) + "\n")
    rc, out, err = run(tact, ["classify", "--jsonl"], inp)
    check(rc == 1, "classify --jsonl with bad lines exits 1 (got %d)" % rc)
    ls = out.splitlines()
    check(len(ls) == 4, "--jsonl: 4 output lines (got %d)" % len(ls))
    if len(ls) == 4:
        o = [json.loads(l) for l in ls]
        check(o[0].get("primary") == "automation-question", "--jsonl line 1")
        check(set(o[1]) == {"error"} and isinstance(o[1]["error"], str), "--jsonl line 2 is an error object")
        check(":2" in o[1]["error"], "the error names line 2: %s" % o[1].get("error"))
        check(set(o[2]) == {"error"}, "--jsonl line 3 (no text) is an error object")
        check(o[3].get("primary") == "opt-out", "--jsonl line 4 after the errors")
    check(err.strip() != "", "errors are reported on stderr")

    # the input file argument and a missing file
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "in.txt")
        with open(f, "w", encoding="utf-8") as fh:
            fh.write("is this a bot?\nok\n")
        rc, out, _ = run(tact, ["classify", f])
        check(rc == 0 and len(out.splitlines()) == 2, "classify FILE")
        rc, out, err = run(tact, ["classify", os.path.join(d, "missing.txt")])
        check(rc != 0 and "missing.txt" in err, "classify MISSING exits non-zero naming the file")

    # invalid UTF-8 and a 1 MB line
    p = subprocess.run([tact, "classify"], input=b"stop \xff\xfe messaging me\n" + b"a" * (1 << 20) + b"\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ls = p.stdout.decode("utf-8").splitlines()
    check(p.returncode == 0 and len(ls) == 2, "invalid UTF-8 and 1 MB lines")
    if len(ls) == 2:
        check(json.loads(ls[1]).get("truncated") is True, "the 1 MB line is marked truncated")

    # suggest: personalised, with the follow-up for a bot question
    rc, out, _ = run(tact, ["suggest", "--agent", "Sam", "--company", "Acme", "--name", "Maria Lopez"],
                     "is this a bot?\nstop messaging me\n")
    ls = [json.loads(l) for l in out.splitlines()]
    check(rc == 0 and len(ls) == 2, "suggest: 2 lines")
    if len(ls) == 2:
        check(len(ls[0]["suggestions"]) == 3, "suggest: 3 suggestions")
        check("Sam" in ls[0].get("followup", "") and "Acme" in ls[0].get("followup", ""),
              "suggest: the follow-up names agent and company")
        check("followup" not in ls[1], "suggest: no follow-up for an opt-out")
        check(all(s["id"].startswith("opt-out.") for s in ls[1]["suggestions"]),
              "suggest: only opt-out confirmations for an opt-out")
        for l in ls:
            for s in l["suggestions"]:
                check("{" not in s["text"] and "}" not in s["text"], "no braces: " + s["text"])


def test_usage(tact):
    rc, out, _ = run(tact, ["--help"])
    check(rc == 0 and "classify" in out, "--help exits 0 and lists the commands (got %d)" % rc)
    for cmd in ("classify", "suggest", "check-data"):
        rc, out, _ = run(tact, [cmd, "--help"])
        check(rc == 0, "%s --help exits 0 (got %d)" % (cmd, rc))
    rc, _, err = run(tact, ["frobnicate"])
    check(rc == 2, "an unknown command exits 2 (got %d)" % rc)
    check("frobnicate" in err, "the unknown command is named on stderr")
    rc, _, _ = run(tact, ["classify", "--no-such-option"])
    check(rc == 2, "an unknown option exits 2 (got %d)" % rc)
    rc, _, _ = run(tact, [])
    check(rc == 2, "no command exits 2 (got %d)" % rc)
    # a mistyped pack directory is an error, not a silent fallback to the built-in packs
    for opt in ("--data-dir", "--user-data"):
        rc, out, err = run(tact, ["classify", opt, "/nonexistent/tact-packs"], "unsubscribe me\n")
        check(rc == 2 and out == "", "classify %s with a missing directory exits 2 and prints no answer (got %d)" % (opt, rc))
        check(opt in err and "/nonexistent/tact-packs" in err, "the option and the directory are named on stderr: " + err.strip())


def test_check_data(tact, data_dir):
    rc, out, err = run(tact, ["check-data", data_dir])
    check(rc == 0, "check-data %s passes (got %d: %s)" % (data_dir, rc, err))
    with tempfile.TemporaryDirectory() as d:
        copy = os.path.join(d, "data")
        shutil.copytree(data_dir, copy)
        path = os.path.join(copy, "en", "cues.json")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        # misspell the first cue's label key (the key, not a class word
        # "label": the artefact class lists it since round forty-one)
        i = re.search(r'"label"\s*:', text).start()
        bad = text[:i] + '"lable"' + text[i + 7:]
        line = text.count("\n", 0, i) + 1
        col = i - (text.rfind("\n", 0, i) + 1) + 1
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(bad)
        rc, out, err = run(tact, ["check-data", copy])
        check(rc == 3, "a corrupted copy exits 3 (got %d)" % rc)
        want = "%s:%d:%d:" % (path, line, col)
        check(want in err, "the error names %s (got %s)" % (want, err.strip()))
        check("lable" in err, "the error names the bad key")
        # a syntax error
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text[:200] + "\n,,,\n" + text[200:])
        rc, out, err = run(tact, ["check-data", copy])
        check(rc == 3 and re.search(re.escape(path) + r":\d+:\d+: ", err) is not None,
              "a syntax error exits 3 with file:line:col (got %d: %s)" % (rc, err.strip()))
    rc, _, _ = run(tact, ["check-data", "/nonexistent/tact-data"])
    check(rc not in (0, 3), "a missing directory is not reported as valid or as bad data (got %d)" % rc)


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    tact, data_dir, mode = sys.argv[1:]
    {"classify": lambda: test_classify(tact), "usage": lambda: test_usage(tact),
     "check-data": lambda: test_check_data(tact, data_dir)}[mode]()
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
