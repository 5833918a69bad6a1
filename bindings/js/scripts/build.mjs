// Builds the WebAssembly module and its glue into wasm/:
//   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='-C target-feature=+simd128' \
//   cargo build --profile wasm --target wasm32-unknown-unknown -p cognito-signin-wasm
//   wasm-bindgen --target web --out-dir wasm --out-name cognito_signin --no-typescript <.wasm>
// Needs the Rust target (`rustup target add wasm32-unknown-unknown`) and the CLI of the
// pinned wasm-bindgen (`cargo install wasm-bindgen-cli --version 0.2.130`).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const root = join(here, '..', '..');
// WebAssembly SIMD (Node ≥ 16.4, Chrome 91, Firefox 89, Safari 16.4): the arithmetic's dot
// products four limbs at a time.
const env = { ...process.env, CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: '-C target-feature=+simd128' };
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env });

// `--arith`: the build with the raw arithmetic exported, for test/node/arith.test.mjs only,
// into test/wasm-arith/ (never into the package).
const arith = process.argv.includes('--arith');
const out = arith ? join(here, 'test', 'wasm-arith') : join(here, 'wasm');
run('cargo', ['build', '--quiet', '--profile', 'wasm', '--target', 'wasm32-unknown-unknown', '-p', 'cognito-signin-wasm', ...(arith ? ['--features', 'arith'] : [])]);
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
const wasm = join(targetDir, 'wasm32-unknown-unknown', 'wasm', 'cognito_signin_wasm.wasm');
mkdirSync(out, { recursive: true });
run('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', 'cognito_signin', '--no-typescript', '--remove-name-section', '--remove-producers-section', wasm]);
