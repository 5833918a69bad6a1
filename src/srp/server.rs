//! The server's side of SRP: what a user pool stores and how it checks a claim. Tests and
//! the reference server use it to check the client end to end.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::client::decode_base64;
use super::encoding::{minimal_hex, pad_signed, pad_unsigned, parse_hex, signed_hex};
use super::group::K;
use super::math;
use super::{
    Identity, MAX_HEX_DIGITS, PrivateSize, check_private, claim_mac, compute_u, compute_x,
    derive_key, draw_private,
};
use crate::error::{Error, ProtocolError};
use crate::secret::{Password, SecretBytes};

/// What the server stores for a password: the salt and the verifier `v = g^x mod N`, both as
/// padHex bytes. For a device, this is the `DeviceSecretVerifierConfig` of `ConfirmDevice`.
///
/// `v` allows an offline guess of the password, so `Debug` shows the salt only.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    salt_padded: Vec<u8>,
    v_padded: Vec<u8>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("salt_hex", &self.salt_hex())
            .finish_non_exhaustive()
    }
}

/// padHex(g^x): the verifier, public from here on (ConfirmDevice sends it).
fn public_verifier(x: &SecretBytes) -> Vec<u8> {
    // x is 32 bytes, within pow_g's limit.
    math::pow_g(x.expose_secret(), None)
        .map(|mut v| {
            crate::ct::declassify(&mut *v);
            pad_unsigned(&*v)
        })
        .unwrap_or_default()
}

impl Verifier {
    /// Makes the verifier of `password` with the given salt (unsigned big-endian bytes; they
    /// are re-encoded with padHex, so the salt is canonical).
    #[must_use]
    pub fn new(identity: &Identity<'_>, password: &Password, salt: &[u8]) -> Self {
        let salt_padded = pad_unsigned(salt);
        let x = compute_x(identity, password, &salt_padded);
        let v = public_verifier(&x);
        Self {
            salt_padded,
            v_padded: v,
        }
    }

    /// Makes the verifier of `password` for a salt given as the service would send it in
    /// `SALT`: hex of a signed integer (a leading `-`, odd lengths and leading zeros allowed).
    /// Some pools hold such salts; this lets a test server reproduce them.
    ///
    /// # Errors
    /// [`ProtocolError::EmptyField`], [`ProtocolError::BadHex`] or
    /// [`ProtocolError::FieldTooLong`] naming `SALT`.
    pub fn with_salt_hex(
        identity: &Identity<'_>,
        password: &Password,
        salt_hex: &str,
    ) -> Result<Self, Error> {
        let salt = parse_hex("SALT", salt_hex, true, MAX_HEX_DIGITS)?;
        Ok(Self::from_padded_salt(
            identity,
            password,
            pad_signed(&salt),
        ))
    }

    fn from_padded_salt(
        identity: &Identity<'_>,
        password: &Password,
        salt_padded: Vec<u8>,
    ) -> Self {
        let x = compute_x(identity, password, &salt_padded);
        let v = public_verifier(&x);
        Self {
            salt_padded,
            v_padded: v,
        }
    }

    /// Makes the verifier of `password` with a salt of 16 random bytes from `rng`.
    #[must_use]
    pub fn generate<R: CryptoRng + ?Sized>(
        identity: &Identity<'_>,
        password: &Password,
        rng: &mut R,
    ) -> Self {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        // The salt is public (`SALT`).
        crate::ct::declassify(&mut salt);
        Self::new(identity, password, &salt)
    }

