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
n=$(wc -l < "$tmp")
for mode in --no-cache "--cache-dir $cache"; do
  start=$(date +%s%N)
  "$tact" classify $mode "$tmp" > /dev/null
  end=$(date +%s%N)
  echo "whole process ($mode): tact classify over $n lines: $(( (end - start) / 1000000 )) ms," \
       "$(( n * 1000000000 / (end - start) )) msgs/s (one core, output included)"
done
