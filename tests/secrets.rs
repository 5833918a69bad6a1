//! Secrets hygiene: no `Debug` (plain or pretty) or `Display` of a public type shows a
//! secret it holds.
//!
//! Wiping is observed in `fuzz/zeroize-probe`: a global allocator that inspects every block
//! as it is freed (it needs `unsafe`, so it cannot live in this crate's tests), run by CI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

mod common;

use std::collections::BTreeMap;

use cognito_signin::srp::{Ephemeral, Identity, ServerChallenge, ServerSession, Verifier};
use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, DeviceCredentials, DeviceRegistration, FirstFactor,
    Password, Response, SignIn, Start, Step, UnixTime,
};
use common::{ReplayRng, jwt};
use serde_json::json;

const NOW: UnixTime = UnixTime(1_800_000_000);
const PASSWORD: &str = "pw-Xh3Jd8Qn5Vc2Lr7Ws4Ty9eA";
const CLIENT_SECRET: &str = "cs-Kq7vN2xW9pL4mZ8rT1yB6hU";
const DEVICE_PASSWORD: &str = "dev-Yc4Ms9Tj2Wb7Lx5Kn8Qe3i";
const REFRESH_TOKEN: &str = "rt-Zp5Vg1Ha8Sd3Fm6Jw9Lc2uR";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The renderings of secret bytes someone might print.
fn renderings(bytes: &[u8]) -> Vec<String> {
    use base64::Engine;
    let h = hex(bytes);
    vec![
        h.to_uppercase(),
        h,
        base64::engine::general_purpose::STANDARD.encode(bytes),
        format!("{:?}", &bytes[..bytes.len().min(8)])
            .trim_end_matches(']')
            .to_owned(),
    ]
}

