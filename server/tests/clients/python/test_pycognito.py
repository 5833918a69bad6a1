"""pycognito against cognito-signin-server: SRP (public and secret clients, wrong passwords,
NEW_PASSWORD_REQUIRED), device SRP on a remembered device, and pycognito's Cognito class with its
own token verification pointed at the local JWKS.

What pycognito 2024.5.1 can and cannot do here (read from its installed source):
- AWSSRP.authenticate_user() runs USER_SRP_AUTH -> PASSWORD_VERIFIER, and, when it was given
  device_key/device_group_key/device_password, DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER; but
  its DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER answers carry no Session (and no SECRET_HASH
  on DEVICE_SRP_AUTH), which Cognito requires (the AWS SDKs send the Session of the previous
  step).
- AWSSRP.confirm_device() / update_device_status() / forget_device() post with `requests` to a
  hard-coded https://cognito-idp.<region>.amazonaws.com/, so they cannot be pointed at a local
  server. The device test therefore uses pycognito's own generate_hash_device() and its SRP
  maths (get_auth_params, process_challenge, process_device_challenge) and sends each step
  through the boto3 client, with the Session, as amazon-cognito-identity-js does.
- Cognito(boto3_client_kwargs={"endpoint_url": URL}) takes its issuer and JWKS from
  URL/<pool id> (Cognito.user_pool_url), so its own verify_token works against this server.
"""

import jwt
import pytest
import requests
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP, generate_hash_device, long_to_hex
from pycognito.exceptions import (
    ForceChangePasswordException,
    SoftwareTokenMFAChallengeException,
    TokenVerificationException,
)

POOL = "us-east-1_PyCognito1"
PUBLIC = "pypublicclient1"
SECRET = "pysecretclient1"
CLIENT_SECRET = "py-client-secret-0123456789"
BOB_TOTP = "JBSWY3DPEHPK3PXP"
DAN_TOTP = "KRSXG5CTMVRXEZLU"
FAY_TOTP = "MFRGGZDFMZTWQ2LK"
FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]

CONFIG = {
    "UserPools": [
        {
            "Id": POOL,
            "PoolName": "pycognito",
            "MfaConfiguration": "OPTIONAL",
            "SoftwareTokenMfaConfiguration": {"Enabled": True},
            "DeviceConfiguration": {
                "ChallengeRequiredOnNewDevice": True,
                "DeviceOnlyRememberedOnUserPrompt": True,
            },
            "Policies": {"PasswordPolicy": {"MinimumLength": 8}},
            "Clients": [
                {"ClientId": PUBLIC, "ClientName": "public", "ExplicitAuthFlows": FLOWS},
                {"ClientId": SECRET, "ClientName": "secret", "ExplicitAuthFlows": FLOWS,
                 "ClientSecret": CLIENT_SECRET},
            ],
            "Users": [
                {"Username": "alice", "Password": "Correct-Horse-1", "Permanent": True,
                 "Attributes": {"email": "alice@example.com", "email_verified": "true"}},
                {"Username": "bob", "Password": "Battery-Staple-2", "Permanent": True,
                 "Attributes": {"email": "bob@example.com", "email_verified": "true"},
                 "SoftwareTokenSecret": BOB_TOTP},
                {"Username": "carol", "Password": "Temporary-Pw-3", "Permanent": False,
                 "Attributes": {"email": "carol@example.com", "email_verified": "true"}},
                {"Username": "dan", "Password": "Dan-Password-4", "Permanent": True,
                 "SoftwareTokenSecret": DAN_TOTP},
                {"Username": "fay", "Password": "Fay-Password-6", "Permanent": True,
                 "SoftwareTokenSecret": FAY_TOTP},
                {"Username": "eve", "Password": "Eve-Password-5", "Permanent": True,
                 "Attributes": {"email": "eve@example.com", "email_verified": "true"}},
            ],
        }
    ]
}


@pytest.fixture(scope="module")
def srv(start_server):
    s = start_server(CONFIG)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def cidp(srv, client_for):
    return client_for(srv.url)


