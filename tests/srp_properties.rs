//! Properties of the SRP core: client and server agree, wrong passwords never verify, padHex
//! is Java's `BigInteger.toByteArray()`, TIMESTAMP matches a date library, SECRET_HASH is an
//! HMAC.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognito_signin::srp::{
    Ephemeral, Identity, PrivateSize, ServerChallenge, ServerSession, Verifier, pad_hex,
};
use cognito_signin::{ClientSecret, Error, Password, ProtocolError, UnixTime, secret_hash};
use hmac::{Hmac, KeyInit, Mac};
use num_bigint::{BigInt, Sign};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::Sha256;

/// A salt as the service may write it: sign, leading zeros, odd length, either case.
fn salt_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        0usize..3,
        proptest::collection::vec(any::<u8>(), 1..24),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(negative, zeros, bytes, odd, upper)| {
            let mut hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            if odd {
                hex.remove(0);
            }
            if upper {
                hex = hex.to_uppercase();
            }
            format!(
                "{}{}{hex}",
                if negative { "-" } else { "" },
                "0".repeat(zeros)
            )
        })
}

fn size() -> impl Strategy<Value = PrivateSize> {
    prop_oneof![Just(PrivateSize::Bits256), Just(PrivateSize::Bits1024)]
}

/// One whole exchange; `Ok` when the server accepts the client's claim.
fn exchange(
    identity: &Identity<'_>,
    registered: &Password,
    typed: &Password,
    salt: &str,
    size: PrivateSize,
    seed: u64,
    block: &[u8],
) -> Result<(), Error> {
    let mut rng = StdRng::seed_from_u64(seed);
    let verifier = Verifier::with_salt_hex(identity, registered, salt)?;
    let server = ServerSession::generate(verifier, PrivateSize::Bits256, &mut rng)?;
    let client = Ephemeral::generate(size, &mut rng)?;
    let block_b64 = STANDARD.encode(block);
    let challenge = ServerChallenge::parse(salt, &server.public_hex(), &block_b64)?;
    let claim = client.respond(
        identity,
        typed,
        &challenge,
        UnixTime(1_767_225_600 + seed % 1000),
    )?;
    assert_eq!(claim.secret_block, block_b64);
    server.verify(
        identity,
        &client.public_hex(),
        block,
        &claim.timestamp,
        &claim.signature,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn user_client_and_server_agree(
        user in "\\PC{1,40}",
        password in "\\PC{0,60}",
        wrong in "\\PC{0,60}",
        salt in salt_text(),
        size in size(),
        seed in any::<u64>(),
        block in proptest::collection::vec(any::<u8>(), 1..200),
    ) {
        let id = Identity::user("eu-west-1_Pool9", &user).unwrap();
        let pw = Password::new(password.clone());
        prop_assert_eq!(exchange(&id, &pw, &pw, &salt, size, seed, &block), Ok(()));
        if wrong != password {
            prop_assert_eq!(
                exchange(&id, &pw, &Password::new(wrong), &salt, size, seed, &block),
                Err(Error::Protocol(ProtocolError::BadSignature))
            );
        }
    }

    #[test]
    fn device_client_and_server_agree(
        group in "-?[A-Za-z0-9]{1,12}",
        key in "[a-z]{2}-[a-z]{4}-[1-9]_[0-9a-f-]{36}",
        seed in any::<u64>(),
        size in size(),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let reg = cognito_signin::DeviceRegistration::generate(&group, &key, &mut rng);
        let id = Identity::device(&group, &key);
        let server = ServerSession::generate(reg.verifier().clone(), PrivateSize::Bits256, &mut rng).unwrap();
        let client = Ephemeral::generate(size, &mut rng).unwrap();
        // The service sends back the registered salt as hex; the client re-encodes it.
        let salt_hex = server.salt_hex();
        let challenge = ServerChallenge::parse(&salt_hex, &server.public_hex(), "c2VjcmV0").unwrap();
        prop_assert_eq!(challenge.salt_padded(), reg.verifier().salt_padded());
        let claim = client.respond(&id, reg.device_password(), &challenge, UnixTime(1_800_000_000)).unwrap();
        prop_assert_eq!(server.verify(&id, &client.public_hex(), b"secret", &claim.timestamp, &claim.signature), Ok(()));
        // The ConfirmDevice form of the verifier is read back identically.
        let back = Verifier::from_config(&reg.salt(), &reg.password_verifier()).unwrap();
        prop_assert_eq!(&back, reg.verifier());
        // Another device password never verifies.
        let other = Password::new(format!("{}x", reg.device_password().expose_secret()));
        let claim = client.respond(&id, &other, &challenge, UnixTime(1_800_000_000)).unwrap();
        prop_assert_eq!(
            server.verify(&id, &client.public_hex(), b"secret", &claim.timestamp, &claim.signature),
            Err(Error::Protocol(ProtocolError::BadSignature))
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// padHex of a signed SALT is `BigInteger.toByteArray()` (num-bigint's
    /// `to_signed_bytes_be`), and reads back to the same integer.
    #[test]
    fn salt_pad_hex_is_minimal_twos_complement(salt in salt_text()) {
        let challenge = ServerChallenge::parse(&salt, "2", "AA==").unwrap();
        let value = BigInt::parse_bytes(salt.as_bytes(), 16).unwrap();
        let padded = challenge.salt_padded();
        let java = value.to_signed_bytes_be();
        prop_assert_eq!(padded, java.as_slice());
        prop_assert_eq!(BigInt::from_signed_bytes_be(padded), value);
        if let [first, second, ..] = padded {
            let redundant = (*first == 0 && second & 0x80 == 0) || (*first == 0xff && second & 0x80 != 0);
            prop_assert!(!redundant, "not minimal: {:02x?}", padded);
        }
    }

    #[test]
    fn unsigned_pad_hex(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let value = BigInt::from_bytes_be(Sign::Plus, &bytes);
        prop_assert_eq!(pad_hex(&bytes), value.to_signed_bytes_be());
    }

    #[test]
    fn timestamp_matches_a_date_library(t in 0u64..253_402_300_800) {
        let format = time::macros::format_description!(
            "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] UTC [year]"
        );
        let expected = time::OffsetDateTime::from_unix_timestamp(t as i64).unwrap().format(&format).unwrap();
        prop_assert_eq!(UnixTime(t).cognito_timestamp().unwrap(), expected);
    }

    #[test]
    fn secret_hash_is_an_hmac(secret in "\\PC{1,64}", user in "\\PC{1,64}", client in "[a-z0-9]{1,40}") {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{user}{client}").as_bytes());
        let expected = STANDARD.encode(mac.finalize().into_bytes());
        prop_assert_eq!(secret_hash(&ClientSecret::new(secret), &user, &client), expected);
    }
}

#[test]
fn timestamp_range_edges() {
    assert_eq!(
        UnixTime(0).cognito_timestamp().unwrap(),
        "Thu Jan 1 00:00:00 UTC 1970"
    );
    assert_eq!(
        UnixTime(253_402_300_799).cognito_timestamp().unwrap(),
        "Fri Dec 31 23:59:59 UTC 9999"
    );
    assert!(UnixTime(253_402_300_800).cognito_timestamp().is_err());
    assert!(UnixTime(u64::MAX).cognito_timestamp().is_err());
}

#[test]
fn refused_server_values() {
    let n_hex: String = cognito_signin::srp::modulus()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for b in ["0", "000", &n_hex, &format!("{n_hex}{}", "0".repeat(0))] {
        assert_eq!(
            ServerChallenge::parse("ab", b, "AA=="),
            Err(Error::Protocol(ProtocolError::IllegalValue("SRP_B"))),
            "B = {b}"
        );
    }
    // 2N and 3N too.
    let two_n = (BigInt::from_bytes_be(Sign::Plus, &cognito_signin::srp::modulus())
        * BigInt::from(2u8))
    .to_str_radix(16);
    assert_eq!(
        ServerChallenge::parse("ab", &two_n, "AA=="),
        Err(Error::Protocol(ProtocolError::IllegalValue("SRP_B")))
    );
    assert_eq!(
        ServerChallenge::parse("", "2", "AA=="),
        Err(Error::Protocol(ProtocolError::EmptyField("SALT")))
    );
    assert_eq!(
        ServerChallenge::parse("-", "2", "AA=="),
        Err(Error::Protocol(ProtocolError::BadHex("SALT")))
    );
    assert_eq!(
        ServerChallenge::parse("ab", "x2", "AA=="),
        Err(Error::Protocol(ProtocolError::BadHex("SRP_B")))
    );
    assert_eq!(
        ServerChallenge::parse("ab", "-2", "AA=="),
        Err(Error::Protocol(ProtocolError::BadHex("SRP_B")))
    );
    assert_eq!(
        ServerChallenge::parse("ab", &"f".repeat(1025), "AA=="),
        Err(Error::Protocol(ProtocolError::FieldTooLong("SRP_B")))
    );
    assert_eq!(
        ServerChallenge::parse("ab", "2", "A"),
        Err(Error::Protocol(ProtocolError::BadBase64("SECRET_BLOCK")))
    );
    assert_eq!(
        ServerChallenge::parse("ab", "2", "!!!!"),
        Err(Error::Protocol(ProtocolError::BadBase64("SECRET_BLOCK")))
    );
    assert_eq!(
        ServerChallenge::parse("ab", "2", ""),
        Err(Error::Protocol(ProtocolError::EmptyField("SECRET_BLOCK")))
    );

    // Server side: A ≡ 0 (mod N) is refused.
    let mut rng = StdRng::seed_from_u64(1);
    let id = Identity::user("us-east-1_X", "u").unwrap();
    let v = Verifier::generate(&id, &Password::new("p"), &mut rng);
    let server = ServerSession::generate(v, PrivateSize::Bits256, &mut rng).unwrap();
    for a in ["0", n_hex.as_str()] {
        assert_eq!(
            server.verify(&id, a, b"x", "t", "AAAA"),
            Err(Error::Protocol(ProtocolError::IllegalValue("SRP_A")))
        );
        // The early check, without exponentiations, refuses the same values the same way.
        assert_eq!(
            server.check_client_public(a),
            Err(Error::Protocol(ProtocolError::IllegalValue("SRP_A")))
        );
    }
    assert!(matches!(
        server.check_client_public("xyz"),
        Err(Error::Protocol(_))
    ));
    // A good A passes both the early check and (for its own proof) the full one.
    let a_ok = server.public_hex();
    assert_eq!(server.check_client_public(&a_ok), Ok(()));
    assert_eq!(
        server.check_client_public(&a_ok).is_ok(),
        server.premaster(&a_ok).is_ok()
    );
}

#[test]
fn b_equal_to_k_times_verifier_is_refused() {
    // A server that sends B = k·v mod N (g^b = 1) would make S = 0: refused, not signed.
    let id = Identity::user("us-east-1_X", "u").unwrap();
    let pw = Password::new("p");
    let v = Verifier::new(&id, &pw, &[0x12, 0x34]);
    let n = BigInt::from_bytes_be(Sign::Plus, &cognito_signin::srp::modulus());
    let k = BigInt::from_bytes_be(Sign::Plus, &cognito_signin::srp::MULTIPLIER);
    let b = (k * BigInt::from_bytes_be(Sign::Plus, v.verifier_padded())) % n;
    let challenge = ServerChallenge::parse(&v.salt_hex(), &b.to_str_radix(16), "AA==").unwrap();
    let eph = Ephemeral::generate(PrivateSize::Bits256, &mut StdRng::seed_from_u64(3)).unwrap();
    assert_eq!(
        eph.respond(&id, &pw, &challenge, UnixTime(0)),
        Err(Error::Protocol(ProtocolError::IllegalValue("SRP_B")))
    );
}

#[test]
fn private_values_are_checked() {
    use cognito_signin::Misuse;
    for a in [&[][..], &[0, 0, 0][..], &[1u8; 513][..]] {
        assert_eq!(
            Ephemeral::from_private_bytes(a).map(|_| ()),
            Err(Error::Misuse(Misuse::BadPrivateValue))
        );
    }
    struct Zeros;
    impl rand_core::TryRng for Zeros {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(0)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0);
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Zeros {}
    assert_eq!(
        Ephemeral::generate(PrivateSize::Bits256, &mut Zeros).map(|_| ()),
        Err(Error::Misuse(Misuse::BrokenRandomSource))
    );
}

#[test]
fn debug_output_hides_secrets() {
    let mut rng = StdRng::seed_from_u64(9);
    let eph = Ephemeral::generate(PrivateSize::Bits256, &mut rng).unwrap();
    let reg = cognito_signin::DeviceRegistration::generate("g", "k", &mut rng);
    let pw = reg.device_password().expose_secret().to_string();
    let text = format!("{eph:?} {reg:?} {:?}", Password::new("hunter2"));
    assert!(!text.contains("hunter2"));
    assert!(!text.contains(&pw));
}
