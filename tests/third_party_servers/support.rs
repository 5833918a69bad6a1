//! A third-party Cognito server on 127.0.0.1: its HTTP client, its set-up calls (signed with
//! SigV4 like real admin calls), the sign-in loop around the machine, and the rewrites of the
//! servers' known deviations from Cognito (applied here, never in the library).
#![allow(unreachable_pub)] // items shared with tests/third_party_servers.rs only

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, Error, ErrorKind, Operation, Prompt, Request,
    Response, SignIn, SignedIn, Start, Step, UnixTime,
};
use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use serde_json::{Value, json};

use crate::sigv4::{Input, Signer};

const JSON_1_1: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// The credentials the servers expect on signed calls (ministack with `AUTH=true` checks
/// the signature; moto accepts any).
const SIGNER: Signer<'static> = Signer {
    access_key: "test",
    secret_key: "test",
    region: "us-east-1",
    service: "cognito-idp",
};

/// Which server: each deviates from Cognito in its own ways (`../shared/SERVERS.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// ministack 1.5.33 with `AUTH=true`: real SRP, TOTP and SECRET_HASH checks.
    Ministack,
    /// moto 5.2.5 with `MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true`: MFA_SETUP and SMS_MFA
    /// shapes, fixed TOTP secret, no SRP verification.
    Moto,
}

impl Kind {
    pub fn variable(self) -> &'static str {
        match self {
            Self::Ministack => "COGNITO_TEST_MINISTACK",
            Self::Moto => "COGNITO_TEST_MOTO",
        }
    }
}

/// A server's reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub error_type: Option<String>,
    pub date: Option<String>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "reply is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One server under test.
#[derive(Debug)]
pub struct Server {
    pub kind: Kind,
    url: String,
    host: String,
    agent: ureq::Agent,
}

