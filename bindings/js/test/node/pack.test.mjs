// The package as a user installs it: `npm pack`, then `npm install <tarball>` into an empty
// project, whose own script signs in against the local server (SRP, TOTP) and type-checks
// against the installed declarations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../../server/tests/clients/node/server.mjs';

const here = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const POOL = 'us-east-1_JsPacked01';
const CLIENT = 'jspackedclient00000000001';

let server;
let dir;
before(async () => {
  server = await startServer({
    UserPools: [
      {
        Id: POOL,
        PoolName: 'js-packed',
        MfaConfiguration: 'OPTIONAL',
        SoftwareTokenMfaConfiguration: { Enabled: true },
        Clients: [{ ClientId: CLIENT, ClientName: 'js', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
        Users: [{ Username: 'dana', Password: 'Packed-Pass-1', SoftwareTokenSecret: 'JBSWY3DPEHPK3PXP' }],
      },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'cognito-signin-pack-'));
});
after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

test('npm pack, npm install into an empty project, sign in there', () => {
  run('npm', ['pack', '--silent', '--pack-destination', dir], here);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  const listing = run('tar', ['-tzf', join(dir, tarball)], dir).split('\n').filter(Boolean).sort();
  assert.deepEqual(listing, [
    'package/README.md',
    'package/index.d.ts',
    'package/index.js',
    'package/package.json',
    'package/wasm/cognito_signin.js',
    'package/wasm/cognito_signin_bg.wasm',
  ]);

  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', join(dir, tarball)], app);
  writeFileSync(
    join(app, 'signin.mjs'),
    `import { createHmac } from 'node:crypto';
import { signIn, ServiceError } from 'cognito-signin';
const totp = () => {
  const key = Buffer.from([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0xde, 0xad, 0xbe, 0xef]); // JBSWY3DPEHPK3PXP
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = createHmac('sha1', key).update(msg).digest();
  const o = mac[19] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
};
const options = { endpoint: process.argv[2], userPoolId: '${POOL}', clientId: '${CLIENT}', username: 'dana' };
const signedIn = await signIn({ ...options, password: 'Packed-Pass-1' }, async (p) => ({ type: 'code', code: totp() }));
const claims = JSON.parse(Buffer.from(signedIn.tokens.accessToken.split('.')[1], 'base64url'));
console.log('signed in as', claims.username);
try {
  await signIn({ ...options, password: 'wrong-Pass-1' });
} catch (e) {
  console.log(e instanceof ServiceError, e.kind);
}
`,
  );
  const out = run('node', ['signin.mjs', server.url], app);
  assert.match(out, /^signed in as dana\ntrue NotAuthorizedException\n$/);
});
