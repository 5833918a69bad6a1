//! A whole Cognito sign-in over HTTP, with a readable trace.
//!
//! With no arguments, it talks to the local Cognito server of this workspace
//! (`cargo run -p cognito-signin-server -- --port 9229`, or the endpoint in `COGNITO_ENDPOINT`),
//! creates a pool of its own through the service's API (TOTP MFA required, device tracking)
//! and a user with a temporary password, and signs in through NEW_PASSWORD_REQUIRED and
//! MFA_SETUP (AssociateSoftwareToken, VerifySoftwareToken); then with SOFTWARE_TOKEN_MFA and
//! ConfirmDevice; then on the remembered device (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER);
//! then refreshes.
//!
//! ```text
//! cargo run -p cognito-signin-server -- --port 9229     # in another terminal
//! cargo run --example sign_in
//! cargo run --example sign_in -- --endpoint https://cognito-idp.eu-west-1.amazonaws.com/ \
//!     --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --username jane \
//!     [--client-secret S] [--flow USER_SRP_AUTH|USER_PASSWORD_AUTH|CUSTOM_AUTH|USER_AUTH] \
//!     [--totp-secret BASE32] [--device-file PATH]
//! ```
//!
//! Against an endpoint, the password comes from `COGNITO_PASSWORD` or a prompt, MFA codes from
//! a prompt (or are computed from `--totp-secret`), and `--device-file` keeps the remembered
//! device between runs. Any failure exits non-zero with a one-line error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::io::Write;
use std::process::ExitCode;
use std::time::SystemTime;

use base64::Engine;
use cognito_signin::server::totp_code;
use cognito_signin::{
    Answer, Challenge, ClientSecret, Config, DeviceCredentials, DeviceStatus, FirstFactor, MfaType,
    Password, Prompt, Request, Response, SignIn, SignedIn, Start, Step, UnixTime,
};
use rand::rngs::StdRng;

type Result<T> = std::result::Result<T, Box<dyn StdError + Send + Sync>>;

fn now() -> UnixTime {
    UnixTime::from(SystemTime::now())
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sign-in failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    if args.is_empty() {
        demo()
    } else {
        against_endpoint(&args)
    }
}

// ---------------------------------------------------------------------------------------
// HTTP client side
// ---------------------------------------------------------------------------------------

struct Http {
    agent: ureq::Agent,
    endpoint: String,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    date: Option<String>,
    error_type: Option<String>,
}

impl Http {
    fn new(endpoint: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            agent,
            endpoint: endpoint.to_string(),
        }
    }

    fn post(&self, request: &Request) -> Result<Reply> {
        let mut response = self
            .agent
            .post(&self.endpoint)
            .header("Content-Type", request.content_type())
            .header("X-Amz-Target", request.target())
            .send(request.body())?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (date, error_type) = (header("date"), header("x-amzn-errortype"));
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_vec()?;
        Ok(Reply {
            status,
            body,
            date,
            error_type,
        })
    }
}

