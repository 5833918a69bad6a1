//! Scripted conversations, one per sequence of the protocol reference §13: canned Cognito
//! replies in, the exact expected request JSON out (compared parsed). SRP steps replay the
//! `a` of a published vector, so the expected claim signatures come from AWS's own client.
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

use cognito_signin::srp::{PowersOfG, PrivateSize};
use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, DeviceCredentials, DeviceStatus, Error, ErrorKind,
    FirstFactor, MfaType, Misuse, Operation, Password, Response, SignIn, Start, UnixTime,
    secret_hash,
};
use common::*;
use serde_json::json;

const CLIENT: &str = "1example23456789abcdefghij";
const SECRET: &str = "k9y1q3fdsu0b1m9c4a7bm3mcd6ol5ko1tqo0dbk7ru0g7tuj7np";
const NOW: UnixTime = UnixTime(1_800_000_000);
const SESSION1: &str = "AYABeGV4YW1wbGUtc2Vzc2lvbi0x-session-one";
const SESSION2: &str = "AYABeGV4YW1wbGUtc2Vzc2lvbi0y-session-two";
const SESSION3: &str = "AYABeGV4YW1wbGUtc2Vzc2lvbi0z-session-three";

fn sh(user: &str) -> String {
    secret_hash(&ClientSecret::new(SECRET), user, CLIENT)
}

/// The user vector whose typed name (an email alias) differs from USER_ID_FOR_SRP.
fn user_vector() -> serde_json::Value {
    vector("password_verifier.json", "password_verifier-pub-03")
}

fn user_config(v: &serde_json::Value) -> Config {
    Config::new(str_of(v, "user_pool_id"), CLIENT)
        .unwrap()
        .with_private_size(PrivateSize::Bits1024)
}

fn pv_challenge(v: &serde_json::Value, session: Option<&str>) -> serde_json::Value {
    let t = str_of(v, "user_id_for_srp");
    let mut reply = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": v["salt_hex"], "SRP_B": v["srp_b_hex"], "SECRET_BLOCK": v["secret_block_b64"],
            "USER_ID_FOR_SRP": t, "USERNAME": t
        }
    });
    if let Some(s) = session {
        reply["Session"] = json!(s);
    }
    reply
}

fn pv_responses(v: &serde_json::Value) -> serde_json::Value {
    json!({
        "USERNAME": v["user_id_for_srp"],
        "PASSWORD_CLAIM_SECRET_BLOCK": v["secret_block_b64"],
        "TIMESTAMP": v["timestamp"],
        "PASSWORD_CLAIM_SIGNATURE": v["signature_b64"]
    })
}

fn vnow(v: &serde_json::Value) -> UnixTime {
    UnixTime(v["unix_seconds"].as_u64().unwrap())
}

/// §13.1 USER_SRP_AUTH, no MFA: the claim is byte for byte AWS's client's.
#[test]
fn user_srp_auth_no_mfa() {
    user_srp_auth_no_mfa_with(user_config(&user_vector()));
}

/// The same with the caller's table of powers of g: the same bytes.
#[test]
fn user_srp_auth_no_mfa_with_a_table() {
    let table = Box::leak(Box::new(PowersOfG::new(PrivateSize::Bits1024)));
    user_srp_auth_no_mfa_with(user_config(&user_vector()).with_powers_of_g(table));
}

fn user_srp_auth_no_mfa_with(config: Config) {
    let v = user_vector();
    let mut rng = ReplayRng::new(a_bytes(&v));
    let typed = str_of(&v, "username");
    let (mut m, req) = SignIn::start(
        config,
        Start::user_srp(typed, Password::new(str_of(&v, "password"))),
        vnow(&v),
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": typed, "SRP_A": v["A_hex"]}
        }),
    );
    assert!(!req.needs_sigv4());
    let req = send(ok(&mut m, pv_challenge(&v, None), vnow(&v), &mut rng));
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT,
            "ChallengeResponses": pv_responses(&v)
        }),
    );
    let t = str_of(&v, "user_id_for_srp");
    let signed = done(ok(&mut m, tokens_reply(t), vnow(&v), &mut rng));
    assert_eq!(signed.username, t);
    assert_eq!(
        signed
            .tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret()),
        Some("refresh-token-1")
    );
    assert_eq!(signed.tokens.expires_at, UnixTime(vnow(&v).0 + 3600));
    assert!(signed.new_device.is_none());
    assert!(m.is_finished());
    // Finished: every further call is a misuse.
    assert_eq!(
        m.handle(Response::new(200, b"{}"), NOW, &mut rng)
            .unwrap_err(),
        Error::Misuse(Misuse::AlreadyDone)
    );
}

