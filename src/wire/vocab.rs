//! The service's vocabulary: flow names, challenge names, parameter names and the token
//! claims the machine reads. Every literal the sign-in machine puts on the wire is here.

use alloc::string::String;

use serde::Deserialize;

use super::MAX_NAME_CHARS;

/// Parameter names of `AuthParameters`, `ChallengeParameters` and `ChallengeResponses`.
pub(crate) mod param {
    pub(crate) const USERNAME: &str = "USERNAME";
    pub(crate) const USER_ID_FOR_SRP: &str = "USER_ID_FOR_SRP";
    pub(crate) const PASSWORD: &str = "PASSWORD";
    pub(crate) const NEW_PASSWORD: &str = "NEW_PASSWORD";
    pub(crate) const SRP_A: &str = "SRP_A";
    pub(crate) const SRP_B: &str = "SRP_B";
    pub(crate) const SALT: &str = "SALT";
    pub(crate) const SECRET_BLOCK: &str = "SECRET_BLOCK";
    pub(crate) const PASSWORD_CLAIM_SECRET_BLOCK: &str = "PASSWORD_CLAIM_SECRET_BLOCK";
    pub(crate) const PASSWORD_CLAIM_SIGNATURE: &str = "PASSWORD_CLAIM_SIGNATURE";
    pub(crate) const TIMESTAMP: &str = "TIMESTAMP";
    pub(crate) const SECRET_HASH: &str = "SECRET_HASH";
    pub(crate) const DEVICE_KEY: &str = "DEVICE_KEY";
    pub(crate) const REFRESH_TOKEN: &str = "REFRESH_TOKEN";
    pub(crate) const CHALLENGE_NAME: &str = "CHALLENGE_NAME";
    pub(crate) const PREFERRED_CHALLENGE: &str = "PREFERRED_CHALLENGE";
    pub(crate) const ANSWER: &str = "ANSWER";
    pub(crate) const EMAIL: &str = "EMAIL";
    pub(crate) const CREDENTIAL: &str = "CREDENTIAL";
    pub(crate) const CREDENTIAL_REQUEST_OPTIONS: &str = "CREDENTIAL_REQUEST_OPTIONS";
    pub(crate) const CODE_DELIVERY_DESTINATION: &str = "CODE_DELIVERY_DESTINATION";
    pub(crate) const FRIENDLY_DEVICE_NAME: &str = "FRIENDLY_DEVICE_NAME";
    pub(crate) const MFAS_CAN_CHOOSE: &str = "MFAS_CAN_CHOOSE";
    pub(crate) const MFAS_CAN_SETUP: &str = "MFAS_CAN_SETUP";
    pub(crate) const REQUIRED_ATTRIBUTES: &str = "requiredAttributes";
    pub(crate) const USER_ATTRIBUTES: &str = "userAttributes";
    /// The prefix of an attribute in `NEW_PASSWORD_REQUIRED` answers.
    pub(crate) const USER_ATTRIBUTE_PREFIX: &str = "userAttributes.";
    /// The value of `CHALLENGE_NAME` that starts `CUSTOM_AUTH` with SRP.
    pub(crate) const SRP_A_CHALLENGE: &str = "SRP_A";
}

/// `NEW_PASSWORD_REQUIRED` answers never send these back: the service manages them, as it
/// does every `cognito:` attribute.
const READ_ONLY_ATTRIBUTES: [&str; 4] = [
    "sub",
    "email_verified",
    "phone_number_verified",
    "identities",
];

/// Whether the user attribute `name` (without prefix) is the service's to set.
pub(crate) fn read_only_attribute(name: &str) -> bool {
    READ_ONLY_ATTRIBUTES.contains(&name) || name.starts_with("cognito:")
}

/// `DeviceRememberedStatus` of `UpdateDeviceStatus` that remembers the device.
pub(crate) const DEVICE_REMEMBERED: &str = "remembered";

/// `Status` of a `VerifySoftwareToken` reply that accepted the code.
pub(crate) const VERIFY_SUCCESS: &str = "SUCCESS";

/// `AuthFlow` of `InitiateAuth` / `AdminInitiateAuth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthFlow {
    UserSrp,
    UserPassword,
    AdminUserPassword,
    AdminNoSrp,
    Custom,
    UserAuth,
    RefreshToken,
}

