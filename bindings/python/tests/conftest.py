"""Fixtures: the local Cognito server (cognito-signin-server, configured from a file), the
reference pool with custom-auth triggers (over stdin/stdout), and a moto server.

Binaries: COGNITO_SIGNIN_SERVER_BIN (default target/debug/cognito-signin-server) and
COGNITO_CUSTOM_POOL_BIN (default target/debug/examples/custom_auth_pool), paths relative to the
repository root. moto is started from this interpreter's environment (moto[server] from
requirements-dev.txt) on 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import queue
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import cognito_signin
from cognito_signin import Request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HOST = "127.0.0.1"
START_TIMEOUT = 60.0


def binary(env: str, default: str) -> str:
    path = os.environ.get(env) or os.path.join(ROOT, default)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"{env}: {path!r} is not an executable file (build it first)", pytrace=False)
    return path


# --------------------------------------------------------------------------- TOTP (RFC 6238)


def totp(secret_b32: str, for_time: Optional[float] = None) -> str:
    s = secret_b32.strip().replace(" ", "").upper()
    key = base64.b32decode(s + "=" * (-len(s) % 8))
    counter = int((time.time() if for_time is None else for_time) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6
    return f"{value:06d}"


class FreshTotp:
    """A code for the current 30 s step, never the same step twice for one secret (a
    server may refuse a reused code), never in the last 3 s of a step."""

    def __init__(self) -> None:
        self._used: set[Tuple[str, int]] = set()

    def __call__(self, secret: str) -> str:
        while True:
            now = time.time()
            counter, left = int(now // 30), 30 - (now % 30)
            if (secret, counter) in self._used or left < 3:
                time.sleep(left + 0.2)
                continue
            self._used.add((secret, counter))
            return totp(secret, now)


@pytest.fixture(scope="session")
def fresh_totp() -> FreshTotp:
    return FreshTotp()


# --------------------------------------------------------------------------- the local server

POOL = "us-east-1_PyBind001"
PUBLIC = "pybindpublic"
SECRET_CLIENT = "pybindsecret"
CLIENT_SECRET = "pybind-client-secret-0123456789"
AUTH_POOL = "us-east-1_PyBind002"
AUTH_CLIENT = "pybinduserauth"
BOB_TOTP = "JBSWY3DPEHPK3PXP"
PASSWORD = "Correct-Horse-1"

SERVER_CONFIG: Dict[str, Any] = {
    "UserPools": [
        {
            "Id": POOL,
            "PoolName": "python-binding",
            "MfaConfiguration": "ON",
            "SoftwareTokenMfaConfiguration": {"Enabled": True},
            "DeviceConfiguration": {
                "ChallengeRequiredOnNewDevice": True,
                "DeviceOnlyRememberedOnUserPrompt": True,
            },
            "Policies": {"PasswordPolicy": {"MinimumLength": 8}},
            "Clients": [
                {
                    "ClientId": PUBLIC,
                    "ClientName": "public",
                    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                },
                {
                    "ClientId": SECRET_CLIENT,
                    "ClientName": "secret",
                    "ClientSecret": CLIENT_SECRET,
                    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                },
            ],
            "Users": [
                {"Username": "tina", "Password": PASSWORD},
                {"Username": "bob", "Password": PASSWORD, "SoftwareTokenSecret": BOB_TOTP},
            ],
        },
        {
            "Id": AUTH_POOL,
            "PoolName": "python-binding-user-auth",
            "MfaConfiguration": "OFF",
            "Policies": {"PasswordPolicy": {"MinimumLength": 8}},
            "Clients": [
                {
                    "ClientId": AUTH_CLIENT,
                    "ClientName": "user-auth",
                    "ExplicitAuthFlows": [
                        "ALLOW_USER_AUTH",
                        "ALLOW_USER_SRP_AUTH",
                        "ALLOW_REFRESH_TOKEN_AUTH",
                    ],
                }
            ],
            "Users": [
                {
                    "Username": "uma",
                    "Password": PASSWORD,
                    "Attributes": {"email": "uma@example.com", "email_verified": "true"},
                }
            ],
        },
    ]
}


class LocalServer:
    def __init__(self, path: str, config: Dict[str, Any]) -> None:
        fd, self.config_path = tempfile.mkstemp(prefix="cognito-py-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(config, f)
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [path, "--port", "0", "--config", self.config_path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            bufsize=1,
        )
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        def pump() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                lines.put(line.rstrip("\r\n"))
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        try:
            port = lines.get(timeout=START_TIMEOUT)
            ready = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            port = ready = None
        if not (port and port.isdigit() and ready and ready.startswith("ready ")):
            self.stop()
            self.stderr.seek(0)
            pytest.fail(f"server did not start: {self.stderr.read()[-2000:]!r}", pytrace=False)
        self.url = f"http://{HOST}:{port}/"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.path.exists(self.config_path):
            os.unlink(self.config_path)


@pytest.fixture(scope="session")
def server() -> Iterator[LocalServer]:
    s = LocalServer(
        binary("COGNITO_SIGNIN_SERVER_BIN", "target/debug/cognito-signin-server"), SERVER_CONFIG
    )
    yield s
    s.stop()


# --------------------------------------------------------------------------- custom-auth pool


class CustomPool:
    """The reference pool with custom-auth triggers, one request and reply a line."""

    def __init__(self, path: str, password: str, rounds: int) -> None:
        self.proc = subprocess.Popen(
            [path, password, str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            pytest.fail("custom_auth_pool did not start", pytrace=False)
        self.sent: List[str] = []

    def send(self, request: Request) -> Tuple[int, bytes, Optional[str], Optional[str]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.sent.append(request.operation)
        self.proc.stdin.write(json.dumps({"target": request.target, "body": request.body}) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        return reply["status"], reply["body"].encode(), None, reply["errorType"]

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def custom_pool() -> Iterator[CustomPool]:
    p = CustomPool(
        binary("COGNITO_CUSTOM_POOL_BIN", "target/debug/examples/custom_auth_pool"), PASSWORD, 2
    )
    yield p
    p.stop()


# --------------------------------------------------------------------------- moto

MOTO_TOTP_SECRET = "asdfasdfasdf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Moto:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}/"
        env = dict(os.environ, MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP="true")
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                req = urllib.request.Request(
                    self.url,
                    data=b"{}",
                    headers={
                        "Content-Type": "application/x-amz-json-1.1",
                        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
                    },
                )
                urllib.request.urlopen(req, timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        self.log.seek(0)
        pytest.fail(f"moto did not start: {self.log.read()[-2000:]!r}", pytrace=False)

    def admin(self, operation: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """An admin call (moto checks no signature)."""
        req = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"
                "cognito-idp/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as reply:
            result: Dict[str, Any] = json.loads(reply.read() or b"{}")
            return result

    def app(self, mfa: bool = False) -> Tuple[str, str]:
        pool = self.admin("CreateUserPool", {"PoolName": "py-" + uuid.uuid4().hex[:8]})
        pool_id = pool["UserPool"]["Id"]
        if mfa:
            self.admin(
                "SetUserPoolMfaConfig",
                {
                    "UserPoolId": pool_id,
                    "MfaConfiguration": "ON",
                    "SoftwareTokenMfaConfiguration": {"Enabled": True},
                },
            )
        client = self.admin(
            "CreateUserPoolClient",
            {
                "UserPoolId": pool_id,
                "ClientName": "c",
                "ExplicitAuthFlows": [
                    "ALLOW_USER_PASSWORD_AUTH",
                    "ALLOW_USER_SRP_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                ],
            },
        )
        return pool_id, client["UserPoolClient"]["ClientId"]

    def user(self, pool_id: str, name: str, password: str, permanent: bool) -> None:
        self.admin(
            "AdminCreateUser",
            {
                "UserPoolId": pool_id,
                "Username": name,
                "TemporaryPassword": password if not permanent else "Tmp-" + password,
                "MessageAction": "SUPPRESS",
            },
        )
        if permanent:
            self.admin(
                "AdminSetUserPassword",
                {"UserPoolId": pool_id, "Username": name, "Password": password, "Permanent": True},
            )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def moto() -> Iterator[Moto]:
    m = Moto()
    yield m
    m.stop()


def moto_rewrite(
    reply: Tuple[int, bytes, Optional[str], Optional[str]], applied: List[str]
) -> Tuple[int, bytes, Optional[str], Optional[str]]:
    """moto sends MFAS_CAN_SETUP as a Python list text (``['SOFTWARE_TOKEN_MFA']``), which
    the machine rightly refuses; Cognito sends a JSON array in the string."""
    status, body, date, error_type = reply
    try:
        data = json.loads(body)
    except ValueError:
        return reply
    params = data.get("ChallengeParameters") if isinstance(data, dict) else None
    text = params.get("MFAS_CAN_SETUP") if isinstance(params, dict) else None
    if isinstance(params, dict) and isinstance(text, str) and text.startswith("['"):
        items = [i.strip().strip("'") for i in text.strip("[]").split(",") if i.strip()]
        params["MFAS_CAN_SETUP"] = json.dumps(items)
        applied.append("MFAS_CAN_SETUP")
        body = json.dumps(data).encode()
    return status, body, date, error_type


_ = cognito_signin  # the package under test, imported once for a clear error if missing
