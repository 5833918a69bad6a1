//! The JSON form of the conversation (the `serde` feature): one form for every language that
//! embeds the machine. See the crate documentation's "JSON form" section for the schema.
//!
//! The public types that cross a language boundary implement `Serialize` and `Deserialize`
//! here, through small mirror types where the Rust shape and the JSON shape differ (tuple
//! variants, `&'static str` field names). Every object refuses members it does not know.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, ErrorKind, Misuse, ProtocolError, ServiceError};
use crate::flow::{
    Answer, Config, DeviceCredentials, FirstFactor, MfaType, Prompt, Reply, SignedIn, Start, Step,
};
use crate::secret::{ClientSecret, Password, RefreshToken};
use crate::srp::PrivateSize;
use crate::time::UnixTime;
use crate::wire::vocab::{ChallengeName, param};
use crate::wire::{CONTENT_TYPE, Operation, Request};

/// The version of the JSON form. A change that an existing reader could misread (a member
/// renamed, removed or given another meaning) raises it; new optional members and new tags do
/// not.
pub const JSON_FORM_VERSION: u32 = 1;

/// Reads `T` from a JSON object only: serde's derived structs also read arrays (members by
/// position), which no form here is.
fn from_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct Visitor<T>(core::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(Visitor(core::marker::PhantomData))
}

// ---------------------------------------------------------------------------------------
// Plain values
// ---------------------------------------------------------------------------------------

/// Seconds since the Unix epoch, as a JSON number.
impl Serialize for UnixTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for UnixTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        u64::deserialize(d).map(UnixTime)
    }
}

/// The challenge name: `"SMS_MFA"`, `"SOFTWARE_TOKEN_MFA"`, `"EMAIL_OTP"` or another.
impl Serialize for MfaType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for MfaType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(Self::from_name(&name))
    }
}

/// The operation's name: `"InitiateAuth"`, `"ConfirmDevice"`, …
impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

const OPERATIONS: [Operation; 9] = [
    Operation::InitiateAuth,
    Operation::RespondToAuthChallenge,
    Operation::AdminInitiateAuth,
    Operation::AdminRespondToAuthChallenge,
    Operation::AssociateSoftwareToken,
    Operation::VerifySoftwareToken,
    Operation::ConfirmDevice,
    Operation::UpdateDeviceStatus,
    Operation::GetTokensFromRefreshToken,
];

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        OPERATIONS
            .into_iter()
            .find(|op| op.name() == name)
            .ok_or_else(|| D::Error::custom("unknown operation"))
    }
}

// ---------------------------------------------------------------------------------------
// Requests and replies
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestOut<'a> {
    operation: Operation,
    target: &'static str,
    content_type: &'static str,
    sigv4: bool,
    body: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestIn {
    operation: Operation,
    body: String,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    sigv4: Option<bool>,
}

/// `{"operation", "target", "contentType", "sigv4", "body"}`: the body is the exact JSON
/// text to send, as a string. It may hold a password or a token.
impl Serialize for Request {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Request bodies are written by this crate as UTF-8 JSON.
        let body = core::str::from_utf8(self.body()).map_err(serde::ser::Error::custom)?;
        RequestOut {
            operation: self.operation(),
            target: self.target(),
            content_type: CONTENT_TYPE,
            sigv4: self.needs_sigv4(),
            body,
        }
        .serialize(s)
    }
}

