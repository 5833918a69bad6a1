"""boto3 against cognito-signin-server: the whole set-up through the API, shapes as Cognito
returns them (botocore's cognito-idp service-2.json names them)."""

import datetime
import json
import re
import uuid

import pytest
import requests
from botocore.exceptions import ClientError
from pycognito.aws_srp import generate_hash_device

from conftest import STRONG_POLICY, totp

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def expect_error(code, fn, **kwargs):
    """Calls fn(**kwargs), which must fail with this error code (HTTP 400, a message)."""
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    err = info.value.response["Error"]
    assert err["Code"] == code, f"expected {code}, got {err}"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err


def attrs(lst):
    return {a["Name"]: a["Value"] for a in lst}


def outbox(url, pool_id):
    r = requests.get(f"{url}/_outbox/{pool_id}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["Messages"]


# --------------------------------------------------------------------------- TOTP helper


def test_totp_helper_matches_rfc6238_vectors():
    # RFC 6238 appendix B, SHA-1 seed "12345678901234567890".
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp(secret, 59, digits=8) == "94287082"
    assert totp(secret, 1111111109, digits=8) == "07081804"
    assert totp(secret, 1234567890, digits=8) == "89005924"
    assert totp(secret, 59) == "287082"
    assert totp(secret.lower(), 59) == "287082"


# --------------------------------------------------------------------------- pools


def test_create_and_describe_pool_with_username_attributes(idp):
    name = "email-" + uuid.uuid4().hex[:6]
    created = idp.create_user_pool(
        PoolName=name,
        Policies=STRONG_POLICY,
        MfaConfiguration="OFF",
        DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": False,
        },
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
    )["UserPool"]
    pool_id = created["Id"]
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]+", pool_id), pool_id
    assert created["Name"] == name

    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Id"] == pool_id
    assert pool["Name"] == name
    pp = pool["Policies"]["PasswordPolicy"]
    assert pp["MinimumLength"] == 10
    assert pp["RequireUppercase"] is True
    assert pp["RequireLowercase"] is True
    assert pp["RequireNumbers"] is True
    assert pp["RequireSymbols"] is False
    assert pool["MfaConfiguration"] == "OFF"
    assert pool["DeviceConfiguration"] == {
        "ChallengeRequiredOnNewDevice": True,
        "DeviceOnlyRememberedOnUserPrompt": False,
    }
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UsernameAttributes"] == ["email"]
    assert not pool.get("AliasAttributes")
    assert isinstance(pool["CreationDate"], datetime.datetime)
    assert isinstance(pool["LastModifiedDate"], datetime.datetime)
    assert re.fullmatch(r"arn:aws:cognito-idp:us-east-1:\d{12}:userpool/" + pool_id, pool["Arn"])


def test_pool_with_username_attributes_keeps_uuid_usernames(idp, api):
    pool_id = api.pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])["Id"]
    client = api.client(pool_id)
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="erin@example.com",
        TemporaryPassword="Temp-Pass-123",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )["User"]
    a = attrs(user["Attributes"])
    # Cognito: with UsernameAttributes the user name is a generated UUID (the sub), and the
    # email given as Username becomes the email attribute.
    assert UUID_RE.fullmatch(user["Username"]), user
    assert a["sub"] == user["Username"]
    assert a["email"] == "erin@example.com"

    got = idp.admin_get_user(UserPoolId=pool_id, Username="erin@example.com")
    assert got["Username"] == user["Username"]
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="erin@example.com", Password="Erin-Pass-123", Permanent=True
    )
    res = api.sign_in(pool_id, client, "erin@example.com", "Erin-Pass-123")
    me = idp.get_user(AccessToken=res["AuthenticationResult"]["AccessToken"])
    assert me["Username"] == user["Username"]
    assert attrs(me["UserAttributes"])["email"] == "erin@example.com"


