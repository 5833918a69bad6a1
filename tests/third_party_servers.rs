//! Whole sign-ins over real HTTP against third-party Cognito servers that nobody on this
//! project wrote: ministack (real SRP, TOTP and SECRET_HASH checks) and moto (the
//! `MFA_SETUP` and `SMS_MFA` shapes). `.ci/run` starts both on 127.0.0.1 and names them in
//! `COGNITO_TEST_MINISTACK` and `COGNITO_TEST_MOTO`; without them the tests are skipped (and
//! fail under `CI=true`). Each test creates its own pools, clients and users, so they also run
//! against a server that is already in use. What each server checks, and its deviations from
//! Cognito, are in `../shared/SERVERS.md`; the deviations are rewritten in
//! `servers/support.rs`, never accepted by the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

#[path = "third_party_servers/sigv4.rs"]
mod sigv4;
#[path = "third_party_servers/support.rs"]
mod support;
#[path = "third_party_servers/totp.rs"]
mod totp;

use std::collections::BTreeMap;

use cognito_signin::{
    Answer, Challenge, Error, ErrorKind, MfaType, Operation, Password, Prompt, ProtocolError,
    Response, SignIn, Start,
};
use rand::SeedableRng;
use serde_json::json;
use support::{Kind, Server, password, service_kind, unique, unix_seconds};

use Operation::{
    AdminInitiateAuth, AssociateSoftwareToken, InitiateAuth, RespondToAuthChallenge,
    VerifySoftwareToken,
};

/// moto's one TOTP secret for every user.
const MOTO_TOTP_SECRET: &str = "asdfasdfasdf";

fn ministack(test: &str) -> Option<Server> {
    Server::from_env(Kind::Ministack, test)
}

fn moto(test: &str) -> Option<Server> {
    Server::from_env(Kind::Moto, test)
}

/// Panics: the test's user is not asked anything.
fn no_questions(prompt: &Prompt) -> Answer {
    panic!("unexpected question: {prompt:?}")
}

/// Answers TOTP questions with the current code of `secret`; a code the server refuses as
/// out of its window (a 30-second boundary passed) is answered again with the new one.
fn totp_user(secret: &str) -> impl FnMut(&Prompt) -> Answer + '_ {
    move |prompt| match &prompt.challenge {
        Challenge::SoftwareTokenMfa { .. } | Challenge::TotpSetup { .. } => {
            Answer::Code(totp::code(secret, unix_seconds(), 0))
        }
        other => panic!("unexpected question: {other:?}"),
    }
}

/// The access token's payload claims (the servers' tokens are JWTs).
fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Counts the questions that were asked again after a `CodeMismatchException`: at most one,
/// when the code's 30-second step ended between computing and checking it.
fn boundary_retries(questions: &[(Challenge, Option<ErrorKind>)]) -> usize {
    questions
        .iter()
        .filter(|(_, e)| *e == Some(ErrorKind::CodeMismatch))
        .count()
}

// ---------------------------------------------------------------------------------------
// ministack: SRP proof, SECRET_HASH on every leg, TOTP codes per user
// ---------------------------------------------------------------------------------------

#[test]
fn ministack_user_srp_auth() {
    let Some(server) = ministack("ministack_user_srp_auth") else {
        return;
    };
    let app = server.app(json!({}), false);
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let run = server.sign_in(
        app.config(),
        Start::user_srp(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth, RespondToAuthChallenge]);
    let signed_in = run.signed_in();
    assert_eq!(signed_in.username, name);
    assert_eq!(claims(&signed_in.tokens.access_token)["username"], name);
    assert!(signed_in.tokens.refresh_token.is_some());
    assert!(signed_in.tokens.id_token.is_some());
}

