//! Timing of the compiled code, in the manner of dudect (Reparaz, Balasch, Verbauwhede): the
//! secret-dependent operations are timed for a fixed secret and for random secrets of the same
//! length, interleaved at random, and Welch's t-test must not tell the two apart.
//!
//! The schedule itself (which operations run, in which order) is checked exactly by the unit
//! tests in `src/srp/math/tests.rs`; this measurement checks that the machine code keeps to it.
//! It needs a quiet machine, so it is a measurement, not a test:
//! `cargo bench --bench timing_leaks` prints |t| for each case and exits non-zero when one
//! reaches dudect's limit of 10.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    missing_docs
)]

use std::hint::black_box;
use std::time::Instant;

use cognito_signin::srp::{Ephemeral, Identity, ServerChallenge};
use cognito_signin::{Password, UnixTime};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

/// Samples per class.
const SAMPLES: usize = 3000;
/// dudect's threshold for "definitely not constant time".
const T_LIMIT: f64 = 10.0;

/// Welch's t statistic of two samples, each cropped to its fastest 90% (the slow tail is
/// interrupts and scheduling, not the code).
fn welch_t(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
    let crop = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.truncate(v.len() * 9 / 10);
    };
    crop(&mut a);
    crop(&mut b);
    let stats = |v: &[f64]| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (mean, var, n)
    };
    let (ma, va, na) = stats(&a);
    let (mb, vb, nb) = stats(&b);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// Times `run` on the fixed input and on fresh random inputs, interleaved at random.
fn t_of<I>(
    rng: &mut StdRng,
    fixed: &I,
    random: impl Fn(&mut StdRng) -> I,
    run: impl Fn(&I),
) -> f64 {
    let (mut a, mut b) = (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
    // Warm up: caches, and the one-time table of powers of g.
    for _ in 0..50 {
        run(fixed);
    }
    while a.len() < SAMPLES || b.len() < SAMPLES {
        let take_fixed = rng.random::<bool>();
        if take_fixed && a.len() < SAMPLES {
            let start = Instant::now();
            run(fixed);
            a.push(start.elapsed().as_nanos() as f64);
        } else if !take_fixed && b.len() < SAMPLES {
            let input = random(rng);
            let start = Instant::now();
            run(&input);
            b.push(start.elapsed().as_nanos() as f64);
        }
    }
    welch_t(a, b)
}

fn random_a(rng: &mut StdRng, len: usize) -> Vec<u8> {
    let mut a = vec![0u8; len];
    rng.fill_bytes(&mut a);
    a[len - 1] |= 1; // never zero
    a
}

/// `A = g^a`: a fixed `a` with a single bit set against random ones of the same length.
fn public_value_time_does_not_depend_on_a() -> bool {
    let mut ok = true;
    let mut rng = StdRng::seed_from_u64(1);
    for len in [32, 128] {
        let mut fixed = vec![0u8; len];
        fixed[len - 1] = 1;
        let t = t_of(
            &mut rng,
            &fixed,
            |r| random_a(r, len),
            |a| {
                black_box(Ephemeral::from_private_bytes(black_box(a)).unwrap());
            },
        );
        println!("g^a, {len}-byte a: t = {t:.2}");
        ok &= t.abs() < T_LIMIT;
    }
    ok
}

/// The claim (`x`, `g^x`, `S`): a fixed `a` and password against random ones.
fn claim_time_does_not_depend_on_secrets() -> bool {
    let mut rng = StdRng::seed_from_u64(2);
    let id = Identity::user("us-east-1_AbCdEf123", "alice").unwrap();
    let b_hex = "ab".repeat(384);
    let challenge = ServerChallenge::parse("1234", &b_hex, "AAECAw==").unwrap();
    let mut fixed_a = vec![0u8; 32];
    fixed_a[31] = 1;
    let fixed = (
        Ephemeral::from_private_bytes(&fixed_a).unwrap(),
        Password::new("aaaaaaaaaaaaaaaa"),
    );
    let t = t_of(
        &mut rng,
        &fixed,
        |r| {
            let password: String = (0..16).map(|_| r.random_range('a'..='z')).collect();
            (
                Ephemeral::from_private_bytes(&random_a(r, 32)).unwrap(),
                Password::new(password),
            )
        },
        |(eph, password)| {
            let claim = eph.respond(&id, password, &challenge, UnixTime(1_764_000_000));
            black_box(claim.unwrap().signature);
        },
    );
    println!("claim: t = {t:.2}");
    t.abs() < T_LIMIT
}

fn main() -> std::process::ExitCode {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let g = public_value_time_does_not_depend_on_a();
    let claim = claim_time_does_not_depend_on_secrets();
    if g && claim {
        println!("no timing difference found (|t| < {T_LIMIT})");
        std::process::ExitCode::SUCCESS
    } else {
        println!("timing difference: |t| >= {T_LIMIT}");
        std::process::ExitCode::FAILURE
    }
}
