//! Writes the seed corpora: `cargo run --example seeds [VECTORS_DIR]` in `fuzz/`. The
//! vectors default to `COGNITO_VECTORS_DIR`, else the repository's `tests/vectors`.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let vectors = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("COGNITO_VECTORS_DIR").ok())
        .map_or_else(|| root.join("../tests/vectors"), PathBuf::from);
    let mut count = 0;
    for (target, name, bytes) in cognito_signin_fuzz::harness::seeds::all(&vectors) {
        let dir = root.join("corpus").join(target);
        std::fs::create_dir_all(&dir).expect("corpus directory");
        std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("seed file");
        count += 1;
    }
    println!("{count} seeds written");
}
