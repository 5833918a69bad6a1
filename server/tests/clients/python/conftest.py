"""Fixtures for the Python client checks of cognito-signin-server.

The server binary comes from the environment variable COGNITO_SIGNIN_SERVER_BIN. Each server is
started with `--port 0` (and optionally `--config FILE`); stdout line 1 is the port, line 2 is
`ready http://127.0.0.1:PORT`. Servers are stopped with SIGTERM at the end.
"""

import base64
import hashlib
import hmac
import json
import os
import queue
import signal
import struct
import subprocess
import tempfile
import threading
import time
import uuid

import boto3
import pytest
from botocore.config import Config

HOST = "127.0.0.1"
START_TIMEOUT = 30.0


# --------------------------------------------------------------------------- TOTP (RFC 6238)


def totp(secret_b32, for_time=None, step=30, digits=6):
    """RFC 6238 TOTP with HMAC-SHA1 from a base32 secret (padding and case are forgiven)."""
    s = secret_b32.strip().replace(" ", "").upper()
    key = base64.b32decode(s + "=" * (-len(s) % 8))
    t = time.time() if for_time is None else for_time
    counter = int(t // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % (10**digits)
    return f"{value:0{digits}d}"


class FreshTotp:
    """Hands out a TOTP code for the current 30 s step, never the same step twice for one
    secret (a server may refuse a reused code, as Cognito does), and never in the last 3 s of
    a step (so the code is still current when it arrives)."""

    def __init__(self):
        self._used = set()

    def __call__(self, secret):
        while True:
            now = time.time()
            counter = int(now // 30)
            left = 30 - (now % 30)
            if (secret, counter) in self._used or left < 3:
                time.sleep(left + 0.2)
                continue
            self._used.add((secret, counter))
            return totp(secret, now)


# --------------------------------------------------------------------------- the server


class Server:
    def __init__(self, binary, config=None):
        self.config_path = None
        self.stopped = False
        self.url = "(not started)"
        args = [binary, "--port", "0"]
        if config is not None:
            fd, self.config_path = tempfile.mkstemp(prefix="cognito-conf-", suffix=".json")
            with os.fdopen(fd, "w") as f:
                json.dump(config, f)
            args += ["--config", self.config_path]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            bufsize=1,
        )
        self._lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        try:
            first = self._line("the port (stdout line 1)")
            if not first.isdigit():
                raise RuntimeError(f"stdout line 1 is not a port number: {first!r}")
            self.port = int(first)
            self.url = f"http://{HOST}:{self.port}"
            second = self._line("the readiness line (stdout line 2)")
            if not second.startswith("ready "):
                raise RuntimeError(f"stdout line 2 is not a readiness line: {second!r}")
            if second.split(" ", 1)[1].rstrip("/") != self.url:
                raise RuntimeError(f"readiness line {second!r} does not name {self.url}")
        except Exception as e:
            self.stop()
            pytest.fail(f"server did not start ({args}): {e}\nstderr:\n{self.stderr_text()}", pytrace=False)

    def _pump(self):
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\r\n"))
        self._lines.put(None)

    def _line(self, what):
        try:
            line = self._lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            raise RuntimeError(f"no {what} within {START_TIMEOUT:.0f} s") from None
        if line is None:
            raise RuntimeError(f"stdout closed before {what} (exit code {self.proc.poll()})")
        return line

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-4000:]

    def stop(self):
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.config_path:
            os.unlink(self.config_path)
            self.config_path = None


@pytest.fixture(scope="session")
def server_bin():
    path = os.environ.get("COGNITO_SIGNIN_SERVER_BIN")
    if not path:
        pytest.fail(
            "COGNITO_SIGNIN_SERVER_BIN is not set: point it at the cognito-signin-server binary, "
            "e.g. COGNITO_SIGNIN_SERVER_BIN=target/debug/cognito-signin-server pytest ...",
            pytrace=False,
        )
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"COGNITO_SIGNIN_SERVER_BIN={path!r} is not an executable file", pytrace=False)
    return path


@pytest.fixture(scope="session")
def start_server(server_bin):
    """Factory: start_server(config=None) -> Server (stopped at the end of the session)."""
    started = []

    def start(config=None):
        s = Server(server_bin, config)
        started.append(s)
        return s

    start.started = started
    yield start
    for s in started:
        s.stop()


@pytest.fixture(autouse=True)
def _servers_stay_up(request):
    """After each test: every server it used is still running (a crash is named, with stderr)."""
    yield
    if "start_server" not in request.fixturenames:
        return
    for s in request.getfixturevalue("start_server").started:
        if s.proc.poll() is not None and not s.stopped:
            s.stopped = True
            pytest.fail(f"the server at {s.url} died (exit {s.proc.returncode}) during this test; "
                        f"stderr:\n{s.stderr_text()}", pytrace=False)


@pytest.fixture(scope="session")
def server_url(start_server):
    """The URL of a server started with no config (everything is set up through the API)."""
    s = start_server()
    yield s.url
    s.stop()
    assert s.proc.returncode is not None


def make_client(url):
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


@pytest.fixture(scope="session")
def idp(server_url):
    """boto3 cognito-idp client for the API-only server."""
    return make_client(server_url)


@pytest.fixture(scope="session")
def client_for():
    """Factory: a boto3 cognito-idp client for a given server URL."""
    return make_client


@pytest.fixture(scope="session")
def fresh_totp():
    return FreshTotp()


# --------------------------------------------------------------------------- API set-up helpers

STRONG_POLICY = {
    "PasswordPolicy": {
        "MinimumLength": 10,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": False,
        "TemporaryPasswordValidityDays": 7,
    }
}


class Api:
    """Set-up through the API only (no config file)."""

    def __init__(self, idp):
        self.idp = idp

    def pool(self, **kw):
        kw.setdefault("PoolName", "py-" + uuid.uuid4().hex[:8])
        kw.setdefault("Policies", STRONG_POLICY)
        kw.setdefault("MfaConfiguration", "OFF")
        return self.idp.create_user_pool(**kw)["UserPool"]

    def client(self, pool_id, secret=False, flows=None, **kw):
        kw.setdefault("ClientName", "c-" + uuid.uuid4().hex[:6])
        kw.setdefault(
            "ExplicitAuthFlows",
            flows
            or [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )
        return self.idp.create_user_pool_client(UserPoolId=pool_id, GenerateSecret=secret, **kw)[
            "UserPoolClient"
        ]

    def user(self, pool_id, username, password, email=None, permanent=True):
        attrs = []
        if email:
            attrs = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        self.idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            TemporaryPassword="Tmp-" + password,
            MessageAction="SUPPRESS",
            UserAttributes=attrs,
        )
        if permanent:
            self.idp.admin_set_user_password(
                UserPoolId=pool_id, Username=username, Password=password, Permanent=True
            )

    def sign_in(self, pool_id, client, username, password):
        params = {"USERNAME": username, "PASSWORD": password}
        if client.get("ClientSecret"):
            params["SECRET_HASH"] = secret_hash(username, client["ClientId"], client["ClientSecret"])
        return self.idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client["ClientId"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=params,
        )


def secret_hash(username, client_id, client_secret):
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


@pytest.fixture(scope="session")
def api(idp):
    return Api(idp)


@pytest.fixture(scope="session")
def secret_hash_of():
    return secret_hash
