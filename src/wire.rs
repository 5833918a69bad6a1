//! What travels: operations, request bodies and the service's replies, as serde types whose
//! field names match the service model exactly. No crypto here.

pub(crate) mod error;
mod json;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::ProtocolError;

/// Longest reply body accepted, in bytes, error replies included; checked before any parsing.
pub const MAX_REPLY_BYTES: usize = 1 << 20;
/// Longest `Session` accepted (the service model's limit).
pub const MAX_SESSION_CHARS: usize = 4096;
/// Most challenge parameters accepted in one reply.
pub const MAX_CHALLENGE_PARAMETERS: usize = 64;
/// Longest challenge parameter name or value accepted, in bytes (the service model's limit
/// for a map entry).
pub const MAX_PARAMETER_CHARS: usize = 131_072;
/// Longest token (`AccessToken`, `IdToken`, `RefreshToken`) accepted, in bytes.
pub const MAX_TOKEN_CHARS: usize = 262_144;
/// Longest name accepted, in bytes: `ChallengeName` and each of `AvailableChallenges`,
/// `USERNAME` and `USER_ID_FOR_SRP` (the service model allows 128), `TokenType`, the
/// `DeviceKey` and `DeviceGroupKey` of `NewDeviceMetadata`. Error types are cut to it.
pub const MAX_NAME_CHARS: usize = 128;

/// The `Content-Type` of every request and reply.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A Cognito user-pool operation the sign-in machine sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `InitiateAuth`: starts a flow (unsigned).
    InitiateAuth,
    /// `RespondToAuthChallenge`: answers a challenge (unsigned).
    RespondToAuthChallenge,
    /// `AdminInitiateAuth`: starts a flow from a server (SigV4-signed).
    AdminInitiateAuth,
    /// `AdminRespondToAuthChallenge`: answers a challenge from a server (SigV4-signed).
    AdminRespondToAuthChallenge,
    /// `AssociateSoftwareToken`: fetches a TOTP secret during `MFA_SETUP` (unsigned).
    AssociateSoftwareToken,
    /// `VerifySoftwareToken`: checks the first TOTP code during `MFA_SETUP` (unsigned).
    VerifySoftwareToken,
    /// `ConfirmDevice`: registers a new device's verifier (unsigned).
    ConfirmDevice,
    /// `UpdateDeviceStatus`: remembers a device (unsigned).
    UpdateDeviceStatus,
    /// `GetTokensFromRefreshToken`: refreshes tokens, with rotation (unsigned).
    GetTokensFromRefreshToken,
}

