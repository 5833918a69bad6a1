"""A whole sign-in over HTTP with the standard library (``urllib.request``)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, MutableMapping, Optional, Tuple, Union

from ._errors import MisuseError, ProtocolError, misuse
from ._machine import SignIn
from ._types import (
    Answer,
    Config,
    DeviceCredentials,
    Done,
    NeedInput,
    Prompt,
    Request,
    Send,
    SignedIn,
    Start,
)

__all__ = [
    "DeviceStore",
    "MemoryDeviceStore",
    "FileDeviceStore",
    "post",
    "run",
    "sign_in",
]

#: The largest reply body read (Cognito's replies are a few KiB).
MAX_REPLY_BYTES = 1024 * 1024


class DeviceStore:
    """Where remembered devices are kept, one record per user (internal username).

    Subclass it and override ``load_all``, ``save`` and ``forget``; or use
    :class:`MemoryDeviceStore` (over any dict-like of username to JSON text) or
    :class:`FileDeviceStore` (one JSON file)."""

    def load_all(self) -> List[DeviceCredentials]:
        """Every stored record (the machine sends only the one of the user signing in)."""
        raise NotImplementedError

    def save(self, credentials: DeviceCredentials) -> None:
        """Stores (or replaces) the user's record."""
        raise NotImplementedError

    def forget(self, username: str) -> None:
        """Deletes the user's record (the service forgot the device)."""
        raise NotImplementedError


class MemoryDeviceStore(DeviceStore):
    """Records in a dict-like of username to the record's JSON text (a plain dict, a
    ``shelve``, a keyring adapter, ...)."""

    def __init__(self, mapping: Optional[MutableMapping[str, str]] = None) -> None:
        self.mapping: MutableMapping[str, str] = {} if mapping is None else mapping

    def load_all(self) -> List[DeviceCredentials]:
        return [DeviceCredentials.from_dict(json.loads(v)) for v in self.mapping.values()]

    def save(self, credentials: DeviceCredentials) -> None:
        self.mapping[credentials.username] = json.dumps(credentials.to_dict())

    def forget(self, username: str) -> None:
        self.mapping.pop(username, None)