/// Reads the form [`Request`] writes; `target`, `contentType` and `sigv4` may be left out,
/// and must agree with `operation` when given.
impl<'de> Deserialize<'de> for Request {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r: RequestIn = from_object(d)?;
        let op = r.operation;
        if r.target.is_some_and(|t| t != op.target())
            || r.content_type.is_some_and(|c| c != CONTENT_TYPE)
            || r.sigv4.is_some_and(|v| v != op.needs_sigv4())
        {
            return Err(D::Error::custom(
                "target, contentType or sigv4 disagrees with operation",
            ));
        }
        let body = zeroize::Zeroizing::new(r.body.into_bytes());
        Ok(Self::new(op, body))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReplyJson {
    status: u16,
    body: String,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

/// `{"status", "body", "errorType", "date"}`; the last two may be left out or `null`.
impl Serialize for Reply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ReplyJson {
            status: self.status,
            body: self.body.clone(),
            error_type: self.error_type.clone(),
            date: self.date.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Reply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r: ReplyJson = from_object(d)?;
        let mut reply = Reply::new(r.status, r.body);
        reply.error_type = r.error_type;
        reply.date = r.date;
        Ok(reply)
    }
}

// ---------------------------------------------------------------------------------------
// Steps, questions and answers
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
enum StepOut<'a> {
    Send { request: &'a Request },
    NeedInput { prompt: &'a Prompt },
    Done { signed_in: &'a SignedIn },
}

#[derive(Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
#[allow(clippy::large_enum_variant)] // as `Step`: read once, moved into it at once
enum StepIn {
    Send { request: Request },
    NeedInput { prompt: Prompt },
    Done { signed_in: SignedIn },
}

/// `{"type": "send", "request"}`, `{"type": "needInput", "prompt"}` or
/// `{"type": "done", "signedIn"}`.
impl Serialize for Step {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Send(request) => StepOut::Send { request },
            Self::NeedInput(prompt) => StepOut::NeedInput { prompt },
            Self::Done(signed_in) => StepOut::Done { signed_in },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match from_object::<D, StepIn>(d)? {
            StepIn::Send { request } => Self::Send(request),
            StepIn::NeedInput { prompt } => Self::NeedInput(prompt),
            StepIn::Done { signed_in } => Self::Done(signed_in),
        })
    }
}

/// An answer as JSON: `{"type": "code", "code": "123456"}` and the like.
#[derive(Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
enum AnswerJson {
    Code {
        code: String,
    },
    Mfa {
        mfa: MfaType,
    },
    SetUpTotp,
    SetUpEmail {
        email: String,
    },
    NewPassword {
        password: Password,
        #[serde(default)]
        attributes: BTreeMap<String, String>,
    },
    Custom {
        answer: String,
    },
    FirstFactor {
        factor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<Password>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<String>,
    },
    Password {
        password: Password,
    },
    Credential {
        credential: String,
    },
    RememberDevice {
        remember: bool,
    },
}

/// A first factor: `{"factor": "PASSWORD_SRP", "password": "…"}`, `{"factor": "EMAIL_OTP"}`,
/// `{"factor": "WEB_AUTHN", "credential": "…"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FirstFactorJson {
    factor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<Password>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<String>,
}

impl From<FirstFactor> for FirstFactorJson {
    fn from(f: FirstFactor) -> Self {
        let factor = String::from(f.name());
        let (password, credential) = match f {
            FirstFactor::Password(p) | FirstFactor::PasswordSrp(p) => (Some(p), None),
            FirstFactor::WebAuthn(c) => (None, c),
            FirstFactor::EmailOtp | FirstFactor::SmsOtp => (None, None),
        };
        Self {
            factor,
            password,
            credential,
        }
    }
}

impl TryFrom<FirstFactorJson> for FirstFactor {
    type Error = &'static str;

    fn try_from(f: FirstFactorJson) -> Result<Self, Self::Error> {
        let no_password = |v: Self| {
            if f.password.is_some() {
                Err("password given for a factor without one")
            } else {
                Ok(v)
            }
        };
        let no_credential = |v: Self| {
            if f.credential.is_some() {
                Err("credential given for a factor without one")
            } else {
                Ok(v)
            }
        };
        match f.factor.as_str() {
            "PASSWORD" => no_credential(Self::Password(
                f.password.clone().ok_or("missing password")?,
            )),
            "PASSWORD_SRP" => no_credential(Self::PasswordSrp(
                f.password.clone().ok_or("missing password")?,
            )),
            "EMAIL_OTP" => no_credential(Self::EmailOtp).and_then(no_password),
            "SMS_OTP" => no_credential(Self::SmsOtp).and_then(no_password),
            "WEB_AUTHN" => no_password(Self::WebAuthn(f.credential.clone())),
            _ => Err("unknown factor"),
        }
    }
}

