//! The sign-in machine: configuration, how a sign-in starts, the steps it returns, the
//! questions it asks and the answers it takes.

mod state;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;

use rand_core::CryptoRng;

use crate::error::{Error, Misuse, ServiceError};
use crate::secret::{ClientSecret, Password, RefreshToken};
use crate::srp::{PowersOfG, PrivateSize};
use crate::time::UnixTime;
use crate::wire::Request;

/// What the machine needs to know about the app: user pool, app client, optional client
/// secret and remembered device, and a few choices.
#[derive(Clone, Debug)]
pub struct Config {
    user_pool_id: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    devices: Vec<DeviceCredentials>,
    private_size: PrivateSize,
    device_name: String,
    confirm_new_devices: bool,
    totp_issuer: String,
    totp_device_name: Option<String>,
    client_metadata: Option<BTreeMap<String, String>>,
    powers_of_g: Option<&'static PowersOfG>,
}

impl Config {
    /// A configuration for the pool `user_pool_id` (`<region>_<name>`) and the app client
    /// `client_id`.
    ///
    /// # Errors
    /// [`Misuse::BadArgument`] naming `user_pool_id` (not of the form `<region>_<name>`, at
    /// most 55 characters) or `client_id` (empty, longer than 128 characters, or other than
    /// letters, digits, `_` and `+`).
    pub fn new(
        user_pool_id: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Result<Self, Error> {
        let user_pool_id = user_pool_id.into();
        let client_id = client_id.into();
        let pool_ok = user_pool_id.len() <= 55
            && user_pool_id.split_once('_').is_some_and(|(region, name)| {
                !region.is_empty()
                    && !name.is_empty()
                    && region
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                    && name.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !pool_ok {
            return Err(Misuse::BadArgument("user_pool_id").into());
        }
        let client_ok = !client_id.is_empty()
            && client_id.len() <= 128
            && client_id
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '+');
        if !client_ok {
            return Err(Misuse::BadArgument("client_id").into());
        }
        Ok(Self {
            user_pool_id,
            client_id,
            client_secret: None,
            devices: Vec::new(),
            private_size: PrivateSize::default(),
            device_name: default_device_name(),
            confirm_new_devices: true,
            totp_issuer: String::from("Cognito"),
            totp_device_name: None,
            client_metadata: None,
            powers_of_g: None,
        })
    }

    /// The app client's secret: every request then carries `SECRET_HASH`, computed over the
    /// right username at each step.
    #[must_use]
    pub fn with_client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// A remembered device ([`SignedIn::device_credentials`] of an earlier sign-in). Call it
    /// once for each user of a shared device: a record replaces the one of the same user.
    ///
    /// The machine uses a record only for its own user. It is matched by
    /// [`DeviceCredentials::username`], the internal username: against the name the sign-in
    /// starts with, and again when the service names the user (`USERNAME`,
    /// `USER_ID_FOR_SRP`), so that a sign-in by alias or email finds its record without the
    /// app mapping aliases. Its key then goes into every request that can carry it, and the
    /// machine answers `DEVICE_SRP_AUTH` with it. Another user's key is never sent.
    #[must_use]
    pub fn with_device(mut self, device: DeviceCredentials) -> Self {
        self.devices.retain(|d| d.username != device.username);
        self.devices.push(device);
        self
    }

    /// The size of the SRP private value (256 bits by default).
    #[must_use]
    pub fn with_private_size(mut self, size: PrivateSize) -> Self {
        self.private_size = size;
        self
    }

    /// A table of powers of g for every SRP step (user and device): for builds without `std`,
    /// which have no shared table; see [`PowersOfG`]. It changes no value sent, only the
    /// time `A` and the claim take.
    #[must_use]
    pub fn with_powers_of_g(mut self, table: &'static PowersOfG) -> Self {
        self.powers_of_g = Some(table);
        self
    }

    /// `DeviceName` sent with `ConfirmDevice`: what `ListDevices` and the console show. By
    /// default the crate's name and version and the platform it was built for, e.g.
    /// `cognito-signin 0.2.0 (linux x86_64)`; an app should name itself (`"Jane's phone"`,
    /// the browser's user agent, the host name), as AWS's own clients do.
    #[must_use]
    pub fn with_device_name(mut self, name: impl Into<String>) -> Self {
        self.device_name = name.into();
        self
    }

    /// Do not register new devices: a sign-in that returns `NewDeviceMetadata` ends at once,
    /// reporting the metadata in [`NewDevice`] with [`DeviceStatus::NotConfirmed`].
    #[must_use]
    pub fn without_device_confirmation(mut self) -> Self {
        self.confirm_new_devices = false;
        self
    }

    /// The issuer shown in authenticator apps for a TOTP set-up (`Cognito` by default).
    #[must_use]
    pub fn with_totp_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.totp_issuer = issuer.into();
        self
    }

    /// `FriendlyDeviceName` sent with `VerifySoftwareToken` during a TOTP set-up.
    #[must_use]
    pub fn with_totp_device_name(mut self, name: impl Into<String>) -> Self {
        self.totp_device_name = Some(name.into());
        self
    }

    /// `ClientMetadata` for the Lambda triggers, sent with every `InitiateAuth`,
    /// `RespondToAuthChallenge` and `GetTokensFromRefreshToken`. Not stored, not encrypted:
    /// never put secrets in it.
    #[must_use]
    pub fn with_client_metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.client_metadata = Some(metadata);
        self
    }

