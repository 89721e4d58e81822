"""Finch (the libpurple console client) in a detached tmux session.

    finch = Finch(jid="rep@localhost/finch", password="reppw", port=server.port,
                  plugins=["/build/plugin/purple/purple-tact.so"],
                  prefs={"/plugins/core/purple-tact/agent_name": "Sam"},
                  aliases={"lead@localhost": "Maria Lopez"},
                  env={"TACT_DATA_DIR": "/src/data"})
    with finch:                       # writes a temp config dir, starts tmux
        finch.wait_for(r"\\[tact\\] automation", timeout=60)   # polls capture-pane
        finch.type("/tact followup", enter=True)
    # tmux server killed, config dir removed (TACT_KEEP_TMP=1 keeps it)

The account auto-logs in (ui 'gnt-purple'); plugins are symlinked into
<config>/plugins and listed in /finch/plugins/loaded; logging is off.  Each
instance uses its own tmux socket (-L), so it never touches a user's tmux.
write_purple_config(dir, "pidgin", …) writes the same for `pidgin -c DIR`.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
from xml.sax.saxutils import escape, quoteattr


def _pref_xml(prefs):
    """Nested <pref> elements for {"/a/b/c": value}."""
    tree = {}
    for path, value in prefs.items():
        node = tree
        parts = [p for p in path.split("/") if p]
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def render(node, indent):
        out = []
        pad = " " * indent
        for name, value in node.items():
            if isinstance(value, dict):
                out.append(f"{pad}<pref name={quoteattr(name)}>")
                out.extend(render(value, indent + 1))
                out.append(f"{pad}</pref>")
            elif isinstance(value, bool):
                out.append(f"{pad}<pref name={quoteattr(name)} type='bool' "
                           f"value='{int(value)}'/>")
            elif isinstance(value, int):
                out.append(f"{pad}<pref name={quoteattr(name)} type='int' value='{value}'/>")
            elif isinstance(value, list):
                out.append(f"{pad}<pref name={quoteattr(name)} type='pathlist'>")
                out.extend(f"{pad} <item value={quoteattr(v)}/>" for v in value)
                out.append(f"{pad}</pref>")
            else:
                out.append(f"{pad}<pref name={quoteattr(name)} type='string' "
                           f"value={quoteattr(str(value))}/>")
        return out
    return "\n".join(render(tree, 1))


UI_IDS = {"finch": ("gnt-purple", "/finch/plugins/loaded"),
           "pidgin": ("gtk-gaim", "/pidgin/plugins/loaded")}


def write_purple_config(config_dir, ui, jid, password, port, plugins=(), prefs=None,
                        aliases=None):
    """Writes a libpurple config dir (Finch's or Pidgin's `-c DIR`): one XMPP
    account on 127.0.0.1:port that signs in at start, `plugins` (.so paths)
    symlinked into DIR/plugins and loaded, logging off, extra `prefs`
    ({"/plugins/core/purple-tact/agent_name": "Sam", …}) and local roster
    `aliases` ({"lead@localhost": "Maria Lopez"}).  ui: "finch" or "pidgin"."""
    ui_id, loaded_pref = UI_IDS[ui]
    plugdir = os.path.join(config_dir, "plugins")
    os.makedirs(plugdir, exist_ok=True)
    loaded = []
    for so in plugins:
        link = os.path.join(plugdir, os.path.basename(so))
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.abspath(so), link)
        loaded.append(link)
    all_prefs = {
        loaded_pref: loaded,
        "/purple/logging/log_ims": False,
        "/purple/logging/log_chats": False,
        "/purple/logging/log_system": False,
    }
    all_prefs.update(prefs or {})
    with open(os.path.join(config_dir, "prefs.xml"), "w") as f:
        f.write("<?xml version='1.0' encoding='UTF-8' ?>\n<pref version='1' name='/'>\n")
        f.write(_pref_xml(all_prefs))
        f.write("\n</pref>\n")
    with open(os.path.join(config_dir, "accounts.xml"), "w") as f:
        f.write(f"""<?xml version='1.0' encoding='UTF-8' ?>
<account version='1.0'>
 <account>
  <protocol>prpl-jabber</protocol>
  <name>{escape(jid)}</name>
  <password>{escape(password)}</password>
  <settings>
   <setting name='connect_server' type='string'>127.0.0.1</setting>
   <setting name='port' type='int'>{port}</setting>
   <setting name='connection_security' type='string'>opportunistic_tls</setting>
   <setting name='auth_plain_in_clear' type='bool'>1</setting>
  </settings>
  <settings ui='{ui_id}'>
   <setting name='auto-login' type='bool'>1</setting>
  </settings>
 </account>
