//! The 3072-bit Montgomery squaring against the multiplication, interleaved: each round times
//! a chain of dependent multiplications, then a chain of dependent squarings (the order
//! alternates from round to round), in the thread's CPU time, so drift on a shared machine
//! moves both alike. Prints the medians and their ratio.
//!
//! `cargo bench --bench kernel` (`KERNEL_ROUNDS`, default 101; `KERNEL_CHAIN`, default 2000).
#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    missing_docs
)]

use std::hint::black_box;
use std::time::Duration;

use cognito_signin::srp::arith::Element;
use cpu_time::ThreadTime;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&v| v > 0)
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn per_op(d: Duration, chain: usize) -> f64 {
    d.as_secs_f64() * 1e9 / chain as f64
}

fn main() {
    let rounds = setting("KERNEL_ROUNDS", 101);
    let chain = setting("KERNEL_CHAIN", 2000);
    // Two fixed values below N (any will do: the code takes the same path for every value).
    let x = Element::from_be_bytes(&[0x5a; 384]).expect("below N");
    let y = Element::from_be_bytes(&[0xa5; 383]).expect("below N");
    // A chain of `chain` dependent operations, each applied to the previous result.
    let time = |op: &dyn Fn(&Element) -> Element| {
        let start = ThreadTime::now();
        let mut v = x;
        for _ in 0..chain {
            v = op(black_box(&v));
        }
        black_box(v);
        start.elapsed()
    };
    let time_mul = || time(&|v| v.mul(&y));
    let time_sqr = || time(&|v| v.square());
    // Warm-up.
    time_mul();
    time_sqr();
    let (mut muls, mut sqrs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            muls.push(time_mul());
            sqrs.push(time_sqr());
        } else {
            sqrs.push(time_sqr());
            muls.push(time_mul());
        }
    }
    let (mul, sqr) = (median(muls), median(sqrs));
    let (mul_ns, sqr_ns) = (per_op(mul, chain), per_op(sqr, chain));
    println!(
        "kernel: {rounds} interleaved rounds of {chain} dependent operations, thread CPU time"
    );
    println!("  Montgomery multiplication  {:8.0} ns (median)", mul_ns);
    println!("  Montgomery squaring        {:8.0} ns (median)", sqr_ns);
    println!("  squaring / multiplication  {:8.3}", sqr_ns / mul_ns);
}
