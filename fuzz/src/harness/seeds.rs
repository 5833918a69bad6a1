//! Seed inputs: the published vectors and the scripted conversations of `tests/conversations.rs`,
//! written in the byte format each target reads. `cargo run --example seeds` (in `fuzz/`)
//! writes them into `corpus/<target>/`.

use std::path::Path;

use serde_json::{Value, json};

use super::input::Output;
use super::script::{DEVICE_GROUP_KEY, SALT_HEX, SECRET_BLOCK, SRP_B_HEX, jwt};

/// One seed: target, file name, bytes.
pub type Seed = (&'static str, String, Vec<u8>);

fn unhex(text: &str) -> Vec<u8> {
    let text = if text.len() % 2 == 1 {
        format!("0{text}")
    } else {
        text.to_owned()
    };
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn load(dir: &Path, file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(file)).expect("vector file");
    serde_json::from_str(&text).expect("vector JSON")
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// flow: a script of replies and answers
// ---------------------------------------------------------------------------------------

/// Builds a `flow` input.
#[derive(Debug, Default)]
struct Script(Output);

const SESSION1: &str = "AYABeSession-one-0123456789";

impl Script {
    /// Flags as `Setup::read` reads them (no typed username, no start session) and a start.
    fn new(flags: u8, start: u8) -> Self {
        let mut o = Output::default();
        o.byte(flags & 0x1f).byte(start).byte(7);
        Self(o)
    }

    fn reply_with(self, status: u8, headers: u8, extra: &[u8], body: &Value) -> Self {
        let body = serde_json::to_vec(body).expect("JSON");
        self.reply_bytes(status, headers, extra, &body)
    }

    fn reply_bytes(mut self, status: u8, headers: u8, extra: &[u8], body: &[u8]) -> Self {
        self.0.byte(1).byte(status).byte(headers).raw(extra).byte(0);
        self.0.bytes(4096, body);
        self
    }

    fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.raw(bytes);
        self
    }

    fn ok(self, body: &Value) -> Self {
        self.reply_with(0, 0, &[], body)
    }

    fn error(self, kind: &str, message: &str) -> Self {
        self.reply_with(8, 0, &[], &json!({"__type": kind, "message": message}))
    }

    fn answer(mut self, bytes: &[u8]) -> Self {
        self.0.byte(0).raw(bytes);
        self
    }

    fn code(mut self, code: &str) -> Self {
        self.0.byte(0).byte(0).byte(0);
        self.0.bytes(16, code.as_bytes());
        self
    }

    fn done(self) -> Vec<u8> {
        self.0.data
    }
}

fn pv(name: &str, salt: &str, b: &str, block: &str) -> Value {
    json!({"ChallengeName": name, "ChallengeParameters": {
        "SALT": salt, "SRP_B": b, "SECRET_BLOCK": block,
        "USER_ID_FOR_SRP": "7d4e-internal", "USERNAME": "7d4e-internal"}})
}

fn challenge(name: &str, params: &Value) -> Value {
    json!({"ChallengeName": name, "Session": SESSION1, "ChallengeParameters": params})
}

fn tokens(device: bool) -> Value {
    let mut r = json!({"ChallengeParameters": {}, "AuthenticationResult": {
        "AccessToken": jwt(&json!({"username": "7d4e-internal", "token_use": "access"})),
        "IdToken": jwt(&json!({"cognito:username": "7d4e-internal", "token_use": "id"})),
        "RefreshToken": "refresh-token-1", "ExpiresIn": 3600, "TokenType": "Bearer"}});
    if device {
        r["AuthenticationResult"]["NewDeviceMetadata"] = json!({
            "DeviceKey": "us-east-1_0f0e7c5a-1111-4222-8333-944445555666",
            "DeviceGroupKey": DEVICE_GROUP_KEY});
    }
    r
}

fn sms() -> Value {
    challenge(
        "SMS_MFA",
        &json!({"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": "+*******1234", "USER_ID_FOR_SRP": "7d4e-internal"}),
    )
}

/// The conversations of `tests/conversations.rs` (§13 of the protocol reference) as `flow` inputs.
fn conversations(vectors: &[Value]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| out.push((name.to_owned(), bytes));
    // SECRET is flag 1, device flag 2, admin flag 4.
    for (i, v) in vectors.iter().enumerate().take(6) {
        let body = pv(
            "PASSWORD_VERIFIER",
            s(v, "salt_hex"),
            s(v, "srp_b_hex"),
            s(v, "secret_block_b64"),
        );
        add(
            &format!("user_srp_{i}"),
            Script::new(0, 0).ok(&body).ok(&tokens(false)).done(),
        );
    }
    let pv0 = pv("PASSWORD_VERIFIER", SALT_HEX, SRP_B_HEX, SECRET_BLOCK);
    add(
        "user_srp_secret_sms_retry",
        Script::new(1, 0)
            .ok(&pv0)
            .ok(&sms())
            .code("000111")
            .error("CodeMismatchException", "Invalid code received for user")
            .code("123456")
            .ok(&tokens(false))
            .done(),
    );
    add(
        "select_mfa_type",
        Script::new(0, 1)
            .ok(&challenge(
                "SELECT_MFA_TYPE",
                &json!({"MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]"}),
            ))
            .answer(&[2, 1])
            .ok(&challenge(
                "SOFTWARE_TOKEN_MFA",
                &json!({"FRIENDLY_DEVICE_NAME": "phone"}),
            ))
            .code("123456")
            .ok(&tokens(false))
            .done(),
    );
    add(
        "mfa_setup_totp",
        Script::new(1, 1)
            .ok(&challenge(
                "MFA_SETUP",
                &json!({"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]"}),
            ))
            .answer(&[3])
            .ok(&json!({"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DP", "Session": "AYABeSession-two-0123456789"}))
            .code("123456")
            .ok(&json!({"Status": "SUCCESS", "Session": "AYABeSession-three-0123456789"}))
            .ok(&tokens(false))
            .done(),
    );
    add(
        "mfa_setup_email",
        Script::new(0, 1)
            .ok(&challenge(
                "MFA_SETUP",
                &json!({"MFAS_CAN_SETUP": "[\"EMAIL_OTP\"]"}),
            ))
            .answer(&[4, 6])
            .raw(b"a@b.co")
            .ok(&challenge(
                "EMAIL_OTP",
                &json!({"CODE_DELIVERY_DESTINATION": "a***@b.co"}),
            ))
            .code("12345678")
            .ok(&tokens(false))
            .done(),
    );
    add(
        "new_password_required",
        Script::new(1, 1)
            .ok(&challenge(
                "NEW_PASSWORD_REQUIRED",
                &json!({"requiredAttributes": "[\"userAttributes.name\"]",
                        "userAttributes": "{\"email\":\"jane@example.com\",\"email_verified\":\"true\"}"}),
            ))
            .answer(&[5, 2, 0, 4])
            .raw(b"Jane")
            .raw(&[2, 4])
            .raw(b"true")
            .error("InvalidPasswordException", "Password does not conform to policy")
            .answer(&[5, 0])
            .ok(&tokens(false))
            .done(),
    );
    add(
        "admin_user_password",
        Script::new(1, 2).ok(&tokens(false)).done(),
    );
    add(
        "admin_no_srp",
        Script::new(0, 3)
            .ok(&sms())
            .code("123456")
            .ok(&tokens(false))
            .done(),
    );
    let custom = challenge(
        "CUSTOM_CHALLENGE",
        &json!({"question": "2+2", "USERNAME": "7d4e-internal"}),
    );
    add(
        "custom_auth_rounds",
        Script::new(1, 4)
            .ok(&custom)
            .answer(&[6, 1])
            .raw(b"4")
            .ok(&custom)
            .answer(&[6, 1])
            .raw(b"5")
            .ok(&tokens(false))
            .done(),
    );
    add(
        "custom_auth_with_srp",
        Script::new(0, 5)
            .ok(&pv0)
            .ok(&custom)
            .answer(&[6, 1])
            .raw(b"4")
            .ok(&tokens(false))
            .done(),
    );
    add(
        "new_device_remembered",
        Script::new(0, 1)
            .ok(&tokens(true))
            .ok(&json!({"UserConfirmationNecessary": true}))
            .answer(&[10, 1])
            .ok(&json!({}))
            .done(),
    );
    add(
        "new_device_confirm_fails",
        Script::new(1, 1)
            .ok(&tokens(true))
            .error("InvalidParameterException", "bad verifier")
            .done(),
    );
    add(
        "new_device_not_confirmed",
        Script::new(0x10, 1).ok(&tokens(true)).done(),
    );
    let device_pv = pv(
        "DEVICE_PASSWORD_VERIFIER",
        SALT_HEX,
        SRP_B_HEX,
        SECRET_BLOCK,
    );
    add(
        "remembered_device",
        Script::new(3, 0)
            .ok(&pv0)
            .ok(&challenge("DEVICE_SRP_AUTH", &json!({})))
            .ok(&device_pv)
            .ok(&tokens(false))
            .done(),
    );
    add(
        "forgotten_device",
        Script::new(2, 1)
            .error("ResourceNotFoundException", "Device does not exist.")
            .ok(&tokens(false))
            .done(),
    );
    add("refresh", Script::new(1, 12).ok(&tokens(false)).done());
    add(
        "refresh_no_user",
        Script::new(0, 13).ok(&tokens(false)).done(),
    );
    add(
        "refresh_rotating",
        Script::new(3, 14).ok(&tokens(false)).done(),
    );
    let mut select = challenge("SELECT_CHALLENGE", &json!({"USERNAME": "7d4e-internal"}));
    select["AvailableChallenges"] = json!(["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"]);
    add(
        "user_auth_email_otp",
        Script::new(0, 6)
            .ok(&select)
            .answer(&[7, 2])
            .ok(&challenge(
                "EMAIL_OTP",
                &json!({"CODE_DELIVERY_DESTINATION": "j***@e.com"}),
            ))
            .code("12345678")
            .ok(&tokens(false))
            .done(),
    );
    add(
        "user_auth_password_srp",
        Script::new(1, 6)
            .ok(&select)
            .answer(&[7, 1])
            .ok(&pv0)
            .ok(&tokens(false))
            .done(),
    );
    add(
        "user_auth_preferred_password",
        Script::new(0, 7).ok(&tokens(false)).done(),
    );
    add(
        "user_auth_preferred_srp",
        Script::new(1, 8).ok(&pv0).ok(&tokens(false)).done(),
    );
    add(
        "user_auth_sms_otp",
        Script::new(0, 10)
            .ok(&challenge(
                "SMS_OTP",
                &json!({"CODE_DELIVERY_DESTINATION": "+*******0100"}),
            ))
            .code("000042")
            .ok(&tokens(false))
            .done(),
    );
    add(
        "user_auth_passkey",
        Script::new(0, 11)
            .ok(&challenge(
                "WEB_AUTHN",
                &json!({"CREDENTIAL_REQUEST_OPTIONS": "{\"challenge\":\"AAAA\"}"}),
            ))
            .answer(&[9, 2])
            .raw(b"{}")
            .ok(&tokens(false))
            .done(),
    );
    add(
        "password_challenges",
        Script::new(0, 6)
            .ok(&challenge("PASSWORD", &json!({})))
            .answer(&[8])
            .ok(&challenge("PASSWORD_SRP", &json!({})))
            .answer(&[8])
            .ok(&pv0)
            .ok(&tokens(false))
            .done(),
    );
    add(
        "server_date",
        Script::new(0, 0)
            .reply_with(0, 4, &[0], &pv0)
            .ok(&tokens(false))
            .done(),
    );
    for (name, status, body) in [
        (
            "error_not_authorized",
            8,
            &br#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#
                [..],
        ),
        ("error_internal", 10, b"<html>oops</html>"),
        ("error_redirect", 13, b""),
        ("error_on_200", 0, br#"{"__type":"NotAuthorizedException"}"#),
    ] {
        add(
            name,
            Script::new(0, 1).reply_bytes(status, 0, &[], body).done(),
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// wire_response: one body at one state
// ---------------------------------------------------------------------------------------

fn reply_bodies() -> Vec<Value> {
    vec![
        pv("PASSWORD_VERIFIER", SALT_HEX, SRP_B_HEX, SECRET_BLOCK),
        pv(
            "DEVICE_PASSWORD_VERIFIER",
            SALT_HEX,
            SRP_B_HEX,
            SECRET_BLOCK,
        ),
        challenge("DEVICE_SRP_AUTH", &json!({})),
        sms(),
        challenge("SOFTWARE_TOKEN_MFA", &json!({})),
        challenge(
            "SELECT_MFA_TYPE",
            &json!({"MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]"}),
        ),
        challenge(
            "MFA_SETUP",
            &json!({"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}),
        ),
        challenge(
            "NEW_PASSWORD_REQUIRED",
            &json!({"requiredAttributes": "[]", "userAttributes": "{\"email\":\"a@b\"}"}),
        ),
        challenge("CUSTOM_CHALLENGE", &json!({"q": "1"})),
        tokens(false),
        tokens(true),
        json!({"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DP", "Session": SESSION1}),
        json!({"Status": "SUCCESS", "Session": SESSION1}),
        json!({"UserConfirmationNecessary": true}),
        json!({}),
        json!({"__type": "CodeMismatchException", "message": "Invalid code"}),
        json!({"__type": "ResourceNotFoundException", "message": "Device does not exist."}),
    ]
}

// ---------------------------------------------------------------------------------------
// srp_server_values
// ---------------------------------------------------------------------------------------

fn srp_seeds(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for v in load(dir, "password_verifier.json") {
        let mut o = Output::default();
        let pool = s(&v, "user_pool_id");
        let pool_name = pool.split_once('_').map_or("", |(_, n)| n);
        o.byte(0)
            .bytes(128, &unhex(s(&v, "a_hex")))
            .bytes(24, pool_name.as_bytes())
            .bytes(64, s(&v, "user_id_for_srp").as_bytes())
            .bytes(64, s(&v, "password").as_bytes())
            .byte(0)
            .bytes(200, s(&v, "salt_hex").as_bytes())
            .byte(0)
            .bytes(1100, s(&v, "srp_b_hex").as_bytes())
            .byte(0)
            .bytes(2048, s(&v, "secret_block_b64").as_bytes())
            .byte(1)
            .u64(v["unix_seconds"].as_u64().unwrap_or(0));
        out.push((s(&v, "id").to_owned(), o.data));
    }
    for v in load(dir, "device_password_verifier.json") {
        let mut o = Output::default();
        o.byte(2)
            .bytes(128, &unhex(s(&v, "a_hex")))
            .bytes(128, &unhex(s(&v, "b_hex")))
            .byte(1)
            .bytes(40, s(&v, "device_group_key").as_bytes())
            .bytes(64, s(&v, "device_key").as_bytes())
            .bytes(64, s(&v, "device_password").as_bytes())
            .bytes(40, &unhex(s(&v, "salt_hex")))
            .bytes(200, b"block")
            .byte(77);
        out.push((s(&v, "id").to_owned(), o.data));
    }
    for v in load(dir, "confirm_device.json") {
        let mut o = Output::default();
        o.byte(1)
            .bytes(800, s(&v, "salt_b64").as_bytes())
            .bytes(800, s(&v, "password_verifier_b64").as_bytes());
        out.push((s(&v, "id").to_owned(), o.data));
    }
    for (i, v) in load(dir, "srp_a.json").iter().enumerate() {
        let mut o = Output::default();
        o.byte(3)
            .bytes(128, &[1, 2, 3])
            .byte(2)
            .bytes(1100, s(v, "A_hex").as_bytes())
            .bytes(200, b"S11Y8yabmS3J4pmhpXR17yDrDtIDDa9CXtFTGHD8/k8=");
        out.push((format!("srp_a_{i}"), o.data));
    }
    out
}

// ---------------------------------------------------------------------------------------
// server: client rounds against the reference pool
// ---------------------------------------------------------------------------------------

/// Name, set-up flags, start, pool flags, user flags, events.
type ServerScript = (&'static str, u8, u8, u8, u8, &'static [u8]);

fn server_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    // (setup flags, start, pool flags, user flags, events)
    let plain: &[ServerScript] = &[
        ("srp", 0, 0, 0, 0, &[1, 7, 1, 7, 1, 7]),
        ("srp_secret", 1, 0, 0, 0, &[1, 7, 1, 7, 1, 7]),
        ("password", 0, 1, 0, 0, &[1, 7, 1, 7]),
        ("srp_totp", 0, 0, 2, 1, &[1, 7, 1, 7, 5, 0, 1, 7]),
        ("password_sms", 0, 1, 0x10, 2, &[1, 7, 5, 1, 1, 7]),
        (
            "mfa_setup",
            0,
            1,
            2,
            0,
            &[1, 7, 5, 2, 3, 1, 7, 5, 0, 1, 7, 1, 7],
        ),
        ("devices", 0, 0, 4, 0, &[1, 7, 1, 7, 1, 7, 1, 7]),
        (
            "devices_opt_in",
            0,
            1,
            9,
            0,
            &[1, 7, 1, 7, 5, 2, 10, 1, 1, 7],
        ),
        ("new_password", 0, 1, 0, 8, &[1, 7, 5, 2, 5, 0, 1, 7]),
        ("user_auth", 0, 6, 0, 0, &[1, 7, 5, 2, 7, 0, 1, 7, 1, 7]),
        ("user_auth_email", 0, 9, 0x20, 4, &[1, 7, 5, 1, 1, 7]),
        ("admin", 1, 2, 0, 0, &[1, 7]),
        ("replay", 0, 0, 0, 0, &[1, 7, 1, 7, 7, 7]),
        ("expired", 0, 0, 0, 0, &[1, 7, 6, 200, 1, 7]),
        (
            "tampered",
            0,
            0,
            0,
            0,
            &[1, 7, 1, 0, 4, b'A', b'A', b'A', b'A', 2],
        ),
        ("refresh", 1, 12, 0, 0, &[1, 7]),
        ("rotating", 1, 14, 0x40, 0, &[1, 7]),
        ("custom", 1, 4, 0, 0, &[1, 7, 5, 3, 1, 7, 5, 3, 1, 7]),
        (
            "custom_srp",
            0,
            5,
            0,
            0,
            &[1, 7, 1, 7, 5, 3, 1, 7, 5, 3, 1, 7],
        ),
    ];
    for (name, flags, start, pool_flags, user_flags, events) in plain {
        let mut o = Output::default();
        o.byte(*flags)
            .byte(*start)
            .byte(3)
            .byte(*pool_flags)
            .byte(*user_flags);
        o.raw(events);
        out.push(((*name).to_owned(), o.data));
    }
    out
}

/// Every seed, reading the vectors from `vectors`.
pub fn all(vectors: &Path) -> Vec<Seed> {
    let mut seeds = Vec::new();
    let pvs = load(vectors, "password_verifier.json");
    for (name, bytes) in conversations(&pvs) {
        seeds.push(("flow", name, bytes));
    }
    for (i, body) in reply_bodies().iter().enumerate() {
        let body = serde_json::to_vec(body).expect("JSON");
        for scenario in 0..super::wire_response::SCENARIOS {
            let mut o = Output::default();
            o.byte(scenario)
                .byte(u8::from(i % 3 == 0) << 2)
                .byte(0)
                .raw(&body);
            seeds.push(("wire_response", format!("s{scenario:02}_b{i:02}"), o.data));
        }
    }
    for (name, bytes) in srp_seeds(vectors) {
        seeds.push(("srp_server_values", name, bytes));
    }
    for v in load(vectors, "timestamp.json") {
        let mut o = Output::default();
        o.u64(v["unix_seconds"].as_u64().unwrap_or(0)).byte(1);
        seeds.push(("timestamp", s(&v, "id").to_owned(), o.data));
    }
    for (name, bytes) in server_seeds() {
        seeds.push(("server", name, bytes));
    }
    for (name, bytes) in arithmetic_seeds() {
        seeds.push(("arithmetic", name, bytes));
    }
    seeds
}

/// Seeds of `arithmetic`: each operation on every pair of edge values (`operand`'s choice
/// `4·i` is edge i) and each exponent kind.
fn arithmetic_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..10u8 {
        for j in 0..10u8 {
            let mut o = Output::default();
            o.byte(0).byte(4 * i).byte(4 * j);
            out.push((format!("mul-{i}-{j}"), o.data));
        }
        let mut o = Output::default();
        o.byte(1).byte(4 * i);
        out.push((format!("sqr-{i}"), o.data));
    }
    // Exponent kinds: 32, 128, 512 and 513 bytes of ones, 32 bytes of zeros, a short one of
    // input bytes.
    for (k, kind) in [0u8, 3, 32 + 4, 5, 64, 128 + 6].into_iter().enumerate() {
        for op in 5..8u8 {
            let mut o = Output::default();
            o.byte(op);
            if op == 5 {
                o.byte(4 * 3).byte(0);
            }
            o.byte(kind);
            if kind == 64 {
                // The short kind reads its length and its bytes.
                o.byte(8).bytes(255, &[0xa5; 8]);
            }
            if op == 7 {
                o.byte(u8::from(k % 2 == 1));
            }
            out.push((format!("op{op}-kind{k}"), o.data));
        }
    }
    out
}