#[test]
fn ministack_wrong_password_refused() {
    let Some(server) = ministack("ministack_wrong_password_refused") else {
        return;
    };
    let app = server.app(json!({}), false);
    let name = unique("user");
    server.create_user(&app, &name, &password(), true, &[]);

    // SRP: the service checks the proof made with the wrong password.
    let run = server.sign_in(
        app.config(),
        Start::user_srp(&name, Password::new("Wrong-Passw0rd!")),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth, RespondToAuthChallenge]);
    assert_eq!(service_kind(&run.error()), ErrorKind::NotAuthorized);

    // USER_PASSWORD_AUTH: refused at once.
    let run = server.sign_in(
        app.config(),
        Start::user_password(&name, Password::new("Wrong-Passw0rd!")),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth]);
    assert_eq!(service_kind(&run.error()), ErrorKind::NotAuthorized);

    // An unknown user.
    let run = server.sign_in(
        app.config(),
        Start::user_srp(unique("nobody"), Password::new("Wrong-Passw0rd!")),
        no_questions,
    );
    assert_eq!(service_kind(&run.error()), ErrorKind::UserNotFound);
}

#[test]
fn ministack_user_srp_auth_with_client_secret() {
    let Some(server) = ministack("ministack_user_srp_auth_with_client_secret") else {
        return;
    };
    let app = server.app(json!({}), true);
    assert!(app.client_secret.is_some(), "the client has a secret");
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let run = server.sign_in(
        app.config(),
        Start::user_srp(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth, RespondToAuthChallenge]);
    assert_eq!(run.signed_in().username, name);

    // The server does check SECRET_HASH: a wrong secret is refused.
    let mut wrong = app.clone();
    wrong.client_secret = Some(String::from("not-the-secret"));
    let run = server.sign_in(
        wrong.config(),
        Start::user_srp(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth]);
    assert_eq!(service_kind(&run.error()), ErrorKind::NotAuthorized);
}

/// The typed name is an email alias; the service answers with the internal username in
/// `USER_ID_FOR_SRP`, which must feed the SRP identity and every later `SECRET_HASH`.
#[test]
fn ministack_user_srp_auth_by_email_alias() {
    let Some(server) = ministack("ministack_user_srp_auth_by_email_alias") else {
        return;
    };
    let app = server.app(json!({ "AliasAttributes": ["email"] }), true);
    let (name, pw) = (unique("user"), password());
    let email = format!("{name}@example.com");
    server.create_user(
        &app,
        &name,
        &pw,
        true,
        &[("email", &email), ("email_verified", "true")],
    );

    let run = server.sign_in(
        app.config(),
        Start::user_srp(&email, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth, RespondToAuthChallenge]);
    let signed_in = run.signed_in();
    assert_eq!(
        signed_in.username, name,
        "the internal username, not the alias"
    );
}

/// A pool whose users sign in by email (`UsernameAttributes`): the internal username is the
/// `sub`. `REFRESH_TOKEN_AUTH` with a client secret needs `SECRET_HASH` over that internal
/// username, never the email.
#[test]
fn ministack_refresh_token_auth_with_client_secret() {
    let Some(server) = ministack("ministack_refresh_token_auth_with_client_secret") else {
        return;
    };
    let app = server.app(json!({ "UsernameAttributes": ["email"] }), true);
    let pw = password();
    let email = format!("{}@example.com", unique("user"));
    let internal = server.create_user(&app, &email, &pw, true, &[("email", &email)]);
    assert_ne!(internal, email, "the server made the sub the username");

    let signed_in = server
        .sign_in(
            app.config(),
            Start::user_srp(&email, Password::new(pw.as_str())),
            no_questions,
        )
        .signed_in();
    assert_eq!(signed_in.username, internal);
    let refresh_token = signed_in.tokens.refresh_token.clone().unwrap();

    let run = server.sign_in(
        app.config(),
        Start::refresh(refresh_token.clone(), Some(signed_in.username.clone())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth]);
    let refreshed = run.signed_in();
    assert_eq!(refreshed.username, internal);
    assert_ne!(refreshed.tokens.access_token, signed_in.tokens.access_token);
    assert_eq!(
        refreshed
            .tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret()),
        Some(refresh_token.expose_secret()),
        "no rotation: the refresh token that was used"
    );

    // SECRET_HASH over the email is refused.
    let run = server.sign_in(
        app.config(),
        Start::refresh(refresh_token.clone(), Some(email)),
        no_questions,
    );
    assert_eq!(service_kind(&run.error()), ErrorKind::NotAuthorized);
}

