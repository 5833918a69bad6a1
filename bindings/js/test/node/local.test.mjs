// The package against the local Cognito server (cognito-signin-server, started by the test on
// 127.0.0.1): every flow the driver and the bare machine run, and every kind of failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CognitoSignInError,
  MisuseError,
  ProtocolError,
  ServiceError,
  SignIn,
  TransportError,
  signIn,
} from '../../index.js';
import { cognito, freshTotp, startServer, totp } from '../../../../server/tests/clients/node/server.mjs';

const POOL = 'us-east-1_JsPackage1';
const CLIENT = 'jspackageclient0000000001';
const SECRET_CLIENT = 'jspackagesecret0000000001';
const CLIENT_SECRET = 'c2VjcmV0LWZvci10aGUtanMtcGFja2FnZS10ZXN0cy0wMDE=';
const ALICE_TOTP = 'JBSWY3DPEHPK3PXP';

const config = {
  UserPools: [
    {
      Id: POOL,
      PoolName: 'js-package',
      MfaConfiguration: 'OPTIONAL',
      SoftwareTokenMfaConfiguration: { Enabled: true },
      DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
      Policies: { PasswordPolicy: { MinimumLength: 8 } },
      Clients: [
        {
          ClientId: CLIENT,
          ClientName: 'js',
          ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
        {
          ClientId: SECRET_CLIENT,
          ClientName: 'js-secret',
          ClientSecret: CLIENT_SECRET,
          ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
      ],
      Users: [
        { Username: 'alice', Password: 'Correct-Horse-1', Attributes: { email: 'alice@example.com' }, SoftwareTokenSecret: ALICE_TOTP },
        { Username: 'newbie', Password: 'Temp-Pass-1!', Permanent: false, Attributes: { email: 'newbie@example.com' } },
        { Username: 'bob', Password: 'Bob-Password-1', Attributes: { email: 'bob@example.com' } },
      ],
    },
    {
      Id: 'us-east-1_JsRequired1',
      PoolName: 'js-mfa-required',
      MfaConfiguration: 'ON',
      SoftwareTokenMfaConfiguration: { Enabled: true },
      Clients: [{ ClientId: 'jsrequiredclient000000001', ClientName: 'js', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
      Users: [{ Username: 'carol', Password: 'Temp-Pass-2!', Permanent: false, Attributes: { email: 'carol@example.com' } }],
    },
  ],
};

let server;
before(async () => {
  server = await startServer(config);
});
after(async () => {
  await server?.stop();
});

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

/** An `ask` that answers from `answers[type]` and records every prompt. */
function asker(answers) {
  const prompts = [];
  const ask = async (prompt) => {
    prompts.push(prompt);
    const a = answers[prompt.challenge.type];
    if (!a) throw new Error(`unexpected question ${JSON.stringify(prompt)}`);
    return typeof a === 'function' ? a(prompt) : a;
  };
  return { ask, prompts };
}

describe('the driver against the local server', () => {
  let aliceDevice;
  let aliceRefresh;

  test('USER_SRP_AUTH + NEW_PASSWORD_REQUIRED + MFA_SETUP (TOTP), the device remembered', async () => {
    let secret;
    const { ask, prompts } = asker({
      newPassword: { type: 'newPassword', password: 'Brand-New-Pass-3' },
      mfaSetup: { type: 'setUpTotp' },
      totpSetup: (p) => {
        secret = p.challenge.secretCode;
        return { type: 'code', code: totp(secret) };
      },
    });
    const signedIn = await signIn(
      { endpoint: server.url, userPoolId: 'us-east-1_JsRequired1', clientId: 'jsrequiredclient000000001', username: 'carol', password: 'Temp-Pass-2!' },
      ask,
    );
    assert.deepEqual(
      prompts.map((p) => p.challenge.type),
      ['newPassword', 'mfaSetup', 'totpSetup'],
    );
    assert.deepEqual(prompts[1].challenge.options, ['SOFTWARE_TOKEN_MFA']);
    assert.match(prompts[2].challenge.uri, /^otpauth:\/\/totp\//);
    assert.equal(claims(signedIn.tokens.accessToken).username, signedIn.username);
    assert.equal(signedIn.tokens.tokenType, 'Bearer');

    // The new password and the TOTP enrolment hold: the next sign-in asks for the code.
    const again = asker({ softwareTokenMfa: async () => ({ type: 'code', code: await freshTotp(secret) }) });
    const second = await signIn(
      { endpoint: server.url, userPoolId: 'us-east-1_JsRequired1', clientId: 'jsrequiredclient000000001', username: 'carol', password: 'Brand-New-Pass-3' },
      again.ask,
    );
    assert.deepEqual(again.prompts.map((p) => p.challenge.type), ['softwareTokenMfa']);
    assert.equal(second.username, signedIn.username);
  });

  test('SOFTWARE_TOKEN_MFA, a wrong code asked again, the device confirmed and remembered', async () => {
    let wrong = true;
    const { ask, prompts } = asker({
      softwareTokenMfa: async () => {
        if (wrong) {
          wrong = false;
          return { type: 'code', code: '000000' === totp(ALICE_TOTP) ? '111111' : '000000' };
        }
        return { type: 'code', code: await freshTotp(ALICE_TOTP) };
      },
      rememberDevice: { type: 'rememberDevice', remember: true },
    });
    const signedIn = await signIn(
      { endpoint: server.url, userPoolId: POOL, clientId: CLIENT, username: 'alice', password: 'Correct-Horse-1', deviceName: 'node test' },
      ask,
    );
    assert.deepEqual(
      prompts.map((p) => [p.challenge.type, p.previousError?.kind ?? null]),
      [
        ['softwareTokenMfa', null],
        ['softwareTokenMfa', 'CodeMismatchException'],
        ['rememberDevice', null],
      ],
    );
    const device = signedIn.newDevice;
    assert.equal(device.status.type, 'remembered');
    assert.equal(device.credentials.deviceKey, device.deviceKey);
    assert.equal(device.credentials.devicePassword.length, 56);
    // The device record is plain JSON: it survives storage as text.
    aliceDevice = JSON.parse(JSON.stringify(device.credentials));
    aliceRefresh = signedIn.tokens.refreshToken;
    const listed = await cognito(server.url, 'AdminListDevices', { UserPoolId: POOL, Username: 'alice' });
    const ours = listed.Devices.find((d) => d.DeviceKey === device.deviceKey);
    assert.ok(ours, 'the device is listed');
    assert.equal(ours.DeviceAttributes.find((a) => a.Name === 'device_status').Value, 'valid');
  });

  test('a sign-in on the remembered device skips MFA (DEVICE_SRP_AUTH)', async () => {
    assert.ok(aliceDevice, 'the previous test remembered a device');
    const signedIn = await signIn(
      { endpoint: server.url, userPoolId: POOL, clientId: CLIENT, username: 'alice', password: 'Correct-Horse-1', devices: [aliceDevice] },
      () => assert.fail('no question on a remembered device'),
    );
    assert.equal(signedIn.deviceKey, aliceDevice.deviceKey);
    assert.equal(claims(signedIn.tokens.accessToken).device_key, aliceDevice.deviceKey);
  });

  test('refresh (REFRESH_TOKEN_AUTH) with the device key', async () => {
    assert.ok(aliceRefresh);
    const signedIn = await signIn({ endpoint: server.url, userPoolId: POOL, clientId: CLIENT, refreshToken: aliceRefresh, username: 'alice', devices: [aliceDevice] });
    assert.equal(claims(signedIn.tokens.accessToken).username, claims(signedIn.tokens.idToken)['cognito:username']);
    assert.notEqual(signedIn.tokens.accessToken, undefined);
  });

  test('USER_PASSWORD_AUTH', async () => {
    const signedIn = await signIn({ endpoint: server.url, userPoolId: POOL, clientId: CLIENT, flow: 'USER_PASSWORD_AUTH', username: 'bob', password: 'Bob-Password-1' });
    assert.equal(claims(signedIn.tokens.idToken).email, 'bob@example.com');
  });

  test('a client secret (SECRET_HASH on every leg) and 1024-bit a', async () => {
    const signedIn = await signIn({
      endpoint: server.url, userPoolId: POOL, clientId: SECRET_CLIENT, clientSecret: CLIENT_SECRET, username: 'bob', password: 'Bob-Password-1', privateBits: 1024,
    });
    assert.equal(claims(signedIn.tokens.accessToken).client_id, SECRET_CLIENT);
    // A wrong secret is Cognito's refusal.
    await assert.rejects(
      signIn({ endpoint: server.url, userPoolId: POOL, clientId: SECRET_CLIENT, clientSecret: 'd3Jvbmc=', username: 'bob', password: 'Bob-Password-1' }),
      (e) => e instanceof ServiceError && e.kind === 'NotAuthorizedException' && e.status === 400,
    );
  });

  test('a wrong password is a typed ServiceError', async () => {
    await assert.rejects(
      signIn({ endpoint: server.url, userPoolId: POOL, clientId: CLIENT, username: 'bob', password: 'Not-The-Password-1' }),
      (e) => {
        assert.ok(e instanceof ServiceError && e instanceof CognitoSignInError && e instanceof Error);
        assert.equal(e.name, 'ServiceError');
        assert.equal(e.type, 'service');
        assert.equal(e.kind, 'NotAuthorizedException');
        assert.equal(e.status, 400);
        assert.doesNotMatch(e.message + JSON.stringify(e), /Not-The-Password/);
        return true;
      },
    );
  });

  test('an unknown endpoint is a TransportError with its cause', async () => {
    await assert.rejects(
      signIn({ endpoint: 'http://127.0.0.1:1/', userPoolId: POOL, clientId: CLIENT, username: 'bob', password: 'x-Password-1' }),
      (e) => e instanceof TransportError && e.kind === 'fetch' && e.cause !== undefined,
    );
  });
});

describe('broken replies and caller mistakes (the bare machine)', () => {
  const started = () =>
    SignIn.start({ userPoolId: POOL, clientId: CLIENT }, { flow: 'USER_SRP_AUTH', username: 'bob', password: 'Bob-Password-1' });

  const garbage = [
    ['{', 200],
    ['[]', 200],
    ['{"ChallengeName": 5}', 200],
    ['x'.repeat(1 << 20) + 'y', 200],
    ['<html><body>Internal Server Error</body></html>', 500],
    ['', 502],
    ['{"__type": "InternalErrorException", "message": "boom"}', 500],
  ];
  for (const [body, status] of garbage) {
    test(`status ${status}, body ${JSON.stringify(body.slice(0, 30))}${body.length > 30 ? '…' : ''}: a typed error, then the machine is over`, () => {
      const { machine } = started();
      assert.throws(
        () => machine.handle({ status, body }),
        (e) => (e instanceof ProtocolError || e instanceof ServiceError) && !(e instanceof MisuseError),
      );
      assert.equal(machine.finished, true);
      assert.throws(() => machine.handle({ status: 200, body: '{}' }), (e) => e instanceof MisuseError && e.kind === 'alreadyFailed');
      machine.free();
    });
  }

  test('the driver turns garbage from fetch into typed errors', async () => {
    for (const [body, status] of garbage) {
      const fetch = async () => new Response(body, { status, headers: { 'content-type': 'text/html' } });
      await assert.rejects(
        signIn({ endpoint: 'http://127.0.0.1:9/', userPoolId: POOL, clientId: CLIENT, username: 'bob', password: 'Bob-Password-1', fetch }),
        (e) => e instanceof ProtocolError || e instanceof ServiceError,
      );
    }
  });

  test('bad input is a MisuseError and leaves the machine where it was', async () => {
    const { machine, request } = started();
    const bad = [
      undefined,
      null,
      'text',
      [],
      {},
      { status: 200 },
      { status: '200', body: '{}' },
      { status: 200, body: '{}', extra: 1 },
      { status: 70000, body: '{}' },
    ];
    for (const reply of bad) {
      assert.throws(() => machine.handle(reply), (e) => e instanceof MisuseError && e.kind === 'badJson' && e.field === 'reply', JSON.stringify(reply));
    }
    assert.throws(() => machine.handle({ status: 200, body: '{}' }, { now: 'soon' }), (e) => e instanceof MisuseError && e.kind === 'timeOutOfRange');
    assert.throws(() => machine.handle({ status: 200, body: '{}' }, { now: -1 }), (e) => e instanceof MisuseError && e.kind === 'timeOutOfRange');
    assert.throws(() => machine.handle({ status: 200, body: '{}' }, { now: 1e300 }), (e) => e instanceof MisuseError && e.kind === 'timeOutOfRange');
    assert.throws(() => machine.answer({ type: 'code', code: '123456' }), (e) => e instanceof MisuseError && e.kind === 'replyExpected');
    const cyclic = {};
    cyclic.self = cyclic;
    assert.throws(() => machine.handle(cyclic), (e) => e instanceof MisuseError && e.kind === 'badJson');
    assert.throws(() => machine.handle({ status: 200n, body: '' }), (e) => e instanceof MisuseError && e.kind === 'badJson');
    assert.equal(machine.finished, false);

    // The real reply still goes through.
    const r = await fetch(server.url, { method: 'POST', headers: { 'Content-Type': request.contentType, 'X-Amz-Target': request.target }, body: request.body });
    const step = machine.handle({ status: r.status, body: await r.text() });
    assert.equal(step.type, 'send');
    assert.equal(step.request.operation, 'RespondToAuthChallenge');
    machine.free();
    assert.throws(() => machine.handle({ status: 200, body: '{}' }), (e) => e instanceof MisuseError);
  });

  test('bad configurations and starts are MisuseErrors naming the input, with no value quoted', () => {
    const cases = [
      [{}, { flow: 'USER_SRP_AUTH', username: 'a', password: 'p' }, 'config'],
      [{ userPoolId: 'nounderscore', clientId: 'c' }, { flow: 'USER_SRP_AUTH', username: 'a', password: 'p' }, 'config'],
      [{ userPoolId: POOL, clientId: CLIENT, privateBits: 'hunter2-secret' }, { flow: 'USER_SRP_AUTH', username: 'a', password: 'p' }, 'config'],
      [{ userPoolId: POOL, clientId: CLIENT }, { flow: 'NO_SUCH_FLOW', username: 'a', password: 'p' }, 'start'],
      [{ userPoolId: POOL, clientId: CLIENT }, { flow: 'USER_SRP_AUTH', username: 'a' }, 'start'],
      [{ userPoolId: POOL, clientId: CLIENT }, { flow: 'USER_SRP_AUTH', username: 'a', password: 42 }, 'start'],
      [{ userPoolId: POOL, clientId: CLIENT }, 'USER_SRP_AUTH', 'start'],
    ];
    for (const [c, s, field] of cases) {
      assert.throws(
        () => SignIn.start(c, s),
        (e) => {
          assert.ok(e instanceof MisuseError, `${e}`);
          assert.equal(e.field, field);
          assert.doesNotMatch(e.message, /hunter2/);
          return true;
        },
      );
    }
  });

  test('an answer that does not fit leaves the question open', async () => {
    const { machine, request } = SignIn.start({ userPoolId: POOL, clientId: CLIENT }, { flow: 'USER_SRP_AUTH', username: 'alice', password: 'Correct-Horse-1' });
    let step = { type: 'send', request };
    while (step.type === 'send') {
      const r = await fetch(server.url, { method: 'POST', headers: { 'Content-Type': step.request.contentType, 'X-Amz-Target': step.request.target }, body: step.request.body });
      step = machine.handle({ status: r.status, body: await r.text() });
    }
    assert.equal(step.prompt.challenge.type, 'softwareTokenMfa');
    for (const answer of [{ type: 'newPassword', password: 'x' }, { type: 'code', code: '' }, { type: 'code' }, { type: 'nope' }]) {
      assert.throws(() => machine.answer(answer), (e) => e instanceof MisuseError, JSON.stringify(answer));
    }
    assert.throws(() => machine.handle({ status: 200, body: '{}' }), (e) => e instanceof MisuseError && e.kind === 'answerExpected');
    step = machine.answer({ type: 'code', code: await freshTotp(ALICE_TOTP) });
    assert.equal(step.type, 'send');
    machine.free();
  });

  test('a broken random source is a MisuseError, mended and retried', () => {
    const real = globalThis.crypto.getRandomValues;
    Object.defineProperty(globalThis.crypto, 'getRandomValues', { value: () => { throw new Error('no entropy'); }, configurable: true });
    try {
      assert.throws(
        () => SignIn.start({ userPoolId: POOL, clientId: CLIENT }, { flow: 'USER_SRP_AUTH', username: 'a', password: 'p' }),
        (e) => e instanceof MisuseError && e.kind === 'brokenRandomSource',
      );
    } finally {
      Object.defineProperty(globalThis.crypto, 'getRandomValues', { value: real, configurable: true, writable: true });
    }
    const { machine } = SignIn.start({ userPoolId: POOL, clientId: CLIENT }, { flow: 'USER_SRP_AUTH', username: 'a', password: 'p' });
    machine.free();
  });
});
