//! Through the SDK against ministack (which checks the SRP proof, `SECRET_HASH` and SigV4)
//! and moto (which serves `MFA_SETUP`), both started on 127.0.0.1 by `.ci/servers.sh`. Every
//! set-up call (pools, clients, users) goes through the same SDK client, signed by it with
//! ministack's test credentials: no hand-written signer.
//!
//! Skipped, with a line on stderr, when `COGNITO_TEST_MINISTACK` / `COGNITO_TEST_MOTO` are
//! unset; under `CI=true` a missing server fails the test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::interceptors::{
    BeforeTransmitInterceptorContextMut, FinalizerInterceptorContextMut,
};
use aws_sdk_cognitoidentityprovider::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cognitoidentityprovider::error::BoxError;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeType, ExplicitAuthFlowsType, MessageActionType,
    SoftwareTokenMfaConfigType, UserPoolMfaType,
};
use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, ErrorKind, MfaType, Password, Prompt, Start,
};
use common::{Recorder, checked_sign_in, claims, no_questions, password, sdk_config, unique};

/// A server named by its environment variable, on 127.0.0.1 only.
fn server(var: &str, test: &str) -> Option<String> {
    let Some(url) = std::env::var(var).ok().filter(|v| !v.is_empty()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{var} is not set, and CI=true: .ci/run must start the server (.ci/servers.sh)"
        );
        let _ = writeln!(
            std::io::stderr(),
            "skipped {test}: {var} is not set (start the servers with \
             `. .ci/servers.sh && servers_start`, see the README)"
        );
        return None;
    };
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "{var} must be http://127.0.0.1:<port>, not {url}"
    );
    Some(url.trim_end_matches('/').to_owned())
}

/// A pool, an app client (with a secret when `secret`), made through the SDK.
struct App {
    pool_id: String,
    client_id: String,
    client_secret: Option<String>,
}

impl App {
    fn config(&self) -> Config {
        let config = Config::new(&self.pool_id, &self.client_id).unwrap();
        match &self.client_secret {
            Some(secret) => config.with_client_secret(ClientSecret::new(secret.as_str())),
            None => config,
        }
    }
}

async fn app(client: &Client, alias: bool, secret: bool) -> App {
    let pool = client
        .create_user_pool()
        .pool_name(unique("pool"))
        .set_alias_attributes(alias.then(|| vec![AliasAttributeType::Email]))
        .send()
        .await
        .unwrap();
    let pool_id = pool.user_pool.unwrap().id.unwrap();
    let app_client = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(unique("client"))
        .generate_secret(secret)
        .set_explicit_auth_flows(Some(vec![
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowUserPasswordAuth,
            ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ]))
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    App {
        pool_id,
        client_id: app_client.client_id.unwrap(),
        client_secret: app_client.client_secret,
    }
}

