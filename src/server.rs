//! A reference Cognito user pool: a sans-IO, in-memory model of the service's sign-in side,
//! for offline tests of any Cognito client (feature `server`).
//!
//! [`UserPool::handle`] takes one request (the operation and its JSON body) with the caller's
//! `now` and random source and returns the reply exactly as Cognito shapes it: status, JSON
//! body and error type. It serves `InitiateAuth`, `RespondToAuthChallenge`,
//! `AdminInitiateAuth`, `AdminRespondToAuthChallenge`, `AssociateSoftwareToken`,
//! `VerifySoftwareToken`, `ConfirmDevice`, `UpdateDeviceStatus` and
//! `GetTokensFromRefreshToken`, and the operations around them: `AdminCreateUser`,
//! `AdminSetUserPassword`, `AdminGetUser`, `GetUser`, `ListUsers`, `AdminDeleteUser`,
//! `AdminEnableUser`, `AdminDisableUser`, `AdminUpdateUserAttributes`,
//! `AdminSetUserMFAPreference`, `SetUserMFAPreference`, `ListDevices`, `AdminListDevices`,
//! `GetDevice`, `AdminGetDevice`, `ForgetDevice`, `AdminForgetDevice`, `RevokeToken`,
//! `GlobalSignOut` and `AdminUserGlobalSignOut`. Creating pools and app clients is the
//! embedder's part: [`UserPool::new`], [`UserPool::add_client`].
//!
//! It verifies strictly: SRP claims with this crate's server-side SRP, `SECRET_HASH` on every
//! leg, the `TIMESTAMP`'s canonical form and skew, TOTP codes (RFC 6238, ±1 step), SMS and
//! email codes (read them from [`UserPool::take_outbox`]), sessions single-use and expiring
//! (3 minutes by default), device verifiers and device SRP, allowed auth flows, user status.
//!
//! A server that holds the pool behind a lock can keep the SRP exponentiations out of it:
//! [`UserPool::add_ephemeral`] takes a `g^b` computed ahead, and after
//! [`UserPool::defer_srp_work`] each SRP run leaves its claim's exponentiations as
//! [`SrpWork`] to run anywhere and hand back with [`UserPool::complete_srp_work`]. What is
//! lasting (users, devices, tokens, the outbox) moves in and out as JSON with
//! [`UserPool::export_state`] and [`UserPool::import_state`].
//!
//! Where it is simpler than Cognito:
//! - Tokens are JWTs with Cognito's claims, signed by a [`TokenSigner`] the embedder sets
//!   (RS256 with a published JWKS, as Cognito), else with HS256 and a per-pool random key.
//! - `Admin*` operations are served as if their SigV4 signature had been checked: the model has
//!   no IAM. An HTTP front should check signatures itself if it needs to.
//! - No Lambda triggers but the custom-auth ones ([`CustomAuth`]); no WebAuthn; no
//!   threat protection, no lockout after failed attempts, no rate limits.
//! - No Lambda configuration at all; `AdminCreateUser` sends its temporary password to the
//!   outbox, never by SMS or email.
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

mod admin;
mod auth;
mod challenges;
mod checks;
mod config;
mod custom;
mod devices;
mod mfa;
mod mfa_setup;
mod replies;
mod snapshot;
mod srp_auth;
mod state;
mod tokens;
mod totp;
mod user_auth;

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::CryptoRng;
use serde_json::{Map, Value};

use crate::error::{Error, Misuse};
use crate::srp::{Identity, Premaster, ServerEphemeral, ServerSession, Verifier};
use crate::time::UnixTime;

use replies::err;
use state::{PendingSession, RefreshInfo, SrpState, TokenInfo, User};

pub use config::{AppClient, DeviceTracking, MfaMode, NewUser, PoolConfig, UserStatus};
pub use custom::{ChallengeResult, CustomAuth, CustomChallenge, CustomStep};
pub use replies::ServerReply;
pub use tokens::TokenSigner;
pub use totp::totp_code;

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
    signer: Option<Box<dyn TokenSigner>>,
    issuer: Option<String>,
    ephemerals: Vec<ServerEphemeral>,
    deferred: Option<Vec<SrpWork>>,
}

/// The most ephemerals a pool keeps in reserve ([`UserPool::add_ephemeral`]).
const EPHEMERAL_RESERVE: usize = 64;

/// The exponentiations of one SRP run that need nothing of the pool: `S` for the client's
/// `SRP_A`. A server takes them out with [`UserPool::take_srp_work`] (after turning deferral
/// on with [`UserPool::defer_srp_work`]), runs them outside its lock, and hands the results
/// back with [`UserPool::complete_srp_work`] before the client's claim arrives. `Debug`
/// shows nothing: the run's `b` is inside.
pub struct SrpWork {
    key: String,
    session: ServerSession,
    srp_a: String,
}

impl fmt::Debug for SrpWork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpWork").finish_non_exhaustive()
    }
}

impl SrpWork {
    /// Runs the exponentiations (about two 3072-bit ones).
    #[must_use]
    pub fn run(self) -> SrpWorkDone {
        SrpWorkDone {
            premaster: self.session.compute_premaster(&self.srp_a).ok(),
            key: self.key,
        }
    }
}

/// The result of [`SrpWork::run`], for [`UserPool::complete_srp_work`].
pub struct SrpWorkDone {
    key: String,
    premaster: Option<Premaster>,
}

