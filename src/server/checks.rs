//! Checks requests go through: pool id, app client, `SECRET_HASH`, the user's status, the
//! password, a presented device.

use alloc::format;
use alloc::string::String;

use serde_json::{Map, Value};

use crate::secret::Password;
use crate::secret_hash::secret_hash;
use crate::srp::{Identity, Verifier};

use super::config::{AppClient, UserStatus};
use super::replies::{ServerReply, bad_credentials, err, str_field};
use super::state::{Flow, User};
use super::{UserPool, ct_eq};

impl UserPool {
    pub(super) fn client(&self, req: &Map<String, Value>) -> Result<&AppClient, ServerReply> {
        let id = str_field(req, "ClientId")?;
        self.clients.get(id).ok_or_else(|| {
            err(
                "ResourceNotFoundException",
                &format!("User pool client {id} does not exist."),
            )
        })
    }

    pub(super) fn check_pool_id(
        &self,
        req: &Map<String, Value>,
        admin: bool,
    ) -> Result<(), ServerReply> {
        if admin && str_field(req, "UserPoolId")? != self.id {
            return Err(err(
                "ResourceNotFoundException",
                "User pool does not exist.",
            ));
        }
        Ok(())
    }

    /// `SECRET_HASH` over `username`, when the client has a secret.
    pub(super) fn check_secret_hash(
        client: &AppClient,
        params: &Map<String, Value>,
        username: &str,
    ) -> Result<(), ServerReply> {
        let Some(secret) = &client.client_secret else {
            return Ok(());
        };
        let Some(given) = params.get("SECRET_HASH").and_then(Value::as_str) else {
            return Err(err(
                "NotAuthorizedException",
                &format!(
                    "Client {} is configured for secret but secret was not received",
                    client.client_id
                ),
            ));
        };
        let expected = secret_hash(secret, username, &client.client_id);
        if !ct_eq(expected.as_bytes(), given.as_bytes()) {
            return Err(err(
                "NotAuthorizedException",
                &format!(
                    "Unable to verify secret hash for client {}",
                    client.client_id
                ),
            ));
        }
        Ok(())
    }

    /// The user for a typed name, with status checks.
    pub(super) fn sign_in_user(
        &self,
        client: &AppClient,
        name: &str,
    ) -> Result<&User, ServerReply> {
        let Some(user) = self.find(name) else {
            return Err(if client.prevent_user_existence_errors {
                bad_credentials()
            } else {
                err("UserNotFoundException", "User does not exist.")
            });
        };
        if !user.enabled {
            return Err(err("NotAuthorizedException", "User is disabled."));
        }
        match user.status {
            UserStatus::Unconfirmed => {
                Err(err("UserNotConfirmedException", "User is not confirmed."))
            }
            UserStatus::ResetRequired => Err(err(
                "PasswordResetRequiredException",
                "Password reset required for the user",
            )),
            _ => Ok(user),
        }
    }

    /// The pool's password policy.
    pub(super) fn check_password(&self, password: &str) -> Result<(), ServerReply> {
        const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";
        let c = &self.config;
        let problem = if password.chars().count() < c.password_min_length {
            Some("Password not long enough")
        } else if password.starts_with(' ') || password.ends_with(' ') {
            Some("Password must not begin or end with a space")
        } else if c.password_require_uppercase && !password.chars().any(char::is_uppercase) {
            Some("Password must have uppercase characters")
        } else if c.password_require_lowercase && !password.chars().any(char::is_lowercase) {
            Some("Password must have lowercase characters")
        } else if c.password_require_numbers && !password.chars().any(|ch| ch.is_ascii_digit()) {
            Some("Password must have numeric characters")
        } else if c.password_require_symbols && !password.chars().any(|ch| SYMBOLS.contains(ch)) {
            Some("Password must have symbol characters")
        } else {
            None
        };
        match problem {
            Some(why) => Err(err(
                "InvalidPasswordException",
                &format!("Password does not conform to policy: {why}"),
            )),
            None => Ok(()),
        }
    }

    pub(super) fn password_matches(&self, username: &str, password: &Password) -> bool {
        let Some(user) = self.user(username) else {
            return false;
        };
        let Ok(identity) = Identity::user(&self.id, &user.username) else {
            return false;
        };
        let candidate = Verifier::with_salt_hex(&identity, password, &user.verifier.salt_hex());
        candidate.is_ok_and(|c| ct_eq(c.verifier_padded(), user.verifier.verifier_padded()))
    }

    /// A presented `DEVICE_KEY` must be one of the user's devices.
    pub(super) fn check_device(&self, flow: &Flow) -> Result<(), ServerReply> {
        let Some(key) = &flow.device_key else {
            return Ok(());
        };
        let known = self
            .user(&flow.username)
            .is_some_and(|u| u.devices.get(key).is_some_and(|d| d.verifier.is_some()));
        if known {
            Ok(())
        } else {
            Err(err("ResourceNotFoundException", "Device does not exist."))
        }
    }
}