def test_pool_with_alias_attributes(idp, api):
    pool = api.pool(AliasAttributes=["email", "preferred_username"], AutoVerifiedAttributes=["email"])
    pool_id = pool["Id"]
    d = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert sorted(d["AliasAttributes"]) == ["email", "preferred_username"]
    assert not d.get("UsernameAttributes")
    client = api.client(pool_id)
    api.user(pool_id, "dave", "Dave-Pass-123", email="dave@example.com")
    # A verified email alias signs in for its user.
    res = api.sign_in(pool_id, client, "dave@example.com", "Dave-Pass-123")
    me = idp.get_user(AccessToken=res["AuthenticationResult"]["AccessToken"])
    assert me["Username"] == "dave"


def test_lambda_config_is_rejected_clearly(idp):
    with pytest.raises(ClientError) as info:
        idp.create_user_pool(
            PoolName="with-lambda",
            LambdaConfig={"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre"},
        )
    r = info.value.response
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert r["Error"]["Code"].endswith("Exception"), r["Error"]
    assert "lambda" in r["Error"]["Message"].lower(), r["Error"]


def test_unknown_operation_gives_a_clear_error(server_url):
    r = requests.post(
        server_url + "/",
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.NoSuchOperation",
            "Content-Type": "application/x-amz-json-1.1",
        },
        data="{}",
        timeout=10,
    )
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["__type"].split("#")[-1] == "UnknownOperationException", body


def test_delete_user_pool(idp, api):
    pool_id = api.pool()["Id"]
    api.user(pool_id, "zed", "Zed-Pass-1234")
    assert idp.delete_user_pool(UserPoolId=pool_id)["ResponseMetadata"]["HTTPStatusCode"] == 200
    expect_error("ResourceNotFoundException", idp.describe_user_pool, UserPoolId=pool_id)
    expect_error("ResourceNotFoundException", idp.admin_get_user, UserPoolId=pool_id, Username="zed")
    expect_error("ResourceNotFoundException", idp.delete_user_pool, UserPoolId=pool_id)


# --------------------------------------------------------------------------- clients


def test_create_and_describe_user_pool_clients(idp, api):
    pool_id = api.pool()["Id"]
    flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    units = {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    for secret in (True, False):
        c = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=f"client-{secret}",
            GenerateSecret=secret,
            ExplicitAuthFlows=flows,
            AccessTokenValidity=30,
            IdTokenValidity=45,
            RefreshTokenValidity=7,
            TokenValidityUnits=units,
        )["UserPoolClient"]
        assert c["UserPoolId"] == pool_id
        assert c["ClientName"] == f"client-{secret}"
        assert re.fullmatch(r"[\w+]{1,128}", c["ClientId"]), c["ClientId"]
        if secret:
            assert isinstance(c["ClientSecret"], str) and len(c["ClientSecret"]) >= 16
        else:
            assert "ClientSecret" not in c
        assert sorted(c["ExplicitAuthFlows"]) == sorted(flows)
        assert (c["AccessTokenValidity"], c["IdTokenValidity"], c["RefreshTokenValidity"]) == (30, 45, 7)
        assert c["TokenValidityUnits"] == units
        assert isinstance(c["CreationDate"], datetime.datetime)

        d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
        for k in ("ClientId", "ClientName", "UserPoolId", "AccessTokenValidity", "IdTokenValidity",
                  "RefreshTokenValidity", "TokenValidityUnits"):
            assert d[k] == c[k], k
        assert sorted(d["ExplicitAuthFlows"]) == sorted(flows)
        assert d.get("ClientSecret") == c.get("ClientSecret")
    expect_error(
        "ResourceNotFoundException",
        idp.describe_user_pool_client,
        UserPoolId=pool_id,
        ClientId="nosuchclient0000000000000",
    )


