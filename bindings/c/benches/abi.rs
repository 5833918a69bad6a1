//! The cost of crossing the C ABI with JSON, per sign-in.
//!
//! The same sign-in (`USER_SRP_AUTH`, `PASSWORD_VERIFIER`, `SOFTWARE_TOKEN_MFA`, tokens) two
//! ways against the in-process reference pool: through the core's typed API
//! (`cognito_signin::SignIn`), and through the C ABI functions (JSON in and out, step
//! handles, the random callback), with the caller's share of the JSON work a C program has
//! too (reading `request.target` and `request.body` out of each step, writing each reply
//! as JSON). Only the client's side is timed (the thread's CPU time), not the pool's. Both draw from the same
//! seeded generator, sign-in by sign-in, and share one table of powers of g. The two are
//! interleaved; the figures are medians.
//!
//! `cargo bench -p cognito-signin-ffi --bench abi` (`ABI_BENCH_SIGN_INS`, 300 by default).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use core::ffi::{c_int, c_void};
use std::hint::black_box;
use std::ptr;
use std::time::Duration;

use cpu_time::ThreadTime as Instant;

use cognito_signin::UnixTime;
use cognito_signin::rand_core::Rng;
use cognito_signin::server::ServerReply as PoolReply;
use cognito_signin::server::{AppClient, MfaMode, NewUser, PoolConfig, UserPool, totp_code};
use cognito_signin::srp::PowersOfG;
use cognito_signin::{Answer, Config, Password, PrivateSize, Response, SignIn, Start, Step};
use cognito_signin_ffi::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

const POOL: &str = "us-east-1_BenchPool1";
const CLIENT: &str = "benchclient";
const SECRET: &str = "JBSWY3DPEHPK3PXP";
const NOW: u64 = 1_800_000_000;

fn pool() -> UserPool {
    let mut rng = StdRng::seed_from_u64(1);
    let config = PoolConfig {
        mfa: MfaMode::On,
        ..PoolConfig::default()
    };
    let mut pool = UserPool::new(POOL, config, &mut rng).unwrap();
    pool.add_client(AppClient::new(CLIENT));
    pool.add_user(
        NewUser::new("jane", Password::new("Correct-Horse-1")).with_totp(SECRET),
        &mut rng,
    )
    .unwrap();
    pool
}

fn ask(pool: &mut UserPool, rng: &mut StdRng, target: &str, body: &[u8]) -> PoolReply {
    pool.handle(target, body, UnixTime(NOW), rng)
}

/// One sign-in through the typed API; returns the client's time.
fn typed(
    pool: &mut UserPool,
    pool_rng: &mut StdRng,
    seed: u64,
    table: &'static PowersOfG,
) -> Duration {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut spent = Duration::ZERO;
    let t = Instant::now();
    let config = Config::new(POOL, CLIENT).unwrap().with_powers_of_g(table);
    let start = Start::user_srp("jane", Password::new("Correct-Horse-1"));
    let (mut machine, request) = SignIn::start(&config, start, UnixTime(NOW), &mut rng).unwrap();
    let mut step = Step::Send(request);
    spent += t.elapsed();
    loop {
        match step {
            Step::Send(request) => {
                let reply = ask(pool, pool_rng, request.target(), request.body());
                let t = Instant::now();
                step = machine
                    .handle(
                        Response::new(reply.status, &reply.body),
                        UnixTime(NOW),
                        &mut rng,
                    )
                    .unwrap();
                spent += t.elapsed();
            }
            Step::NeedInput(_) => {
                let code = totp_code(SECRET, UnixTime(NOW)).unwrap();
                let t = Instant::now();
                step = machine
                    .answer(Answer::Code(code), UnixTime(NOW), &mut rng)
                    .unwrap();
                spent += t.elapsed();
            }
            Step::Done(signed_in) => {
                black_box(signed_in);
                return spent;
            }
        }
    }
}

