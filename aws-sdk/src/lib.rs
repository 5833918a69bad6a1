//! Amazon Cognito user-pool sign-in through the official AWS SDK for Rust: the
//! [`cognito_signin`] machine computes every request (SRP, device SRP, `SECRET_HASH`, each
//! challenge's answer) and reads every reply; the SDK's
//! [`Client`](aws_sdk_cognitoidentityprovider::Client) sends them, with its endpoint, retries,
//! timeouts and, for the `Admin*` operations, the SigV4 signature from its credentials
//! provider.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use cognito_signin::{Answer, Config, Password, Prompt, Start};
//!
//! let sdk = aws_config::load_from_env().await;
//! let client = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
//! let config = Config::new("eu-west-1_AbCdEf123", "1example23456789")?;
//! let start = Start::user_srp("jane", Password::new("correct horse battery staple"));
//! let signed_in = cognito_signin_aws_sdk::sign_in(&client, config, start, |prompt: Prompt| async move {
//!     // Ask the user for the code the prompt names.
//!     Answer::Code(String::from("123456"))
//! })
//! .await?;
//! println!("signed in as {}", signed_in.username);
//! # Ok(()) }
//! ```
//!
//! `Start::admin_user_password(...)`, or `.via_admin()` on another start, runs the same
//! sign-in through `AdminInitiateAuth` and `AdminRespondToAuthChallenge`, signed by the SDK.
//!
//! # The bare loop
//!
//! [`sign_in`] is this loop, with the system's clock and random generator. Write it yourself
//! to choose those, to ask the user in your own way, or to decide what a failed send does:
//! a [`SendError`] leaves the machine waiting for the same reply, so the same request may be
//! sent again.
//!
//! ```no_run
//! # async fn run(client: aws_sdk_cognitoidentityprovider::Client, config: cognito_signin::Config,
//! #     start: cognito_signin::Start, mut rng: rand::rngs::StdRng)
//! #     -> Result<cognito_signin::SignedIn, Box<dyn std::error::Error>> {
//! use cognito_signin::{Answer, SignIn, Step, UnixTime};
//!
//! let now = || UnixTime::from(std::time::SystemTime::now());
//! let (mut machine, request) = SignIn::start(config, start, now(), &mut rng)?;
//! let mut step = Step::Send(request);
//! loop {
//!     step = match step {
//!         Step::Send(request) => {
//!             let reply = match cognito_signin_aws_sdk::send(&client, &request).await {
//!                 Ok(reply) => reply,
//!                 // Once more; the machine has not moved.
//!                 Err(e) if e.is_transient() => cognito_signin_aws_sdk::send(&client, &request).await?,
//!                 Err(e) => return Err(e.into()),
//!             };
//!             machine.handle(reply.as_response(), now(), &mut rng)?
//!         }
//!         Step::NeedInput(prompt) => {
//!             println!("{:?}", prompt.challenge);
//!             machine.answer(Answer::Code(String::from("123456")), now(), &mut rng)?
//!         }
//!         Step::Done(signed_in) => return Ok(signed_in),
//!     };
//! }
//! # }
//! ```
//!
//! # Secrets
//!
//! This crate's copies of request and reply bodies are wiped on drop, and its errors and
//! `Debug` output name operations and causes, never values. The SDK's own input and output
//! types hold the password proof, codes and tokens in plain `String`s that it does not wipe,
//! and at the `TRACE` level its runtime (`aws_smithy_runtime`) logs whole request bodies,
//! passwords and tokens included: keep that target below `TRACE` outside a debugging session.

mod driver;
mod error;
mod send;

pub use driver::{Ask, sign_in};
pub use error::{SendError, SendErrorKind, SignInError};
pub use send::{Reply, send};
