# Third-party Cognito servers for tests/third_party_servers.rs: ministack and moto, each in its own
# Python venv, listening on 127.0.0.1 only.
#
# Sourced by .ci/run (bash, `set -euo pipefail`, working directory = the checkout):
#
#     . .ci/servers.sh
#     servers_start    # installs if needed, starts both, exports the two variables
#     ...              # COGNITO_TEST_MINISTACK / COGNITO_TEST_MOTO are set for cargo test
#
# Both servers are stopped when the shell exits (an EXIT trap, chained after any trap the
# caller already set). Any failure to install or start returns non-zero, which fails the run.
#
# By hand, to run the tests against them from a shell:
#
#     . .ci/servers.sh && servers_start && cargo test --test third_party_servers
#
# The venvs live in target/ci-servers/ inside the checkout (git-ignored), keyed by the
# pinned versions, so a second run on the same checkout skips the install; nothing is
# cached outside the checkout.

SERVERS_MINISTACK_PIN="ministack==1.5.33"
SERVERS_MOTO_PIN="moto[cognitoidp,server]==5.2.5"
SERVERS_DIR="${SERVERS_DIR:-$PWD/target/ci-servers}"
SERVERS_PIDS=()

# Creates venv $1 and installs the packages $2... into it, unless a finished install of the
# same packages is already there.
servers_venv() {
    local venv=$1
    shift
    local stamp="$venv/.installed"
    if [[ -f $stamp && "$(cat "$stamp")" == "$*" ]]; then
        return 0
    fi
    rm -rf "$venv"
    python3 -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check "$@" || return 1
    printf '%s' "$*" >"$stamp"
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
servers_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Waits until $2 (a URL) answers an HTTP request with any status, for at most 60 s, while
# the process $3 lives. $1 names the server in messages; its log is $4.
servers_wait() {
    local name=$1 url=$2 pid=$3 log=$4 i
    for ((i = 0; i < 300; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "servers: $name exited during start-up; its log:" >&2
            tail -n 40 "$log" >&2 || true
            return 1
        fi
        # An unsigned InitiateAuth with no client: any HTTP answer means the server is up.
        if curl --silent --max-time 2 --output /dev/null \
            -H 'Content-Type: application/x-amz-json-1.1' \
            -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \
            --data '{}' "$url/"; then
            return 0
        fi
        sleep 0.2
    done
    echo "servers: $name did not answer on $url within 60 s; its log:" >&2
    tail -n 40 "$log" >&2 || true
    return 1
}

# Stops the servers this script started (by their process ids).
servers_stop() {
    local pid
    for pid in "${SERVERS_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SERVERS_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    SERVERS_PIDS=()
}

SERVERS_PREVIOUS_EXIT_TRAP=""
servers_on_exit() {
    servers_stop
    if [[ -n $SERVERS_PREVIOUS_EXIT_TRAP ]]; then
        eval "$SERVERS_PREVIOUS_EXIT_TRAP"
    fi
}

# Installs (when needed) and starts ministack and moto on free ports of 127.0.0.1, exports
# COGNITO_TEST_MINISTACK and COGNITO_TEST_MOTO, and stops both on exit.
servers_start() {
    mkdir -p "$SERVERS_DIR"
    # Chain after the caller's EXIT trap, if any (`trap -p` prints it quoted for reuse).
    local previous
    previous=$(trap -p EXIT)
    if [[ -n $previous ]]; then
        eval "set -- $previous"
        [[ $3 == servers_on_exit ]] || SERVERS_PREVIOUS_EXIT_TRAP=$3
    fi
    trap servers_on_exit EXIT

    echo "servers: installing $SERVERS_MINISTACK_PIN and $SERVERS_MOTO_PIN (venvs in $SERVERS_DIR)"
    servers_venv "$SERVERS_DIR/ministack" "$SERVERS_MINISTACK_PIN" cryptography || {
        echo "servers: cannot install $SERVERS_MINISTACK_PIN" >&2
        return 1
    }
    servers_venv "$SERVERS_DIR/moto" "$SERVERS_MOTO_PIN" || {
        echo "servers: cannot install $SERVERS_MOTO_PIN" >&2
        return 1
    }

    local port pid
    port=$(servers_free_port)
    # BIND_HOST keeps the gateway on loopback (the default is 0.0.0.0); the two *_ENABLED=0
    # keep its IoT mTLS and SFTP listeners closed. STATE_DIR (its signing keys) and TMPDIR
    # (its pid file) would otherwise be under /tmp: keep them in the checkout, fresh each run.
    rm -rf "$SERVERS_DIR/ministack-state" "$SERVERS_DIR/ministack-tmp"
    mkdir -p "$SERVERS_DIR/ministack-state" "$SERVERS_DIR/ministack-tmp"
    AUTH=true BIND_HOST=127.0.0.1 GATEWAY_PORT=$port IOT_MTLS_ENABLED=0 SFTP_ENABLED=0 \
        STATE_DIR="$SERVERS_DIR/ministack-state" TMPDIR="$SERVERS_DIR/ministack-tmp" \
        "$SERVERS_DIR/ministack/bin/ministack" >"$SERVERS_DIR/ministack.log" 2>&1 &
    pid=$!
    SERVERS_PIDS+=("$pid")
    servers_wait ministack "http://127.0.0.1:$port" "$pid" "$SERVERS_DIR/ministack.log" || return 1
    export COGNITO_TEST_MINISTACK="http://127.0.0.1:$port"

    port=$(servers_free_port)
    MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true \
        "$SERVERS_DIR/moto/bin/moto_server" -H 127.0.0.1 -p "$port" \
        >"$SERVERS_DIR/moto.log" 2>&1 &
    pid=$!
    SERVERS_PIDS+=("$pid")
    servers_wait moto "http://127.0.0.1:$port" "$pid" "$SERVERS_DIR/moto.log" || return 1
    export COGNITO_TEST_MOTO="http://127.0.0.1:$port"

    echo "servers: ministack at $COGNITO_TEST_MINISTACK, moto at $COGNITO_TEST_MOTO"
}
