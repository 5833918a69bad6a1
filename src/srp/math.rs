//! All big-integer arithmetic. Bytes in, bytes out: every integer enters and leaves as
//! unsigned big-endian bytes, so the implementation can change without touching anything else.
//!
//! The arithmetic is this crate's own, in safe Rust: a dedicated 3072-bit Montgomery multiply
//! and square (`math/field.rs`) and the exponentiations (`math/exp.rs`). Both files are
//! compiled with 64-bit limbs on 64-bit targets and with 32-bit limbs elsewhere, so every
//! target multiplies with its native instructions, and on 32-bit WASM with an accumulator that
//! defers carries (WASM has no carry flag); the tests run all three.
//!
//! Timing: every exponentiation with a secret exponent (`a`, `x`, `a + u·x`, `b`) follows a
//! schedule fixed by the exponent's bit bound, which comes from the length of the private value
//! (public), never from its bits: the same squarings, multiplications and whole-table lookups
//! in the same order for every exponent of that length (the unit tests record and compare
//! them). Multiplications, squarings, additions and subtractions mod N do not branch on values
//! or index memory with them. `g^e` uses, in this order of preference:
//! - with the `std` feature and an exponent of at most 1024 bits, a fixed-base table of
//!   `g^(d·16^j)` built on first use and shared (360 KiB for exponents of up to 256 bits, 1.4
//!   MiB up to 1024; see `exp::fixed`): one multiplication per 4 bits, no squarings;
//! - otherwise a table-free ladder that exploits g = 2: one squaring per bit and a shift by the
//!   5-bit window's value instead of a multiplication.
//!
//! `base^e` for any other base uses fixed windows with a table on the stack: 5 bits and 32
//! entries (12 KiB) with 64-bit limbs, 4 bits and 16 entries (6 KiB) with 32-bit limbs.
#![cfg_attr(test, allow(dead_code))]

use zeroize::{Zeroize, Zeroizing};

/// 64-bit limbs with 128-bit products.
#[cfg(any(test, target_pointer_width = "64"))]
mod limb64;

/// 32-bit limbs with 64-bit products, for 32-bit targets other than WASM (and the tests).
#[cfg(any(
    test,
    all(not(target_pointer_width = "64"), not(target_family = "wasm"))
))]
mod limb32;

/// 32-bit limbs with 64-bit products and delayed carries, for 32-bit WASM (and the tests).
#[cfg(any(test, all(not(target_pointer_width = "64"), target_family = "wasm")))]
mod limb32_delayed;

#[cfg(target_pointer_width = "64")]
use limb64::{exp, field};

#[cfg(all(not(target_pointer_width = "64"), not(target_family = "wasm")))]
use limb32::{exp, field};

#[cfg(all(not(target_pointer_width = "64"), target_family = "wasm"))]
use limb32_delayed::{exp, field};

use field::Fe;

/// A fixed-base table for g, built by the caller ([`crate::srp::PowersOfG`]).
pub(crate) use exp::Table;

/// Bytes of N (and of every value mod N).
pub(crate) const N_LEN: usize = 384;
/// Longest public integer (`A`, `B`) accepted, in bytes: N's length plus a margin.
pub(crate) const MAX_PUBLIC_LEN: usize = 512;
/// Longest private exponent (`a`, `b`) accepted, in bytes.
pub(crate) const MAX_PRIVATE_LEN: usize = 512;

/// Room for `a + u·x`: `a` of up to MAX_PRIVATE_LEN bytes, `u·x` below 2^512, one carry.
const EXP_LEN: usize = MAX_PRIVATE_LEN + 65;

