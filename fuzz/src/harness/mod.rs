//! Harness code for the fuzz targets, shared with the corpus replay test of the main crate.
//!
//! Each `run` function takes the raw fuzzer bytes, drives the public API of
//! `cognito_signin` with them and asserts what must hold (a panic is a finding). Nothing here
//! needs nightly or libFuzzer.

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
