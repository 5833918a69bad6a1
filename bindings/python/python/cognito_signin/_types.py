"""Small typed classes over the JSON form of the conversation.

Every class here has ``to_dict()`` (the JSON form, camelCase) and, where it comes back from
the machine, ``from_dict()``. None of them shows a secret in ``repr()``: passwords, tokens,
request bodies, the device password and the TOTP secret are printed as ``<redacted>``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ._errors import ServiceError, error_from_json, misuse

__all__ = [
    "Config",
    "Start",
    "Request",
    "Challenge",
    "Prompt",
    "Answer",
    "Tokens",
    "DeviceCredentials",
    "DeviceStatus",
    "NewDevice",
    "SignedIn",
    "Send",
    "NeedInput",
    "Done",
    "Step",
]

REDACTED = "<redacted>"


def _repr(obj: Any, secret: Sequence[str]) -> str:
    parts = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        shown = REDACTED if (f.name in secret and value is not None) else repr(value)
        parts.append(f"{f.name}={shown}")
    return f"{type(obj).__name__}({', '.join(parts)})"


def _str(d: Mapping[str, Any], key: str) -> str:
    value = d.get(key)
    return value if isinstance(value, str) else ""


def _opt_str(d: Mapping[str, Any], key: str) -> Optional[str]:
    value = d.get(key)
    return value if isinstance(value, str) else None


def _strs(d: Mapping[str, Any], key: str) -> List[str]:
    value = d.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _str_map(d: Mapping[str, Any], key: str) -> Dict[str, str]:
    value = d.get(key)
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _compact(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


# --------------------------------------------------------------------------- devices


@dataclass(frozen=True, repr=False)
class DeviceCredentials:
    """A remembered device: store it after a sign-in that registered one (it holds a
    long-term secret, the device password), pass it in ``Config.devices`` next time.

    ``to_dict()`` / ``from_dict()`` are the JSON form, so ``json.dumps(c.to_dict())`` and
    ``DeviceCredentials.from_dict(json.loads(text))`` round-trip."""

    username: str
    device_key: str
    device_group_key: str
    device_password: str

    def __repr__(self) -> str:
        return _repr(self, ("device_password",))

    def to_dict(self) -> Dict[str, Any]:
        return {
            "username": self.username,
            "deviceKey": self.device_key,
            "deviceGroupKey": self.device_group_key,
            "devicePassword": self.device_password,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "DeviceCredentials":
        if not isinstance(d, Mapping):
            raise misuse("a device record must be a dict", "devices")
        names = {
            "username": ("username",),
            "device_key": ("deviceKey", "device_key"),
            "device_group_key": ("deviceGroupKey", "device_group_key"),
            "device_password": ("devicePassword", "device_password"),
        }
        values: Dict[str, str] = {}
        for attr, keys in names.items():
            for key in keys:
                if isinstance(d.get(key), str):
                    values[attr] = d[key]
                    break
            else:
                raise misuse(f"a device record needs {keys[0]} (a str)", "devices")
        return cls(**values)


@dataclass(frozen=True)
class DeviceStatus:
    """What became of a new device: ``remembered``, ``notRemembered``, ``notConfirmed`` or
    ``failed`` (with the error; the tokens are good all the same)."""

    type: str
    error: Optional[Dict[str, Any]] = None

    @classmethod
    def from_dict(cls, d: Any) -> "DeviceStatus":
        if not isinstance(d, dict):
            return cls("notConfirmed")
        err = d.get("error")
        return cls(_str(d, "type"), err if isinstance(err, dict) else None)


@dataclass(frozen=True)
class NewDevice:
    """The device Cognito issued with the tokens (``NewDeviceMetadata``)."""

    device_key: str
    device_group_key: str
    credentials: Optional[DeviceCredentials]
    status: DeviceStatus

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "NewDevice":
        creds = d.get("credentials")
        return cls(
            device_key=_str(d, "deviceKey"),
            device_group_key=_str(d, "deviceGroupKey"),
            credentials=DeviceCredentials.from_dict(creds) if isinstance(creds, dict) else None,
            status=DeviceStatus.from_dict(d.get("status")),
        )


# --------------------------------------------------------------------------- inputs


@dataclass
class Config:
    """The app client: pool, client id, optional secret, remembered devices and the
    settings of the JSON form's ``Config``. A plain dict in the JSON form is accepted too
    wherever a ``Config`` is."""

    user_pool_id: str
    client_id: str
    client_secret: Optional[str] = None
    devices: List[DeviceCredentials] = field(default_factory=list)
    private_bits: Optional[int] = None
    device_name: Optional[str] = None
    confirm_new_devices: Optional[bool] = None
    totp_issuer: Optional[str] = None
    totp_device_name: Optional[str] = None
    client_metadata: Optional[Dict[str, str]] = None

    def __repr__(self) -> str:
        return _repr(self, ("client_secret",))

    def to_dict(self) -> Dict[str, Any]:
        devices: List[Any] = []
        for d in self.devices:
            devices.append(d.to_dict() if isinstance(d, DeviceCredentials) else d)
        return _compact(
            {
                "userPoolId": self.user_pool_id,
                "clientId": self.client_id,
                "clientSecret": self.client_secret,
                "devices": devices,
                "privateBits": self.private_bits,
                "deviceName": self.device_name,
                "confirmNewDevices": self.confirm_new_devices,
                "totpIssuer": self.totp_issuer,
                "totpDeviceName": self.totp_device_name,
                "clientMetadata": self.client_metadata,
            }
        )


@dataclass
class Start:
    """How the sign-in starts. Use the class methods (``Start.user_srp(...)``, ...); a
    plain dict in the JSON form is accepted too wherever a ``Start`` is."""

    flow: str
    username: Optional[str] = None
    password: Optional[str] = None
    preferred: Optional[Dict[str, Any]] = None
    refresh_token: Optional[str] = None
    admin: bool = False
    session: Optional[str] = None
    device_key: Optional[str] = None

    def __repr__(self) -> str:
        return _repr(self, ("password", "preferred", "refresh_token", "session"))

    @classmethod
    def user_srp(cls, username: str, password: str) -> "Start":
        """``USER_SRP_AUTH``: the password never leaves the client."""
        return cls("USER_SRP_AUTH", username=username, password=password)

    @classmethod
    def user_password(cls, username: str, password: str) -> "Start":
        """``USER_PASSWORD_AUTH``: the password is sent (over TLS)."""
        return cls("USER_PASSWORD_AUTH", username=username, password=password)

    @classmethod
    def custom(cls, username: str, password: Optional[str] = None) -> "Start":
        """``CUSTOM_AUTH``; with a password, SRP comes first (``CHALLENGE_NAME = SRP_A``)."""
        return cls("CUSTOM_AUTH", username=username, password=password)

    @classmethod
    def user_auth(
        cls, username: str, preferred: Optional[str] = None, password: Optional[str] = None
    ) -> "Start":
        """``USER_AUTH`` (choice-based); ``preferred`` names a first factor
        (``PASSWORD``, ``PASSWORD_SRP`` with ``password``, ``EMAIL_OTP``, ...)."""
        pref = None
        if preferred is not None:
            pref = _compact({"factor": preferred, "password": password})
        return cls("USER_AUTH", username=username, preferred=pref)

    @classmethod
    def refresh(
        cls, refresh_token: str, username: Optional[str] = None, device_key: Optional[str] = None
    ) -> "Start":
        """``REFRESH_TOKEN_AUTH``; ``username`` is the internal one (``SignedIn.username``),
        needed with a client secret; ``device_key`` for tokens issued on a device."""
        return cls(
            "REFRESH_TOKEN_AUTH",
            username=username,
            refresh_token=refresh_token,
            device_key=device_key,
        )

    @classmethod
    def refresh_rotating(cls, refresh_token: str) -> "Start":
        """``GetTokensFromRefreshToken`` (refresh-token rotation)."""
        return cls("GetTokensFromRefreshToken", refresh_token=refresh_token)

    def to_dict(self) -> Dict[str, Any]:
        return _compact(
            {
                "flow": self.flow,
                "username": self.username,
                "password": self.password,
                "preferred": self.preferred,
                "refreshToken": self.refresh_token,
                "admin": True if self.admin else None,
                "session": self.session,
                "deviceKey": self.device_key,
            }
        )


@dataclass(frozen=True, repr=False)
class Answer:
    """The user's answer to a :class:`Prompt`. Build it with the class methods:
    ``Answer.code("123456")``, ``Answer.new_password(...)``, ``Answer.mfa(...)``,
    ``Answer.setup_totp()``, ``Answer.setup_email(...)``, ``Answer.custom(...)``,
    ``Answer.first_factor(...)``, ``Answer.password(...)``, ``Answer.credential(...)``,
    ``Answer.remember_device(...)``. A plain dict in the JSON form is accepted too."""

    data: Dict[str, Any]

    def __repr__(self) -> str:
        shown = {
            k: (REDACTED if k in ("password", "code", "answer", "credential") else v)
            for k, v in self.data.items()
        }
        return f"Answer({shown!r})"

    @property
    def type(self) -> str:
        return str(self.data.get("type"))

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.data)

    @classmethod
    def code(cls, code: str) -> "Answer":
        """An MFA or one-time code (SMS, TOTP, email), or the first code of a TOTP set-up."""
        return cls({"type": "code", "code": code})

    @classmethod
    def mfa(cls, mfa: str) -> "Answer":
        """Which MFA to use (``SELECT_MFA_TYPE``): ``SMS_MFA``, ``SOFTWARE_TOKEN_MFA``,
        ``EMAIL_OTP``."""
        return cls({"type": "mfa", "mfa": mfa})

    @classmethod
    def setup_totp(cls) -> "Answer":
        """Set up an authenticator app (``MFA_SETUP``)."""
        return cls({"type": "setUpTotp"})

    @classmethod
    def setup_email(cls, email: str) -> "Answer":
        """Set up email MFA (``MFA_SETUP``) with this address."""
        return cls({"type": "setUpEmail", "email": email})

    @classmethod
    def new_password(
        cls, password: str, attributes: Optional[Mapping[str, str]] = None
    ) -> "Answer":
        """The new password (``NEW_PASSWORD_REQUIRED``) and the required attributes."""
        return cls(
            {"type": "newPassword", "password": password, "attributes": dict(attributes or {})}
        )

    @classmethod
    def custom(cls, answer: str) -> "Answer":
        """The answer to a ``CUSTOM_CHALLENGE``."""
        return cls({"type": "custom", "answer": answer})

    @classmethod
    def first_factor(
        cls, factor: str, password: Optional[str] = None, credential: Optional[str] = None
    ) -> "Answer":
        """The first factor chosen at ``SELECT_CHALLENGE``: ``PASSWORD`` / ``PASSWORD_SRP``
        with the password, ``EMAIL_OTP``, ``SMS_OTP``, ``WEB_AUTHN``."""
        return cls(
            _compact(
                {
                    "type": "firstFactor",
                    "factor": factor,
                    "password": password,
                    "credential": credential,
                }
            )
        )

    @classmethod
    def password(cls, password: str) -> "Answer":
        """The password, when the ``PASSWORD`` / ``PASSWORD_SRP`` challenge asks for it."""
        return cls({"type": "password", "password": password})

    @classmethod
    def credential(cls, credential: str) -> "Answer":
        """The passkey credential (``WEB_AUTHN``), as JSON text."""
        return cls({"type": "credential", "credential": credential})

    @classmethod
    def remember_device(cls, remember: bool) -> "Answer":
        """Whether to remember this device (pools that let the user choose)."""
        return cls({"type": "rememberDevice", "remember": bool(remember)})


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True, repr=False)
class Request:
    """A request to send: POST ``body`` to the endpoint with ``Content-Type:
    content_type`` and ``X-Amz-Target: target`` (SigV4-signed when ``sigv4``)."""

    operation: str
    target: str
    body: str
    content_type: str = "application/x-amz-json-1.1"
    sigv4: bool = False

    def __repr__(self) -> str:
        return _repr(self, ("body",))

    @property
    def headers(self) -> Dict[str, str]:
        """The two headers to send."""
        return {"Content-Type": self.content_type, "X-Amz-Target": self.target}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Request":
        return cls(
            operation=_str(d, "operation"),
            target=_str(d, "target"),
            body=_str(d, "body"),
            content_type=_str(d, "contentType") or "application/x-amz-json-1.1",
            sigv4=bool(d.get("sigv4")),
        )


@dataclass(frozen=True, repr=False)
class Challenge:
    """What the user is asked. ``type`` is the JSON form's tag (``softwareTokenMfa``,
    ``smsMfa``, ``emailOtp``, ``smsOtp``, ``selectMfaType``, ``mfaSetup``, ``totpSetup``,
    ``newPassword``, ``custom``, ``selectChallenge``, ``password``, ``webAuthn``,
    ``rememberDevice``); the other members are set for the types that have them."""

    type: str
    destination: Optional[str] = None
    friendly_device_name: Optional[str] = None
    options: List[str] = field(default_factory=list)
    secret_code: Optional[str] = None
    uri: Optional[str] = None
    required_attributes: List[str] = field(default_factory=list)
    user_attributes: Dict[str, str] = field(default_factory=dict)
    parameters: Dict[str, str] = field(default_factory=dict)
    available: List[str] = field(default_factory=list)
    srp: Optional[bool] = None
    credential_request_options: Optional[str] = None

    def __repr__(self) -> str:
        # The TOTP secret seeds every future code: never in logs.
        return _repr(self, ("secret_code", "uri"))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Challenge":
        srp = d.get("srp")
        return cls(
            type=_str(d, "type"),
            destination=_opt_str(d, "destination"),
            friendly_device_name=_opt_str(d, "friendlyDeviceName"),
            options=_strs(d, "options"),
            secret_code=_opt_str(d, "secretCode"),
            uri=_opt_str(d, "uri"),
            required_attributes=_strs(d, "requiredAttributes"),
            user_attributes=_str_map(d, "userAttributes"),
            parameters=_str_map(d, "parameters"),
            available=_strs(d, "available"),
            srp=srp if isinstance(srp, bool) else None,
            credential_request_options=_opt_str(d, "credentialRequestOptions"),
        )


@dataclass(frozen=True)
class Prompt:
    """A question for the user, with the service's error when the last answer was
    refused (a wrong code asked again)."""

    challenge: Challenge
    previous_error: Optional[ServiceError] = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Prompt":
        prev = d.get("previousError")
        err = None
        if isinstance(prev, dict):
            e = error_from_json(_dumps(prev), final=False)
            err = e if isinstance(e, ServiceError) else ServiceError(e.message, kind=e.kind)
        ch = d.get("challenge")
        return cls(Challenge.from_dict(ch if isinstance(ch, dict) else {}), err)


@dataclass(frozen=True, repr=False)
class Tokens:
    """The tokens. ``expires_at`` is Unix seconds."""

    access_token: str
    id_token: Optional[str]
    refresh_token: Optional[str]
    token_type: str
    expires_in: int
    expires_at: int

    def __repr__(self) -> str:
        return _repr(self, ("access_token", "id_token", "refresh_token"))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Tokens":
        ein, eat = d.get("expiresIn"), d.get("expiresAt")
        return cls(
            access_token=_str(d, "accessToken"),
            id_token=_opt_str(d, "idToken"),
            refresh_token=_opt_str(d, "refreshToken"),
            token_type=_str(d, "tokenType"),
            expires_in=ein if isinstance(ein, int) else 0,
            expires_at=eat if isinstance(eat, int) else 0,
        )


@dataclass(frozen=True)
class SignedIn:
    """The end of a sign-in: the tokens, the internal username (for refresh and devices),
    the new device if one was issued, and whether a remembered device was forgotten by
    the service (delete its record)."""

    tokens: Tokens
    username: str
    new_device: Optional[NewDevice] = None
    device_forgotten: bool = False
    device_key: Optional[str] = None

    @property
    def device_credentials(self) -> Optional[DeviceCredentials]:
        """The record to store, when a device was confirmed."""
        return self.new_device.credentials if self.new_device else None

    def refresh_start(self) -> Start:
        """The start of a refresh of these tokens (internal username, device key)."""
        if not self.tokens.refresh_token:
            raise misuse("these tokens have no refresh token", "refreshToken")
        return Start.refresh(self.tokens.refresh_token, self.username, self.device_key)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SignedIn":
        nd = d.get("newDevice")
        tokens = d.get("tokens")
        return cls(
            tokens=Tokens.from_dict(tokens if isinstance(tokens, dict) else {}),
            username=_str(d, "username"),
            new_device=NewDevice.from_dict(nd) if isinstance(nd, dict) else None,
            device_forgotten=bool(d.get("deviceForgotten")),
            device_key=_opt_str(d, "deviceKey"),
        )


# --------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Send:
    """Send this request and pass the reply to ``SignIn.handle``."""

    request: Request


@dataclass(frozen=True)
class NeedInput:
    """Ask the user and pass the answer to ``SignIn.answer``."""

    prompt: Prompt


@dataclass(frozen=True)
class Done:
    """Signed in."""

    signed_in: SignedIn


Step = Union[Send, NeedInput, Done]


def step_from_dict(d: Mapping[str, Any]) -> Step:
    kind = d.get("type")
    if kind == "send":
        r = d.get("request")
        return Send(Request.from_dict(r if isinstance(r, dict) else {}))
    if kind == "needInput":
        p = d.get("prompt")
        return NeedInput(Prompt.from_dict(p if isinstance(p, dict) else {}))
    s = d.get("signedIn")
    return Done(SignedIn.from_dict(s if isinstance(s, dict) else {}))


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value)
