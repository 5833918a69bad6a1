//! The pool's lasting state as JSON, for a server that keeps it across restarts: users (with
//! their SRP verifiers, never a password), devices, issued tokens and the outbox. Sign-ins in
//! progress are not kept: their sessions end with the process, as they would time out.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Misuse};
use crate::srp::Verifier;

use super::config::UserStatus;
use super::state::{Device, RefreshInfo, TokenInfo, User};
use super::{OutboxMessage, UserPool};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Snapshot {
    users: Vec<UserRecord>,
    refresh_tokens: BTreeMap<String, RefreshRecord>,
    access_tokens: BTreeMap<String, AccessRecord>,
    outbox: Vec<OutboxRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserRecord {
    username: String,
    sub: String,
    salt: String,
    verifier: String,
    status: String,
    attributes: BTreeMap<String, String>,
    totp_secret: Option<String>,
    totp_enabled: bool,
    totp_pending: Option<String>,
    sms_mfa: bool,
    email_mfa: bool,
    preferred_mfa: Option<String>,
    enabled: bool,
    created: u64,
    modified: u64,
    devices: BTreeMap<String, DeviceRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceRecord {
    group_key: String,
    /// Salt and verifier, once confirmed.
    verifier: Option<(String, String)>,
    remembered: bool,
    name: Option<String>,
    created: u64,
    last_used: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshRecord {
    username: String,
    client_id: String,
    device_key: Option<String>,
    origin_jti: String,
    auth_time: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessRecord {
    username: String,
    expires: u64,
    origin: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboxRecord {
    username: String,
    medium: String,
    destination: String,
    code: String,
}

impl UserPool {
    /// The pool's lasting state: users with their SRP verifiers, devices, issued tokens and
    /// the outbox, as JSON for [`import_state`](Self::import_state). It holds the verifiers,
    /// TOTP secrets and tokens: keep it as private as the pool.
    #[must_use]
    pub fn export_state(&self) -> Value {
        let users = self
            .users
            .iter()
            .map(|u| UserRecord {
                username: u.username.clone(),
                sub: u.sub.clone(),
                salt: u.verifier.salt_base64(),
                verifier: u.verifier.verifier_base64(),
                status: u.status.code().into(),
                attributes: u.attributes.clone(),
                totp_secret: u.totp_secret.clone(),
                totp_enabled: u.totp_enabled,
                totp_pending: u.totp_pending.clone(),
                sms_mfa: u.sms_mfa,
                email_mfa: u.email_mfa,
                preferred_mfa: u.preferred_mfa.clone(),
                enabled: u.enabled,
                created: u.created,
                modified: u.modified,
                devices: u
                    .devices
                    .iter()
                    .map(|(k, d)| {
                        let record = DeviceRecord {
                            group_key: d.group_key.clone(),
                            verifier: d
                                .verifier
                                .as_ref()
                                .map(|v| (v.salt_base64(), v.verifier_base64())),
                            remembered: d.remembered,
                            name: d.name.clone(),
                            created: d.created,
                            last_used: d.last_used,
                        };
                        (k.clone(), record)
                    })
                    .collect(),
            })
            .collect();
        let snapshot = Snapshot {
            users,
            refresh_tokens: self
                .refresh_tokens
                .iter()
                .map(|(k, r)| {
                    let record = RefreshRecord {
                        username: r.username.clone(),
                        client_id: r.client_id.clone(),
                        device_key: r.device_key.clone(),
                        origin_jti: r.origin_jti.clone(),
                        auth_time: r.auth_time,
                    };
                    (k.clone(), record)
                })
                .collect(),
            access_tokens: self
                .access_tokens
                .iter()
                .map(|(k, t)| {
                    let record = AccessRecord {
                        username: t.username.clone(),
                        expires: t.expires,
                        origin: t.origin.clone(),
                    };
                    (k.clone(), record)
                })
                .collect(),
            outbox: self
                .outbox
                .iter()
                .map(|m| OutboxRecord {
                    username: m.username.clone(),
                    medium: m.medium.into(),
                    destination: m.destination.clone(),
                    code: m.code.clone(),
                })
                .collect(),
        };
        serde_json::to_value(snapshot).unwrap_or(Value::Null)
    }

    /// Replaces the users, devices, tokens and outbox with a state from
    /// [`export_state`](Self::export_state). The pool is unchanged when it fails.
    ///
    /// # Errors
    /// [`Misuse::BadArgument`] (`state`) when `state` is not such a state.
    pub fn import_state(&mut self, state: &Value) -> Result<(), Error> {
        let bad = || Error::from(Misuse::BadArgument("state"));
        let snapshot = Snapshot::deserialize(state).map_err(|_| bad())?;
        let mut users = Vec::with_capacity(snapshot.users.len());
        for u in snapshot.users {
            let mut devices = BTreeMap::new();
            for (key, d) in u.devices {
                let verifier = match d.verifier {
                    Some((salt, v)) => Some(Verifier::from_config(&salt, &v).map_err(|_| bad())?),
                    None => None,
                };
                let device = Device {
                    group_key: d.group_key,
                    verifier,
                    remembered: d.remembered,
                    name: d.name,
                    created: d.created,
                    last_used: d.last_used,
                };
                devices.insert(key, device);
            }
            users.push(User {
                verifier: Verifier::from_config(&u.salt, &u.verifier).map_err(|_| bad())?,
                status: UserStatus::from_code(&u.status).ok_or_else(bad)?,
                username: u.username,
                sub: u.sub,
                attributes: u.attributes,
                totp_secret: u.totp_secret,
                totp_enabled: u.totp_enabled,
                totp_pending: u.totp_pending,
                sms_mfa: u.sms_mfa,
                email_mfa: u.email_mfa,
                preferred_mfa: u.preferred_mfa,
                enabled: u.enabled,
                created: u.created,
                modified: u.modified,
                devices,
            });
        }
        let mut outbox = Vec::with_capacity(snapshot.outbox.len());
        for m in snapshot.outbox {
            let medium = match m.medium.as_str() {
                "SMS" => "SMS",
                "EMAIL" => "EMAIL",
                _ => return Err(bad()),
            };
            outbox.push(OutboxMessage {
                username: m.username,
                medium,
                destination: m.destination,
                code: m.code,
            });
        }
        self.users = users;
        self.outbox = outbox;
        self.refresh_tokens = snapshot
            .refresh_tokens
            .into_iter()
            .map(|(k, r)| {
                let info = RefreshInfo {
                    username: r.username,
                    client_id: r.client_id,
                    device_key: r.device_key,
                    origin_jti: r.origin_jti,
                    auth_time: r.auth_time,
                };
                (k, info)
            })
            .collect();
        self.access_tokens = snapshot
            .access_tokens
            .into_iter()
            .map(|(k, t)| {
                let info = TokenInfo {
                    username: t.username,
                    expires: t.expires,
                    origin: t.origin,
                };
                (k, info)
            })
            .collect();
        self.sessions.clear();
        self.srp.clear();
        Ok(())
    }

    /// The codes sent so far, oldest first, without taking them (see
    /// [`take_outbox`](Self::take_outbox)).
    #[must_use]
    pub fn outbox(&self) -> &[OutboxMessage] {
        &self.outbox
    }
}