def test_client_auth_flows_are_enforced(idp, api):
    pool_id = api.pool()["Id"]
    api.user(pool_id, "flo", "Flo-Pass-1234")
    srp_only = api.client(pool_id, flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    expect_error("InvalidParameterException", api.sign_in, pool_id=pool_id, client=srp_only,
                 username="flo", password="Flo-Pass-1234")
    both = api.client(pool_id)
    assert "AccessToken" in api.sign_in(pool_id, both, "flo", "Flo-Pass-1234")["AuthenticationResult"]


def test_secret_client_needs_secret_hash(idp, api, secret_hash_of):
    pool_id = api.pool()["Id"]
    api.user(pool_id, "sam", "Sam-Pass-1234")
    c = api.client(pool_id, secret=True)
    ok = api.sign_in(pool_id, c, "sam", "Sam-Pass-1234")["AuthenticationResult"]
    assert ok["TokenType"] == "Bearer"
    expect_error("NotAuthorizedException", idp.admin_initiate_auth, UserPoolId=pool_id,
                 ClientId=c["ClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": "sam", "PASSWORD": "Sam-Pass-1234"})
    expect_error("NotAuthorizedException", idp.admin_initiate_auth, UserPoolId=pool_id,
                 ClientId=c["ClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": "sam", "PASSWORD": "Sam-Pass-1234",
                                 "SECRET_HASH": secret_hash_of("sam", c["ClientId"], "wrong")})


# --------------------------------------------------------------------------- users


def test_admin_create_user_suppressed_and_new_password_required(idp, api, server_url):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id)
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="frank",
        TemporaryPassword="Temp-Pass-123",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "frank@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": "Frank"},
        ],
    )["User"]
    assert user["Username"] == "frank"
    assert user["Enabled"] is True
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    a = attrs(user["Attributes"])
    assert UUID_RE.fullmatch(a["sub"]), a
    assert a["email"] == "frank@example.com" and a["name"] == "Frank"
    assert a["email_verified"] == "true"
    assert isinstance(user["UserCreateDate"], datetime.datetime)
    assert isinstance(user["UserLastModifiedDate"], datetime.datetime)
    assert [m for m in outbox(server_url, pool_id) if m["Username"] == "frank"] == []

    got = idp.admin_get_user(UserPoolId=pool_id, Username="frank")
    assert got["Username"] == "frank"
    assert got["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert got["Enabled"] is True
    assert attrs(got["UserAttributes"])["sub"] == a["sub"]

    expect_error("UsernameExistsException", idp.admin_create_user, UserPoolId=pool_id,
                 Username="frank", TemporaryPassword="Temp-Pass-123", MessageAction="SUPPRESS")

    start = idp.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client["ClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "frank", "PASSWORD": "Temp-Pass-123"},
    )
    assert start["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert start["Session"]
    assert "AuthenticationResult" not in start
    cp = start["ChallengeParameters"]
    assert json.loads(cp["requiredAttributes"]) == []
    assert json.loads(cp["userAttributes"])["email"] == "frank@example.com"

    # A new password against the policy (no number) is refused.
    expect_error("InvalidPasswordException", idp.admin_respond_to_auth_challenge,
                 UserPoolId=pool_id, ClientId=client["ClientId"],
                 ChallengeName="NEW_PASSWORD_REQUIRED", Session=start["Session"],
                 ChallengeResponses={"USERNAME": "frank", "NEW_PASSWORD": "No-Numbers-Here"})

    start = idp.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client["ClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "frank", "PASSWORD": "Temp-Pass-123"},
    )
    done = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=start["Session"],
        ChallengeResponses={"USERNAME": "frank", "NEW_PASSWORD": "Frank-Pass-456"},
    )
    ar = done["AuthenticationResult"]
    assert ar["AccessToken"] and ar["IdToken"] and ar["RefreshToken"]
    assert ar["TokenType"] == "Bearer" and ar["ExpiresIn"] > 0
    assert idp.admin_get_user(UserPoolId=pool_id, Username="frank")["UserStatus"] == "CONFIRMED"
    expect_error("NotAuthorizedException", api.sign_in, pool_id=pool_id, client=client,
                 username="frank", password="Temp-Pass-123")
    assert api.sign_in(pool_id, client, "frank", "Frank-Pass-456")["AuthenticationResult"]["AccessToken"]


def test_admin_create_user_sends_the_temporary_password(idp, api, server_url):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id)
    idp.admin_create_user(
        UserPoolId=pool_id, Username="gina", TemporaryPassword="Gina-Temp-123",
        UserAttributes=[{"Name": "email", "Value": "gina@example.com"},
                        {"Name": "email_verified", "Value": "true"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    # No TemporaryPassword: the pool makes one and sends it.
    idp.admin_create_user(
        UserPoolId=pool_id, Username="hank",
        UserAttributes=[{"Name": "email", "Value": "hank@example.com"},
                        {"Name": "email_verified", "Value": "true"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    msgs = outbox(server_url, pool_id)
    gina = [m for m in msgs if m["Username"] == "gina"]
    hank = [m for m in msgs if m["Username"] == "hank"]
    assert gina and hank, msgs
    assert gina[-1]["Medium"] == "EMAIL" and gina[-1]["Destination"] == "gina@example.com"
    assert gina[-1]["Code"] == "Gina-Temp-123"
    start = idp.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client["ClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "hank", "PASSWORD": hank[-1]["Code"]},
    )
    assert start["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_password_policy_and_admin_set_user_password(idp, api):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id)
    expect_error("InvalidPasswordException", idp.admin_create_user, UserPoolId=pool_id,
                 Username="ivy", TemporaryPassword="Sh0rt", MessageAction="SUPPRESS")
    idp.admin_create_user(UserPoolId=pool_id, Username="ivy", TemporaryPassword="Temp-Pass-123",
                          MessageAction="SUPPRESS")
    for bad in ("Ab1-short",       # 9 < MinimumLength 10
                "no-upper-case-123",  # RequireUppercase
                "NO-LOWER-CASE-123",  # RequireLowercase
                "No-Numbers-Anywhere"):  # RequireNumbers
        expect_error("InvalidPasswordException", idp.admin_set_user_password,
                     UserPoolId=pool_id, Username="ivy", Password=bad, Permanent=True)
    idp.admin_set_user_password(UserPoolId=pool_id, Username="ivy", Password="Ivy-Pass-1234",
                                Permanent=True)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="ivy")["UserStatus"] == "CONFIRMED"
    assert api.sign_in(pool_id, client, "ivy", "Ivy-Pass-1234")["AuthenticationResult"]["IdToken"]
    expect_error("NotAuthorizedException", api.sign_in, pool_id=pool_id, client=client,
                 username="ivy", password="Ivy-Pass-12345")

    idp.admin_set_user_password(UserPoolId=pool_id, Username="ivy", Password="Ivy-Temp-9876",
                                Permanent=False)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="ivy")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    start = api.sign_in(pool_id, client, "ivy", "Ivy-Temp-9876")
    assert start["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    expect_error("UserNotFoundException", idp.admin_set_user_password, UserPoolId=pool_id,
                 Username="nobody", Password="Ivy-Pass-1234", Permanent=True)


def test_list_users_with_and_without_filter(idp, api):
    pool_id = api.pool()["Id"]
    api.user(pool_id, "anna", "Anna-Pass-123", email="anna@example.com")
    api.user(pool_id, "bert", "Bert-Pass-123", email="bert@example.com")
    api.user(pool_id, "carl", "Carl-Pass-123", email="carl@example.org", permanent=False)
    users = idp.list_users(UserPoolId=pool_id)["Users"]
    assert sorted(u["Username"] for u in users) == ["anna", "bert", "carl"]
    for u in users:
        a = attrs(u["Attributes"])
        assert UUID_RE.fullmatch(a["sub"])
        assert u["Enabled"] is True
        assert isinstance(u["UserCreateDate"], datetime.datetime)
        assert u["UserStatus"] == ("FORCE_CHANGE_PASSWORD" if u["Username"] == "carl" else "CONFIRMED")

    only = idp.list_users(UserPoolId=pool_id, Filter='email = "bert@example.com"')["Users"]
    assert [u["Username"] for u in only] == ["bert"]
    assert attrs(only[0]["Attributes"])["email"] == "bert@example.com"
    assert [u["Username"] for u in idp.list_users(UserPoolId=pool_id, Filter='username = "carl"')["Users"]] == ["carl"]
    prefix = idp.list_users(UserPoolId=pool_id, Filter='email ^= "b"')["Users"]
    assert [u["Username"] for u in prefix] == ["bert"]
    assert idp.list_users(UserPoolId=pool_id, Filter='email = "nobody@example.com"')["Users"] == []
    expect_error("InvalidParameterException", idp.list_users, UserPoolId=pool_id, Filter="this is not a filter")


def test_admin_delete_user(idp, api):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id)
    api.user(pool_id, "dora", "Dora-Pass-123")
    idp.admin_delete_user(UserPoolId=pool_id, Username="dora")
    expect_error("UserNotFoundException", idp.admin_get_user, UserPoolId=pool_id, Username="dora")
    expect_error("UserNotFoundException", idp.admin_delete_user, UserPoolId=pool_id, Username="dora")
    with pytest.raises(ClientError) as info:
        api.sign_in(pool_id, client, "dora", "Dora-Pass-123")
    assert info.value.response["Error"]["Code"] in ("UserNotFoundException", "NotAuthorizedException")
    assert idp.list_users(UserPoolId=pool_id)["Users"] == []


def test_admin_initiate_auth_wrong_password_and_get_user(idp, api):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id)
    api.user(pool_id, "gus", "Gus-Pass-1234", email="gus@example.com")
    err = expect_error("NotAuthorizedException", api.sign_in, pool_id=pool_id, client=client,
                       username="gus", password="Gus-Pass-9999")
    assert err["Message"]
    res = api.sign_in(pool_id, client, "gus", "Gus-Pass-1234")
    assert "ChallengeName" not in res
    me = idp.get_user(AccessToken=res["AuthenticationResult"]["AccessToken"])
    assert me["Username"] == "gus"
    a = attrs(me["UserAttributes"])
    assert UUID_RE.fullmatch(a["sub"]) and a["email"] == "gus@example.com"
    expect_error("NotAuthorizedException", idp.get_user, AccessToken="not-a-token")


# --------------------------------------------------------------------------- MFA


def test_software_token_mfa_through_the_api(idp, api, fresh_totp):
    pool_id = api.pool()["Id"]
    cfg = idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    assert cfg["MfaConfiguration"] == "OPTIONAL"
    assert cfg["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "OPTIONAL"
    client = api.client(pool_id)
    api.user(pool_id, "tess", "Tess-Pass-123")
    api.user(pool_id, "ugo", "Ugo-Pass-1234")

    # Before enrolment the preference cannot be set.
    expect_error("InvalidParameterException", idp.admin_set_user_mfa_preference,
                 UserPoolId=pool_id, Username="ugo",
                 SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    access = api.sign_in(pool_id, client, "tess", "Tess-Pass-123")["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    v = idp.verify_software_token(AccessToken=access, UserCode=fresh_totp(secret),
                                  FriendlyDeviceName="phone")
    assert v["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(AccessToken=access,
                                SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    me = idp.get_user(AccessToken=access)
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    adm = idp.admin_get_user(UserPoolId=pool_id, Username="tess")
    assert adm["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert adm["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    start = api.sign_in(pool_id, client, "tess", "Tess-Pass-123")
    assert start["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert start["Session"] and "AuthenticationResult" not in start
    right = totp(secret)
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    expect_error("CodeMismatchException", idp.admin_respond_to_auth_challenge,
                 UserPoolId=pool_id, ClientId=client["ClientId"], ChallengeName="SOFTWARE_TOKEN_MFA",
                 Session=start["Session"],
                 ChallengeResponses={"USERNAME": "tess", "SOFTWARE_TOKEN_MFA_CODE": wrong})
    start = api.sign_in(pool_id, client, "tess", "Tess-Pass-123")
    done = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client["ClientId"], ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=start["Session"],
        ChallengeResponses={"USERNAME": "tess", "SOFTWARE_TOKEN_MFA_CODE": fresh_totp(secret)},
    )
    assert done["AuthenticationResult"]["AccessToken"]

    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="tess",
                                      SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    adm = idp.admin_get_user(UserPoolId=pool_id, Username="tess")
    assert not adm.get("UserMFASettingList") and not adm.get("PreferredMfaSetting")
    assert "AuthenticationResult" in api.sign_in(pool_id, client, "tess", "Tess-Pass-123")


def test_verify_software_token_with_a_wrong_code(idp, api):
    pool_id = api.pool()["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                 MfaConfiguration="OPTIONAL")
    client = api.client(pool_id)
    api.user(pool_id, "vic", "Vic-Pass-1234")
    access = api.sign_in(pool_id, client, "vic", "Vic-Pass-1234")["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    wrong = f"{(int(totp(secret)) + 500000) % 1000000:06d}"
    with pytest.raises(ClientError) as info:
        idp.verify_software_token(AccessToken=access, UserCode=wrong)
    # botocore's model lists both for VerifySoftwareToken; Cognito answers
    # EnableSoftwareTokenMFAException ("Code mismatch and fail enable Software Token MFA").
    assert info.value.response["Error"]["Code"] in ("EnableSoftwareTokenMFAException", "CodeMismatchException")
    assert not idp.admin_get_user(UserPoolId=pool_id, Username="vic").get("UserMFASettingList")


def test_mfa_required_pool_sets_up_totp_at_sign_in(idp, api, fresh_totp):
    pool_id = api.pool()["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                 MfaConfiguration="ON")
    client = api.client(pool_id)
    api.user(pool_id, "wes", "Wes-Pass-1234")
    start = api.sign_in(pool_id, client, "wes", "Wes-Pass-1234")
    assert start["ChallengeName"] == "MFA_SETUP"
    assert "SOFTWARE_TOKEN_MFA" in json.loads(start["ChallengeParameters"]["MFAS_CAN_SETUP"])
    assoc = idp.associate_software_token(Session=start["Session"])
    secret = assoc["SecretCode"]
    ver = idp.verify_software_token(Session=assoc["Session"], UserCode=fresh_totp(secret))
    assert ver["Status"] == "SUCCESS"
    done = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client["ClientId"], ChallengeName="MFA_SETUP",
        Session=ver["Session"], ChallengeResponses={"USERNAME": "wes"},
    )
    assert done["AuthenticationResult"]["AccessToken"]
    again = api.sign_in(pool_id, client, "wes", "Wes-Pass-1234")
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


# --------------------------------------------------------------------------- devices


def confirm(idp, result, name):
    meta = result["NewDeviceMetadata"]
    _password, verifier = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    return idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=meta["DeviceKey"],
                              DeviceSecretVerifierConfig=verifier, DeviceName=name)


def test_devices_list_and_forget(idp, api):
    pool_id = api.pool(DeviceConfiguration={"ChallengeRequiredOnNewDevice": False,
                                            "DeviceOnlyRememberedOnUserPrompt": False})["Id"]
    client = api.client(pool_id)
    api.user(pool_id, "xena", "Xena-Pass-123")
    first = api.sign_in(pool_id, client, "xena", "Xena-Pass-123")["AuthenticationResult"]
    meta1 = first["NewDeviceMetadata"]
    assert meta1["DeviceKey"].startswith("us-east-1_"), meta1
    assert meta1["DeviceGroupKey"]
    assert confirm(idp, first, "laptop")["UserConfirmationNecessary"] is False

    second = api.sign_in(pool_id, client, "xena", "Xena-Pass-123")["AuthenticationResult"]
    meta2 = second["NewDeviceMetadata"]
    assert meta2["DeviceKey"] != meta1["DeviceKey"]
    confirm(idp, second, "tablet")

    listed = idp.list_devices(AccessToken=second["AccessToken"], Limit=10)["Devices"]
    by_key = {d["DeviceKey"]: d for d in listed}
    assert set(by_key) == {meta1["DeviceKey"], meta2["DeviceKey"]}
    assert attrs(by_key[meta1["DeviceKey"]]["DeviceAttributes"])["device_name"] == "laptop"
    assert attrs(by_key[meta2["DeviceKey"]]["DeviceAttributes"])["device_name"] == "tablet"
    assert isinstance(by_key[meta1["DeviceKey"]]["DeviceCreateDate"], datetime.datetime)
    admin_listed = idp.admin_list_devices(UserPoolId=pool_id, Username="xena")["Devices"]
    assert {d["DeviceKey"] for d in admin_listed} == set(by_key)

    idp.forget_device(AccessToken=second["AccessToken"], DeviceKey=meta1["DeviceKey"])
    assert [d["DeviceKey"] for d in idp.list_devices(AccessToken=second["AccessToken"])["Devices"]] == [meta2["DeviceKey"]]
    idp.admin_forget_device(UserPoolId=pool_id, Username="xena", DeviceKey=meta2["DeviceKey"])
    assert idp.admin_list_devices(UserPoolId=pool_id, Username="xena")["Devices"] == []
    expect_error("ResourceNotFoundException", idp.admin_forget_device, UserPoolId=pool_id,
                 Username="xena", DeviceKey=meta2["DeviceKey"])


def test_no_device_metadata_without_device_tracking(idp, api):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id)
    api.user(pool_id, "yuri", "Yuri-Pass-123")
    assert "NewDeviceMetadata" not in api.sign_in(pool_id, client, "yuri", "Yuri-Pass-123")["AuthenticationResult"]


# --------------------------------------------------------------------------- sign-out, revocation


def test_revoke_token(idp, api):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id)
    api.user(pool_id, "rita", "Rita-Pass-123")
    one = api.sign_in(pool_id, client, "rita", "Rita-Pass-123")["AuthenticationResult"]
    two = api.sign_in(pool_id, client, "rita", "Rita-Pass-123")["AuthenticationResult"]
    refreshed = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": one["RefreshToken"]})
    assert refreshed["AuthenticationResult"]["AccessToken"]
    idp.revoke_token(Token=one["RefreshToken"], ClientId=client["ClientId"])
    expect_error("NotAuthorizedException", idp.initiate_auth, ClientId=client["ClientId"],
                 AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": one["RefreshToken"]})
    # Cognito: RevokeToken also revokes the access tokens issued with that refresh token.
    expect_error("NotAuthorizedException", idp.get_user, AccessToken=one["AccessToken"])
    expect_error("NotAuthorizedException", idp.get_user,
                 AccessToken=refreshed["AuthenticationResult"]["AccessToken"])
    # The other sign-in is untouched.
    assert idp.get_user(AccessToken=two["AccessToken"])["Username"] == "rita"
    assert idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
                             AuthParameters={"REFRESH_TOKEN": two["RefreshToken"]})["AuthenticationResult"]


def test_revoke_token_secret_client(idp, api):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id, secret=True)
    api.user(pool_id, "rob", "Rob-Pass-1234")
    one = api.sign_in(pool_id, client, "rob", "Rob-Pass-1234")["AuthenticationResult"]
    idp.revoke_token(Token=one["RefreshToken"], ClientId=client["ClientId"],
                     ClientSecret=client["ClientSecret"])
    expect_error("NotAuthorizedException", idp.get_user, AccessToken=one["AccessToken"])


def test_global_sign_out(idp, api):
    pool_id = api.pool()["Id"]
    client = api.client(pool_id)
    api.user(pool_id, "gail", "Gail-Pass-123")
    one = api.sign_in(pool_id, client, "gail", "Gail-Pass-123")["AuthenticationResult"]
    two = api.sign_in(pool_id, client, "gail", "Gail-Pass-123")["AuthenticationResult"]
    assert idp.get_user(AccessToken=one["AccessToken"])["Username"] == "gail"
    idp.global_sign_out(AccessToken=one["AccessToken"])
    expect_error("NotAuthorizedException", idp.get_user, AccessToken=one["AccessToken"])
    expect_error("NotAuthorizedException", idp.get_user, AccessToken=two["AccessToken"])
    expect_error("NotAuthorizedException", idp.initiate_auth, ClientId=client["ClientId"],
                 AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": two["RefreshToken"]})
    expect_error("NotAuthorizedException", idp.global_sign_out, AccessToken=one["AccessToken"])
    fresh = api.sign_in(pool_id, client, "gail", "Gail-Pass-123")["AuthenticationResult"]
    assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "gail"
