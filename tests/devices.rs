//! Remembered devices belong to their users, and the tokens a sign-in was issued are never
//! lost to a failure of the device step. Each case is a whole conversation, with the
//! requests checked as JSON.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    unreachable_pub
)]

mod common;

use cognito_signin::{
    Config, DeviceCredentials, DeviceStatus, Error, ErrorKind, Operation, Password, ProtocolError,
    Response, SignIn, Start, Step, UnixTime,
};
use common::{ReplayRng, body_of, done, fail, ok, send, tokens_reply};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_AbCdEf123";
const CLIENT: &str = "1example23456789abcdefghij";
const NOW: UnixTime = UnixTime(1_800_000_000);
const SESSION: &str = "AYABeSession-0123456789";

fn record(username: &str, key: &str) -> DeviceCredentials {
    DeviceCredentials::new(username, key, "-group", Password::new("device-password"))
}

fn config() -> Config {
    Config::new(POOL, CLIENT).unwrap()
}

/// The `DEVICE_KEY` a request carries, wherever the operation puts it.
fn device_key(request: &cognito_signin::Request) -> Option<String> {
    let body = body_of(request, request.operation());
    ["AuthParameters", "ChallengeResponses"]
        .iter()
        .find_map(|m| body[m]["DEVICE_KEY"].as_str())
        .or_else(|| body["DeviceKey"].as_str())
        .map(str::to_owned)
}

fn with_device(user: &str) -> Value {
    let mut reply = tokens_reply(user);
    reply["AuthenticationResult"]["NewDeviceMetadata"] =
        json!({"DeviceKey": "us-east-1_new", "DeviceGroupKey": "-new"});
    reply
}

/// On a shared device, user A's record is never sent while user B signs in, and a
/// `ResourceNotFoundException` to B's request (which carried no key) is B's error, not a
/// forgotten device.
#[test]
fn another_users_record_is_never_sent() {
    let mut rng = ReplayRng::seeded(1);
    let config = config().with_device(record("alice", "us-east-1_alice"));
    let (mut m, req) = SignIn::start(
        &config,
        Start::user_password("bob", Password::new("pw")),
        NOW,
        &mut rng,
    )
    .unwrap();
    assert_eq!(device_key(&req), None, "InitiateAuth for bob");
    let step = ok(
        &mut m,
        json!({"ChallengeName": "SMS_MFA", "Session": SESSION,
               "ChallengeParameters": {"USERNAME": "bob", "CODE_DELIVERY_DESTINATION": "+*1"}}),
        NOW,
        &mut rng,
    );
    assert!(matches!(step, Step::NeedInput(_)));
    let req = send(
        m.answer(cognito_signin::Answer::Code("123456".into()), NOW, &mut rng)
            .unwrap(),
    );
    assert_eq!(device_key(&req), None, "the code answer for bob");
    let err = fail(
        &mut m,
        "ResourceNotFoundException",
        "Device does not exist.",
        NOW,
        &mut rng,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Service(ref e) if e.kind == ErrorKind::ResourceNotFound));
    assert!(m.is_finished(), "no retry: bob's request carried no key");
}

/// A record is found by the service's name for the user in an alias sign-in, and the
/// right record among several users' records.
#[test]
fn alias_sign_in_finds_its_record_by_the_service_name() {
    let mut rng = ReplayRng::seeded(2);
    let config = config()
        .with_device(record("7d4e-alice", "us-east-1_alice"))
        .with_device(record("9f00-bob", "us-east-1_bob"));
    let (mut m, req) = SignIn::start(
        &config,
        Start::user_password("bob@example.com", Password::new("pw")),
        NOW,
        &mut rng,
    )
    .unwrap();
    assert_eq!(device_key(&req), None, "the typed alias matches no record");
    let step = ok(
        &mut m,
        json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION,
               "ChallengeParameters": {"USERNAME": "9f00-bob"}}),
        NOW,
        &mut rng,
    );
    assert!(matches!(step, Step::NeedInput(_)));
    let req = send(
        m.answer(cognito_signin::Answer::Code("123456".into()), NOW, &mut rng)
            .unwrap(),
    );
    assert_eq!(device_key(&req).as_deref(), Some("us-east-1_bob"));
    let s = done(ok(&mut m, tokens_reply("9f00-bob"), NOW, &mut rng));
    assert_eq!(s.device_key.as_deref(), Some("us-east-1_bob"));
    // A record of the same user replaces the older one.
    let config = config.with_device(record("9f00-bob", "us-east-1_bob2"));
    let (_, req) = SignIn::start(
        &config,
        Start::user_password("9f00-bob", Password::new("pw")),
        NOW,
        &mut rng,
    )
    .unwrap();
    assert_eq!(device_key(&req).as_deref(), Some("us-east-1_bob2"));
}

