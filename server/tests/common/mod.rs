//! The server under test, started as its own process on 127.0.0.1, and the calls the tests
//! make to it: raw operations, and whole sign-ins with this project's state machine.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use cognito_signin::{
    Answer, Config, Error, Prompt, Response, SignIn, SignedIn, Start, Step, UnixTime,
};
use serde_json::{Value, json};

pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// A folder of its own for one test.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cognito-signin-server-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn now() -> UnixTime {
    UnixTime(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
}

/// The server binary, running.
pub struct Server {
    pub url: String,
    pub port: u16,
    child: Child,
    agent: ureq::Agent,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary with a configuration file holding `config`.
    pub fn with_config(config: &Value) -> Self {
        let dir = scratch("config");
        let path = dir.join("config.json");
        std::fs::write(&path, serde_json::to_vec(config).unwrap()).unwrap();
        Self::start(&["--config", path.to_str().unwrap()])
    }

    /// Starts the binary with `args` after `--port 0`, and waits for its readiness line.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-signin-server"))
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port: u16 = lines
            .next()
            .expect("a first line")
            .unwrap()
            .trim()
            .parse()
            .expect("the first line is the port");
        let ready = lines.next().expect("a readiness line").unwrap();
        let url = format!("http://127.0.0.1:{port}");
        assert_eq!(ready, format!("ready {url}"));
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        Self {
            url,
            port,
            child,
            agent,
        }
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `POST /` with `X-Amz-Target`: status, error type and JSON body.
    pub fn raw(&self, target: &str, body: &[u8]) -> (u16, Option<String>, Value) {
        let mut response = self
            .agent
            .post(format!("{}/", self.url))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", target)
            .send(body)
            .unwrap();
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.body_mut().read_to_vec().unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, kind, value)
    }

    /// An operation: `Ok(body)` for 200, `Err((type, message))` otherwise.
    pub fn call(&self, operation: &str, body: Value) -> Result<Value, (String, String)> {
        let (status, kind, value) = self.raw(
            &format!("{TARGET_PREFIX}{operation}"),
            &serde_json::to_vec(&body).unwrap(),
        );
        if status == 200 {
            assert!(kind.is_none());
            Ok(value)
        } else {
            let kind = kind.expect("an error has x-amzn-ErrorType");
            assert_eq!(value["__type"], kind.as_str());
            Err((
                kind,
                value["message"].as_str().unwrap_or_default().to_owned(),
            ))
        }
    }

    /// An operation that must succeed.
    pub fn ok(&self, operation: &str, body: Value) -> Value {
        self.call(operation, body)
            .unwrap_or_else(|e| panic!("{operation}: {e:?}"))
    }

    /// The error type of an operation that must fail.
    pub fn fails(&self, operation: &str, body: Value) -> String {
        match self.call(operation, body) {
            Ok(v) => panic!("{operation} succeeded: {v}"),
            Err((kind, _)) => kind,
        }
    }

    /// `GET` a path: status and JSON.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.url))
            .call()
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.body_mut().read_to_vec().unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// The newest code the pool "sent" to `username`.
    pub fn last_code(&self, pool: &str, username: &str) -> String {
        let (status, outbox) = self.get(&format!("/_outbox/{pool}"));
        assert_eq!(status, 200);
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

    /// A whole sign-in with the state machine over HTTP; `answer` answers each question.
    pub fn sign_in(
        &self,
        config: &Config,
        start: Start,
        mut answer: impl FnMut(&Prompt) -> Answer,
    ) -> Result<SignedIn, Error> {
        let mut rng = rand::rng();
        let (mut flow, mut request) = SignIn::start(config, start, now(), &mut rng)?;
        loop {
            let (status, kind, body) = self.raw(request.target(), request.body());
            let body = serde_json::to_vec(&body).unwrap();
            let mut response = Response::new(status, &body);
            if let Some(kind) = &kind {
                response = response.with_error_type(kind);
            }
            let mut step = flow.handle(response, now(), &mut rng)?;
            loop {
                match step {
                    Step::Send(next) => {
                        request = next;
                        break;
                    }
                    Step::Done(signed_in) => return Ok(signed_in),
                    Step::NeedInput(prompt) => {
                        step = flow.answer(answer(&prompt), now(), &mut rng)?;
                    }
                }
            }
        }
    }
}

/// Answers no question.
pub fn no_questions(prompt: &Prompt) -> Answer {
    panic!("no question expected: {prompt:?}")
}

/// The current TOTP code of a base32 secret.
pub fn totp(secret: &str) -> String {
    cognito_signin::server::totp_code(secret, now()).unwrap()
}

/// A configuration file's pool with one client (flows for SRP, passwords and refresh) and
/// the given users; `extra` is merged into the pool.
pub fn pool(id: &str, client: &str, users: Value, extra: Value) -> Value {
    let mut pool = json!({
        "Id": id,
        "PoolName": id,
        "Clients": [{
            "ClientId": client,
            "ClientName": client,
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"],
        }],
        "Users": users,
    });
    for (k, v) in extra.as_object().unwrap() {
        pool[k] = v.clone();
    }
    pool
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
