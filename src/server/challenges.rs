//! Sessions, and what follows the first factor: `NEW_PASSWORD_REQUIRED` (issued and
//! answered), MFA, `DEVICE_SRP_AUTH` or tokens.

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde_json::{Value, json};

use crate::secret::Password;
use crate::srp::{Identity, Verifier};
use crate::time::UnixTime;

use super::auth::SessionAnswer;
use super::config::UserStatus;
use super::replies::{ServerReply, bad_credentials, err, ok, param};
use super::state::{Awaiting, Flow, PendingSession, User};
use super::{UserPool, random_b64};

impl UserPool {
    pub(super) fn new_session<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        awaiting: Awaiting,
        now: UnixTime,
        rng: &mut R,
    ) -> String {
        let session = random_b64(rng, 96);
        self.sessions.insert(
            session.clone(),
            PendingSession {
                flow,
                awaiting,
                created: now.0,
            },
        );
        session
    }

    pub(super) fn challenge<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        awaiting: Awaiting,
        name: &str,
        params: Value,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let session = self.new_session(flow, awaiting, now, rng);
        ok(json!({"ChallengeName": name, "Session": session, "ChallengeParameters": params}))
    }

    /// After the password: new password, MFA, device SRP, tokens.
    pub(super) fn after_first_factor<R: CryptoRng + ?Sized>(
        &mut self,
        mut flow: Flow,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let Some(user) = self.user(&flow.username) else {
            return bad_credentials();
        };
        if user.status == UserStatus::ForceChangePassword {
            let params = self.new_password_parameters(user);
            return self.challenge(
                flow,
                Awaiting::NewPassword,
                "NEW_PASSWORD_REQUIRED",
                params,
                now,
                rng,
            );
        }
        if !flow.mfa_done && !flow.passwordless {
            let methods = self.mfa_methods(user);
            if self.mfa_wanted(user, &flow, &methods) {
                if methods.is_empty() {
                    return self.mfa_setup_challenge(flow, now, rng);
                }
                let chosen = match (&user.preferred_mfa, methods.len()) {
                    (Some(p), _) if methods.contains(p) => p.clone(),
                    (_, 1) => methods.first().cloned().unwrap_or_default(),
                    _ => return self.select_mfa_challenge(flow, methods, now, rng),
                };
                return self.mfa_challenge(flow, &chosen, now, rng);
            }
            flow.mfa_done = true;
        }
        let device_known = flow.device_key.as_ref().is_some_and(|k| {
            self.user(&flow.username)
                .is_some_and(|u| u.devices.get(k).is_some_and(|d| d.verifier.is_some()))
        });
        if device_known
            && flow
                .history
                .iter()
                .all(|h| h.challenge_name != "DEVICE_PASSWORD_VERIFIER")
        {
            let params = json!({"USERNAME": flow.username, "DEVICE_KEY": flow.device_key});
            return self.challenge(
                flow,
                Awaiting::DeviceSrpAuth,
                "DEVICE_SRP_AUTH",
                params,
                now,
                rng,
            );
        }
        self.tokens(&flow, device_known, now, rng)
    }

    /// `NEW_PASSWORD_REQUIRED`'s parameters: the user's attributes, and the required ones the
    /// user does not have.
    fn new_password_parameters(&self, user: &User) -> Value {
        let current: BTreeMap<&String, &String> = user.attributes.iter().collect();
        let missing: Vec<String> = self
            .config
            .required_attributes
            .iter()
            .filter(|a| !user.attributes.contains_key(*a))
            .map(|a| format!("userAttributes.{a}"))
            .collect();
        json!({
            "USER_ID_FOR_SRP": user.username,
            "userAttributes": serde_json::to_string(&current).unwrap_or_default(),
            "requiredAttributes": serde_json::to_string(&missing).unwrap_or_default(),
        })
    }

    /// `NEW_PASSWORD_REQUIRED`: the new password and the missing required attributes. A
    /// refused answer leaves the session open.
    pub(super) fn answer_new_password<R: CryptoRng + ?Sized>(
        &mut self,
        session: SessionAnswer<'_>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let SessionAnswer {
            id: session_id,
            flow,
            created,
            params,
        } = session;
        let password = param(params, "NEW_PASSWORD")?;
        let mut attributes = BTreeMap::new();
        for (k, v) in params {
            if let Some(attr) = k.strip_prefix("userAttributes.") {
                if ["sub", "email_verified", "phone_number_verified"].contains(&attr) {
                    self.restore(session_id, flow.clone(), Awaiting::NewPassword, created);
                    return Err(err(
                        "InvalidParameterException",
                        &format!("Cannot modify the non-mutable attribute {attr}"),
                    ));
                }
                attributes.insert(attr.to_owned(), v.as_str().unwrap_or_default().to_owned());
            }
        }
        let user_attrs = self
            .user(&flow.username)
            .map(|u| u.attributes.clone())
            .unwrap_or_default();
        if let Some(missing) = self
            .config
            .required_attributes
            .iter()
            .find(|a| !user_attrs.contains_key(*a) && !attributes.contains_key(*a))
        {
            let message = format!("Invalid attributes given, {missing} is missing");
            self.restore(session_id, flow, Awaiting::NewPassword, created);
            return Err(err("InvalidParameterException", &message));
        }
        if let Err(e) = self.check_password(&password) {
            self.restore(session_id, flow, Awaiting::NewPassword, created);
            return Err(e);
        }
        let identity = Identity::user(&self.id, &flow.username).map_err(|_| bad_credentials())?;
        let verifier = Verifier::generate(&identity, &Password::new(password), rng);
        let user = self.user_mut(&flow.username).ok_or_else(bad_credentials)?;
        user.verifier = verifier;
        user.status = UserStatus::Confirmed;
        user.attributes.extend(attributes);
        Ok(self.after_first_factor(flow, now, rng))
    }
}
