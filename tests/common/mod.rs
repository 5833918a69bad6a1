//! Test helpers shared by every test file: a replaying random source, the vectors, JSON
//! request checks, and one conversation driver ([`drive`]).
//!
//! Where a new case goes:
//!
//! | the case | file |
//! |---|---|
//! | a published vector (SRP, `SECRET_HASH`, `TIMESTAMP`, device verifier) | `vectors.rs` (the data in `tests/vectors/`) |
//! | a property of the SRP arithmetic or encodings, for any input | `srp_properties.rs` |
//! | one conversation with the exact requests expected (a §13 sequence) | `conversations.rs` |
//! | a reply or call that must be refused, with its typed error | `bad_input.rs` |
//! | remembered devices, device registration, tokens kept through the device step | `devices.rs` |
//! | the JSON form: a value as JSON, a conversation through JSON alone | `json_form.rs` |
//! | whole sign-ins against the in-memory reference pool | `reference_pool.rs` |
//! | a property over random pools, users and behaviours | `pool_model.rs` |
//! | random replies and answers: no panic, typed errors, determinism | `arbitrary_replies.rs` |
//! | a secret kept out of `Debug` / `Display` | `secrets.rs` (wiping: `fuzz/zeroize-probe`) |
//! | a sign-in against ministack or moto over HTTP | `third_party_servers.rs` |
//! | an input the fuzzers found | `fuzz/regressions/<target>/` (replayed by `fuzz_corpus.rs`) |
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use std::path::PathBuf;

use cognito_signin::{
    Answer, Config, Error, Operation, Prompt, Reply, Request, Response, SignIn, SignedIn, Start,
    Step, UnixTime,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

/// Replays the given bytes, then continues with a seeded generator: vectors fix `a` (and
/// device registration bytes), everything after is still deterministic.
pub struct ReplayRng {
    bytes: Vec<u8>,
    pos: usize,
    rest: StdRng,
}

impl ReplayRng {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            pos: 0,
            rest: StdRng::seed_from_u64(7),
        }
    }

    pub fn seeded(seed: u64) -> Self {
        Self {
            bytes: Vec::new(),
            pos: 0,
            rest: StdRng::seed_from_u64(seed),
        }
    }

    pub fn exhausted(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

impl rand_core::TryRng for ReplayRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if self.pos < self.bytes.len() {
            let end = self.pos + dst.len();
            assert!(
                end <= self.bytes.len(),
                "a replayed draw must not straddle the end"
            );
            dst.copy_from_slice(&self.bytes[self.pos..end]);
            self.pos = end;
        } else {
            rand_core::Rng::fill_bytes(&mut self.rest, dst);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for ReplayRng {}

/// The vector files: `tests/vectors` in the repository, or the directory named by
/// `COGNITO_VECTORS_DIR` (same file names and schema).
pub fn vectors_dir() -> PathBuf {
    std::env::var_os("COGNITO_VECTORS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"),
        PathBuf::from,
    )
}

/// A case of a vector file by id.
pub fn vector(file: &str, id: &str) -> Value {
    let text = std::fs::read_to_string(vectors_dir().join(file)).expect("vector file");
    let all: Vec<Value> = serde_json::from_str(&text).expect("vector JSON");
    all.into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {file}"))
}

pub fn unhex(text: &str) -> Vec<u8> {
    let text = if text.len() % 2 == 1 {
        format!("0{text}")
    } else {
        text.to_string()
    };
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// `a` from a vector as the 128 bytes a 1024-bit draw returns.
pub fn a_bytes(case: &Value) -> Vec<u8> {
    let a = unhex(case["a_hex"].as_str().unwrap());
    assert!(a.len() <= 128);
    let mut out = vec![0u8; 128 - a.len()];
    out.extend(a);
    out
}

pub fn str_of<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field].as_str().unwrap_or_else(|| panic!("{field}"))
}

/// The request's body as JSON, after checking its operation and headers.
pub fn body_of(request: &Request, op: Operation) -> Value {
    assert_eq!(request.operation(), op, "operation");
    assert_eq!(
        request.target(),
        format!("AWSCognitoIdentityProviderService.{}", op.name())
    );
    assert_eq!(request.content_type(), "application/x-amz-json-1.1");
    serde_json::from_slice(request.body()).expect("request body is JSON")
}