impl Serialize for FirstFactor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        FirstFactorJson::from(self.clone()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for FirstFactor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Strict {
            factor: String,
            #[serde(default)]
            password: Option<Password>,
            #[serde(default)]
            credential: Option<String>,
        }
        let Strict {
            factor,
            password,
            credential,
        } = from_object(d)?;
        FirstFactorJson {
            factor,
            password,
            credential,
        }
        .try_into()
        .map_err(D::Error::custom)
    }
}

/// `{"type": "code", "code"}`, `{"type": "mfa", "mfa"}`, `{"type": "setUpTotp"}`,
/// `{"type": "setUpEmail", "email"}`, `{"type": "newPassword", "password", "attributes"}`,
/// `{"type": "custom", "answer"}`, `{"type": "firstFactor", "factor", "password"?,
/// "credential"?}`, `{"type": "password", "password"}`, `{"type": "credential",
/// "credential"}`, `{"type": "rememberDevice", "remember"}`.
impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        AnswerJson::from(self.clone()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_object::<D, AnswerJson>(d)?
            .try_into()
            .map_err(D::Error::custom)
    }
}

impl From<Answer> for AnswerJson {
    fn from(a: Answer) -> Self {
        match a {
            Answer::Code(code) => Self::Code { code },
            Answer::Mfa(mfa) => Self::Mfa { mfa },
            Answer::SetUpTotp => Self::SetUpTotp,
            Answer::SetUpEmail(email) => Self::SetUpEmail { email },
            Answer::NewPassword {
                password,
                attributes,
            } => Self::NewPassword {
                password,
                attributes,
            },
            Answer::Custom(answer) => Self::Custom { answer },
            Answer::FirstFactor(f) => {
                let FirstFactorJson {
                    factor,
                    password,
                    credential,
                } = f.into();
                Self::FirstFactor {
                    factor,
                    password,
                    credential,
                }
            }
            Answer::Password(password) => Self::Password { password },
            Answer::Credential(credential) => Self::Credential { credential },
            Answer::RememberDevice(remember) => Self::RememberDevice { remember },
        }
    }
}

impl TryFrom<AnswerJson> for Answer {
    type Error = &'static str;

    fn try_from(a: AnswerJson) -> Result<Self, Self::Error> {
        Ok(match a {
            AnswerJson::Code { code } => Self::Code(code),
            AnswerJson::Mfa { mfa } => Self::Mfa(mfa),
            AnswerJson::SetUpTotp => Self::SetUpTotp,
            AnswerJson::SetUpEmail { email } => Self::SetUpEmail(email),
            AnswerJson::NewPassword {
                password,
                attributes,
            } => Self::NewPassword {
                password,
                attributes,
            },
            AnswerJson::Custom { answer } => Self::Custom(answer),
            AnswerJson::FirstFactor {
                factor,
                password,
                credential,
            } => Self::FirstFactor(
                FirstFactorJson {
                    factor,
                    password,
                    credential,
                }
                .try_into()?,
            ),
            AnswerJson::Password { password } => Self::Password(password),
            AnswerJson::Credential { credential } => Self::Credential(credential),
            AnswerJson::RememberDevice { remember } => Self::RememberDevice(remember),
        })
    }
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// An error as JSON: `{"type", "kind", "field", "status", "message"}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ErrorJson {
    /// `service`, `protocol` or `misuse`: whose fault it was.
    #[serde(rename = "type")]
    category: String,
    /// The service's exception name, or the protocol error or misuse in camelCase.
    kind: String,
    /// The field, operation, reason or challenge the error names.
    #[serde(default)]
    field: Option<String>,
    /// The HTTP status (service errors, `unexpectedStatus`).
    #[serde(default)]
    status: Option<u16>,
    /// Cognito's message (service errors) or the error's text.
    #[serde(default)]
    message: String,
}

