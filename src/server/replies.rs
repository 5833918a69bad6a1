//! Replies as Cognito shapes them, and reading the request's fields (whose absence is a
//! reply too).

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value, json};

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

impl ServerReply {
    /// A 200 with this JSON body.
    #[must_use]
    pub fn success(body: &Value) -> Self {
        Self {
            status: 200,
            body: serde_json::to_vec(body).unwrap_or_default(),
            error_type: None,
        }
    }

    /// An error as Cognito shapes it: `status`, `{"__type": kind, "message": message}` and
    /// the type for `x-amzn-ErrorType`.
    #[must_use]
    pub fn error(status: u16, kind: &str, message: &str) -> Self {
        Self {
            status,
            body: serde_json::to_vec(&json!({"__type": kind, "message": message}))
                .unwrap_or_default(),
            error_type: Some(kind.to_owned()),
        }
    }
}

pub(super) fn ok(body: Value) -> ServerReply {
    ServerReply::success(&body)
}

pub(super) fn err(kind: &str, message: &str) -> ServerReply {
    ServerReply::error(400, kind, message)
}

pub(super) fn bad_credentials() -> ServerReply {
    err("NotAuthorizedException", "Incorrect username or password.")
}

pub(super) fn invalid_session() -> ServerReply {
    err("NotAuthorizedException", "Invalid session for the user.")
}

pub(super) fn bad_user_code() -> ServerReply {
    err(
        "InvalidParameterException",
        "1 validation error detected: Value at 'userCode' failed to satisfy constraint",
    )
}

pub(super) fn str_field<'a>(
    req: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, ServerReply> {
    req.get(name).and_then(Value::as_str).ok_or_else(|| {
        err(
            "InvalidParameterException",
            &format!("Missing required parameter {name}"),
        )
    })
}

pub(super) fn map_field(
    req: &Map<String, Value>,
    name: &str,
) -> Result<Map<String, Value>, ServerReply> {
    match req.get(name) {
        // A null member is an absent one (amazon-cognito-identity-js sends
        // `"DEVICE_KEY": null` when it has no device).
        Some(Value::Object(m)) if m.values().all(|v| v.is_string() || v.is_null()) => Ok(m
            .iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()),
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

pub(super) fn param(params: &Map<String, Value>, name: &str) -> Result<String, ServerReply> {
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
