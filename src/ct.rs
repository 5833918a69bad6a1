//! Constant-time pieces that the hash crates do not cover: padHex of a secret (its length
//! depends on the leading bytes of the value) and HMAC-SHA256 over a message of secret length,
//! so that `HKDF(padHex(u), padHex(S))` neither branches on nor indexes memory with `S`. Also
//! the points where a value computed from secrets becomes public ([`declassify`]), which the
//! constant-time check (`ct-check/`) hands to valgrind.

use sha2::block_api::compress256;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::srp::math::N_LEN;

/// Marks `bytes`, computed from secrets, as public from here on: `A`, `B`, a verifier, a
/// signature, the outcome of a comparison. A no-op, except with the `ct-check-hooks` feature,
/// where it calls the hook the constant-time check installs (which tells valgrind the bytes
/// are defined). The caller must read the bytes back from memory after the call, as every
/// caller here does.
#[inline(always)]
pub(crate) fn declassify(bytes: &mut [u8]) {
    #[cfg(feature = "ct-check-hooks")]
    hooks::declassify(bytes);
    #[cfg(not(feature = "ct-check-hooks"))]
    let _ = bytes;
}

/// [`declassify`] for a condition computed from secrets whose outcome is public (a value that
/// is refused either way, a signature that does or does not verify).
#[inline(always)]
pub(crate) fn declassify_bool(value: bool) -> bool {
    let mut byte = [u8::from(value)];
    declassify(&mut byte);
    byte[0] != 0
}

/// The hook of the constant-time check: nothing else may use it.
#[cfg(feature = "ct-check-hooks")]
#[doc(hidden)]
pub mod hooks {
    extern crate std;

    use std::sync::OnceLock;

    static HOOK: OnceLock<fn(&mut [u8])> = OnceLock::new();

    /// Installs the function every declassification point calls; `false` when one is
    /// installed already.
    pub fn set_declassify_hook(hook: fn(&mut [u8])) -> bool {
        HOOK.set(hook).is_ok()
    }

    pub(crate) fn declassify(bytes: &mut [u8]) {
        if let Some(hook) = HOOK.get() {
            hook(bytes);
        }
    }
}

/// All ones when `a == b`, else zero, without a branch. `black_box` keeps the optimiser from
/// turning the mask's uses back into a branch.
#[inline(always)]
fn eq_mask(a: usize, b: usize) -> usize {
    let x = a ^ b;
    let differs = (x | x.wrapping_neg()) >> (usize::BITS - 1);
    core::hint::black_box(differs.wrapping_sub(1))
}

/// All ones when `x != 0`.
#[inline(always)]
fn nonzero_mask(x: usize) -> usize {
    !eq_mask(x, 0)
}

/// The longest padHex of a value below 2^3072: 384 bytes and a sign byte.
pub(crate) const PAD_MAX: usize = N_LEN + 1;

/// Passes of the shift: enough bits for any shift up to [`PAD_MAX`].
const SHIFT_STAGES: u32 = usize::BITS - PAD_MAX.leading_zeros();

/// padHex of a secret 384-byte big-endian value, computed in constant time: the bytes at the
/// front of a fixed buffer (zeros after them) and their count, which is secret too. Wiped on
/// drop.
pub(crate) struct PaddedSecret {
    bytes: Zeroizing<[u8; PAD_MAX]>,
    len: usize,
}

impl PaddedSecret {
    /// padHex(`be`): leading zero bytes dropped, one `00` in front when the first remaining
    /// byte has its top bit set, and `00` for zero, as [`super::srp::encoding`]'s
    /// `pad_unsigned`. The value is put behind a zero byte and shifted left by the number of
    /// bytes to drop, one masked pass per bit of that number.
    pub(crate) fn new(be: &[u8; N_LEN]) -> Self {
        // Leading zero bytes and the first non-zero byte, by masks over every byte.
        let mut zeros = 0usize;
        let mut seen = 0usize;
        let mut first = 0usize;
        for &b in be {
            let nonzero = nonzero_mask(usize::from(b));
            first |= usize::from(b) & nonzero & !seen;
            seen |= nonzero;
            zeros += 1 & !seen;
        }
        let top = first >> 7;
        let is_zero = !seen & 1;
        // Drop the added zero byte unless the sign byte is needed; zero keeps one `00`.
        let shift = zeros + 1 - top;
        let len = N_LEN - zeros + top + is_zero;
        let mut bytes = Zeroizing::new([0u8; PAD_MAX]);
        for (dst, &src) in bytes.iter_mut().skip(1).zip(be) {
            *dst = src;
        }
        for stage in 0..SHIFT_STAGES {
            let amount = 1usize << stage;
            // The mask's low byte: all ones or zero; through `black_box`, or the optimiser
            // turns the selection below into a branch.
            let take = core::hint::black_box(0usize.wrapping_sub((shift >> stage) & 1)) as u8;
            for i in 0..PAD_MAX {
                let src = bytes.get(i + amount).copied().unwrap_or(0);
                if let Some(dst) = bytes.get_mut(i) {
                    *dst = (src & take) | (*dst & !take);
                }
            }
        }
        Self { bytes, len }
    }
}