    /// The user pool id.
    #[must_use]
    pub fn user_pool_id(&self) -> &str {
        &self.user_pool_id
    }

    /// The app client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The size of the SRP private value this configuration draws.
    #[must_use]
    pub fn private_size(&self) -> PrivateSize {
        self.private_size
    }

    /// The `DeviceName` that `ConfirmDevice` sends.
    #[must_use]
    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    /// The region: the part of the pool id before `_`. The endpoint is
    /// `https://cognito-idp.<region>.amazonaws.com/`.
    #[must_use]
    pub fn region(&self) -> &str {
        self.user_pool_id.split('_').next().unwrap_or_default()
    }
}

/// `cognito-signin <version> (<os> <arch>)`, from the build target.
fn default_device_name() -> String {
    let os = if cfg!(target_os = "linux") {
        "linux"
    } else if cfg!(target_os = "android") {
        "android"
    } else if cfg!(target_os = "macos") {
        "macos"
    } else if cfg!(target_os = "ios") {
        "ios"
    } else if cfg!(target_os = "windows") {
        "windows"
    } else if cfg!(target_os = "freebsd") {
        "freebsd"
    } else if cfg!(target_family = "wasm") {
        "wasm"
    } else if cfg!(target_os = "none") {
        "embedded"
    } else {
        "other"
    };
    let arch = if cfg!(target_arch = "x86_64") {
        "x86_64"
    } else if cfg!(target_arch = "aarch64") {
        "aarch64"
    } else if cfg!(target_arch = "arm") {
        "arm"
    } else if cfg!(target_arch = "x86") {
        "x86"
    } else if cfg!(target_arch = "wasm32") {
        "wasm32"
    } else if cfg!(target_arch = "riscv64") {
        "riscv64"
    } else if cfg!(target_arch = "riscv32") {
        "riscv32"
    } else {
        "other"
    };
    alloc::format!(
        "{} {} ({os} {arch})",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    )
}

/// A remembered device: what to store after [`ConfirmDevice`](crate::Operation::ConfirmDevice)
/// and hand back through [`Config::with_device`] on the next sign-in. Serializable with
/// serde; the device password in it is a long-term secret, so store the record as you store
/// refresh tokens.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[non_exhaustive]
pub struct DeviceCredentials {
    /// The internal username of the user the device belongs to (`USER_ID_FOR_SRP`, the
    /// access token's `username`): key stored records by it, not by an alias.
    pub username: String,
    /// `DeviceKey` from `NewDeviceMetadata`.
    #[cfg_attr(feature = "serde", serde(alias = "device_key"))]
    pub device_key: String,
    /// `DeviceGroupKey` from `NewDeviceMetadata`.
    #[cfg_attr(feature = "serde", serde(alias = "device_group_key"))]
    pub device_group_key: String,
    /// The device password chosen at registration.
    #[cfg_attr(feature = "serde", serde(alias = "device_password"))]
    pub device_password: Password,
}

impl DeviceCredentials {
    /// A record read back from storage.
    pub fn new(
        username: impl Into<String>,
        device_key: impl Into<String>,
        device_group_key: impl Into<String>,
        device_password: Password,
    ) -> Self {
        Self {
            username: username.into(),
            device_key: device_key.into(),
            device_group_key: device_group_key.into(),
            device_password,
        }
    }
}

