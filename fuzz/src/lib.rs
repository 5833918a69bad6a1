//! The fuzz harness: each target in `fuzz_targets/` is one call into [`harness`]. The same
//! code replays the kept corpora in the main crate's `tests/fuzz_corpus.rs`, on stable.

pub mod harness;
