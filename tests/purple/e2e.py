#!/usr/bin/python3
"""End-to-end scenarios: the headless libpurple client (tact-client, the
rep, with purple-tact loaded from the build tree) against a scripted
slixmpp lead, both on a real Prosody on loopback.

    e2e.py labels | followup | use-suggestion | optout-restart | alias-escape | corrupt-state
           | fifo-state

Environment (set by tests/purple/meson.build):
    TACT_CLIENT      path of the tact-client executable
    TACT_PLUGIN_DIR  directory holding purple-tact.so
    TACT_TESTS_LIB   tests/lib (Prosody fixture, slixmpp peer)
Exit 0 = pass, 1 = fail, 77 = skipped (no prosody / slixmpp).

SPDX-License-Identifier: GPL-2.0-or-later
"""
import asyncio
import html
import json
import os
import re
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.environ.get("TACT_TESTS_LIB",
                                  os.path.join(os.path.dirname(__file__), "..", "lib")))
from prosody_fixture import Prosody, install_signal_handlers, skip_unless_available  # noqa: E402

TIMEOUT = float(os.environ.get("TACT_E2E_TIMEOUT", "60"))
REP, LEAD = "rep", "lead"
PASSWORDS = {REP: "reppw", LEAD: "leadpw"}


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"ok - {what}", flush=True)


class RepClient:
    """The tact-client process: JSON commands in, JSON events out."""

    def __init__(self, user_dir, server):
        self.user_dir = user_dir
        self.server = server
        self.events = []
        self.cursor = 0
        self.proc = None
        self._changed = asyncio.Condition()

    async def start(self):
        args = [os.environ["TACT_CLIENT"], "--user-dir", self.user_dir,
                "--plugin-dir", os.environ["TACT_PLUGIN_DIR"]]
        if os.environ.get("TACT_CLIENT_DEBUG"):
            args.append("--debug")
        # an event carries a whole message: lines far over asyncio's 64 KiB
        self.proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024)
        self._reader = asyncio.create_task(self._read())
        await self.wait(lambda e: e["ev"] == "ready", "client ready")
        return self

    async def _read(self):
        while True:
            try:
                line = await self.proc.stdout.readline()
            except ValueError as e:
                # a line over the limit: say so, rather than leave every
                # wait to its deadline
                print(f"reader: {e}", flush=True)
                break
            if not line:
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if os.environ.get("TACT_E2E_VERBOSE"):
                print("  <", line.decode().rstrip(), flush=True)
            async with self._changed:
                self.events.append(event)
                self._changed.notify_all()
        async with self._changed:
            self.events.append({"ev": "exit"})
            self._changed.notify_all()

    async def wait(self, pred, what, timeout=TIMEOUT, from_start=False):
        """The first event (after the cursor) matching pred; moves the cursor past it."""
        index = 0 if from_start else self.cursor

        def find():
            for i in range(index, len(self.events)):
                if pred(self.events[i]):
                    return i
                if self.events[i]["ev"] == "exit":
                    raise Failure(f"client exited while waiting for {what}")
            return None

        async def waiter():
            async with self._changed:
                while (i := find()) is None:
                    await self._changed.wait()
                return i
        try:
            i = await asyncio.wait_for(waiter(), timeout)
        except asyncio.TimeoutError:
            raise Failure(f"timed out after {timeout}s waiting for {what}; events: "
                          f"{self.events[index:][-15:]}")
        self.cursor = i + 1
        return self.events[i]

    async def cmd(self, **command):
        mark = len(self.events)
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        await self.proc.stdin.drain()
        self.cursor = mark
        event = await self.wait(lambda e: e["ev"] in ("ok", "error") and
                                e.get("cmd") == command["cmd"], f"reply to {command['cmd']}")
        if event["ev"] == "error":
            raise Failure(f"command {command} failed: {event['message']}")
        self.cursor = mark  # events emitted while the command ran stay visible
        return event

    async def login(self):
        await self.cmd(cmd="login", jid=self.server.jid(REP) + "/tests",
                       password=PASSWORDS[REP], port=self.server.port)
        await self.wait(lambda e: e["ev"] in ("signed-on", "connection-error"), "sign-on")
        if self.events[self.cursor - 1]["ev"] != "signed-on":
            raise Failure(f"sign-on failed: {self.events[self.cursor - 1]}")

    async def setup(self, agent="Sam", company="Acme", product="Pipeline"):
        await self.cmd(cmd="load")
        for key, value in (("agent_name", agent), ("company_name", company),
                           ("product", product)):
            await self.cmd(cmd="pref", path=f"/plugins/core/purple-tact/{key}", string=value)
        await self.login()

    async def tact(self, line, who):
        """Runs /line in the conversation with who; events it caused stay visible."""
        mark = len(self.events)
        await self.cmd(cmd="command", who=who, line=line)
        event = await self.wait(lambda e: e["ev"] == "command", f"/{line}")
        self.cursor = mark
        return event

    async def quit(self):
        if self.proc is None:
            return
        if self.proc.returncode is None:
            try:
                self.proc.stdin.write(b'{"cmd":"quit"}\n')
                await self.proc.stdin.drain()
                await asyncio.wait_for(self.proc.wait(), 30)
            except (asyncio.TimeoutError, ConnectionError):
                self.proc.kill()
                await self.proc.wait()
        self._reader.cancel()

    async def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        self._reader.cancel()