impl fmt::Debug for DeviceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCredentials")
            .field("username", &self.username)
            .field("device_key", &self.device_key)
            .field("device_group_key", &self.device_group_key)
            .finish_non_exhaustive()
    }
}

/// How a sign-in starts: which flow, which user. Build one with the constructors.
#[derive(Clone, Debug)]
pub struct Start {
    pub(crate) kind: StartKind,
    pub(crate) admin: bool,
    pub(crate) session: Option<String>,
    pub(crate) device_key: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) enum StartKind {
    UserSrp {
        username: String,
        password: Password,
    },
    UserPassword {
        username: String,
        password: Password,
    },
    AdminUserPassword {
        username: String,
        password: Password,
        legacy_name: bool,
    },
    Custom {
        username: String,
        srp_password: Option<Password>,
    },
    UserAuth {
        username: String,
        preferred: Option<FirstFactor>,
    },
    Refresh {
        refresh_token: RefreshToken,
        username: Option<String>,
    },
    RefreshRotating {
        refresh_token: RefreshToken,
    },
}

impl Start {
    fn new(kind: StartKind) -> Self {
        Self {
            kind,
            admin: false,
            session: None,
            device_key: None,
        }
    }

    /// `USER_SRP_AUTH`: SRP with the password; the password never leaves the client.
    /// `username` is what the user typed (username or alias).
    pub fn user_srp(username: impl Into<String>, password: Password) -> Self {
        Self::new(StartKind::UserSrp {
            username: username.into(),
            password,
        })
    }

    /// `USER_PASSWORD_AUTH`: the password travels in the request (needs
    /// `ALLOW_USER_PASSWORD_AUTH` on the app client).
    pub fn user_password(username: impl Into<String>, password: Password) -> Self {
        Self::new(StartKind::UserPassword {
            username: username.into(),
            password,
        })
    }

    /// `ADMIN_USER_PASSWORD_AUTH` through `AdminInitiateAuth`, for servers holding IAM
    /// credentials: every request of this sign-in needs SigV4.
    pub fn admin_user_password(username: impl Into<String>, password: Password) -> Self {
        Self {
            admin: true,
            ..Self::new(StartKind::AdminUserPassword {
                username: username.into(),
                password,
                legacy_name: false,
            })
        }
    }

    /// As [`Start::admin_user_password`] under the legacy flow name `ADMIN_NO_SRP_AUTH`.
    pub fn admin_no_srp(username: impl Into<String>, password: Password) -> Self {
        Self {
            admin: true,
            ..Self::new(StartKind::AdminUserPassword {
                username: username.into(),
                password,
                legacy_name: true,
            })
        }
    }

    /// `CUSTOM_AUTH`: challenges defined by the pool's Lambda triggers.
    pub fn custom(username: impl Into<String>) -> Self {
        Self::new(StartKind::Custom {
            username: username.into(),
            srp_password: None,
        })
    }

    /// `CUSTOM_AUTH` starting with SRP (`CHALLENGE_NAME=SRP_A`): the password is verified
    /// first, then the custom challenges follow.
    pub fn custom_with_srp(username: impl Into<String>, password: Password) -> Self {
        Self::new(StartKind::Custom {
            username: username.into(),
            srp_password: Some(password),
        })
    }

    /// `USER_AUTH` without a preference: the service offers the available first factors
    /// ([`Challenge::SelectChallenge`]).
    pub fn user_auth(username: impl Into<String>) -> Self {
        Self::new(StartKind::UserAuth {
            username: username.into(),
            preferred: None,
        })
    }

    /// `USER_AUTH` with `PREFERRED_CHALLENGE`: the password (sent, or proven with SRP), or a
    /// code by email or SMS, or a passkey. [`FirstFactor::WebAuthn`] must come without a
    /// credential here (the service first sends the request options); [`SignIn::start`]
    /// refuses one with [`Misuse::BadArgument`] naming `preferred`.
    pub fn user_auth_preferring(username: impl Into<String>, preferred: FirstFactor) -> Self {
        Self::new(StartKind::UserAuth {
            username: username.into(),
            preferred: Some(preferred),
        })
    }