impl Server {
    /// The server named by its environment variable. When the variable is unset the test is
    /// skipped (`None`, with a line on stderr), except under `CI=true`, where it fails.
    pub fn from_env(kind: Kind, test: &str) -> Option<Self> {
        let var = kind.variable();
        let Some(url) = std::env::var(var).ok().filter(|v| !v.is_empty()) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{var} is not set, and CI=true: .ci/run must start the server (.ci/servers.sh)"
            );
            // Straight to the process's stderr: the test harness captures `eprintln!` of
            // passing tests, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipped {test}: {var} is not set (start the servers with \
                 `. .ci/servers.sh && servers_start`, see the README)"
            );
            return None;
        };
        Some(Self::new(kind, &url))
    }

    /// A server at `url`, which must be plain HTTP on the loopback interface: tests never
    /// send traffic anywhere else.
    pub fn new(kind: Kind, url: &str) -> Self {
        let url = url.trim_end_matches('/');
        let host = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("{url}: expected http://127.0.0.1:PORT"));
        let loopback = host == "127.0.0.1"
            || host.starts_with("127.0.0.1:")
            || host == "localhost"
            || host.starts_with("localhost:");
        assert!(
            loopback && !host.contains('/'),
            "{url}: the server tests talk to 127.0.0.1 only"
        );
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        Self {
            kind,
            url: format!("{url}/"),
            host: host.to_owned(),
            agent,
        }
    }

    /// `POST /` with `X-Amz-Target: target`; signed with SigV4 when `sign`.
    pub fn post(&self, target: &str, body: &[u8], sign: bool) -> Reply {
        let mut request = self
            .agent
            .post(&self.url)
            .header("Content-Type", JSON_1_1)
            .header("X-Amz-Target", target);
        if sign {
            let amz_date = time::OffsetDateTime::now_utc()
                .format(time::macros::format_description!(
                    "[year][month][day]T[hour][minute][second]Z"
                ))
                .unwrap();
            let authorization = SIGNER.authorization(&Input {
                host: &self.host,
                target,
                content_type: JSON_1_1,
                body,
                amz_date: &amz_date,
            });
            request = request
                .header("X-Amz-Date", &amz_date)
                .header("Authorization", &authorization);
        }
        let mut response = request
            .send(body)
            .unwrap_or_else(|e| panic!("POST {target} to {}: {e}", self.url));
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let error_type = header("x-amzn-errortype");
        let date = header("date");
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_vec()
            .unwrap_or_else(|e| panic!("reading the {target} reply: {e}"));
        Reply {
            status,
            body,
            error_type,
            date,
        }
    }

    /// An operation with a JSON body, unsigned (the calls a signed-in user makes with an
    /// access token); panics unless it succeeds.
    pub fn call(&self, operation: &str, body: Value) -> Value {
        self.expect_ok(operation, body, false)
    }

    /// An administrative operation, SigV4-signed; panics unless it succeeds.
    pub fn admin(&self, operation: &str, body: Value) -> Value {
        self.expect_ok(operation, body, true)
    }

    fn expect_ok(&self, operation: &str, body: Value, sign: bool) -> Value {
        let reply = self.post(
            &format!("{TARGET_PREFIX}{operation}"),
            &serde_json::to_vec(&body).unwrap(),
            sign,
        );
        assert_eq!(
            reply.status,
            200,
            "{:?} {operation} failed: {}",
            self.kind,
            reply.text()
        );
        reply.json()
    }

    // -----------------------------------------------------------------------------------
    // Set-up
    // -----------------------------------------------------------------------------------

    /// A new user pool; `extra` is merged into the `CreateUserPool` request.
    pub fn create_pool(&self, extra: Value) -> String {
        let mut body = json!({ "PoolName": unique("pool") });
        merge(&mut body, extra);
        let reply = self.admin("CreateUserPool", body);
        reply["UserPool"]["Id"].as_str().unwrap().to_owned()
    }

    /// A new app client of `pool_id` allowing SRP, password, refresh and admin password
    /// sign-in, with a generated secret when `secret`.
    pub fn create_client(&self, pool_id: &str, secret: bool) -> App {
        let reply = self.admin(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool_id,
                "ClientName": unique("client"),
                "GenerateSecret": secret,
                "ExplicitAuthFlows": [
                    "ALLOW_USER_SRP_AUTH",
                    "ALLOW_USER_PASSWORD_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                ],
            }),
        );
        let client = &reply["UserPoolClient"];
        App {
            pool_id: pool_id.to_owned(),
            client_id: client["ClientId"].as_str().unwrap().to_owned(),
            client_secret: client["ClientSecret"].as_str().map(str::to_owned),
        }
    }

    /// A new pool (with `extra`) and one app client of it.
    pub fn app(&self, extra: Value, secret: bool) -> App {
        let pool_id = self.create_pool(extra);
        self.create_client(&pool_id, secret)
    }

    /// `AdminCreateUser` with a temporary password and `attributes`; with `permanent`, the
    /// password is then made permanent (`AdminSetUserPassword`), so the user signs in
    /// without `NEW_PASSWORD_REQUIRED`. Returns the user's internal username.
    pub fn create_user(
        &self,
        app: &App,
        username: &str,
        password: &str,
        permanent: bool,
        attributes: &[(&str, &str)],
    ) -> String {
        let attributes: Vec<Value> = attributes
            .iter()
            .map(|(name, value)| json!({ "Name": name, "Value": value }))
            .collect();
        let reply = self.admin(
            "AdminCreateUser",
            json!({
                "UserPoolId": app.pool_id,
                "Username": username,
                "TemporaryPassword": password,
                "MessageAction": "SUPPRESS",
                "UserAttributes": attributes,
            }),
        );
        let internal = reply["User"]["Username"].as_str().unwrap().to_owned();
        if permanent {
            self.admin(
                "AdminSetUserPassword",
                json!({
                    "UserPoolId": app.pool_id,
                    "Username": internal,
                    "Password": password,
                    "Permanent": true,
                }),
            );
        }
        internal
    }

    // -----------------------------------------------------------------------------------
    // Signing in
    // -----------------------------------------------------------------------------------

    /// Runs a whole sign-in: sends each request the machine gives (signing it when it
    /// `needs_sigv4()`), feeds back each reply after rewriting this server's known
    /// deviations from Cognito ([`Server::rewrite`]), and answers each question with `user`.
    pub fn sign_in(
        &self,
        config: Config,
        start: Start,
        user: impl FnMut(&Prompt) -> Answer,
    ) -> Run {
        self.drive(config, start, user, true, |_| None)
    }

    /// As [`Server::sign_in`], feeding the replies exactly as the server sent them.
    pub fn sign_in_unrewritten(
        &self,
        config: Config,
        start: Start,
        user: impl FnMut(&Prompt) -> Answer,
    ) -> Run {
        self.drive(config, start, user, false, |_| None)
    }

    /// As [`Server::sign_in`], but where `replace` returns a body for one of the machine's
    /// requests, that body is sent instead (to replay an old request, say).
    pub fn sign_in_replacing(
        &self,
        config: Config,
        start: Start,
        user: impl FnMut(&Prompt) -> Answer,
        replace: impl FnMut(&Request) -> Option<Vec<u8>>,
    ) -> Run {
        self.drive(config, start, user, true, replace)
    }

    fn drive(
        &self,
        config: Config,
        start: Start,
        mut user: impl FnMut(&Prompt) -> Answer,
        rewrite: bool,
        mut replace: impl FnMut(&Request) -> Option<Vec<u8>>,
    ) -> Run {
        let mut rng = StdRng::try_from_rng(&mut SysRng).unwrap();
        let mut run = Run::default();
        let (mut machine, mut request) = match SignIn::start(config, start, now(), &mut rng) {
            Ok(started) => started,
            Err(e) => {
                run.result = Some(Err(e));
                return run;
            }
        };
        for _ in 0..20 {
            run.events.push(Event::Sent(request.operation()));
            let body = replace(&request).unwrap_or_else(|| request.body().to_vec());
            let mut reply = self.post(request.target(), &body, request.needs_sigv4());
            run.sent.push((request.operation(), body));
            if rewrite {
                self.rewrite(&mut reply, &mut run.rewrites);
            }
            let mut response = Response::new(reply.status, &reply.body);
            if let Some(t) = &reply.error_type {
                response = response.with_error_type(t);
            }
            if let Some(d) = &reply.date {
                response = response.with_date(d);
            }
            let mut step = machine.handle(response, now(), &mut rng);
            loop {
                match step {
                    Ok(Step::NeedInput(prompt)) => {
                        run.events.push(Event::Asked(
                            prompt.challenge.clone(),
                            prompt.previous_error.as_ref().map(|e| e.kind.clone()),
                        ));
                        let answer = user(&prompt);
                        step = machine.answer(answer, now(), &mut rng);
                    }
                    Ok(Step::Send(next)) => {
                        request = next;
                        break;
                    }
                    Ok(Step::Done(signed_in)) => {
                        run.result = Some(Ok(signed_in));
                        return run;
                    }
                    Err(e) => {
                        run.result = Some(Err(e));
                        return run;
                    }
                }
            }
        }
        panic!("no end after 20 requests: {:?}", run.events);
    }

    /// Rewrites the known deviations of this server from Cognito in a reply, noting each in
    /// `applied`. The library rightly refuses these replies; the tests adapt them:
    ///
    /// * moto sends `MFAS_CAN_SETUP` as a Python list text (`['SOFTWARE_TOKEN_MFA']`);
    ///   Cognito sends a JSON array in the string (`["SOFTWARE_TOKEN_MFA"]`).
    /// * moto's `PASSWORD_VERIFIER` names the user's `sub` in `USER_ID_FOR_SRP`, then looks
    ///   the `USERNAME` of the answer up by username only (`UserNotFoundException`); Cognito
    ///   names the internal username, which it also accepts back. moto does not check the
    ///   SRP proof, so the test hands the machine moto's `USERNAME` there.
    fn rewrite(&self, reply: &mut Reply, applied: &mut Vec<&'static str>) {
        if self.kind != Kind::Moto || reply.status != 200 {
            return;
        }
        let Ok(mut body) = serde_json::from_slice::<Value>(&reply.body) else {
            return;
        };
        let mut changed = false;
        let name = body["ChallengeName"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let params = &mut body["ChallengeParameters"];
        if let Some(text) = params["MFAS_CAN_SETUP"].as_str()
            && serde_json::from_str::<Vec<String>>(text).is_err()
        {
            params["MFAS_CAN_SETUP"] = Value::String(python_list_to_json(text));
            applied.push("moto MFAS_CAN_SETUP as a Python list");
            changed = true;
        }
        if name == "PASSWORD_VERIFIER"
            && let Some(username) = params["USERNAME"].as_str().map(str::to_owned)
            && params["USER_ID_FOR_SRP"].as_str() != Some(&username)
        {
            params["USER_ID_FOR_SRP"] = Value::String(username);
            applied.push("moto USER_ID_FOR_SRP is the sub");
            changed = true;
        }
        if changed {
            reply.body = serde_json::to_vec(&body).unwrap();
        }
    }
}