impl fmt::Debug for SrpWorkDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpWorkDone").finish_non_exhaustive()
    }
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
    // Version 4 (random), RFC 9562 variant.
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
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

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
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
            signer: None,
            issuer: None,
            ephemerals: Vec::new(),
            deferred: None,
        })
    }

    /// Adds (or replaces) an app client.
    pub fn add_client(&mut self, client: AppClient) {
        self.clients.insert(client.client_id.clone(), client);
    }

    /// Signs the tokens with `signer` from now on (HS256 with a random key until then).
    pub fn set_token_signer(&mut self, signer: Box<dyn TokenSigner>) {
        self.signer = Some(signer);
    }

    /// Sets the tokens' `iss` (for a server whose JWKS is not at Cognito's address).
    pub fn set_issuer(&mut self, issuer: impl Into<String>) {
        self.issuer = Some(issuer.into());
    }

    /// The pool id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How the pool behaves.
    #[must_use]
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Changes how the pool behaves (`SetUserPoolMfaConfig`, `UpdateUserPool`).
    pub fn config_mut(&mut self) -> &mut PoolConfig {
        &mut self.config
    }

    /// The app client `client_id`.
    #[must_use]
    pub fn app_client(&self, client_id: &str) -> Option<&AppClient> {
        self.clients.get(client_id)
    }

    /// The app clients.
    pub fn clients(&self) -> impl Iterator<Item = &AppClient> {
        self.clients.values()
    }

    /// Whether a request of this pool's belongs here: its `ClientId` names one of its app
    /// clients, or its `AccessToken` or `Session` is one the pool issued.
    /// A server with several pools routes by it.
    #[must_use]
    pub fn owns(&self, request: &Map<String, Value>) -> bool {
        let field = |name: &str| request.get(name).and_then(Value::as_str);
        field("ClientId").is_some_and(|c| self.clients.contains_key(c))
            || field("AccessToken").is_some_and(|t| self.access_tokens.contains_key(t))
            || field("Session")
                .is_some_and(|s| self.sessions.contains_key(s) || self.srp.contains_key(s))
    }

    /// Gives the pool an SRP ephemeral computed ahead (for example outside a lock, by
    /// [`ServerEphemeral::generate`] with [`PrivateSize::Bits256`](crate::srp::PrivateSize)):
    /// the next SRP run uses it instead of computing `g^b` itself. At most 64 are kept.
    pub fn add_ephemeral(&mut self, ephemeral: ServerEphemeral) {
        if self.ephemerals.len() < EPHEMERAL_RESERVE {
            self.ephemerals.push(ephemeral);
        }
    }

    /// How many users the pool has.
    #[must_use]
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// How many ephemerals the pool holds in reserve.
    #[must_use]
    pub fn ephemerals_in_reserve(&self) -> usize {
        self.ephemerals.len()
    }

    /// From now on, each SRP run leaves its claim's exponentiations for
    /// [`take_srp_work`](Self::take_srp_work) as well; a claim that arrives before its work
    /// is completed is checked from scratch, so nothing depends on the work being done.
    pub fn defer_srp_work(&mut self) {
        self.deferred.get_or_insert_with(Vec::new);
    }

    /// The SRP work left since the last call (see [`SrpWork`]).
    pub fn take_srp_work(&mut self) -> Vec<SrpWork> {
        self.deferred
            .as_mut()
            .map(core::mem::take)
            .unwrap_or_default()
    }

    /// Hands back finished work: the claim of that SRP run is then checked with hashes only.
    /// Work of a run that has ended or expired is dropped.
    pub fn complete_srp_work(&mut self, done: SrpWorkDone) {
        if let (Some(state), Some(p)) = (self.srp.get_mut(&done.key), done.premaster) {
            state.premaster = Some(p);
        }
    }

    /// Removes an app client (`DeleteUserPoolClient`), with the refresh tokens issued to it.
    pub fn remove_client(&mut self, client_id: &str) -> Option<AppClient> {
        self.refresh_tokens.retain(|_, r| r.client_id != client_id);
        self.clients.remove(client_id)
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
        self.add_user_at(user, UnixTime(0), rng)
    }

    /// [`add_user`](Self::add_user), with `now` as the user's creation date.
    ///
    /// # Errors
    /// As [`add_user`](Self::add_user).
    pub fn add_user_at<R: CryptoRng + ?Sized>(
        &mut self,
        user: NewUser,
        now: UnixTime,
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
            totp_enabled: user.totp_secret.is_some(),
            totp_secret: user.totp_secret,
            totp_pending: None,
            sms_mfa: user.sms_mfa,
            email_mfa: user.email_mfa,
            preferred_mfa: user.preferred_mfa,
            enabled: user.enabled,
            devices: BTreeMap::new(),
            created: now.0,
            modified: now.0,
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

    /// Finds a user by username, username attribute or alias.
    fn find(&self, name: &str) -> Option<&User> {
        let by_attribute = || {
            self.users.iter().find(|u| {
                self.config.username_attributes.iter().any(|a| {
                    u.attributes
                        .get(a)
                        .is_some_and(|v| v.eq_ignore_ascii_case(name))
                })
            })
        };
        self.user(name).or_else(by_attribute).or_else(|| {
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
        if let Some(reply) = self.handle_admin(op, req, now, rng) {
            return reply;
        }
        let with_token = req.contains_key("AccessToken");
        match op {
            "AssociateSoftwareToken" if with_token => self.associate_with_token(req, now, rng),
            "AssociateSoftwareToken" => self.associate(req, now, rng),
            "VerifySoftwareToken" if with_token => self.verify_with_token(req, now),
            "VerifySoftwareToken" => self.verify_software_token(req, now, rng),
            "UpdateDeviceStatus" => self.update_device_status(req, now),
            "GetTokensFromRefreshToken" => self.get_tokens_from_refresh(req, now, rng),
            _ => err(
                "UnknownOperationException",
                &format!("The operation {op} is not served by this user pool."),
            ),
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
}
