// Helpers shared by the Node client checks of cognito-signin-server.
//
// - startServer(config): runs $COGNITO_SIGNIN_SERVER_BIN --port 0 --config <tmp file>,
//   reads stdout line 1 (the port) and waits for line 2 (`ready http://127.0.0.1:PORT`).
// - totp(secret) / freshTotp(secret): RFC 6238 (SHA-1, 6 digits, 30 s) with node:crypto.
// - readOutbox(url, poolId): GET /_outbox/<poolId>.
// - cognito(url, op, body): a raw AWS JSON 1.1 call, SigV4-signed with dummy credentials
//   (what an AWS SDK would send), used for admin set-up and checks.
// - MemoryStorage / MemoryKeyValueStorage: in-memory stores for the client libraries.
// - recordFetch(): wraps globalThis.fetch (used by both client libraries) to log every
//   Cognito call and to refuse any address other than 127.0.0.1.
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export async function startServer(config) {
  const bin = process.env.COGNITO_SIGNIN_SERVER_BIN;
  if (!bin) {
    throw new Error(
      'COGNITO_SIGNIN_SERVER_BIN is not set: point it at the cognito-signin-server binary, e.g. ' +
        'COGNITO_SIGNIN_SERVER_BIN=../../../../target/debug/cognito-signin-server npm test',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'cognito-node-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const child = spawn(bin, ['--port', '0', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 64_000) stderr = stderr.slice(-64_000);
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  let hasExited = false;
  exited.then(() => {
    hasExited = true;
  });

  const lines = createInterface({ input: child.stdout });
  const it = lines[Symbol.asyncIterator]();
  const nextLine = async (what) => {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), START_TIMEOUT_MS);
    });
    const died = exited.then(({ code, signal, error }) => {
      if (error) throw new Error(`could not start ${bin}: ${error.message}`);
      throw new Error(`server exited (code ${code}, signal ${signal}) before ${what}`);
    });
    died.catch(() => {});
    timeout.catch(() => {});
    try {
      const r = await Promise.race([it.next(), timeout, died]);
      if (r.done) throw new Error(`server stdout closed before ${what}`);
      return r.value.trim();
    } finally {
      clearTimeout(timer);
    }
  };

  const kill = () => {
    if (!hasExited) child.kill('SIGKILL');
  };
  let port;
  let url;
  try {
    const first = await nextLine('line 1 (the port)');
    if (!/^\d+$/.test(first)) throw new Error(`stdout line 1 is not a port number: ${JSON.stringify(first)}`);
    port = Number(first);
    if (!(port > 0 && port < 65536)) throw new Error(`bad port ${port}`);
    url = `http://127.0.0.1:${port}`;
    const second = await nextLine('line 2 (ready ...)');
    if (second !== `ready ${url}`) {
      throw new Error(`stdout line 2 is ${JSON.stringify(second)}, expected ${JSON.stringify(`ready ${url}`)}`);
    }
  } catch (err) {
    await Promise.race([exited, sleep(1000)]);
    kill();
    rmSync(dir, { recursive: true, force: true });
    err.message += `\n--- server stderr ---\n${stderr}`;
    throw err;
  }
  // Keep draining stdout so the server never blocks on a full pipe.
  (async () => {
    try {
      for (;;) if ((await it.next()).done) break;
    } catch {}
  })();

  const stop = async () => {
    if (!hasExited) child.kill('SIGTERM');
    let timer;
    const result = await Promise.race([
      exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
    if (result === null) {
      kill();
      await exited;
      throw new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    }
    return result;
  };
  return { url, port, stop, configPath, stderr: () => stderr };
}

// ---------- TOTP (RFC 6238 / RFC 4226) ----------

export function base32Decode(input) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = input.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totp(secretBase32, timeMs = Date.now(), { step = 30, digits = 6 } = {}) {
  const counter = Math.floor(timeMs / 1000 / step);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, '0');
}

