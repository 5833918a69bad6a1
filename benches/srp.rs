//! Criterion benchmarks of the client's SRP work, with a plain num-bigint client as the
//! comparison row (measured in the same run, so the ratio holds on any machine).
//!
//! Times are the benchmarking thread's CPU time, not wall time, so that other work on a shared
//! machine (other builds, fuzzers) distorts them less; on an idle machine the two agree.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    missing_docs
)]

use std::hint::black_box;

use cognito_signin::srp::{
    Ephemeral, Identity, PowersOfG, PrivateSize, ServerChallenge, ServerSession, Verifier, arith,
    compute_u, compute_x, pad_hex,
};
use cognito_signin::{ClientSecret, DeviceRegistration, Password, UnixTime, secret_hash};
use std::time::Duration;

use cpu_time::ThreadTime;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use num_bigint::BigUint;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const POOL_ID: &str = "us-east-1_AbCdEf123";
const USER: &str = "7d4e3c2a-1b0f-4e5d-9c8b-7a6f5e4d3c2b";
const NOW: UnixTime = UnixTime(1_764_000_000);
const SECRET_BLOCK: &str = "AgV4hdAD1xDSgq3ma0dwJiZIwMHDbIj1rK2A3fW0jGm0tk8AXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREF4MlpnY0dDZmY3Y0k2WHV2cVJiMkxJNE9iU0hhTlR6TTZiVHBJMWdmbG5JbmpNM3N6bXpLZXpldmY5OXNRM0N6ZXc9PQ==";

/// CPU time of the benchmarking thread (`CLOCK_THREAD_CPUTIME_ID` on Unix).
struct CpuTime;

impl Measurement for CpuTime {
    type Intermediate = ThreadTime;
    type Value = Duration;

    fn start(&self) -> ThreadTime {
        ThreadTime::now()
    }
    fn end(&self, start: ThreadTime) -> Duration {
        start.elapsed()
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, like wall time.
        WallTime.formatter()
    }
}

struct Fixture {
    password: Password,
    challenge_params: (String, String),
    device_params: (String, String),
    device: DeviceRegistration,
}

fn fixture(rng: &mut StdRng) -> Fixture {
    let password = Password::new("Correct-Horse-Battery-1");
    let id = Identity::user(POOL_ID, USER).unwrap();
    let server = ServerSession::generate(
        Verifier::generate(&id, &password, rng),
        PrivateSize::Bits256,
        rng,
    )
    .unwrap();
    let device = DeviceRegistration::generate(
        "-wt2ha1Zd",
        "us-east-1_a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        rng,
    );
    let device_server =
        ServerSession::generate(device.verifier().clone(), PrivateSize::Bits256, rng).unwrap();
    Fixture {
        password,
        challenge_params: (server.salt_hex(), server.public_hex()),
        device_params: (device_server.salt_hex(), device_server.public_hex()),
        device,
    }
}

fn verify(eph: &Ephemeral, f: &Fixture) -> String {
    let id = Identity::user(POOL_ID, USER).unwrap();
    let (salt, b) = &f.challenge_params;
    let challenge = ServerChallenge::parse(salt, b, SECRET_BLOCK).unwrap();
    eph.respond(&id, &f.password, &challenge, NOW)
        .unwrap()
        .signature
}

/// The service's replies to a `USER_SRP_AUTH` sign-in: the challenge, then the tokens.
fn machine_replies(f: &Fixture) -> [Vec<u8>; 2] {
    let (salt, srp_b) = &f.challenge_params;
    let challenge = serde_json::json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {"SALT": salt, "SRP_B": srp_b, "SECRET_BLOCK": SECRET_BLOCK,
                                "USER_ID_FOR_SRP": USER, "USERNAME": USER}
    });
    let tokens = serde_json::json!({"AuthenticationResult": {
        "AccessToken": "eyJhbGciOiJub25lIn0.eyJ1c2VybmFtZSI6ImphbmUifQ.c2ln",
        "IdToken": "eyJhbGciOiJub25lIn0.eyJ1c2VybmFtZSI6ImphbmUifQ.c2ln",
        "RefreshToken": "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.refresh",
        "ExpiresIn": 3600, "TokenType": "Bearer"}});
    [
        challenge.to_string().into_bytes(),
        tokens.to_string().into_bytes(),
    ]
}

fn machine_sign_in(
    config: &cognito_signin::Config,
    f: &Fixture,
    replies: &[Vec<u8>; 2],
    rng: &mut StdRng,
) -> usize {
    use cognito_signin::{Response, SignIn, Start, Step};
    let start = Start::user_srp("alice@example.com", f.password.clone());
    let (mut m, first) = SignIn::start(config.clone(), start, NOW, rng).unwrap();
    let mut sent = first.body().len();
    for reply in replies {
        match m.handle(Response::new(200, reply), NOW, rng).unwrap() {
            Step::Send(next) => sent += next.body().len(),
            Step::Done(_) => return sent,
            _ => panic!("no question in this sign-in"),
        }
    }
    panic!("the sign-in did not end")
}

/// The plain client: num-bigint's variable-time modpow, same hashing.
mod plain {
    use super::*;

    pub(crate) struct Group {
        n: BigUint,
        g: BigUint,
        k: BigUint,
    }

    pub(crate) fn group() -> Group {
        Group {
            n: BigUint::from_bytes_be(&cognito_signin::srp::modulus()),
            g: BigUint::from(2u8),
            k: BigUint::from_bytes_be(&cognito_signin::srp::MULTIPLIER),
        }
    }

