//! What `flow` and `wire_response` share: the configurations and starts, reply and answer
//! builders, and [`Runner`], which drives one `SignIn` and checks every step against a small
//! model of what must hold.

use std::collections::BTreeMap;

use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, DeviceCredentials, Error, FirstFactor, MfaType,
    Misuse, Operation, Password, Request, Response, SignIn, Start, Step, UnixTime, secret_hash,
};
use serde_json::{Value, json};

use super::input::Input;
use super::rng::FuzzRng;

/// The app client id.
pub const CLIENT: &str = "1example23456789abcdefghij";
/// The user pool.
pub const POOL: &str = "us-east-1_AbCdEf123";
/// The typed username when the input does not choose one.
pub const USER: &str = "jane@example.com";
/// The client secret: may only travel raw in `GetTokensFromRefreshToken`.
pub const CLIENT_SECRET: &str = "cs-Kq7vN2xW9pL4mZ8rT1yB6hU";
/// A password the flows send in the clear (`USER_PASSWORD_AUTH`, `PASSWORD`, new password).
pub const PASSWORD: &str = "pw-Xh3Jd8Qn5Vc2Lr7Ws4Ty9eA";
/// A password only ever proven with SRP: it must never appear in a request.
pub const SRP_PASSWORD: &str = "srp-Gm6Fz1Rb8Nk3Pw5Hq2Dv7o";
/// The remembered device's password: it must never appear in a request.
pub const DEVICE_PASSWORD: &str = "dev-Yc4Ms9Tj2Wb7Lx5Kn8Qe3i";
/// The refresh token a refresh starts with.
pub const REFRESH_TOKEN: &str = "rt-Zp5Vg1Ha8Sd3Fm6Jw9Lc2uR";
/// The remembered device's key.
pub const DEVICE_KEY: &str = "us-east-1_2d2ee024-00dc-40a1-aa41-4f7766f5ae56";
/// The remembered device's group key.
pub const DEVICE_GROUP_KEY: &str = "-KEhCsJVuE";
/// The caller's clock.
pub const NOW: UnixTime = UnixTime(1_800_000_000);

/// `SALT`, `SRP_B` and `SECRET_BLOCK` of a published vector (password_verifier-pub-24).
pub const SALT_HEX: &str = "776d719f5f7d94711de9c2f43e965eee";
/// See [`SALT_HEX`].
pub const SRP_B_HEX: &str = concat!(
    "83404f0dfaf89981b8726bb51a1bf637929357e64191391a5c443310b46bd1bbe773a20404516de5c2c99383",
    "4a388352d33ec2a5520375f0f84da14efd12c39673af8915fd8cde96311f8c397fff8b689789da2f9a62d05a",
    "cf80bb6880426875f2d5e8a4413bf9bbc908e64ca3a9ac4dc96343daa5cecca66b3ee1e7919f83747bb87d3c",
    "7fe5d3639c443e6c3ac01dcda212ce2d3bc26e8a2a60b1157c69ac4e2b9772dc6f6cebb4af5cbb8764c78469",
    "9d0b98cd6a7cfbf7b2a2d575927c003fd69f4e557acb95c64c3040ff509efb917978552b1b99a3e7d1debdf1",
    "301b6daab72acfea29744334670f2c1af97fa968d4249c40c24cff022ae2a33d765aca77d0b87e41e8861859",
    "66e59516b3d19163224ee35ec73a19439352599401fceb15a3729672e853e2297ace8393905b9395e21ad06d",
    "bca5dabefdebbf120be432fc751a0a7dde560ac4270be19db8865a4f22e35bb6d3073ec7471db16db23ca49b",
    "55efc12057244da83d2367b16b6456e988bf0b30dbcfb7fc73047825bb27be46",
);
/// See [`SALT_HEX`].
pub const SECRET_BLOCK: &str = "2skULG4WTleld1yxxnjkpuo=";

