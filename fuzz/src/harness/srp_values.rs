//! `srp_server_values`: arbitrary `SALT`, `SRP_B`, `SECRET_BLOCK`, user names, passwords and
//! private values into the SRP core, both sides.
//!
//! The client side is checked against an independent computation (num-bigint, the hash
//! crates): which error a value gets, and for accepted values every intermediate and the
//! claim signature. The server side checks that `Verifier::from_config` accepts exactly
//! what it should and re-serializes to an equal verifier, that an honest exchange verifies
//! for any names, passwords and salts while a wrong password or a flipped signature bit is
//! refused, and that arbitrary `SRP_A` and signatures get typed errors.

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use cognito_signin::srp::{
    self, Ephemeral, Identity, MAX_HEX_DIGITS, MAX_SECRET_BLOCK_CHARS, ServerChallenge,
    ServerSession, Verifier,
};
use cognito_signin::{Error, Misuse, Password, ProtocolError, UnixTime};
use hmac::{Hmac, KeyInit, Mac};
use num_bigint::{BigInt, BigUint, Sign};
use sha2::{Digest, Sha256};

use super::cut;
use super::input::Input;
use super::script::{SALT_HEX, SECRET_BLOCK, SRP_B_HEX};
use super::timestamp::expected_timestamp;

fn n() -> BigUint {
    BigUint::from_bytes_be(&srp::modulus())
}

fn k() -> BigUint {
    BigUint::from_bytes_be(&srp::MULTIPLIER)
}

fn g() -> BigUint {
    BigUint::from(srp::GENERATOR)
}

/// padHex: Java's `BigInteger.toByteArray()`.
fn pad(v: &BigInt) -> Vec<u8> {
    v.to_signed_bytes_be()
}

fn pad_u(v: &BigUint) -> Vec<u8> {
    pad(&BigInt::from(v.clone()))
}

/// The hex rules: optional `-` (signed only), then 1 to `max` hex digits.
fn model_hex(field: &'static str, text: &str, signed: bool) -> Result<BigInt, ProtocolError> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return Err(if text.is_empty() {
            ProtocolError::EmptyField(field)
        } else {
            ProtocolError::BadHex(field)
        });
    }
    if digits.len() > MAX_HEX_DIGITS {
        return Err(ProtocolError::FieldTooLong(field));
    }
    if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(ProtocolError::BadHex(field));
    }
    let magnitude = BigUint::parse_bytes(digits.as_bytes(), 16).expect("hex digits");
    let sign = if negative { Sign::Minus } else { Sign::Plus };
    Ok(BigInt::from_biguint(sign, magnitude))
}

/// The base64 rules: not empty, at most `max` characters, standard or URL-safe alphabet
/// (URL-safe when `-` or `_` occurs), padding optional, canonical trailing bits.
fn model_base64(field: &'static str, text: &str, max: usize) -> Result<Vec<u8>, ProtocolError> {
    if text.is_empty() {
        return Err(ProtocolError::EmptyField(field));
    }
    if text.len() > max {
        return Err(ProtocolError::FieldTooLong(field));
    }
    let url = text.contains(['-', '_']);
    let engine = GeneralPurpose::new(
        if url {
            &alphabet::URL_SAFE
        } else {
            &alphabet::STANDARD
        },
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(false),
    );
    let bytes = engine
        .decode(text)
        .map_err(|_| ProtocolError::BadBase64(field))?;
    // Independent of the decoder's leniency: re-encoding must give the text back, less
    // its padding.
    let unpadded = GeneralPurpose::new(
        if url {
            &alphabet::URL_SAFE
        } else {
            &alphabet::STANDARD
        },
        GeneralPurposeConfig::new().with_encode_padding(false),
    )
    .encode(&bytes);
    assert_eq!(unpadded, text.trim_end_matches('='), "base64 is canonical");
    Ok(bytes)
}

/// What the client side must compute, or the error it must return.
struct Expected {
    u_padded: Vec<u8>,
    x: Vec<u8>,
    s_padded: Vec<u8>,
    key: Vec<u8>,
    signature: String,
}

/// `x = H(padHex(salt) | H(realm | user | ":" | password))`.
fn model_x(realm: &str, user: &str, password: &str, salt: &BigInt) -> [u8; 32] {
    let inner = Sha256::new()
        .chain_update(realm.as_bytes())
        .chain_update(user.as_bytes())
        .chain_update(b":")
        .chain_update(password.as_bytes())
        .finalize();
    Sha256::new()
        .chain_update(pad(salt))
        .chain_update(inner)
        .finalize()
        .into()
}