    /// `REFRESH_TOKEN_AUTH`. `username` is the token owner's internal username
    /// ([`SignedIn::username`], the access token's `username` claim), never an alias: with a
    /// client secret it is required (`SECRET_HASH` is computed over it), and it picks the
    /// user's remembered device from [`Config::with_device`].
    ///
    /// Tokens issued on a device refresh only with that device's key: Cognito answers
    /// `NotAuthorizedException` ("Invalid Refresh Token") without it. The simplest start is
    /// [`SignedIn::refresh_start`], which carries the name and the key; otherwise give the key
    /// with [`Start::with_device_key`] or the record with [`Config::with_device`].
    pub fn refresh(refresh_token: impl Into<RefreshToken>, username: Option<String>) -> Self {
        Self::new(StartKind::Refresh {
            refresh_token: refresh_token.into(),
            username,
        })
    }

    /// `GetTokensFromRefreshToken`: refresh that also works with refresh-token rotation (the
    /// raw client secret is sent, no username needed). The device key, if the tokens were
    /// issued on a device, comes from [`Start::with_device_key`].
    pub fn refresh_rotating(refresh_token: impl Into<RefreshToken>) -> Self {
        Self::new(StartKind::RefreshRotating {
            refresh_token: refresh_token.into(),
        })
    }

    /// Sends the `Session` that `SignUp` / `ConfirmSignUp` returned with a `USER_AUTH`
    /// start, to sign in right after sign-up without asking for a code again. Only
    /// `USER_AUTH` has it: [`SignIn::start`] refuses it for any other flow with
    /// [`Misuse::BadArgument`] naming `session`.
    #[must_use]
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// The key of the device the refresh token was issued on (`DEVICE_KEY` /
    /// `DeviceKey`). Only the refresh flows have it: [`SignIn::start`] refuses it for any
    /// other flow with [`Misuse::BadArgument`] naming `device_key`.
    #[must_use]
    pub fn with_device_key(mut self, device_key: impl Into<String>) -> Self {
        self.device_key = Some(device_key.into());
        self
    }

    /// Runs the flow through `AdminInitiateAuth` / `AdminRespondToAuthChallenge` (SigV4,
    /// server side). `USER_SRP_AUTH`, `CUSTOM_AUTH`, `USER_AUTH` and `REFRESH_TOKEN_AUTH`
    /// allow it; for the others [`SignIn::start`] refuses it.
    #[must_use]
    pub fn via_admin(mut self) -> Self {
        self.admin = true;
        self
    }
}

/// What the caller got back for the last request.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Response<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: &'a [u8],
    /// The `x-amzn-ErrorType` header, when present.
    pub error_type: Option<&'a str>,
    /// The `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`), when present: the machine then
    /// corrects `TIMESTAMP` by the offset between the server's clock and `now`.
    pub date: Option<&'a str>,
}

impl<'a> Response<'a> {
    /// A reply with its status and body only.
    #[must_use]
    pub fn new(status: u16, body: &'a [u8]) -> Self {
        Self {
            status,
            body,
            error_type: None,
            date: None,
        }
    }

    /// Adds the `x-amzn-ErrorType` header.
    #[must_use]
    pub fn with_error_type(mut self, value: &'a str) -> Self {
        self.error_type = Some(value);
        self
    }

    /// Adds the `Date` header.
    #[must_use]
    pub fn with_date(mut self, value: &'a str) -> Self {
        self.date = Some(value);
        self
    }
}

/// A reply as the caller received it, owned: the JSON form's reply input. Read one from
/// JSON, then hand [`Reply::as_response`] to [`SignIn::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
    /// The `x-amzn-ErrorType` header, when present.
    pub error_type: Option<String>,
    /// The `Date` header, when present.
    pub date: Option<String>,
}

impl Reply {
    /// A reply with its status and body only.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            error_type: None,
            date: None,
        }
    }

    /// The reply as [`SignIn::handle`] takes it.
    #[must_use]
    pub fn as_response(&self) -> Response<'_> {
        Response {
            status: self.status,
            body: self.body.as_bytes(),
            error_type: self.error_type.as_deref(),
            date: self.date.as_deref(),
        }
    }
}

/// What to do next: the only three things a sign-in can ask of its caller, so a `match` on
/// it needs no catch-all arm.
#[must_use]
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // returned by value once per step; boxing buys nothing
pub enum Step {
    /// Send this request, then feed its reply to [`SignIn::handle`].
    Send(Request),
    /// Ask the user, then call [`SignIn::answer`].
    NeedInput(Prompt),
    /// Signed in. The machine is finished.
    Done(SignedIn),
}

