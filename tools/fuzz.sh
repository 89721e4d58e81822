#!/usr/bin/env bash
# Runs fuzzing campaigns against the engine (tests/fuzz/README.md).
#
#   tools/fuzz.sh [SECONDS] [TARGET…]     (default: 600 s each, all targets)
#
# Builds build-fuzz with clang, libFuzzer, AddressSanitizer and UBSan, then
# runs each target for SECONDS from its kept corpus (tests/fuzz/corpus/NAME;
# build-fuzz/corpus/snapshot for the snapshot target)
# into a scratch corpus, and finally merges what it found back into the
# kept corpus (only inputs that add coverage are kept).  A crash or a broken
# check leaves the input in tests/fuzz/regress/NAME/ and the run fails:
# mend the bug, keep the input (the replay test runs it from then on).
# Needs clang (Debian: apt-get install clang).  No network, one core per job.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(analyze pack snapshot)
command -v clang >/dev/null || { echo "tools/fuzz.sh: clang is not installed (apt-get install clang)" >&2; exit 2; }

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link -Dpurple=disabled -Dpidgin=disabled -De2e=disabled >/dev/null
fi
ninja -C build-fuzz $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}") >/dev/null

# the largest input a target takes: a snapshot payload of the base pack is
# some 140 KB; messages and pack files are kept small to stay fast
max_len () { case $1 in snapshot) echo 262144 ;; pack) echo 65536 ;; *) echo 8192 ;; esac; }

# the corpus a campaign starts from and merges into; the snapshot target's
# inputs are too large to commit, so its corpus lives in the build directory
# and starts from the snapshot of the base pack this build writes
kept () { case $1 in snapshot) echo build-fuzz/corpus/snapshot ;; *) echo "tests/fuzz/corpus/$1" ;; esac; }

status=0
for t in "${targets[@]}"; do
  work=$(mktemp -d /tmp/tact-fuzz-$t-XXXXXX)
  mkdir -p "$work/corpus" "tests/fuzz/regress/$t" "$(kept "$t")"
  echo "== $t: ${secs}s"
  if ! UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
     ASAN_OPTIONS=detect_leaks=1 TACT_FUZZ_WRITE_SEED="$(kept "$t")/seed" \
     build-fuzz/tests/fuzz/fuzz-$t "$work/corpus" "$(kept "$t")" \
       -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="tests/fuzz/regress/$t/" -print_final_stats=1 2>"$work/log"; then
    status=1
    tail -60 "$work/log"
    echo "== $t: FAILED, the input is in tests/fuzz/regress/$t/"
  fi
  grep -E '^(stat::|#[0-9]+[[:space:]]+DONE)' "$work/log" || true
  # the kept corpus becomes the smallest set of inputs that covers what the
  # old one and this campaign's covered together (libFuzzer's merge takes
  # the smaller inputs first), so it does not only grow
  mkdir "$work/min"
  if build-fuzz/tests/fuzz/fuzz-$t -merge=1 -max_len="$(max_len "$t")" "$work/min" "$(kept "$t")" "$work/corpus" \
       2>"$work/merge.log"; then
    grep -E 'MERGE-OUTER: [0-9]+ new files' "$work/merge.log" || true
    find "$(kept "$t")" -maxdepth 1 -type f ! -name '.*' -delete
    cp "$work/min"/* "$(kept "$t")"/
    echo "== $t: kept corpus $(ls "$(kept "$t")" | wc -l) inputs"
  else
    tail -20 "$work/merge.log"
  fi
  rm -rf "$work"
done
exit $status
