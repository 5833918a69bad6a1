#!/usr/bin/env bash
# The C binding's CI, run from anywhere (it moves to the repository root): installs what it
# needs (cbindgen 0.29.4, libcurl's headers, valgrind), checks format, lints and docs, builds
# the static and shared libraries, checks that the checked-in header is what cbindgen writes,
# writes the pkg-config file, then runs the C tests against the local Cognito server twice:
# built with AddressSanitizer and UndefinedBehaviorSanitizer (static library), and under
# valgrind's memcheck (shared library, through pkg-config). Any failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target="${CARGO_TARGET_DIR:-$root/target}"
out="$target/c-binding"
step() { printf '\n=== c binding: %s\n' "$*"; }

step "tools"
if [ "$(cbindgen --version 2>/dev/null)" != "cbindgen 0.29.4" ]; then
    cargo install cbindgen --version 0.29.4 --locked
fi
missing=()
[ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -f /usr/include/curl/curl.h ] ||
    missing+=(libcurl4-openssl-dev)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cc >/dev/null || missing+=(gcc)
if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "format, clippy, docs, unit tests"
cargo fmt -p cognito-signin-ffi -- --check
cargo clippy -p cognito-signin-ffi --all-targets -- -D warnings
cargo clippy -p cognito-signin-ffi --no-default-features --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p cognito-signin-ffi --no-deps
cargo test -p cognito-signin-ffi
# The library's own wiping, without the allocator that wipes every freed block.
cargo test -p cognito-signin-ffi --no-default-features --test wipe

step "build: static and shared libraries"
cargo build -p cognito-signin-ffi
lib="$target/debug"
ls -l "$lib/libcognito_signin_ffi.a" "$lib/libcognito_signin_ffi.so"

step "header: cbindgen writes the checked-in bindings/c/include/cognito_signin.h"
mkdir -p "$out"
cbindgen --quiet --config bindings/c/cbindgen.toml --crate cognito-signin-ffi \
    --output "$out/cognito_signin.h" bindings/c
if ! diff -u bindings/c/include/cognito_signin.h "$out/cognito_signin.h"; then
    echo "the header is stale: run bindings/c/ci.sh's cbindgen line with --output bindings/c/include/cognito_signin.h"
    exit 1
fi
git diff --exit-code -- bindings/c/include/cognito_signin.h

step "pkg-config file"
bash bindings/c/pkg-config.sh "$lib" >"$out/cognito-signin.pc"
cat "$out/cognito-signin.pc"
export PKG_CONFIG_PATH="$out${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pkg-config --cflags --libs cognito-signin

step "local Cognito server"
cargo build -p cognito-signin-server
server_out="$out/server.out"
"$target/debug/cognito-signin-server" --port 0 --config bindings/c/tests/pool.json >"$server_out" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^ready ' "$server_out" && break; sleep 0.1; done
grep -q '^ready ' "$server_out" || { echo "the server did not start"; cat "$server_out"; exit 1; }
endpoint="http://127.0.0.1:$(head -n 1 "$server_out")/"
echo "server at $endpoint"

cflags=(-std=c11 -Wall -Wextra -Werror -g)
step "the README's example compiles"
cc "${cflags[@]}" -fsyntax-only -Ibindings/c/include bindings/c/examples/sign_in.c

step "C tests with -fsanitize=address,undefined (static library)"
for t in api signin; do
    cc "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
        -fno-sanitize-recover=undefined -Ibindings/c/include "bindings/c/tests/$t.c" \
        -o "$out/$t-asan" "$lib/libcognito_signin_ffi.a" -lcurl -lpthread -ldl -lm
done
"$out/api-asan"
"$out/signin-asan" "$endpoint"

step "C tests under valgrind --leak-check=full (shared library, through pkg-config)"
for t in api signin; do
    # shellcheck disable=SC2046
    cc "${cflags[@]}" "bindings/c/tests/$t.c" -o "$out/$t" \
        $(pkg-config --cflags --libs cognito-signin) -Wl,-rpath,"$lib" -lcurl
done
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=1 "$out/api"
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=1 "$out/signin" "$endpoint"

step "benchmark builds"
cargo bench -p cognito-signin-ffi --no-run

step "all green"
