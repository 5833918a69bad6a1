//! Every flow and challenge the local server serves, through the SDK's client: each request
//! the machine emits goes out through `send` (the SDK's fluent builder, signed with fake
//! credentials), and each check in `common::checked_sign_in` proves the request and the
//! reply crossed the SDK whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, DeviceCredentials, DeviceStatus, ErrorKind,
    FirstFactor, MfaType, Password, Prompt, Start,
};
use cognito_signin_aws_sdk::sign_in;
use common::{Local, checked_sign_in, claims, client, no_questions, pool, totp_now};
use serde_json::json;

const POOL: &str = "us-east-1_SdkSignIn01";
const CLIENT: &str = "sdkclient1";
const SECRET_CLIENT: &str = "sdkclient2";
const SECRET: &str = "s3cr3t0f0urc1i3nt";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn pw(p: &str) -> Password {
    Password::new(p)
}

async fn basic() -> Local {
    let mut p = pool(
        POOL,
        CLIENT,
        json!([
            {"Username": "alice", "Password": "Correct-Horse-1",
             "Attributes": {"email": "alice@example.com", "email_verified": "true"}},
            {"Username": "temp", "Password": "Temporary-1", "Permanent": false},
        ]),
        json!({"AliasAttributes": ["email"]}),
    );
    p["Clients"].as_array_mut().unwrap().push(json!({
        "ClientId": SECRET_CLIENT, "ClientSecret": SECRET,
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                              "ALLOW_REFRESH_TOKEN_AUTH"],
    }));
    Local::start(json!([p])).await
}

#[tokio::test]
async fn user_srp_auth_public_client_secret_client_alias_and_admin() {
    let server = basic().await;
    let (client, recorder) = client(&server.url);
    let config = Config::new(POOL, CLIENT).unwrap();

    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::user_srp("alice", pw("Correct-Horse-1")),
        no_questions,
    )
    .await;
    assert_eq!(run.operations, ["InitiateAuth", "RespondToAuthChallenge"]);
    let done = run.signed_in();
    assert_eq!(claims(&done.tokens.access_token)["username"], "alice");
    assert_eq!(
        claims(done.tokens.id_token.as_deref().unwrap())["email"],
        "alice@example.com"
    );

    // By the email alias: the machine answers with USER_ID_FOR_SRP.
    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::user_srp("alice@example.com", pw("Correct-Horse-1")),
        no_questions,
    )
    .await;
    assert_eq!(run.signed_in().username, "alice");

    // A client secret: SECRET_HASH on both legs, and through the admin twins as well.
    let secret = Config::new(POOL, SECRET_CLIENT)
        .unwrap()
        .with_client_secret(ClientSecret::new(SECRET));
    for (start, operations) in [
        (
            Start::user_srp("alice", pw("Correct-Horse-1")),
            &["InitiateAuth", "RespondToAuthChallenge"][..],
        ),
        (
            Start::user_srp("alice", pw("Correct-Horse-1")).via_admin(),
            &["AdminInitiateAuth", "AdminRespondToAuthChallenge"][..],
        ),
        (
            Start::admin_user_password("alice", pw("Correct-Horse-1")),
            &["AdminInitiateAuth"][..],
        ),
    ] {
        let run = checked_sign_in(&client, &recorder, &secret, start, no_questions).await;
        assert_eq!(run.operations, operations);
        let done = run.signed_in();
        assert_eq!(
            claims(&done.tokens.access_token)["client_id"],
            SECRET_CLIENT
        );
    }

    // The wrong secret, a wrong password: Cognito's refusal reaches the caller typed.
    let wrong = Config::new(POOL, SECRET_CLIENT)
        .unwrap()
        .with_client_secret(ClientSecret::new("not-the-secret"));
    let run = checked_sign_in(
        &client,
        &recorder,
        &wrong,
        Start::user_srp("alice", pw("Correct-Horse-1")),
        no_questions,
    )
    .await;
    assert_eq!(run.service_error(), "NotAuthorizedException");
    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::admin_user_password("alice", pw("Wrong-Horse-1")),
        no_questions,
    )
    .await;
    assert_eq!(run.service_error(), "NotAuthorizedException");

    // An unknown client: ResourceNotFoundException.
    let other = Config::new(POOL, "noclient").unwrap();
    let run = checked_sign_in(
        &client,
        &recorder,
        &other,
        Start::user_srp("alice", pw("Correct-Horse-1")),
        no_questions,
    )
    .await;
    assert_eq!(run.service_error(), "ResourceNotFoundException");
}