def is_line(e, pattern):
    return (e["ev"] == "write" and e["system"] and e["msg"].startswith("[tact]")
            and re.search(pattern, e["msg"]) is not None)


async def lead_says(peer, client, rep_jid, text, label):
    """The lead sends text; returns (analyzed view, inline line) for it."""
    mark = len(client.events)
    peer.send(rep_jid, text)
    client.cursor = mark
    analyzed = await client.wait(lambda e: e["ev"] == "analyzed", f"analysis of {text!r}")
    view = analyzed["view"]
    ids = [label["id"] for label in view["labels"]]
    check(label in ids, f"{text!r} labelled {label} (labels {ids})")
    client.cursor = mark
    line = await client.wait(lambda e: is_line(e, re.escape(label)), f"inline line for {text!r}")
    return view, line["msg"]


# ---- scenarios ------------------------------------------------------------

async def scenario_labels(server, peer, client, rep):
    view, line = await lead_says(peer, client, rep, "is this spam?", "automation-question")
    check(line.startswith("[tact] automation-question"), f"primary label first: {line[:60]!r}")
    check("1) " in line and "/tact use N" in line, "numbered suggestions in the line")
    check("&lt;" not in line or "<" not in line.replace("<br>", ""), "line is escaped text")
    view, line = await lead_says(peer, client, rep, "stop messaging me", "opt-out")
    check(view["primary"] == "opt-out", "opt-out is primary")
    check(view["opted_out"], "contact put on the do-not-contact list")
    check(view["followup"] is None, "no automation follow-up offered after an opt-out")
    # The bare command shows the analysis again, suggestions in full.
    await client.tact("tact", LEAD_JID)
    full = await client.wait(lambda e: is_line(e, "opt-out"), "/tact shows the analysis again")
    first = view["suggestions"][0]["text"]
    check(html.escape(first, quote=False).replace("'", "&apos;") in full["msg"]
          or first in html.unescape(full["msg"]), "/tact shows suggestion 1 in full")


async def scenario_followup(server, peer, client, rep):
    await client.cmd(cmd="alias", who=LEAD_JID, alias="Maria Lopez")
    view, line = await lead_says(peer, client, rep, "is this a bot?", "automation-question")
    followup = view["followup"]
    check(followup is not None, "follow-up offered for an automation question")
    check("Maria" in followup and "Sam" in followup,
          f"follow-up names the lead and the rep: {followup!r}")
    await client.tact("tact followup", LEAD_JID)
    body = await peer.expect(re.escape(followup[:20]), TIMEOUT)
    check(body == followup, f"lead received the follow-up verbatim: {body!r}")

    # A second one within 10 minutes asks; answering "Cancel" sends nothing.
    await client.cmd(cmd="answer", action=1)
    await client.tact("tact followup", LEAD_JID)
    req = await client.wait(lambda e: e["ev"] == "request", "confirmation request")
    check("again" in (req["primary"] or ""), f"confirmation asked: {req['primary']!r}")
    await client.cmd(cmd="send", who=LEAD_JID, html="marker-1")
    await peer.expect(r"^marker-1$", TIMEOUT)
    check(not any(m["body"] == followup for m in peer.skipped),
          "cancelled follow-up was not delivered")
    # Confirmed ("Send again"): one more follow-up arrives.
    await client.cmd(cmd="answer", action=0)
    await client.tact("tact followup", LEAD_JID)
    await client.wait(lambda e: e["ev"] == "request", "second confirmation request")
    body = await peer.expect(r".", TIMEOUT)
    check(body == followup, "confirmed follow-up delivered")


