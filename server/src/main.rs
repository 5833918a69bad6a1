//! `cognito-signin-server`: the reference Cognito user pool on 127.0.0.1.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Parser;
use cognito_signin::UnixTime;
use cognito_signin_server::{App, Settings, World, router, serve};
use serde_json::Value;

/// A local Amazon Cognito user-pool server that verifies SRP proofs, device SRP and
/// SECRET_HASH. Point any AWS SDK or Cognito client at http://127.0.0.1:<port>.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The port to listen on; 0 picks a free one. The port is printed as the first line.
    #[arg(long, default_value_t = 9229)]
    port: u16,
    /// The address to listen on (a loopback address unless you mean otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Pools, app clients and users to start from (JSON; see the README).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Keeps the state in this file across restarts: read at start if it exists, rewritten
    /// (atomically) after every change.
    #[arg(long)]
    state: Option<PathBuf>,
    /// The tokens' issuer base: `iss` is `<base>/<pool id>`. By default the server's own
    /// URL, where the JWKS is; `aws` gives Cognito's `https://cognito-idp.<region>.amazonaws.com`.
    #[arg(long)]
    issuer: Option<String>,
    /// Seconds a client may take to send a request's headers or body.
    #[arg(long, default_value_t = 10)]
    read_timeout: u64,
    /// The largest request body in bytes.
    #[arg(long, default_value_t = 256 * 1024)]
    body_limit: usize,
}

fn read_json(path: &PathBuf) -> Result<Value, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn now() -> UnixTime {
    UnixTime(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

async fn run(args: Args) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let url = format!("http://{addr}");
    let issuer_base = match args.issuer.as_deref() {
        None => Some(url.clone()),
        Some("aws") => None,
        Some(base) => Some(base.trim_end_matches('/').to_owned()),
    };
    let existing = match &args.state {
        Some(path) if path.exists() => Some(read_json(path)?),
        _ => None,
    };
    let world = match existing {
        Some(state) => World::from_state(&state, issuer_base)?,
        None => {
            let config = args.config.as_ref().map(read_json).transpose()?;
            let mut world = World::new(issuer_base);
            if let Some(config) = &config {
                world.load_config(config, now())?;
            }
            world
        }
    };
    let settings = Settings {
        body_limit: args.body_limit,
        read_timeout: Duration::from_secs(args.read_timeout.max(1)),
        state_file: args.state.clone(),
    };
    let timeout = settings.read_timeout;
    let app = App::new(world, settings);
    app.with_world(|w| app.save(w))
        .map_err(|e| format!("state file: {e}"))?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", addr.port());
    let _ = writeln!(out, "ready {url}");
    let _ = out.flush();
    drop(out);
    tokio::select! {
        r = serve(listener, router(app), timeout) => r.map_err(|e| e.to_string()),
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = terminate() => Ok(()),
    }
}

#[cfg(unix)]
async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending().await
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cognito-signin-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cognito-signin-server: {e}");
            ExitCode::FAILURE
        }
    }
}
