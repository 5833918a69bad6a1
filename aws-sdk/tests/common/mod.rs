//! What the tests share: the local server started in process on 127.0.0.1, SDK clients for
//! an endpoint, and a sign-in loop that checks each request and reply crossed the SDK whole.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../../tests/third_party_servers/totp.rs"]
pub mod totp;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_cognitoidentityprovider::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_cognitoidentityprovider::error::BoxError;
use cognito_signin::{Answer, Config, Prompt, SignIn, SignedIn, Start, Step, UnixTime};
use cognito_signin_aws_sdk::{SignInError, send};
use cognito_signin_server::{App, Settings, World, router, serve};
use rand::SeedableRng;
use serde_json::Value;

pub fn now() -> UnixTime {
    UnixTime::from(SystemTime::now())
}

pub fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh password that meets the default policy.
pub fn password() -> String {
    format!("Pw-{}-aA1!", unique("x").replace('-', ""))
}

/// The claims of a JWT, unverified.
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The current TOTP code of a base32 secret.
pub fn totp_now(secret: &str) -> String {
    totp::code(secret, unix_seconds(), 0)
}

/// A configuration file's pool with one client (flows for SRP, passwords, admin, refresh and
/// choice) and the given users; `extra` is merged into the pool.
pub fn pool(id: &str, client: &str, users: Value, extra: Value) -> Value {
    let mut pool = serde_json::json!({
        "Id": id,
        "PoolName": id,
        "Clients": [{
            "ClientId": client,
            "ClientName": client,
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH",
                "ALLOW_CUSTOM_AUTH"],
        }],
        "Users": users,
    });
    for (k, v) in extra.as_object().unwrap() {
        pool[k] = v.clone();
    }
    pool
}

/// The local server, in process, on a port of 127.0.0.1 of its own.
pub struct Local {
    pub url: String,
    pub app: Arc<App>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Local {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Local {
    /// Starts the server with the configuration `{"UserPools": pools}`.
    pub async fn start(pools: Value) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut world = World::new(Some(url.clone()));
        world
            .load_config(&serde_json::json!({ "UserPools": pools }), now())
            .unwrap();
        let settings = Settings::default();
        let timeout = settings.read_timeout;
        let app = App::new(world, settings);
        let task = tokio::spawn({
            let app = app.clone();
            async move {
                serve(listener, router(app), timeout).await.unwrap();
            }
        });
        Self { url, app, task }
    }

    /// The code of the last message (SMS or email) the pool sent `username`.
    pub fn last_code(&self, pool: &str, username: &str) -> String {
        let outbox = self.app.with_world(|w| w.outbox(pool)).unwrap();
        outbox["Messages"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|m| m["Username"] == username)
            .unwrap_or_else(|| panic!("no message for {username}: {outbox}"))["Code"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// One HTTP exchange the SDK made, as it went over the wire.
#[derive(Clone, Debug, Default)]
pub struct Exchange {
    pub request: Vec<u8>,
    pub authorization: Option<String>,
    pub response: Vec<u8>,
    pub date: Option<String>,
}

/// Keeps every exchange of a client: what the SDK put on the wire, and what came back (with
/// one text replaced, for a server whose replies a test mends).
#[derive(Clone, Debug, Default)]
pub struct Recorder(Arc<Mutex<Vec<Exchange>>>, Option<(String, String)>);

impl Recorder {
    pub fn mending(from: String, to: String) -> Self {
        Self(Arc::default(), Some((from, to)))
    }

    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "test recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        self.0.lock().unwrap().push(Exchange {
            request: request.body().bytes().unwrap_or_default().to_vec(),
            authorization: request.headers().get("authorization").map(str::to_owned),
            response: Vec::new(),
            date: None,
        });
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut body = context
            .response()
            .body()
            .bytes()
            .unwrap_or_default()
            .to_vec();
        if let Some((from, to)) = &self.1 {
            body = String::from_utf8_lossy(&body)
                .replace(from, to)
                .into_bytes();
        }
        let date = context.response().headers().get("date").map(str::to_owned);
        if let Some(last) = self.0.lock().unwrap().last_mut() {
            last.response = body;
            last.date = date;
        }
        Ok(())
    }
}

/// The SDK's configuration for `url` as a user would write it: a region, static (fake)
/// credentials, the endpoint, and `recorder` watching.
pub fn sdk_config(
    url: &str,
    recorder: &Recorder,
) -> aws_sdk_cognitoidentityprovider::config::Builder {
    aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .interceptor(recorder.clone())
}

/// A client for `url`, and the recorder of its exchanges.
pub fn client(url: &str) -> (Client, Recorder) {
    let recorder = Recorder::default();
    let client = Client::from_conf(sdk_config(url, &recorder).build());
    (client, recorder)
}

/// `null` fields dropped, recursively: the service may write an absent field as `null`, the
/// SDK's output then has `None` and the rebuilt reply leaves it out.
pub fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// What a checked sign-in did: the operations in order, and the end.
pub struct Run {
    pub operations: Vec<&'static str>,
    pub result: Result<SignedIn, SignInError>,
}

impl Run {
    pub fn signed_in(self) -> SignedIn {
        self.result
            .unwrap_or_else(|e| panic!("sign-in failed: {e}"))
    }