fn protocol_parts(e: &ProtocolError) -> (&'static str, Option<String>, Option<u16>) {
    use ProtocolError as P;
    let f = |s: &str| Some(String::from(s));
    match e {
        P::BadJson(op) => ("badJson", f(op), None),
        P::UnexpectedReply(why) => ("unexpectedReply", f(why), None),
        P::UnexpectedStatus(status) => ("unexpectedStatus", None, Some(*status)),
        P::UnknownChallenge(name) => ("unknownChallenge", f(name), None),
        P::UnexpectedChallenge(name) => ("unexpectedChallenge", f(name), None),
        P::MissingField(n) => ("missingField", f(n), None),
        P::EmptyField(n) => ("emptyField", f(n), None),
        P::FieldTooLong(n) => ("fieldTooLong", f(n), None),
        P::BadHex(n) => ("badHex", f(n), None),
        P::BadBase64(n) => ("badBase64", f(n), None),
        P::BadEncoding(n) => ("badEncoding", f(n), None),
        P::IllegalValue(n) => ("illegalValue", f(n), None),
        P::BadSignature => ("badSignature", None, None),
    }
}

fn misuse_parts(e: &Misuse) -> (&'static str, Option<String>) {
    match e {
        Misuse::AlreadyFailed => ("alreadyFailed", None),
        Misuse::AlreadyDone => ("alreadyDone", None),
        Misuse::AnswerExpected => ("answerExpected", None),
        Misuse::ReplyExpected => ("replyExpected", None),
        Misuse::AnswerDoesNotFit => ("answerDoesNotFit", None),
        Misuse::BadPrivateValue => ("badPrivateValue", None),
        Misuse::BrokenRandomSource => ("brokenRandomSource", None),
        Misuse::TimeOutOfRange => ("timeOutOfRange", None),
        Misuse::BadArgument(n) => ("badArgument", Some(String::from(*n))),
    }
}

impl From<&ServiceError> for ErrorJson {
    fn from(e: &ServiceError) -> Self {
        Self {
            category: String::from("service"),
            kind: String::from(e.kind.name()),
            field: None,
            status: Some(e.status),
            message: e.message.clone(),
        }
    }
}

impl From<&Error> for ErrorJson {
    fn from(e: &Error) -> Self {
        match e {
            Error::Service(s) => s.into(),
            Error::Protocol(p) => {
                let (kind, field, status) = protocol_parts(p);
                Self {
                    category: String::from("protocol"),
                    kind: String::from(kind),
                    field,
                    status,
                    message: p.to_string(),
                }
            }
            Error::Misuse(m) => {
                let (kind, field) = misuse_parts(m);
                Self {
                    category: String::from("misuse"),
                    kind: String::from(kind),
                    field,
                    status: None,
                    message: m.to_string(),
                }
            }
        }
    }
}

/// Every name an error of this crate can carry: errors name fields as `&'static str`, so
/// reading one back maps the text to the crate's own name. A name not here is refused.
fn static_name(name: &str) -> Option<&'static str> {
    const NAMES: &[&str] = &[
        // Members and parameters the machine and the SRP core check.
        "AccessToken",
        "AvailableChallenges",
        "ChallengeName",
        "ChallengeParameters",
        "CREDENTIAL_REQUEST_OPTIONS",
        "DeviceGroupKey",
        "DeviceKey",
        "IdToken",
        "MFAS_CAN_CHOOSE",
        "MFAS_CAN_SETUP",
        "NewDeviceMetadata",
        "PasswordVerifier",
        "PASSWORD_CLAIM_SECRET_BLOCK",
        "PASSWORD_CLAIM_SIGNATURE",
        "RefreshToken",
        "SALT",
        "SECRET_BLOCK",
        "SECRET_HASH",
        "SRP_A",
        "SRP_B",
        "Salt",
        "SecretCode",
        "Session",
        "TIMESTAMP",
        "TokenType",
        "USERNAME",
        "USER_ID_FOR_SRP",
        "body",
        "requiredAttributes",
        "userAttributes",
        "x",
        "u",
        // Challenges that cannot be answered where they came.
        "ADMIN_NO_SRP_AUTH",
        "DEVICE_PASSWORD_VERIFIER",
        "DEVICE_SRP_AUTH",
        "PASSWORD_VERIFIER",
        // Reasons of `unexpectedReply`.
        "neither AuthenticationResult nor ChallengeName",
        "refresh without AuthenticationResult",
        // Caller arguments.
        "user_pool_id",
        "client_id",
        "flow",
        "username",
        "session",
        "device_key",
        "preferred",
        "device_password",
        "verifier",
        "salt",
        "private value",
    ];
    let known = NAMES.iter().copied().find(|n| *n == name);
    known
        .or_else(|| OPERATIONS.iter().map(|op| op.name()).find(|n| *n == name))
        .or_else(|| ChallengeName::from_name(name).known_name())
        .or_else(|| param_name(name))
}

