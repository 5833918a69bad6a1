//! Whole sign-ins: the state machine against the reference user pool, in memory. Every flow
//! the pool serves, right and wrong answers, devices, refresh, sessions and timestamps.
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
    AppClient, ChallengeResult, CustomAuth, CustomChallenge, CustomStep, DeviceTracking, MfaMode,
    NewUser, PoolConfig, UserPool, UserStatus, totp_code,
};
use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, DeviceCredentials, DeviceStatus, Error, ErrorKind,
    FirstFactor, MfaType, Password, Prompt, Reply, Request, SignIn, SignedIn, Start, Step,
    UnixTime,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

const POOL: &str = "us-east-1_RefPool1";
const NOW: UnixTime = UnixTime(1_800_000_000);
const PW: &str = "Correct-Horse-1";

struct World {
    pool: UserPool,
    rng: StdRng,
    now: UnixTime,
    /// Every request sent, by operation name, for assertions.
    sent: Vec<String>,
}

impl common::Peer for World {
    type Rng = StdRng;

    fn now(&self) -> UnixTime {
        self.now
    }

    fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    fn post(&mut self, request: &Request) -> Reply {
        self.post(request)
    }
}

impl World {
    fn new(config: PoolConfig) -> Self {
        let mut rng = StdRng::seed_from_u64(42);
        let pool = UserPool::new(POOL, config, &mut rng).unwrap();
        Self {
            pool,
            rng,
            now: NOW,
            sent: Vec::new(),
        }
    }

    fn user(&mut self, user: NewUser) {
        self.pool.add_user(user, &mut self.rng).unwrap();
    }