#[allow(clippy::too_many_arguments)]
fn oracle(
    a: &[u8],
    realm: &str,
    user: &str,
    password: &str,
    salt_hex: &str,
    b_hex: &str,
    block: &str,
    now: UnixTime,
    short: bool,
) -> Result<Expected, Error> {
    let salt = model_hex("SALT", salt_hex, true)?;
    let b_int = model_hex("SRP_B", b_hex, false)?;
    let b = b_int.magnitude().clone();
    let n = n();
    if (&b % &n) == BigUint::ZERO {
        return Err(ProtocolError::IllegalValue("SRP_B").into());
    }
    let block_bytes = model_base64("SECRET_BLOCK", block, MAX_SECRET_BLOCK_CHARS)?;
    let timestamp = expected_timestamp(now.0).ok_or(Misuse::TimeOutOfRange)?;
    let a = BigUint::from_bytes_be(cut(a, short));
    let big_a = g().modpow(&a, &n);
    let u: [u8; 32] = Sha256::new()
        .chain_update(pad_u(&big_a))
        .chain_update(pad_u(&b))
        .finalize()
        .into();
    if BigUint::from_bytes_be(&u) == BigUint::ZERO {
        return Err(ProtocolError::IllegalValue("u").into());
    }
    let u_int = BigUint::from_bytes_be(cut(&u, short));
    let x = model_x(realm, user, password, &salt);
    let x_int = BigUint::from_bytes_be(cut(&x, short));
    let kv = (k() * g().modpow(&x_int, &n)) % &n;
    let base = ((&b % &n) + &n - kv) % &n;
    if base == BigUint::ZERO {
        return Err(ProtocolError::IllegalValue("SRP_B").into());
    }
    let s = base.modpow(&(a + &u_int * &x_int), &n);
    let u_padded = pad_u(&BigUint::from_bytes_be(&u));
    let s_padded = pad_u(&s);
    let mut key = [0u8; 16];
    hkdf::Hkdf::<Sha256>::new(Some(&u_padded), &s_padded)
        .expand(b"Caldera Derived Key", &mut key)
        .expect("16 bytes");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("any key length");
    mac.update(realm.as_bytes());
    mac.update(user.as_bytes());
    mac.update(&block_bytes);
    mac.update(timestamp.as_bytes());
    Ok(Expected {
        u_padded,
        x: x.to_vec(),
        s_padded,
        key: key.to_vec(),
        signature: STANDARD.encode(mac.finalize().into_bytes()),
    })
}

/// `SRP_B` as the input chooses it: raw text, or a value next to the interesting ones.
fn choose_b(
    inp: &mut Input<'_>,
    password: &str,
    realm: &str,
    user: &str,
    salt: &str,
    short: bool,
) -> String {
    let n = n();
    let hex = |v: &BigUint| v.to_str_radix(16);
    match inp.byte() % 12 {
        0..=3 => inp.string(1100),
        4 => SRP_B_HEX.to_owned(),
        5 => SRP_B_HEX.to_uppercase(),
        6 => format!("{}{}", "0".repeat(inp.below(300)), SRP_B_HEX),
        7 => hex(&(n * BigUint::from(inp.byte()))),
        8 => hex(&(n + BigUint::from(inp.byte()))),
        _ => {
            // B = k·g^x (+ t·N): a zero shared secret. Needs the model's x, so only for a
            // salt that parses.
            let Ok(salt) = model_hex("SALT", salt, true) else {
                return inp.string(64);
            };
            let x = model_x(realm, user, password, &salt);
            let x = BigUint::from_bytes_be(cut(&x, short));
            let kv = (k() * g().modpow(&x, &n)) % &n;
            hex(&(kv + n * BigUint::from(inp.byte() % 3)))
        }
    }
}

fn choose_salt(inp: &mut Input<'_>) -> String {
    match inp.byte() % 6 {
        0..=2 => inp.string(200),
        3 => SALT_HEX.to_owned(),
        4 => format!("-{}", SALT_HEX.to_uppercase()),
        _ => "-".to_owned(),
    }
}

fn choose_block(inp: &mut Input<'_>) -> String {
    match inp.byte() % 4 {
        0 | 1 => inp.string(2048),
        2 => SECRET_BLOCK.to_owned(),
        _ => SECRET_BLOCK.trim_end_matches('=').replace('+', "-"),
    }
}

