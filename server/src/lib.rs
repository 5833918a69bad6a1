//! A local Amazon Cognito user-pool server: the reference pool of [`cognito_signin`] (its
//! `server` module) served over AWS JSON 1.1 on 127.0.0.1, so that any Cognito client, from
//! AWS's own SDKs to a test suite in any language, signs in against a pool that verifies the
//! SRP proof, device SRP and `SECRET_HASH` on every leg.
//!
//! The binary (`cognito-signin-server --port 9229`) is the usual way in; the library is the
//! same server for a Rust test that starts it in process:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use cognito_signin_server::{App, Settings, World, router, serve};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base = format!("http://{}", listener.local_addr()?);
//! let world = World::new(Some(base));
//! let settings = Settings::default();
//! let timeout = settings.read_timeout;
//! serve(listener, router(App::new(world, settings)), timeout).await?;
//! # Ok(()) }
//! ```
//!
//! See the README for the operations served, the configuration and state files, the outbox
//! and the JWKS.

mod http;
mod signer;
mod world;

pub use http::{App, Settings, router, serve};
pub use signer::SigningKeyPair;
pub use world::{OPERATIONS, Work, WorkDone, World};
