"""Fixtures for tests/pidgin: Prosody, Xvfb, Pidgin, the scripted lead.

Everything waits for events with deadlines (no fixed sleeps) and every
process is started in its own process group and killed on exit.
Prosody and the scripted lead come from the shared tests/lib.
"""
import atexit
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
LIB_DIR = os.path.join(HERE, "..", "lib")   # shared e2e fixtures (Prosody, the lead)


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def log(msg):
    sys.stderr.write("[pidgin-test] %s\n" % msg)
    sys.stderr.flush()


def skip_if_sanitized():
    """An ASan-built plugin cannot load into the system's uninstrumented
    Pidgin: the sanitizer run skips these tests (the plain run has them)."""
    if "address" in os.environ.get("TACT_SANITIZE", ""):
        raise Skip("sanitizer build; Pidgin itself is not instrumented")


def need(*programs):
    skip_if_sanitized()
    for p in programs:
        if shutil.which(p) is None:
            raise Skip("%s not found" % p)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, deadline, what, interval=0.05):
    """Poll pred() until it returns a truthy value or the deadline passes."""
    end = time.monotonic() + deadline
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise Failure("timed out after %.0f s waiting for %s" % (deadline, what))
        time.sleep(interval)


class Procs:
    """Owns every child process; kills them all (process groups) on exit."""

    def __init__(self):
        self.procs = []
        self.tmpdirs = []
        self.cleanups = []
        atexit.register(self.cleanup)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        self.cleanup()
        sys.exit(128 + signum)

    def spawn(self, name, argv, **kw):
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(argv, **kw)
        self.procs.append((name, p))
        return p

    def stop(self, p, timeout=10):
        if p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()

    def cleanup(self):
        while self.procs:
            _name, p = self.procs.pop()
            self.stop(p)
        while self.cleanups:
            try:
                self.cleanups.pop()()
            except Exception as e:  # noqa: BLE001
                log("cleanup: %s" % e)
        while self.tmpdirs:
            shutil.rmtree(self.tmpdirs.pop(), True)