#[tokio::test]
async fn password_flows_and_new_password_required_asked_again() {
    let server = basic().await;
    let (client, recorder) = client(&server.url);
    let config = Config::new(POOL, CLIENT).unwrap();
    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::user_password("alice", pw("Correct-Horse-1")),
        no_questions,
    )
    .await;
    assert_eq!(run.operations, ["InitiateAuth"]);
    run.signed_in();

    let mut asked = 0;
    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::user_srp("temp", pw("Temporary-1")),
        |prompt| {
            assert!(matches!(prompt.challenge, Challenge::NewPassword { .. }));
            asked += 1;
            if asked == 2 {
                assert_eq!(
                    prompt.previous_error.as_ref().map(|e| e.kind.clone()),
                    Some(ErrorKind::InvalidPassword)
                );
            }
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
    .await;
    assert_eq!(asked, 2);
    assert_eq!(run.signed_in().username, "temp");
    let user = client
        .admin_get_user()
        .user_pool_id(POOL)
        .username("temp")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status.unwrap().as_str(), "CONFIRMED");

    // CUSTOM_AUTH: the local pool has no Lambda triggers, and says so.
    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::custom("alice"),
        no_questions,
    )
    .await;
    assert_eq!(run.service_error(), "InvalidLambdaResponseException");
}

#[tokio::test]
async fn totp_mfa_device_confirmed_remembered_then_device_srp_and_refresh() {
    let p = pool(
        POOL,
        CLIENT,
        json!([{"Username": "bob", "Password": "Correct-Horse-1",
                "SoftwareTokenSecret": TOTP_SECRET}]),
        json!({
            "MfaConfiguration": "OPTIONAL",
            "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": true,
                                    "DeviceOnlyRememberedOnUserPrompt": true},
        }),
    );
    let server = Local::start(json!([p])).await;
    let (client, recorder) = client(&server.url);
    let config = Config::new(POOL, CLIENT).unwrap();

    // A wrong code first: asked again, with the service's reason.
    let mut codes = 0;
    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::user_srp("bob", pw("Correct-Horse-1")),
        |prompt| match prompt.challenge {
            Challenge::SoftwareTokenMfa { .. } => {
                codes += 1;
                if codes == 1 {
                    Answer::Code(common::totp::wrong_code(
                        TOTP_SECRET,
                        common::unix_seconds(),
                    ))
                } else {
                    assert_eq!(
                        prompt.previous_error.as_ref().map(|e| e.kind.clone()),
                        Some(ErrorKind::CodeMismatch)
                    );
                    Answer::Code(totp_now(TOTP_SECRET))
                }
            }
            Challenge::RememberDevice => Answer::RememberDevice(true),
            _ => panic!("unexpected {prompt:?}"),
        },
    )
    .await;
    assert_eq!(
        run.operations,
        [
            "InitiateAuth",
            "RespondToAuthChallenge",
            "RespondToAuthChallenge",
            "RespondToAuthChallenge",
            "ConfirmDevice",
            "UpdateDeviceStatus"
        ]
    );
    let first = run.signed_in();
    assert_eq!(codes, 2);
    let device = first.new_device.as_ref().unwrap();
    assert_eq!(device.status, DeviceStatus::Remembered);
    let credentials = first.device_credentials().unwrap().clone();

    // The device record survives the JSON form, as an app would store it.
    let stored = serde_json::to_string(&credentials).unwrap();
    let restored: DeviceCredentials = serde_json::from_str(&stored).unwrap();

    // On the remembered device: device SRP, no MFA.
    let with_device = config.clone().with_device(restored);
    let run = checked_sign_in(
        &client,
        &recorder,
        &with_device,
        Start::user_srp("bob", pw("Correct-Horse-1")),
        no_questions,
    )
    .await;
    assert_eq!(
        run.operations,
        [
            "InitiateAuth",
            "RespondToAuthChallenge",
            "RespondToAuthChallenge",
            "RespondToAuthChallenge"
        ]
    );
    let second = run.signed_in();
    assert_eq!(
        second.device_key.as_deref(),
        Some(device.device_key.as_str())
    );

    // A refresh bound to the device.
    let run = checked_sign_in(
        &client,
        &recorder,
        &with_device,
        second.refresh_start().unwrap(),
        no_questions,
    )
    .await;
    assert_eq!(run.operations, ["InitiateAuth"]);
    assert_eq!(
        claims(&run.signed_in().tokens.access_token)["username"],
        "bob"
    );

    // The same remembered-device sign-in through the SDK's admin twins.
    let run = checked_sign_in(
        &client,
        &recorder,
        &with_device,
        Start::user_srp("bob", pw("Correct-Horse-1")).via_admin(),
        no_questions,
    )
    .await;
    assert_eq!(run.operations.len(), 4);
    assert!(run.operations.iter().all(|o| o.starts_with("Admin")));
    run.signed_in();

    // A forged device password is refused: the server checks the device proof.
    let forged = DeviceCredentials::new(
        "bob",
        credentials.device_key.clone(),
        credentials.device_group_key.clone(),
        Password::new("not-the-device-password"),
    );
    let run = checked_sign_in(
        &client,
        &recorder,
        &config.clone().with_device(forged),
        Start::user_srp("bob", pw("Correct-Horse-1")),
        no_questions,
    )
    .await;
    assert_eq!(run.service_error(), "NotAuthorizedException");
}

