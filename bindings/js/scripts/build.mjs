// Builds the WebAssembly module and its glue into wasm/:
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
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run('cargo', ['build', '--quiet', '--profile', 'wasm', '--target', 'wasm32-unknown-unknown', '-p', 'cognito-signin-wasm']);
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
const wasm = join(targetDir, 'wasm32-unknown-unknown', 'wasm', 'cognito_signin_wasm.wasm');
mkdirSync(join(here, 'wasm'), { recursive: true });
run('wasm-bindgen', ['--target', 'web', '--out-dir', join(here, 'wasm'), '--out-name', 'cognito_signin', '--no-typescript', '--remove-name-section', '--remove-producers-section', wasm]);