/// The parameter names of the vocabulary.
fn param_name(name: &str) -> Option<&'static str> {
    [
        param::PASSWORD,
        param::NEW_PASSWORD,
        param::REFRESH_TOKEN,
        param::DEVICE_KEY,
        param::CHALLENGE_NAME,
        param::PREFERRED_CHALLENGE,
        param::ANSWER,
        param::EMAIL,
        param::CREDENTIAL,
        param::CODE_DELIVERY_DESTINATION,
        param::FRIENDLY_DEVICE_NAME,
    ]
    .into_iter()
    .find(|n| *n == name)
}

impl TryFrom<ErrorJson> for Error {
    type Error = &'static str;

    fn try_from(e: ErrorJson) -> Result<Self, Self::Error> {
        let field = || -> Result<&'static str, &'static str> {
            static_name(e.field.as_deref().ok_or("missing field")?).ok_or("unknown field name")
        };
        match e.category.as_str() {
            "service" => Ok(Error::Service(ServiceError::new(
                ErrorKind::from_name(&e.kind),
                e.message.clone(),
                e.status.ok_or("missing status")?,
            ))),
            "protocol" => {
                use ProtocolError as P;
                Ok(Error::Protocol(match e.kind.as_str() {
                    "badJson" => P::BadJson(field()?),
                    "unexpectedReply" => P::UnexpectedReply(field()?),
                    "unexpectedStatus" => P::UnexpectedStatus(e.status.ok_or("missing status")?),
                    "unknownChallenge" => {
                        P::UnknownChallenge(e.field.clone().ok_or("missing field")?)
                    }
                    "unexpectedChallenge" => P::UnexpectedChallenge(field()?),
                    "missingField" => P::MissingField(field()?),
                    "emptyField" => P::EmptyField(field()?),
                    "fieldTooLong" => P::FieldTooLong(field()?),
                    "badHex" => P::BadHex(field()?),
                    "badBase64" => P::BadBase64(field()?),
                    "badEncoding" => P::BadEncoding(field()?),
                    "illegalValue" => P::IllegalValue(field()?),
                    "badSignature" => P::BadSignature,
                    _ => return Err("unknown protocol error kind"),
                }))
            }
            "misuse" => Ok(Error::Misuse(match e.kind.as_str() {
                "alreadyFailed" => Misuse::AlreadyFailed,
                "alreadyDone" => Misuse::AlreadyDone,
                "answerExpected" => Misuse::AnswerExpected,
                "replyExpected" => Misuse::ReplyExpected,
                "answerDoesNotFit" => Misuse::AnswerDoesNotFit,
                "badPrivateValue" => Misuse::BadPrivateValue,
                "brokenRandomSource" => Misuse::BrokenRandomSource,
                "timeOutOfRange" => Misuse::TimeOutOfRange,
                "badArgument" => Misuse::BadArgument(field()?),
                _ => return Err("unknown misuse kind"),
            })),
            _ => Err("unknown error type"),
        }
    }
}

/// `{"type": "service" | "protocol" | "misuse", "kind", "field", "status", "message"}`.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ErrorJson::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Error {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_object::<D, ErrorJson>(d)?
            .try_into()
            .map_err(D::Error::custom)
    }
}