/// A question for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[non_exhaustive]
pub struct Prompt {
    /// What to ask.
    pub challenge: Challenge,
    /// Set when the same question is asked again because Cognito refused the last answer
    /// (a wrong code, a new password that breaks the policy); show it to the user.
    pub previous_error: Option<ServiceError>,
}

/// An MFA method, as `SELECT_MFA_TYPE` and `MFA_SETUP` name them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MfaType {
    /// `SMS_MFA`.
    Sms,
    /// `SOFTWARE_TOKEN_MFA` (TOTP).
    SoftwareToken,
    /// `EMAIL_OTP`.
    Email,
    /// Any other name the service offers.
    Other(String),
}

impl MfaType {
    /// Reads a challenge name.
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            "SMS_MFA" => Self::Sms,
            "SOFTWARE_TOKEN_MFA" => Self::SoftwareToken,
            "EMAIL_OTP" => Self::Email,
            other => Self::Other(String::from(other)),
        }
    }

    /// The challenge name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Sms => "SMS_MFA",
            Self::SoftwareToken => "SOFTWARE_TOKEN_MFA",
            Self::Email => "EMAIL_OTP",
            Self::Other(name) => name,
        }
    }
}

/// The first factors of a `USER_AUTH` sign-in: asked for with
/// [`Start::user_auth_preferring`] (`PREFERRED_CHALLENGE`), or chosen when
/// `SELECT_CHALLENGE` offers them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirstFactor {
    /// `PASSWORD`, with the password.
    Password(Password),
    /// `PASSWORD_SRP`, with the password (it never leaves the client).
    PasswordSrp(Password),
    /// `EMAIL_OTP`: a code is sent by email.
    EmailOtp,
    /// `SMS_OTP`: a code is sent by SMS.
    SmsOtp,
    /// `WEB_AUTHN`, optionally with the credential JSON right away.
    WebAuthn(Option<String>),
}

impl FirstFactor {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Password(_) => "PASSWORD",
            Self::PasswordSrp(_) => "PASSWORD_SRP",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SmsOtp => "SMS_OTP",
            Self::WebAuthn(_) => "WEB_AUTHN",
        }
    }
}

