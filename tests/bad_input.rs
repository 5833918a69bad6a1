//! The bad-input catalogue: one class of hostile or broken input per case, each with the
//! exact typed error it must get and, for replies, the check that the sign-in is then over
//! (every further call is `Misuse::AlreadyFailed`).
//!
//! `u = 0` has no case: `u = SHA-256(padHex(A) ‖ padHex(B))`, so a zero `u` needs a SHA-256
//! preimage of zero; the check exists on both sides (`ProtocolError::IllegalValue("u")`) but
//! no input can reach it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

mod common;

use std::collections::BTreeMap;

use cognito_signin::srp::{
    self, Ephemeral, Identity, MAX_HEX_DIGITS, MAX_SECRET_BLOCK_CHARS, PrivateSize,
    ServerChallenge, ServerSession, Verifier,
};
use cognito_signin::{
    Answer, Config, Error, ErrorKind, MAX_CHALLENGE_PARAMETERS, MAX_NAME_CHARS,
    MAX_PARAMETER_CHARS, MAX_REPLY_BYTES, MAX_SESSION_CHARS, MAX_TOKEN_CHARS, MfaType, Misuse,
    Operation, Password, ProtocolError, Response, SignIn, Start, Step, UnixTime,
};
use common::{ReplayRng, jwt, tokens_reply};
use num_bigint::BigUint;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_AbCdEf123";
const CLIENT: &str = "1example23456789abcdefghij";
const NOW: UnixTime = UnixTime(1_800_000_000);
const PASSWORD: &str = "Correct-Horse-Battery-1";
const USER_ID: &str = "7d4e-internal";
const SESSION: &str = "AYABeSession-0123456789";
const SALT: &str = "776d719f5f7d94711de9c2f43e965eee";
const SECRET_BLOCK: &str = "2skULG4WTleld1yxxnjkpuo=";

fn n() -> BigUint {
    BigUint::from_bytes_be(&srp::modulus())
}

fn hex(v: &BigUint) -> String {
    v.to_str_radix(16)
}

/// A valid `SRP_B` (g^5 mod N).
fn good_b() -> String {
    hex(&BigUint::from(2u8).modpow(&BigUint::from(5u8), &n()))
}

/// `k·v mod N` for the user, `PASSWORD` and `SALT`: the `B` that makes the shared secret 0.
fn k_times_v() -> BigUint {
    let id = Identity::user(POOL, USER_ID).unwrap();
    let v = Verifier::with_salt_hex(&id, &Password::new(PASSWORD), SALT).unwrap();
    let v = BigUint::from_bytes_be(v.verifier_padded());
    BigUint::from_bytes_be(&srp::MULTIPLIER) * v % n()
}

/// Where the machine stands when the bad reply comes.
#[derive(Clone, Copy, Debug)]
enum At {
    /// `USER_SRP_AUTH` sent: waiting for `PASSWORD_VERIFIER` (or anything else).
    Srp,
    /// `USER_PASSWORD_AUTH` sent.
    Plain,
    /// `GetTokensFromRefreshToken` sent.
    Refresh,
    /// `REFRESH_TOKEN_AUTH` sent.
    RefreshToken,
    /// `MFA_SETUP` answered with TOTP: waiting for `AssociateSoftwareToken`.
    Associate,
    /// `PASSWORD_VERIFIER` answered: waiting for the next challenge or the tokens.
    AfterVerifier,
}

fn config() -> Config {
    Config::new(POOL, CLIENT).unwrap()
}

fn ok_reply(m: &mut SignIn, body: &Value, rng: &mut ReplayRng) -> Step {
    let bytes = serde_json::to_vec(body).unwrap();
    m.handle(Response::new(200, &bytes), NOW, rng).unwrap()
}

fn pv_params(b: &str) -> Value {
    json!({"SALT": SALT, "SRP_B": b, "SECRET_BLOCK": SECRET_BLOCK,
           "USER_ID_FOR_SRP": USER_ID, "USERNAME": USER_ID})
}

fn machine(at: At, rng: &mut ReplayRng) -> SignIn {
    let start = match at {
        At::Srp | At::AfterVerifier => Start::user_srp("jane", Password::new(PASSWORD)),
        At::Plain | At::Associate => Start::user_password("jane", Password::new(PASSWORD)),
        At::Refresh => Start::refresh_rotating("refresh-token"),
        At::RefreshToken => Start::refresh("refresh-token", None),
    };
    let (mut m, _) = SignIn::start(config(), start, NOW, rng).unwrap();
    match at {
        At::Associate => {
            let step = ok_reply(
                &mut m,
                &json!({"ChallengeName": "MFA_SETUP", "Session": SESSION,
                        "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}}),
                rng,
            );
            assert!(matches!(step, Step::NeedInput(_)));
            let step = m.answer(Answer::SetUpTotp, NOW, rng).unwrap();
            assert!(matches!(step, Step::Send(_)));
        }
        At::AfterVerifier => {
            let step = ok_reply(
                &mut m,
                &json!({"ChallengeName": "PASSWORD_VERIFIER",
                        "ChallengeParameters": pv_params(&good_b())}),
                rng,
            );
            assert!(matches!(step, Step::Send(_)));
        }
        _ => {}
    }
    m
}

/// After an error, the sign-in is over.
#[track_caller]
fn assert_terminal(m: &mut SignIn, rng: &mut ReplayRng, what: &str) {
    assert!(m.is_finished(), "{what}: finished");
    let tokens = serde_json::to_vec(&tokens_reply(USER_ID)).unwrap();
    assert_eq!(
        m.handle(Response::new(200, &tokens), NOW, rng).unwrap_err(),
        Error::Misuse(Misuse::AlreadyFailed),
        "{what}: a reply after the error"
    );
    assert_eq!(
        m.answer(Answer::Code("123456".into()), NOW, rng)
            .unwrap_err(),
        Error::Misuse(Misuse::AlreadyFailed),
        "{what}: an answer after the error"
    );
}

/// One class of bad reply.
struct Case {
    what: &'static str,
    at: At,
    status: u16,
    error_type: Option<&'static str>,
    body: Vec<u8>,
    expect: Error,
}

fn case(what: &'static str, at: At, body: impl Into<Vec<u8>>, expect: ProtocolError) -> Case {
    Case {
        what,
        at,
        status: 200,
        error_type: None,
        body: body.into(),
        expect: Error::Protocol(expect),
    }
}

fn json_case(what: &'static str, at: At, body: &Value, expect: ProtocolError) -> Case {
    case(what, at, serde_json::to_vec(body).unwrap(), expect)
}

fn pv_case(what: &'static str, params: Value, expect: ProtocolError) -> Case {
    json_case(
        what,
        At::Srp,
        &json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params}),
        expect,
    )
}

