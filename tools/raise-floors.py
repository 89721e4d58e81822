#!/usr/bin/env python3
# Raises the floors of the edge sets in tests/data/meson.build after a round.
#
# A floor is the share of a set's lines the engine must get right, once with
# the judge and once with the cues alone. After a round each floor becomes
# the set's score to the cent, less 0.01, unless the old floor is higher:
# floors only ever rise, so a later round cannot quietly give back what an
# earlier one won (tests/data/meson.build says so above its list).
#
# usage: tools/raise-floors.py TACT [--write] [--sets edge51-en,edge52-en]
#   prints one line per set (score, old floor, new floor); --write puts the
#   new floors into tests/data/meson.build.
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MESON = os.path.join(ROOT, "tests", "data", "meson.build")
ROW = re.compile(r"\['(edge\d+-en)', '([\d.]+)', '([\d.]+)'\]")


def score(tact, name, extra):
    """The share of lines right, as run_cues.py prints it ('N/M correct (0.xxx)')."""
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "data", "run_cues.py"), tact,
                          os.path.join(ROOT, "tests", "data", name + ".tsv"), "--floor", "0"] + extra,
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    m = re.search(r"correct \(([\d.]+)\)", out)
    if not m:
        sys.exit("raise-floors: no score in run_cues.py's output for %s:\n%s" % (name, out))
    return float(m.group(1))


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
    changed = 0

    def raise_row(m):
        nonlocal changed
        name, fj, fc = m.group(1), float(m.group(2)), float(m.group(3))
        if only is not None and name not in only:
            return m.group(0)
        j, c = score(a.tact, name, []), score(a.tact, name, ["--no-judge"])
        nj, nc = floor_of(j, fj), floor_of(c, fc)
        print("%-10s judge %.3f floor %.2f -> %.2f | cues %.3f floor %.2f -> %.2f" % (name, j, fj, nj, c, fc, nc))
        if (nj, nc) != (fj, fc):
            changed += 1
        return "['%s', '%.2f', '%.2f']" % (name, nj, nc)

    new = ROW.sub(raise_row, text)
    print("%d set(s) with a floor raised" % changed)
    if a.write and new != text:
        with open(MESON, "w", encoding="utf-8") as f:
            f.write(new)


if __name__ == "__main__":
    main()
