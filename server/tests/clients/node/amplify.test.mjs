// Amplify JS v6 (aws-amplify/auth) against cognito-signin-server, in Node without a browser:
// signIn with USER_SRP_AUTH -> CONFIRM_SIGN_IN_WITH_TOTP_CODE -> confirmSignIn -> fetchAuthSession,
// device tracking (ConfirmDevice, rememberDevice, device SRP on the next sign-in),
// signOut (RevokeToken), GetTokensFromRefreshToken via fetchAuthSession({forceRefresh}).
//
// What Amplify needs in Node:
// - a KeyValueStorage: Amplify.configure() installs its default (localStorage, or an in-memory
//   fallback without `window`), so ours is set with setKeyValueStorage AFTER configure;
// - `navigator`: Node 20 has none, and Amplify's getDeviceName() (core utils/deviceName) reads
//   navigator.userAgent for ConfirmDevice's DeviceName; without it getNewDeviceMetadata()
//   swallows the ReferenceError and silently skips ConfirmDevice. Node >= 21 has a navigator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import {
  confirmSignIn,
  fetchAuthSession,
  fetchDevices,
  getCurrentUser,
  rememberDevice,
  signIn,
  signOut,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { MemoryKeyValueStorage, cognito, freshTotp, recordFetch, startServer } from './server.mjs';

const POOL_ID = 'us-east-1_NodeAmpl1';
const CLIENT_ID = 'nodeamplifyclient000000001';
const TOTP_SECRET = 'KRSXG5CTMVRXEZLUKN2XAZLSNNSWY3DB';
const USERNAME = 'amy';
const PASSWORD = 'Amys-Password-1';

