//! Every pool the server holds, the operations that create and describe pools and app
//! clients, and the routing of the others to their pool.

use std::collections::BTreeMap;

use cognito_signin::UnixTime;
use cognito_signin::server::{
    AppClient, DeviceTracking, MfaMode, NewUser, PoolConfig, ServerReply, SrpWork, SrpWorkDone,
    UserPool,
};
use cognito_signin::srp::ServerEphemeral;
use cognito_signin::{Password, server::UserStatus};
use rand::rngs::StdRng;
use rand::{CryptoRng, RngExt};
use serde_json::{Map, Value, json};

use crate::signer::SigningKeyPair;

/// The version of the state file's form.
const STATE_VERSION: u64 = 1;

/// The operations this server serves, by name.
pub const OPERATIONS: &[&str] = &[
    "CreateUserPool",
    "DescribeUserPool",
    "DeleteUserPool",
    "ListUserPools",
    "CreateUserPoolClient",
    "DescribeUserPoolClient",
    "DeleteUserPoolClient",
    "ListUserPoolClients",
    "SetUserPoolMfaConfig",
    "GetUserPoolMfaConfig",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "ConfirmDevice",
    "UpdateDeviceStatus",
    "GetTokensFromRefreshToken",
    "AdminCreateUser",
    "AdminSetUserPassword",
    "AdminGetUser",
    "GetUser",
    "ListUsers",
    "AdminDeleteUser",
    "AdminEnableUser",
    "AdminDisableUser",
    "AdminUpdateUserAttributes",
    "AdminSetUserMFAPreference",
    "SetUserMFAPreference",
    "ListDevices",
    "AdminListDevices",
    "GetDevice",
    "AdminGetDevice",
    "ForgetDevice",
    "AdminForgetDevice",
    "RevokeToken",
    "GlobalSignOut",
    "AdminUserGlobalSignOut",
];

/// Operations that change nothing: the state file is not written after them.
const READ_ONLY: &[&str] = &[
    "DescribeUserPool",
    "ListUserPools",
    "DescribeUserPoolClient",
    "ListUserPoolClients",
    "GetUserPoolMfaConfig",
    "AdminGetUser",
    "GetUser",
    "ListUsers",
    "ListDevices",
    "AdminListDevices",
    "GetDevice",
    "AdminGetDevice",
];

fn ok(body: Value) -> ServerReply {
    ServerReply::success(&body)
}

fn err(kind: &str, message: &str) -> ServerReply {
    ServerReply::error(400, kind, message)
}

fn invalid(message: &str) -> ServerReply {
    err("InvalidParameterException", message)
}

fn pool_not_found(id: &str) -> ServerReply {
    err(
        "ResourceNotFoundException",
        &format!("User pool {id} does not exist."),
    )
}

/// The SRP exponentiations a request left, to run outside the world's lock: see
/// [`World::handle_deferred`]. `Debug` shows nothing (SRP secrets are inside).
pub struct Work {
    pool: String,
    work: Vec<SrpWork>,
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Work").finish_non_exhaustive()
    }
}

impl Work {
    /// Runs the exponentiations.
    pub fn run(self) -> WorkDone {
        WorkDone {
            pool: self.pool,
            done: self.work.into_iter().map(SrpWork::run).collect(),
        }
    }
}

/// Finished [`Work`], for [`World::complete`].
pub struct WorkDone {
    pool: String,
    done: Vec<SrpWorkDone>,
}

impl std::fmt::Debug for WorkDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkDone").finish_non_exhaustive()
    }
}

/// A pool as the service describes it, its app clients, and the model that serves it.
struct Pool {
    /// `UserPoolType` as `DescribeUserPool` returns it.
    description: Map<String, Value>,
    /// `UserPoolClientType` of each app client, by client id (with `ClientSecret`).
    clients: BTreeMap<String, Map<String, Value>>,
    /// The pool's own RSA key (Cognito gives every pool its own).
    key: SigningKeyPair,
    model: UserPool,
}

