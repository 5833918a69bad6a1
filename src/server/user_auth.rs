//! `USER_AUTH`: the first factor the user chooses, at once or by `SELECT_CHALLENGE`.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde_json::{Map, Value, json};

use crate::secret::Password;
use crate::time::UnixTime;

use super::UserPool;
use super::auth::SessionAnswer;
use super::replies::{ServerReply, bad_credentials, err, ok, param};
use super::state::{Awaiting, Flow};

impl UserPool {
    /// `USER_AUTH`: the `PREFERRED_CHALLENGE` when it can be served at once, else
    /// `SELECT_CHALLENGE`.
    pub(super) fn user_auth<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        params: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let available = self.first_factors(&flow.username);
        match params.get("PREFERRED_CHALLENGE").and_then(Value::as_str) {
            Some("PASSWORD") if params.contains_key("PASSWORD") => {
                self.first_factor_password(flow, params, now, rng)
            }
            Some("PASSWORD_SRP") if params.contains_key("SRP_A") => {
                self.password_verifier(flow, &param(params, "SRP_A")?, now, rng)
            }
            Some(p @ ("EMAIL_OTP" | "SMS_OTP")) if available.iter().any(|a| a == p) => {
                let p = p.to_owned();
                Ok(self.first_factor_code(flow, &p, now, rng))
            }
            _ => {
                let session =
                    self.new_session(flow, Awaiting::SelectChallenge(available.clone()), now, rng);
                Ok(ok(
                    json!({"ChallengeName": "SELECT_CHALLENGE", "Session": session,
                    "ChallengeParameters": {}, "AvailableChallenges": available}),
                ))
            }
        }
    }

    fn first_factors(&self, username: &str) -> Vec<String> {
        let mut out = alloc::vec!["PASSWORD".to_owned(), "PASSWORD_SRP".to_owned()];
        if let Some(u) = self.user(username) {
            if u.attributes.get("email_verified").map(String::as_str) == Some("true") {
                out.push("EMAIL_OTP".into());
            }
            if u.attributes
                .get("phone_number_verified")
                .map(String::as_str)
                == Some("true")
            {
                out.push("SMS_OTP".into());
            }
        }
        out
    }

    fn first_factor_code<R: CryptoRng + ?Sized>(
        &mut self,
        mut flow: Flow,
        which: &str,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        flow.passwordless = true;
        if which == "SMS_OTP" {
            self.send_code(flow, "SMS_OTP", "SMS", "phone_number", false, now, rng)
        } else {
            self.send_code(flow, "EMAIL_OTP", "EMAIL", "email", false, now, rng)
        }
    }

    /// `SELECT_CHALLENGE`: one of the available first factors, with its answer (`PASSWORD`,
    /// `SRP_A`) or not (codes).
    pub(super) fn answer_select_challenge<R: CryptoRng + ?Sized>(
        &mut self,
        session: SessionAnswer<'_>,
        available: Vec<String>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let SessionAnswer { flow, params, .. } = session;
        let answer = param(params, "ANSWER")?;
        if !available.contains(&answer) {
            return Err(err(
                "InvalidParameterException",
                "The challenge is not available.",
            ));
        }
        match answer.as_str() {
            "PASSWORD" => self.first_factor_password(flow, params, now, rng),
            "PASSWORD_SRP" => {
                let srp_a = param(params, "SRP_A")?;
                self.password_verifier(flow, &srp_a, now, rng)
            }
            other => Ok(self.first_factor_code(flow, other, now, rng)),
        }
    }

    /// The `PASSWORD` first factor.
    fn first_factor_password<R: CryptoRng + ?Sized>(
        &mut self,
        mut flow: Flow,
        params: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let password = Password::new(param(params, "PASSWORD")?);
        if !self.password_matches(&flow.username, &password) {
            return Err(bad_credentials());
        }
        flow.password_done = true;
        Ok(self.after_first_factor(flow, now, rng))
    }
}
