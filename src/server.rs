//! A reference Cognito user pool: a sans-IO, in-memory model of the service's sign-in side,
//! for offline tests of any Cognito client (feature `server`).
//!
//! [`UserPool::handle`] takes one request (the operation and its JSON body) with the caller's
//! `now` and random source and returns the reply exactly as Cognito shapes it: status, JSON
//! body and error type. It serves `InitiateAuth`, `RespondToAuthChallenge`,
//! `AdminInitiateAuth`, `AdminRespondToAuthChallenge`, `AssociateSoftwareToken`,
//! `VerifySoftwareToken`, `ConfirmDevice`, `UpdateDeviceStatus` and
//! `GetTokensFromRefreshToken`.
//!
//! It verifies strictly: SRP claims with this crate's server-side SRP, `SECRET_HASH` on every
//! leg, the `TIMESTAMP`'s canonical form and skew, TOTP codes (RFC 6238, ±1 step), SMS and
//! email codes (read them from [`UserPool::take_outbox`]), sessions single-use and expiring
//! (3 minutes by default), device verifiers and device SRP, allowed auth flows, user status.
//!
//! Where it is simpler than Cognito:
//! - Tokens are test tokens: JWT-shaped, signed with HS256 and a per-pool random key (Cognito
//!   signs RS256 with keys published at a JWKS URL). They carry the usual claims.
//! - `Admin*` operations are served as if their SigV4 signature had been checked: the model has
//!   no IAM. An HTTP front should check signatures itself if it needs to.
//! - No Lambda triggers but the custom-auth ones ([`CustomAuth`]); no WebAuthn; no
//!   threat protection, no lockout after failed attempts, no rate limits.
//! - The password policy is a minimum length and no white space.
//! - `USER_AUTH` offers `PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP` and `SMS_OTP`.
//!
//! ```
//! use cognito_signin::server::{AppClient, NewUser, PoolConfig, UserPool};
//! use cognito_signin::{Config, Password, Response, SignIn, Start, Step, UnixTime};
//! # use rand::{SeedableRng, rngs::StdRng};
//! # let mut rng = StdRng::seed_from_u64(1);
//! let now = UnixTime(1_800_000_000);
//! let mut pool = UserPool::new("us-east-1_Example1", PoolConfig::default(), &mut rng)?;
//! pool.add_client(AppClient::new("exampleclient1"));
//! pool.add_user(NewUser::new("alice", Password::new("Correct-Horse-1")), &mut rng)?;
//!
//! let config = Config::new("us-east-1_Example1", "exampleclient1")?;
//! let start = Start::user_srp("alice", Password::new("Correct-Horse-1"));
//! let (mut flow, mut request) = SignIn::start(config, start, now, &mut rng)?;
//! let signed_in = loop {
//!     let reply = pool.handle(request.target(), request.body(), now, &mut rng);
//!     match flow.handle(Response::new(reply.status, &reply.body), now, &mut rng)? {
//!         Step::Send(next) => request = next,
//!         Step::Done(signed_in) => break signed_in,
//!         other => panic!("no question expected: {other:?}"),
//!     }
//! };
//! assert_eq!(signed_in.username, "alice");
//! # Ok::<(), cognito_signin::Error>(())
//! ```

mod totp;

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::error::{Error, Misuse};
use crate::secret::{ClientSecret, Password};
use crate::secret_hash::secret_hash;
use crate::srp::{Identity, PrivateSize, ServerSession, Verifier};
use crate::time::{UnixTime, parse_cognito_timestamp};

pub use totp::totp_code;

/// Whether the pool asks for a second factor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaMode {
    /// No MFA.
    #[default]
    Off,
    /// MFA for users who enabled a method.
    Optional,
    /// MFA for everyone: users without a method must set one up (`MFA_SETUP`).
    On,
}

/// Device tracking (`DeviceConfiguration`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceTracking {
    /// No device tracking.
    #[default]
    Off,
    /// Every confirmed device is remembered (`UserConfirmationNecessary = false`).
    Always,
    /// The user chooses (`UserConfirmationNecessary = true`, then `UpdateDeviceStatus`).
    UserOptIn,
}

/// How the pool behaves. Build it with struct update syntax from `PoolConfig::default()`.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// MFA off, optional or on.
    pub mfa: MfaMode,
    /// SMS MFA enabled (users need a `phone_number`).
    pub sms_mfa: bool,
    /// TOTP MFA enabled.
    pub totp_mfa: bool,
    /// Email MFA enabled (users need an `email`).
    pub email_mfa: bool,
    /// Device tracking.
    pub device_tracking: DeviceTracking,
    /// `ChallengeRequiredOnNewDevice`: a remembered device replaces MFA.
    pub challenge_required_on_new_device: bool,
    /// Attributes that also sign a user in (`email`, `phone_number`, `preferred_username`);
    /// `email` and `phone_number` only when verified.
    pub alias_attributes: Vec<String>,
    /// Attributes every user must have (asked for in `NEW_PASSWORD_REQUIRED`).
    pub required_attributes: Vec<String>,
    /// Minimum password length.
    pub password_min_length: usize,
    /// How long a session (and a code) lives, in seconds: 180 by default.
    pub session_validity: u64,
    /// How far `TIMESTAMP` may be from `now`, in seconds.
    pub timestamp_skew: u64,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            mfa: MfaMode::Off,
            sms_mfa: false,
            totp_mfa: true,
            email_mfa: false,
            device_tracking: DeviceTracking::Off,
            challenge_required_on_new_device: true,
            alias_attributes: Vec::new(),
            required_attributes: Vec::new(),
            password_min_length: 8,
            session_validity: 180,
            timestamp_skew: 300,
        }
    }
}

/// An app client.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AppClient {
    /// `ClientId`.
    pub client_id: String,
    /// The client secret, if any: then every request needs `SECRET_HASH`.
    pub client_secret: Option<ClientSecret>,
    /// `ExplicitAuthFlows` (`ALLOW_USER_SRP_AUTH`, …); empty means Cognito's default
    /// (`ALLOW_USER_SRP_AUTH`, `ALLOW_CUSTOM_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`).
    pub explicit_auth_flows: Vec<String>,
    /// `PreventUserExistenceErrors = ENABLED`: unknown users look like wrong passwords.
    pub prevent_user_existence_errors: bool,
    /// Refresh-token rotation: only `GetTokensFromRefreshToken` refreshes, and it issues a
    /// new refresh token each time.
    pub refresh_token_rotation: bool,
    /// Access and ID token lifetime in seconds.
    pub token_validity: u64,
}

impl AppClient {
    /// A public client with the default flows.
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            explicit_auth_flows: Vec::new(),
            prevent_user_existence_errors: false,
            refresh_token_rotation: false,
            token_validity: 3600,
        }
    }

    /// Adds a client secret.
    #[must_use]
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(ClientSecret::new(secret));
        self
    }

    /// Sets `ExplicitAuthFlows`.
    #[must_use]
    pub fn with_flows(mut self, flows: &[&str]) -> Self {
        self.explicit_auth_flows = flows.iter().map(|f| (*f).to_owned()).collect();
        self
    }

    /// Turns refresh-token rotation on.
    #[must_use]
    pub fn with_rotation(mut self) -> Self {
        self.refresh_token_rotation = true;
        self
    }

    fn allows(&self, flow: &str) -> bool {
        let wanted = match flow {
            "ADMIN_NO_SRP_AUTH" => "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "REFRESH_TOKEN" => "ALLOW_REFRESH_TOKEN_AUTH",
            other => return self.allows_name(&format!("ALLOW_{other}")),
        };
        self.allows_name(wanted)
    }

    fn allows_name(&self, name: &str) -> bool {
        if self.explicit_auth_flows.is_empty() {
            return matches!(
                name,
                "ALLOW_USER_SRP_AUTH" | "ALLOW_CUSTOM_AUTH" | "ALLOW_REFRESH_TOKEN_AUTH"
            );
        }
        self.explicit_auth_flows.iter().any(|f| {
            f == name || (name == "ALLOW_ADMIN_USER_PASSWORD_AUTH" && f == "ADMIN_NO_SRP_AUTH")
        })
    }
}