/// A user with `password`, permanent or temporary, and `attributes`.
async fn user(
    client: &Client,
    app: &App,
    name: &str,
    password: &str,
    permanent: bool,
    attributes: &[(&str, &str)],
) {
    let attributes = attributes
        .iter()
        .map(|(k, v)| AttributeType::builder().name(*k).value(*v).build().unwrap())
        .collect();
    client
        .admin_create_user()
        .user_pool_id(&app.pool_id)
        .username(name)
        .temporary_password(password)
        .message_action(MessageActionType::Suppress)
        .set_user_attributes(Some(attributes))
        .send()
        .await
        .unwrap();
    if permanent {
        client
            .admin_set_user_password()
            .user_pool_id(&app.pool_id)
            .username(name)
            .password(password)
            .permanent(true)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn ministack_user_srp_auth_by_email_alias_with_a_client_secret() {
    let Some(url) = server(
        "COGNITO_TEST_MINISTACK",
        "ministack_user_srp_auth_by_email_alias_with_a_client_secret",
    ) else {
        return;
    };
    let (client, recorder) = common::client(&url);
    let app = app(&client, true, true).await;
    assert!(app.client_secret.is_some());
    let (name, pw) = (unique("user"), password());
    let email = format!("{name}@example.com");
    user(
        &client,
        &app,
        &name,
        &pw,
        true,
        &[("email", &email), ("email_verified", "true")],
    )
    .await;

    let run = checked_sign_in(
        &client,
        &recorder,
        &app.config(),
        Start::user_srp(&email, Password::new(pw.as_str())),
        no_questions,
    )
    .await;
    assert_eq!(run.operations, ["InitiateAuth", "RespondToAuthChallenge"]);
    let done = run.signed_in();
    assert_eq!(done.username, name, "the internal username, not the alias");
    assert_eq!(
        claims(&done.tokens.access_token)["client_id"],
        app.client_id
    );

    // ministack checks the proof: a wrong password is refused.
    let run = checked_sign_in(
        &client,
        &recorder,
        &app.config(),
        Start::user_srp(&email, Password::new("Not-The-Password-1!")),
        no_questions,
    )
    .await;
    assert_eq!(run.service_error(), "NotAuthorizedException");

    // And SECRET_HASH: the client without its secret is refused.
    let unsigned = Config::new(&app.pool_id, &app.client_id).unwrap();
    let run = checked_sign_in(
        &client,
        &recorder,
        &unsigned,
        Start::user_srp(&email, Password::new(pw.as_str())),
        no_questions,
    )
    .await;
    assert_eq!(run.service_error(), "NotAuthorizedException");
}

/// Takes the SigV4 signature off every request: what a caller without the SDK's signing
/// would send.
#[derive(Debug)]
struct Unsign;

impl Intercept for Unsign {
    fn name(&self) -> &'static str {
        "test: unsigned"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context.request_mut().headers_mut();
        headers.remove("authorization");
        headers.remove("x-amz-date");
        headers.remove("x-amz-security-token");
        Ok(())
    }
}

#[tokio::test]
async fn ministack_admin_user_password_auth_signed_and_refused_unsigned() {
    let Some(url) = server(
        "COGNITO_TEST_MINISTACK",
        "ministack_admin_user_password_auth_signed_and_refused_unsigned",
    ) else {
        return;
    };
    let (client, recorder) = common::client(&url);
    let app = app(&client, false, true).await;
    let (name, pw) = (unique("user"), password());
    user(&client, &app, &name, &pw, true, &[]).await;

    let start = || Start::admin_user_password(&name, Password::new(pw.as_str()));
    let run = checked_sign_in(&client, &recorder, &app.config(), start(), no_questions).await;
    assert_eq!(run.operations, ["AdminInitiateAuth"]);
    assert_eq!(run.signed_in().username, name);

    // The same request with the signature taken off: ministack refuses it.
    let recorder = Recorder::default();
    let unsigned = Client::from_conf(sdk_config(&url, &recorder).interceptor(Unsign).build());
    let result = cognito_signin_aws_sdk::sign_in(&unsigned, app.config(), start(), |_| async {
        Answer::Code(String::new())
    })
    .await;
    match result {
        Err(cognito_signin_aws_sdk::SignInError::SignIn(cognito_signin::Error::Service(e))) => {
            assert_eq!(e.kind.name(), "MissingAuthenticationTokenException", "{e}");
        }
        other => panic!("expected MissingAuthenticationTokenException, got {other:?}"),
    }
    assert!(recorder.take().iter().all(|e| e.authorization.is_none()));
}

/// moto writes `MFAS_CAN_SETUP` as a Python list (`['SOFTWARE_TOKEN_MFA']`) where Cognito
/// writes a JSON array in the string; the machine refuses moto's form, so this interceptor
/// mends it in the SDK's typed output, as a user testing against moto would.
#[derive(Debug)]
struct MendMotoMfasCanSetup;

const MOTO_MFAS: &str = "['SOFTWARE_TOKEN_MFA']";
const COGNITO_MFAS: &str = r#"["SOFTWARE_TOKEN_MFA"]"#;

impl Intercept for MendMotoMfasCanSetup {
    fn name(&self) -> &'static str {
        "test: moto MFAS_CAN_SETUP"
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Ok(output)) = context.output_or_error_mut() else {
            return Ok(());
        };
        let parameters = if let Some(out) = output.downcast_mut::<InitiateAuthOutput>() {
            out.challenge_parameters.as_mut()
        } else if let Some(out) = output.downcast_mut::<RespondToAuthChallengeOutput>() {
            out.challenge_parameters.as_mut()
        } else {
            None
        };
        if let Some(value) = parameters.and_then(|p| p.get_mut("MFAS_CAN_SETUP"))
            && value == MOTO_MFAS
        {
            *value = COGNITO_MFAS.to_owned();
        }
        Ok(())
    }
}

