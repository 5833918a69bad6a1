// amazon-cognito-identity-js 6.x against cognito-signin-server: USER_SRP_AUTH,
// NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, device tracking (ConfirmDevice,
// UpdateDeviceStatus, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER skipping MFA),
// REFRESH_TOKEN_AUTH, and a wrong password.
// (A client with a secret is not supported by this library, so it is not tested here.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import {
  MemoryStorage,
  cognito,
  freshTotp,
  readOutbox,
  recordFetch,
  sleep,
  startServer,
} from './server.mjs';
import { nodeCb, outcome, show } from './callbacks.mjs';

const POOL_ID = 'us-east-1_NodeIdJs1';
const CLIENT_ID = 'nodeidjsclient000000000001';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

const config = {
  UserPools: [
    {
      Id: POOL_ID,
      PoolName: 'node-identity-js',
      MfaConfiguration: 'OPTIONAL',
      SoftwareTokenMfaConfiguration: { Enabled: true },
      DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
      Policies: { PasswordPolicy: { MinimumLength: 8 } },
      Clients: [
        {
          ClientId: CLIENT_ID,
          ClientName: 'node-identity-js',
          ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
      ],
      Users: [
        {
          Username: 'alice',
          Password: 'Correct-Horse-1',
          Permanent: true,
          Attributes: { email: 'alice@example.com', email_verified: 'true' },
          SoftwareTokenSecret: TOTP_SECRET,
        },
        {
          Username: 'newbie',
          Password: 'Temp-Pass-1!',
          Permanent: false,
          Attributes: { email: 'newbie@example.com', email_verified: 'true' },
        },
        {
          Username: 'bob',
          Password: 'Bob-Password-1',
          Permanent: true,
          Attributes: { email: 'bob@example.com', email_verified: 'true' },
        },
      ],
    },
  ],
};

let server;
let rec;
const newPool = (storage) =>
  new CognitoUserPool({ UserPoolId: POOL_ID, ClientId: CLIENT_ID, endpoint: server.url, Storage: storage });
const newUser = (pool, storage, username) => new CognitoUser({ Username: username, Pool: pool, Storage: storage });
const details = (username, password) => new AuthenticationDetails({ Username: username, Password: password });
const deviceKeyIn = (storage, username) =>
  storage.getItem(`CognitoIdentityServiceProvider.${CLIENT_ID}.${username}.deviceKey`);

before(async () => {
  server = await startServer(config);
  rec = recordFetch();
});
after(async () => {
  rec?.restore();
  await server?.stop();
});

describe('amazon-cognito-identity-js', { timeout: 120_000 }, () => {
  test('a FORCE_CHANGE_PASSWORD user answers newPasswordRequired, then signs in with the new password', async () => {
    const storage = new MemoryStorage();
    const pool = newPool(storage);
    const user = newUser(pool, storage, 'newbie');

    const first = await outcome((cb) => user.authenticateUser(details('newbie', 'Temp-Pass-1!'), cb));
    assert.equal(first.kind, 'newPasswordRequired', show(first));
    assert.equal(first.userAttributes?.email, 'newbie@example.com', show(first));
    assert.deepEqual(first.requiredAttributes, [], show(first));

    const done = await outcome((cb) => user.completeNewPasswordChallenge('Brand-New-Pass-2', {}, cb));
    assert.equal(done.kind, 'onSuccess', `${show(done)}\n${rec.describe()}`);
    const id = done.session.getIdToken().decodePayload();
    assert.equal(id['cognito:username'], 'newbie');
    assert.equal(id.email, 'newbie@example.com');
    assert.equal(done.session.getAccessToken().decodePayload().username, 'newbie');
    // Pool has device tracking with DeviceOnlyRememberedOnUserPrompt: the library confirmed the
    // new device and the server asked for the user's confirmation.
    assert.equal(done.userConfirmationNecessary, true, `ConfirmDevice should answer UserConfirmationNecessary=true\n${rec.describe()}`);
    assert.ok(deviceKeyIn(storage, 'newbie'), 'a device key was stored after ConfirmDevice');

    const got = await cognito(server.url, 'AdminGetUser', { UserPoolId: POOL_ID, Username: 'newbie' });
    assert.equal(got.UserStatus, 'CONFIRMED');

    // New password works, old one no longer does.
    const s2 = new MemoryStorage();
    const again = await outcome((cb) => newUser(newPool(s2), s2, 'newbie').authenticateUser(details('newbie', 'Brand-New-Pass-2'), cb));
    assert.equal(again.kind, 'onSuccess', show(again));
    const s3 = new MemoryStorage();
    const old = await outcome((cb) => newUser(newPool(s3), s3, 'newbie').authenticateUser(details('newbie', 'Temp-Pass-1!'), cb));
    assert.equal(old.kind, 'onFailure', show(old));
    assert.equal(old.err.code, 'NotAuthorizedException', show(old));
  });

  test('TOTP user: totpRequired, remember the device, second sign-in skips MFA via device SRP, refreshSession', async () => {
    const storage = new MemoryStorage();
    const pool = newPool(storage);

    // --- first sign-in: SRP, then SOFTWARE_TOKEN_MFA
    const user = newUser(pool, storage, 'alice');
    rec.reset();
    const first = await outcome((cb) => user.authenticateUser(details('alice', 'Correct-Horse-1'), cb));
    assert.equal(first.kind, 'totpRequired', `${show(first)}\n${rec.describe()}`);
    assert.equal(first.challengeName, 'SOFTWARE_TOKEN_MFA');
    const init = rec.calls.find((c) => c.op === 'InitiateAuth');
    assert.equal(init.response.ChallengeName, 'PASSWORD_VERIFIER');
    assert.equal(init.response.ChallengeParameters.USER_ID_FOR_SRP, 'alice');
    for (const k of ['SALT', 'SRP_B', 'SECRET_BLOCK']) assert.ok(init.response.ChallengeParameters[k], `InitiateAuth ChallengeParameters.${k}`);

    const code = await freshTotp(TOTP_SECRET);
    const mfa = await outcome((cb) => user.sendMFACode(code, cb, 'SOFTWARE_TOKEN_MFA'));
    assert.equal(mfa.kind, 'onSuccess', `${show(mfa)}\n${rec.describe()}`);
    assert.equal(mfa.session.getAccessToken().decodePayload().username, 'alice');
    assert.equal(mfa.session.getIdToken().decodePayload()['cognito:username'], 'alice');
    const mfaReply = rec.calls.find((c) => c.op === 'RespondToAuthChallenge' && c.request.ChallengeName === 'SOFTWARE_TOKEN_MFA');
    const newDevice = mfaReply.response.AuthenticationResult?.NewDeviceMetadata;
    assert.ok(newDevice?.DeviceKey && newDevice?.DeviceGroupKey, `NewDeviceMetadata after MFA: ${JSON.stringify(mfaReply.response)}`);
    assert.ok(newDevice.DeviceKey.startsWith('us-east-1_'), `DeviceKey is region-prefixed like Cognito's: ${newDevice.DeviceKey}`);
    assert.equal(mfa.userConfirmationNecessary, true, `ConfirmDevice -> UserConfirmationNecessary\n${rec.describe()}`);
    const deviceKey = deviceKeyIn(storage, 'alice');
    assert.equal(deviceKey, newDevice.DeviceKey);

    // --- remember the device
    const remembered = await outcome((cb) => user.setDeviceStatusRemembered(cb));
    assert.equal(remembered.kind, 'onSuccess', `${show(remembered)}\n${rec.describe()}`);
    const listed = await outcome((cb) => user.listDevices(10, null, cb));
    assert.equal(listed.kind, 'onSuccess', show(listed));
    const devices = listed.session.Devices;
    assert.ok(Array.isArray(devices), `ListDevices.Devices: ${JSON.stringify(listed.session)}`);
    const dev = devices.find((d) => d.DeviceKey === deviceKey);
    assert.ok(dev, `the device is listed: ${JSON.stringify(devices)}`);
    const nameAttr = dev.DeviceAttributes?.find((a) => a.Name === 'device_name');
    assert.equal(nameAttr?.Value, 'nodejs', `device_name attribute from ConfirmDevice's DeviceName: ${JSON.stringify(dev)}`);

    // --- second sign-in, same storage: the library sends DEVICE_KEY and does device SRP
    rec.reset();
    const user2 = newUser(pool, storage, 'alice');
    const second = await outcome((cb) => user2.authenticateUser(details('alice', 'Correct-Horse-1'), cb));
    assert.equal(second.kind, 'onSuccess', `must succeed without totpRequired: ${show(second)}\n${rec.describe()}`);
    assert.deepEqual(
      rec.challengesSent(),
      ['PASSWORD_VERIFIER', 'DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER'],
      rec.describe(),
    );
    const pv = rec.calls.find((c) => c.request?.ChallengeName === 'PASSWORD_VERIFIER');
    assert.equal(pv.request.ChallengeResponses.DEVICE_KEY, deviceKey);
    assert.equal(pv.response.ChallengeName, 'DEVICE_SRP_AUTH');
    const dpv = rec.calls.find((c) => c.request?.ChallengeName === 'DEVICE_PASSWORD_VERIFIER');
    assert.equal(dpv.response.AuthenticationResult?.NewDeviceMetadata, undefined, 'no new device on a known device');
    const access2 = second.session.getAccessToken().decodePayload();
    assert.equal(access2.username, 'alice');
    assert.equal(access2.device_key, deviceKey, 'access token carries device_key after a device sign-in');
    assert.equal(second.userConfirmationNecessary, undefined);

    // --- refresh (a second later, so that iat/auth_time tell a refresh from a sign-in)
    await sleep(1100);
    rec.reset();
    const refreshed = await nodeCb((cb) => user2.refreshSession(second.session.getRefreshToken(), cb));
    const refreshCall = rec.calls.find((c) => c.op === 'InitiateAuth');
    assert.equal(refreshCall.request.AuthFlow, 'REFRESH_TOKEN_AUTH');
    assert.equal(refreshCall.status, 200, rec.describe());
    assert.equal(refreshCall.response.AuthenticationResult.TokenType, 'Bearer');
    assert.ok(refreshCall.response.AuthenticationResult.ExpiresIn > 0);
    const a1 = second.session.getAccessToken().decodePayload();
    const a2 = refreshed.getAccessToken().decodePayload();
    const i2 = refreshed.getIdToken().decodePayload();
    assert.notEqual(refreshed.getAccessToken().getJwtToken(), second.session.getAccessToken().getJwtToken());
    assert.notEqual(a2.jti, a1.jti);
    assert.equal(a2.sub, a1.sub);
    assert.equal(a2.username, 'alice');
    assert.equal(i2.sub, a1.sub);
    assert.equal(i2['cognito:username'], 'alice');
    assert.equal(i2.aud, CLIENT_ID);
    assert.ok(refreshed.isValid());
    assert.ok(a2.iat > a1.iat);
    assert.equal(a2.auth_time, a1.auth_time, 'refresh keeps auth_time (a refresh is not an authentication)');
    assert.equal(a2.origin_jti, a1.origin_jti, 'refresh keeps the origin_jti of the sign-in (Cognito ties it to the refresh token)');
  });

  test('a wrong password calls onFailure with NotAuthorizedException', async () => {
    for (const [username, password] of [
      ['bob', 'Bob-Password-2'],
      ['bob', 'bob-password-1'],
      ['alice', 'Correct-Horse-2'],
    ]) {
      const storage = new MemoryStorage();
      rec.reset();
      const r = await outcome((cb) => newUser(newPool(storage), storage, username).authenticateUser(details(username, password), cb));
      assert.equal(r.kind, 'onFailure', `${username}/${password}: ${show(r)}`);
      assert.equal(r.err.code, 'NotAuthorizedException', `${username}/${password}: ${show(r)}`);
      const failed = rec.calls.at(-1);
      assert.equal(failed.op, 'RespondToAuthChallenge', 'the failure is the PASSWORD_VERIFIER reply');
      assert.equal(failed.status, 400);
      assert.equal(storage.getItem(`CognitoIdentityServiceProvider.${CLIENT_ID}.LastAuthUser`), null);
    }
    // and the right password still works
    const storage = new MemoryStorage();
    const ok = await outcome((cb) => newUser(newPool(storage), storage, 'bob').authenticateUser(details('bob', 'Bob-Password-1'), cb));
    assert.equal(ok.kind, 'onSuccess', show(ok));
  });

  test('AdminCreateUser emails a temporary password (outbox) that answers newPasswordRequired', async () => {
    await cognito(server.url, 'AdminCreateUser', {
      UserPoolId: POOL_ID,
      Username: 'carol',
      UserAttributes: [
        { Name: 'email', Value: 'carol@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
      DesiredDeliveryMediums: ['EMAIL'],
    });
    const messages = (await readOutbox(server.url, POOL_ID)).filter((m) => m.Username === 'carol');
    assert.ok(messages.length >= 1, 'a message was sent to carol');
    const msg = messages.at(-1);
    assert.equal(msg.Medium, 'EMAIL');
    assert.equal(msg.Destination, 'carol@example.com');
    assert.ok(typeof msg.Code === 'string' && msg.Code.length >= 8, `temporary password: ${JSON.stringify(msg)}`);

    const storage = new MemoryStorage();
    const user = newUser(newPool(storage), storage, 'carol');
    const r = await outcome((cb) => user.authenticateUser(details('carol', msg.Code), cb));
    assert.equal(r.kind, 'newPasswordRequired', show(r));
    const done = await outcome((cb) => user.completeNewPasswordChallenge('Carols-New-Pass-3', {}, cb));
    assert.equal(done.kind, 'onSuccess', show(done));
    assert.equal(done.session.getIdToken().decodePayload()['cognito:username'], 'carol');
  });
});
