//! Custom authentication: the Define, Create and Verify triggers, and how the pool
//! consults them.

use alloc::collections::BTreeMap;
use alloc::string::String;
use core::fmt;

use rand_core::CryptoRng;
use serde_json::{Map, Value};

use crate::time::UnixTime;

use super::UserPool;
use super::auth::SessionAnswer;
use super::replies::{ServerReply, bad_credentials, err, param};
use super::state::{Awaiting, Flow};

/// One step of a custom-auth session, as the DefineAuthChallenge trigger sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChallengeResult {
    /// `SRP_A`, `PASSWORD_VERIFIER` or `CUSTOM_CHALLENGE`.
    pub challenge_name: String,
    /// Whether it was answered correctly.
    pub succeeded: bool,
}

/// What DefineAuthChallenge decides.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CustomStep {
    /// Issue `PASSWORD_VERIFIER` (after `SRP_A`).
    PasswordVerifier,
    /// Issue a `CUSTOM_CHALLENGE`.
    Custom,
    /// Issue tokens.
    Tokens,
    /// Fail the sign-in (`NotAuthorizedException`).
    Fail,
}

/// A custom challenge made by CreateAuthChallenge: public parameters and the private answer.
/// `Debug` leaves the answer out.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomChallenge {
    /// `ChallengeParameters` the client sees.
    pub public: BTreeMap<String, String>,
    /// What VerifyAuthChallengeResponse compares against.
    pub answer: String,
}

impl fmt::Debug for CustomChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomChallenge")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl CustomChallenge {
    /// A challenge with these public parameters and this expected answer.
    pub fn new(public: BTreeMap<String, String>, answer: impl Into<String>) -> Self {
        Self {
            public,
            answer: answer.into(),
        }
    }
}

/// The custom-auth Lambda triggers' role: Define, Create and Verify.
pub trait CustomAuth {
    /// DefineAuthChallenge: what comes next, given the session so far.
    fn define(&mut self, username: &str, history: &[ChallengeResult]) -> CustomStep;
    /// CreateAuthChallenge: the next custom challenge.
    fn create(&mut self, username: &str, history: &[ChallengeResult]) -> CustomChallenge;
    /// VerifyAuthChallengeResponse: whether `answer` is right. The default compares with
    /// [`CustomChallenge::answer`].
    fn verify(&mut self, _username: &str, challenge: &CustomChallenge, answer: &str) -> bool {
        challenge.answer == answer
    }
}

impl UserPool {
    fn define(&mut self, flow: &Flow) -> CustomStep {
        match &mut self.custom {
            Some(c) => c.define(&flow.username, &flow.history),
            None => CustomStep::Fail,
        }
    }

    /// `CUSTOM_AUTH`: DefineAuthChallenge decides the first challenge; with
    /// `CHALLENGE_NAME = SRP_A` the password comes first (`PASSWORD_VERIFIER`).
    pub(super) fn initiate_custom<R: CryptoRng + ?Sized>(
        &mut self,
        mut flow: Flow,
        params: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
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
            let srp_a = param(params, "SRP_A")?;
            return match self.define(&flow) {
                CustomStep::PasswordVerifier => self.password_verifier(flow, &srp_a, now, rng),
                _ => Err(err(
                    "InvalidLambdaResponseException",
                    "Invalid lambda response.",
                )),
            };
        }
        Ok(self.custom_next(flow, now, rng))
    }

    pub(super) fn custom_next<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        match self.define(&flow) {
            CustomStep::Custom => {
                let challenge = match &mut self.custom {
                    Some(c) => c.create(&flow.username, &flow.history),
                    None => return bad_credentials(),
                };
                let mut params: Map<String, Value> = challenge
                    .public
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                params.insert("USERNAME".into(), Value::String(flow.username.clone()));
                self.challenge(
                    flow,
                    Awaiting::Custom(challenge),
                    "CUSTOM_CHALLENGE",
                    Value::Object(params),
                    now,
                    rng,
                )
            }
            CustomStep::Tokens => {
                let mut flow = flow;
                flow.mfa_done = true;
                flow.passwordless = true;
                self.after_first_factor(flow, now, rng)
            }
            CustomStep::PasswordVerifier | CustomStep::Fail => bad_credentials(),
        }
    }

    /// `CUSTOM_CHALLENGE`: the answer goes to VerifyAuthChallengeResponse, the result into the
    /// history, and DefineAuthChallenge decides what comes next.
    pub(super) fn answer_custom_challenge<R: CryptoRng + ?Sized>(
        &mut self,
        session: SessionAnswer<'_>,
        challenge: CustomChallenge,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let SessionAnswer {
            mut flow, params, ..
        } = session;
        let answer = param(params, "ANSWER")?;
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
}