/// §13.2 USER_SRP_AUTH with a client secret, sign-in by alias, SMS MFA with a wrong code
/// retried in the same session.
#[test]
fn user_srp_auth_secret_alias_sms_mfa_retry() {
    let v = user_vector();
    let mut rng = ReplayRng::new(a_bytes(&v));
    let typed = str_of(&v, "username");
    let t = str_of(&v, "user_id_for_srp");
    let config = user_config(&v).with_client_secret(ClientSecret::new(SECRET));
    let (mut m, req) = SignIn::start(
        config,
        Start::user_srp(typed, Password::new(str_of(&v, "password"))),
        vnow(&v),
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": typed, "SRP_A": v["A_hex"], "SECRET_HASH": sh(typed)}
        }),
    );
    let req = send(ok(&mut m, pv_challenge(&v, None), vnow(&v), &mut rng));
    let mut responses = pv_responses(&v);
    responses["SECRET_HASH"] = json!(sh(t));
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT, "ChallengeResponses": responses
        }),
    );
    let q = prompt(ok(
        &mut m,
        json!({
            "ChallengeName": "SMS_MFA", "Session": SESSION1,
            "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": "+*******1234", "USER_ID_FOR_SRP": t}
        }),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::SmsMfa {
            destination: Some("+*******1234".into())
        }
    );
    assert_eq!(q.previous_error, None);
    let sms = |code: &str| {
        json!({
            "ChallengeName": "SMS_MFA", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": t, "SMS_MFA_CODE": code, "SECRET_HASH": sh(t)}
        })
    };
    let req = send(
        m.answer(Answer::Code("000111".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(&req, Operation::RespondToAuthChallenge, sms("000111"));
    // Wrong code: asked again, same session, the error shown.
    let q = prompt(
        fail(
            &mut m,
            "CodeMismatchException",
            "Invalid code received for user",
            NOW,
            &mut rng,
        )
        .unwrap(),
    );
    assert_eq!(
        q.challenge,
        Challenge::SmsMfa {
            destination: Some("+*******1234".into())
        }
    );
    assert_eq!(q.previous_error.unwrap().kind, ErrorKind::CodeMismatch);
    let req = send(
        m.answer(Answer::Code("123456".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(&req, Operation::RespondToAuthChallenge, sms("123456"));
    let signed = done(ok(&mut m, tokens_reply(t), NOW, &mut rng));
    assert_eq!(signed.username, t);
}

fn password_start(config: Config, user: &str, rng: &mut ReplayRng) -> SignIn {
    let (m, req) = SignIn::start(
        config,
        Start::user_password(user, Password::new("Pa55word!")),
        NOW,
        rng,
    )
    .unwrap();
    let body = body_of(&req, Operation::InitiateAuth);
    assert_eq!(body["AuthFlow"], "USER_PASSWORD_AUTH");
    m
}

fn plain_config() -> Config {
    Config::new("us-east-1_AbCdEf123", CLIENT).unwrap()
}

/// §13.3 SELECT_MFA_TYPE, then SOFTWARE_TOKEN_MFA.
#[test]
fn select_mfa_type() {
    let mut rng = ReplayRng::seeded(3);
    let mut m = password_start(plain_config(), "jane", &mut rng);
    let q = prompt(ok(
        &mut m,
        json!({
            "ChallengeName": "SELECT_MFA_TYPE", "Session": SESSION1,
            "ChallengeParameters": {"MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]", "USER_ID_FOR_SRP": "jane-id"}
        }),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::SelectMfaType {
            options: vec![MfaType::Sms, MfaType::SoftwareToken]
        }
    );
    // A method that was not offered does not fit; the question stays open.
    let mut other = password_start(plain_config(), "jane", &mut rng);
    prompt(ok(
        &mut other,
        json!({"ChallengeName": "SELECT_MFA_TYPE", "Session": SESSION1,
        "ChallengeParameters": {"MFAS_CAN_CHOOSE": "[\"SMS_MFA\"]"}}),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        other
            .answer(Answer::Mfa(MfaType::Email), NOW, &mut rng)
            .unwrap_err(),
        Error::Misuse(Misuse::AnswerDoesNotFit)
    );
    let asked = send(
        other
            .answer(Answer::Mfa(MfaType::Sms), NOW, &mut rng)
            .unwrap(),
    );
    assert_eq!(asked.operation(), Operation::RespondToAuthChallenge);
    // Without MFAS_CAN_CHOOSE, any of the three methods is offered.
    let mut any = password_start(plain_config(), "jane", &mut rng);
    let q = prompt(ok(
        &mut any,
        json!({"ChallengeName": "SELECT_MFA_TYPE", "Session": SESSION1, "ChallengeParameters": {}}),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::SelectMfaType {
            options: vec![MfaType::Sms, MfaType::SoftwareToken, MfaType::Email]
        }
    );
    let _ = send(
        any.answer(Answer::Mfa(MfaType::Email), NOW, &mut rng)
            .unwrap(),
    );

    let req = send(
        m.answer(Answer::Mfa(MfaType::SoftwareToken), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "SELECT_MFA_TYPE", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "jane-id", "ANSWER": "SOFTWARE_TOKEN_MFA"}
        }),
    );
    let q = prompt(ok(
        &mut m,
        json!({
            "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION2,
            "ChallengeParameters": {"FRIENDLY_DEVICE_NAME": "Phone"}
        }),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::SoftwareTokenMfa {
            friendly_device_name: Some("Phone".into())
        }
    );
    let req = send(
        m.answer(Answer::Code("012345".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": CLIENT, "Session": SESSION2,
            "ChallengeResponses": {"USERNAME": "jane-id", "SOFTWARE_TOKEN_MFA_CODE": "012345"}
        }),
    );
    done(ok(&mut m, tokens_reply("jane-id"), NOW, &mut rng));
}

/// §13.4 MFA_SETUP with TOTP: AssociateSoftwareToken and VerifySoftwareToken carried by the
/// session, a wrong first code asked again, then MFA_SETUP answered with the last session.
#[test]
fn mfa_setup_totp() {
    let mut rng = ReplayRng::seeded(4);
    let config = plain_config()
        .with_client_secret(ClientSecret::new(SECRET))
        .with_totp_issuer("Example App")
        .with_totp_device_name("Jane's phone");
    let mut m = password_start(config, "jane@example.com", &mut rng);
    let q = prompt(ok(
        &mut m,
        json!({
            "ChallengeName": "MFA_SETUP", "Session": SESSION1,
            "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]", "USER_ID_FOR_SRP": "jane"}
        }),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::MfaSetup {
            options: vec![MfaType::SoftwareToken]
        }
    );
    let req = send(m.answer(Answer::SetUpTotp, NOW, &mut rng).unwrap());
    expect(
        &req,
        Operation::AssociateSoftwareToken,
        json!({"Session": SESSION1}),
    );
    let q = prompt(ok(
        &mut m,
        json!({"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "Session": SESSION2}),
        NOW,
        &mut rng,
    ));
    assert_eq!(q.challenge, Challenge::TotpSetup {
        secret_code: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into(),
        uri: "otpauth://totp/Example%20App:jane?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20App".into(),
    });
    let verify = |code: &str| json!({"Session": SESSION2, "UserCode": code, "FriendlyDeviceName": "Jane's phone"});
    let req = send(
        m.answer(Answer::Code("111111".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(&req, Operation::VerifySoftwareToken, verify("111111"));
    let q = prompt(
        fail(
            &mut m,
            "EnableSoftwareTokenMFAException",
            "Code mismatch",
            NOW,
            &mut rng,
        )
        .unwrap(),
    );
    assert!(matches!(q.challenge, Challenge::TotpSetup { .. }));
    assert_eq!(
        q.previous_error.unwrap().kind,
        ErrorKind::EnableSoftwareTokenMfa
    );
    let req = send(
        m.answer(Answer::Code("222222".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(&req, Operation::VerifySoftwareToken, verify("222222"));
    let req = send(ok(
        &mut m,
        json!({"Status": "SUCCESS", "Session": SESSION3}),
        NOW,
        &mut rng,
    ));
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "MFA_SETUP", "ClientId": CLIENT, "Session": SESSION3,
            "ChallengeResponses": {"USERNAME": "jane", "SECRET_HASH": sh("jane")}
        }),
    );
    done(ok(&mut m, tokens_reply("jane"), NOW, &mut rng));
}

/// §13.5 MFA_SETUP with email, then EMAIL_OTP.
#[test]
fn mfa_setup_email() {
    let mut rng = ReplayRng::seeded(5);
    let mut m = password_start(plain_config(), "jane", &mut rng);
    prompt(ok(
        &mut m,
        json!({
            "ChallengeName": "MFA_SETUP", "Session": SESSION1,
            "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]"}
        }),
        NOW,
        &mut rng,
    ));
    // A rejected address is asked again, with the error.
    let _ = send(
        m.answer(Answer::SetUpEmail("not-an-address".into()), NOW, &mut rng)
            .unwrap(),
    );
    let q = prompt(
        fail(
            &mut m,
            "InvalidParameterException",
            "Invalid email address format.",
            NOW,
            &mut rng,
        )
        .unwrap(),
    );
    assert!(matches!(q.challenge, Challenge::MfaSetup { .. }));
    assert_eq!(q.previous_error.unwrap().kind, ErrorKind::InvalidParameter);
    let req = send(
        m.answer(Answer::SetUpEmail("jane@example.com".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "MFA_SETUP", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "jane", "EMAIL": "jane@example.com"}
        }),
    );
    let q = prompt(ok(
        &mut m,
        json!({
            "ChallengeName": "EMAIL_OTP", "Session": SESSION2,
            "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "j***@e***"}
        }),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::EmailOtp {
            destination: Some("j***@e***".into())
        }
    );
    let req = send(
        m.answer(Answer::Code("98765432".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "EMAIL_OTP", "ClientId": CLIENT, "Session": SESSION2,
            "ChallengeResponses": {"USERNAME": "jane", "EMAIL_OTP_CODE": "98765432"}
        }),
    );
    done(ok(&mut m, tokens_reply("jane"), NOW, &mut rng));
}

/// §13.6 NEW_PASSWORD_REQUIRED: required attributes listed without the prefix, read-only
/// ones never sent, a policy failure asked again.
#[test]
fn new_password_required() {
    let mut rng = ReplayRng::seeded(6);
    let mut m = password_start(plain_config(), "jane", &mut rng);
    let q = prompt(ok(
        &mut m,
        json!({
            "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION1,
            "ChallengeParameters": {"USER_ID_FOR_SRP": "jane",
                "userAttributes": "{\"email_verified\":\"true\",\"email\":\"jane@example.com\"}",
                "requiredAttributes": "[\"userAttributes.name\"]"}
        }),
        NOW,
        &mut rng,
    ));
    let mut current = BTreeMap::new();
    current.insert("email".to_string(), "jane@example.com".to_string());
    current.insert("email_verified".to_string(), "true".to_string());
    assert_eq!(
        q.challenge,
        Challenge::NewPassword {
            required_attributes: vec!["name".into()],
            user_attributes: current.clone(),
        }
    );
    // The caller echoes everything it was shown plus the required one: only writable ones
    // with a value go (service-managed ones and empty values never do).
    let mut attributes = current;
    attributes.insert("userAttributes.name".into(), "Jane Doe".into());
    attributes.insert("nickname".into(), String::new());
    attributes.insert("identities".into(), "[]".into());
    attributes.insert("cognito:user_status".into(), "FORCE_CHANGE_PASSWORD".into());
    attributes.insert("sub".into(), "7d4e".into());
    let answer = |pw: &str| Answer::NewPassword {
        password: Password::new(pw),
        attributes: attributes.clone(),
    };
    let expected = |pw: &str| {
        json!({
            "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "jane", "NEW_PASSWORD": pw,
                "userAttributes.name": "Jane Doe", "userAttributes.email": "jane@example.com"}
        })
    };
    let req = send(m.answer(answer("short"), NOW, &mut rng).unwrap());
    expect(&req, Operation::RespondToAuthChallenge, expected("short"));
    let q = prompt(
        fail(
            &mut m,
            "InvalidPasswordException",
            "Password does not conform to policy",
            NOW,
            &mut rng,
        )
        .unwrap(),
    );
    assert!(matches!(q.challenge, Challenge::NewPassword { .. }));
    assert_eq!(q.previous_error.unwrap().kind, ErrorKind::InvalidPassword);
    let req = send(m.answer(answer("Much-Longer-Pa55"), NOW, &mut rng).unwrap());
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        expected("Much-Longer-Pa55"),
    );
    // The reply may be another challenge: MFA_SETUP.
    let q = prompt(ok(
        &mut m,
        json!({"ChallengeName": "MFA_SETUP", "Session": SESSION2,
        "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}}),
        NOW,
        &mut rng,
    ));
    assert!(matches!(q.challenge, Challenge::MfaSetup { .. }));
}

/// §13.7 USER_PASSWORD_AUTH straight to tokens; the internal username comes from the token.
#[test]
fn user_password_auth() {
    let mut rng = ReplayRng::seeded(7);
    let config = plain_config().with_client_secret(ClientSecret::new(SECRET));
    let (mut m, req) = SignIn::start(
        config,
        Start::user_password("Jane@Example.com", Password::new("Pa55word!")),
        NOW,
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": "Jane@Example.com", "PASSWORD": "Pa55word!", "SECRET_HASH": sh("Jane@Example.com")}
        }),
    );
    assert!(
        !format!("{req:?}").contains("Pa55word"),
        "Debug of a request hides its body"
    );
    let signed = done(ok(&mut m, tokens_reply("7d4e3c2a-uuid"), NOW, &mut rng));
    assert_eq!(signed.username, "7d4e3c2a-uuid");
    assert!(
        !format!("{signed:?}").contains("refresh-token-1"),
        "Debug of tokens hides them"
    );
}

/// §13.8 AdminInitiateAuth with ADMIN_USER_PASSWORD_AUTH (and the legacy name), answered with
/// AdminRespondToAuthChallenge; both need SigV4.
#[test]
fn admin_user_password_auth() {
    let mut rng = ReplayRng::seeded(8);
    let config = plain_config().with_client_secret(ClientSecret::new(SECRET));
    let (mut m, req) = SignIn::start(
        config.clone(),
        Start::admin_user_password("jane", Password::new("Pa55word!")),
        NOW,
        &mut rng,
    )
    .unwrap();
    assert!(req.needs_sigv4());
    expect(
        &req,
        Operation::AdminInitiateAuth,
        json!({
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "ClientId": CLIENT, "UserPoolId": "us-east-1_AbCdEf123",
            "AuthParameters": {"USERNAME": "jane", "PASSWORD": "Pa55word!", "SECRET_HASH": sh("jane")}
        }),
    );
    prompt(ok(
        &mut m,
        json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION1,
        "ChallengeParameters": {"USERNAME": "jane-id"}}),
        NOW,
        &mut rng,
    ));
    let req = send(
        m.answer(Answer::Code("123456".into()), NOW, &mut rng)
            .unwrap(),
    );
    assert!(req.needs_sigv4());
    expect(
        &req,
        Operation::AdminRespondToAuthChallenge,
        json!({
            "ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": CLIENT, "UserPoolId": "us-east-1_AbCdEf123",
            "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "jane-id", "SOFTWARE_TOKEN_MFA_CODE": "123456", "SECRET_HASH": sh("jane-id")}
        }),
    );
    done(ok(&mut m, tokens_reply("jane-id"), NOW, &mut rng));

    let (_, req) = SignIn::start(
        config.clone(),
        Start::admin_no_srp("jane", Password::new("p")),
        NOW,
        &mut rng,
    )
    .unwrap();
    assert_eq!(
        body_of(&req, Operation::AdminInitiateAuth)["AuthFlow"],
        "ADMIN_NO_SRP_AUTH"
    );
    // USER_PASSWORD_AUTH exists for InitiateAuth only.
    let err = SignIn::start(
        config,
        Start::user_password("jane", Password::new("p")).via_admin(),
        NOW,
        &mut rng,
    )
    .unwrap_err();
    assert_eq!(err, Error::Misuse(Misuse::BadArgument("flow")));
}

/// §13.9 CUSTOM_AUTH without SRP, several rounds, each with the newest session.
#[test]
fn custom_auth_rounds() {
    let mut rng = ReplayRng::seeded(9);
    let config = plain_config()
        .with_client_metadata(BTreeMap::from([("app".to_string(), "web".to_string())]));
    let (mut m, req) = SignIn::start(config, Start::custom("jane"), NOW, &mut rng).unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "CUSTOM_AUTH", "ClientId": CLIENT, "AuthParameters": {"USERNAME": "jane"},
            "ClientMetadata": {"app": "web"}
        }),
    );
    for (i, session) in [SESSION1, SESSION2, SESSION3].iter().enumerate() {
        let q = prompt(ok(
            &mut m,
            json!({"ChallengeName": "CUSTOM_CHALLENGE", "Session": session,
            "ChallengeParameters": {"question": format!("q{i}"), "USERNAME": "jane-id"}}),
            NOW,
            &mut rng,
        ));
        let Challenge::Custom { parameters } = q.challenge else {
            panic!()
        };
        assert_eq!(parameters["question"], format!("q{i}"));
        let req = send(
            m.answer(Answer::Custom(format!("a{i}")), NOW, &mut rng)
                .unwrap(),
        );
        expect(
            &req,
            Operation::RespondToAuthChallenge,
            json!({
                "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": CLIENT, "Session": session,
                "ChallengeResponses": {"USERNAME": "jane-id", "ANSWER": format!("a{i}")},
                "ClientMetadata": {"app": "web"}
            }),
        );
    }
    done(ok(&mut m, tokens_reply("jane-id"), NOW, &mut rng));
}

/// §13.10 CUSTOM_AUTH starting with SRP (CHALLENGE_NAME=SRP_A), then a custom challenge.
#[test]
fn custom_auth_with_srp() {
    let v = user_vector();
    let mut rng = ReplayRng::new(a_bytes(&v));
    let typed = str_of(&v, "username");
    let t = str_of(&v, "user_id_for_srp");
    let (mut m, req) = SignIn::start(
        user_config(&v),
        Start::custom_with_srp(typed, Password::new(str_of(&v, "password"))),
        vnow(&v),
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "CUSTOM_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": typed, "SRP_A": v["A_hex"], "CHALLENGE_NAME": "SRP_A"}
        }),
    );
    let req = send(ok(
        &mut m,
        pv_challenge(&v, Some(SESSION1)),
        vnow(&v),
        &mut rng,
    ));
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": pv_responses(&v)
        }),
    );
    prompt(ok(
        &mut m,
        json!({"ChallengeName": "CUSTOM_CHALLENGE", "Session": SESSION2,
        "ChallengeParameters": {"captcha": "x"}}),
        NOW,
        &mut rng,
    ));
    let req = send(
        m.answer(Answer::Custom("42".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": CLIENT, "Session": SESSION2,
            "ChallengeResponses": {"USERNAME": t, "ANSWER": "42"}
        }),
    );
    done(ok(&mut m, tokens_reply(t), NOW, &mut rng));
}