async def scenario_use_suggestion(server, peer, client, rep):
    await client.cmd(cmd="alias", who=LEAD_JID, alias="Maria Lopez")
    view, line = await lead_says(peer, client, rep, "is this spam?", "automation-question")
    check(len(view["suggestions"]) >= 2, f"{len(view['suggestions'])} suggestions")
    second = view["suggestions"][1]["text"]
    check(f"2) {second}"[:30] in html.unescape(line), "suggestion 2 shown in the line")
    # The IPC view agrees with the signal's view.
    await client.cmd(cmd="view", who=LEAD_JID)
    ipc = [e for e in client.events if e["ev"] == "view"][-1]["view"]
    check(ipc["suggestions"][1]["text"] == second, "get-view IPC returns the same suggestion 2")
    await client.tact("tact use 2", LEAD_JID)
    body = await peer.expect(r".", TIMEOUT)
    check(body == second, f"lead received suggestion 2 verbatim: {body!r}")
    event = await client.tact("tact use 9", LEAD_JID)
    check(event["status"] != 0 and event["error"], f"/tact use 9 refused: {event['error']!r}")


async def scenario_optout_restart(server, peer, client, rep):
    user_dir = client.user_dir
    optouts = os.path.join(user_dir, "tact", "optouts.json")
    view, _ = await lead_says(peer, client, rep, "Please stop messaging me.", "opt-out")
    check(view["opted_out"], "opt-out recorded")
    # Written promptly (no clean shutdown needed): poll the file with a deadline.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        try:
            with open(optouts) as f:
                data = json.load(f)
            if any(e["contact"] == LEAD_JID for e in data["entries"]):
                break
        except (OSError, ValueError, KeyError):
            pass
        if loop.time() > deadline:
            raise Failure(f"{optouts} never listed {LEAD_JID}")
        await asyncio.sleep(0.05)
    check(True, "optouts.json lists the lead before any shutdown")
    # The opt-out confirmation itself goes through.
    await client.tact("tact use 1", LEAD_JID)
    confirmation = view["suggestions"][0]["text"]
    body = await peer.expect(r".", TIMEOUT)
    check(body == confirmation, "opt-out confirmation delivered")
    await client.kill()  # a crash, not a clean unload

    client2 = await RepClient(user_dir, server).start()
    try:
        await client2.setup()
        mark = len(client2.events)
        await client2.cmd(cmd="send", who=LEAD_JID, html="Hi again")
        client2.cursor = mark
        await client2.wait(lambda e: is_line(e, "Not sent"), "hold notice after restart")
        check(not any(e["ev"] == "sent" for e in client2.events[mark:]), "nothing sent")
        await client2.tact("tact send-anyway", LEAD_JID)
        body = await peer.expect(r".", TIMEOUT)
        check(body == "Hi again", f"send-anyway delivered the held text once: {body!r}")
        mark = len(client2.events)
        await client2.cmd(cmd="send", who=LEAD_JID, html="Second try")
        client2.cursor = mark
        await client2.wait(lambda e: is_line(e, "Not sent"), "held again (send-anyway is once)")
        await client2.tact("tact optout remove", LEAD_JID)
        await client2.cmd(cmd="send", who=LEAD_JID, html="after removal")
        body = await peer.expect(r".", TIMEOUT)
        check(body == "after removal", f"after removal the next message arrives: {body!r}")
        check(all(m["body"] != "Second try" for m in peer.received), "held text never arrived")
        await client2.quit()
        with open(optouts) as f:
            data = json.load(f)
        check(not any(e["contact"] == LEAD_JID for e in data["entries"]),
              "removal persisted")
        check(os.path.exists(optouts + ".bak"), "last good copy kept as .bak")
    finally:
        await client2.quit()