/// A private value: 1 to 128 bytes from the input, never all zero.
fn private(inp: &mut Input<'_>) -> Vec<u8> {
    let mut a = inp.bytes(128).to_vec();
    if a.iter().all(|&b| b == 0) {
        a.push(1);
    }
    a
}

fn client(inp: &mut Input<'_>, short: bool) {
    let a = private(inp);
    let pool_name = inp.string(24);
    let pool = format!("us-east-1_{pool_name}");
    let user = inp.string(64);
    let password = inp.string(64);
    let salt = choose_salt(inp);
    let b = choose_b(inp, &password, &pool_name, &user, &salt, short);
    let block = choose_block(inp);
    let now = UnixTime(if inp.bool() { inp.u64() } else { 1_800_000_000 });
    let Ok(identity) = Identity::user(&pool, &user) else {
        assert!(pool_name.is_empty(), "a pool id with a name is accepted");
        return;
    };
    let eph = Ephemeral::from_private_bytes(&a).expect("a non-zero value of at most 128 bytes");
    let want = oracle(
        &a, &pool_name, &user, &password, &salt, &b, &block, now, short,
    );
    let got = ServerChallenge::parse(&salt, &b, &block).and_then(|challenge| {
        let padded = challenge.salt_padded().to_vec();
        let again = ServerChallenge::parse(&salt, &b, &block).expect("parse is deterministic");
        assert_eq!(challenge, again);
        eph.respond_with_transcript(
            &identity,
            &Password::new(password.as_str()),
            &challenge,
            now,
        )
        .map(|(claim, t)| (claim, t, padded))
    });
    match (want, got) {
        (Ok(want), Ok((claim, t, salt_padded))) => {
            assert_eq!(salt_padded, t.salt_padded(), "salt");
            assert_eq!(t.u_padded(), want.u_padded, "u");
            assert_eq!(t.x().expose_secret(), want.x, "x");
            assert_eq!(t.premaster_padded().expose_secret(), want.s_padded, "S");
            assert_eq!(t.key().expose_secret(), want.key, "key");
            assert_eq!(claim.signature, want.signature, "signature");
            assert_eq!(
                claim.secret_block, block,
                "SECRET_BLOCK is echoed unchanged"
            );
            assert_eq!(Some(claim.timestamp), expected_timestamp(now.0));
        }
        (Err(want), Err(got)) => assert_eq!(got, want, "the error"),
        (want, got) => panic!(
            "model {:?} but crate {:?}",
            want.map(|e| e.signature),
            got.map(|(c, _, _)| c.signature)
        ),
    }
}

fn from_config(inp: &mut Input<'_>) {
    let salt = inp.string(800);
    let verifier = inp.string(800);
    let limit = 4 * 512 / 3 + 4;
    let want = (|| {
        let s = model_base64("Salt", &salt, limit)?;
        let v = model_base64("PasswordVerifier", &verifier, limit)?;
        for (field, bytes) in [("Salt", &s), ("PasswordVerifier", &v)] {
            if bytes.len() > 512 {
                return Err(ProtocolError::FieldTooLong(field));
            }
            if bytes.first().is_some_and(|&b| b & 0x80 != 0) {
                return Err(ProtocolError::IllegalValue(field));
            }
        }
        if BigUint::from_bytes_be(&v) % n() == BigUint::ZERO {
            return Err(ProtocolError::IllegalValue("PasswordVerifier"));
        }
        Ok((BigUint::from_bytes_be(&s), BigUint::from_bytes_be(&v)))
    })();
    match (want, Verifier::from_config(&salt, &verifier)) {
        (Ok((s, v)), Ok(got)) => {
            assert_eq!(got.salt_padded(), pad_u(&s));
            assert_eq!(got.verifier_padded(), pad_u(&v));
            let again = Verifier::from_config(&got.salt_base64(), &got.verifier_base64())
                .expect("our own encoding parses");
            assert_eq!(again, got, "from_config re-serializes to an equal verifier");
            assert_eq!(
                BigInt::parse_bytes(got.salt_hex().as_bytes(), 16),
                Some(BigInt::from(s)),
                "SALT hex"
            );
        }
        (Err(want), Err(got)) => assert_eq!(got, Error::Protocol(want)),
        (want, got) => panic!("model {want:?} but crate {got:?}"),
    }
}

