// The sign-in page in a real browser: Debian's headless Chromium (/usr/bin/chromium, or
// $CHROMIUM), driven by playwright-core, which downloads no browser. The page is served from
// one origin on 127.0.0.1 and signs in against the local Cognito server on another (CORS):
// USER_SRP_AUTH + TOTP with "remember this device", then again on the remembered device
// (no code asked). Screenshots go to test-results/. The SRP sign-in time in Chromium is
// measured too (start + the PASSWORD_VERIFIER claim, in the page, median of 20).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freshTotp, startServer } from '../../../../server/tests/clients/node/server.mjs';
import { serve } from '../../examples/browser/serve.mjs';

const here = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const shots = join(here, 'test-results');
const POOL = 'us-east-1_JsBrowser1';
const CLIENT = 'jsbrowserclient0000000001';
const SECRET = 'JBSWY3DPEHPK3PXP';

let cognito;
let files;
let browser;
before(async () => {
  cognito = await startServer({
    UserPools: [
      {
        Id: POOL,
        PoolName: 'js-browser',
        MfaConfiguration: 'OPTIONAL',
        SoftwareTokenMfaConfiguration: { Enabled: true },
        DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
        Clients: [{ ClientId: CLIENT, ClientName: 'browser', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
        Users: [{ Username: 'erin', Password: 'Browser-Pass-1', Attributes: { email: 'erin@example.com' }, SoftwareTokenSecret: SECRET }],
      },
    ],
  });
  files = await serve(0);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(shots, { recursive: true });
});
after(async () => {
  await browser?.close();
  await files?.close();
  await cognito?.stop();
});

test('the page signs in with SRP and TOTP, remembers the device, then signs in on it without a code', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  // Only the two local origins are reached.
  await context.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    return hostname === '127.0.0.1' ? route.continue() : route.abort();
  });
  const url = `${files.url}/examples/browser/?endpoint=${encodeURIComponent(cognito.url + '/')}&userPoolId=${POOL}&clientId=${CLIENT}`;

  await page.goto(url);
  await page.fill('#username', 'erin');
  await page.fill('#password', 'Browser-Pass-1');
  await page.check('#remember');
  await page.click('#submit');
  await page.waitForSelector('#code-form:not([hidden])');
  await page.fill('#code', await freshTotp(SECRET));
  await page.click('#code-submit');
  await page.waitForSelector('#result:not([hidden])');
  const first = await page.textContent('#status');
  assert.match(first, /^signed in as erin \(\d+ ms\)$/);
  const claims = JSON.parse(await page.textContent('#claims'));
  assert.equal(claims.username, 'erin');
  assert.equal(claims.client_id, CLIENT);
  const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)), `cognito-signin:devices:${POOL}:${CLIENT}`);
  assert.equal(stored.length, 1);
  assert.equal(stored[0].username, 'erin');
  assert.equal(claims.device_key, stored[0].deviceKey);
  await page.screenshot({ path: join(shots, 'signed-in.png'), fullPage: true });

  // Again, on the remembered device: no code is asked.
  await page.goto(url);
  await page.fill('#username', 'erin');
  await page.fill('#password', 'Browser-Pass-1');
  await page.click('#submit');
  await page.waitForSelector('#result:not([hidden])');
  const second = await page.textContent('#status');
  assert.match(second, /^signed in as erin on a remembered device \(\d+ ms\)$/);
  assert.equal(await page.isHidden('#code-form'), true);
  await page.screenshot({ path: join(shots, 'signed-in-remembered.png'), fullPage: true });

  // A wrong password shows the service's refusal.
  await page.goto(url);
  await page.fill('#username', 'erin');
  await page.fill('#password', 'Not-The-Password-1');
  await page.click('#submit');
  await page.waitForFunction(() => document.getElementById('error').textContent !== '');
  assert.match(await page.textContent('#error'), /^NotAuthorizedException: /);
  assert.deepEqual(problems.filter((p) => !/status of 400/.test(p)), []);
  await context.close();
});

test('the SRP sign-in time in Chromium (start + the PASSWORD_VERIFIER claim)', async () => {
  const page = await browser.newPage();
  await page.goto(`${files.url}/examples/browser/`);
  const reply = await page.evaluate(async ({ endpoint, pool, client }) => {
    const { SignIn } = await import('/index.js');
    const { machine, request } = SignIn.start({ userPoolId: pool, clientId: client }, { flow: 'USER_SRP_AUTH', username: 'erin', password: 'Browser-Pass-1' });
    const r = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': request.contentType, 'X-Amz-Target': request.target }, body: request.body });
    machine.free();
    return { status: r.status, body: await r.text() };
  }, { endpoint: cognito.url + '/', pool: POOL, client: CLIENT });
  assert.equal(reply.status, 200);
  const result = await page.evaluate(async ({ reply, pool, client }) => {
    const { SignIn } = await import('/index.js');
    const times = { 256: [], 1024: [] };
    for (let i = 0; i < 42; i++) {
      const bits = i % 2 ? 1024 : 256;
      const t0 = performance.now();
      const { machine } = SignIn.start({ userPoolId: pool, clientId: client, privateBits: bits }, { flow: 'USER_SRP_AUTH', username: 'erin', password: 'Browser-Pass-1' });
      const step = machine.handle(reply);
      const t1 = performance.now();
      machine.free();
      if (step.type !== 'send' || step.request.operation !== 'RespondToAuthChallenge') throw new Error(JSON.stringify(step));
      if (i >= 2) times[bits].push(t1 - t0);
    }
    const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
    return { a256: median(times[256]), a1024: median(times[1024]), ua: navigator.userAgent };
  }, { reply, pool: POOL, client: CLIENT });
  console.log(`# Chromium SRP sign-in (start + claim), median of 20: a256 ${result.a256.toFixed(2)} ms, a1024 ${result.a1024.toFixed(2)} ms (${result.ua})`);
  assert.ok(result.a256 > 0 && result.a1024 > result.a256 / 2);
  await page.close();
});
