"""Bad replies and wrong types raise the typed exceptions (never a crash); secrets stay out of
repr(); device records round-trip through JSON. No server needed."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any, Dict, List, Tuple

import pytest

import cognito_signin as cs
from cognito_signin import Answer, Config, DeviceCredentials, SignIn, Start

CONFIG = Config("us-east-1_Example1", "exampleclient")
PASSWORD = "Correct-Horse-1"


def started() -> SignIn:
    machine, request = SignIn.start(CONFIG, Start.user_srp("jane", PASSWORD))
    assert request.operation == "InitiateAuth"
    return machine


BAD_REPLIES: List[Any] = [
    (200, "{"),
    (200, "[]"),
    (200, ""),
    (200, "null"),
    (200, '{"ChallengeName": 5}'),
    (200, '{"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {}}'),
    (200, '{"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {"SRP_B": "zz", '
     '"SALT": "01", "SECRET_BLOCK": "AA==", "USER_ID_FOR_SRP": "jane"}}'),
    (500, "<html><body><h1>500 Internal Server Error</h1></body></html>"),
    (502, b"\xff\xfe not utf-8"),
    (200, "x" * (1024 * 1024)),
    (200, '{"a": "' + "b" * (1024 * 1024) + '"}'),
    (200, "[" * 100000),
]


@pytest.mark.parametrize("status,body", BAD_REPLIES)
def test_bad_replies_raise_typed_errors(status: int, body: Any) -> None:
    machine = started()
    with pytest.raises((cs.ProtocolError, cs.ServiceError)) as info:
        machine.handle(status, body)
    assert info.value.final
    assert isinstance(info.value, cs.CognitoSignInError)
    assert machine.is_finished


def test_service_error_fields() -> None:
    machine = started()
    body = json.dumps({"__type": "NotAuthorizedException", "message": "Incorrect username or password."})
    with pytest.raises(cs.ServiceError) as info:
        machine.handle(400, body, error_type="NotAuthorizedException")
    e = info.value
    assert (e.kind, e.name, e.status, e.final) == (
        "NotAuthorizedException", "NotAuthorizedException", 400, True)
    assert e.message == "Incorrect username or password."
    assert e.to_dict()["type"] == "service"


WRONG_STARTS: List[Any] = [
    (None, Start.user_srp("jane", PASSWORD)),
    (5, Start.user_srp("jane", PASSWORD)),
    ("config", Start.user_srp("jane", PASSWORD)),
    ([], Start.user_srp("jane", PASSWORD)),
    ({"userPoolId": 5, "clientId": "c"}, Start.user_srp("jane", PASSWORD)),
    ({"userPoolId": "nounderscore", "clientId": "c"}, Start.user_srp("jane", PASSWORD)),
    ({"userPoolId": "us-east-1_X", "clientId": "c", "extra": 1}, Start.user_srp("jane", PASSWORD)),
    ({"userPoolId": "us-east-1_X", "clientId": "c", "privateBits": 512}, {"flow": "USER_SRP_AUTH"}),
    ({"userPoolId": "us-east-1_X", "clientId": "c", "devices": [{"username": "x"}]},
     Start.user_srp("jane", PASSWORD)),
    ({"userPoolId": "us-east-1_X", "clientId": "c", "devices": [object()]},
     Start.user_srp("jane", PASSWORD)),
    (CONFIG, None),
    (CONFIG, 7),
    (CONFIG, {"flow": "NOPE"}),
    (CONFIG, {"flow": "USER_SRP_AUTH", "username": "jane"}),
    (CONFIG, {"flow": "USER_SRP_AUTH", "username": b"jane", "password": "pw"}),
    (CONFIG, Start("USER_SRP_AUTH", username=5, password=PASSWORD)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("config,start", WRONG_STARTS)
def test_wrong_start_is_misuse(config: Any, start: Any) -> None:
    with pytest.raises(cs.MisuseError) as info:
        SignIn.start(config, start)
    assert not info.value.final
    assert PASSWORD not in str(info.value)


def test_wrong_types_to_every_method_change_nothing() -> None:
    machine = started()
    calls: List[Any] = [
        lambda: machine.handle("200", "{}"),  # type: ignore[arg-type]
        lambda: machine.handle(None, "{}"),  # type: ignore[arg-type]
        lambda: machine.handle(True, "{}"),
        lambda: machine.handle(70000, "{}"),
        lambda: machine.handle(-1, "{}"),
        lambda: machine.handle(200, None),  # type: ignore[arg-type]
        lambda: machine.handle(200, 5),  # type: ignore[arg-type]
        lambda: machine.handle(200, {"a": 1}),  # type: ignore[arg-type]
        lambda: machine.handle(200, "{}", date=5),  # type: ignore[arg-type]
        lambda: machine.handle(200, "{}", error_type=[]),  # type: ignore[arg-type]
        lambda: machine.handle(200, "{}", now=-5),
        lambda: machine.handle(200, "{}", now="now"),  # type: ignore[arg-type]
        lambda: machine.handle(200, "{}", now=float("nan")),
        lambda: machine.handle(200, "{}", now=10**30),
        lambda: machine.answer(None),  # type: ignore[arg-type]
        lambda: machine.answer(5),  # type: ignore[arg-type]
        lambda: machine.answer("code"),  # type: ignore[arg-type]
        lambda: machine.answer({"type": "nope"}),
        lambda: machine.answer({"type": "code", "code": 5}),
        # Out of order: no question is open.
        lambda: machine.answer(Answer.code("123456")),
        lambda: machine.answer(Answer.remember_device(True)),
    ]
    for call in calls:
        with pytest.raises(cs.MisuseError) as info:
            call()
        assert not info.value.final
        assert isinstance(info.value, TypeError)
        assert not machine.is_finished
    # Still waiting for the InitiateAuth reply.
    with pytest.raises(cs.ProtocolError):
        machine.handle(200, "{")


def test_native_machine_takes_only_str() -> None:
    from cognito_signin import _native

    for bad in (None, 5, b"{}", [], object()):
        with pytest.raises(TypeError):
            _native.Machine.start(bad, "{}", 1)  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        _native.Machine.start("{}", "{}", -1)


def test_no_secret_in_repr() -> None:
    secret = "S3cret-Value-XYZ"
    objects: List[Any] = [
        Start.user_srp("jane", secret),
        Start.refresh(secret, "jane"),
        Config("us-east-1_Example1", "c", client_secret=secret),
        Answer.new_password(secret),
        Answer.code(secret),
        Answer.custom(secret),
        Answer.first_factor("PASSWORD", password=secret),
        DeviceCredentials("jane", "us-east-1_key", "-group", secret),
        cs.Request("InitiateAuth", "T", secret),
        cs.Tokens(secret, secret, secret, "Bearer", 3600, 1),
        cs.Challenge("totpSetup", secret_code=secret, uri="otpauth://totp/x?secret=" + secret),
    ]
    for obj in objects:
        assert secret not in repr(obj), obj
        assert secret not in str(obj), obj
    machine, request = SignIn.start(CONFIG, Start.user_srp("jane", secret))
    assert secret not in repr(machine) and secret not in request.body


def test_device_record_json_round_trip() -> None:
    record = DeviceCredentials("7d4e-jane", "us-east-1_abcdef", "-GroupKey", "cGFzc3dvcmQ=")
    text = json.dumps(record.to_dict())
    assert json.loads(text) == {
        "username": "7d4e-jane",
        "deviceKey": "us-east-1_abcdef",
        "deviceGroupKey": "-GroupKey",
        "devicePassword": "cGFzc3dvcmQ=",
    }
    back = DeviceCredentials.from_dict(json.loads(text))
    assert back == record
    # The 0.1 names are read too.
    old = {"username": "u", "device_key": "k", "device_group_key": "g", "device_password": "p"}
    assert DeviceCredentials.from_dict(old) == DeviceCredentials("u", "k", "g", "p")
    # A record goes into the configuration as it is, and the machine accepts it.
    machine, _ = SignIn.start(Config(CONFIG.user_pool_id, CONFIG.client_id, devices=[back]),
                              Start.user_srp("jane", PASSWORD))
    assert not machine.is_finished
    with pytest.raises(cs.MisuseError):
        DeviceCredentials.from_dict({"username": "u"})


def test_memory_store_over_a_dict() -> None:
    mapping: dict[str, str] = {}
    store = cs.MemoryDeviceStore(mapping)
    record = DeviceCredentials("u", "us-east-1_k", "g", "p")
    store.save(record)
    assert json.loads(mapping["u"])["deviceKey"] == "us-east-1_k"
    assert store.load_all() == [record]
    store.forget("u")
    assert store.load_all() == []


def test_starts_in_threads() -> None:
    """The machine computes with the interpreter lock released; many threads at once work."""
    results: List[str] = []
    errors: List[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                _, request = SignIn.start(CONFIG, Start.user_srp("jane", PASSWORD))
                results.append(json.loads(request.body)["AuthParameters"]["SRP_A"])
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 20


def test_admin_flow_needs_sigv4_in_the_driver() -> None:
    machine, request = SignIn.start(
        CONFIG, Start("ADMIN_USER_PASSWORD_AUTH", username="jane", password=PASSWORD)
    )
    assert request.operation == "AdminInitiateAuth" and request.sigv4

    def send(r: cs.Request) -> Any:
        raise AssertionError("an unsigned admin request was sent")

    with pytest.raises(cs.MisuseError) as info:
        cs.run(machine, request, send, lambda p: {})
    assert info.value.kind == "needsSigv4"


class _Handler(http.server.BaseHTTPRequestHandler):
    replies: Dict[str, Tuple[int, bytes]] = {
        "html": (500, b"<html><body>Internal Server Error</body></html>"),
        "huge": (200, b"{" + b" " * (2 * 1024 * 1024)),
        "empty": (503, b""),
    }

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, body = self.replies[self.path.strip("/")]
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("path", ["html", "huge", "empty"])
def test_driver_over_http_bad_servers(path: str) -> None:
    """The driver against a server that answers HTML, an oversized body or nothing: the
    typed exceptions, never a crash."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{path}"
        with pytest.raises((cs.ProtocolError, cs.ServiceError)) as info:
            cs.sign_in(url, "us-east-1_Example1", "c", "jane", PASSWORD, ask=lambda p: {})
        assert info.value.final
        assert PASSWORD not in str(info.value)
    finally:
        httpd.shutdown()
        httpd.server_close()