fn round_trip(inp: &mut Input<'_>) {
    let a = private(inp);
    let b = private(inp);
    let device = inp.bool();
    let realm = inp.string(40);
    let user = inp.string(64);
    let password = Password::new(inp.string(64));
    let salt = inp.bytes(40).to_vec();
    let block = inp.bytes(200).to_vec();
    let pool = format!("eu-west-1_{realm}");
    let identity = if device {
        Identity::device(&realm, &user)
    } else {
        match Identity::user(&pool, &user) {
            Ok(id) => id,
            Err(e) => {
                assert!(realm.is_empty());
                assert_eq!(e, Error::Misuse(Misuse::BadArgument("user_pool_id")));
                return;
            }
        }
    };
    let verifier = Verifier::new(&identity, &password, &salt);
    let by_hex = Verifier::with_salt_hex(&identity, &password, &verifier.salt_hex())
        .expect("our own SALT parses");
    assert_eq!(
        by_hex, verifier,
        "SALT hex re-serializes to the same verifier"
    );
    let config = Verifier::from_config(&verifier.salt_base64(), &verifier.verifier_base64())
        .expect("our own verifier config parses");
    assert_eq!(config, verifier);
    let server = ServerSession::from_private_bytes(verifier, &b).expect("a valid b");
    let client = Ephemeral::from_private_bytes(&a).expect("a valid a");
    let block_b64 = if block.is_empty() {
        "AA==".to_owned()
    } else {
        STANDARD.encode(&block)
    };
    let block = STANDARD.decode(&block_b64).expect("base64");
    let challenge = ServerChallenge::parse(&server.salt_hex(), &server.public_hex(), &block_b64)
        .expect("the server's values parse");
    let now = UnixTime(1_700_000_000);
    let claim = client
        .respond(&identity, &password, &challenge, now)
        .expect("an honest B");
    let a_hex = client.public_hex();
    server
        .verify(
            &identity,
            &a_hex,
            &block,
            &claim.timestamp,
            &claim.signature,
        )
        .expect("an honest claim verifies");
    let wrong = Password::new(format!("{}!", password.expose_secret()));
    let bad = client
        .respond(&identity, &wrong, &challenge, now)
        .expect("a B");
    assert_eq!(
        server.verify(&identity, &a_hex, &block, &bad.timestamp, &bad.signature),
        Err(Error::Protocol(ProtocolError::BadSignature)),
        "a wrong password is refused"
    );
    let mut sig = STANDARD.decode(&claim.signature).expect("base64");
    let bit = inp.below(sig.len() * 8);
    sig[bit / 8] ^= 1 << (bit % 8);
    assert_eq!(
        server.verify(
            &identity,
            &a_hex,
            &block,
            &claim.timestamp,
            &STANDARD.encode(&sig)
        ),
        Err(Error::Protocol(ProtocolError::BadSignature)),
        "a flipped bit is refused"
    );
}

fn verify_arbitrary(inp: &mut Input<'_>) {
    let identity = Identity::device("-group", "us-east-1_device");
    let verifier = Verifier::new(&identity, &Password::new("p"), b"salt");
    let server = ServerSession::from_private_bytes(verifier, &private(inp)).expect("a valid b");
    let a_hex = match inp.byte() % 4 {
        0 => "0".to_owned(),
        1 => n().to_str_radix(16),
        _ => inp.string(1100),
    };
    let signature = inp.string(200);
    let got = server.verify(&identity, &a_hex, b"block", "ts", &signature);
    let want: Result<(), ProtocolError> = (|| {
        let a = model_hex("SRP_A", &a_hex, false)?;
        if a.magnitude() % n() == BigUint::ZERO {
            return Err(ProtocolError::IllegalValue("SRP_A"));
        }
        model_base64("PASSWORD_CLAIM_SIGNATURE", &signature, 128)?;
        Err(ProtocolError::BadSignature)
    })();
    assert_eq!(
        got,
        want.map_err(Error::Protocol),
        "server side error for SRP_A {a_hex:?}"
    );
}

/// The target.
pub fn run(data: &[u8]) {
    let short = super::short_exponents(data);
    let mut inp = Input::new(data);
    match inp.byte() % 4 {
        0 => client(&mut inp, short),
        1 => from_config(&mut inp),
        2 => round_trip(&mut inp),
        _ => verify_arbitrary(&mut inp),
    }
}
