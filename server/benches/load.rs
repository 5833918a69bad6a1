//! Load: N concurrent clients, each doing full USER_SRP_AUTH sign-ins over HTTP against the
//! server binary for a fixed count. Every sign-in must succeed. Prints sign-ins per second,
//! p50/p99 latency, the server's CPU time per sign-in, and how close the server comes to its
//! modelled limit: cores ÷ the pool's own cost of a sign-in (its SRP exponentiations, two
//! RS256 signatures and its logic), or one ÷ the part it does under its lock if that is
//! less, both measured in process in the same run.
//!
//! `cargo bench -p cognito-signin-server --bench load`; `LOAD_CLIENTS` (64) and
//! `LOAD_SIGN_INS` (sign-ins per client, 8) change the load.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cognito_signin::server::TokenSigner;
use cognito_signin::server::{AppClient, NewUser, PoolConfig, UserPool};
use cognito_signin::srp::{PrivateSize, ServerEphemeral};
use cognito_signin::{Config, Password, Response, SignIn, Start, Step, UnixTime};
use cognito_signin_server::SigningKeyPair;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_LoadTest01";
const CLIENT: &str = "loadclient1";
const PASSWORD: &str = "Correct-Horse-1";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now() -> UnixTime {
    UnixTime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
}

/// The server process's CPU time (user + system), from `/proc`.
fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the
    // 13th; both in clock ticks of 1/100 s on Linux.
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// One sign-in over HTTP with `agent`.
fn sign_in(agent: &ureq::Agent, url: &str, config: &Config, username: &str) {
    let mut rng = rand::rng();
    let start = Start::user_srp(username, Password::new(PASSWORD));
    let (mut flow, mut request) = SignIn::start(config, start, now(), &mut rng).unwrap();
    loop {
        let mut reply = agent
            .post(url)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", request.target())
            .send(request.body())
            .unwrap();
        let status = reply.status().as_u16();
        let body = reply.body_mut().read_to_vec().unwrap();
        match flow.handle(Response::new(status, &body), now(), &mut rng) {
            Ok(Step::Send(next)) => request = next,
            Ok(Step::Done(done)) => {
                assert_eq!(done.username, username);
                return;
            }
            other => panic!("sign-in of {username} failed: {other:?}"),
        }
    }
}