/// What a reply was, in a few words, secrets left out.
fn describe(reply: &Reply) -> String {
    let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    if reply.status != 200 {
        let kind = json["__type"]
            .as_str()
            .or(reply.error_type.as_deref())
            .unwrap_or("error");
        return format!(
            "{} {kind}: {}",
            reply.status,
            json["message"].as_str().unwrap_or("")
        );
    }
    if let Some(name) = json["ChallengeName"].as_str() {
        let keys: Vec<&str> = json["ChallengeParameters"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return format!("challenge {name} [{}]", keys.join(", "));
    }
    if let Some(result) = json["AuthenticationResult"].as_object() {
        let device = if result.contains_key("NewDeviceMetadata") {
            " + NewDeviceMetadata"
        } else {
            ""
        };
        return format!("tokens (expire in {} s){device}", result["ExpiresIn"]);
    }
    let keys: Vec<&str> = json
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    format!("200 {{{}}}", keys.join(", "))
}

/// What a request carries, secrets left out.
fn describe_request(request: &Request) -> String {
    let json: serde_json::Value = serde_json::from_slice(request.body()).unwrap_or_default();
    let detail = json["AuthFlow"]
        .as_str()
        .or(json["ChallengeName"].as_str())
        .unwrap_or("");
    let keys: Vec<&str> = json["AuthParameters"]
        .as_object()
        .or(json["ChallengeResponses"].as_object())
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let sigv4 = if request.needs_sigv4() {
        " (SigV4)"
    } else {
        ""
    };
    if keys.is_empty() {
        format!("{}{sigv4} {detail}", request.operation())
    } else {
        format!(
            "{}{sigv4} {detail} [{}]",
            request.operation(),
            keys.join(", ")
        )
    }
}

/// Runs one sign-in to the end, printing the trace.
fn drive(
    http: &Http,
    config: Config,
    start: Start,
    rng: &mut StdRng,
    mut answer: impl FnMut(&Prompt) -> Result<Answer>,
) -> Result<SignedIn> {
    let (mut flow, mut request) = SignIn::start(config, start, now(), rng)?;
    loop {
        println!("  → {}", describe_request(&request));
        let reply = http.post(&request)?;
        println!("  ← {}", describe(&reply));
        let mut response = Response::new(reply.status, &reply.body);
        if let Some(date) = &reply.date {
            response = response.with_date(date);
        }
        if let Some(kind) = &reply.error_type {
            response = response.with_error_type(kind);
        }
        let mut step = flow.handle(response, now(), rng)?;
        while let Step::NeedInput(prompt) = step {
            if let Some(e) = &prompt.previous_error {
                println!("  ! {e}");
            }
            let a = answer(&prompt)?;
            println!("  ? {} → {}", question(&prompt.challenge), redacted(&a));
            step = flow.answer(a, now(), rng)?;
        }
        match step {
            Step::Send(next) => request = next,
            Step::Done(signed_in) => return Ok(signed_in),
            other => return Err(format!("unexpected step {other:?}").into()),
        }
    }
}

fn question(c: &Challenge) -> String {
    match c {
        Challenge::SmsMfa { destination } => {
            format!("SMS code sent to {}", destination.as_deref().unwrap_or("?"))
        }
        Challenge::EmailOtp { destination } => format!(
            "email code sent to {}",
            destination.as_deref().unwrap_or("?")
        ),
        Challenge::SmsOtp { destination } => {
            format!("SMS code sent to {}", destination.as_deref().unwrap_or("?"))
        }
        Challenge::SoftwareTokenMfa { .. } => "authenticator code".into(),
        Challenge::SelectMfaType { options } => format!("MFA method of {options:?}"),
        Challenge::MfaSetup { options } => format!("MFA to set up, of {options:?}"),
        Challenge::TotpSetup { secret_code, .. } => {
            format!(
                "first code of the new authenticator (secret {}…, {} chars)",
                &secret_code[..4.min(secret_code.len())],
                secret_code.len()
            )
        }
        Challenge::NewPassword {
            required_attributes,
            ..
        } => format!("new password (required attributes {required_attributes:?})"),
        Challenge::Custom { parameters } => format!("custom challenge {parameters:?}"),
        Challenge::SelectChallenge { available } => format!("first factor of {available:?}"),
        Challenge::Password { .. } => "password".into(),
        Challenge::WebAuthn { .. } => "passkey".into(),
        Challenge::RememberDevice => "remember this device".into(),
        other => format!("{other:?}"),
    }
}

fn redacted(a: &Answer) -> String {
    match a {
        Answer::Code(_) => "code ******".into(),
        Answer::NewPassword { attributes, .. } => {
            format!("new password ******** and {attributes:?}")
        }
        Answer::Password(_) => "password ********".into(),
        Answer::Mfa(m) => m.name().into(),
        Answer::SetUpTotp => "set up TOTP".into(),
        Answer::SetUpEmail(e) => format!("set up email MFA for {e}"),
        Answer::RememberDevice(yes) => {
            if *yes {
                "yes".into()
            } else {
                "no".into()
            }
        }
        Answer::Custom(_) => "answer ******".into(),
        Answer::FirstFactor(f) => format!("{f:?}"),
        other => format!("{other:?}"),
    }
}

/// The claims of a JWT (not verified: for display only).
fn claims(token: &str) -> BTreeMap<String, serde_json::Value> {
    token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p.trim_end_matches('='))
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn print_tokens(signed_in: &SignedIn) {
    println!(
        "  signed in as {} (access token expires at {})",
        signed_in.username, signed_in.tokens.expires_at.0
    );
    let access = claims(&signed_in.tokens.access_token);
    let keep = [
        "sub",
        "username",
        "cognito:username",
        "token_use",
        "client_id",
        "device_key",
        "exp",
        "iss",
        "email",
    ];
    let show = |c: &BTreeMap<String, serde_json::Value>| {
        c.iter()
            .filter(|(k, _)| keep.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("    access token claims: {}", show(&access));
    if let Some(id) = &signed_in.tokens.id_token {
        println!("    id token claims:     {}", show(&claims(id)));
    }
}

// ---------------------------------------------------------------------------------------
// The demo: a pool of its own on the local Cognito server (cognito-signin-server)
// ---------------------------------------------------------------------------------------

/// One management call to the local server (which, like moto, does not check SigV4).
fn manage(http: &Http, operation: &str, body: serde_json::Value) -> Result<serde_json::Value> {
    let response = http
        .agent
        .post(&http.endpoint)
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .send(serde_json::to_vec(&body)?);
    let mut response = response.map_err(|e| {
        format!(
            "{e}: is the local Cognito server running? Start it with\n  \
             cargo run -p cognito-signin-server -- --port 9229"
        )
    })?;
    let status = response.status().as_u16();
    let value: serde_json::Value = serde_json::from_slice(&response.body_mut().read_to_vec()?)?;
    if status != 200 {
        return Err(format!("{operation}: {status} {value}").into());
    }
    Ok(value)
}

fn demo() -> Result<()> {
    let mut rng: StdRng = rand::make_rng();
    let endpoint =
        std::env::var("COGNITO_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:9229/".to_string());
    let http = Http::new(&endpoint);
    // A pool of its own for this run, made through the service's API as an AWS SDK would.
    let pool = manage(
        &http,
        "CreateUserPool",
        serde_json::json!({
            "PoolName": "sign-in-example",
            "MfaConfiguration": "ON",
            "AliasAttributes": ["email"],
            "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": true,
                                    "DeviceOnlyRememberedOnUserPrompt": true},
        }),
    )?;
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .ok_or("no pool id")?
        .to_string();
    let client = manage(
        &http,
        "CreateUserPoolClient",
        serde_json::json!({
            "UserPoolId": pool_id, "ClientName": "example",
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        }),
    )?;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .ok_or("no client id")?
        .to_string();
    manage(
        &http,
        "AdminCreateUser",
        serde_json::json!({
            "UserPoolId": pool_id, "Username": "demo", "TemporaryPassword": "Temporary-Pass-1",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": "demo@example.com"},
                               {"Name": "email_verified", "Value": "true"}],
        }),
    )?;
    let (pool_id, client_id) = (pool_id.as_str(), client_id.as_str());
    println!("local Cognito server at {endpoint}: user pool {pool_id}, app client {client_id}");
    println!(
        "user demo@example.com (internal name demo) has a temporary password; TOTP MFA is required\n"
    );

    let new_password = "Brand-New-Pass-2";

    println!(
        "1. first sign-in: USER_SRP_AUTH with the temporary password (no device registered yet)"
    );
    let mut totp_secret = String::new();
    let first = drive(
        &http,
        Config::new(pool_id, client_id)?
            .with_totp_issuer("Demo")
            .without_device_confirmation(),
        Start::user_srp("demo@example.com", Password::new("Temporary-Pass-1")),
        &mut rng,
        |prompt| {
            Ok(match &prompt.challenge {
                Challenge::NewPassword { .. } => Answer::NewPassword {
                    password: Password::new(new_password),
                    attributes: BTreeMap::new(),
                },
                Challenge::MfaSetup { options } if options.contains(&MfaType::SoftwareToken) => {
                    Answer::SetUpTotp
                }
                Challenge::TotpSetup { secret_code, .. } => {
                    // What the user's authenticator app does with the secret (or the otpauth URI).
                    totp_secret = secret_code.clone();
                    Answer::Code(totp_code(secret_code, now()).ok_or("bad TOTP secret")?)
                }
                other => return Err(format!("unexpected question {other:?}").into()),
            })
        },
    )?;
    print_tokens(&first);

    println!(
        "\n2. sign-in with the new password and the authenticator; the device is registered and remembered"
    );
    let second = drive(
        &http,
        Config::new(pool_id, client_id)?.with_device_name("example laptop"),
        Start::user_srp("demo@example.com", Password::new(new_password)),
        &mut rng,
        |prompt| {
            Ok(match &prompt.challenge {
                Challenge::SoftwareTokenMfa { .. } => {
                    Answer::Code(totp_code(&totp_secret, now()).ok_or("bad TOTP secret")?)
                }
                Challenge::RememberDevice => Answer::RememberDevice(true),
                other => return Err(format!("unexpected question {other:?}").into()),
            })
        },
    )?;
    print_tokens(&second);
    let device = second
        .new_device
        .as_ref()
        .ok_or("the pool issued no device")?;
    println!(
        "  new device {} ({:?}): its credentials are kept for the next sign-in\n",
        device.device_key, device.status
    );
    let creds = device
        .credentials
        .clone()
        .ok_or("the device was not confirmed")?;

    println!("3. sign-in on the remembered device: MFA replaced by device SRP");
    let third = drive(
        &http,
        Config::new(pool_id, client_id)?.with_device(creds.clone()),
        Start::user_srp("demo@example.com", Password::new(new_password)),
        &mut rng,
        |prompt| Err(format!("unexpected question {:?}", prompt.challenge).into()),
    )?;
    print_tokens(&third);

    println!("\n4. refresh (REFRESH_TOKEN_AUTH with the device key)");
    let refresh_token = third
        .tokens
        .refresh_token
        .clone()
        .ok_or("no refresh token")?;
    let refreshed = drive(
        &http,
        Config::new(pool_id, client_id)?.with_device(creds),
        Start::refresh(refresh_token, Some(third.username.clone())),
        &mut rng,
        |prompt| Err(format!("unexpected question {:?}", prompt.challenge).into()),
    )?;
    print_tokens(&refreshed);
    println!(
        "\ndone: three sign-ins and a refresh, every SRP proof, TOTP code and device verifier checked by the pool"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Against a Cognito endpoint
// ---------------------------------------------------------------------------------------

fn against_endpoint(args: &[String]) -> Result<()> {
    let mut opts: BTreeMap<String, String> = BTreeMap::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {flag}"))?;
        if name == "help" {
            println!(
                "usage: sign_in [--endpoint URL --user-pool-id ID --client-id ID --username U [--client-secret S] [--flow F] [--totp-secret B32] [--device-file PATH]]"
            );
            return Ok(());
        }
        let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
        opts.insert(name.to_string(), value.clone());
    }
    let need = |k: &str| {
        opts.get(k)
            .cloned()
            .ok_or_else(|| format!("--{k} is required"))
    };
    let (endpoint, pool_id, client_id, username) = (
        need("endpoint")?,
        need("user-pool-id")?,
        need("client-id")?,
        need("username")?,
    );
    let mut config =
        Config::new(pool_id.clone(), client_id)?.with_device_name("cognito-signin example");
    if let Some(secret) = opts.get("client-secret") {
        config = config.with_client_secret(ClientSecret::new(secret.clone()));
    }
    let device_file = opts.get("device-file").cloned();
    if let Some(path) = &device_file
        && let Ok(text) = std::fs::read_to_string(path)
    {
        let device: DeviceCredentials = serde_json::from_str(&text)?;
        println!(
            "using the remembered device {} from {path}",
            device.device_key
        );
        config = config.with_device(device);
    }
    let flow = opts
        .get("flow")
        .map(String::as_str)
        .unwrap_or("USER_SRP_AUTH");
    let password = || -> Result<Password> {
        match std::env::var("COGNITO_PASSWORD") {
            Ok(p) => Ok(Password::new(p)),
            Err(_) => Ok(Password::new(read_secret("password: ")?)),
        }
    };
    let start = match flow {
        "USER_SRP_AUTH" => Start::user_srp(&username, password()?),
        "USER_PASSWORD_AUTH" => Start::user_password(&username, password()?),
        "CUSTOM_AUTH" => Start::custom(&username),
        "USER_AUTH" => Start::user_auth(&username),
        other => return Err(format!("unknown --flow {other}").into()),
    };
    let totp_secret = opts.get("totp-secret").cloned();
    let mut rng: StdRng = rand::make_rng();
    let http = Http::new(&endpoint);
    println!("signing in {username} to {pool_id} at {endpoint} with {flow}");
    let signed_in = drive(&http, config, start, &mut rng, |prompt| {
        Ok(match &prompt.challenge {
            Challenge::SoftwareTokenMfa { .. } if totp_secret.is_some() => Answer::Code(
                totp_code(totp_secret.as_deref().unwrap_or_default(), now())
                    .ok_or("--totp-secret is not base32")?,
            ),
            Challenge::TotpSetup { secret_code, uri } => {
                println!("  add this to your authenticator: {uri}");
                if totp_secret.is_some() {
                    println!("  (the new secret replaces --totp-secret)");
                }
                Answer::Code(read_line(&format!(
                    "first code for secret {secret_code}: "
                ))?)
            }
            Challenge::NewPassword {
                required_attributes,
                ..
            } => {
                let password = Password::new(read_secret("new password: ")?);
                let mut attributes = BTreeMap::new();
                for a in required_attributes {
                    attributes.insert(a.clone(), read_line(&format!("{a}: "))?);
                }
                Answer::NewPassword {
                    password,
                    attributes,
                }
            }
            Challenge::SelectMfaType { options } | Challenge::MfaSetup { options }
                if options.len() == 1 =>
            {
                if matches!(prompt.challenge, Challenge::MfaSetup { .. }) {
                    match options[0] {
                        MfaType::SoftwareToken => Answer::SetUpTotp,
                        MfaType::Email => Answer::SetUpEmail(read_line("email address: ")?),
                        _ => return Err("SMS MFA cannot be set up during sign-in".into()),
                    }
                } else {
                    Answer::Mfa(options[0].clone())
                }
            }
            Challenge::SelectMfaType { options } => {
                let choice = read_line(&format!(
                    "MFA method {:?}: ",
                    options.iter().map(MfaType::name).collect::<Vec<_>>()
                ))?;
                Answer::Mfa(MfaType::from_name(&choice))
            }
            Challenge::MfaSetup { .. } => match read_line("set up TOTP or EMAIL: ")?.as_str() {
                "EMAIL" | "email" => Answer::SetUpEmail(read_line("email address: ")?),
                _ => Answer::SetUpTotp,
            },
            Challenge::Custom { parameters } => {
                Answer::Custom(read_line(&format!("answer to {parameters:?}: "))?)
            }
            Challenge::SelectChallenge { available } => {
                match read_line(&format!("first factor {available:?}: "))?.as_str() {
                    "EMAIL_OTP" => Answer::FirstFactor(FirstFactor::EmailOtp),
                    "SMS_OTP" => Answer::FirstFactor(FirstFactor::SmsOtp),
                    "PASSWORD" => Answer::FirstFactor(FirstFactor::Password(password()?)),
                    _ => Answer::FirstFactor(FirstFactor::PasswordSrp(password()?)),
                }
            }
            Challenge::Password { .. } => Answer::Password(password()?),
            Challenge::RememberDevice => Answer::RememberDevice(
                read_line("remember this device? [y/N] ")?.starts_with(['y', 'Y']),
            ),
            Challenge::WebAuthn { .. } => {
                return Err("passkeys need a platform authenticator".into());
            }
            _ => Answer::Code(read_line("code: ")?),
        })
    })?;
    print_tokens(&signed_in);
    if let Some(path) = &device_file {
        if signed_in.device_forgotten {
            let _ = std::fs::remove_file(path);
            println!("the service forgot the stored device: {path} removed");
        }
        if let Some(new) = &signed_in.new_device
            && let Some(creds) = &new.credentials
            && new.status != DeviceStatus::NotConfirmed
        {
            std::fs::write(path, serde_json::to_string_pretty(creds)?)?;
            println!(
                "device {} stored in {path} ({:?})",
                creds.device_key, new.status
            );
        }
    }
    Ok(())
}

fn read_line(prompt: &str) -> Result<String> {
    print!("{prompt}");
    std::io::stdout().flush()?;
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? == 0 {
        return Err("no input".into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Reads a secret without echo where `stty` exists.
fn read_secret(prompt: &str) -> Result<String> {
    let quiet = std::process::Command::new("stty")
        .arg("-echo")
        .stdin(std::process::Stdio::inherit())
        .status()
        .is_ok_and(|s| s.success());
    let line = read_line(prompt);
    if quiet {
        let _ = std::process::Command::new("stty")
            .arg("echo")
            .stdin(std::process::Stdio::inherit())
            .status();
        println!();
    }
    line
}
