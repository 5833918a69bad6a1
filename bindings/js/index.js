// cognito-signin for JavaScript: the Cognito user-pool sign-in machine, compiled to
// WebAssembly, with plain objects in the core's JSON form on both sides.
//
// - `SignIn`: the bare machine. `SignIn.start(config, start)` gives the machine and the
//   first request; `handle(reply)` and `answer(answer)` give the next step. Bring your own
//   transport (fetch, aws-sdk-js v3, a service worker).
// - `signIn(options, ask)`: a thin driver that posts each request with `fetch` and asks
//   `ask(prompt)` for codes and new passwords.
// - Errors: `ServiceError` (Cognito said no), `ProtocolError` (a broken reply), both final;
//   `MisuseError` (a caller's mistake: nothing changed); `TransportError` (fetch failed).
//   All are `CognitoSignInError`s with `type`, `kind`, `field`, `status`.
import init, { initSync, Machine, jsonFormVersion } from './wasm/cognito_signin.js';

// Node 18 has Web Crypto but not as a global.
if (!globalThis.crypto?.getRandomValues) {
  const { webcrypto } = await import(/* webpackIgnore: true */ 'node:crypto');
  Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true });
}

// One module instance per realm; the table of powers of g is built inside it on first use.
{
  const url = new URL('./wasm/cognito_signin_bg.wasm', import.meta.url);
  if (url.protocol === 'file:' && typeof process === 'object' && process.versions?.node) {
    const { readFile } = await import(/* webpackIgnore: true */ 'node:fs/promises');
    initSync({ module: await readFile(url) });
  } else {
    await init({ module_or_path: url });
  }
}

/** The version of the JSON form this build speaks. */
export const JSON_FORM_VERSION = jsonFormVersion();

/** Every error this package throws. */
export class CognitoSignInError extends Error {
  constructor(e, options) {
    super(e.message, options);
    this.name = 'CognitoSignInError';
    /** `"service"`, `"protocol"`, `"misuse"` or `"transport"`: whose fault it was. */
    this.type = e.type;
    /** The service's exception name (`"NotAuthorizedException"`) or the variant. */
    this.kind = e.kind;
    /** The field, operation or challenge the error names, or `null`. */
    this.field = e.field ?? null;
    /** The HTTP status of a service error, or `null`. */
    this.status = e.status ?? null;
  }

  /** The error in the JSON form. */
  toJSON() {
    return { type: this.type, kind: this.kind, field: this.field, status: this.status, message: this.message };
  }
}

/** Cognito refused: the sign-in is over. `kind` is the service's exception name. */
export class ServiceError extends CognitoSignInError {
  constructor(e, options) {
    super(e, options);
    this.name = 'ServiceError';
  }
}

/** A reply that breaks the protocol: the sign-in is over. */
export class ProtocolError extends CognitoSignInError {
  constructor(e, options) {
    super(e, options);
    this.name = 'ProtocolError';
  }
}

/** A caller's mistake (bad input, a call out of order): nothing changed, try again. */
export class MisuseError extends CognitoSignInError {
  constructor(e, options) {
    super(e, options);
    this.name = 'MisuseError';
  }
}

/** The request could not be sent or its reply read (the driver only). */
export class TransportError extends CognitoSignInError {
  constructor(e, options) {
    super(e, options);
    this.name = 'TransportError';
  }
}

const CLASSES = { service: ServiceError, protocol: ProtocolError, misuse: MisuseError };

/** The error thrown by the WebAssembly side (its JSON form, as a string), typed. */
function typed(thrown) {
  if (typeof thrown !== 'string') return thrown;
  let e;
  try {
    e = JSON.parse(thrown);
  } catch {
    e = { type: 'misuse', kind: 'internal', field: null, status: null, message: thrown };
  }
  return new (CLASSES[e.type] ?? CognitoSignInError)(e);
}

function call(f) {
  try {
    return f();
  } catch (thrown) {
    throw typed(thrown);
  }
}

function misuse(kind, field, message) {
  return new MisuseError({ type: 'misuse', kind, field, status: null, message });
}

/** `value` as JSON text, or a `MisuseError` naming the input. */
function text(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw misuse('badJson', what, `${what} must be an object`);
  }
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw misuse('badJson', what, `${what} cannot be written as JSON: ${e.message}`);
  }
}

function seconds(options) {
  if (options === undefined || options === null) return Math.floor(Date.now() / 1000);
  if (typeof options !== 'object') throw misuse('badArgument', 'options', 'options must be an object');
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (typeof now !== 'number') throw misuse('timeOutOfRange', 'now', 'now must be a number of Unix seconds');
  return now;
}

const finalizer = new FinalizationRegistry((machine) => machine.free());

/**
 * A sign-in in progress. `SignIn.start` makes one; `handle` feeds it replies, `answer` the
 * user's answers, until a step of type `"done"`. Its WebAssembly memory is freed by
 * `free()` (or `using`), or else by the garbage collector.
 */
export class SignIn {
  #machine;

  /** Use `SignIn.start`. */
  constructor(machine) {
    if (!(machine instanceof Machine)) throw misuse('badArgument', 'machine', 'use SignIn.start');
    this.#machine = machine;
    finalizer.register(this, machine, this);
  }

