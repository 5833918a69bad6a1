"""A whole sign-in: SRP, whatever MFA the pool asks for, a remembered device kept in a file,
then a refresh. Type-checked with mypy --strict in CI.

    python examples/sign_in.py --endpoint http://127.0.0.1:9229/ \
        --user-pool-id us-east-1_Example01 --client-id exampleclient1 --username alice

The password is read from COGNITO_PASSWORD or prompted for; codes are prompted for.
"""

from __future__ import annotations

import argparse
import getpass
import os

import cognito_signin as cs
from cognito_signin import Answer, Prompt


def ask(prompt: Prompt) -> Answer:
    c = prompt.challenge
    if prompt.previous_error is not None:
        print(f"refused: {prompt.previous_error.message}")
    if c.type in ("softwareTokenMfa", "smsMfa", "emailOtp", "smsOtp"):
        return Answer.code(input(f"{c.type} code ({c.destination or 'authenticator'}): "))
    if c.type == "mfaSetup":
        return Answer.setup_totp()
    if c.type == "totpSetup":
        print(f"add this to your authenticator: {c.uri}")
        return Answer.code(input("first code: "))
    if c.type == "selectMfaType":
        return Answer.mfa(c.options[0])
    if c.type == "newPassword":
        return Answer.new_password(getpass.getpass("new password: "))
    if c.type == "rememberDevice":
        return Answer.remember_device(input("remember this device? [y/N] ").lower() == "y")
    raise SystemExit(f"not handled here: {c.type}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", default="https://cognito-idp.us-east-1.amazonaws.com/")
    p.add_argument("--user-pool-id", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--client-secret")
    p.add_argument("--device-file", default="devices.json")
    args = p.parse_args()
    password = os.environ.get("COGNITO_PASSWORD") or getpass.getpass("password: ")

    try:
        signed_in = cs.sign_in(
            args.endpoint,
            args.user_pool_id,
            args.client_id,
            args.username,
            password,
            ask=ask,
            client_secret=args.client_secret,
            device_store=cs.FileDeviceStore(args.device_file),
        )
    except cs.ServiceError as e:  # the service said no: e.name, e.message, e.status
        raise SystemExit(f"sign-in refused: {e.name}: {e.message}") from None
    except cs.CognitoSignInError as e:  # a broken reply, or a mistake of this program
        raise SystemExit(f"sign-in failed: {e}") from None
    print(f"signed in as {signed_in.username}, {signed_in.tokens!r}")

    # Refresh: the machine alone, any HTTP client; cs.post is the standard library's.
    config = cs.Config(args.user_pool_id, args.client_id, client_secret=args.client_secret)
    machine, request = cs.SignIn.start(config, signed_in.refresh_start())
    step = machine.handle(*cs.post(args.endpoint, request))
    assert isinstance(step, cs.Done)
    print(f"refreshed: expires at {step.signed_in.tokens.expires_at}")


if __name__ == "__main__":
    main()
