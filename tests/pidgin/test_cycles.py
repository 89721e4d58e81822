#!/usr/bin/env python3
"""Load/unload cycles of pidgin-tact with open conversations (issue 4).

A real Pidgin under Xvfb loads the core plugin, pidgin-tact and the test-only
tact-cycler plugin, which opens conversations, feeds the bar crafted views and
unloads/reloads pidgin-tact N times, counting bar widgets and entry handlers
(see tact-cycler.c).  Passes when every check passed, Pidgin printed no GTK
warning and quit cleanly.  The account is on a test Prosody (IM
conversations need a connection); no lead is needed.

Usage: test_cycles.py --core CORE.so --gtk pidgin-tact.so --cycler tact-cycler.so
                      --artifacts DIR [--cycles N]
"""
import argparse
import os
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402
from fixture import Failure, Skip, log  # noqa: E402

DEADLINE = float(os.environ.get("TACT_TEST_DEADLINE", "45"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--core", required=True)
    ap.add_argument("--gtk", required=True)
    ap.add_argument("--cycler", required=True)
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--cycles", type=int, default=20)
    args = ap.parse_args()
    if not os.path.exists(args.core):
        raise Skip("core plugin not built: %s" % args.core)

    os.makedirs(args.artifacts, exist_ok=True)
    fixture.need("Xvfb", "xdotool", "pidgin", "prosody", "xwd", "convert")
    procs = fixture.Procs()
    tmp = fixture.make_tmp(procs, "tact-cycles-")
    # IM conversations need a connected account.
    prosody = fixture.Prosody(procs, {"rep": "reppw"})
    xvfb = fixture.Xvfb(procs)
    os.environ["TACT_CYCLES"] = str(args.cycles)
    pidgin_log = os.path.join(args.artifacts, "pidgin-cycles.log")
    pidgin = fixture.Pidgin(procs, xvfb, tmp, [args.core, args.gtk, args.cycler],
                            port=prosody.port, log_path=pidgin_log)
    try:
        pidgin.log.wait(r"cycler: started", DEADLINE, what="the cycler plugin to load")
        # Each cycle takes two 100 ms ticks plus the GTK work; scale the deadline.
        _, m = pidgin.log.wait(r"cycler: done cycles=(\d+) failures=(\d+)",
                               DEADLINE + args.cycles * 2, what="the cycles to finish")
        xvfb.screenshot(os.path.join(args.artifacts, "pidgin-cycles.png"))
        fails = pidgin.log.grep(r"cycler: FAIL")
        oks = pidgin.log.grep(r"cycler: ok")
        log("%d checks passed, %d failed" % (len(oks), len(fails)))
        if fails or m.group(2) != "0":
            raise Failure("cycler checks failed:\n  " + "\n  ".join(fails))
        if int(m.group(1)) != args.cycles:
            raise Failure("ran %s cycles, expected %d" % (m.group(1), args.cycles))

        # Quit Pidgin: the final unload (with a Block confirmation open) must be clean.
        start = pidgin.log.mark()
        os.killpg(pidgin.proc.pid, signal.SIGTERM)
        pidgin.log.wait(r"tact-gtk: unloaded: \d+ bars removed, 0 left", DEADLINE, start,
                        "pidgin-tact to unload at quit")
        try:
            rc = pidgin.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            raise Failure("pidgin did not quit")
        if rc != 0:
            raise Failure("pidgin exited with %d" % rc)
        pidgin.log.thread.join(DEADLINE)
        problems = pidgin.gtk_problems()
        if problems:
            raise Failure("GTK/GLib warnings in pidgin -d output:\n  " + "\n  ".join(problems))
        log("PASS")
        return 0
    except Failure:
        log("pidgin log: %s" % pidgin_log)
        raise


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Skip as e:
        log("SKIP: %s" % e)
        sys.exit(fixture.SKIP)
    except Failure as e:
        log("FAIL: %s" % e)
        sys.exit(1)