/// What the user is asked, with what the service said about it.
///
/// `Debug` shows everything but the TOTP secret of [`Challenge::TotpSetup`] (and the URI that
/// carries it): it seeds every future code, so it must not reach logs.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        tag = "type",
        rename_all = "camelCase",
        rename_all_fields = "camelCase",
        deny_unknown_fields
    )
)]
#[non_exhaustive]
pub enum Challenge {
    /// `SMS_MFA`: the code sent by SMS. Answer [`Answer::Code`].
    SmsMfa {
        /// Where the code went, masked (`+*******1234`): show it, never parse it.
        destination: Option<String>,
    },
    /// `SOFTWARE_TOKEN_MFA`: the code of the authenticator app. Answer [`Answer::Code`].
    SoftwareTokenMfa {
        /// The name given to the authenticator at set-up, if any.
        friendly_device_name: Option<String>,
    },
    /// `EMAIL_OTP`: the code sent by email (MFA, or a passwordless first factor). Answer
    /// [`Answer::Code`].
    EmailOtp {
        /// Where the code went, masked.
        destination: Option<String>,
    },
    /// `SMS_OTP`: the code sent by SMS as a passwordless first factor. Answer
    /// [`Answer::Code`].
    SmsOtp {
        /// Where the code went, masked.
        destination: Option<String>,
    },
    /// `SELECT_MFA_TYPE`: which MFA to use. Answer [`Answer::Mfa`] with one of `options`.
    SelectMfaType {
        /// The methods offered (`MFAS_CAN_CHOOSE`).
        options: Vec<MfaType>,
    },
    /// `MFA_SETUP`: the pool requires MFA and the user has none. Answer
    /// [`Answer::SetUpTotp`] or [`Answer::SetUpEmail`]; SMS cannot be set up during sign-in
    /// (add a phone number to the user, then sign in again).
    MfaSetup {
        /// The methods that can be set up (`MFAS_CAN_SETUP`).
        options: Vec<MfaType>,
    },
    /// A TOTP set-up is under way: show the secret (or the URI as a QR code), then answer
    /// [`Answer::Code`] with the first code the authenticator shows.
    TotpSetup {
        /// The base32 secret (`SecretCode`).
        secret_code: String,
        /// `otpauth://totp/<issuer>:<user>?secret=<secret>&issuer=<issuer>`.
        uri: String,
    },
    /// `NEW_PASSWORD_REQUIRED`: a temporary password must be replaced. Answer
    /// [`Answer::NewPassword`] with a value for every required attribute.
    NewPassword {
        /// Required attributes that still have no value, without the `userAttributes.`
        /// prefix (e.g. `name`).
        required_attributes: Vec<String>,
        /// The user's current attributes, for display. Never send them back wholesale.
        user_attributes: BTreeMap<String, String>,
    },
    /// `CUSTOM_CHALLENGE`: a challenge of the pool's Lambda triggers. Answer
    /// [`Answer::Custom`].
    Custom {
        /// The public challenge parameters.
        parameters: BTreeMap<String, String>,
    },
    /// `SELECT_CHALLENGE`: which first factor to use. Answer [`Answer::FirstFactor`].
    SelectChallenge {
        /// The names offered (`AvailableChallenges`): `PASSWORD`, `PASSWORD_SRP`,
        /// `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`.
        available: Vec<String>,
    },
    /// `PASSWORD` or `PASSWORD_SRP`: the password. Answer [`Answer::Password`].
    Password {
        /// Whether the password is proven with SRP (`PASSWORD_SRP`) rather than sent.
        srp: bool,
    },
    /// `WEB_AUTHN`: have the platform authenticator sign, then answer
    /// [`Answer::Credential`].
    WebAuthn {
        /// `CREDENTIAL_REQUEST_OPTIONS`: JSON of the WebAuthn request options.
        credential_request_options: String,
    },
    /// The new device is registered and the pool lets the user choose: remember it
    /// (skipping MFA on later sign-ins where the pool allows it)? Answer
    /// [`Answer::RememberDevice`].
    RememberDevice,
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SmsMfa { destination } => f
                .debug_struct("SmsMfa")
                .field("destination", destination)
                .finish(),
            Self::SoftwareTokenMfa {
                friendly_device_name,
            } => f
                .debug_struct("SoftwareTokenMfa")
                .field("friendly_device_name", friendly_device_name)
                .finish(),
            Self::EmailOtp { destination } => f
                .debug_struct("EmailOtp")
                .field("destination", destination)
                .finish(),
            Self::SmsOtp { destination } => f
                .debug_struct("SmsOtp")
                .field("destination", destination)
                .finish(),
            Self::SelectMfaType { options } => f
                .debug_struct("SelectMfaType")
                .field("options", options)
                .finish(),
            Self::MfaSetup { options } => f
                .debug_struct("MfaSetup")
                .field("options", options)
                .finish(),
            Self::TotpSetup { .. } => f.debug_struct("TotpSetup").finish_non_exhaustive(),
            Self::NewPassword {
                required_attributes,
                user_attributes,
            } => f
                .debug_struct("NewPassword")
                .field("required_attributes", required_attributes)
                .field("user_attributes", user_attributes)
                .finish(),
            Self::Custom { parameters } => f
                .debug_struct("Custom")
                .field("parameters", parameters)
                .finish(),
            Self::SelectChallenge { available } => f
                .debug_struct("SelectChallenge")
                .field("available", available)
                .finish(),
            Self::Password { srp } => f.debug_struct("Password").field("srp", srp).finish(),
            Self::WebAuthn {
                credential_request_options,
            } => f
                .debug_struct("WebAuthn")
                .field("credential_request_options", credential_request_options)
                .finish(),
            Self::RememberDevice => f.write_str("RememberDevice"),
        }
    }
}

