//! The JSON layer the bindings share (`bindings/json/`), fed arbitrary text: a configuration,
//! a start, then replies and answers, each a part of the input between 0xFF bytes (the first
//! byte of a later part chooses reply or answer; invalid UTF-8 is replaced). What must hold:
//! no panic; every error has the JSON form; a caller's mistake (bad JSON, a misuse) changes
//! nothing observable and a final error finishes the machine; every step is JSON of the form.
//! The hand-written unescaping of a reply's `body` is checked against serde_json's reading of
//! every JSON string the input holds.
#![no_main]

use cognito_signin_fuzz::harness::rng::FuzzRng;
use cognito_signin_json::{CallError, Conversation};
use serde_json::Value;

const NOW: u64 = 1_800_000_000;

/// The error in its JSON form: an object with the five members.
fn check_error(e: &CallError) {
    let json: Value = serde_json::from_str(&e.to_json()).expect("the error's JSON");
    for member in ["type", "kind", "field", "status", "message"] {
        assert!(json.get(member).is_some(), "{member} missing in {json}");
    }
}

fn check_step(step: &str) {
    let json: Value = serde_json::from_str(step).expect("the step's JSON");
    assert!(
        matches!(json["type"].as_str(), Some("send" | "needInput" | "done")),
        "{json}"
    );
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xff);
    let text = |part: Option<&[u8]>| String::from_utf8_lossy(part.unwrap_or_default()).into_owned();
    let (config, start) = (text(parts.next()), text(parts.next()));
    let mut rng = FuzzRng::new(data.len() as u64);
    let mut machine = match Conversation::start(&config, &start, NOW, &mut rng) {
        Ok((machine, request)) => {
            let json: Value = serde_json::from_str(&request).expect("the request's JSON");
            assert!(json["body"].is_string());
            machine
        }
        Err(e) => {
            check_error(&e);
            return;
        }
    };
    for part in parts.take(16) {
        let (&kind, rest) = part.split_first().unwrap_or((&0, &[]));
        let input = String::from_utf8_lossy(rest);
        let (finished, username) = (machine.is_finished(), machine.username().to_owned());
        let result = if kind & 1 == 0 {
            // The hand-written unescaping of a reply's body reads every JSON string in it as
            // serde_json does.
            if let Ok(Value::Object(reply)) = serde_json::from_str::<Value>(&input) {
                for value in reply.values() {
                    let raw = value.to_string();
                    assert_eq!(
                        cognito_signin_json::unescape_for_fuzzing(&raw),
                        value.as_str().map(str::to_owned),
                        "{raw}"
                    );
                }
            }
            if let Ok(raw) = serde_json::from_str::<&serde_json::value::RawValue>(&input) {
                let direct: Option<String> = serde_json::from_str(raw.get()).ok();
                assert_eq!(
                    cognito_signin_json::unescape_for_fuzzing(raw.get()),
                    direct,
                    "{raw}"
                );
            }
            machine.handle(&input, NOW, &mut rng)
        } else {
            machine.answer(&input, NOW, &mut rng)
        };
        match result {
            Ok(step) => check_step(&step),
            Err(e) => {
                check_error(&e);
                if e.is_final() {
                    assert!(machine.is_finished());
                } else {
                    assert_eq!(
                        machine.is_finished(),
                        finished,
                        "a mistake changed the machine"
                    );
                    assert_eq!(
                        machine.username(),
                        username,
                        "a mistake changed the machine"
                    );
                }
            }
        }
    }
});