/// The service form of [`Error`]: `{"type": "service", "kind", "status", "message"}`.
impl Serialize for ServiceError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ErrorJson::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for ServiceError {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Error::deserialize(d)? {
            Error::Service(e) => Ok(e),
            _ => Err(D::Error::custom("not a service error")),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Inputs: the configuration and the start
// ---------------------------------------------------------------------------------------

/// A configuration as JSON (read only: it holds the client secret).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigJson {
    user_pool_id: String,
    client_id: String,
    #[serde(default)]
    client_secret: Option<ClientSecret>,
    #[serde(default)]
    devices: Vec<DeviceCredentials>,
    #[serde(default)]
    private_bits: Option<u16>,
    #[serde(default)]
    device_name: Option<String>,
    #[serde(default)]
    confirm_new_devices: Option<bool>,
    #[serde(default)]
    totp_issuer: Option<String>,
    #[serde(default)]
    totp_device_name: Option<String>,
    #[serde(default)]
    client_metadata: Option<BTreeMap<String, String>>,
}

impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let c: ConfigJson = from_object(d)?;
        let mut config = Config::new(c.user_pool_id, c.client_id).map_err(D::Error::custom)?;
        if let Some(secret) = c.client_secret {
            config = config.with_client_secret(secret);
        }
        for device in c.devices {
            config = config.with_device(device);
        }
        config = config.with_private_size(match c.private_bits {
            None | Some(256) => PrivateSize::Bits256,
            Some(1024) => PrivateSize::Bits1024,
            Some(_) => return Err(D::Error::custom("privateBits must be 256 or 1024")),
        });
        if let Some(name) = c.device_name {
            config = config.with_device_name(name);
        }
        if c.confirm_new_devices == Some(false) {
            config = config.without_device_confirmation();
        }
        if let Some(issuer) = c.totp_issuer {
            config = config.with_totp_issuer(issuer);
        }
        if let Some(name) = c.totp_device_name {
            config = config.with_totp_device_name(name);
        }
        if let Some(metadata) = c.client_metadata {
            config = config.with_client_metadata(metadata);
        }
        Ok(config)
    }
}

/// How a sign-in starts, as JSON (read only: it holds the password).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StartJson {
    flow: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<Password>,
    #[serde(default)]
    preferred: Option<FirstFactor>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    device_key: Option<String>,
}

impl<'de> Deserialize<'de> for Start {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: StartJson = from_object(d)?;
        let StartJson {
            flow,
            username,
            password,
            preferred,
            refresh_token,
            admin,
            session,
            device_key,
        } = s;
        let missing = |what: &str| D::Error::custom(alloc::format!("{flow} needs {what}"));
        let user = || username.clone().ok_or_else(|| missing("username"));
        let pw = || password.clone().ok_or_else(|| missing("password"));
        let token = || refresh_token.clone().ok_or_else(|| missing("refreshToken"));
        let unexpected = |what: &str, present: bool| {
            if present {
                Err(D::Error::custom(alloc::format!("{flow} takes no {what}")))
            } else {
                Ok(())
            }
        };
        let mut start = match flow.as_str() {
            "USER_SRP_AUTH"
            | "USER_PASSWORD_AUTH"
            | "ADMIN_USER_PASSWORD_AUTH"
            | "ADMIN_NO_SRP_AUTH" => {
                unexpected("refreshToken", refresh_token.is_some())?;
                unexpected("preferred", preferred.is_some())?;
                let (u, p) = (user()?, pw()?);
                match flow.as_str() {
                    "USER_SRP_AUTH" => Start::user_srp(u, p),
                    "USER_PASSWORD_AUTH" => Start::user_password(u, p),
                    "ADMIN_USER_PASSWORD_AUTH" => Start::admin_user_password(u, p),
                    _ => Start::admin_no_srp(u, p),
                }
            }
            "CUSTOM_AUTH" => {
                unexpected("refreshToken", refresh_token.is_some())?;
                unexpected("preferred", preferred.is_some())?;
                match password.clone() {
                    Some(p) => Start::custom_with_srp(user()?, p),
                    None => Start::custom(user()?),
                }
            }
            "USER_AUTH" => {
                unexpected("refreshToken", refresh_token.is_some())?;
                unexpected("password (give preferred)", password.is_some())?;
                match preferred.clone() {
                    Some(f) => Start::user_auth_preferring(user()?, f),
                    None => Start::user_auth(user()?),
                }
            }
            "REFRESH_TOKEN_AUTH" => {
                unexpected("password", password.is_some())?;
                unexpected("preferred", preferred.is_some())?;
                Start::refresh(token()?, username.clone())
            }
            "GetTokensFromRefreshToken" => {
                unexpected("password", password.is_some())?;
                unexpected("preferred", preferred.is_some())?;
                unexpected("username", username.is_some())?;
                Start::refresh_rotating(token()?)
            }
            _ => return Err(D::Error::custom("unknown flow")),
        };
        if admin {
            start = start.via_admin();
        }
        if let Some(session) = session {
            start = start.with_session(session);
        }
        if let Some(key) = device_key {
            start = start.with_device_key(key);
        }
        Ok(start)
    }
}

