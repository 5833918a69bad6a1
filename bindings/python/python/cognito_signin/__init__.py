"""Amazon Cognito user-pool sign-in: SRP-6a, MFA, new passwords, custom challenges and
remembered devices, as a state machine that does no I/O (``SignIn``), plus a driver over
the standard library's HTTP client (``sign_in``).

The protocol is the ``cognito-signin`` Rust crate, reached through its JSON form; this
package turns that form into the small typed classes below.
"""

from ._driver import DeviceStore, FileDeviceStore, MemoryDeviceStore, post, run, sign_in
from ._errors import CognitoSignInError, MisuseError, ProtocolError, ServiceError
from ._machine import SignIn
from ._native import JSON_FORM_VERSION
from ._types import (
    Answer,
    Challenge,
    Config,
    DeviceCredentials,
    DeviceStatus,
    Done,
    NeedInput,
    NewDevice,
    Prompt,
    Request,
    Send,
    SignedIn,
    Start,
    Step,
    Tokens,
)

__version__ = "0.1.0"

__all__ = [
    "JSON_FORM_VERSION",
    "Answer",
    "Challenge",
    "CognitoSignInError",
    "Config",
    "DeviceCredentials",
    "DeviceStatus",
    "DeviceStore",
    "Done",
    "FileDeviceStore",
    "MemoryDeviceStore",
    "MisuseError",
    "NeedInput",
    "NewDevice",
    "Prompt",
    "ProtocolError",
    "Request",
    "Send",
    "ServiceError",
    "SignIn",
    "SignedIn",
    "Start",
    "Step",
    "Tokens",
    "post",
    "run",
    "sign_in",
]