fn confirm_vector() -> serde_json::Value {
    vector("confirm_device.json", "confirm_device-pub-04")
}

/// §13.11 Registering a new device: ConfirmDevice with the verifier AWS's client makes from
/// the same random bytes, the user asked, UpdateDeviceStatus, and the record to store.
#[test]
fn new_device_confirmed_and_remembered() {
    let c = confirm_vector();
    let mut bytes = unhex(str_of(&c, "device_password_random_hex"));
    bytes.extend(unhex(str_of(&c, "salt_random_hex")));
    let mut rng = ReplayRng::seeded(11);
    let config = plain_config().with_device_name("Jane's laptop");
    let mut m = password_start(config, "jane", &mut rng);
    let mut reply = tokens_reply("jane-id");
    reply["AuthenticationResult"]["NewDeviceMetadata"] = json!({
        "DeviceKey": c["device_key"], "DeviceGroupKey": c["device_group_key"]
    });
    let access = reply["AuthenticationResult"]["AccessToken"].clone();
    let mut rng = ReplayRng::new(bytes);
    let req = send(ok(&mut m, reply, NOW, &mut rng));
    assert!(rng.exhausted());
    expect(
        &req,
        Operation::ConfirmDevice,
        json!({
            "AccessToken": access, "DeviceKey": c["device_key"], "DeviceName": "Jane's laptop",
            "DeviceSecretVerifierConfig": {"PasswordVerifier": c["password_verifier_b64"], "Salt": c["salt_b64"]}
        }),
    );
    let q = prompt(ok(
        &mut m,
        json!({"UserConfirmationNecessary": true}),
        NOW,
        &mut rng,
    ));
    assert_eq!(q.challenge, Challenge::RememberDevice);
    let req = send(
        m.answer(Answer::RememberDevice(true), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::UpdateDeviceStatus,
        json!({
            "AccessToken": access, "DeviceKey": c["device_key"], "DeviceRememberedStatus": "remembered"
        }),
    );
    let signed = done(ok(&mut m, json!({}), NOW, &mut rng));
    let device = signed.new_device.unwrap();
    assert_eq!(device.status, DeviceStatus::Remembered);
    let creds = device.credentials.unwrap();
    assert_eq!(creds.username, "jane-id");
    assert_eq!(creds.device_key, str_of(&c, "device_key"));
    assert_eq!(
        creds.device_password.expose_secret(),
        str_of(&c, "device_password")
    );
    // The record round-trips through serde; its Debug hides the device password.
    let stored = serde_json::to_string(&creds).unwrap();
    assert_eq!(
        serde_json::from_str::<DeviceCredentials>(&stored).unwrap(),
        creds
    );
    assert!(!format!("{creds:?}").contains(str_of(&c, "device_password")));
}

/// ConfirmDevice without user confirmation, declining, and a failed registration.
#[test]
fn new_device_variants() {
    let reply = || {
        let mut r = tokens_reply("jane-id");
        r["AuthenticationResult"]["NewDeviceMetadata"] =
            json!({"DeviceKey": "us-east-1_dk", "DeviceGroupKey": "-gk"});
        r
    };
    let mut rng = ReplayRng::seeded(12);
    // Always remembered.
    let mut m = password_start(plain_config(), "jane", &mut rng);
    let _ = send(ok(&mut m, reply(), NOW, &mut rng));
    let s = done(ok(
        &mut m,
        json!({"UserConfirmationNecessary": false}),
        NOW,
        &mut rng,
    ));
    assert_eq!(s.new_device.unwrap().status, DeviceStatus::Remembered);
    // The user declines: no request.
    let mut m = password_start(plain_config(), "jane", &mut rng);
    let _ = send(ok(&mut m, reply(), NOW, &mut rng));
    prompt(ok(
        &mut m,
        json!({"UserConfirmationNecessary": true}),
        NOW,
        &mut rng,
    ));
    let s = done(
        m.answer(Answer::RememberDevice(false), NOW, &mut rng)
            .unwrap(),
    );
    let d = s.new_device.unwrap();
    assert_eq!(d.status, DeviceStatus::NotRemembered);
    assert!(d.credentials.is_some());
    // Registration fails: still signed in, no credentials.
    let mut m = password_start(plain_config(), "jane", &mut rng);
    let _ = send(ok(&mut m, reply(), NOW, &mut rng));
    let s = done(
        fail(
            &mut m,
            "InvalidParameterException",
            "bad verifier",
            NOW,
            &mut rng,
        )
        .unwrap(),
    );
    let d = s.new_device.unwrap();
    assert!(
        matches!(d.status, DeviceStatus::Failed(Error::Service(ref e)) if e.kind == ErrorKind::InvalidParameter)
    );
    assert!(d.credentials.is_none());
    // Confirmation disabled.
    let mut m = password_start(
        plain_config().without_device_confirmation(),
        "jane",
        &mut rng,
    );
    let s = done(ok(&mut m, reply(), NOW, &mut rng));
    assert_eq!(s.new_device.unwrap().status, DeviceStatus::NotConfirmed);
}

fn device_vector() -> serde_json::Value {
    vector(
        "device_password_verifier.json",
        "device_password_verifier-pub-15",
    )
}

fn remembered(d: &serde_json::Value, username: &str) -> DeviceCredentials {
    DeviceCredentials::new(
        username,
        str_of(d, "device_key"),
        str_of(d, "device_group_key"),
        Password::new(str_of(d, "device_password")),
    )
}

/// §13.12 Signing in on a remembered device: DEVICE_KEY everywhere, then DEVICE_SRP_AUTH and
/// DEVICE_PASSWORD_VERIFIER with the claim AWS's client computes.
#[test]
fn remembered_device_sign_in() {
    let v = user_vector();
    let d = device_vector();
    let t = str_of(&v, "user_id_for_srp");
    let typed = str_of(&v, "username");
    let dk = str_of(&d, "device_key");
    let mut bytes = a_bytes(&v);
    bytes.extend(a_bytes(&d));
    let mut rng = ReplayRng::new(bytes);
    let config = user_config(&v)
        .with_client_secret(ClientSecret::new(SECRET))
        .with_device(remembered(&d, t));
    let (mut m, req) = SignIn::start(
        config,
        Start::user_srp(typed, Password::new(str_of(&v, "password"))),
        vnow(&v),
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            // The user typed an alias: the record (keyed by the internal name) is not sent
            // until the service names the user.
            "AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": typed, "SRP_A": v["A_hex"], "SECRET_HASH": sh(typed)}
        }),
    );
    let req = send(ok(&mut m, pv_challenge(&v, None), vnow(&v), &mut rng));
    let mut responses = pv_responses(&v);
    responses["SECRET_HASH"] = json!(sh(t));
    responses["DEVICE_KEY"] = json!(dk);
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT, "ChallengeResponses": responses
        }),
    );
    let req = send(ok(
        &mut m,
        json!({"ChallengeName": "DEVICE_SRP_AUTH", "Session": SESSION1, "ChallengeParameters": {}}),
        vnow(&d),
        &mut rng,
    ));
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "DEVICE_SRP_AUTH", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": t, "SRP_A": d["A_hex"], "SECRET_HASH": sh(t), "DEVICE_KEY": dk}
        }),
    );
    assert!(rng.exhausted(), "a fresh a for the device step");
    let req = send(ok(
        &mut m,
        json!({
            "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": SESSION2,
            "ChallengeParameters": {"SALT": d["salt_hex"], "SRP_B": d["srp_b_hex"],
                "SECRET_BLOCK": d["secret_block_b64"], "USERNAME": t, "DEVICE_KEY": dk}
        }),
        vnow(&d),
        &mut rng,
    ));
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ClientId": CLIENT, "Session": SESSION2,
            "ChallengeResponses": {"USERNAME": t, "PASSWORD_CLAIM_SECRET_BLOCK": d["secret_block_b64"],
                "TIMESTAMP": d["timestamp"], "PASSWORD_CLAIM_SIGNATURE": d["signature_b64"],
                "SECRET_HASH": sh(t), "DEVICE_KEY": dk}
        }),
    );
    let s = done(ok(&mut m, tokens_reply(t), vnow(&d), &mut rng));
    assert!(s.new_device.is_none());
    assert!(!s.device_forgotten);
    assert_eq!(
        s.device_key.as_deref(),
        Some(dk),
        "the tokens are bound to the device"
    );
}