@pytest.fixture(scope="module")
def jwks(srv):
    return jwt.PyJWKClient(f"{srv.url}/{POOL}/.well-known/jwks.json", cache_keys=False)


def claims(srv, jwks, token, audience=None):
    key = jwks.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], issuer=f"{srv.url}/{POOL}",
                      audience=audience)


def error_code(info):
    return info.value.response["Error"]["Code"]


# --------------------------------------------------------------------------- AWSSRP


def test_srp_public_client(srv, cidp, jwks):
    tokens = AWSSRP("alice", "Correct-Horse-1", POOL, PUBLIC, client=cidp).authenticate_user()
    assert "ChallengeName" not in tokens or tokens["ChallengeName"] is None
    ar = tokens["AuthenticationResult"]
    assert ar["TokenType"] == "Bearer" and ar["ExpiresIn"] > 0 and ar["RefreshToken"]
    # Device tracking is on (DeviceConfiguration): a sign-in without a device gets one.
    assert ar["NewDeviceMetadata"]["DeviceKey"] and ar["NewDeviceMetadata"]["DeviceGroupKey"]
    a = claims(srv, jwks, ar["AccessToken"])
    assert a["username"] == "alice" and a["client_id"] == PUBLIC and a["token_use"] == "access"
    # The tokens issued with NewDeviceMetadata are bound to that new device, as Cognito's are
    # (Amplify reads the key back from this claim).
    assert a["device_key"] == ar["NewDeviceMetadata"]["DeviceKey"]
    i = claims(srv, jwks, ar["IdToken"], audience=PUBLIC)
    assert i["cognito:username"] == "alice" and i["email"] == "alice@example.com"


def test_srp_client_with_secret(srv, cidp, jwks):
    tokens = AWSSRP("alice", "Correct-Horse-1", POOL, SECRET, client=cidp,
                    client_secret=CLIENT_SECRET).authenticate_user()
    a = claims(srv, jwks, tokens["AuthenticationResult"]["AccessToken"])
    assert a["client_id"] == SECRET
    with pytest.raises(ClientError) as info:
        AWSSRP("alice", "Correct-Horse-1", POOL, SECRET, client=cidp).authenticate_user()
    assert error_code(info) == "NotAuthorizedException"
    with pytest.raises(ClientError) as info:
        AWSSRP("alice", "Correct-Horse-1", POOL, SECRET, client=cidp,
               client_secret="not-the-secret").authenticate_user()
    assert error_code(info) == "NotAuthorizedException"


@pytest.mark.parametrize("client_id,secret", [(PUBLIC, None), (SECRET, CLIENT_SECRET)])
def test_srp_wrong_password_is_refused(cidp, client_id, secret):
    aws = AWSSRP("alice", "Correct-Horse-2", POOL, client_id, client=cidp, client_secret=secret)
    with pytest.raises(ClientError) as info:
        aws.authenticate_user()
    assert error_code(info) == "NotAuthorizedException"
    assert info.value.operation_name == "RespondToAuthChallenge"


def test_srp_forged_claim_is_refused(cidp):
    """The server checks PASSWORD_CLAIM_SIGNATURE itself: a well-formed claim computed from a
    different password, or a replayed secret block, does not pass."""
    aws = AWSSRP("alice", "Correct-Horse-1", POOL, PUBLIC, client=cidp)
    params = aws.get_auth_params()
    r = cidp.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientId=PUBLIC)
    assert r["ChallengeName"] == "PASSWORD_VERIFIER"
    cp = r["ChallengeParameters"]
    for k in ("USER_ID_FOR_SRP", "SALT", "SRP_B", "SECRET_BLOCK", "USERNAME"):
        assert cp[k], k
    answer = aws.process_challenge(cp, params)
    sig = bytearray(answer["PASSWORD_CLAIM_SIGNATURE"].encode())
    sig[5] = ord("A") if sig[5] != ord("A") else ord("B")
    with pytest.raises(ClientError) as info:
        cidp.respond_to_auth_challenge(ClientId=PUBLIC, ChallengeName="PASSWORD_VERIFIER",
                                       ChallengeResponses={**answer, "PASSWORD_CLAIM_SIGNATURE": sig.decode()})
    assert error_code(info) == "NotAuthorizedException"


