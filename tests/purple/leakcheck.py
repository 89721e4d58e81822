#!/usr/bin/python3
"""Load and unload purple-tact 50 times in the headless client (signed in to
a local Prosody, with messages, commands, held sends and an unanswered
confirmation in every cycle) and fail on any definite leak or memory error:
under LeakSanitizer when the build is sanitized, else under valgrind.
Exit 77 (skip) when prosody, or valgrind for a normal build, is missing.

    leakcheck.py B_SANITIZE VALGRIND_SUPP LSAN_SUPP    (env as for e2e.py)
    TACT_LEAK_CYCLES=N overrides the 50 cycles.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.environ.get("TACT_TESTS_LIB",
                                  os.path.join(os.path.dirname(__file__), "..", "lib")))
from prosody_fixture import SKIP, Prosody, install_signal_handlers  # noqa: E402


def main():
    install_signal_handlers()
    sanitize, vg_supp, lsan_supp = sys.argv[1:4]
    cycles = os.environ.get("TACT_LEAK_CYCLES", "50")
    if shutil.which("prosody") is None:
        print("SKIP: prosody not found")
        return SKIP
    env = dict(os.environ, PURPLE_LEAKCHECK_HELP="1")  # keep plugin frames named
    if "address" in sanitize:
        env["ASAN_OPTIONS"] = "fast_unwind_on_malloc=0:detect_leaks=1"
        env["LSAN_OPTIONS"] = f"suppressions={lsan_supp}:print_suppressions=0"
        wrapper = []
    elif shutil.which("valgrind"):
        env.update(G_SLICE="always-malloc", G_DEBUG="gc-friendly")
        wrapper = ["valgrind", "--quiet", "--leak-check=full", "--show-leak-kinds=definite",
                   "--errors-for-leak-kinds=definite", "--error-exitcode=1",
                   "--child-silent-after-fork=yes",
                   "--suppressions=/usr/share/glib-2.0/valgrind/glib.supp",
                   f"--suppressions={vg_supp}"]
    else:
        print("SKIP: valgrind not found and not a sanitizer build")
        return SKIP

    user_dir = tempfile.mkdtemp(prefix="tact-leak-")
    try:
        with Prosody({"rep": "reppw", "lead": "leadpw"}) as server:
            cmd = wrapper + [os.environ["TACT_CLIENT"], "--user-dir", user_dir,
                             "--plugin-dir", os.environ["TACT_PLUGIN_DIR"],
                             "--leak-cycles", cycles, "--jid", server.jid("rep") + "/leak",
                             "--password", "reppw", "--port", str(server.port)]
            proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=1700)
    finally:
        shutil.rmtree(user_dir, ignore_errors=True)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        print(f"FAIL: exit status {proc.returncode}")
        return 1
    if f'"cycles":{cycles}' not in proc.stdout:
        print("FAIL: the cycles did not complete")
        return 1
    if "CRITICAL" in proc.stderr:
        print("FAIL: GLib criticals during the cycles")
        return 1
    print(f"PASS: {cycles} load/unload cycles, no definite leak")
    return 0


if __name__ == "__main__":
    sys.exit(main())