/// The user's answer to a [`Challenge`]. `Debug` shows which answer it is, never the code,
/// password, custom answer or credential in it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// A code: SMS, email, TOTP, one-time code, or the first TOTP code of a set-up. Digits as
    /// typed (leading zeros kept).
    Code(String),
    /// The MFA method chosen in `SELECT_MFA_TYPE`.
    Mfa(MfaType),
    /// Set up TOTP in `MFA_SETUP`.
    SetUpTotp,
    /// Set up email MFA in `MFA_SETUP` with this address.
    SetUpEmail(String),
    /// The new password, and values for attributes (names with or without the
    /// `userAttributes.` prefix). Read-only attributes (`sub`, `email_verified`,
    /// `phone_number_verified`) are never sent.
    NewPassword {
        /// The new password.
        password: Password,
        /// Attribute values: every required one, optionally more writable ones.
        attributes: BTreeMap<String, String>,
    },
    /// The answer to a `CUSTOM_CHALLENGE`.
    Custom(String),
    /// The first factor chosen in `SELECT_CHALLENGE`.
    FirstFactor(FirstFactor),
    /// The password for a `PASSWORD` or `PASSWORD_SRP` challenge.
    Password(Password),
    /// The WebAuthn credential JSON (`AuthenticationResponseJSON`) for `WEB_AUTHN`.
    Credential(String),
    /// Remember the new device (`true`) or not.
    RememberDevice(bool),
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(_) => f.write_str("Code(..)"),
            Self::Mfa(m) => f.debug_tuple("Mfa").field(m).finish(),
            Self::SetUpTotp => f.write_str("SetUpTotp"),
            Self::SetUpEmail(email) => f.debug_tuple("SetUpEmail").field(email).finish(),
            Self::NewPassword { attributes, .. } => f
                .debug_struct("NewPassword")
                .field("attributes", attributes)
                .finish_non_exhaustive(),
            Self::Custom(_) => f.write_str("Custom(..)"),
            Self::FirstFactor(factor) => f.debug_tuple("FirstFactor").field(factor).finish(),
            Self::Password(_) => f.write_str("Password(..)"),
            Self::Credential(_) => f.write_str("Credential(..)"),
            Self::RememberDevice(yes) => f.debug_tuple("RememberDevice").field(yes).finish(),
        }
    }
}

/// The tokens of a finished sign-in. `Debug` shows none of them.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[non_exhaustive]
pub struct Tokens {
    /// `AccessToken` (JWT).
    pub access_token: String,
    /// `IdToken` (JWT), when issued.
    pub id_token: Option<String>,
    /// `RefreshToken`: issued by sign-in; by refresh only with rotation. After a
    /// `REFRESH_TOKEN_AUTH` without a new one, this is the refresh token that was used.
    pub refresh_token: Option<RefreshToken>,
    /// `TokenType`, normally `Bearer`.
    pub token_type: String,
    /// `ExpiresIn`: the access token's lifetime in seconds.
    pub expires_in: u64,
    /// When the access token expires by the caller's clock: `now + expires_in`.
    pub expires_at: UnixTime,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What happened to a device the pool issued during this sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        tag = "type",
        content = "error",
        rename_all = "camelCase",
        deny_unknown_fields
    )
)]
#[non_exhaustive]
pub enum DeviceStatus {
    /// Registered and remembered (store [`NewDevice::credentials`]).
    Remembered,
    /// Registered, not remembered (the user declined): still store the credentials, device
    /// SRP works, but MFA is not skipped.
    NotRemembered,
    /// Not registered: [`Config::without_device_confirmation`].
    NotConfirmed,
    /// `ConfirmDevice` or `UpdateDeviceStatus` failed (a Cognito error, an unreadable
    /// reply), or `NewDeviceMetadata` itself was broken: the sign-in itself succeeded and
    /// its tokens are kept. The error says what failed.
    Failed(Error),
}

/// A device the pool issued (`NewDeviceMetadata`) and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[non_exhaustive]
pub struct NewDevice {
    /// `DeviceKey`.
    pub device_key: String,
    /// `DeviceGroupKey`.
    pub device_group_key: String,
    /// The record to store for device SRP, when `ConfirmDevice` succeeded.
    pub credentials: Option<DeviceCredentials>,
    /// Remembered, not remembered, not registered, or failed.
    pub status: DeviceStatus,
}

/// A finished sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[non_exhaustive]
pub struct SignedIn {
    /// The tokens.
    pub tokens: Tokens,
    /// The user's internal username (the access token's `username` claim, else the
    /// service's `USER_ID_FOR_SRP` / `USERNAME`): the name for `SECRET_HASH` on refresh and
    /// for keying stored device records.
    pub username: String,
    /// A device the pool issued during this sign-in.
    pub new_device: Option<NewDevice>,
    /// The remembered device of this user, sent with the sign-in, no longer exists on the
    /// service (`ResourceNotFoundException` to a request that carried its key): the machine
    /// went on without it; delete the stored record of this user.
    pub device_forgotten: bool,
    /// The key of the device the tokens are bound to: the new device, else the remembered
    /// device this sign-in used. A refresh must send it ([`SignedIn::refresh_start`]).
    pub device_key: Option<String>,
}

