//! Test helpers: a replaying random source, vector loading, JSON request checks.
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

use cognito_signin::{Operation, Request, Response, SignIn, Step, UnixTime};
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
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
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
pub fn prompt(step: Step) -> cognito_signin::Prompt {
    match step {
        Step::NeedInput(p) => p,
        other => panic!("expected a question, got {other:?}"),
    }
}

#[track_caller]
pub fn done(step: Step) -> cognito_signin::SignedIn {
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
) -> Result<Step, cognito_signin::Error> {
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
