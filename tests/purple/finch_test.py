#!/usr/bin/python3
"""Finch under tmux with purple-tact: the label line shows on screen after
"is this a bot?", and "/tact followup" typed into the conversation reaches
the lead naming the lead and the rep.

Environment: TACT_PLUGIN_DIR, TACT_TESTS_LIB, TACT_SOURCE_DATA (set by meson).
Exit 0 pass, 1 fail, 77 skip (no finch / tmux / prosody / slixmpp).

SPDX-License-Identifier: GPL-2.0-or-later
"""
import asyncio
import os
import shutil
import sys

sys.path.insert(0, os.environ.get("TACT_TESTS_LIB",
                                  os.path.join(os.path.dirname(__file__), "..", "lib")))
from prosody_fixture import SKIP, Prosody, install_signal_handlers, skip_unless_available  # noqa
from finch_fixture import Finch  # noqa: E402

TIMEOUT = float(os.environ.get("TACT_E2E_TIMEOUT", "60"))


async def scenario(server, finch):
    from xmpp_peer import Peer
    rep_full = server.jid("rep") + "/finch"
    peer = await Peer(server.jid("lead"), "leadpw", server.port).start(TIMEOUT)
    try:
        await peer.wait_reachable(rep_full, TIMEOUT)
        print("ok - Finch signed in", flush=True)
        peer.send(server.jid("rep"), "is this a bot?")
        loop = asyncio.get_running_loop()
        screen = await loop.run_in_executor(
            None, finch.wait_for, r"\[tact\] automation-question", TIMEOUT)
        print("ok - label line visible in Finch:", flush=True)
        print("\n".join("    " + line for line in screen.splitlines() if line.strip()),
              flush=True)
        # Finch does not give a new conversation the focus: cycle windows
        # (M-n) until the typed command shows up in the conversation's entry.
        await loop.run_in_executor(None, finch.type_into, r"(?m)^│/tact followup", "/tact followup",
                                   TIMEOUT)
        finch.keys("Enter")
        body = await peer.expect(r"Sam", TIMEOUT)
        print(f"ok - lead received: {body!r}", flush=True)
        if "Maria" not in body:
            raise AssertionError(f"follow-up does not name the lead: {body!r}")
        print("ok - follow-up names the lead and the rep", flush=True)
    finally:
        await peer.stop()


def main():
    install_signal_handlers()
    for tool in ("finch", "tmux"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not found")
            return SKIP
    if "address" in os.environ.get("TACT_SANITIZE", ""):
        print("SKIP: an ASan-built plugin does not load into an uninstrumented Finch")
        return SKIP
    skip_unless_available()
    plugin = os.path.join(os.environ["TACT_PLUGIN_DIR"], "purple-tact.so")
    env = {"TACT_DATA_DIR": os.environ.get("TACT_SOURCE_DATA", "")}
    try:
        with Prosody({"rep": "reppw", "lead": "leadpw"}) as server:
            finch = Finch(jid=server.jid("rep") + "/finch", password="reppw", port=server.port,
                          plugins=[plugin],
                          prefs={"/plugins/core/purple-tact/agent_name": "Sam",
                                 "/plugins/core/purple-tact/company_name": "Acme"},
                          aliases={server.jid("lead"): "Maria Lopez"},
                          env=env)
            with finch:
                try:
                    asyncio.run(scenario(server, finch))
                except BaseException:
                    print("--- Finch screen at failure ---\n" + finch.capture(), flush=True)
                    raise
    except (AssertionError, TimeoutError, asyncio.TimeoutError) as e:
        print(f"FAIL: {e}", flush=True)
        return 1
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
