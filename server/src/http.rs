//! The HTTP side: AWS JSON 1.1 on `POST /`, the JWKS, the outbox, CORS, limits and
//! time-outs, the state file.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cognito_signin::UnixTime;
use cognito_signin::server::ServerReply;
use cognito_signin::srp::{PrivateSize, ServerEphemeral};
use http_body_util::{BodyExt, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};

use crate::world::World;

/// How the server treats connections and where it keeps its state.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The largest request body, in bytes (Cognito's requests are a few kilobytes).
    pub body_limit: usize,
    /// How long a client may take to send a request's headers, or its body.
    pub read_timeout: Duration,
    /// Where the state is kept across restarts, if anywhere.
    pub state_file: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            body_limit: 256 * 1024,
            read_timeout: Duration::from_secs(10),
            state_file: None,
        }
    }
}

/// The world behind its lock, with the settings: what every request shares.
#[derive(Debug)]
pub struct App {
    world: Mutex<World>,
    settings: Settings,
}

impl App {
    /// The app serving `world`.
    pub fn new(world: World, settings: Settings) -> Arc<Self> {
        Arc::new(Self {
            world: Mutex::new(world),
            settings,
        })
    }

    /// Runs `f` on the world, under its lock.
    pub fn with_world<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let mut guard = match self.world.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Writes the state file, if there is one: to a temporary file beside it, flushed to
    /// disk, then renamed over it, so the file is always whole.
    ///
    /// # Errors
    /// The I/O error.
    pub fn save(&self, world: &World) -> std::io::Result<()> {
        let Some(path) = &self.settings.state_file else {
            return Ok(());
        };
        let text = serde_json::to_vec_pretty(&world.export_state())?;
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            // The state holds the pools' keys, verifiers, TOTP secrets and tokens.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&tmp)?;
            file.write_all(&text)?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(Ok(d)) = dir.map(std::fs::File::open) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

fn now() -> UnixTime {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UnixTime(secs)
}

const JSON_11: &str = "application/x-amz-json-1.1";

fn aws_response(reply: &ServerReply, request_id: &str) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, reply.body.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    if let Some(kind) = reply
        .error_type
        .as_deref()
        .and_then(|k| HeaderValue::from_str(k).ok())
    {
        headers.insert("x-amzn-errortype", kind);
    }
    response
}

/// The region the caller signed for, from SigV4's `Credential=<key>/<date>/<region>/...`.
fn signed_region(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(2))
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or("us-east-1")
        .to_owned()
}

fn request_id() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b);
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..32).unwrap_or_default()
    )
}

async fn operation(State(app): State<Arc<App>>, request: Request) -> Response {
    let id = request_id();
    let (parts, body) = request.into_parts();
    let Some(target) = parts
        .headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
    else {
        let r = ServerReply::error(
            400,
            "UnknownOperationException",
            "The request has no X-Amz-Target header.",
        );
        return aws_response(&r, &id);
    };
    let Some(op) = target.strip_prefix("AWSCognitoIdentityProviderService.") else {
        let r = ServerReply::error(
            400,
            "UnknownOperationException",
            &format!(
                "Unknown X-Amz-Target {target}: this server serves AWSCognitoIdentityProviderService."
            ),
        );
        return aws_response(&r, &id);
    };
    let op = op.to_owned();
    let region = signed_region(&parts.headers);
    let limit = app.settings.body_limit;
    let bytes = match tokio::time::timeout(
        app.settings.read_timeout,
        Limited::new(body, limit).collect(),
    )
    .await
    {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) => {
            let r = if e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                ServerReply::error(
                    413,
                    "SerializationException",
                    &format!("The request body is larger than {limit} bytes."),
                )
            } else {
                ServerReply::error(
                    400,
                    "SerializationException",
                    "The request body could not be read.",
                )
            };
            return aws_response(&r, &id);
        }
        Err(_) => {
            let r = ServerReply::error(
                408,
                "RequestTimeout",
                "The request body was not sent in time.",
            );
            return aws_response(&r, &id);
        }
    };
    let worker = Arc::clone(&app);
    let done = tokio::task::spawn_blocking(move || {
        // The exponentiations run outside the world's lock: `g^b` before it, for a sign-in
        // that starts SRP; `S` after it, before the reply goes out (so the claim that
        // follows finds it done).
        let ephemeral = starts_srp(&op, &bytes)
            .then(|| ServerEphemeral::generate(PrivateSize::Bits256, &mut rand::rng()).ok())
            .flatten();
        let (reply, work) = worker.with_world(|world| {
            let (reply, work) = world.handle_deferred(&op, &bytes, &region, now(), ephemeral);
            let saved = if reply.status == 200 && World::mutates(&op) {
                worker.save(world)
            } else {
                Ok(())
            };
            match saved {
                Ok(()) => (reply, work),
                Err(e) => {
                    eprintln!("cognito-signin-server: the state file could not be written: {e}");
                    let failed = ServerReply::error(
                        500,
                        "InternalErrorException",
                        "The state could not be saved.",
                    );
                    (failed, work)
                }
            }
        });
        if let Some(work) = work {
            let done = work.run();
            worker.with_world(|world| world.complete(done));
        }
        reply
    })
    .await;
    let reply = done
        .unwrap_or_else(|_| ServerReply::error(500, "InternalErrorException", "Internal error."));
    aws_response(&reply, &id)
}

