//! The errors: a request that got no reply, and a sign-in that did not finish.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_cognitoidentityprovider::error::{BoxError, DisplayErrorContext};
use cognito_signin::Operation;

/// Why [`send`](crate::send) has no reply to give the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendErrorKind {
    /// The request is not one this crate sends: an operation it does not map, or a body that
    /// is not the one the machine writes for its operation (a field missing, unknown or of the
    /// wrong type). Nothing was sent.
    Request,
    /// The SDK could not build, sign or hand over the request for a reason of its own
    /// configuration: no credentials (or other identity) to sign an `Admin*` operation with,
    /// an endpoint it cannot use. Nothing was sent.
    Construction,
    /// The SDK's operation or attempt timeout ran out. The request may have arrived.
    Timeout,
    /// No response came: the connection could not be made or broke. The request may have
    /// arrived.
    Dispatch,
    /// A response came but could not be read whole.
    Response,
}

/// A request that got no reply: the SDK's failure, or a request this crate cannot send.
///
/// The machine has not seen it, so it still waits for the reply to the same request: the
/// caller may send that request again, or give up. The message names the operation and the
/// cause, never a field's value (request bodies hold passwords and tokens).
#[derive(Debug)]
pub struct SendError {
    kind: SendErrorKind,
    operation: Option<&'static str>,
    detail: &'static str,
    source: Option<BoxError>,
}

impl SendError {
    pub(crate) fn request(operation: Operation, detail: &'static str) -> Self {
        Self {
            kind: SendErrorKind::Request,
            operation: Some(operation.name()),
            detail,
            source: None,
        }
    }

    pub(crate) fn unsupported(operation: Operation) -> Self {
        Self {
            kind: SendErrorKind::Request,
            operation: Some(operation.name()),
            detail: "an operation this crate does not send",
            source: None,
        }
    }

    pub(crate) fn unwritable() -> Self {
        Self {
            kind: SendErrorKind::Response,
            operation: None,
            detail: "the SDK's output could not be written as JSON",
            source: None,
        }
    }

    pub(crate) fn sdk(kind: SendErrorKind, error: impl StdError + Send + Sync + 'static) -> Self {
        Self {
            kind,
            operation: None,
            detail: match kind {
                SendErrorKind::Construction => "the SDK could not build or sign the request",
                SendErrorKind::Timeout => "the request timed out",
                SendErrorKind::Dispatch => "no response came",
                SendErrorKind::Response | SendErrorKind::Request => {
                    "the response could not be read"
                }
            },
            source: Some(Box::new(error)),
        }
    }

    /// Why there is no reply.
    #[must_use]
    pub fn kind(&self) -> SendErrorKind {
        self.kind
    }

    /// Whether sending the same request again may succeed: a timeout, a failed connection or
    /// an unreadable response. A request the SDK or this crate could not build fails the same
    /// way every time.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            SendErrorKind::Timeout | SendErrorKind::Dispatch | SendErrorKind::Response
        )
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operation {
            Some(operation) => write!(f, "{operation}: {}", self.detail)?,
            None => f.write_str(self.detail)?,
        }
        if let Some(source) = &self.source {
            write!(f, ": {}", DisplayErrorContext(source.as_ref()))?;
        }
        Ok(())
    }
}

impl StdError for SendError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Why [`sign_in`](crate::sign_in) did not sign in.
#[derive(Debug)]
#[non_exhaustive]
pub enum SignInError {
    /// A request got no reply (see [`SendError`]). The sign-in stopped there; the machine
    /// never saw the failure.
    Send(SendError),
    /// The machine ended the sign-in: the service refused it
    /// ([`cognito_signin::Error::Service`], with Cognito's error name and message), its reply
    /// broke the protocol, or an answer was not one the question allows.
    SignIn(cognito_signin::Error),
    /// The operating system's random generator failed, so no sign-in could start.
    Entropy,
}

impl fmt::Display for SignInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send(e) => e.fmt(f),
            Self::SignIn(e) => e.fmt(f),
            Self::Entropy => f.write_str("the operating system's random generator failed"),
        }
    }
}

impl StdError for SignInError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Send(e) => Some(e),
            Self::SignIn(e) => Some(e),
            Self::Entropy => None,
        }
    }
}

impl From<SendError> for SignInError {
    fn from(e: SendError) -> Self {
        Self::Send(e)
    }
}

impl From<cognito_signin::Error> for SignInError {
    fn from(e: cognito_signin::Error) -> Self {
        Self::SignIn(e)
    }
}
