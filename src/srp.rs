//! Cognito's SRP-6a: the client's proof for `PASSWORD_VERIFIER` and
//! `DEVICE_PASSWORD_VERIFIER`, and the server side that checks it.
//!
//! Cognito's variant differs from RFC 5054 in its byte encodings (padHex, §6.2 of the protocol
//! reference), in `k`, in the key derivation (HKDF with info `Caldera Derived Key`) and in the
//! proof message. Everything here follows Cognito's own clients byte for byte.
//!
//! ```
//! use cognito_signin::srp::{Ephemeral, Identity, PrivateSize, ServerChallenge, ServerSession, Verifier};
//! use cognito_signin::{Password, UnixTime};
//! # use rand::{SeedableRng, rngs::StdRng};
//! let mut rng = StdRng::seed_from_u64(7); // any rand_core::CryptoRng
//! // The server knows a verifier made when the password was set.
//! let id = Identity::user("us-east-1_Pool1", "alice")?;
//! let password = Password::new("correct horse");
//! let verifier = Verifier::generate(&id, &password, &mut rng);
//! let server = ServerSession::generate(verifier, PrivateSize::default(), &mut rng)?;
//!
//! // Client: A goes out as SRP_A; the server's SALT, SRP_B and SECRET_BLOCK come back.
//! let client = Ephemeral::generate(PrivateSize::default(), &mut rng)?;
//! let secret_block = "AAECAw==";
//! let challenge = ServerChallenge::parse(&server.salt_hex(), &server.public_hex(), secret_block)?;
//! let claim = client.respond(&id, &password, &challenge, UnixTime(1_700_000_000))?;
//!
//! // PASSWORD_CLAIM_SIGNATURE verifies on the server side.
//! server.verify(&id, &client.public_hex(), &[0, 1, 2, 3], &claim.timestamp, &claim.signature)?;
//! # Ok::<(), cognito_signin::Error>(())
//! ```

mod client;
pub(crate) mod encoding;
mod group;
pub(crate) mod math;
mod server;

use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Misuse};
use crate::secret::{Password, SecretBytes};

#[doc(hidden)] // for test vectors and the fuzzers; not part of the stable API
pub use client::Transcript;
pub use client::{Ephemeral, PasswordClaim, ServerChallenge};
pub use server::{Premaster, ServerEphemeral, ServerSession, Verifier};

/// The generator g.
pub const GENERATOR: u8 = group::G;

/// Cognito's multiplier `k = SHA-256(padHex(N) ‖ padHex(g))`, 32 big-endian bytes.
pub const MULTIPLIER: [u8; 32] = group::K;

/// The 3072-bit prime N (RFC 3526 group 15) as 384 big-endian bytes.
#[must_use]
pub fn modulus() -> [u8; 384] {
    math::modulus_bytes()
}

/// Longest SRP private value (`a`, `b`) accepted, in bytes.
pub const MAX_PRIVATE_BYTES: usize = math::MAX_PRIVATE_LEN;

/// Longest hexadecimal number (`SRP_A`, `SRP_B`, `SALT`) accepted, in digits: twice N's
/// 384 bytes plus a margin. Longer values are refused with
/// [`ProtocolError::FieldTooLong`](crate::ProtocolError::FieldTooLong).
pub const MAX_HEX_DIGITS: usize = 2 * math::MAX_PUBLIC_LEN;

/// Longest `SECRET_BLOCK` accepted, in base64 characters (the service model's limit for a
/// challenge parameter).
pub const MAX_SECRET_BLOCK_CHARS: usize = 131_072;

/// The size of a freshly drawn SRP private value (`a` on the client, `b` on the server).
///
/// Every exponentiation runs in time that depends on this size only, never on the value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrivateSize {
    /// 256 bits (32 bytes): RFC 5054's floor and what AWS's Swift client draws. The default:
    /// about a quarter of the work of [`PrivateSize::Bits1024`] for `A` and half for `S`.
    #[default]
    Bits256,
    /// 1024 bits (128 bytes), as AWS's JavaScript, Amplify and .NET clients draw.
    Bits1024,
}

impl PrivateSize {
    /// The size in bytes.
    #[must_use]
    pub const fn bytes(self) -> usize {
        match self {
            Self::Bits256 => 32,
            Self::Bits1024 => 128,
        }
    }
}

/// A table of powers of g, built once and shared read-only, that computes `A = g^a` and the
/// claim's `g^x` with one multiplication per 4 bits of the exponent and no squarings: about
/// twice as fast as the table-free path for the default 256-bit `a`.
///
/// With the `std` feature a shared table is built on first use and nothing needs to be done.
/// Without it (WASM, firmware), build one at start-up and hand it to
/// [`Config::with_powers_of_g`](crate::Config::with_powers_of_g) or
/// [`Ephemeral::generate_with`]; it needs only `alloc`. The values are public (powers of g):
/// the table is not secret, and every lookup reads a whole row, so its use leaks nothing
/// about the exponent.
///
/// Size: 5,760 bytes and 15 multiplications to build per 4 bits covered; 368,640 bytes for
/// [`PrivateSize::Bits256`] (about 2.5 ms to build natively), 1,474,560 for
/// [`PrivateSize::Bits1024`]. `x` is always 256 bits, so every table covers it.
///
/// ```
/// use cognito_signin::srp::{PowersOfG, PrivateSize};
/// # use cognito_signin::Config;
/// let table: &'static PowersOfG = Box::leak(Box::new(PowersOfG::new(PrivateSize::Bits256)));
/// assert_eq!(table.covered_bits(), 256);
/// let config = Config::new("us-east-1_Example1", "exampleclient")?.with_powers_of_g(table);
/// # Ok::<(), cognito_signin::Error>(())
/// ```
pub struct PowersOfG {
    table: math::Table,
}