class LineLog:
    """Collects the lines of a stream in a thread; wait for a regex with a deadline."""

    def __init__(self, stream, path=None):
        self.lines = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.file = open(path, "w", encoding="utf-8") if path else None
        self.thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.thread.start()

    def _run(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                if self.file:
                    self.file.write(line + "\n")
                    self.file.flush()
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # EOF marker
            self.cond.notify_all()

    def wait(self, regex, deadline, start=0, what=None):
        """Return (index, match) of the first line >= start matching regex."""
        rx = re.compile(regex)
        end = time.monotonic() + deadline
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    line = self.lines[i]
                    if line is None:
                        raise Failure("process ended while waiting for %s" % (what or regex))
                    m = rx.search(line)
                    if m:
                        return i, m
                    i += 1
                left = end - time.monotonic()
                if left <= 0:
                    raise Failure("timed out after %.0f s waiting for %s" % (deadline, what or regex))
                self.cond.wait(left)

    def mark(self):
        with self.lock:
            return len(self.lines)

    def grep(self, regex):
        rx = re.compile(regex)
        with self.lock:
            return [l for l in self.lines if l is not None and rx.search(l)]


class Prosody:
    """The shared Prosody fixture of tests/lib, stopped with everything else."""

    def __init__(self, procs, accounts):
        need("prosody", "prosodyctl")
        sys.path.insert(0, LIB_DIR)
        import prosody_fixture  # noqa: E402  (tests/lib)
        self.server = prosody_fixture.Prosody(accounts=accounts)
        procs.cleanups.append(self.server.stop)
        try:
            self.server.start()
        except RuntimeError as e:
            raise Failure(str(e))
        self.port = self.server.port


class Xvfb:
    def __init__(self, procs):
        need("Xvfb", "xdotool", "xwd", "convert")
        r, w = os.pipe()
        self.proc = procs.spawn("xvfb", ["Xvfb", "-displayfd", str(w), "-screen", "0",
                                         "1280x800x24", "-nolisten", "tcp"],
                                pass_fds=(w,), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        os.close(w)
        buf = b""
        end = time.monotonic() + 20
        import select
        while not buf.endswith(b"\n"):
            left = end - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                raise Failure("Xvfb did not report a display")
            chunk = os.read(r, 16)
            if not chunk:
                raise Failure("Xvfb exited")
            buf += chunk
        os.close(r)
        self.display = ":" + buf.decode().strip()
        log("Xvfb on %s" % self.display)

    def env(self):
        e = dict(os.environ)
        e["DISPLAY"] = self.display
        return e

    def screenshot(self, path):
        xwd = subprocess.run(["xwd", "-root", "-silent", "-display", self.display],
                             check=True, capture_output=True, timeout=30).stdout
        subprocess.run(["convert", "xwd:-", "png:" + path], input=xwd, check=True,
                       timeout=60)
        log("screenshot: %s" % path)

    def xdotool(self, *args):
        r = subprocess.run(["xdotool"] + list(args), env=self.env(), capture_output=True,
                           text=True, timeout=30)
        return r.returncode, r.stdout.strip()


PIDGIN_PREFS = """<?xml version='1.0' encoding='UTF-8' ?>
<pref version='1' name='/'>
  <pref name='purple'>
    <pref name='logging'>
      <pref name='log_ims' type='bool' value='0'/>
      <pref name='log_chats' type='bool' value='0'/>
      <pref name='log_system' type='bool' value='0'/>
    </pref>
  </pref>
  <pref name='pidgin'>
    <pref name='plugins'>
      <pref name='loaded' type='pathlist'>
{loaded}
      </pref>
    </pref>
    <pref name='sound'>
      <pref name='method' type='string' value='none'/>
    </pref>
    <pref name='docklet'>
      <pref name='show' type='string' value='never'/>
    </pref>
    <pref name='debug'>
      <pref name='enabled' type='bool' value='0'/>
    </pref>
    <pref name='conversations'>
      <pref name='im'>
        <pref name='hide_new' type='string' value='never'/>
      </pref>
    </pref>
  </pref>
  <pref name='plugins'>
    <pref name='core'>
      <pref name='purple-tact'>
        <pref name='agent_name' type='string' value='Sam'/>
        <pref name='company_name' type='string' value='Acme'/>
      </pref>
    </pref>
  </pref>
</pref>
"""

ACCOUNTS = """<?xml version='1.0' encoding='UTF-8' ?>
<account version='1.0'>
  <account>
    <protocol>prpl-jabber</protocol>
    <name>{user}@localhost/pidgin</name>
    <password>{password}</password>
    <settings>
      <setting name='connect_server' type='string'>127.0.0.1</setting>
      <setting name='port' type='int'>{port}</setting>
      <setting name='connection_security' type='string'>opportunistic_tls</setting>
      <setting name='auth_plain_in_clear' type='bool'>1</setting>
    </settings>
    <settings ui='gtk-gaim'>
      <setting name='auto-login' type='bool'>{autologin}</setting>
    </settings>
  </account>
</account>
"""


class Pidgin:
    def __init__(self, procs, xvfb, tmp, plugins, user="rep", password="reppw", port=0,
                 autologin=True, log_path=None):
        need("pidgin")
        self.procs = procs
        self.xvfb = xvfb
        self.dir = os.path.join(tmp, "purple")
        os.makedirs(os.path.join(self.dir, "plugins"))
        loaded = []
        for so in plugins:
            dst = os.path.join(self.dir, "plugins", os.path.basename(so))
            shutil.copy(so, dst)
            loaded.append("        <item value='%s'/>" % dst)
        with open(os.path.join(self.dir, "prefs.xml"), "w") as f:
            f.write(PIDGIN_PREFS.format(loaded="\n".join(loaded)))
        with open(os.path.join(self.dir, "accounts.xml"), "w") as f:
            f.write(ACCOUNTS.format(user=user, password=password, port=port,
                                    autologin=1 if autologin else 0))
        home = os.path.join(tmp, "home")
        os.makedirs(home, exist_ok=True)
        env = xvfb.env()
        env.update({"HOME": home, "NO_AT_BRIDGE": "1", "LANG": "C.UTF-8",
                    "LC_ALL": "C.UTF-8", "GTK2_RC_FILES": os.environ.get("TACT_GTKRC", "/dev/null"),
                    "XDG_CONFIG_HOME": os.path.join(home, ".config")})
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        # The plugins run from the config dir, not the build tree: point the
        # core plugin at the source tree's packs (see tests/lib/README.md).
        data_dir = os.path.normpath(os.path.join(HERE, "..", "..", "data"))
        if os.path.isdir(data_dir):
            env.setdefault("TACT_DATA_DIR", data_dir)
        self.proc = procs.spawn("pidgin", ["pidgin", "-c", self.dir, "-d", "-n"] if not autologin
                                else ["pidgin", "-c", self.dir, "-d"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.log = LineLog(self.proc.stdout, log_path)

    # Pidgin 2.14 itself logs this once per GtkIMHtml (before any plugin
    # widget exists); it is not ours.
    KNOWN_NOISE = re.compile(r"is invalid or out of range for property 'weight'")

    def gtk_problems(self):
        """GLib/GTK criticals and warnings (pidgin -d routes g_log through
        purple_debug with the log domain as the category)."""
        lines = self.log.grep(r"^\(\S+\) (Gtk|Gdk|GLib|GLib-GObject|GLib-GIO|GModule|"
                              r"GdkPixbuf|Pango|Atk|g_log): |(Gtk|GLib|GLib-GObject|Gdk)-"
                              r"(CRITICAL|WARNING)")
        return [l for l in lines if not self.KNOWN_NOISE.search(l)]


class Lead:
    """The scripted lead: tests/lib/xmpp_peer.py (slixmpp) run by Debian's
    /usr/bin/python3, with steps given up front; its JSON events are read
    in a thread."""

    def __init__(self, procs, jid, password, port, steps, timeout):
        py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        probe = subprocess.run([py, "-c", "import slixmpp"], capture_output=True)
        if probe.returncode != 0:
            raise Skip("slixmpp not importable by %s" % py)
        argv = [py, os.path.join(LIB_DIR, "xmpp_peer.py"), "--jid", jid, "--password",
                password, "--port", str(port), "--timeout", str(timeout)]
        for step in steps:
            argv += ["--step", step]
        self.proc = procs.spawn("lead", argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.events = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            self.events.put(ev)
        self.events.put({"ev": "eof"})

    def wait_event(self, kind, deadline, what):
        end = time.monotonic() + deadline
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise Failure("timed out after %.0f s waiting for the lead: %s" % (deadline, what))
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if ev.get("ev") == "failed":
                raise Failure("the lead failed: %s" % ev.get("message"))
            if ev.get("ev") == "eof":
                raise Failure("the lead exited while waiting for %s" % what)
            if ev.get("ev") == kind:
                return ev


def make_tmp(procs, prefix):
    tmp = tempfile.mkdtemp(prefix=prefix)
    if os.environ.get("TACT_KEEP_TMP"):
        log("keeping %s" % tmp)
    else:
        procs.tmpdirs.append(tmp)
    return tmp