/// Checks a request against the exact expected JSON (compared parsed, not as text).
#[track_caller]
pub fn expect(request: &Request, op: Operation, expected: Value) {
    let got = body_of(request, op);
    assert_eq!(got, expected, "\n got: {got:#}\nwant: {expected:#}");
}

#[track_caller]
pub fn send(step: Step) -> Request {
    match step {
        Step::Send(r) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

#[track_caller]
pub fn prompt(step: Step) -> Prompt {
    match step {
        Step::NeedInput(p) => p,
        other => panic!("expected a question, got {other:?}"),
    }
}

#[track_caller]
pub fn done(step: Step) -> SignedIn {
    match step {
        Step::Done(s) => s,
        other => panic!("expected the end, got {other:?}"),
    }
}

/// Feeds a 200 reply with this JSON body.
#[track_caller]
pub fn ok(m: &mut SignIn, json: Value, now: UnixTime, rng: &mut ReplayRng) -> Step {
    let body = serde_json::to_vec(&json).unwrap();
    m.handle(Response::new(200, &body), now, rng)
        .expect("handle")
}

/// Feeds a 400 Cognito error.
pub fn fail(
    m: &mut SignIn,
    kind: &str,
    message: &str,
    now: UnixTime,
    rng: &mut ReplayRng,
) -> Result<Step, Error> {
    let body =
        serde_json::to_vec(&serde_json::json!({"__type": kind, "message": message})).unwrap();
    m.handle(Response::new(400, &body), now, rng)
}

/// A JWT-shaped token whose payload holds `claims` (not signed: the machine only reads the
/// username from it).
pub fn jwt(claims: Value) -> String {
    use base64::Engine;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        e.encode(br#"{"alg":"RS256","kid":"test"}"#),
        e.encode(serde_json::to_vec(&claims).unwrap()),
        e.encode(b"signature")
    )
}

/// A reply with tokens for `username`.
pub fn tokens_reply(username: &str) -> Value {
    serde_json::json!({
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "AccessToken": jwt(serde_json::json!({"username": username, "token_use": "access"})),
            "IdToken": jwt(serde_json::json!({"cognito:username": username, "token_use": "id"})),
            "RefreshToken": "refresh-token-1",
            "ExpiresIn": 3600,
            "TokenType": "Bearer"
        }
    })
}

/// The other side of a test conversation: carries each request, keeps the clock and the
/// machine's random source.
pub trait Peer {
    type Rng: rand_core::CryptoRng;

    /// The clock the machine is given.
    fn now(&self) -> UnixTime;

    /// The machine's random source.
    fn rng(&mut self) -> &mut Self::Rng;

    /// Carries a request; the reply.
    fn post(&mut self, request: &Request) -> Reply;
}

/// Runs a sign-in to the end: `peer` carries each request, `answer` answers each question.
pub fn drive<P: Peer>(
    peer: &mut P,
    config: &Config,
    start: Start,
    mut answer: impl FnMut(&mut P, &Prompt) -> Answer,
) -> Result<SignedIn, Error> {
    let now = peer.now();
    let (mut machine, request) = SignIn::start(config, start, now, peer.rng())?;
    let mut step = Step::Send(request);
    for _ in 0..64 {
        step = match step {
            Step::Send(request) => {
                let reply = peer.post(&request);
                let now = peer.now();
                machine.handle(reply.as_response(), now, peer.rng())?
            }
            Step::NeedInput(prompt) => {
                let answer = answer(peer, &prompt);
                let now = peer.now();
                machine.answer(answer, now, peer.rng())?
            }
            Step::Done(signed_in) => return Ok(signed_in),
        };
    }
    panic!("no end after 64 steps");
}

/// A reply of the reference pool as the machine takes it.
#[cfg(feature = "server")]
pub fn pool_reply(reply: cognito_signin::server::ServerReply) -> Reply {
    let mut out = Reply::new(
        reply.status,
        String::from_utf8(reply.body).expect("UTF-8 JSON"),
    );
    out.error_type = reply.error_type;
    out
}