    /// Takes a `DeviceSecretVerifierConfig` as `ConfirmDevice` carries it: `Salt` and
    /// `PasswordVerifier`, both standard base64 of big-endian bytes, read as signed integers
    /// as the service does.
    ///
    /// # Errors
    /// [`ProtocolError::BadBase64`], [`ProtocolError::EmptyField`] or
    /// [`ProtocolError::FieldTooLong`] naming `Salt` or `PasswordVerifier`;
    /// [`ProtocolError::IllegalValue`] when either is negative (first byte ≥ 0x80) or the
    /// verifier is 0 mod N.
    pub fn from_config(salt_b64: &str, password_verifier_b64: &str) -> Result<Self, Error> {
        let limit = 4 * math::MAX_PUBLIC_LEN / 3 + 4;
        let salt = decode_base64("Salt", salt_b64, limit)?;
        let v = decode_base64("PasswordVerifier", password_verifier_b64, limit)?;
        for (field, bytes) in [("Salt", &salt), ("PasswordVerifier", &v)] {
            if bytes.len() > math::MAX_PUBLIC_LEN {
                return Err(ProtocolError::FieldTooLong(field).into());
            }
            if bytes.first().is_some_and(|&b| b & 0x80 != 0) {
                return Err(ProtocolError::IllegalValue(field).into());
            }
        }
        if math::is_zero_mod_n(&v).unwrap_or(true) {
            return Err(ProtocolError::IllegalValue("PasswordVerifier").into());
        }
        Ok(Self {
            salt_padded: pad_unsigned(&salt),
            v_padded: pad_unsigned(&v),
        })
    }

    /// The `SALT` challenge parameter: hex of the salt, lower case, no leading zeros, with a
    /// leading `-` for a negative salt.
    #[must_use]
    pub fn salt_hex(&self) -> String {
        signed_hex(&self.salt_padded)
    }

    /// padHex(salt): the salt bytes hashed into `x`.
    #[must_use]
    pub fn salt_padded(&self) -> &[u8] {
        &self.salt_padded
    }

    /// padHex(v).
    #[must_use]
    pub fn verifier_padded(&self) -> &[u8] {
        &self.v_padded
    }

    /// `Salt` of a `DeviceSecretVerifierConfig`: base64(padHex(salt)).
    #[must_use]
    pub fn salt_base64(&self) -> String {
        STANDARD.encode(&self.salt_padded)
    }

    /// `PasswordVerifier` of a `DeviceSecretVerifierConfig`: base64(padHex(v)).
    #[must_use]
    pub fn verifier_base64(&self) -> String {
        STANDARD.encode(&self.v_padded)
    }
}

/// A server's private `b` with `g^b` already computed: the exponentiation of
/// [`ServerSession::generate`] done ahead, anywhere (another thread, outside a lock), so that
/// [`ServerSession::from_ephemeral`] needs none. Wiped on drop; `Debug` shows nothing.
#[derive(Clone)]
pub struct ServerEphemeral {
    b: SecretBytes,
    g_b: Zeroizing<[u8; math::N_LEN]>,
}

impl fmt::Debug for ServerEphemeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerEphemeral").finish_non_exhaustive()
    }
}

impl ServerEphemeral {
    /// Draws a fresh `b` of `size` and computes `g^b`.
    ///
    /// # Errors
    /// [`Misuse::BrokenRandomSource`](crate::Misuse::BrokenRandomSource) if the source keeps
    /// returning zeros.
    pub fn generate<R: CryptoRng + ?Sized>(size: PrivateSize, rng: &mut R) -> Result<Self, Error> {
        let b = draw_private(size, rng)?;
        let g_b =
            math::pow_g(b.expose_secret(), None).ok_or(crate::error::Misuse::BadPrivateValue)?;
        Ok(Self { b, g_b })
    }
}

/// `padHex(u)` and `S` of one server run for one `SRP_A`: the exponentiations of
/// [`ServerSession::verify`] done ahead ([`ServerSession::compute_premaster`]), so that
/// [`ServerSession::verify_premaster`] needs only hashes. `S` is secret: wiped on drop,
/// `Debug` shows nothing.
#[derive(Clone)]
pub struct Premaster {
    srp_a: String,
    u_padded: Vec<u8>,
    s: Zeroizing<[u8; math::N_LEN]>,
}

impl fmt::Debug for Premaster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Premaster").finish_non_exhaustive()
    }
}

/// Checks `PASSWORD_CLAIM_SIGNATURE` (in constant time) against the key of `u` and `S`.
fn check_signature(
    u_padded: &[u8],
    s: &[u8; math::N_LEN],
    identity: &Identity<'_>,
    secret_block: &[u8],
    timestamp: &str,
    signature_b64: &str,
) -> Result<(), Error> {
    let key = derive_key(u_padded, s);
    let signature = decode_base64("PASSWORD_CLAIM_SIGNATURE", signature_b64, 128)?;
    let expected: Zeroizing<[u8; 32]> = Zeroizing::new(
        claim_mac(&key, identity, secret_block, timestamp)
            .finalize()
            .into_bytes()
            .into(),
    );
    // Compared in constant time (a length that differs is public); only the outcome is
    // branched on.
    let equal = bool::from(expected.as_slice().ct_eq(&signature));
    if crate::ct::declassify_bool(equal) {
        Ok(())
    } else {
        Err(ProtocolError::BadSignature.into())
    }
}

