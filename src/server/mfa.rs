//! MFA: which methods a sign-in asks for, `SELECT_MFA_TYPE`, TOTP and codes sent by SMS or
//! email, issued and answered.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde_json::json;

use crate::time::UnixTime;

use super::auth::SessionAnswer;
use super::config::MfaMode;
use super::replies::{ServerReply, err, param};
use super::state::{Awaiting, Flow, SentCode, User};
use super::{OutboxMessage, UserPool, ct_eq, digits, totp};

impl UserPool {
    /// The MFA methods the pool enables and the user has set up.
    pub(super) fn mfa_methods(&self, user: &User) -> Vec<String> {
        let mut methods = Vec::new();
        if self.config.totp_mfa && user.totp_enabled && user.totp_secret.is_some() {
            methods.push("SOFTWARE_TOKEN_MFA".to_owned());
        }
        if self.config.sms_mfa && user.sms_mfa && user.attributes.contains_key("phone_number") {
            methods.push("SMS_MFA".to_owned());
        }
        if self.config.email_mfa && user.email_mfa && user.attributes.contains_key("email") {
            methods.push("EMAIL_OTP".to_owned());
        }
        methods
    }

    /// Whether the sign-in asks for a second factor: as the pool's MFA mode says, unless a
    /// remembered device replaces it.
    pub(super) fn mfa_wanted(&self, user: &User, flow: &Flow, methods: &[String]) -> bool {
        let remembered_device = flow.device_key.as_ref().is_some_and(|k| {
            user.devices
                .get(k)
                .is_some_and(|d| d.verifier.is_some() && d.remembered)
        });
        let skip = remembered_device && self.config.challenge_required_on_new_device;
        let wanted = match self.config.mfa {
            MfaMode::Off => false,
            MfaMode::Optional => !methods.is_empty(),
            MfaMode::On => true,
        };
        wanted && !skip
    }

    /// `SELECT_MFA_TYPE`, for a user with several methods and none of them preferred.
    pub(super) fn select_mfa_challenge<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        methods: Vec<String>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let params = json!({
            "MFAS_CAN_CHOOSE": serde_json::to_string(&methods).unwrap_or_default(),
            "USER_ID_FOR_SRP": flow.username,
        });
        self.challenge(
            flow,
            Awaiting::SelectMfa(methods),
            "SELECT_MFA_TYPE",
            params,
            now,
            rng,
        )
    }

    pub(super) fn mfa_challenge<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        method: &str,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        match method {
            "SOFTWARE_TOKEN_MFA" => {
                let params = json!({"USER_ID_FOR_SRP": flow.username, "FRIENDLY_DEVICE_NAME": "TOTP device"});
                self.challenge(
                    flow,
                    Awaiting::Totp { attempts: 0 },
                    "SOFTWARE_TOKEN_MFA",
                    params,
                    now,
                    rng,
                )
            }
            "SMS_MFA" | "SMS_OTP" => {
                self.send_code(flow, method, "SMS", "phone_number", false, now, rng)
            }
            _ => self.send_code(flow, "EMAIL_OTP", "EMAIL", "email", false, now, rng),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_code<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        challenge: &str,
        medium: &'static str,
        attribute: &str,
        enrol_email: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let destination = self
            .user(&flow.username)
            .and_then(|u| u.attributes.get(attribute))
            .cloned()
            .unwrap_or_default();
        let code = digits(rng, 6);
        self.outbox.push(OutboxMessage {
            username: flow.username.clone(),
            medium,
            destination: destination.clone(),
            code: code.clone(),
        });
        let masked = mask(&destination);
        let (challenge, key): (&'static str, &'static str) = match challenge {
            "SMS_MFA" => ("SMS_MFA", "SMS_MFA_CODE"),
            "SMS_OTP" => ("SMS_OTP", "SMS_OTP_CODE"),
            _ => ("EMAIL_OTP", "EMAIL_OTP_CODE"),
        };
        let params = json!({
            "CODE_DELIVERY_DELIVERY_MEDIUM": medium,
            "CODE_DELIVERY_DESTINATION": masked,
            "USER_ID_FOR_SRP": flow.username,
        });
        let awaiting = Awaiting::Code(SentCode {
            challenge,
            key,
            code,
            attempts: 0,
            enrol_email,
        });
        self.challenge(flow, awaiting, challenge, params, now, rng)
    }

    /// `SMS_MFA`, `SMS_OTP` or `EMAIL_OTP`: the code sent. A wrong code leaves the session open
    /// for four more tries.
    pub(super) fn answer_code<R: CryptoRng + ?Sized>(
        &mut self,
        session: SessionAnswer<'_>,
        sent: SentCode,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let SessionAnswer {
            id: session_id,
            mut flow,
            created,
            params,
        } = session;
        let given = param(params, sent.key)?;
        if !ct_eq(given.as_bytes(), sent.code.as_bytes()) {
            if sent.attempts < 4 {
                let awaiting = Awaiting::Code(SentCode {
                    attempts: sent.attempts + 1,
                    ..sent
                });
                self.restore(session_id, flow, awaiting, created);
            }
            return Err(err(
                "CodeMismatchException",
                "Invalid code received for user",
            ));
        }
        if sent.enrol_email
            && let Some(u) = self.user_mut(&flow.username)
        {
            u.email_mfa = true;
        }
        flow.mfa_done = true;
        Ok(self.after_first_factor(flow, now, rng))
    }

    /// `SOFTWARE_TOKEN_MFA`: the TOTP code. A wrong code leaves the session open for four more
    /// tries.
    pub(super) fn answer_software_token<R: CryptoRng + ?Sized>(
        &mut self,
        session: SessionAnswer<'_>,
        attempts: u8,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let SessionAnswer {
            id: session_id,
            mut flow,
            created,
            params,
        } = session;
        let given = param(params, "SOFTWARE_TOKEN_MFA_CODE")?;
        let secret = self
            .totp_secret(&flow.username)
            .unwrap_or_default()
            .to_owned();
        if !totp::verify(&secret, &given, now) {
            if attempts < 4 {
                self.restore(
                    session_id,
                    flow,
                    Awaiting::Totp {
                        attempts: attempts + 1,
                    },
                    created,
                );
            }
            return Err(err(
                "CodeMismatchException",
                "Invalid code received for user",
            ));
        }
        flow.mfa_done = true;
        Ok(self.after_first_factor(flow, now, rng))
    }

    /// `SELECT_MFA_TYPE`: one of the offered methods; issues its challenge.
    pub(super) fn answer_select_mfa_type<R: CryptoRng + ?Sized>(
        &mut self,
        session: SessionAnswer<'_>,
        options: Vec<String>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let SessionAnswer { flow, params, .. } = session;
        let answer = param(params, "ANSWER")?;
        if !options.contains(&answer) {
            return Err(err("InvalidParameterException", "Invalid MFA type."));
        }
        Ok(self.mfa_challenge(flow, &answer, now, rng))
    }
}

fn mask(destination: &str) -> String {
    let visible: String = destination
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if destination.contains('@') {
        let first = destination
            .chars()
            .next()
            .map(|c| c.to_string())
            .unwrap_or_default();
        format!("{first}***@***")
    } else {
        format!("+*******{visible}")
    }
}
