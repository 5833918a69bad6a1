//! This project's own state machine signs in over HTTP against the server binary, for every
//! flow and challenge the server serves; and the server refuses what Cognito refuses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, DeviceStatus, Error, FirstFactor, MfaType, Password,
    Start,
};
use common::{Server, claims, no_questions, pool, totp};
use serde_json::json;

const POOL: &str = "us-east-1_SignIn0001";
const CLIENT: &str = "signinclient1";
const SECRET_CLIENT: &str = "signinclient2";
const SECRET: &str = "s3cr3t0f0urc1i3nt";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn service_error(result: Result<cognito_signin::SignedIn, Error>) -> String {
    match result {
        Err(Error::Service(e)) => e.kind.name().to_owned(),
        other => panic!("expected a Cognito error, got {other:?}"),
    }
}

fn password(p: &str) -> Password {
    Password::new(p)
}

fn basic_server() -> Server {
    let mut p = pool(
        POOL,
        CLIENT,
        json!([
            {"Username": "alice", "Password": "Correct-Horse-1",
             "Attributes": {"email": "alice@example.com", "email_verified": "true"}},
            {"Username": "temp", "Password": "Temporary-1", "Permanent": false},
            {"Username": "off", "Password": "Correct-Horse-1", "Enabled": false},
        ]),
        json!({"AliasAttributes": ["email"]}),
    );
    p["Clients"].as_array_mut().unwrap().push(json!({
        "ClientId": SECRET_CLIENT, "ClientSecret": SECRET,
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    }));
    Server::with_config(&json!({"UserPools": [p]}))
}

#[test]
fn user_srp_auth_public_client_secret_client_and_alias() {
    let server = basic_server();
    let config = Config::new(POOL, CLIENT).unwrap();
    let done = server
        .sign_in(
            &config,
            Start::user_srp("alice", password("Correct-Horse-1")),
            no_questions,
        )
        .unwrap();
    assert_eq!(done.username, "alice");
    let access = claims(&done.tokens.access_token);
    assert_eq!(access["username"], "alice");
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], CLIENT);
    assert_eq!(access["iss"], format!("{}/{POOL}", server.url));
    let id = claims(done.tokens.id_token.as_deref().unwrap());
    assert_eq!(id["aud"], CLIENT);
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["sub"], access["sub"]);

    // Signed in by the email alias: the machine answers with USER_ID_FOR_SRP.
    let by_alias = server
        .sign_in(
            &config,
            Start::user_srp("alice@example.com", password("Correct-Horse-1")),
            no_questions,
        )
        .unwrap();
    assert_eq!(by_alias.username, "alice");

    let secret_config = Config::new(POOL, SECRET_CLIENT)
        .unwrap()
        .with_client_secret(ClientSecret::new(SECRET));
    let done = server
        .sign_in(
            &secret_config,
            Start::user_srp("alice", password("Correct-Horse-1")),
            no_questions,
        )
        .unwrap();
    assert_eq!(
        claims(&done.tokens.access_token)["client_id"],
        SECRET_CLIENT
    );

    // The same client without its secret, or with another one, is refused.
    let unsigned = Config::new(POOL, SECRET_CLIENT).unwrap();
    let start = Start::user_srp("alice", password("Correct-Horse-1"));
    assert_eq!(
        service_error(server.sign_in(&unsigned, start, no_questions)),
        "NotAuthorizedException"
    );
    let wrong = Config::new(POOL, SECRET_CLIENT)
        .unwrap()
        .with_client_secret(ClientSecret::new("not-the-secret"));
    let start = Start::user_srp("alice", password("Correct-Horse-1"));
    assert_eq!(
        service_error(server.sign_in(&wrong, start, no_questions)),
        "NotAuthorizedException"
    );
}

#[test]
fn wrong_passwords_unknown_and_disabled_users_are_refused() {
    let server = basic_server();
    let config = Config::new(POOL, CLIENT).unwrap();
    for (start, expected) in [
        (
            Start::user_srp("alice", password("Wrong-Horse-1")),
            "NotAuthorizedException",
        ),
        (
            Start::user_password("alice", password("Wrong-Horse-1")),
            "NotAuthorizedException",
        ),
        (
            Start::admin_user_password("alice", password("Wrong-Horse-1")),
            "NotAuthorizedException",
        ),
        (
            Start::user_srp("off", password("Correct-Horse-1")),
            "NotAuthorizedException",
        ),
        // PreventUserExistenceErrors is ENABLED by default for new clients.
        (
            Start::user_srp("nobody", password("Correct-Horse-1")),
            "NotAuthorizedException",
        ),
    ] {
        assert_eq!(
            service_error(server.sign_in(&config, start, no_questions)),
            expected
        );
    }
    // An unknown app client.
    let other = Config::new(POOL, "noclient").unwrap();
    let start = Start::user_srp("alice", password("Correct-Horse-1"));
    assert_eq!(
        service_error(server.sign_in(&other, start, no_questions)),
        "ResourceNotFoundException"
    );
}

