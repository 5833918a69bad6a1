//! Tokens: issued at the end of a sign-in, refreshed, and looked up by access token.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::time::UnixTime;

use super::config::{AppClient, DeviceTracking};
use super::replies::{ServerReply, bad_credentials, err, ok, param, str_field};
use super::state::{Device, Flow, RefreshInfo, TokenInfo};
use super::{UserPool, ct_eq, random_b64, uuid};

impl UserPool {
    /// Issues tokens, with `NewDeviceMetadata` when tracking is on and no known device was
    /// used.
    pub(super) fn tokens<R: CryptoRng + ?Sized>(
        &mut self,
        flow: &Flow,
        device_used: bool,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let Some(client) = self.clients.get(&flow.client_id).cloned() else {
            return bad_credentials();
        };
        let new_device =
            (self.config.device_tracking != DeviceTracking::Off && !device_used).then(|| {
                (
                    format!("{}_{}", self.region, uuid(rng)),
                    format!("-{}", random_b64(rng, 6)),
                )
            });
        let refresh = random_b64(rng, 48);
        let grant = RefreshInfo {
            username: flow.username.clone(),
            client_id: client.client_id.clone(),
            device_key: flow.device_key.clone().filter(|_| device_used),
            origin_jti: uuid(rng),
            auth_time: now.0,
        };
        // The access token names the device the tokens are bound to: the one used, else the
        // one just issued.
        let claimed_device = grant
            .device_key
            .clone()
            .or_else(|| new_device.as_ref().map(|(k, _)| k.clone()));
        let mut result = self.token_set(
            &client,
            &grant,
            claimed_device.as_deref(),
            &refresh,
            now,
            rng,
        );
        self.refresh_tokens.insert(refresh.clone(), grant);
        result.insert("RefreshToken".into(), Value::String(refresh));
        if let Some((key, group)) = new_device {
            if let Some(u) = self.user_mut(&flow.username) {
                u.devices.insert(
                    key.clone(),
                    Device {
                        group_key: group.clone(),
                        verifier: None,
                        remembered: false,
                        name: None,
                        created: now.0,
                        last_used: now.0,
                    },
                );
            }
            result.insert(
                "NewDeviceMetadata".into(),
                json!({"DeviceKey": key, "DeviceGroupKey": group}),
            );
        }
        ok(json!({"ChallengeParameters": {}, "AuthenticationResult": result}))
    }

    /// Access and ID tokens for a grant (a sign-in and the refresh token it gave): the
    /// grant's `origin_jti` and `auth_time` are kept by every refresh.
    fn token_set<R: CryptoRng + ?Sized>(
        &mut self,
        client: &AppClient,
        grant: &RefreshInfo,
        device_key: Option<&str>,
        origin: &str,
        now: UnixTime,
        rng: &mut R,
    ) -> Map<String, Value> {
        let username = grant.username.as_str();
        let (sub, attributes) = self
            .user(username)
            .map(|u| (u.sub.clone(), u.attributes.clone()))
            .unwrap_or_default();
        let iss = self.issuer();
        let exp = now.0.saturating_add(client.token_validity);
        let event_id = uuid(rng);
        let mut access = json!({
            "sub": sub, "iss": iss, "client_id": client.client_id, "origin_jti": grant.origin_jti,
            "event_id": event_id, "token_use": "access", "scope": "aws.cognito.signin.user.admin",
            "auth_time": grant.auth_time, "exp": exp, "iat": now.0, "jti": uuid(rng),
            "username": username,
        });
        if let (Some(k), Value::Object(m)) = (device_key, &mut access) {
            m.insert("device_key".into(), Value::String(k.to_owned()));
        }
        let mut id = json!({
            "sub": sub, "iss": iss, "aud": client.client_id, "event_id": event_id,
            "token_use": "id", "auth_time": grant.auth_time, "exp": exp, "iat": now.0,
            "jti": uuid(rng), "origin_jti": grant.origin_jti, "cognito:username": username,
        });
        if let Value::Object(m) = &mut id {
            for (k, v) in &attributes {
                // Cognito writes the verification flags as JSON booleans.
                let value = match (k.as_str(), v.as_str()) {
                    ("email_verified" | "phone_number_verified", "true") => Value::Bool(true),
                    ("email_verified" | "phone_number_verified", "false") => Value::Bool(false),
                    _ => Value::String(v.clone()),
                };
                m.insert(k.clone(), value);
            }
        }
        let access_token = self.sign(&access);
        self.access_tokens.insert(
            access_token.clone(),
            TokenInfo {
                username: username.to_owned(),
                expires: exp,
                origin: origin.to_owned(),
            },
        );
        let mut out = Map::new();
        out.insert("AccessToken".into(), Value::String(access_token));
        if let Value::Object(m) = &mut id {
            m.insert(
                "exp".into(),
                json!(now.0.saturating_add(client.id_token_validity)),
            );
        }
        out.insert("IdToken".into(), Value::String(self.sign(&id)));
        out.insert("ExpiresIn".into(), json!(client.token_validity));
        out.insert("TokenType".into(), json!("Bearer"));
        out
    }

