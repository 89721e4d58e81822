#!/usr/bin/env python3
"""Raises the floors of the edge sets (and the family sets, famstopN,
fammachineN and the like, which share their list) in tests/data/meson.build
after a round.

A floor is the share of a set's lines the engine must get right, once with
the judge and once with the cues alone. After a round each floor becomes the
set's score to the cent, less 0.01, unless the old floor is higher: floors
only ever rise, so a later round cannot quietly give back what an earlier
one won (tests/data/meson.build says so above its list).

usage: tools/raise-floors.py TACT [--write] [--sets edge51-en,edge52-en]
  prints one line per set (score, old floor, new floor); --write puts the
  new floors into tests/data/meson.build.
"""
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MESON = os.path.join(ROOT, "tests", "data", "meson.build")
ROW = re.compile(r"\['((?:edge|fam[a-z]+)\d+-en)', '([\d.]+)', '([\d.]+)'\]")


def score(tact, name, extra):
    """The exact share of lines right, from run_cues.py's last line ('N/M correct (…)')."""
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "data", "run_cues.py"), tact,
                           os.path.join(ROOT, "tests", "data", name + ".tsv"), "--floor", "0"] + extra,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.decode("utf-8", "replace")
    lines = out.strip().splitlines()
    m = re.search(r"(\d+)/(\d+) correct \(", lines[-1]) if lines else None
    if proc.returncode != 0 or not m or int(m.group(2)) == 0:
        sys.exit("raise-floors: run_cues.py failed on %s:\n%s" % (name, out))
    return int(m.group(1)) / int(m.group(2))


def floor_of(s, old):
    # +1e-9: 0.93 is stored as 0.92999…, and must not floor to 0.92
    return max(old, math.floor(s * 100 + 1e-9) / 100 - 0.01)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("tact")
    ap.add_argument("--write", action="store_true", help="write the new floors into tests/data/meson.build")
    ap.add_argument("--sets", help="comma-separated set names (default: every edge set)")
    a = ap.parse_args()
    text = open(MESON, encoding="utf-8").read()
    only = set(a.sets.split(",")) if a.sets else None
    if only is not None:
        unknown = only - {m.group(1) for m in ROW.finditer(text)}
        if unknown:
            sys.exit("raise-floors: no such edge set in %s: %s" % (MESON, ", ".join(sorted(unknown))))
    changed = 0

    def raise_row(m):
        nonlocal changed
        name, fj, fc = m.group(1), float(m.group(2)), float(m.group(3))
        if only is not None and name not in only:
            return m.group(0)
        j, c = score(a.tact, name, []), score(a.tact, name, ["--no-judge"])
        nj, nc = floor_of(j, fj), floor_of(c, fc)
        print("%-10s judge %.3f floor %.2f -> %.2f | cues %.3f floor %.2f -> %.2f" % (name, j, fj, nj, c, fc, nc))
        new = "['%s', '%.2f', '%.2f']" % (name, nj, nc)
        if new != "['%s', '%.2f', '%.2f']" % (name, fj, fc):
            changed += 1
        return new

    new = ROW.sub(raise_row, text)
    print("%d set(s) with a floor raised" % changed)
    if a.write and new != text:
        with open(MESON, "w", encoding="utf-8") as f:
            f.write(new)


if __name__ == "__main__":
    main()