def test_srp_unknown_user(cidp):
    with pytest.raises(ClientError) as info:
        AWSSRP("nobody", "Whatever-123", POOL, PUBLIC, client=cidp).authenticate_user()
    assert error_code(info) in ("UserNotFoundException", "NotAuthorizedException")


def test_srp_new_password_required(srv, cidp, jwks):
    with pytest.raises(ForceChangePasswordException):
        AWSSRP("carol", "Temporary-Pw-3", POOL, PUBLIC, client=cidp).authenticate_user()
    done = AWSSRP("carol", "Temporary-Pw-3", POOL, PUBLIC, client=cidp).set_new_password_challenge(
        "Carol-New-Pass-3")
    assert claims(srv, jwks, done["AuthenticationResult"]["AccessToken"])["username"] == "carol"
    again = AWSSRP("carol", "Carol-New-Pass-3", POOL, PUBLIC, client=cidp).authenticate_user()
    assert again["AuthenticationResult"]["IdToken"]
    with pytest.raises(ClientError) as info:
        AWSSRP("carol", "Temporary-Pw-3", POOL, PUBLIC, client=cidp).authenticate_user()
    assert error_code(info) == "NotAuthorizedException"


def test_srp_on_api_pools_with_username_and_alias_attributes(idp, api):
    """USER_ID_FOR_SRP is the internal user name (a UUID in a UsernameAttributes pool)."""
    email_pool = api.pool(UsernameAttributes=["email"])["Id"]
    c1 = api.client(email_pool)
    api.user(email_pool, "erin@example.com", "Erin-Pass-123")
    t = AWSSRP("erin@example.com", "Erin-Pass-123", email_pool, c1["ClientId"], client=idp).authenticate_user()
    assert idp.get_user(AccessToken=t["AuthenticationResult"]["AccessToken"])["Username"] != "erin@example.com"
    c1s = api.client(email_pool, secret=True)
    t = AWSSRP("erin@example.com", "Erin-Pass-123", email_pool, c1s["ClientId"], client=idp,
               client_secret=c1s["ClientSecret"]).authenticate_user()
    assert t["AuthenticationResult"]["AccessToken"]

    alias_pool = api.pool(AliasAttributes=["email"])["Id"]
    c2 = api.client(alias_pool)
    api.user(alias_pool, "dave", "Dave-Pass-123", email="dave@example.com")
    t = AWSSRP("dave@example.com", "Dave-Pass-123", alias_pool, c2["ClientId"], client=idp).authenticate_user()
    assert idp.get_user(AccessToken=t["AuthenticationResult"]["AccessToken"])["Username"] == "dave"
    with pytest.raises(ClientError) as info:
        AWSSRP("dave@example.com", "Dave-Pass-999", alias_pool, c2["ClientId"], client=idp).authenticate_user()
    assert error_code(info) == "NotAuthorizedException"


# --------------------------------------------------------------------------- devices


