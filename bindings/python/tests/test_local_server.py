"""Whole sign-ins against the local Cognito server (cognito-signin-server) and the reference
pool with custom-auth triggers."""

from __future__ import annotations

import json
from typing import Dict, List, Optional

import pytest
from conftest import (
    AUTH_CLIENT,
    AUTH_POOL,
    BOB_TOTP,
    CLIENT_SECRET,
    PASSWORD,
    POOL,
    PUBLIC,
    SECRET_CLIENT,
    CustomPool,
    FreshTotp,
    LocalServer,
    totp,
)

import cognito_signin as cs
from cognito_signin import Answer, Config, DeviceCredentials, Prompt, SignIn, Start


def test_srp_totp_setup_device_and_refresh(server: LocalServer, fresh_totp: FreshTotp) -> None:
    """USER_SRP_AUTH -> MFA_SETUP -> TOTP set-up -> ConfirmDevice (remembered) through the
    driver; then the remembered device signs in with device SRP and no MFA; then a refresh."""
    asked: List[str] = []
    secret: Dict[str, str] = {}

    def ask(prompt: Prompt) -> Answer:
        c = prompt.challenge
        asked.append(c.type)
        if c.type == "mfaSetup":
            assert "SOFTWARE_TOKEN_MFA" in c.options
            return Answer.setup_totp()
        if c.type == "totpSetup":
            assert c.secret_code and c.uri and c.uri.startswith("otpauth://totp/")
            secret["code"] = c.secret_code
            assert c.secret_code not in repr(c)
            return Answer.code(fresh_totp(c.secret_code))
        if c.type == "rememberDevice":
            return Answer.remember_device(True)
        raise AssertionError(f"unexpected question {c!r}")

    devices: Dict[str, str] = {}
    first = cs.sign_in(
        server.url, POOL, PUBLIC, "tina", PASSWORD, ask=ask, device_store=devices
    )
    assert asked == ["mfaSetup", "totpSetup", "rememberDevice"]
    assert first.username == "tina"
    assert first.tokens.access_token.count(".") == 2
    assert first.new_device is not None and first.new_device.status.type == "remembered"
    creds = first.device_credentials
    assert creds is not None and list(devices) == ["tina"]
    for token in (first.tokens.access_token, first.tokens.id_token, first.tokens.refresh_token):
        assert token and token not in repr(first)
    assert creds.device_password not in repr(first)

    # The remembered device: DEVICE_SRP_AUTH, no MFA asked.
    asked.clear()
    second = cs.sign_in(
        server.url, POOL, PUBLIC, "tina", PASSWORD, ask=ask, device_store=devices
    )
    assert asked == []
    assert second.device_key == creds.device_key
    assert second.new_device is None

    # Refresh with the device key.
    config = Config(POOL, PUBLIC, devices=[creds])
    machine, request = SignIn.start(config, second.refresh_start())
    assert request.operation == "InitiateAuth"
    step = machine.handle(*cs.post(server.url, request))
    assert isinstance(step, cs.Done)
    assert step.signed_in.tokens.access_token
    assert step.signed_in.tokens.access_token != second.tokens.access_token


def test_software_token_mfa_wrong_code_asked_again(
    server: LocalServer, fresh_totp: FreshTotp
) -> None:
    """SOFTWARE_TOKEN_MFA with a client secret, step by step: a wrong code is asked again
    with the service's error, then the right one signs in."""
    config = Config(POOL, SECRET_CLIENT, client_secret=CLIENT_SECRET, confirm_new_devices=False)
    machine, request = SignIn.start(config, Start.user_srp("bob", PASSWORD))
    assert PASSWORD not in request.body and "SRP_A" in request.body
    operations = [request.operation]
    step: cs.Step = machine.handle(*cs.post(server.url, request))
    prompts: List[Prompt] = []
    while not isinstance(step, cs.Done):
        if isinstance(step, cs.Send):
            operations.append(step.request.operation)
            step = machine.handle(*cs.post(server.url, step.request))
        else:
            prompts.append(step.prompt)
            assert step.prompt.challenge.type == "softwareTokenMfa"
            if len(prompts) == 1:
                right = totp(BOB_TOTP)
                code = right[:-1] + str((int(right[-1]) + 1) % 10)
            else:
                code = fresh_totp(BOB_TOTP)
            step = machine.answer(Answer.code(code))
    assert operations == ["InitiateAuth", "RespondToAuthChallenge", "RespondToAuthChallenge",
                          "RespondToAuthChallenge"]
    assert prompts[0].previous_error is None
    err = prompts[1].previous_error
    assert isinstance(err, cs.ServiceError) and err.kind == "CodeMismatchException"
    assert step.signed_in.username == "bob"
    assert machine.is_finished


