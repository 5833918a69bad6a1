"""The sign-in state machine: the native machine with typed values on both sides."""

from __future__ import annotations

import json
import time
from typing import Any, Mapping, Optional, Tuple, Union

from . import _native
from ._errors import CognitoSignInError, error_from_json, misuse
from ._types import Answer, Config, Request, Start, Step, step_from_dict

__all__ = ["SignIn"]

ConfigLike = Union[Config, Mapping[str, Any]]
StartLike = Union[Start, Mapping[str, Any]]
AnswerLike = Union[Answer, Mapping[str, Any]]


def _as_json(value: Any, cls: type, what: str) -> str:
    if isinstance(value, cls):
        data = value.to_dict()  # type: ignore[attr-defined]
    elif isinstance(value, Mapping):
        data = dict(value)
        if what == "config" and isinstance(data.get("devices"), list):
            data["devices"] = [
                d.to_dict() if hasattr(d, "to_dict") else d for d in data["devices"]
            ]
    else:
        raise misuse(f"{what} must be a {cls.__name__} or a dict, not {type(value).__name__}", what)
    try:
        return json.dumps(data)
    except (TypeError, ValueError) as e:
        raise misuse(f"{what} is not JSON-serialisable: {type(e).__name__}", what) from None


def _now(now: Optional[float]) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, bool) or not isinstance(now, (int, float)) or now != now or now < 0:
        raise misuse("now must be Unix seconds (a non-negative number)", "now")
    if now >= 2**63:
        raise misuse("now is out of range", "now")
    return int(now)


def _call(fn: Any, *args: Any) -> Any:
    try:
        result = fn(*args)
    except _native.NativeError as e:
        text, final = e.args if len(e.args) == 2 else ("{}", True)
        raise error_from_json(str(text), bool(final)) from None
    except OverflowError:
        raise misuse("a number is out of range", None) from None
    if not isinstance(result, (str, tuple)):
        raise CognitoSignInError("unexpected native result")
    return result


def _step(text: str) -> Step:
    return step_from_dict(json.loads(text))


class SignIn:
    """A sign-in in progress.

    >>> machine, request = SignIn.start(config, Start.user_srp("jane", password))
    >>> # send request, then:
    >>> step = machine.handle(status, body, date=date_header)

    ``handle`` and ``answer`` return a :data:`Step`: :class:`Send` (send the request),
    :class:`NeedInput` (ask the user) or :class:`Done` (the tokens). Errors are raised:
    :class:`ServiceError` and :class:`ProtocolError` end the sign-in, a
    :class:`MisuseError` changes nothing. The interpreter lock is released while the
    machine computes.
    """

    __slots__ = ("_machine",)
    _machine: _native.Machine

    def __init__(self) -> None:
        raise TypeError("use SignIn.start(config, start)")

    @classmethod
    def start(
        cls, config: ConfigLike, start: StartLike, now: Optional[float] = None
    ) -> Tuple["SignIn", Request]:
        """Starts a sign-in: returns the machine and the first request. ``config`` and
        ``start`` are a :class:`Config` and a :class:`Start`, or dicts in the JSON form;
        ``now`` is Unix seconds (default: the system clock)."""
        config_json = _as_json(config, Config, "config")
        start_json = _as_json(start, Start, "start")
        t = _now(now)
        native, request = _call(_native.Machine.start, config_json, start_json, t)
        self = object.__new__(cls)
        self._machine = native
        return self, Request.from_dict(json.loads(request))

    def handle(
        self,
        status: int,
        body: Union[str, bytes],
        date: Optional[str] = None,
        error_type: Optional[str] = None,
        now: Optional[float] = None,
    ) -> Step:
        """Feeds the reply to the last request: its HTTP status, its body (a 4xx reply is
        as much a reply as a 200), its ``Date`` header (corrects ``TIMESTAMP`` by the
        server's clock) and its ``x-amzn-ErrorType`` header."""
        if isinstance(status, bool) or not isinstance(status, int):
            raise misuse("status must be an int", "status")
        if isinstance(body, (bytes, bytearray, memoryview)):
            body = bytes(body).decode("utf-8", "replace")
        if not isinstance(body, str):
            raise misuse("body must be str or bytes", "body")
        if date is not None and not isinstance(date, str):
            raise misuse("date must be a str or None", "date")
        if error_type is not None and not isinstance(error_type, str):
            raise misuse("error_type must be a str or None", "error_type")
        if not 0 <= status <= 65535:
            raise misuse("status is out of range", "status")
        reply = json.dumps(
            {"status": status, "body": body, "date": date, "errorType": error_type}
        )
        return _step(_call(self._machine.handle, reply, _now(now)))

    def answer(self, answer: AnswerLike, now: Optional[float] = None) -> Step:
        """Passes the user's answer to the open question."""
        answer_json = _as_json(answer, Answer, "answer")
        return _step(_call(self._machine.answer, answer_json, _now(now)))

    @property
    def username(self) -> str:
        """The username used so far: the typed one until the service names the internal
        one."""
        return str(self._machine.username)

    @property
    def is_finished(self) -> bool:
        """Whether the sign-in is finished (done or failed)."""
        return bool(self._machine.is_finished)

    def __repr__(self) -> str:
        return f"SignIn(username={self.username!r}, finished={self.is_finished})"
