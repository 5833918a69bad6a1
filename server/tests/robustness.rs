//! Bad input and bad clients: each gets Cognito's error or a time-out, and the server goes on
//! serving everyone else. The state survives a crash in the middle of a burst of writes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cognito_signin::{Config, Password, Start};
use common::{Server, TARGET_PREFIX, no_questions, pool, scratch};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Robust0001";
const CLIENT: &str = "robustclient1";

fn world() -> Value {
    json!({"UserPools": [pool(POOL, CLIENT,
        json!([{"Username": "alice", "Password": "Correct-Horse-1"}]), json!({}))]})
}

/// A server with a short read time-out, so stalled clients are cut off quickly.
fn server(extra: &[&str]) -> Server {
    let dir = scratch("robust");
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec(&world()).unwrap()).unwrap();
    let mut args = vec!["--config", path.to_str().unwrap(), "--read-timeout", "1"];
    args.extend_from_slice(extra);
    Server::start(&args)
}

/// The server still signs users in.
fn still_serving(server: &Server) {
    let config = Config::new(POOL, CLIENT).unwrap();
    let done = server
        .sign_in(
            &config,
            Start::user_srp("alice", Password::new("Correct-Horse-1")),
            no_questions,
        )
        .unwrap();
    assert_eq!(done.username, "alice");
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection; what it sent.
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn malformed_requests_get_cognitos_errors() {
    let server = server(&[]);
    let op = |name: &str| format!("{TARGET_PREFIX}{name}");
    let cases: Vec<(String, Vec<u8>, u16, &str)> = vec![
        (op("InitiateAuth"), b"{not json".to_vec(), 400, "SerializationException"),
        (op("InitiateAuth"), b"[1, 2]".to_vec(), 400, "SerializationException"),
        (op("InitiateAuth"), b"\"text\"".to_vec(), 400, "SerializationException"),
        (op("InitiateAuth"), Vec::new(), 400, "SerializationException"),
        (op("InitiateAuth"), vec![0xff, 0xfe, 0x00], 400, "SerializationException"),
        (op("NoSuchOperation"), b"{}".to_vec(), 400, "UnknownOperationException"),
        (
            "AWSCognitoIdentityService.GetId".into(),
            b"{}".to_vec(),
            400,
            "UnknownOperationException",
        ),
        (
            op("InitiateAuth"),
            br#"{"ClientId": "robustclient1", "AuthFlow": "NO_SUCH_FLOW", "AuthParameters": {}}"#
                .to_vec(),
            400,
            "InvalidParameterException",
        ),
        (
            op("InitiateAuth"),
            br#"{"ClientId": "robustclient1", "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": 7}}"#
                .to_vec(),
            400,
            "SerializationException",
        ),
        (op("AdminGetUser"), br#"{"UserPoolId": "us-east-1_Nowhere01", "Username": "x"}"#.to_vec(), 400, "ResourceNotFoundException"),
        (op("GetUser"), br#"{"AccessToken": "not-a-token"}"#.to_vec(), 400, "NotAuthorizedException"),
        (op("CreateUserPool"), br#"{"PoolName": "p", "LambdaConfig": {"PreSignUp": "arn:aws:lambda:us-east-1:0:function:f"}}"#.to_vec(), 400, "InvalidParameterException"),
    ];
    for (target, body, status, kind) in cases {
        let (got_status, got_kind, value) = server.raw(&target, &body);
        assert_eq!(
            (got_status, got_kind.as_deref()),
            (status, Some(kind)),
            "{target} {:?}: {value}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(value["__type"], kind);
        assert!(
            value["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{value}"
        );
    }

    // No X-Amz-Target at all.
    let mut stream = connect(&server);
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        .unwrap();
    let reply = read_to_close(&mut stream);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("UnknownOperationException"), "{reply}");
    // Not HTTP at all.
    let mut stream = connect(&server);
    stream
        .write_all(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
        .unwrap();
    let reply = read_to_close(&mut stream);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 400"),
        "{reply}"
    );
    // Other paths and methods.
    assert_eq!(server.get("/").0, 405);
    assert_eq!(server.get("/nothing/here").0, 404);
    assert_eq!(
        server.get("/us-east-1_Nowhere01/.well-known/jwks.json").0,
        404
    );
    assert_eq!(server.get(&format!("/{POOL}/.well-known/jwks.json")).0, 200);
    still_serving(&server);
}

#[test]
fn a_body_over_the_limit_is_refused() {
    let server = server(&["--body-limit", "4096"]);
    let big = format!(r#"{{"ClientId": "{}"}}"#, "x".repeat(10_000));
    let (status, kind, value) = server.raw(&format!("{TARGET_PREFIX}InitiateAuth"), big.as_bytes());
    assert_eq!(
        (status, kind.as_deref()),
        (413, Some("SerializationException")),
        "{value}"
    );
    // Sent in chunks without a length: the limit holds too.
    let mut stream = connect(&server);
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        .unwrap();
    for _ in 0..3 {
        let _ = stream.write_all(format!("800\r\n{}\r\n", "a".repeat(0x800)).as_bytes());
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let reply = read_to_close(&mut stream);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    still_serving(&server);
}

#[test]
fn stalled_clients_time_out_while_others_are_served() {
    let server = server(&[]);
    // Half the headers, then nothing.
    let mut headers = connect(&server);
    headers
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Tar")
        .unwrap();
    // All the headers and half the body, then nothing.
    let mut body = connect(&server);
    body.write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\nContent-Length: 100\r\n\r\n{\"ClientId\":")
        .unwrap();
    let started = Instant::now();
    // Meanwhile the server serves others.
    still_serving(&server);
    let stalled_headers = read_to_close(&mut headers);
    assert!(
        stalled_headers.is_empty() || stalled_headers.starts_with("HTTP/1.1 408"),
        "{stalled_headers}"
    );
    let stalled_body = read_to_close(&mut body);
    assert!(stalled_body.starts_with("HTTP/1.1 408"), "{stalled_body}");
    assert!(stalled_body.contains("RequestTimeout"), "{stalled_body}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    still_serving(&server);
}

#[test]
fn a_thousand_idle_connections_neither_block_others_nor_stay_open() {
    let server = server(&[]);
    let idle: Vec<TcpStream> = (0..1000).map(|_| connect(&server)).collect();
    still_serving(&server);
    // A connection that sent nothing is closed after the read time-out.
    let started = Instant::now();
    let mut closed = 0;
    for mut stream in idle {
        let mut buf = [0u8; 64];
        if let Ok(0) = stream.read(&mut buf) {
            closed += 1;
        }
    }
    assert_eq!(closed, 1000);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    still_serving(&server);
}

#[test]
fn cors_preflight_and_headers_let_a_page_on_another_origin_call() {
    let server = server(&[]);
    let mut stream = connect(&server);
    stream
        .write_all(b"OPTIONS / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1:8080\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type,x-amz-target,x-amz-user-agent\r\nConnection: close\r\n\r\n")
        .unwrap();
    let reply = read_to_close(&mut stream).to_ascii_lowercase();
    assert!(reply.starts_with("http/1.1 200"), "{reply}");
    assert!(reply.contains("access-control-allow-origin: *"), "{reply}");
    assert!(reply.contains("access-control-allow-methods:"), "{reply}");
    assert!(reply.contains("post"), "{reply}");
    let mut stream = connect(&server);
    let body = br#"{"AccessToken": "x"}"#;
    stream
        .write_all(
            format!("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1:8080\r\nX-Amz-Target: AWSCognitoIdentityProviderService.GetUser\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                .as_bytes(),
        )
        .unwrap();
    stream.write_all(body).unwrap();
    let reply = read_to_close(&mut stream).to_ascii_lowercase();
    assert!(reply.starts_with("http/1.1 400"), "{reply}");
    for header in [
        "access-control-allow-origin: *",
        "access-control-expose-headers:",
        "x-amzn-errortype: notauthorizedexception",
        "x-amzn-requestid:",
        "content-type: application/x-amz-json-1.1",
        "date:",
    ] {
        assert!(reply.contains(header), "{header} missing: {reply}");
    }
}

#[test]
fn every_acknowledged_user_survives_kill_9() {
    let dir = scratch("state");
    let state = dir.join("state.json");
    let state_arg = state.to_str().unwrap().to_owned();
    let config = dir.join("config.json");
    std::fs::write(&config, serde_json::to_vec(&world()).unwrap()).unwrap();
    let mut server = Server::start(&["--config", config.to_str().unwrap(), "--state", &state_arg]);
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let url = server.url.clone();
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let acknowledged = Arc::clone(&acknowledged);
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .new_agent();
                for i in 0..1000 {
                    let name = format!("user-{t}-{i}");
                    let body = json!({"UserPoolId": POOL, "Username": name,
                        "TemporaryPassword": "Temporary-1", "MessageAction": "SUPPRESS"});
                    let sent = agent
                        .post(format!("{url}/"))
                        .header("X-Amz-Target", format!("{TARGET_PREFIX}AdminCreateUser"))
                        .send(serde_json::to_vec(&body).unwrap());
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            acknowledged.lock().unwrap().insert(name);
                        }
                        // The server is gone.
                        _ => return,
                    }
                }
            })
        })
        .collect();
    // Kill it in the middle of the burst.
    while acknowledged.lock().unwrap().len() < 40 {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill();
    for w in writers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 40);
    // The file parses, and a restarted server has every acknowledged user.
    let text = std::fs::read(&state).unwrap();
    let parsed: Value = serde_json::from_slice(&text).expect("the state file parses");
    assert_eq!(parsed["Version"], 1);
    // It holds keys, verifiers and tokens: readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let server = Server::start(&["--state", &state_arg]);
    let mut listed = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"UserPoolId": POOL});
        if let Some(t) = &token {
            body["PaginationToken"] = json!(t);
        }
        let page = server.ok("ListUsers", body);
        for u in page["Users"].as_array().unwrap() {
            listed.insert(u["Username"].as_str().unwrap().to_owned());
        }
        match page["PaginationToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    let missing: Vec<_> = acknowledged.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "lost {} acknowledged users: {missing:?}",
        missing.len()
    );
    // The restarted server still signs in the configured user and a created one.
    still_serving(&server);
    let created = acknowledged.iter().next().unwrap();
    let user = server.ok(
        "AdminGetUser",
        json!({"UserPoolId": POOL, "Username": created}),
    );
    assert_eq!(user["UserStatus"], "FORCE_CHANGE_PASSWORD");
}