/// Every pool of the server. Not `Sync`: share it behind a lock.
pub struct World {
    pools: BTreeMap<String, Pool>,
    /// An ephemeral handed in with the request being served.
    ephemeral: Option<ServerEphemeral>,
    /// The SRP work the request being served left.
    work: Option<Work>,
    /// The key of the pools a configuration file names, when it gives one.
    configured_key: Option<SigningKeyPair>,
    issuer_base: Option<String>,
    rng: StdRng,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("pools", &self.pools.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn alnum<R: CryptoRng + ?Sized>(rng: &mut R, n: usize, upper: bool) -> String {
    const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let set = if upper { MIXED } else { LOWER };
    (0..n)
        .map(|_| {
            char::from(
                set.get(rng.random_range(0..set.len()))
                    .copied()
                    .unwrap_or(b'a'),
            )
        })
        .collect()
}

fn string_list(req: &Map<String, Value>, field: &str) -> Result<Vec<String>, ServerReply> {
    match req.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    err(
                        "SerializationException",
                        &format!("{field} must be a list of strings."),
                    )
                })
            })
            .collect(),
        Some(_) => Err(err(
            "SerializationException",
            &format!("{field} must be a list of strings."),
        )),
    }
}

fn str_field<'a>(req: &'a Map<String, Value>, field: &str) -> Result<&'a str, ServerReply> {
    req.get(field).and_then(Value::as_str).ok_or_else(|| {
        invalid(&format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"))
    })
}

fn flag(map: &Map<String, Value>, field: &str) -> bool {
    map.get(field).and_then(Value::as_bool).unwrap_or(false)
}