/// "Forgotten" is decided by the kind and by what was sent, never by the message: any
/// `ResourceNotFoundException` to a request that carried the user's key drops it once.
#[test]
fn forgotten_is_decided_by_kind_and_request() {
    let mut rng = ReplayRng::seeded(3);
    let with_jane = config().with_device(record("jane", "us-east-1_jane"));
    let (mut m, req) = SignIn::start(
        &with_jane,
        Start::user_password("jane", Password::new("pw")),
        NOW,
        &mut rng,
    )
    .unwrap();
    assert_eq!(device_key(&req).as_deref(), Some("us-east-1_jane"));
    // A message that never says "device".
    let again = send(fail(&mut m, "ResourceNotFoundException", "gone", NOW, &mut rng).unwrap());
    assert_eq!(device_key(&again), None);
    let s = done(ok(&mut m, tokens_reply("jane"), NOW, &mut rng));
    assert!(s.device_forgotten);
    assert_eq!(s.device_key, None);
    // A message that says "device", to a request without the key: the error stands.
    let (mut m, _) = SignIn::start(
        config(),
        Start::user_password("jane", Password::new("pw")),
        NOW,
        &mut rng,
    )
    .unwrap();
    let err = fail(
        &mut m,
        "ResourceNotFoundException",
        "Device does not exist.",
        NOW,
        &mut rng,
    );
    assert!(matches!(err, Err(Error::Service(_))));
    assert!(m.is_finished());
}

/// Every `ConfirmDevice` a sign-in sends has a `DeviceName`: the crate and the platform by
/// default, the app's own name when it gives one.
#[test]
fn confirm_device_names_the_device() {
    let mut rng = ReplayRng::seeded(4);
    for (config, expected) in [
        (config(), None),
        (
            config().with_device_name("Jane's laptop"),
            Some("Jane's laptop"),
        ),
    ] {
        let (mut m, _) = SignIn::start(
            &config,
            Start::user_password("jane", Password::new("pw")),
            NOW,
            &mut rng,
        )
        .unwrap();
        let req = send(ok(&mut m, with_device("jane"), NOW, &mut rng));
        let body = body_of(&req, Operation::ConfirmDevice);
        let name = body["DeviceName"].as_str().unwrap();
        match expected {
            Some(want) => assert_eq!(name, want),
            None => {
                assert_eq!(name, config.device_name());
                let prefix = concat!("cognito-signin ", env!("CARGO_PKG_VERSION"), " (");
                assert!(name.starts_with(prefix), "{name}");
            }
        }
    }
}

