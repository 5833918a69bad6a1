//! The machine's states and every transition: `start`, `handle` (a reply came back) and
//! `answer` (the user answered). Each state carries the data of its phase, so that a phase
//! without its data cannot be represented.

mod ask;
mod reply;

use alloc::borrow::{Cow, ToOwned};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{
    Challenge, Config, DeviceCredentials, FirstFactor, MfaType, Response, SignedIn, Start,
    StartKind, Step, Tokens,
};
use crate::error::{Error, ErrorKind, Misuse, ServiceError};
use crate::secret::{Password, RefreshToken};
use crate::secret_hash::secret_hash;
use crate::srp::Ephemeral;
use crate::time::{UnixTime, parse_http_date};
use crate::wire::reply::Raw;
use crate::wire::vocab::{AuthFlow, ChallengeName, param};
use crate::wire::{self, Operation, Request};

/// A request's parameters (`AuthParameters` / `ChallengeResponses`); values may be secret.
type Params = Vec<(Cow<'static, str>, Zeroizing<String>)>;

fn p(key: &'static str, value: &str) -> (Cow<'static, str>, Zeroizing<String>) {
    (Cow::Borrowed(key), Zeroizing::new(value.to_owned()))
}

/// The machine: configuration, what lasts the whole sign-in, and the current state.
pub(crate) struct Machine {
    config: Config,
    ctx: Context,
    state: State,
}

/// What lasts the whole sign-in.
struct Context {
    admin: bool,
    /// `USERNAME` for the next request: typed, then the service's name for the user.
    username: String,
    session: Option<String>,
    /// This user's remembered device, matched by username ([`Machine::match_device`]).
    device: Option<DeviceCredentials>,
    /// A device key given for a refresh ([`Start::with_device_key`]).
    refresh_device_key: Option<String>,
    /// The device was sent and the service no longer knows it: it is not sent again.
    device_forgotten: bool,
    /// Server clock minus the caller's, in seconds, from the last `Date` header.
    clock_offset: i64,
}

impl Context {
    /// The `DEVICE_KEY` this user's requests carry.
    fn device_key(&self) -> Option<&str> {
        self.device
            .as_ref()
            .map(|d| d.device_key.as_str())
            .or(self.refresh_device_key.as_deref())
    }

    /// The caller's `now` corrected by the server's clock (uncorrected where the sum would
    /// leave Cognito's range: `now` itself was checked).
    fn server_now(&self, now: UnixTime) -> UnixTime {
        let t = i128::from(now.0) + i128::from(self.clock_offset);
        u64::try_from(t)
            .ok()
            .map(UnixTime)
            .filter(|t| t.cognito_timestamp().is_ok())
            .unwrap_or(now)
    }
}

/// The machine's state.
enum State {
    /// A request is in flight.
    Awaiting(Awaiting),
    /// A question is open.
    Asking(Asking),
    Done,
    Failed,
}

/// What the request in flight was, with what its reply is answered with.
enum Awaiting {
    /// `(Admin)InitiateAuth` or `(Admin)RespondToAuthChallenge` of a sign-in.
    Auth {
        call: Call,
        srp: Srp,
        /// The question to ask again if Cognito lets the user retry.
        reprompt: Option<Asking>,
    },
    /// `REFRESH_TOKEN_AUTH`: tokens or an error, never a challenge.
    Refresh { call: Call, token: RefreshToken },
    /// `GetTokensFromRefreshToken`.
    RefreshRotating { token: RefreshToken },
    /// `AssociateSoftwareToken`.
    Associate,
    /// `VerifySoftwareToken`, with the set-up to show again after a wrong code.
    Verify(TotpSetup),
    /// `ConfirmDevice`, with the tokens held back.
    ConfirmDevice(Registration),
    /// `UpdateDeviceStatus`, with the tokens held back.
    UpdateDevice(Registration),
}

/// The SRP run in flight: what the next verifier challenge is answered with.
enum Srp {
    None,
    /// `SRP_A` went out for the user: `PASSWORD_VERIFIER` comes next.
    User {
        ephemeral: Ephemeral,
        password: Password,
    },
    /// `SRP_A` went out for the device: `DEVICE_PASSWORD_VERIFIER` comes next.
    Device {
        ephemeral: Ephemeral,
    },
}

/// An `InitiateAuth` / `RespondToAuthChallenge` as sent, kept to send again without
/// `DEVICE_KEY` when the service has forgotten the device.
struct Call {
    kind: CallKind,
    params: Params,
}

enum CallKind {
    Initiate {
        flow: AuthFlow,
        session: Option<String>,
    },
    Respond {
        challenge: ChallengeName,
    },
}

impl Call {
    fn carries_device(&self) -> bool {
        self.params.iter().any(|(k, _)| k == param::DEVICE_KEY)
    }

    fn request(&self, ctx: &Context, config: &Config) -> Request {
        let map: wire::Params<'_> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()))
            .collect();
        let pool = ctx.admin.then_some(config.user_pool_id.as_str());
        match &self.kind {
            CallKind::Initiate { flow, session } => {
                let body = wire::InitiateAuth {
                    auth_flow: flow.name(),
                    client_id: &config.client_id,
                    user_pool_id: pool,
                    auth_parameters: map,
                    client_metadata: config.client_metadata.as_ref(),
                    session: session.as_deref(),
                };
                let op = if ctx.admin {
                    Operation::AdminInitiateAuth
                } else {
                    Operation::InitiateAuth
                };
                Request::new(op, wire::to_body(&body))
            }
            CallKind::Respond { challenge } => {
                let body = wire::RespondToAuthChallenge {
                    challenge_name: challenge.as_str(),
                    client_id: &config.client_id,
                    user_pool_id: pool,
                    challenge_responses: map,
                    session: ctx.session.as_deref(),
                    client_metadata: config.client_metadata.as_ref(),
                };
                let op = if ctx.admin {
                    Operation::AdminRespondToAuthChallenge
                } else {
                    Operation::RespondToAuthChallenge
                };
                Request::new(op, wire::to_body(&body))
            }
        }
    }

    fn operation(&self, admin: bool) -> Operation {
        match (&self.kind, admin) {
            (CallKind::Initiate { .. }, false) => Operation::InitiateAuth,
            (CallKind::Initiate { .. }, true) => Operation::AdminInitiateAuth,
            (CallKind::Respond { .. }, false) => Operation::RespondToAuthChallenge,
            (CallKind::Respond { .. }, true) => Operation::AdminRespondToAuthChallenge,
        }
    }
}

impl Awaiting {
    fn operation(&self, admin: bool) -> Operation {
        match self {
            Self::Auth { call, .. } | Self::Refresh { call, .. } => call.operation(admin),
            Self::RefreshRotating { .. } => Operation::GetTokensFromRefreshToken,
            Self::Associate => Operation::AssociateSoftwareToken,
            Self::Verify(_) => Operation::VerifySoftwareToken,
            Self::ConfirmDevice(_) => Operation::ConfirmDevice,
            Self::UpdateDevice(_) => Operation::UpdateDeviceStatus,
        }
    }
}

/// The question the machine waits on.
enum Asking {
    /// A code for `challenge` (SMS, TOTP, email, one-time code).
    Code {
        challenge: ChallengeName,
        prompt: Challenge,
    },
    SelectMfa(Vec<MfaType>),
    MfaSetup(Vec<MfaType>),
    TotpSetup(TotpSetup),
    NewPassword {
        required: Vec<String>,
        user_attributes: BTreeMap<String, String>,
    },
    Custom(BTreeMap<String, String>),
    SelectChallenge(Vec<String>),
    Password {
        srp: bool,
    },
    WebAuthn(String),
    RememberDevice(Registration),
}

/// The secret of a TOTP set-up under way, as shown to the user.
struct TotpSetup {
    secret_code: String,
    uri: String,
}

/// A new device being registered, and the tokens held back meanwhile.
struct Registration {
    tokens: Tokens,
    username: String,
    credentials: DeviceCredentials,
}

impl Machine {
    pub(crate) fn state_name(&self) -> &'static str {
        match self.state {
            State::Awaiting(_) => "awaiting reply",
            State::Asking(_) => "awaiting answer",
            State::Done => "done",
            State::Failed => "failed",
        }
    }

    pub(crate) fn username(&self) -> &str {
        &self.ctx.username
    }

    pub(crate) fn is_finished(&self) -> bool {
        matches!(self.state, State::Done | State::Failed)
    }

    /// Picks this user's record among the configured devices, by the current username.
    fn match_device(&mut self) {
        if self.ctx.device_forgotten {
            return;
        }
        let name = &self.ctx.username;
        self.ctx.device = (!name.is_empty())
            .then(|| self.config.devices.iter().find(|d| d.username == *name))
            .flatten()
            .cloned();
    }

    /// Adds `SECRET_HASH` over the current username and, when `device`, this user's
    /// `DEVICE_KEY`.
    fn add_common(&self, params: &mut Params, device: bool) {
        if let Some(secret) = &self.config.client_secret {
            let hash = secret_hash(secret, &self.ctx.username, &self.config.client_id);
            params.push(p(param::SECRET_HASH, &hash));
        }
        if device && let Some(key) = self.ctx.device_key() {
            params.push(p(param::DEVICE_KEY, key));
        }
    }

    /// `RespondToAuthChallenge` to `challenge`: `USERNAME`, `extra`, `SECRET_HASH` and, when
    /// `device`, `DEVICE_KEY`.
    fn respond(&self, challenge: ChallengeName, extra: Params, device: bool) -> Call {
        let mut params = alloc::vec![p(param::USERNAME, &self.ctx.username)];
        params.extend(extra);
        self.add_common(&mut params, device);
        Call {
            kind: CallKind::Respond { challenge },
            params,
        }
    }

    /// Sends `call` and waits for its reply.
    fn send(&self, call: Call, srp: Srp, reprompt: Option<Asking>) -> (State, Step) {
        let request = call.request(&self.ctx, &self.config);
        (
            State::Awaiting(Awaiting::Auth {
                call,
                srp,
                reprompt,
            }),
            Step::Send(request),
        )
    }

    /// Sends a one-parameter answer to `challenge` (besides `USERNAME`, `SECRET_HASH` and,
    /// when `device`, `DEVICE_KEY`).
    fn send_one(
        &self,
        challenge: ChallengeName,
        key: &'static str,
        value: &str,
        device: bool,
    ) -> (State, Step) {
        let call = self.respond(challenge, alloc::vec![p(key, value)], device);
        self.send(call, Srp::None, None)
    }

    // -----------------------------------------------------------------------------------
    // Start
    // -----------------------------------------------------------------------------------

    pub(crate) fn start<R: CryptoRng + ?Sized>(
        config: Config,
        start: Start,
        _now: UnixTime,
        rng: &mut R,
    ) -> Result<(Self, Request), Error> {
        let Start {
            kind,
            admin,
            session,
            device_key,
        } = start;
        let refresh = matches!(
            kind,
            StartKind::Refresh { .. } | StartKind::RefreshRotating { .. }
        );
        if session.is_some() && !matches!(kind, StartKind::UserAuth { .. }) {
            return Err(Misuse::BadArgument("session").into());
        }
        if device_key.is_some() && !refresh {
            return Err(Misuse::BadArgument("device_key").into());
        }
        let mut machine = Self {
            ctx: Context {
                admin,
                username: String::new(),
                session: None,
                device: None,
                refresh_device_key: device_key,
                device_forgotten: false,
                clock_offset: 0,
            },
            config,
            state: State::Failed,
        };
        let (state, request) = machine.first_request(kind, session, rng)?;
        machine.state = state;
        Ok((machine, request))
    }

    fn first_request<R: CryptoRng + ?Sized>(
        &mut self,
        kind: StartKind,
        session: Option<String>,
        rng: &mut R,
    ) -> Result<(State, Request), Error> {
        let size = self.config.private_size;
        let mut params: Params = Vec::new();
        let mut srp = Srp::None;
        let mut refresh = None;
        let flow = match kind {
            StartKind::UserSrp { username, password } => {
                let ephemeral = Ephemeral::generate_maybe_with(size, rng, self.config.powers_of_g)?;
                params.push(p(param::USERNAME, &username));
                params.push(p(param::SRP_A, &ephemeral.public_hex()));
                self.ctx.username = username;
                srp = Srp::User {
                    ephemeral,
                    password,
                };
                AuthFlow::UserSrp
            }
            StartKind::UserPassword { username, password } => {
                if self.ctx.admin {
                    return Err(Misuse::BadArgument("flow").into());
                }
                params.push(p(param::USERNAME, &username));
                params.push(p(param::PASSWORD, password.expose_secret()));
                self.ctx.username = username;
                AuthFlow::UserPassword
            }
            StartKind::AdminUserPassword {
                username,
                password,
                legacy_name,
            } => {
                self.ctx.admin = true;
                params.push(p(param::USERNAME, &username));
                params.push(p(param::PASSWORD, password.expose_secret()));
                self.ctx.username = username;
                if legacy_name {
                    AuthFlow::AdminNoSrp
                } else {
                    AuthFlow::AdminUserPassword
                }
            }
            StartKind::Custom {
                username,
                srp_password,
            } => {
                params.push(p(param::USERNAME, &username));
                if let Some(password) = srp_password {
                    let ephemeral =
                        Ephemeral::generate_maybe_with(size, rng, self.config.powers_of_g)?;
                    params.push(p(param::SRP_A, &ephemeral.public_hex()));
                    params.push(p(param::CHALLENGE_NAME, param::SRP_A_CHALLENGE));
                    srp = Srp::User {
                        ephemeral,
                        password,
                    };
                }
                self.ctx.username = username;
                AuthFlow::Custom
            }
            StartKind::UserAuth {
                username,
                preferred,
            } => {
                params.push(p(param::USERNAME, &username));
                self.ctx.username = username;
                if let Some(factor) = preferred {
                    srp = self.preferred(factor, &mut params, rng)?;
                }
                AuthFlow::UserAuth
            }
            StartKind::Refresh {
                refresh_token,
                username,
            } => {
                if self.config.client_secret.is_some() && username.is_none() {
                    return Err(Misuse::BadArgument("username").into());
                }
                params.push(p(param::REFRESH_TOKEN, refresh_token.expose_secret()));
                refresh = Some(refresh_token);
                self.ctx.username = username.unwrap_or_default();
                AuthFlow::RefreshToken
            }
            StartKind::RefreshRotating { refresh_token } => {
                if self.ctx.admin {
                    return Err(Misuse::BadArgument("flow").into());
                }
                return Ok(self.refresh_rotating(refresh_token));
            }
        };
        if self.ctx.refresh_device_key.is_none() {
            self.match_device();
        }
        // For a refresh, the hash is over the token owner's internal username (no USERNAME
        // is sent); everywhere else over the typed name sent as USERNAME.
        self.add_common(&mut params, true);
        let call = Call {
            kind: CallKind::Initiate { flow, session },
            params,
        };
        let request = call.request(&self.ctx, &self.config);
        let awaiting = match refresh {
            Some(token) => Awaiting::Refresh { call, token },
            None => Awaiting::Auth {
                call,
                srp,
                reprompt: None,
            },
        };
        Ok((State::Awaiting(awaiting), request))
    }

    /// `PREFERRED_CHALLENGE` of a `USER_AUTH` start, with the password or `SRP_A` it needs.
    fn preferred<R: CryptoRng + ?Sized>(
        &self,
        factor: FirstFactor,
        params: &mut Params,
        rng: &mut R,
    ) -> Result<Srp, Error> {
        if matches!(factor, FirstFactor::WebAuthn(Some(_))) {
            return Err(Misuse::BadArgument("preferred").into());
        }
        params.push(p(param::PREFERRED_CHALLENGE, factor.name()));
        Ok(match factor {
            FirstFactor::Password(password) => {
                params.push(p(param::PASSWORD, password.expose_secret()));
                Srp::None
            }
            FirstFactor::PasswordSrp(password) => {
                let ephemeral = Ephemeral::generate_maybe_with(
                    self.config.private_size,
                    rng,
                    self.config.powers_of_g,
                )?;
                params.push(p(param::SRP_A, &ephemeral.public_hex()));
                Srp::User {
                    ephemeral,
                    password,
                }
            }
            FirstFactor::EmailOtp | FirstFactor::SmsOtp | FirstFactor::WebAuthn(_) => Srp::None,
        })
    }

    fn refresh_rotating(&self, token: RefreshToken) -> (State, Request) {
        let body = wire::GetTokensFromRefreshToken {
            refresh_token: token.expose_secret(),
            client_id: &self.config.client_id,
            client_secret: self
                .config
                .client_secret
                .as_ref()
                .map(|s| s.expose_secret()),
            device_key: self.ctx.refresh_device_key.as_deref(),
            client_metadata: self.config.client_metadata.as_ref(),
        };
        let request = Request::new(Operation::GetTokensFromRefreshToken, wire::to_body(&body));
        (
            State::Awaiting(Awaiting::RefreshRotating { token }),
            request,
        )
    }

    // -----------------------------------------------------------------------------------
    // Replies
    // -----------------------------------------------------------------------------------

    pub(crate) fn handle<R: CryptoRng + ?Sized>(
        &mut self,
        response: Response<'_>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Step, Error> {
        let awaiting = match core::mem::replace(&mut self.state, State::Failed) {
            State::Awaiting(awaiting) => awaiting,
            other => return Err(self.put_back(other, Misuse::AnswerExpected)),
        };
        if let Err(e) = now.cognito_timestamp() {
            self.state = State::Awaiting(awaiting);
            return Err(e);
        }
        // A `Date` outside Cognito's range is ignored like an unreadable one.
        if let Some(server) = response.date.and_then(parse_http_date)
            && UnixTime(server).cognito_timestamp().is_ok()
        {
            let offset = i128::from(server) - i128::from(now.0);
            self.ctx.clock_offset = i64::try_from(offset).unwrap_or(0);
        }
        let raw = Raw {
            status: response.status,
            error_type: response.error_type,
            body: response.body,
        };
        // On `Err` the state stays `Failed`, unless the transition put it back (a caller's
        // mistake, which changes nothing).
        let (state, step) = self.on_reply(awaiting, &raw, now, rng)?;
        self.state = state;
        Ok(step)
    }

    /// Puts back a state that cannot take the call, and the misuse that says so:
    /// `wrong_kind` while the machine waits for the other kind of call.
    fn put_back(&mut self, state: State, wrong_kind: Misuse) -> Error {
        let misuse = match state {
            State::Done => Misuse::AlreadyDone,
            State::Failed => Misuse::AlreadyFailed,
            State::Awaiting(_) | State::Asking(_) => wrong_kind,
        };
        self.state = state;
        misuse.into()
    }

    // -----------------------------------------------------------------------------------
    // Answers
    // -----------------------------------------------------------------------------------

    pub(crate) fn answer<R: CryptoRng + ?Sized>(
        &mut self,
        answer: super::Answer,
        _now: UnixTime,
        rng: &mut R,
    ) -> Result<Step, Error> {
        let asking = match core::mem::replace(&mut self.state, State::Failed) {
            State::Asking(asking) => asking,
            other => return Err(self.put_back(other, Misuse::ReplyExpected)),
        };
        if !asking.fits(&answer) {
            self.state = State::Asking(asking);
            return Err(Misuse::AnswerDoesNotFit.into());
        }
        // As in `handle`: on `Err` the state stays `Failed` unless the transition put it back.
        let (state, step) = self.on_answer(asking, answer, rng)?;
        self.state = state;
        Ok(step)
    }
}