def sign_in_with_totp(cidp, fresh_totp, username, password, secret):
    with pytest.raises(SoftwareTokenMFAChallengeException) as info:
        AWSSRP(username, password, POOL, PUBLIC, client=cidp).authenticate_user()
    mfa = info.value.get_tokens()
    assert mfa["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and mfa["Session"]
    return cidp.respond_to_auth_challenge(
        ClientId=PUBLIC, ChallengeName="SOFTWARE_TOKEN_MFA", Session=mfa["Session"],
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": fresh_totp(secret)},
    )["AuthenticationResult"]


def remember_device(cidp, ar, name):
    meta = ar["NewDeviceMetadata"]
    device_password, verifier = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    conf = cidp.confirm_device(AccessToken=ar["AccessToken"], DeviceKey=meta["DeviceKey"],
                               DeviceSecretVerifierConfig=verifier, DeviceName=name)
    # DeviceOnlyRememberedOnUserPrompt: the user is asked, and says yes.
    assert conf["UserConfirmationNecessary"] is True
    cidp.update_device_status(AccessToken=ar["AccessToken"], DeviceKey=meta["DeviceKey"],
                              DeviceRememberedStatus="remembered")
    return meta["DeviceKey"], meta["DeviceGroupKey"], device_password


def device_sign_in(cidp, username, password, key, group, device_password):
    """pycognito's SRP and device-SRP maths, each step sent with the previous step's Session."""
    dev = AWSSRP(username, password, POOL, PUBLIC, client=cidp, device_key=key,
                 device_group_key=group, device_password=device_password)
    params = dev.get_auth_params()
    assert params["DEVICE_KEY"] == key
    r1 = cidp.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientId=PUBLIC)
    assert r1["ChallengeName"] == "PASSWORD_VERIFIER"
    r2 = cidp.respond_to_auth_challenge(ClientId=PUBLIC, ChallengeName="PASSWORD_VERIFIER",
                                        ChallengeResponses=dev.process_challenge(r1["ChallengeParameters"], params))
    # A remembered device skips MFA (ChallengeRequiredOnNewDevice) and proves itself instead.
    assert r2.get("ChallengeName") == "DEVICE_SRP_AUTH", r2
    assert r2["Session"]
    r3 = cidp.respond_to_auth_challenge(
        ClientId=PUBLIC, ChallengeName="DEVICE_SRP_AUTH", Session=r2["Session"],
        ChallengeResponses={"USERNAME": r2["ChallengeParameters"].get("USERNAME", username),
                            "DEVICE_KEY": key, "SRP_A": long_to_hex(dev.large_a_value)},
    )
    assert r3["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    cp = r3["ChallengeParameters"]
    for k in ("USERNAME", "SALT", "SRP_B", "SECRET_BLOCK"):
        assert cp[k], k
    kwargs = {"Session": r3["Session"]} if r3.get("Session") else {}
    return cidp.respond_to_auth_challenge(ClientId=PUBLIC, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                                          ChallengeResponses=dev.process_device_challenge(cp), **kwargs)


def test_device_srp_on_a_remembered_device(srv, cidp, jwks, fresh_totp):
    ar = sign_in_with_totp(cidp, fresh_totp, "bob", "Battery-Staple-2", BOB_TOTP)
    key, group, device_password = remember_device(cidp, ar, "pytest-laptop")

    devices = cidp.list_devices(AccessToken=ar["AccessToken"])["Devices"]
    assert [d["DeviceKey"] for d in devices] == [key]
    da = {a["Name"]: a["Value"] for a in devices[0]["DeviceAttributes"]}
    assert da["device_name"] == "pytest-laptop"
    assert da["dev:device_remembered_status"] == "remembered"

    done = device_sign_in(cidp, "bob", "Battery-Staple-2", key, group, device_password)
    res = done["AuthenticationResult"]
    assert "NewDeviceMetadata" not in res
    a = claims(srv, jwks, res["AccessToken"])
    assert a["username"] == "bob" and a["device_key"] == key
    claims(srv, jwks, res["IdToken"], audience=PUBLIC)
    # And again: the device verifier is reusable.
    again = device_sign_in(cidp, "bob", "Battery-Staple-2", key, group, device_password)
    assert claims(srv, jwks, again["AuthenticationResult"]["AccessToken"])["device_key"] == key


def test_device_srp_with_a_wrong_device_password(cidp, fresh_totp):
    ar = sign_in_with_totp(cidp, fresh_totp, "dan", "Dan-Password-4", DAN_TOTP)
    key, group, _right = remember_device(cidp, ar, "pytest-phone")
    with pytest.raises(ClientError) as info:
        device_sign_in(cidp, "dan", "Dan-Password-4", key, group, "not-the-device-password")
    assert error_code(info) == "NotAuthorizedException"
    assert info.value.operation_name == "RespondToAuthChallenge"


def test_forgotten_device_is_new_again(cidp, fresh_totp):
    ar = sign_in_with_totp(cidp, fresh_totp, "fay", "Fay-Password-6", FAY_TOTP)
    key, group, device_password = remember_device(cidp, ar, "pytest-temp")
    cidp.forget_device(AccessToken=ar["AccessToken"], DeviceKey=key)
    assert key not in [d["DeviceKey"] for d in cidp.list_devices(AccessToken=ar["AccessToken"])["Devices"]]
    dev = AWSSRP("fay", "Fay-Password-6", POOL, PUBLIC, client=cidp, device_key=key,
                 device_group_key=group, device_password=device_password)
    params = dev.get_auth_params()
    try:
        r1 = cidp.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientId=PUBLIC)
        r2 = cidp.respond_to_auth_challenge(ClientId=PUBLIC, ChallengeName="PASSWORD_VERIFIER",
                                            ChallengeResponses=dev.process_challenge(r1["ChallengeParameters"], params))
    except ClientError as e:
        # Refused outright as an unknown device ...
        assert e.response["Error"]["Code"] in ("ResourceNotFoundException", "NotAuthorizedException"), e.response
        print("forgotten device refused:", e.response["Error"])
    else:
        print("forgotten device treated as new:", r2.get("ChallengeName"))
        # ... or treated as a new device: MFA again, never the device's own proof.
        assert r2.get("ChallengeName") == "SOFTWARE_TOKEN_MFA", r2