impl Operation {
    /// The operation's name, e.g. `InitiateAuth`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::InitiateAuth => "InitiateAuth",
            Self::RespondToAuthChallenge => "RespondToAuthChallenge",
            Self::AdminInitiateAuth => "AdminInitiateAuth",
            Self::AdminRespondToAuthChallenge => "AdminRespondToAuthChallenge",
            Self::AssociateSoftwareToken => "AssociateSoftwareToken",
            Self::VerifySoftwareToken => "VerifySoftwareToken",
            Self::ConfirmDevice => "ConfirmDevice",
            Self::UpdateDeviceStatus => "UpdateDeviceStatus",
            Self::GetTokensFromRefreshToken => "GetTokensFromRefreshToken",
        }
    }

    /// The `X-Amz-Target` header, e.g. `AWSCognitoIdentityProviderService.InitiateAuth`.
    #[must_use]
    pub const fn target(self) -> &'static str {
        match self {
            Self::InitiateAuth => "AWSCognitoIdentityProviderService.InitiateAuth",
            Self::RespondToAuthChallenge => {
                "AWSCognitoIdentityProviderService.RespondToAuthChallenge"
            }
            Self::AdminInitiateAuth => "AWSCognitoIdentityProviderService.AdminInitiateAuth",
            Self::AdminRespondToAuthChallenge => {
                "AWSCognitoIdentityProviderService.AdminRespondToAuthChallenge"
            }
            Self::AssociateSoftwareToken => {
                "AWSCognitoIdentityProviderService.AssociateSoftwareToken"
            }
            Self::VerifySoftwareToken => "AWSCognitoIdentityProviderService.VerifySoftwareToken",
            Self::ConfirmDevice => "AWSCognitoIdentityProviderService.ConfirmDevice",
            Self::UpdateDeviceStatus => "AWSCognitoIdentityProviderService.UpdateDeviceStatus",
            Self::GetTokensFromRefreshToken => {
                "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken"
            }
        }
    }

    /// Whether the request must be signed with SigV4 (service `cognito-idp`, the pool's
    /// region) by the caller: true for the `Admin*` operations, which need IAM credentials.
    #[must_use]
    pub const fn needs_sigv4(self) -> bool {
        matches!(
            self,
            Self::AdminInitiateAuth | Self::AdminRespondToAuthChallenge
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One HTTP request for the caller to make: `POST /` to the Cognito endpoint with the headers
/// `Content-Type: application/x-amz-json-1.1` and `X-Amz-Target: <target>`, and this body.
///
/// The body may hold a password or a token, so it is wiped on drop and `Debug` shows only the
/// operation and the body's length.
#[must_use]
pub struct Request {
    operation: Operation,
    body: Zeroizing<Vec<u8>>,
}

impl Request {
    pub(crate) fn new(operation: Operation, body: Zeroizing<Vec<u8>>) -> Self {
        Self { operation, body }
    }

    /// The operation.
    #[must_use]
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The `X-Amz-Target` header value.
    #[must_use]
    pub fn target(&self) -> &'static str {
        self.operation.target()
    }

    /// The `Content-Type` header value: `application/x-amz-json-1.1`.
    #[must_use]
    pub fn content_type(&self) -> &'static str {
        CONTENT_TYPE
    }

    /// Whether the caller must SigV4-sign the request (the `Admin*` operations).
    #[must_use]
    pub fn needs_sigv4(&self) -> bool {
        self.operation.needs_sigv4()
    }

    /// The JSON body (UTF-8).
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Serializes a request body into a buffer allocated once at its exact size (see
/// [`json`]), so that no copy of a secret is left behind in reallocated memory.
pub(crate) fn to_body<T: Serialize>(value: &T) -> Zeroizing<Vec<u8>> {
    // The request types are structs, maps and options of strings, which `json` always writes.
    json::to_vec(value).unwrap_or_else(|| Zeroizing::new(Vec::new()))
}

/// A string→string map as the wire carries `AuthParameters` and `ChallengeResponses`.
pub(crate) type Params<'a> = BTreeMap<&'a str, &'a str>;

/// `InitiateAuth` and `AdminInitiateAuth`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InitiateAuth<'a> {
    pub(crate) auth_flow: &'a str,
    pub(crate) client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user_pool_id: Option<&'a str>,
    pub(crate) auth_parameters: Params<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_metadata: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) session: Option<&'a str>,
}

/// `RespondToAuthChallenge` and `AdminRespondToAuthChallenge`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RespondToAuthChallenge<'a> {
    pub(crate) challenge_name: &'a str,
    pub(crate) client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user_pool_id: Option<&'a str>,
    pub(crate) challenge_responses: Params<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) session: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_metadata: Option<&'a BTreeMap<String, String>>,
}

/// `AssociateSoftwareToken` during `MFA_SETUP`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AssociateSoftwareToken<'a> {
    pub(crate) session: &'a str,
}

/// `VerifySoftwareToken` during `MFA_SETUP`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VerifySoftwareToken<'a> {
    pub(crate) session: &'a str,
    pub(crate) user_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) friendly_device_name: Option<&'a str>,
}

/// `ConfirmDevice`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConfirmDevice<'a> {
    pub(crate) access_token: &'a str,
    pub(crate) device_key: &'a str,
    pub(crate) device_secret_verifier_config: DeviceSecretVerifierConfig<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) device_name: Option<&'a str>,
}

