#!/usr/bin/env bash
# The constant-time check: builds the checker in the optimised `ct-check` profile (release
# with line tables) and runs it under valgrind memcheck twice: once with the deliberately
# leaky functions, which must be caught, and once without them, where memcheck must report
# no error at all (`--error-exitcode`). Needs valgrind (Debian: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "ct-check: valgrind is not installed" >&2; exit 1; }
cargo build --profile ct-check -p cognito-signin-ct-check
bin="${CARGO_TARGET_DIR:-target}/ct-check/cognito-signin-ct-check"
leaky_log=$(mktemp) log=$(mktemp) leaky_out=$(mktemp)
trap 'rm -f "$leaky_log" "$log" "$leaky_out"' EXIT
# The two runs at once (valgrind runs a program on one core). With the leaky functions: the
# checker itself fails unless each is caught and every check of the crate adds no error.
valgrind --tool=memcheck --log-file="$leaky_log" "$bin" >"$leaky_out" 2>&1 &
leaky=$!
# Without them: not one memcheck error in the whole run.
clean=0
valgrind --tool=memcheck --error-exitcode=1 --log-file="$log" "$bin" --no-leaky || clean=$?
leaky_rc=0
wait "$leaky" || leaky_rc=$?
cat "$leaky_out"
[ "$leaky_rc" -eq 0 ] || { echo "ct-check: the run with the leaky functions failed" >&2; exit 1; }
[ "$clean" -eq 0 ] || { cat "$log" >&2; exit 1; }
grep "ERROR SUMMARY" "$log"
