"""Sign-ins against moto (a third-party Cognito emulator: it checks no SRP proof, but serves
USER_PASSWORD_AUTH, NEW_PASSWORD_REQUIRED and MFA_SETUP with Session-based TOTP set-up)."""

from __future__ import annotations

import uuid
from typing import List, Optional, Tuple

import pytest
from conftest import MOTO_TOTP_SECRET, FreshTotp, Moto, moto_rewrite

import cognito_signin as cs
from cognito_signin import Answer, Config, Prompt, Request, SignIn, Start


def test_user_password_auth(moto: Moto) -> None:
    pool_id, client_id = moto.app()
    name, password = "u-" + uuid.uuid4().hex[:8], "Moto-Password-1"
    moto.user(pool_id, name, password, permanent=True)
    signed_in = cs.sign_in(
        moto.url, pool_id, client_id, name, password, ask=lambda p: {}, flow="USER_PASSWORD_AUTH"
    )
    assert signed_in.tokens.access_token and signed_in.tokens.refresh_token
    with pytest.raises(cs.ServiceError) as info:
        cs.sign_in(moto.url, pool_id, client_id, name, "Wrong-1", ask=lambda p: {},
                   flow="USER_PASSWORD_AUTH")
    assert info.value.kind == "NotAuthorizedException"


def test_new_password_then_mfa_setup(moto: Moto, fresh_totp: FreshTotp) -> None:
    """NEW_PASSWORD_REQUIRED -> MFA_SETUP -> AssociateSoftwareToken / VerifySoftwareToken
    with the Session -> tokens; then SOFTWARE_TOKEN_MFA."""
    pool_id, client_id = moto.app(mfa=True)
    name, temporary, new = "u-" + uuid.uuid4().hex[:8], "Temporary-Pass-1", "Brand-New-Pass-2"
    moto.user(pool_id, name, temporary, permanent=False)
    questions: List[str] = []

    def ask(prompt: Prompt) -> Answer:
        c = prompt.challenge
        questions.append(c.type)
        if c.type == "newPassword":
            return Answer.new_password(new)
        if c.type == "mfaSetup":
            assert c.options == ["SOFTWARE_TOKEN_MFA"]
            return Answer.setup_totp()
        if c.type in ("totpSetup", "softwareTokenMfa"):
            if c.type == "totpSetup":
                assert c.secret_code == MOTO_TOTP_SECRET
            return Answer.code(fresh_totp(MOTO_TOTP_SECRET))
        raise AssertionError(repr(c))

    applied: List[str] = []

    def send(request: Request) -> Tuple[int, bytes, Optional[str], Optional[str]]:
        return moto_rewrite(cs.post(moto.url, request), applied)

    # As moto sends it, MFAS_CAN_SETUP (a Python list text) is refused.
    other = "u-" + uuid.uuid4().hex[:8]
    moto.user(pool_id, other, temporary, permanent=False)
    machine, request = SignIn.start(Config(pool_id, client_id), Start.user_password(other, temporary))
    with pytest.raises(cs.ProtocolError) as info:
        cs.run(machine, request, lambda r: cs.post(moto.url, r), ask)
    assert info.value.field == "MFAS_CAN_SETUP" and info.value.final

    # Rewritten to Cognito's form, the set-up goes through.
    questions.clear()
    machine, request = SignIn.start(Config(pool_id, client_id), Start.user_password(name, temporary))
    signed_in = cs.run(machine, request, send, ask)
    assert applied == ["MFAS_CAN_SETUP"]
    assert questions == ["newPassword", "mfaSetup", "totpSetup"]
    assert signed_in.username == name and signed_in.tokens.access_token

    # Enrolled: the next sign-in asks for the code.
    questions.clear()
    machine, request = SignIn.start(Config(pool_id, client_id), Start.user_password(name, new))
    cs.run(machine, request, send, ask)
    assert questions == ["softwareTokenMfa"]
