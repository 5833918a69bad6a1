//! What goes wrong between the SDK and a server reaches the caller as a typed error, never a
//! panic: throttling, a 500 with no body, garbage bodies, a timeout, a refused connection,
//! missing credentials. A failed send leaves the machine where it was: the same request, sent
//! again to a server that answers, finishes the sign-in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use aws_sdk_cognitoidentityprovider::config::timeout::TimeoutConfig;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognito_signin::{
    Answer, Config, Error, ErrorKind, Password, ProtocolError, SignIn, Start, Step,
};
use cognito_signin_aws_sdk::{SendErrorKind, SignInError, send, sign_in};
use common::{Local, Recorder, SHORT, now, pool, sdk_config};
use rand::SeedableRng;
use serde_json::json;

const POOL: &str = "us-east-1_SdkFailure1";
const CLIENT: &str = "failclient1";

/// A server on 127.0.0.1 that answers every request with `answer`, counting them.
struct Fake {
    url: String,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn fake(answer: fn() -> Response) -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            answer()
        }
    });
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Fake { url, hits, task }
}

fn json_reply(status: StatusCode, body: String) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/x-amz-json-1.1".parse().unwrap(),
    );
    (status, headers, body).into_response()
}

/// A client for `url` whose retries wait milliseconds, not seconds, and give up after
/// `attempts`, with a short timeout per attempt.
fn quick_client(url: &str, attempts: u32) -> Client {
    let config = sdk_config(url, &Recorder::default())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(5)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(SHORT)
                .build(),
        )
        .build();
    Client::from_conf(config)
}

fn config() -> Config {
    Config::new(POOL, CLIENT).unwrap()
}

fn start() -> Start {
    Start::user_srp("alice", Password::new("Correct-Horse-1"))
}

async fn sign_in_against(client: &Client) -> Result<cognito_signin::SignedIn, SignInError> {
    sign_in(client, config(), start(), |_| async {
        Answer::Code(String::from("123456"))
    })
    .await
}

#[tokio::test]
async fn throttling_is_retried_by_the_sdk_then_reaches_the_caller_typed() {
    let server = fake(|| {
        json_reply(
            StatusCode::BAD_REQUEST,
            json!({"__type": "ThrottlingException", "message": "Rate exceeded"}).to_string(),
        )
    })
    .await;
    let client = quick_client(&server.url, 3);
    match sign_in_against(&client).await {
        Err(SignInError::SignIn(Error::Service(e))) => {
            assert_eq!(e.kind.name(), "ThrottlingException");
            assert_eq!(e.message, "Rate exceeded");
        }
        other => panic!("expected ThrottlingException, got {other:?}"),
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 3, "the SDK retried");
}

#[tokio::test]
async fn a_500_with_no_body_is_retried_then_typed() {
    let server = fake(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()).await;
    let client = quick_client(&server.url, 2);
    match sign_in_against(&client).await {
        Err(SignInError::SignIn(Error::Service(e))) => {
            assert_eq!(e.kind, ErrorKind::InternalError);
            assert_eq!(e.status, 500);
        }
        other => panic!("expected an internal error, got {other:?}"),
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 2, "the SDK retried");
}

#[tokio::test]
async fn garbage_replies_are_typed_errors() {
    let internal = Error::Service(cognito_signin::ServiceError::new(
        ErrorKind::InternalError,
        "",
        500,
    ));
    let cases: [(fn() -> Response, Error); 7] = [
        // A success status with an error body: the SDK reads an empty output, the machine
        // sees the error it names.
        (
            || {
                json_reply(
                    StatusCode::OK,
                    json!({"__type": "NotAuthorizedException", "message": "named in a 200"})
                        .to_string(),
                )
            },
            Error::Service(cognito_signin::ServiceError::new(
                ErrorKind::NotAuthorized,
                "named in a 200",
                200,
            )),
        ),
        (
            || json_reply(StatusCode::OK, "{".into()),
            Error::Protocol(ProtocolError::BadJson("InitiateAuth")),
        ),
        (
            || json_reply(StatusCode::OK, "[]".into()),
            Error::Protocol(ProtocolError::BadJson("InitiateAuth")),
        ),
        (
            || json_reply(StatusCode::OK, "{}".into()),
            Error::Protocol(ProtocolError::UnexpectedReply(
                "neither AuthenticationResult nor ChallengeName",
            )),
        ),
        (
            || {
                json_reply(
                    StatusCode::OK,
                    format!("{{\"Session\":\"{}\"}}", "x".repeat(1 << 20)),
                )
            },
            Error::Protocol(ProtocolError::FieldTooLong("body")),
        ),
        (
            || {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><body>Internal Server Error</body></html>",
                )
                    .into_response()
            },
            internal,
        ),
        (
            || {
                json_reply(
                    StatusCode::OK,
                    json!({"ChallengeName": "PASSWORD_VERIFIER",
                           "ChallengeParameters": {"SRP_B": "0", "SALT": "ab",
                               "SECRET_BLOCK": "AAAA", "USER_ID_FOR_SRP": "alice"}})
                    .to_string(),
                )
            },
            Error::Protocol(ProtocolError::IllegalValue("SRP_B")),
        ),
    ];
    for (answer, expected) in cases {
        let server = fake(answer).await;
        let client = quick_client(&server.url, 1);
        match sign_in_against(&client).await {
            Err(SignInError::SignIn(e)) => assert_eq!(e, expected),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
}

/// A server that takes the request and never answers, then one that is not there: the SDK's
/// timeout and refused connection come back as `SendError`s, and the machine, which never saw
/// them, takes the reply to the same request from the real server and signs in.
#[tokio::test]
async fn a_failed_send_leaves_the_machine_where_it_was() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stalled_url = format!("http://{}", listener.local_addr().unwrap());
    let staller = tokio::spawn(async move {
        let app = Router::new().fallback(|| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK
        });
        axum::serve(listener, app).await.unwrap();
    });
    let closed_url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };

    let server = Local::start(json!([pool(
        POOL,
        CLIENT,
        json!([{"Username": "alice", "Password": "Correct-Horse-1"}]),
        json!({}),
    )]))
    .await;
    let (good, _) = common::client(&server.url);
    let stalled = quick_client(&stalled_url, 1);
    let closed = quick_client(&closed_url, 1);

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let (mut machine, request) = SignIn::start(config(), start(), now(), &mut rng).unwrap();
    let mut step = Step::Send(request);
    let mut failures = Vec::new();
    let done = loop {
        step = match step {
            Step::Send(request) => {
                for client in [&stalled, &closed] {
                    let error = send(client, &request).await.unwrap_err();
                    assert!(error.is_transient(), "{error}");
                    failures.push(error.kind());
                    // The message names the cause, not a value of the request.
                    assert!(!error.to_string().contains("Correct-Horse-1"));
                }
                let reply = send(&good, &request).await.unwrap();
                machine
                    .handle(reply.as_response(), now(), &mut rng)
                    .unwrap()
            }
            Step::NeedInput(prompt) => panic!("unexpected {prompt:?}"),
            Step::Done(done) => break done,
        };
    };
    assert_eq!(done.username, "alice");
    assert_eq!(
        failures,
        [
            SendErrorKind::Timeout,
            SendErrorKind::Dispatch,
            SendErrorKind::Timeout,
            SendErrorKind::Dispatch
        ]
    );

    // The driver stops at a failed send with the typed error.
    match sign_in_against(&stalled).await {
        Err(SignInError::Send(e)) => assert_eq!(e.kind(), SendErrorKind::Timeout),
        other => panic!("expected a timeout, got {other:?}"),
    }
    staller.abort();
}

