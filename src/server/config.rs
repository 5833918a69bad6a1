//! How the pool and its app clients behave, and the users added to it.

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::secret::{ClientSecret, Password};

/// Whether the pool asks for a second factor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaMode {
    /// No MFA.
    #[default]
    Off,
    /// MFA for users who enabled a method.
    Optional,
    /// MFA for everyone: users without a method must set one up (`MFA_SETUP`).
    On,
}

/// Device tracking (`DeviceConfiguration`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceTracking {
    /// No device tracking.
    #[default]
    Off,
    /// Every confirmed device is remembered (`UserConfirmationNecessary = false`).
    Always,
    /// The user chooses (`UserConfirmationNecessary = true`, then `UpdateDeviceStatus`).
    UserOptIn,
}

/// How the pool behaves. Build it with struct update syntax from `PoolConfig::default()`.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// MFA off, optional or on.
    pub mfa: MfaMode,
    /// SMS MFA enabled (users need a `phone_number`).
    pub sms_mfa: bool,
    /// TOTP MFA enabled.
    pub totp_mfa: bool,
    /// Email MFA enabled (users need an `email`).
    pub email_mfa: bool,
    /// Device tracking.
    pub device_tracking: DeviceTracking,
    /// `ChallengeRequiredOnNewDevice`: a remembered device replaces MFA.
    pub challenge_required_on_new_device: bool,
    /// Attributes that also sign a user in (`email`, `phone_number`, `preferred_username`);
    /// `email` and `phone_number` only when verified.
    pub alias_attributes: Vec<String>,
    /// Attributes every user must have (asked for in `NEW_PASSWORD_REQUIRED`).
    pub required_attributes: Vec<String>,
    /// Minimum password length.
    pub password_min_length: usize,
    /// The password needs an upper-case letter.
    pub password_require_uppercase: bool,
    /// The password needs a lower-case letter.
    pub password_require_lowercase: bool,
    /// The password needs a digit.
    pub password_require_numbers: bool,
    /// The password needs one of Cognito's symbols (`^$*.[]{}()?"!@#%&/\,><':;|_~`=+-`).
    pub password_require_symbols: bool,
    /// Attributes that replace the username (`UsernameAttributes`: `email`, `phone_number`):
    /// the user signs in with them and the internal username is the `sub`.
    pub username_attributes: Vec<String>,
    /// How long a session (and a code) lives, in seconds: 180 by default.
    pub session_validity: u64,
    /// How far `TIMESTAMP` may be from `now`, in seconds.
    pub timestamp_skew: u64,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            mfa: MfaMode::Off,
            sms_mfa: false,
            totp_mfa: true,
            email_mfa: false,
            device_tracking: DeviceTracking::Off,
            challenge_required_on_new_device: true,
            alias_attributes: Vec::new(),
            required_attributes: Vec::new(),
            password_min_length: 8,
            password_require_uppercase: false,
            password_require_lowercase: false,
            password_require_numbers: false,
            password_require_symbols: false,
            username_attributes: Vec::new(),
            session_validity: 180,
            timestamp_skew: 300,
        }
    }
}

/// An app client.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AppClient {
    /// `ClientId`.
    pub client_id: String,
    /// The client secret, if any: then every request needs `SECRET_HASH`.
    pub client_secret: Option<ClientSecret>,
    /// `ExplicitAuthFlows` (`ALLOW_USER_SRP_AUTH`, …); empty means Cognito's default
    /// (`ALLOW_USER_SRP_AUTH`, `ALLOW_CUSTOM_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`).
    pub explicit_auth_flows: Vec<String>,
    /// `PreventUserExistenceErrors = ENABLED`: unknown users look like wrong passwords.
    pub prevent_user_existence_errors: bool,
    /// Refresh-token rotation: only `GetTokensFromRefreshToken` refreshes, and it issues a
    /// new refresh token each time.
    pub refresh_token_rotation: bool,
    /// The access token's lifetime in seconds (`ExpiresIn`).
    pub token_validity: u64,
    /// The ID token's lifetime in seconds.
    pub id_token_validity: u64,
}

