//! RFC 6238 TOTP (HMAC-SHA1, 30-second steps, 6 digits) and RFC 4648 base32, as
//! authenticator apps and Cognito's `SecretCode` use them.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::time::UnixTime;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648 alphabet) without padding.
pub(crate) fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            let index = ((buffer >> bits) & 31) as usize;
            out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'A')));
        }
    }
    if bits > 0 {
        let index = ((buffer << (5 - bits)) & 31) as usize;
        out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'A')));
    }
    out
}

/// Decodes base32 (either case, `=` padding and spaces ignored); `None` for other characters.
pub(crate) fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c == b'=' || c == b' ' {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        let value = ALPHABET.iter().position(|&a| a == upper)?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// A new TOTP secret for `AssociateSoftwareToken`: 20 random bytes, base32.
pub(crate) fn new_secret<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut key = [0u8; 20];
    rng.fill_bytes(&mut key);
    base32_encode(&key)
}

/// Whether `code` has the form `VerifySoftwareToken` accepts: six digits.
pub(crate) fn is_user_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The 6-digit TOTP code of a base32 secret at `now` (30-second steps from the epoch).
/// `None` when the secret is not base32.
#[must_use]
pub fn totp_code(secret_base32: &str, now: UnixTime) -> Option<String> {
    code_at(secret_base32, now.0 / 30)
}

fn code_at(secret_base32: &str, counter: u64) -> Option<String> {
    let key = base32_decode(secret_base32)?;
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).ok()?;
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.get(19).copied().unwrap_or(0) & 0x0f);
    let word = digest.get(offset..offset + 4)?;
    let value = u32::from_be_bytes([
        word.first()? & 0x7f,
        *word.get(1)?,
        *word.get(2)?,
        *word.get(3)?,
    ]);
    let mut out = String::with_capacity(6);
    let _ = write!(out, "{:06}", value % 1_000_000);
    Some(out)
}

/// Whether `code` is the code of the previous, current or next 30-second step.
pub(crate) fn verify(secret_base32: &str, code: &str, now: UnixTime) -> bool {
    let step = now.0 / 30;
    [step.saturating_sub(1), step, step.saturating_add(1)]
        .iter()
        .filter_map(|&s| code_at(secret_base32, s))
        .fold(false, |found, expected| found | subtle_eq(&expected, code))
}

fn subtle_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, key "12345678901234567890", truncated to 6 digits.
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (t, code) in [
            (59u64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(
                totp_code(&secret, UnixTime(t)).as_deref(),
                Some(code),
                "{t}"
            );
        }
        assert!(verify(&secret, "287082", UnixTime(59 + 30)));
        assert!(!verify(&secret, "287082", UnixTime(59 + 90)));
        assert_eq!(
            base32_decode(&secret).as_deref(),
            Some(&b"12345678901234567890"[..])
        );
        assert_eq!(base32_decode("a!"), None);
    }
}
