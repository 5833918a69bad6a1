// Secrets do not stay in WebAssembly memory: after sign-ins against the local server, the
// module's whole linear memory (live and freed blocks alike) is searched for the passwords,
// the client secret, the refresh token and the access token, raw and as JSON escapes them.
// The passwords hold `"` and `\`, which JSON must escape, so the parser unescapes them into
// buffers of its own. Every block is wiped as it is freed (the crate's global allocator);
// without that, this test finds the last access token in a freed block.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignIn, signIn } from '../../index.js';
import { initSync } from '../../wasm/cognito_signin.js';
import { startServer } from '../../../../server/tests/clients/node/server.mjs';

const POOL = 'us-east-1_JsWipeTest1';
const CLIENT = 'jswipeclient0000000000001';
const SECRET_CLIENT = 'jswipesecret0000000000001';
const CLIENT_SECRET = 'd2lwZS10ZXN0LWNsaWVudC1zZWNyZXQtNGY5YjJlMTA=';
const PASSWORD = 'Quote"Back\\slash-Pw-7c41';
const TEMPORARY = 'Temp"Orary\\Pw-93be';
const NEW_PASSWORD = 'New"Pass\\word-Pw-d20a';

let server;
before(async () => {
  server = await startServer({
    UserPools: [
      {
        Id: POOL,
        PoolName: 'js-wipe',
        Policies: { PasswordPolicy: { MinimumLength: 8 } },
        Clients: [
          { ClientId: CLIENT, ClientName: 'js', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
          { ClientId: SECRET_CLIENT, ClientName: 'js-secret', ClientSecret: CLIENT_SECRET, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] },
        ],
        Users: [
          { Username: 'quinn', Password: PASSWORD, Attributes: { email: 'quinn@example.com' } },
          { Username: 'tess', Password: TEMPORARY, Permanent: false, Attributes: { email: 'tess@example.com' } },
        ],
      },
    ],
  });
});
after(async () => {
  await server?.stop();
});

/** Where `needle` (UTF-8) occurs in `haystack`. */
function occurrences(haystack, needle) {
  const bytes = new TextEncoder().encode(needle);
  const found = [];
  for (let i = haystack.indexOf(bytes[0]); i !== -1 && i <= haystack.length - bytes.length; i = haystack.indexOf(bytes[0], i + 1)) {
    let j = 1;
    while (j < bytes.length && haystack[i + j] === bytes[j]) j++;
    if (j === bytes.length) found.push(i);
  }
  return found;
}

const memory = () => new Uint8Array(initSync().memory.buffer);

test('the search finds a secret the machine still holds, and not once it is freed', () => {
  const marker = 'Marker-Password-3e9d7a51';
  const { machine } = SignIn.start({ userPoolId: POOL, clientId: CLIENT }, { flow: 'USER_SRP_AUTH', username: 'quinn', password: marker });
  assert.ok(occurrences(memory(), marker).length > 0, 'a live machine holds its password');
  machine.free();
  assert.deepEqual(occurrences(memory(), marker), []);
});

test('no password, client secret or token is left in WebAssembly memory', async () => {
  const srp = await signIn({ endpoint: server.url, userPoolId: POOL, clientId: CLIENT, username: 'quinn', password: PASSWORD }, () =>
    assert.fail('no question expected'),
  );
  const plain = await signIn({ endpoint: server.url, userPoolId: POOL, clientId: CLIENT, flow: 'USER_PASSWORD_AUTH', username: 'quinn', password: PASSWORD });
  const secret = await signIn(
    { endpoint: server.url, userPoolId: POOL, clientId: SECRET_CLIENT, clientSecret: CLIENT_SECRET, username: 'quinn', password: PASSWORD },
    () => assert.fail('no question expected'),
  );
  // A new password as an answer.
  const renewed = await signIn({ endpoint: server.url, userPoolId: POOL, clientId: CLIENT, username: 'tess', password: TEMPORARY }, async (prompt) => {
    assert.equal(prompt.challenge.type, 'newPassword');
    return { type: 'newPassword', password: NEW_PASSWORD };
  });
  const refreshed = await signIn({ endpoint: server.url, userPoolId: POOL, clientId: CLIENT, username: 'quinn', refreshToken: srp.tokens.refreshToken });
  for (const s of [srp, plain, secret, renewed, refreshed]) assert.ok(s.tokens.accessToken);

  const heap = memory();
  const secrets = {
    password: PASSWORD,
    'temporary password': TEMPORARY,
    'new password': NEW_PASSWORD,
    'client secret': CLIENT_SECRET,
  };
  for (const [i, s] of [srp, plain, secret, renewed, refreshed].entries()) {
    for (const [name, token] of Object.entries(s.tokens)) {
      if (typeof token === 'string' && token.length >= 16) secrets[`sign-in ${i} ${name}`] = token;
    }
  }
  const found = {};
  for (const [name, value] of Object.entries(secrets)) {
    // Raw, escaped once, escaped twice (a body inside a step's JSON), and the longest run
    // with nothing to escape, which every escaping leaves intact.
    const once = JSON.stringify(value).slice(1, -1);
    const run = value.split(/["\\]/).reduce((a, b) => (b.length > a.length ? b : a), '');
    for (const form of new Set([value, once, JSON.stringify(once).slice(1, -1), run])) {
      const at = occurrences(heap, form);
      if (at.length) found[`${name}: ${JSON.stringify(form)}`] = at.length;
    }
  }
  // Access, ID and refresh tokens from each sign-in.
  assert.equal(Object.keys(secrets).length, 4 + 5 * 3, 'every sign-in gave its tokens');
  assert.deepEqual(found, {}, `secrets left in ${heap.length} bytes of WebAssembly memory`);
});