/// Whether a request starts an SRP run: `InitiateAuth` with `USER_SRP_AUTH` (or
/// `CUSTOM_AUTH` with `SRP_A`).
fn starts_srp(op: &str, body: &[u8]) -> bool {
    if op != "InitiateAuth" && op != "AdminInitiateAuth" {
        return false;
    }
    serde_json::from_slice::<Value>(body).is_ok_and(|v| {
        v.get("AuthParameters")
            .and_then(|p| p.get("SRP_A"))
            .is_some_and(Value::is_string)
    })
}

fn json_response(value: Option<Value>, what: &str) -> Response {
    match value {
        Some(v) => {
            let mut r = axum::Json(v).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": format!("{what} does not exist.")})),
        )
            .into_response(),
    }
}

async fn jwks(State(app): State<Arc<App>>, Path(pool): Path<String>) -> Response {
    json_response(app.with_world(|w| w.jwks(&pool)), "The user pool")
}

async fn openid_configuration(State(app): State<Arc<App>>, Path(pool): Path<String>) -> Response {
    let config = app.with_world(|w| {
        w.issuer(&pool).map(|iss| {
            json!({
                "issuer": iss,
                "jwks_uri": format!("{iss}/.well-known/jwks.json"),
                "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public"],
                "response_types_supported": ["code", "token"],
            })
        })
    });
    json_response(config, "The user pool")
}

async fn outbox(State(app): State<Arc<App>>, Path(pool): Path<String>) -> Response {
    json_response(app.with_world(|w| w.outbox(&pool)), "The user pool")
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"message": "Not found: operations are POST / with X-Amz-Target."})),
    )
        .into_response()
}

/// The routes: `POST /` (the operations), `GET /<pool>/.well-known/jwks.json`,
/// `GET /<pool>/.well-known/openid-configuration`, `GET /_outbox/<pool>`, with CORS for
/// browser pages on any origin.
pub fn router(app: Arc<App>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([
            header::HeaderName::from_static("x-amzn-requestid"),
            header::HeaderName::from_static("x-amzn-errortype"),
            header::DATE,
        ])
        .max_age(Duration::from_secs(600));
    Router::new()
        .route("/", post(operation))
        .route("/_outbox/{pool}", get(outbox))
        .route("/{pool}/.well-known/jwks.json", get(jwks))
        .route(
            "/{pool}/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .fallback(not_found)
        .layer(cors)
        .with_state(app)
}

/// Serves `router` on `listener` until the process ends: HTTP/1.1 with keep-alive, each
/// connection given `read_timeout` to send a request's headers.
///
/// # Errors
/// Never, but for the listener failing outright.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    read_timeout: Duration,
) -> std::io::Result<()> {
    loop {
        let (stream, _peer): (_, SocketAddr) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, and go on serving the others.
                eprintln!("cognito-signin-server: accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(read_timeout)
                .keep_alive(true);
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
