//! The native figure for the JavaScript package's benchmark (`bindings/js/bench/bench.mjs`):
//! the same JSON conversation as the WebAssembly build (start, then the `PASSWORD_VERIFIER`
//! reply to the claim), built with the same options (`--profile wasm`), timed per sign-in.
//!
//! ```text
//! cargo run --profile wasm -p cognito-signin-json --example srp_timing -- <reply.json> <config.json> <start.json> <n>
//! ```
//!
//! Prints one line of JSON: `{"a256": [ms, …], "a1024": [ms, …]}`, alternating the two sizes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Instant;

use cognito_signin_json::Conversation;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let read = |i: usize| std::fs::read_to_string(&args[i]).expect("a file");
    let (reply, config, start) = (read(1), read(2), read(3));
    let n: usize = args[4].parse().expect("a count");
    let mut rng = StdRng::seed_from_u64(7);
    let now = 1_800_000_000;
    let sized = |bits: u32| config.replacen('{', &format!("{{\"privateBits\": {bits}, "), 1);
    let (c256, c1024) = (sized(256), sized(1024));
    let (mut a256, mut a1024) = (Vec::new(), Vec::new());
    for i in 0..2 * n {
        let (config, times) = if i % 2 == 0 {
            (&c256, &mut a256)
        } else {
            (&c1024, &mut a1024)
        };
        let t0 = Instant::now();
        let (mut machine, _) = Conversation::start(config, &start, now, &mut rng).unwrap();
        let step = machine.handle(&reply, now, &mut rng).unwrap();
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        assert!(step.contains("PASSWORD_CLAIM_SIGNATURE"));
        times.push(ms);
    }
    println!("{{\"a256\": {a256:?}, \"a1024\": {a1024:?}}}");
}