/// `DeviceSecretVerifierConfig` of `ConfirmDevice`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DeviceSecretVerifierConfig<'a> {
    pub(crate) password_verifier: &'a str,
    pub(crate) salt: &'a str,
}

/// `UpdateDeviceStatus`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UpdateDeviceStatus<'a> {
    pub(crate) access_token: &'a str,
    pub(crate) device_key: &'a str,
    pub(crate) device_remembered_status: &'a str,
}

/// `GetTokensFromRefreshToken`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GetTokensFromRefreshToken<'a> {
    pub(crate) refresh_token: &'a str,
    pub(crate) client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) device_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_metadata: Option<&'a BTreeMap<String, String>>,
}

/// The output of `InitiateAuth`, `RespondToAuthChallenge`, their `Admin*` twins and
/// `GetTokensFromRefreshToken`. Unknown members are ignored. Read it with
/// [`parse_auth_reply`], which checks the input limits.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct AuthReply {
    pub(crate) challenge_name: Option<String>,
    pub(crate) session: Option<String>,
    pub(crate) challenge_parameters: Option<ChallengeParameters>,
    #[serde(deserialize_with = "optional_object")]
    pub(crate) authentication_result: Option<AuthenticationResult>,
    pub(crate) available_challenges: Option<Vec<String>>,
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
    #[serde(deserialize_with = "optional_object")]
    pub(crate) new_device_metadata: Option<NewDeviceMetadata>,
}

/// `NewDeviceMetadata`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NewDeviceMetadata {
    pub(crate) device_key: String,
    pub(crate) device_group_key: String,
}

/// The output of `AssociateSoftwareToken`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AssociateReply {
    pub(crate) secret_code: String,
    #[serde(default)]
    pub(crate) session: Option<String>,
}

/// The output of `VerifySoftwareToken`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VerifyReply {
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) session: Option<String>,
}

/// The output of `ConfirmDevice`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ConfirmDeviceReply {
    pub(crate) user_confirmation_necessary: Option<bool>,
}

/// The output of `UpdateDeviceStatus` (empty).
#[derive(Deserialize, Default)]
pub(crate) struct EmptyReply {}

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

/// Parses a successful reply body of `operation`: one JSON object.
pub(crate) fn parse_reply<'de, T: Deserialize<'de>>(
    operation: Operation,
    body: &'de [u8],
) -> Result<T, ProtocolError> {
    if body.len() > MAX_REPLY_BYTES {
        return Err(ProtocolError::FieldTooLong("body"));
    }
    serde_json::from_slice::<Object<T>>(body)
        .map(|Object(t)| t)
        .map_err(|_| ProtocolError::BadJson(operation.name()))
}

/// Parses an `AuthReply` of `operation` and checks the limits on its names and tokens
/// (the session is checked where it is stored).
pub(crate) fn parse_auth_reply(
    operation: Operation,
    body: &[u8],
) -> Result<AuthReply, ProtocolError> {
    let reply: AuthReply = parse_reply(operation, body)?;
    let name_ok = |n: &str| n.len() <= MAX_NAME_CHARS;
    if !reply.challenge_name.as_deref().is_none_or(name_ok) {
        return Err(ProtocolError::FieldTooLong("ChallengeName"));
    }
    if let Some(list) = &reply.available_challenges
        && (list.len() > MAX_CHALLENGE_PARAMETERS || !list.iter().all(|n| name_ok(n)))
    {
        return Err(ProtocolError::FieldTooLong("AvailableChallenges"));
    }
    if let Some(result) = &reply.authentication_result {
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
        if let Some(device) = &result.new_device_metadata {
            for (field, key) in [
                ("DeviceKey", &device.device_key),
                ("DeviceGroupKey", &device.device_group_key),
            ] {
                if key.is_empty() {
                    return Err(ProtocolError::EmptyField(field));
                }
                if !name_ok(key) {
                    return Err(ProtocolError::FieldTooLong(field));
                }
            }
        }
    }
    Ok(reply)
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
