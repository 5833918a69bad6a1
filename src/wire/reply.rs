//! The service's replies: each one size-checked and read once, as a Cognito error or as the
//! success body of the operation it answers.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::{parse_error, unnamed_error};
use super::{
    MAX_CHALLENGE_PARAMETERS, MAX_NAME_CHARS, MAX_PARAMETER_CHARS, MAX_REPLY_BYTES,
    MAX_TOKEN_CHARS, Operation,
};
use crate::error::{Error, ProtocolError};

/// A reply as the caller received it.
pub(crate) struct Raw<'a> {
    pub(crate) status: u16,
    pub(crate) error_type: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

/// A success body: it may still name an error (`__type` or `code`), and it has limits of its
/// own beyond the body's size.
pub(crate) trait Success: DeserializeOwned {
    /// Whether the body names an error type, which makes it an error whatever the status.
    fn names_error(&self) -> bool;

    /// The input limits on its members.
    fn check(&self) -> Result<(), ProtocolError> {
        Ok(())
    }
}

/// Reads the reply to `operation`: a Cognito error, a broken reply, or `T`.
///
/// A 2xx body is parsed once, as `T`. Only a body that names an error, or that is not a `T`,
/// is read again as an error body (an error body that gives a member twice is an error, the
/// last value counting, and never a success).
pub(crate) fn read<T: Success>(operation: Operation, raw: &Raw<'_>) -> Result<T, Error> {
    if raw.body.len() > MAX_REPLY_BYTES {
        return Err(ProtocolError::FieldTooLong("body").into());
    }
    let as_error =
        || parse_error(raw.status, raw.error_type, raw.body).or_else(|| unnamed_error(raw.status));
    if !(200..300).contains(&raw.status) {
        return Err(as_error()
            .ok_or(ProtocolError::UnexpectedStatus(raw.status))?
            .into());
    }
    match serde_json::from_slice::<Object<T>>(raw.body) {
        Ok(Object(reply)) if !reply.names_error() => {
            reply.check()?;
            Ok(reply)
        }
        Ok(_) | Err(_) => Err(match as_error() {
            Some(service) => service.into(),
            None => ProtocolError::BadJson(operation.name()).into(),
        }),
    }
}

macro_rules! names_error {
    ($($reply:ty),*) => {$(
        impl Success for $reply {
            fn names_error(&self) -> bool {
                self.error_type.is_some() || self.code.is_some()
            }
        }
    )*};
}

/// The output of `InitiateAuth`, `RespondToAuthChallenge`, their `Admin*` twins and
/// `GetTokensFromRefreshToken`. Unknown members are ignored.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct AuthReply {
    pub(crate) challenge_name: Option<String>,
    pub(crate) session: Option<String>,
    pub(crate) challenge_parameters: Option<ChallengeParameters>,
    #[serde(deserialize_with = "optional_object")]
    pub(crate) authentication_result: Option<AuthenticationResult>,
    pub(crate) available_challenges: Option<Vec<String>>,
    #[serde(rename = "__type")]
    error_type: Option<String>,
    #[serde(rename = "code")]
    code: Option<String>,
}

impl Success for AuthReply {
    fn names_error(&self) -> bool {
        self.error_type.is_some() || self.code.is_some()
    }

    fn check(&self) -> Result<(), ProtocolError> {
        let name_ok = |n: &str| n.len() <= MAX_NAME_CHARS;
        if !self.challenge_name.as_deref().is_none_or(name_ok) {
            return Err(ProtocolError::FieldTooLong("ChallengeName"));
        }
        if let Some(list) = &self.available_challenges
            && (list.len() > MAX_CHALLENGE_PARAMETERS || !list.iter().all(|n| name_ok(n)))
        {
            return Err(ProtocolError::FieldTooLong("AvailableChallenges"));
        }
        if let Some(result) = &self.authentication_result {
            for (field, token) in [
                ("AccessToken", &result.access_token),
                ("IdToken", &result.id_token),
                ("RefreshToken", &result.refresh_token),
            ] {
                if token.as_ref().is_some_and(|t| t.len() > MAX_TOKEN_CHARS) {
                    return Err(ProtocolError::FieldTooLong(field));
                }
            }
            if !result.token_type.as_deref().is_none_or(name_ok) {
                return Err(ProtocolError::FieldTooLong("TokenType"));
            }
        }
        Ok(())
    }
}

/// `ChallengeParameters`, read in bounded memory: beyond [`MAX_CHALLENGE_PARAMETERS`]
/// entries, or a name or value longer than [`MAX_PARAMETER_CHARS`], the rest is skipped
/// unread and [`ChallengeParameters::checked`] reports it. A name given twice is malformed
/// JSON here (which value would count is ambiguous).
#[derive(Default)]
pub(crate) struct ChallengeParameters {
    map: BTreeMap<String, String>,
    too_long: bool,
}

