//! What the pool keeps: users and their devices, sign-ins in progress, SRP runs, tokens.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::srp::{Premaster, ServerSession, Verifier};

use super::config::UserStatus;
use super::custom::{ChallengeResult, CustomChallenge};

pub(super) struct Device {
    pub(super) group_key: String,
    pub(super) verifier: Option<Verifier>,
    pub(super) remembered: bool,
    /// `DeviceName` from `ConfirmDevice`.
    pub(super) name: Option<String>,
    pub(super) created: u64,
    pub(super) last_used: u64,
}

pub(super) struct User {
    pub(super) username: String,
    pub(super) sub: String,
    pub(super) verifier: Verifier,
    pub(super) status: UserStatus,
    pub(super) attributes: BTreeMap<String, String>,
    /// The registered TOTP secret.
    pub(super) totp_secret: Option<String>,
    /// TOTP MFA enabled (a registered secret, turned on by `MFA_SETUP` or a preference).
    pub(super) totp_enabled: bool,
    /// A secret from `AssociateSoftwareToken` with an access token, not yet verified.
    pub(super) totp_pending: Option<String>,
    pub(super) sms_mfa: bool,
    pub(super) email_mfa: bool,
    pub(super) preferred_mfa: Option<String>,
    pub(super) enabled: bool,
    pub(super) devices: BTreeMap<String, Device>,
    pub(super) created: u64,
    pub(super) modified: u64,
}

/// What a sign-in in progress knows.
#[derive(Clone)]
pub(super) struct Flow {
    pub(super) username: String,
    pub(super) client_id: String,
    pub(super) admin: bool,
    pub(super) flow: String,
    pub(super) device_key: Option<String>,
    pub(super) history: Vec<ChallengeResult>,
    pub(super) password_done: bool,
    pub(super) mfa_done: bool,
    /// The first factor was a one-time code (passwordless): no MFA after it.
    pub(super) passwordless: bool,
}

pub(super) enum Awaiting {
    NewPassword,
    Code(SentCode),
    Totp {
        attempts: u8,
    },
    SelectMfa(Vec<String>),
    MfaSetup {
        options: Vec<String>,
        secret: Option<String>,
        verified: bool,
    },
    Custom(CustomChallenge),
    SelectChallenge(Vec<String>),
    DeviceSrpAuth,
}

/// A code sent by SMS or email, and the challenge that asks for it.
pub(super) struct SentCode {
    /// `SMS_MFA`, `SMS_OTP` or `EMAIL_OTP`.
    pub(super) challenge: &'static str,
    /// The `ChallengeResponses` key of the answer.
    pub(super) key: &'static str,
    /// The code.
    pub(super) code: String,
    /// Wrong answers so far.
    pub(super) attempts: u8,
    /// A right answer enables email MFA for the user (`MFA_SETUP` by email).
    pub(super) enrol_email: bool,
}

pub(super) struct PendingSession {
    pub(super) flow: Flow,
    pub(super) awaiting: Awaiting,
    pub(super) created: u64,
}

pub(super) struct SrpState {
    pub(super) flow: Flow,
    pub(super) server: ServerSession,
    pub(super) srp_a: String,
    pub(super) block: Vec<u8>,
    pub(super) created: u64,
    pub(super) device: Option<(String, String)>,
    /// `S` for `srp_a`, computed outside the pool ([`super::SrpWork`]).
    pub(super) premaster: Option<Premaster>,
}

pub(super) struct TokenInfo {
    pub(super) username: String,
    pub(super) expires: u64,
    /// The refresh token this access token came with or from.
    pub(super) origin: String,
}

#[derive(Clone)]
pub(super) struct RefreshInfo {
    pub(super) username: String,
    pub(super) client_id: String,
    pub(super) device_key: Option<String>,
    /// The sign-in's `origin_jti`, in every token issued from this refresh token.
    pub(super) origin_jti: String,
    /// When the user signed in (`auth_time`), kept by refreshes.
    pub(super) auth_time: u64,
}