fn with_param(key: &str, value: &str) -> Value {
    let mut p = pv_params(&good_b());
    p[key] = json!(value);
    p
}

fn without_param(key: &str) -> Value {
    let mut p = pv_params(&good_b());
    p.as_object_mut().unwrap().remove(key);
    p
}

fn challenge(name: &str, params: &Value) -> Value {
    json!({"ChallengeName": name, "Session": SESSION, "ChallengeParameters": params})
}

fn tokens_with(result: &Value) -> Value {
    json!({"AuthenticationResult": result})
}

fn access() -> String {
    jwt(json!({"username": USER_ID}))
}

fn service(kind: ErrorKind, status: u16) -> Error {
    Error::Service(cognito_signin::ServiceError::new(kind, "", status))
}

#[allow(clippy::too_many_lines)]
fn catalogue() -> Vec<Case> {
    use ProtocolError::*;
    let b = good_b();
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let many: serde_json::Map<String, Value> = (0..=MAX_CHALLENGE_PARAMETERS)
        .map(|i| (format!("P{i}"), json!("x")))
        .collect();
    let long_name = "N".repeat(MAX_NAME_CHARS + 1);
    vec![
        // Malformed JSON.
        case("not JSON", At::Plain, "not json", BadJson("InitiateAuth")),
        case("empty body", At::Plain, "", BadJson("InitiateAuth")),
        case(
            "truncated JSON",
            At::Plain,
            r#"{"ChallengeName":"SMS_MFA""#,
            BadJson("InitiateAuth"),
        ),
        case(
            "trailing garbage",
            At::Plain,
            r#"{"ChallengeName":"SMS_MFA"} x"#,
            BadJson("InitiateAuth"),
        ),
        case("a JSON array", At::Plain, "[]", BadJson("InitiateAuth")),
        case("JSON null", At::Plain, "null", BadJson("InitiateAuth")),
        case(
            "invalid UTF-8",
            At::Plain,
            &b"{\"ChallengeName\":\"SMS_\xff\"}"[..],
            BadJson("InitiateAuth"),
        ),
        case(
            "a lone surrogate escape",
            At::Plain,
            r#"{"ChallengeName":"\ud800"}"#,
            BadJson("InitiateAuth"),
        ),
        case(
            "arrays nested 200 deep where a string belongs",
            At::Plain,
            format!(r#"{{"ChallengeName":"SMS_MFA","ChallengeParameters":{{"a":{deep}}}}}"#),
            BadJson("InitiateAuth"),
        ),
        case(
            "a top-level array (serde would read a struct from it by position)",
            At::Plain,
            r#"["SMS_MFA"]"#,
            BadJson("InitiateAuth"),
        ),
        json_case(
            "AuthenticationResult an array",
            At::Plain,
            &json!({"AuthenticationResult": [access()]}),
            BadJson("InitiateAuth"),
        ),
        // Wrong types.
        case(
            "ChallengeName a number",
            At::Plain,
            r#"{"ChallengeName":5}"#,
            BadJson("InitiateAuth"),
        ),
        case(
            "ChallengeParameters an array",
            At::Plain,
            r#"{"ChallengeName":"SMS_MFA","ChallengeParameters":["a"]}"#,
            BadJson("InitiateAuth"),
        ),
        case(
            "a parameter value a number",
            At::Srp,
            r#"{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParameters":{"SALT":5}}"#,
            BadJson("InitiateAuth"),
        ),
        json_case(
            "ExpiresIn a string",
            At::Plain,
            &tokens_with(&json!({"AccessToken": access(), "ExpiresIn": "3600"})),
            BadJson("InitiateAuth"),
        ),
        json_case(
            "AccessToken a number",
            At::Plain,
            &tokens_with(&json!({"AccessToken": 7})),
            BadJson("InitiateAuth"),
        ),
        json_case(
            "ExpiresIn beyond i64",
            At::Plain,
            &tokens_with(&json!({"AccessToken": access(), "ExpiresIn": u64::MAX})),
            BadJson("InitiateAuth"),
        ),
        // Duplicate keys.
        case(
            "a duplicate top-level key",
            At::Plain,
            r#"{"ChallengeName":"SMS_MFA","ChallengeName":"EMAIL_OTP"}"#,
            BadJson("InitiateAuth"),
        ),
        case(
            "a duplicate challenge parameter",
            At::Srp,
            format!(
                r#"{{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParameters":{{"SALT":"{SALT}","SALT":"00"}}}}"#
            ),
            BadJson("InitiateAuth"),
        ),
        // Missing and empty values.
        json_case(
            "a success without tokens or challenge",
            At::Plain,
            &json!({}),
            UnexpectedReply("neither AuthenticationResult nor ChallengeName"),
        ),
        json_case(
            "tokens without AccessToken",
            At::Plain,
            &tokens_with(&json!({"IdToken": access()})),
            MissingField("AccessToken"),
        ),
        json_case(
            "an empty AccessToken",
            At::Plain,
            &tokens_with(&json!({"AccessToken": ""})),
            EmptyField("AccessToken"),
        ),
        pv_case("SALT missing", without_param("SALT"), MissingField("SALT")),
        pv_case("SRP_B missing", without_param("SRP_B"), MissingField("SRP_B")),
        pv_case(
            "SECRET_BLOCK missing",
            without_param("SECRET_BLOCK"),
            MissingField("SECRET_BLOCK"),
        ),
        pv_case(
            "USER_ID_FOR_SRP and USERNAME missing",
            {
                let mut p = without_param("USER_ID_FOR_SRP");
                p.as_object_mut().unwrap().remove("USERNAME");
                p
            },
            MissingField("USER_ID_FOR_SRP"),
        ),
        pv_case("SALT empty", with_param("SALT", ""), EmptyField("SALT")),
        pv_case("SRP_B empty", with_param("SRP_B", ""), EmptyField("SRP_B")),
        pv_case(
            "SECRET_BLOCK empty",
            with_param("SECRET_BLOCK", ""),
            EmptyField("SECRET_BLOCK"),
        ),
        pv_case(
            "USER_ID_FOR_SRP empty",
            with_param("USER_ID_FOR_SRP", ""),
            EmptyField("USER_ID_FOR_SRP"),
        ),
        json_case(
            "an unknown challenge",
            At::Plain,
            &challenge("SOMETHING_NEW", &json!({})),
            UnknownChallenge("SOMETHING_NEW".into()),
        ),
        json_case(
            "DEVICE_SRP_AUTH without a remembered device",
            At::Plain,
            &challenge("DEVICE_SRP_AUTH", &json!({})),
            UnexpectedChallenge("DEVICE_SRP_AUTH"),
        ),
        json_case(
            "ADMIN_NO_SRP_AUTH as a challenge",
            At::Plain,
            &challenge("ADMIN_NO_SRP_AUTH", &json!({})),
            UnexpectedChallenge("ADMIN_NO_SRP_AUTH"),
        ),
        json_case(
            "PASSWORD_VERIFIER when no SRP was started",
            At::Plain,
            &challenge("PASSWORD_VERIFIER", &json!({"USER_ID_FOR_SRP": "x"})),
            UnexpectedChallenge("PASSWORD_VERIFIER"),
        ),
        json_case(
            "MFAS_CAN_SETUP as a Python list",
            At::Plain,
            &challenge("MFA_SETUP", &json!({"MFAS_CAN_SETUP": "['SOFTWARE_TOKEN_MFA']"})),
            BadEncoding("MFAS_CAN_SETUP"),
        ),
        json_case(
            "WEB_AUTHN without CREDENTIAL_REQUEST_OPTIONS",
            At::Plain,
            &challenge("WEB_AUTHN", &json!({})),
            MissingField("CREDENTIAL_REQUEST_OPTIONS"),
        ),
        json_case(
            "AssociateSoftwareToken without SecretCode",
            At::Associate,
            &json!({"Session": SESSION}),
            BadJson("AssociateSoftwareToken"),
        ),
        json_case(
            "an empty SecretCode",
            At::Associate,
            &json!({"SecretCode": ""}),
            EmptyField("SecretCode"),
        ),
        // Oversized values.
        pv_case(
            "SALT longer than MAX_HEX_DIGITS",
            with_param("SALT", &"1".repeat(MAX_HEX_DIGITS + 1)),
            FieldTooLong("SALT"),
        ),
        pv_case(
            "SRP_B longer than MAX_HEX_DIGITS",
            with_param("SRP_B", &"1".repeat(MAX_HEX_DIGITS + 1)),
            FieldTooLong("SRP_B"),
        ),
        pv_case(
            "a parameter value longer than MAX_PARAMETER_CHARS",
            with_param("SECRET_BLOCK", &"A".repeat(MAX_PARAMETER_CHARS + 4)),
            FieldTooLong("ChallengeParameters"),
        ),
        json_case(
            "more than MAX_CHALLENGE_PARAMETERS parameters",
            At::Plain,
            &challenge("CUSTOM_CHALLENGE", &Value::Object(many)),
            FieldTooLong("ChallengeParameters"),
        ),
        json_case(
            "a Session longer than MAX_SESSION_CHARS",
            At::Plain,
            &json!({"ChallengeName": "SMS_MFA", "Session": "S".repeat(MAX_SESSION_CHARS + 1)}),
            FieldTooLong("Session"),
        ),
        json_case(
            "a session of megabytes",
            At::Plain,
            &json!({"ChallengeName": "SMS_MFA", "Session": "S".repeat(3 << 20)}),
            FieldTooLong("body"),
        ),
        json_case(
            "a ChallengeName longer than MAX_NAME_CHARS",
            At::Plain,
            &challenge(&long_name, &json!({})),
            FieldTooLong("ChallengeName"),
        ),
        json_case(
            "a USERNAME longer than MAX_NAME_CHARS",
            At::Plain,
            &challenge("SMS_MFA", &json!({"USERNAME": long_name})),
            FieldTooLong("USERNAME"),
        ),
        json_case(
            "more AvailableChallenges than allowed",
            At::Plain,
            &json!({"ChallengeName": "SELECT_CHALLENGE",
                    "AvailableChallenges": vec!["PASSWORD"; MAX_CHALLENGE_PARAMETERS + 1]}),
            FieldTooLong("AvailableChallenges"),
        ),
        json_case(
            "an AccessToken longer than MAX_TOKEN_CHARS",
            At::Plain,
            &tokens_with(&json!({"AccessToken": "t".repeat(MAX_TOKEN_CHARS + 1)})),
            FieldTooLong("AccessToken"),
        ),
        json_case(
            "a RefreshToken longer than MAX_TOKEN_CHARS",
            At::Plain,
            &tokens_with(&json!({"AccessToken": access(),
                                 "RefreshToken": "r".repeat(MAX_TOKEN_CHARS + 1)})),
            FieldTooLong("RefreshToken"),
        ),
        json_case(
            "a SecretCode longer than 512",
            At::Associate,
            &json!({"SecretCode": "A".repeat(513)}),
            FieldTooLong("SecretCode"),
        ),
        json_case(
            "a SecretCode with digits outside base32",
            At::Associate,
            &json!({"SecretCode": "JBSWY3DP0189"}),
            BadEncoding("SecretCode"),
        ),
        json_case(
            "NEW_PASSWORD_REQUIRED in reply to REFRESH_TOKEN_AUTH",
            At::RefreshToken,
            &challenge("NEW_PASSWORD_REQUIRED", &json!({})),
            UnexpectedChallenge("NEW_PASSWORD_REQUIRED"),
        ),
        json_case(
            "SOFTWARE_TOKEN_MFA in reply to REFRESH_TOKEN_AUTH",
            At::RefreshToken,
            &challenge("SOFTWARE_TOKEN_MFA", &json!({})),
            UnexpectedChallenge("SOFTWARE_TOKEN_MFA"),
        ),
        json_case(
            "CUSTOM_CHALLENGE in reply to REFRESH_TOKEN_AUTH",
            At::RefreshToken,
            &challenge("CUSTOM_CHALLENGE", &json!({"q": "?"})),
            UnexpectedChallenge("CUSTOM_CHALLENGE"),
        ),
        json_case(
            "DEVICE_SRP_AUTH in reply to REFRESH_TOKEN_AUTH",
            At::RefreshToken,
            &challenge("DEVICE_SRP_AUTH", &json!({})),
            UnexpectedChallenge("DEVICE_SRP_AUTH"),
        ),
        json_case(
            "an unknown challenge in reply to REFRESH_TOKEN_AUTH",
            At::RefreshToken,
            &challenge("NEW_KIND", &json!({})),
            UnknownChallenge("NEW_KIND".into()),
        ),
        case(
            "a body larger than MAX_REPLY_BYTES",
            At::Plain,
            vec![b' '; MAX_REPLY_BYTES + 1],
            FieldTooLong("body"),
        ),
        // Encodings.
        pv_case("SALT not hex", with_param("SALT", "12g4"), BadHex("SALT")),
        pv_case("SALT \"-\"", with_param("SALT", "-"), BadHex("SALT")),
        pv_case("SALT \"--1\"", with_param("SALT", "--1"), BadHex("SALT")),
        pv_case("SRP_B not hex", with_param("SRP_B", "0x1234"), BadHex("SRP_B")),
        pv_case("SRP_B negative", with_param("SRP_B", "-1234"), BadHex("SRP_B")),
        pv_case(
            "SRP_B with white space",
            with_param("SRP_B", &format!(" {b}")),
            BadHex("SRP_B"),
        ),
        pv_case(
            "SECRET_BLOCK not base64",
            with_param("SECRET_BLOCK", "!!!!"),
            BadBase64("SECRET_BLOCK"),
        ),
        pv_case(
            "SECRET_BLOCK with non-zero trailing bits",
            with_param("SECRET_BLOCK", "AB=="),
            BadBase64("SECRET_BLOCK"),
        ),
        pv_case(
            "SECRET_BLOCK mixing both alphabets",
            with_param("SECRET_BLOCK", "ab+-"),
            BadBase64("SECRET_BLOCK"),
        ),
        json_case(
            "SecretCode not base32",
            At::Associate,
            &json!({"SecretCode": "JBSWY3DP-HPK3PXP"}),
            BadEncoding("SecretCode"),
        ),
        json_case(
            "MFAS_CAN_SETUP not JSON",
            At::Plain,
            &challenge("MFA_SETUP", &json!({"MFAS_CAN_SETUP": "['SOFTWARE_TOKEN_MFA']"})),
            BadEncoding("MFAS_CAN_SETUP"),
        ),
        json_case(
            "MFAS_CAN_CHOOSE a JSON object",
            At::Plain,
            &challenge("SELECT_MFA_TYPE", &json!({"MFAS_CAN_CHOOSE": "{}"})),
            BadEncoding("MFAS_CAN_CHOOSE"),
        ),
        json_case(
            "requiredAttributes not a list",
            At::Plain,
            &challenge("NEW_PASSWORD_REQUIRED", &json!({"requiredAttributes": "name"})),
            BadEncoding("requiredAttributes"),
        ),
        json_case(
            "userAttributes not a map of strings",
            At::Plain,
            &challenge("NEW_PASSWORD_REQUIRED", &json!({"userAttributes": "{\"a\":1}"})),
            BadEncoding("userAttributes"),
        ),
        // SRP values.
        pv_case("B = 0", with_param("SRP_B", "0"), IllegalValue("SRP_B")),
        pv_case(
            "B = 0 with leading zeros",
            with_param("SRP_B", "0000"),
            IllegalValue("SRP_B"),
        ),
        pv_case("B = N", with_param("SRP_B", &hex(&n())), IllegalValue("SRP_B")),
        pv_case(
            "B = 5·N",
            with_param("SRP_B", &hex(&(n() * 5u8))),
            IllegalValue("SRP_B"),
        ),
        pv_case(
            "B = k·v (a zero shared secret)",
            with_param("SRP_B", &hex(&k_times_v())),
            IllegalValue("SRP_B"),
        ),
        pv_case(
            "B = k·v + N",
            with_param("SRP_B", &hex(&(k_times_v() + n()))),
            IllegalValue("SRP_B"),
        ),
        // Challenges that cannot come here.
        json_case(
            "an unknown challenge",
            At::Plain,
            &challenge("NOT_A_CHALLENGE", &json!({})),
            UnknownChallenge("NOT_A_CHALLENGE".into()),
        ),
        json_case(
            "PASSWORD_VERIFIER without SRP",
            At::Plain,
            &challenge("PASSWORD_VERIFIER", &pv_params(&b)),
            UnexpectedChallenge("PASSWORD_VERIFIER"),
        ),
        json_case(
            "a second PASSWORD_VERIFIER (out of order)",
            At::AfterVerifier,
            &challenge("PASSWORD_VERIFIER", &pv_params(&b)),
            UnexpectedChallenge("PASSWORD_VERIFIER"),
        ),
        json_case(
            "DEVICE_SRP_AUTH without a remembered device",
            At::AfterVerifier,
            &challenge("DEVICE_SRP_AUTH", &json!({})),
            UnexpectedChallenge("DEVICE_SRP_AUTH"),
        ),
        json_case(
            "DEVICE_PASSWORD_VERIFIER before DEVICE_SRP_AUTH",
            At::AfterVerifier,
            &challenge("DEVICE_PASSWORD_VERIFIER", &pv_params(&b)),
            UnexpectedChallenge("DEVICE_PASSWORD_VERIFIER"),
        ),
        json_case(
            "ADMIN_NO_SRP_AUTH as a challenge",
            At::Plain,
            &challenge("ADMIN_NO_SRP_AUTH", &json!({})),
            UnexpectedChallenge("ADMIN_NO_SRP_AUTH"),
        ),
        json_case(
            "a challenge in reply to a refresh",
            At::Refresh,
            &challenge("SMS_MFA", &json!({})),
            UnexpectedChallenge("SMS_MFA"),
        ),
        json_case(
            "a refresh answered with neither tokens nor a challenge",
            At::Refresh,
            &json!({"Session": SESSION}),
            UnexpectedReply("refresh without AuthenticationResult"),
        ),
        // Statuses and bodies that disagree.
        Case {
            what: "HTTP 200 with an error body",
            at: At::Plain,
            status: 200,
            error_type: None,
            body: br#"{"__type":"NotAuthorizedException"}"#.to_vec(),
            expect: service(ErrorKind::NotAuthorized, 200),
        },
        Case {
            what: "HTTP 200 with an error body whose type is empty",
            at: At::Plain,
            status: 200,
            error_type: None,
            body: br##"{"__type":"#"}"##.to_vec(),
            expect: Error::Protocol(BadJson("InitiateAuth")),
        },
        Case {
            what: "HTTP 400 with a success body",
            at: At::Plain,
            status: 400,
            error_type: None,
            body: serde_json::to_vec(&tokens_reply(USER_ID)).unwrap(),
            expect: Error::Protocol(UnexpectedStatus(400)),
        },
        Case {
            what: "HTTP 500 with a success body",
            at: At::Plain,
            status: 500,
            error_type: None,
            body: serde_json::to_vec(&tokens_reply(USER_ID)).unwrap(),
            expect: service(ErrorKind::InternalError, 500),
        },
        Case {
            what: "HTTP 302",
            at: At::Plain,
            status: 302,
            error_type: None,
            body: Vec::new(),
            expect: Error::Protocol(UnexpectedStatus(302)),
        },
        Case {
            what: "HTTP status 0",
            at: At::Plain,
            status: 0,
            error_type: None,
            body: b"{}".to_vec(),
            expect: Error::Protocol(UnexpectedStatus(0)),
        },
        Case {
            what: "an error type only in the header, HTML body",
            at: At::Plain,
            status: 400,
            error_type: Some("aws.cognito#UserNotFoundException:http://internal"),
            body: b"<html>".to_vec(),
            expect: service(ErrorKind::UserNotFound, 400),
        },
        Case {
            what: "a namespaced error type",
            at: At::Plain,
            status: 400,
            error_type: None,
            body: br#"{"__type":"com.amazon#UserNotFoundException","message":"User does not exist."}"#
                .to_vec(),
            expect: service(ErrorKind::UserNotFound, 400),
        },
        Case {
            what: "an error named by `code`, with `Message`",
            at: At::Plain,
            status: 400,
            error_type: None,
            body: br#"{"code":"PasswordResetRequiredException","Message":"reset"}"#.to_vec(),
            expect: service(ErrorKind::PasswordResetRequired, 400),
        },
        Case {
            what: "throttled",
            at: At::Plain,
            status: 429,
            error_type: None,
            body: br#"{"__type":"TooManyRequestsException"}"#.to_vec(),
            expect: service(ErrorKind::TooManyRequests, 429),
        },
        Case {
            what: "an exception this crate does not know",
            at: At::Plain,
            status: 400,
            error_type: None,
            body: br#"{"__type":"SomethingNewException"}"#.to_vec(),
            expect: service(ErrorKind::Other("SomethingNewException".into()), 400),
        },
        Case {
            what: "an error type longer than MAX_NAME_CHARS",
            at: At::Plain,
            status: 400,
            error_type: None,
            body: serde_json::to_vec(&json!({"__type": "X".repeat(5000)})).unwrap(),
            expect: service(ErrorKind::Other("X".repeat(MAX_NAME_CHARS)), 400),
        },
        Case {
            what: "an error body larger than MAX_REPLY_BYTES",
            at: At::Plain,
            status: 400,
            error_type: None,
            body: serde_json::to_vec(
                &json!({"__type": "NotAuthorizedException", "message": "m".repeat(MAX_REPLY_BYTES)}),
            )
            .unwrap(),
            expect: Error::Protocol(FieldTooLong("body")),
        },
    ]
}

#[test]
fn every_bad_reply_gets_its_typed_error_and_ends_the_sign_in() {
    let cases = catalogue();
    assert!(
        cases.len() >= 40,
        "the catalogue has {} classes",
        cases.len()
    );
    let mut rng = ReplayRng::seeded(40);
    for c in &cases {
        let mut m = machine(c.at, &mut rng);
        let mut response = Response::new(c.status, &c.body);
        if let Some(t) = c.error_type {
            response = response.with_error_type(t);
        }
        let got = m.handle(response, NOW, &mut rng);
        match (&got, &c.expect) {
            // Only the kind and status are fixed for service errors; the message is Cognito's.
            (Err(Error::Service(g)), Error::Service(e)) => {
                assert_eq!((&g.kind, g.status), (&e.kind, e.status), "{}", c.what);
            }
            _ => assert_eq!(got.as_ref().err(), Some(&c.expect), "{}", c.what),
        }
        // Every error crosses the JSON form and comes back the same.
        let err = got.as_ref().unwrap_err();
        let json = serde_json::to_value(err).unwrap();
        let back: Error = serde_json::from_value(json.clone())
            .unwrap_or_else(|e| panic!("{}: {json} does not read back: {e}", c.what));
        assert_eq!(&back, err, "{}", c.what);
        assert_terminal(&mut m, &mut rng, c.what);
    }
    println!("{} bad-reply classes", cases.len());
}

/// Members the machine ignores are skipped without recursion: any depth, linear time.
#[test]
fn deep_nesting_in_ignored_members_is_skipped() {
    let mut rng = ReplayRng::seeded(46);
    let mut m = machine(At::Plain, &mut rng);
    let depth = MAX_REPLY_BYTES / 2 - 64;
    let body = format!(
        r#"{{"Unknown":{}{},"ChallengeName":"SMS_MFA","Session":"{SESSION}"}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(body.len() <= MAX_REPLY_BYTES);
    let step = m.handle(Response::new(200, body.as_bytes()), NOW, &mut rng);
    assert!(matches!(step, Ok(Step::NeedInput(_))), "{step:?}");
}

/// A 2xx reply naming an error twice is an error (the last name counts), not a success:
/// found by the `wire_response` target (fuzz/regressions/wire_response/).
#[test]
fn error_body_with_a_member_twice() {
    let mut rng = ReplayRng::seeded(47);
    let mut m = machine(At::Plain, &mut rng);
    let body = br#"{"__type":"NotAuthorizedException","message":"a","message":"b","__type":"UserNotFoundException"}"#;
    let Err(Error::Service(e)) = m.handle(Response::new(200, body), NOW, &mut rng) else {
        panic!("an error");
    };
    assert_eq!(
        (e.kind, e.message.as_str(), e.status),
        (ErrorKind::UserNotFound, "b", 200)
    );
    assert_terminal(&mut m, &mut rng, "duplicate members");
    // The shape the fuzzer found: waiting for ConfirmDevice, a 200 whose body names an
    // error and gives `message` twice. Registration failed; the sign-in itself succeeded.
    let mut m = machine(At::Plain, &mut rng);
    let tokens = json!({"AuthenticationResult": {"AccessToken": access(), "ExpiresIn": 3600,
        "NewDeviceMetadata": {"DeviceKey": "us-east-1_n", "DeviceGroupKey": "-n"}}});
    assert!(matches!(ok_reply(&mut m, &tokens, &mut rng), Step::Send(_)));
    let body = br#"{"__type":"ResourceNotFoundException","message":"x","message":"Device does not exist."}"#;
    let Ok(Step::Done(signed_in)) = m.handle(Response::new(200, body), NOW, &mut rng) else {
        panic!("done");
    };
    let device = signed_in.new_device.unwrap();
    assert!(device.credentials.is_none());
    assert!(matches!(
        device.status,
        cognito_signin::DeviceStatus::Failed(Error::Service(ref e)) if e.kind == ErrorKind::ResourceNotFound
    ));
}

#[test]
fn error_messages_are_cut_and_never_echo_values() {
    let mut rng = ReplayRng::seeded(41);
    let mut m = machine(At::Plain, &mut rng);
    let body = serde_json::to_vec(
        &json!({"__type": "NotAuthorizedException", "message": "é".repeat(3000)}),
    )
    .unwrap();
    let Err(Error::Service(e)) = m.handle(Response::new(400, &body), NOW, &mut rng) else {
        panic!("a service error");
    };
    assert!(e.message.len() <= 1024 && e.message.chars().all(|c| c == 'é'));
    assert_terminal(&mut m, &mut rng, "long message");

    // A bad SALT: the error names the field, never its value.
    let mut m = machine(At::Srp, &mut rng);
    let secretish = "-zz-not-hex-VALUE-7f";
    let body = serde_json::to_vec(&challenge(
        "PASSWORD_VERIFIER",
        &with_param("SALT", secretish),
    ))
    .unwrap();
    let err = m
        .handle(Response::new(200, &body), NOW, &mut rng)
        .unwrap_err();
    assert_eq!(err, Error::Protocol(ProtocolError::BadHex("SALT")));
    assert!(!format!("{err} {err:?}").contains("VALUE"));
}

/// Calls out of order: each is a misuse, and changes nothing: the right call then goes on.
#[test]
fn out_of_order_calls_change_nothing() {
    let mut rng = ReplayRng::seeded(42);
    let tokens = serde_json::to_vec(&tokens_reply(USER_ID)).unwrap();
    // A reply while a question is open: the question stays open.
    let mut m = machine(At::Plain, &mut rng);
    let _ = ok_reply(&mut m, &challenge("SMS_MFA", &json!({})), &mut rng);
    assert_eq!(
        m.handle(Response::new(200, &tokens), NOW, &mut rng)
            .unwrap_err(),
        Error::Misuse(Misuse::AnswerExpected)
    );
    assert!(!m.is_finished());
    let step = m
        .answer(Answer::Code("123456".into()), NOW, &mut rng)
        .unwrap();
    assert!(matches!(step, Step::Send(_)), "{step:?}");
    assert!(matches!(
        ok_reply(&mut m, &tokens_reply(USER_ID), &mut rng),
        Step::Done(_)
    ));
    // An answer while a request is in flight: the reply is still awaited.
    let mut m = machine(At::Plain, &mut rng);
    assert_eq!(
        m.answer(Answer::Code("1".into()), NOW, &mut rng)
            .unwrap_err(),
        Error::Misuse(Misuse::ReplyExpected)
    );
    assert!(matches!(
        ok_reply(&mut m, &tokens_reply(USER_ID), &mut rng),
        Step::Done(_)
    ));
    // A reply after the end, twice: still "done", never "failed".
    assert_eq!(
        m.handle(Response::new(200, b"{}"), NOW, &mut rng)
            .unwrap_err(),
        Error::Misuse(Misuse::AlreadyDone)
    );
    assert_eq!(
        m.answer(Answer::Code("1".into()), NOW, &mut rng)
            .unwrap_err(),
        Error::Misuse(Misuse::AlreadyDone)
    );
}

/// Answers that do not fit leave the question open; the right answer then signs in.
#[test]
fn wrong_answers_leave_the_question_open() {
    let mut rng = ReplayRng::seeded(48);
    let cases: Vec<(&str, Value, Vec<Answer>, Answer)> = vec![
        (
            "SMS_MFA",
            json!({}),
            vec![
                Answer::SetUpTotp,
                Answer::Code(String::new()),
                Answer::Password(Password::new("x")),
            ],
            Answer::Code("123456".into()),
        ),
        (
            "SELECT_MFA_TYPE",
            json!({"MFAS_CAN_CHOOSE": "[\"SOFTWARE_TOKEN_MFA\"]"}),
            vec![Answer::Mfa(MfaType::Sms), Answer::Mfa(MfaType::Email)],
            Answer::Mfa(MfaType::SoftwareToken),
        ),
        (
            "MFA_SETUP",
            json!({"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}),
            vec![
                Answer::SetUpEmail("jane@example.com".into()),
                Answer::Code("1".into()),
            ],
            Answer::SetUpTotp,
        ),
        (
            "NEW_PASSWORD_REQUIRED",
            json!({"requiredAttributes": "[\"userAttributes.name\"]", "userAttributes": "{}"}),
            vec![
                Answer::NewPassword {
                    password: Password::new("New-Password-1"),
                    attributes: BTreeMap::new(),
                },
                Answer::NewPassword {
                    password: Password::new("New-Password-1"),
                    attributes: BTreeMap::from([("name".to_owned(), String::new())]),
                },
                Answer::NewPassword {
                    password: Password::new(""),
                    attributes: BTreeMap::from([("name".to_owned(), "Jane".to_owned())]),
                },
            ],
            Answer::NewPassword {
                password: Password::new("New-Password-1"),
                attributes: BTreeMap::from([("userAttributes.name".to_owned(), "Jane".to_owned())]),
            },
        ),
        (
            "PASSWORD",
            json!({}),
            vec![
                Answer::Password(Password::new("")),
                Answer::Code("1".into()),
            ],
            Answer::Password(Password::new(PASSWORD)),
        ),
    ];
    for (name, params, wrong, right) in cases {
        let mut m = machine(At::Plain, &mut rng);
        let Step::NeedInput(asked) = ok_reply(&mut m, &challenge(name, &params), &mut rng) else {
            panic!("{name}: a question");
        };
        for answer in wrong {
            let what = format!("{name}: {answer:?}");
            assert_eq!(
                m.answer(answer, NOW, &mut rng).unwrap_err(),
                Error::Misuse(Misuse::AnswerDoesNotFit),
                "{what}"
            );
            assert!(!m.is_finished(), "{what}");
        }
        let step = m.answer(right, NOW, &mut rng).unwrap();
        let Step::Send(request) = step else {
            panic!("{name}: sent after {asked:?}");
        };
        if name != "MFA_SETUP" {
            assert!(matches!(
                ok_reply(&mut m, &tokens_reply(USER_ID), &mut rng),
                Step::Done(_)
            ));
        } else {
            assert_eq!(request.operation(), Operation::AssociateSoftwareToken);
        }
    }
}

/// A clock past the year 9999 is the caller's mistake: nothing changes, and the same reply
/// with a good clock goes on. A server `Date` past 9999 is ignored, never a misuse.
#[test]
fn time_out_of_range() {
    let mut rng = ReplayRng::seeded(43);
    let mut m = machine(At::Srp, &mut rng);
    let body = serde_json::to_vec(&challenge("PASSWORD_VERIFIER", &pv_params(&good_b()))).unwrap();
    assert_eq!(
        m.handle(Response::new(200, &body), UnixTime(u64::MAX), &mut rng)
            .unwrap_err(),
        Error::Misuse(Misuse::TimeOutOfRange)
    );
    assert!(!m.is_finished());
    let step = m
        .handle(
            Response::new(200, &body).with_date("Fri, 31 Dec 9999 23:59:60 GMT"),
            NOW,
            &mut rng,
        )
        .unwrap();
    assert!(matches!(step, Step::Send(_)), "{step:?}");
}

// ---------------------------------------------------------------------------------------
// The SRP core on its own
// ---------------------------------------------------------------------------------------

#[test]
fn server_challenge_parse() {
    use ProtocolError::*;
    let b = good_b();
    let long_block = "A".repeat(MAX_SECRET_BLOCK_CHARS + 4);
    for (salt, srp_b, block, want) in [
        ("", b.as_str(), SECRET_BLOCK, EmptyField("SALT")),
        ("-", b.as_str(), SECRET_BLOCK, BadHex("SALT")),
        ("+1", b.as_str(), SECRET_BLOCK, BadHex("SALT")),
        ("é1", b.as_str(), SECRET_BLOCK, BadHex("SALT")),
        (SALT, "", SECRET_BLOCK, EmptyField("SRP_B")),
        (SALT, "-", SECRET_BLOCK, BadHex("SRP_B")),
        (SALT, "0", SECRET_BLOCK, IllegalValue("SRP_B")),
        (SALT, b.as_str(), "", EmptyField("SECRET_BLOCK")),
        (SALT, b.as_str(), "A", BadBase64("SECRET_BLOCK")),
        (SALT, b.as_str(), "AAAAA===", BadBase64("SECRET_BLOCK")),
        (SALT, b.as_str(), &long_block, FieldTooLong("SECRET_BLOCK")),
    ] {
        assert_eq!(
            ServerChallenge::parse(salt, srp_b, block),
            Err(Error::Protocol(want.clone())),
            "{want:?}"
        );
    }
    // The hex limit is inclusive; a leading `-` does not count as a digit.
    let max = "1".repeat(MAX_HEX_DIGITS);
    assert!(ServerChallenge::parse(&format!("-{max}"), &b, SECRET_BLOCK).is_ok());
    assert!(ServerChallenge::parse(SALT, &max, SECRET_BLOCK).is_ok());
}

#[test]
fn private_values_and_identities() {
    for a in [
        &[][..],
        &[0, 0, 0][..],
        &[1; srp::MAX_PRIVATE_BYTES + 1][..],
    ] {
        assert_eq!(
            Ephemeral::from_private_bytes(a).unwrap_err(),
            Error::Misuse(Misuse::BadPrivateValue)
        );
    }
    for pool in ["", "nounderscore", "us-east-1_"] {
        assert_eq!(
            Identity::user(pool, "alice").unwrap_err(),
            Error::Misuse(Misuse::BadArgument("user_pool_id"))
        );
    }
}

#[test]
fn server_side_values() {
    use ProtocolError::*;
    let id = Identity::user(POOL, USER_ID).unwrap();
    let password = Password::new(PASSWORD);
    let mut rng = ReplayRng::seeded(45);
    let verifier = Verifier::generate(&id, &password, &mut rng);
    let server =
        ServerSession::generate(verifier.clone(), PrivateSize::default(), &mut rng).unwrap();
    let client = Ephemeral::generate(PrivateSize::default(), &mut rng).unwrap();
    let challenge =
        ServerChallenge::parse(&server.salt_hex(), &server.public_hex(), "AAEC").unwrap();
    let claim = client.respond(&id, &password, &challenge, NOW).unwrap();
    let a = client.public_hex();
    let verify = |a: &str, sig: &str| server.verify(&id, a, &[0, 1, 2], &claim.timestamp, sig);
    assert_eq!(verify(&a, &claim.signature), Ok(()));
    let flipped = {
        let mut s = claim.signature.clone().into_bytes();
        s[0] = if s[0] == b'A' { b'B' } else { b'A' };
        String::from_utf8(s).unwrap()
    };
    for (srp_a, sig, want) in [
        ("0", claim.signature.as_str(), IllegalValue("SRP_A")),
        (&hex(&n()), claim.signature.as_str(), IllegalValue("SRP_A")),
        (
            &hex(&(n() * 3u8)),
            claim.signature.as_str(),
            IllegalValue("SRP_A"),
        ),
        ("", claim.signature.as_str(), EmptyField("SRP_A")),
        ("xyz", claim.signature.as_str(), BadHex("SRP_A")),
        (
            &"f".repeat(MAX_HEX_DIGITS + 1),
            claim.signature.as_str(),
            FieldTooLong("SRP_A"),
        ),
        (&a, "", EmptyField("PASSWORD_CLAIM_SIGNATURE")),
        (&a, "!!", BadBase64("PASSWORD_CLAIM_SIGNATURE")),
        (
            &a,
            &"A".repeat(200),
            FieldTooLong("PASSWORD_CLAIM_SIGNATURE"),
        ),
        (&a, &flipped, BadSignature),
        (&a, &claim.signature[..40], BadSignature),
        (&a, "AAAA", BadSignature),
    ] {
        assert_eq!(
            verify(srp_a, sig),
            Err(Error::Protocol(want.clone())),
            "{want:?}"
        );
    }
    // A wrong password gives a claim that does not verify.
    let wrong = client
        .respond(&id, &Password::new("wrong"), &challenge, NOW)
        .unwrap();
    assert_eq!(
        verify(&a, &wrong.signature),
        Err(Error::Protocol(BadSignature))
    );

    // ConfirmDevice's DeviceSecretVerifierConfig.
    let salt = verifier.salt_base64();
    let v = verifier.verifier_base64();
    let huge = "A".repeat(700);
    let n_b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(srp::modulus())
    };
    for (s, pv, want) in [
        ("", v.as_str(), EmptyField("Salt")),
        ("!", v.as_str(), BadBase64("Salt")),
        (huge.as_str(), v.as_str(), FieldTooLong("Salt")),
        ("gA==", v.as_str(), IllegalValue("Salt")),
        (salt.as_str(), "", EmptyField("PasswordVerifier")),
        (salt.as_str(), "AA==", IllegalValue("PasswordVerifier")),
        (salt.as_str(), "/w==", IllegalValue("PasswordVerifier")),
        (salt.as_str(), &n_b64, IllegalValue("PasswordVerifier")),
    ] {
        assert_eq!(
            Verifier::from_config(s, pv),
            Err(Error::Protocol(want.clone())),
            "{want:?}"
        );
    }
    assert_eq!(Verifier::from_config(&salt, &v), Ok(verifier));
}