impl ChallengeParameters {
    /// The parameters, or the limit they break.
    pub(crate) fn checked(self) -> Result<BTreeMap<String, String>, ProtocolError> {
        if self.too_long {
            return Err(ProtocolError::FieldTooLong("ChallengeParameters"));
        }
        Ok(self.map)
    }
}

impl<'de> Deserialize<'de> for ChallengeParameters {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ChallengeParameters;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of strings")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = ChallengeParameters::default();
                while let Some(key) = access.next_key::<String>()? {
                    let value = access.next_value::<String>()?;
                    if out.too_long {
                        continue;
                    }
                    if out.map.len() >= MAX_CHALLENGE_PARAMETERS
                        || key.len() > MAX_PARAMETER_CHARS
                        || value.len() > MAX_PARAMETER_CHARS
                    {
                        out.too_long = true;
                        out.map.clear();
                        continue;
                    }
                    if out.map.contains_key(&key) {
                        return Err(serde::de::Error::custom("duplicate parameter"));
                    }
                    out.map.insert(key, value);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// `AuthenticationResult`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct AuthenticationResult {
    pub(crate) access_token: Option<String>,
    pub(crate) id_token: Option<String>,
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_in: Option<i64>,
    pub(crate) token_type: Option<String>,
    /// Read as any JSON value: the tokens beside it are already issued, so a broken
    /// `NewDeviceMetadata` must not make the whole reply unreadable ([`device_metadata`]).
    pub(crate) new_device_metadata: Option<serde_json::Value>,
}

/// `NewDeviceMetadata`'s keys, or what is wrong with them.
pub(crate) fn device_metadata(
    value: &serde_json::Value,
) -> Result<(String, String), ProtocolError> {
    let object = value
        .as_object()
        .ok_or(ProtocolError::BadJson("NewDeviceMetadata"))?;
    let key = |field: &'static str| -> Result<String, ProtocolError> {
        let text = match object.get(field) {
            None | Some(serde_json::Value::Null) => return Err(ProtocolError::MissingField(field)),
            Some(v) => v
                .as_str()
                .ok_or(ProtocolError::BadJson("NewDeviceMetadata"))?,
        };
        if text.is_empty() {
            return Err(ProtocolError::EmptyField(field));
        }
        if text.len() > MAX_NAME_CHARS {
            return Err(ProtocolError::FieldTooLong(field));
        }
        Ok(String::from(text))
    };
    Ok((key("DeviceKey")?, key("DeviceGroupKey")?))
}

/// The output of `AssociateSoftwareToken`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AssociateReply {
    pub(crate) secret_code: String,
    #[serde(default)]
    pub(crate) session: Option<String>,
    #[serde(rename = "__type", default)]
    error_type: Option<String>,
    #[serde(rename = "code", default)]
    code: Option<String>,
}

/// The output of `VerifySoftwareToken`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VerifyReply {
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) session: Option<String>,
    #[serde(rename = "__type", default)]
    error_type: Option<String>,
    #[serde(rename = "code", default)]
    code: Option<String>,
}

/// The output of `ConfirmDevice`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ConfirmDeviceReply {
    pub(crate) user_confirmation_necessary: Option<bool>,
    #[serde(rename = "__type")]
    error_type: Option<String>,
    #[serde(rename = "code")]
    code: Option<String>,
}

/// The output of `UpdateDeviceStatus` (empty).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct EmptyReply {
    #[serde(rename = "__type")]
    error_type: Option<String>,
    code: Option<String>,
}

names_error!(AssociateReply, VerifyReply, ConfirmDeviceReply, EmptyReply);

/// A `T` read from a JSON object only. serde's derived structs also read arrays (fields by
/// position), and no reply of the service is one: `["SMS_MFA"]` is not a challenge.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<T>(core::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Visitor(core::marker::PhantomData))
            .map(Object)
    }
}

/// An optional member that must be an object when present (`null` is absent).
fn optional_object<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<Object<T>>::deserialize(d).map(|o| o.map(|Object(t)| t))
}

/// A JSON array of strings inside a string parameter (`MFAS_CAN_SETUP`, `requiredAttributes`…).
pub(crate) fn parse_string_list(
    field: &'static str,
    text: &str,
) -> Result<Vec<String>, ProtocolError> {
    serde_json::from_str(text).map_err(|_| ProtocolError::BadEncoding(field))
}

/// A JSON object of strings inside a string parameter (`userAttributes`).
pub(crate) fn parse_string_map(
    field: &'static str,
    text: &str,
) -> Result<BTreeMap<String, String>, ProtocolError> {
    serde_json::from_str(text).map_err(|_| ProtocolError::BadEncoding(field))
}