impl SignedIn {
    /// The device record to store, when a new device was registered
    /// (`ConfirmDevice` succeeded): hand it to [`Config::with_device`] next time.
    #[must_use]
    pub fn device_credentials(&self) -> Option<&DeviceCredentials> {
        self.new_device.as_ref()?.credentials.as_ref()
    }

    /// The start of a `REFRESH_TOKEN_AUTH` for these tokens: the refresh token, the internal
    /// username and the device key. `None` when no refresh token was issued.
    #[must_use]
    pub fn refresh_start(&self) -> Option<Start> {
        let token = self.tokens.refresh_token.clone()?;
        let start = Start::refresh(token, Some(self.username.clone()));
        Some(match &self.device_key {
            Some(key) => start.with_device_key(key.clone()),
            None => start,
        })
    }
}

/// One sign-in: a sans-IO state machine. Create it with [`SignIn::start`], send each
/// [`Request`] it gives, feed the reply to [`SignIn::handle`], ask the user when it says so and
/// pass the answer to [`SignIn::answer`], until [`Step::Done`].
///
/// Only the service ends a sign-in: a Cognito error ([`Error::Service`]) or a broken reply
/// ([`Error::Protocol`]) is final, and every later call returns [`Misuse::AlreadyFailed`].
/// Where Cognito lets the user try again (a wrong code, a rejected new password or email
/// address), the machine does not fail: it asks again ([`Prompt::previous_error`]). A
/// caller's mistake ([`Error::Misuse`]: an answer that does not fit, a call out of order, a
/// clock outside Cognito's range, a broken random source) changes nothing: the machine waits
/// for the same reply or answer as before.
pub struct SignIn {
    machine: state::Machine,
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignIn")
            .field("state", &self.machine.state_name())
            .finish_non_exhaustive()
    }
}

impl SignIn {
    /// Starts a sign-in: the machine and the first request to send.
    ///
    /// # Errors
    /// [`Misuse::BadArgument`] for a flow that cannot run as asked: an admin-only flow
    /// without admin, `USER_PASSWORD_AUTH` or `GetTokensFromRefreshToken` through admin, a
    /// refresh with a client secret but no username (`username`), a session or device key
    /// where the flow has none (`session`, `device_key`), a WebAuthn credential as the
    /// preferred first factor (`preferred`); [`Misuse::BrokenRandomSource`] from SRP.
    pub fn start<R: CryptoRng + ?Sized>(
        config: impl Borrow<Config>,
        start: Start,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(Self, Request), Error> {
        let (machine, request) = state::Machine::start(config.borrow().clone(), start, now, rng)?;
        Ok((Self { machine }, request))
    }

    /// Feeds the reply to the last request.
    ///
    /// # Errors
    /// [`Error::Service`] for a Cognito error the user cannot fix in this sign-in;
    /// [`Error::Protocol`] for a reply that breaks the protocol: both end the sign-in.
    /// [`Error::Misuse`], which changes nothing: [`Misuse::AnswerExpected`] while a question
    /// is open, [`Misuse::TimeOutOfRange`] for a `now` outside 1970–9999,
    /// [`Misuse::BrokenRandomSource`], and after the end [`Misuse::AlreadyDone`] or
    /// [`Misuse::AlreadyFailed`].
    pub fn handle<R: CryptoRng + ?Sized>(
        &mut self,
        response: Response<'_>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Step, Error> {
        self.machine.handle(response, now, rng)
    }

    /// Passes the user's answer to the open question.
    ///
    /// # Errors
    /// [`Misuse::AnswerDoesNotFit`] for an answer to another question, a choice that was not
    /// offered, or an empty code, password or required attribute; the question stays open.
    /// [`Misuse::ReplyExpected`] while a request is in flight; [`Misuse::BrokenRandomSource`];
    /// [`Misuse::AlreadyDone`] / [`Misuse::AlreadyFailed`] after the end. None of them
    /// changes the machine. [`Error::Protocol`] when the service's earlier reply lacked what
    /// the answer needs (a `Session` for a TOTP set-up).
    pub fn answer<R: CryptoRng + ?Sized>(
        &mut self,
        answer: Answer,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Step, Error> {
        self.machine.answer(answer, now, rng)
    }

    /// The username used so far: the typed one until the service names the internal one.
    #[must_use]
    pub fn username(&self) -> &str {
        self.machine.username()
    }

    /// Whether the machine is finished (done or failed).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.machine.is_finished()
    }
}