/// Whether Cognito lets the user answer `asking` again after an error of `kind`.
fn retries_after(asking: &Asking, kind: &ErrorKind) -> bool {
    match asking {
        Asking::Code { .. } => *kind == ErrorKind::CodeMismatch,
        Asking::NewPassword { .. } => matches!(
            kind,
            ErrorKind::InvalidPassword
                | ErrorKind::PasswordHistoryPolicyViolation
                | ErrorKind::InvalidParameter
                | ErrorKind::AliasExists
        ),
        Asking::TotpSetup(_) => totp_retries_after(kind),
        Asking::MfaSetup(_) => *kind == ErrorKind::InvalidParameter,
        _ => false,
    }
}

/// Whether a TOTP set-up's first code may be typed again after an error of `kind`.
fn totp_retries_after(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::EnableSoftwareTokenMfa | ErrorKind::CodeMismatch
    )
}

/// Asks `asking`, with the error that made it be asked again.
fn prompt(asking: Asking, previous_error: Option<ServiceError>) -> (State, Step) {
    let challenge = asking.challenge();
    (
        State::Asking(asking),
        Step::NeedInput(super::Prompt {
            challenge,
            previous_error,
        }),
    )
}

/// The finished sign-in.
fn done(
    ctx: &Context,
    tokens: Tokens,
    username: String,
    new_device: Option<super::NewDevice>,
) -> (State, Step) {
    let device_key = match &new_device {
        Some(d) if !d.device_key.is_empty() => Some(d.device_key.clone()),
        _ => ctx.device_key().map(ToOwned::to_owned),
    };
    (
        State::Done,
        Step::Done(SignedIn {
            tokens,
            username,
            new_device,
            device_forgotten: ctx.device_forgotten,
            device_key,
        }),
    )
}