class FileDeviceStore(DeviceStore):
    """Records in one JSON file (a list in the JSON form), written atomically with mode
    0600: it holds each device's password."""

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()

    def _read(self) -> List[DeviceCredentials]:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return []
        if not isinstance(data, list):
            raise misuse(f"{self.path} is not a list of device records", "devices")
        return [DeviceCredentials.from_dict(d) for d in data]

    def _write(self, records: List[DeviceCredentials]) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        fd, tmp = tempfile.mkstemp(prefix=".devices-", dir=folder)
        try:
            os.chmod(tmp, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump([r.to_dict() for r in records], f)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def load_all(self) -> List[DeviceCredentials]:
        with self._lock:
            return self._read()

    def save(self, credentials: DeviceCredentials) -> None:
        with self._lock:
            records = [r for r in self._read() if r.username != credentials.username]
            self._write(records + [credentials])

    def forget(self, username: str) -> None:
        with self._lock:
            self._write([r for r in self._read() if r.username != username])


def post(
    endpoint: str, request: Request, timeout: float = 30.0
) -> Tuple[int, bytes, Optional[str], Optional[str]]:
    """Sends one request; returns ``(status, body, date, error_type)``. A 4xx or 5xx reply
    is returned like a 200 (the machine reads it); only a failure to get any reply raises
    (``OSError``)."""
    http_request = urllib.request.Request(
        endpoint, data=request.body.encode("utf-8"), headers=request.headers, method="POST"
    )
    try:
        reply = urllib.request.urlopen(http_request, timeout=timeout)
    except urllib.error.HTTPError as e:
        reply = e
    with reply:
        body = reply.read(MAX_REPLY_BYTES + 1)
        headers = reply.headers
        status = int(reply.status if hasattr(reply, "status") else reply.getcode())
    return status, body, headers.get("Date"), headers.get("x-amzn-ErrorType")


Sender = Callable[[Request], Tuple[int, bytes, Optional[str], Optional[str]]]


def run(
    machine: SignIn,
    request: Request,
    send: Sender,
    ask: Callable[[Prompt], Union[Answer, Dict[str, Any]]],
) -> SignedIn:
    """Drives a started sign-in to its end: ``send(request)`` returns
    ``(status, body, date, error_type)``, ``ask(prompt)`` the user's answer. A
    :class:`MisuseError` of ``ask``'s answer propagates; the machine is unchanged by it."""
    step: Union[Send, NeedInput, Done] = Send(request)
    while True:
        if isinstance(step, Send):
            if step.request.sigv4:
                raise MisuseError(
                    f"{step.request.operation} needs SigV4 signing, which this driver does not do",
                    kind="needsSigv4",
                    field=step.request.operation,
                )
            step = machine.handle(*send(step.request))
        elif isinstance(step, NeedInput):
            step = machine.answer(ask(step.prompt))
        elif isinstance(step, Done):
            return step.signed_in
        else:
            raise ProtocolError("the machine gave no step", kind="internal", final=True)


def sign_in(
    endpoint: str,
    user_pool_id: str,
    client_id: str,
    username: str,
    password: str,
    ask: Callable[[Prompt], Union[Answer, Dict[str, Any]]],
    client_secret: Optional[str] = None,
    device_store: Optional[Union[DeviceStore, MutableMapping[str, str]]] = None,
    flow: str = "USER_SRP_AUTH",
    device_name: Optional[str] = None,
    timeout: float = 30.0,
) -> SignedIn:
    """Signs a user in over HTTP and returns the :class:`SignedIn`.

    ``endpoint`` is ``https://cognito-idp.<region>.amazonaws.com/`` (or a local server).
    ``ask(prompt)`` is called for every question (MFA code, new password, which MFA,
    whether to remember the device, ...) and returns an :class:`Answer`. The remembered
    devices of ``device_store`` are passed in; a new device is saved there, and a device the
    service forgot is deleted. ``flow`` is ``USER_SRP_AUTH`` (the default),
    ``USER_PASSWORD_AUTH``, ``CUSTOM_AUTH`` (SRP first) or ``USER_AUTH`` (with
    ``PASSWORD_SRP`` preferred)."""
    for name, value in (
        ("endpoint", endpoint),
        ("user_pool_id", user_pool_id),
        ("client_id", client_id),
        ("username", username),
        ("password", password),
    ):
        if not isinstance(value, str):
            raise misuse(f"{name} must be a str", name)
    if not callable(ask):
        raise misuse("ask must be callable", "ask")
    store: Optional[DeviceStore]
    if device_store is None or isinstance(device_store, DeviceStore):
        store = device_store
    elif isinstance(device_store, MutableMapping):
        store = MemoryDeviceStore(device_store)
    else:
        raise misuse("device_store must be a DeviceStore or a dict-like", "device_store")
    config = Config(
        user_pool_id,
        client_id,
        client_secret=client_secret,
        devices=store.load_all() if store else [],
        device_name=device_name,
    )
    if flow in ("USER_SRP_AUTH", "USER_PASSWORD_AUTH"):
        start = Start(flow, username=username, password=password)
    elif flow == "CUSTOM_AUTH":
        start = Start.custom(username, password)
    elif flow == "USER_AUTH":
        start = Start.user_auth(username, "PASSWORD_SRP", password)
    else:
        raise misuse(f"unknown flow {flow!r}", "flow")

    def send(request: Request) -> Tuple[int, bytes, Optional[str], Optional[str]]:
        return post(endpoint, request, timeout)

    machine, request = SignIn.start(config, start)
    signed_in = run(machine, request, send, lambda p: _answer(ask, p))
    if store is not None:
        if signed_in.device_forgotten:
            store.forget(signed_in.username)
        if signed_in.device_credentials is not None:
            store.save(signed_in.device_credentials)
    return signed_in


def _answer(
    ask: Callable[[Prompt], Union[Answer, Dict[str, Any]]], prompt: Prompt
) -> Union[Answer, Dict[str, Any]]:
    answer = ask(prompt)
    if not isinstance(answer, (Answer, dict)):
        raise misuse("ask must return an Answer", "answer")
    return answer

