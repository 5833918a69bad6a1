//! `server`: the reference user pool (`cognito_signin::server`, feature `server`) under
//! arbitrary requests: raw bodies, and the requests of a real `SignIn` with fuzzed changes
//! (a parameter replaced or dropped, another session, another operation), replayed, or sent
//! after the clock moved.
//!
//! Checked: every reply is a JSON object; a 200 has no error type, any other status is 400
//! with `x-amzn-ErrorType` equal to the body's `__type` and a `message`; no reply and no
//! `Debug` of the pool shows a password or the client secret; the client side keeps every
//! invariant of the `flow` target; and the same input gives the same replies.

use cognito_signin::server::{
    AppClient, ChallengeResult, CustomAuth, CustomChallenge, CustomStep, DeviceTracking, MfaMode,
    NewUser, PoolConfig, ServerReply, UserPool, totp_code,
};
use cognito_signin::{Answer, Challenge, Password, UnixTime};
use serde_json::{Value, json};

use super::input::Input;
use super::rng::FuzzRng;
use super::script::{
    CLIENT, CLIENT_SECRET, NOW, PASSWORD, POOL, Phase, Reply, Runner, SRP_PASSWORD, Setup,
    contains, read_answer,
};

const OPERATIONS: &[&str] = &[
    "InitiateAuth",
    "RespondToAuthChallenge",
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "ConfirmDevice",
    "UpdateDeviceStatus",
    "GetTokensFromRefreshToken",
    "AWSCognitoIdentityProviderService.InitiateAuth",
    "ForgetDevice",
];

const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Custom-auth triggers: SRP first when asked, then two rounds of "2+2", then tokens.
struct Triggers;

impl CustomAuth for Triggers {
    fn define(&mut self, _: &str, history: &[ChallengeResult]) -> CustomStep {
        let rounds = history
            .iter()
            .filter(|r| r.challenge_name == "CUSTOM_CHALLENGE")
            .count();
        match history.last() {
            None => CustomStep::Custom,
            Some(r) if !r.succeeded => CustomStep::Fail,
            Some(r) if r.challenge_name == "SRP_A" => CustomStep::PasswordVerifier,
            Some(_) if rounds >= 2 => CustomStep::Tokens,
            Some(_) => CustomStep::Custom,
        }
    }

    fn create(&mut self, _: &str, _: &[ChallengeResult]) -> CustomChallenge {
        CustomChallenge::new([("question".to_owned(), "2+2".to_owned())].into(), "4")
    }
}