  /** Starts a sign-in: `{ machine, request }`. */
  static start(config, start, options) {
    const now = seconds(options);
    const started = call(() => Machine.start(text(config, 'config'), text(start, 'start'), now));
    try {
      return { machine: new SignIn(started.takeMachine()), request: JSON.parse(started.request) };
    } finally {
      started.free();
    }
  }

  #live() {
    if (!this.#machine) throw misuse('alreadyDone', null, 'the machine was freed');
    return this.#machine;
  }

  /** Feeds the reply `{ status, body, errorType?, date? }` to the last request. */
  handle(reply, options) {
    const now = seconds(options);
    const machine = this.#live();
    return JSON.parse(call(() => machine.handle(text(reply, 'reply'), now)));
  }

  /** Passes the user's answer to the open question. */
  answer(answer, options) {
    const now = seconds(options);
    const machine = this.#live();
    return JSON.parse(call(() => machine.answer(text(answer, 'answer'), now)));
  }

  /** The username used so far: the typed one until the service names the internal one. */
  get username() {
    return this.#live().username;
  }

  /** Whether the sign-in is finished (done or failed). */
  get finished() {
    return this.#machine ? this.#machine.finished : true;
  }

  /** Frees the machine's WebAssembly memory; the machine cannot be used afterwards. */
  free() {
    if (this.#machine) {
      finalizer.unregister(this);
      this.#machine.free();
      this.#machine = undefined;
    }
  }

  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
    this.free();
  }
}

/** The most a reply body may hold before the driver stops reading it (the core's limit). */
const BODY_LIMIT = 1 << 20;

async function post(fetchImpl, endpoint, request, signal) {
  let response;
  try {
    response = await fetchImpl(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': request.contentType, 'X-Amz-Target': request.target },
      body: request.body,
      signal,
    });
  } catch (cause) {
    throw new TransportError(
      { type: 'transport', kind: 'fetch', field: request.operation, status: null, message: `${request.operation}: ${cause?.message ?? cause}` },
      { cause },
    );
  }
  let body;
  try {
    body = await readLimited(response);
  } catch (cause) {
    throw new TransportError(
      { type: 'transport', kind: 'body', field: request.operation, status: response.status, message: `${request.operation}: reading the reply: ${cause?.message ?? cause}` },
      { cause },
    );
  }
  return {
    status: response.status,
    body,
    errorType: response.headers.get('x-amzn-errortype'),
    date: response.headers.get('date'),
  };
}

/** The body as text; a body over the limit is cut just past it, which the core refuses. */
async function readLimited(response) {
  if (!response.body?.getReader) return response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let out = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    out += decoder.decode(value, { stream: true });
    if (bytes > BODY_LIMIT) {
      await reader.cancel();
      break;
    }
  }
  return out + decoder.decode();
}

/**
 * Signs in against `endpoint` with `fetch`, asking `ask(prompt)` for what only the user
 * can give (codes, a new password, whether to remember the device). Resolves to the
 * signed-in result of the JSON form: tokens, the username, and a new device's credentials
 * to keep (pass them back in `devices` next time).
 */
export async function signIn(options, ask) {
  if (options === null || typeof options !== 'object') throw misuse('badArgument', 'options', 'options must be an object');
  const {
    endpoint,
    userPoolId,
    clientId,
    clientSecret = null,
    username,
    password,
    refreshToken,
    flow = refreshToken === undefined ? 'USER_SRP_AUTH' : 'REFRESH_TOKEN_AUTH',
    preferred,
    devices = [],
    deviceName,
    privateBits,
    clientMetadata,
    fetch: fetchImpl = globalThis.fetch,
    signal,
    now,
  } = options;
  if (typeof endpoint !== 'string' && !(endpoint instanceof URL)) {
    throw misuse('badArgument', 'endpoint', 'endpoint must be the Cognito URL');
  }
  if (typeof fetchImpl !== 'function') throw misuse('badArgument', 'fetch', 'no fetch: pass options.fetch');
  const config = { userPoolId, clientId, clientSecret, devices };
  if (deviceName !== undefined) config.deviceName = deviceName;
  if (privateBits !== undefined) config.privateBits = privateBits;
  if (clientMetadata !== undefined) config.clientMetadata = clientMetadata;
  const start = { flow };
  if (username !== undefined) start.username = username;
  if (password !== undefined) start.password = password;
  if (refreshToken !== undefined) start.refreshToken = refreshToken;
  if (preferred !== undefined) start.preferred = preferred;
  const at = () => ({ now: now ?? Math.floor(Date.now() / 1000) });

  const { machine, request } = SignIn.start(config, start, at());
  try {
    let step = { type: 'send', request };
    for (;;) {
      if (step.type === 'send') {
        if (step.request.sigv4) {
          throw misuse('badArgument', 'flow', `${step.request.operation} must be signed with AWS credentials: drive SignIn with your AWS SDK instead`);
        }
        step = machine.handle(await post(fetchImpl, endpoint, step.request, signal), at());
      } else if (step.type === 'needInput') {
        let answer;
        if (typeof ask === 'function') {
          answer = await ask(step.prompt);
        } else if (step.prompt.challenge.type === 'rememberDevice') {
          // Without anyone to ask, a new device is not remembered.
          answer = { type: 'rememberDevice', remember: false };
        } else {
          throw misuse('badArgument', 'ask', `the sign-in asks a question (${step.prompt.challenge.type}) and there is no ask`);
        }
        step = machine.answer(answer, at());
      } else {
        return step.signedIn;
      }
    }
  } finally {
    machine.free();
  }
}