/// R² mod N (R = 2^3072), big-endian hex; checked against a fresh computation in the tests.
pub(crate) const R2_HEX: &str = concat!(
    "5AC8B4FB51DF35DA44C4E4E431AD0295A332E8E3E0669E0F",
    "84895A7C5542F96C2AD479FE69695C75FAE1CD10648BEE54",
    "FA022336F28DE7725CAA69009FBF543F9875D4C167DB7EDC",
    "AA05DA05C27FDD33AF0EC45CDC3960862276CB40571F2C1C",
    "49CD9D705DA184D57139D0AB24B7E495A5DAF736BC8D5E9E",
    "109D099E16FD756877A5C747D85B0A838C6CBD34D5965134",
    "A73D01032C4B8E907DED489E670D9C6F19C2883EEFC802AF",
    "0672A33D61E37F747CDA502EC043F99C9A678BF4439F12EB",
    "5A7795D86ECC498719CC8D59563706FBB41A05F078024208",
    "BFD961D538D6FCDD4F12768256E88B53785483C608108C0C",
    "3EFEF29DC3C0B3F41B9D01271D18F0C81CAEFC188A59BC7F",
    "B186424B83DF2859AF80D4B5443561C6FEA5187FA77DEDDA",
    "1D93075AA993D1471EF22571E41A52B28AA61391ABB0B76A",
    "BC2B64CF26E335D7682AAB9A15B17FFAFC1187A5FA8406AB",
    "AE1284023C6ED6A34335AACB64894D9695823215B15BA577",
    "4F30B920E5C1DB663587F06960E7F1382697CA9138D241CD",
);

/// The fuzz targets' cheaper mode. Under `cfg(fuzzing)` (set by cargo-fuzz, never by a
/// normal build) a harness can ask, input by input, for every exponent operand (`a`, `b`,
/// `x`, `u`) to be cut to its low 8 bytes before it is used: the SRP-heavy targets then run
/// several times more inputs through the same code, client and server still agree, and the
/// harness's model cuts the same way. Without `cfg(fuzzing)` this is the identity.
pub(crate) mod short_exponents {
    #[cfg(fuzzing)]
    static ON: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

    /// Turns the cut on or off for what follows (the fuzz harness, once per input).
    #[cfg(fuzzing)]
    pub fn set(on: bool) {
        ON.store(on, core::sync::atomic::Ordering::Relaxed);
    }

    /// `bytes`, or their last 8 while the cut is on.
    #[inline]
    pub(super) fn cut(bytes: &[u8]) -> &[u8] {
        #[cfg(fuzzing)]
        if ON.load(core::sync::atomic::Ordering::Relaxed) {
            return bytes.get(bytes.len().saturating_sub(8)..).unwrap_or(bytes);
        }
        bytes
    }
}

/// A secret exponent with its public bit bound. Wiped on drop.
pub(crate) struct Exponent {
    /// Little-endian bytes; every bit at or above `bits` is zero.
    le: [u8; EXP_LEN],
    bits: usize,
}

impl Drop for Exponent {
    fn drop(&mut self) {
        self.le.zeroize();
    }
}

impl Exponent {
    /// An exponent given as big-endian bytes, bounded by 8 bits per byte (leading zero bytes
    /// count: the bound is the length, not the value). `None` when longer than
    /// MAX_PRIVATE_LEN.
    fn from_be(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > MAX_PRIVATE_LEN {
            return None;
        }
        let bytes = short_exponents::cut(bytes);
        let mut le = [0u8; EXP_LEN];
        for (dst, &src) in le.iter_mut().zip(bytes.iter().rev()) {
            *dst = src;
        }
        Some(Self {
            le,
            bits: 8 * bytes.len(),
        })
    }

    /// `a + u·x` for `a` of at most MAX_PRIVATE_LEN bytes and 32-byte `u` and `x`, bounded by
    /// one bit more than the longer of `a` and the 512-bit `u·x`.
    fn a_plus_ux(a: &[u8], u: &[u8; 32], x: &[u8; 32]) -> Option<Self> {
        let mut e = Self::from_be(a)?;
        let (a, u, x) = (
            short_exponents::cut(a),
            short_exponents::cut(u),
            short_exponents::cut(x),
        );
        // Schoolbook u·x on bytes, every product added in a fixed order.
        let mut ux = Zeroizing::new([0u32; 64]);
        for (i, &ui) in u.iter().rev().enumerate() {
            for (j, &xj) in x.iter().rev().enumerate() {
                if let Some(slot) = ux.get_mut(i + j) {
                    *slot += u32::from(ui) * u32::from(xj);
                }
            }
        }
        // Add the column sums (each below 2^21) into a with carries.
        let mut carry = 0u32;
        for (i, byte) in e.le.iter_mut().enumerate() {
            let v = u32::from(*byte) + ux.get(i).copied().unwrap_or(0) + carry;
            *byte = v.to_le_bytes()[0];
            carry = v >> 8;
        }
        e.bits = 8 * a.len().max(u.len() + x.len()) + 1;
        Some(e)
    }