/// Secrets that no `Debug` output may show (the client secret and the passwords also stay out
/// of requests, see [`Runner`]).
pub const SECRETS: [&str; 5] = [
    CLIENT_SECRET,
    PASSWORD,
    SRP_PASSWORD,
    DEVICE_PASSWORD,
    REFRESH_TOKEN,
];

/// How a sign-in is set up.
#[derive(Clone, Debug, Default)]
pub struct Setup {
    /// Which `Start` (see [`start`]).
    pub start: u8,
    /// A client secret is configured.
    pub secret: bool,
    /// A device is remembered.
    pub device: bool,
    /// The flow runs through the `Admin*` operations.
    pub admin: bool,
    /// `ClientMetadata` is configured.
    pub metadata: bool,
    /// New devices are not confirmed.
    pub no_confirm: bool,
    /// A `Session` goes with a `USER_AUTH` start.
    pub session: Option<String>,
    /// The typed username.
    pub username: String,
}

impl Setup {
    /// Reads a set-up from the input.
    pub fn read(inp: &mut Input<'_>) -> Self {
        let flags = inp.byte();
        let start = inp.byte();
        let username = if flags & 0x40 != 0 {
            inp.string(64)
        } else {
            USER.to_owned()
        };
        let session = (flags & 0x20 != 0).then(|| {
            if inp.bool() {
                inp.string(300)
            } else {
                "AYABeFromSignUp-0123456789".to_owned()
            }
        });
        Self {
            start,
            secret: flags & 1 != 0,
            device: flags & 2 != 0,
            admin: flags & 4 != 0,
            metadata: flags & 8 != 0,
            no_confirm: flags & 0x10 != 0,
            session,
            username,
        }
    }

    /// The remembered device.
    pub fn device_credentials() -> DeviceCredentials {
        DeviceCredentials::new(
            "7d4e-internal",
            DEVICE_KEY,
            DEVICE_GROUP_KEY,
            Password::new(DEVICE_PASSWORD),
        )
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        let mut c = Config::new(POOL, CLIENT).expect("valid pool and client");
        if self.secret {
            c = c.with_client_secret(ClientSecret::new(CLIENT_SECRET));
        }
        if self.device {
            c = c.with_device(Self::device_credentials());
        }
        if self.metadata {
            let mut m = BTreeMap::new();
            m.insert("app".to_owned(), "fuzz \"quoted\" \u{1}".to_owned());
            c = c.with_client_metadata(m);
        }
        if self.no_confirm {
            c = c.without_device_confirmation();
        }
        c.with_device_name("fuzz device")
    }

    /// The start.
    pub fn start(&self) -> Start {
        let u = self.username.clone();
        let srp = || Password::new(SRP_PASSWORD);
        let plain = || Password::new(PASSWORD);
        let mut s = match self.start % 16 {
            0 => Start::user_srp(u, srp()),
            1 => Start::user_password(u, plain()),
            2 => Start::admin_user_password(u, plain()),
            3 => Start::admin_no_srp(u, plain()),
            4 => Start::custom(u),
            5 => Start::custom_with_srp(u, srp()),
            6 => Start::user_auth(u),
            7 => Start::user_auth_preferring(u, FirstFactor::Password(plain())),
            8 => Start::user_auth_preferring(u, FirstFactor::PasswordSrp(srp())),
            9 => Start::user_auth_preferring(u, FirstFactor::EmailOtp),
            10 => Start::user_auth_preferring(u, FirstFactor::SmsOtp),
            11 => Start::user_auth_preferring(u, FirstFactor::WebAuthn(None)),
            12 => Start::refresh(REFRESH_TOKEN, Some(u)),
            13 => Start::refresh(REFRESH_TOKEN, None),
            14 => Start::refresh_rotating(REFRESH_TOKEN),
            _ => Start::user_srp(u, srp()),
        };
        if let Some(session) = &self.session {
            s = s.with_session(session.clone());
        }
        if self.admin {
            s = s.via_admin();
        }
        s
    }

