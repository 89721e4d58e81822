"""A scripted XMPP peer (the "lead") built on slixmpp, for end-to-end tests.

As a library (asyncio):

    peer = Peer("lead@localhost", "leadpw", port)
    await peer.start(timeout=30)           # connected, session started
    peer.send("rep@localhost", "is this spam?")
    body = await peer.expect(r"Sam", timeout=30)   # next matching message
    await peer.stop()

`expect` consumes incoming chat messages in arrival order: messages that
do not match are kept in `peer.skipped` (so a test can assert that a held
message never arrived).  Every wait has a deadline and raises
asyncio.TimeoutError with what was received so far.

As a command line tool (runs steps in order, one JSON line per event):

    /usr/bin/python3 xmpp_peer.py --jid lead@localhost --password leadpw --port N \
        --step 'send:rep@localhost:is this a bot?' --step 'expect:Sam.*Acme' \
        --step 'pause:2' --timeout 60

    prints {"ev":"online"}, {"ev":"sent","body":…}, {"ev":"received","from":…,"body":…}
    exits 0 when every step succeeded, 1 on a missed deadline.
    `reachable:JID/RES` waits until that client answers a ping (signed in);
    `pause:S` waits S seconds (for demos, not for tests).

SPDX-License-Identifier: GPL-2.0-or-later
"""
import argparse
import asyncio
import json
import logging
import re
import sys

import slixmpp


class Peer:
    def __init__(self, jid, password, port, host="127.0.0.1"):
        self.jid = jid
        self.address = (host, port)
        self.client = slixmpp.ClientXMPP(jid + "/peer", password)
        # Loopback test server without TLS: allow PLAIN in the clear.
        self.client["feature_mechanisms"].unencrypted_plain = True
        self.client.register_plugin("xep_0030")
        self.client.register_plugin("xep_0199")
        self.incoming = asyncio.Queue()
        self.received = []   # every message, in order
        self.skipped = []    # messages passed over by expect()
        self._online = asyncio.Event()
        self._failed = None
        self.client.add_event_handler("session_start", self._on_session_start)
        self.client.add_event_handler("message", self._on_message)
        self.client.add_event_handler("failed_auth", self._on_failed)
        self.client.add_event_handler("connection_failed", self._on_failed)

    async def _on_session_start(self, event):
        self.client.send_presence()
        await self.client.get_roster()
        self._online.set()

    def _on_failed(self, event=None):
        self._failed = str(event)
        self._online.set()

    def _on_message(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            entry = {"from": str(msg["from"]), "body": msg["body"]}
            self.received.append(entry)
            self.incoming.put_nowait(entry)

    async def start(self, timeout=30.0):
        self.client.connect(address=self.address, force_starttls=False, disable_starttls=True)
        await asyncio.wait_for(self._online.wait(), timeout)
        if self._failed:
            raise RuntimeError(f"{self.jid}: cannot sign in: {self._failed}")
        return self

    async def wait_reachable(self, full_jid, timeout=60.0):
        """Waits until `full_jid` (a client with its resource) answers an XMPP
        ping: the event "that client has signed in"."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last = None
        while loop.time() < deadline:
            try:
                await self.client["xep_0199"].send_ping(full_jid, timeout=5)
                return
            except (slixmpp.exceptions.IqError, slixmpp.exceptions.IqTimeout) as e:
                last = e
                # An offline resource answers at once with an error: pace the retries.
                await asyncio.sleep(0.2)
        raise asyncio.TimeoutError(f"{full_jid} not reachable within {timeout}s ({last})")

    def send(self, to, body):
        self.client.send_message(mto=to, mbody=body, mtype="chat")

    async def expect(self, pattern, timeout=30.0):
        """The body of the next incoming message matching `pattern` (re.search, DOTALL)."""
        regex = re.compile(pattern, re.S)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise asyncio.TimeoutError(
                    f"{self.jid}: no message matching {pattern!r} within {timeout}s; "
                    f"received {[m['body'] for m in self.received]!r}")
            try:
                entry = await asyncio.wait_for(self.incoming.get(), left)
            except asyncio.TimeoutError:
                continue
            if regex.search(entry["body"]):
                return entry["body"]
            self.skipped.append(entry)

    async def stop(self):
        if self.client.is_connected():
            self.client.disconnect()
            try:
                await asyncio.wait_for(self.client.disconnected, 10)
            except (asyncio.TimeoutError, TypeError):
                pass


def _emit(**event):
    print(json.dumps(event), flush=True)


async def _run(args):
    peer = Peer(args.jid, args.password, args.port, args.host)
    try:
        await peer.start(args.timeout)
        _emit(ev="online", jid=args.jid)
        for step in args.step:
            kind, _, rest = step.partition(":")
            if kind == "send":
                to, _, body = rest.partition(":")
                peer.send(to, body)
                _emit(ev="sent", to=to, body=body)
            elif kind == "expect":
                body = await peer.expect(rest, args.timeout)
                _emit(ev="received", body=body)
            elif kind == "reachable":
                await peer.wait_reachable(rest, args.timeout)
                _emit(ev="reachable", jid=rest)
            elif kind == "pause":
                await asyncio.sleep(float(rest))
            else:
                raise ValueError(f"unknown step {step!r}")
        return 0
    except (asyncio.TimeoutError, RuntimeError) as e:
        _emit(ev="failed", message=str(e))
        return 1
    finally:
        await peer.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jid", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--step", action="append", default=[],
                    help="send:TO:TEXT | expect:REGEX | reachable:FULLJID | pause:SECONDS")
    ap.add_argument("--timeout", type=float, default=60.0, help="deadline of each wait")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    sys.exit(asyncio.run(_run(args)))


if __name__ == "__main__":
    main()