async def scenario_alias_escape(server, peer, client, rep):
    alias = "<img src=x>{agent}"
    await client.cmd(cmd="pref", path="/plugins/core/purple-tact/greet_handles_by_name", bool=True)
    await client.cmd(cmd="alias", who=LEAD_JID, alias=alias)
    view, line = await lead_says(peer, client, rep, "is this a bot?", "automation-question")
    check("<" not in line, f"inline line has no markup: {line[:80]!r}")
    texts = [s["text"] for s in view["suggestions"]] + [view["followup"] or ""]
    check(not any("<img src=x>Sam" in t for t in texts), "alias not expanded in suggestions")
    # The engine may use the whole alias or only its first word ("<img").
    uses_alias = any("<img" in t for t in texts)
    if uses_alias:
        check("&lt;img" in line, "alias shown escaped in the line")
    await client.tact("tact followup", LEAD_JID)
    body = await peer.expect(r".", TIMEOUT)
    check(body == view["followup"], f"lead received the follow-up verbatim: {body!r}")
    check("<img src=x>Sam" not in body, "alias never expanded in what was sent")
    sent = [e for e in client.events if e["ev"] == "sent"][-1]["msg"]
    check("<img" not in sent, f"sent HTML carries the alias as text: {sent[:80]!r}")
    if uses_alias:
        check("<img" in body, "the alias reached the lead as literal text")
    else:
        print("note: the engine did not put this alias into any reply", flush=True)


async def scenario_corrupt_state(server, peer, client, rep):
    """A corrupt optouts.json is moved aside and the .bak used (set up before start)."""
    tact_dir = os.path.join(client.user_dir, "tact")
    aside = [f for f in os.listdir(tact_dir) if f.startswith("optouts.json.corrupt-")]
    check(len(aside) == 1, f"corrupt file moved aside: {aside}")
    mark = len(client.events)
    await client.cmd(cmd="send", who=LEAD_JID, html="hello from the backup")
    client.cursor = mark
    await client.wait(lambda e: is_line(e, "Not sent"), "entry from the .bak holds the send")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    path = os.path.join(tact_dir, "optouts.json")
    while True:  # rewritten from the backup soon after load
        try:
            with open(path) as f:
                if any(e["contact"] == LEAD_JID for e in json.load(f)["entries"]):
                    break
        except (OSError, ValueError, KeyError):
            pass
        if loop.time() > deadline:
            raise Failure("optouts.json not rewritten from the backup")
        await asyncio.sleep(0.05)
    check(True, "optouts.json rewritten from the backup")


def prepare_corrupt_state(user_dir, lead_jid, fifo=False):
    tact_dir = os.path.join(user_dir, "tact")
    os.makedirs(tact_dir, exist_ok=True)
    if fifo:
        # read, it would block the client's main loop for good
        os.mkfifo(os.path.join(tact_dir, "optouts.json"))
    else:
        with open(os.path.join(tact_dir, "optouts.json"), "w") as f:
            f.write('{"schema": "purple-tact-optouts/1", "entries": [ {"proto')  # torn write
    with open(os.path.join(tact_dir, "optouts.json.bak"), "w") as f:
        json.dump({"schema": "purple-tact-optouts/1", "entries": [
            {"protocol": "prpl-jabber", "account": "rep@localhost", "contact": lead_jid,
             "reason": "label", "added": 1700000000}]}, f)


async def scenario_judged_optout(server, peer, client, rep):
    # A user judge that knows one made-up word: an opt-out only the judge
    # sees is shown as a guess and does NOT list the contact for good.
    packs = os.path.join(client.user_dir, "packs", "en")
    os.makedirs(packs)
    with open(os.path.join(packs, "judge.json"), "w") as f:
        json.dump({"schema": "purple-tact-pack/1", "kind": "judge", "lang": "en",
                   "threshold": 0.5, "entries": {"opt-out": -2, "opt-out zorp": 4}}, f)
    await client.cmd(cmd="pref", path="/plugins/core/purple-tact/user_pack_dir",
                     path_value=os.path.dirname(packs))
    view, line = await lead_says(peer, client, rep, "zorp zorp", "opt-out")
    hit = [label for label in view["labels"] if label["id"] == "opt-out"][0]
    check(hit["judged"], "the opt-out is the judge's")
    check("opt-out?" in line, f"shown as a guess: {line[:60]!r}")
    check(not view["opted_out"], "a judged opt-out does not list the contact")
    check(view["suggestions"] and view["suggestions"][0]["id"].startswith("opt-out."),
          "the opt-out confirmation is offered")
    # sending that confirmation confirms the opt-out: the contact is listed
    await client.tact("tact use 1", LEAD_JID)
    body = await peer.expect(r".", TIMEOUT)
    check(body == view["suggestions"][0]["text"], "opt-out confirmation delivered")
    mark = len(client.events)
    await client.cmd(cmd="send", who=LEAD_JID, html="one more thing")
    client.cursor = mark
    await client.wait(lambda e: is_line(e, "Not sent"), "the next message is held")
    await client.tact("tact optout remove", LEAD_JID)
    # a cue's opt-out still does
    view, _ = await lead_says(peer, client, rep, "stop messaging me", "opt-out")
    hit = [label for label in view["labels"] if label["id"] == "opt-out"][0]
    check(not hit["judged"], "this opt-out is a cue's")
    check(view["opted_out"], "a cue's opt-out lists the contact")


