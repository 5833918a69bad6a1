//! What travels: operations, request bodies and the service's replies, as serde types whose
//! field names match the service model exactly. No crypto here.

pub(crate) mod error;
mod json;
pub(crate) mod reply;
pub(crate) mod vocab;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;
use zeroize::Zeroizing;

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
