//! Every case of every vector file: `tests/vectors` in the repository, or the
//! directory named by `COGNITO_VECTORS_DIR`. A missing file or an unreadable case fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc
)]

use std::path::PathBuf;

use cognito_signin::srp::{
    self, Ephemeral, Identity, PowersOfG, PrivateSize, ServerChallenge, ServerSession, Verifier,
    compute_x, pad_hex,
};
use cognito_signin::{ClientSecret, DeviceRegistration, Password, UnixTime, secret_hash};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    match std::env::var_os("COGNITO_VECTORS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"),
    }
}

fn load(file: &str) -> Value {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"))
}

fn cases(file: &str) -> Vec<Value> {
    match load(file) {
        Value::Array(cases) => cases,
        _ => panic!("{file}: expected a JSON array of cases"),
    }
}

/// A required string field.
fn s<'a>(case: &'a Value, field: &str) -> &'a str {
    case.get(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("case {}: field {field} missing or not a string", id(case)))
}

/// An optional string field (absent or null gives None).
fn opt<'a>(case: &'a Value, field: &str) -> Option<&'a str> {
    case.get(field).and_then(Value::as_str)
}

fn id(case: &Value) -> String {
    case.get("id")
        .and_then(Value::as_str)
        .unwrap_or("<no id>")
        .to_string()
}

fn expect_error(case: &Value) -> bool {
    case.get("expect_error")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn unix_seconds(case: &Value) -> u64 {
    case.get("unix_seconds")
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("case {}: unix_seconds missing", id(case)))
}

fn unhex(text: &str) -> Vec<u8> {
    let text = if text.len() % 2 == 1 {
        format!("0{text}")
    } else {
        text.to_string()
    };
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex in a vector"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An integer's hex normalised: lower case, no leading zeros.
fn int_hex(text: &str) -> String {
    let t = text.trim_start_matches('0').to_ascii_lowercase();
    if t.is_empty() { "0".into() } else { t }
}

fn int_of(bytes: &[u8]) -> String {
    int_hex(&hex(bytes))
}

fn check_utf8(case: &Value, field: &str) {
    if let Some(expected) = opt(case, &format!("{field}_utf8_hex")) {
        assert_eq!(
            hex(s(case, field).as_bytes()),
            expected,
            "{}: {field} bytes",
            id(case)
        );
    }
}

fn report(file: &str, n: usize) {
    assert!(n > 0, "{file}: no cases");
    println!("{file}: {n} cases passed");
}

#[test]
fn constants() {
    let c = load("constants.json");
    assert_eq!(
        hex(&srp::modulus()),
        s(&c, "N_hex").to_ascii_lowercase(),
        "bad N"
    );
    assert_eq!(
        int_hex(s(&c, "g_hex")),
        format!("{:x}", srp::GENERATOR),
        "bad g"
    );
    assert_eq!(hex(&srp::MULTIPLIER), int_hex(s(&c, "k_hex")), "bad k");
    if let Some(input) = opt(&c, "k_hash_input_hex") {
        let mut expected = pad_hex(&srp::modulus());
        expected.extend(pad_hex(&[srp::GENERATOR]));
        assert_eq!(
            hex(&expected),
            input.to_ascii_lowercase(),
            "bad k hash input"
        );
    }
    report("constants.json", 1);
}

#[test]
fn secret_hashes() {
    let all = cases("secret_hash.json");
    for case in &all {
        check_utf8(case, "username");
        let got = secret_hash(
            &ClientSecret::new(s(case, "client_secret")),
            s(case, "username"),
            s(case, "client_id"),
        );
        if expect_error(case) {
            assert_ne!(
                Some(got.as_str()),
                opt(case, "secret_hash_b64"),
                "{}",
                id(case)
            );
        } else {
            assert_eq!(
                got,
                s(case, "secret_hash_b64"),
                "{}: bad SECRET_HASH",
                id(case)
            );
        }
    }
    report("secret_hash.json", all.len());
}

#[test]
fn srp_a() {
    let all = cases("srp_a.json");
    for (case, table) in all
        .iter()
        .flat_map(|case| [(case, None), (case, Some(powers_of_g()))])
    {
        let eph = ephemeral(&unhex(s(case, "a_hex")), table);
        if expect_error(case) {
            assert!(eph.is_err(), "{}: expected an error", id(case));
            continue;
        }
        let eph = eph.unwrap_or_else(|e| panic!("{}: {e}", id(case)));
        assert_eq!(
            eph.public_hex(),
            int_hex(s(case, "A_hex")),
            "{}: bad A",
            id(case)
        );
        if let Some(padded) = opt(case, "A_padhex") {
            assert_eq!(
                hex(&eph.public_padded()),
                padded,
                "{}: bad padHex(A)",
                id(case)
            );
        }
    }
    report("srp_a.json", all.len());
}

#[test]
fn timestamps() {
    let all = cases("timestamp.json");
    for case in &all {
        let got = UnixTime(unix_seconds(case)).cognito_timestamp();
        if expect_error(case) {
            assert!(got.is_err(), "{}: expected an error", id(case));
        } else {
            assert_eq!(
                got.unwrap(),
                s(case, "formatted"),
                "{}: bad TIMESTAMP",
                id(case)
            );
        }
    }
    report("timestamp.json", all.len());
}

/// A table of powers of g covering 1024-bit private values, built once for the tests.
fn powers_of_g() -> &'static PowersOfG {
    static TABLE: std::sync::LazyLock<PowersOfG> =
        std::sync::LazyLock::new(|| PowersOfG::new(PrivateSize::Bits1024));
    &TABLE
}

