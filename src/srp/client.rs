//! The client's side of SRP: `A`, then the password claim.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::encoding::{minimal_hex, pad_signed, pad_unsigned, parse_hex};
use super::group::K;
use super::math::{self, PremasterError};
use super::{
    Identity, MAX_HEX_DIGITS, MAX_SECRET_BLOCK_CHARS, PowersOfG, PrivateSize, check_private,
    claim_mac, compute_u, compute_x, derive_key, draw_private, encode_signature,
};
use crate::error::{Error, ProtocolError};
use crate::secret::{Password, SecretBytes};
use crate::time::UnixTime;

/// The client's ephemeral SRP pair: the private `a` (secret, wiped on drop) and the public
/// `A = g^a mod N` that goes out as `SRP_A`. Use a fresh one for every SRP run, the device
/// step included.
#[derive(Clone)]
pub struct Ephemeral {
    a: SecretBytes,
    /// `A` as minimal unsigned big-endian bytes.
    public: Vec<u8>,
    /// The caller's table of powers of g, for `g^x`.
    table: Option<&'static PowersOfG>,
}

impl fmt::Debug for Ephemeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ephemeral")
            .field("public_hex", &self.public_hex())
            .finish_non_exhaustive()
    }
}

impl Ephemeral {
    /// Draws a fresh private value of `size` from the caller's random source and computes `A`.
    ///
    /// # Errors
    /// [`Misuse::BrokenRandomSource`](crate::Misuse::BrokenRandomSource) if the source keeps
    /// returning zeros.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(
        size: PrivateSize,
        rng: &mut R,
    ) -> Result<Self, Error> {
        Self::from_secret(draw_private(size, rng)?, None)
    }

    /// As [`Ephemeral::generate`], computing `A` (and later the claim's `g^x`) from the
    /// caller's table: for builds without `std`, which have no shared table.
    ///
    /// # Errors
    /// As [`Ephemeral::generate`].
    pub fn generate_with<R: rand_core::CryptoRng + ?Sized>(
        size: PrivateSize,
        rng: &mut R,
        table: &'static PowersOfG,
    ) -> Result<Self, Error> {
        Self::from_secret(draw_private(size, rng)?, Some(table))
    }

    /// As [`Ephemeral::generate_with`] when `table` is given, else [`Ephemeral::generate`].
    pub(crate) fn generate_maybe_with<R: rand_core::CryptoRng + ?Sized>(
        size: PrivateSize,
        rng: &mut R,
        table: Option<&'static PowersOfG>,
    ) -> Result<Self, Error> {
        Self::from_secret(draw_private(size, rng)?, table)
    }

    /// Uses the given private value `a` (unsigned big-endian bytes) as is, not reduced.
    ///
    /// This exists for test vectors and for replaying a recorded exchange. A real sign-in must
    /// use [`Ephemeral::generate`]: a reused or predictable `a` gives the password away to
    /// anyone who sees the exchange.
    ///
    /// # Errors
    /// [`Misuse::BadPrivateValue`](crate::Misuse::BadPrivateValue) when `a` is empty, zero or
    /// longer than [`MAX_PRIVATE_BYTES`](super::MAX_PRIVATE_BYTES).
    pub fn from_private_bytes(a: &[u8]) -> Result<Self, Error> {
        Self::from_secret(check_private(a)?, None)
    }

    /// As [`Ephemeral::from_private_bytes`], with the caller's table of powers of g.
    ///
    /// # Errors
    /// As [`Ephemeral::from_private_bytes`].
    pub fn from_private_bytes_with(a: &[u8], table: &'static PowersOfG) -> Result<Self, Error> {
        Self::from_secret(check_private(a)?, Some(table))
    }

    fn from_secret(a: SecretBytes, table: Option<&'static PowersOfG>) -> Result<Self, Error> {
        let mut big_a = math::pow_g(a.expose_secret(), table.map(PowersOfG::table))
            .ok_or(crate::error::Misuse::BadPrivateValue)?;
        crate::ct::declassify(&mut *big_a);
        let first = big_a.iter().position(|&b| b != 0).unwrap_or(big_a.len());
        Ok(Self {
            a,
            public: big_a.get(first..).unwrap_or_default().to_vec(),
            table,
        })
    }

    /// `A` as lower-case hex without leading zeros: the `SRP_A` value.
    #[must_use]
    pub fn public_hex(&self) -> String {
        minimal_hex(&self.public)
    }

    /// padHex(A): the bytes hashed into `u`.
    #[must_use]
    pub fn public_padded(&self) -> Vec<u8> {
        pad_unsigned(&self.public)
    }

    /// Answers a `PASSWORD_VERIFIER` (user) or `DEVICE_PASSWORD_VERIFIER` (device) challenge:
    /// the claim signature over the challenge's secret block and Cognito's `TIMESTAMP` for
    /// `now`.
    ///
    /// For a user, `password` is the user's password and `identity` names the pool and the
    /// service's `USER_ID_FOR_SRP`; for a device, the device password and
    /// [`Identity::device`].
    ///
    /// # Errors
    /// [`ProtocolError::IllegalValue`] for `u == 0` or `B ≡ k·g^x (mod N)`;
    /// [`Misuse::TimeOutOfRange`](crate::Misuse::TimeOutOfRange) for a `now` after 9999.
    pub fn respond(
        &self,
        identity: &Identity<'_>,
        password: &Password,
        challenge: &ServerChallenge,
        now: UnixTime,
    ) -> Result<PasswordClaim, Error> {
        self.claim(identity, password, challenge, now, false)
            .map(|(claim, _)| claim)
    }

    /// As [`Ephemeral::respond`], also returning every intermediate value, for test vectors
    /// and diagnostics. The transcript holds secrets, and writing padHex(S) into it takes
    /// time that depends on S (the claim itself does not).
    ///
    /// # Errors
    /// As [`Ephemeral::respond`].
    #[doc(hidden)] // for test vectors and the fuzzers; not part of the stable API
    pub fn respond_with_transcript(
        &self,
        identity: &Identity<'_>,
        password: &Password,
        challenge: &ServerChallenge,
        now: UnixTime,
    ) -> Result<(PasswordClaim, Transcript), Error> {
        let (claim, transcript) = self.claim(identity, password, challenge, now, true)?;
        let transcript = transcript.ok_or(ProtocolError::IllegalValue("S"))?;
        Ok((claim, transcript))
    }

    /// The claim, and the transcript when asked for.
    fn claim(
        &self,
        identity: &Identity<'_>,
        password: &Password,
        challenge: &ServerChallenge,
        now: UnixTime,
        keep_transcript: bool,
    ) -> Result<(PasswordClaim, Option<Transcript>), Error> {
        let timestamp = now.cognito_timestamp()?;
        let a_padded = self.public_padded();
        let b_padded = pad_unsigned(&challenge.b);
        let u = compute_u(&a_padded, &b_padded);
        if u.iter().all(|&b| b == 0) {
            return Err(ProtocolError::IllegalValue("u").into());
        }
        let x = compute_x(identity, password, &challenge.salt_padded);
        let x_arr: [u8; 32] = x
            .expose_secret()
            .try_into()
            .map_err(|_| ProtocolError::IllegalValue("x"))?;
        let x_arr = zeroize::Zeroizing::new(x_arr);
        let table = self.table.map(PowersOfG::table);
        let s = math::client_premaster(&challenge.b, &K, &x_arr, &u, self.a.expose_secret(), table)
            .map_err(|e| match e {
                PremasterError::TooLong => ProtocolError::FieldTooLong("SRP_B"),
                PremasterError::DegenerateBase => ProtocolError::IllegalValue("SRP_B"),
            })?;
        let u_padded = pad_unsigned(&u);
        let key = derive_key(&u_padded, &s);
        let mac = claim_mac(&key, identity, &challenge.secret_block, &timestamp);
        let claim = PasswordClaim {
            signature: encode_signature(mac),
            timestamp,
            secret_block: challenge.secret_block_b64.clone(),
        };
        let transcript = keep_transcript.then(|| Transcript {
            a_padded,
            b_padded,
            salt_padded: challenge.salt_padded.clone(),
            u_padded,
            x,
            s_padded: SecretBytes::new(pad_unsigned(&*s)),
            key,
        });
        Ok((claim, transcript))
    }
}