    /// Whether the start proves the password with SRP.
    pub fn is_srp(&self) -> bool {
        matches!(self.start % 16, 0 | 5 | 8 | 15)
    }

    /// Whether the sign-in runs through the `Admin*` operations.
    pub fn is_admin(&self) -> bool {
        self.admin || matches!(self.start % 16, 2 | 3)
    }
}

// ---------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------

/// One reply as the caller would feed it.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `x-amzn-ErrorType`.
    pub error_type: Option<String>,
    /// `Date`.
    pub date: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A 200 reply with this JSON.
    pub fn ok(body: &Value) -> Self {
        Self {
            status: 200,
            error_type: None,
            date: None,
            body: serde_json::to_vec(body).expect("JSON"),
        }
    }

    /// Reads a reply: status, headers and a body made of raw bytes or built from a template.
    pub fn read(inp: &mut Input<'_>) -> Self {
        let status = match inp.byte() % 16 {
            0..=7 => 200,
            8 | 9 => 400,
            10 => 500,
            11 => 429,
            12 => 204,
            13 => 302,
            14 => 0,
            _ => inp.u16(),
        };
        let headers = inp.byte();
        let error_type = match headers & 3 {
            1 => Some(inp.pick(ERROR_TYPES).to_string()),
            2 => Some(inp.string(64)),
            _ => None,
        };
        let date = match (headers >> 2) & 3 {
            1 => Some(inp.pick(DATES).to_string()),
            2 => Some(inp.string(64)),
            _ => None,
        };
        let body = body(inp);
        Self {
            status,
            error_type,
            date,
            body,
        }
    }

    /// The reply as [`Response`].
    pub fn response(&self) -> Response<'_> {
        let mut r = Response::new(self.status, &self.body);
        if let Some(t) = &self.error_type {
            r = r.with_error_type(t);
        }
        if let Some(d) = &self.date {
            r = r.with_date(d);
        }
        r
    }
}

const ERROR_TYPES: &[&str] = &[
    "NotAuthorizedException",
    "CodeMismatchException",
    "ResourceNotFoundException",
    "InvalidPasswordException",
    "EnableSoftwareTokenMFAException",
    "com.amazonaws.cognito#CodeMismatchException:http://internal",
    "",
    "#",
];

const DATES: &[&str] = &[
    "Fri, 15 Jan 2027 08:00:00 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Mon, 31 Feb 2025 23:59:60 GMT",
];

const CHALLENGES: &[&str] = &[
    "PASSWORD_VERIFIER",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "SMS_MFA",
    "SOFTWARE_TOKEN_MFA",
    "EMAIL_OTP",
    "SMS_OTP",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "NEW_PASSWORD_REQUIRED",
    "CUSTOM_CHALLENGE",
    "SELECT_CHALLENGE",
    "PASSWORD",
    "PASSWORD_SRP",
    "WEB_AUTHN",
    "ADMIN_NO_SRP_AUTH",
];

const KEYS: &[&str] = &[
    "SALT",
    "SRP_B",
    "SECRET_BLOCK",
    "USER_ID_FOR_SRP",
    "USERNAME",
    "MFAS_CAN_CHOOSE",
    "MFAS_CAN_SETUP",
    "requiredAttributes",
    "userAttributes",
    "CREDENTIAL_REQUEST_OPTIONS",
    "CODE_DELIVERY_DESTINATION",
    "FRIENDLY_DEVICE_NAME",
];

