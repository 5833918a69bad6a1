//! `InitiateAuth` and `RespondToAuthChallenge`, and their `Admin` twins.

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde_json::{Map, Value, json};

use crate::secret::Password;
use crate::srp::{Identity, Verifier};
use crate::time::UnixTime;

use super::config::UserStatus;
use super::custom::{ChallengeResult, CustomStep};
use super::replies::{
    ServerReply, bad_credentials, err, invalid_session, map_field, ok, param, str_field,
};
use super::state::{Awaiting, Flow, PendingSession};
use super::{UserPool, ct_eq, random_b64, totp};

impl UserPool {
    pub(super) fn try_initiate<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        admin: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        self.check_pool_id(req, admin)?;
        let client = self.client(req)?.clone();
        let flow_name = str_field(req, "AuthFlow")?.to_owned();
        let params = map_field(req, "AuthParameters")?;
        let admin_only = matches!(
            flow_name.as_str(),
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH"
        );
        if admin_only && !admin || flow_name == "USER_PASSWORD_AUTH" && admin {
            return Err(err(
                "InvalidParameterException",
                &format!("{flow_name} is not supported by this operation"),
            ));
        }
        if !client.allows(&flow_name) {
            return Err(err(
                "InvalidParameterException",
                &format!("{flow_name} flow not enabled for this client"),
            ));
        }
        if matches!(flow_name.as_str(), "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") {
            return self.refresh(&client, &params, now, rng);
        }
        let typed = param(&params, "USERNAME")?;
        Self::check_secret_hash(&client, &params, &typed)?;
        let user = self.sign_in_user(&client, &typed)?;
        let mut flow = Flow {
            username: user.username.clone(),
            client_id: client.client_id.clone(),
            admin,
            flow: flow_name.clone(),
            device_key: params
                .get("DEVICE_KEY")
                .and_then(Value::as_str)
                .map(str::to_owned),
            history: Vec::new(),
            password_done: false,
            mfa_done: false,
            passwordless: false,
        };
        match flow_name.as_str() {
            "USER_SRP_AUTH" => self.password_verifier(flow, &param(&params, "SRP_A")?, now, rng),
            "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                let password = Password::new(param(&params, "PASSWORD")?);
                if !self.password_matches(&flow.username, &password) {
                    return Err(bad_credentials());
                }
                self.check_device(&flow)?;
                flow.password_done = true;
                Ok(self.after_first_factor(flow, now, rng))
            }
            "CUSTOM_AUTH" => {
                if self.custom.is_none() {
                    return Err(err(
                        "InvalidLambdaResponseException",
                        "Custom auth lambda trigger is not configured for the user pool.",
                    ));
                }
                if params.get("CHALLENGE_NAME").and_then(Value::as_str) == Some("SRP_A") {
                    flow.history.push(ChallengeResult {
                        challenge_name: "SRP_A".into(),
                        succeeded: true,
                    });
                    let srp_a = param(&params, "SRP_A")?;
                    return match self.define(&flow) {
                        CustomStep::PasswordVerifier => {
                            self.password_verifier(flow, &srp_a, now, rng)
                        }
                        _ => Err(err(
                            "InvalidLambdaResponseException",
                            "Invalid lambda response.",
                        )),
                    };
                }
                Ok(self.custom_next(flow, now, rng))
            }
            "USER_AUTH" => self.user_auth(flow, &params, now, rng),
            other => Err(err(
                "InvalidParameterException",
                &format!("Unsupported AuthFlow: {other}"),
            )),
        }
    }

    pub(super) fn try_respond<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        admin: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        self.check_pool_id(req, admin)?;
        let client = self.client(req)?.clone();
        let name = str_field(req, "ChallengeName")?.to_owned();
        let params = map_field(req, "ChallengeResponses")?;
        if name == "PASSWORD_VERIFIER" || name == "DEVICE_PASSWORD_VERIFIER" {
            let device = name == "DEVICE_PASSWORD_VERIFIER";
            let state = self.check_claim(&client, &params, now, device)?;
            let mut flow = state.flow;
            if state.device.is_some() {
                flow.history.push(ChallengeResult {
                    challenge_name: "DEVICE_PASSWORD_VERIFIER".into(),
                    succeeded: true,
                });
                return Ok(self.tokens(&flow, true, now, rng));
            }
            if let Some(key) = params.get("DEVICE_KEY").and_then(Value::as_str) {
                flow.device_key = Some(key.to_owned());
            } else {
                flow.device_key = None;
            }
            self.check_device(&flow)?;
            flow.password_done = true;
            if flow.flow == "CUSTOM_AUTH" {
                flow.history.push(ChallengeResult {
                    challenge_name: "PASSWORD_VERIFIER".into(),
                    succeeded: true,
                });
                return Ok(self.custom_next(flow, now, rng));
            }
            return Ok(self.after_first_factor(flow, now, rng));
        }
        let session_id = str_field(req, "Session")
            .map_err(|_| invalid_session())?
            .to_owned();
        let Some(pending) = self.sessions.remove(&session_id) else {
            return Err(invalid_session());
        };
        if pending.flow.client_id != client.client_id || pending.flow.admin != admin {
            return Err(invalid_session());
        }
        let mut flow = pending.flow.clone();
        let username = param(&params, "USERNAME")?;
        if username != flow.username {
            return Err(err(
                "NotAuthorizedException",
                "Invalid session for the user.",
            ));
        }
        Self::check_secret_hash(&client, &params, &username)?;
        if let Some(key) = params.get("DEVICE_KEY").and_then(Value::as_str) {
            flow.device_key = Some(key.to_owned());
        }
        let created = pending.created;
        match (pending.awaiting, name.as_str()) {
            (Awaiting::NewPassword, "NEW_PASSWORD_REQUIRED") => {
                let password = param(&params, "NEW_PASSWORD")?;
                let mut attributes = BTreeMap::new();
                for (k, v) in &params {
                    if let Some(attr) = k.strip_prefix("userAttributes.") {
                        if ["sub", "email_verified", "phone_number_verified"].contains(&attr) {
                            self.restore(session_id, flow.clone(), Awaiting::NewPassword, created);
                            return Err(err(
                                "InvalidParameterException",
                                &format!("Cannot modify the non-mutable attribute {attr}"),
                            ));
                        }
                        attributes
                            .insert(attr.to_owned(), v.as_str().unwrap_or_default().to_owned());
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
                if password.chars().count() < self.config.password_min_length
                    || password.chars().any(char::is_whitespace)
                {
                    self.restore(session_id, flow, Awaiting::NewPassword, created);
                    return Err(err(
                        "InvalidPasswordException",
                        "Password does not conform to policy: Password not long enough",
                    ));
                }
                let identity =
                    Identity::user(&self.id, &flow.username).map_err(|_| bad_credentials())?;
                let verifier = Verifier::generate(&identity, &Password::new(password), rng);
                let user = self.user_mut(&flow.username).ok_or_else(bad_credentials)?;
                user.verifier = verifier;
                user.status = UserStatus::Confirmed;
                user.attributes.extend(attributes);
                Ok(self.after_first_factor(flow, now, rng))
            }
            (
                Awaiting::Code {
                    challenge,
                    key,
                    code,
                    attempts,
                    enrol_email,
                },
                n,
            ) if n == challenge => {
                let given = param(&params, key)?;
                if !ct_eq(given.as_bytes(), code.as_bytes()) {
                    if attempts < 4 {
                        let awaiting = Awaiting::Code {
                            challenge,
                            key,
                            code,
                            attempts: attempts + 1,
                            enrol_email,
                        };
                        self.restore(session_id, flow, awaiting, created);
                    }
                    return Err(err(
                        "CodeMismatchException",
                        "Invalid code received for user",
                    ));
                }
                if enrol_email && let Some(u) = self.user_mut(&flow.username) {
                    u.email_mfa = true;
                }
                flow.mfa_done = true;
                Ok(self.after_first_factor(flow, now, rng))
            }
            (Awaiting::Totp { attempts }, "SOFTWARE_TOKEN_MFA") => {
                let given = param(&params, "SOFTWARE_TOKEN_MFA_CODE")?;
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
            (Awaiting::SelectMfa(options), "SELECT_MFA_TYPE") => {
                let answer = param(&params, "ANSWER")?;
                if !options.contains(&answer) {
                    return Err(err("InvalidParameterException", "Invalid MFA type."));
                }
                Ok(self.mfa_challenge(flow, &answer, now, rng))
            }
            (
                Awaiting::MfaSetup {
                    options,
                    secret,
                    verified,
                },
                "MFA_SETUP",
            ) => {
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
                    u.preferred_mfa = Some("SOFTWARE_TOKEN_MFA".into());
                }
                flow.mfa_done = true;
                Ok(self.after_first_factor(flow, now, rng))
            }
            (Awaiting::Custom(challenge), "CUSTOM_CHALLENGE") => {
                let answer = param(&params, "ANSWER")?;
                let right = match &mut self.custom {
                    Some(c) => c.verify(&flow.username, &challenge, &answer),
                    None => false,
                };
                flow.history.push(ChallengeResult {
                    challenge_name: "CUSTOM_CHALLENGE".into(),
                    succeeded: right,
                });
                Ok(self.custom_next(flow, now, rng))
            }
            (Awaiting::SelectChallenge(available), "SELECT_CHALLENGE") => {
                let answer = param(&params, "ANSWER")?;
                if !available.contains(&answer) {
                    return Err(err(
                        "InvalidParameterException",
                        "The challenge is not available.",
                    ));
                }
                match answer.as_str() {
                    "PASSWORD" => {
                        let password = Password::new(param(&params, "PASSWORD")?);
                        if !self.password_matches(&flow.username, &password) {
                            return Err(bad_credentials());
                        }
                        flow.password_done = true;
                        Ok(self.after_first_factor(flow, now, rng))
                    }
                    "PASSWORD_SRP" => {
                        let srp_a = param(&params, "SRP_A")?;
                        self.password_verifier(flow, &srp_a, now, rng)
                    }
                    other => {
                        let other = other.to_owned();
                        Ok(self.first_factor_code(flow, &other, now, rng))
                    }
                }
            }
            (Awaiting::DeviceSrpAuth, "DEVICE_SRP_AUTH") => {
                let key = param(&params, "DEVICE_KEY")?;
                let srp_a = param(&params, "SRP_A")?;
                let device = self.user(&flow.username).and_then(|u| u.devices.get(&key));
                let Some((Some(verifier), group)) =
                    device.map(|d| (d.verifier.clone(), d.group_key.clone()))
                else {
                    return Err(err("ResourceNotFoundException", "Device does not exist."));
                };
                flow.device_key = Some(key.clone());
                let username = flow.username.clone();
                let device = Some((group, key.clone()));
                let mut reply = self.issue_srp(flow, verifier, &srp_a, device, now, rng)?;
                reply.insert("USERNAME".into(), Value::String(username));
                reply.insert("DEVICE_KEY".into(), Value::String(key));
                let session = random_b64(rng, 96);
                Ok(ok(
                    json!({"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": session,
                    "ChallengeParameters": reply}),
                ))
            }
            _ => Err(err(
                "InvalidParameterException",
                "The challenge name does not match the session.",
            )),
        }
    }

    /// Puts a session back after an answer Cognito lets the user retry.
    fn restore(&mut self, id: String, flow: Flow, awaiting: Awaiting, created: u64) {
        self.sessions.insert(
            id,
            PendingSession {
                flow,
                awaiting,
                created,
            },
        );
    }
}
