//! `MFA_SETUP`: the challenge, TOTP enrolment (`AssociateSoftwareToken`,
//! `VerifySoftwareToken`) and the answer.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde_json::{Map, Value, json};

use crate::time::UnixTime;

use super::auth::SessionAnswer;
use super::replies::{ServerReply, bad_user_code, err, invalid_session, ok, str_field};
use super::state::{Awaiting, Flow};
use super::{UserPool, random_b64, totp};

impl UserPool {
    /// `MFA_SETUP`, for a user without a method when MFA is on: the methods the pool enables.
    pub(super) fn mfa_setup_challenge<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let mut options = Vec::new();
        if self.config.sms_mfa {
            options.push("SMS_MFA".to_owned());
        }
        if self.config.totp_mfa {
            options.push("SOFTWARE_TOKEN_MFA".to_owned());
        }
        if self.config.email_mfa {
            options.push("EMAIL_OTP".to_owned());
        }
        let params = json!({
            "MFAS_CAN_SETUP": serde_json::to_string(&options).unwrap_or_default(),
            "USER_ID_FOR_SRP": flow.username,
        });
        let awaiting = Awaiting::MfaSetup {
            options,
            secret: None,
            verified: false,
        };
        self.challenge(flow, awaiting, "MFA_SETUP", params, now, rng)
    }

    pub(super) fn associate<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let Ok(id) = str_field(req, "Session") else {
            return err(
                "InvalidParameterException",
                "Session or AccessToken is required.",
            );
        };
        let Some(mut pending) = self.sessions.remove(id) else {
            return invalid_session();
        };
        let Awaiting::MfaSetup { options, .. } = pending.awaiting else {
            return invalid_session();
        };
        if !options.iter().any(|o| o == "SOFTWARE_TOKEN_MFA") {
            return err(
                "SoftwareTokenMFANotFoundException",
                "Software token MFA is not enabled.",
            );
        }
        let secret = totp::new_secret(rng);
        pending.awaiting = Awaiting::MfaSetup {
            options,
            secret: Some(secret.clone()),
            verified: false,
        };
        pending.created = now.0;
        let session = random_b64(rng, 96);
        self.sessions.insert(session.clone(), pending);
        ok(json!({"SecretCode": secret, "Session": session}))
    }

    pub(super) fn verify_software_token<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let Ok(id) = str_field(req, "Session") else {
            return err(
                "InvalidParameterException",
                "Session or AccessToken is required.",
            );
        };
        let Ok(code) = str_field(req, "UserCode") else {
            return err("InvalidParameterException", "UserCode is required.");
        };
        let code = code.to_owned();
        if !totp::is_user_code(&code) {
            return bad_user_code();
        }
        let id = id.to_owned();
        let Some(mut pending) = self.sessions.remove(&id) else {
            return invalid_session();
        };
        let Awaiting::MfaSetup {
            options,
            secret: Some(secret),
            ..
        } = pending.awaiting
        else {
            return invalid_session();
        };
        if !totp::verify(&secret, &code, now) {
            pending.awaiting = Awaiting::MfaSetup {
                options,
                secret: Some(secret),
                verified: false,
            };
            self.sessions.insert(id, pending);
            return err("EnableSoftwareTokenMFAException", "Code mismatch");
        }
        pending.awaiting = Awaiting::MfaSetup {
            options,
            secret: Some(secret),
            verified: true,
        };
        pending.created = now.0;
        let session = random_b64(rng, 96);
        self.sessions.insert(session.clone(), pending);
        ok(json!({"Status": "SUCCESS", "Session": session}))
    }

    /// `MFA_SETUP`: an `EMAIL` to send a code to, or the TOTP secret verified by
    /// `VerifySoftwareToken`.
    pub(super) fn answer_mfa_setup<R: CryptoRng + ?Sized>(
        &mut self,
        session: SessionAnswer<'_>,
        options: Vec<String>,
        secret: Option<String>,
        verified: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let SessionAnswer {
            mut flow, params, ..
        } = session;
        if let Some(email) = params.get("EMAIL").and_then(Value::as_str) {
            if !options.iter().any(|o| o == "EMAIL_OTP") {
                return Err(err(
                    "InvalidParameterException",
                    "Email MFA is not enabled.",
                ));
            }
            if let Some(u) = self.user_mut(&flow.username) {
                u.attributes.insert("email".into(), email.to_owned());
            }
            return Ok(self.send_code(flow, "EMAIL_OTP", "EMAIL", "email", true, now, rng));
        }
        let (Some(secret), true) = (secret, verified) else {
            return Err(err(
                "NotAuthorizedException",
                "Software token MFA has not been verified.",
            ));
        };
        if let Some(u) = self.user_mut(&flow.username) {
            u.totp_secret = Some(secret);
            u.totp_enabled = true;
            u.preferred_mfa = Some("SOFTWARE_TOKEN_MFA".into());
        }
        flow.mfa_done = true;
        Ok(self.after_first_factor(flow, now, rng))
    }
}