/// A remembered device the service has forgotten: dropped, the same answer sent again
/// without DEVICE_KEY (once), and the caller told to delete the record.
#[test]
fn forgotten_device_is_dropped_once() {
    let v = user_vector();
    let d = device_vector();
    let t = str_of(&v, "user_id_for_srp");
    let mut rng = ReplayRng::new(a_bytes(&v));
    let config = user_config(&v).with_device(remembered(&d, t));
    let (mut m, _) = SignIn::start(
        config,
        Start::user_srp(
            str_of(&v, "username"),
            Password::new(str_of(&v, "password")),
        ),
        vnow(&v),
        &mut rng,
    )
    .unwrap();
    let req = send(ok(&mut m, pv_challenge(&v, None), vnow(&v), &mut rng));
    assert!(
        body_of(&req, Operation::RespondToAuthChallenge)["ChallengeResponses"]["DEVICE_KEY"]
            .is_string()
    );
    let req = send(
        fail(
            &mut m,
            "ResourceNotFoundException",
            "Device does not exist.",
            vnow(&v),
            &mut rng,
        )
        .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT, "ChallengeResponses": pv_responses(&v)
        }),
    );
    let s = done(ok(&mut m, tokens_reply(t), vnow(&v), &mut rng));
    assert!(s.device_forgotten);

    // A second "device does not exist" is terminal.
    let mut rng = ReplayRng::new(a_bytes(&v));
    let config = user_config(&v).with_device(remembered(&d, t));
    let (mut m, _) = SignIn::start(
        config,
        Start::user_srp(
            str_of(&v, "username"),
            Password::new(str_of(&v, "password")),
        ),
        vnow(&v),
        &mut rng,
    )
    .unwrap();
    let _ = send(ok(&mut m, pv_challenge(&v, None), vnow(&v), &mut rng));
    let _ = send(
        fail(
            &mut m,
            "ResourceNotFoundException",
            "Device does not exist.",
            vnow(&v),
            &mut rng,
        )
        .unwrap(),
    );
    let err = fail(
        &mut m,
        "ResourceNotFoundException",
        "Device does not exist.",
        vnow(&v),
        &mut rng,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Service(ref e) if e.kind == ErrorKind::ResourceNotFound));
}