def test_wrong_password_is_a_service_error(server: LocalServer) -> None:
    with pytest.raises(cs.ServiceError) as info:
        cs.sign_in(server.url, POOL, PUBLIC, "tina", "Wrong-Password-9", ask=lambda p: {})
    e = info.value
    assert e.kind == e.name == "NotAuthorizedException"
    assert e.status == 400 and e.final
    assert isinstance(e, cs.CognitoSignInError)


def test_user_auth_select_challenge(server: LocalServer) -> None:
    """USER_AUTH without a preference: SELECT_CHALLENGE offers the first factors, the
    answer picks PASSWORD_SRP."""
    machine, request = SignIn.start(Config(AUTH_POOL, AUTH_CLIENT), Start.user_auth("uma"))
    step = machine.handle(*cs.post(server.url, request))
    assert isinstance(step, cs.NeedInput)
    challenge = step.prompt.challenge
    assert challenge.type == "selectChallenge"
    assert "PASSWORD_SRP" in challenge.available
    step = machine.answer(Answer.first_factor("PASSWORD_SRP", password=PASSWORD))
    while isinstance(step, cs.Send):
        step = machine.handle(*cs.post(server.url, step.request))
    assert isinstance(step, cs.Done)
    assert step.signed_in.username == "uma"
    # The driver's USER_AUTH prefers PASSWORD_SRP.
    signed_in = cs.sign_in(
        server.url, AUTH_POOL, AUTH_CLIENT, "uma", PASSWORD, ask=lambda p: {}, flow="USER_AUTH"
    )
    assert signed_in.tokens.access_token


def test_custom_auth_with_srp_first(custom_pool: CustomPool) -> None:
    """CUSTOM_AUTH with SRP first (CHALLENGE_NAME = SRP_A), then two custom questions."""
    machine, request = SignIn.start(
        {"userPoolId": "us-east-1_CustomPy1", "clientId": "custompy"},
        Start.custom("carl", PASSWORD),
    )
    assert json.loads(request.body)["AuthParameters"]["CHALLENGE_NAME"] == "SRP_A"
    questions: List[Optional[str]] = []
    step = machine.handle(*custom_pool.send(request))
    while not isinstance(step, cs.Done):
        if isinstance(step, cs.Send):
            step = machine.handle(*custom_pool.send(step.request))
            continue
        challenge = step.prompt.challenge
        assert challenge.type == "custom"
        question = challenge.parameters.get("question")
        questions.append(question)
        assert question is not None
        a, b = question.split("+")
        step = machine.answer(Answer.custom(str(int(a) + int(b))))
    assert len(questions) == 2
    assert step.signed_in.tokens.access_token

    # A wrong answer ends the sign-in with the service's error.
    machine, request = SignIn.start(
        Config("us-east-1_CustomPy1", "custompy"), Start.custom("carl", PASSWORD)
    )
    step = machine.handle(*custom_pool.send(request))
    while isinstance(step, cs.Send):
        step = machine.handle(*custom_pool.send(step.request))
    assert isinstance(step, cs.NeedInput)
    step = machine.answer(Answer.custom("not the answer"))
    assert isinstance(step, cs.Send)
    with pytest.raises(cs.ServiceError) as info:
        machine.handle(*custom_pool.send(step.request))
    assert info.value.kind == "NotAuthorizedException"


def test_device_record_survives_json(server: LocalServer, fresh_totp: FreshTotp) -> None:
    """A device record from a real sign-in survives json.dumps / json.loads, and signs in
    again from the loaded copy (a file store)."""
    import tempfile

    def ask(prompt: Prompt) -> Answer:
        c = prompt.challenge
        if c.type == "softwareTokenMfa":
            return Answer.code(fresh_totp(BOB_TOTP))
        if c.type == "rememberDevice":
            return Answer.remember_device(True)
        raise AssertionError(repr(c))

    with tempfile.TemporaryDirectory() as folder:
        store = cs.FileDeviceStore(folder + "/devices.json")
        first = cs.sign_in(server.url, POOL, PUBLIC, "bob", PASSWORD, ask=ask, device_store=store)
        creds = first.device_credentials
        assert creds is not None
        text = json.dumps(creds.to_dict())
        back = DeviceCredentials.from_dict(json.loads(text))
        assert back == creds
        assert store.load_all() == [creds]
        machine, request = SignIn.start(Config(POOL, PUBLIC, devices=[back]),
                                        Start.user_srp("bob", PASSWORD))
        step = machine.handle(*cs.post(server.url, request))
        while isinstance(step, cs.Send):
            step = machine.handle(*cs.post(server.url, step.request))
        assert isinstance(step, cs.Done), step
        assert step.signed_in.device_key == creds.device_key
