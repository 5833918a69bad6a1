"""The exceptions: whose fault it was, in three classes under one base."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

__all__ = [
    "CognitoSignInError",
    "ServiceError",
    "ProtocolError",
    "MisuseError",
    "error_from_json",
]


class CognitoSignInError(Exception):
    """Base of every error of this package.

    ``kind`` is the service's exception name (``NotAuthorizedException``) for a
    :class:`ServiceError`, otherwise the variant in camelCase (``missingField``,
    ``answerDoesNotFit``, ``badJson``, ...). ``field`` names the field, operation or
    challenge concerned, ``status`` is the HTTP status of the reply (service errors only).
    ``final`` says whether the sign-in is over; when it is not, the machine waits for the
    same reply or answer as before.
    """

    type: str = "error"

    def __init__(
        self,
        message: str,
        *,
        kind: str = "",
        field: Optional[str] = None,
        status: Optional[int] = None,
        final: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.field = field
        self.status = status
        self.final = final

    @property
    def name(self) -> str:
        """The error's name: the service's exception name, or the kind."""
        return self.kind

    def to_dict(self) -> Dict[str, Any]:
        """The error in the JSON form."""
        return {
            "type": self.type,
            "kind": self.kind,
            "field": self.field,
            "status": self.status,
            "message": self.message,
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(kind={self.kind!r}, field={self.field!r}, "
            f"status={self.status!r}, message={self.message!r})"
        )

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}" if self.kind else self.message


class ServiceError(CognitoSignInError):
    """The service refused (``NotAuthorizedException``, ``CodeMismatchException``, ...): the
    sign-in is over. ``name`` and ``kind`` are the service's exception name, ``status`` the
    HTTP status."""

    type = "service"


class ProtocolError(CognitoSignInError):
    """The reply was not what Cognito sends (not JSON, a missing or malformed field, an HTML
    error page): the sign-in is over."""

    type = "protocol"


class MisuseError(CognitoSignInError, TypeError):
    """A mistake of the caller: an answer that does not fit the question, a call out of
    order, a value of the wrong type or shape. Nothing changed; the same call can be made
    again with the right value."""

    type = "misuse"


_CLASSES = {"service": ServiceError, "protocol": ProtocolError, "misuse": MisuseError}


def error_from_json(text: str, final: bool) -> CognitoSignInError:
    """The exception for an error in the JSON form."""
    try:
        data = json.loads(text)
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    cls = _CLASSES.get(str(data.get("type")), CognitoSignInError)
    status = data.get("status")
    return cls(
        str(data.get("message") or data.get("kind") or "error"),
        kind=str(data.get("kind") or ""),
        field=data.get("field") if isinstance(data.get("field"), str) else None,
        status=status if isinstance(status, int) else None,
        final=bool(final),
    )


def misuse(message: str, field: Optional[str] = None) -> MisuseError:
    """A caller's mistake found on the Python side (wrong type)."""
    return MisuseError(message, kind="badArgument", field=field)