/// An `Admin*` operation with no credentials to sign it: the SDK refuses to send it, and the
/// machine can still take the reply of a client that has them.
#[tokio::test]
async fn no_credentials_for_an_admin_operation_is_a_construction_error() {
    let server = Local::start(json!([pool(
        POOL,
        CLIENT,
        json!([{"Username": "alice", "Password": "Correct-Horse-1"}]),
        json!({}),
    )]))
    .await;
    let anonymous = Client::from_conf(
        aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&server.url)
            .build(),
    );
    let (good, _) = common::client(&server.url);
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    let (mut machine, request) = SignIn::start(
        config(),
        Start::admin_user_password("alice", Password::new("Correct-Horse-1")),
        now(),
        &mut rng,
    )
    .unwrap();
    let error = send(&anonymous, &request).await.unwrap_err();
    assert_eq!(error.kind(), SendErrorKind::Construction, "{error}");
    assert!(!error.is_transient());
    let reply = send(&good, &request).await.unwrap();
    match machine
        .handle(reply.as_response(), now(), &mut rng)
        .unwrap()
    {
        Step::Done(done) => assert_eq!(done.username, "alice"),
        other => panic!("expected tokens, got {other:?}"),
    }
    // An unsigned sign-in operation needs no credentials.
    let done = sign_in(&anonymous, config(), start(), |_| async {
        Answer::Code(String::new())
    })
    .await
    .unwrap();
    assert_eq!(done.username, "alice");
}

/// Requests this crate does not send (a caller can build any `Request` from its JSON form)
/// are refused before the SDK sees them, with the operation and the kind of mismatch named,
/// never a value.
#[tokio::test]
async fn requests_that_are_not_the_machines_are_refused_typed() {
    let server = fake(|| StatusCode::OK.into_response()).await;
    let client = quick_client(&server.url, 1);
    let request = |operation: &str, body: serde_json::Value| -> cognito_signin::Request {
        serde_json::from_value(json!({"operation": operation, "body": body.to_string()})).unwrap()
    };
    let secret = "Correct-Horse-1";
    for bad in [
        // A field the machine never writes.
        request(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "c",
                   "AuthParameters": {"USERNAME": "a", "PASSWORD": secret}, "Extra": 1}),
        ),
        // UserPoolId on the unsigned operation, none on its admin twin.
        request(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "c", "UserPoolId": "p",
                   "AuthParameters": {"USERNAME": "a", "PASSWORD": secret}}),
        ),
        request(
            "AdminInitiateAuth",
            json!({"AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "ClientId": "c",
                   "AuthParameters": {"USERNAME": "a", "PASSWORD": secret}}),
        ),
        // A field of the wrong type, a missing one.
        request(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "SMS_MFA", "ClientId": "c",
                   "ChallengeResponses": {"SMS_MFA_CODE": 123456, "PASSWORD": secret}}),
        ),
        request(
            "ConfirmDevice",
            json!({"AccessToken": secret, "DeviceKey": "k"}),
        ),
        // Not JSON at all.
        serde_json::from_value(json!({"operation": "UpdateDeviceStatus", "body": secret})).unwrap(),
    ] {
        let error = send(&client, &bad).await.unwrap_err();
        assert_eq!(error.kind(), SendErrorKind::Request, "{error}");
        assert!(!error.is_transient());
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(bad.operation().name()), "{shown}");
        assert!(!shown.contains(secret), "{shown}");
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 0, "nothing was sent");
}
