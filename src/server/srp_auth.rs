//! SRP runs: `PASSWORD_VERIFIER` and `DEVICE_PASSWORD_VERIFIER` issued, their claims checked.

use alloc::borrow::ToOwned;
use alloc::string::String;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand_core::CryptoRng;
use serde_json::{Map, Value, json};

use crate::srp::{Identity, PrivateSize, ServerSession, Verifier};
use crate::time::{UnixTime, parse_cognito_timestamp};

use super::UserPool;
use super::config::AppClient;
use super::replies::{ServerReply, bad_credentials, err, ok, param};
use super::state::{Flow, SrpState};

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
    pub(super) fn issue_srp<R: CryptoRng + ?Sized>(
        &mut self,
        flow: Flow,
        verifier: Verifier,
        srp_a: &str,
        device: Option<(String, String)>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Map<String, Value>, ServerReply> {
        let server = ServerSession::generate(verifier, PrivateSize::Bits256, rng)
            .map_err(|_| err("InternalErrorException", "random source failed"))?;
        // Refuse A ≡ 0 (mod N) and malformed SRP_A at once.
        if server.premaster(srp_a).is_err() {
            return Err(err("InvalidParameterException", "SRP_A is invalid."));
        }
        let mut block = alloc::vec![0u8; 64];
        rng.fill_bytes(&mut block);
        let block_b64 = STANDARD.encode(&block);
        let mut params = Map::new();
        params.insert("SALT".into(), Value::String(server.salt_hex()));
        params.insert("SRP_B".into(), Value::String(server.public_hex()));
        params.insert("SECRET_BLOCK".into(), Value::String(block_b64.clone()));
        let state = SrpState {
            flow,
            server,
            srp_a: srp_a.to_owned(),
            block,
            created: now.0,
            device,
        };
        self.srp.insert(block_b64, state);
        Ok(params)
    }

    /// Checks an SRP claim: single-use state, client, `USERNAME`, `SECRET_HASH`, `TIMESTAMP`
    /// form and skew, then the signature.
    pub(super) fn check_claim(
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
        let verified = match &state.device {
            Some((group, key)) => state.server.verify(
                &Identity::device(group, key),
                &state.srp_a,
                &state.block,
                &timestamp,
                &signature,
            ),
            None => {
                let identity = Identity::user(&self.id, &state.flow.username)
                    .map_err(|_| bad_credentials())?;
                state.server.verify(
                    &identity,
                    &state.srp_a,
                    &state.block,
                    &timestamp,
                    &signature,
                )
            }
        };
        verified.map_err(|_| bad_credentials())?;
        Ok(state)
    }
}