    fn post(&mut self, request: &Request) -> Reply {
        self.sent.push(request.operation().name().to_string());
        let reply = self
            .pool
            .handle(request.target(), request.body(), self.now, &mut self.rng);
        if std::env::var_os("TRACE").is_some() {
            eprintln!(
                ">> {}\n<< {} {}",
                String::from_utf8_lossy(request.body()),
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
        common::pool_reply(reply)
    }

    /// Runs a sign-in to the end, answering questions with `answer`.
    fn sign_in(
        &mut self,
        config: Config,
        start: Start,
        answer: impl FnMut(&mut World, &Prompt) -> Answer,
    ) -> Result<SignedIn, Error> {
        common::drive(self, &config, start, answer)
    }

    fn last_code(&mut self) -> String {
        self.pool.take_outbox().pop().expect("a code was sent").code
    }
}

fn config(client: &str) -> Config {
    Config::new(POOL, client).unwrap()
}

fn no_questions(_: &mut World, p: &Prompt) -> Answer {
    panic!("unexpected question {p:?}")
}

fn service_kind(e: &Error) -> ErrorKind {
    match e {
        Error::Service(s) => s.kind.clone(),
        other => panic!("not a service error: {other:?}"),
    }
}

#[test]
fn srp_sign_in_and_wrong_password() {
    let mut w = World::new(PoolConfig::default());
    w.pool.add_client(AppClient::new("pub1"));
    w.user(NewUser::new("alice", Password::new(PW)));
    let s = w
        .sign_in(
            config("pub1"),
            Start::user_srp("alice", Password::new(PW)),
            no_questions,
        )
        .unwrap();
    assert_eq!(s.username, "alice");
    assert!(s.tokens.refresh_token.is_some());
    assert_eq!(w.sent, ["InitiateAuth", "RespondToAuthChallenge"]);
    for size in [
        cognito_signin::srp::PrivateSize::Bits256,
        cognito_signin::srp::PrivateSize::Bits1024,
    ] {
        let e = w
            .sign_in(
                config("pub1").with_private_size(size),
                Start::user_srp("alice", Password::new("wrong")),
                no_questions,
            )
            .unwrap_err();
        assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
    }
    let e = w
        .sign_in(
            config("pub1"),
            Start::user_srp("nobody", Password::new(PW)),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::UserNotFound);
    // USER_PASSWORD_AUTH is not allowed by a default client.
    let e = w
        .sign_in(
            config("pub1"),
            Start::user_password("alice", Password::new(PW)),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::InvalidParameter);
}

#[test]
fn client_secret_and_alias() {
    let mut w = World::new(PoolConfig {
        alias_attributes: vec!["email".into()],
        ..PoolConfig::default()
    });
    w.pool.add_client(
        AppClient::new("secret1")
            .with_secret("s3cr3t-s3cr3t-s3cr3t-s3cr3t")
            .with_flows(&[
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ]),
    );
    w.user(
        NewUser::new("7d4e3c2a-uuid", Password::new(PW))
            .with_attribute("email", "alice@example.com")
            .with_attribute("email_verified", "true"),
    );
    let cfg =
        config("secret1").with_client_secret(ClientSecret::new("s3cr3t-s3cr3t-s3cr3t-s3cr3t"));
    let s = w
        .sign_in(
            cfg.clone(),
            Start::user_srp("alice@example.com", Password::new(PW)),
            no_questions,
        )
        .unwrap();
    assert_eq!(s.username, "7d4e3c2a-uuid");
    let s2 = w
        .sign_in(
            cfg.clone(),
            Start::user_password("alice@example.com", Password::new(PW)),
            no_questions,
        )
        .unwrap();
    assert_eq!(s2.username, "7d4e3c2a-uuid");
    // Refresh: the hash is over the internal username; an alias is refused.
    let rt = s.tokens.refresh_token.clone().unwrap();
    let r = w
        .sign_in(
            cfg.clone(),
            Start::refresh(rt.clone(), Some(s.username.clone())),
            no_questions,
        )
        .unwrap();
    assert_eq!(
        r.tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some(rt.expose_secret())
    );
    let e = w
        .sign_in(
            cfg.clone(),
            Start::refresh(rt, Some("alice@example.com".into())),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
    // A wrong secret is refused at once.
    let bad =
        config("secret1").with_client_secret(ClientSecret::new("not-the-secret-not-the-secret"));
    let e = w
        .sign_in(
            bad,
            Start::user_srp("alice@example.com", Password::new(PW)),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
    // No secret at all is refused too.
    let e = w
        .sign_in(
            config("secret1"),
            Start::user_srp("alice@example.com", Password::new(PW)),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
}

#[test]
fn new_password_required_then_totp_setup_then_totp() {
    let mut w = World::new(PoolConfig {
        mfa: MfaMode::On,
        required_attributes: vec!["name".into()],
        ..PoolConfig::default()
    });
    w.pool.add_client(AppClient::new("pub1"));
    w.user(
        NewUser::new("jane", Password::new("Temp-Pass-1"))
            .with_status(UserStatus::ForceChangePassword)
            .with_attribute("email", "jane@example.com")
            .with_attribute("email_verified", "true"),
    );
    let mut asked = Vec::new();
    let s = w
        .sign_in(
            config("pub1"),
            Start::user_srp("jane", Password::new("Temp-Pass-1")),
            |w, p| {
                asked.push((
                    p.challenge.clone(),
                    p.previous_error.as_ref().map(|e| e.kind.clone()),
                ));
                match &p.challenge {
                    Challenge::NewPassword {
                        required_attributes,
                        user_attributes,
                    } => {
                        assert_eq!(required_attributes, &["name"]);
                        assert_eq!(user_attributes["email"], "jane@example.com");
                        let mut attributes = user_attributes.clone();
                        attributes.insert("name".into(), "Jane".into());
                        // First too short (refused, asked again), then good.
                        let pw = if p.previous_error.is_none() {
                            "short"
                        } else {
                            "New-Password-1"
                        };
                        Answer::NewPassword {
                            password: Password::new(pw),
                            attributes,
                        }
                    }
                    Challenge::MfaSetup { options } => {
                        assert!(options.contains(&MfaType::SoftwareToken));
                        Answer::SetUpTotp
                    }
                    Challenge::TotpSetup { secret_code, uri } => {
                        assert!(uri.starts_with("otpauth://totp/Cognito:jane?secret="));
                        if p.previous_error.is_none() {
                            Answer::Code("000000".into())
                        } else {
                            Answer::Code(totp_code(secret_code, w.now).unwrap())
                        }
                    }
                    other => panic!("{other:?}"),
                }
            },
        )
        .unwrap();
    assert_eq!(s.username, "jane");
    assert_eq!(w.pool.user_status("jane"), Some(UserStatus::Confirmed));
    let kinds: Vec<_> = asked.iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(
        kinds,
        [
            None,
            Some(ErrorKind::InvalidPassword),
            None,
            None,
            Some(ErrorKind::EnableSoftwareTokenMfa)
        ]
    );
    // Next sign-in: the new password, then the TOTP code, a wrong one first.
    let secret = w.pool.totp_secret("jane").unwrap().to_string();
    let mut tries = 0;
    w.sign_in(
        config("pub1"),
        Start::user_srp("jane", Password::new("New-Password-1")),
        |w, p| {
            assert!(matches!(p.challenge, Challenge::SoftwareTokenMfa { .. }));
            tries += 1;
            if tries == 1 {
                Answer::Code("999999".into())
            } else {
                Answer::Code(totp_code(&secret, w.now).unwrap())
            }
        },
    )
    .unwrap();
    assert_eq!(tries, 2);
    // The old temporary password no longer works.
    let e = w
        .sign_in(
            config("pub1"),
            Start::user_srp("jane", Password::new("Temp-Pass-1")),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
}

#[test]
fn sms_email_and_select_mfa() {
    let mut w = World::new(PoolConfig {
        mfa: MfaMode::Optional,
        sms_mfa: true,
        email_mfa: true,
        ..PoolConfig::default()
    });
    w.pool.add_client(AppClient::new("pub1"));
    w.user(
        NewUser::new("sam", Password::new(PW))
            .with_attribute("phone_number", "+15550100")
            .with_sms_mfa(),
    );
    w.user(
        NewUser::new("eve", Password::new(PW))
            .with_attribute("email", "eve@example.com")
            .with_email_mfa(),
    );
    w.user(
        NewUser::new("both", Password::new(PW))
            .with_attribute("phone_number", "+15550101")
            .with_sms_mfa()
            .with_totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
    );
    w.sign_in(
        config("pub1"),
        Start::user_srp("sam", Password::new(PW)),
        |w, p| {
            assert_eq!(
                p.challenge,
                Challenge::SmsMfa {
                    destination: Some("+*******0100".into())
                }
            );
            Answer::Code(w.last_code())
        },
    )
    .unwrap();
    w.sign_in(
        config("pub1"),
        Start::user_srp("eve", Password::new(PW)),
        |w, p| {
            assert!(matches!(p.challenge, Challenge::EmailOtp { .. }));
            Answer::Code(w.last_code())
        },
    )
    .unwrap();
    // SELECT_MFA_TYPE for a user with two methods.
    w.sign_in(
        config("pub1"),
        Start::user_srp("both", Password::new(PW)),
        |w, p| match &p.challenge {
            Challenge::SelectMfaType { options } => {
                assert_eq!(options, &[MfaType::SoftwareToken, MfaType::Sms]);
                Answer::Mfa(MfaType::Sms)
            }
            Challenge::SmsMfa { .. } => Answer::Code(w.last_code()),
            other => panic!("{other:?}"),
        },
    )
    .unwrap();
}

#[test]
fn wrong_code_is_retried_in_the_same_session() {
    let mut w = World::new(PoolConfig {
        mfa: MfaMode::Optional,
        sms_mfa: true,
        ..PoolConfig::default()
    });
    w.pool.add_client(AppClient::new("pub1"));
    w.user(
        NewUser::new("sam", Password::new(PW))
            .with_attribute("phone_number", "+15550100")
            .with_sms_mfa(),
    );
    let mut code = String::new();
    let mut n = 0;
    w.sign_in(
        config("pub1"),
        Start::user_srp("sam", Password::new(PW)),
        |w, p| {
            n += 1;
            if n == 1 {
                code = w.last_code();
                Answer::Code("not-it".into())
            } else {
                assert_eq!(
                    p.previous_error.as_ref().unwrap().kind,
                    ErrorKind::CodeMismatch
                );
                Answer::Code(code.clone())
            }
        },
    )
    .unwrap();
    assert_eq!(n, 2);
}

fn device_world(tracking: DeviceTracking) -> World {
    let mut w = World::new(PoolConfig {
        mfa: MfaMode::On,
        device_tracking: tracking,
        ..PoolConfig::default()
    });
    w.pool.add_client(AppClient::new("pub1").with_flows(&[
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
    ]));
    w.user(NewUser::new("dana", Password::new(PW)).with_totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"));
    w
}

fn totp(w: &mut World, p: &Prompt) -> Answer {
    match &p.challenge {
        Challenge::SoftwareTokenMfa { .. } => {
            Answer::Code(totp_code("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", w.now).unwrap())
        }
        Challenge::RememberDevice => Answer::RememberDevice(true),
        other => panic!("{other:?}"),
    }
}

#[test]
fn remembered_device_skips_mfa_and_refreshes() {
    let mut w = device_world(DeviceTracking::UserOptIn);
    let first = w
        .sign_in(
            config("pub1").with_device_name("laptop"),
            Start::user_srp("dana", Password::new(PW)),
            totp,
        )
        .unwrap();
    let device = first.new_device.unwrap();
    assert_eq!(device.status, DeviceStatus::Remembered);
    let creds: DeviceCredentials = device.credentials.unwrap();
    assert_eq!(
        w.pool.device_status("dana", &creds.device_key),
        Some((true, true))
    );
    assert_eq!(
        w.sent,
        [
            "InitiateAuth",
            "RespondToAuthChallenge",
            "RespondToAuthChallenge",
            "ConfirmDevice",
            "UpdateDeviceStatus"
        ]
    );

    // Second sign-in: no MFA, device SRP instead, no new device.
    w.sent.clear();
    let second = w
        .sign_in(
            config("pub1").with_device(creds.clone()),
            Start::user_srp("dana", Password::new(PW)),
            no_questions,
        )
        .unwrap();
    assert!(second.new_device.is_none());
    assert_eq!(
        w.sent.len(),
        4,
        "InitiateAuth, PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER"
    );
    // USER_PASSWORD_AUTH with the device key goes straight to device SRP.
    w.sign_in(
        config("pub1").with_device(creds.clone()),
        Start::user_password("dana", Password::new(PW)),
        no_questions,
    )
    .unwrap();

    // Refresh needs the device key: `refresh_start` carries it...
    assert_eq!(
        second.device_key.as_deref(),
        Some(creds.device_key.as_str())
    );
    let rt = second.tokens.refresh_token.clone().unwrap();
    w.sign_in(
        config("pub1"),
        second.refresh_start().unwrap(),
        no_questions,
    )
    .unwrap();
    // ...and the user's record gives it, found by the internal username.
    w.sign_in(
        config("pub1").with_device(creds.clone()),
        Start::refresh(rt.clone(), Some(second.username.clone())),
        no_questions,
    )
    .unwrap();
    let e = w
        .sign_in(config("pub1"), Start::refresh(rt, None), no_questions)
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);

    // A wrong device password fails device SRP.
    let mut stolen = creds.clone();
    stolen.device_password = Password::new("guess");
    let e = w
        .sign_in(
            config("pub1").with_device(stolen),
            Start::user_srp("dana", Password::new(PW)),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);

    // The pool forgets the device: the machine drops it, MFA comes back, a new device is issued.
    w.pool.forget_device("dana", &creds.device_key);
    let third = w
        .sign_in(
            config("pub1").with_device(creds),
            Start::user_srp("dana", Password::new(PW)),
            totp,
        )
        .unwrap();
    assert!(third.device_forgotten);
    assert!(third.new_device.is_some());
}

#[test]
fn device_tracking_always_and_declined() {
    let mut w = device_world(DeviceTracking::Always);
    let s = w
        .sign_in(
            config("pub1"),
            Start::user_srp("dana", Password::new(PW)),
            totp,
        )
        .unwrap();
    assert_eq!(s.new_device.unwrap().status, DeviceStatus::Remembered);
    let mut w = device_world(DeviceTracking::UserOptIn);
    let s = w
        .sign_in(
            config("pub1"),
            Start::user_srp("dana", Password::new(PW)),
            |w, p| match p.challenge {
                Challenge::RememberDevice => Answer::RememberDevice(false),
                _ => totp(w, p),
            },
        )
        .unwrap();
    let d = s.new_device.unwrap();
    assert_eq!(d.status, DeviceStatus::NotRemembered);
    let creds = d.credentials.unwrap();
    assert_eq!(
        w.pool.device_status("dana", &creds.device_key),
        Some((true, false))
    );
    // A confirmed but not remembered device still asks for MFA, then does device SRP.
    let mut asked = 0;
    w.sign_in(
        config("pub1").with_device(creds),
        Start::user_srp("dana", Password::new(PW)),
        |w, p| {
            asked += 1;
            totp(w, p)
        },
    )
    .unwrap();
    assert_eq!(asked, 1);
}

struct Quiz {
    rounds: usize,
}

impl CustomAuth for Quiz {
    fn define(&mut self, _: &str, history: &[ChallengeResult]) -> CustomStep {
        match history.last() {
            Some(h) if h.challenge_name == "SRP_A" => CustomStep::PasswordVerifier,
            Some(h) if !h.succeeded => CustomStep::Fail,
            _ if history
                .iter()
                .filter(|h| h.challenge_name == "CUSTOM_CHALLENGE")
                .count()
                == self.rounds =>
            {
                CustomStep::Tokens
            }
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

#[test]
fn custom_auth_with_and_without_srp() {
    let mut w = World::new(PoolConfig::default());
    w.pool.add_client(AppClient::new("pub1"));
    w.pool.set_custom_auth(Box::new(Quiz { rounds: 3 }));
    w.user(NewUser::new("carl", Password::new(PW)));
    let answer = |_: &mut World, p: &Prompt| {
        let Challenge::Custom { parameters } = &p.challenge else {
            panic!()
        };
        let (a, b) = parameters["question"].split_once('+').unwrap();
        Answer::Custom(format!(
            "{}",
            a.parse::<u32>().unwrap() + b.parse::<u32>().unwrap()
        ))
    };
    w.sign_in(config("pub1"), Start::custom("carl"), answer)
        .unwrap();
    w.sign_in(
        config("pub1"),
        Start::custom_with_srp("carl", Password::new(PW)),
        answer,
    )
    .unwrap();
    let e = w
        .sign_in(
            config("pub1"),
            Start::custom_with_srp("carl", Password::new("wrong")),
            answer,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
    let e = w
        .sign_in(config("pub1"), Start::custom("carl"), |_, _| {
            Answer::Custom("nope".into())
        })
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
}

#[test]
fn user_auth_choices() {
    let mut w = World::new(PoolConfig::default());
    w.pool.add_client(
        AppClient::new("pub1").with_flows(&["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
    );
    w.user(
        NewUser::new("uma", Password::new(PW))
            .with_attribute("email", "uma@example.com")
            .with_attribute("email_verified", "true"),
    );
    w.sign_in(config("pub1"), Start::user_auth("uma"), |w, p| {
        match &p.challenge {
            Challenge::SelectChallenge { available } => {
                assert!(available.contains(&"EMAIL_OTP".to_string()));
                Answer::FirstFactor(FirstFactor::EmailOtp)
            }
            Challenge::EmailOtp { .. } => Answer::Code(w.last_code()),
            other => panic!("{other:?}"),
        }
    })
    .unwrap();
    w.sign_in(config("pub1"), Start::user_auth("uma"), |_, _| {
        Answer::FirstFactor(FirstFactor::PasswordSrp(Password::new(PW)))
    })
    .unwrap();
    w.sign_in(config("pub1"), Start::user_auth("uma"), |_, _| {
        Answer::FirstFactor(FirstFactor::Password(Password::new(PW)))
    })
    .unwrap();
    w.sign_in(
        config("pub1"),
        Start::user_auth_preferring("uma", FirstFactor::PasswordSrp(Password::new(PW))),
        no_questions,
    )
    .unwrap();
    w.sign_in(
        config("pub1"),
        Start::user_auth_preferring("uma", FirstFactor::Password(Password::new(PW))),
        no_questions,
    )
    .unwrap();
    let e = w
        .sign_in(
            config("pub1"),
            Start::user_auth_preferring("uma", FirstFactor::Password(Password::new("bad"))),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
}

#[test]
fn admin_flow_and_rotation() {
    let mut w = World::new(PoolConfig::default());
    w.pool.add_client(
        AppClient::new("srv1")
            .with_secret("server-secret-server-secret")
            .with_flows(&["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
            .with_rotation(),
    );
    w.user(NewUser::new("adm", Password::new(PW)));
    let cfg = config("srv1").with_client_secret(ClientSecret::new("server-secret-server-secret"));
    let s = w
        .sign_in(
            cfg.clone(),
            Start::admin_user_password("adm", Password::new(PW)),
            no_questions,
        )
        .unwrap();
    assert_eq!(w.sent, ["AdminInitiateAuth"]);
    w.sign_in(
        cfg.clone(),
        Start::admin_no_srp("adm", Password::new(PW)),
        no_questions,
    )
    .unwrap();
    // Rotation: REFRESH_TOKEN_AUTH refused, GetTokensFromRefreshToken rotates.
    let rt = s.tokens.refresh_token.unwrap();
    let e = w
        .sign_in(
            cfg.clone(),
            Start::refresh(rt.clone(), Some("adm".into())),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::NotAuthorized);
    let r = w
        .sign_in(
            cfg.clone(),
            Start::refresh_rotating(rt.clone()),
            no_questions,
        )
        .unwrap();
    let rt2 = r.tokens.refresh_token.unwrap();
    assert_ne!(rt2, rt);
    let e = w
        .sign_in(cfg.clone(), Start::refresh_rotating(rt), no_questions)
        .unwrap_err();
    assert_eq!(
        service_kind(&e),
        ErrorKind::NotAuthorized,
        "the rotated token is dead"
    );
    w.sign_in(cfg, Start::refresh_rotating(rt2), no_questions)
        .unwrap();
}

#[test]
fn user_status_errors() {
    let mut w = World::new(PoolConfig::default());
    w.pool.add_client(AppClient::new("pub1"));
    w.user(NewUser::new("u1", Password::new(PW)).with_status(UserStatus::Unconfirmed));
    w.user(NewUser::new("u2", Password::new(PW)).with_status(UserStatus::ResetRequired));
    let e = w
        .sign_in(
            config("pub1"),
            Start::user_srp("u1", Password::new(PW)),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::UserNotConfirmed);
    let e = w
        .sign_in(
            config("pub1"),
            Start::user_srp("u2", Password::new(PW)),
            no_questions,
        )
        .unwrap_err();
    assert_eq!(service_kind(&e), ErrorKind::PasswordResetRequired);
}

/// Raw requests: what the pool refuses that a sloppy client might send.
#[test]
fn strict_verification() {
    use serde_json::{Value, json};
    let mut w = World::new(PoolConfig {
        mfa: MfaMode::Optional,
        sms_mfa: true,
        ..PoolConfig::default()
    });
    w.pool.add_client(AppClient::new("pub1"));
    w.user(NewUser::new("alice", Password::new(PW)));
    w.user(
        NewUser::new("sam", Password::new(PW))
            .with_attribute("phone_number", "+15550100")
            .with_sms_mfa(),
    );

    // Builds a correct PASSWORD_VERIFIER answer, then lets the test spoil it.
    let claim = |w: &mut World, spoil: &dyn Fn(&mut Value)| -> (u16, Value) {
        let (mut m, req) = SignIn::start(
            config("pub1"),
            Start::user_srp("alice", Password::new(PW)),
            w.now,
            &mut w.rng,
        )
        .unwrap();
        let reply = w.post(&req);
        let Step::Send(answer) = m.handle(reply.as_response(), w.now, &mut w.rng).unwrap() else {
            panic!()
        };
        let mut json: Value = serde_json::from_slice(answer.body()).unwrap();
        spoil(&mut json);
        let reply = w.pool.handle(
            "RespondToAuthChallenge",
            &serde_json::to_vec(&json).unwrap(),
            w.now,
            &mut w.rng,
        );
        (reply.status, serde_json::from_slice(&reply.body).unwrap())
    };
    let (status, _) = claim(&mut w, &|_| {});
    assert_eq!(status, 200);
    type Spoil = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Spoil, &str)> = vec![
        (
            "zero-padded day",
            Box::new(|j| {
                let ts = j["ChallengeResponses"]["TIMESTAMP"]
                    .as_str()
                    .unwrap()
                    .to_string();
                // "Fri Jan 15 08:00:00 UTC 2027" style: pad a single-digit day or rewrite the day field.
                let mut parts: Vec<String> = ts.split(' ').map(str::to_string).collect();
                parts[2] = format!("{:0>2}", parts[2]);
                if parts[2].len() == 2 && !parts[2].starts_with('0') {
                    parts[2] = format!("0{}", parts[2]);
                }
                j["ChallengeResponses"]["TIMESTAMP"] = json!(parts.join(" "));
            }),
            "NotAuthorizedException",
        ),
        (
            "German weekday",
            Box::new(|j| {
                let ts = j["ChallengeResponses"]["TIMESTAMP"]
                    .as_str()
                    .unwrap()
                    .to_string();
                j["ChallengeResponses"]["TIMESTAMP"] = json!(format!("Do{}", &ts[3..]));
            }),
            "InvalidParameterException",
        ),
        (
            "tampered signature",
            Box::new(|j| {
                j["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"] =
                    json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
            }),
            "NotAuthorizedException",
        ),
        (
            "alias as USERNAME",
            Box::new(|j| {
                j["ChallengeResponses"]["USERNAME"] = json!("someone-else");
            }),
            "NotAuthorizedException",
        ),
        (
            "unknown secret block",
            Box::new(|j| {
                j["ChallengeResponses"]["PASSWORD_CLAIM_SECRET_BLOCK"] = json!("AAAA");
            }),
            "NotAuthorizedException",
        ),
    ];
    for (name, spoil, kind) in cases {
        let (status, body) = claim(&mut w, &*spoil);
        assert_eq!(
            (status, body["__type"].as_str().unwrap()),
            (400, kind),
            "{name}"
        );
    }
    // A claim made 10 minutes in the past is refused (skew), as is a replayed one.
    let (mut m, req) = SignIn::start(
        config("pub1"),
        Start::user_srp("alice", Password::new(PW)),
        w.now,
        &mut w.rng,
    )
    .unwrap();
    let reply = w.post(&req);
    let late = UnixTime(w.now.0 - 600);
    let Step::Send(answer) = m.handle(reply.as_response(), late, &mut w.rng).unwrap() else {
        panic!()
    };
    assert_eq!(w.post(&answer).status, 400);

    // Sessions: single use and expiring after 3 minutes.
    let (mut m, req) = SignIn::start(
        config("pub1"),
        Start::user_srp("sam", Password::new(PW)),
        w.now,
        &mut w.rng,
    )
    .unwrap();
    let reply = w.post(&req);
    let Step::Send(pv) = m.handle(reply.as_response(), w.now, &mut w.rng).unwrap() else {
        panic!()
    };
    let reply = w.post(&pv);
    let Step::NeedInput(_) = m.handle(reply.as_response(), w.now, &mut w.rng).unwrap() else {
        panic!()
    };
    let code = w.last_code();
    let Step::Send(answer) = m.answer(Answer::Code(code), w.now, &mut w.rng).unwrap() else {
        panic!()
    };
    let saved_now = w.now;
    w.now = UnixTime(w.now.0 + 181);
    let reply = w.post(&answer);
    assert_eq!(reply.status, 400, "expired session");
    assert!(reply.body.contains("Invalid session"));
    w.now = saved_now;
}

/// The pool's replies parse as Cognito's: error type in the header and the body.
#[test]
fn error_shape() {
    let mut w = World::new(PoolConfig::default());
    let reply = w.pool.handle(
        "AWSCognitoIdentityProviderService.InitiateAuth",
        b"{not json",
        w.now,
        &mut w.rng,
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_type.as_deref(), Some("SerializationException"));
    let reply = w.pool.handle("Nope", b"{}", w.now, &mut w.rng);
    assert_eq!(
        reply.error_type.as_deref(),
        Some("UnknownOperationException")
    );
    let body = br#"{"AuthFlow":"USER_SRP_AUTH","ClientId":"missing","AuthParameters":{"USERNAME":"a","SRP_A":"02"}}"#;
    let reply = w.pool.handle("InitiateAuth", body, w.now, &mut w.rng);
    assert_eq!(
        reply.error_type.as_deref(),
        Some("ResourceNotFoundException")
    );
}

/// `Debug` of answers, verifiers, users and custom challenges shows no secret.
#[test]
fn debug_hides_answers_and_verifiers() {
    let answers = [
        Answer::Code("314159".into()),
        Answer::Custom("the-secret-answer".into()),
        Answer::Password(Password::new("hunter2-password")),
        Answer::Credential("{\"signature\":\"c2lnbmF0dXJl\"}".into()),
        Answer::NewPassword {
            password: Password::new("hunter2-password"),
            attributes: BTreeMap::new(),
        },
    ];
    for a in &answers {
        let text = format!("{a:?}");
        for secret in [
            "314159",
            "the-secret-answer",
            "hunter2-password",
            "c2lnbmF0dXJl",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }
    let id = cognito_signin::srp::Identity::user(POOL, "alice").unwrap();
    let v = cognito_signin::srp::Verifier::new(&id, &Password::new(PW), &[1, 2, 3]);
    let v_hex: String = v
        .verifier_padded()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!format!("{v:?}").contains(&v_hex[2..40]));
    let user = NewUser::new("u", Password::new(PW)).with_totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    let text = format!("{user:?}");
    assert!(!text.contains("JBSWY3DP") && !text.contains(PW), "{text}");
    let challenge = CustomChallenge::new(BTreeMap::new(), "the-secret-answer");
    assert!(!format!("{challenge:?}").contains("the-secret-answer"));
}

/// The server's exponentiations done outside the pool (as a server does outside its lock):
/// `g^b` supplied ahead, `S` computed between the two requests. Right passwords sign in,
/// wrong ones are refused, and a claim whose work was never completed is checked from
/// scratch.
#[test]
fn srp_work_done_outside_the_pool() {
    use cognito_signin::srp::{PrivateSize, ServerEphemeral};
    let mut rng = StdRng::seed_from_u64(9);
    let mut pool = UserPool::new(POOL, PoolConfig::default(), &mut rng).unwrap();
    pool.add_client(AppClient::new("client1"));
    pool.add_user(NewUser::new("alice", Password::new(PW)), &mut rng)
        .unwrap();
    pool.defer_srp_work();
    let config = config("client1");
    // complete: whether the work is handed back; password: the one typed.
    for (complete, password, ok) in [
        (true, PW, true),
        (true, "Wrong-Horse-1", false),
        (false, PW, true),
        (false, "Wrong-Horse-1", false),
    ] {
        pool.add_ephemeral(ServerEphemeral::generate(PrivateSize::Bits256, &mut rng).unwrap());
        assert_eq!(pool.ephemerals_in_reserve(), 1);
        let start = Start::user_srp("alice", Password::new(password));
        let (mut flow, mut request) = SignIn::start(&config, start, NOW, &mut rng).unwrap();
        let result = loop {
            let reply = pool.handle(request.target(), request.body(), NOW, &mut rng);
            let work = pool.take_srp_work();
            if request.target().ends_with(".InitiateAuth") {
                assert_eq!(work.len(), 1, "one SRP run, one piece of work");
                assert_eq!(pool.ephemerals_in_reserve(), 0, "the ephemeral was used");
            }
            for w in work {
                let done = w.run();
                if complete {
                    pool.complete_srp_work(done);
                }
            }
            match flow.handle(
                cognito_signin::Response::new(reply.status, &reply.body),
                NOW,
                &mut rng,
            ) {
                Ok(Step::Send(next)) => request = next,
                Ok(Step::Done(done)) => break Ok(done),
                Ok(other) => panic!("{other:?}"),
                Err(e) => break Err(e),
            }
        };
        match (ok, result) {
            (true, Ok(done)) => assert_eq!(done.username, "alice"),
            (false, Err(e)) => assert_eq!(service_kind(&e), ErrorKind::NotAuthorized),
            (_, other) => panic!("complete={complete} password={password}: {other:?}"),
        }
    }
}