    /// An exponent from a public 32-byte value (`u`).
    fn public(bytes: &[u8; 32]) -> Self {
        let bytes = short_exponents::cut(bytes);
        let mut le = [0u8; EXP_LEN];
        for (dst, &src) in le.iter_mut().zip(bytes.iter().rev()) {
            *dst = src;
        }
        Self {
            le,
            bits: 8 * bytes.len(),
        }
    }

    /// The bit bound.
    pub(crate) fn bits(&self) -> usize {
        self.bits
    }

    /// Bits `pos .. pos + width` (width at most 8) as a number. `pos` is public: it indexes
    /// the bytes, the value only enters arithmetic.
    pub(crate) fn digit(&self, pos: usize, width: usize) -> usize {
        let byte = |i: usize| usize::from(self.le.get(i).copied().unwrap_or(0));
        let two = byte(pos / 8) | (byte(pos / 8 + 1) << 8);
        (two >> (pos % 8)) & ((1 << width) - 1)
    }
}

/// Reads a public value of at most MAX_PUBLIC_LEN significant bytes, reduced mod N.
fn reduce_public(bytes: &[u8]) -> Option<Fe> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = bytes.get(first..)?;
    if digits.len() > MAX_PUBLIC_LEN {
        return None;
    }
    Fe::from_be_bytes(digits)
}

/// N as 384 big-endian bytes.
pub(crate) fn modulus_bytes() -> [u8; N_LEN] {
    field::modulus_be()
}

/// Whether a public value of at most MAX_PUBLIC_LEN bytes is 0 mod N (`None`: too long).
pub(crate) fn is_zero_mod_n(value: &[u8]) -> Option<bool> {
    reduce_public(value).map(|v| v.is_zero())
}

/// `g^e mod N` for a secret exponent of at most MAX_PRIVATE_LEN bytes, in constant time for
/// all exponents of the same byte length; from `table` when it covers the exponent.
pub(crate) fn pow_g(exp: &[u8], table: Option<&Table>) -> Option<Zeroizing<[u8; N_LEN]>> {
    let e = Exponent::from_be(exp)?;
    Some(Zeroizing::new(exp::pow_g(&e, table).be_bytes()))
}

/// Why a client premaster secret cannot be formed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PremasterError {
    /// An input is longer than the limits above.
    TooLong,
    /// `B - k·g^x ≡ 0 (mod N)`: the shared secret would be 0.
    DegenerateBase,
}

/// Client side: `S = (B - k·g^x)^(a + u·x) mod N`, with `x`, `a` secret; `g^x` from `table`
/// when given.
pub(crate) fn client_premaster(
    b_pub: &[u8],
    k: &[u8; 32],
    x: &[u8; 32],
    u: &[u8; 32],
    a: &[u8],
    table: Option<&Table>,
) -> Result<Zeroizing<[u8; N_LEN]>, PremasterError> {
    if a.len() > MAX_PRIVATE_LEN {
        return Err(PremasterError::TooLong);
    }
    let b_red = reduce_public(b_pub).ok_or(PremasterError::TooLong)?;
    let k = reduce_public(k).ok_or(PremasterError::TooLong)?;
    let x_exp = Exponent::from_be(x).ok_or(PremasterError::TooLong)?;
    let gx = exp::pow_g(&x_exp, table);
    let base = b_red.sub(&k.mul(&gx));
    // The comparison runs in constant time; only its outcome, an error the caller sees
    // anyway, is branched on.
    if crate::ct::declassify_bool(base.is_zero()) {
        return Err(PremasterError::DegenerateBase);
    }
    let e = Exponent::a_plus_ux(a, u, x).ok_or(PremasterError::TooLong)?;
    Ok(Zeroizing::new(exp::pow(&base, &e).be_bytes()))
}

/// Server side: `B = (k·v + g^b) mod N`, with `b` secret.
pub(crate) fn server_public(k: &[u8; 32], v: &[u8], b: &[u8]) -> Option<[u8; N_LEN]> {
    let e = Exponent::from_be(b)?;
    let k = reduce_public(k)?;
    let v = reduce_public(v)?;
    Some(k.mul(&v).add(&exp::pow_g(&e, None)).be_bytes())
}

