//! Every transition of the sign-in machine lives in this file: `start`, `handle` (a reply
//! came back) and `answer` (the user answered).

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{
    Answer, Challenge, Config, DeviceCredentials, DeviceStatus, FirstFactor, MfaType, NewDevice,
    Preferred, Prompt, Response, SignedIn, Start, StartKind, Step, Tokens,
};
use crate::device::DeviceRegistration;
use crate::error::{Error, ErrorKind, Misuse, ProtocolError, ServiceError};
use crate::secret::Password;
use crate::secret_hash::secret_hash;
use crate::srp::{Ephemeral, Identity, ServerChallenge};
use crate::time::{UnixTime, parse_http_date};
use crate::wire::{
    self, AssociateReply, AuthReply, AuthenticationResult, ConfirmDeviceReply, EmptyReply,
    MAX_NAME_CHARS, MAX_REPLY_BYTES, MAX_SESSION_CHARS, Operation, Request, VerifyReply, error,
};

/// Read-only attributes that `NEW_PASSWORD_REQUIRED` must never send back.
const READ_ONLY_ATTRIBUTES: [&str; 3] = ["sub", "email_verified", "phone_number_verified"];

/// A request's parameters (`AuthParameters` / `ChallengeResponses`); values may be secret.
type Params = Vec<(String, Zeroizing<String>)>;

fn param(key: &str, value: &str) -> (String, Zeroizing<String>) {
    (key.to_owned(), Zeroizing::new(value.to_owned()))
}

/// The last `InitiateAuth` / `RespondToAuthChallenge` sent, kept to send again without
/// `DEVICE_KEY` when the service has forgotten the device.
struct LastCall {
    kind: CallKind,
    params: Params,
}

enum CallKind {
    Initiate {
        flow: &'static str,
        session: Option<String>,
    },
    Respond {
        challenge: String,
    },
}

/// Tokens held back while a new device is registered.
struct Pending {
    tokens: Tokens,
    username: String,
    device_key: String,
    device_group_key: String,
    credentials: DeviceCredentials,
}

/// What the machine remembers between steps.
pub(crate) struct Context {
    admin: bool,
    /// `USERNAME` for the next request: typed, then the internal name once known.
    username: String,
    session: Option<String>,
    /// Kept for an SRP step still to come, then dropped.
    password: Option<Password>,
    ephemeral: Option<Ephemeral>,
    device: Option<DeviceCredentials>,
    device_retry_used: bool,
    device_forgotten: bool,
    /// Server clock minus the caller's, in seconds, from the last `Date` header.
    clock_offset: i64,
    last: Option<LastCall>,
    /// The refresh token a refresh started with, returned when no new one comes.
    refresh_token: Option<Password>,
    pending: Option<Pending>,
}

impl Context {
    pub(crate) fn username(&self) -> &str {
        &self.username
    }

    /// The caller's `now` corrected by the server's clock.
    fn server_now(&self, now: UnixTime) -> UnixTime {
        let t = i128::from(now.0) + i128::from(self.clock_offset);
        UnixTime(u64::try_from(t.max(0)).unwrap_or(u64::MAX))
    }
}

/// The question the machine waits on.
#[derive(Clone)]
pub(crate) enum Asking {
    Code {
        challenge_name: &'static str,
        code_key: &'static str,
        challenge: Challenge,
    },
    SelectMfa(Vec<MfaType>),
    MfaSetup(Vec<MfaType>),
    TotpSetup {
        secret_code: String,
        uri: String,
    },
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
    RememberDevice,
}

impl Asking {
    fn challenge(&self) -> Challenge {
        match self {
            Self::Code { challenge, .. } => challenge.clone(),
            Self::SelectMfa(options) => Challenge::SelectMfaType {
                options: options.clone(),
            },
            Self::MfaSetup(options) => Challenge::MfaSetup {
                options: options.clone(),
            },
            Self::TotpSetup { secret_code, uri } => Challenge::TotpSetup {
                secret_code: secret_code.clone(),
                uri: uri.clone(),
            },
            Self::NewPassword {
                required,
                user_attributes,
            } => Challenge::NewPassword {
                required_attributes: required.clone(),
                user_attributes: user_attributes.clone(),
            },
            Self::Custom(parameters) => Challenge::Custom {
                parameters: parameters.clone(),
            },
            Self::SelectChallenge(available) => Challenge::SelectChallenge {
                available: available.clone(),
            },
            Self::Password { srp } => Challenge::Password { srp: *srp },
            Self::WebAuthn(options) => Challenge::WebAuthn {
                credential_request_options: options.clone(),
            },
            Self::RememberDevice => Challenge::RememberDevice,
        }
    }

    /// Whether Cognito lets the user answer this question again after `kind`.
    fn retries_after(&self, kind: &ErrorKind) -> bool {
        match self {
            Self::Code { .. } => *kind == ErrorKind::CodeMismatch,
            Self::NewPassword { .. } => matches!(
                kind,
                ErrorKind::InvalidPassword
                    | ErrorKind::PasswordHistoryPolicyViolation
                    | ErrorKind::InvalidParameter
                    | ErrorKind::AliasExists
            ),
            Self::TotpSetup { .. } => matches!(
                kind,
                ErrorKind::EnableSoftwareTokenMfa | ErrorKind::CodeMismatch
            ),
            _ => false,
        }
    }