// A code that stays valid for at least `marginS` seconds (waits for the next window
// otherwise), and differs from `notCode` (a code already used), so that a server that
// refuses code reuse is not tripped by the test itself.
export async function freshTotp(secretBase32, { marginS = 4, notCode } = {}) {
  for (;;) {
    const now = Date.now();
    const into = (now / 1000) % 30;
    const code = totp(secretBase32, now);
    if (30 - into >= marginS && code !== notCode) return code;
    await sleep((30 - into) * 1000 + 200);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- raw calls ----------

function assertLocal(url) {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') throw new Error(`refusing a request to ${url}: only 127.0.0.1 is allowed`);
}

export async function readOutbox(url, poolId) {
  assertLocal(url);
  const resp = await fetch(`${url}/_outbox/${encodeURIComponent(poolId)}`);
  const text = await resp.text();
  if (resp.status !== 200) throw new Error(`GET /_outbox/${poolId}: HTTP ${resp.status}: ${text}`);
  const body = JSON.parse(text);
  if (!Array.isArray(body.Messages)) throw new Error(`GET /_outbox/${poolId}: no Messages array: ${text}`);
  return body.Messages;
}

function sha256hex(s) {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
function hmac(key, s) {
  return createHmac('sha256', key).update(s, 'utf8').digest();
}

// SigV4 headers for a POST / with dummy credentials, as any AWS SDK would send.
function sigv4Headers(url, target, body) {
  const host = new URL(url).host;
  const region = 'us-east-1';
  const service = 'cognito-idp';
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  const signed = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    ...signed.map((h) => `${h}:${headers[h]}`),
    '',
    signed.join(';'),
    sha256hex(body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  const kDate = hmac('AWS4' + 'dummy-secret-key', day);
  const kSigning = hmac(hmac(hmac(kDate, region), service), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(toSign, 'utf8').digest('hex');
  const { host: _h, ...rest } = headers;
  return {
    ...rest,
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
  };
}

export class CognitoError extends Error {
  constructor(op, status, type, message, raw) {
    super(`${op}: HTTP ${status} ${type}: ${message}`);
    this.name = type;
    this.code = type;
    this.status = status;
    this.raw = raw;
  }
}

// A raw AWS JSON 1.1 call. Resolves to the parsed body; rejects with CognitoError
// (name/code = the __type without any namespace prefix) on a non-2xx reply.
export async function cognito(url, op, body, { sign = true } = {}) {
  assertLocal(url);
  const target = `AWSCognitoIdentityProviderService.${op}`;
  const text = JSON.stringify(body);
  const headers = sign
    ? sigv4Headers(url, target, text)
    : { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target };
  const resp = await fetch(`${url}/`, { method: 'POST', headers, body: text });
  const raw = await resp.text();
  let parsed = {};
  try {
    parsed = raw ? JSON.parse(raw) : {};
  } catch {
    throw new Error(`${op}: HTTP ${resp.status}, body is not JSON: ${raw}`);
  }
  if (!resp.ok) {
    const type = String(parsed.__type ?? parsed.code ?? resp.headers.get('x-amzn-errortype') ?? 'Unknown')
      .split('#')
      .pop()
      .split(':')[0];
    throw new CognitoError(op, resp.status, type, parsed.message ?? parsed.Message, parsed);
  }
  return parsed;
}

// ---------- storage ----------

// Synchronous Storage for amazon-cognito-identity-js (its `Storage` option).
export class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  setItem(k, v) {
    this.map.set(k, String(v));
    return this.map.get(k);
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  removeItem(k) {
    return this.map.delete(k);
  }
  clear() {
    this.map.clear();
    return {};
  }
  keys() {
    return [...this.map.keys()];
  }
}

// Async KeyValueStorage for Amplify v6 (cognitoUserPoolsTokenProvider.setKeyValueStorage).
export class MemoryKeyValueStorage {
  constructor() {
    this.map = new Map();
  }
  async setItem(k, v) {
    this.map.set(k, String(v));
  }
  async getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  async removeItem(k) {
    this.map.delete(k);
  }
  async clear() {
    this.map.clear();
  }
  find(suffix) {
    for (const [k, v] of this.map) if (k.endsWith(suffix)) return v;
    return null;
  }
}

// ---------- fetch recorder ----------

// Wraps globalThis.fetch (used at call time by amazon-cognito-identity-js and by Amplify)
// to record each Cognito call: {op, request, status, response}. Refuses non-127.0.0.1 URLs.
export function recordFetch() {
  const original = globalThis.fetch;
  const calls = [];
  globalThis.fetch = async (input, init = {}) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    assertLocal(href);
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const target = headers.get('x-amz-target');
    const resp = await original(input, init);
    if (target) {
      let request = null;
      try {
        request = typeof init.body === 'string' ? JSON.parse(init.body) : null;
      } catch {}
      let response = null;
      try {
        response = await resp.clone().json();
      } catch {}
      calls.push({ op: target.split('.').pop(), request, status: resp.status, response });
    }
    return resp;
  };
  return {
    calls,
    reset() {
      calls.length = 0;
    },
    restore() {
      globalThis.fetch = original;
    },
    // The RespondToAuthChallenge ChallengeNames sent, in order.
    challengesSent() {
      return calls.filter((c) => c.op === 'RespondToAuthChallenge').map((c) => c.request?.ChallengeName);
    },
    describe() {
      return calls
        .map((c) => `${c.op}${c.request?.ChallengeName ? `(${c.request.ChallengeName})` : ''} -> ${c.status}` +
          (c.status >= 400 ? ` ${JSON.stringify(c.response)}` : c.response?.ChallengeName ? ` challenge ${c.response.ChallengeName}` : ''))
        .join('\n');
    },
  };
}

// ---------- JWT ----------

export function decodeJwtPayload(jwt) {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error(`not a JWT: ${jwt}`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}
export function decodeJwtHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));
}