/// §13.13 Refresh: REFRESH_TOKEN_AUTH with a device key and a client secret (hashed over the
/// internal username), and GetTokensFromRefreshToken with the raw secret.
#[test]
fn refresh() {
    let mut rng = ReplayRng::seeded(13);
    let device = DeviceCredentials::new("7d4e-uuid", "us-east-1_dk", "-gk", Password::new("pw"));
    let config = plain_config()
        .with_client_secret(ClientSecret::new(SECRET))
        .with_device(device);
    let (mut m, req) = SignIn::start(
        config.clone(),
        Start::refresh("rt-1", Some("7d4e-uuid".into())),
        NOW,
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"REFRESH_TOKEN": "rt-1", "SECRET_HASH": sh("7d4e-uuid"), "DEVICE_KEY": "us-east-1_dk"}
        }),
    );
    let mut reply = tokens_reply("7d4e-uuid");
    reply["AuthenticationResult"]
        .as_object_mut()
        .unwrap()
        .remove("RefreshToken");
    let s = done(ok(&mut m, reply, NOW, &mut rng));
    assert_eq!(
        s.tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some("rt-1"),
        "the old refresh token is kept"
    );
    assert_eq!(s.username, "7d4e-uuid");
    // With a secret, the username is required.
    assert_eq!(
        SignIn::start(config.clone(), Start::refresh("rt-1", None), NOW, &mut rng).unwrap_err(),
        Error::Misuse(Misuse::BadArgument("username"))
    );
    // Without a secret, no username is sent.
    let (_, req) =
        SignIn::start(plain_config(), Start::refresh("rt-1", None), NOW, &mut rng).unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT, "AuthParameters": {"REFRESH_TOKEN": "rt-1"}
        }),
    );
    // Rotation: no username, so the device key comes with the start.
    let (mut m, req) = SignIn::start(
        config,
        Start::refresh_rotating("rt-1").with_device_key("us-east-1_dk"),
        NOW,
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::GetTokensFromRefreshToken,
        json!({
            "RefreshToken": "rt-1", "ClientId": CLIENT, "ClientSecret": SECRET, "DeviceKey": "us-east-1_dk"
        }),
    );
    let mut reply = tokens_reply("7d4e-uuid");
    reply["AuthenticationResult"]["RefreshToken"] = json!("rt-2");
    let s = done(ok(&mut m, reply, NOW, &mut rng));
    assert_eq!(
        s.tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some("rt-2")
    );
}

