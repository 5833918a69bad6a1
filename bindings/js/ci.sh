#!/usr/bin/env bash
# Everything the JavaScript package must pass, from a fresh clone; run from anywhere:
#
#     bash bindings/js/ci.sh
#
# Installs what it needs: the wasm32 target, wasm-bindgen-cli 0.2.130, Debian's chromium,
# the npm dev dependencies from package-lock.json (`npm ci`), and moto (through
# .ci/servers.sh) unless COGNITO_TEST_MOTO already names one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen 0.2.130" ]]; then
    # Not --locked: the CLI's lockfile pins a crate version the registry here lacks.
    cargo install wasm-bindgen-cli --version 0.2.130
fi
if [[ ! -x ${CHROMIUM:-/usr/bin/chromium} ]]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if [[ -z ${COGNITO_TEST_MOTO:-} ]]; then
    . .ci/servers.sh
    servers_start
fi

echo "--- the Rust side: clippy, docs, the JSON layer's tests"
cargo clippy -p cognito-signin-json --all-targets -- -D warnings
cargo clippy -p cognito-signin-wasm --target wasm32-unknown-unknown -- -D warnings
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
    cargo clippy -p cognito-signin-wasm --features arith --target wasm32-unknown-unknown -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p cognito-signin-json -p cognito-signin-wasm --no-deps
cargo test -p cognito-signin-json
cargo build --quiet -p cognito-signin-server
export COGNITO_SIGNIN_SERVER_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/cognito-signin-server"

cd "$here"
echo "--- npm ci, the build, the declarations (tsc --strict)"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build -- --arith
npm run --silent build
npm run --silent test:types
echo "--- node --test: the local server, moto, the packed tarball"
npm test
echo "--- Chromium: the sign-in page"
npm run test:browser
echo "--- the benchmark, briefly (figures in README.md come from ROUNDS=8)"
ROUNDS=2 npm run --silent bench
