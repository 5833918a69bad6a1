//! The operations around the sign-in: users created, read, listed and deleted by an
//! administrator, MFA preferences, the user's own `GetUser`, TOTP registration with an access
//! token, devices listed and forgotten, tokens revoked.

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde_json::{Map, Value, json};

use crate::secret::{ClientSecret, Password};
use crate::srp::{Identity, Verifier};
use crate::time::UnixTime;

use super::config::{MfaMode, UserStatus};
use super::replies::{ServerReply, bad_user_code, err, ok, str_field};
use super::state::User;
use super::{OutboxMessage, UserPool, ct_eq, digits, totp, uuid};

/// Who an operation acts on: the user named by an administrator, or the owner of an access
/// token.
enum Subject {
    Admin,
    Token,
}

fn not_found() -> ServerReply {
    err("UserNotFoundException", "User does not exist.")
}

fn invalid(message: &str) -> ServerReply {
    err("InvalidParameterException", message)
}

/// `[{"Name": .., "Value": ..}]` into a map; a member that is not a name and a string value
/// is refused.
fn attribute_list(
    req: &Map<String, Value>,
    field: &str,
) -> Result<Vec<(String, String)>, ServerReply> {
    let Some(list) = req.get(field) else {
        return Ok(Vec::new());
    };
    let Some(list) = list.as_array() else {
        return Err(err(
            "SerializationException",
            &format!("{field} must be a list."),
        ));
    };
    list.iter()
        .map(|a| {
            let name = a.get("Name").and_then(Value::as_str);
            let value = a.get("Value").and_then(Value::as_str).unwrap_or_default();
            match name {
                Some(n) if !n.is_empty() => Ok((n.to_owned(), value.to_owned())),
                _ => Err(invalid(&format!("{field}: every attribute needs a Name."))),
            }
        })
        .collect()
}

fn bool_field(req: &Map<String, Value>, field: &str) -> Result<Option<bool>, ServerReply> {
    match req.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(err(
            "SerializationException",
            &format!("{field} must be a boolean."),
        )),
    }
}