async def scenario_flood(server, peer, client, rep):
    """A storm from one contact: 400 messages in a burst, 200 KB ones, HTML and
    odd characters among them, then an opt-out.  Every message is analysed once
    and in order (none dropped, none twice), the last is still read as the
    opt-out it is, and the client answers a command at once afterwards: the
    plugin kept up without blocking the main loop.  (No control characters:
    XML has none, and the server would close the lead's stream.)"""
    texts = ["is this a bot??", "you people are useless", "<b>love</b> it &amp; thanks!",
             "what does it cost?", "\u202eevil\u202c {agent} \u200b", "ok", "x" * 200_000,
             "sooooo confused rn 🤔🤔", "this is the 5th time i've asked!!!"]
    n = 400
    mark = len(client.events)
    for i in range(n):
        peer.send(rep, f"{texts[i % len(texts)]} #{i}")
    peer.send(rep, "stop messaging me")
    client.cursor = mark
    final = await client.wait(
        lambda e: e["ev"] == "analyzed" and any(
            label["id"] == "opt-out" and "stop messaging me" in (label.get("evidence") or "")
            for label in e["view"]["labels"]),
        "analysis of the opt-out after the burst", timeout=TIMEOUT * 3)
    analysed = [e for e in client.events[mark:] if e["ev"] == "analyzed"]
    check(len(analysed) == n + 1, f"each of the {n + 1} messages analysed once "
                                  f"({len(analysed)} analyses)")
    check(analysed[-1] is final, "the opt-out, sent last, analysed last")
    check(final["view"]["opted_out"], "the opt-out still lists the contact")
    await client.tact("tact", LEAD_JID)
    await client.wait(lambda e: is_line(e, "opt-out"), "/tact answers after the burst")


SCENARIOS = {
    "judged-optout": scenario_judged_optout,
    "flood": scenario_flood,
    "labels": scenario_labels,
    "followup": scenario_followup,
    "use-suggestion": scenario_use_suggestion,
    "optout-restart": scenario_optout_restart,
    "alias-escape": scenario_alias_escape,
    "corrupt-state": scenario_corrupt_state,
    # a FIFO in the state file's place is treated as a corrupt file
    "fifo-state": scenario_corrupt_state,
}


async def run(name):
    from xmpp_peer import Peer
    global LEAD_JID
    user_dir = tempfile.mkdtemp(prefix="tact-purple-")
    client = None
    peer = None
    try:
        with Prosody(dict(PASSWORDS)) as server:
            LEAD_JID = server.jid(LEAD)
            rep = server.jid(REP)
            if name in ("corrupt-state", "fifo-state"):
                prepare_corrupt_state(user_dir, LEAD_JID, fifo=name == "fifo-state")
            peer = await Peer(LEAD_JID, PASSWORDS[LEAD], server.port).start(TIMEOUT)
            client = await RepClient(user_dir, server).start()
            await client.setup()
            await SCENARIOS[name](server, peer, client, rep)
            await client.quit()
            await peer.stop()
    finally:
        if client is not None and client.proc.returncode is None:
            client.proc.kill()
        if not os.environ.get("TACT_KEEP_TMP"):
            shutil.rmtree(user_dir, ignore_errors=True)


def main():
    install_signal_handlers()
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        print(f"usage: {sys.argv[0]} {'|'.join(SCENARIOS)}", file=sys.stderr)
        return 2
    skip_unless_available()
    try:
        asyncio.run(run(sys.argv[1]))
    except Failure as e:
        print(f"FAIL: {e}", flush=True)
        return 1
    print("PASS", flush=True)
    return 0


LEAD_JID = None
if __name__ == "__main__":
    sys.exit(main())