/// The pool's own cost of one sign-in, in process, single-threaded, as medians: the time the
/// server holds its lock (`UserPool::handle` and `complete_srp_work`), and the
/// exponentiations it does outside it (`g^b` ahead, `S` between the requests).
fn pool_cost(rounds: usize, key: Option<&SigningKeyPair>) -> (Duration, Duration) {
    let mut rng = rand::rng();
    let mut pool = UserPool::new(POOL, PoolConfig::default(), &mut rng).unwrap();
    if let Some(key) = key {
        pool.set_token_signer(key.signer());
    }
    pool.defer_srp_work();
    pool.add_client(AppClient::new(CLIENT));
    pool.add_user(NewUser::new("u", Password::new(PASSWORD)), &mut rng)
        .unwrap();
    let config = Config::new(POOL, CLIENT).unwrap();
    let (mut locked, mut outside): (Vec<Duration>, Vec<Duration>) = (0..rounds)
        .map(|_| {
            let start = Start::user_srp("u", Password::new(PASSWORD));
            let (mut flow, mut request) = SignIn::start(&config, start, now(), &mut rng).unwrap();
            let (mut in_lock, mut out) = (Duration::ZERO, Duration::ZERO);
            let t = Instant::now();
            pool.add_ephemeral(ServerEphemeral::generate(PrivateSize::Bits256, &mut rng).unwrap());
            out += t.elapsed();
            loop {
                let t = Instant::now();
                let reply = pool.handle(request.target(), request.body(), now(), &mut rng);
                let work = pool.take_srp_work();
                in_lock += t.elapsed();
                for w in work {
                    let t = Instant::now();
                    let done = w.run();
                    out += t.elapsed();
                    let t = Instant::now();
                    pool.complete_srp_work(done);
                    in_lock += t.elapsed();
                }
                match flow.handle(Response::new(reply.status, &reply.body), now(), &mut rng) {
                    Ok(Step::Send(next)) => request = next,
                    Ok(Step::Done(_)) => return (in_lock, out),
                    other => panic!("{other:?}"),
                }
            }
        })
        .unzip();
    locked.sort();
    outside.sort();
    (locked[locked.len() / 2], outside[outside.len() / 2])
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes `--bench`; a test run (`cargo test --benches`) passes nothing
    // that asks for the full load, so it runs a small one.
    let full = std::env::args().any(|a| a == "--bench");
    let clients = env_or("LOAD_CLIENTS", if full { 64 } else { 4 });
    let per_client = env_or("LOAD_SIGN_INS", if full { 8 } else { 1 });
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);

    let users: Vec<Value> = (0..clients)
        .map(|i| json!({"Username": format!("user{i}"), "Password": PASSWORD}))
        .collect();
    let config = json!({"UserPools": [{
        "Id": POOL, "PoolName": "load",
        "Clients": [{"ClientId": CLIENT, "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
        "Users": users,
    }]});
    let dir =
        std::env::temp_dir().join(format!("cognito-signin-server-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-signin-server"))
        .args(["--port", "0", "--config", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = lines.next().unwrap().unwrap().trim().parse().unwrap();
    let _ready = lines.next().unwrap().unwrap();
    let url = format!("http://127.0.0.1:{port}/");

    let cpu_before = process_cpu(child.id());
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .proxy(None)
                    .timeout_global(Some(Duration::from_secs(120)))
                    .build()
                    .new_agent();
                let config = Config::new(POOL, CLIENT).unwrap();
                let username = format!("user{i}");
                (0..per_client)
                    .map(|_| {
                        let t = Instant::now();
                        sign_in(&agent, &url, &config, &username);
                        t.elapsed()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("every sign-in succeeds"))
        .collect();
    let wall = started.elapsed();
    let server_cpu = process_cpu(child.id()).saturating_sub(cpu_before);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    latencies.sort();
    let total = latencies.len();
    assert_eq!(total, clients * per_client);
    let rate = total as f64 / wall.as_secs_f64();
    let rounds = if full { 40 } else { 3 };
    let key = SigningKeyPair::generate().unwrap();
    let (locked, outside) = pool_cost(rounds, Some(&key));
    let cost = locked + outside;
    let mut signs: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            let _ = key.sign(b"header.payload");
            t.elapsed()
        })
        .collect();
    signs.sort();
    let sign = signs[signs.len() / 2];
    // All of it spread over the CPUs, but the locked part one request at a time.
    let limit = (cpus as f64 / cost.as_secs_f64()).min(1.0 / locked.as_secs_f64());
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "load: {clients} clients x {per_client} USER_SRP_AUTH sign-ins over HTTP, {cpus} CPUs"
    );
    println!(
        "  sign-ins:          {total} in {:.2} s, all succeeded",
        wall.as_secs_f64()
    );
    println!("  throughput:        {rate:.1} sign-ins/s");
    println!(
        "  latency:           p50 {:.1} ms, p99 {:.1} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99))
    );
    println!(
        "  server CPU:        {:.2} ms per sign-in",
        ms(server_cpu) / total as f64
    );
    println!(
        "  pool cost:         {:.2} ms per sign-in (in process, medians):",
        ms(cost)
    );
    println!(
        "    outside the lock: {:.2} ms (the SRP exponentiations: g^b, then S = (A·v^u)^b)",
        ms(outside)
    );
    println!(
        "    in the lock:      {:.2} ms (the pool's logic, two RS256 signatures of {:.2} ms)",
        ms(locked),
        ms(sign)
    );
    println!(
        "  modelled limit:    {limit:.1} sign-ins/s (the less of {cpus} CPUs / pool cost and 1 / in the lock); achieved {:.0}%",
        100.0 * rate / limit
    );
}