/// SHA-256's initial state (FIPS 180-4, §5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// Message blocks of HMAC's inner hash for a message of up to [`PAD_MAX`] bytes: the
/// message, `0x80`, and the 8-byte length.
const INNER_BLOCKS: usize = (PAD_MAX + 9).div_ceil(64);

/// HMAC-SHA256(key, message) for a public key and a secret message of secret length: every
/// block the longest message needs is compressed, each built with masks (message byte,
/// `0x80` at the secret end, the length in the block that ends the message), and the state
/// after the message's last block is picked by mask. The outer hash has a fixed length.
pub(crate) fn hmac_sha256(key: &[u8], message: &PaddedSecret) -> Zeroizing<[u8; 32]> {
    let mut block_key = Zeroizing::new([0u8; 64]);
    if key.len() > 64 {
        if let Some(dst) = block_key.get_mut(..32) {
            dst.copy_from_slice(&Sha256::digest(key));
        }
    } else if let Some(dst) = block_key.get_mut(..key.len()) {
        dst.copy_from_slice(key);
    }
    let mut pad = Zeroizing::new([0u8; 64]);
    for (p, &k) in pad.iter_mut().zip(block_key.iter()) {
        *p = k ^ 0x36;
    }
    let mut state = SHA256_IV;
    compress256(&mut state, core::slice::from_ref(&*pad));

    let len = message.len;
    // The block holding the last length byte (the key block before it is 64 bytes, so
    // block boundaries are the message's own).
    let last = (len + 8) / 64;
    let bit_len = (((64 + len) as u64) * 8).to_be_bytes();
    let mut inner = Zeroizing::new([0u32; 8]);
    let mut block = Zeroizing::new([0u8; 64]);
    for j in 0..INNER_BLOCKS {
        let is_last = eq_mask(j, last);
        for (p, out) in block.iter_mut().enumerate() {
            let pos = 64 * j + p;
            let mut byte = message.bytes.get(pos).copied().unwrap_or(0);
            byte |= 0x80 & (eq_mask(pos, len) as u8);
            if let Some(&l) = p.checked_sub(56).and_then(|i| bit_len.get(i)) {
                byte |= l & (is_last as u8);
            }
            *out = byte;
        }
        compress256(&mut state, core::slice::from_ref(&*block));
        let keep = is_last as u32;
        for (acc, &word) in inner.iter_mut().zip(&state) {
            *acc |= word & keep;
        }
    }
    state.zeroize();

    let mut digest = Zeroizing::new([0u8; 32]);
    for (chunk, word) in digest.chunks_exact_mut(4).zip(inner.iter()) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    for (p, &k) in pad.iter_mut().zip(block_key.iter()) {
        *p = k ^ 0x5c;
    }
    let mut outer = Sha256::new();
    outer.update(pad.as_slice());
    outer.update(digest.as_slice());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&outer.finalize());
    out
}

#[cfg(test)]
mod tests {
    extern crate std;

    use alloc::vec::Vec;

    use hmac::{Hmac, KeyInit, Mac};
    use proptest::prelude::*;

    use super::*;
    use crate::srp::encoding::pad_unsigned;

    fn padded_vec(p: &PaddedSecret) -> Vec<u8> {
        p.bytes.get(..p.len).unwrap_or_default().to_vec()
    }

    /// A 384-byte value with `zeros` leading zero bytes, then `first`, then `rest`.
    fn value(zeros: usize, first: u8, rest: u8) -> [u8; N_LEN] {
        let mut v = [rest; N_LEN];
        v.iter_mut().take(zeros).for_each(|b| *b = 0);
        if let Some(b) = v.get_mut(zeros) {
            *b = first;
        }
        v
    }

    fn check(v: &[u8; N_LEN], key: &[u8]) {
        let p = PaddedSecret::new(v);
        let want = pad_unsigned(v);
        assert_eq!(padded_vec(&p), want);
        assert!(p.bytes.iter().skip(p.len).all(|&b| b == 0), "zeros after");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
        mac.update(&want);
        assert_eq!(
            &*hmac_sha256(key, &p),
            mac.finalize().into_bytes().as_slice()
        );
    }

    /// padHex and the HMAC over it agree with `pad_unsigned` and the hmac crate for every
    /// count of leading zero bytes, both top bits, zero, and keys of every kind of length.
    #[test]
    fn padded_secret_and_hmac_match_the_variable_time_forms() {
        for zeros in 0..=N_LEN {
            for (first, rest) in [(0x80, 0xff), (0x7f, 0x01), (0x01, 0x80), (0xff, 0x00)] {
                check(&value(zeros, first, rest), &[0x5a; 33]);
            }
        }
        for key_len in [0, 1, 32, 33, 63, 64, 65, 200] {
            check(&value(3, 0x90, 0x12), &alloc::vec![7u8; key_len]);
        }
    }

    proptest! {
        #[test]
        fn random_values(zeros in 0usize..=N_LEN, bytes in proptest::collection::vec(any::<u8>(), N_LEN), key in proptest::collection::vec(any::<u8>(), 0..80)) {
            let mut v = [0u8; N_LEN];
            v.copy_from_slice(&bytes);
            v.iter_mut().take(zeros).for_each(|b| *b = 0);
            check(&v, &key);
        }
    }
}