/// Server side: `B = (k·v + g^b) mod N` from a `g^b` computed ahead ([`pow_g`]).
pub(crate) fn server_public_from(k: &[u8; 32], v: &[u8], g_b: &[u8; N_LEN]) -> Option<[u8; N_LEN]> {
    let k = reduce_public(k)?;
    let v = reduce_public(v)?;
    // `g^b` is secret: read at its full, fixed length, never stripped of leading zeros.
    let g_b = Fe::from_be_bytes(g_b)?;
    Some(k.mul(&v).add(&g_b).be_bytes())
}

/// Server side: `S = (A·v^u)^b mod N`, with `b` secret and `A`, `v`, `u` public to the server.
pub(crate) fn server_premaster(
    a_pub: &[u8],
    v: &[u8],
    u: &[u8; 32],
    b: &[u8],
) -> Option<Zeroizing<[u8; N_LEN]>> {
    let e = Exponent::from_be(b)?;
    let a_red = reduce_public(a_pub)?;
    let v = reduce_public(v)?;
    let base = a_red.mul(&exp::pow(&v, &Exponent::public(u)));
    Some(Zeroizing::new(exp::pow(&base, &e).be_bytes()))
}

/// The raw arithmetic, for the differential fuzz target and the benchmarks (through
/// `srp::arith`).
pub(crate) mod arith {
    use super::{Exponent, N_LEN, Table, exp, field, reduce_public};

    /// The raw Montgomery product `a·b·R⁻¹ mod N` of two values below R = 2^3072.
    pub(crate) fn mont_mul(a: &[u8; N_LEN], b: &[u8; N_LEN]) -> [u8; N_LEN] {
        field::testing::mul(a, b)
    }

    /// The raw Montgomery square `a²·R⁻¹ mod N` of a value below R.
    pub(crate) fn mont_sqr(a: &[u8; N_LEN]) -> [u8; N_LEN] {
        field::testing::sqr(a)
    }

    /// `base^e mod N` by the variable-base ladder; `None` when an input is too long.
    pub(crate) fn pow(base: &[u8], e: &[u8]) -> Option<[u8; N_LEN]> {
        let e = Exponent::from_be(e)?;
        Some(exp::pow(&reduce_public(base)?, &e).be_bytes())
    }

    /// `g^e mod N` by the table-free ladder.
    pub(crate) fn pow2(e: &[u8]) -> Option<[u8; N_LEN]> {
        Some(exp::pow2(&Exponent::from_be(e)?).be_bytes())
    }

    /// `g^e mod N` as the crate computes it: from `table` if given and covering, else the
    /// shared table (with `std`), else the ladder.
    pub(crate) fn pow_g(e: &[u8], table: Option<&Table>) -> Option<[u8; N_LEN]> {
        Some(exp::pow_g(&Exponent::from_be(e)?, table).be_bytes())
    }

    /// An element mod N, for timing the multiplication and the squaring alone.
    #[derive(Clone, Copy)]
    pub(crate) struct Element(field::Fe);

    impl Element {
        pub(crate) fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
            reduce_public(bytes).map(Self)
        }

        pub(crate) fn mul(&self, other: &Self) -> Self {
            Self(self.0.mul(&other.0))
        }

        pub(crate) fn square(&self) -> Self {
            Self(self.0.square())
        }

        pub(crate) fn to_be_bytes(self) -> [u8; N_LEN] {
            self.0.be_bytes()
        }
    }
}

/// A record of the operations an exponentiation performs, for the tests that check the
/// schedule does not depend on the exponent's bits.
#[cfg(test)]
pub(crate) mod trace {
    extern crate std;

    use alloc::vec::Vec;
    use core::cell::RefCell;

    /// One operation of the arithmetic.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Op {
        Mul,
        Sqr,
        MulPow2,
        /// A constant-time lookup over this many entries.
        Select(usize),
    }

    std::thread_local! {
        static LOG: RefCell<Option<Vec<Op>>> = const { RefCell::new(None) };
    }

    /// Notes `op` when this thread is recording.
    pub(crate) fn record(op: Op) {
        LOG.with(|log| {
            if let Some(ops) = log.borrow_mut().as_mut() {
                ops.push(op);
            }
        });
    }

    /// Runs `f`, returning its result and the operations it performed.
    pub(crate) fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<Op>) {
        LOG.with(|log| *log.borrow_mut() = Some(Vec::new()));
        let out = f();
        let ops = LOG.with(|log| log.borrow_mut().take()).unwrap_or_default();
        (out, ops)
    }
}

#[cfg(test)]
mod tests;
