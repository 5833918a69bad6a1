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
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# With the leaky functions: the checker itself fails unless each is caught and every check
# of the crate adds no error.
valgrind --tool=memcheck --log-file="$log" "$bin"
# Without them: not one memcheck error in the whole run.
valgrind --tool=memcheck --error-exitcode=1 --log-file="$log" "$bin" --no-leaky \
  || { cat "$log" >&2; exit 1; }
grep "ERROR SUMMARY" "$log"
