//! Harness code for the fuzz targets, shared with the corpus replay test of the main crate.
//!
//! Each `run` function takes the raw fuzzer bytes, drives the public API of
//! `cognito_signin` with them and asserts what must hold (a panic is a finding). Nothing here
//! needs nightly or libFuzzer.

pub mod arithmetic;
pub mod flow;
pub mod input;
pub mod rng;
pub mod script;
pub mod seeds;
#[cfg(feature = "server")]
pub mod server;
pub mod srp_values;
pub mod timestamp;
pub mod wire_response;

/// The cheaper mode of the SRP-heavy targets (`fuzz/README.md`). Under `cfg(fuzzing)`, 63
/// inputs in 64 (by a hash of the whole input, so an input always runs the same way) run with
/// every exponent operand (`a`, `b`, `x`, `u`) cut to its low 8 bytes, through the same code;
/// the 64th, and every replay in `cargo test`, with the real exponents. Returns whether the
/// cut is on for this input.
pub fn short_exponents(data: &[u8]) -> bool {
    let hash = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let on = cfg!(fuzzing) && !hash.is_multiple_of(64);
    #[cfg(fuzzing)]
    cognito_signin::fuzzing_short_exponents(on);
    on
}

/// `bytes`, or their last 8 when `short` (the model's side of [`short_exponents`]).
pub fn cut(bytes: &[u8], short: bool) -> &[u8] {
    if short {
        bytes.get(bytes.len().saturating_sub(8)..).unwrap_or(bytes)
    } else {
        bytes
    }
}
