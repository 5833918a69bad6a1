//! Properties of the sign-in machine under arbitrary replies and answers: it never panics,
//! every request it emits is JSON, an error is final, and the same inputs give the same
//! bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

mod common;

use cognito_signin::{
    Answer, ClientSecret, Config, DeviceCredentials, Error, FirstFactor, MfaType, Misuse, Password,
    Response, SignIn, Start, Step, UnixTime,
};
use common::{ReplayRng, jwt};
use proptest::prelude::*;
use serde_json::json;

/// Replies a server might plausibly send, and some it should not.
fn reply_body() -> impl Strategy<Value = Vec<u8>> {
    let challenge = prop_oneof![
        Just("PASSWORD_VERIFIER"),
        Just("DEVICE_SRP_AUTH"),
        Just("DEVICE_PASSWORD_VERIFIER"),
        Just("SMS_MFA"),
        Just("SOFTWARE_TOKEN_MFA"),
        Just("EMAIL_OTP"),
        Just("SMS_OTP"),
        Just("SELECT_MFA_TYPE"),
        Just("MFA_SETUP"),
        Just("NEW_PASSWORD_REQUIRED"),
        Just("CUSTOM_CHALLENGE"),
        Just("SELECT_CHALLENGE"),
        Just("PASSWORD"),
        Just("PASSWORD_SRP"),
        Just("WEB_AUTHN"),
        Just("ADMIN_NO_SRP_AUTH"),
        Just("NOT_A_CHALLENGE"),
    ];
    let value = prop_oneof![
        Just("2".to_string()),
        Just("0".to_string()),
        Just("-ff".to_string()),
        Just("zz".to_string()),
        Just("AAAA".to_string()),
        Just("[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]".to_string()),
        Just("{\"email\":\"a@b\"}".to_string()),
        Just("[\"userAttributes.name\"]".to_string()),
        "[0-9a-fA-F]{1,100}",
        "\\PC{0,20}",
    ];
    let key = prop_oneof![
        Just("SALT"),
        Just("SRP_B"),
        Just("SECRET_BLOCK"),
        Just("USER_ID_FOR_SRP"),
        Just("USERNAME"),
        Just("MFAS_CAN_CHOOSE"),
        Just("MFAS_CAN_SETUP"),
        Just("requiredAttributes"),
        Just("userAttributes"),
        Just("CREDENTIAL_REQUEST_OPTIONS"),
        Just("CODE_DELIVERY_DESTINATION"),
    ];
    let params = proptest::collection::btree_map(key, value, 0..8);
    let session = proptest::option::of("[A-Za-z0-9]{20,40}");
    let challenge_reply = (challenge, params, session).prop_map(|(c, p, s)| {
        serde_json::to_vec(
            &json!({"ChallengeName": c, "ChallengeParameters": p, "Session": s,
            "AvailableChallenges": ["PASSWORD", "EMAIL_OTP"]}),
        )
        .unwrap()
    });
    let tokens = (any::<bool>(), any::<i64>()).prop_map(|(device, expires)| {
        let mut r = json!({"AuthenticationResult": {"AccessToken": jwt(json!({"username": "u"})),
            "ExpiresIn": expires, "TokenType": "Bearer"}});
        if device {
            r["AuthenticationResult"]["NewDeviceMetadata"] =
                json!({"DeviceKey": "us-east-1_d", "DeviceGroupKey": "-g"});
        }
        serde_json::to_vec(&r).unwrap()
    });
    let misc = prop_oneof![
        Just(br#"{"SecretCode":"JBSWY3DPEHPK3PXP","Session":"sessionsessionsession"}"#.to_vec()),
        Just(br#"{"Status":"SUCCESS","Session":"sessionsessionsession2"}"#.to_vec()),
        Just(br#"{"Status":"ERROR"}"#.to_vec()),
        Just(br#"{"UserConfirmationNecessary":true}"#.to_vec()),
        Just(b"{}".to_vec()),
        Just(br#"{"__type":"CodeMismatchException","message":"x"}"#.to_vec()),
        Just(
            br#"{"__type":"ResourceNotFoundException","message":"Device does not exist."}"#
                .to_vec()
        ),
        Just(br#"{"__type":"InvalidPasswordException"}"#.to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
    ];
    prop_oneof![3 => challenge_reply, 2 => tokens, 2 => misc]
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        "[0-9]{6}".prop_map(Answer::Code),
        Just(Answer::Mfa(MfaType::SoftwareToken)),
        Just(Answer::Mfa(MfaType::Sms)),
        Just(Answer::SetUpTotp),
        Just(Answer::SetUpEmail("a@example.com".into())),
        Just(Answer::NewPassword {
            password: Password::new("N3w-pass"),
            attributes: Default::default()
        }),
        "\\PC{0,10}".prop_map(Answer::Custom),
        Just(Answer::FirstFactor(FirstFactor::EmailOtp)),
        Just(Answer::FirstFactor(FirstFactor::PasswordSrp(
            Password::new("p")
        ))),
        Just(Answer::Password(Password::new("p"))),
        Just(Answer::Credential("{}".into())),
        any::<bool>().prop_map(Answer::RememberDevice),
    ]
}

#[derive(Clone, Debug)]
enum Event {
    Reply(u16, Vec<u8>),
    Answer(Answer),
}

fn event() -> impl Strategy<Value = Event> {
    let status =
        prop_oneof![8 => Just(200u16), 2 => Just(400u16), 1 => Just(500u16), 1 => 100u16..600];
    prop_oneof![
        3 => (status, reply_body()).prop_map(|(s, b)| Event::Reply(s, b)),
        1 => answer().prop_map(Event::Answer),
    ]
}

fn start(kind: u8) -> Start {
    let pw = || Password::new("Pa55word!");
    match kind % 9 {
        0 => Start::user_srp("jane", pw()),
        1 => Start::user_password("jane", pw()),
        2 => Start::admin_user_password("jane", pw()),
        3 => Start::custom("jane"),
        4 => Start::custom_with_srp("jane", pw()),
        5 => Start::user_auth("jane"),
        6 => Start::user_auth_preferring("jane", FirstFactor::PasswordSrp(pw())),
        7 => Start::refresh("rt", Some("jane".into())),
        _ => Start::refresh_rotating("rt"),
    }
}

fn config(secret: bool, device: bool) -> Config {
    let mut c = Config::new("us-east-1_AbCdEf123", "client1").unwrap();
    if secret {
        c = c.with_client_secret(ClientSecret::new("s3cr3t"));
    }
    if device {
        c = c.with_device(DeviceCredentials::new(
            "jane",
            "us-east-1_d",
            "-g",
            Password::new("dp"),
        ));
    }
    c
}

/// Runs a script; returns every request body in order and checks the invariants.
fn run(kind: u8, secret: bool, device: bool, seed: u64, events: &[Event]) -> Vec<Vec<u8>> {
    let mut rng = ReplayRng::seeded(seed);
    let now = UnixTime(1_800_000_000);
    let (mut m, first) = SignIn::start(config(secret, device), start(kind), now, &mut rng).unwrap();
    let mut bodies = vec![first.body().to_vec()];
    let mut failed = false;
    for e in events {
        let out = match e {
            Event::Reply(status, body) => m.handle(Response::new(*status, body), now, &mut rng),
            Event::Answer(a) => m.answer(a.clone(), now, &mut rng),
        };
        if failed {
            assert_eq!(
                out.unwrap_err(),
                Error::Misuse(Misuse::AlreadyFailed),
                "a service or protocol error is final"
            );
            continue;
        }
        match out {
            Ok(Step::Send(r)) => {
                let parsed: serde_json::Value =
                    serde_json::from_slice(r.body()).expect("every request is JSON");
                assert!(parsed.is_object());
                bodies.push(r.body().to_vec());
            }
            Ok(Step::Done(_)) => assert!(m.is_finished()),
            Ok(Step::NeedInput(_)) => {}
            Err(Error::Misuse(Misuse::AlreadyDone)) => assert!(m.is_finished()),
            // A caller's mistake changes nothing: the sign-in goes on.
            Err(Error::Misuse(_)) => assert!(!m.is_finished()),
            Err(_) => {
                failed = true;
                assert!(m.is_finished());
            }
        }
    }
    bodies
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_replies_never_break_the_machine(
        kind in any::<u8>(),
        secret in any::<bool>(),
        device in any::<bool>(),
        seed in any::<u64>(),
        events in proptest::collection::vec(event(), 0..12),
    ) {
        let first = run(kind, secret, device, seed, &events);
        let again = run(kind, secret, device, seed, &events);
        prop_assert_eq!(first, again, "same inputs, same bytes");
    }
}
