#!/usr/bin/env python3
"""Applies a batch of pattern edits to a copy of the packs' cues.json.

Every cue batch since round fifty-three was written as a short list of edits
and tried on a copy of the packs (tools/label-diff.py, then the suites)
before it landed; hand-editing a 5,000-pattern JSON file for each try is how
a pattern ends up in the wrong cue, where a veto silences its label with no
sign of it. The indices in a batch are those of the packs it starts from, as
`tact check-data` and tools/find-veto.py print them, so a batch can be
written from one listing and tried again after a change of mind.

usage: tools/cue-batch.py SPEC SRC_DATA_DIR DST_DATA_DIR [--lang en]
  SPEC holds one edit a line; "#" starts a comment line:
    ADD CUE PATTERN        append PATTERN to cue CUE
    DEL CUE IDX            delete pattern IDX of cue CUE
    MOD CUE IDX PATTERN    replace pattern IDX of cue CUE with PATTERN
    MOV CUE IDX NEWCUE     move pattern IDX of cue CUE to the end of NEWCUE
  SRC_DATA_DIR is copied to DST_DATA_DIR (which must not exist, unless it is
  SRC_DATA_DIR itself: then the edits are made in place), and DST's
  LANG/cues.json is rewritten. Only the pattern lists of the cues the batch
  touches change, one pattern a line as in the shipped pack, so the diff
  shows the batch and nothing else. Validating the patterns themselves is
  `tact check-data`'s job.
  Exits 0 and prints a count of the edits; 2 on an unknown edit, an index
  that does not exist, a pattern edited twice, or a cues.json laid out in a
  way it cannot edit without touching other lines (naming SPEC:LINE or the
  file).
"""
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import json
import os
import shutil
import sys


def fail(msg):
    sys.stderr.write("cue-batch: %s\n" % msg)
    sys.exit(2)


def read_spec(path, cues):
    """The edits of SPEC as (adds, dels, mods), checked against CUES (the
    source's list of cues): adds maps a cue to the patterns appended to it,
    in order; dels is the set of (cue, idx) removed; mods maps (cue, idx) to
    its new pattern. A MOV is a DEL plus an ADD of the same pattern."""
    adds, dels, mods, seen = {}, set(), {}, {}

    def cue_at(where, word):
        if not word.isdigit() or int(word) >= len(cues):
            fail("%s: no cue %s (the pack has %d)" % (where, word, len(cues)))
        return int(word)

    def pattern_at(where, line, c, word):
        have = len(cues[c]["patterns"])
        if not word.isdigit() or int(word) >= have:
            fail("%s: cue %d has no pattern %s (it has %d)" % (where, c, word, have))
        key = (c, int(word))
        if key in seen:
            fail("%s: pattern %d of cue %d is edited already on line %d" % (where, key[1], c, seen[key]))
        seen[key] = line
        return key

    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            where = "%s:%d" % (path, n)
            op, _, rest = line.partition(" ")
            if op == "ADD":
                c, _, pattern = rest.partition(" ")
                if not pattern.strip():
                    fail("%s: ADD needs a cue and a pattern" % where)
                adds.setdefault(cue_at(where, c), []).append(pattern.strip())
            elif op == "DEL":
                parts = rest.split()
                if len(parts) != 2:
                    fail("%s: DEL needs a cue and a pattern index" % where)
                dels.add(pattern_at(where, n, cue_at(where, parts[0]), parts[1]))
            elif op == "MOD":
                parts = rest.split(" ", 2)
                if len(parts) != 3 or not parts[2].strip():
                    fail("%s: MOD needs a cue, a pattern index and the new pattern" % where)
                mods[pattern_at(where, n, cue_at(where, parts[0]), parts[1])] = parts[2].strip()
            elif op == "MOV":
                parts = rest.split()
                if len(parts) != 3:
                    fail("%s: MOV needs a cue, a pattern index and the cue to move it to" % where)
                key = pattern_at(where, n, cue_at(where, parts[0]), parts[1])
                dels.add(key)
                adds.setdefault(cue_at(where, parts[2]), []).append(cues[key[0]]["patterns"][key[1]])
            else:
                fail("%s: unknown edit %r (ADD, DEL, MOD or MOV)" % (where, op))
    return adds, dels, mods