/// `['A', 'B']` → `["A","B"]`.
fn python_list_to_json(text: &str) -> String {
    let items: Vec<&str> = text
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|item| item.trim().trim_matches('\''))
        .filter(|item| !item.is_empty())
        .collect();
    serde_json::to_string(&items).unwrap()
}

/// A pool and one of its app clients.
#[derive(Clone, Debug)]
pub struct App {
    pub pool_id: String,
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl App {
    /// The machine's configuration for this app client (with its secret, if it has one).
    pub fn config(&self) -> Config {
        let config = Config::new(&self.pool_id, &self.client_id).unwrap();
        match &self.client_secret {
            Some(secret) => config.with_client_secret(ClientSecret::new(secret.as_str())),
            None => config,
        }
    }
}

/// What happened during a sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A request was sent.
    Sent(Operation),
    /// The user was asked, with the kind of the error that made the machine ask again.
    Asked(Challenge, Option<ErrorKind>),
}

/// The outcome and trace of one sign-in.
#[derive(Debug, Default)]
pub struct Run {
    pub result: Option<Result<SignedIn, Error>>,
    pub events: Vec<Event>,
    /// Each request body sent, with its operation.
    pub sent: Vec<(Operation, Vec<u8>)>,
    /// The server deviations that were rewritten ([`Server::rewrite`]).
    pub rewrites: Vec<&'static str>,
}

