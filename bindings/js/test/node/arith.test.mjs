// The 3072-bit arithmetic as the WebAssembly build runs it (SIMD dot products), against
// JavaScript's BigInt: Montgomery products and squares at the edges of the field, and
// exponentiations with and without the table of powers of g. Runs on the build with the raw
// arithmetic exported (`node scripts/build.mjs --arith`, into test/wasm-arith/), which shares
// every line of the arithmetic with the package's build.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const root = join(here, '..', '..');
let wasm;
before(async () => {
  wasm = await import(join(here, 'test', 'wasm-arith', 'cognito_signin.js'));
  wasm.initSync({ module: readFileSync(join(here, 'test', 'wasm-arith', 'cognito_signin_bg.wasm')) });
});

// N, read from the group's definition in the core.
const group = readFileSync(join(root, 'src', 'srp', 'group.rs'), 'utf8');
const nHex = group.slice(group.indexOf('N_HEX'), group.indexOf(');', group.indexOf('N_HEX'))).match(/"([0-9A-F]+)"/g).map((s) => s.slice(1, -1)).join('');
const N = BigInt(`0x${nHex}`);
const R = 1n << 3072n;
assert.equal(nHex.length, 768);

function inverse(a, m) {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}
const RINV = inverse(R, N);

const bytes = (x, len = 384) => {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
};
const big = (b) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
function modpow(b, e, m) {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

const random = () => big(randomBytes(384)) % N;
/** Values at the edges: 0, 1, 2, N−1, N−2, 2^3071, limbs all ones or alternating, R−1. */
const belowN = [0n, 1n, 2n, N - 1n, N - 2n, 1n << 3071n, (R - 1n) / 0xffffffffn, N >> 1n, random(), random(), random()];
const belowR = [R - 1n, N, N + 1n, R - 2n];

test('Montgomery products and squares match BigInt at the edges', () => {
  for (const a of belowN) {
    for (const b of [...belowN, ...belowR]) {
      const got = big(wasm.arithMontMul(bytes(a), bytes(b)));
      assert.equal(got, (a * b * RINV) % N, `${a.toString(16)} · ${b.toString(16)}`);
      const swapped = big(wasm.arithMontMul(bytes(b), bytes(a)));
      assert.equal(swapped, got);
    }
    assert.equal(big(wasm.arithMontSqr(bytes(a))), (a * a * RINV) % N, `${a.toString(16)}²`);
  }
  // Both operands at or above N: below R and congruent.
  for (const a of belowR) {
    for (const b of belowR) {
      const got = big(wasm.arithMontMul(bytes(a), bytes(b)));
      assert.ok(got < R);
      assert.equal(got % N, (a * b * RINV) % N);
    }
    const sq = big(wasm.arithMontSqr(bytes(a)));
    assert.ok(sq < R);
    assert.equal(sq % N, (a * a * RINV) % N);
  }
});

test('exponentiations match BigInt: any base, g with and without the table', () => {
  const exponents = [
    new Uint8Array([1]),
    new Uint8Array(32).fill(0xff),
    new Uint8Array(128).fill(0xff),
    randomBytes(32),
    randomBytes(128),
    randomBytes(512),
  ];
  for (const e of exponents) {
    const x = big(e);
    const g = modpow(2n, x, N);
    assert.equal(big(wasm.arithPowG(e, true)), g);
    assert.equal(big(wasm.arithPowG(e, false)), g);
    for (const base of [N - 1n, random()]) {
      assert.equal(big(wasm.arithPow(bytes(base), e)), modpow(base, x, N));
    }
  }
});
