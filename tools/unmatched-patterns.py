#!/usr/bin/env python3
"""Lists the cue patterns of a pack that no line of a corpus can match.

A pattern that matches nothing is either waiting for a phrasing nobody has
written yet, or broken: round forty-five found "does|do|did that|this|it|these
go|goes|get sent to literally|_ everyone", whose "get sent" was meant as one
alternative but, unbracketed, made "sent" a word every match needed ("does it
go sent to everyone"). Nothing else can find such a pattern: it fails
silently, and the test sets pass on the patterns around it.

The matcher here is a deliberate over-approximation of the engine's (see
data/README.md, "A pattern is a sequence of elements"): it reads the words the
engine sees (`tact units`, so shorthand and apostrophes are the engine's own),
lets gaps run across clause ends, and treats the clause-end alternatives
(`.,;:$`) as optional. A pattern it lists therefore matches no line for the
engine either; one it passes may still be dead for the engine.

usage: tools/unmatched-patterns.py TACT [--data-dir DIR] [--lang en]
                                   [--labels opt-out,automation-question] FILE.tsv…
  FILE is LABELS<TAB>MESSAGE, as in tests/data; comment lines are skipped.
  Prints cue index, pattern index, label, "veto" for a veto, and the pattern.
"""
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENDINGS = {".", ",", ";", ":"}


def units(tact, data_dir, lines):
    """The units the engine matches cues against, one list per line, clause breaks dropped."""
    proc = subprocess.run([tact, "units", "--no-cache", "--data-dir", data_dir, "-q"],
                          input="".join(l.replace("\n", " ") + "\n" for l in lines),
                          capture_output=True, text=True, check=True)
    return [[u for u in json.loads(l)["units"] if u != "|"] for l in proc.stdout.splitlines()]


def split_top(text, sep):
    """Splits on SEP outside parentheses: '(a b|c) d' is two elements, 'x|(y z)' two alternatives."""
    out, cur, depth = [], "", 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [x for x in out if x != ""] if sep == " " else out


class Pack:
    def __init__(self, tact, data_dir, lang):
        self.cues = json.load(open(os.path.join(data_dir, lang, "cues.json"), encoding="utf-8"))
        words = set()
        for cue in self.cues["cues"]:
            for pat in cue["patterns"]:
                for el in split_top(pat, " "):
                    for alt in split_top(el, "|"):
                        words.update(self._words(alt))
        for members in self.cues["classes"].values():
            for w in members:
                if not w.startswith("@"):
                    words.update(w.split())
        ordered = sorted(words)
        # A pattern's words are normalised as a message's are ("dont" is "don't").
        self.norm = {w: [x for x in u if x not in ("^", "$")]
                     for w, u in zip(ordered, units(tact, data_dir, ordered))}

    @staticmethod
    def _words(alt):
        if alt.startswith("("):
            return [w for seq in alt[1:-1].split("|") for w in seq.split()]
        if alt.startswith(("@", "#", "*")) or alt in ENDINGS | {"_", "$", "^", "!", "?"}:
            return []
        return [alt]

    def _seq(self, text):
        return sum((self.norm.get(w, [w]) for w in text.split()), [])

    def _class(self, name, seen=()):
        out = []
        for w in self.cues["classes"].get(name, []):
            if w.startswith("@"):
                if w[1:] not in seen:
                    out += self._class(w[1:], seen + (name,))
            else:
                out.append(self._seq(w))
        return out

    def parse(self, pat):
        """Elements: ('gap', N) or ('alt', [token sequences], optional)."""
        els = []
        for el in split_top(pat, " "):
            m = re.fullmatch(r"\*(\d*)", el)
            if m:
                els.append(("gap", int(m.group(1) or 3)))
                continue
            alts, optional = [], False
            for a in split_top(el, "|"):
                if a == "_" or a in ENDINGS:
                    optional = True
                elif a == "$":
                    alts.append(["$"])
                    optional = True
                elif a.startswith("("):
                    alts += [self._seq(seq) for seq in a[1:-1].split("|")]
                elif a.startswith("@"):
                    alts += self._class(a[1:])
                elif a.startswith("#") or a == "^":
                    alts.append([a])
                else:
                    alts.append(self.norm.get(a, [a]))
            els.append(("alt", alts, optional))
        return els


def token_matches(pat, unit):
    if pat == "#any":
        return True
    if pat == "#num":
        return any(ch.isdigit() for ch in unit) or unit == "#num"
    if pat == "#emoji":
        return not re.search(r"\w", unit)
    return pat == unit


def matches(els, line):
    positions = set(range(len(line)))
    for el in els:
        if el[0] == "gap":
            positions = {p + k for p in positions for k in range(el[1] + 1) if p + k <= len(line)}
        else:
            nxt = set(positions) if el[2] else set()
            for p in positions:
                for seq in el[1]:
                    if not seq:
                        nxt.add(p)
                    elif p + len(seq) <= len(line) and all(
                            token_matches(seq[i], line[p + i]) for i in range(len(seq))):
                        nxt.add(p + len(seq))
            positions = nxt
        if not positions:
            return False
    return True


def candidates(els, index, n_lines):
    """Lines holding some alternative of every required literal element (an inverted index)."""
    found = None
    for el in els:
        if el[0] != "alt" or el[2]:
            continue
        lines = set()
        for seq in el[1]:
            if not seq or any(t.startswith("#") for t in seq):
                lines = None
                break
            lines |= index.get(seq[0], set())
        if lines is not None:
            found = lines if found is None else found & lines
    return found if found is not None else range(n_lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tact")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "data"))
    ap.add_argument("--lang", default="en")
    ap.add_argument("--labels", default="", help="comma-separated labels to check (default: all)")
    args = ap.parse_args()
    messages = []
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#") and "\t" in line:
                    messages.append(line.rstrip("\n").split("\t", 1)[1])
    corpus = units(args.tact, args.data_dir, messages)
    index = {}
    for n, line in enumerate(corpus):
        for u in set(line):
            index.setdefault(u, set()).add(n)
    pack = Pack(args.tact, args.data_dir, args.lang)
    wanted = set(filter(None, args.labels.split(",")))
    unmatched = total = 0
    for ci, cue in enumerate(pack.cues["cues"]):
        if wanted and cue["label"] not in wanted:
            continue
        for pi, pat in enumerate(cue["patterns"]):
            total += 1
            els = pack.parse(pat)
            if not any(matches(els, corpus[n]) for n in candidates(els, index, len(corpus))):
                unmatched += 1
                veto = "veto" if cue.get("veto") or cue.get("clause_veto") else ""
                print(ci, pi, cue["label"], veto, pat, sep="\t", flush=True)
    print(f"{unmatched} of {total} patterns match no line of {len(corpus)}", file=sys.stderr)


if __name__ == "__main__":
    main()