impl UserPool {
    /// The operations of this module; `None` for an operation it does not serve.
    pub(super) fn handle_admin<R: CryptoRng + ?Sized>(
        &mut self,
        op: &str,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Option<ServerReply> {
        let reply = match op {
            "AdminCreateUser" => self.admin_create_user(req, now, rng),
            "AdminSetUserPassword" => self.admin_set_user_password(req, now, rng),
            "AdminGetUser" => self.get_user(req, Subject::Admin, now),
            "GetUser" => self.get_user(req, Subject::Token, now),
            "ListUsers" => self.list_users(req),
            "AdminDeleteUser" => self.admin_delete_user(req),
            "AdminEnableUser" => self.set_enabled(req, true, now),
            "AdminDisableUser" => self.set_enabled(req, false, now),
            "AdminUpdateUserAttributes" => self.admin_update_attributes(req, now),
            "AdminSetUserMFAPreference" => self.set_mfa_preference(req, Subject::Admin, now),
            "SetUserMFAPreference" => self.set_mfa_preference(req, Subject::Token, now),
            "AdminListDevices" => self.list_devices(req, Subject::Admin, now),
            "ListDevices" => self.list_devices(req, Subject::Token, now),
            "AdminGetDevice" => self.get_device(req, Subject::Admin, now),
            "GetDevice" => self.get_device(req, Subject::Token, now),
            "AdminForgetDevice" => self.forget(req, Subject::Admin, now),
            "ForgetDevice" => self.forget(req, Subject::Token, now),
            "RevokeToken" => self.revoke_token(req),
            "GlobalSignOut" => self.global_sign_out(req, Subject::Token, now),
            "AdminUserGlobalSignOut" => self.global_sign_out(req, Subject::Admin, now),
            _ => return None,
        };
        Some(match reply {
            Ok(r) | Err(r) => r,
        })
    }

    /// The internal username the request is about.
    fn subject(
        &self,
        req: &Map<String, Value>,
        subject: &Subject,
        now: UnixTime,
    ) -> Result<String, ServerReply> {
        match subject {
            Subject::Token => self.token_user(req, now),
            Subject::Admin => {
                self.check_pool_id(req, true)?;
                let name = str_field(req, "Username")?;
                self.find(name)
                    .map(|u| u.username.clone())
                    .ok_or_else(not_found)
            }
        }
    }

    fn attributes_json(user: &User) -> Value {
        let mut list = alloc::vec![json!({"Name": "sub", "Value": user.sub})];
        list.extend(
            user.attributes
                .iter()
                .map(|(k, v)| json!({"Name": k, "Value": v})),
        );
        Value::Array(list)
    }

    /// The `UserType` of `ListUsers` and `AdminCreateUser`.
    fn user_type(user: &User) -> Value {
        json!({
            "Username": user.username,
            "Attributes": Self::attributes_json(user),
            "UserCreateDate": user.created,
            "UserLastModifiedDate": user.modified,
            "Enabled": user.enabled,
            "UserStatus": user.status.code(),
        })
    }

    fn mfa_settings(&self, user: &User) -> Vec<String> {
        let mut list = Vec::new();
        if user.sms_mfa {
            list.push("SMS_MFA".to_owned());
        }
        if user.totp_enabled && user.totp_secret.is_some() {
            list.push("SOFTWARE_TOKEN_MFA".to_owned());
        }
        if user.email_mfa {
            list.push("EMAIL_OTP".to_owned());
        }
        list
    }

    fn admin_create_user<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        self.check_pool_id(req, true)?;
        let given = str_field(req, "Username")?.to_owned();
        let mut attributes: BTreeMap<String, String> =
            attribute_list(req, "UserAttributes")?.into_iter().collect();
        if attributes.contains_key("sub") {
            return Err(invalid("Cannot modify the non-mutable attribute sub"));
        }
        let action = req.get("MessageAction").and_then(Value::as_str);
        if matches!(action, Some("RESEND")) {
            return Err(err(
                "UnsupportedOperationException",
                "MessageAction RESEND is not served by this pool.",
            ));
        }
        if action.is_some_and(|a| a != "SUPPRESS") {
            return Err(invalid("MessageAction must be RESEND or SUPPRESS."));
        }
        let sub = uuid(rng);
        // With UsernameAttributes the name given is an email address or a phone number, and
        // the internal username is the sub.
        let username = if self.config.username_attributes.is_empty() {
            if given.contains('@') && !self.config.alias_attributes.is_empty() {
                return Err(invalid(
                    "Username should be either an email or a phone number.",
                ));
            }
            given.clone()
        } else {
            let attr = if given.contains('@') {
                "email"
            } else {
                "phone_number"
            };
            if !self.config.username_attributes.iter().any(|a| a == attr)
                || (attr == "phone_number" && !given.starts_with('+'))
            {
                return Err(invalid(
                    "Username should be either an email or a phone number.",
                ));
            }
            attributes.insert(attr.to_owned(), given.clone());
            sub.clone()
        };
        if given.is_empty() || given.chars().count() > 128 || given.chars().any(char::is_whitespace)
        {
            return Err(invalid(
                "Username must be 1 to 128 characters without white space.",
            ));
        }
        let taken = self.find(&given).is_some()
            || self.users.iter().any(|u| {
                self.config.username_attributes.iter().any(|a| {
                    u.attributes
                        .get(a)
                        .is_some_and(|v| v.eq_ignore_ascii_case(&given))
                })
            });
        if taken {
            return Err(err(
                "UsernameExistsException",
                "User account already exists",
            ));
        }
        let temporary = match req.get("TemporaryPassword").and_then(Value::as_str) {
            Some(p) => {
                self.check_password(p)?;
                p.to_owned()
            }
            None => format!("Tmp{}!a", digits(rng, 8)),
        };
        let identity = Identity::user(&self.id, &username).map_err(|_| invalid("Username"))?;
        let verifier = Verifier::generate(&identity, &Password::new(temporary.clone()), rng);
        let user = User {
            username: username.clone(),
            sub,
            verifier,
            status: UserStatus::ForceChangePassword,
            attributes,
            totp_secret: None,
            totp_enabled: false,
            totp_pending: None,
            sms_mfa: false,
            email_mfa: false,
            preferred_mfa: None,
            enabled: true,
            devices: BTreeMap::new(),
            created: now.0,
            modified: now.0,
        };
        if action.is_none() {
            let mediums: Vec<&str> = req
                .get("DesiredDeliveryMediums")
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(Value::as_str).collect())
                .unwrap_or_else(|| alloc::vec!["SMS"]);
            for (medium, attr) in [("EMAIL", "email"), ("SMS", "phone_number")] {
                if let (true, Some(to)) = (mediums.contains(&medium), user.attributes.get(attr)) {
                    self.outbox.push(OutboxMessage {
                        username: username.clone(),
                        medium,
                        destination: to.clone(),
                        code: temporary.clone(),
                    });
                }
            }
        }
        let reply = json!({"User": Self::user_type(&user)});
        self.users.push(user);
        Ok(ok(reply))
    }

    fn admin_set_user_password<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &Subject::Admin, now)?;
        let password = str_field(req, "Password")?.to_owned();
        let permanent = bool_field(req, "Permanent")?.unwrap_or(false);
        self.check_password(&password)?;
        let identity = Identity::user(&self.id, &username).map_err(|_| not_found())?;
        let verifier = Verifier::generate(&identity, &Password::new(password), rng);
        let user = self.user_mut(&username).ok_or_else(not_found)?;
        user.verifier = verifier;
        user.modified = now.0;
        user.status = if permanent {
            UserStatus::Confirmed
        } else {
            UserStatus::ForceChangePassword
        };
        Ok(ok(json!({})))
    }

    fn get_user(
        &self,
        req: &Map<String, Value>,
        subject: Subject,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let admin = matches!(subject, Subject::Admin);
        let username = self.subject(req, &subject, now)?;
        let user = self.user(&username).ok_or_else(not_found)?;
        let mut reply = json!({
            "Username": user.username,
            "UserAttributes": Self::attributes_json(user),
            "MFAOptions": [],
        });
        let settings = self.mfa_settings(user);
        if let Value::Object(m) = &mut reply {
            if admin {
                m.insert("UserCreateDate".into(), json!(user.created));
                m.insert("UserLastModifiedDate".into(), json!(user.modified));
                m.insert("Enabled".into(), json!(user.enabled));
                m.insert("UserStatus".into(), json!(user.status.code()));
            }
            if let Some(p) = &user.preferred_mfa {
                m.insert("PreferredMfaSetting".into(), json!(p));
            }
            if !settings.is_empty() {
                m.insert("UserMFASettingList".into(), json!(settings));
            }
        }
        Ok(ok(reply))
    }

    fn list_users(&self, req: &Map<String, Value>) -> Result<ServerReply, ServerReply> {
        self.check_pool_id(req, true)?;
        let filter = match req.get("Filter").and_then(Value::as_str) {
            Some(f) if !f.trim().is_empty() => Some(parse_filter(f)?),
            _ => None,
        };
        let limit = match req.get("Limit") {
            None => 60,
            Some(v) => match v.as_u64() {
                Some(n @ 1..=60) => usize::try_from(n).unwrap_or(60),
                _ => return Err(invalid("Limit must be between 1 and 60.")),
            },
        };
        let start = match req.get("PaginationToken").and_then(Value::as_str) {
            Some(t) => t
                .parse::<usize>()
                .map_err(|_| invalid("Invalid pagination token."))?,
            None => 0,
        };
        let matching: Vec<&User> = self
            .users
            .iter()
            .filter(|u| filter.as_ref().is_none_or(|f| f.matches(u)))
            .collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(start)
            .take(limit)
            .map(|u| Self::user_type(u))
            .collect();
        let mut reply = json!({"Users": page});
        if let (true, Value::Object(m)) = (start.saturating_add(limit) < matching.len(), &mut reply)
        {
            m.insert(
                "PaginationToken".into(),
                json!(format!("{}", start.saturating_add(limit))),
            );
        }
        Ok(ok(reply))
    }

    fn admin_delete_user(&mut self, req: &Map<String, Value>) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &Subject::Admin, UnixTime(0))?;
        self.users.retain(|u| u.username != username);
        self.revoke_user(&username);
        Ok(ok(json!({})))
    }

    fn set_enabled(
        &mut self,
        req: &Map<String, Value>,
        enabled: bool,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &Subject::Admin, now)?;
        let user = self.user_mut(&username).ok_or_else(not_found)?;
        user.enabled = enabled;
        user.modified = now.0;
        if !enabled {
            self.revoke_user(&username);
        }
        Ok(ok(json!({})))
    }

    fn admin_update_attributes(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &Subject::Admin, now)?;
        let attributes = attribute_list(req, "UserAttributes")?;
        if attributes.iter().any(|(k, _)| k == "sub") {
            return Err(invalid("Cannot modify the non-mutable attribute sub"));
        }
        let user = self.user_mut(&username).ok_or_else(not_found)?;
        user.attributes.extend(attributes);
        user.modified = now.0;
        Ok(ok(json!({})))
    }

    fn set_mfa_preference(
        &mut self,
        req: &Map<String, Value>,
        subject: Subject,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &subject, now)?;
        let mut changes = Vec::new();
        for (field, method) in [
            ("SMSMfaSettings", "SMS_MFA"),
            ("SoftwareTokenMfaSettings", "SOFTWARE_TOKEN_MFA"),
            ("EmailMfaSettings", "EMAIL_OTP"),
        ] {
            let Some(settings) = req.get(field) else {
                continue;
            };
            let Some(settings) = settings.as_object() else {
                return Err(err(
                    "SerializationException",
                    &format!("{field} must be an object."),
                ));
            };
            let enabled = bool_field(settings, "Enabled")?;
            let preferred = bool_field(settings, "PreferredMfa")?.unwrap_or(false);
            changes.push((method, enabled, preferred));
        }
        let user = self.user(&username).ok_or_else(not_found)?;
        for (method, enabled, _) in &changes {
            if *enabled != Some(true) {
                continue;
            }
            let ready = match *method {
                "SMS_MFA" => user.attributes.contains_key("phone_number"),
                "SOFTWARE_TOKEN_MFA" => user.totp_secret.is_some(),
                _ => user.attributes.contains_key("email"),
            };
            if !ready {
                return Err(err(
                    "InvalidParameterException",
                    &format!("User has not set up {method}."),
                ));
            }
        }
        let user = self.user_mut(&username).ok_or_else(not_found)?;
        for (method, enabled, preferred) in changes {
            if let Some(on) = enabled {
                match method {
                    "SMS_MFA" => user.sms_mfa = on,
                    "SOFTWARE_TOKEN_MFA" => user.totp_enabled = on,
                    _ => user.email_mfa = on,
                }
                if !on && user.preferred_mfa.as_deref() == Some(method) {
                    user.preferred_mfa = None;
                }
            }
            if preferred && enabled != Some(false) {
                user.preferred_mfa = Some(method.to_owned());
            }
        }
        user.modified = now.0;
        Ok(ok(json!({})))
    }

    /// `AssociateSoftwareToken` with an access token: a new secret, registered by
    /// `VerifySoftwareToken` with the same token.
    pub(super) fn associate_with_token<R: CryptoRng + ?Sized>(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
        rng: &mut R,
    ) -> ServerReply {
        let username = match self.token_user(req, now) {
            Ok(u) => u,
            Err(e) => return e,
        };
        if !self.config.totp_mfa {
            return err(
                "SoftwareTokenMFANotFoundException",
                "Software token MFA is not enabled for the user pool.",
            );
        }
        let secret = totp::new_secret(rng);
        match self.user_mut(&username) {
            Some(u) => u.totp_pending = Some(secret.clone()),
            None => return not_found(),
        }
        ok(json!({"SecretCode": secret}))
    }

    /// `VerifySoftwareToken` with an access token. In a pool with MFA on, the verified token
    /// is the user's MFA at once; otherwise `SetUserMFAPreference` turns it on.
    pub(super) fn verify_with_token(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
    ) -> ServerReply {
        let Some(code) = req
            .get("UserCode")
            .and_then(Value::as_str)
            .filter(|c| totp::is_user_code(c))
        else {
            return bad_user_code();
        };
        let username = match self.token_user(req, now) {
            Ok(u) => u,
            Err(e) => return e,
        };
        let mfa_on = self.config.mfa == MfaMode::On;
        let Some(user) = self.user_mut(&username) else {
            return not_found();
        };
        let Some(secret) = user.totp_pending.clone() else {
            return err(
                "InvalidParameterException",
                "AssociateSoftwareToken has not been called for the user.",
            );
        };
        if !totp::verify(&secret, code, now) {
            return err("EnableSoftwareTokenMFAException", "Code mismatch");
        }
        user.totp_pending = None;
        user.totp_secret = Some(secret);
        if mfa_on {
            user.totp_enabled = true;
            user.preferred_mfa = Some("SOFTWARE_TOKEN_MFA".into());
        }
        user.modified = now.0;
        ok(json!({"Status": "SUCCESS"}))
    }

    fn device_json(key: &str, device: &super::state::Device) -> Value {
        let mut attributes = alloc::vec![
            json!({"Name": "device_status", "Value": if device.remembered { "valid" } else { "not_remembered" }}),
            json!({"Name": "dev:device_remembered_status", "Value": if device.remembered { "remembered" } else { "not_remembered" }}),
        ];
        if let Some(name) = &device.name {
            attributes.push(json!({"Name": "device_name", "Value": name}));
        }
        json!({
            "DeviceKey": key,
            "DeviceAttributes": attributes,
            "DeviceCreateDate": device.created,
            "DeviceLastModifiedDate": device.last_used,
            "DeviceLastAuthenticatedDate": device.last_used,
        })
    }

    fn list_devices(
        &self,
        req: &Map<String, Value>,
        subject: Subject,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &subject, now)?;
        let user = self.user(&username).ok_or_else(not_found)?;
        let devices: Vec<Value> = user
            .devices
            .iter()
            .filter(|(_, d)| d.verifier.is_some())
            .map(|(k, d)| Self::device_json(k, d))
            .collect();
        Ok(ok(json!({"Devices": devices})))
    }

    fn get_device(
        &self,
        req: &Map<String, Value>,
        subject: Subject,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &subject, now)?;
        let key = str_field(req, "DeviceKey")?;
        let user = self.user(&username).ok_or_else(not_found)?;
        match user.devices.get(key) {
            Some(d) if d.verifier.is_some() => Ok(ok(json!({"Device": Self::device_json(key, d)}))),
            _ => Err(err("ResourceNotFoundException", "Device does not exist.")),
        }
    }

    fn forget(
        &mut self,
        req: &Map<String, Value>,
        subject: Subject,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &subject, now)?;
        let key = str_field(req, "DeviceKey")?.to_owned();
        let user = self.user_mut(&username).ok_or_else(not_found)?;
        if user.devices.remove(&key).is_none() {
            return Err(err("ResourceNotFoundException", "Device does not exist."));
        }
        Ok(ok(json!({})))
    }

    /// `RevokeToken`: the refresh token, and every access token issued with it or from it.
    fn revoke_token(&mut self, req: &Map<String, Value>) -> Result<ServerReply, ServerReply> {
        let token = str_field(req, "Token")?.to_owned();
        let client = self.client(req)?.clone();
        if let Some(secret) = &client.client_secret {
            let given = req.get("ClientSecret").and_then(Value::as_str);
            if !given.is_some_and(|g| secret_matches(secret, g)) {
                return Err(err(
                    "NotAuthorizedException",
                    &format!(
                        "Unable to verify secret hash for client {}",
                        client.client_id
                    ),
                ));
            }
        }
        match self.refresh_tokens.get(&token) {
            Some(info) if info.client_id == client.client_id => {}
            Some(_) => {
                return Err(err(
                    "UnauthorizedException",
                    "The token was not issued to this client.",
                ));
            }
            // Cognito answers an unknown (or already revoked) token with success.
            None => return Ok(ok(json!({}))),
        }
        self.refresh_tokens.remove(&token);
        self.access_tokens.retain(|_, t| t.origin != token);
        Ok(ok(json!({})))
    }

    fn global_sign_out(
        &mut self,
        req: &Map<String, Value>,
        subject: Subject,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let username = self.subject(req, &subject, now)?;
        self.revoke_user(&username);
        Ok(ok(json!({})))
    }

    fn revoke_user(&mut self, username: &str) {
        self.refresh_tokens.retain(|_, r| r.username != username);
        self.access_tokens.retain(|_, t| t.username != username);
    }
}