</account>
""")
    buddies = "".join(
        f"<contact><buddy account={quoteattr(jid)} proto='prpl-jabber'>"
        f"<name>{escape(who)}</name><alias>{escape(alias)}</alias></buddy></contact>"
        for who, alias in (aliases or {}).items())
    with open(os.path.join(config_dir, "blist.xml"), "w") as f:
        f.write("<?xml version='1.0' encoding='UTF-8' ?>\n<purple version='1.0'><blist>"
                f"<group name='Buddies'>{buddies}</group></blist><privacy/></purple>\n")


class Finch:
    def __init__(self, jid, password, port, plugins=(), prefs=None, aliases=None, env=None,
                 width=150, height=45, config_dir=None):
        self.jid, self.password, self.port = jid, password, port
        self.plugins = list(plugins)
        self.prefs = dict(prefs or {})
        self.aliases = dict(aliases or {})
        self.env = dict(env or {})
        self.width, self.height = width, height
        self.dir = config_dir
        self.own_dir = config_dir is None
        self.socket = None
        self.session = "finch"

    # -- setup ----------------------------------------------------------
    def _write_config(self):
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="tact-finch-")
        prefs = {
            "/finch/sound/method": "nosound",
            # Side by side, no overlap: the conversation left, the buddy list right.
            "/finch/conversations/position/x": 0,
            "/finch/conversations/position/y": 0,
            "/finch/conversations/size/width": self.width - 30,
            "/finch/conversations/size/height": self.height - 2,
            "/finch/conversations/timestamps": False,
            "/finch/blist/position/x": self.width - 28,
            "/finch/blist/position/y": 0,
            "/finch/blist/size/width": 28,
            "/finch/blist/size/height": self.height - 2,
        }
        prefs.update(self.prefs)
        write_purple_config(self.dir, "finch", self.jid, self.password, self.port,
                            plugins=self.plugins, prefs=prefs, aliases=self.aliases)

    # -- lifecycle ------------------------------------------------------
    def start(self):
        self._write_config()
        self.socket = f"tact-{os.getpid()}-{id(self) & 0xffff:x}"
        env_args = [f"{k}={v}" for k, v in self.env.items()]
        command = ["env", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", *env_args,
                   "finch", "-c", self.dir]
        shell = " ".join(_quote(a) for a in command) + f" 2>{_quote(self.dir + '/finch.err')}"
        subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", "new-session", "-d",
                        "-s", self.session, "-x", str(self.width), "-y", str(self.height),
                        shell], check=True, timeout=30)
        return self

    def stop(self):
        if self.socket:
            subprocess.run(["tmux", "-L", self.socket, "kill-server"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
            self.socket = None
        if self.own_dir and self.dir and not os.environ.get("TACT_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- interaction ----------------------------------------------------
    def capture(self):
        proc = subprocess.run(["tmux", "-L", self.socket, "capture-pane", "-p", "-t",
                               self.session], capture_output=True, text=True, timeout=30)
        return proc.stdout

    def wait_for(self, pattern, timeout=60.0):
        """Polls the screen until `pattern` (regex) appears; returns the screen."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture()
            if regex.search(screen):
                return screen
            time.sleep(0.2)
        raise TimeoutError(f"{pattern!r} not on the Finch screen after {timeout}s:\n{screen}")

    def type_into(self, shows, text, timeout=60.0):
        """Types `text` into whichever window has the focus; if the screen does
        not then match `shows` (regex; e.g. the text at the start of the
        conversation's entry), erases it, moves to the next window (M-n) and
        tries again.  Does not press Enter."""
        regex = re.compile(shows)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.type(text)
            step_deadline = min(deadline, time.monotonic() + 3)
            while time.monotonic() < step_deadline:
                if regex.search(self.capture()):
                    return
                time.sleep(0.2)
            self.keys(*(["BSpace"] * len(text)))
            self.keys("M-n")
        raise TimeoutError(f"could not type into a window showing {shows!r}:\n{self.capture()}")

    def keys(self, *keys):
        """tmux send-keys with key names (Enter, M-n, C-c …)."""
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", self.session, *keys],
                       check=True, timeout=30)

    def type(self, text, enter=False):
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", self.session, "-l", text],
                       check=True, timeout=30)
        if enter:
            self.keys("Enter")


def _quote(s):
    return "'" + s.replace("'", "'\\''") + "'"