/// A user's status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserStatus {
    /// Can sign in.
    #[default]
    Confirmed,
    /// Created with a temporary password: `NEW_PASSWORD_REQUIRED` first.
    ForceChangePassword,
    /// Signed up, not confirmed: `UserNotConfirmedException`.
    Unconfirmed,
    /// An administrator reset the password: `PasswordResetRequiredException`.
    ResetRequired,
}

/// A user to add to the pool. `Debug` shows neither the password nor the TOTP secret.
#[derive(Clone)]
#[non_exhaustive]
pub struct NewUser {
    /// The internal username (`USER_ID_FOR_SRP`).
    pub username: String,
    /// The password (temporary for [`UserStatus::ForceChangePassword`]).
    pub password: Password,
    /// Status.
    pub status: UserStatus,
    /// Attributes (`email`, `email_verified`, `phone_number`, `name`, …).
    pub attributes: BTreeMap<String, String>,
    /// An enrolled TOTP secret (base32).
    pub totp_secret: Option<String>,
    /// SMS MFA enabled for the user.
    pub sms_mfa: bool,
    /// Email MFA enabled for the user.
    pub email_mfa: bool,
    /// The preferred MFA method, when the user has several.
    pub preferred_mfa: Option<String>,
    /// A disabled user cannot sign in.
    pub enabled: bool,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("status", &self.status)
            .field("attributes", &self.attributes)
            .field("totp", &self.totp_secret.is_some())
            .field("sms_mfa", &self.sms_mfa)
            .field("email_mfa", &self.email_mfa)
            .finish_non_exhaustive()
    }
}

impl NewUser {
    /// A confirmed user with this password and no attributes.
    pub fn new(username: impl Into<String>, password: Password) -> Self {
        Self {
            username: username.into(),
            password,
            status: UserStatus::Confirmed,
            attributes: BTreeMap::new(),
            totp_secret: None,
            sms_mfa: false,
            email_mfa: false,
            preferred_mfa: None,
            enabled: true,
        }
    }

    /// Sets the status.
    #[must_use]
    pub fn with_status(mut self, status: UserStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets an attribute.
    #[must_use]
    pub fn with_attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// Enrols TOTP with this base32 secret.
    #[must_use]
    pub fn with_totp(mut self, secret: impl Into<String>) -> Self {
        self.totp_secret = Some(secret.into());
        self
    }

    /// Enables SMS MFA (the user needs a `phone_number`).
    #[must_use]
    pub fn with_sms_mfa(mut self) -> Self {
        self.sms_mfa = true;
        self
    }

    /// Enables email MFA (the user needs an `email`).
    #[must_use]
    pub fn with_email_mfa(mut self) -> Self {
        self.email_mfa = true;
        self
    }
}

/// A code the pool "sent" by SMS or email.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxMessage {
    /// The internal username.
    pub username: String,
    /// `SMS` or `EMAIL`.
    pub medium: &'static str,
    /// The phone number or email address.
    pub destination: String,
    /// The code.
    pub code: String,
}

impl fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("medium", &self.medium)
            .finish_non_exhaustive()
    }
}

/// One step of a custom-auth session, as the DefineAuthChallenge trigger sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChallengeResult {
    /// `SRP_A`, `PASSWORD_VERIFIER` or `CUSTOM_CHALLENGE`.
    pub challenge_name: String,
    /// Whether it was answered correctly.
    pub succeeded: bool,
}

/// What DefineAuthChallenge decides.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CustomStep {
    /// Issue `PASSWORD_VERIFIER` (after `SRP_A`).
    PasswordVerifier,
    /// Issue a `CUSTOM_CHALLENGE`.
    Custom,
    /// Issue tokens.
    Tokens,
    /// Fail the sign-in (`NotAuthorizedException`).
    Fail,
}

/// A custom challenge made by CreateAuthChallenge: public parameters and the private answer.
/// `Debug` leaves the answer out.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomChallenge {
    /// `ChallengeParameters` the client sees.
    pub public: BTreeMap<String, String>,
    /// What VerifyAuthChallengeResponse compares against.
    pub answer: String,
}

impl fmt::Debug for CustomChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomChallenge")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl CustomChallenge {
    /// A challenge with these public parameters and this expected answer.
    pub fn new(public: BTreeMap<String, String>, answer: impl Into<String>) -> Self {
        Self {
            public,
            answer: answer.into(),
        }
    }
}

/// The custom-auth Lambda triggers' role: Define, Create and Verify.
pub trait CustomAuth {
    /// DefineAuthChallenge: what comes next, given the session so far.
    fn define(&mut self, username: &str, history: &[ChallengeResult]) -> CustomStep;
    /// CreateAuthChallenge: the next custom challenge.
    fn create(&mut self, username: &str, history: &[ChallengeResult]) -> CustomChallenge;
    /// VerifyAuthChallengeResponse: whether `answer` is right. The default compares with
    /// [`CustomChallenge::answer`].
    fn verify(&mut self, _username: &str, challenge: &CustomChallenge, answer: &str) -> bool {
        challenge.answer == answer
    }
}

/// A reply of the pool.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerReply {
    /// HTTP status: 200, or 400 for errors.
    pub status: u16,
    /// JSON body.
    pub body: Vec<u8>,
    /// For errors, the type (`x-amzn-ErrorType`), also in the body's `__type`.
    pub error_type: Option<String>,
}

impl fmt::Debug for ServerReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerReply")
            .field("status", &self.status)
            .field("error_type", &self.error_type)
            .field("body_len", &self.body.len())
            .finish()
    }
}

fn ok(body: Value) -> ServerReply {
    ServerReply {
        status: 200,
        body: serde_json::to_vec(&body).unwrap_or_default(),
        error_type: None,
    }
}

fn err(kind: &str, message: &str) -> ServerReply {
    ServerReply {
        status: 400,
        body: serde_json::to_vec(&json!({"__type": kind, "message": message})).unwrap_or_default(),
        error_type: Some(kind.to_owned()),
    }
}

fn bad_credentials() -> ServerReply {
    err("NotAuthorizedException", "Incorrect username or password.")
}

fn invalid_session() -> ServerReply {
    err("NotAuthorizedException", "Invalid session for the user.")
}

struct Device {
    group_key: String,
    verifier: Option<Verifier>,
    remembered: bool,
}

struct User {
    username: String,
    sub: String,
    verifier: Verifier,
    status: UserStatus,
    attributes: BTreeMap<String, String>,
    totp_secret: Option<String>,
    sms_mfa: bool,
    email_mfa: bool,
    preferred_mfa: Option<String>,
    enabled: bool,
    devices: BTreeMap<String, Device>,
}

/// What a sign-in in progress knows.
#[derive(Clone)]
struct Flow {
    username: String,
    client_id: String,
    admin: bool,
    flow: String,
    device_key: Option<String>,
    history: Vec<ChallengeResult>,
    password_done: bool,
    mfa_done: bool,
    /// The first factor was a one-time code (passwordless): no MFA after it.
    passwordless: bool,
}

enum Awaiting {
    NewPassword,
    Code {
        challenge: &'static str,
        key: &'static str,
        code: String,
        attempts: u8,
        enrol_email: bool,
    },
    Totp {
        attempts: u8,
    },
    SelectMfa(Vec<String>),
    MfaSetup {
        options: Vec<String>,
        secret: Option<String>,
        verified: bool,
    },
    Custom(CustomChallenge),
    SelectChallenge(Vec<String>),
    DeviceSrpAuth,
}

struct PendingSession {
    flow: Flow,
    awaiting: Awaiting,
    created: u64,
}

struct SrpState {
    flow: Flow,
    server: ServerSession,
    srp_a: String,
    block: Vec<u8>,
    created: u64,
    device: Option<(String, String)>,
}

struct TokenInfo {
    username: String,
    expires: u64,
}

struct RefreshInfo {
    username: String,
    client_id: String,
    device_key: Option<String>,
}

/// An in-memory user pool. See the [module docs](self).
pub struct UserPool {
    id: String,
    region: String,
    config: PoolConfig,
    clients: BTreeMap<String, AppClient>,
    users: Vec<User>,
    sessions: BTreeMap<String, PendingSession>,
    srp: BTreeMap<String, SrpState>,
    access_tokens: BTreeMap<String, TokenInfo>,
    refresh_tokens: BTreeMap<String, RefreshInfo>,
    outbox: Vec<OutboxMessage>,
    custom: Option<Box<dyn CustomAuth + Send>>,
    key: [u8; 32],
}