impl PowersOfG {
    /// A table covering private values of `size` (and `x`'s 256 bits).
    #[must_use]
    pub fn new(size: PrivateSize) -> Self {
        let bits = (8 * size.bytes()).max(256);
        Self {
            table: math::Table::new(bits.div_ceil(4)),
        }
    }

    /// The longest exponent the table covers, in bits; longer ones take the table-free path.
    #[must_use]
    pub fn covered_bits(&self) -> usize {
        self.table.covered_bits()
    }

    pub(crate) fn table(&self) -> &math::Table {
        &self.table
    }
}

impl core::fmt::Debug for PowersOfG {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PowersOfG")
            .field("covered_bits", &self.covered_bits())
            .finish()
    }
}

/// The 3072-bit arithmetic itself, for the differential fuzz target and the benchmarks: not
/// part of the stable API. Every integer is unsigned big-endian bytes; results are 384 bytes,
/// fully reduced but for the raw Montgomery products of two values both at or above N.
#[doc(hidden)]
pub mod arith {
    use super::PowersOfG;
    use super::math::{N_LEN, arith};

    /// The raw Montgomery product `a·b·R⁻¹ mod N` of two values below R = 2^3072: below N
    /// when one of them is (otherwise below R, congruent, and below N but for a fraction of
    /// about 2^-65).
    #[must_use]
    pub fn mont_mul(a: &[u8; N_LEN], b: &[u8; N_LEN]) -> [u8; N_LEN] {
        arith::mont_mul(a, b)
    }

    /// The raw Montgomery square `a²·R⁻¹ mod N` of a value below R: below N when `a` is.
    #[must_use]
    pub fn mont_sqr(a: &[u8; N_LEN]) -> [u8; N_LEN] {
        arith::mont_sqr(a)
    }

    /// `base^e mod N` (fixed windows, the exponent bounded by its byte length); `None` when
    /// `base` has more than 512 significant bytes or `e` more than 512 bytes.
    #[must_use]
    pub fn pow(base: &[u8], e: &[u8]) -> Option<[u8; N_LEN]> {
        arith::pow(base, e)
    }

    /// `g^e mod N` without a table; `None` when `e` has more than 512 bytes.
    #[must_use]
    pub fn pow2(e: &[u8]) -> Option<[u8; N_LEN]> {
        arith::pow2(e)
    }

    /// `g^e mod N` as `A` is computed: from `table` when it covers `e`, else the shared
    /// table (with `std`) or no table; `None` when `e` has more than 512 bytes.
    #[must_use]
    pub fn pow_g(e: &[u8], table: Option<&PowersOfG>) -> Option<[u8; N_LEN]> {
        arith::pow_g(e, table.map(PowersOfG::table))
    }

    /// An element mod N, to time one multiplication or squaring.
    #[derive(Clone, Copy)]
    #[allow(missing_debug_implementations)]
    pub struct Element(arith::Element);

    impl Element {
        /// `bytes` reduced mod N; `None` beyond 512 significant bytes.
        #[must_use]
        pub fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
            arith::Element::from_be_bytes(bytes).map(Self)
        }

        /// `self·other mod N`.
        #[must_use]
        pub fn mul(&self, other: &Self) -> Self {
            Self(self.0.mul(&other.0))
        }

        /// `self² mod N`.
        #[must_use]
        pub fn square(&self) -> Self {
            Self(self.0.square())
        }

        /// The value, 384 big-endian bytes.
        #[must_use]
        pub fn to_be_bytes(self) -> [u8; N_LEN] {
            self.0.to_be_bytes()
        }
    }
}

/// Who proves knowledge of a password: a user of a pool, or a remembered device.
///
/// The two differ only in the two strings hashed into `x` and into the claim: the pool name
/// and `USER_ID_FOR_SRP` for a user, the device group key and device key for a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity<'a> {
    realm: &'a str,
    user: &'a str,
}

impl<'a> Identity<'a> {
    /// A user: the pool name (the part of `user_pool_id` after `_`) and the internal username
    /// the service sent as `USER_ID_FOR_SRP`, never the alias the user typed.
    ///
    /// # Errors
    /// [`Misuse::BadArgument`] when `user_pool_id` has no `_` or an empty pool name.
    pub fn user(user_pool_id: &'a str, user_id_for_srp: &'a str) -> Result<Self, Error> {
        match user_pool_id.split_once('_') {
            Some((_, pool_name)) if !pool_name.is_empty() => Ok(Self {
                realm: pool_name,
                user: user_id_for_srp,
            }),
            _ => Err(Misuse::BadArgument("user_pool_id").into()),
        }
    }

