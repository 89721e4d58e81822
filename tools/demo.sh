#!/bin/sh
# purple-tact demo: build if needed, start a private XMPP server on loopback,
# open Finch in tmux (or Pidgin when $DISPLAY is set and pidgin exists) as
# the rep "Sam from Acme" with the plugin loaded, and let a scripted lead,
# Maria Lopez, send a bot question, an opt-out, a complaint and praise.
#
#   tools/demo.sh [--no-attach] [--finch] [--build-dir DIR]
#
#   --no-attach  do not attach to the Finch session: print the screen once
#                the messages are labelled, then exit (default when stdin
#                is not a terminal)
#   --finch      use Finch even when a display is available
#
# Inside Finch: Alt-n switches windows, type "/tact followup" or "/tact use 1"
# in the conversation, Alt-q quits (which ends the demo).  Everything
# (server, tmux session, temp dirs) is removed on exit.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${TACT_BUILD_DIR:-$root/build}
attach=auto
ui=auto
while [ $# -gt 0 ]; do
  case $1 in
    --no-attach) attach=no ;;
    --finch) ui=finch ;;
    --build-dir) build=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "demo: '$1' is missing; on Debian: sudo apt-get install $2" >&2; exit 1; }
}
need meson meson
need ninja ninja-build
need prosody prosody
need tmux tmux
/usr/bin/python3 -c 'import slixmpp' 2>/dev/null || {
  echo "demo: slixmpp is missing; on Debian: sudo apt-get install python3-slixmpp" >&2; exit 1; }

if [ "$ui" = auto ]; then
  if [ -n "${DISPLAY:-}" ] && command -v pidgin >/dev/null 2>&1; then ui=pidgin; else ui=finch; fi
fi
[ "$ui" = finch ] && need finch finch
if [ "$attach" = auto ]; then
  if [ -t 0 ] && [ -t 1 ]; then attach=yes; else attach=no; fi
fi

# Build (quietly) when the plugin is missing or out of date.
if [ ! -f "$build/build.ninja" ]; then
  echo "demo: configuring $build"
  meson setup "$build" "$root" >/dev/null
fi
echo "demo: building"
ninja -C "$build" >/dev/null

PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 - "$root" "$build" "$ui" "$attach" <<'PYEOF'
import asyncio, os, shutil, subprocess, sys, tempfile, threading

root, build, ui, attach = sys.argv[1:5]
sys.path.insert(0, os.path.join(root, "tests", "lib"))
from prosody_fixture import Prosody, install_signal_handlers
from finch_fixture import Finch, write_purple_config
from xmpp_peer import Peer

install_signal_handlers()
plugin = os.path.join(build, "plugin", "purple", "purple-tact.so")
pidgin_plugin = os.path.join(build, "plugin", "pidgin", "pidgin-tact.so")
data = os.path.join(root, "data")
prefs = {"/plugins/core/purple-tact/agent_name": "Sam",
         "/plugins/core/purple-tact/company_name": "Acme",
         "/plugins/core/purple-tact/product": "Acme Pipeline"}
MESSAGES = [
    "Hi, quick question: is this a bot?",
    "Please stop messaging me.",
    "Your app charged me twice this month and nobody answers my emails.",
    "Actually your support just fixed it, thanks, love the product!",
]


async def lead_script(server, rep_full, done):
    peer = await Peer(server.jid("lead"), "leadpw", server.port).start(60)
    try:
        await peer.wait_reachable(rep_full, 90)
        for text in MESSAGES:
            await asyncio.sleep(2.5)   # a demo pace, so a human can follow
            peer.send(server.jid("rep"), text)
        while not done.is_set():       # stay online for replies the user sends
            await asyncio.sleep(0.5)
    finally:
        await peer.stop()


def run_lead(server, rep_full, done, failed):
    try:
        asyncio.run(lead_script(server, rep_full, done))
    except Exception as e:  # shown, not fatal: the client stays usable
        failed.append(e)
        print(f"demo: scripted lead stopped: {e}", file=sys.stderr)


with Prosody({"rep": "reppw", "lead": "leadpw"}) as server:
    done = threading.Event()
    failed = []
    rep = server.jid("rep")
    aliases = {server.jid("lead"): "Maria Lopez"}
    if ui == "pidgin":
        rep_full = rep + "/pidgin"
        conf = tempfile.mkdtemp(prefix="tact-demo-pidgin-")
        try:
            plugins = [plugin] + ([pidgin_plugin] if os.path.exists(pidgin_plugin) else [])
            write_purple_config(conf, "pidgin", rep_full, "reppw", server.port,
                                plugins=plugins, prefs=prefs, aliases=aliases)
            lead = threading.Thread(target=run_lead, args=(server, rep_full, done, failed))
            lead.start()
            print("demo: Pidgin is starting as Sam from Acme; close it to end the demo.")
            try:
                subprocess.run(["pidgin", "-c", conf],
                               env=dict(os.environ, TACT_DATA_DIR=data, NO_AT_BRIDGE="1"))
            finally:
                done.set()
                lead.join(30)
        finally:
            shutil.rmtree(conf, ignore_errors=True)
        sys.exit(0)

    rep_full = rep + "/finch"
    size = shutil.get_terminal_size((150, 45)) if attach == "yes" else os.terminal_size((150, 45))
    finch = Finch(jid=rep_full, password="reppw", port=server.port, plugins=[plugin],
                  prefs=prefs, aliases=aliases, env={"TACT_DATA_DIR": data},
                  width=max(size.columns, 80), height=max(size.lines, 24))
    with finch:
        lead = threading.Thread(target=run_lead, args=(server, rep_full, done, failed))
        lead.start()
        try:
            if attach == "yes":
                print("demo: attaching to Finch (Alt-q quits Finch and ends the demo; "
                      "Ctrl-b d detaches and ends it too)")
                subprocess.run(["tmux", "-L", finch.socket, "attach", "-t", finch.session])
            else:
                import re, time
                deadline = time.monotonic() + 120
                screen = ""
                while time.monotonic() < deadline and not failed:
                    screen = finch.capture()
                    if len(re.findall(r"\[tact\]", screen)) >= len(MESSAGES):
                        break
                    time.sleep(0.3)
                print(screen)
                if failed or len(re.findall(r"\[tact\]", screen)) < len(MESSAGES):
                    print("demo: not every message was labelled in time", file=sys.stderr)
                    sys.exit(1)
        finally:
            done.set()
            lead.join(30)
PYEOF