    /// The tokens' `iss`: set by [`UserPool::set_issuer`], else Cognito's
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.issuer.clone().unwrap_or_else(|| {
            format!(
                "https://cognito-idp.{}.amazonaws.com/{}",
                self.region, self.id
            )
        })
    }

    /// A JWT of `claims`, signed by the pool's [`TokenSigner`], else with HS256 and the
    /// pool's random test key.
    fn sign(&self, claims: &Value) -> String {
        let (alg, kid) = match &self.signer {
            Some(s) => (s.algorithm(), s.key_id()),
            None => ("HS256", "cognito-signin-test"),
        };
        let header = json!({"kid": kid, "alg": alg});
        let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap_or_default());
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let input = format!("{header}.{payload}");
        let signature = match &self.signer {
            Some(s) => s.sign(input.as_bytes()),
            None => match Hmac::<Sha256>::new_from_slice(&self.key) {
                Ok(mut mac) => {
                    mac.update(input.as_bytes());
                    mac.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            },
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    pub(super) fn refresh<R: CryptoRng + ?Sized>(
        &mut self,
        client: &AppClient,
        params: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        if client.refresh_token_rotation {
            return Err(err(
                "NotAuthorizedException",
                "Refresh token rotation is enabled: use GetTokensFromRefreshToken.",
            ));
        }
        let token = param(params, "REFRESH_TOKEN")?;
        let Some(info) = self.refresh_tokens.get(&token) else {
            return Err(err("NotAuthorizedException", "Invalid Refresh Token"));
        };
        if info.client_id != client.client_id {
            return Err(err("NotAuthorizedException", "Invalid Refresh Token"));
        }
        let grant = info.clone();
        let username = grant.username.clone();
        let device = grant.device_key.clone();
        Self::check_secret_hash(client, params, &username)?;
        if device.is_some() && params.get("DEVICE_KEY").and_then(Value::as_str) != device.as_deref()
        {
            return Err(err("NotAuthorizedException", "Invalid Refresh Token"));
        }
        if self.user(&username).is_none_or(|u| !u.enabled) {
            return Err(err("NotAuthorizedException", "Invalid Refresh Token"));
        }
        let result = self.token_set(client, &grant, device.as_deref(), &token, now, rng);
        Ok(ok(
            json!({"ChallengeParameters": {}, "AuthenticationResult": result}),
        ))
    }

    pub(super) fn get_tokens_from_refresh<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let client = match self.client(req) {
            Ok(c) => c.clone(),
            Err(e) => return e,
        };
        if let Some(secret) = &client.client_secret {
            let given = req
                .get("ClientSecret")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !ct_eq(given.as_bytes(), secret.expose_secret().as_bytes()) {
                return err(
                    "NotAuthorizedException",
                    &format!(
                        "Unable to verify secret hash for client {}",
                        client.client_id
                    ),
                );
            }
        }
        let Ok(token) = str_field(req, "RefreshToken") else {
            return err("InvalidParameterException", "RefreshToken is required.");
        };
        let token = token.to_owned();
        let Some(info) = self.refresh_tokens.get(&token) else {
            return err("NotAuthorizedException", "Invalid Refresh Token");
        };
        if info.client_id != client.client_id {
            return err("NotAuthorizedException", "Invalid Refresh Token");
        }
        let grant = info.clone();
        let device = grant.device_key.clone();
        if device.is_some() && req.get("DeviceKey").and_then(Value::as_str) != device.as_deref() {
            return err("NotAuthorizedException", "Invalid Refresh Token");
        }
        let next = if client.refresh_token_rotation {
            random_b64(rng, 48)
        } else {
            token.clone()
        };
        let mut result = self.token_set(&client, &grant, device.as_deref(), &next, now, rng);
        if client.refresh_token_rotation {
            self.refresh_tokens.remove(&token);
            self.refresh_tokens.insert(next.clone(), grant);
            result.insert("RefreshToken".into(), Value::String(next));
        }
        ok(json!({"AuthenticationResult": result}))
    }

    pub(super) fn token_user(
        &self,
        req: &Map<String, Value>,
        now: UnixTime,
    ) -> Result<String, ServerReply> {
        let token = str_field(req, "AccessToken")?;
        match self.access_tokens.get(token) {
            Some(info) if now.0 < info.expires => Ok(info.username.clone()),
            _ => Err(err(
                "NotAuthorizedException",
                "Access Token has been revoked",
            )),
        }
    }
}

/// Signs the pool's tokens (for example RS256 with a key published as a JWKS): the pool
/// builds the JOSE header from [`algorithm`](Self::algorithm) and [`key_id`](Self::key_id)
/// and asks for the signature of `<header>.<payload>`.
pub trait TokenSigner: Send {
    /// The JOSE `alg` (`RS256`).
    fn algorithm(&self) -> &str;
    /// The JOSE `kid`, as the JWKS names the key.
    fn key_id(&self) -> &str;
    /// The signature of `signing_input`, raw bytes (the pool base64url-encodes it).
    fn sign(&self, signing_input: &[u8]) -> Vec<u8>;
}
