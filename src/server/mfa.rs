//! MFA challenges: TOTP, and codes sent by SMS or email.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde_json::json;

use crate::time::UnixTime;

use super::replies::ServerReply;
use super::state::{Awaiting, Flow};
use super::{OutboxMessage, UserPool, digits};

impl UserPool {
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
        let awaiting = Awaiting::Code {
            challenge,
            key,
            code,
            attempts: 0,
            enrol_email,
        };
        self.challenge(flow, awaiting, challenge, params, now, rng)
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