#[test]
fn password_flows_admin_flows_and_new_password() {
    let server = basic_server();
    let config = Config::new(POOL, CLIENT).unwrap();
    for start in [
        Start::user_password("alice", password("Correct-Horse-1")),
        Start::admin_user_password("alice", password("Correct-Horse-1")),
        Start::user_srp("alice", password("Correct-Horse-1")).via_admin(),
    ] {
        let done = server.sign_in(&config, start, no_questions).unwrap();
        assert_eq!(done.username, "alice");
    }
    // A temporary password: NEW_PASSWORD_REQUIRED, a refused new password asked again,
    // then the new one works and the old one does not.
    let mut asked = 0;
    let done = server
        .sign_in(
            &config,
            Start::user_srp("temp", password("Temporary-1")),
            |prompt| {
                assert!(matches!(prompt.challenge, Challenge::NewPassword { .. }));
                asked += 1;
                let password = if asked == 1 {
                    "short"
                } else {
                    "Brand-New-Pass-1"
                };
                Answer::NewPassword {
                    password: Password::new(password),
                    attributes: BTreeMap::new(),
                }
            },
        )
        .unwrap();
    assert_eq!(asked, 2);
    assert_eq!(done.username, "temp");
    let user = server.ok(
        "AdminGetUser",
        json!({"UserPoolId": POOL, "Username": "temp"}),
    );
    assert_eq!(user["UserStatus"], "CONFIRMED");
    server
        .sign_in(
            &config,
            Start::user_srp("temp", password("Brand-New-Pass-1")),
            no_questions,
        )
        .unwrap();
    let start = Start::user_srp("temp", password("Temporary-1"));
    assert_eq!(
        service_error(server.sign_in(&config, start, no_questions)),
        "NotAuthorizedException"
    );
}

#[test]
fn totp_mfa_then_a_remembered_device_skips_it_until_forgotten() {
    let p = pool(
        POOL,
        CLIENT,
        json!([{"Username": "bob", "Password": "Correct-Horse-1", "SoftwareTokenSecret": TOTP_SECRET}]),
        json!({
            "MfaConfiguration": "OPTIONAL",
            "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": true,
                                    "DeviceOnlyRememberedOnUserPrompt": true},
        }),
    );
    let server = Server::with_config(&json!({"UserPools": [p]}));
    let config = Config::new(POOL, CLIENT).unwrap();
    let mut questions = Vec::new();
    let first = server
        .sign_in(
            &config,
            Start::user_srp("bob", password("Correct-Horse-1")),
            |prompt| {
                questions.push(prompt.challenge.clone());
                match prompt.challenge {
                    Challenge::SoftwareTokenMfa { .. } => Answer::Code(totp(TOTP_SECRET)),
                    Challenge::RememberDevice => Answer::RememberDevice(true),
                    _ => panic!("unexpected {prompt:?}"),
                }
            },
        )
        .unwrap();
    assert_eq!(questions.len(), 2, "{questions:?}");
    let device = first.new_device.as_ref().unwrap();
    assert_eq!(device.status, DeviceStatus::Remembered);
    let credentials = first.device_credentials().unwrap().clone();
    let access = first.tokens.access_token.clone();
    assert_eq!(claims(&access)["device_key"], device.device_key.as_str());

    let devices = server.ok("ListDevices", json!({"AccessToken": access}));
    assert_eq!(
        devices["Devices"][0]["DeviceKey"],
        device.device_key.as_str()
    );
    let admin_devices = server.ok(
        "AdminListDevices",
        json!({"UserPoolId": POOL, "Username": "bob"}),
    );
    assert_eq!(admin_devices["Devices"].as_array().unwrap().len(), 1);

    // The remembered device: device SRP, no MFA.
    let with_device = config.clone().with_device(credentials.clone());
    let second = server
        .sign_in(
            &with_device,
            Start::user_srp("bob", password("Correct-Horse-1")),
            no_questions,
        )
        .unwrap();
    assert_eq!(
        second.device_key.as_deref(),
        Some(device.device_key.as_str())
    );
    assert!(second.new_device.is_none());

    // A refresh bound to the device.
    let refreshed = server
        .sign_in(&with_device, second.refresh_start().unwrap(), no_questions)
        .unwrap();
    assert_eq!(claims(&refreshed.tokens.access_token)["username"], "bob");

    // A wrong device password is refused: the server checks the device proof.
    let forged = cognito_signin::DeviceCredentials::new(
        "bob",
        credentials.device_key.clone(),
        credentials.device_group_key.clone(),
        Password::new("not-the-device-password"),
    );
    let start = Start::user_srp("bob", password("Correct-Horse-1"));
    assert_eq!(
        service_error(server.sign_in(&config.clone().with_device(forged), start, no_questions)),
        "NotAuthorizedException"
    );

    // Forgotten by an administrator: the machine signs in without it, with MFA again.
    server.ok(
        "AdminForgetDevice",
        json!({"UserPoolId": POOL, "Username": "bob", "DeviceKey": device.device_key}),
    );
    let third = server
        .sign_in(
            &with_device,
            Start::user_srp("bob", password("Correct-Horse-1")),
            |prompt| match prompt.challenge {
                Challenge::SoftwareTokenMfa { .. } => Answer::Code(totp(TOTP_SECRET)),
                Challenge::RememberDevice => Answer::RememberDevice(false),
                _ => panic!("unexpected {prompt:?}"),
            },
        )
        .unwrap();
    assert!(third.device_forgotten);
    assert_eq!(
        third.new_device.as_ref().unwrap().status,
        DeviceStatus::NotRemembered
    );
}

