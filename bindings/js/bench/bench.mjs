// The SRP sign-in's cost in one Node run, same inputs, interleaved rounds:
//
// - this package (WebAssembly): `SignIn.start` (A = g^a) + `handle` of the PASSWORD_VERIFIER
//   reply (S, the key, the claim), with the default 256-bit `a` and with 1024-bit `a`;
// - amazon-cognito-identity-js 6 `AuthenticationHelper` (its 1024-bit `a`): `getLargeAValue`
//   + `getPasswordAuthenticationKey` + the claim's HMAC, as `CognitoUser.authenticateUser`
//   computes them;
// - the same JSON conversation in native code built with the same options (`--profile wasm`),
//   `bindings/json/examples/srp_timing.rs`, run in between.
//
// One PASSWORD_VERIFIER reply of the local server is fed to all of them (the client's work
// does not depend on which A the server saw). Also reports the sizes: the .wasm plus its glue
// gzipped, beside amazon-cognito-identity-js's own minified bundle gzipped.
//
//   npm run bench            (from bindings/js, after `npm run build`; ROUNDS=… to change)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { SignIn } from '../index.js';
import { startServer } from '../../../server/tests/clients/node/server.mjs';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);
const AuthenticationHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper.js').default;
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger.js').default;
const DateHelper = require('amazon-cognito-identity-js/lib/DateHelper.js').default;
const { Sha256 } = require('@aws-crypto/sha256-js');

const ROUNDS = Number(process.env.ROUNDS ?? 8);
const POOL = 'us-east-1_JsBench001';
const CLIENT = 'jsbenchclient000000000001';
const PASSWORD = 'Bench-Password-1';

// One reply to time against.
process.env.COGNITO_SIGNIN_SERVER_BIN ??= join(root, 'target', 'debug', 'cognito-signin-server');
const server = await startServer({
  UserPools: [
    {
      Id: POOL,
      PoolName: 'bench',
      Clients: [{ ClientId: CLIENT, ClientName: 'bench', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] }],
      Users: [{ Username: 'bench', Password: PASSWORD }],
    },
  ],
});
const config = { userPoolId: POOL, clientId: CLIENT };
const start = { flow: 'USER_SRP_AUTH', username: 'bench', password: PASSWORD };
let reply;
{
  const { machine, request } = SignIn.start(config, start);
  const r = await fetch(server.url, { method: 'POST', headers: { 'Content-Type': request.contentType, 'X-Amz-Target': request.target }, body: request.body });
  reply = { status: r.status, body: await r.text() };
  machine.free();
}
await server.stop();
const params = JSON.parse(reply.body).ChallengeParameters;

function ours(bits) {
  const t0 = performance.now();
  const { machine } = SignIn.start({ ...config, privateBits: bits }, start);
  const step = machine.handle(reply);
  const t1 = performance.now();
  machine.free();
  if (!step.request.body.includes('PASSWORD_CLAIM_SIGNATURE')) throw new Error('no claim');
  return t1 - t0;
}

function identityJs() {
  const t0 = performance.now();
  const helper = new AuthenticationHelper(POOL.split('_')[1]);
  let signature;
  helper.getLargeAValue((err, a) => {
    if (err) throw err;
    if (a.toString(16).length < 100) throw new Error('no A');
    helper.getPasswordAuthenticationKey(params.USER_ID_FOR_SRP, PASSWORD, new BigInteger(params.SRP_B, 16), new BigInteger(params.SALT, 16), (e, hkdf) => {
      if (e) throw e;
      const message = Buffer.concat([
        Buffer.from(POOL.split('_')[1], 'utf8'),
        Buffer.from(params.USER_ID_FOR_SRP, 'utf8'),
        Buffer.from(params.SECRET_BLOCK, 'base64'),
        Buffer.from(new DateHelper().getNowString(), 'utf8'),
      ]);
      const hash = new Sha256(hkdf);
      hash.update(message);
      signature = Buffer.from(hash.digestSync()).toString('base64');
    });
  });
  const t1 = performance.now();
  if (!signature) throw new Error('identity-js did not finish synchronously');
  return t1 - t0;
}

// The native build, same options as the .wasm.
execFileSync('cargo', ['build', '--quiet', '--profile', 'wasm', '-p', 'cognito-signin-json', '--example', 'srp_timing'], { cwd: root, stdio: 'inherit' });
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
const nativeBin = join(targetDir, 'wasm', 'examples', 'srp_timing');
const scratch = mkdtempSync(join(tmpdir(), 'cognito-bench-'));
writeFileSync(join(scratch, 'reply.json'), JSON.stringify(reply));
writeFileSync(join(scratch, 'config.json'), JSON.stringify(config));
writeFileSync(join(scratch, 'start.json'), JSON.stringify(start));
const native = (n) =>
  JSON.parse(execFileSync(nativeBin, [join(scratch, 'reply.json'), join(scratch, 'config.json'), join(scratch, 'start.json'), String(n)], { encoding: 'utf8' }));

const times = { wasm256: [], wasm1024: [], identityJs: [], native256: [], native1024: [] };
// Warm-up: JIT, the table of powers of g, the WebAssembly tiers.
for (let i = 0; i < 5; i++) {
  ours(256);
  ours(1024);
  identityJs();
}
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < 10; i++) {
    times.wasm256.push(ours(256));
    times.wasm1024.push(ours(1024));
  }
  for (let i = 0; i < 3; i++) times.identityJs.push(identityJs());
  const n = native(10);
  times.native256.push(...n.a256.slice(1));
  times.native1024.push(...n.a1024.slice(1));
}
rmSync(scratch, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const ms = (x) => `${x.toFixed(2)} ms`;
console.log(`Node ${process.version}, ${ROUNDS} interleaved rounds; medians of one SRP sign-in's client work (A, then the claim):`);
console.log(`  cognito-signin (WASM), a 256 bits:      ${ms(m.wasm256)}   (n=${times.wasm256.length})`);
console.log(`  cognito-signin (WASM), a 1024 bits:     ${ms(m.wasm1024)}   (n=${times.wasm1024.length})`);
console.log(`  amazon-cognito-identity-js 6 (1024):    ${ms(m.identityJs)}   (n=${times.identityJs.length})`);
console.log(`  native, same build options, 256 / 1024: ${ms(m.native256)} / ${ms(m.native1024)}`);
console.log(`  identity-js / WASM:  ${(m.identityJs / m.wasm256).toFixed(1)}x (a 256), ${(m.identityJs / m.wasm1024).toFixed(1)}x (a 1024)`);
console.log(`  WASM / native:       ${(m.wasm256 / m.native256).toFixed(2)}x (a 256), ${(m.wasm1024 / m.native1024).toFixed(2)}x (a 1024)`);

const gz = (...files) => files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
const ourSize = gz(join(here, 'wasm', 'cognito_signin_bg.wasm'), join(here, 'wasm', 'cognito_signin.js'), join(here, 'index.js'));
const theirs = gz(require.resolve('amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js'));
console.log(`Sizes, gzip -9: cognito-signin .wasm + glue ${(ourSize / 1024).toFixed(1)} KiB; amazon-cognito-identity-js min bundle ${(theirs / 1024).toFixed(1)} KiB`);
