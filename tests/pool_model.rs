//! Model-based property test: random pool configurations, user states and user behaviour,
//! the state machine driven against the reference user pool. A right user always ends with
//! tokens, a wrong one with the matching typed error, and no wrong claim is ever accepted.
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

use cognito_signin::server::{
    AppClient, DeviceTracking, MfaMode, NewUser, PoolConfig, UserPool, UserStatus, totp_code,
};
use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, DeviceCredentials, Error, ErrorKind, FirstFactor,
    MfaType, Password, SignedIn, Start, UnixTime,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const POOL: &str = "eu-west-1_ModelPool";
const PW: &str = "Right-Password-1";
const NEW_PW: &str = "Another-Password-2";
const TOTP: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[derive(Clone, Debug)]
struct Scenario {
    mfa: MfaMode,
    sms: bool,
    totp: bool,
    email: bool,
    tracking: DeviceTracking,
    status: UserStatus,
    enrolled_totp: bool,
    enrolled_sms: bool,
    enrolled_email: bool,
    secret: bool,
    alias: bool,
    flow: u8,
    right_password: bool,
    wrong_code_first: bool,
    remember: bool,
    seed: u64,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        (
            prop_oneof![
                Just(MfaMode::Off),
                Just(MfaMode::Optional),
                Just(MfaMode::On)
            ],
            any::<(bool, bool, bool)>(),
            prop_oneof![
                Just(DeviceTracking::Off),
                Just(DeviceTracking::Always),
                Just(DeviceTracking::UserOptIn)
            ],
            prop_oneof![
                6 => Just(UserStatus::Confirmed),
                2 => Just(UserStatus::ForceChangePassword),
                1 => Just(UserStatus::Unconfirmed),
                1 => Just(UserStatus::ResetRequired)
            ],
        ),
        any::<(bool, bool, bool)>(),
        any::<(bool, bool)>(),
        0u8..4,
        (
            prop::bool::weighted(0.75),
            any::<bool>(),
            any::<bool>(),
            any::<u64>(),
        ),
    )
        .prop_map(
            |(
                (mfa, (sms, totp, email), tracking, status),
                enrolled,
                (secret, alias),
                flow,
                behaviour,
            )| {
                let (sms, totp, email) = if mfa == MfaMode::On && !totp && !email {
                    (sms, true, email)
                } else {
                    (sms, totp, email)
                };
                Scenario {
                    mfa,
                    sms,
                    totp,
                    email,
                    tracking,
                    status,
                    enrolled_totp: enrolled.0,
                    enrolled_sms: enrolled.1,
                    enrolled_email: enrolled.2,
                    secret,
                    alias,
                    flow,
                    right_password: behaviour.0,
                    wrong_code_first: behaviour.1,
                    remember: behaviour.2,
                    seed: behaviour.3,
                }
            },
        )
}

struct World {
    pool: UserPool,
    rng: StdRng,
    now: UnixTime,
}

impl common::Peer for World {
    type Rng = StdRng;

    fn now(&self) -> UnixTime {
        self.now
    }

    fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    fn post(&mut self, request: &cognito_signin::Request) -> cognito_signin::Reply {
        let reply = self
            .pool
            .handle(request.target(), request.body(), self.now, &mut self.rng);
        common::pool_reply(reply)
    }
}

fn setup(s: &Scenario) -> World {
    let mut rng = StdRng::seed_from_u64(s.seed);
    let config = PoolConfig {
        mfa: s.mfa,
        sms_mfa: s.sms,
        totp_mfa: s.totp,
        email_mfa: s.email,
        device_tracking: s.tracking,
        alias_attributes: vec!["email".into()],
        ..PoolConfig::default()
    };
    let mut pool = UserPool::new(POOL, config, &mut rng).unwrap();
    let mut client = AppClient::new("modelclient").with_flows(&[
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_USER_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]);
    if s.secret {
        client = client.with_secret("model-secret-model-secret-model");
    }
    pool.add_client(client);
    let mut user = NewUser::new("m-0001", Password::new(PW))
        .with_status(s.status)
        .with_attribute("email", "m@example.com")
        .with_attribute("email_verified", "true")
        .with_attribute("phone_number", "+15550199");
    if s.enrolled_totp {
        user = user.with_totp(TOTP);
    }
    if s.enrolled_sms {
        user = user.with_sms_mfa();
    }
    if s.enrolled_email {
        user = user.with_email_mfa();
    }
    pool.add_user(user, &mut rng).unwrap();
    World {
        pool,
        rng,
        now: UnixTime(1_850_000_000),
    }
}

fn config(s: &Scenario, device: Option<DeviceCredentials>) -> Config {
    let mut c = Config::new(POOL, "modelclient").unwrap();
    if s.secret {
        c = c.with_client_secret(ClientSecret::new("model-secret-model-secret-model"));
    }
    if let Some(d) = device {
        c = c.with_device(d);
    }
    c
}

fn start(s: &Scenario, password: &str) -> Start {
    let name = if s.alias { "m@example.com" } else { "m-0001" };
    let pw = Password::new(password);
    match s.flow {
        0 => Start::user_srp(name, pw),
        1 => Start::user_password(name, pw),
        2 => Start::admin_user_password(name, pw),
        _ => Start::user_auth_preferring(name, FirstFactor::PasswordSrp(pw)),
    }
}

