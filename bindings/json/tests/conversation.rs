//! The JSON layer against the reference pool in process: a sign-in in text only, and every
//! kind of bad input refused as a typed misuse that changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cognito_signin::server::{AppClient, NewUser, PoolConfig, UserPool};
use cognito_signin::{Password, UnixTime};
use cognito_signin_json::{CallError, Conversation, Input};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

const POOL: &str = "us-east-1_JsonLayer1";
const NOW: u64 = 1_800_000_000;

fn pool(rng: &mut StdRng) -> UserPool {
    let mut pool = UserPool::new(POOL, PoolConfig::default(), rng).unwrap();
    pool.add_client(AppClient::new("layerclient"));
    pool.add_user(NewUser::new("jane", Password::new("Correct-Horse-1")), rng)
        .unwrap();
    pool
}

/// The pool's answer to a request (JSON text) as the reply's JSON text.
fn reply(pool: &mut UserPool, request: &str, rng: &mut StdRng) -> String {
    let request: Value = serde_json::from_str(request).unwrap();
    let r = pool.handle(
        request["target"].as_str().unwrap(),
        request["body"].as_str().unwrap().as_bytes(),
        UnixTime(NOW),
        rng,
    );
    serde_json::json!({
        "status": r.status,
        "body": String::from_utf8(r.body).unwrap(),
        "errorType": r.error_type,
    })
    .to_string()
}

fn start(password: &str, bits: u16) -> (String, String) {
    (
        format!(r#"{{"userPoolId": "{POOL}", "clientId": "layerclient", "privateBits": {bits}}}"#),
        format!(r#"{{"flow": "USER_SRP_AUTH", "username": "jane", "password": "{password}"}}"#),
    )
}

#[test]
fn a_sign_in_in_text_with_either_table() {
    for bits in [256, 1024] {
        let mut rng = StdRng::seed_from_u64(u64::from(bits));
        let mut pool = pool(&mut rng);
        let (config, begin) = start("Correct-Horse-1", bits);
        let (mut machine, request) = Conversation::start(&config, &begin, NOW, &mut rng).unwrap();
        let mut request = request.to_string();
        loop {
            let step: Value = serde_json::from_str(
                &machine
                    .handle(&reply(&mut pool, &request, &mut rng), NOW, &mut rng)
                    .unwrap(),
            )
            .unwrap();
            match step["type"].as_str().unwrap() {
                "send" => request = step["request"].to_string(),
                "done" => {
                    assert_eq!(step["signedIn"]["username"], "jane");
                    assert!(step["signedIn"]["tokens"]["accessToken"].is_string());
                    assert!(machine.is_finished());
                    break;
                }
                other => panic!("unexpected step {other}: {step}"),
            }
        }
    }
}

#[test]
fn bad_input_is_a_misuse_naming_it_and_quoting_no_value() {
    let mut rng = StdRng::seed_from_u64(1);
    let (config, begin) = start("Correct-Horse-1", 256);
    let bad_starts = [
        ("{", begin.as_str(), Input::Config),
        ("[]", begin.as_str(), Input::Config),
        (
            r#"{"userPoolId": "us-east-1_X1", "clientId": "c", "privateBits": "secret-value-1"}"#,
            begin.as_str(),
            Input::Config,
        ),
        (
            config.as_str(),
            r#"{"flow": "USER_SRP_AUTH", "username": "jane", "password": 7}"#,
            Input::Start,
        ),
        (
            config.as_str(),
            r#"{"flow": "USER_SRP_AUTH", "username": "jane", "password": "p", "x": "secret-value-1"}"#,
            Input::Start,
        ),
        (
            config.as_str(),
            r#"{"flow": "NOPE", "username": "jane"}"#,
            Input::Start,
        ),
    ];
    for (config, begin, input) in bad_starts {
        let Err(e) = Conversation::start(config, begin, NOW, &mut rng) else {
            panic!("{config} {begin} was taken")
        };
        let CallError::BadJson {
            input: named,
            message,
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(*named, input);
        assert!(!message.contains("secret-value"), "{message}");
        assert!(!e.is_final());
        let json: Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(json["type"], "misuse");
        assert_eq!(json["kind"], "badJson");
        assert_eq!(json["field"], input.name());
    }

    // A bad reply or answer changes nothing: the real reply still goes through.
    let mut pool = pool(&mut rng);
    let (mut machine, request) = Conversation::start(&config, &begin, NOW, &mut rng).unwrap();
    for bad in [
        "",
        "{",
        "null",
        r#"{"status": 200}"#,
        r#"{"status": -1, "body": ""}"#,
        r#"{"status": 200, "body": "", "more": 1}"#,
    ] {
        let e = machine.handle(bad, NOW, &mut rng).unwrap_err();
        assert!(
            matches!(
                e,
                CallError::BadJson {
                    input: Input::Reply,
                    ..
                }
            ),
            "{bad}: {e:?}"
        );
    }
    let e = machine
        .answer(r#"{"type": "code", "code": "1"}"#, NOW, &mut rng)
        .unwrap_err();
    assert!(!e.is_final());
    assert_eq!(
        serde_json::from_str::<Value>(&e.to_json()).unwrap()["kind"],
        "replyExpected"
    );
    let step = machine
        .handle(&reply(&mut pool, &request, &mut rng), NOW, &mut rng)
        .unwrap();
    assert!(step.contains("PASSWORD_CLAIM_SIGNATURE"));

    // The service's refusal is final.
    let mut machine2 =
        Conversation::start(&config, &start("Wrong-Horse-1", 256).1, NOW, &mut rng).unwrap();
    let mut request = machine2.1.to_string();
    let e = loop {
        match machine2
            .0
            .handle(&reply(&mut pool, &request, &mut rng), NOW, &mut rng)
        {
            Ok(step) => {
                request = serde_json::from_str::<Value>(&step).unwrap()["request"].to_string()
            }
            Err(e) => break e,
        }
    };
    assert!(e.is_final());
    let json: Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(json["type"], "service");
    assert_eq!(json["kind"], "NotAuthorizedException");
}
