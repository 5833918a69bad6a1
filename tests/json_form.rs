//! The JSON form of the conversation: a whole sign-in driven through JSON only (the
//! configuration, the start, every reply, step and answer), against the reference pool, as a
//! binding in another language would drive it. Every value round-trips.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use cognito_signin::server::{
    AppClient, DeviceTracking, MfaMode, NewUser, PoolConfig, UserPool, UserStatus, totp_code,
};
use cognito_signin::{
    Answer, Config, DeviceCredentials, Error, Password, Reply, SignIn, SignedIn, Start, Step,
    UnixTime,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_JsonPool1";
const NOW: UnixTime = UnixTime(1_800_000_000);

/// `value` as JSON, read back and written again: the same JSON.
#[track_caller]
fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> Value {
    let json = serde_json::to_value(value).unwrap();
    let back: T = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert_eq!(serde_json::to_value(&back).unwrap(), json);
    json
}

struct Binding {
    pool: UserPool,
    rng: StdRng,
    /// Every step, as JSON.
    steps: Vec<Value>,
}

impl Binding {
    /// Runs a sign-in with JSON in and out; `answer` sees each prompt as JSON and answers in
    /// JSON.
    fn sign_in(
        &mut self,
        config: Value,
        start: Value,
        mut answer: impl FnMut(&mut UserPool, &Value) -> Value,
    ) -> Result<SignedIn, Error> {
        let config: Config = serde_json::from_value(config).unwrap();
        let start: Start = serde_json::from_value(start).unwrap();
        let (mut machine, request) = SignIn::start(&config, start, NOW, &mut self.rng)?;
        let mut step = Step::Send(request);
        loop {
            let json = round_trip(&step);
            self.steps.push(json.clone());
            step = match json["type"].as_str().unwrap() {
                "send" => {
                    let request = &json["request"];
                    let reply = self.pool.handle(
                        request["target"].as_str().unwrap(),
                        request["body"].as_str().unwrap().as_bytes(),
                        NOW,
                        &mut self.rng,
                    );
                    let reply = json!({
                        "status": reply.status,
                        "body": String::from_utf8(reply.body).unwrap(),
                        "errorType": reply.error_type,
                        "date": null,
                    });
                    let reply: Reply = serde_json::from_value(round_trip_reply(reply)).unwrap();
                    machine.handle(reply.as_response(), NOW, &mut self.rng)?
                }
                "needInput" => {
                    let answer: Answer =
                        serde_json::from_value(answer(&mut self.pool, &json["prompt"])).unwrap();
                    round_trip(&answer);
                    machine.answer(answer, NOW, &mut self.rng)?
                }
                "done" => {
                    let Step::Done(signed_in) = step else {
                        panic!("the JSON said done")
                    };
                    return Ok(signed_in);
                }
                other => panic!("unknown step type {other}"),
            };
        }
    }
}

fn round_trip_reply(reply: Value) -> Value {
    let parsed: Reply = serde_json::from_value(reply.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), reply);
    reply
}

#[test]
fn a_whole_sign_in_in_json() {
    let mut rng = StdRng::seed_from_u64(9);
    let config = PoolConfig {
        mfa: MfaMode::On,
        device_tracking: DeviceTracking::UserOptIn,
        ..PoolConfig::default()
    };
    let mut pool = UserPool::new(POOL, config, &mut rng).unwrap();
    pool.add_client(AppClient::new("jsonclient"));
    pool.add_user(
        NewUser::new("jane", Password::new("Temporary-1"))
            .with_status(UserStatus::ForceChangePassword)
            .with_attribute("email", "jane@example.com"),
        &mut rng,
    )
    .unwrap();
    let mut b = Binding {
        pool,
        rng,
        steps: Vec::new(),
    };
    let config = json!({"userPoolId": POOL, "clientId": "jsonclient", "deviceName": "json test"});
    let mut secret = String::new();
    let signed_in = b
        .sign_in(
            config.clone(),
            json!({"flow": "USER_SRP_AUTH", "username": "jane", "password": "Temporary-1"}),
            |pool, prompt| match prompt["challenge"]["type"].as_str().unwrap() {
                "newPassword" => json!({"type": "newPassword", "password": "Brand-New-Pass-2"}),
                "mfaSetup" => json!({"type": "setUpTotp"}),
                "totpSetup" => {
                    secret = prompt["challenge"]["secretCode"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    let _ = pool;
                    json!({"type": "code", "code": totp_code(&secret, NOW)})
                }
                "rememberDevice" => json!({"type": "rememberDevice", "remember": true}),
                other => panic!("unexpected question {other}"),
            },
        )
        .unwrap();
    let done = round_trip(&signed_in);
    assert_eq!(done["username"], "jane");
    assert_eq!(done["newDevice"]["status"], json!({"type": "remembered"}));
    let record = done["newDevice"]["credentials"].clone();
    assert_eq!(record["username"], "jane");
    let _: DeviceCredentials = serde_json::from_value(record.clone()).unwrap();
    let types: Vec<&str> = b
        .steps
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.last(), Some(&"done"));

    // Again with the stored record from JSON: a code, then device SRP, no new device.
    let mut with_device = config.clone();
    with_device["devices"] = json!([record]);
    let again = b
        .sign_in(
            with_device,
            json!({"flow": "USER_SRP_AUTH", "username": "jane", "password": "Brand-New-Pass-2"}),
            |_, prompt| match prompt["challenge"]["type"].as_str().unwrap() {
                "softwareTokenMfa" => json!({"type": "code", "code": totp_code(&secret, NOW)}),
                other => panic!("unexpected question {other}"),
            },
        )
        .unwrap();
    assert!(again.new_device.is_none());
    // The refresh start from JSON, then the rotating refresh refused by the client.
    let refresh = json!({
        "flow": "REFRESH_TOKEN_AUTH",
        "refreshToken": again.tokens.refresh_token.as_ref().unwrap().expose_secret(),
        "username": again.username,
        "deviceKey": again.device_key,
    });
    let refreshed = b.sign_in(config, refresh, |_, p| panic!("{p}")).unwrap();
    assert_eq!(refreshed.username, "jane");
}