/// The server's side of a `PASSWORD_VERIFIER` or `DEVICE_PASSWORD_VERIFIER` challenge,
/// parsed and checked: `SALT`, `SRP_B` and `SECRET_BLOCK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerChallenge {
    salt_padded: Vec<u8>,
    /// B as minimal unsigned bytes, exactly as sent (not reduced mod N).
    b: Vec<u8>,
    secret_block_b64: String,
    secret_block: Vec<u8>,
}

impl ServerChallenge {
    /// Parses the three challenge parameters as the service sends them.
    ///
    /// `SALT` is the hex of a signed integer (odd length, upper case, leading zeros and a
    /// leading `-` all occur); it is re-encoded with padHex, never hashed as text. `SRP_B` is
    /// hex of B, kept as sent. `SECRET_BLOCK` is standard base64, echoed unchanged in the
    /// answer and decoded into the signature.
    ///
    /// # Errors
    /// [`ProtocolError::EmptyField`], [`ProtocolError::BadHex`],
    /// [`ProtocolError::FieldTooLong`] or [`ProtocolError::BadBase64`] naming `SALT`, `SRP_B`
    /// or `SECRET_BLOCK`; [`ProtocolError::IllegalValue`]`("SRP_B")` when `B mod N == 0`.
    pub fn parse(salt_hex: &str, srp_b_hex: &str, secret_block_b64: &str) -> Result<Self, Error> {
        let salt = parse_hex("SALT", salt_hex, true, MAX_HEX_DIGITS)?;
        let b = parse_hex("SRP_B", srp_b_hex, false, MAX_HEX_DIGITS)?;
        if math::is_zero_mod_n(&b.magnitude).unwrap_or(true) {
            return Err(ProtocolError::IllegalValue("SRP_B").into());
        }
        let secret_block = decode_base64("SECRET_BLOCK", secret_block_b64, MAX_SECRET_BLOCK_CHARS)?;
        Ok(Self {
            salt_padded: pad_signed(&salt),
            b: b.magnitude,
            secret_block_b64: String::from(secret_block_b64),
            secret_block,
        })
    }