impl Run {
    /// The operations sent, in order.
    pub fn operations(&self) -> Vec<Operation> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Sent(op) => Some(*op),
                Event::Asked(..) => None,
            })
            .collect()
    }

    /// The questions asked, in order, each with the error that made the machine ask again.
    pub fn questions(&self) -> Vec<(Challenge, Option<ErrorKind>)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Asked(c, e) => Some((c.clone(), e.clone())),
                Event::Sent(_) => None,
            })
            .collect()
    }

    /// The finished sign-in; panics with the trace if it failed.
    #[track_caller]
    pub fn signed_in(self) -> SignedIn {
        match self.result {
            Some(Ok(signed_in)) => signed_in,
            Some(Err(e)) => panic!("sign-in failed: {e} ({e:?})\ntrace: {:?}", self.events),
            None => panic!("sign-in did not finish: {:?}", self.events),
        }
    }

    /// The error that ended the sign-in; panics if it succeeded.
    #[track_caller]
    pub fn error(self) -> Error {
        match self.result {
            Some(Err(e)) => e,
            other => panic!(
                "expected the sign-in to fail, got {other:?}\ntrace: {:?}",
                self.events
            ),
        }
    }
}

/// The caller's clock (computed here rather than with the `std` feature's
/// `From<SystemTime>`, so that the tests also build without default features).
pub fn now() -> UnixTime {
    UnixTime(unix_seconds())
}

/// Seconds since the epoch, for TOTP.
pub fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A name no other test (in this run or another one against the same server) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh password that meets the default policy (upper, lower, digit, symbol, 8+).
pub fn password() -> String {
    format!("Pw-{}-aA1!", unique("x").replace('-', ""))
}

/// Merges the fields of `extra` (an object) into `body`.
fn merge(body: &mut Value, extra: Value) {
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
}

/// The service error of a failed sign-in; panics on any other error.
#[track_caller]
pub fn service_kind(error: &Error) -> ErrorKind {
    match error {
        Error::Service(e) => e.kind.clone(),
        other => panic!("expected a Cognito error, got {other:?}"),
    }
}