#[tokio::test]
async fn mfa_setup_totp_sms_email_and_select_mfa_type() {
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
    let server = Local::start(json!([p])).await;
    let (client, recorder) = client(&server.url);
    let config = Config::new(POOL, CLIENT).unwrap();

    // MFA_SETUP: AssociateSoftwareToken and VerifySoftwareToken through the SDK.
    let mut secret = String::new();
    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::user_srp("carol", pw("Correct-Horse-1")),
        |prompt| match &prompt.challenge {
            Challenge::MfaSetup { options } => {
                assert!(options.contains(&MfaType::SoftwareToken), "{options:?}");
                Answer::SetUpTotp
            }
            Challenge::TotpSetup { secret_code, .. } => {
                secret = secret_code.clone();
                Answer::Code(totp_now(secret_code))
            }
            _ => panic!("unexpected {prompt:?}"),
        },
    )
    .await;
    assert_eq!(
        run.operations,
        [
            "InitiateAuth",
            "RespondToAuthChallenge",
            "AssociateSoftwareToken",
            "VerifySoftwareToken",
            "RespondToAuthChallenge"
        ]
    );
    run.signed_in();
    let user = client
        .admin_get_user()
        .user_pool_id(POOL)
        .username("carol")
        .send()
        .await
        .unwrap();
    assert_eq!(user.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));

    // SMS and email codes from the outbox; a wrong code first is asked again.
    for (user, medium) in [("dave", "SMS"), ("erin", "EMAIL")] {
        let mut tries = 0;
        let run = checked_sign_in(
            &client,
            &recorder,
            &config,
            Start::user_srp(user, pw("Correct-Horse-1")),
            |prompt: &Prompt| {
                match (&prompt.challenge, medium) {
                    (Challenge::SmsMfa { .. }, "SMS") | (Challenge::EmailOtp { .. }, "EMAIL") => {}
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
        .await;
        run.signed_in();
        assert_eq!(tries, 2, "{user}");
    }

    // Two methods and no preference: SELECT_MFA_TYPE.
    let mut chose = false;
    let run = checked_sign_in(
        &client,
        &recorder,
        &config,
        Start::user_srp("frank", pw("Correct-Horse-1")),
        |prompt| match &prompt.challenge {
            Challenge::SelectMfaType { options } => {
                assert_eq!(options.len(), 2, "{options:?}");
                chose = true;
                Answer::Mfa(MfaType::SoftwareToken)
            }
            Challenge::SoftwareTokenMfa { .. } => Answer::Code(totp_now(TOTP_SECRET)),
            _ => panic!("unexpected {prompt:?}"),
        },
    )
    .await;
    run.signed_in();
    assert!(chose);
}

#[tokio::test]
async fn user_auth_first_factors_chosen_and_preferred() {
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
    let server = Local::start(json!([p])).await;
    let (client, recorder) = client(&server.url);
    let config = Config::new(POOL, CLIENT).unwrap();
    for factor in [
        FirstFactor::EmailOtp,
        FirstFactor::SmsOtp,
        FirstFactor::PasswordSrp(pw("Correct-Horse-1")),
        FirstFactor::Password(pw("Correct-Horse-1")),
    ] {
        for start in [
            Start::user_auth_preferring("gina", factor.clone()),
            Start::user_auth("gina"),
        ] {
            let run = checked_sign_in(&client, &recorder, &config, start, |prompt| {
                match &prompt.challenge {
                    Challenge::EmailOtp { .. } | Challenge::SmsOtp { .. } => {
                        Answer::Code(server.last_code(POOL, "gina"))
                    }
                    Challenge::Password { .. } => Answer::Password(pw("Correct-Horse-1")),
                    Challenge::SelectChallenge { .. } => Answer::FirstFactor(factor.clone()),
                    _ => panic!("unexpected {prompt:?}"),
                }
            })
            .await;
            assert_eq!(run.signed_in().username, "gina", "{factor:?}");
        }
    }
}

#[tokio::test]
async fn refresh_with_rotation_through_get_tokens_from_refresh_token() {
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
    let server = Local::start(json!([p])).await;
    let (client, recorder) = client(&server.url);
    let rotating = Config::new(POOL, "rotatingclient").unwrap();
    let done = checked_sign_in(
        &client,
        &recorder,
        &rotating,
        Start::user_srp("hank", pw("Correct-Horse-1")),
        no_questions,
    )
    .await
    .signed_in();
    let old = done.tokens.refresh_token.clone().unwrap();
    let run = checked_sign_in(
        &client,
        &recorder,
        &rotating,
        Start::refresh_rotating(old.clone()),
        no_questions,
    )
    .await;
    assert_eq!(run.operations, ["GetTokensFromRefreshToken"]);
    let new = run.signed_in().tokens.refresh_token.unwrap();
    assert_ne!(new.expose_secret(), old.expose_secret());
    // The old token is spent.
    let run = checked_sign_in(
        &client,
        &recorder,
        &rotating,
        Start::refresh_rotating(old),
        no_questions,
    )
    .await;
    assert_eq!(run.service_error(), "NotAuthorizedException");
}

/// The driver itself, as a user calls it: an async `ask`, the SDK client, the tokens.
#[tokio::test]
async fn the_driver_signs_in_with_an_async_ask() {
    let p = pool(
        POOL,
        CLIENT,
        json!([{"Username": "ivy", "Password": "Correct-Horse-1",
                "SoftwareTokenSecret": TOTP_SECRET}]),
        json!({"MfaConfiguration": "ON"}),
    );
    let server = Local::start(json!([p])).await;
    let (client, _) = client(&server.url);
    let config = Config::new(POOL, CLIENT).unwrap();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let done = sign_in(
        &client,
        config.clone(),
        Start::user_srp("ivy", pw("Correct-Horse-1")),
        move |prompt: Prompt| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::task::yield_now().await;
                match prompt.challenge {
                    Challenge::SoftwareTokenMfa { .. } => Answer::Code(totp_now(TOTP_SECRET)),
                    other => panic!("unexpected {other:?}"),
                }
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(done.username, "ivy");
    assert_eq!(asked.load(std::sync::atomic::Ordering::Relaxed), 1);

    // The driver's future is Send: it runs on a spawned task.
    let task = tokio::spawn({
        let client = client.clone();
        async move {
            sign_in(
                &client,
                config,
                Start::admin_user_password("ivy", pw("Wrong-Horse-1")),
                |_: Prompt| async { Answer::Code(String::new()) },
            )
            .await
        }
    });
    match task.await.unwrap() {
        Err(cognito_signin_aws_sdk::SignInError::SignIn(cognito_signin::Error::Service(e))) => {
            assert_eq!(e.kind.name(), "NotAuthorizedException");
        }
        other => panic!("expected NotAuthorizedException, got {other:?}"),
    }
}
