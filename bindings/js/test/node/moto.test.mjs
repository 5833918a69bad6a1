// The driver against moto (a third-party Cognito emulator on 127.0.0.1, named by
// COGNITO_TEST_MOTO; `bash bindings/js/ci.sh` starts it): USER_PASSWORD_AUTH, and the
// NEW_PASSWORD_REQUIRED → MFA_SETUP → AssociateSoftwareToken / VerifySoftwareToken plumbing.
// moto checks no SRP proof, so SRP is tested against the local server only.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, signIn } from '../../index.js';
import { cognito, freshTotp } from '../../../../server/tests/clients/node/server.mjs';

const MOTO = process.env.COGNITO_TEST_MOTO;
/** moto gives every user this TOTP secret. */
const MOTO_TOTP_SECRET = 'asdfasdfasdf';

let seq = 0;
const unique = (what) => `${what}${process.pid}x${Date.now()}x${seq++}`;

async function app({ mfa = false } = {}) {
  const pool = await cognito(MOTO, 'CreateUserPool', { PoolName: unique('jspool') });
  const poolId = pool.UserPool.Id;
  if (mfa) {
    await cognito(MOTO, 'SetUserPoolMfaConfig', {
      UserPoolId: poolId,
      MfaConfiguration: 'ON',
      SoftwareTokenMfaConfiguration: { Enabled: true },
    });
  }
  const client = await cognito(MOTO, 'CreateUserPoolClient', {
    UserPoolId: poolId,
    ClientName: 'js',
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  return { userPoolId: poolId, clientId: client.UserPoolClient.ClientId };
}

async function user({ userPoolId }, username, password, permanent) {
  await cognito(MOTO, 'AdminCreateUser', { UserPoolId: userPoolId, Username: username, TemporaryPassword: password, MessageAction: 'SUPPRESS' });
  if (permanent) {
    await cognito(MOTO, 'AdminSetUserPassword', { UserPoolId: userPoolId, Username: username, Password: password, Permanent: true });
  }
}

/** moto writes MFAS_CAN_SETUP as a Python list (`['SOFTWARE_TOKEN_MFA']`); Cognito writes a
 * JSON array in the string. A `fetch` that mends it, as a caller's transport could. */
function mendingFetch(mended) {
  return async (url, init) => {
    const response = await fetch(url, init);
    const text = await response.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return new Response(text, response);
    }
    const params = body?.ChallengeParameters;
    if (typeof params?.MFAS_CAN_SETUP === 'string' && params.MFAS_CAN_SETUP.includes("'")) {
      params.MFAS_CAN_SETUP = JSON.stringify(params.MFAS_CAN_SETUP.replace(/[[\]' ]/g, '').split(',').filter(Boolean));
      mended.push('MFAS_CAN_SETUP');
    }
    return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
  };
}

describe('the driver against moto', () => {
  before(() => {
    assert.ok(MOTO, 'COGNITO_TEST_MOTO names a moto server on 127.0.0.1 (bash bindings/js/ci.sh starts one)');
    assert.equal(new URL(MOTO).hostname, '127.0.0.1');
  });

  test('USER_PASSWORD_AUTH', async () => {
    const a = await app();
    const name = unique('jane');
    await user(a, name, 'Moto-Password-1!', true);
    const signedIn = await signIn({ endpoint: MOTO, ...a, flow: 'USER_PASSWORD_AUTH', username: name, password: 'Moto-Password-1!' });
    assert.equal(signedIn.username, name);
    assert.ok(signedIn.tokens.accessToken.split('.').length === 3);
    assert.ok(signedIn.tokens.refreshToken);
  });

  test('NEW_PASSWORD_REQUIRED, then MFA_SETUP with a session (moto\'s list mended), then the code', async () => {
    const a = await app({ mfa: true });
    const answers = {
      newPassword: { type: 'newPassword', password: 'Moto-New-Pass-2!' },
      mfaSetup: { type: 'setUpTotp' },
      totpSetup: async (p) => {
        assert.equal(p.challenge.secretCode, MOTO_TOTP_SECRET);
        return { type: 'code', code: await freshTotp(MOTO_TOTP_SECRET) };
      },
      softwareTokenMfa: async () => ({ type: 'code', code: await freshTotp(MOTO_TOTP_SECRET) }),
    };
    const asked = [];
    const ask = async (prompt) => {
      asked.push(prompt.challenge.type);
      const answer = answers[prompt.challenge.type];
      assert.ok(answer, `unexpected ${prompt.challenge.type}`);
      return typeof answer === 'function' ? answer(prompt) : answer;
    };

    // As moto sends it, the MFA_SETUP reply is refused.
    const first = unique('temp');
    await user(a, first, 'Moto-Temp-Pass-1!', false);
    await assert.rejects(
      signIn({ endpoint: MOTO, ...a, flow: 'USER_PASSWORD_AUTH', username: first, password: 'Moto-Temp-Pass-1!' }, ask),
      (e) => e instanceof ProtocolError && e.field === 'MFAS_CAN_SETUP',
    );

    // Mended, the whole set-up goes through.
    const name = unique('temp');
    await user(a, name, 'Moto-Temp-Pass-1!', false);
    asked.length = 0;
    const mended = [];
    const signedIn = await signIn(
      { endpoint: MOTO, ...a, flow: 'USER_PASSWORD_AUTH', username: name, password: 'Moto-Temp-Pass-1!', fetch: mendingFetch(mended) },
      ask,
    );
    assert.deepEqual(asked.slice(0, 3), ['newPassword', 'mfaSetup', 'totpSetup']);
    assert.deepEqual(mended, ['MFAS_CAN_SETUP']);
    assert.equal(signedIn.username, name);

    // Enrolled: the next sign-in asks for the code.
    asked.length = 0;
    const again = await signIn({ endpoint: MOTO, ...a, flow: 'USER_PASSWORD_AUTH', username: name, password: 'Moto-New-Pass-2!' }, ask);
    assert.deepEqual(asked, ['softwareTokenMfa']);
    assert.equal(again.username, name);
  });
});
