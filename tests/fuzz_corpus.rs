//! Replays the fuzz corpora kept in `fuzz/corpus/` (and any crash inputs kept in
//! `fuzz/regressions/`) through the same harness the fuzz targets use, on stable: each input
//! is a regression test, with every assertion of its target.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    dead_code,
    unreachable_pub
)]

#[path = "../fuzz/src/harness/mod.rs"]
mod harness;

use std::path::PathBuf;

fn replay(target: &str, run: fn(&[u8])) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{} fails", file.display());
            count += 1;
        }
    }
    assert!(count > 0, "no corpus for {target}");
    println!("{target}: {count} inputs");
}

#[test]
fn wire_response() {
    replay("wire_response", harness::wire_response::run);
}

#[test]
fn flow() {
    replay("flow", harness::flow::run);
}

#[test]
fn srp_server_values() {
    replay("srp_server_values", harness::srp_values::run);
}

#[test]
fn arithmetic() {
    replay("arithmetic", harness::arithmetic::run);
}

#[test]
fn timestamp() {
    replay("timestamp", harness::timestamp::run);
}

#[cfg(feature = "server")]
#[test]
fn server() {
    replay("server", harness::server::run);
}
