//! Arbitrary requests to the world (every operation, bodies of any shape, values near the
//! valid ones, in any order): each answer is a 200 with a JSON object, or an error with
//! Cognito's shape; nothing panics; the world goes on serving a valid sign-in afterwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cognito_signin::{Config, Password, Response, SignIn, Start, Step, UnixTime};
use cognito_signin_server::{OPERATIONS, World};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const POOL: &str = "us-east-1_Arbitrary1";
const CLIENT: &str = "arbitraryclient1";
const NOW: UnixTime = UnixTime(1_800_000_000);

fn world() -> World {
    let mut world = World::new(None);
    let config = json!({"UserPools": [{
        "Id": POOL, "PoolName": "arbitrary", "MfaConfiguration": "OPTIONAL",
        "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": true},
        "Clients": [{"ClientId": CLIENT, "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"]}],
        "Users": [{"Username": "alice", "Password": "Correct-Horse-1"},
                  {"Username": "bob", "Password": "Correct-Horse-1",
                   "SoftwareTokenSecret": "JBSWY3DPEHPK3PXP"}],
    }]});
    world.load_config(&config, NOW).unwrap();
    world
}

/// A value near what the operations read: real ids and names, broken ones, other types.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(POOL)),
        Just(json!(CLIENT)),
        Just(json!("alice")),
        Just(json!("bob")),
        Just(json!("Correct-Horse-1")),
        Just(json!("USER_SRP_AUTH")),
        Just(json!("USER_PASSWORD_AUTH")),
        Just(json!("REFRESH_TOKEN_AUTH")),
        Just(json!("PASSWORD_VERIFIER")),
        Just(json!("SOFTWARE_TOKEN_MFA")),
        Just(json!("0")),
        Just(json!("ff")),
        Just(json!("")),
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(-1)),
        Just(json!(1.5e300)),
        "[0-9a-f]{1,800}".prop_map(Value::String),
        "[A-Za-z0-9+/=_ -]{0,40}".prop_map(Value::String),
        any::<u64>().prop_map(|n| json!(n)),
    ]
}

const FIELDS: &[&str] = &[
    "UserPoolId",
    "ClientId",
    "Username",
    "Password",
    "Permanent",
    "AuthFlow",
    "AuthParameters",
    "ChallengeName",
    "ChallengeResponses",
    "Session",
    "AccessToken",
    "DeviceKey",
    "UserAttributes",
    "TemporaryPassword",
    "MessageAction",
    "Filter",
    "Limit",
    "PaginationToken",
    "PoolName",
    "ClientName",
    "ExplicitAuthFlows",
    "GenerateSecret",
    "Token",
    "RefreshToken",
    "UserCode",
    "SoftwareTokenMfaSettings",
    "MfaConfiguration",
    "DeviceSecretVerifierConfig",
    "DeviceRememberedStatus",
    "Policies",
    "LambdaConfig",
];

const PARAMS: &[&str] = &[
    "USERNAME",
    "PASSWORD",
    "SRP_A",
    "SECRET_HASH",
    "DEVICE_KEY",
    "REFRESH_TOKEN",
    "PASSWORD_CLAIM_SIGNATURE",
    "PASSWORD_CLAIM_SECRET_BLOCK",
    "TIMESTAMP",
    "SOFTWARE_TOKEN_MFA_CODE",
    "NEW_PASSWORD",
    "ANSWER",
    "PREFERRED_CHALLENGE",
];

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(PARAMS), inner.clone(), 0..5)
                .prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                )),
            prop::collection::vec(("[A-Za-z]{1,8}", inner), 0..3).prop_map(|list| {
                json!(
                    list.into_iter()
                        .map(|(n, v)| json!({"Name": n, "Value": v}))
                        .collect::<Vec<_>>()
                )
            }),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::collection::btree_map(prop::sample::select(FIELDS), value(), 0..7).prop_map(|m| {
            let object: Map<String, Value> = m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            serde_json::to_vec(&Value::Object(object)).unwrap()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
    ]
}

fn operation() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => prop::sample::select(OPERATIONS).prop_map(str::to_owned),
        1 => "[A-Za-z]{0,20}",
    ]
}

fn check_reply(op: &str, reply: &cognito_signin::server::ServerReply) {
    let value: Value = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("{op}: the reply is not JSON ({e})"));
    assert!(value.is_object(), "{op}: {value}");
    if reply.status == 200 {
        assert!(reply.error_type.is_none());
    } else {
        assert!((400..600).contains(&reply.status), "{op}: {}", reply.status);
        let kind = reply.error_type.as_deref().expect("an error has a type");
        assert_eq!(value["__type"], kind, "{op}");
        assert!(value["message"].is_string(), "{op}: {value}");
        // No 500s for anything a client sends.
        assert!(reply.status < 500, "{op}: {value}");
    }
}

/// A whole USER_SRP_AUTH sign-in against the world, in process.
fn signs_in(world: &mut World) {
    let mut rng = rand::rng();
    let config = Config::new(POOL, CLIENT).unwrap();
    let start = Start::user_srp("alice", Password::new("Correct-Horse-1"));
    let (mut flow, mut request) = SignIn::start(&config, start, NOW, &mut rng).unwrap();
    loop {
        let op = request
            .target()
            .trim_start_matches("AWSCognitoIdentityProviderService.");
        let reply = world.handle(op, request.body(), "us-east-1", NOW);
        match flow.handle(Response::new(reply.status, &reply.body), NOW, &mut rng) {
            Ok(Step::Send(next)) => request = next,
            Ok(Step::Done(done)) => {
                assert_eq!(done.username, "alice");
                return;
            }
            other => panic!("{other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_requests_get_well_formed_answers(requests in prop::collection::vec((operation(), body()), 1..12)) {
        let mut world = world();
        for (op, body) in &requests {
            let reply = world.handle(op, body, "us-east-1", NOW);
            check_reply(op, &reply);
        }
        // Whatever came before, alice still signs in (unless a request deleted her or the pool).
        let alive = world.handle(
            "AdminGetUser",
            &serde_json::to_vec(&json!({"UserPoolId": POOL, "Username": "alice"})).unwrap(),
            "us-east-1",
            NOW,
        );
        let password = world.handle(
            "AdminInitiateAuth",
            &serde_json::to_vec(&json!({"UserPoolId": POOL, "ClientId": CLIENT,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct-Horse-1"}})).unwrap(),
            "us-east-1",
            NOW,
        );
        if alive.status == 200 && password.status == 200 {
            signs_in(&mut world);
        }
    }
}
