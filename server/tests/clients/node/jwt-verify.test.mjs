// aws-jwt-verify against the tokens cognito-signin-server issues.
//
// CognitoJwtVerifier cannot be used: it derives issuer and JWKS URI from the user pool id
// (`https://cognito-idp.<region>.amazonaws.com/<poolId>`, dist/esm/cognito-verifier.js
// parseUserPoolId) with no override. So JwtRsaVerifier is used with the server's issuer and
// jwksUri, plus the library's own Cognito claim checks (validateCognitoJwtFields from
// aws-jwt-verify/cognito-verifier) as customJwtCheck for token_use and client id.
// The library's Node fetcher uses https.request only (dist/esm/https-node.js), which refuses
// http:// URLs, so the JWKS cache gets a fetcher that uses fetch() over http to 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureError,
} from 'aws-jwt-verify/error';
import { MemoryStorage, cognito, decodeJwtHeader, decodeJwtPayload, sleep, startServer } from './server.mjs';
import { nodeCb, outcome, show } from './callbacks.mjs';

const POOL_ID = 'us-east-1_NodeJwt1';
const CLIENT_ID = 'nodejwtclient0000000000001';
const OTHER_CLIENT_ID = 'nodejwtclient0000000000002';

const config = {
  UserPools: [
    {
      Id: POOL_ID,
      PoolName: 'node-jwt',
      MfaConfiguration: 'OFF',
      Policies: { PasswordPolicy: { MinimumLength: 8 } },
      Clients: [
        { ClientId: CLIENT_ID, ClientName: 'node-jwt', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
        { ClientId: OTHER_CLIENT_ID, ClientName: 'node-jwt-2', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
      ],
      Users: [
        {
          Username: 'jay',
          Password: 'Jays-Password-1',
          Permanent: true,
          Attributes: { email: 'jay@example.com', email_verified: 'true' },
        },
      ],
    },
  ],
};

let server;
let issuer;
let jwksUri;
const fetchedUris = [];
const tokens = {}; // name -> jwt
let jayUser;
let jaySession;

// A JWKS fetcher over plain http, limited to 127.0.0.1.
const localFetcher = {
  async fetch(uri) {
    const u = new URL(uri);
    assert.equal(u.hostname, '127.0.0.1', `JWKS fetch to ${uri}`);
    fetchedUris.push(uri);
    const resp = await fetch(uri);
    if (resp.status !== 200) throw new Error(`GET ${uri}: HTTP ${resp.status}`);
    return resp.arrayBuffer();
  },
};

function verifier({ tokenUse, clientId = CLIENT_ID }) {
  return JwtRsaVerifier.create(
    {
      issuer,
      jwksUri,
      // id tokens carry aud; access tokens carry client_id and no aud (checked below)
      audience: tokenUse === 'id' ? clientId : null,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse, clientId }),
    },
    { jwksCache: new SimpleJwksCache({ fetcher: localFetcher }) },
  );
}

async function signInJay(clientId) {
  const storage = new MemoryStorage();
  const pool = new CognitoUserPool({ UserPoolId: POOL_ID, ClientId: clientId, endpoint: server.url, Storage: storage });
  const user = new CognitoUser({ Username: 'jay', Pool: pool, Storage: storage });
  const r = await outcome((cb) => user.authenticateUser(new AuthenticationDetails({ Username: 'jay', Password: 'Jays-Password-1' }), cb));
  assert.equal(r.kind, 'onSuccess', show(r));
  return { user, session: r.session };
}

before(async () => {
  server = await startServer(config);
  issuer = `${server.url}/${POOL_ID}`;
  jwksUri = `${issuer}/.well-known/jwks.json`;
  const { user, session } = await signInJay(CLIENT_ID);
  tokens.access = session.getAccessToken().getJwtToken();
  tokens.id = session.getIdToken().getJwtToken();
  // Refreshed tokens by a plain REFRESH_TOKEN_AUTH (identity-js's refreshSession is tested below),
  // a second later so that iat/auth_time can tell a refresh from a sign-in.
  await sleep(1100);
  const refreshed = await cognito(server.url, 'InitiateAuth', {
    ClientId: CLIENT_ID,
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: session.getRefreshToken().getToken() },
  }, { sign: false });
  tokens.refreshedAccess = refreshed.AuthenticationResult.AccessToken;
  tokens.refreshedId = refreshed.AuthenticationResult.IdToken;
  jayUser = user;
  jaySession = session;
  const other = await signInJay(OTHER_CLIENT_ID);
  tokens.otherAccess = other.session.getAccessToken().getJwtToken();
  tokens.otherId = other.session.getIdToken().getJwtToken();
});
after(async () => {
  await server?.stop();
});

