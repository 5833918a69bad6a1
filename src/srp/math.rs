//! The only file that uses the big-integer backend (crypto-bigint). Bytes in, bytes out:
//! every integer enters and leaves as unsigned big-endian bytes, so the backend can change
//! without touching anything else.
//!
//! Timing: every exponentiation with a secret exponent (`a`, `x`, `a + u·x`, `b`) runs
//! crypto-bigint's constant-time fixed-window ladder, whose running time depends only on the
//! exponent's bit bound (the length of the private value, which is public), never on its bits.
//! Multiplications and subtractions mod N are constant time. Reductions of public values
//! (`A`, `B`) and the exponentiation by the public `u` are variable time.
#![allow(unreachable_pub)] // the modulus type made by the macro below stays crate-private

use crypto_bigint::modular::{ConstMontyForm, ConstMontyParams};
use crypto_bigint::{NonZero, U256, U3072, U4096, Uint, Word, const_monty_params};
use zeroize::{Zeroize, Zeroizing};

use super::group::{G, N_HEX};

/// Bytes of N (and of every value mod N).
pub(crate) const N_LEN: usize = 384;
/// Longest public integer (`A`, `B`) accepted, in bytes: N's length plus a margin.
pub(crate) const MAX_PUBLIC_LEN: usize = 512;
/// Longest private exponent (`a`, `b`) accepted, in bytes.
pub(crate) const MAX_PRIVATE_LEN: usize = 512;

const_monty_params!(Modulus, U3072, N_HEX, "Cognito's 3072-bit prime N");
type Fe = ConstMontyForm<Modulus, { U3072::LIMBS }>;

/// Room for a + u·x with `a` up to MAX_PRIVATE_LEN bytes and u·x up to 512 bits.
const EXP_LIMBS: usize = U4096::LIMBS + U256::LIMBS;
type Exp = Uint<EXP_LIMBS>;

const WORD_BYTES: usize = Word::BITS as usize / 8;
const N_WIDE: NonZero<U4096> =
    NonZero::<U4096>::new_unwrap(Modulus::PARAMS.modulus().as_ref().resize());

/// Unsigned big-endian bytes into a `Uint<L>`; `None` when the value does not fit.
fn uint_from_be<const L: usize>(bytes: &[u8]) -> Option<Uint<L>> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = bytes.get(first..)?;
    if digits.len() > L * WORD_BYTES {
        return None;
    }
    let mut words = [0 as Word; L];
    for (i, &byte) in digits.iter().rev().enumerate() {
        let word = words.get_mut(i / WORD_BYTES)?;
        *word |= Word::from(byte) << (8 * (i % WORD_BYTES));
    }
    Some(Uint::from_words(words))
}

/// A value below N as exactly N_LEN big-endian bytes.
fn to_be_n(x: &U3072) -> [u8; N_LEN] {
    let mut out = [0u8; N_LEN];
    for (i, out_byte) in out.iter_mut().rev().enumerate() {
        let word = x.as_words().get(i / WORD_BYTES).copied().unwrap_or(0);
        // Truncation to the selected byte is the point.
        #[allow(clippy::cast_possible_truncation)]
        let byte = (word >> (8 * (i % WORD_BYTES))) as u8;
        *out_byte = byte;
    }
    out
}

fn fe_to_bytes(x: &Fe) -> [u8; N_LEN] {
    to_be_n(&x.retrieve())
}

/// A public value of up to MAX_PUBLIC_LEN bytes, reduced mod N.
fn reduce_public(bytes: &[u8]) -> Option<U3072> {
    let wide = uint_from_be::<{ U4096::LIMBS }>(bytes)?;
    Some(wide.rem_vartime(&N_WIDE).resize())
}

/// N as 384 big-endian bytes.
pub(crate) fn modulus_bytes() -> [u8; N_LEN] {
    to_be_n(Modulus::PARAMS.modulus().as_ref())
}

/// Whether a public value of at most MAX_PUBLIC_LEN bytes is 0 mod N (`None`: too long).
pub(crate) fn is_zero_mod_n(value: &[u8]) -> Option<bool> {
    reduce_public(value).map(|v| v.is_zero_vartime())
}

/// Bit bound of a secret exponent of `len` bytes: public, so it may shape the schedule.
fn bit_bound(len: usize) -> u32 {
    // len <= MAX_PRIVATE_LEN + 64, far below u32::MAX / 8.
    u32::try_from(len.saturating_mul(8)).unwrap_or(u32::MAX)
}

/// `base^exp mod N` for a secret exponent bounded by `bits` (public). Uses almost-Montgomery
/// multiplication when the exponent fits N's width, the plain ladder otherwise; both select
/// their table entries in constant time.
fn pow_secret<const L: usize>(base: &Fe, exp: &Uint<L>, bits: u32) -> Fe {
    if bits <= U3072::BITS {
        let mut narrow: U3072 = exp.resize();
        let r = base.pow_amm_bounded_exp(&narrow, bits);
        narrow.zeroize();
        r
    } else {
        base.pow_bounded_exp(exp, bits)
    }
}