    /// The Cognito error name that ended the sign-in.
    pub fn service_error(self) -> String {
        match self.result {
            Err(SignInError::SignIn(cognito_signin::Error::Service(e))) => e.kind.name().to_owned(),
            Err(other) => panic!("expected a Cognito error, got {other}"),
            Ok(_) => panic!("expected a Cognito error, got a sign-in"),
        }
    }
}

/// The bare loop over [`send`], checking each exchange: the body the SDK put on the wire is
/// the machine's body (as JSON), and the reply handed to the machine is the body the server
/// sent (as JSON, nulls aside). `answer` answers each question.
pub async fn checked_sign_in(
    client: &Client,
    recorder: &Recorder,
    config: &Config,
    start: Start,
    mut answer: impl FnMut(&Prompt) -> Answer,
) -> Run {
    let mut rng = rand::rngs::StdRng::seed_from_u64(unix_seconds());
    let mut operations = Vec::new();
    recorder.take();
    let (mut machine, request) = match SignIn::start(config, start, now(), &mut rng) {
        Ok(started) => started,
        Err(e) => {
            return Run {
                operations,
                result: Err(e.into()),
            };
        }
    };
    let mut step = Step::Send(request);
    let result = loop {
        let next = match step {
            Step::Send(request) => {
                operations.push(request.operation().name());
                let reply = match send(client, &request).await {
                    Ok(reply) => reply,
                    Err(e) => break Err(e.into()),
                };
                let exchanges = recorder.take();
                let last = exchanges.last().expect("the SDK made a request");
                let sent: Value = serde_json::from_slice(&last.request).unwrap();
                let machine_body: Value = serde_json::from_slice(request.body()).unwrap();
                assert_eq!(
                    sent,
                    machine_body,
                    "{}: the SDK sent another body",
                    request.operation()
                );
                assert_eq!(
                    last.authorization.is_some(),
                    request.needs_sigv4(),
                    "{}: the SDK signs the Admin* operations alone",
                    request.operation()
                );
                if reply.status() == 200 {
                    let received = without_nulls(serde_json::from_slice(&last.response).unwrap());
                    let handed: Value = serde_json::from_slice(reply.body()).unwrap();
                    assert_eq!(
                        handed,
                        received,
                        "{}: the reply changed",
                        request.operation()
                    );
                } else {
                    assert_eq!(reply.body(), last.response.as_slice());
                }
                assert!(last.date.is_some(), "the server sent a Date header");
                assert_eq!(
                    reply.date(),
                    last.date.as_deref(),
                    "the Date header is kept"
                );
                machine.handle(reply.as_response(), now(), &mut rng)
            }
            Step::NeedInput(prompt) => {
                let answer = answer(&prompt);
                machine.answer(answer, now(), &mut rng)
            }
            Step::Done(done) => break Ok(done),
        };
        step = match next {
            Ok(step) => step,
            Err(e) => break Err(e.into()),
        };
    };
    Run { operations, result }
}

/// Panics: the test's user is not asked anything.
pub fn no_questions(prompt: &Prompt) -> Answer {
    panic!("unexpected question: {prompt:?}")
}

/// A short SDK timeout for tests that make a server stall.
pub const SHORT: Duration = Duration::from_millis(300);