// The remaining types derive their form beside their definitions: `Prompt`, `Challenge`,
// `SignedIn`, `Tokens`, `NewDevice`, `DeviceStatus`, `DeviceCredentials`, `Reply`.

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + core::fmt::Debug>(
        value: &T,
    ) -> serde_json::Value {
        let json = serde_json::to_value(value).unwrap_or_default();
        let back: T = serde_json::from_value(json.clone()).unwrap_or_else(|e| {
            panic!("{json}: {e}");
        });
        assert_eq!(&back, value);
        json
    }

    #[test]
    fn answers_round_trip() {
        let answers = vec![
            Answer::Code("012345".into()),
            Answer::Mfa(MfaType::SoftwareToken),
            Answer::SetUpTotp,
            Answer::SetUpEmail("jane@example.com".into()),
            Answer::NewPassword {
                password: Password::new("pw"),
                attributes: BTreeMap::from([("name".into(), "Jane".into())]),
            },
            Answer::Custom("42".into()),
            Answer::FirstFactor(FirstFactor::PasswordSrp(Password::new("pw"))),
            Answer::FirstFactor(FirstFactor::EmailOtp),
            Answer::FirstFactor(FirstFactor::WebAuthn(Some("{}".into()))),
            Answer::Password(Password::new("pw")),
            Answer::Credential("{}".into()),
            Answer::RememberDevice(true),
        ];
        for a in &answers {
            round_trip(a);
        }
        assert_eq!(
            serde_json::to_value(Answer::Code("012345".into())).ok(),
            Some(serde_json::json!({"type": "code", "code": "012345"}))
        );
    }

    #[test]
    fn errors_round_trip() {
        let errors = vec![
            Error::Service(ServiceError::new(
                ErrorKind::CodeMismatch,
                "Invalid code",
                400,
            )),
            Error::Service(ServiceError::new(
                ErrorKind::Other("NewException".into()),
                "",
                400,
            )),
            ProtocolError::MissingField("SRP_B").into(),
            ProtocolError::BadJson("ConfirmDevice").into(),
            ProtocolError::UnexpectedStatus(302).into(),
            ProtocolError::UnknownChallenge("NEW".into()).into(),
            ProtocolError::UnexpectedReply("refresh without AuthenticationResult").into(),
            ProtocolError::BadSignature.into(),
            Misuse::BadArgument("user_pool_id").into(),
            Misuse::AnswerDoesNotFit.into(),
        ];
        for e in &errors {
            round_trip(e);
        }
        let json = serde_json::to_value(Error::from(ProtocolError::MissingField("SRP_B")));
        assert_eq!(
            json.ok(),
            Some(
                serde_json::json!({"type": "protocol", "kind": "missingField",
                "field": "SRP_B", "status": null, "message": "missing field SRP_B"})
            )
        );
    }

    #[test]
    fn bad_json_is_refused_with_a_message() {
        for (text, what) in [
            (r#"{"type":"code"}"#, "missing field"),
            (r#"{"type":"code","code":"1","extra":1}"#, "unknown field"),
            (r#"{"type":"nope"}"#, "unknown variant"),
            (
                r#"{"type":"firstFactor","factor":"PASSWORD"}"#,
                "missing password",
            ),
            (r#"[1]"#, "invalid type"),
            (r#"["code", "123456"]"#, "invalid type"),
        ] {
            let err = serde_json::from_str::<Answer>(text)
                .err()
                .map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains(what)),
                "{text}: {err:?}"
            );
        }
        let err = serde_json::from_str::<Error>(
            r#"{"type":"protocol","kind":"missingField","field":"NOPE","message":""}"#,
        );
        assert!(err.is_err());
    }
}
