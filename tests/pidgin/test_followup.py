#!/usr/bin/env python3
"""End-to-end: the Pidgin bar and the follow-up shortcut (issue 4).

A real Pidgin under Xvfb with the core plugin and pidgin-tact loaded, an XMPP
account on a test Prosody, a scripted lead (slixmpp) that asks "Is this an
automated message?".  Checks the bar is shown (pidgin-tact's debug output),
presses Ctrl+Shift+F in the conversation window through xdotool and asserts the
lead receives the personalised follow-up (names the rep, "Sam").  Saves
screenshots into --artifacts.  Exit 77 (skip) when a tool is missing.

Usage: test_followup.py --core CORE.so --gtk pidgin-tact.so --artifacts DIR
"""
import argparse
import os
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
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--screenshot-copy", default=None,
                    help="also copy the bar screenshot here (README image)")
    args = ap.parse_args()
    if not os.path.exists(args.core):
        raise Skip("core plugin not built: %s" % args.core)

    os.makedirs(args.artifacts, exist_ok=True)
    procs = fixture.Procs()
    tmp = fixture.make_tmp(procs, "tact-pidgin-")

    fixture.need("Xvfb", "xdotool", "pidgin", "prosody", "xwd", "convert")
    prosody = fixture.Prosody(procs, {"rep": "reppw", "lead": "leadpw"})
    xvfb = fixture.Xvfb(procs)
    pidgin_log = os.path.join(args.artifacts, "pidgin-followup.log")
    pidgin = fixture.Pidgin(procs, xvfb, tmp, [args.core, args.gtk], port=prosody.port,
                            log_path=pidgin_log)

    try:
        pidgin.log.wait(r"tact-gtk: loaded: ", DEADLINE, what="pidgin-tact to load")
        # The rep is available once the server echoes its initial presence.
        pidgin.log.wait(r"jabber: Recv \(\d+\): <presence [^>]*from='rep@localhost/pidgin'",
                        DEADLINE, what="the rep to be online")

        start = pidgin.log.mark()
        # The lead asks, then waits for an answer that names the rep.
        lead = fixture.Lead(procs, "lead@localhost", "leadpw", prosody.port,
                            ["reachable:rep@localhost/pidgin",
                             "send:rep@localhost:Is this an automated message?",
                             "expect:Sam"], timeout=4 * DEADLINE)
        lead.wait_event("online", DEADLINE, "the lead to sign in")
        _, m = pidgin.log.wait(r"tact-gtk: bar shown: primary=(\S+) chips=(\d+) buttons=(\d+)",
                               DEADLINE, start, "the bar to be shown")
        log("bar: " + m.group(0))
        if m.group(1) != "automation-question":
            raise Failure("unexpected primary label: %s" % m.group(1))
        if "followup=1" not in pidgin.log.lines[_]:
            raise Failure("the bar offers no follow-up: %s" % pidgin.log.lines[_])

        # The conversation window: the one whose title names the lead.
        def conv_window():
            rc, out = xvfb.xdotool("search", "--onlyvisible", "--name", "lead@localhost")
            return out.split()[0] if rc == 0 and out else None
        wid = fixture.wait_for(conv_window, DEADLINE, "the conversation window")
        xvfb.xdotool("windowmove", "--sync", wid, "0", "0")
        xvfb.xdotool("windowsize", "--sync", wid, "900", "560")
        # Keep the buddy list out of the way (no window manager: windows stack at 0,0).
        rc, blist = xvfb.xdotool("search", "--onlyvisible", "--name", "Buddy List")
        for w in blist.split():
            xvfb.xdotool("windowmove", w, "920", "0")
        xvfb.xdotool("windowraise", wid)
        rc, _out = xvfb.xdotool("windowfocus", "--sync", wid)
        if rc != 0:
            raise Failure("could not focus the conversation window")

        def press(keys, expect, what):
            """Type keys into the focused window (XTEST); if pidgin-tact did not
            see them, send them to the window (XSendEvent) instead."""
            start = pidgin.log.mark()
            rc, _out = xvfb.xdotool("key", "--clearmodifiers", keys)
            if rc != 0:
                raise Failure("xdotool key %s failed" % keys)
            try:
                return pidgin.log.wait(expect, 5, start, what)
            except Failure:
                log("%s: XTEST key not seen, sending it to the window" % keys)
                xvfb.xdotool("windowfocus", "--sync", wid)
                xvfb.xdotool("key", "--clearmodifiers", "--window", wid, keys)
                return pidgin.log.wait(expect, DEADLINE, start, what)

        # Alt+1 puts suggestion 1 into the entry (Pidgin's own Alt+1 is tab switching).
        press("alt+1", r"tact-gtk: suggestion 1 put into the entry", "Alt+1 to fill the entry")

        # The screenshot of the bar.  Painting is asynchronous: a round trip
        # through the X server (xdotool getwindowfocus) orders it after the
        # expose of the entry change.
        xvfb.xdotool("getwindowfocus")
        shot = os.path.join(args.artifacts, "pidgin-bar.png")
        xvfb.screenshot(shot)

        # Ctrl+Shift+F sends the follow-up.
        press("ctrl+shift+f", r"tact-gtk: send follow-up \(Ctrl\+Shift\+F\)",
              "Ctrl+Shift+F to reach pidgin-tact")

        ev = lead.wait_event("received", DEADLINE, "the follow-up naming Sam to arrive")
        body = ev["body"]
        log("lead received: %r" % body)
        if "Sam" not in body:
            raise Failure("the follow-up does not name the rep (Sam): %r" % body)
        if "{" in body:
            raise Failure("the follow-up has an unfilled placeholder: %r" % body)

        xvfb.screenshot(os.path.join(args.artifacts, "pidgin-after-followup.png"))
        if args.screenshot_copy:
            import shutil
            shutil.copy(shot, args.screenshot_copy)

        problems = pidgin.gtk_problems()
        if problems:
            raise Failure("GTK/GLib warnings in pidgin -d output:\n  " + "\n  ".join(problems))
        log("PASS")
        return 0
    except Failure:
        log("pidgin log: %s" % pidgin_log)
        try:
            xvfb.screenshot(os.path.join(args.artifacts, "pidgin-failure.png"))
        except Exception as e:  # noqa: BLE001
            log("no failure screenshot: %s" % e)
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
