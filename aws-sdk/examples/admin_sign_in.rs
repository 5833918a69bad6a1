//! A server-side sign-in through the official SDK: `AdminInitiateAuth` with
//! `ADMIN_USER_PASSWORD_AUTH` (or with SRP, `--srp`), then every challenge after it
//! (`AdminRespondToAuthChallenge`), each request signed by the SDK with the credentials of
//! the standard chain (environment, profile, SSO, container or instance role).
//!
//! ```text
//! cargo run -p cognito-signin-aws-sdk --example admin_sign_in -- \
//!     --endpoint http://127.0.0.1:9229 --region us-east-1 \
//!     --user-pool-id us-east-1_Example1 --client-id exampleclient --username jane \
//!     [--client-secret S] [--srp]
//! ```
//!
//! Without `--endpoint` it talks to Cognito in `--region`. The password comes from
//! `COGNITO_PASSWORD` or a prompt; codes and a new password, when asked, from a prompt.
//! Prints the user and the token's lifetime; any failure exits non-zero with a one-line error.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use aws_config::{BehaviorVersion, Region};
use clap::Parser;
use cognito_signin::{Answer, Challenge, ClientSecret, Config, MfaType, Password, Prompt, Start};

/// Sign in through AdminInitiateAuth with the official SDK.
#[derive(Parser, Debug)]
struct Args {
    /// The Cognito endpoint (for example the local server's http://127.0.0.1:9229); Cognito's
    /// own for the region when absent.
    #[arg(long)]
    endpoint: Option<String>,
    /// The pool's region.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The user pool's id.
    #[arg(long)]
    user_pool_id: String,
    /// The app client's id.
    #[arg(long)]
    client_id: String,
    /// The app client's secret, when it has one.
    #[arg(long)]
    client_secret: Option<String>,
    /// The username (or an alias the pool accepts).
    #[arg(long)]
    username: String,
    /// Prove the password with SRP through the admin operations (USER_SRP_AUTH) instead of
    /// sending it (ADMIN_USER_PASSWORD_AUTH).
    #[arg(long)]
    srp: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sign-in failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).region(Region::new(args.region));
    if let Some(endpoint) = &args.endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    let client = aws_sdk_cognitoidentityprovider::Client::new(&loader.load().await);

    let mut config = Config::new(&args.user_pool_id, &args.client_id)?;
    if let Some(secret) = args.client_secret {
        config = config.with_client_secret(ClientSecret::new(secret));
    }
    let password = match std::env::var("COGNITO_PASSWORD") {
        Ok(password) => password,
        Err(_) => read_line(&format!("password for {}: ", args.username)).await?,
    };
    let password = Password::new(password);
    let start = if args.srp {
        Start::user_srp(&args.username, password).via_admin()
    } else {
        Start::admin_user_password(&args.username, password)
    };

    let signed_in = cognito_signin_aws_sdk::sign_in(&client, config, start, ask).await?;
    println!("signed in as {}", signed_in.username);
    println!(
        "access token valid for {} s{}",
        signed_in.tokens.expires_in,
        if signed_in.tokens.refresh_token.is_some() {
            ", with a refresh token"
        } else {
            ""
        }
    );
    Ok(())
}

/// Asks the user on the terminal.
async fn ask(prompt: Prompt) -> Answer {
    if let Some(error) = &prompt.previous_error {
        eprintln!("refused: {error}");
    }
    let line = |question: String| async move { read_line(&question).await.unwrap_or_default() };
    match prompt.challenge {
        Challenge::NewPassword { .. } => Answer::NewPassword {
            password: Password::new(line("new password: ".into()).await),
            attributes: Default::default(),
        },
        Challenge::MfaSetup { .. } => Answer::SetUpTotp,
        Challenge::TotpSetup { secret_code, .. } => {
            let question = format!("add {secret_code} to an authenticator app, then its code: ");
            Answer::Code(line(question).await)
        }
        Challenge::SelectMfaType { options } => {
            let names: Vec<&str> = options.iter().map(MfaType::name).collect();
            let chosen = line(format!("second factor ({}): ", names.join(", "))).await;
            Answer::Mfa(MfaType::from_name(chosen.trim()))
        }
        Challenge::RememberDevice => Answer::RememberDevice(false),
        other => Answer::Code(line(format!("code for {other:?}: ")).await),
    }
}

/// One line from standard input, without blocking the runtime.
async fn read_line(question: &str) -> std::io::Result<String> {
    eprint!("{question}");
    std::io::stderr().flush()?;
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    })
    .await
    .map_err(std::io::Error::other)?
}