    pub(crate) fn sign_in(grp: &Group, a: &[u8], f: &Fixture) -> Vec<u8> {
        let a = BigUint::from_bytes_be(a);
        let big_a = grp.g.modpow(&a, &grp.n);
        let (salt_hex, b_hex) = &f.challenge_params;
        let b = BigUint::parse_bytes(b_hex.as_bytes(), 16).unwrap();
        let u = compute_u(&pad_hex(&big_a.to_bytes_be()), &pad_hex(&b.to_bytes_be()));
        let salt = BigUint::parse_bytes(salt_hex.as_bytes(), 16).unwrap();
        let id = Identity::user(POOL_ID, USER).unwrap();
        let x = compute_x(&id, &f.password, &pad_hex(&salt.to_bytes_be()));
        let x = BigUint::from_bytes_be(x.expose_secret());
        let u = BigUint::from_bytes_be(&u);
        let gx = grp.g.modpow(&x, &grp.n);
        let base = (&b + &grp.n * &grp.k - (&grp.k * gx) % &grp.n) % &grp.n;
        let s = base.modpow(&(a + u * x), &grp.n);
        pad_hex(&s.to_bytes_be())
    }
}

fn benches(c: &mut Criterion<CpuTime>) {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let f = fixture(&mut rng);
    let sizes = [
        ("a256", PrivateSize::Bits256),
        ("a1024", PrivateSize::Bits1024),
    ];

    let mut g = c.benchmark_group("srp/start");
    for (name, size) in sizes {
        g.bench_function(name, |b| {
            b.iter(|| black_box(Ephemeral::generate(size, &mut rng).unwrap().public_hex()))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("srp/password_verifier");
    for (name, size) in sizes {
        g.bench_function(name, |b| {
            b.iter_batched(
                || Ephemeral::generate(size, &mut StdRng::seed_from_u64(1)).unwrap(),
                |eph| black_box(verify(&eph, &f)),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("srp/device_password_verifier");
    g.bench_function("a256", |b| {
        let id = Identity::device(
            "-wt2ha1Zd",
            "us-east-1_a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        );
        let (salt, srp_b) = &f.device_params;
        b.iter_batched(
            || Ephemeral::generate(PrivateSize::Bits256, &mut StdRng::seed_from_u64(2)).unwrap(),
            |eph| {
                let ch = ServerChallenge::parse(salt, srp_b, SECRET_BLOCK).unwrap();
                black_box(
                    eph.respond(&id, f.device.device_password(), &ch, NOW)
                        .unwrap(),
                )
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("srp/confirm_device");
    g.bench_function("generate", |b| {
        b.iter(|| {
            black_box(
                DeviceRegistration::generate(
                    "-wt2ha1Zd",
                    "us-east-1_a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
                    &mut rng,
                )
                .password_verifier(),
            )
        })
    });
    g.finish();

    let mut g = c.benchmark_group("secret_hash");
    let secret = ClientSecret::new("1example23456789abcdefghijklmnopqrstuvwxyz0123456789ab");
    g.bench_function("alias", |b| {
        b.iter(|| {
            black_box(secret_hash(
                &secret,
                black_box("alice@example.com"),
                "1example23456789",
            ))
        })
    });
    g.finish();

    // The kernel: one Montgomery multiplication and one squaring of random values.
    let mut g = c.benchmark_group("field");
    let mut bytes = [0u8; 384];
    rng.fill_bytes(&mut bytes);
    let x = arith::Element::from_be_bytes(&bytes).unwrap();
    rng.fill_bytes(&mut bytes);
    let y = arith::Element::from_be_bytes(&bytes).unwrap();
    g.bench_function("mul", |b| {
        b.iter(|| black_box(black_box(&x).mul(black_box(&y))))
    });
    g.bench_function("sqr", |b| b.iter(|| black_box(black_box(&x).square())));
    g.finish();

    let mut g = c.benchmark_group("srp/sign_in");
    g.sample_size(30);
    for (name, size) in sizes {
        g.bench_function(name, |b| {
            b.iter(|| {
                let eph = Ephemeral::generate(size, &mut rng).unwrap();
                black_box(eph.public_hex());
                black_box(verify(&eph, &f))
            })
        });
    }
    // With the caller's table of powers of g: what builds without `std` (WASM, firmware)
    // get; with `std` the same work as the shared table's.
    for (name, size) in sizes {
        let table: &'static PowersOfG = Box::leak(Box::new(PowersOfG::new(size)));
        g.bench_function(format!("table-{name}"), |b| {
            b.iter(|| {
                let eph = Ephemeral::generate_with(size, &mut rng, table).unwrap();
                black_box(eph.public_hex());
                black_box(verify(&eph, &f))
            })
        });
    }
    // The whole machine: start, the PASSWORD_VERIFIER reply, the tokens, with the JSON of
    // every request and reply (the SRP work of `srp/sign_in` plus the machine's own).
    let replies = machine_replies(&f);
    let config = cognito_signin::Config::new(POOL_ID, "1example23456789").unwrap();
    g.bench_function("machine-a256", |b| {
        b.iter(|| black_box(machine_sign_in(&config, &f, &replies, &mut rng)))
    });
    let grp = plain::group();
    for (name, size) in sizes {
        g.bench_function(format!("num-bigint-{name}"), |b| {
            b.iter(|| {
                let mut a = vec![0u8; size.bytes()];
                rng.fill_bytes(&mut a);
                black_box(plain::sign_in(&grp, &a, &f))
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = srp;
    config = Criterion::default().with_measurement(CpuTime);
    targets = benches
}
criterion_main!(srp);