#[test]
fn mfa_setup_with_totp_then_sms_email_and_choice() {
    let p = pool(
        POOL,
        CLIENT,
        json!([
            {"Username": "carol", "Password": "Correct-Horse-1"},
            {"Username": "dave", "Password": "Correct-Horse-1", "SmsMfa": true,
             "Attributes": {"phone_number": "+15555550100", "phone_number_verified": "true"}},
            {"Username": "erin", "Password": "Correct-Horse-1", "EmailMfa": true,
             "Attributes": {"email": "erin@example.com", "email_verified": "true"}},
            {"Username": "frank", "Password": "Correct-Horse-1", "SmsMfa": true,
             "SoftwareTokenSecret": TOTP_SECRET, "PreferredMfa": null,
             "Attributes": {"phone_number": "+15555550101"}},
        ]),
        json!({
            "MfaConfiguration": "ON",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms"},
            "EmailMfaConfiguration": {"Message": "{####}", "Subject": "code"},
        }),
    );
    let server = Server::with_config(&json!({"UserPools": [p]}));
    let config = Config::new(POOL, CLIENT).unwrap();

    // MFA is on and carol has none: MFA_SETUP, TOTP chosen, verified with the first code.
    let mut secret = String::new();
    let done = server
        .sign_in(
            &config,
            Start::user_srp("carol", password("Correct-Horse-1")),
            |prompt| match &prompt.challenge {
                Challenge::MfaSetup { options } => {
                    assert!(options.contains(&MfaType::SoftwareToken), "{options:?}");
                    Answer::SetUpTotp
                }
                Challenge::TotpSetup { secret_code, .. } => {
                    secret = secret_code.clone();
                    Answer::Code(totp(secret_code))
                }
                _ => panic!("unexpected {prompt:?}"),
            },
        )
        .unwrap();
    assert_eq!(done.username, "carol");
    let user = server.ok(
        "AdminGetUser",
        json!({"UserPoolId": POOL, "Username": "carol"}),
    );
    assert_eq!(user["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    // Next time the registered TOTP is asked for.
    server
        .sign_in(
            &config,
            Start::user_srp("carol", password("Correct-Horse-1")),
            |prompt| match prompt.challenge {
                Challenge::SoftwareTokenMfa { .. } => Answer::Code(totp(&secret)),
                _ => panic!("unexpected {prompt:?}"),
            },
        )
        .unwrap();

    // SMS and email codes, read from the outbox; a wrong code first is asked again.
    for (user, medium) in [("dave", "SMS"), ("erin", "EMAIL")] {
        let mut tries = 0;
        server
            .sign_in(
                &config,
                Start::user_srp(user, password("Correct-Horse-1")),
                |prompt| {
                    match (&prompt.challenge, medium) {
                        (Challenge::SmsMfa { .. }, "SMS")
                        | (Challenge::EmailOtp { .. }, "EMAIL") => {}
                        _ => panic!("unexpected {prompt:?}"),
                    }
                    tries += 1;
                    if tries == 1 {
                        Answer::Code("000000".into())
                    } else {
                        Answer::Code(server.last_code(POOL, user))
                    }
                },
            )
            .unwrap();
        assert_eq!(tries, 2, "{user}");
    }

    // Two methods and no preference: SELECT_MFA_TYPE.
    let mut chose = false;
    server
        .sign_in(
            &config,
            Start::user_srp("frank", password("Correct-Horse-1")),
            |prompt| match &prompt.challenge {
                Challenge::SelectMfaType { options } => {
                    assert_eq!(options.len(), 2, "{options:?}");
                    chose = true;
                    Answer::Mfa(MfaType::SoftwareToken)
                }
                Challenge::SoftwareTokenMfa { .. } => Answer::Code(totp(TOTP_SECRET)),
                _ => panic!("unexpected {prompt:?}"),
            },
        )
        .unwrap();
    assert!(chose);
}

#[test]
fn user_auth_choice_based_first_factors() {
    let p = pool(
        POOL,
        CLIENT,
        json!([{"Username": "gina", "Password": "Correct-Horse-1",
                "Attributes": {"email": "gina@example.com", "email_verified": "true",
                               "phone_number": "+15555550102", "phone_number_verified": "true"}}]),
        json!({
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms"},
            "EmailMfaConfiguration": {"Message": "{####}", "Subject": "code"},
        }),
    );
    let server = Server::with_config(&json!({"UserPools": [p]}));
    let config = Config::new(POOL, CLIENT).unwrap();
    for factor in [
        FirstFactor::EmailOtp,
        FirstFactor::SmsOtp,
        FirstFactor::PasswordSrp(password("Correct-Horse-1")),
        FirstFactor::Password(password("Correct-Horse-1")),
    ] {
        let done = server
            .sign_in(
                &config,
                Start::user_auth_preferring("gina", factor.clone()),
                |prompt| match &prompt.challenge {
                    Challenge::EmailOtp { .. } | Challenge::SmsOtp { .. } => {
                        Answer::Code(server.last_code(POOL, "gina"))
                    }
                    Challenge::Password { .. } => {
                        Answer::Password(Password::new("Correct-Horse-1"))
                    }
                    Challenge::SelectChallenge { .. } => Answer::FirstFactor(factor.clone()),
                    _ => panic!("unexpected {prompt:?}"),
                },
            )
            .unwrap_or_else(|e| panic!("{factor:?}: {e}"));
        assert_eq!(done.username, "gina");
    }
}

#[test]
fn refresh_with_and_without_rotation_and_revocation() {
    let mut p = pool(
        POOL,
        CLIENT,
        json!([{"Username": "hank", "Password": "Correct-Horse-1"}]),
        json!({}),
    );
    p["Clients"].as_array_mut().unwrap().push(json!({
        "ClientId": "rotatingclient",
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    }));
    let server = Server::with_config(&json!({"UserPools": [p]}));
    let config = Config::new(POOL, CLIENT).unwrap();
    let done = server
        .sign_in(
            &config,
            Start::user_srp("hank", password("Correct-Horse-1")),
            no_questions,
        )
        .unwrap();
    let refreshed = server
        .sign_in(&config, done.refresh_start().unwrap(), no_questions)
        .unwrap();
    assert_ne!(refreshed.tokens.access_token, done.tokens.access_token);

    // RevokeToken ends the refresh token and the access tokens it gave.
    let token = done
        .tokens
        .refresh_token
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    server.ok("RevokeToken", json!({"Token": token, "ClientId": CLIENT}));
    assert_eq!(
        server.fails(
            "GetUser",
            json!({"AccessToken": refreshed.tokens.access_token})
        ),
        "NotAuthorizedException"
    );
    assert_eq!(
        service_error(server.sign_in(&config, done.refresh_start().unwrap(), no_questions)),
        "NotAuthorizedException"
    );

    // Rotation: each refresh gives a new refresh token and ends the old one.
    let rotating = Config::new(POOL, "rotatingclient").unwrap();
    let done = server
        .sign_in(
            &rotating,
            Start::user_srp("hank", password("Correct-Horse-1")),
            no_questions,
        )
        .unwrap();
    let old = done.tokens.refresh_token.clone().unwrap();
    let next = server
        .sign_in(
            &rotating,
            Start::refresh_rotating(old.clone()),
            no_questions,
        )
        .unwrap();
    let new = next.tokens.refresh_token.clone().unwrap();
    assert_ne!(new.expose_secret(), old.expose_secret());
    assert_eq!(
        service_error(server.sign_in(&rotating, Start::refresh_rotating(old), no_questions)),
        "NotAuthorizedException"
    );
    server
        .sign_in(&rotating, Start::refresh_rotating(new), no_questions)
        .unwrap();
}
