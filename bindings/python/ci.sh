#!/usr/bin/env bash
# CI of the Python package, run from anywhere (it works from the repository root):
#
#     bash bindings/python/ci.sh
#
# 1. a venv in target/python-binding-venv with requirements-dev.txt (fully pinned; reused
#    while the file is unchanged);
# 2. rustfmt, clippy and rustdoc of the native crate;
# 3. `pip install ./bindings/python` (maturin builds the abi3 wheel, release profile);
# 4. the local Cognito server and the custom-auth pool (cargo, debug);
# 5. pytest (the local server, the custom-auth pool, moto started by the tests, bad input);
# 6. mypy --strict on the package, and on the example, the tests and the benchmark.
#
# The Rust builds use CARGO_TARGET_DIR when it is set, otherwise target/. Exits non-zero on
# the first failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

step() { printf '\n== python binding: %s\n' "$*"; }

target=${CARGO_TARGET_DIR:-$root/target}
venv=${PYTHON_BINDING_VENV:-$root/target/python-binding-venv}
python=${PYTHON:-python3}

step "venv $venv (requirements-dev.txt)"
stamp="$venv/.requirements"
want=$(sha256sum "$here/requirements-dev.txt" | cut -d' ' -f1)
if [[ ! -x $venv/bin/python || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-dev.txt"
    printf '%s' "$want" >"$stamp"
fi
py="$venv/bin/python"
# The build backend runs the venv's maturin.
export PATH="$venv/bin:$PATH"

step "rustfmt, clippy and docs (cognito-signin-python)"
cargo fmt -p cognito-signin-python -- --check
cargo clippy -p cognito-signin-python --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --quiet -p cognito-signin-python --no-deps

step "pip install ./bindings/python"
# maturin is pinned in the venv, so the build uses it (no isolated build environment).
CARGO_TARGET_DIR="$target" "$py" -m pip install --quiet --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./bindings/python
(cd /tmp && "$py" -c 'import cognito_signin, sys; print("installed", cognito_signin.__version__, cognito_signin.__file__)')

step "the local Cognito server and the custom-auth pool"
CARGO_TARGET_DIR="$target" cargo build --quiet -p cognito-signin-server
CARGO_TARGET_DIR="$target" cargo build --quiet -p cognito-signin-python --example custom_auth_pool

step "pytest"
# The tests import the installed package, not the source folder.
(cd "$here/tests" &&
    COGNITO_SIGNIN_SERVER_BIN="$target/debug/cognito-signin-server" \
        COGNITO_CUSTOM_POOL_BIN="$target/debug/examples/custom_auth_pool" \
        "$py" -m pytest -p no:cacheprovider --rootdir "$here/tests" -q .)

step "mypy --strict (the package; the example, the tests and the benchmark against it)"
(cd /tmp && "$venv/bin/mypy" --strict --no-incremental -p cognito_signin)
(cd "$here" && "$venv/bin/mypy" --strict --no-incremental examples/sign_in.py tests bench)

step "ok"