fn pool(inp: &mut Input<'_>, setup: &Setup, rng: &mut FuzzRng) -> UserPool {
    let flags = inp.byte();
    let config = PoolConfig {
        mfa: match flags % 3 {
            0 => MfaMode::Off,
            1 => MfaMode::Optional,
            _ => MfaMode::On,
        },
        device_tracking: match (flags >> 2) % 3 {
            0 => DeviceTracking::Off,
            1 => DeviceTracking::Always,
            _ => DeviceTracking::UserOptIn,
        },
        sms_mfa: flags & 0x10 != 0,
        email_mfa: flags & 0x20 != 0,
        alias_attributes: vec!["email".to_owned()],
        ..PoolConfig::default()
    };
    let mut pool = UserPool::new(POOL, config, rng).expect("pool");
    let mut client = AppClient::new(CLIENT).with_flows(&[
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_CUSTOM_AUTH",
        "ALLOW_USER_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]);
    if setup.secret {
        client = client.with_secret(CLIENT_SECRET);
    }
    if flags & 0x40 != 0 {
        client = client.with_rotation();
    }
    pool.add_client(client);
    pool.set_custom_auth(Box::new(Triggers));
    let password = if setup.is_srp() {
        SRP_PASSWORD
    } else {
        PASSWORD
    };
    let mut user = NewUser::new("7d4e-internal", Password::new(password))
        .with_attribute("email", setup.username.clone())
        .with_attribute("email_verified", "true")
        .with_attribute("phone_number", "+15550100");
    let user_flags = inp.byte();
    if user_flags & 1 != 0 {
        user = user.with_totp(TOTP_SECRET);
    }
    if user_flags & 2 != 0 {
        user = user.with_sms_mfa();
    }
    if user_flags & 4 != 0 {
        user = user.with_email_mfa();
    }
    if user_flags & 8 != 0 {
        user = user.with_status(cognito_signin::server::UserStatus::ForceChangePassword);
    }
    pool.add_user(user, rng).expect("user");
    pool
}

/// Checks a reply of the pool; returns it as the client sees it.
fn check_reply(reply: &ServerReply, watched: &[&str]) -> Reply {
    let body: Value = serde_json::from_slice(&reply.body).expect("every reply is JSON");
    let obj = body.as_object().expect("every reply is a JSON object");
    if reply.status == 200 {
        assert!(reply.error_type.is_none(), "a 200 with an error type");
        assert!(!obj.contains_key("__type"), "a 200 with an error body");
    } else {
        assert_eq!(reply.status, 400, "errors are 400");
        let kind = reply.error_type.as_deref().expect("an error has a type");
        assert_eq!(
            obj.get("__type"),
            Some(&json!(kind)),
            "header and body agree"
        );
        assert!(obj.get("message").is_some_and(Value::is_string));
    }
    for s in watched {
        assert!(!contains(&reply.body, s), "a secret in a reply");
    }
    Reply {
        status: reply.status,
        error_type: reply.error_type.clone(),
        date: None,
        body: reply.body.clone(),
    }
}

/// Changes a request as the input says.
fn mutate(inp: &mut Input<'_>, op: &str, body: &[u8]) -> (String, Vec<u8>) {
    let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(body) else {
        return (op.to_owned(), body.to_vec());
    };
    match inp.byte() % 8 {
        0 => {
            let key = ["AuthParameters", "ChallengeResponses"];
            let value = inp.string(100);
            let name = match inp.byte() % 8 {
                0 => "USERNAME".to_owned(),
                1 => "SRP_A".to_owned(),
                2 => "PASSWORD_CLAIM_SIGNATURE".to_owned(),
                3 => "TIMESTAMP".to_owned(),
                4 => "SECRET_HASH".to_owned(),
                5 => "DEVICE_KEY".to_owned(),
                6 => "ANSWER".to_owned(),
                _ => inp.string(20),
            };
            for k in key {
                if let Some(Value::Object(p)) = obj.get_mut(k) {
                    p.insert(name.clone(), json!(value));
                }
            }
        }
        1 => {
            let keys: Vec<String> = obj.keys().cloned().collect();
            if !keys.is_empty() {
                let k = inp.pick(&keys).clone();
                obj.remove(&k);
            }
        }
        2 => {
            obj.insert("Session".to_owned(), json!(inp.string(100)));
        }
        3 => {
            let value = inp.string(60);
            let key = inp.pick(&["ClientId", "AuthFlow", "ChallengeName", "UserPoolId"]);
            obj.insert((*key).to_owned(), json!(value));
        }
        4 => return (inp.pick(OPERATIONS).to_string(), body.to_vec()),
        5 => return (op.to_owned(), inp.bytes(1024).to_vec()),
        _ => {}
    }
    (op.to_owned(), serde_json::to_vec(&obj).expect("JSON"))
}

/// Runs an input once; returns the transcript (one line per step).
pub fn transcript(data: &[u8]) -> Vec<String> {
    let mut inp = Input::new(data);
    let setup = Setup {
        username: "jane@example.com".to_owned(),
        ..Setup::read(&mut inp)
    };
    let seed = u64::from(inp.byte());
    let mut rng = FuzzRng::new(seed ^ 0x5eed);
    let mut pool = pool(&mut inp, &setup, &mut rng);
    let Some(mut runner) = Runner::start(setup, seed, data) else {
        return Vec::new();
    };
    let watched: Vec<&str> = runner.watched().to_vec();
    let mut server_now = NOW;
    let mut out = Vec::new();
    let mut last_sent: Option<(String, Vec<u8>)> = None;
    for _ in 0..20 {
        if inp.is_empty() {
            break;
        }
        match inp.byte() % 8 {
            0 => {
                let op = if inp.bool() {
                    inp.pick(OPERATIONS).to_string()
                } else {
                    inp.string(40)
                };
                let body = inp.bytes(2048).to_vec();
                let reply = pool.handle(&op, &body, server_now, &mut rng);
                check_reply(&reply, &watched);
                out.push(format!(
                    "raw {reply:?} {}",
                    String::from_utf8_lossy(&reply.body)
                ));
            }
            1..=4 => {
                let Some((op, body)) = runner.last_request.clone() else {
                    continue;
                };
                if runner.phase() != Phase::Awaiting {
                    continue;
                }
                let (op, body) = mutate(&mut inp, op.name(), &body);
                let reply = pool.handle(&op, &body, server_now, &mut rng);
                let reply = check_reply(&reply, &watched);
                out.push(format!("reply {}", String::from_utf8_lossy(&reply.body)));
                last_sent = Some((op, body));
                let _ = runner.reply(&reply);
            }
            5 => {
                let answer = match (runner.last_prompt(), inp.byte() % 4) {
                    (Some(Challenge::TotpSetup { secret_code, .. }), 0) => {
                        Answer::Code(totp_code(secret_code, server_now).unwrap_or_default())
                    }
                    (Some(Challenge::SoftwareTokenMfa { .. }), 0) => {
                        let secret = pool.totp_secret("7d4e-internal").unwrap_or(TOTP_SECRET);
                        Answer::Code(totp_code(secret, server_now).unwrap_or_default())
                    }
                    (Some(_), 1) => match pool.take_outbox().pop() {
                        Some(m) => Answer::Code(m.code.clone()),
                        None => Answer::Code("000000".to_owned()),
                    },
                    (Some(_), 3) => Answer::Custom("4".to_owned()),
                    (last, _) => {
                        let last = last.cloned();
                        read_answer(&mut inp, last.as_ref())
                    }
                };
                let _ = runner.answer(answer);
            }
            6 => server_now = UnixTime(server_now.0 + u64::from(inp.byte()) * 10),
            _ => {
                if let Some((op, body)) = &last_sent {
                    let reply = pool.handle(op, body, server_now, &mut rng);
                    let reply = check_reply(&reply, &watched);
                    out.push(format!("again {}", String::from_utf8_lossy(&reply.body)));
                }
            }
        }
        let debug = format!("{pool:?}");
        for s in &watched {
            assert!(!debug.contains(s), "a secret in the pool's Debug");
        }
    }
    out.extend(runner.transcript);
    out
}

/// The target.
pub fn run(data: &[u8]) {
    super::short_exponents(data);
    let first = transcript(data);
    let second = transcript(data);
    assert_eq!(first, second, "same input, same replies");
}