/// One server run of SRP for a stored [`Verifier`]: the private `b` (secret) and
/// `B = (k·v + g^b) mod N`, sent as `SRP_B`.
#[derive(Clone)]
pub struct ServerSession {
    verifier: Verifier,
    b: SecretBytes,
    /// B as minimal unsigned bytes.
    public: Vec<u8>,
}

impl fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSession")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// Draws a fresh `b` of `size` and computes `B`.
    ///
    /// # Errors
    /// [`Misuse::BrokenRandomSource`](crate::Misuse::BrokenRandomSource) if the source keeps
    /// returning zeros.
    pub fn generate<R: CryptoRng + ?Sized>(
        verifier: Verifier,
        size: PrivateSize,
        rng: &mut R,
    ) -> Result<Self, Error> {
        Self::from_secret(verifier, draw_private(size, rng)?)
    }

    /// Uses the given `b` (unsigned big-endian bytes), for test vectors and replays only.
    ///
    /// # Errors
    /// [`Misuse::BadPrivateValue`](crate::Misuse::BadPrivateValue) when `b` is empty, zero or
    /// too long.
    pub fn from_private_bytes(verifier: Verifier, b: &[u8]) -> Result<Self, Error> {
        Self::from_secret(verifier, check_private(b)?)
    }

    /// Starts a run from an ephemeral computed ahead: no exponentiation.
    ///
    /// # Errors
    /// [`Misuse::BadPrivateValue`](crate::Misuse::BadPrivateValue) if `B` would be zero.
    pub fn from_ephemeral(verifier: Verifier, ephemeral: ServerEphemeral) -> Result<Self, Error> {
        let mut big_b = math::server_public_from(&K, &verifier.v_padded, &ephemeral.g_b)
            .ok_or(crate::error::Misuse::BadPrivateValue)?;
        crate::ct::declassify(&mut big_b);
        let first = big_b.iter().position(|&x| x != 0).unwrap_or(big_b.len());
        if first == big_b.len() {
            return Err(crate::error::Misuse::BadPrivateValue.into());
        }
        Ok(Self {
            verifier,
            b: ephemeral.b,
            public: big_b.get(first..).unwrap_or_default().to_vec(),
        })
    }

    fn from_secret(verifier: Verifier, b: SecretBytes) -> Result<Self, Error> {
        let mut big_b = math::server_public(&K, &verifier.v_padded, b.expose_secret())
            .ok_or(crate::error::Misuse::BadPrivateValue)?;
        crate::ct::declassify(&mut big_b);
        let first = big_b.iter().position(|&x| x != 0).unwrap_or(big_b.len());
        Ok(Self {
            verifier,
            b,
            public: big_b.get(first..).unwrap_or_default().to_vec(),
        })
    }

    /// `SRP_B`: hex of B, lower case, no leading zeros.
    #[must_use]
    pub fn public_hex(&self) -> String {
        minimal_hex(&self.public)
    }

    /// `SALT`: hex of the stored salt.
    #[must_use]
    pub fn salt_hex(&self) -> String {
        self.verifier.salt_hex()
    }

    /// Checks a client's claim: `srp_a_hex` is the `SRP_A` the client sent, `secret_block`
    /// the bytes this server put (base64-encoded) into `SECRET_BLOCK`, `timestamp` and
    /// `signature_b64` the `TIMESTAMP` and `PASSWORD_CLAIM_SIGNATURE` of the answer. The
    /// signature is compared in constant time.
    ///
    /// This checks the SRP proof only; whether the timestamp is canonical and recent is the
    /// caller's policy.
    ///
    /// # Errors
    /// [`ProtocolError::IllegalValue`] for `A mod N == 0` or `u == 0`; field errors for a
    /// malformed `SRP_A` or signature; [`ProtocolError::BadSignature`] when the claim does not
    /// verify.
    pub fn verify(
        &self,
        identity: &Identity<'_>,
        srp_a_hex: &str,
        secret_block: &[u8],
        timestamp: &str,
        signature_b64: &str,
    ) -> Result<(), Error> {
        let (u_padded, s) = self.premaster_raw(srp_a_hex)?;
        check_signature(
            &u_padded,
            &s,
            identity,
            secret_block,
            timestamp,
            signature_b64,
        )
    }

    /// Checks a client's `SRP_A` without the exponentiations of [`verify`](Self::verify):
    /// well-formed hex, `A mod N != 0`, and `u != 0`. A server refuses a bad `SRP_A` with it
    /// as soon as it arrives.
    ///
    /// # Errors
    /// As [`ServerSession::verify`], for `SRP_A`.
    pub fn check_client_public(&self, srp_a_hex: &str) -> Result<(), Error> {
        let a = parse_hex("SRP_A", srp_a_hex, false, MAX_HEX_DIGITS)?;
        if math::is_zero_mod_n(&a.magnitude).unwrap_or(true) {
            return Err(ProtocolError::IllegalValue("SRP_A").into());
        }
        let u = compute_u(&pad_unsigned(&a.magnitude), &pad_unsigned(&self.public));
        if u.iter().all(|&b| b == 0) {
            return Err(ProtocolError::IllegalValue("u").into());
        }
        Ok(())
    }

    /// The exponentiations of [`verify`](Self::verify) for the client's `SRP_A`, done ahead
    /// (they need nothing but this run and `SRP_A`, which the server has once the client's
    /// first request arrived).
    ///
    /// # Errors
    /// As [`ServerSession::verify`], for `SRP_A`.
    pub fn compute_premaster(&self, srp_a_hex: &str) -> Result<Premaster, Error> {
        let (u_padded, s) = self.premaster_raw(srp_a_hex)?;
        Ok(Premaster {
            srp_a: srp_a_hex.into(),
            u_padded,
            s,
        })
    }

    /// [`verify`](Self::verify) with the premaster computed ahead. A premaster for another
    /// `SRP_A` is not used: the claim is then checked from scratch.
    ///
    /// # Errors
    /// As [`ServerSession::verify`].
    pub fn verify_premaster(
        &self,
        premaster: &Premaster,
        identity: &Identity<'_>,
        srp_a_hex: &str,
        secret_block: &[u8],
        timestamp: &str,
        signature_b64: &str,
    ) -> Result<(), Error> {
        if premaster.srp_a != srp_a_hex {
            return self.verify(identity, srp_a_hex, secret_block, timestamp, signature_b64);
        }
        check_signature(
            &premaster.u_padded,
            &premaster.s,
            identity,
            secret_block,
            timestamp,
            signature_b64,
        )
    }

    /// padHex(u) and padHex(S) for the client's `SRP_A`, as the server computes them:
    /// `S = (A·v^u)^b mod N`. For test vectors; `S` is secret.
    ///
    /// # Errors
    /// As [`ServerSession::verify`], for `SRP_A`.
    #[doc(hidden)] // for test vectors and the fuzzers; not part of the stable API
    pub fn premaster(&self, srp_a_hex: &str) -> Result<(Vec<u8>, SecretBytes), Error> {
        let (u_padded, s) = self.premaster_raw(srp_a_hex)?;
        Ok((u_padded, SecretBytes::new(pad_unsigned(&*s))))
    }

    /// padHex(u) and S as 384 bytes.
    fn premaster_raw(
        &self,
        srp_a_hex: &str,
    ) -> Result<(Vec<u8>, Zeroizing<[u8; math::N_LEN]>), Error> {
        let a = parse_hex("SRP_A", srp_a_hex, false, MAX_HEX_DIGITS)?;
        if math::is_zero_mod_n(&a.magnitude).unwrap_or(true) {
            return Err(ProtocolError::IllegalValue("SRP_A").into());
        }
        let u = compute_u(&pad_unsigned(&a.magnitude), &pad_unsigned(&self.public));
        if u.iter().all(|&b| b == 0) {
            return Err(ProtocolError::IllegalValue("u").into());
        }
        let s = math::server_premaster(
            &a.magnitude,
            &self.verifier.v_padded,
            &u,
            self.b.expose_secret(),
        )
        .ok_or(ProtocolError::FieldTooLong("SRP_A"))?;
        Ok((pad_unsigned(&u), s))
    }
}