const VALUES: &[&str] = &[
    "0",
    "1",
    "-",
    "-ff",
    "zz",
    "AAAA",
    "",
    SALT_HEX,
    SRP_B_HEX,
    SECRET_BLOCK,
    "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]",
    "[\"SOFTWARE_TOKEN_MFA\"]",
    "[\"EMAIL_OTP\"]",
    "[]",
    "[\"userAttributes.name\",\"userAttributes.email\"]",
    "{\"email\":\"a@b\",\"email_verified\":\"true\"}",
    "{\"publicKey\":{\"challenge\":\"AAAA\"}}",
    "7d4e-internal",
    "+*******1234",
];

/// A reply body: raw bytes, or JSON built from a template with fuzzed parts.
fn body(inp: &mut Input<'_>) -> Vec<u8> {
    let value = match inp.byte() % 10 {
        0 => return inp.bytes(4096).to_vec(),
        1..=3 => challenge_reply(inp),
        4 | 5 => tokens_reply(inp),
        6 => {
            let code = if inp.bool() {
                json!("JBSWY3DPEHPK3PXPJBSWY3DP")
            } else {
                json!(inp.string(64))
            };
            json!({"SecretCode": code, "Session": session(inp)})
        }
        7 => {
            let status = if inp.bool() { "SUCCESS" } else { "ERROR" };
            json!({"Status": status, "Session": session(inp)})
        }
        8 => {
            if inp.bool() {
                json!({"UserConfirmationNecessary": inp.bool()})
            } else {
                json!({})
            }
        }
        _ => {
            let kind = if inp.bool() {
                Value::from(*inp.pick(ERROR_TYPES))
            } else {
                Value::from(inp.string(64))
            };
            let message = if inp.bool() {
                "Device does not exist."
            } else {
                "Invalid code"
            };
            json!({"__type": kind, "message": message})
        }
    };
    serde_json::to_vec(&value).expect("JSON")
}

fn session(inp: &mut Input<'_>) -> Value {
    match inp.byte() % 5 {
        0 => Value::Null,
        1 => json!("AYABeSession-one-0123456789"),
        2 => json!("AYABeSession-two-0123456789"),
        3 => json!(inp.string(300)),
        _ => json!("S".repeat(4097)),
    }
}

fn challenge_reply(inp: &mut Input<'_>) -> Value {
    let name = if inp.byte().is_multiple_of(8) {
        inp.string(32)
    } else {
        inp.pick(CHALLENGES).to_string()
    };
    let prefill = inp.byte();
    let mut params = serde_json::Map::new();
    if prefill & 1 != 0 {
        for (k, v) in [
            ("SALT", SALT_HEX),
            ("SRP_B", SRP_B_HEX),
            ("SECRET_BLOCK", SECRET_BLOCK),
            ("USER_ID_FOR_SRP", "7d4e-internal"),
        ] {
            params.insert(k.to_owned(), json!(v));
        }
    }
    for _ in 0..inp.byte() % 6 {
        let key = if inp.byte().is_multiple_of(8) {
            inp.string(16)
        } else {
            inp.pick(KEYS).to_string()
        };
        let value = if inp.bool() {
            inp.pick(VALUES).to_string()
        } else {
            inp.string(200)
        };
        params.insert(key, json!(value));
    }
    let mut reply = json!({
        "ChallengeName": name,
        "ChallengeParameters": params,
        "Session": session(inp),
    });
    if prefill & 2 != 0 {
        reply["AvailableChallenges"] =
            json!(["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"]);
    }
    if prefill & 4 != 0 {
        reply["ChallengeParameters"] = Value::Null;
    }
    reply
}

/// A JWT-shaped token whose payload holds `claims`.
pub fn jwt(claims: &Value) -> String {
    use base64::Engine;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        e.encode(br#"{"alg":"RS256"}"#),
        e.encode(serde_json::to_vec(claims).expect("JSON")),
        e.encode(b"sig")
    )
}