/// moto's one TOTP secret for every user.
const MOTO_TOTP_SECRET: &str = "asdfasdfasdf";

#[tokio::test]
async fn moto_mfa_setup_through_the_sdk() {
    let Some(url) = server("COGNITO_TEST_MOTO", "moto_mfa_setup_through_the_sdk") else {
        return;
    };
    // The recorder compares the replies with moto's form mended the same way.
    let recorder = Recorder::mending(
        format!("\"{MOTO_MFAS}\""),
        serde_json::to_string(COGNITO_MFAS).unwrap(),
    );
    let client = Client::from_conf(
        sdk_config(&url, &recorder)
            .interceptor(MendMotoMfasCanSetup)
            .build(),
    );
    let app = app(&client, false, false).await;
    client
        .set_user_pool_mfa_config()
        .user_pool_id(&app.pool_id)
        .mfa_configuration(UserPoolMfaType::On)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
    let (name, temporary, pw) = (unique("user"), password(), password());
    user(&client, &app, &name, &temporary, false, &[]).await;

    let mut questions = Vec::new();
    let answer = |prompt: &Prompt| {
        questions.push((
            prompt.challenge.clone(),
            prompt.previous_error.as_ref().map(|e| e.kind.clone()),
        ));
        match &prompt.challenge {
            Challenge::NewPassword { .. } => Answer::NewPassword {
                password: Password::new(pw.as_str()),
                attributes: Default::default(),
            },
            Challenge::MfaSetup { options } => {
                assert_eq!(options, &[MfaType::SoftwareToken]);
                Answer::SetUpTotp
            }
            Challenge::TotpSetup { secret_code, .. } => {
                assert_eq!(secret_code, MOTO_TOTP_SECRET);
                Answer::Code(common::totp_now(secret_code))
            }
            other => panic!("unexpected question: {other:?}"),
        }
    };
    let run = checked_sign_in(
        &client,
        &recorder,
        &app.config(),
        Start::user_password(&name, Password::new(temporary.as_str())),
        answer,
    )
    .await;
    let operations = run.operations.clone();
    assert_eq!(run.signed_in().username, name);
    assert_eq!(
        operations[..4],
        [
            "InitiateAuth",
            "RespondToAuthChallenge",
            "AssociateSoftwareToken",
            "VerifySoftwareToken"
        ]
    );
    assert_eq!(operations.last(), Some(&"RespondToAuthChallenge"));
    assert!(matches!(questions[0].0, Challenge::NewPassword { .. }));
    assert!(matches!(questions[1].0, Challenge::MfaSetup { .. }));
    // A second code only when a 30-second boundary passed between the two.
    assert!(
        questions[2..]
            .iter()
            .skip(1)
            .all(|(_, e)| e
                .as_ref()
                .is_none_or(|e| *e == ErrorKind::CodeMismatch
                    || e.name() == "EnableSoftwareTokenMFAException")),
        "{questions:?}"
    );
}