/// §13.14 USER_AUTH without a preference: SELECT_CHALLENGE, the user picks email OTP.
#[test]
fn user_auth_select_email_otp() {
    let mut rng = ReplayRng::seeded(14);
    let (mut m, req) =
        SignIn::start(plain_config(), Start::user_auth("jane"), NOW, &mut rng).unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_AUTH", "ClientId": CLIENT, "AuthParameters": {"USERNAME": "jane"}
        }),
    );
    let q = prompt(ok(
        &mut m,
        json!({"ChallengeName": "SELECT_CHALLENGE", "Session": SESSION1,
        "ChallengeParameters": {}, "AvailableChallenges": ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]}),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::SelectChallenge {
            available: vec!["PASSWORD".into(), "PASSWORD_SRP".into(), "EMAIL_OTP".into()]
        }
    );
    let req = send(
        m.answer(Answer::FirstFactor(FirstFactor::EmailOtp), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "SELECT_CHALLENGE", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "jane", "ANSWER": "EMAIL_OTP"}
        }),
    );
    prompt(ok(
        &mut m,
        json!({"ChallengeName": "EMAIL_OTP", "Session": SESSION2,
        "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "j***@e***"}}),
        NOW,
        &mut rng,
    ));
    let req = send(
        m.answer(Answer::Code("12345678".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "EMAIL_OTP", "ClientId": CLIENT, "Session": SESSION2,
            "ChallengeResponses": {"USERNAME": "jane", "EMAIL_OTP_CODE": "12345678"}
        }),
    );
    done(ok(&mut m, tokens_reply("jane"), NOW, &mut rng));

    // Picking the password instead sends it in the same SELECT_CHALLENGE answer.
    let (mut m, _) =
        SignIn::start(plain_config(), Start::user_auth("jane"), NOW, &mut rng).unwrap();
    prompt(ok(
        &mut m,
        json!({"ChallengeName": "SELECT_CHALLENGE", "Session": SESSION1,
        "AvailableChallenges": ["PASSWORD", "EMAIL_OTP"]}),
        NOW,
        &mut rng,
    ));
    let req = send(
        m.answer(
            Answer::FirstFactor(FirstFactor::Password(Password::new("pw"))),
            NOW,
            &mut rng,
        )
        .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "SELECT_CHALLENGE", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "jane", "ANSWER": "PASSWORD", "PASSWORD": "pw"}
        }),
    );
}

