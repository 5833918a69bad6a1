//! `wire_response`: arbitrary bytes as the body of the reply the machine waits for, in every
//! state a short scripted conversation reaches (each `Start`, after `PASSWORD_VERIFIER`, an
//! MFA code, `MFA_SETUP` → `AssociateSoftwareToken` → `VerifySoftwareToken`, `ConfirmDevice`,
//! `UpdateDeviceStatus`, device SRP, a new password, `SELECT_CHALLENGE`, and after the end or
//! while a question is open).
//!
//! Checked, beyond the [`Runner`] model: the same input gives the same outcome, and a body
//! that was accepted gives the same outcome again once parsed and re-serialized (canonical
//! JSON: sorted keys, no whitespace, escapes decoded), so the machine reads the JSON value,
//! not its spelling.

use cognito_signin::{Answer, Error, FirstFactor, Password, Step};
use serde_json::{Value, json};

use super::input::Input;
use super::script::{
    DEVICE_GROUP_KEY, PASSWORD, Phase, Reply, Runner, SALT_HEX, SECRET_BLOCK, SRP_B_HEX,
    SRP_PASSWORD, Setup, jwt,
};

/// One scripted event.
#[derive(Debug)]
enum Ev {
    R(Value),
    A(Answer),
}

const SESSION: &str = "AYABeScriptedSession-0123456789";

fn pv(name: &str) -> Value {
    json!({"ChallengeName": name, "ChallengeParameters": {
        "SALT": SALT_HEX, "SRP_B": SRP_B_HEX, "SECRET_BLOCK": SECRET_BLOCK,
        "USER_ID_FOR_SRP": "7d4e-internal", "USERNAME": "7d4e-internal"}})
}

fn challenge(name: &str, params: Value) -> Value {
    json!({"ChallengeName": name, "Session": SESSION, "ChallengeParameters": params})
}

fn tokens(device: bool) -> Value {
    let mut r = json!({"AuthenticationResult": {
        "AccessToken": jwt(&json!({"username": "7d4e-internal"})),
        "IdToken": jwt(&json!({"cognito:username": "7d4e-internal"})),
        "RefreshToken": "rt-new", "ExpiresIn": 3600, "TokenType": "Bearer"}});
    if device {
        r["AuthenticationResult"]["NewDeviceMetadata"] = json!({
            "DeviceKey": "us-east-1_0f0e7c5a-1111-4222-8333-944445555666",
            "DeviceGroupKey": DEVICE_GROUP_KEY});
    }
    r
}

/// Number of scenarios.
pub const SCENARIOS: u8 = 24;