fn tokens_reply(inp: &mut Input<'_>) -> Value {
    let flags = inp.byte();
    let access = match flags & 3 {
        0 => json!(jwt(&json!({"username": "7d4e-internal"}))),
        1 => json!(jwt(&json!({"username": inp.string(40)}))),
        2 => json!(inp.string(100)),
        _ => Value::Null,
    };
    let expires = match (flags >> 2) & 3 {
        0 => json!(3600),
        1 => json!(i64::from_le_bytes(inp.u64().to_le_bytes())),
        2 => json!("3600"),
        _ => Value::Null,
    };
    let mut result = json!({
        "AccessToken": access,
        "IdToken": jwt(&json!({"cognito:username": "7d4e-internal"})),
        "ExpiresIn": expires,
        "TokenType": "Bearer",
    });
    if flags & 0x10 != 0 {
        result["RefreshToken"] = json!("rt-new-0123456789");
    }
    if flags & 0x20 != 0 {
        result["NewDeviceMetadata"] = if inp.bool() {
            json!({"DeviceKey": "us-east-1_0f0e7c5a-1111-4222-8333-944445555666",
                   "DeviceGroupKey": "-abcDEF123"})
        } else {
            json!({"DeviceKey": inp.string(60), "DeviceGroupKey": inp.string(20)})
        };
    }
    json!({"AuthenticationResult": result, "ChallengeParameters": {}})
}

// ---------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------

/// Reads an answer. `last` is the last question asked: a `PASSWORD_SRP` question is answered
/// with the SRP-only password, so that it must never appear on the wire.
pub fn read_answer(inp: &mut Input<'_>, last: Option<&Challenge>) -> Answer {
    match inp.byte() % 12 {
        0 | 1 => Answer::Code(if inp.bool() {
            "123456".to_owned()
        } else {
            inp.string(16)
        }),
        2 => Answer::Mfa(match inp.byte() % 4 {
            0 => MfaType::Sms,
            1 => MfaType::SoftwareToken,
            2 => MfaType::Email,
            _ => MfaType::Other(inp.string(16)),
        }),
        3 => Answer::SetUpTotp,
        4 => Answer::SetUpEmail(inp.string(40)),
        5 => {
            let mut attributes = BTreeMap::new();
            for _ in 0..inp.byte() % 4 {
                let name = match inp.byte() % 5 {
                    0 => "name".to_owned(),
                    1 => "userAttributes.email".to_owned(),
                    2 => "sub".to_owned(),
                    3 => "userAttributes.email_verified".to_owned(),
                    _ => inp.string(16),
                };
                attributes.insert(name, inp.string(32));
            }
            Answer::NewPassword {
                password: Password::new(PASSWORD),
                attributes,
            }
        }
        6 => Answer::Custom(inp.string(64)),
        7 => Answer::FirstFactor(match inp.byte() % 6 {
            0 => FirstFactor::Password(Password::new(PASSWORD)),
            1 => FirstFactor::PasswordSrp(Password::new(SRP_PASSWORD)),
            2 => FirstFactor::EmailOtp,
            3 => FirstFactor::SmsOtp,
            4 => FirstFactor::WebAuthn(None),
            _ => FirstFactor::WebAuthn(Some(inp.string(64))),
        }),
        8 => {
            let srp = matches!(last, Some(Challenge::Password { srp: true }));
            Answer::Password(Password::new(if srp { SRP_PASSWORD } else { PASSWORD }))
        }
        9 => Answer::Credential(inp.string(64)),
        _ => Answer::RememberDevice(inp.bool()),
    }
}

// ---------------------------------------------------------------------------------------
// The runner and its model
// ---------------------------------------------------------------------------------------

/// Where the machine stands, as the model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// A request is in flight.
    Awaiting,
    /// A question is open.
    Asking,
    /// `Step::Done` was returned.
    Done,
    /// An error was returned.
    Failed,
}

