#!/usr/bin/env bash
# Prints every figure the README and the issue notes quote: accuracy on the
# shared evaluation sets, speed, pack load time and peak memory.
#   tools/figures.sh [BUILD_DIR]      (default: build-test, then build)
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-}
[ -n "$b" ] || for d in build-test build; do [ -x "$d/plugin/cli/tact" ] && b=$d && break; done
[ -n "$b" ] || { echo "build first (tools/test.sh or meson setup build && ninja -C build)"; exit 1; }
tact=$b/plugin/cli/tact
eval_dir=${TACT_EVAL_DIR:-../shared/eval}
py=/usr/bin/python3; [ -x $py ] || py=python3

echo "== situations (English dev set; a guide, not the target)"
$py tests/eval/score_situations.py "$tact" "$eval_dir" | tail -16
echo
echo "== our own case sets (tests/data; each was fresh when written, see its header)"
echo "   (training data of the judge now: these are regression figures, not generalisation)"
for f in tests/data/cues-en.tsv $(ls tests/data/cues[0-9]*-en.tsv | sort -V); do
  both=$($py tests/data/run_cues.py "$tact" "$f" --floor 0 --per-label | tail -2 | tr '\n' ' ')
  cues=$($py tests/data/run_cues.py "$tact" "$f" --floor 0 --per-label --no-judge | tail -2 | head -1)
  echo "$both | cues alone: $cues"
done
echo
echo "== public evaluation sets"
$py tests/eval/evaluate.py "$tact" "$eval_dir"
echo
echo "== speed: tweeteval sentiment test texts"
texts=$eval_dir/tweeteval/sentiment/test_text.txt
tmp=$(mktemp); cache=$(mktemp -d); trap 'rm -rf "$tmp" "$cache"' EXIT
# compiled-pack snapshots in a private cache: the first run compiles and
# writes, the runs after it read the snapshot back (as every start after
# the first does for a user)
echo "-- cold (packs compiled from JSON, no cache):"
"$tact" bench "$texts" --repeat 10 --no-cache
"$tact" bench "$texts" --repeat 1 --cache-dir "$cache" > /dev/null
echo "-- warm (packs read from their snapshot):"
"$tact" bench "$texts" --repeat 10 --cache-dir "$cache"
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$texts"; done > "$tmp"
# whole process, seven runs a mode: the CPU time (one core) is what the
# target counts; the wall clock of a shared virtual machine adds what its
# neighbours take.  The cache is this script's own, so no other build's
# snapshot is compiled over between runs
for mode in --no-cache "--cache-dir $cache"; do
  $py - "$tact" "$tmp" $mode <<'PY'
import os, resource, statistics, subprocess, sys, time
tact, path, mode = sys.argv[1], sys.argv[2], sys.argv[3:]
n = sum(1 for _ in open(path, "rb"))
cpu, wall = [], []
for _ in range(7):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.perf_counter()
    with open(path, "rb") as f:
        subprocess.run([tact, "classify", *mode], stdin=f, stdout=subprocess.DEVNULL, check=True)
    t1 = time.perf_counter(); r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime); wall.append(t1 - t0)
print("whole process (%s): tact classify over %d lines, 7 runs: CPU %.0f-%.0f msgs/s (median %.0f),"
      " wall clock %.0f-%.0f (median %.0f); one core, output included"
      % (mode[0], n, n / max(cpu), n / min(cpu), n / statistics.median(cpu),
         n / max(wall), n / min(wall), n / statistics.median(wall)))
PY
done
# peak memory of the same whole process (tools/maxrss.c: see there why not
# from Python)
if command -v cc > /dev/null; then
  rss=$(mktemp); cc -O2 -o "$rss" tools/maxrss.c
  for mode in --no-cache "--cache-dir $cache"; do
    printf 'whole process (%s), three runs:' "${mode%% *}"
    for i in 1 2 3; do
      printf ' %s' "$("$rss" "$tact" classify $mode < "$tmp" 2>&1 > /dev/null | sed 's/^peak RSS //')"
    done
    echo
  done
  rm -f "$rss"
fi
# instructions a message: unlike the CPU time, the count does not move with
# the machine's load, so it is what compares one round's engine with the
# last (whole process from the snapshot the runs above wrote, load and
# output included)
if command -v valgrind > /dev/null; then
  n=$(wc -l < "$tmp")
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$tact" classify --cache-dir "$cache" \
    < "$tmp" 2>&1 > /dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' |
    awk -v n="$n" '{ printf "whole process (--cache-dir), callgrind: %.0f instructions a message over %d lines\n", $1 / n, n }'
fi
