"""PyJWT: every issued access and id token verifies against the pool's JWKS (RS256, issuer
URL/pool id, audience = client id for id tokens); tampered tokens do not."""

import base64
import json
import time

import jwt
import pytest
import requests
from pycognito.aws_srp import AWSSRP

from conftest import secret_hash

ACCESS_VALIDITY_MIN = 30
ID_VALIDITY_MIN = 45
SCOPE = "aws.cognito.signin.user.admin"


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url_encode(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def world(idp, api, server_url):
    """A pool made through the API, two clients, one user, and tokens from every flow."""
    pool_id = api.pool()["Id"]
    units = {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH",
             "ALLOW_REFRESH_TOKEN_AUTH"]
    public = api.client(pool_id, flows=flows, AccessTokenValidity=ACCESS_VALIDITY_MIN,
                        IdTokenValidity=ID_VALIDITY_MIN, RefreshTokenValidity=30,
                        TokenValidityUnits=units)
    secret = api.client(pool_id, secret=True, flows=flows, AccessTokenValidity=ACCESS_VALIDITY_MIN,
                        IdTokenValidity=ID_VALIDITY_MIN, RefreshTokenValidity=30,
                        TokenValidityUnits=units)
    api.user(pool_id, "jwt-user", "Jwt-User-Pass-1", email="jwt@example.com")
    sub = {a["Name"]: a["Value"] for a in
           idp.admin_get_user(UserPoolId=pool_id, Username="jwt-user")["UserAttributes"]}["sub"]

    results = {}
    results["admin-password/public"] = (public, api.sign_in(pool_id, public, "jwt-user", "Jwt-User-Pass-1"))
    results["admin-password/secret"] = (secret, api.sign_in(pool_id, secret, "jwt-user", "Jwt-User-Pass-1"))
    results["user-password/public"] = (public, idp.initiate_auth(
        ClientId=public["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "jwt-user", "PASSWORD": "Jwt-User-Pass-1"}))
    results["srp/public"] = (public, AWSSRP("jwt-user", "Jwt-User-Pass-1", pool_id, public["ClientId"],
                                            client=idp).authenticate_user())
    results["srp/secret"] = (secret, AWSSRP("jwt-user", "Jwt-User-Pass-1", pool_id, secret["ClientId"],
                                            client=idp, client_secret=secret["ClientSecret"]).authenticate_user())
    first = results["admin-password/public"][1]["AuthenticationResult"]
    results["refresh-token-auth/public"] = (public, idp.initiate_auth(
        ClientId=public["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]}))
    sfirst = results["admin-password/secret"][1]["AuthenticationResult"]
    results["refresh-token-auth/secret"] = (secret, idp.initiate_auth(
        ClientId=secret["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": sfirst["RefreshToken"],
                        "SECRET_HASH": secret_hash("jwt-user", secret["ClientId"], secret["ClientSecret"])}))
    results["get-tokens-from-refresh-token/public"] = (public, idp.get_tokens_from_refresh_token(
        ClientId=public["ClientId"], RefreshToken=first["RefreshToken"]))
    return {
        "pool_id": pool_id,
        "issuer": f"{server_url}/{pool_id}",
        "jwks_url": f"{server_url}/{pool_id}/.well-known/jwks.json",
        "jwk_client": jwt.PyJWKClient(f"{server_url}/{pool_id}/.well-known/jwks.json", cache_keys=False),
        "public": public,
        "secret": secret,
        "sub": sub,
        "results": results,
    }


FLOWS = ["admin-password/public", "admin-password/secret", "user-password/public", "srp/public",
         "srp/secret", "refresh-token-auth/public", "refresh-token-auth/secret",
         "get-tokens-from-refresh-token/public"]


def verify(world, token, audience=None):
    key = world["jwk_client"].get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], issuer=world["issuer"], audience=audience,
                      options={"require": ["exp", "iat", "iss", "sub", "token_use"]})


def test_jwks_shape(world):
    r = requests.get(world["jwks_url"], timeout=10)
    assert r.status_code == 200
    keys = r.json()["keys"]
    assert keys
    for k in keys:
        assert k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig"
        assert k["kid"] and k["n"] and k["e"] == "AQAB"
        assert len(b64url_decode(k["n"])) >= 256  # at least 2048-bit RSA


@pytest.mark.parametrize("flow", FLOWS)
def test_access_token_verifies(world, flow):
    client, res = world["results"][flow]
    ar = res["AuthenticationResult"]
    header = jwt.get_unverified_header(ar["AccessToken"])
    assert header["alg"] == "RS256" and header["kid"]
    c = verify(world, ar["AccessToken"])
    assert "aud" not in c
    assert c["token_use"] == "access"
    assert c["sub"] == world["sub"]
    assert c["username"] == "jwt-user"
    assert c["client_id"] == client["ClientId"]
    assert c["iss"] == world["issuer"]
    assert SCOPE in c["scope"].split()
    for k in ("auth_time", "exp", "iat"):
        assert isinstance(c[k], int), k
    assert c["exp"] - c["iat"] == ACCESS_VALIDITY_MIN * 60
    assert abs(c["iat"] - time.time()) < 300
    assert c["auth_time"] <= c["iat"]
    for k in ("jti", "origin_jti", "event_id"):
        assert isinstance(c[k], str) and c[k], k
    assert ar["ExpiresIn"] == ACCESS_VALIDITY_MIN * 60
    assert ar["TokenType"] == "Bearer"


@pytest.mark.parametrize("flow", FLOWS)
def test_id_token_verifies(world, flow):
    client, res = world["results"][flow]
    tok = res["AuthenticationResult"]["IdToken"]
    c = verify(world, tok, audience=client["ClientId"])
    assert c["aud"] == client["ClientId"]
    assert c["token_use"] == "id"
    assert c["sub"] == world["sub"]
    assert c["cognito:username"] == "jwt-user"
    assert c["email"] == "jwt@example.com"
    assert c["email_verified"] in (True, "true")  # the type is checked below
    assert isinstance(c["auth_time"], int)
    other = world["secret" if client is world["public"] else "public"]["ClientId"]
    with pytest.raises(jwt.InvalidAudienceError):
        verify(world, tok, audience=other)
    # IdTokenValidity (45 minutes) is the ID token's own lifetime, apart from the access token's.
    assert c["exp"] - c["iat"] == ID_VALIDITY_MIN * 60, (c["exp"] - c["iat"], "ID token lifetime")


def test_id_token_email_verified_is_a_boolean(world):
    """Cognito writes email_verified (and phone_number_verified) into the ID token as JSON
    booleans (the sample ID token in the Cognito developer guide has "email_verified": true),
    while the user attribute itself is the string "true"."""
    for flow in ("admin-password/public", "srp/public", "refresh-token-auth/public"):
        client, res = world["results"][flow]
        c = verify(world, res["AuthenticationResult"]["IdToken"], audience=client["ClientId"])
        assert c["email_verified"] is True, (flow, c["email_verified"])


def test_refreshed_tokens_keep_the_sign_in(world):
    first = world["results"]["admin-password/public"][1]["AuthenticationResult"]
    for flow in ("refresh-token-auth/public", "get-tokens-from-refresh-token/public"):
        again = world["results"][flow][1]["AuthenticationResult"]
        a0, a1 = verify(world, first["AccessToken"]), verify(world, again["AccessToken"])
        assert a1["jti"] != a0["jti"]
        assert a1["origin_jti"] == a0["origin_jti"]
        assert a1["auth_time"] == a0["auth_time"]


def test_id_token_carries_revocation_ids(world):
    """Cognito (token revocation on, the default for new clients) adds jti and origin_jti to
    ID tokens as well as access tokens; both tokens of one sign-in share origin_jti."""
    ar = world["results"]["admin-password/public"][1]["AuthenticationResult"]
    i = verify(world, ar["IdToken"], audience=world["public"]["ClientId"])
    a = verify(world, ar["AccessToken"])
    assert isinstance(i.get("jti"), str) and i["jti"] != a["jti"], i
    assert i.get("origin_jti") == a["origin_jti"], i
    assert i.get("event_id") == a["event_id"], i


def test_distinct_sign_ins_have_distinct_jti(world):
    jtis = [verify(world, world["results"][f][1]["AuthenticationResult"]["AccessToken"])["jti"] for f in FLOWS]
    assert len(set(jtis)) == len(jtis)


def tamper_payload(token, **changes):
    h, p, s = token.split(".")
    claims = json.loads(b64url_decode(p))
    claims.update(changes)
    return ".".join([h, b64url_encode(json.dumps(claims).encode()), s])


def tamper_signature(token):
    h, p, s = token.split(".")
    sig = bytearray(b64url_decode(s))
    sig[len(sig) // 2] ^= 0x01
    return ".".join([h, p, b64url_encode(bytes(sig))])


@pytest.mark.parametrize("which", ["AccessToken", "IdToken"])
def test_tampered_tokens_are_rejected(world, which):
    client, res = world["results"]["srp/public"]
    tok = res["AuthenticationResult"][which]
    aud = client["ClientId"] if which == "IdToken" else None
    verify(world, tok, audience=aud)  # the original is fine
    forged = tamper_payload(tok, sub="00000000-0000-0000-0000-000000000000")
    with pytest.raises(jwt.InvalidSignatureError):
        verify(world, forged, audience=aud)
    with pytest.raises(jwt.InvalidSignatureError):
        verify(world, tamper_signature(tok), audience=aud)
    with pytest.raises(jwt.InvalidIssuerError):
        key = world["jwk_client"].get_signing_key_from_jwt(tok)
        jwt.decode(tok, key.key, algorithms=["RS256"], audience=aud,
                   issuer="https://cognito-idp.us-east-1.amazonaws.com/" + world["pool_id"])


def test_server_refuses_a_tampered_access_token(world, idp):
    from botocore.exceptions import ClientError

    tok = world["results"]["user-password/public"][1]["AuthenticationResult"]["AccessToken"]
    assert idp.get_user(AccessToken=tok)["Username"] == "jwt-user"
    for bad in (tamper_payload(tok, username="someone-else"), tamper_signature(tok)):
        with pytest.raises(ClientError) as info:
            idp.get_user(AccessToken=bad)
        assert info.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_each_pool_has_its_own_keys(world, api, server_url):
    other = api.pool()["Id"]
    other_client = jwt.PyJWKClient(f"{server_url}/{other}/.well-known/jwks.json", cache_keys=False)
    tok = world["results"]["srp/public"][1]["AuthenticationResult"]["AccessToken"]
    with pytest.raises(jwt.PyJWKClientError):
        other_client.get_signing_key_from_jwt(tok)