/// `Debug`, pretty `Debug` (and what else is given) of `value` contain none of `secrets`.
#[track_caller]
fn hides<T: std::fmt::Debug>(what: &str, value: &T, secrets: &[String]) {
    let texts = [format!("{value:?}"), format!("{value:#?}")];
    for text in &texts {
        for s in secrets {
            assert!(!text.contains(s.as_str()), "{what} shows a secret: {text}");
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn device() -> DeviceCredentials {
    DeviceCredentials::new(
        "7d4e-internal",
        "us-east-1_d",
        "-g",
        Password::new(DEVICE_PASSWORD),
    )
}

fn config() -> Config {
    Config::new("us-east-1_AbCdEf123", "client1")
        .unwrap()
        .with_client_secret(ClientSecret::new(CLIENT_SECRET))
        .with_device(device())
}

#[test]
fn secret_strings_and_bytes() {
    let all = strings(&[PASSWORD, CLIENT_SECRET, DEVICE_PASSWORD]);
    hides("Password", &Password::new(PASSWORD), &all);
    hides("ClientSecret", &ClientSecret::new(CLIENT_SECRET), &all);
    hides("DeviceCredentials", &device(), &all);
    hides("Config", &config(), &all);
    for start in [
        Start::user_srp("jane", Password::new(PASSWORD)),
        Start::user_password("jane", Password::new(PASSWORD)),
        Start::admin_user_password("jane", Password::new(PASSWORD)),
        Start::custom_with_srp("jane", Password::new(PASSWORD)),
        Start::user_auth_preferring("jane", FirstFactor::Password(Password::new(PASSWORD))),
        Start::refresh(REFRESH_TOKEN, Some("jane".into())),
        Start::refresh_rotating(REFRESH_TOKEN),
    ] {
        hides("Start", &start, &strings(&[PASSWORD, REFRESH_TOKEN]));
    }
    for answer in [
        Answer::Password(Password::new(PASSWORD)),
        Answer::FirstFactor(FirstFactor::Password(Password::new(PASSWORD))),
        Answer::FirstFactor(FirstFactor::PasswordSrp(Password::new(PASSWORD))),
        Answer::NewPassword {
            password: Password::new(PASSWORD),
            attributes: BTreeMap::new(),
        },
    ] {
        hides("Answer", &answer, &all);
    }
}

#[test]
fn srp_values() {
    let id = Identity::user("us-east-1_AbCdEf123", "7d4e-internal").unwrap();
    let password = Password::new(PASSWORD);
    let a = [0x5au8; 32];
    let b = [0xa7u8; 32];
    let verifier = Verifier::new(&id, &password, b"salt-salt-salt!!");
    let server = ServerSession::from_private_bytes(verifier.clone(), &b).unwrap();
    let client = Ephemeral::from_private_bytes(&a).unwrap();
    let challenge =
        ServerChallenge::parse(&server.salt_hex(), &server.public_hex(), "AAEC").unwrap();
    let (claim, transcript) = client
        .respond_with_transcript(&id, &password, &challenge, NOW)
        .unwrap();
    let x = transcript.x().expose_secret().to_vec();
    let s = transcript.premaster_padded().expose_secret().to_vec();
    let key = transcript.key().expose_secret().to_vec();
    let mut secrets = strings(&[PASSWORD]);
    for bytes in [&a[..], &b[..], &x, &s[1..], &key] {
        secrets.extend(renderings(bytes));
    }
    hides("Ephemeral", &client, &secrets);
    hides("ServerSession", &server, &secrets);
    hides("Transcript", &transcript, &secrets);
    hides("SecretBytes", transcript.key(), &secrets);
    hides("SecretBytes", transcript.x(), &secrets);
    hides("PasswordClaim", &claim, &secrets);
    hides("ServerChallenge", &challenge, &secrets);
    let (u, premaster) = server.premaster(&client.public_hex()).unwrap();
    assert_eq!(premaster.expose_secret(), &s[..]);
    hides("server premaster", &(u, premaster), &secrets);

    let registration =
        DeviceRegistration::from_random_bytes("-g", "us-east-1_d", &[0x3c; 40], &[0x11; 16]);
    let device_password = registration.device_password().expose_secret().to_owned();
    hides("DeviceRegistration", &registration, &[device_password]);
}

/// A whole sign-in: requests, steps, prompts, the machine and the result show no secret.
#[test]
fn sign_in_steps() {
    let mut rng = ReplayRng::seeded(50);
    let access = jwt(json!({"username": "7d4e-internal", "token_use": "access"}));
    let id_token = jwt(json!({"cognito:username": "7d4e-internal", "token_use": "id"}));
    let mut secrets = strings(&[
        PASSWORD,
        CLIENT_SECRET,
        DEVICE_PASSWORD,
        TOTP_SECRET,
        REFRESH_TOKEN,
    ]);
    secrets.push(access.clone());
    secrets.push(id_token.clone());
    let (mut m, request) = SignIn::start(
        config(),
        Start::user_password("jane", Password::new(PASSWORD)),
        NOW,
        &mut rng,
    )
    .unwrap();
    assert!(String::from_utf8_lossy(request.body()).contains(PASSWORD));
    hides("Request", &request, &secrets);
    hides("SignIn", &m, &secrets);
    let feed = |m: &mut SignIn, body: serde_json::Value, rng: &mut ReplayRng| {
        let bytes = serde_json::to_vec(&body).unwrap();
        let step = m.handle(Response::new(200, &bytes), NOW, rng).unwrap();
        hides("Step", &step, &secrets);
        hides("SignIn", m, &secrets);
        step
    };
    let step = feed(
        &mut m,
        json!({"ChallengeName": "MFA_SETUP", "Session": "AYABeSession-0123456789",
               "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}}),
        &mut rng,
    );
    assert!(matches!(step, Step::NeedInput(_)));
    let step = m.answer(Answer::SetUpTotp, NOW, &mut rng).unwrap();
    hides("Step", &step, &secrets);
    let step = feed(
        &mut m,
        json!({"SecretCode": TOTP_SECRET, "Session": "AYABeSession-1123456789"}),
        &mut rng,
    );
    // The TOTP secret is for the user's eyes: in the prompt's fields, never in its Debug.
    let Step::NeedInput(prompt) = &step else {
        panic!("the TOTP set-up question");
    };
    let Challenge::TotpSetup { secret_code, uri } = &prompt.challenge else {
        panic!("TotpSetup");
    };
    assert_eq!(secret_code, TOTP_SECRET);
    assert!(uri.contains(TOTP_SECRET));
    hides("Prompt", prompt, &secrets);
    let step = m
        .answer(Answer::Code("123456".into()), NOW, &mut rng)
        .unwrap();
    hides("Step", &step, &secrets);
    let _ = feed(&mut m, json!({"Status": "SUCCESS"}), &mut rng);
    let step = feed(
        &mut m,
        json!({"AuthenticationResult": {"AccessToken": access, "IdToken": id_token,
            "RefreshToken": REFRESH_TOKEN, "ExpiresIn": 3600, "TokenType": "Bearer",
            "NewDeviceMetadata": {"DeviceKey": "us-east-1_n", "DeviceGroupKey": "-n"}}}),
        &mut rng,
    );
    assert!(matches!(step, Step::Send(_)));
    let step = feed(
        &mut m,
        json!({"UserConfirmationNecessary": false}),
        &mut rng,
    );
    let Step::Done(signed_in) = step else {
        panic!("done");
    };
    let new_password = signed_in
        .new_device
        .as_ref()
        .and_then(|d| d.credentials.as_ref())
        .map(|c| c.device_password.expose_secret().to_owned())
        .unwrap();
    secrets.push(new_password);
    hides("SignedIn", &signed_in, &secrets);
    hides("Tokens", &signed_in.tokens, &secrets);
    hides("SignIn", &m, &secrets);
}

#[cfg(feature = "server")]
#[test]
fn reference_pool() {
    use cognito_signin::server::{AppClient, PoolConfig, UserPool};
    let mut rng = ReplayRng::seeded(51);
    let mut pool = UserPool::new("us-east-1_AbCdEf123", PoolConfig::default(), &mut rng).unwrap();
    let client = AppClient::new("client1").with_secret(CLIENT_SECRET);
    hides("AppClient", &client, &strings(&[CLIENT_SECRET]));
    pool.add_client(client);
    pool.add_user(
        cognito_signin::server::NewUser::new("alice", Password::new(PASSWORD)),
        &mut rng,
    )
    .unwrap();
    hides("UserPool", &pool, &strings(&[PASSWORD, CLIENT_SECRET]));
}
