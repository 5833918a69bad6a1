//! The crate's errors: whose fault it was, and what to do about it.

use alloc::string::String;
use core::fmt;

/// Everything that can go wrong.
///
/// The variants say whose fault it was: the peer sent something the protocol forbids
/// ([`Error::Protocol`]), or the caller used the API in a way it does not allow
/// ([`Error::Misuse`]). No error carries a secret or personal data: fields are named, their
/// values are never echoed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Cognito answered with an error (`__type`, e.g. `NotAuthorizedException`). See
    /// [`ErrorKind`] for what each kind means and what to do.
    Service(ServiceError),
    /// The peer's data breaks the protocol: a missing or malformed field, or a value SRP must
    /// refuse. Treat the sign-in as failed; retrying with the same reply cannot succeed.
    Protocol(ProtocolError),
    /// The caller used the API out of order or with values it does not accept. Never caused by
    /// data from the peer.
    Misuse(Misuse),
}

/// The peer (the service, or for the server side, the client) sent something the protocol
/// does not allow. Each variant names the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A reply body is not the JSON it must be (malformed, wrong types, too deep); the
    /// operation is named.
    BadJson(&'static str),
    /// A successful reply carries neither tokens nor a challenge, or otherwise cannot follow
    /// the request it answers; the reason is named.
    UnexpectedReply(&'static str),
    /// An HTTP status that is neither success nor a Cognito error.
    UnexpectedStatus(u16),
    /// A challenge name this crate does not know (carried, so that it can be reported).
    UnknownChallenge(String),
    /// A known challenge that cannot be answered at this point (for example
    /// `DEVICE_SRP_AUTH` when no device is remembered, or `ADMIN_NO_SRP_AUTH`).
    UnexpectedChallenge(&'static str),
    /// A required field is absent.
    MissingField(&'static str),
    /// A field is present but empty where a value is required.
    EmptyField(&'static str),
    /// A field is longer than the protocol allows (see the crate's input limits).
    FieldTooLong(&'static str),
    /// A field that must be hexadecimal holds something else.
    BadHex(&'static str),
    /// A field that must be standard base64 holds something else.
    BadBase64(&'static str),
    /// A field's text is not in its format: JSON inside a string parameter
    /// (`MFAS_CAN_SETUP`, `requiredAttributes`, …), or a TOTP secret that is not base32.
    BadEncoding(&'static str),
    /// A value SRP must refuse: `SRP_B` with `B mod N == 0` (or `B == k·g^x`), `SRP_A` with
    /// `A mod N == 0`, or a scrambling parameter `u == 0`. A correct peer never sends it.
    IllegalValue(&'static str),
    /// The claim signature does not verify (server side: wrong password or tampered data).
    BadSignature,
}

/// The caller used the API in a way it does not allow.
///
/// A misuse never changes the machine: it waits for the same reply or answer as before, so
/// the caller can mend the call and make it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misuse {
    /// The service ended the sign-in earlier (an [`Error::Service`] or [`Error::Protocol`]):
    /// it is over. Start a new one.
    AlreadyFailed,
    /// The sign-in already finished. Start a new one.
    AlreadyDone,
    /// [`SignIn::handle`](crate::SignIn::handle) was called while the machine waits for the
    /// user's answer: call [`SignIn::answer`](crate::SignIn::answer).
    AnswerExpected,
    /// [`SignIn::answer`](crate::SignIn::answer) was called while a request is in flight:
    /// feed its reply to [`SignIn::handle`](crate::SignIn::handle).
    ReplyExpected,
    /// The answer does not fit the open question (a code where a new password is asked for,
    /// a choice that was not offered, an empty code or password, a required attribute without
    /// a value). The question stays open: answer it again.
    AnswerDoesNotFit,
    /// A caller-supplied SRP private value is empty, zero, or longer than
    /// [`MAX_PRIVATE_BYTES`](crate::srp::MAX_PRIVATE_BYTES).
    BadPrivateValue,
    /// The random source returned only zero bytes, again and again: it is broken. Mend it,
    /// then make the same call again.
    BrokenRandomSource,
    /// The caller's `now` lies outside the years 1970 to 9999 that Cognito's `TIMESTAMP`
    /// can express. (A server `Date` outside them is ignored, never this error.)
    TimeOutOfRange,
    /// A caller-supplied value (user pool id, device key, …) is malformed; the field is named.
    BadArgument(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(e) => write!(f, "Cognito error: {e}"),
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::Misuse(e) => write!(f, "API misuse: {e}"),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadJson(op) => write!(f, "the {op} reply is not valid JSON of the right shape"),
            Self::UnexpectedReply(why) => write!(f, "unexpected reply: {why}"),
            Self::UnexpectedStatus(s) => write!(f, "unexpected HTTP status {s}"),
            Self::UnknownChallenge(name) => write!(f, "unknown challenge {name:?}"),
            Self::UnexpectedChallenge(name) => {
                write!(f, "challenge {name} cannot be answered here")
            }
            Self::MissingField(n) => write!(f, "missing field {n}"),
            Self::EmptyField(n) => write!(f, "field {n} is empty"),
            Self::FieldTooLong(n) => write!(f, "field {n} is longer than allowed"),
            Self::BadHex(n) => write!(f, "field {n} is not hexadecimal"),
            Self::BadBase64(n) => write!(f, "field {n} is not standard base64"),
            Self::BadEncoding(n) => write!(f, "field {n} is not in its format"),
            Self::IllegalValue(n) => write!(f, "illegal SRP value {n}"),
            Self::BadSignature => f.write_str("the password claim signature does not verify"),
        }
    }
}

impl fmt::Display for Misuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyFailed => f.write_str("the service ended the sign-in earlier"),
            Self::AlreadyDone => f.write_str("the sign-in is finished"),
            Self::AnswerExpected => f.write_str("an answer from the user is expected, not a reply"),
            Self::ReplyExpected => {
                f.write_str("the reply to the last request is expected, not an answer")
            }
            Self::AnswerDoesNotFit => f.write_str("the answer does not fit the question"),
            Self::BadPrivateValue => f.write_str("SRP private value is empty, zero or too long"),
            Self::BrokenRandomSource => f.write_str("the random source returns only zeros"),
            Self::TimeOutOfRange => f.write_str("time is outside the years 1970 to 9999"),
            Self::BadArgument(n) => write!(f, "argument {n} is malformed"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(match self {
            Self::Service(e) => e,
            Self::Protocol(e) => e,
            Self::Misuse(e) => e,
        })
    }
}
impl core::error::Error for ProtocolError {}
impl core::error::Error for ServiceError {}
impl core::error::Error for Misuse {}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Self::Service(e)
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(e)
    }
}

impl From<Misuse> for Error {
    fn from(e: Misuse) -> Self {
        Self::Misuse(e)
    }
}

/// An error reply from Cognito: its kind, its message and the HTTP status.
///
/// Decide by [`ServiceError::kind`], never by the message: messages are not a contract. The
/// message is Cognito's text, shown as received (it never holds a password, key or token).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Cognito's `message` (empty when the reply had none).
    pub message: String,
    /// The HTTP status of the reply.
    pub status: u16,
}

impl ServiceError {
    /// An error of `kind` with Cognito's `message` and the HTTP `status`.
    pub fn new(kind: ErrorKind, message: impl Into<String>, status: u16) -> Self {
        Self {
            kind,
            message: message.into(),
            status,
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {})", self.kind.name(), self.status)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

macro_rules! error_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// The kind of a Cognito error, from its `__type` (or the `x-amzn-ErrorType` header).
        ///
        /// Each variant says what the caller should do. Where Cognito lets the user try again
        /// in the same session (a wrong MFA code, a rejected new password), the sign-in machine
        /// asks again by itself and reports the error in
        /// [`Prompt::previous_error`](crate::Prompt::previous_error) instead of failing.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $variant,)*
            /// Any other type, as Cognito named it (namespace and suffix removed).
            Other(String),
        }

        impl ErrorKind {
            /// Reads a type name as Cognito writes it (`NotAuthorizedException`).
            #[must_use]
            pub fn from_name(name: &str) -> Self {
                match name {
                    $($name => Self::$variant,)*
                    other => Self::Other(String::from(other)),
                }
            }

            /// The type name as Cognito writes it.
            #[must_use]
            pub fn name(&self) -> &str {
                match self {
                    $(Self::$variant => $name,)*
                    Self::Other(name) => name,
                }
            }
        }
    };
}

error_kinds! {
    /// Wrong password or SRP proof, stale timestamp, expired or reused session, bad
    /// SECRET_HASH, invalid refresh token, disabled user, too many failed attempts. Terminal:
    /// report bad credentials (or, for a session or refresh problem, sign in again).
    NotAuthorized = "NotAuthorizedException",
    /// The user does not exist (pools with `PreventUserExistenceErrors=LEGACY`). Terminal.
    UserNotFound = "UserNotFoundException",
    /// The user signed up but never confirmed: run `ConfirmSignUp`, then sign in again.
    UserNotConfirmed = "UserNotConfirmedException",
    /// An administrator reset the password: run `ForgotPassword` / `ConfirmForgotPassword`.
    PasswordResetRequired = "PasswordResetRequiredException",
    /// A wrong MFA or one-time code. The machine asks again with the same session.
    CodeMismatch = "CodeMismatchException",
    /// The code expired. Start the sign-in again.
    ExpiredCode = "ExpiredCodeException",
    /// Throttled. Back off, then start the sign-in again.
    TooManyRequests = "TooManyRequestsException",
    /// A limit was exceeded ("Attempt limit exceeded"). Back off, then start again.
    LimitExceeded = "LimitExceededException",
    /// A malformed request, a flow the app client does not allow, or missing or read-only
    /// attributes. Terminal (a configuration or caller bug), except after a new password,
    /// where the machine asks again.
    InvalidParameter = "InvalidParameterException",
    /// The new password breaks the pool's policy. The machine asks for another one.
    InvalidPassword = "InvalidPasswordException",
    /// The new password was used before. The machine asks for another one.
    PasswordHistoryPolicyViolation = "PasswordHistoryPolicyViolationException",
    /// A resource is gone: the remembered device (the machine drops it and retries once), or
    /// the app client or pool. Otherwise terminal: check the configuration.
    ResourceNotFound = "ResourceNotFoundException",
    /// The first TOTP code of an MFA set-up was wrong. The machine asks again.
    EnableSoftwareTokenMfa = "EnableSoftwareTokenMFAException",
    /// TOTP is not set up for this user. Terminal.
    SoftwareTokenMfaNotFound = "SoftwareTokenMFANotFoundException",
    /// The MFA method is not configured. Terminal.
    MfaMethodNotFound = "MFAMethodNotFoundException",
    /// The email or phone number given is already another user's alias. The machine asks
    /// again after a new password; otherwise terminal.
    AliasExists = "AliasExistsException",
    /// The username exists. Terminal.
    UsernameExists = "UsernameExistsException",
    /// The device key is already registered. The sign-in itself succeeded.
    DeviceKeyExists = "DeviceKeyExistsException",
    /// A Lambda trigger refused the sign-in. Terminal; show the message to the app owner.
    UserLambdaValidation = "UserLambdaValidationException",
    /// A Lambda trigger failed. Terminal.
    UnexpectedLambda = "UnexpectedLambdaException",
    /// A Lambda trigger answered nonsense. Terminal.
    InvalidLambdaResponse = "InvalidLambdaResponseException",
    /// The pool is misconfigured. Terminal.
    InvalidUserPoolConfiguration = "InvalidUserPoolConfigurationException",
    /// The pool's SMS role is misconfigured. Terminal.
    InvalidSmsRoleAccessPolicy = "InvalidSmsRoleAccessPolicyException",
    /// The pool's SMS role trust is misconfigured. Terminal.
    InvalidSmsRoleTrustRelationship = "InvalidSmsRoleTrustRelationshipException",
    /// The pool's email role is misconfigured. Terminal.
    InvalidEmailRoleAccessPolicy = "InvalidEmailRoleAccessPolicyException",
    /// The operation is not supported here. Terminal.
    UnsupportedOperation = "UnsupportedOperationException",
    /// The feature is not enabled. Terminal.
    OperationNotEnabled = "OperationNotEnabledException",
    /// The pool's feature plan is too low for this flow. Terminal.
    FeatureUnavailableInTier = "FeatureUnavailableInTierException",
    /// Blocked by the pool's web ACL. Terminal.
    Forbidden = "ForbiddenException",
    /// A rotated refresh token was reused after its grace period. Sign in again.
    RefreshTokenReuse = "RefreshTokenReuseException",
    /// A concurrent change collided. Start again.
    ConcurrentModification = "ConcurrentModificationException",
    /// Cognito failed internally (or answered 5xx without a type). Start again later.
    InternalError = "InternalErrorException",
}