/// Drives a sign-in; answers like a user who knows everything (after one wrong code when the
/// scenario says so). Returns the result and how many wrong codes were refused.
fn sign_in(
    w: &mut World,
    s: &Scenario,
    config: Config,
    start: Start,
) -> (Result<SignedIn, Error>, usize, usize) {
    let mut refused = 0;
    let mut asked = 0;
    let mut wrong_left = usize::from(s.wrong_code_first);
    let mut secret = TOTP.to_string();
    let mut last_code = String::new();
    let result = common::drive(w, &config, start, |w, prompt| {
        if prompt.previous_error.as_ref().is_some_and(|e| {
            matches!(
                e.kind,
                ErrorKind::CodeMismatch | ErrorKind::EnableSoftwareTokenMfa
            )
        }) {
            refused += 1;
        }
        let mut code = |right: String| {
            asked += 1;
            if wrong_left > 0 {
                wrong_left -= 1;
                Answer::Code(if right == "000000" {
                    "111111".into()
                } else {
                    "000000".into()
                })
            } else {
                Answer::Code(right)
            }
        };
        match &prompt.challenge {
            Challenge::NewPassword { .. } => Answer::NewPassword {
                password: Password::new(NEW_PW),
                attributes: BTreeMap::new(),
            },
            Challenge::MfaSetup { options } => {
                if options.contains(&MfaType::SoftwareToken) {
                    Answer::SetUpTotp
                } else {
                    Answer::SetUpEmail("m@example.com".into())
                }
            }
            Challenge::TotpSetup { secret_code, .. } => {
                secret = secret_code.clone();
                code(totp_code(&secret, w.now).unwrap())
            }
            Challenge::SoftwareTokenMfa { .. } => {
                let enrolled = w.pool.totp_secret("m-0001").unwrap_or(&secret).to_string();
                code(totp_code(&enrolled, w.now).unwrap())
            }
            Challenge::SmsMfa { .. } | Challenge::EmailOtp { .. } | Challenge::SmsOtp { .. } => {
                if let Some(m) = w.pool.take_outbox().pop() {
                    last_code = m.code;
                }
                code(last_code.clone())
            }
            Challenge::SelectMfaType { options } => Answer::Mfa(options[0].clone()),
            Challenge::SelectChallenge { .. } => {
                Answer::FirstFactor(FirstFactor::PasswordSrp(Password::new(PW)))
            }
            Challenge::RememberDevice => Answer::RememberDevice(s.remember),
            other => panic!("unexpected question {other:?}"),
        }
    });
    (result, refused, asked)
}

fn kind(e: &Error) -> ErrorKind {
    match e {
        Error::Service(s) => s.kind.clone(),
        other => panic!("expected a Cognito error, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn machine_and_pool_agree(s in scenario()) {
        let mut w = setup(&s);
        let password = if s.right_password { PW } else { "Wrong-Password-9" };
        let (result, refused, asked) = sign_in(&mut w, &s, config(&s, None), start(&s, password));
        match s.status {
            UserStatus::Unconfirmed => {
                prop_assert_eq!(kind(&result.unwrap_err()), ErrorKind::UserNotConfirmed);
                return Ok(());
            }
            UserStatus::ResetRequired => {
                prop_assert_eq!(kind(&result.unwrap_err()), ErrorKind::PasswordResetRequired);
                return Ok(());
            }
            _ => {}
        }
        if !s.right_password {
            // Never tokens for a wrong password: SRP proof or password refused.
            prop_assert_eq!(kind(&result.unwrap_err()), ErrorKind::NotAuthorized);
            return Ok(());
        }
        let signed_in = result.unwrap();
        prop_assert_eq!(&signed_in.username, "m-0001");
        // One wrong code is refused and asked again in the same session; none without codes.
        let expected_refusals = usize::from(s.wrong_code_first && asked > 0);
        prop_assert_eq!(refused, expected_refusals);
        let device = signed_in.new_device.clone();
        prop_assert_eq!(device.is_some(), s.tracking != DeviceTracking::Off);

        // Again, with the device when there is one: now the password is the current one.
        let password = if s.status == UserStatus::ForceChangePassword { NEW_PW } else { PW };
        let creds = device.and_then(|d| d.credentials);
        let (again, _, _) = sign_in(&mut w, &s, config(&s, creds.clone()), start(&s, password));
        let again = again.unwrap();
        prop_assert!(!again.device_forgotten);
        // The record is keyed by the internal username. The machine finds it when the user
        // types it, or when a challenge names the user; a sign-in by alias with the password
        // sent and no challenge sends no key, and the pool issues a new device.
        let srp_flow = matches!(s.flow, 0 | 3..);
        if creds.is_some() && (!s.alias || srp_flow) {
            prop_assert!(again.new_device.is_none(), "a known device is not issued again");
        }

        // A refresh with the internal username works; the tokens' owner is the same.
        if let Some(rt) = again.tokens.refresh_token.clone() {
            let (refreshed, _, _) = sign_in(&mut w, &s, config(&s, creds), Start::refresh(rt, Some(again.username.clone())));
            prop_assert_eq!(refreshed.unwrap().username, "m-0001");
        }
        // A wrong password after all that still fails.
        let (wrong, _, _) = sign_in(&mut w, &s, config(&s, None), start(&s, "Wrong-Password-9"));
        prop_assert_eq!(kind(&wrong.unwrap_err()), ErrorKind::NotAuthorized);
    }
}