    /// padHex(salt): the salt bytes hashed into `x`.
    #[must_use]
    pub fn salt_padded(&self) -> &[u8] {
        &self.salt_padded
    }
}

/// Decodes base64 as Cognito's clients do: the standard alphabet, or the URL-safe one, with
/// or without `=` padding (Amplify's decoder accepts both alphabets; the service sends the
/// standard one with padding). Anything else is an error naming `field`.
pub(crate) fn decode_base64(
    field: &'static str,
    text: &str,
    max_chars: usize,
) -> Result<Vec<u8>, ProtocolError> {
    if text.is_empty() {
        return Err(ProtocolError::EmptyField(field));
    }
    if text.len() > max_chars {
        return Err(ProtocolError::FieldTooLong(field));
    }
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false);
    let alphabet = if text.contains(['-', '_']) {
        &alphabet::URL_SAFE
    } else {
        &alphabet::STANDARD
    };
    GeneralPurpose::new(alphabet, config)
        .decode(text)
        .map_err(|_| ProtocolError::BadBase64(field))
}

/// The answer to a verifier challenge: the three values that go into `ChallengeResponses`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PasswordClaim {
    /// `PASSWORD_CLAIM_SIGNATURE`: base64 of the HMAC-SHA256 claim (44 characters).
    pub signature: String,
    /// `TIMESTAMP`: the exact string that was signed.
    pub timestamp: String,
    /// `PASSWORD_CLAIM_SECRET_BLOCK`: the server's `SECRET_BLOCK`, unchanged.
    pub secret_block: String,
}

/// Every intermediate value of one client SRP run, for test vectors and diagnostics.
///
/// It holds secrets (`x`, `S`, the derived key): keep it out of logs. Its `Debug` shows none of
/// them, and they are wiped on drop.
#[derive(Clone)]
pub struct Transcript {
    a_padded: Vec<u8>,
    b_padded: Vec<u8>,
    salt_padded: Vec<u8>,
    u_padded: Vec<u8>,
    x: SecretBytes,
    s_padded: SecretBytes,
    key: SecretBytes,
}

impl fmt::Debug for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transcript").finish_non_exhaustive()
    }
}

impl Transcript {
    /// padHex(A).
    #[must_use]
    pub fn a_padded(&self) -> &[u8] {
        &self.a_padded
    }
    /// padHex(B), B as sent.
    #[must_use]
    pub fn b_padded(&self) -> &[u8] {
        &self.b_padded
    }
    /// padHex(salt), hashed into `x`.
    #[must_use]
    pub fn salt_padded(&self) -> &[u8] {
        &self.salt_padded
    }
    /// padHex(u): the HKDF salt.
    #[must_use]
    pub fn u_padded(&self) -> &[u8] {
        &self.u_padded
    }
    /// `x`, 32 bytes (secret).
    #[must_use]
    pub fn x(&self) -> &SecretBytes {
        &self.x
    }
    /// padHex(S): the HKDF input key material (secret).
    #[must_use]
    pub fn premaster_padded(&self) -> &SecretBytes {
        &self.s_padded
    }
    /// The 16-byte derived key (secret).
    #[must_use]
    pub fn key(&self) -> &SecretBytes {
        &self.key
    }
}
