//! SRP runs: `PASSWORD_VERIFIER`, and `DEVICE_PASSWORD_VERIFIER` after `DEVICE_SRP_AUTH`,
//! issued; their claims checked.

use alloc::borrow::ToOwned;
use alloc::string::String;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand_core::CryptoRng;
use serde_json::{Map, Value, json};

use crate::srp::{Identity, PrivateSize, ServerSession, Verifier};
use crate::time::{UnixTime, parse_cognito_timestamp};

use super::auth::SessionAnswer;
use super::config::AppClient;
use super::custom::ChallengeResult;
use super::replies::{ServerReply, bad_credentials, err, ok, param};
use super::state::{Flow, SrpState};
use super::{SrpWork, UserPool, random_b64};

impl UserPool {
    /// Issues `PASSWORD_VERIFIER` for the user of `flow`.
    pub(super) fn password_verifier<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        srp_a: &str,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let verifier = self
            .user(&flow.username)
            .ok_or_else(bad_credentials)?
            .verifier
            .clone();
        let username = flow.username.clone();
        let mut params = self.issue_srp(flow, verifier, srp_a, None, now, rng)?;
        params.insert("USER_ID_FOR_SRP".into(), Value::String(username.clone()));
        params.insert("USERNAME".into(), Value::String(username));
        Ok(ok(
            json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params}),
        ))
    }

    /// Starts the server side of an SRP run against `verifier` and keeps its state under a
    /// fresh `SECRET_BLOCK`: returns `SALT`, `SRP_B` and `SECRET_BLOCK`.
    fn issue_srp<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        verifier: Verifier,
        srp_a: &str,
        device: Option<(String, String)>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Map<String, Value>, ServerReply> {
        let server = match self.ephemerals.pop() {
            Some(e) => ServerSession::from_ephemeral(verifier, e),
            None => ServerSession::generate(verifier, PrivateSize::Bits256, rng),
        }
        .map_err(|_| err("InternalErrorException", "random source failed"))?;
        // Refuse A ≡ 0 (mod N) and malformed SRP_A at once; the exponentiations wait for the
        // claim.
        if server.check_client_public(srp_a).is_err() {
            return Err(err("InvalidParameterException", "SRP_A is invalid."));
        }
        let mut block = alloc::vec![0u8; 64];
        rng.fill_bytes(&mut block);
        let block_b64 = STANDARD.encode(&block);
        let mut params = Map::new();
        params.insert("SALT".into(), Value::String(server.salt_hex()));
        params.insert("SRP_B".into(), Value::String(server.public_hex()));
        params.insert("SECRET_BLOCK".into(), Value::String(block_b64.clone()));
        if let Some(work) = &mut self.deferred {
            work.push(SrpWork {
                key: block_b64.clone(),
                session: server.clone(),
                srp_a: srp_a.to_owned(),
            });
        }
        let state = SrpState {
            flow,
            server,
            srp_a: srp_a.to_owned(),
            block,
            created: now.0,
            device,
            premaster: None,
        };
        self.srp.insert(block_b64, state);
        Ok(params)
    }

    /// Checks an SRP claim: single-use state, client, `USERNAME`, `SECRET_HASH`, `TIMESTAMP`
    /// form and skew, then the signature.
    fn check_claim(
        &mut self,
        client: &AppClient,
        params: &Map<String, Value>,
        now: UnixTime,
        device: bool,
    ) -> Result<SrpState, ServerReply> {
        let block = param(params, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        // A forgotten device is reported before the claim is used up, so that the client can
        // send the same answer again without it.
        if !device && let Some(state) = self.srp.get(&block) {
            let mut flow = state.flow.clone();
            flow.device_key = params
                .get("DEVICE_KEY")
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.check_device(&flow)?;
        }
        let state = self.srp.remove(&block).ok_or_else(bad_credentials)?;
        if state.flow.client_id != client.client_id || state.device.is_some() != device {
            return Err(bad_credentials());
        }
        let username = param(params, "USERNAME")?;
        if username != state.flow.username {
            return Err(bad_credentials());
        }
        Self::check_secret_hash(client, params, &username)?;
        let timestamp = param(params, "TIMESTAMP")?;
        let Some(t) = parse_cognito_timestamp(&timestamp) else {
            return Err(err(
                "InvalidParameterException",
                "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
            ));
        };
        let canonical = UnixTime(t).cognito_timestamp().ok();
        if canonical.as_deref() != Some(timestamp.as_str())
            || t.abs_diff(now.0) > self.config.timestamp_skew
        {
            return Err(bad_credentials());
        }
        let signature = param(params, "PASSWORD_CLAIM_SIGNATURE")?;
        let check = |identity: &Identity<'_>| match &state.premaster {
            Some(p) => state.server.verify_premaster(
                p,
                identity,
                &state.srp_a,
                &state.block,
                &timestamp,
                &signature,
            ),
            None => {
                state
                    .server
                    .verify(identity, &state.srp_a, &state.block, &timestamp, &signature)
            }
        };
        let verified = match &state.device {
            Some((group, key)) => check(&Identity::device(group, key)),
            None => {
                let identity = Identity::user(&self.id, &state.flow.username)
                    .map_err(|_| bad_credentials())?;
                check(&identity)
            }
        };
        verified.map_err(|_| bad_credentials())?;
        Ok(state)
    }

    /// `PASSWORD_VERIFIER`: the user's SRP claim, then the rest of the sign-in (custom auth
    /// goes back to DefineAuthChallenge).
    pub(super) fn answer_password_verifier<R: CryptoRng + ?Sized>(
        &mut self,
        client: &AppClient,
        params: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let state = self.check_claim(client, params, now, false)?;
        let mut flow = state.flow;
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
        Ok(self.after_first_factor(flow, now, rng))
    }

    /// `DEVICE_SRP_AUTH`: the device's `SRP_A`; issues `DEVICE_PASSWORD_VERIFIER`.
    pub(super) fn answer_device_srp_auth<R: CryptoRng + ?Sized>(
        &mut self,
        session: SessionAnswer<'_>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let SessionAnswer {
            mut flow, params, ..
        } = session;
        let key = param(params, "DEVICE_KEY")?;
        let srp_a = param(params, "SRP_A")?;
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

    /// `DEVICE_PASSWORD_VERIFIER`: the device's SRP claim, then tokens.
    pub(super) fn answer_device_password_verifier<R: CryptoRng + ?Sized>(
        &mut self,
        client: &AppClient,
        params: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        // With `device`, `check_claim` accepts only the state of a device SRP run.
        let state = self.check_claim(client, params, now, true)?;
        let mut flow = state.flow;
        flow.history.push(ChallengeResult {
            challenge_name: "DEVICE_PASSWORD_VERIFIER".into(),
            succeeded: true,
        });
        Ok(self.tokens(&flow, true, now, rng))
    }
}