/// Drives one `SignIn` and checks each step.
pub struct Runner {
    machine: SignIn,
    rng: FuzzRng,
    setup: Setup,
    phase: Phase,
    /// Every `Session` fed in so far (and the start's): a request may only echo one of them.
    sessions: Vec<String>,
    last_prompt: Option<Challenge>,
    /// Secrets the input does not contain: only these are checked for in outputs (an input
    /// may legitimately carry a secret's text into a request, e.g. as a username).
    watched: Vec<&'static str>,
    /// What happened, one line per step: two runs of the same input must agree.
    pub transcript: Vec<String>,
    /// The operation and body of the last request the machine gave.
    pub last_request: Option<(Operation, Vec<u8>)>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

/// Whether `needle` occurs in `hay`. The first byte is compared before the rest: every slice
/// comparison is a `memcmp` that libFuzzer intercepts, a quarter of the `server` target's
/// time when each window was compared whole.
pub fn contains(hay: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    let Some(&first) = needle.first() else {
        return true;
    };
    hay.windows(needle.len())
        .any(|w| w.first() == Some(&first) && w == needle)
}

impl Runner {
    /// Starts a sign-in. `None` when the start itself is refused (checked to be a
    /// `Misuse::BadArgument`). `data` is the whole fuzz input.
    pub fn start(setup: Setup, seed: u64, data: &[u8]) -> Option<Self> {
        let mut rng = FuzzRng::new(seed);
        let watched = SECRETS
            .iter()
            .copied()
            .filter(|s| !contains(data, s))
            .collect();
        match SignIn::start(setup.config(), setup.start(), NOW, &mut rng) {
            Ok((machine, request)) => {
                let runner = Self {
                    machine,
                    rng,
                    sessions: setup.session.iter().cloned().collect(),
                    setup,
                    phase: Phase::Awaiting,
                    last_prompt: None,
                    watched,
                    transcript: Vec::new(),
                    last_request: Some((request.operation(), request.body().to_vec())),
                };
                runner.check_request(&request);
                runner.check_debug(&format!("{:?}", runner.machine));
                Some(runner)
            }
            Err(Error::Misuse(Misuse::BadArgument(_))) => None,
            Err(e) => panic!("start failed with {e:?}"),
        }
    }

    /// The model's phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Which secrets the outputs are checked for.
    pub fn watched(&self) -> &[&'static str] {
        &self.watched
    }

    /// The last question asked.
    pub fn last_prompt(&self) -> Option<&Challenge> {
        self.last_prompt.as_ref()
    }

    /// Feeds a reply.
    pub fn reply(&mut self, reply: &Reply) -> Result<Step, Error> {
        // Read as the machine reads it: members it ignores are skipped unchecked (their
        // strings may even hold invalid UTF-8).
        #[derive(serde::Deserialize)]
        struct SessionOnly {
            #[serde(rename = "Session")]
            session: Option<String>,
        }
        if let Ok(SessionOnly { session: Some(s) }) = serde_json::from_slice(&reply.body) {
            self.sessions.push(s);
        }
        let before = self.phase;
        let out = self.machine.handle(reply.response(), NOW, &mut self.rng);
        if before == Phase::Asking {
            assert_eq!(
                out.as_ref().err(),
                Some(&Error::Misuse(Misuse::AnswerExpected)),
                "a reply while a question is open"
            );
        }
        if let Err(Error::Service(e)) = &out {
            assert_eq!(e.status, reply.status, "the error carries the status");
        }
        if let Err(Error::Protocol(cognito_signin::ProtocolError::UnexpectedStatus(s))) = &out {
            assert_eq!(*s, reply.status, "the unexpected status is the reply's");
            assert!(
                *s < 500,
                "5xx is an internal error, not an unexpected status"
            );
        }
        self.observe(before, out)
    }

    /// Passes an answer.
    pub fn answer(&mut self, answer: Answer) -> Result<Step, Error> {
        let before = self.phase;
        let out = self.machine.answer(answer, NOW, &mut self.rng);
        if before == Phase::Awaiting {
            assert_eq!(
                out.as_ref().err(),
                Some(&Error::Misuse(Misuse::ReplyExpected)),
                "an answer while a request is in flight"
            );
        }
        self.observe(before, out)
    }