/// An error, as a binding shows it: typed, with kind, field and message.
#[test]
fn errors_cross_as_json() {
    let mut rng = StdRng::seed_from_u64(10);
    let config: Config =
        serde_json::from_value(json!({"userPoolId": POOL, "clientId": "c"})).unwrap();
    let start: Start = serde_json::from_value(
        json!({"flow": "USER_PASSWORD_AUTH", "username": "jane", "password": "pw"}),
    )
    .unwrap();
    let (mut m, _) = SignIn::start(&config, start, NOW, &mut rng).unwrap();
    let reply: Reply = serde_json::from_value(json!({
        "status": 400,
        "body": r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#
    }))
    .unwrap();
    let err = m.handle(reply.as_response(), NOW, &mut rng).unwrap_err();
    assert_eq!(
        round_trip(&err),
        json!({"type": "service", "kind": "NotAuthorizedException", "field": null,
               "status": 400, "message": "Incorrect username or password."})
    );
    let err = m.handle(reply.as_response(), NOW, &mut rng).unwrap_err();
    assert_eq!(round_trip(&err)["kind"], "alreadyFailed");
}

/// Inputs a binding may get wrong: each refused with a message, never a panic.
#[test]
fn bad_inputs_are_refused() {
    let configs = [
        json!({"clientId": "c"}),
        json!({"userPoolId": "nounderscore", "clientId": "c"}),
        json!({"userPoolId": POOL, "clientId": "c", "extra": 1}),
        json!({"userPoolId": POOL, "clientId": "c", "privateBits": 512}),
        json!({"userPoolId": POOL, "clientId": "c", "devices": [{"username": "x"}]}),
        json!([POOL, "c"]),
    ];
    for c in configs {
        assert!(serde_json::from_value::<Config>(c.clone()).is_err(), "{c}");
    }
    let starts = [
        json!({"flow": "USER_SRP_AUTH", "username": "jane"}),
        json!({"flow": "USER_SRP_AUTH", "password": "pw"}),
        json!({"flow": "NOPE", "username": "jane", "password": "pw"}),
        json!({"flow": "REFRESH_TOKEN_AUTH"}),
        json!({"flow": "REFRESH_TOKEN_AUTH", "refreshToken": "r", "password": "pw"}),
        json!({"flow": "USER_AUTH", "username": "jane", "preferred": {"factor": "PASSWORD"}}),
        json!({"flow": "USER_PASSWORD_AUTH", "username": "jane", "password": "pw", "x": 1}),
    ];
    for s in starts {
        assert!(serde_json::from_value::<Start>(s.clone()).is_err(), "{s}");
    }
    for r in [
        json!({"status": 200}),
        json!({"status": 70000, "body": ""}),
        json!({"status": 200, "body": "", "headers": {}}),
    ] {
        assert!(serde_json::from_value::<Reply>(r.clone()).is_err(), "{r}");
    }
    for r in [
        json!({"operation": "InitiateAuth"}),
        json!({"operation": "Nope", "body": "{}"}),
        json!({"operation": "InitiateAuth", "body": "{}", "sigv4": true}),
    ] {
        assert!(
            serde_json::from_value::<cognito_signin::Request>(r.clone()).is_err(),
            "{r}"
        );
    }
}