    fn prompt(self, previous_error: Option<ServiceError>) -> (State, Step) {
        let challenge = self.challenge();
        (
            State::Asking(self),
            Step::NeedInput(Prompt {
                challenge,
                previous_error,
            }),
        )
    }
}

/// What the reply in flight answers.
pub(crate) enum Awaiting {
    /// `(Admin)InitiateAuth` or `(Admin)RespondToAuthChallenge`; `reprompt` is the question to
    /// ask again if Cognito lets the user retry.
    Auth { reprompt: Option<Asking> },
    /// `GetTokensFromRefreshToken`.
    Refresh,
    /// `AssociateSoftwareToken`.
    Associate,
    /// `VerifySoftwareToken`, with the set-up question to ask again after a wrong code.
    Verify(Asking),
    /// `ConfirmDevice`.
    ConfirmDevice,
    /// `UpdateDeviceStatus`.
    UpdateDevice,
}

/// The machine's state.
pub(crate) enum State {
    Awaiting(Awaiting),
    Asking(Asking),
    Done,
    Failed,
}

impl State {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Awaiting(_) => "awaiting reply",
            Self::Asking(_) => "awaiting answer",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

// ---------------------------------------------------------------------------------------
// Building requests
// ---------------------------------------------------------------------------------------

/// Sends `ctx.last` (again): the `InitiateAuth` or `RespondToAuthChallenge` it describes.
fn build_last(ctx: &Context, config: &Config) -> Result<Request, Error> {
    let last = ctx
        .last
        .as_ref()
        .ok_or(ProtocolError::UnexpectedReply("nothing to send again"))?;
    let map: wire::Params<'_> = last
        .params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let pool = ctx.admin.then_some(config.user_pool_id.as_str());
    Ok(match &last.kind {
        CallKind::Initiate { flow, session } => {
            let body = wire::InitiateAuth {
                auth_flow: flow,
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
                challenge_name: challenge,
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
    })
}

/// Adds `SECRET_HASH` over `username` and, when asked and a device is remembered,
/// `DEVICE_KEY`.
fn add_common(ctx: &Context, config: &Config, params: &mut Params, username: &str, device: bool) {
    if let Some(secret) = &config.client_secret {
        params.push(param(
            "SECRET_HASH",
            &secret_hash(secret, username, &config.client_id),
        ));
    }
    if device && let Some(d) = &ctx.device {
        params.push(param("DEVICE_KEY", &d.device_key));
    }
}

/// `RespondToAuthChallenge` for `challenge` with `USERNAME`, `extra`, `SECRET_HASH` and, when
/// `device`, `DEVICE_KEY`.
fn respond(
    ctx: &mut Context,
    config: &Config,
    challenge: &str,
    extra: Params,
    device: bool,
) -> Result<Request, Error> {
    let username = ctx.username.clone();
    let mut params = alloc::vec![param("USERNAME", &username)];
    params.extend(extra);
    add_common(ctx, config, &mut params, &username, device);
    ctx.last = Some(LastCall {
        kind: CallKind::Respond {
            challenge: challenge.to_owned(),
        },
        params,
    });
    build_last(ctx, config)
}

/// `RespondToAuthChallenge` for `challenge` with one response besides `USERNAME`,
/// `SECRET_HASH` and (when `device`) `DEVICE_KEY`, then the wait for its reply.
fn answer_one(
    ctx: &mut Context,
    config: &Config,
    challenge: &str,
    key: &str,
    value: &str,
    device: bool,
) -> Result<(State, Step), Error> {
    let request = respond(
        ctx,
        config,
        challenge,
        alloc::vec![param(key, value)],
        device,
    )?;
    Ok(send_auth(request, None))
}

fn send_auth(request: Request, reprompt: Option<Asking>) -> (State, Step) {
    (
        State::Awaiting(Awaiting::Auth { reprompt }),
        Step::Send(request),
    )
}

fn new_ephemeral<R: CryptoRng + ?Sized>(
    config: &Config,
    ctx: &mut Context,
    rng: &mut R,
) -> Result<String, Error> {
    let eph = Ephemeral::generate(config.private_size, rng)?;
    let a = eph.public_hex();
    ctx.ephemeral = Some(eph);
    Ok(a)
}

// ---------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------

pub(crate) fn start<R: CryptoRng + ?Sized>(
    config: &Config,
    start: Start,
    _now: UnixTime,
    rng: &mut R,
) -> Result<(Context, State, Request), Error> {
    let mut ctx = Context {
        admin: start.admin,
        username: String::new(),
        session: None,
        password: None,
        ephemeral: None,
        device: config.device.clone(),
        device_retry_used: false,
        device_forgotten: false,
        clock_offset: 0,
        last: None,
        refresh_token: None,
        pending: None,
    };
    let mut params: Params = Vec::new();
    let mut initiate_session = None;
    let flow = match start.kind {
        StartKind::UserSrp { username, password } => {
            ctx.username = username;
            let a = new_ephemeral(config, &mut ctx, rng)?;
            ctx.password = Some(password);
            params.push(param("USERNAME", &ctx.username));
            params.push(param("SRP_A", &a));
            "USER_SRP_AUTH"
        }
        StartKind::UserPassword { username, password } => {
            if ctx.admin {
                return Err(Misuse::BadArgument("flow").into());
            }
            ctx.username = username;
            params.push(param("USERNAME", &ctx.username));
            params.push(param("PASSWORD", password.expose_secret()));
            "USER_PASSWORD_AUTH"
        }
        StartKind::AdminUserPassword {
            username,
            password,
            legacy_name,
        } => {
            ctx.admin = true;
            ctx.username = username;
            params.push(param("USERNAME", &ctx.username));
            params.push(param("PASSWORD", password.expose_secret()));
            if legacy_name {
                "ADMIN_NO_SRP_AUTH"
            } else {
                "ADMIN_USER_PASSWORD_AUTH"
            }
        }
        StartKind::Custom {
            username,
            srp_password,
        } => {
            ctx.username = username;
            params.push(param("USERNAME", &ctx.username));
            if let Some(password) = srp_password {
                let a = new_ephemeral(config, &mut ctx, rng)?;
                ctx.password = Some(password);
                params.push(param("SRP_A", &a));
                params.push(param("CHALLENGE_NAME", "SRP_A"));
            }
            "CUSTOM_AUTH"
        }
        StartKind::UserAuth {
            username,
            preferred,
            session,
        } => {
            ctx.username = username;
            params.push(param("USERNAME", &ctx.username));
            initiate_session = session;
            match preferred {
                None => {}
                Some(Preferred::Password(password)) => {
                    params.push(param("PREFERRED_CHALLENGE", "PASSWORD"));
                    params.push(param("PASSWORD", password.expose_secret()));
                }
                Some(Preferred::PasswordSrp(password)) => {
                    let a = new_ephemeral(config, &mut ctx, rng)?;
                    ctx.password = Some(password);
                    params.push(param("PREFERRED_CHALLENGE", "PASSWORD_SRP"));
                    params.push(param("SRP_A", &a));
                }
                Some(Preferred::EmailOtp) => params.push(param("PREFERRED_CHALLENGE", "EMAIL_OTP")),
                Some(Preferred::SmsOtp) => params.push(param("PREFERRED_CHALLENGE", "SMS_OTP")),
                Some(Preferred::WebAuthn) => params.push(param("PREFERRED_CHALLENGE", "WEB_AUTHN")),
            }
            "USER_AUTH"
        }
        StartKind::Refresh {
            refresh_token,
            username,
        } => {
            if config.client_secret.is_some() && username.is_none() {
                return Err(Misuse::BadArgument("username").into());
            }
            ctx.username = username.unwrap_or_default();
            params.push(param("REFRESH_TOKEN", refresh_token.expose_secret()));
            ctx.refresh_token = Some(refresh_token);
            "REFRESH_TOKEN_AUTH"
        }
        StartKind::RefreshRotating { refresh_token } => {
            if ctx.admin {
                return Err(Misuse::BadArgument("flow").into());
            }
            let body = wire::GetTokensFromRefreshToken {
                refresh_token: refresh_token.expose_secret(),
                client_id: &config.client_id,
                client_secret: config.client_secret.as_ref().map(|s| s.expose_secret()),
                device_key: ctx.device.as_ref().map(|d| d.device_key.as_str()),
                client_metadata: config.client_metadata.as_ref(),
            };
            let request = Request::new(Operation::GetTokensFromRefreshToken, wire::to_body(&body));
            ctx.refresh_token = Some(refresh_token);
            return Ok((ctx, State::Awaiting(Awaiting::Refresh), request));
        }
    };
    // For a refresh, the hash is over the token owner's internal username (no USERNAME is
    // sent); everywhere else over the typed name sent as USERNAME.
    let username = ctx.username.clone();
    add_common(&ctx, config, &mut params, &username, true);
    ctx.last = Some(LastCall {
        kind: CallKind::Initiate {
            flow,
            session: initiate_session,
        },
        params,
    });
    let request = build_last(&ctx, config)?;
    Ok((
        ctx,
        State::Awaiting(Awaiting::Auth { reprompt: None }),
        request,
    ))
}

// ---------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------

pub(crate) fn handle<R: CryptoRng + ?Sized>(
    state: State,
    ctx: &mut Context,
    config: &Config,
    response: Response<'_>,
    now: UnixTime,
    rng: &mut R,
) -> Result<(State, Step), Error> {
    let awaiting = match state {
        State::Awaiting(a) => a,
        State::Asking(_) => return Err(Misuse::AnswerExpected.into()),
        State::Done => return Err(Misuse::AlreadyDone.into()),
        State::Failed => return Err(Misuse::AlreadyFailed.into()),
    };
    if let Some(server) = response.date.and_then(parse_http_date) {
        let offset = i128::from(server) - i128::from(now.0);
        ctx.clock_offset = i64::try_from(offset).unwrap_or(0);
    }
    if response.body.len() > MAX_REPLY_BYTES {
        return Err(ProtocolError::FieldTooLong("body").into());
    }
    let success = (200..300).contains(&response.status) && !error::names_error(response.body);
    if !success {
        let err = error::parse_error(response.status, response.error_type, response.body)
            .or_else(|| error::unnamed_error(response.status))
            .ok_or(ProtocolError::UnexpectedStatus(response.status))?;
        return on_error(awaiting, ctx, config, err);
    }
    match awaiting {
        Awaiting::Auth { .. } => {
            let reply = wire::parse_auth_reply(auth_operation(ctx), response.body)?;
            on_auth_reply(ctx, config, reply, now, rng)
        }
        Awaiting::Refresh => {
            let reply =
                wire::parse_auth_reply(Operation::GetTokensFromRefreshToken, response.body)?;
            let result = reply
                .authentication_result
                .ok_or(ProtocolError::UnexpectedReply(
                    "refresh without AuthenticationResult",
                ))?;
            finish(ctx, config, result, now, rng)
        }
        Awaiting::Associate => {
            let reply: AssociateReply =
                wire::parse_reply(Operation::AssociateSoftwareToken, response.body)?;
            check_secret_code(&reply.secret_code)?;
            if let Some(session) = reply.session {
                set_session(ctx, Some(session))?;
            }
            let uri = otpauth_uri(&config.totp_issuer, &ctx.username, &reply.secret_code);
            Ok(Asking::TotpSetup {
                secret_code: reply.secret_code,
                uri,
            }
            .prompt(None))
        }
        Awaiting::Verify(asking) => {
            let reply: VerifyReply =
                wire::parse_reply(Operation::VerifySoftwareToken, response.body)?;
            if reply.status.as_deref() != Some("SUCCESS") {
                let err = ServiceError {
                    kind: ErrorKind::CodeMismatch,
                    message: String::from("VerifySoftwareToken answered Status ERROR"),
                    status: response.status,
                };
                return Ok(asking.prompt(Some(err)));
            }
            if let Some(session) = reply.session {
                set_session(ctx, Some(session))?;
            }
            let request = respond(ctx, config, "MFA_SETUP", Vec::new(), false)?;
            Ok(send_auth(request, None))
        }
        Awaiting::ConfirmDevice => {
            let reply: ConfirmDeviceReply =
                wire::parse_reply(Operation::ConfirmDevice, response.body)?;
            if reply.user_confirmation_necessary == Some(true) {
                Ok(Asking::RememberDevice.prompt(None))
            } else {
                done_with_device(ctx, DeviceStatus::Remembered, true)
            }
        }
        Awaiting::UpdateDevice => {
            let _: EmptyReply = wire::parse_reply(Operation::UpdateDeviceStatus, response.body)?;
            done_with_device(ctx, DeviceStatus::Remembered, true)
        }
    }
}

/// The operation whose reply is awaited in [`Awaiting::Auth`].
fn auth_operation(ctx: &Context) -> Operation {
    let initiate = matches!(
        ctx.last.as_ref().map(|l| &l.kind),
        Some(CallKind::Initiate { .. })
    );
    match (ctx.admin, initiate) {
        (false, true) => Operation::InitiateAuth,
        (false, false) => Operation::RespondToAuthChallenge,
        (true, true) => Operation::AdminInitiateAuth,
        (true, false) => Operation::AdminRespondToAuthChallenge,
    }
}

/// A Cognito error: ask again where Cognito allows it, drop a forgotten device and send
/// again, finish without a device when only its registration failed; otherwise fail.
fn on_error(
    awaiting: Awaiting,
    ctx: &mut Context,
    config: &Config,
    err: ServiceError,
) -> Result<(State, Step), Error> {
    match awaiting {
        Awaiting::Auth { reprompt } => {
            if let Some(asking) = reprompt
                && asking.retries_after(&err.kind)
            {
                return Ok(asking.prompt(Some(err)));
            }
            if device_gone(ctx, &err) {
                ctx.device = None;
                ctx.device_retry_used = true;
                ctx.device_forgotten = true;
                if let Some(last) = &mut ctx.last {
                    last.params.retain(|(k, _)| k != "DEVICE_KEY");
                }
                let request = build_last(ctx, config)?;
                return Ok(send_auth(request, None));
            }
            Err(err.into())
        }
        Awaiting::Verify(asking) if asking.retries_after(&err.kind) => Ok(asking.prompt(Some(err))),
        Awaiting::ConfirmDevice => done_with_device(ctx, DeviceStatus::Failed(err), false),
        Awaiting::UpdateDevice => done_with_device(ctx, DeviceStatus::Failed(err), true),
        _ => Err(err.into()),
    }
}

/// Whether the error says that the remembered device no longer exists, and the request
/// carried it, and no retry without it was made yet.
fn device_gone(ctx: &Context, err: &ServiceError) -> bool {
    err.kind == ErrorKind::ResourceNotFound
        && err.message.to_ascii_lowercase().contains("device")
        && ctx.device.is_some()
        && !ctx.device_retry_used
        && ctx
            .last
            .as_ref()
            .is_some_and(|l| l.params.iter().any(|(k, _)| k == "DEVICE_KEY"))
}

fn set_session(ctx: &mut Context, session: Option<String>) -> Result<(), Error> {
    if session
        .as_ref()
        .is_some_and(|s| s.len() > MAX_SESSION_CHARS)
    {
        return Err(ProtocolError::FieldTooLong("Session").into());
    }
    ctx.session = session;
    Ok(())
}

fn check_secret_code(code: &str) -> Result<(), Error> {
    if code.is_empty() {
        return Err(ProtocolError::EmptyField("SecretCode").into());
    }
    if code.len() > 512 {
        return Err(ProtocolError::FieldTooLong("SecretCode").into());
    }
    if !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ProtocolError::BadEncoding("SecretCode").into());
    }
    Ok(())
}

/// `otpauth://totp/<issuer>:<account>?secret=<secret>&issuer=<issuer>`, percent-encoded.
fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    fn encode(out: &mut String, text: &str) {
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
                out.push(char::from(b));
            } else {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(
                    HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
                ));
                out.push(char::from(
                    HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0'),
                ));
            }
        }
    }
    let mut uri = String::from("otpauth://totp/");
    encode(&mut uri, issuer);
    uri.push(':');
    encode(&mut uri, account);
    uri.push_str("?secret=");
    encode(&mut uri, secret);
    uri.push_str("&issuer=");
    encode(&mut uri, issuer);
    uri
}