/// §13.14 variant: SELECT_CHALLENGE → PASSWORD_SRP → PASSWORD_VERIFIER.
#[test]
fn user_auth_select_password_srp() {
    let v = user_vector();
    let typed = str_of(&v, "username");
    let mut rng = ReplayRng::seeded(15);
    let (mut m, _) =
        SignIn::start(user_config(&v), Start::user_auth(typed), NOW, &mut rng).unwrap();
    prompt(ok(
        &mut m,
        json!({"ChallengeName": "SELECT_CHALLENGE", "Session": SESSION1,
        "AvailableChallenges": ["PASSWORD_SRP", "WEB_AUTHN"]}),
        NOW,
        &mut rng,
    ));
    let mut rng = ReplayRng::new(a_bytes(&v));
    let req = send(
        m.answer(
            Answer::FirstFactor(FirstFactor::PasswordSrp(Password::new(str_of(
                &v, "password",
            )))),
            NOW,
            &mut rng,
        )
        .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "SELECT_CHALLENGE", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": typed, "ANSWER": "PASSWORD_SRP", "SRP_A": v["A_hex"]}
        }),
    );
    let req = send(ok(
        &mut m,
        pv_challenge(&v, Some(SESSION2)),
        vnow(&v),
        &mut rng,
    ));
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT, "Session": SESSION2,
            "ChallengeResponses": pv_responses(&v)
        }),
    );
}

/// §13.15 USER_AUTH with a preference: PASSWORD_SRP (SRP_A at once) and PASSWORD.
#[test]
fn user_auth_preferred() {
    let v = user_vector();
    let typed = str_of(&v, "username");
    let mut rng = ReplayRng::new(a_bytes(&v));
    let (mut m, req) = SignIn::start(
        user_config(&v),
        Start::user_auth_preferring(
            typed,
            FirstFactor::PasswordSrp(Password::new(str_of(&v, "password"))),
        ),
        vnow(&v),
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": typed, "PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": v["A_hex"]}
        }),
    );
    let req = send(ok(
        &mut m,
        pv_challenge(&v, Some(SESSION1)),
        vnow(&v),
        &mut rng,
    ));
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": pv_responses(&v)
        }),
    );

    let config = plain_config().with_client_secret(ClientSecret::new(SECRET));
    let (mut m, req) = SignIn::start(
        config,
        Start::user_auth_preferring("jane", FirstFactor::Password(Password::new("pw"))),
        NOW,
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": "jane", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "pw", "SECRET_HASH": sh("jane")}
        }),
    );
    done(ok(&mut m, tokens_reply("jane"), NOW, &mut rng));
}

