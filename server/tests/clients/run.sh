#!/usr/bin/env bash
# AWS's own clients against the server binary: amazon-cognito-identity-js, Amplify v6 and
# aws-jwt-verify under Node (node:test), boto3, pycognito and PyJWT under CPython (pytest).
# Each test file starts its own server on 127.0.0.1 with `--port 0`.
#
#     bash server/tests/clients/run.sh            # from the repository root
#
# Installs what it needs: the Node packages with `npm ci` from package-lock.json, the Python
# packages from the fully pinned requirements.txt into a venv under target/. Builds the
# server binary unless COGNITO_SIGNIN_SERVER_BIN names one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"

if [[ -z ${COGNITO_SIGNIN_SERVER_BIN:-} ]]; then
    cargo build --quiet -p cognito-signin-server
    target_dir=${CARGO_TARGET_DIR:-$root/target}
    export COGNITO_SIGNIN_SERVER_BIN="$target_dir/debug/cognito-signin-server"
fi
[[ -x $COGNITO_SIGNIN_SERVER_BIN ]] || {
    echo "clients: no server binary at $COGNITO_SIGNIN_SERVER_BIN" >&2
    exit 1
}

echo "--- Node $(node --version): amazon-cognito-identity-js, aws-amplify, aws-jwt-verify"
(
    cd "$here/node"
    npm ci --no-audit --no-fund --loglevel=error
    npm test
)

echo "--- $(python3 --version): boto3, pycognito, PyJWT"
venv="$root/target/clients-venv"
stamp="$venv/.requirements"
if [[ ! -f $stamp ]] || ! cmp -s "$stamp" "$here/python/requirements.txt"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check \
        -r "$here/python/requirements.txt"
    cp "$here/python/requirements.txt" "$stamp"
fi
"$venv/bin/python" -m pytest -q "$here/python"