    fn observe(&mut self, before: Phase, out: Result<Step, Error>) -> Result<Step, Error> {
        if std::env::var_os("COGNITO_FUZZ_TRACE").is_some() {
            eprintln!("{before:?} -> {out:?}");
        }
        match before {
            Phase::Failed => {
                assert_eq!(
                    out.as_ref().err(),
                    Some(&Error::Misuse(Misuse::AlreadyFailed)),
                    "an error is final"
                );
            }
            Phase::Done => {
                assert_eq!(
                    out.as_ref().err(),
                    Some(&Error::Misuse(Misuse::AlreadyDone)),
                    "a finished sign-in stays finished"
                );
            }
            Phase::Awaiting | Phase::Asking => {}
        }
        let line = match &out {
            Ok(Step::Send(request)) => {
                self.check_request(request);
                self.phase = Phase::Awaiting;
                self.last_request = Some((request.operation(), request.body().to_vec()));
                format!(
                    "send {} {}",
                    request.operation(),
                    String::from_utf8_lossy(request.body())
                )
            }
            Ok(Step::NeedInput(prompt)) => {
                self.phase = Phase::Asking;
                self.last_prompt = Some(prompt.challenge.clone());
                format!("ask {prompt:?}")
            }
            Ok(Step::Done(signed_in)) => {
                self.phase = Phase::Done;
                let t = &signed_in.tokens;
                assert!(!t.access_token.is_empty(), "tokens without an access token");
                assert_eq!(t.expires_at, UnixTime(NOW.0.saturating_add(t.expires_in)));
                if let Some(d) = &signed_in.new_device
                    && let Some(c) = &d.credentials
                {
                    assert_eq!(c.device_key, d.device_key);
                    assert_eq!(c.device_group_key, d.device_group_key);
                    assert_eq!(c.username, signed_in.username);
                }
                let line = format!("done {signed_in:?}");
                self.check_debug(&line);
                format!(
                    "{line} {} {:?} {:?}",
                    t.access_token, t.id_token, t.refresh_token
                )
            }
            // A caller's mistake changes nothing: the phase stays as it was.
            Err(e @ Error::Misuse(_)) => format!("misuse {e:?} {e}"),
            // The service's errors and broken replies end the sign-in.
            Err(e) => {
                self.phase = Phase::Failed;
                format!("error {e:?} {e}")
            }
        };
        // A service or protocol error is final; a misuse leaves the machine as it was.
        assert_eq!(
            self.machine.is_finished(),
            matches!(self.phase, Phase::Done | Phase::Failed),
            "is_finished agrees with the steps"
        );
        // `send` lines hold request bodies, which may carry a password by design (their
        // `Debug` is checked in `check_request`); `done` lines hold the tokens.
        if !line.starts_with("done ") && !line.starts_with("send ") {
            self.check_debug(&line);
        }
        self.check_debug(&format!("{:?}", self.machine));
        self.transcript.push(line);
        out
    }

    /// No watched secret in a `Debug` or `Display` text.
    fn check_debug(&self, text: &str) {
        for s in &self.watched {
            assert!(!text.contains(s), "a secret in debug output: {text}");
        }
    }