impl AppClient {
    /// A public client with the default flows.
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            explicit_auth_flows: Vec::new(),
            prevent_user_existence_errors: false,
            refresh_token_rotation: false,
            token_validity: 3600,
            id_token_validity: 3600,
        }
    }

    /// Adds a client secret.
    #[must_use]
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(ClientSecret::new(secret));
        self
    }

    /// Sets `ExplicitAuthFlows`.
    #[must_use]
    pub fn with_flows(mut self, flows: &[&str]) -> Self {
        self.explicit_auth_flows = flows.iter().map(|f| (*f).to_owned()).collect();
        self
    }

    /// Turns refresh-token rotation on.
    #[must_use]
    pub fn with_rotation(mut self) -> Self {
        self.refresh_token_rotation = true;
        self
    }

    pub(super) fn allows(&self, flow: &str) -> bool {
        let wanted = match flow {
            "ADMIN_NO_SRP_AUTH" => "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "REFRESH_TOKEN" => "ALLOW_REFRESH_TOKEN_AUTH",
            other => return self.allows_name(&format!("ALLOW_{other}")),
        };
        self.allows_name(wanted)
    }

    fn allows_name(&self, name: &str) -> bool {
        if self.explicit_auth_flows.is_empty() {
            return matches!(
                name,
                "ALLOW_USER_SRP_AUTH" | "ALLOW_CUSTOM_AUTH" | "ALLOW_REFRESH_TOKEN_AUTH"
            );
        }
        self.explicit_auth_flows.iter().any(|f| {
            f == name || (name == "ALLOW_ADMIN_USER_PASSWORD_AUTH" && f == "ADMIN_NO_SRP_AUTH")
        })
    }
}

/// A user's status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserStatus {
    /// Can sign in.
    #[default]
    Confirmed,
    /// Created with a temporary password: `NEW_PASSWORD_REQUIRED` first.
    ForceChangePassword,
    /// Signed up, not confirmed: `UserNotConfirmedException`.
    Unconfirmed,
    /// An administrator reset the password: `PasswordResetRequiredException`.
    ResetRequired,
}

impl UserStatus {
    /// The name Cognito gives the status (`UserStatus` in its API).
    pub(super) fn code(self) -> &'static str {
        match self {
            Self::Confirmed => "CONFIRMED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            Self::Unconfirmed => "UNCONFIRMED",
            Self::ResetRequired => "RESET_REQUIRED",
        }
    }

    /// The status Cognito names `code`.
    pub(super) fn from_code(code: &str) -> Option<Self> {
        [
            Self::Confirmed,
            Self::ForceChangePassword,
            Self::Unconfirmed,
            Self::ResetRequired,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// A user to add to the pool. `Debug` shows neither the password nor the TOTP secret.
#[derive(Clone)]
#[non_exhaustive]
pub struct NewUser {
    /// The internal username (`USER_ID_FOR_SRP`).
    pub username: String,
    /// The password (temporary for [`UserStatus::ForceChangePassword`]).
    pub password: Password,
    /// Status.
    pub status: UserStatus,
    /// Attributes (`email`, `email_verified`, `phone_number`, `name`, …).
    pub attributes: BTreeMap<String, String>,
    /// An enrolled TOTP secret (base32).
    pub totp_secret: Option<String>,
    /// SMS MFA enabled for the user.
    pub sms_mfa: bool,
    /// Email MFA enabled for the user.
    pub email_mfa: bool,
    /// The preferred MFA method, when the user has several.
    pub preferred_mfa: Option<String>,
    /// A disabled user cannot sign in.
    pub enabled: bool,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("status", &self.status)
            .field("attributes", &self.attributes)
            .field("totp", &self.totp_secret.is_some())
            .field("sms_mfa", &self.sms_mfa)
            .field("email_mfa", &self.email_mfa)
            .finish_non_exhaustive()
    }
}

impl NewUser {
    /// A confirmed user with this password and no attributes.
    pub fn new(username: impl Into<String>, password: Password) -> Self {
        Self {
            username: username.into(),
            password,
            status: UserStatus::Confirmed,
            attributes: BTreeMap::new(),
            totp_secret: None,
            sms_mfa: false,
            email_mfa: false,
            preferred_mfa: None,
            enabled: true,
        }
    }

    /// Sets the status.
    #[must_use]
    pub fn with_status(mut self, status: UserStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets an attribute.
    #[must_use]
    pub fn with_attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// Enrols TOTP with this base32 secret.
    #[must_use]
    pub fn with_totp(mut self, secret: impl Into<String>) -> Self {
        self.totp_secret = Some(secret.into());
        self
    }

    /// Enables SMS MFA (the user needs a `phone_number`).
    #[must_use]
    pub fn with_sms_mfa(mut self) -> Self {
        self.sms_mfa = true;
        self
    }

    /// Enables email MFA (the user needs an `email`).
    #[must_use]
    pub fn with_email_mfa(mut self) -> Self {
        self.email_mfa = true;
        self
    }
}