const config = {
  UserPools: [
    {
      Id: POOL_ID,
      PoolName: 'node-amplify',
      MfaConfiguration: 'OPTIONAL',
      SoftwareTokenMfaConfiguration: { Enabled: true },
      DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
      Policies: { PasswordPolicy: { MinimumLength: 8 } },
      Clients: [
        {
          ClientId: CLIENT_ID,
          ClientName: 'node-amplify',
          ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
      ],
      Users: [
        {
          Username: USERNAME,
          Password: PASSWORD,
          Permanent: true,
          Attributes: { email: 'amy@example.com', email_verified: 'true', name: 'Amy' },
          SoftwareTokenSecret: TOTP_SECRET,
        },
      ],
    },
  ],
};

let server;
let rec;
const storage = new MemoryKeyValueStorage();

before(async () => {
  server = await startServer(config);
  rec = recordFetch();
  if (typeof globalThis.navigator === 'undefined') {
    globalThis.navigator = { userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
  }
  Amplify.configure({
    Auth: { Cognito: { userPoolId: POOL_ID, userPoolClientId: CLIENT_ID, userPoolEndpoint: server.url } },
  });
  cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
});
after(async () => {
  rec?.restore();
  await server?.stop();
});

describe('aws-amplify v6', { timeout: 120_000 }, () => {
  let firstRefreshToken;
  let deviceKey;
  let sub;

  test('a wrong password rejects with NotAuthorizedException', async () => {
    await assert.rejects(
      signIn({ username: USERNAME, password: 'Amys-Password-2', options: { authFlowType: 'USER_SRP_AUTH' } }),
      (err) => {
        assert.equal(err.name, 'NotAuthorizedException', `${err.name}: ${err.message}`);
        return true;
      },
    );
  });

  test('signIn (SRP) -> CONFIRM_SIGN_IN_WITH_TOTP_CODE -> confirmSignIn -> signed in', async () => {
    rec.reset();
    const first = await signIn({ username: USERNAME, password: PASSWORD, options: { authFlowType: 'USER_SRP_AUTH' } });
    assert.equal(first.isSignedIn, false, JSON.stringify(first));
    assert.equal(first.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE', `${JSON.stringify(first)}\n${rec.describe()}`);
    assert.equal(rec.calls[0].request.AuthFlow, 'USER_SRP_AUTH');

    const code = await freshTotp(TOTP_SECRET);
    const done = await confirmSignIn({ challengeResponse: code });
    assert.equal(done.isSignedIn, true, `${JSON.stringify(done)}\n${rec.describe()}`);
    assert.equal(done.nextStep.signInStep, 'DONE');
    assert.deepEqual(rec.challengesSent(), ['PASSWORD_VERIFIER', 'SOFTWARE_TOKEN_MFA'], rec.describe());

    // Amplify confirmed the new device (it ignores ConfirmDevice errors, so check the call).
    const confirm = rec.calls.find((c) => c.op === 'ConfirmDevice');
    assert.ok(confirm, `ConfirmDevice was called\n${rec.describe()}`);
    assert.equal(confirm.status, 200, JSON.stringify(confirm.response));
    assert.equal(confirm.response.UserConfirmationNecessary, true);
    deviceKey = storage.find(`${CLIENT_ID}.${USERNAME}.deviceKey`);
    assert.ok(deviceKey, 'device key stored by Amplify');
  });

  test('fetchAuthSession returns the tokens of the signed-in user', async () => {
    const got = await cognito(server.url, 'AdminGetUser', { UserPoolId: POOL_ID, Username: USERNAME });
    sub = got.UserAttributes.find((a) => a.Name === 'sub')?.Value;
    assert.ok(sub, `AdminGetUser has a sub: ${JSON.stringify(got)}`);

    const session = await fetchAuthSession();
    const { accessToken, idToken } = session.tokens ?? {};
    assert.ok(accessToken && idToken, `tokens: ${JSON.stringify(session)}`);
    assert.equal(accessToken.payload.username, USERNAME);
    assert.equal(accessToken.payload.sub, sub);
    assert.equal(accessToken.payload.token_use, 'access');
    assert.equal(accessToken.payload.client_id, CLIENT_ID);
    assert.equal(accessToken.payload.iss, `${server.url}/${POOL_ID}`);
    assert.ok(String(accessToken.payload.scope).split(' ').includes('aws.cognito.signin.user.admin'));
    assert.equal(idToken.payload['cognito:username'], USERNAME);
    assert.equal(idToken.payload.sub, sub);
    assert.equal(idToken.payload.aud, CLIENT_ID);
    assert.equal(idToken.payload.token_use, 'id');
    assert.equal(idToken.payload.email, 'amy@example.com');
    assert.equal(idToken.payload.name, 'Amy');
    assert.equal(session.userSub, sub);

    const current = await getCurrentUser();
    assert.equal(current.username, USERNAME);
    assert.equal(current.userId, sub);
    firstRefreshToken = await storage.find(`${CLIENT_ID}.${USERNAME}.refreshToken`);
    assert.ok(firstRefreshToken);
  });

  test('rememberDevice, fetchDevices, signOut revokes the refresh token', async () => {
    rec.reset();
    await rememberDevice();
    const upd = rec.calls.find((c) => c.op === 'UpdateDeviceStatus');
    assert.equal(upd?.status, 200, rec.describe());
    assert.equal(upd.request.DeviceKey, deviceKey);
    assert.equal(upd.request.DeviceRememberedStatus, 'remembered');

    const devices = await fetchDevices();
    assert.ok(devices.some((d) => d.id === deviceKey), `fetchDevices: ${JSON.stringify(devices)}`);

    const accessToken = (await fetchAuthSession()).tokens.accessToken.toString();
    const me = await cognito(server.url, 'GetUser', { AccessToken: accessToken }, { sign: false });
    assert.equal(me.Username, USERNAME);

    rec.reset();
    await signOut();
    const revoke = rec.calls.find((c) => c.op === 'RevokeToken');
    assert.ok(revoke, `signOut called RevokeToken (the access token has origin_jti)\n${rec.describe()}`);
    assert.equal(revoke.status, 200, JSON.stringify(revoke.response));
    const afterSignOut = await fetchAuthSession();
    assert.equal(afterSignOut.tokens, undefined, 'no tokens after signOut');

    await assert.rejects(
      cognito(server.url, 'InitiateAuth', {
        ClientId: CLIENT_ID,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: firstRefreshToken, DEVICE_KEY: deviceKey },
      }, { sign: false }),
      (err) => {
        assert.equal(err.name, 'NotAuthorizedException', err.message);
        return true;
      },
      'a revoked refresh token is refused',
    );
    // RevokeToken also revokes the access tokens issued from that refresh token
    await assert.rejects(
      cognito(server.url, 'GetUser', { AccessToken: accessToken }, { sign: false }),
      (err) => {
        assert.equal(err.name, 'NotAuthorizedException', err.message);
        return true;
      },
      'the access token of a revoked refresh token is refused',
    );
  });

  test('second signIn on the remembered device skips TOTP (device SRP); forceRefresh uses the refresh token', async () => {
    rec.reset();
    const r = await signIn({ username: USERNAME, password: PASSWORD, options: { authFlowType: 'USER_SRP_AUTH' } });
    assert.equal(r.isSignedIn, true, `${JSON.stringify(r)}\n${rec.describe()}`);
    assert.equal(r.nextStep.signInStep, 'DONE');
    assert.deepEqual(rec.challengesSent(), ['PASSWORD_VERIFIER', 'DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER'], rec.describe());
    assert.equal(rec.calls.filter((c) => c.op === 'ConfirmDevice').length, 0, 'no new device');

    const s1 = await fetchAuthSession();
    assert.equal(s1.tokens.accessToken.payload.device_key, deviceKey);
    assert.equal(s1.tokens.accessToken.payload.username, USERNAME);

    rec.reset();
    const s2 = await fetchAuthSession({ forceRefresh: true });
    const call = rec.calls.find((c) => c.op === 'GetTokensFromRefreshToken');
    assert.ok(call, `forceRefresh calls GetTokensFromRefreshToken\n${rec.describe()}`);
    assert.equal(call.status, 200, JSON.stringify(call.response));
    assert.equal(call.request.DeviceKey, deviceKey);
    assert.notEqual(s2.tokens.accessToken.payload.jti, s1.tokens.accessToken.payload.jti);
    assert.equal(s2.tokens.accessToken.payload.sub, sub);
    assert.equal(s2.tokens.idToken.payload['cognito:username'], USERNAME);
    await signOut();
  });
});