    fn check_request(&self, request: &Request) {
        let op = request.operation();
        assert_eq!(
            request.target(),
            format!("AWSCognitoIdentityProviderService.{}", op.name())
        );
        assert_eq!(request.content_type(), "application/x-amz-json-1.1");
        let admin_op = matches!(
            op,
            Operation::AdminInitiateAuth | Operation::AdminRespondToAuthChallenge
        );
        assert_eq!(request.needs_sigv4(), admin_op);
        let debug = format!("{request:?}");
        assert!(
            !debug.contains("ClientId"),
            "Debug of a request shows no body"
        );
        self.check_debug(&debug);

        let body: Value = serde_json::from_slice(request.body()).expect("every request is JSON");
        let obj = body.as_object().expect("every request is a JSON object");
        let raw = request.body();
        for s in &self.watched {
            let allowed = (*s == PASSWORD)
                || (*s == REFRESH_TOKEN)
                || (*s == CLIENT_SECRET && op == Operation::GetTokensFromRefreshToken);
            if !allowed {
                assert!(!contains(raw, s), "a secret on the wire in {op}");
            }
        }
        if let Some(Value::String(s)) = obj.get("Session") {
            assert!(
                self.sessions.contains(s),
                "a Session that the service never sent: {s:?}, sent: {:?}",
                self.sessions
            );
        }
        match op {
            Operation::InitiateAuth
            | Operation::AdminInitiateAuth
            | Operation::RespondToAuthChallenge
            | Operation::AdminRespondToAuthChallenge => {
                assert_eq!(admin_op, self.setup.is_admin(), "admin or not, throughout");
                assert_eq!(obj.get("ClientId"), Some(&json!(CLIENT)));
                assert_eq!(
                    obj.get("UserPoolId"),
                    admin_op.then(|| json!(POOL)).as_ref()
                );
                let key = if matches!(op, Operation::InitiateAuth | Operation::AdminInitiateAuth) {
                    "AuthParameters"
                } else {
                    "ChallengeResponses"
                };
                let params = obj
                    .get(key)
                    .and_then(Value::as_object)
                    .expect("parameters are an object");
                assert!(params.values().all(Value::is_string), "string parameters");
                let username = params.get("USERNAME").and_then(Value::as_str);
                match (self.setup.secret, params.get("SECRET_HASH")) {
                    (false, hash) => assert!(hash.is_none(), "SECRET_HASH without a secret"),
                    (true, hash) => {
                        if let Some(user) = username {
                            let want = secret_hash(&ClientSecret::new(CLIENT_SECRET), user, CLIENT);
                            assert_eq!(hash, Some(&json!(want)), "SECRET_HASH over USERNAME");
                        } else if params.contains_key("REFRESH_TOKEN") {
                            let want = secret_hash(
                                &ClientSecret::new(CLIENT_SECRET),
                                &self.setup.username,
                                CLIENT,
                            );
                            assert_eq!(hash, Some(&json!(want)), "SECRET_HASH of a refresh");
                        } else {
                            assert!(hash.is_some(), "SECRET_HASH on every request");
                        }
                    }
                }
                if let Some(k) = params.get("DEVICE_KEY") {
                    assert!(self.setup.device, "DEVICE_KEY without a device");
                    assert_eq!(k, &json!(DEVICE_KEY));
                    // A record goes out only for the user it belongs to.
                    let owner = username.unwrap_or(&self.setup.username);
                    assert_eq!(
                        owner,
                        Setup::device_credentials().username,
                        "DEVICE_KEY only for its own user"
                    );
                }
            }
            Operation::ConfirmDevice => {
                let config = &obj["DeviceSecretVerifierConfig"];
                let salt = config["Salt"].as_str().expect("Salt");
                let verifier = config["PasswordVerifier"].as_str().expect("verifier");
                cognito_signin::srp::Verifier::from_config(salt, verifier)
                    .expect("our own verifier config parses");
                assert!(obj["AccessToken"].as_str().is_some_and(|t| !t.is_empty()));
            }
            Operation::GetTokensFromRefreshToken => {
                assert_eq!(obj.get("ClientId"), Some(&json!(CLIENT)));
                assert_eq!(obj.get("RefreshToken"), Some(&json!(REFRESH_TOKEN)));
                assert_eq!(
                    obj.get("ClientSecret"),
                    self.setup.secret.then(|| json!(CLIENT_SECRET)).as_ref()
                );
            }
            _ => {}
        }
    }
}