/// The pool model's configuration from the pool's description.
fn pool_config(d: &Map<String, Value>) -> PoolConfig {
    let policy = d
        .get("Policies")
        .and_then(|p| p.get("PasswordPolicy"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let list = |f: &str| string_list(d, f).unwrap_or_default();
    let device = d
        .get("DeviceConfiguration")
        .and_then(Value::as_object)
        .cloned();
    let mfa = match d.get("MfaConfiguration").and_then(Value::as_str) {
        Some("ON") => MfaMode::On,
        Some("OPTIONAL") => MfaMode::Optional,
        _ => MfaMode::Off,
    };
    let enabled = |f: &str, default: bool| {
        d.get(f)
            .and_then(|c| c.get("Enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(default)
    };
    let required_attributes = d
        .get("SchemaAttributes")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter(|a| a.get("Required").and_then(Value::as_bool) == Some(true))
                .filter_map(|a| a.get("Name").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    PoolConfig {
        mfa,
        sms_mfa: d.contains_key("SmsConfiguration") || enabled("SmsMfaConfiguration", false),
        totp_mfa: enabled("SoftwareTokenMfaConfiguration", true),
        email_mfa: enabled("EmailMfaConfiguration", false),
        device_tracking: match &device {
            None => DeviceTracking::Off,
            Some(c) if flag(c, "DeviceOnlyRememberedOnUserPrompt") => DeviceTracking::UserOptIn,
            Some(_) => DeviceTracking::Always,
        },
        challenge_required_on_new_device: device
            .as_ref()
            .is_some_and(|c| flag(c, "ChallengeRequiredOnNewDevice")),
        alias_attributes: list("AliasAttributes"),
        username_attributes: list("UsernameAttributes"),
        required_attributes,
        password_min_length: policy
            .get("MinimumLength")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(8),
        password_require_uppercase: flag(&policy, "RequireUppercase"),
        password_require_lowercase: flag(&policy, "RequireLowercase"),
        password_require_numbers: flag(&policy, "RequireNumbers"),
        password_require_symbols: flag(&policy, "RequireSymbols"),
        ..PoolConfig::default()
    }
}

/// Seconds from a validity and its unit (`TokenValidityUnits`).
fn seconds(value: u64, unit: &str) -> u64 {
    value.saturating_mul(match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        _ => 86400,
    })
}

/// The pool model's app client from its description.
fn app_client(c: &Map<String, Value>) -> AppClient {
    let id = c
        .get("ClientId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut client = AppClient::new(id);
    if let Some(secret) = c.get("ClientSecret").and_then(Value::as_str) {
        client = client.with_secret(secret);
    }
    let flows = string_list(c, "ExplicitAuthFlows").unwrap_or_default();
    let flows: Vec<&str> = flows.iter().map(String::as_str).collect();
    client = client.with_flows(&flows);
    if c.get("RefreshTokenRotation")
        .and_then(|r| r.get("Feature"))
        .and_then(Value::as_str)
        == Some("ENABLED")
    {
        client = client.with_rotation();
    }
    client.prevent_user_existence_errors =
        c.get("PreventUserExistenceErrors").and_then(Value::as_str) == Some("ENABLED");
    let validity = |field: &str, unit_field: &str| {
        let unit = c
            .get("TokenValidityUnits")
            .and_then(|u| u.get(unit_field))
            .and_then(Value::as_str)
            .unwrap_or("minutes");
        seconds(c.get(field).and_then(Value::as_u64).unwrap_or(60), unit)
    };
    client.token_validity = validity("AccessTokenValidity", "AccessToken");
    client.id_token_validity = validity("IdTokenValidity", "IdToken");
    client
}

const FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
];

/// Fields of `CreateUserPool` that describe behaviour this server does not model.
const REFUSED_POOL_FIELDS: &[&str] = &["LambdaConfig", "UserPoolAddOns"];

impl World {
    /// An empty world. Each pool gets a new RSA key of its own. `issuer_base` (the server's
    /// own URL) makes each pool's `iss` `<issuer_base>/<pool id>`; `None` keeps Cognito's.
    pub fn new(issuer_base: Option<String>) -> Self {
        Self {
            pools: BTreeMap::new(),
            ephemeral: None,
            work: None,
            configured_key: None,
            issuer_base,
            rng: rand::make_rng(),
        }
    }

    /// The `iss` of a pool's tokens.
    pub fn issuer(&self, pool_id: &str) -> Option<String> {
        self.pools.get(pool_id).map(|p| p.model.issuer())
    }

    /// Serves one request. `region` is the one the caller signed for (from `Authorization`),
    /// used for new pools' ids. The SRP exponentiations are done here, in line; a server
    /// that holds the world behind a lock uses [`handle_deferred`](Self::handle_deferred).
    pub fn handle(
        &mut self,
        operation: &str,
        body: &[u8],
        region: &str,
        now: UnixTime,
    ) -> ServerReply {
        let (reply, work) = self.handle_deferred(operation, body, region, now, None);
        if let Some(work) = work {
            let done = work.run();
            self.complete(done);
        }
        reply
    }

    /// [`handle`](Self::handle), with the exponentiations that need nothing of the world
    /// left out: `ephemeral` (a `g^b` computed ahead, for an `InitiateAuth`) goes to the
    /// pool the request is for, and the `S` of an SRP run comes back as [`Work`] to run
    /// anywhere ([`Work::run`]) and hand back with [`complete`](Self::complete) before the
    /// reply is sent.
    pub fn handle_deferred(
        &mut self,
        operation: &str,
        body: &[u8],
        region: &str,
        now: UnixTime,
        ephemeral: Option<ServerEphemeral>,
    ) -> (ServerReply, Option<Work>) {
        self.ephemeral = ephemeral;
        let reply = self.handle_inner(operation, body, region, now);
        self.ephemeral = None;
        (reply, self.work.take())
    }

    /// Hands back the result of [`Work::run`].
    pub fn complete(&mut self, done: WorkDone) {
        if let Some(pool) = self.pools.get_mut(&done.pool) {
            for d in done.done {
                pool.model.complete_srp_work(d);
            }
        }
    }

    fn handle_inner(
        &mut self,
        operation: &str,
        body: &[u8],
        region: &str,
        now: UnixTime,
    ) -> ServerReply {
        let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(body) else {
            return err(
                "SerializationException",
                "The request body is not a JSON object.",
            );
        };
        if !OPERATIONS.contains(&operation) {
            return err(
                "UnknownOperationException",
                &format!("The operation {operation} is not served by this server."),
            );
        }
        let result = match operation {
            "CreateUserPool" => self.create_user_pool(&req, None, region, now),
            "DescribeUserPool" => self.describe_user_pool(&req),
            "DeleteUserPool" => self.delete_user_pool(&req),
            "ListUserPools" => Ok(self.list_user_pools()),
            "CreateUserPoolClient" => self.create_client(&req, None, None, now),
            "DescribeUserPoolClient" => self.describe_client(&req),
            "DeleteUserPoolClient" => self.delete_client(&req),
            "ListUserPoolClients" => self.list_clients(&req),
            "SetUserPoolMfaConfig" => self.set_mfa_config(&req, now),
            "GetUserPoolMfaConfig" => self.pool(&req).map(|p| ok(mfa_config(&p.description))),
            _ => Ok(self.route(operation, body, &req, now)),
        };
        match result {
            Ok(r) | Err(r) => r,
        }
    }

    /// Whether an operation can change the state.
    pub fn mutates(operation: &str) -> bool {
        OPERATIONS.contains(&operation) && !READ_ONLY.contains(&operation)
    }

    fn route(
        &mut self,
        op: &str,
        body: &[u8],
        req: &Map<String, Value>,
        now: UnixTime,
    ) -> ServerReply {
        let target = if let Some(id) = req.get("UserPoolId").and_then(Value::as_str) {
            match self.pools.get_mut(id) {
                Some(p) => p,
                None => return pool_not_found(id),
            }
        } else if let Some(p) = self.pools.values_mut().find(|p| p.model.owns(req)) {
            p
        } else if let Some(id) = req.get("ClientId").and_then(Value::as_str) {
            return err(
                "ResourceNotFoundException",
                &format!("User pool client {id} does not exist."),
            );
        } else if req.contains_key("AccessToken") {
            return err("NotAuthorizedException", "Invalid Access Token");
        } else if req.contains_key("Session") {
            return err("NotAuthorizedException", "Invalid session for the user.");
        } else {
            return invalid("The request names no user pool, app client, token or session.");
        };
        if let Some(e) = self.ephemeral.take() {
            target.model.add_ephemeral(e);
        }
        let reply = target.model.handle(op, body, now, &mut self.rng);
        let work = target.model.take_srp_work();
        if !work.is_empty() {
            self.work = Some(Work {
                pool: target.model.id().to_owned(),
                work,
            });
        }
        reply
    }

    fn pool(&self, req: &Map<String, Value>) -> Result<&Pool, ServerReply> {
        let id = str_field(req, "UserPoolId")?;
        self.pools.get(id).ok_or_else(|| pool_not_found(id))
    }

    fn pool_mut(&mut self, req: &Map<String, Value>) -> Result<&mut Pool, ServerReply> {
        let id = str_field(req, "UserPoolId")?;
        self.pools.get_mut(id).ok_or_else(|| pool_not_found(id))
    }

    /// `CreateUserPool`, or a pool from the configuration file with its own `id`.
    fn create_user_pool(
        &mut self,
        req: &Map<String, Value>,
        id: Option<&str>,
        region: &str,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let name = str_field(req, "PoolName")?;
        if name.is_empty() || name.len() > 128 {
            return Err(invalid("PoolName must be 1 to 128 characters."));
        }
        for field in REFUSED_POOL_FIELDS {
            let given = match req.get(*field) {
                None | Some(Value::Null) => false,
                Some(Value::Object(m)) => !m.is_empty(),
                Some(_) => true,
            };
            if given {
                return Err(invalid(&format!(
                    "{field} is not served by this server: it runs no Lambda triggers and no threat protection."
                )));
            }
        }
        let username_attributes = string_list(req, "UsernameAttributes")?;
        let alias_attributes = string_list(req, "AliasAttributes")?;
        if !username_attributes.is_empty() && !alias_attributes.is_empty() {
            return Err(invalid(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool",
            ));
        }
        if username_attributes
            .iter()
            .any(|a| a != "email" && a != "phone_number")
        {
            return Err(invalid(
                "UsernameAttributes may hold email and phone_number.",
            ));
        }
        if alias_attributes
            .iter()
            .any(|a| !["email", "phone_number", "preferred_username"].contains(&a.as_str()))
        {
            return Err(invalid(
                "AliasAttributes may hold email, phone_number and preferred_username.",
            ));
        }
        let mfa = req
            .get("MfaConfiguration")
            .and_then(Value::as_str)
            .unwrap_or("OFF");
        if !["OFF", "ON", "OPTIONAL"].contains(&mfa) {
            return Err(invalid("MfaConfiguration must be OFF, ON or OPTIONAL."));
        }
        let id_given = id.is_some();
        let id = match id {
            Some(id) => id.to_owned(),
            None => format!("{region}_{}", alnum(&mut self.rng, 9, true)),
        };
        if self.pools.contains_key(&id) {
            return Err(invalid(&format!("User pool {id} already exists.")));
        }
        let mut description = req.clone();
        for field in ["Clients", "Users", "PoolName", "Id"] {
            description.remove(field);
        }
        let region = id.split('_').next().unwrap_or(region).to_owned();
        let schema: Vec<Value> = req
            .get("Schema")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        description.insert("Id".into(), json!(id));
        description.insert("Name".into(), json!(name));
        description.insert(
            "Arn".into(),
            json!(format!(
                "arn:aws:cognito-idp:{region}:000000000000:userpool/{id}"
            )),
        );
        description.insert("CreationDate".into(), json!(now.0));
        description.insert("LastModifiedDate".into(), json!(now.0));
        description.insert("MfaConfiguration".into(), json!(mfa));
        description.insert("LambdaConfig".into(), json!({}));
        description.insert("SchemaAttributes".into(), Value::Array(schema));
        description.remove("Schema");
        let policy = req
            .get("Policies")
            .and_then(|p| p.get("PasswordPolicy"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut full_policy = json!({
            "MinimumLength": 8, "RequireUppercase": false, "RequireLowercase": false,
            "RequireNumbers": false, "RequireSymbols": false, "TemporaryPasswordValidityDays": 7,
        });
        if let Value::Object(m) = &mut full_policy {
            m.extend(policy);
        }
        description.insert("Policies".into(), json!({"PasswordPolicy": full_policy}));
        let key = match (id_given, &self.configured_key) {
            (true, Some(k)) => k.clone(),
            _ => SigningKeyPair::generate().map_err(|e| err("InternalErrorException", &e))?,
        };
        let mut model = UserPool::new(&id, pool_config(&description), &mut self.rng)
            .map_err(|_| invalid("The user pool id must be <region>_<name>."))?;
        model.set_token_signer(key.signer());
        model.defer_srp_work();
        if let Some(base) = &self.issuer_base {
            model.set_issuer(format!("{base}/{id}"));
        }
        self.pools.insert(
            id.clone(),
            Pool {
                description,
                clients: BTreeMap::new(),
                key,
                model,
            },
        );
        self.describe(&id)
    }

    fn describe(&self, id: &str) -> Result<ServerReply, ServerReply> {
        let pool = self.pools.get(id).ok_or_else(|| pool_not_found(id))?;
        let mut d = pool.description.clone();
        d.insert(
            "EstimatedNumberOfUsers".into(),
            json!(pool.model.user_count()),
        );
        Ok(ok(json!({"UserPool": d})))
    }

    fn describe_user_pool(&self, req: &Map<String, Value>) -> Result<ServerReply, ServerReply> {
        let id = str_field(req, "UserPoolId")?;
        self.describe(id)
    }

    fn delete_user_pool(&mut self, req: &Map<String, Value>) -> Result<ServerReply, ServerReply> {
        let id = str_field(req, "UserPoolId")?;
        self.pools.remove(id).ok_or_else(|| pool_not_found(id))?;
        Ok(ok(json!({})))
    }

    fn list_user_pools(&self) -> ServerReply {
        let pools: Vec<Value> = self
            .pools
            .values()
            .map(|p| {
                json!({
                    "Id": p.description.get("Id"), "Name": p.description.get("Name"),
                    "LambdaConfig": {}, "CreationDate": p.description.get("CreationDate"),
                    "LastModifiedDate": p.description.get("LastModifiedDate"),
                })
            })
            .collect();
        ok(json!({"UserPools": pools}))
    }

    /// `CreateUserPoolClient`, or a client from the configuration file with its own id and
    /// secret.
    fn create_client(
        &mut self,
        req: &Map<String, Value>,
        id: Option<&str>,
        secret: Option<&str>,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let pool_id = str_field(req, "UserPoolId")?.to_owned();
        let name = str_field(req, "ClientName")?.to_owned();
        let flows = string_list(req, "ExplicitAuthFlows")?;
        if let Some(bad) = flows.iter().find(|f| !FLOWS.contains(&f.as_str())) {
            return Err(invalid(&format!("Invalid ExplicitAuthFlows value: {bad}")));
        }
        let legacy = flows.iter().any(|f| !f.starts_with("ALLOW_"));
        if legacy && flows.iter().any(|f| f.starts_with("ALLOW_")) {
            return Err(invalid(
                "The combination of ExplicitAuthFlows with and without the ALLOW_ prefix is not allowed.",
            ));
        }
        let generate = flag(req, "GenerateSecret");
        let client_id = match id {
            Some(i) => i.to_owned(),
            None => alnum(&mut self.rng, 26, false),
        };
        let secret = match secret {
            Some(s) => Some(s.to_owned()),
            None if generate => Some(alnum(&mut self.rng, 51, false)),
            None => None,
        };
        let pool = self
            .pools
            .get_mut(&pool_id)
            .ok_or_else(|| pool_not_found(&pool_id))?;
        if pool.clients.contains_key(&client_id) {
            return Err(invalid(&format!("App client {client_id} already exists.")));
        }
        let mut c = req.clone();
        c.remove("GenerateSecret");
        c.insert("UserPoolId".into(), json!(pool_id));
        c.insert("ClientName".into(), json!(name));
        c.insert("ClientId".into(), json!(client_id));
        if let Some(s) = &secret {
            c.insert("ClientSecret".into(), json!(s));
        }
        c.insert("CreationDate".into(), json!(now.0));
        c.insert("LastModifiedDate".into(), json!(now.0));
        for (field, default) in [
            ("RefreshTokenValidity", json!(30)),
            ("AccessTokenValidity", json!(60)),
            ("IdTokenValidity", json!(60)),
            (
                "TokenValidityUnits",
                json!({"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}),
            ),
            ("EnableTokenRevocation", json!(true)),
            ("AuthSessionValidity", json!(3)),
            ("AllowedOAuthFlowsUserPoolClient", json!(false)),
            ("PreventUserExistenceErrors", json!("ENABLED")),
        ] {
            c.entry(field).or_insert(default);
        }
        if flows.is_empty() {
            c.insert(
                "ExplicitAuthFlows".into(),
                json!([
                    "ALLOW_REFRESH_TOKEN_AUTH",
                    "ALLOW_USER_SRP_AUTH",
                    "ALLOW_CUSTOM_AUTH"
                ]),
            );
        }
        pool.model.add_client(app_client(&c));
        pool.clients.insert(client_id, c.clone());
        Ok(ok(json!({"UserPoolClient": c})))
    }

    fn client_of<'a>(
        pool: &'a Pool,
        req: &Map<String, Value>,
    ) -> Result<&'a Map<String, Value>, ServerReply> {
        let id = str_field(req, "ClientId")?;
        pool.clients.get(id).ok_or_else(|| {
            err(
                "ResourceNotFoundException",
                &format!("User pool client {id} does not exist."),
            )
        })
    }

    fn describe_client(&self, req: &Map<String, Value>) -> Result<ServerReply, ServerReply> {
        let pool = self.pool(req)?;
        let c = Self::client_of(pool, req)?;
        Ok(ok(json!({"UserPoolClient": c})))
    }

    fn delete_client(&mut self, req: &Map<String, Value>) -> Result<ServerReply, ServerReply> {
        let pool = self.pool_mut(req)?;
        let id = Self::client_of(pool, req)?
            .get("ClientId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        pool.clients.remove(&id);
        pool.model.remove_client(&id);
        Ok(ok(json!({})))
    }

    fn list_clients(&self, req: &Map<String, Value>) -> Result<ServerReply, ServerReply> {
        let pool = self.pool(req)?;
        let list: Vec<Value> = pool
            .clients
            .values()
            .map(|c| json!({"ClientId": c.get("ClientId"), "UserPoolId": c.get("UserPoolId"), "ClientName": c.get("ClientName")}))
            .collect();
        Ok(ok(json!({"UserPoolClients": list})))
    }

    fn set_mfa_config(
        &mut self,
        req: &Map<String, Value>,
        now: UnixTime,
    ) -> Result<ServerReply, ServerReply> {
        let pool = self.pool_mut(req)?;
        if let Some(mfa) = req.get("MfaConfiguration").and_then(Value::as_str) {
            if !["OFF", "ON", "OPTIONAL"].contains(&mfa) {
                return Err(invalid("MfaConfiguration must be OFF, ON or OPTIONAL."));
            }
            pool.description
                .insert("MfaConfiguration".into(), json!(mfa));
        }
        for field in [
            "SmsMfaConfiguration",
            "SoftwareTokenMfaConfiguration",
            "EmailMfaConfiguration",
        ] {
            if let Some(v) = req.get(field) {
                let mut v = v.clone();
                if let (true, Value::Object(m)) = (field != "SoftwareTokenMfaConfiguration", &mut v)
                {
                    m.insert("Enabled".into(), json!(true));
                }
                pool.description.insert(field.into(), v);
            }
        }
        pool.description
            .insert("LastModifiedDate".into(), json!(now.0));
        let config = pool_config(&pool.description);
        *pool.model.config_mut() = PoolConfig {
            session_validity: pool.model.config().session_validity,
            timestamp_skew: pool.model.config().timestamp_skew,
            ..config
        };
        Ok(ok(mfa_config(&pool.description)))
    }

    /// Adds what a configuration file describes (see the crate docs for its form).
    ///
    /// # Errors
    /// A message naming the first entry that could not be added.
    pub fn load_config(&mut self, config: &Value, now: UnixTime) -> Result<(), String> {
        let Some(config) = config.as_object() else {
            return Err("the configuration is not a JSON object".into());
        };
        if let Some(extra) = config
            .keys()
            .find(|k| *k != "UserPools" && *k != "SigningKey")
        {
            return Err(format!("unknown configuration field {extra}"));
        }
        let pools = config
            .get("UserPools")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for pool in pools {
            let Some(pool) = pool.as_object() else {
                return Err("a user pool is not a JSON object".into());
            };
            let Some(id) = pool.get("Id").and_then(Value::as_str) else {
                return Err("a user pool has no Id".into());
            };
            let mut req = pool.clone();
            req.entry("PoolName").or_insert(json!(id));
            let region = id.split('_').next().unwrap_or("us-east-1");
            let mut made = self
                .create_user_pool(&req, Some(id), region, now)
                .map_err(|r| describe_error(&format!("user pool {id}"), &r))?;
            // Pool-level MFA settings given in SetUserPoolMfaConfig's form.
            let mut mfa = Map::new();
            for f in [
                "SmsMfaConfiguration",
                "SoftwareTokenMfaConfiguration",
                "EmailMfaConfiguration",
            ] {
                if let Some(v) = pool.get(f) {
                    mfa.insert(f.into(), v.clone());
                }
            }
            if !mfa.is_empty() {
                mfa.insert("UserPoolId".into(), json!(id));
                made = self
                    .set_mfa_config(&mfa, now)
                    .map_err(|r| describe_error(&format!("user pool {id}"), &r))?;
            }
            drop(made);
            for client in pool
                .get("Clients")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let Some(mut c) = client.as_object().cloned() else {
                    return Err(format!("a client of {id} is not a JSON object"));
                };
                c.insert("UserPoolId".into(), json!(id));
                let client_id = c.get("ClientId").and_then(Value::as_str).map(str::to_owned);
                let secret = c.remove("ClientSecret");
                let secret = secret.as_ref().and_then(Value::as_str);
                c.remove("ClientId");
                c.entry("ClientName")
                    .or_insert(json!(client_id.clone().unwrap_or_default()));
                self.create_client(&c, client_id.as_deref(), secret, now)
                    .map_err(|r| describe_error(&format!("a client of {id}"), &r))?;
            }
            for user in pool
                .get("Users")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                self.add_configured_user(id, &user, now)?;
            }
        }
        Ok(())
    }

    fn add_configured_user(
        &mut self,
        pool_id: &str,
        user: &Value,
        now: UnixTime,
    ) -> Result<(), String> {
        let Some(u) = user.as_object() else {
            return Err(format!("a user of {pool_id} is not a JSON object"));
        };
        const FIELDS: &[&str] = &[
            "Username",
            "Password",
            "Permanent",
            "Attributes",
            "SoftwareTokenSecret",
            "Enabled",
            "SmsMfa",
            "EmailMfa",
            "PreferredMfa",
        ];
        if let Some(extra) = u.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!("unknown field {extra} in a user of {pool_id}"));
        }
        let (Some(name), Some(password)) = (
            u.get("Username").and_then(Value::as_str),
            u.get("Password").and_then(Value::as_str),
        ) else {
            return Err(format!("a user of {pool_id} needs Username and Password"));
        };
        let mut new = NewUser::new(name, Password::new(password));
        if u.get("Permanent").and_then(Value::as_bool) == Some(false) {
            new = new.with_status(UserStatus::ForceChangePassword);
        }
        if let Some(attrs) = u.get("Attributes").and_then(Value::as_object) {
            for (k, v) in attrs {
                let Some(v) = v.as_str() else {
                    return Err(format!("attribute {k} of {name} is not a string"));
                };
                new = new.with_attribute(k, v);
            }
        }
        if let Some(secret) = u.get("SoftwareTokenSecret").and_then(Value::as_str) {
            new = new.with_totp(secret);
            new.preferred_mfa = Some("SOFTWARE_TOKEN_MFA".into());
        }
        if u.get("SmsMfa").and_then(Value::as_bool) == Some(true) {
            new = new.with_sms_mfa();
        }
        if u.get("EmailMfa").and_then(Value::as_bool) == Some(true) {
            new = new.with_email_mfa();
        }
        match u.get("PreferredMfa") {
            Some(Value::String(p)) => new.preferred_mfa = Some(p.clone()),
            Some(Value::Null) => new.preferred_mfa = None,
            _ => {}
        }
        new.enabled = u.get("Enabled").and_then(Value::as_bool).unwrap_or(true);
        let pool = self
            .pools
            .get_mut(pool_id)
            .ok_or_else(|| format!("no user pool {pool_id}"))?;
        pool.model
            .add_user_at(new, now, &mut self.rng)
            .map_err(|e| format!("user {name} of {pool_id}: {e}"))
    }

    /// The JWKS of a pool, `None` for an unknown pool.
    pub fn jwks(&self, pool_id: &str) -> Option<Value> {
        self.pools.get(pool_id).map(|p| p.key.jwks())
    }

    /// What the pool "sent" by SMS and email, oldest first.
    pub fn outbox(&self, pool_id: &str) -> Option<Value> {
        let pool = self.pools.get(pool_id)?;
        let messages: Vec<Value> = pool
            .model
            .outbox()
            .iter()
            .map(|m| {
                json!({"Username": m.username, "Medium": m.medium, "Destination": m.destination, "Code": m.code})
            })
            .collect();
        Some(json!({"Messages": messages}))
    }

    /// Everything that lasts, as JSON: the signing key, each pool's description, app
    /// clients, users, devices and tokens.
    pub fn export_state(&self) -> Value {
        let pools: Vec<Value> = self
            .pools
            .values()
            .map(|p| {
                json!({
                    "Description": p.description,
                    "SigningKey": p.key.to_pem(),
                    "Clients": p.clients.values().collect::<Vec<_>>(),
                    "State": p.model.export_state(),
                })
            })
            .collect();
        json!({"Version": STATE_VERSION, "UserPools": pools})
    }

    /// A world from [`export_state`](Self::export_state).
    ///
    /// # Errors
    /// A message saying what in the state is wrong.
    pub fn from_state(state: &Value, issuer_base: Option<String>) -> Result<Self, String> {
        if state.get("Version").and_then(Value::as_u64) != Some(STATE_VERSION) {
            return Err(format!("the state file is not of version {STATE_VERSION}"));
        }
        let mut world = Self::new(issuer_base);
        for p in state
            .get("UserPools")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let description = p
                .get("Description")
                .and_then(Value::as_object)
                .cloned()
                .ok_or("a pool in the state file has no Description")?;
            let id = description
                .get("Id")
                .and_then(Value::as_str)
                .ok_or("a pool in the state file has no Id")?
                .to_owned();
            let pem = p
                .get("SigningKey")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("pool {id} in the state file has no SigningKey"))?;
            let key = SigningKeyPair::from_pem(pem)?;
            let mut model = UserPool::new(&id, pool_config(&description), &mut world.rng)
                .map_err(|e| format!("pool {id}: {e}"))?;
            model.set_token_signer(key.signer());
            model.defer_srp_work();
            if let Some(base) = &world.issuer_base {
                model.set_issuer(format!("{base}/{id}"));
            }
            let mut clients = BTreeMap::new();
            for c in p
                .get("Clients")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let c = c.as_object().cloned().ok_or("a client is not an object")?;
                let cid = c
                    .get("ClientId")
                    .and_then(Value::as_str)
                    .ok_or("a client has no ClientId")?
                    .to_owned();
                model.add_client(app_client(&c));
                clients.insert(cid, c);
            }
            model
                .import_state(p.get("State").unwrap_or(&Value::Null))
                .map_err(|e| format!("pool {id}: {e}"))?;
            world.pools.insert(
                id,
                Pool {
                    description,
                    clients,
                    key,
                    model,
                },
            );
        }
        Ok(world)
    }
}

fn mfa_config(d: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for f in [
        "SmsMfaConfiguration",
        "SoftwareTokenMfaConfiguration",
        "EmailMfaConfiguration",
    ] {
        if let Some(v) = d.get(f) {
            out.insert(f.into(), v.clone());
        }
    }
    out.entry("SoftwareTokenMfaConfiguration")
        .or_insert(json!({"Enabled": true}));
    out.insert(
        "MfaConfiguration".into(),
        d.get("MfaConfiguration").cloned().unwrap_or(json!("OFF")),
    );
    Value::Object(out)
}

fn describe_error(what: &str, reply: &ServerReply) -> String {
    let message = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    format!("{what}: {message}")
}
