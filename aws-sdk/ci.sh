#!/usr/bin/env bash
# Every test of cognito-signin-aws-sdk: ministack and moto started on 127.0.0.1
# (.ci/servers.sh), `cargo test --profile dev -p cognito-signin-aws-sdk`, then the admin_sign_in example
# against the workspace's local server (ADMIN_USER_PASSWORD_AUTH, then SRP through the admin
# operations). Run from anywhere; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

. .ci/servers.sh
servers_start # exports COGNITO_TEST_MINISTACK, COGNITO_TEST_MOTO; stops both on exit
# The dev profile, not the test profile: the workspace's test profile optimises every
# dependency (the core's SRP needs it), which would cost the SDK's crates minutes; the
# example below then reuses these builds.
cargo test --profile dev -p cognito-signin-aws-sdk
servers_stop

cargo build --quiet -p cognito-signin-server -p cognito-signin-aws-sdk --bin cognito-signin-server \
    --example admin_sign_in
out=$(mktemp)
"${CARGO_TARGET_DIR:-target}/debug/cognito-signin-server" --port 0 --config aws-sdk/examples/local-pool.json >"$out" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$out" "$out.err"; servers_on_exit' EXIT
for _ in $(seq 100); do grep -q '^ready ' "$out" && break; sleep 0.1; done
grep -q '^ready ' "$out" || { echo "the local server did not start:" >&2; cat "$out" >&2; exit 1; }
port=$(head -n 1 "$out")
for mode in "" --srp; do
    # Credentials from the standard chain (here, the environment); the local server checks
    # no signature, but the SDK signs all the same.
    signed=$(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true \
        COGNITO_PASSWORD=Correct-Horse-1 \
        cargo run --quiet -p cognito-signin-aws-sdk --example admin_sign_in -- \
        --endpoint "http://127.0.0.1:$port" --region us-east-1 \
        --user-pool-id us-east-1_Example1 --client-id exampleclient --username jane $mode)
    echo "admin_sign_in ${mode:-(ADMIN_USER_PASSWORD_AUTH)}: $signed"
    grep -q '^signed in as jane$' <<<"$signed"
done
# A wrong password: a one-line error and a non-zero exit.
if AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true \
    COGNITO_PASSWORD=not-the-password \
    cargo run --quiet -p cognito-signin-aws-sdk --example admin_sign_in -- \
    --endpoint "http://127.0.0.1:$port" --user-pool-id us-east-1_Example1 \
    --client-id exampleclient --username jane 2>"$out.err"; then
    echo "admin_sign_in signed in with a wrong password" >&2
    exit 1
fi
grep -q 'NotAuthorizedException' "$out.err"
echo "admin_sign_in with a wrong password: $(cat "$out.err")"
