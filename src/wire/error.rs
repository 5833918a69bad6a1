//! Cognito error replies: the type from the `x-amzn-ErrorType` header or the body's `__type`
//! (or `code`), the message from `message` (or `Message`).

use alloc::string::String;

use serde::Deserialize;

use crate::error::{ErrorKind, ServiceError};

/// The members of an error body that name and explain the error.
///
/// Read by hand rather than derived: a member given twice counts once, the last time, as
/// generic JSON readers do. (A derived reader refuses the whole body instead, and a 2xx reply
/// naming an error twice would then pass for a success.)
#[derive(Default)]
struct ErrorBody {
    type_: Option<String>,
    code: Option<String>,
    message: Option<String>,
    message_upper: Option<String>,
}

impl<'de> Deserialize<'de> for ErrorBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ErrorBody;

            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("an error object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut body = ErrorBody::default();
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        "__type" => &mut body.type_,
                        "code" => &mut body.code,
                        "message" => &mut body.message,
                        "Message" => &mut body.message_upper,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = map.next_value()?;
                }
                Ok(body)
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// Strips the decorations AWS JSON services put around an error type: a suffix after `:` or
/// `,`, and a namespace before the last `#`.
fn normalise(raw: &str) -> &str {
    let cut = raw.split([':', ',']).next().unwrap_or(raw);
    let name = cut.rsplit('#').next().unwrap_or(cut);
    name.trim()
}

/// Reads an error reply. `header` is the `x-amzn-ErrorType` header when the caller has it.
/// Returns `None` when neither the header nor the body names a type.
pub(crate) fn parse_error(status: u16, header: Option<&str>, body: &[u8]) -> Option<ServiceError> {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let from_header = header.map(normalise).filter(|n| !n.is_empty());
    let from_body = parsed
        .type_
        .as_deref()
        .or(parsed.code.as_deref())
        .map(normalise)
        .filter(|n| !n.is_empty());
    let mut name = from_header.or(from_body)?;
    // Cut an absurdly long type at a character boundary (the kind is then `Other`).
    let mut end = name.len().min(crate::wire::MAX_NAME_CHARS);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name = name.get(..end).unwrap_or_default();
    let message = parsed.message.or(parsed.message_upper).unwrap_or_default();
    let mut message = message;
    let mut cut = message.len().min(1024);
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    message.truncate(cut);
    Some(ServiceError {
        kind: ErrorKind::from_name(name),
        message,
        status,
    })
}

/// An error whose type no one named: 5xx is an internal error, anything else unknown.
pub(crate) fn unnamed_error(status: u16) -> Option<ServiceError> {
    (status >= 500).then(|| ServiceError {
        kind: ErrorKind::InternalError,
        message: String::new(),
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decorations_are_removed() {
        assert_eq!(
            normalise("NotAuthorizedException"),
            "NotAuthorizedException"
        );
        assert_eq!(
            normalise("com.amazonaws.cognito#NotAuthorizedException"),
            "NotAuthorizedException"
        );
        assert_eq!(
            normalise("NotAuthorizedException:http://x/"),
            "NotAuthorizedException"
        );
        let e = parse_error(
            400,
            None,
            br#"{"__type":"a#CodeMismatchException","Message":"no"}"#,
        )
        .unwrap();
        assert_eq!(e.kind, ErrorKind::CodeMismatch);
        assert_eq!(e.message, "no");
        let e = parse_error(400, Some("UserNotFoundException:x"), b"<html>").unwrap();
        assert_eq!(e.kind, ErrorKind::UserNotFound);
        assert!(parse_error(400, None, b"{}").is_none());
    }
}