def edited(cue_index, patterns, adds, dels, mods):
    """The pattern list of one cue after the batch."""
    out = [mods.get((cue_index, j), p) for j, p in enumerate(patterns) if (cue_index, j) not in dels]
    return out + adds.get(cue_index, [])


def pattern_blocks(lines, path, count):
    """[(first, end)] line ranges of each cue's patterns, in order: the lines
    after one ending in '"patterns": [' up to the line that closes it. The
    shipped pack is laid out so; anything else is refused rather than
    rewritten whole."""
    blocks = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip().endswith('"patterns": ['):
            j = i + 1
            while j < len(lines) and not lines[j].lstrip().startswith("]"):
                j += 1
            if j == len(lines):
                fail("%s:%d: a pattern list that never closes" % (path, i + 1))
            blocks.append((i + 1, j))
            i = j
        i += 1
    if len(blocks) != count:
        fail("%s: %d cues but %d pattern lists laid out one pattern a line; "
             "this tool edits only that layout" % (path, count, len(blocks)))
    return blocks


def main():
    ap = argparse.ArgumentParser(description="Applies a batch of pattern edits to a copy of cues.json.")
    ap.add_argument("spec")
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--lang", default="en")
    a = ap.parse_args()

    src_cues = os.path.join(a.src, a.lang, "cues.json")
    try:
        with open(src_cues, encoding="utf-8") as f:
            text = f.read()
        pack = json.loads(text)
    except (OSError, ValueError) as e:
        fail("%s: %s" % (src_cues, e))
    cues = pack.get("cues")
    if not isinstance(cues, list) or not all(isinstance(c, dict) and isinstance(c.get("patterns"), list)
                                             for c in cues):
        fail("%s: no list of cues with patterns" % src_cues)
    adds, dels, mods = read_spec(a.spec, cues)

    lines = text.split("\n")
    blocks = pattern_blocks(lines, src_cues, len(cues))
    touched = set(adds) | {c for c, _ in dels} | {c for c, _ in mods}
    out, prev = [], 0
    for ci, (first, end) in enumerate(blocks):
        out += lines[prev:first]
        prev = end
        if ci not in touched:
            out += lines[first:end]
            continue
        pats = edited(ci, cues[ci]["patterns"], adds, dels, mods)
        out += ["    %s%s" % (json.dumps(p, ensure_ascii=False), "," if j + 1 < len(pats) else "")
                for j, p in enumerate(pats)]
    out += lines[prev:]
    new_text = "\n".join(out)

    # The line surgery must give what the edits say, and nothing else: if
    # the file holds its patterns some other way, stop before writing.
    want = [dict(c, patterns=edited(i, c["patterns"], adds, dels, mods)) for i, c in enumerate(cues)]
    try:
        got = json.loads(new_text)
    except ValueError as e:
        fail("%s: the edited file would not be JSON (%s)" % (src_cues, e))
    if got.get("cues") != want or {k: v for k, v in got.items() if k != "cues"} != \
            {k: v for k, v in pack.items() if k != "cues"}:
        fail("%s: its layout hides the edits from this tool; nothing written" % src_cues)

    if os.path.realpath(a.src) != os.path.realpath(a.dst):
        if os.path.exists(a.dst):
            fail("%s exists; give a new directory, or the source itself to edit in place" % a.dst)
        shutil.copytree(a.src, a.dst)
    with open(os.path.join(a.dst, a.lang, "cues.json"), "w", encoding="utf-8") as f:
        f.write(new_text)
    print("%d added, %d deleted, %d changed (a move is one of each)"
          % (sum(len(v) for v in adds.values()), len(dels), len(mods)))


if __name__ == "__main__":
    main()