/// §13.16 USER_AUTH with a passkey: the options handed out, the credential taken back.
#[test]
fn user_auth_passkey() {
    let mut rng = ReplayRng::seeded(16);
    let (mut m, req) = SignIn::start(
        plain_config(),
        Start::user_auth_preferring("jane", FirstFactor::WebAuthn(None)),
        NOW,
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": "jane", "PREFERRED_CHALLENGE": "WEB_AUTHN"}
        }),
    );
    let options = r#"{"challenge":"Y2hhbGxlbmdl","rpId":"example.com","timeout":60000,"allowCredentials":[{"type":"public-key","id":"Y3JlZA"}],"userVerification":"preferred"}"#;
    let q = prompt(ok(
        &mut m,
        json!({"ChallengeName": "WEB_AUTHN", "Session": SESSION1,
        "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": options}}),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::WebAuthn {
            credential_request_options: options.into()
        }
    );
    let credential = r#"{"id":"Y3JlZA","rawId":"Y3JlZA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AAAA","signature":"c2ln"},"clientExtensionResults":{}}"#;
    let req = send(
        m.answer(Answer::Credential(credential.into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "WEB_AUTHN", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "jane", "CREDENTIAL": credential}
        }),
    );
    done(ok(&mut m, tokens_reply("jane"), NOW, &mut rng));
}

/// §13.17 Sign-in straight after sign-up: USER_AUTH with the ConfirmSignUp session.
#[test]
fn sign_in_after_sign_up() {
    let mut rng = ReplayRng::seeded(17);
    let config = plain_config().with_client_secret(ClientSecret::new(SECRET));
    let (mut m, req) = SignIn::start(
        config,
        Start::user_auth("jane").with_session(SESSION1),
        NOW,
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_AUTH", "ClientId": CLIENT, "Session": SESSION1,
            "AuthParameters": {"USERNAME": "jane", "SECRET_HASH": sh("jane")}
        }),
    );
    done(ok(&mut m, tokens_reply("jane"), NOW, &mut rng));
}

/// The PASSWORD and PASSWORD_SRP challenges, asked for when no password is at hand.
#[test]
fn password_challenges() {
    let mut rng = ReplayRng::seeded(18);
    let (mut m, _) =
        SignIn::start(plain_config(), Start::user_auth("jane"), NOW, &mut rng).unwrap();
    let q = prompt(ok(
        &mut m,
        json!({"ChallengeName": "PASSWORD", "Session": SESSION1}),
        NOW,
        &mut rng,
    ));
    assert_eq!(q.challenge, Challenge::Password { srp: false });
    let req = send(
        m.answer(Answer::Password(Password::new("pw")), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "jane", "PASSWORD": "pw"}
        }),
    );
    let (mut m, _) =
        SignIn::start(plain_config(), Start::user_auth("jane"), NOW, &mut rng).unwrap();
    let q = prompt(ok(
        &mut m,
        json!({"ChallengeName": "PASSWORD_SRP", "Session": SESSION1}),
        NOW,
        &mut rng,
    ));
    assert_eq!(q.challenge, Challenge::Password { srp: true });
    let req = send(
        m.answer(Answer::Password(Password::new("pw")), NOW, &mut rng)
            .unwrap(),
    );
    let body = body_of(&req, Operation::RespondToAuthChallenge);
    assert_eq!(body["ChallengeName"], "PASSWORD_SRP");
    assert!(body["ChallengeResponses"]["SRP_A"].as_str().unwrap().len() > 700);
}

/// The server's Date header shifts TIMESTAMP by the clock offset.
#[test]
fn server_date_corrects_timestamp() {
    let v = user_vector();
    let mut rng = ReplayRng::new(a_bytes(&v));
    let (mut m, _) = SignIn::start(
        user_config(&v),
        Start::user_srp(
            str_of(&v, "username"),
            Password::new(str_of(&v, "password")),
        ),
        NOW,
        &mut rng,
    )
    .unwrap();
    // The caller's clock is 100 s fast; the server's Date says the vector's time.
    let skewed = UnixTime(vnow(&v).0 + 100);
    let body = serde_json::to_vec(&pv_challenge(&v, None)).unwrap();
    let date = "Sat, 27 Apr 2030 09:04:25 GMT";
    let req = send(
        m.handle(Response::new(200, &body).with_date(date), skewed, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT, "ChallengeResponses": pv_responses(&v)
        }),
    );
}

/// USER_AUTH preferring SMS_OTP: the passwordless SMS code.
#[test]
fn user_auth_sms_otp() {
    let mut rng = ReplayRng::seeded(22);
    let (mut m, req) = SignIn::start(
        plain_config(),
        Start::user_auth_preferring("+15550100", FirstFactor::SmsOtp),
        NOW,
        &mut rng,
    )
    .unwrap();
    expect(
        &req,
        Operation::InitiateAuth,
        json!({
            "AuthFlow": "USER_AUTH", "ClientId": CLIENT,
            "AuthParameters": {"USERNAME": "+15550100", "PREFERRED_CHALLENGE": "SMS_OTP"}
        }),
    );
    let q = prompt(ok(
        &mut m,
        json!({"ChallengeName": "SMS_OTP", "Session": SESSION1,
        "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******0100", "USERNAME": "u-1"}}),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        q.challenge,
        Challenge::SmsOtp {
            destination: Some("+*******0100".into())
        }
    );
    let req = send(
        m.answer(Answer::Code("000042".into()), NOW, &mut rng)
            .unwrap(),
    );
    expect(
        &req,
        Operation::RespondToAuthChallenge,
        json!({
            "ChallengeName": "SMS_OTP", "ClientId": CLIENT, "Session": SESSION1,
            "ChallengeResponses": {"USERNAME": "u-1", "SMS_OTP_CODE": "000042"}
        }),
    );
    let s = done(ok(&mut m, tokens_reply("u-1"), NOW, &mut rng));
    assert_eq!(s.username, "u-1");
}