# --------------------------------------------------------------------------- the Cognito class


def cognito(srv, username, client_id=PUBLIC, client_secret=None):
    return Cognito(POOL, client_id, username=username, client_secret=client_secret,
                   boto3_client_kwargs={"endpoint_url": srv.url, "aws_access_key_id": "testing",
                                        "aws_secret_access_key": "testing"})


def test_cognito_class_authenticates_and_verifies_locally(srv, monkeypatch):
    monkeypatch.delenv("COGNITO_JWKS", raising=False)
    u = cognito(srv, "eve")
    assert u.user_pool_url == f"{srv.url}/{POOL}"
    u.authenticate(password="Eve-Password-5")  # verifies both tokens with pycognito's verify_token
    assert u.access_claims["username"] == "eve" and u.access_claims["token_use"] == "access"
    assert u.id_claims["cognito:username"] == "eve" and u.id_claims["aud"] == PUBLIC
    assert u.token_type == "Bearer" and u.refresh_token
    u.verify_tokens()
    keys = requests.get(f"{srv.url}/{POOL}/.well-known/jwks.json", timeout=10).json()
    assert u.get_keys() == keys

    user = u.get_user()
    assert user.email == "eve@example.com" and user.sub == u.id_claims["sub"]

    old = u.access_token
    u.renew_access_token()
    assert u.access_token != old and u.access_claims["username"] == "eve"
    assert u.check_token(renew=False) is False

    h, p, s = u.access_token.split(".")
    with pytest.raises(TokenVerificationException):
        u.verify_token(f"{h}.{p}.{s[:-4]}AAAA", "access_token", "access")
    with pytest.raises(TokenVerificationException):
        u.verify_token(u.access_token, "id_token", "id")  # token_use must match

    u.logout()
    assert u.access_token is None
    with pytest.raises(ClientError) as info:
        u.client.get_user(AccessToken=old)
    assert error_code(info) == "NotAuthorizedException"


def test_cognito_class_with_secret_and_admin_authenticate(srv):
    u = cognito(srv, "alice", client_id=SECRET, client_secret=CLIENT_SECRET)
    u.authenticate(password="Correct-Horse-1")
    assert u.access_claims["client_id"] == SECRET
    u.renew_access_token()
    assert u.access_claims["client_id"] == SECRET
    a = cognito(srv, "alice")
    a.admin_authenticate(password="Correct-Horse-1")  # ADMIN_NO_SRP_AUTH
    assert a.id_claims["cognito:username"] == "alice"
    with pytest.raises(ClientError) as info:
        cognito(srv, "alice").admin_authenticate(password="Correct-Horse-9")
    assert error_code(info) == "NotAuthorizedException"
