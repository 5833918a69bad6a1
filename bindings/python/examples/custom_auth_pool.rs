//! The reference user pool with custom-auth triggers, served over stdin and stdout for the
//! Python tests (the HTTP server runs no Lambda triggers, so `CUSTOM_AUTH` is tested here).
//!
//! One JSON request a line on stdin, `{"target": "...", "body": "..."}`; one reply a line on
//! stdout, `{"status": 200, "body": "...", "errorType": null}`. The pool is
//! `us-east-1_CustomPy1` with the public client `custompy` and the user `carl` (password:
//! the first argument). Its triggers ask `rounds` (the second argument, default 2) questions
//! `"n+n"` after the password, and fail the sign-in on a wrong answer.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::time::SystemTime;

use cognito_signin::server::{
    AppClient, ChallengeResult, CustomAuth, CustomChallenge, CustomStep, NewUser, PoolConfig,
    UserPool,
};
use cognito_signin::{Password, UnixTime};
use serde_json::{Value, json};

struct Quiz {
    rounds: usize,
}

impl CustomAuth for Quiz {
    fn define(&mut self, _: &str, history: &[ChallengeResult]) -> CustomStep {
        let customs = history
            .iter()
            .filter(|h| h.challenge_name == "CUSTOM_CHALLENGE")
            .count();
        match history.last() {
            Some(h) if h.challenge_name == "SRP_A" => CustomStep::PasswordVerifier,
            Some(h) if !h.succeeded => CustomStep::Fail,
            _ if customs == self.rounds => CustomStep::Tokens,
            _ => CustomStep::Custom,
        }
    }

    fn create(&mut self, _: &str, history: &[ChallengeResult]) -> CustomChallenge {
        let n = history.len();
        CustomChallenge::new(
            BTreeMap::from([("question".to_string(), format!("{n}+{n}"))]),
            format!("{}", n + n),
        )
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let password = args
        .next()
        .ok_or("usage: custom_auth_pool PASSWORD [ROUNDS]")?;
    let rounds = args.next().map_or(Ok(2), |r| r.parse())?;
    let mut rng = rand::rng();
    let mut pool = UserPool::new("us-east-1_CustomPy1", PoolConfig::default(), &mut rng)?;
    pool.add_client(AppClient::new("custompy"));
    pool.set_custom_auth(Box::new(Quiz { rounds }));
    pool.add_user(NewUser::new("carl", Password::new(password)), &mut rng)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "ready")?;
    out.flush()?;
    for line in std::io::stdin().lock().lines() {
        let request: Value = serde_json::from_str(&line?)?;
        let field = |name: &str| {
            request
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let target = field("target");
        let body = field("body");
        let now = UnixTime::from(SystemTime::now());
        let reply = pool.handle(&target, body.as_bytes(), now, &mut rng);
        let text = String::from_utf8_lossy(&reply.body);
        let reply = json!({"status": reply.status, "body": text, "errorType": reply.error_type});
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}