impl fmt::Debug for UserPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPool")
            .field("id", &self.id)
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

fn random_b64<R: CryptoRng + ?Sized>(rng: &mut R, n: usize) -> String {
    let mut bytes = alloc::vec![0u8; n];
    rng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn uuid<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

fn digits<R: CryptoRng + ?Sized>(rng: &mut R, n: usize) -> String {
    (0..n)
        .map(|_| {
            let mut b = [0u8; 1];
            loop {
                rng.fill_bytes(&mut b);
                if b[0] < 250 {
                    return char::from(b'0' + b[0] % 10);
                }
            }
        })
        .collect()
}

impl UserPool {
    /// An empty pool `user_pool_id` (`<region>_<name>`).
    ///
    /// # Errors
    /// [`Misuse::BadArgument`] for a malformed pool id.
    pub fn new<R: CryptoRng + ?Sized>(
        user_pool_id: &str,
        config: PoolConfig,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let Some((region, name)) = user_pool_id.split_once('_') else {
            return Err(Misuse::BadArgument("user_pool_id").into());
        };
        if region.is_empty() || name.is_empty() {
            return Err(Misuse::BadArgument("user_pool_id").into());
        }
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        Ok(Self {
            id: user_pool_id.to_owned(),
            region: region.to_owned(),
            config,
            clients: BTreeMap::new(),
            users: Vec::new(),
            sessions: BTreeMap::new(),
            srp: BTreeMap::new(),
            access_tokens: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            outbox: Vec::new(),
            custom: None,
            key,
        })
    }

    /// Adds (or replaces) an app client.
    pub fn add_client(&mut self, client: AppClient) {
        self.clients.insert(client.client_id.clone(), client);
    }

    /// Sets the custom-auth triggers.
    pub fn set_custom_auth(&mut self, triggers: Box<dyn CustomAuth + Send>) {
        self.custom = Some(triggers);
    }

    /// Adds a user: the password is kept only as an SRP verifier with a random salt.
    ///
    /// # Errors
    /// [`Misuse::BadArgument`] naming `username` when it is empty or taken.
    pub fn add_user<R: CryptoRng + ?Sized>(
        &mut self,
        user: NewUser,
        rng: &mut R,
    ) -> Result<(), Error> {
        if user.username.is_empty() || self.user(&user.username).is_some() {
            return Err(Misuse::BadArgument("username").into());
        }
        let pool_id = self.id.clone();
        let identity = Identity::user(&pool_id, &user.username)?;
        let verifier = Verifier::generate(&identity, &user.password, rng);
        self.users.push(User {
            sub: uuid(rng),
            username: user.username,
            verifier,
            status: user.status,
            attributes: user.attributes,
            totp_secret: user.totp_secret,
            sms_mfa: user.sms_mfa,
            email_mfa: user.email_mfa,
            preferred_mfa: user.preferred_mfa,
            enabled: user.enabled,
            devices: BTreeMap::new(),
        });
        Ok(())
    }

    /// Takes the codes sent by SMS and email since the last call.
    pub fn take_outbox(&mut self) -> Vec<OutboxMessage> {
        core::mem::take(&mut self.outbox)
    }

    /// The TOTP secret a user has enrolled, if any.
    #[must_use]
    pub fn totp_secret(&self, username: &str) -> Option<&str> {
        self.user(username).and_then(|u| u.totp_secret.as_deref())
    }

    /// Whether the device is registered (confirmed) for the user, and remembered.
    #[must_use]
    pub fn device_status(&self, username: &str, device_key: &str) -> Option<(bool, bool)> {
        let device = self.user(username)?.devices.get(device_key)?;
        Some((device.verifier.is_some(), device.remembered))
    }

    /// Forgets a device (`AdminForgetDevice`).
    pub fn forget_device(&mut self, username: &str, device_key: &str) {
        if let Some(user) = self.user_mut(username) {
            user.devices.remove(device_key);
        }
    }

    /// The user's status.
    #[must_use]
    pub fn user_status(&self, username: &str) -> Option<UserStatus> {
        self.user(username).map(|u| u.status)
    }

    fn user(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }

    fn user_mut(&mut self, username: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.username == username)
    }

    /// Finds a user by username or alias.
    fn find(&self, name: &str) -> Option<&User> {
        self.user(name).or_else(|| {
            self.users.iter().find(|u| {
                self.config.alias_attributes.iter().any(|alias| {
                    let verified = match alias.as_str() {
                        "email" => {
                            u.attributes.get("email_verified").map(String::as_str) == Some("true")
                        }
                        "phone_number" => {
                            u.attributes
                                .get("phone_number_verified")
                                .map(String::as_str)
                                == Some("true")
                        }
                        _ => true,
                    };
                    verified
                        && u.attributes
                            .get(alias)
                            .is_some_and(|v| v.eq_ignore_ascii_case(name))
                })
            })
        })
    }

    /// Serves one request: `operation` is the operation name or the whole `X-Amz-Target`.
    pub fn handle<R: CryptoRng + ?Sized>(
        &mut self,
        operation: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let op = operation
            .strip_prefix("AWSCognitoIdentityProviderService.")
            .unwrap_or(operation);
        let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(body) else {
            return err(
                "SerializationException",
                "The request body is not a JSON object.",
            );
        };
        self.expire(now);
        let reply = match op {
            "InitiateAuth" => self.try_initiate(&req, false, now, rng),
            "AdminInitiateAuth" => self.try_initiate(&req, true, now, rng),
            "RespondToAuthChallenge" => self.try_respond(&req, false, now, rng),
            "AdminRespondToAuthChallenge" => self.try_respond(&req, true, now, rng),
            "ConfirmDevice" => self.try_confirm_device(&req, now),
            _ => Ok(self.handle_other(op, &req, now, rng)),
        };
        match reply {
            Ok(r) | Err(r) => r,
        }
    }

    /// The operations that answer directly.
    fn handle_other<R: CryptoRng + ?Sized>(
        &mut self,
        op: &str,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        match op {
            "AssociateSoftwareToken" => self.associate(req, now, rng),
            "VerifySoftwareToken" => self.verify_software_token(req, now, rng),
            "UpdateDeviceStatus" => self.update_device_status(req, now),
            "GetTokensFromRefreshToken" => self.get_tokens_from_refresh(req, now, rng),
            _ => err("UnknownOperationException", "Unknown operation."),
        }
    }

    fn expire(&mut self, now: UnixTime) {
        let validity = self.config.session_validity;
        self.sessions
            .retain(|_, s| now.0 < s.created.saturating_add(validity));
        self.srp
            .retain(|_, s| now.0 < s.created.saturating_add(validity));
        self.access_tokens.retain(|_, t| now.0 < t.expires);
    }

    fn client(&self, req: &Map<String, Value>) -> Result<&AppClient, ServerReply> {
        let id = str_field(req, "ClientId")?;
        self.clients.get(id).ok_or_else(|| {
            err(
                "ResourceNotFoundException",
                &format!("User pool client {id} does not exist."),
            )
        })
    }

    fn check_pool_id(&self, req: &Map<String, Value>, admin: bool) -> Result<(), ServerReply> {
        if admin && str_field(req, "UserPoolId")? != self.id {
            return Err(err(
                "ResourceNotFoundException",
                "User pool does not exist.",
            ));
        }
        Ok(())
    }

    /// `SECRET_HASH` over `username`, when the client has a secret.
    fn check_secret_hash(
        client: &AppClient,
        params: &Map<String, Value>,
        username: &str,
    ) -> Result<(), ServerReply> {
        let Some(secret) = &client.client_secret else {
            return Ok(());
        };
        let Some(given) = params.get("SECRET_HASH").and_then(Value::as_str) else {
            return Err(err(
                "NotAuthorizedException",
                &format!(
                    "Client {} is configured for secret but secret was not received",
                    client.client_id
                ),
            ));
        };
        let expected = secret_hash(secret, username, &client.client_id);
        if !ct_eq(expected.as_bytes(), given.as_bytes()) {
            return Err(err(
                "NotAuthorizedException",
                &format!(
                    "Unable to verify secret hash for client {}",
                    client.client_id
                ),
            ));
        }
        Ok(())
    }

    /// The user for a typed name, with status checks.
    fn sign_in_user(&self, client: &AppClient, name: &str) -> Result<&User, ServerReply> {
        let Some(user) = self.find(name) else {
            return Err(if client.prevent_user_existence_errors {
                bad_credentials()
            } else {
                err("UserNotFoundException", "User does not exist.")
            });
        };
        if !user.enabled {
            return Err(err("NotAuthorizedException", "User is disabled."));
        }
        match user.status {
            UserStatus::Unconfirmed => {
                Err(err("UserNotConfirmedException", "User is not confirmed."))
            }
            UserStatus::ResetRequired => Err(err(
                "PasswordResetRequiredException",
                "Password reset required for the user",
            )),
            _ => Ok(user),
        }
    }

    fn try_initiate<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        admin: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        self.check_pool_id(req, admin)?;
        let client = self.client(req)?.clone();
        let flow_name = str_field(req, "AuthFlow")?.to_owned();
        let params = map_field(req, "AuthParameters")?;
        let admin_only = matches!(
            flow_name.as_str(),
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH"
        );
        if admin_only && !admin || flow_name == "USER_PASSWORD_AUTH" && admin {
            return Err(err(
                "InvalidParameterException",
                &format!("{flow_name} is not supported by this operation"),
            ));
        }
        if !client.allows(&flow_name) {
            return Err(err(
                "InvalidParameterException",
                &format!("{flow_name} flow not enabled for this client"),
            ));
        }
        if matches!(flow_name.as_str(), "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") {
            return self.refresh(&client, &params, now, rng);
        }
        let typed = param(&params, "USERNAME")?;
        Self::check_secret_hash(&client, &params, &typed)?;
        let user = self.sign_in_user(&client, &typed)?;
        let mut flow = Flow {
            username: user.username.clone(),
            client_id: client.client_id.clone(),
            admin,
            flow: flow_name.clone(),
            device_key: params
                .get("DEVICE_KEY")
                .and_then(Value::as_str)
                .map(str::to_owned),
            history: Vec::new(),
            password_done: false,
            mfa_done: false,
            passwordless: false,
        };
        match flow_name.as_str() {
            "USER_SRP_AUTH" => self.password_verifier(flow, &param(&params, "SRP_A")?, now, rng),
            "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                let password = Password::new(param(&params, "PASSWORD")?);
                if !self.password_matches(&flow.username, &password) {
                    return Err(bad_credentials());
                }
                self.check_device(&flow)?;
                flow.password_done = true;
                Ok(self.after_first_factor(flow, now, rng))
            }
            "CUSTOM_AUTH" => {
                if self.custom.is_none() {
                    return Err(err(
                        "InvalidLambdaResponseException",
                        "Custom auth lambda trigger is not configured for the user pool.",
                    ));
                }
                if params.get("CHALLENGE_NAME").and_then(Value::as_str) == Some("SRP_A") {
                    flow.history.push(ChallengeResult {
                        challenge_name: "SRP_A".into(),
                        succeeded: true,
                    });
                    let srp_a = param(&params, "SRP_A")?;
                    return match self.define(&flow) {
                        CustomStep::PasswordVerifier => {
                            self.password_verifier(flow, &srp_a, now, rng)
                        }
                        _ => Err(err(
                            "InvalidLambdaResponseException",
                            "Invalid lambda response.",
                        )),
                    };
                }
                Ok(self.custom_next(flow, now, rng))
            }
            "USER_AUTH" => self.user_auth(flow, &params, now, rng),
            other => Err(err(
                "InvalidParameterException",
                &format!("Unsupported AuthFlow: {other}"),
            )),
        }
    }

    fn password_matches(&self, username: &str, password: &Password) -> bool {
        let Some(user) = self.user(username) else {
            return false;
        };
        let Ok(identity) = Identity::user(&self.id, &user.username) else {
            return false;
        };
        let candidate = Verifier::with_salt_hex(&identity, password, &user.verifier.salt_hex());
        candidate.is_ok_and(|c| ct_eq(c.verifier_padded(), user.verifier.verifier_padded()))
    }

    /// Issues `PASSWORD_VERIFIER` for the user of `flow`.
    fn password_verifier<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        srp_a: &str,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let verifier = self
            .user(&flow.username)
            .ok_or_else(bad_credentials)?
            .verifier
            .clone();
        let username = flow.username.clone();
        let mut params = self.issue_srp(flow, verifier, srp_a, None, now, rng)?;
        params.insert("USER_ID_FOR_SRP".into(), Value::String(username.clone()));
        params.insert("USERNAME".into(), Value::String(username));
        Ok(ok(
            json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params}),
        ))
    }

    /// Starts the server side of an SRP run against `verifier` and keeps its state under a
    /// fresh `SECRET_BLOCK`: returns `SALT`, `SRP_B` and `SECRET_BLOCK`.
    fn issue_srp<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        verifier: Verifier,
        srp_a: &str,
        device: Option<(String, String)>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Map<String, Value>, ServerReply> {
        let server = ServerSession::generate(verifier, PrivateSize::Bits256, rng)
            .map_err(|_| err("InternalErrorException", "random source failed"))?;
        // Refuse A ≡ 0 (mod N) and malformed SRP_A at once.
        if server.premaster(srp_a).is_err() {
            return Err(err("InvalidParameterException", "SRP_A is invalid."));
        }
        let mut block = alloc::vec![0u8; 64];
        rng.fill_bytes(&mut block);
        let block_b64 = STANDARD.encode(&block);
        let mut params = Map::new();
        params.insert("SALT".into(), Value::String(server.salt_hex()));
        params.insert("SRP_B".into(), Value::String(server.public_hex()));
        params.insert("SECRET_BLOCK".into(), Value::String(block_b64.clone()));
        let state = SrpState {
            flow,
            server,
            srp_a: srp_a.to_owned(),
            block,
            created: now.0,
            device,
        };
        self.srp.insert(block_b64, state);
        Ok(params)
    }

    /// Checks an SRP claim: single-use state, client, `USERNAME`, `SECRET_HASH`, `TIMESTAMP`
    /// form and skew, then the signature.
    fn check_claim(
        &mut self,
        client: &AppClient,
        params: &Map<String, Value>,
        now: UnixTime,
        device: bool,
    ) -> Result<SrpState, ServerReply> {
        let block = param(params, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        // A forgotten device is reported before the claim is used up, so that the client can
        // send the same answer again without it.
        if !device && let Some(state) = self.srp.get(&block) {
            let mut flow = state.flow.clone();
            flow.device_key = params
                .get("DEVICE_KEY")
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.check_device(&flow)?;
        }
        let state = self.srp.remove(&block).ok_or_else(bad_credentials)?;
        if state.flow.client_id != client.client_id || state.device.is_some() != device {
            return Err(bad_credentials());
        }
        let username = param(params, "USERNAME")?;
        if username != state.flow.username {
            return Err(bad_credentials());
        }
        Self::check_secret_hash(client, params, &username)?;
        let timestamp = param(params, "TIMESTAMP")?;
        let Some(t) = parse_cognito_timestamp(&timestamp) else {
            return Err(err(
                "InvalidParameterException",
                "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
            ));
        };
        let canonical = UnixTime(t).cognito_timestamp().ok();
        if canonical.as_deref() != Some(timestamp.as_str())
            || t.abs_diff(now.0) > self.config.timestamp_skew
        {
            return Err(bad_credentials());
        }
        let signature = param(params, "PASSWORD_CLAIM_SIGNATURE")?;
        let verified = match &state.device {
            Some((group, key)) => state.server.verify(
                &Identity::device(group, key),
                &state.srp_a,
                &state.block,
                &timestamp,
                &signature,
            ),
            None => {
                let identity = Identity::user(&self.id, &state.flow.username)
                    .map_err(|_| bad_credentials())?;
                state.server.verify(
                    &identity,
                    &state.srp_a,
                    &state.block,
                    &timestamp,
                    &signature,
                )
            }
        };
        verified.map_err(|_| bad_credentials())?;
        Ok(state)
    }

    /// A presented `DEVICE_KEY` must be one of the user's devices.
    fn check_device(&self, flow: &Flow) -> Result<(), ServerReply> {
        let Some(key) = &flow.device_key else {
            return Ok(());
        };
        let known = self
            .user(&flow.username)
            .is_some_and(|u| u.devices.get(key).is_some_and(|d| d.verifier.is_some()));
        if known {
            Ok(())
        } else {
            Err(err("ResourceNotFoundException", "Device does not exist."))
        }
    }

    fn new_session<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        awaiting: Awaiting,
        now: UnixTime,
        rng: &mut R,
    ) -> String {
        let session = random_b64(rng, 96);
        self.sessions.insert(
            session.clone(),
            PendingSession {
                flow,
                awaiting,
                created: now.0,
            },
        );
        session
    }

    fn challenge<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        awaiting: Awaiting,
        name: &str,
        params: Value,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let session = self.new_session(flow, awaiting, now, rng);
        ok(json!({"ChallengeName": name, "Session": session, "ChallengeParameters": params}))
    }

    /// After the password: new password, MFA, device SRP, tokens.
    fn after_first_factor<R: CryptoRng + ?Sized>(
        &mut self,
        mut flow: Flow,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let Some(user) = self.user(&flow.username) else {
            return bad_credentials();
        };
        if user.status == UserStatus::ForceChangePassword {
            let current: BTreeMap<&String, &String> = user.attributes.iter().collect();
            let missing: Vec<String> = self
                .config
                .required_attributes
                .iter()
                .filter(|a| !user.attributes.contains_key(*a))
                .map(|a| format!("userAttributes.{a}"))
                .collect();
            let params = json!({
                "USER_ID_FOR_SRP": user.username,
                "userAttributes": serde_json::to_string(&current).unwrap_or_default(),
                "requiredAttributes": serde_json::to_string(&missing).unwrap_or_default(),
            });
            return self.challenge(
                flow,
                Awaiting::NewPassword,
                "NEW_PASSWORD_REQUIRED",
                params,
                now,
                rng,
            );
        }
        if !flow.mfa_done && !flow.passwordless {
            let remembered_device = flow.device_key.as_ref().is_some_and(|k| {
                user.devices
                    .get(k)
                    .is_some_and(|d| d.verifier.is_some() && d.remembered)
            });
            let skip = remembered_device && self.config.challenge_required_on_new_device;
            let mut methods = Vec::new();
            if self.config.totp_mfa && user.totp_secret.is_some() {
                methods.push("SOFTWARE_TOKEN_MFA".to_owned());
            }
            if self.config.sms_mfa && user.sms_mfa && user.attributes.contains_key("phone_number") {
                methods.push("SMS_MFA".to_owned());
            }
            if self.config.email_mfa && user.email_mfa && user.attributes.contains_key("email") {
                methods.push("EMAIL_OTP".to_owned());
            }
            let wanted = match self.config.mfa {
                MfaMode::Off => false,
                MfaMode::Optional => !methods.is_empty(),
                MfaMode::On => true,
            };
            if wanted && !skip {
                if methods.is_empty() {
                    let mut options = Vec::new();
                    if self.config.sms_mfa {
                        options.push("SMS_MFA".to_owned());
                    }
                    if self.config.totp_mfa {
                        options.push("SOFTWARE_TOKEN_MFA".to_owned());
                    }
                    if self.config.email_mfa {
                        options.push("EMAIL_OTP".to_owned());
                    }
                    let params = json!({
                        "MFAS_CAN_SETUP": serde_json::to_string(&options).unwrap_or_default(),
                        "USER_ID_FOR_SRP": flow.username,
                    });
                    let awaiting = Awaiting::MfaSetup {
                        options,
                        secret: None,
                        verified: false,
                    };
                    return self.challenge(flow, awaiting, "MFA_SETUP", params, now, rng);
                }
                let chosen = match (&user.preferred_mfa, methods.len()) {
                    (Some(p), _) if methods.contains(p) => p.clone(),
                    (_, 1) => methods.first().cloned().unwrap_or_default(),
                    _ => {
                        let params = json!({
                            "MFAS_CAN_CHOOSE": serde_json::to_string(&methods).unwrap_or_default(),
                            "USER_ID_FOR_SRP": flow.username,
                        });
                        return self.challenge(
                            flow,
                            Awaiting::SelectMfa(methods),
                            "SELECT_MFA_TYPE",
                            params,
                            now,
                            rng,
                        );
                    }
                };
                return self.mfa_challenge(flow, &chosen, now, rng);
            }
            flow.mfa_done = true;
        }
        let device_known = flow.device_key.as_ref().is_some_and(|k| {
            self.user(&flow.username)
                .is_some_and(|u| u.devices.get(k).is_some_and(|d| d.verifier.is_some()))
        });
        if device_known
            && flow
                .history
                .iter()
                .all(|h| h.challenge_name != "DEVICE_PASSWORD_VERIFIER")
        {
            let params = json!({"USERNAME": flow.username, "DEVICE_KEY": flow.device_key});
            return self.challenge(
                flow,
                Awaiting::DeviceSrpAuth,
                "DEVICE_SRP_AUTH",
                params,
                now,
                rng,
            );
        }
        self.tokens(&flow, device_known, now, rng)
    }

    fn mfa_challenge<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        method: &str,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        match method {
            "SOFTWARE_TOKEN_MFA" => {
                let params = json!({"USER_ID_FOR_SRP": flow.username, "FRIENDLY_DEVICE_NAME": "TOTP device"});
                self.challenge(
                    flow,
                    Awaiting::Totp { attempts: 0 },
                    "SOFTWARE_TOKEN_MFA",
                    params,
                    now,
                    rng,
                )
            }
            "SMS_MFA" | "SMS_OTP" => {
                self.send_code(flow, method, "SMS", "phone_number", false, now, rng)
            }
            _ => self.send_code(flow, "EMAIL_OTP", "EMAIL", "email", false, now, rng),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn send_code<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        challenge: &str,
        medium: &'static str,
        attribute: &str,
        enrol_email: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let destination = self
            .user(&flow.username)
            .and_then(|u| u.attributes.get(attribute))
            .cloned()
            .unwrap_or_default();
        let code = digits(rng, 6);
        self.outbox.push(OutboxMessage {
            username: flow.username.clone(),
            medium,
            destination: destination.clone(),
            code: code.clone(),
        });
        let masked = mask(&destination);
        let (challenge, key): (&'static str, &'static str) = match challenge {
            "SMS_MFA" => ("SMS_MFA", "SMS_MFA_CODE"),
            "SMS_OTP" => ("SMS_OTP", "SMS_OTP_CODE"),
            _ => ("EMAIL_OTP", "EMAIL_OTP_CODE"),
        };
        let params = json!({
            "CODE_DELIVERY_DELIVERY_MEDIUM": medium,
            "CODE_DELIVERY_DESTINATION": masked,
            "USER_ID_FOR_SRP": flow.username,
        });
        let awaiting = Awaiting::Code {
            challenge,
            key,
            code,
            attempts: 0,
            enrol_email,
        };
        self.challenge(flow, awaiting, challenge, params, now, rng)
    }

    fn define(&mut self, flow: &Flow) -> CustomStep {
        match &mut self.custom {
            Some(c) => c.define(&flow.username, &flow.history),
            None => CustomStep::Fail,
        }
    }

    fn custom_next<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        match self.define(&flow) {
            CustomStep::Custom => {
                let challenge = match &mut self.custom {
                    Some(c) => c.create(&flow.username, &flow.history),
                    None => return bad_credentials(),
                };
                let mut params: Map<String, Value> = challenge
                    .public
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                params.insert("USERNAME".into(), Value::String(flow.username.clone()));
                self.challenge(
                    flow,
                    Awaiting::Custom(challenge),
                    "CUSTOM_CHALLENGE",
                    Value::Object(params),
                    now,
                    rng,
                )
            }
            CustomStep::Tokens => {
                let mut flow = flow;
                flow.mfa_done = true;
                flow.passwordless = true;
                self.after_first_factor(flow, now, rng)
            }
            CustomStep::PasswordVerifier | CustomStep::Fail => bad_credentials(),
        }
    }

    fn user_auth<R: CryptoRng + ?Sized>(
        &mut self,
        mut flow: Flow,
        params: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let available = self.first_factors(&flow.username);
        match params.get("PREFERRED_CHALLENGE").and_then(Value::as_str) {
            Some("PASSWORD") if params.contains_key("PASSWORD") => {
                let password = Password::new(param(params, "PASSWORD")?);
                if !self.password_matches(&flow.username, &password) {
                    return Err(bad_credentials());
                }
                flow.password_done = true;
                Ok(self.after_first_factor(flow, now, rng))
            }
            Some("PASSWORD_SRP") if params.contains_key("SRP_A") => {
                self.password_verifier(flow, &param(params, "SRP_A")?, now, rng)
            }
            Some(p @ ("EMAIL_OTP" | "SMS_OTP")) if available.iter().any(|a| a == p) => {
                let p = p.to_owned();
                Ok(self.first_factor_code(flow, &p, now, rng))
            }
            _ => {
                let session =
                    self.new_session(flow, Awaiting::SelectChallenge(available.clone()), now, rng);
                Ok(ok(
                    json!({"ChallengeName": "SELECT_CHALLENGE", "Session": session,
                    "ChallengeParameters": {}, "AvailableChallenges": available}),
                ))
            }
        }
    }

    fn first_factors(&self, username: &str) -> Vec<String> {
        let mut out = alloc::vec!["PASSWORD".to_owned(), "PASSWORD_SRP".to_owned()];
        if let Some(u) = self.user(username) {
            if u.attributes.get("email_verified").map(String::as_str) == Some("true") {
                out.push("EMAIL_OTP".into());
            }
            if u.attributes
                .get("phone_number_verified")
                .map(String::as_str)
                == Some("true")
            {
                out.push("SMS_OTP".into());
            }
        }
        out
    }

    fn first_factor_code<R: CryptoRng + ?Sized>(
        &mut self,
        mut flow: Flow,
        which: &str,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        flow.passwordless = true;
        if which == "SMS_OTP" {
            self.send_code(flow, "SMS_OTP", "SMS", "phone_number", false, now, rng)
        } else {
            self.send_code(flow, "EMAIL_OTP", "EMAIL", "email", false, now, rng)
        }
    }

    fn try_respond<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        admin: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        self.check_pool_id(req, admin)?;
        let client = self.client(req)?.clone();
        let name = str_field(req, "ChallengeName")?.to_owned();
        let params = map_field(req, "ChallengeResponses")?;
        if name == "PASSWORD_VERIFIER" || name == "DEVICE_PASSWORD_VERIFIER" {
            let device = name == "DEVICE_PASSWORD_VERIFIER";
            let state = self.check_claim(&client, &params, now, device)?;
            let mut flow = state.flow;
            if state.device.is_some() {
                flow.history.push(ChallengeResult {
                    challenge_name: "DEVICE_PASSWORD_VERIFIER".into(),
                    succeeded: true,
                });
                return Ok(self.tokens(&flow, true, now, rng));
            }
            if let Some(key) = params.get("DEVICE_KEY").and_then(Value::as_str) {
                flow.device_key = Some(key.to_owned());
            } else {
                flow.device_key = None;
            }
            self.check_device(&flow)?;
            flow.password_done = true;
            if flow.flow == "CUSTOM_AUTH" {
                flow.history.push(ChallengeResult {
                    challenge_name: "PASSWORD_VERIFIER".into(),
                    succeeded: true,
                });
                return Ok(self.custom_next(flow, now, rng));
            }
            return Ok(self.after_first_factor(flow, now, rng));
        }
        let session_id = str_field(req, "Session")
            .map_err(|_| invalid_session())?
            .to_owned();
        let Some(pending) = self.sessions.remove(&session_id) else {
            return Err(invalid_session());
        };
        if pending.flow.client_id != client.client_id || pending.flow.admin != admin {
            return Err(invalid_session());
        }
        let mut flow = pending.flow.clone();
        let username = param(&params, "USERNAME")?;
        if username != flow.username {
            return Err(err(
                "NotAuthorizedException",
                "Invalid session for the user.",
            ));
        }
        Self::check_secret_hash(&client, &params, &username)?;
        if let Some(key) = params.get("DEVICE_KEY").and_then(Value::as_str) {
            flow.device_key = Some(key.to_owned());
        }
        let created = pending.created;
        match (pending.awaiting, name.as_str()) {
            (Awaiting::NewPassword, "NEW_PASSWORD_REQUIRED") => {
                let password = param(&params, "NEW_PASSWORD")?;
                let mut attributes = BTreeMap::new();
                for (k, v) in &params {
                    if let Some(attr) = k.strip_prefix("userAttributes.") {
                        if ["sub", "email_verified", "phone_number_verified"].contains(&attr) {
                            self.restore(session_id, flow.clone(), Awaiting::NewPassword, created);
                            return Err(err(
                                "InvalidParameterException",
                                &format!("Cannot modify the non-mutable attribute {attr}"),
                            ));
                        }
                        attributes
                            .insert(attr.to_owned(), v.as_str().unwrap_or_default().to_owned());
                    }
                }
                let user_attrs = self
                    .user(&flow.username)
                    .map(|u| u.attributes.clone())
                    .unwrap_or_default();
                if let Some(missing) = self
                    .config
                    .required_attributes
                    .iter()
                    .find(|a| !user_attrs.contains_key(*a) && !attributes.contains_key(*a))
                {
                    let message = format!("Invalid attributes given, {missing} is missing");
                    self.restore(session_id, flow, Awaiting::NewPassword, created);
                    return Err(err("InvalidParameterException", &message));
                }
                if password.chars().count() < self.config.password_min_length
                    || password.chars().any(char::is_whitespace)
                {
                    self.restore(session_id, flow, Awaiting::NewPassword, created);
                    return Err(err(
                        "InvalidPasswordException",
                        "Password does not conform to policy: Password not long enough",
                    ));
                }
                let identity =
                    Identity::user(&self.id, &flow.username).map_err(|_| bad_credentials())?;
                let verifier = Verifier::generate(&identity, &Password::new(password), rng);
                let user = self.user_mut(&flow.username).ok_or_else(bad_credentials)?;
                user.verifier = verifier;
                user.status = UserStatus::Confirmed;
                user.attributes.extend(attributes);
                Ok(self.after_first_factor(flow, now, rng))
            }
            (
                Awaiting::Code {
                    challenge,
                    key,
                    code,
                    attempts,
                    enrol_email,
                },
                n,
            ) if n == challenge => {
                let given = param(&params, key)?;
                if !ct_eq(given.as_bytes(), code.as_bytes()) {
                    if attempts < 4 {
                        let awaiting = Awaiting::Code {
                            challenge,
                            key,
                            code,
                            attempts: attempts + 1,
                            enrol_email,
                        };
                        self.restore(session_id, flow, awaiting, created);
                    }
                    return Err(err(
                        "CodeMismatchException",
                        "Invalid code received for user",
                    ));
                }
                if enrol_email && let Some(u) = self.user_mut(&flow.username) {
                    u.email_mfa = true;
                }
                flow.mfa_done = true;
                Ok(self.after_first_factor(flow, now, rng))
            }
            (Awaiting::Totp { attempts }, "SOFTWARE_TOKEN_MFA") => {
                let given = param(&params, "SOFTWARE_TOKEN_MFA_CODE")?;
                let secret = self
                    .totp_secret(&flow.username)
                    .unwrap_or_default()
                    .to_owned();
                if !totp::verify(&secret, &given, now) {
                    if attempts < 4 {
                        self.restore(
                            session_id,
                            flow,
                            Awaiting::Totp {
                                attempts: attempts + 1,
                            },
                            created,
                        );
                    }
                    return Err(err(
                        "CodeMismatchException",
                        "Invalid code received for user",
                    ));
                }
                flow.mfa_done = true;
                Ok(self.after_first_factor(flow, now, rng))
            }
            (Awaiting::SelectMfa(options), "SELECT_MFA_TYPE") => {
                let answer = param(&params, "ANSWER")?;
                if !options.contains(&answer) {
                    return Err(err("InvalidParameterException", "Invalid MFA type."));
                }
                Ok(self.mfa_challenge(flow, &answer, now, rng))
            }
            (
                Awaiting::MfaSetup {
                    options,
                    secret,
                    verified,
                },
                "MFA_SETUP",
            ) => {
                if let Some(email) = params.get("EMAIL").and_then(Value::as_str) {
                    if !options.iter().any(|o| o == "EMAIL_OTP") {
                        return Err(err(
                            "InvalidParameterException",
                            "Email MFA is not enabled.",
                        ));
                    }
                    if let Some(u) = self.user_mut(&flow.username) {
                        u.attributes.insert("email".into(), email.to_owned());
                    }
                    return Ok(self.send_code(flow, "EMAIL_OTP", "EMAIL", "email", true, now, rng));
                }
                let (Some(secret), true) = (secret, verified) else {
                    return Err(err(
                        "NotAuthorizedException",
                        "Software token MFA has not been verified.",
                    ));
                };
                if let Some(u) = self.user_mut(&flow.username) {
                    u.totp_secret = Some(secret);
                    u.preferred_mfa = Some("SOFTWARE_TOKEN_MFA".into());
                }
                flow.mfa_done = true;
                Ok(self.after_first_factor(flow, now, rng))
            }
            (Awaiting::Custom(challenge), "CUSTOM_CHALLENGE") => {
                let answer = param(&params, "ANSWER")?;
                let right = match &mut self.custom {
                    Some(c) => c.verify(&flow.username, &challenge, &answer),
                    None => false,
                };
                flow.history.push(ChallengeResult {
                    challenge_name: "CUSTOM_CHALLENGE".into(),
                    succeeded: right,
                });
                Ok(self.custom_next(flow, now, rng))
            }
            (Awaiting::SelectChallenge(available), "SELECT_CHALLENGE") => {
                let answer = param(&params, "ANSWER")?;
                if !available.contains(&answer) {
                    return Err(err(
                        "InvalidParameterException",
                        "The challenge is not available.",
                    ));
                }
                match answer.as_str() {
                    "PASSWORD" => {
                        let password = Password::new(param(&params, "PASSWORD")?);
                        if !self.password_matches(&flow.username, &password) {
                            return Err(bad_credentials());
                        }
                        flow.password_done = true;
                        Ok(self.after_first_factor(flow, now, rng))
                    }
                    "PASSWORD_SRP" => {
                        let srp_a = param(&params, "SRP_A")?;
                        self.password_verifier(flow, &srp_a, now, rng)
                    }
                    other => {
                        let other = other.to_owned();
                        Ok(self.first_factor_code(flow, &other, now, rng))
                    }
                }
            }
            (Awaiting::DeviceSrpAuth, "DEVICE_SRP_AUTH") => {
                let key = param(&params, "DEVICE_KEY")?;
                let srp_a = param(&params, "SRP_A")?;
                let device = self.user(&flow.username).and_then(|u| u.devices.get(&key));
                let Some((Some(verifier), group)) =
                    device.map(|d| (d.verifier.clone(), d.group_key.clone()))
                else {
                    return Err(err("ResourceNotFoundException", "Device does not exist."));
                };
                flow.device_key = Some(key.clone());
                let username = flow.username.clone();
                let device = Some((group, key.clone()));
                let mut reply = self.issue_srp(flow, verifier, &srp_a, device, now, rng)?;
                reply.insert("USERNAME".into(), Value::String(username));
                reply.insert("DEVICE_KEY".into(), Value::String(key));
                let session = random_b64(rng, 96);
                Ok(ok(
                    json!({"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": session,
                    "ChallengeParameters": reply}),
                ))
            }
            _ => Err(err(
                "InvalidParameterException",
                "The challenge name does not match the session.",
            )),
        }
    }

    /// Puts a session back after an answer Cognito lets the user retry.
    fn restore(&mut self, id: String, flow: Flow, awaiting: Awaiting, created: u64) {
        self.sessions.insert(
            id,
            PendingSession {
                flow,
                awaiting,
                created,
            },
        );
    }

    fn associate<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let Ok(id) = str_field(req, "Session") else {
            return err(
                "InvalidParameterException",
                "Session or AccessToken is required.",
            );
        };
        let Some(mut pending) = self.sessions.remove(id) else {
            return invalid_session();
        };
        let Awaiting::MfaSetup { options, .. } = pending.awaiting else {
            return invalid_session();
        };
        if !options.iter().any(|o| o == "SOFTWARE_TOKEN_MFA") {
            return err(
                "SoftwareTokenMFANotFoundException",
                "Software token MFA is not enabled.",
            );
        }
        let mut key = [0u8; 20];
        rng.fill_bytes(&mut key);
        let secret = totp::base32_encode(&key);
        pending.awaiting = Awaiting::MfaSetup {
            options,
            secret: Some(secret.clone()),
            verified: false,
        };
        pending.created = now.0;
        let session = random_b64(rng, 96);
        self.sessions.insert(session.clone(), pending);
        ok(json!({"SecretCode": secret, "Session": session}))
    }

    fn verify_software_token<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let Ok(id) = str_field(req, "Session") else {
            return err(
                "InvalidParameterException",
                "Session or AccessToken is required.",
            );
        };
        let Ok(code) = str_field(req, "UserCode") else {
            return err("InvalidParameterException", "UserCode is required.");
        };
        let code = code.to_owned();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return err(
                "InvalidParameterException",
                "1 validation error detected: Value at 'userCode' failed to satisfy constraint",
            );
        }
        let id = id.to_owned();
        let Some(mut pending) = self.sessions.remove(&id) else {
            return invalid_session();
        };
        let Awaiting::MfaSetup {
            options,
            secret: Some(secret),
            ..
        } = pending.awaiting
        else {
            return invalid_session();
        };
        if !totp::verify(&secret, &code, now) {
            pending.awaiting = Awaiting::MfaSetup {
                options,
                secret: Some(secret),
                verified: false,
            };
            self.sessions.insert(id, pending);
            return err("EnableSoftwareTokenMFAException", "Code mismatch");
        }
        pending.awaiting = Awaiting::MfaSetup {
            options,
            secret: Some(secret),
            verified: true,
        };
        pending.created = now.0;
        let session = random_b64(rng, 96);
        self.sessions.insert(session.clone(), pending);
        ok(json!({"Status": "SUCCESS", "Session": session}))
    }

    /// Issues tokens, with `NewDeviceMetadata` when tracking is on and no known device was
    /// used.
    fn tokens<R: CryptoRng + ?Sized>(
        &mut self,
        flow: &Flow,
        device_used: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let Some(client) = self.clients.get(&flow.client_id).cloned() else {
            return bad_credentials();
        };
        let mut result = self.token_set(
            &client,
            &flow.username,
            flow.device_key.as_deref().filter(|_| device_used),
            now,
            rng,
        );
        let refresh = random_b64(rng, 48);
        self.refresh_tokens.insert(
            refresh.clone(),
            RefreshInfo {
                username: flow.username.clone(),
                client_id: client.client_id.clone(),
                device_key: flow.device_key.clone().filter(|_| device_used),
            },
        );
        result.insert("RefreshToken".into(), Value::String(refresh));
        if self.config.device_tracking != DeviceTracking::Off && !device_used {
            let key = format!("{}_{}", self.region, uuid(rng));
            let group = format!("-{}", random_b64(rng, 6));
            if let Some(u) = self.user_mut(&flow.username) {
                u.devices.insert(
                    key.clone(),
                    Device {
                        group_key: group.clone(),
                        verifier: None,
                        remembered: false,
                    },
                );
            }
            result.insert(
                "NewDeviceMetadata".into(),
                json!({"DeviceKey": key, "DeviceGroupKey": group}),
            );
        }
        ok(json!({"ChallengeParameters": {}, "AuthenticationResult": result}))
    }

    fn token_set<R: CryptoRng + ?Sized>(
        &mut self,
        client: &AppClient,
        username: &str,
        device_key: Option<&str>,
        now: UnixTime,
        rng: &mut R,
    ) -> Map<String, Value> {
        let (sub, attributes) = self
            .user(username)
            .map(|u| (u.sub.clone(), u.attributes.clone()))
            .unwrap_or_default();
        let iss = format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.region, self.id
        );
        let exp = now.0.saturating_add(client.token_validity);
        let event_id = uuid(rng);
        let mut access = json!({
            "sub": sub, "iss": iss, "client_id": client.client_id, "origin_jti": uuid(rng),
            "event_id": event_id, "token_use": "access", "scope": "aws.cognito.signin.user.admin",
            "auth_time": now.0, "exp": exp, "iat": now.0, "jti": uuid(rng), "username": username,
        });
        if let (Some(k), Value::Object(m)) = (device_key, &mut access) {
            m.insert("device_key".into(), Value::String(k.to_owned()));
        }
        let mut id = json!({
            "sub": sub, "iss": iss, "aud": client.client_id, "event_id": event_id, "token_use": "id",
            "auth_time": now.0, "exp": exp, "iat": now.0, "cognito:username": username,
        });
        for (k, v) in &attributes {
            if let Value::Object(m) = &mut id {
                m.insert(k.clone(), Value::String(v.clone()));
            }
        }
        let access_token = self.sign(&access);
        self.access_tokens.insert(
            access_token.clone(),
            TokenInfo {
                username: username.to_owned(),
                expires: exp,
            },
        );
        let mut out = Map::new();
        out.insert("AccessToken".into(), Value::String(access_token));
        out.insert("IdToken".into(), Value::String(self.sign(&id)));
        out.insert("ExpiresIn".into(), json!(client.token_validity));
        out.insert("TokenType".into(), json!("Bearer"));
        out
    }

    /// A JWT signed with HS256 and the pool's test key.
    fn sign(&self, claims: &Value) -> String {
        let header =
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"cognito-signin-test"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let input = format!("{header}.{payload}");
        let signature = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(input.as_bytes());
                URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        };
        format!("{input}.{signature}")
    }

    fn refresh<R: CryptoRng + ?Sized>(
        &mut self,
        client: &AppClient,
        params: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        if client.refresh_token_rotation {
            return Err(err(
                "NotAuthorizedException",
                "Refresh token rotation is enabled: use GetTokensFromRefreshToken.",
            ));
        }
        let token = param(params, "REFRESH_TOKEN")?;
        let Some(info) = self.refresh_tokens.get(&token) else {
            return Err(err("NotAuthorizedException", "Invalid Refresh Token"));
        };
        if info.client_id != client.client_id {
            return Err(err("NotAuthorizedException", "Invalid Refresh Token"));
        }
        let username = info.username.clone();
        let device = info.device_key.clone();
        Self::check_secret_hash(client, params, &username)?;
        if device.is_some() && params.get("DEVICE_KEY").and_then(Value::as_str) != device.as_deref()
        {
            return Err(err("NotAuthorizedException", "Invalid Refresh Token"));
        }
        if self.user(&username).is_none_or(|u| !u.enabled) {
            return Err(err("NotAuthorizedException", "Invalid Refresh Token"));
        }
        let result = self.token_set(client, &username, device.as_deref(), now, rng);
        Ok(ok(
            json!({"ChallengeParameters": {}, "AuthenticationResult": result}),
        ))
    }

    fn get_tokens_from_refresh<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let client = match self.client(req) {
            Ok(c) => c.clone(),
            Err(e) => return e,
        };
        if let Some(secret) = &client.client_secret {
            let given = req
                .get("ClientSecret")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !ct_eq(given.as_bytes(), secret.expose_secret().as_bytes()) {
                return err(
                    "NotAuthorizedException",
                    &format!(
                        "Unable to verify secret hash for client {}",
                        client.client_id
                    ),
                );
            }
        }
        let Ok(token) = str_field(req, "RefreshToken") else {
            return err("InvalidParameterException", "RefreshToken is required.");
        };
        let token = token.to_owned();
        let Some(info) = self.refresh_tokens.get(&token) else {
            return err("NotAuthorizedException", "Invalid Refresh Token");
        };
        if info.client_id != client.client_id {
            return err("NotAuthorizedException", "Invalid Refresh Token");
        }
        let (username, device) = (info.username.clone(), info.device_key.clone());
        if device.is_some() && req.get("DeviceKey").and_then(Value::as_str) != device.as_deref() {
            return err("NotAuthorizedException", "Invalid Refresh Token");
        }
        let mut result = self.token_set(&client, &username, device.as_deref(), now, rng);
        if client.refresh_token_rotation {
            self.refresh_tokens.remove(&token);
            let next = random_b64(rng, 48);
            self.refresh_tokens.insert(
                next.clone(),
                RefreshInfo {
                    username,
                    client_id: client.client_id.clone(),
                    device_key: device,
                },
            );
            result.insert("RefreshToken".into(), Value::String(next));
        }
        ok(json!({"AuthenticationResult": result}))
    }

    fn token_user(&self, req: &Map<String, Value>, now: UnixTime) -> Result<String, ServerReply> {
        let token = str_field(req, "AccessToken")?;
        match self.access_tokens.get(token) {
            Some(info) if now.0 < info.expires => Ok(info.username.clone()),
            _ => Err(err("NotAuthorizedException", "Invalid Access Token")),
        }
    }

    fn try_confirm_device(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.token_user(req, now)?;
        let key = str_field(req, "DeviceKey")?.to_owned();
        let config = req
            .get("DeviceSecretVerifierConfig")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                err(
                    "InvalidParameterException",
                    "DeviceSecretVerifierConfig is required.",
                )
            })?;
        let verifier = Verifier::from_config(
            config
                .get("Salt")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            config
                .get("PasswordVerifier")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
        .map_err(|_| {
            err(
                "InvalidParameterException",
                "Negate value passed for salt and Password verifier",
            )
        })?;
        let opt_in = self.config.device_tracking == DeviceTracking::UserOptIn;
        let device = self
            .user_mut(&username)
            .ok_or_else(|| err("UserNotFoundException", "User does not exist."))?
            .devices
            .get_mut(&key)
            .ok_or_else(|| err("ResourceNotFoundException", "Device does not exist."))?;
        if device.verifier.is_some() {
            return Err(err("DeviceKeyExistsException", "Device already confirmed."));
        }
        device.verifier = Some(verifier);
        device.remembered = !opt_in;
        Ok(ok(json!({"UserConfirmationNecessary": opt_in})))
    }

    fn update_device_status(&mut self, req: &Map<String, Value>, now: UnixTime) -> ServerReply {
        let username = match self.token_user(req, now) {
            Ok(u) => u,
            Err(e) => return e,
        };
        let (Ok(key), Ok(status)) = (
            str_field(req, "DeviceKey"),
            str_field(req, "DeviceRememberedStatus"),
        ) else {
            return err(
                "InvalidParameterException",
                "DeviceKey and DeviceRememberedStatus are required.",
            );
        };
        let remembered = match status {
            "remembered" => true,
            "not_remembered" => false,
            _ => {
                return err(
                    "InvalidParameterException",
                    "Invalid DeviceRememberedStatus.",
                );
            }
        };
        let key = key.to_owned();
        match self
            .user_mut(&username)
            .and_then(|u| u.devices.get_mut(&key))
        {
            Some(d) if d.verifier.is_some() => {
                d.remembered = remembered;
                ok(json!({}))
            }
            _ => err("ResourceNotFoundException", "Device does not exist."),
        }
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

fn mask(destination: &str) -> String {
    let visible: String = destination
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if destination.contains('@') {
        let first = destination
            .chars()
            .next()
            .map(|c| c.to_string())
            .unwrap_or_default();
        format!("{first}***@***")
    } else {
        format!("+*******{visible}")
    }
}

fn str_field<'a>(req: &'a Map<String, Value>, name: &str) -> Result<&'a str, ServerReply> {
    req.get(name).and_then(Value::as_str).ok_or_else(|| {
        err(
            "InvalidParameterException",
            &format!("Missing required parameter {name}"),
        )
    })
}

fn map_field(req: &Map<String, Value>, name: &str) -> Result<Map<String, Value>, ServerReply> {
    match req.get(name) {
        Some(Value::Object(m)) if m.values().all(Value::is_string) => Ok(m.clone()),
        Some(_) => Err(err(
            "SerializationException",
            &format!("{name} must be a map of strings."),
        )),
        None => Err(err(
            "InvalidParameterException",
            &format!("Missing required parameter {name}"),
        )),
    }
}

fn param(params: &Map<String, Value>, name: &str) -> Result<String, ServerReply> {
    params
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            err(
                "InvalidParameterException",
                &format!("Missing required parameter {name}"),
            )
        })
}