/// `Ephemeral::from_private_bytes`, or the same with the caller's table.
fn ephemeral(
    a: &[u8],
    table: Option<&'static PowersOfG>,
) -> Result<Ephemeral, cognito_signin::Error> {
    match table {
        Some(t) => Ephemeral::from_private_bytes_with(a, t),
        None => Ephemeral::from_private_bytes(a),
    }
}

/// One verifier case, user or device: client side, then server side where given; with the
/// shared table (or none, without `std`) and with the caller's own.
fn run_verifier_case(case: &Value, identity: &Identity<'_>, password: &Password) {
    run_verifier_case_with(case, identity, password, None);
    run_verifier_case_with(case, identity, password, Some(powers_of_g()));
}

fn run_verifier_case_with(
    case: &Value,
    identity: &Identity<'_>,
    password: &Password,
    table: Option<&'static PowersOfG>,
) {
    let name = id(case);
    let outcome = ephemeral(&unhex(s(case, "a_hex")), table).and_then(|eph| {
        let challenge = ServerChallenge::parse(
            s(case, "salt_hex"),
            s(case, "srp_b_hex"),
            s(case, "secret_block_b64"),
        )?;
        let (claim, t) = eph.respond_with_transcript(
            identity,
            password,
            &challenge,
            UnixTime(unix_seconds(case)),
        )?;
        Ok((eph, claim, t))
    });
    if expect_error(case) {
        assert!(outcome.is_err(), "{name}: expected an error");
        return;
    }
    let (eph, claim, t) = outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
    if let Some(a) = opt(case, "A_hex") {
        assert_eq!(eph.public_hex(), int_hex(a), "{name}: bad A");
    }
    if let Some(k) = opt(case, "k_hex") {
        assert_eq!(hex(&srp::MULTIPLIER), int_hex(k), "{name}: bad k");
    }
    assert_eq!(
        int_of(t.u_padded()),
        int_hex(s(case, "u_hex")),
        "{name}: bad u"
    );
    assert_eq!(
        int_of(t.x().expose_secret()),
        int_hex(s(case, "x_hex")),
        "{name}: bad x"
    );
    assert_eq!(
        int_of(t.premaster_padded().expose_secret()),
        int_hex(s(case, "s_hex")),
        "{name}: bad S"
    );
    if let Some(v) = opt(case, "salt_padhex") {
        assert_eq!(hex(t.salt_padded()), v, "{name}: bad padHex(salt)");
    }
    if let Some(v) = opt(case, "hkdf_salt_hex") {
        assert_eq!(hex(t.u_padded()), v, "{name}: bad padHex(u)");
    }
    if let Some(v) = opt(case, "hkdf_ikm_hex") {
        assert_eq!(
            hex(t.premaster_padded().expose_secret()),
            v,
            "{name}: bad padHex(S)"
        );
    }
    assert_eq!(
        hex(t.key().expose_secret()),
        s(case, "hkdf_key_hex"),
        "{name}: bad HKDF key"
    );
    assert_eq!(
        claim.timestamp,
        s(case, "timestamp"),
        "{name}: bad TIMESTAMP"
    );
    assert_eq!(
        claim.signature,
        s(case, "signature_b64"),
        "{name}: bad signature"
    );
    assert_eq!(
        claim.secret_block,
        s(case, "secret_block_b64"),
        "{name}: bad secret block echo"
    );

    // Server side: the verifier from the password, B from b, S from A, and the claim verifies.
    if let (Some(b_hex), Some(v_hex)) = (opt(case, "b_hex"), opt(case, "verifier_hex")) {
        let verifier = Verifier::with_salt_hex(identity, password, s(case, "salt_hex")).unwrap();
        assert_eq!(
            int_of(verifier.verifier_padded()),
            int_hex(v_hex),
            "{name}: bad verifier"
        );
        assert_eq!(
            verifier.salt_padded(),
            t.salt_padded(),
            "{name}: server salt"
        );
        let server = ServerSession::from_private_bytes(verifier, &unhex(b_hex)).unwrap();
        assert_eq!(
            server.public_hex(),
            int_hex(s(case, "srp_b_hex")),
            "{name}: bad server B"
        );
        let (u, s_padded) = server.premaster(&eph.public_hex()).unwrap();
        assert_eq!(u, t.u_padded(), "{name}: server u");
        assert_eq!(&s_padded, t.premaster_padded(), "{name}: server S");
        let block = base64_decode(s(case, "secret_block_b64"));
        server
            .verify(
                identity,
                &eph.public_hex(),
                &block,
                &claim.timestamp,
                &claim.signature,
            )
            .unwrap_or_else(|e| panic!("{name}: server refused the claim: {e}"));
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[test]
fn password_verifier() {
    let all = cases("password_verifier.json");
    for case in &all {
        for f in ["username", "user_id_for_srp", "password"] {
            check_utf8(case, f);
        }
        let identity = Identity::user(s(case, "user_pool_id"), s(case, "user_id_for_srp")).unwrap();
        if let Some(pool_name) = opt(case, "pool_name") {
            let pool_id = format!("x_{pool_name}");
            let expected = Identity::user(&pool_id, s(case, "user_id_for_srp")).unwrap();
            assert_eq!(identity, expected, "{}: pool name", id(case));
        }
        run_verifier_case(case, &identity, &Password::new(s(case, "password")));
    }
    report("password_verifier.json", all.len());
}

#[test]
fn device_password_verifier() {
    let all = cases("device_password_verifier.json");
    let confirm = cases("confirm_device.json");
    for case in &all {
        if let Some(chained) = opt(case, "chained_confirm_device_id") {
            let origin = confirm
                .iter()
                .find(|c| id(c) == chained)
                .unwrap_or_else(|| panic!("{}: chained case {chained} not found", id(case)));
            for f in ["device_group_key", "device_key", "device_password"] {
                assert_eq!(
                    s(case, f),
                    s(origin, f),
                    "{}: {f} differs from {chained}",
                    id(case)
                );
            }
        }
        let identity = Identity::device(s(case, "device_group_key"), s(case, "device_key"));
        run_verifier_case(case, &identity, &Password::new(s(case, "device_password")));
    }
    report("device_password_verifier.json", all.len());
}

#[test]
fn confirm_device() {
    let all = cases("confirm_device.json");
    for case in &all {
        let name = id(case);
        let pw: [u8; 40] = unhex(s(case, "device_password_random_hex"))
            .try_into()
            .expect("40 bytes");
        let salt: [u8; 16] = unhex(s(case, "salt_random_hex"))
            .try_into()
            .expect("16 bytes");
        let reg = DeviceRegistration::from_random_bytes(
            s(case, "device_group_key"),
            s(case, "device_key"),
            &pw,
            &salt,
        );
        if expect_error(case) {
            assert_ne!(
                Some(reg.password_verifier().as_str()),
                opt(case, "password_verifier_b64")
            );
            continue;
        }
        assert_eq!(
            reg.device_password().expose_secret(),
            s(case, "device_password"),
            "{name}: bad device password"
        );
        assert_eq!(
            hex(reg.verifier().salt_padded()),
            s(case, "salt_hex"),
            "{name}: bad salt"
        );
        let identity = Identity::device(s(case, "device_group_key"), s(case, "device_key"));
        let x = compute_x(
            &identity,
            reg.device_password(),
            reg.verifier().salt_padded(),
        );
        assert_eq!(
            int_of(x.expose_secret()),
            int_hex(s(case, "x_hex")),
            "{name}: bad x"
        );
        assert_eq!(
            int_of(reg.verifier().verifier_padded()),
            int_hex(s(case, "verifier_hex")),
            "{name}: bad verifier"
        );
        assert_eq!(
            reg.password_verifier(),
            s(case, "password_verifier_b64"),
            "{name}: bad PasswordVerifier"
        );
        assert_eq!(reg.salt(), s(case, "salt_b64"), "{name}: bad Salt");
    }
    report("confirm_device.json", all.len());
}