#[test]
fn ministack_user_password_auth() {
    let Some(server) = ministack("ministack_user_password_auth") else {
        return;
    };
    let app = server.app(json!({}), true);
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let run = server.sign_in(
        app.config(),
        Start::user_password(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth]);
    assert_eq!(run.signed_in().username, name);
}

/// A user created with a temporary password signs in with SRP, is asked for a new one, and
/// then signs in with it.
#[test]
fn ministack_new_password_required() {
    let Some(server) = ministack("ministack_new_password_required") else {
        return;
    };
    let app = server.app(json!({}), true);
    let (name, temporary, new) = (unique("user"), password(), password());
    server.create_user(&app, &name, &temporary, false, &[]);

    let run = server.sign_in(
        app.config(),
        Start::user_srp(&name, Password::new(temporary.as_str())),
        |prompt| match &prompt.challenge {
            Challenge::NewPassword { .. } => Answer::NewPassword {
                password: Password::new(new.as_str()),
                attributes: BTreeMap::new(),
            },
            other => panic!("unexpected question: {other:?}"),
        },
    );
    assert_eq!(
        run.operations(),
        [InitiateAuth, RespondToAuthChallenge, RespondToAuthChallenge]
    );
    assert!(matches!(
        run.questions().as_slice(),
        [(Challenge::NewPassword { .. }, None)]
    ));
    assert_eq!(run.signed_in().username, name);

    let run = server.sign_in(
        app.config(),
        Start::user_srp(&name, Password::new(new.as_str())),
        no_questions,
    );
    assert_eq!(run.signed_in().username, name);
    let run = server.sign_in(
        app.config(),
        Start::user_srp(&name, Password::new(temporary.as_str())),
        no_questions,
    );
    assert_eq!(service_kind(&run.error()), ErrorKind::NotAuthorized);
}

/// ministack never sends `MFA_SETUP`, so TOTP is enrolled with the access token
/// (AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference); then an SRP sign-in
/// gets `SOFTWARE_TOKEN_MFA`, a wrong code is asked again, the right one signs in.
#[test]
fn ministack_software_token_mfa() {
    let Some(server) = ministack("ministack_software_token_mfa") else {
        return;
    };
    let app = server.app(json!({}), true);
    server.admin(
        "SetUserPoolMfaConfig",
        json!({
            "UserPoolId": app.pool_id,
            "MfaConfiguration": "OPTIONAL",
            "SoftwareTokenMfaConfiguration": { "Enabled": true },
        }),
    );
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let signed_in = server
        .sign_in(
            app.config(),
            Start::user_password(&name, Password::new(pw.as_str())),
            no_questions,
        )
        .signed_in();
    let access = signed_in.tokens.access_token;
    let secret =
        server.call("AssociateSoftwareToken", json!({ "AccessToken": access }))["SecretCode"]
            .as_str()
            .unwrap()
            .to_owned();
    let verified = server.call(
        "VerifySoftwareToken",
        json!({
            "AccessToken": access,
            "UserCode": totp::code(&secret, unix_seconds(), 0),
            "FriendlyDeviceName": "phone",
        }),
    );
    assert_eq!(verified["Status"], "SUCCESS");
    server.call(
        "SetUserMFAPreference",
        json!({
            "AccessToken": access,
            "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true },
        }),
    );

    let mut answers = 0;
    let mut right = totp_user(&secret);
    let run = server.sign_in(
        app.config(),
        Start::user_srp(&name, Password::new(pw.as_str())),
        |prompt| {
            answers += 1;
            if answers == 1 {
                Answer::Code(totp::wrong_code(&secret, unix_seconds()))
            } else {
                right(prompt)
            }
        },
    );
    let questions = run.questions();
    assert!(matches!(
        questions.first(),
        Some((Challenge::SoftwareTokenMfa { .. }, None))
    ));
    assert!(matches!(
        questions.get(1),
        Some((
            Challenge::SoftwareTokenMfa { .. },
            Some(ErrorKind::CodeMismatch)
        ))
    ));
    assert!(boundary_retries(&questions) <= 2, "{questions:?}");
    assert_eq!(run.signed_in().username, name);
}