// Flip one character of the JSON payload (same length, still valid JSON) and re-encode,
// so the only thing wrong is the signature no longer matching.
function tamperPayload(jwt) {
  const [h, p, s] = jwt.split('.');
  const json = Buffer.from(p, 'base64url').toString('utf8');
  const i = json.indexOf('"jay"');
  assert.ok(i >= 0, `payload mentions jay: ${json}`);
  const changed = json.slice(0, i + 1) + 'k' + json.slice(i + 2); // "jay" -> "kay"
  assert.equal(changed.length, json.length);
  JSON.parse(changed);
  return [h, Buffer.from(changed, 'utf8').toString('base64url'), s].join('.');
}
// Change one character in the middle of the signature.
function tamperSignature(jwt) {
  const [h, p, s] = jwt.split('.');
  const i = Math.floor(s.length / 2);
  const c = s[i] === 'A' ? 'B' : 'A';
  return [h, p, s.slice(0, i) + c + s.slice(i + 1)].join('.');
}

describe('aws-jwt-verify', { timeout: 60_000 }, () => {
  test('the JWKS is a set of RS256 signing keys that includes every token kid', async () => {
    const resp = await fetch(jwksUri);
    assert.equal(resp.status, 200);
    const jwks = await resp.json();
    assert.ok(Array.isArray(jwks.keys) && jwks.keys.length >= 1, JSON.stringify(jwks));
    for (const k of jwks.keys) {
      assert.equal(k.kty, 'RSA');
      assert.equal(k.alg, 'RS256');
      assert.equal(k.use, 'sig');
      assert.equal(k.e, 'AQAB');
      assert.ok(typeof k.kid === 'string' && k.kid.length > 0);
      assert.ok(Buffer.from(k.n, 'base64url').length >= 256, 'RSA modulus of at least 2048 bits');
    }
    for (const [name, jwt] of Object.entries(tokens)) {
      const header = decodeJwtHeader(jwt);
      assert.equal(header.alg, 'RS256', name);
      assert.ok(jwks.keys.some((k) => k.kid === header.kid), `${name} kid ${header.kid} in JWKS`);
    }
  });

  test('every issued access and id token verifies against the pool JWKS', async () => {
    const access = verifier({ tokenUse: 'access' });
    const id = verifier({ tokenUse: 'id' });
    for (const name of ['access', 'refreshedAccess']) {
      const payload = await access.verify(tokens[name]);
      assert.equal(payload.iss, issuer, name);
      assert.equal(payload.token_use, 'access', name);
      assert.equal(payload.client_id, CLIENT_ID, name);
      assert.equal(payload.username, 'jay', name);
      assert.equal(payload.aud, undefined, `${name}: a Cognito access token has no aud`);
      for (const k of ['sub', 'scope', 'auth_time', 'exp', 'iat', 'jti', 'origin_jti', 'event_id']) {
        assert.ok(payload[k] !== undefined, `${name}.${k}`);
      }
      assert.ok(payload.exp > payload.iat, name);
    }
    for (const name of ['id', 'refreshedId']) {
      const payload = await id.verify(tokens[name]);
      assert.equal(payload.iss, issuer, name);
      assert.equal(payload.token_use, 'id', name);
      assert.equal(payload.aud, CLIENT_ID, name);
      assert.equal(payload['cognito:username'], 'jay', name);
      assert.equal(payload.email, 'jay@example.com', name);
      for (const k of ['auth_time', 'exp', 'iat']) assert.ok(payload[k] !== undefined, `${name}.${k}`);
      assert.equal(payload.sub, decodeJwtPayload(tokens.access).sub, name);
    }
    // tokens of the second client verify with that client id
    await verifier({ tokenUse: 'access', clientId: OTHER_CLIENT_ID }).verify(tokens.otherAccess);
    await verifier({ tokenUse: 'id', clientId: OTHER_CLIENT_ID }).verify(tokens.otherId);
    assert.ok(fetchedUris.length >= 1 && fetchedUris.every((u) => u === jwksUri), JSON.stringify(fetchedUris));
  });

  test('wrong token use and wrong client id are rejected', async () => {
    await assert.rejects(verifier({ tokenUse: 'id' }).verify(tokens.access), JwtInvalidClaimError);
    await assert.rejects(verifier({ tokenUse: 'access' }).verify(tokens.id), CognitoJwtInvalidTokenUseError);
    await assert.rejects(verifier({ tokenUse: 'access' }).verify(tokens.otherAccess), CognitoJwtInvalidClientIdError);
    await assert.rejects(verifier({ tokenUse: 'id' }).verify(tokens.otherId), JwtInvalidAudienceError);
  });

  test('a token with one payload character changed is rejected', async () => {
    for (const [name, use] of [['access', 'access'], ['id', 'id'], ['refreshedAccess', 'access']]) {
      const bad = tamperPayload(tokens[name]);
      assert.notEqual(bad, tokens[name]);
      await assert.rejects(verifier({ tokenUse: use }).verify(bad), JwtInvalidSignatureError, name);
    }
  });

  test('a token with its signature changed is rejected', async () => {
    for (const [name, use] of [['access', 'access'], ['id', 'id'], ['refreshedId', 'id']]) {
      const bad = tamperSignature(tokens[name]);
      assert.notEqual(bad, tokens[name]);
      await assert.rejects(verifier({ tokenUse: use }).verify(bad), JwtInvalidSignatureError, name);
    }
  });

  test('claims are written as Cognito writes them', () => {
    const problems = [];
    const check = (ok, what) => ok || problems.push(what);
    const access = decodeJwtPayload(tokens.access);
    for (const name of ['id', 'refreshedId']) {
      const p = decodeJwtPayload(tokens[name]);
      // Cognito's id token has email_verified as a JSON boolean (the attribute is the string "true")
      check(p.email_verified === true, `${name}.email_verified is ${JSON.stringify(p.email_verified)}, Cognito writes true`);
      check(typeof p.jti === 'string', `${name} has no jti (Cognito id tokens carry jti)`);
      check(typeof p.origin_jti === 'string', `${name} has no origin_jti (Cognito id tokens carry origin_jti)`);
    }
    for (const name of ['refreshedAccess', 'refreshedId']) {
      const p = decodeJwtPayload(tokens[name]);
      check(p.origin_jti === access.origin_jti, `${name}.origin_jti ${p.origin_jti} != sign-in's ${access.origin_jti} (Cognito ties origin_jti to the refresh token)`);
      check(p.auth_time === access.auth_time, `${name}.auth_time ${p.auth_time} != sign-in's ${access.auth_time} (a refresh is not an authentication)`);
    }
    // Cognito's sub, jti, origin_jti and event_id are RFC 4122 version-4 UUIDs
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const k of ['sub', 'jti', 'origin_jti', 'event_id']) {
      check(v4.test(access[k]), `access.${k} ${access[k]} is not a version-4 UUID`);
    }
    check(decodeJwtPayload(tokens.refreshedAccess).iat > access.iat, 'refreshed iat is later');
    assert.deepEqual(problems, []);
  });

  test('identity-js refreshSession on a pool without device tracking; its tokens verify', async () => {
    // With no device stored, CognitoUser.refreshSession sends AuthParameters.DEVICE_KEY = null
    // (storage.getItem of the absent deviceKey): Cognito takes that as absent.
    const refreshed = await nodeCb((cb) => jayUser.refreshSession(jaySession.getRefreshToken(), cb));
    const a = await verifier({ tokenUse: 'access' }).verify(refreshed.getAccessToken().getJwtToken());
    const i = await verifier({ tokenUse: 'id' }).verify(refreshed.getIdToken().getJwtToken());
    assert.equal(a.username, 'jay');
    assert.equal(i['cognito:username'], 'jay');
    assert.equal(a.origin_jti, decodeJwtPayload(tokens.access).origin_jti, 'refresh keeps origin_jti');
    assert.equal(a.auth_time, decodeJwtPayload(tokens.access).auth_time, 'refresh keeps auth_time');
  });

  test('a token for another issuer is rejected', async () => {
    const v = JwtRsaVerifier.create(
      { issuer: `${server.url}/us-east-1_SomeOther1`, jwksUri, audience: null },
      { jwksCache: new SimpleJwksCache({ fetcher: localFetcher }) },
    );
    await assert.rejects(v.verify(tokens.access), JwtInvalidIssuerError);
  });
});