/// `g^e mod N` for a secret exponent of at most MAX_PRIVATE_LEN bytes, in constant time for
/// all exponents of the same byte length.
pub(crate) fn pow_g(exp: &[u8]) -> Option<Zeroizing<[u8; N_LEN]>> {
    if exp.len() > MAX_PRIVATE_LEN {
        return None;
    }
    let mut e = uint_from_be::<EXP_LIMBS>(exp)?;
    let g = Fe::new(&U3072::from_u8(G));
    let r = pow_secret(&g, &e, bit_bound(exp.len()));
    e.zeroize();
    Some(Zeroizing::new(fe_to_bytes(&r)))
}

/// Why a client premaster secret cannot be formed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PremasterError {
    /// An input is longer than the limits above.
    TooLong,
    /// `B - k·g^x ≡ 0 (mod N)`: the shared secret would be 0.
    DegenerateBase,
}

/// Client side: `S = (B - k·g^x)^(a + u·x) mod N`, with `x`, `a` secret.
pub(crate) fn client_premaster(
    b_pub: &[u8],
    k: &[u8; 32],
    x: &[u8; 32],
    u: &[u8; 32],
    a: &[u8],
) -> Result<Zeroizing<[u8; N_LEN]>, PremasterError> {
    if a.len() > MAX_PRIVATE_LEN {
        return Err(PremasterError::TooLong);
    }
    let b_red = reduce_public(b_pub).ok_or(PremasterError::TooLong)?;
    let k = uint_from_be::<{ U3072::LIMBS }>(k).ok_or(PremasterError::TooLong)?;
    let mut x_int = uint_from_be::<{ U256::LIMBS }>(x).ok_or(PremasterError::TooLong)?;
    let u_int = uint_from_be::<{ U256::LIMBS }>(u).ok_or(PremasterError::TooLong)?;

    let g = Fe::new(&U3072::from_u8(G));
    let gx = pow_secret(&g, &x_int, 256);
    let base = Fe::new(&b_red).sub(&Fe::new(&k).mul(&gx));
    if base.retrieve().is_zero_vartime() {
        x_int.zeroize();
        return Err(PremasterError::DegenerateBase);
    }

    // e = a + u·x, with u·x < 2^512.
    let (lo, hi) = u_int.widening_mul(&x_int);
    x_int.zeroize();
    let mut ux_words = [0 as Word; EXP_LIMBS];
    for (dst, src) in ux_words
        .iter_mut()
        .zip(lo.as_words().iter().chain(hi.as_words()))
    {
        *dst = *src;
    }
    let mut ux = Exp::from_words(ux_words);
    ux_words.zeroize();
    let mut a_int = uint_from_be::<EXP_LIMBS>(a).ok_or(PremasterError::TooLong)?;
    let mut e = a_int.wrapping_add(&ux);
    a_int.zeroize();
    ux.zeroize();
    let bits = bit_bound(a.len().max(64)) + 1;
    let s = pow_secret(&base, &e, bits);
    e.zeroize();
    Ok(Zeroizing::new(fe_to_bytes(&s)))
}

/// Server side: `B = (k·v + g^b) mod N`, with `b` secret.
pub(crate) fn server_public(k: &[u8; 32], v: &[u8], b: &[u8]) -> Option<[u8; N_LEN]> {
    if b.len() > MAX_PRIVATE_LEN {
        return None;
    }
    let k = uint_from_be::<{ U3072::LIMBS }>(k)?;
    let v = reduce_public(v)?;
    let mut b_int = uint_from_be::<EXP_LIMBS>(b)?;
    let g = Fe::new(&U3072::from_u8(G));
    let gb = pow_secret(&g, &b_int, bit_bound(b.len()));
    b_int.zeroize();
    Some(fe_to_bytes(&Fe::new(&k).mul(&Fe::new(&v)).add(&gb)))
}

/// Server side: `S = (A·v^u)^b mod N`, with `b` secret and `A`, `v`, `u` public to the server.
pub(crate) fn server_premaster(
    a_pub: &[u8],
    v: &[u8],
    u: &[u8; 32],
    b: &[u8],
) -> Option<Zeroizing<[u8; N_LEN]>> {
    if b.len() > MAX_PRIVATE_LEN {
        return None;
    }
    let a_red = reduce_public(a_pub)?;
    let v = reduce_public(v)?;
    let u = uint_from_be::<{ U256::LIMBS }>(u)?;
    let mut b_int = uint_from_be::<EXP_LIMBS>(b)?;
    let base = Fe::new(&a_red).mul(&Fe::new(&v).pow_vartime(&u));
    let s = pow_secret(&base, &b_int, bit_bound(b.len()));
    b_int.zeroize();
    Some(Zeroizing::new(fe_to_bytes(&s)))
}
