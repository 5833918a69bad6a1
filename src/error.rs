//! The crate's errors: whose fault it was, and what to do about it.

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
    /// The peer's data breaks the protocol: a missing or malformed field, or a value SRP must
    /// refuse. Treat the sign-in as failed; retrying with the same reply cannot succeed.
    Protocol(ProtocolError),
    /// The caller used the API out of order or with values it does not accept. Never caused by
    /// data from the peer.
    Misuse(Misuse),
}

/// The peer (the service, or for the server side, the client) sent something the protocol
/// does not allow. Each variant names the field, never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
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
    /// A value SRP must refuse: `SRP_B` with `B mod N == 0` (or `B == k·g^x`), `SRP_A` with
    /// `A mod N == 0`, or a scrambling parameter `u == 0`. A correct peer never sends it.
    IllegalValue(&'static str),
    /// The claim signature does not verify (server side: wrong password or tampered data).
    BadSignature,
}

/// The caller used the API in a way it does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misuse {
    /// A caller-supplied SRP private value is empty, zero, or longer than
    /// [`MAX_PRIVATE_BYTES`](crate::srp::MAX_PRIVATE_BYTES).
    BadPrivateValue,
    /// The random source returned only zero bytes, again and again: it is broken.
    BrokenRandomSource,
    /// The time lies outside the years 1970 to 9999 that Cognito's `TIMESTAMP` can express.
    TimeOutOfRange,
    /// A caller-supplied value (user pool id, device key, …) is malformed; the field is named.
    BadArgument(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::Misuse(e) => write!(f, "API misuse: {e}"),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingField(n) => write!(f, "missing field {n}"),
            Self::EmptyField(n) => write!(f, "field {n} is empty"),
            Self::FieldTooLong(n) => write!(f, "field {n} is longer than allowed"),
            Self::BadHex(n) => write!(f, "field {n} is not hexadecimal"),
            Self::BadBase64(n) => write!(f, "field {n} is not standard base64"),
            Self::IllegalValue(n) => write!(f, "illegal SRP value {n}"),
            Self::BadSignature => f.write_str("the password claim signature does not verify"),
        }
    }
}

impl fmt::Display for Misuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadPrivateValue => f.write_str("SRP private value is empty, zero or too long"),
            Self::BrokenRandomSource => f.write_str("the random source returns only zeros"),
            Self::TimeOutOfRange => f.write_str("time is outside the years 1970 to 9999"),
            Self::BadArgument(n) => write!(f, "argument {n} is malformed"),
        }
    }
}

impl core::error::Error for Error {}
impl core::error::Error for ProtocolError {}
impl core::error::Error for Misuse {}

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