fn secret_matches(secret: &ClientSecret, given: &str) -> bool {
    ct_eq(secret.expose_secret().as_bytes(), given.as_bytes())
}

/// A `ListUsers` filter: `attribute = "value"` or `attribute ^= "value"`.
struct Filter {
    attribute: String,
    value: String,
    prefix: bool,
}

fn parse_filter(text: &str) -> Result<Filter, ServerReply> {
    let bad = || invalid("Error while parsing filter.");
    let (attribute, rest, prefix) = if let Some((a, r)) = text.split_once("^=") {
        (a, r, true)
    } else if let Some((a, r)) = text.split_once('=') {
        (a, r, false)
    } else {
        return Err(bad());
    };
    let attribute = attribute.trim();
    let value = rest
        .trim()
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(bad)?;
    const FILTERABLE: &[&str] = &[
        "username",
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "cognito:user_status",
        "status",
        "sub",
    ];
    if !FILTERABLE.contains(&attribute) {
        return Err(invalid(&format!("Invalid search attribute: {attribute}")));
    }
    Ok(Filter {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
        prefix,
    })
}

impl Filter {
    fn matches(&self, user: &User) -> bool {
        let actual = match self.attribute.as_str() {
            "username" => Some(user.username.as_str()),
            "sub" => Some(user.sub.as_str()),
            "cognito:user_status" => Some(user.status.code()),
            "status" => Some(if user.enabled { "Enabled" } else { "Disabled" }),
            other => user.attributes.get(other).map(String::as_str),
        };
        actual.is_some_and(|a| {
            if self.prefix {
                a.starts_with(&self.value)
            } else {
                a == self.value
            }
        })
    }
}
