"""The native machine (Rust): JSON text in and out. Use ``cognito_signin.SignIn``."""

from typing import Tuple

JSON_FORM_VERSION: int
VERSION: str

class NativeError(Exception):
    """``args`` are ``(error JSON text, whether the sign-in is over)``."""

class Machine:
    @staticmethod
    def start(config: str, start: str, now: int) -> Tuple[Machine, str]: ...
    def handle(self, reply: str, now: int) -> str: ...
    def answer(self, answer: str, now: int) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def is_finished(self) -> bool: ...