impl AuthFlow {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::UserSrp => "USER_SRP_AUTH",
            Self::UserPassword => "USER_PASSWORD_AUTH",
            Self::AdminUserPassword => "ADMIN_USER_PASSWORD_AUTH",
            Self::AdminNoSrp => "ADMIN_NO_SRP_AUTH",
            Self::Custom => "CUSTOM_AUTH",
            Self::UserAuth => "USER_AUTH",
            Self::RefreshToken => "REFRESH_TOKEN_AUTH",
        }
    }
}

macro_rules! challenge_names {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// `ChallengeName` of a reply (and of the answer to it).
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub(crate) enum ChallengeName {
            $($(#[$doc])* $variant,)*
            /// A name this crate does not know.
            Other(String),
        }

        impl ChallengeName {
            pub(crate) fn from_name(name: &str) -> Self {
                match name {
                    $($name => Self::$variant,)*
                    other => Self::Other(String::from(other)),
                }
            }

            /// The name as the service writes it; `None` for [`ChallengeName::Other`].
            pub(crate) const fn known_name(&self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($name),)*
                    Self::Other(_) => None,
                }
            }
        }
    };
}

challenge_names! {
    PasswordVerifier = "PASSWORD_VERIFIER",
    DeviceSrpAuth = "DEVICE_SRP_AUTH",
    DevicePasswordVerifier = "DEVICE_PASSWORD_VERIFIER",
    SmsMfa = "SMS_MFA",
    SoftwareTokenMfa = "SOFTWARE_TOKEN_MFA",
    EmailOtp = "EMAIL_OTP",
    SmsOtp = "SMS_OTP",
    SelectMfaType = "SELECT_MFA_TYPE",
    MfaSetup = "MFA_SETUP",
    NewPasswordRequired = "NEW_PASSWORD_REQUIRED",
    CustomChallenge = "CUSTOM_CHALLENGE",
    SelectChallenge = "SELECT_CHALLENGE",
    Password = "PASSWORD",
    PasswordSrp = "PASSWORD_SRP",
    WebAuthn = "WEB_AUTHN",
    AdminNoSrpAuth = "ADMIN_NO_SRP_AUTH",
}

impl ChallengeName {
    /// The name as the service writes it.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Other(name) => name,
            known => known.known_name().unwrap_or_default(),
        }
    }

    /// The response parameter that carries the code of a code challenge.
    pub(crate) const fn code_parameter(&self) -> Option<&'static str> {
        match self {
            Self::SmsMfa => Some("SMS_MFA_CODE"),
            Self::SoftwareTokenMfa => Some("SOFTWARE_TOKEN_MFA_CODE"),
            Self::EmailOtp => Some("EMAIL_OTP_CODE"),
            Self::SmsOtp => Some("SMS_OTP_CODE"),
            _ => None,
        }
    }
}

/// The claims of a token that name its user.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Claims {
    username: Option<String>,
    #[serde(rename = "cognito:username")]
    cognito_username: Option<String>,
}

/// The `username` claim of an access token or `cognito:username` of an ID token. The token
/// is not verified: the name only picks the `SECRET_HASH` user of a later refresh and the key
/// of the device record. A name that is empty or longer than [`MAX_NAME_CHARS`] is not a
/// username and is ignored.
pub(crate) fn token_username(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(payload).ok()?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    claims
        .username
        .or(claims.cognito_username)
        .filter(|name| !name.is_empty() && name.len() <= MAX_NAME_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

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

    #[test]
    fn token_username_refuses_overlong_names() {
        use base64::Engine;
        let long = "u".repeat(MAX_NAME_CHARS + 1);
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!(r#"{{"username":"{long}"}}"#));
        assert_eq!(token_username(&format!("x.{payload}.y")), None);
    }

    #[test]
    fn service_managed_attributes_are_read_only() {
        for name in ["sub", "identities", "cognito:user_status", "email_verified"] {
            assert!(read_only_attribute(name), "{name}");
        }
        for name in ["name", "email", "custom:team", "phone_number"] {
            assert!(!read_only_attribute(name), "{name}");
        }
    }

    #[test]
    fn challenge_names_round_trip() {
        for name in [
            "PASSWORD_VERIFIER",
            "SMS_OTP",
            "WEB_AUTHN",
            "ADMIN_NO_SRP_AUTH",
            "NEW",
        ] {
            assert_eq!(ChallengeName::from_name(name).as_str(), name);
        }
        assert_eq!(ChallengeName::from_name("NEW").known_name(), None);
    }
}