    /// A remembered device: its `DeviceGroupKey` and `DeviceKey` from `NewDeviceMetadata`.
    #[must_use]
    pub const fn device(device_group_key: &'a str, device_key: &'a str) -> Self {
        Self {
            realm: device_group_key,
            user: device_key,
        }
    }
}

/// Draws `size` bytes that are not all zero.
fn draw_private<R: rand_core::CryptoRng + ?Sized>(
    size: PrivateSize,
    rng: &mut R,
) -> Result<SecretBytes, Error> {
    let mut bytes = Zeroizing::new(alloc::vec![0u8; size.bytes()]);
    for _ in 0..4 {
        rng.fill_bytes(&mut bytes);
        // Whether the draw is zero is public (a broken source is reported); which bytes are
        // not is not.
        let nonzero = bytes.iter().fold(0u8, |acc, &b| acc | b) != 0;
        if crate::ct::declassify_bool(nonzero) {
            return Ok(SecretBytes::new(core::mem::take(&mut *bytes)));
        }
    }
    Err(Misuse::BrokenRandomSource.into())
}

/// Checks a caller-supplied private value: 1 to [`MAX_PRIVATE_BYTES`] bytes, not zero.
fn check_private(bytes: &[u8]) -> Result<SecretBytes, Error> {
    let zero = bytes.iter().fold(0u8, |acc, &b| acc | b) == 0;
    if bytes.is_empty() || bytes.len() > MAX_PRIVATE_BYTES || crate::ct::declassify_bool(zero) {
        return Err(Misuse::BadPrivateValue.into());
    }
    Ok(SecretBytes::new(bytes.to_vec()))
}

/// `u = H(padHex(A) ‖ padHex(B))`, given the padHex bytes of both.
#[doc(hidden)] // for test vectors and the fuzzers; not part of the stable API
#[must_use]
pub fn compute_u(a_padded: &[u8], b_padded: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(a_padded);
    h.update(b_padded);
    h.finalize().into()
}

/// `x = H(padHex(salt) ‖ H(realm ‖ user ‖ ":" ‖ password))`, the private key derived from a
/// password (32 raw bytes, read as an unsigned integer).
#[doc(hidden)] // for test vectors and the fuzzers; not part of the stable API
#[must_use]
pub fn compute_x(identity: &Identity<'_>, password: &Password, salt_padded: &[u8]) -> SecretBytes {
    let mut inner = Sha256::new();
    inner.update(identity.realm.as_bytes());
    inner.update(identity.user.as_bytes());
    inner.update(b":");
    inner.update(password.expose_secret().as_bytes());
    let inner = Zeroizing::new(<[u8; 32]>::from(inner.finalize()));
    let mut outer = Sha256::new();
    outer.update(salt_padded);
    outer.update(*inner);
    SecretBytes::new(outer.finalize().to_vec())
}

/// HKDF-SHA256 with salt `padHex(u)`, key material `padHex(S)`, info `Caldera Derived Key`,
/// 16 bytes of output.
fn derive_key(u_padded: &[u8], s: &[u8; math::N_LEN]) -> SecretBytes {
    // HKDF's extraction by hand: padHex(S) has a length that depends on S's leading bytes,
    // and `ct` hashes it without a branch or an address that depends on them.
    let prk = crate::ct::hmac_sha256(u_padded, &crate::ct::PaddedSecret::new(s));
    let mut okm = Zeroizing::new([0u8; 16]);
    // The PRK is 32 bytes, HKDF-SHA256's length, and 16 bytes are far below its 8160-byte
    // limit, so neither step can fail.
    if let Ok(hk) = hkdf::Hkdf::<Sha256>::from_prk(&*prk) {
        let _ = hk.expand(b"Caldera Derived Key", &mut *okm);
    }
    SecretBytes::new(okm.to_vec())
}

/// HMAC-SHA256(key, realm ‖ user ‖ secret block ‖ timestamp), ready to finalize or verify.
fn claim_mac(
    key: &SecretBytes,
    identity: &Identity<'_>,
    secret_block: &[u8],
    timestamp: &str,
) -> Hmac<Sha256> {
    // HMAC takes keys of any length; the fallback is unreachable and would only produce a
    // signature the service refuses.
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose_secret())
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(identity.realm.as_bytes());
    mac.update(identity.user.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac
}

fn encode_signature(mac: Hmac<Sha256>) -> String {
    let mut tag: [u8; 32] = mac.finalize().into_bytes().into();
    crate::ct::declassify(&mut tag);
    STANDARD.encode(tag)
}

/// padHex of an integer given as unsigned big-endian bytes (Java's `BigInteger.toByteArray()`
/// for a non-negative value): leading zeros removed, `00` in front when the top bit is set.
#[doc(hidden)] // for test vectors and the fuzzers; not part of the stable API
#[must_use]
pub fn pad_hex(unsigned_be: &[u8]) -> Vec<u8> {
    encoding::pad_unsigned(unsigned_be)
}