/// The same sign-in through the JSON layer the ABI wraps (strings in and out, no ABI).
fn json_layer(pool: &mut UserPool, pool_rng: &mut StdRng, seed: u64) -> Duration {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut spent = Duration::ZERO;
    let config = format!(r#"{{"userPoolId":"{POOL}","clientId":"{CLIENT}"}}"#);
    let start = r#"{"flow":"USER_SRP_AUTH","username":"jane","password":"Correct-Horse-1"}"#;
    let t = Instant::now();
    let (mut machine, request) =
        cognito_signin_json::Conversation::start(&config, start, NOW, &mut rng).unwrap();
    let mut step = format!(r#"{{"type":"send","request":{}}}"#, request.as_str());
    spent += t.elapsed();
    loop {
        let t = Instant::now();
        let json: Value = serde_json::from_str(&step).unwrap();
        match json["type"].as_str().unwrap() {
            "send" => {
                let target = json["request"]["target"].as_str().unwrap().to_owned();
                let body = json["request"]["body"].as_str().unwrap().to_owned();
                spent += t.elapsed();
                let reply = ask(pool, pool_rng, &target, body.as_bytes());
                let t = Instant::now();
                let reply = serde_json::json!({
                    "status": reply.status,
                    "body": std::str::from_utf8(&reply.body).unwrap(),
                })
                .to_string();
                step = machine.handle(&reply, NOW, &mut rng).unwrap().to_string();
                spent += t.elapsed();
            }
            "needInput" => {
                spent += t.elapsed();
                let code = totp_code(SECRET, UnixTime(NOW)).unwrap();
                let t = Instant::now();
                let answer = format!(r#"{{"type":"code","code":"{code}"}}"#);
                step = machine.answer(&answer, NOW, &mut rng).unwrap().to_string();
                spent += t.elapsed();
            }
            _ => {
                black_box(
                    json["signedIn"]["tokens"]["accessToken"]
                        .as_str()
                        .unwrap()
                        .len(),
                );
                return spent + t.elapsed();
            }
        }
    }
}

unsafe extern "C" fn fill(userdata: *mut c_void, buf: *mut u8, len: usize) -> c_int {
    // SAFETY: `userdata` is the `StdRng` below; `buf` holds `len` bytes.
    unsafe {
        let rng = &mut *userdata.cast::<StdRng>();
        rng.fill_bytes(std::slice::from_raw_parts_mut(buf, len));
    }
    0
}

/// The step's JSON, read as a C caller reads it.
fn step_json(step: *const cognito_signin_step) -> Value {
    let mut json = ptr::null();
    let mut len = 0;
    // SAFETY: a live step; the text stays valid until it is freed, after this read.
    unsafe {
        assert_eq!(
            cognito_signin_step_get_json(step, &mut json, &mut len),
            cognito_signin_result::Ok
        );
        serde_json::from_slice(std::slice::from_raw_parts(json, len)).unwrap()
    }
}

/// The same sign-in through the C ABI; returns the client's time.
fn through_abi(pool: &mut UserPool, pool_rng: &mut StdRng, seed: u64) -> Duration {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut spent = Duration::ZERO;
    let config = format!(r#"{{"userPoolId":"{POOL}","clientId":"{CLIENT}"}}"#);
    let start = r#"{"flow":"USER_SRP_AUTH","username":"jane","password":"Correct-Horse-1"}"#;
    let t = Instant::now();
    let mut conv = ptr::null_mut();
    let mut step = ptr::null_mut();
    // SAFETY: valid pointers and lengths throughout; every handle is freed once.
    unsafe {
        let userdata = ptr::from_mut(&mut rng).cast();
        let rc = cognito_signin_conversation_new(Some(fill), userdata, &mut conv);
        assert_eq!(rc, cognito_signin_result::Ok);
        let rc = cognito_signin_conversation_start(
            conv,
            config.as_ptr(),
            config.len(),
            start.as_ptr(),
            start.len(),
            NOW,
            &mut step,
        );
        assert_eq!(rc, cognito_signin_result::Ok);
    }
    spent += t.elapsed();
    loop {
        let t = Instant::now();
        let json = step_json(step);
        let mut next = ptr::null_mut();
        match json["type"].as_str().unwrap() {
            "send" => {
                let target = json["request"]["target"].as_str().unwrap().to_owned();
                let body = json["request"]["body"].as_str().unwrap().to_owned();
                spent += t.elapsed();
                let reply = ask(pool, pool_rng, &target, body.as_bytes());
                let t = Instant::now();
                let reply = serde_json::json!({
                    "status": reply.status,
                    "body": std::str::from_utf8(&reply.body).unwrap(),
                })
                .to_string();
                // SAFETY: as above.
                let rc = unsafe {
                    cognito_signin_conversation_handle(
                        conv,
                        reply.as_ptr(),
                        reply.len(),
                        NOW,
                        &mut next,
                    )
                };
                assert_eq!(rc, cognito_signin_result::Ok);
                spent += t.elapsed();
            }
            "needInput" => {
                spent += t.elapsed();
                let code = totp_code(SECRET, UnixTime(NOW)).unwrap();
                let t = Instant::now();
                let answer = format!(r#"{{"type":"code","code":"{code}"}}"#);
                // SAFETY: as above.
                let rc = unsafe {
                    cognito_signin_conversation_answer(
                        conv,
                        answer.as_ptr(),
                        answer.len(),
                        NOW,
                        &mut next,
                    )
                };
                assert_eq!(rc, cognito_signin_result::Ok);
                spent += t.elapsed();
            }
            "done" => {
                black_box(
                    json["signedIn"]["tokens"]["accessToken"]
                        .as_str()
                        .unwrap()
                        .len(),
                );
                // SAFETY: as above.
                unsafe {
                    cognito_signin_step_free(step);
                    cognito_signin_conversation_free(conv);
                }
                return spent + t.elapsed();
            }
            other => panic!("unknown step {other}"),
        }
        let t = Instant::now();
        // SAFETY: as above.
        unsafe { cognito_signin_step_free(step) };
        step = next;
        spent += t.elapsed();
    }
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: u64 = std::env::var("ABI_BENCH_SIGN_INS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let table: &'static PowersOfG = Box::leak(Box::new(PowersOfG::new(PrivateSize::Bits256)));
    let mut pool = pool();
    let mut pool_rng = StdRng::seed_from_u64(2);
    // Warm-up: both paths, and the JSON layer's own table.
    for seed in 0..10 {
        typed(&mut pool, &mut pool_rng, seed, table);
        through_abi(&mut pool, &mut pool_rng, seed);
        json_layer(&mut pool, &mut pool_rng, seed);
    }
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 0..n {
        // Each path in turn goes first.
        for path in 0..3 {
            match (path + seed) % 3 {
                0 => a.push(typed(&mut pool, &mut pool_rng, 100 + seed, table)),
                1 => b.push(through_abi(&mut pool, &mut pool_rng, 100 + seed)),
                _ => c.push(json_layer(&mut pool, &mut pool_rng, 100 + seed)),
            }
        }
    }
    let mc = median(&mut c);
    // The same seed's two sign-ins ran side by side: their difference, sign-in by sign-in,
    // cancels the machine's drift.
    let mut paired: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|(a, b)| b.as_secs_f64() - a.as_secs_f64())
        .collect();
    paired.sort_by(f64::total_cmp);
    let paired = paired[paired.len() / 2];
    let total_a: Duration = a.iter().sum();
    let total_b: Duration = b.iter().sum();
    let (ma, mb) = (median(&mut a), median(&mut b));
    println!("JSON layer only: median {:>8.3} ms", mc.as_secs_f64() * 1e3);
    let overhead = mb.as_secs_f64() - ma.as_secs_f64();
    println!(
        "sign-ins per path: {n} (client side only, thread CPU time, the pool's time excluded)"
    );
    println!(
        "typed Rust API : median {:>8.3} ms, mean {:>8.3} ms",
        ma.as_secs_f64() * 1e3,
        total_a.as_secs_f64() * 1e3 / n as f64
    );
    println!(
        "C ABI + JSON   : median {:>8.3} ms, mean {:>8.3} ms",
        mb.as_secs_f64() * 1e3,
        total_b.as_secs_f64() * 1e3 / n as f64
    );
    println!(
        "overhead       : {:+.1} us per sign-in ({:+.2}% of the sign-in), difference of medians",
        overhead * 1e6,
        overhead / ma.as_secs_f64() * 100.0
    );
    println!(
        "overhead       : {:+.1} us per sign-in ({:+.2}% of the sign-in), median of paired differences",
        paired * 1e6,
        paired / ma.as_secs_f64() * 100.0
    );
}