/// From the moment Cognito issued tokens, no failure of the device step loses them: the
/// sign-in ends with the tokens and a status saying what failed.
#[test]
fn tokens_survive_a_failed_device_step() {
    let mut rng = ReplayRng::seeded(5);
    let cases: [(&str, u16, &[u8]); 5] = [
        ("ConfirmDevice: 200 with `{`", 200, b"{"),
        ("ConfirmDevice: 200 with `[]`", 200, b"[]"),
        ("ConfirmDevice: 500", 500, b"<html>oops</html>"),
        ("ConfirmDevice: 302", 302, b""),
        (
            "ConfirmDevice: a Cognito error",
            400,
            br#"{"__type":"InvalidParameterException","message":"x"}"#,
        ),
    ];
    for (what, status, body) in cases {
        let (mut m, _) = SignIn::start(
            config(),
            Start::user_password("jane", Password::new("pw")),
            NOW,
            &mut rng,
        )
        .unwrap();
        let _ = send(ok(&mut m, with_device("jane"), NOW, &mut rng));
        let s = done(
            m.handle(Response::new(status, body), NOW, &mut rng)
                .unwrap(),
        );
        assert!(!s.tokens.access_token.is_empty(), "{what}");
        let device = s.new_device.unwrap();
        assert!(device.credentials.is_none(), "{what}: not registered");
        assert!(matches!(device.status, DeviceStatus::Failed(_)), "{what}");
    }
    // UpdateDeviceStatus answered with garbage: registered (store the record), not
    // remembered.
    let (mut m, _) = SignIn::start(
        config(),
        Start::user_password("jane", Password::new("pw")),
        NOW,
        &mut rng,
    )
    .unwrap();
    let _ = send(ok(&mut m, with_device("jane"), NOW, &mut rng));
    let step = ok(
        &mut m,
        json!({"UserConfirmationNecessary": true}),
        NOW,
        &mut rng,
    );
    assert!(matches!(step, Step::NeedInput(_)));
    let req = send(
        m.answer(cognito_signin::Answer::RememberDevice(true), NOW, &mut rng)
            .unwrap(),
    );
    assert_eq!(req.operation(), Operation::UpdateDeviceStatus);
    let s = done(m.handle(Response::new(200, b"{"), NOW, &mut rng).unwrap());
    assert!(s.device_credentials().is_some());
    assert_eq!(
        s.new_device.unwrap().status,
        DeviceStatus::Failed(ProtocolError::BadJson("UpdateDeviceStatus").into())
    );
}

/// A broken `NewDeviceMetadata` beside the tokens: signed in, no registration tried, the
/// status names what was wrong.
#[test]
fn broken_device_metadata_keeps_the_tokens() {
    let mut rng = ReplayRng::seeded(6);
    let cases = [
        (
            json!({"DeviceKey": "us-east-1_d"}),
            ProtocolError::MissingField("DeviceGroupKey"),
        ),
        (
            json!({"DeviceKey": "", "DeviceGroupKey": "-g"}),
            ProtocolError::EmptyField("DeviceKey"),
        ),
        (
            json!({"DeviceKey": "k".repeat(129), "DeviceGroupKey": "-g"}),
            ProtocolError::FieldTooLong("DeviceKey"),
        ),
        (
            json!({"DeviceKey": 7, "DeviceGroupKey": "-g"}),
            ProtocolError::BadJson("NewDeviceMetadata"),
        ),
        (
            json!(["us-east-1_d", "-g"]),
            ProtocolError::BadJson("NewDeviceMetadata"),
        ),
    ];
    for (meta, expected) in cases {
        let (mut m, _) = SignIn::start(
            config(),
            Start::user_password("jane", Password::new("pw")),
            NOW,
            &mut rng,
        )
        .unwrap();
        let mut reply = tokens_reply("jane");
        reply["AuthenticationResult"]["NewDeviceMetadata"] = meta.clone();
        let s = done(ok(&mut m, reply, NOW, &mut rng));
        let device = s.new_device.unwrap();
        assert_eq!(
            device.status,
            DeviceStatus::Failed(expected.into()),
            "{meta}"
        );
        assert!(device.credentials.is_none());
        assert!(s.tokens.refresh_token.is_some());
    }
}

/// A refresh after a sign-in on a device carries the device key without the caller passing
/// the device again.
#[test]
fn refresh_start_carries_the_device() {
    let mut rng = ReplayRng::seeded(7);
    let (mut m, _) = SignIn::start(
        config(),
        Start::user_password("jane", Password::new("pw")),
        NOW,
        &mut rng,
    )
    .unwrap();
    let _ = send(ok(&mut m, with_device("jane"), NOW, &mut rng));
    let s = done(ok(&mut m, json!({}), NOW, &mut rng));
    assert_eq!(s.device_credentials().unwrap().username, "jane");
    let (_, req) = SignIn::start(config(), s.refresh_start().unwrap(), NOW, &mut rng).unwrap();
    let body = body_of(&req, Operation::InitiateAuth);
    assert_eq!(body["AuthFlow"], "REFRESH_TOKEN_AUTH");
    assert_eq!(body["AuthParameters"]["DEVICE_KEY"], "us-east-1_new");
    assert_eq!(body["AuthParameters"]["REFRESH_TOKEN"], "refresh-token-1");
}