fn get<'a>(params: &'a BTreeMap<String, String>, key: &'static str) -> Result<&'a str, Error> {
    params
        .get(key)
        .map(String::as_str)
        .ok_or_else(|| ProtocolError::MissingField(key).into())
}

fn mfa_list(field: &'static str, text: Option<&String>) -> Result<Vec<MfaType>, Error> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    Ok(wire::parse_string_list(field, text)?
        .iter()
        .map(|n| MfaType::from_name(n))
        .collect())
}

/// A challenge or tokens came back.
fn on_auth_reply<R: CryptoRng + ?Sized>(
    ctx: &mut Context,
    config: &Config,
    reply: AuthReply,
    now: UnixTime,
    rng: &mut R,
) -> Result<(State, Step), Error> {
    if let Some(result) = reply.authentication_result {
        return finish(ctx, config, result, now, rng);
    }
    let name = reply.challenge_name.ok_or(ProtocolError::UnexpectedReply(
        "neither AuthenticationResult nor ChallengeName",
    ))?;
    set_session(ctx, reply.session)?;
    let params = match reply.challenge_parameters {
        Some(p) => p.checked()?,
        None => BTreeMap::new(),
    };
    for key in ["USERNAME", "USER_ID_FOR_SRP"] {
        match params.get(key) {
            Some(name) if name.is_empty() => return Err(ProtocolError::EmptyField(key).into()),
            Some(name) if name.len() > MAX_NAME_CHARS => {
                return Err(ProtocolError::FieldTooLong(key).into());
            }
            _ => {}
        }
    }
    // The internal username: USERNAME, else USER_ID_FOR_SRP, else the name used so far (SRP
    // challenges prefer USER_ID_FOR_SRP below).
    if let Some(user) = params
        .get("USERNAME")
        .or_else(|| params.get("USER_ID_FOR_SRP"))
    {
        ctx.username.clone_from(user);
    }
    let code = |challenge_name, code_key, challenge| {
        Ok(Asking::Code {
            challenge_name,
            code_key,
            challenge,
        }
        .prompt(None))
    };
    let destination = params.get("CODE_DELIVERY_DESTINATION").cloned();
    match name.as_str() {
        "PASSWORD_VERIFIER" => {
            let user = params
                .get("USER_ID_FOR_SRP")
                .or_else(|| params.get("USERNAME"))
                .ok_or(ProtocolError::MissingField("USER_ID_FOR_SRP"))?;
            ctx.username.clone_from(user);
            let (Some(eph), Some(password)) = (ctx.ephemeral.take(), ctx.password.take()) else {
                return Err(ProtocolError::UnexpectedChallenge("PASSWORD_VERIFIER").into());
            };
            let challenge = ServerChallenge::parse(
                get(&params, "SALT")?,
                get(&params, "SRP_B")?,
                get(&params, "SECRET_BLOCK")?,
            )?;
            let identity = Identity::user(&config.user_pool_id, &ctx.username)?;
            let claim = eph.respond(&identity, &password, &challenge, ctx.server_now(now))?;
            let extra = alloc::vec![
                param("PASSWORD_CLAIM_SECRET_BLOCK", &claim.secret_block),
                param("TIMESTAMP", &claim.timestamp),
                param("PASSWORD_CLAIM_SIGNATURE", &claim.signature),
            ];
            let request = respond(ctx, config, "PASSWORD_VERIFIER", extra, true)?;
            Ok(send_auth(request, None))
        }
        "DEVICE_SRP_AUTH" => {
            if ctx.device.is_none() {
                return Err(ProtocolError::UnexpectedChallenge("DEVICE_SRP_AUTH").into());
            }
            let a = new_ephemeral(config, ctx, rng)?;
            answer_one(ctx, config, "DEVICE_SRP_AUTH", "SRP_A", &a, true)
        }
        "DEVICE_PASSWORD_VERIFIER" => {
            let (Some(device), Some(eph)) = (ctx.device.clone(), ctx.ephemeral.take()) else {
                return Err(ProtocolError::UnexpectedChallenge("DEVICE_PASSWORD_VERIFIER").into());
            };
            let challenge = ServerChallenge::parse(
                get(&params, "SALT")?,
                get(&params, "SRP_B")?,
                get(&params, "SECRET_BLOCK")?,
            )?;
            let identity = Identity::device(&device.device_group_key, &device.device_key);
            let claim = eph.respond(
                &identity,
                &device.device_password,
                &challenge,
                ctx.server_now(now),
            )?;
            let extra = alloc::vec![
                param("PASSWORD_CLAIM_SECRET_BLOCK", &claim.secret_block),
                param("TIMESTAMP", &claim.timestamp),
                param("PASSWORD_CLAIM_SIGNATURE", &claim.signature),
            ];
            let request = respond(ctx, config, "DEVICE_PASSWORD_VERIFIER", extra, true)?;
            Ok(send_auth(request, None))
        }
        "SMS_MFA" => code("SMS_MFA", "SMS_MFA_CODE", Challenge::SmsMfa { destination }),
        "EMAIL_OTP" => code(
            "EMAIL_OTP",
            "EMAIL_OTP_CODE",
            Challenge::EmailOtp { destination },
        ),
        "SMS_OTP" => code("SMS_OTP", "SMS_OTP_CODE", Challenge::SmsOtp { destination }),
        "SOFTWARE_TOKEN_MFA" => code(
            "SOFTWARE_TOKEN_MFA",
            "SOFTWARE_TOKEN_MFA_CODE",
            Challenge::SoftwareTokenMfa {
                friendly_device_name: params.get("FRIENDLY_DEVICE_NAME").cloned(),
            },
        ),
        "SELECT_MFA_TYPE" => {
            let options = mfa_list("MFAS_CAN_CHOOSE", params.get("MFAS_CAN_CHOOSE"))?;
            Ok(Asking::SelectMfa(options).prompt(None))
        }
        "MFA_SETUP" => {
            let options = mfa_list("MFAS_CAN_SETUP", params.get("MFAS_CAN_SETUP"))?;
            Ok(Asking::MfaSetup(options).prompt(None))
        }
        "NEW_PASSWORD_REQUIRED" => {
            let required = match params.get("requiredAttributes") {
                Some(text) => wire::parse_string_list("requiredAttributes", text)?,
                None => Vec::new(),
            };
            let required = required
                .into_iter()
                .map(|a| {
                    a.strip_prefix("userAttributes.")
                        .map(str::to_owned)
                        .unwrap_or(a)
                })
                .collect();
            let user_attributes = match params.get("userAttributes") {
                Some(text) => wire::parse_string_map("userAttributes", text)?,
                None => BTreeMap::new(),
            };
            Ok(Asking::NewPassword {
                required,
                user_attributes,
            }
            .prompt(None))
        }
        "CUSTOM_CHALLENGE" => Ok(Asking::Custom(params).prompt(None)),
        "SELECT_CHALLENGE" => Ok(Asking::SelectChallenge(
            reply.available_challenges.unwrap_or_default(),
        )
        .prompt(None)),
        "PASSWORD" => Ok(Asking::Password { srp: false }.prompt(None)),
        "PASSWORD_SRP" => {
            if ctx.password.is_some() {
                let a = new_ephemeral(config, ctx, rng)?;
                answer_one(ctx, config, "PASSWORD_SRP", "SRP_A", &a, false)
            } else {
                Ok(Asking::Password { srp: true }.prompt(None))
            }
        }
        "WEB_AUTHN" => {
            let options = get(&params, "CREDENTIAL_REQUEST_OPTIONS")?.to_owned();
            Ok(Asking::WebAuthn(options).prompt(None))
        }
        "ADMIN_NO_SRP_AUTH" => Err(ProtocolError::UnexpectedChallenge("ADMIN_NO_SRP_AUTH").into()),
        _ => Err(ProtocolError::UnknownChallenge(name).into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Claims {
    username: Option<String>,
    #[serde(rename = "cognito:username")]
    cognito_username: Option<String>,
}

/// The `username` claim of an access token or `cognito:username` of an ID token. The token
/// is not verified: the name only picks the `SECRET_HASH` user for a later refresh.
fn token_username(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(payload).ok()?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    claims.username.or(claims.cognito_username)
}

/// Tokens came back: register a new device first if the pool issued one, else done.
fn finish<R: CryptoRng + ?Sized>(
    ctx: &mut Context,
    config: &Config,
    result: AuthenticationResult,
    now: UnixTime,
    rng: &mut R,
) -> Result<(State, Step), Error> {
    let access_token = result
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or(ProtocolError::MissingField("AccessToken"))?;
    let expires_in = u64::try_from(result.expires_in.unwrap_or(0).max(0)).unwrap_or(0);
    let username = token_username(&access_token)
        .or_else(|| result.id_token.as_deref().and_then(token_username))
        .unwrap_or_else(|| ctx.username.clone());
    ctx.username.clone_from(&username);
    let tokens = Tokens {
        access_token,
        id_token: result.id_token,
        refresh_token: result.refresh_token.or_else(|| {
            ctx.refresh_token
                .take()
                .map(|t| t.expose_secret().to_owned())
        }),
        token_type: result.token_type.unwrap_or_else(|| String::from("Bearer")),
        expires_in,
        expires_at: UnixTime(now.0.saturating_add(expires_in)),
    };
    ctx.password = None;
    ctx.ephemeral = None;
    let Some(meta) = result.new_device_metadata else {
        return Ok(done(ctx, tokens, username, None));
    };
    if !config.confirm_new_devices {
        let new_device = NewDevice {
            device_key: meta.device_key,
            device_group_key: meta.device_group_key,
            credentials: None,
            status: DeviceStatus::NotConfirmed,
        };
        return Ok(done(ctx, tokens, username, Some(new_device)));
    }
    let registration = DeviceRegistration::generate(&meta.device_group_key, &meta.device_key, rng);
    let verifier = registration.password_verifier();
    let salt = registration.salt();
    let body = wire::ConfirmDevice {
        access_token: &tokens.access_token,
        device_key: &meta.device_key,
        device_secret_verifier_config: wire::DeviceSecretVerifierConfig {
            password_verifier: &verifier,
            salt: &salt,
        },
        device_name: config.device_name.as_deref(),
    };
    let request = Request::new(Operation::ConfirmDevice, wire::to_body(&body));
    ctx.pending = Some(Pending {
        credentials: DeviceCredentials {
            username: username.clone(),
            device_key: meta.device_key.clone(),
            device_group_key: meta.device_group_key.clone(),
            device_password: registration.device_password().clone(),
        },
        tokens,
        username,
        device_key: meta.device_key,
        device_group_key: meta.device_group_key,
    });
    Ok((
        State::Awaiting(Awaiting::ConfirmDevice),
        Step::Send(request),
    ))
}

fn done(
    ctx: &Context,
    tokens: Tokens,
    username: String,
    new_device: Option<NewDevice>,
) -> (State, Step) {
    (
        State::Done,
        Step::Done(Box::new(SignedIn {
            tokens,
            username,
            new_device,
            device_forgotten: ctx.device_forgotten,
        })),
    )
}

/// Ends a device registration: `registered` says whether `ConfirmDevice` succeeded (so the
/// credentials are worth storing).
fn done_with_device(
    ctx: &mut Context,
    status: DeviceStatus,
    registered: bool,
) -> Result<(State, Step), Error> {
    let pending = ctx.pending.take().ok_or(ProtocolError::UnexpectedReply(
        "no device registration under way",
    ))?;
    let new_device = NewDevice {
        device_key: pending.device_key,
        device_group_key: pending.device_group_key,
        credentials: registered.then_some(pending.credentials),
        status,
    };
    Ok(done(
        ctx,
        pending.tokens,
        pending.username,
        Some(new_device),
    ))
}

// ---------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------

pub(crate) fn answer<R: CryptoRng + ?Sized>(
    state: State,
    ctx: &mut Context,
    config: &Config,
    answer: Answer,
    _now: UnixTime,
    rng: &mut R,
) -> Result<(State, Step), Error> {
    let asking = match state {
        State::Asking(a) => a,
        State::Awaiting(_) => return Err(Misuse::ReplyExpected.into()),
        State::Done => return Err(Misuse::AlreadyDone.into()),
        State::Failed => return Err(Misuse::AlreadyFailed.into()),
    };
    let misfit = || Err(Error::Misuse(Misuse::AnswerDoesNotFit));
    match (&asking, answer) {
        (
            Asking::Code {
                challenge_name,
                code_key,
                ..
            },
            Answer::Code(code),
        ) => {
            let request = respond(
                ctx,
                config,
                challenge_name,
                alloc::vec![param(code_key, &code)],
                true,
            )?;
            Ok(send_auth(request, Some(asking)))
        }
        (Asking::SelectMfa(options), Answer::Mfa(choice)) => {
            if !options.contains(&choice) {
                return misfit();
            }
            answer_one(
                ctx,
                config,
                "SELECT_MFA_TYPE",
                "ANSWER",
                choice.name(),
                false,
            )
        }
        (Asking::MfaSetup(options), Answer::SetUpTotp) => {
            if !options.is_empty() && !options.contains(&MfaType::SoftwareToken) {
                return misfit();
            }
            let session = ctx
                .session
                .clone()
                .ok_or(ProtocolError::MissingField("Session"))?;
            let body = wire::AssociateSoftwareToken { session: &session };
            let request = Request::new(Operation::AssociateSoftwareToken, wire::to_body(&body));
            Ok((State::Awaiting(Awaiting::Associate), Step::Send(request)))
        }
        (Asking::MfaSetup(options), Answer::SetUpEmail(email)) => {
            if !options.is_empty() && !options.contains(&MfaType::Email) {
                return misfit();
            }
            answer_one(ctx, config, "MFA_SETUP", "EMAIL", &email, false)
        }
        (Asking::TotpSetup { .. }, Answer::Code(code)) => {
            let session = ctx
                .session
                .clone()
                .ok_or(ProtocolError::MissingField("Session"))?;
            let body = wire::VerifySoftwareToken {
                session: &session,
                user_code: &code,
                friendly_device_name: config.totp_device_name.as_deref(),
            };
            let request = Request::new(Operation::VerifySoftwareToken, wire::to_body(&body));
            Ok((
                State::Awaiting(Awaiting::Verify(asking)),
                Step::Send(request),
            ))
        }
        (
            Asking::NewPassword { .. },
            Answer::NewPassword {
                password,
                attributes,
            },
        ) => {
            let mut extra = alloc::vec![param("NEW_PASSWORD", password.expose_secret())];
            for (name, value) in &attributes {
                let name = name.strip_prefix("userAttributes.").unwrap_or(name);
                if READ_ONLY_ATTRIBUTES.contains(&name) {
                    continue;
                }
                extra.push(param(&["userAttributes.", name].concat(), value));
            }
            let request = respond(ctx, config, "NEW_PASSWORD_REQUIRED", extra, false)?;
            Ok(send_auth(request, Some(asking)))
        }
        (Asking::Custom(_), Answer::Custom(text)) => {
            answer_one(ctx, config, "CUSTOM_CHALLENGE", "ANSWER", &text, true)
        }
        (Asking::SelectChallenge(available), Answer::FirstFactor(factor)) => {
            if !available.is_empty() && !available.iter().any(|a| a == factor.name()) {
                return misfit();
            }
            let mut extra = alloc::vec![param("ANSWER", factor.name())];
            match factor {
                FirstFactor::Password(password) => {
                    extra.push(param("PASSWORD", password.expose_secret()));
                }
                FirstFactor::PasswordSrp(password) => {
                    let a = new_ephemeral(config, ctx, rng)?;
                    ctx.password = Some(password);
                    extra.push(param("SRP_A", &a));
                }
                FirstFactor::WebAuthn(Some(credential)) => {
                    extra.push(param("CREDENTIAL", &credential));
                }
                FirstFactor::EmailOtp | FirstFactor::SmsOtp | FirstFactor::WebAuthn(None) => {}
            }
            let request = respond(ctx, config, "SELECT_CHALLENGE", extra, false)?;
            Ok(send_auth(request, None))
        }
        (Asking::Password { srp: false }, Answer::Password(password)) => answer_one(
            ctx,
            config,
            "PASSWORD",
            "PASSWORD",
            password.expose_secret(),
            false,
        ),
        (Asking::Password { srp: true }, Answer::Password(password)) => {
            let a = new_ephemeral(config, ctx, rng)?;
            ctx.password = Some(password);
            answer_one(ctx, config, "PASSWORD_SRP", "SRP_A", &a, false)
        }
        (Asking::WebAuthn(_), Answer::Credential(credential)) => {
            answer_one(ctx, config, "WEB_AUTHN", "CREDENTIAL", &credential, false)
        }
        (Asking::RememberDevice, Answer::RememberDevice(remember)) => {
            if !remember {
                return done_with_device(ctx, DeviceStatus::NotRemembered, true);
            }
            let pending = ctx.pending.as_ref().ok_or(ProtocolError::UnexpectedReply(
                "no device registration under way",
            ))?;
            let body = wire::UpdateDeviceStatus {
                access_token: &pending.tokens.access_token,
                device_key: &pending.device_key,
                device_remembered_status: "remembered",
            };
            let request = Request::new(Operation::UpdateDeviceStatus, wire::to_body(&body));
            Ok((State::Awaiting(Awaiting::UpdateDevice), Step::Send(request)))
        }
        _ => misfit(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otpauth_uri_is_percent_encoded() {
        assert_eq!(
            otpauth_uri("My App", "jane@example.com", "ABCDEF234567"),
            "otpauth://totp/My%20App:jane@example.com?secret=ABCDEF234567&issuer=My%20App"
        );
    }

    #[test]
    fn token_username_reads_claims() {
        // {"username":"7d4e"} and {"cognito:username":"jane"}
        assert_eq!(
            token_username("x.eyJ1c2VybmFtZSI6IjdkNGUifQ.y").as_deref(),
            Some("7d4e")
        );
        assert_eq!(
            token_username("x.eyJjb2duaXRvOnVzZXJuYW1lIjoiamFuZSJ9.y").as_deref(),
            Some("jane")
        );
        assert_eq!(token_username("opaque"), None);
    }
}