/// A scenario: the set-up and the events that lead to the state under test.
fn scenario(i: u8, secret: bool) -> (Setup, Vec<Ev>) {
    let setup = |start: u8, device: bool, admin: bool| Setup {
        start,
        secret,
        device,
        admin,
        username: "jane@example.com".to_owned(),
        ..Setup::default()
    };
    let sms = || challenge("SMS_MFA", json!({"CODE_DELIVERY_DESTINATION": "+*1234"}));
    let setup_totp = || {
        challenge(
            "MFA_SETUP",
            json!({"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}),
        )
    };
    let associate = || json!({"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DP", "Session": SESSION});
    let select = || {
        let mut c = challenge("SELECT_CHALLENGE", json!({}));
        c["AvailableChallenges"] = json!(["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]);
        c
    };
    let code = || Ev::A(Answer::Code("123456".to_owned()));
    match i % SCENARIOS {
        0 => (setup(0, false, false), vec![]),
        1 => (setup(1, true, false), vec![]),
        2 => (setup(2, false, false), vec![]),
        3 => (setup(4, false, false), vec![]),
        4 => (setup(6, false, false), vec![]),
        5 => (setup(12, false, false), vec![]),
        6 => (setup(14, true, false), vec![]),
        7 => (setup(0, false, false), vec![Ev::R(pv("PASSWORD_VERIFIER"))]),
        8 => (setup(1, false, false), vec![Ev::R(sms()), code()]),
        9 => (
            setup(1, false, false),
            vec![Ev::R(setup_totp()), Ev::A(Answer::SetUpTotp)],
        ),
        10 => (
            setup(1, false, false),
            vec![
                Ev::R(setup_totp()),
                Ev::A(Answer::SetUpTotp),
                Ev::R(associate()),
                code(),
            ],
        ),
        11 => (setup(1, false, false), vec![Ev::R(tokens(true))]),
        12 => (
            setup(1, false, false),
            vec![
                Ev::R(tokens(true)),
                Ev::R(json!({"UserConfirmationNecessary": true})),
                Ev::A(Answer::RememberDevice(true)),
            ],
        ),
        13 => (
            setup(0, true, false),
            vec![
                Ev::R(pv("PASSWORD_VERIFIER")),
                Ev::R(challenge("DEVICE_SRP_AUTH", json!({}))),
            ],
        ),
        14 => (
            setup(0, true, false),
            vec![
                Ev::R(pv("PASSWORD_VERIFIER")),
                Ev::R(challenge("DEVICE_SRP_AUTH", json!({}))),
                Ev::R(pv("DEVICE_PASSWORD_VERIFIER")),
            ],
        ),
        15 => (
            setup(1, false, false),
            vec![
                Ev::R(challenge(
                    "NEW_PASSWORD_REQUIRED",
                    json!({"requiredAttributes": "[\"userAttributes.name\"]",
                           "userAttributes": "{\"email\":\"jane@example.com\"}"}),
                )),
                Ev::A(Answer::NewPassword {
                    password: Password::new(PASSWORD),
                    attributes: [("name".to_owned(), "Jane".to_owned())].into(),
                }),
            ],
        ),
        16 => (
            setup(6, false, false),
            vec![
                Ev::R(select()),
                Ev::A(Answer::FirstFactor(FirstFactor::PasswordSrp(
                    Password::new(SRP_PASSWORD),
                ))),
            ],
        ),
        17 => (setup(5, false, false), vec![]),
        18 => (
            setup(4, true, false),
            vec![
                Ev::R(challenge("CUSTOM_CHALLENGE", json!({"q": "2+2"}))),
                Ev::A(Answer::Custom("4".to_owned())),
            ],
        ),
        19 => (setup(1, false, false), vec![Ev::R(tokens(false))]),
        20 => (setup(1, false, false), vec![Ev::R(sms())]),
        21 => (
            setup(6, false, false),
            vec![
                Ev::R(select()),
                Ev::A(Answer::FirstFactor(FirstFactor::Password(Password::new(
                    PASSWORD,
                )))),
            ],
        ),
        22 => (setup(8, false, false), vec![]),
        _ => (setup(0, false, true), vec![Ev::R(pv("PASSWORD_VERIFIER"))]),
    }
}

/// Runs scenario `i`, then feeds `reply`; returns the transcript of the last step and whether
/// it succeeded.
fn outcome(i: u8, secret: bool, reply: &Reply, data: &[u8]) -> (String, bool) {
    let (setup, events) = scenario(i, secret);
    let mut runner = Runner::start(setup, u64::from(i), data).expect("scenario start");
    for (n, ev) in events.into_iter().enumerate() {
        let step = match ev {
            Ev::R(v) => runner.reply(&Reply::ok(&v)),
            Ev::A(a) => runner.answer(a),
        };
        assert!(
            matches!(step, Ok(Step::Send(_) | Step::NeedInput(_) | Step::Done(_))),
            "scenario {i} step {n}: {step:?}"
        );
    }
    let before = runner.phase();
    let out = runner.reply(reply);
    let ok = out.is_ok();
    let line = runner.transcript.pop().unwrap_or_default();
    match out {
        Ok(_) => {}
        // A misuse (a reply while a question is open) changes nothing.
        Err(Error::Misuse(_)) => assert_eq!(runner.phase(), before),
        Err(_) => assert_eq!(runner.phase(), Phase::Failed),
    }
    (line, ok)
}

fn has_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(members) => members.values().any(has_float),
        _ => false,
    }
}

/// The target.
pub fn run(data: &[u8]) {
    super::short_exponents(data);
    let mut inp = Input::new(data);
    let i = inp.byte();
    let flags = inp.byte();
    let status = match inp.byte() % 8 {
        0..=4 => 200,
        5 => 400,
        6 => 500,
        _ => inp.u16(),
    };
    let reply = Reply {
        status,
        error_type: (flags & 1 != 0).then(|| "CodeMismatchException".to_owned()),
        date: (flags & 2 != 0).then(|| "Fri, 15 Jan 2027 08:00:00 GMT".to_owned()),
        body: inp.rest().to_vec(),
    };
    let secret = flags & 4 != 0;
    let (first, ok) = outcome(i, secret, &reply, data);
    let (again, _) = outcome(i, secret, &reply, data);
    assert_eq!(first, again, "same input, same outcome");
    // A float in the value (serde_json reads `-0` as one) may not print back as the same
    // token, so only bodies without one are compared.
    if ok
        && let Ok(value) = serde_json::from_slice::<Value>(&reply.body)
        && !has_float(&value)
    {
        let canonical = Reply {
            body: serde_json::to_vec(&value).expect("JSON"),
            ..reply.clone()
        };
        let (reread, _) = outcome(i, secret, &canonical, data);
        assert_eq!(
            first, reread,
            "an accepted body means its JSON value, not its spelling"
        );
    }
}