/// `AdminInitiateAuth`: the machine emits the request unsigned and says `needs_sigv4()`; the
/// test signs it. The server refuses it unsigned.
#[test]
fn ministack_admin_user_password_auth() {
    let Some(server) = ministack("ministack_admin_user_password_auth") else {
        return;
    };
    let app = server.app(json!({}), true);
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let run = server.sign_in(
        app.config(),
        Start::admin_user_password(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [AdminInitiateAuth]);
    assert_eq!(run.signed_in().username, name);

    // Unsigned, the same request is refused.
    let mut rng = rand::rngs::StdRng::try_from_rng(&mut rand::rngs::SysRng).unwrap();
    let (mut machine, request) = SignIn::start(
        app.config(),
        Start::admin_user_password(&name, Password::new(pw.as_str())),
        support::now(),
        &mut rng,
    )
    .unwrap();
    assert!(request.needs_sigv4());
    let reply = server.post(request.target(), request.body(), false);
    let err = machine
        .handle(
            Response::new(reply.status, &reply.body),
            support::now(),
            &mut rng,
        )
        .unwrap_err();
    assert_eq!(
        service_kind(&err),
        ErrorKind::Other(String::from("MissingAuthenticationTokenException"))
    );
}

// ---------------------------------------------------------------------------------------
// moto: MFA_SETUP, SMS_MFA, SECRET_HASH on SRP start, refresh and MFA answers
// ---------------------------------------------------------------------------------------

#[test]
fn moto_user_password_auth() {
    let Some(server) = moto("moto_user_password_auth") else {
        return;
    };
    let app = server.app(json!({}), false);
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let run = server.sign_in(
        app.config(),
        Start::user_password(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth]);
    assert_eq!(run.signed_in().username, name);

    let run = server.sign_in(
        app.config(),
        Start::user_password(&name, Password::new("Wrong-Passw0rd!")),
        no_questions,
    );
    assert_eq!(service_kind(&run.error()), ErrorKind::NotAuthorized);
}

/// moto's `PASSWORD_VERIFIER` is a shape only (random `SRP_B` and `SALT`, the session as
/// `SECRET_BLOCK`, no proof check): the machine must take it and answer it, with
/// `SECRET_HASH` (which moto checks on the SRP start).
#[test]
fn moto_user_srp_auth_shape_with_client_secret() {
    let Some(server) = moto("moto_user_srp_auth_shape_with_client_secret") else {
        return;
    };
    let app = server.app(json!({}), true);
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let run = server.sign_in(
        app.config(),
        Start::user_srp(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth, RespondToAuthChallenge]);
    assert_eq!(run.rewrites, ["moto USER_ID_FOR_SRP is the sub"]);
    assert_eq!(run.signed_in().username, name);

    let mut wrong = app.clone();
    wrong.client_secret = Some(String::from("not-the-secret"));
    let run = server.sign_in(
        wrong.config(),
        Start::user_srp(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth]);
    assert_eq!(service_kind(&run.error()), ErrorKind::NotAuthorized);
}

/// A pool with MFA required and TOTP enabled; a user with a temporary password:
/// NEW_PASSWORD_REQUIRED, then MFA_SETUP with Session-based AssociateSoftwareToken /
/// VerifySoftwareToken, then tokens. The next sign-in asks for the TOTP code (a wrong one is
/// asked again). moto's `MFAS_CAN_SETUP` is a Python list text, which the machine refuses
/// as it comes and takes once rewritten to the JSON Cognito sends.
#[test]
fn moto_new_password_then_mfa_setup_then_software_token_mfa() {
    let Some(server) = moto("moto_new_password_then_mfa_setup_then_software_token_mfa") else {
        return;
    };
    let app = server.app(json!({}), true);
    server.admin(
        "SetUserPoolMfaConfig",
        json!({
            "UserPoolId": app.pool_id,
            "MfaConfiguration": "ON",
            "SoftwareTokenMfaConfiguration": { "Enabled": true },
        }),
    );
    let new_password = |new: &str| {
        let new = new.to_owned();
        move |prompt: &Prompt| match &prompt.challenge {
            Challenge::NewPassword { .. } => Answer::NewPassword {
                password: Password::new(new.as_str()),
                attributes: BTreeMap::new(),
            },
            Challenge::MfaSetup { .. } => Answer::SetUpTotp,
            Challenge::TotpSetup { .. } => {
                Answer::Code(totp::code(MOTO_TOTP_SECRET, unix_seconds(), 0))
            }
            other => panic!("unexpected question: {other:?}"),
        }
    };

    // As moto sends it, the MFA_SETUP reply is refused.
    let (first, temporary) = (unique("user"), password());
    server.create_user(&app, &first, &temporary, false, &[]);
    let run = server.sign_in_unrewritten(
        app.config(),
        Start::user_password(&first, Password::new(temporary.as_str())),
        new_password(&password()),
    );
    assert_eq!(
        run.error(),
        Error::Protocol(ProtocolError::BadEncoding("MFAS_CAN_SETUP"))
    );

    // Rewritten, the whole set-up goes through.
    let (name, temporary, pw) = (unique("user"), password(), password());
    server.create_user(&app, &name, &temporary, false, &[]);
    let run = server.sign_in(
        app.config(),
        Start::user_password(&name, Password::new(temporary.as_str())),
        new_password(&pw),
    );
    assert_eq!(run.rewrites, ["moto MFAS_CAN_SETUP as a Python list"]);
    let questions = run.questions();
    assert!(matches!(
        questions.as_slice(),
        [
            (Challenge::NewPassword { .. }, None),
            (Challenge::MfaSetup { .. }, None),
            (Challenge::TotpSetup { .. }, None),
            ..
        ]
    ));
    assert_eq!(
        questions[1].0,
        Challenge::MfaSetup {
            options: vec![MfaType::SoftwareToken]
        }
    );
    let Challenge::TotpSetup { secret_code, uri } = &questions[2].0 else {
        unreachable!()
    };
    assert_eq!(secret_code, MOTO_TOTP_SECRET);
    assert!(uri.starts_with("otpauth://totp/Cognito:"), "{uri}");
    assert!(boundary_retries(&questions) <= 1, "{questions:?}");
    let operations = run.operations();
    assert_eq!(
        operations[..4],
        [
            InitiateAuth,
            RespondToAuthChallenge,
            AssociateSoftwareToken,
            VerifySoftwareToken
        ]
    );
    assert_eq!(operations.last(), Some(&RespondToAuthChallenge));
    assert_eq!(run.signed_in().username, name);

    // Enrolled: the next sign-in asks for the code; a wrong one is asked again.
    let mut answers = 0;
    let mut right = totp_user(MOTO_TOTP_SECRET);
    let run = server.sign_in(
        app.config(),
        Start::user_password(&name, Password::new(pw.as_str())),
        |prompt| {
            answers += 1;
            if answers == 1 {
                Answer::Code(totp::wrong_code(MOTO_TOTP_SECRET, unix_seconds()))
            } else {
                right(prompt)
            }
        },
    );
    let questions = run.questions();
    assert!(matches!(
        questions.as_slice(),
        [
            (Challenge::SoftwareTokenMfa { .. }, None),
            (
                Challenge::SoftwareTokenMfa { .. },
                Some(ErrorKind::CodeMismatch)
            ),
            ..
        ]
    ));
    assert!(boundary_retries(&questions) <= 2, "{questions:?}");
    assert_eq!(run.signed_in().username, name);
}

/// A user of `app` whose preferred MFA is SMS; returns the username and password.
fn sms_mfa_user(server: &Server, app: &support::App) -> (String, String) {
    let (name, pw) = (unique("user"), password());
    server.create_user(
        app,
        &name,
        &pw,
        true,
        &[
            ("phone_number", "+15555550100"),
            ("phone_number_verified", "true"),
        ],
    );
    server.admin(
        "AdminSetUserMFAPreference",
        json!({
            "UserPoolId": app.pool_id,
            "Username": name,
            "SMSMfaSettings": { "Enabled": true, "PreferredMfa": true },
        }),
    );
    (name, pw)
}

/// Answers the SMS code (moto checks none).
fn sms_code(prompt: &Prompt) -> Answer {
    match &prompt.challenge {
        Challenge::SmsMfa { .. } => Answer::Code(String::from("123456")),
        other => panic!("unexpected question: {other:?}"),
    }
}

/// moto sends `SMS_MFA` (with empty parameters) for a user whose preferred MFA is SMS, and
/// checks `SECRET_HASH` on the answer (not the code).
#[test]
fn moto_sms_mfa_shape() {
    let Some(server) = moto("moto_sms_mfa_shape") else {
        return;
    };
    let app = server.app(json!({}), true);
    let (name, pw) = sms_mfa_user(&server, &app);

    let run = server.sign_in(
        app.config(),
        Start::user_password(&name, Password::new(pw.as_str())),
        sms_code,
    );
    assert_eq!(run.operations(), [InitiateAuth, RespondToAuthChallenge]);
    assert_eq!(
        run.questions(),
        [(Challenge::SmsMfa { destination: None }, None)]
    );
    assert_eq!(run.signed_in().username, name);
}

/// A session is single use: the `SMS_MFA` answer of a finished sign-in, sent again in place
/// of a new sign-in's answer, is refused and ends that sign-in. moto answers
/// `ResourceNotFoundException` (its message is the session) where Cognito answers
/// `NotAuthorizedException`: either way the machine fails with the service's error, and does
/// not mistake it for a forgotten device.
#[test]
fn moto_used_session_refused() {
    let Some(server) = moto("moto_used_session_refused") else {
        return;
    };
    let app = server.app(json!({}), true);
    let (name, pw) = sms_mfa_user(&server, &app);
    let start = || Start::user_password(&name, Password::new(pw.as_str()));

    let first = server.sign_in(app.config(), start(), sms_code);
    let (operation, old) = first.sent.last().cloned().unwrap();
    assert_eq!(operation, RespondToAuthChallenge);
    first.signed_in();

    let run = server.sign_in_replacing(app.config(), start(), sms_code, |request| {
        (request.operation() == RespondToAuthChallenge).then(|| old.clone())
    });
    assert_eq!(run.operations(), [InitiateAuth, RespondToAuthChallenge]);
    assert_eq!(service_kind(&run.error()), ErrorKind::ResourceNotFound);
}

/// moto checks `SECRET_HASH` on `REFRESH_TOKEN_AUTH`.
#[test]
fn moto_refresh_token_auth_with_client_secret() {
    let Some(server) = moto("moto_refresh_token_auth_with_client_secret") else {
        return;
    };
    let app = server.app(json!({}), true);
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let signed_in = server
        .sign_in(
            app.config(),
            Start::user_password(&name, Password::new(pw.as_str())),
            no_questions,
        )
        .signed_in();
    let refresh_token = signed_in.tokens.refresh_token.clone().unwrap();

    let run = server.sign_in(
        app.config(),
        Start::refresh(refresh_token.clone(), Some(signed_in.username.clone())),
        no_questions,
    );
    assert_eq!(run.operations(), [InitiateAuth]);
    let refreshed = run.signed_in();
    assert_eq!(refreshed.username, name);
    assert_eq!(
        refreshed
            .tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret()),
        Some(refresh_token.expose_secret())
    );

    let run = server.sign_in(
        app.config(),
        Start::refresh(refresh_token.clone(), Some(unique("someone-else"))),
        no_questions,
    );
    assert_eq!(service_kind(&run.error()), ErrorKind::NotAuthorized);
}

#[test]
fn moto_admin_user_password_auth() {
    let Some(server) = moto("moto_admin_user_password_auth") else {
        return;
    };
    let app = server.app(json!({}), true);
    let (name, pw) = (unique("user"), password());
    server.create_user(&app, &name, &pw, true, &[]);

    let run = server.sign_in(
        app.config(),
        Start::admin_user_password(&name, Password::new(pw.as_str())),
        no_questions,
    );
    assert_eq!(run.operations(), [AdminInitiateAuth]);
    assert_eq!(run.signed_in().username, name);
}
