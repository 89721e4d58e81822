"""A real Prosody XMPP server on 127.0.0.1 for end-to-end tests.

    with Prosody(accounts={"rep": "reppw", "lead": "leadpw"}) as server:
        server.port            # the c2s port (free port picked at start)
        server.jid("rep")      # "rep@localhost"

Everything lives in a temporary directory (config, data, log); the server
is stopped and the directory removed on exit, also when the test fails or
gets SIGTERM/SIGINT (call install_signal_handlers() once in the test's
main so those signals unwind through the `with` blocks).  Waits are on
events with deadlines, never fixed sleeps.  Set TACT_KEEP_TMP=1 to keep
the directory for debugging.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77  # meson's exit code for a skipped test

CONFIG = """\
run_as_root = true
pidfile = "{dir}/prosody.pid"
data_path = "{dir}/data"
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
c2s_direct_tls_ports = {{}}
s2s_ports = {{}}
http_ports = {{}}
https_ports = {{}}
modules_enabled = {{ "roster", "saslauth", "disco", "ping", "register" }}
modules_disabled = {{ "s2s", "tls" }}
allow_registration = true
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"
log = {{ info = "{dir}/prosody.log"; error = "{dir}/prosody.err" }}
certificates = "{dir}/certs"
VirtualHost "{host}"
"""


def install_signal_handlers():
    """Turn SIGTERM/SIGINT/SIGHUP into SystemExit so `finally` and `with`
    blocks run (meson sends SIGTERM on timeout)."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, handler)


def skip_unless_available():
    """Exit 77 (skip) when prosody, prosodyctl or slixmpp are missing."""
    for tool in ("prosody", "prosodyctl"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not found", flush=True)
            sys.exit(SKIP)
    try:
        import slixmpp  # noqa: F401
    except ImportError:
        print("SKIP: slixmpp not importable by " + sys.executable, flush=True)
        sys.exit(SKIP)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prosody:
    def __init__(self, accounts=None, host="localhost", start_timeout=30.0):
        self.accounts = dict(accounts or {})
        self.host = host
        self.start_timeout = start_timeout
        self.dir = None
        self.port = None
        self.proc = None

    # -- public ---------------------------------------------------------
    def jid(self, user):
        return f"{user}@{self.host}"

    def register(self, user, password):
        subprocess.run(["prosodyctl", "--config", self.config, "register", user, self.host,
                        password], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=60)
        self.accounts[user] = password

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="tact-prosody-")
        os.makedirs(os.path.join(self.dir, "data"))
        os.makedirs(os.path.join(self.dir, "certs"))
        last_error = None
        # A free port can be taken between picking and binding: retry.
        for _attempt in range(5):
            self.port = free_port()
            self.config = os.path.join(self.dir, "prosody.cfg.lua")
            with open(self.config, "w") as f:
                f.write(CONFIG.format(dir=self.dir, port=self.port, host=self.host))
            try:
                for user, password in self.accounts.items():
                    self.register(user, password)
                self._launch()
                return self
            except RuntimeError as e:
                last_error = e
                self._kill()
        self.stop()
        raise RuntimeError(f"prosody did not start: {last_error}")

    def stop(self):
        self._kill()
        if self.dir and not os.environ.get("TACT_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.dir:
            print(f"kept {self.dir}", file=sys.stderr)
        self.dir = None

    def log(self):
        try:
            with open(os.path.join(self.dir, "prosody.log")) as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- internals ------------------------------------------------------
    def _launch(self):
        self.proc = subprocess.Popen(["prosody", "-F", "--config", self.config],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prosody exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                # Poll the port: the event we wait for is "accepting".
                time.sleep(0.05)
        raise RuntimeError(f"prosody not listening on {self.port} after {self.start_timeout}s")

    def _kill(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


if __name__ == "__main__":
    # Manual use: start a server and print its port until Ctrl-C.
    install_signal_handlers()
    skip_unless_available()
    with Prosody({"rep": "reppw", "lead": "leadpw"}) as p:
        print(f"prosody on 127.0.0.1:{p.port} (rep/reppw, lead/leadpw); config {p.config}",
              flush=True)
        signal.pause()
