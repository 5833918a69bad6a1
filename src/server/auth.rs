//! `InitiateAuth` and `RespondToAuthChallenge`, and their `Admin` twins.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde_json::{Map, Value};

use crate::secret::Password;
use crate::time::UnixTime;

use super::UserPool;
use super::config::AppClient;
use super::replies::{
    ServerReply, bad_credentials, err, invalid_session, map_field, param, str_field,
};
use super::state::{Awaiting, Flow, PendingSession};

impl UserPool {
    /// `InitiateAuth`: checks that the operation and the client allow the flow, then starts
    /// it (or refreshes).
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
        let flow = Flow {
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
                self.initiate_password(flow, &params, now, rng)
            }
            "CUSTOM_AUTH" => self.initiate_custom(flow, &params, now, rng),
            "USER_AUTH" => self.user_auth(flow, &params, now, rng),
            other => Err(err(
                "InvalidParameterException",
                &format!("Unsupported AuthFlow: {other}"),
            )),
        }
    }

    /// `USER_PASSWORD_AUTH`, `ADMIN_USER_PASSWORD_AUTH` and `ADMIN_NO_SRP_AUTH`: the password
    /// itself.
    fn initiate_password<R: CryptoRng + ?Sized>(
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
        self.check_device(&flow)?;
        flow.password_done = true;
        Ok(self.after_first_factor(flow, now, rng))
    }

    /// `RespondToAuthChallenge`: SRP claims carry their state in `PASSWORD_CLAIM_SECRET_BLOCK`;
    /// every other answer takes its session out of the pool and must match what it awaits.
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
        match name.as_str() {
            "PASSWORD_VERIFIER" => {
                return self.answer_password_verifier(&client, &params, now, rng);
            }
            "DEVICE_PASSWORD_VERIFIER" => {
                return self.answer_device_password_verifier(&client, &params, now, rng);
            }
            _ => {}
        }
        let (session, awaiting) = self.take_session(req, &client, admin, &params)?;
        match (awaiting, name.as_str()) {
            (Awaiting::NewPassword, "NEW_PASSWORD_REQUIRED") => {
                self.answer_new_password(session, now, rng)
            }
            (Awaiting::Code(sent), n) if n == sent.challenge => {
                self.answer_code(session, sent, now, rng)
            }
            (Awaiting::Totp { attempts }, "SOFTWARE_TOKEN_MFA") => {
                self.answer_software_token(session, attempts, now, rng)
            }
            (Awaiting::SelectMfa(options), "SELECT_MFA_TYPE") => {
                self.answer_select_mfa_type(session, options, now, rng)
            }
            (
                Awaiting::MfaSetup {
                    options,
                    secret,
                    verified,
                },
                "MFA_SETUP",
            ) => self.answer_mfa_setup(session, options, secret, verified, now, rng),
            (Awaiting::Custom(challenge), "CUSTOM_CHALLENGE") => {
                self.answer_custom_challenge(session, challenge, now, rng)
            }
            (Awaiting::SelectChallenge(available), "SELECT_CHALLENGE") => {
                self.answer_select_challenge(session, available, now, rng)
            }
            (Awaiting::DeviceSrpAuth, "DEVICE_SRP_AUTH") => {
                self.answer_device_srp_auth(session, now, rng)
            }
            _ => Err(err(
                "InvalidParameterException",
                "The challenge name does not match the session.",
            )),
        }
    }

    /// Takes the session an answer names out of the pool (sessions are single-use) and checks
    /// it: same client and operation, same `USERNAME`, `SECRET_HASH`. A `DEVICE_KEY` in the
    /// answer replaces the flow's.
    fn take_session<'a>(
        &mut self,
        req: &Map<String, Value>,
        client: &AppClient,
        admin: bool,
        params: &'a Map<String, Value>,
    ) -> Result<(SessionAnswer<'a>, Awaiting), ServerReply> {
        let session_id = str_field(req, "Session")
            .map_err(|_| invalid_session())?
            .to_owned();
        let Some(pending) = self.sessions.remove(&session_id) else {
            return Err(invalid_session());
        };
        if pending.flow.client_id != client.client_id || pending.flow.admin != admin {
            return Err(invalid_session());
        }
        let mut flow = pending.flow;
        let username = param(params, "USERNAME")?;
        if username != flow.username {
            return Err(err(
                "NotAuthorizedException",
                "Invalid session for the user.",
            ));
        }
        Self::check_secret_hash(client, params, &username)?;
        if let Some(key) = params.get("DEVICE_KEY").and_then(Value::as_str) {
            flow.device_key = Some(key.to_owned());
        }
        let session = SessionAnswer {
            id: session_id,
            flow,
            created: pending.created,
            params,
        };
        Ok((session, pending.awaiting))
    }

    /// Puts a session back after an answer Cognito lets the user retry.
    pub(super) fn restore(&mut self, id: String, flow: Flow, awaiting: Awaiting, created: u64) {
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

/// An answer to a session's challenge: the session, taken out of the pool, and the
/// `ChallengeResponses`.
pub(super) struct SessionAnswer<'a> {
    /// The session id, to put the session back under ([`UserPool::restore`]).
    pub(super) id: String,
    /// The sign-in, with the answer's `DEVICE_KEY`.
    pub(super) flow: Flow,
    /// When the session was created.
    pub(super) created: u64,
    /// `ChallengeResponses`.
    pub(super) params: &'a Map<String, Value>,
}
