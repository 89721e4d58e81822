#!/usr/bin/env bash
# Runs every test of purple-tact: installs dependencies (Debian 12, as
# root), builds with -Dwerror=true and runs the whole suite (unit, data,
# evaluation, end-to-end against a real Prosody, Finch under tmux, Pidgin
# under Xvfb, the valgrind leak check); then builds once more with
# AddressSanitizer + UBSan and runs the suite again (the valgrind leak
# check is left out there: valgrind and ASan do not mix).
set -uo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh || { echo "tools/deps.sh failed"; exit 1; }

passed=0; failed=0; skipped=0
run_suite () {  # build-dir, extra meson args…
  local dir=$1; shift
  rm -rf "$dir"
  if ! meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1; then
    cat "$dir.setup.log"; failed=$((failed + 1)); return
  fi
  if ! ninja -C "$dir"; then failed=$((failed + 1)); return; fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 ${TACT_TEST_ARGS:-} \
    $( [ -n "${TACT_NO_LEAKS:-}" ] && echo --no-suite leaks ) 2>&1 | tee "$dir.test.log"
  local ok fail skip
  ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$dir.test.log" | tail -1)
  fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$dir.test.log" | tail -1)
  skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$dir.test.log" | tail -1)
  local timeout; timeout=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$dir.test.log" | tail -1)
  passed=$((passed + ${ok:-0})); failed=$((failed + ${fail:-0} + ${timeout:-0}))
  skipped=$((skipped + ${skip:-0}))
  [ -n "$ok" ] || failed=$((failed + 1))
}

run_suite build-test
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
