//! RFC 6238 TOTP as authenticator apps compute it for Cognito: HMAC-SHA1 over the base32
//! secret, 30-second steps, 6 digits.
#![allow(unreachable_pub)] // items shared with tests/third_party_servers.rs only

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// RFC 4648 base32, upper or lower case, padding optional. Trailing bits that do not fill a
/// byte are dropped, as Python's `base64.b32decode` does after padding (moto's 12-character
/// secret decodes to 7 bytes).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap());
        }
    }
    Some(out)
}

/// The code for the 30-second step that holds `unix_time`, shifted by `step_offset` steps.
pub fn code(secret_base32: &str, unix_time: u64, step_offset: i64) -> String {
    let key = base32_decode(secret_base32).expect("a base32 TOTP secret");
    let counter = (unix_time / 30).checked_add_signed(step_offset).unwrap();
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).unwrap();
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", word % 1_000_000)
}

/// A six-digit code that is none of the codes of the steps around `unix_time` (servers accept
/// up to one step either side), so a server must refuse it.
pub fn wrong_code(secret_base32: &str, unix_time: u64) -> String {
    let near: Vec<String> = (-2..=2)
        .map(|offset| code(secret_base32, unix_time, offset))
        .collect();
    (0..)
        .map(|n: u32| format!("{:06}", (n * 7919 + 123_456) % 1_000_000))
        .find(|c| !near.contains(c))
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (the 8-digit codes end in the 6 digits checked here),
    /// secret "12345678901234567890" in base32.
    #[test]
    fn rfc6238_vectors() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(base32_decode(secret).unwrap(), b"12345678901234567890");
        for (time, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code(secret, time, 0), expected[2..], "t = {time}");
        }
    }

    #[test]
    fn base32_drops_trailing_bits_like_python() {
        // base64.b32decode("asdfasdfasdf====", casefold=True)
        assert_eq!(
            base32_decode("asdfasdfasdf").unwrap(),
            [0x04, 0x86, 0x50, 0x48, 0x65, 0x04, 0x86]
        );
        assert!(base32_decode("a1").is_none());
    }

    #[test]
    fn wrong_code_is_wrong() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let wrong = wrong_code(secret, 1_234_567_890);
        for offset in -2..=2 {
            assert_ne!(wrong, code(secret, 1_234_567_890, offset));
        }
    }
}
