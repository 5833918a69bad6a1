//! Arithmetic mod N in Montgomery form (R = 2^3072): a dedicated 3072-bit multiply and square
//! and the few other operations the exponentiations need.
//!
//! This file is compiled twice (see `math.rs`): with 64-bit limbs and 128-bit products, and with
//! 32-bit limbs and 64-bit products, so 32-bit targets (Cortex-M, WASM) multiply with their
//! native instructions instead of a library call. `Limb` and `Wide` come from the including
//! module.
//!
//! Timing: nothing here branches on a value or indexes memory with one. Loop bounds, slice
//! ranges and branches depend on limb positions only, which are constants. Conditional
//! subtraction and table lookups use masks.
//!
//! Wiping: the kernel's stack temporaries (reversed operand copies, reduction limbs) are not
//! wiped one by one; the next operation overwrites them. Exponents and window tables are
//! wiped by their owners.
//!
//! The multiply and square use product scanning with the Montgomery reduction interleaved
//! (column by column, the "FIPS" order of Koç, Acar and Kaliski): each column is a dot product
//! summed into an accumulator that stays in registers (`carries.rs`: three limbs, one
//! multiplication and three additions with carry per product; `delayed.rs`: two double-width
//! sums without carries, for WASM). Outside WASM's SIMD path the columns go in pairs: column
//! k + 1 takes the same limbs of one operand against the other's shifted by one, so one pass
//! feeds both columns and loads each limb once for two products. Operands are read through
//! reversed copies so both sides of every dot product walk upwards and the compiler drops
//! every bounds check. Two
//! properties of N shorten the reduction: N ≡ −1 (mod 2^64), so the Montgomery factor
//! −N⁻¹ mod 2^bits is 1 and each column's reduction limb is the accumulator's low limb itself;
//! and N's lowest limb is all ones, so adding `m·n₀` is adding `m` one limb up.

use zeroize::Zeroize;

use super::acc::Acc;
use super::{Limb, Wide};
use crate::srp::group::N_HEX;
use crate::srp::math::R2_HEX;
#[cfg(test)]
use crate::srp::math::trace::{self, Op};

/// Bits per limb.
const BITS: u32 = Limb::BITS;
/// Bytes per limb.
const BYTES: usize = (Limb::BITS / 8) as usize;
/// Limbs in a value mod N.
pub(crate) const LIMBS: usize = 3072 / Limb::BITS as usize;
// The multiply and square take columns in pairs.
const _: () = assert!(LIMBS.is_multiple_of(2));

type Limbs = [Limb; LIMBS];

/// N, least significant limb first.
const N: Limbs = from_hex(N_HEX);
/// N, most significant limb first.
const N_REV: Limbs = reversed(&N);
/// R² mod N: multiplying by it in Montgomery form converts into Montgomery form.
const R2: Limbs = from_hex(R2_HEX);
/// R − N = R mod N (N > R/2), which is also 1 in Montgomery form.
const RHO: Limbs = negated(&N);
/// The integer 1: multiplying by it in Montgomery form converts out of Montgomery form.
const UNIT: Limbs = {
    let mut one = [0; LIMBS];
    one[0] = 1;
    one
};

/// Limbs of a big-endian hex string of at most 3072 bits. Evaluated at compile time only, so
/// a bad digit or an index out of range is a build error, never a run-time panic.
#[allow(clippy::indexing_slicing, clippy::panic)]
const fn from_hex(hex: &str) -> Limbs {
    let digits = hex.as_bytes();
    let mut out = [0; LIMBS];
    let mut i = 0;
    while i < digits.len() {
        let c = digits[digits.len() - 1 - i];
        let nibble = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        };
        let per_limb = (BITS / 4) as usize;
        out[i / per_limb] |= (nibble as Limb) << (4 * (i % per_limb));
        i += 1;
    }
    out
}

/// Compile-time only, like [`from_hex`].
#[allow(clippy::indexing_slicing)]
const fn reversed(x: &Limbs) -> Limbs {
    let mut out = [0; LIMBS];
    let mut i = 0;
    while i < LIMBS {
        out[i] = x[LIMBS - 1 - i];
        i += 1;
    }
    out
}

/// 2^3072 − x. Compile-time only, like [`from_hex`].
#[allow(clippy::indexing_slicing)]
const fn negated(x: &Limbs) -> Limbs {
    let mut out = [0; LIMBS];
    let mut borrow = 0;
    let mut i = 0;
    while i < LIMBS {
        let (d, b1) = (0 as Limb).overflowing_sub(x[i]);
        let (d, b2) = d.overflowing_sub(borrow);
        out[i] = d;
        borrow = (b1 | b2) as Limb;
        i += 1;
    }
    out
}

/// All ones when `a == b`, else zero, computed without a branch. The mask goes through
/// `black_box` so the optimiser cannot turn its uses back into a branch.
#[inline(always)]
fn eq_mask(a: usize, b: usize) -> Limb {
    let x = (a ^ b) as u64;
    let differs = (x | x.wrapping_neg()) >> 63;
    core::hint::black_box((differs as Limb).wrapping_sub(1))
}

/// `(top·2^3072 + t) mod N` for a value below 2N, as `t` or `t − N` chosen by mask.
#[inline(always)]
fn sub_n_if_needed(t: &Limbs, top: Limb) -> Limbs {
    let mut diff = [0; LIMBS];
    let mut borrow: Limb = 0;
    for ((d, &x), &n) in diff.iter_mut().zip(t).zip(&N) {
        let (s, b1) = x.overflowing_sub(n);
        let (s, b2) = s.overflowing_sub(borrow);
        *d = s;
        borrow = Limb::from(b1 | b2);
    }
    // The whole value is below N exactly when subtracting N borrows past `top`.
    let (_, below) = top.overflowing_sub(borrow);
    // Through `black_box`: knowing the mask is all ones or zero, the optimiser would copy
    // one of the two arrays whole, choosing its address by the mask (memcheck caught it).
    let keep = core::hint::black_box(Limb::from(below).wrapping_neg());
    let mut out = [0; LIMBS];
    for ((o, &x), &d) in out.iter_mut().zip(t).zip(&diff) {
        *o = (x & keep) | (d & !keep);
    }
    out
}

/// Sets `m[k]`; `k` is always in range.
#[inline(always)]
fn set(m: &mut Limbs, k: usize, value: Limb) {
    if let Some(slot) = m.get_mut(k) {
        *slot = value;
    }
}

/// The multiply and square of every build but WebAssembly with `simd128`, and their helpers.
#[cfg(not(all(
    target_family = "wasm",
    target_pointer_width = "32",
    target_feature = "simd128"
)))]
mod scalar {
    use super::{Acc, LIMBS, Limb, Limbs, N, N_REV, diagonal, doubled, set, sub_n_if_needed};
    #[cfg(test)]
    use crate::srp::math::trace::{self, Op};

    /// `x[lo..hi]`, or empty when out of range (never, for the constant ranges used here).
    #[inline(always)]
    fn part(x: &[Limb], lo: usize, hi: usize) -> &[Limb] {
        x.get(lo..hi).unwrap_or(&[])
    }

    /// Montgomery product `a·b·R⁻¹ mod N` of two values below R, with one conditional
    /// subtraction: below N whenever a·b < N·R (always in this crate, where one operand is below
    /// N); otherwise below R and congruent, and below N but for a fraction of about 2^-65.
    ///
    /// Columns are summed two at a time (k even, and k + 1): one pass over each operand pair
    /// feeds both, so every limb is loaded once for two products, and a pair costs two loops
    /// where one column alone would cost one. The terms the passes cannot give (those that need
    /// m_k, found only when column k ends, and the pair's edge products) are added one by one.
    pub(super) fn mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
        #[cfg(test)]
        trace::record(Op::Mul);
        let mut b_rev = *b;
        b_rev.reverse();
        // m[k]: the reduction limb of column k; t: the result, one limb per high column.
        let mut m: Limbs = [0; LIMBS];
        let mut t: Limbs = [0; LIMBS];
        let mut carry = Acc::ZERO;
        for k in (0..LIMBS).step_by(2) {
            // Column k: Σ a_i·b_{k−i} over i ≤ k; column k + 1: over i ≤ k + 1, the last term
            // outside the pass. Then the reduction's products.
            let (mut col, mut next) = (carry, Acc::ZERO);
            col.dot_pair(
                &mut next,
                part(a, 0, k + 1),
                part(&b_rev, LIMBS - 1 - k, LIMBS),
                limb(b, k + 1),
            );
            next.mac(limb(a, k + 1), b[0]);
            carry = reduce_low_pair(col, next, &mut m, k);
        }
        for k in (LIMBS..2 * LIMBS - 2).step_by(2) {
            // Column k: the same sums over i ≥ lo = k + 1 − LIMBS; column k + 1 over i > lo. The
            // pass starts at i = lo + 1, so column k's term at i = lo comes first.
            let lo = k + 1 - LIMBS;
            let (mut col, mut next) = (carry, Acc::ZERO);
            high_pair_pass(&mut col, &mut next, a, b, &b_rev, lo);
            carry = reduce_high_pair(col, next, &m, &mut t, k);
        }
        // The last column, 2·LIMBS − 2, alone.
        let mut col = carry;
        col.mac(a[LIMBS - 1], b[LIMBS - 1]);
        finish(col, &m, &mut t)
    }

    /// Montgomery square `a²·R⁻¹ mod N` of a value below R, reduced as [`mont_mul`], two columns
    /// at a time like it. Each product `a_i·a_j` with i ≠ j is computed once, against a
    /// pre-doubled copy of `a`: 2·Σ_{i<j} a_i·a_j·B^{i+j} = Σ_{i<j} d_i·a_j·B^{i+j} +
    /// Σ_j c_j·a_j·B^{2j}, where d = 2a mod B^LIMBS limb by limb and c_j is the bit shifted out of
    /// limb j−1 into limb j.
    pub(super) fn mont_sqr(a: &Limbs) -> Limbs {
        #[cfg(test)]
        trace::record(Op::Sqr);
        let mut a_rev = *a;
        a_rev.reverse();
        let dbl = doubled(a);
        let mut m: Limbs = [0; LIMBS];
        let mut t: Limbs = [0; LIMBS];
        let mut carry = Acc::ZERO;
        for k in (0..LIMBS).step_by(2) {
            // Column k (even): d_i·a_{k−i} for i < k/2, and the diagonal. Column k + 1:
            // d_i·a_{k+1−i} for i ≤ k/2, the last of them outside the pass.
            let half = k / 2;
            let (mut col, mut next) = (carry, Acc::ZERO);
            col.dot_pair(
                &mut next,
                part(&dbl, 0, half),
                part(&a_rev, LIMBS - 1 - k, LIMBS),
                limb(a, k + 1),
            );
            next.mac(limb(&dbl, half), limb(a, half + 1));
            diagonal(&mut col, a, k);
            carry = reduce_low_pair(col, next, &mut m, k);
        }
        for k in (LIMBS..2 * LIMBS - 2).step_by(2) {
            // Column k: i from lo = k + 1 − LIMBS up to k/2; column k + 1: from lo + 1 up to and
            // including k/2. The pass covers lo < i < k/2.
            let (lo, half) = (k + 1 - LIMBS, k / 2);
            let (mut col, mut next) = (carry, Acc::ZERO);
            col.mac(limb(&dbl, lo), a[LIMBS - 1]);
            col.dot_pair(
                &mut next,
                part(&dbl, lo + 1, half),
                part(&a_rev, 1, LIMBS),
                a[LIMBS - 1],
            );
            next.mac(limb(&dbl, half), limb(a, half + 1));
            diagonal(&mut col, a, k);
            carry = reduce_high_pair(col, next, &m, &mut t, k);
        }
        // The last column, 2·LIMBS − 2: its diagonal.
        let mut col = carry;
        diagonal(&mut col, a, 2 * LIMBS - 2);
        finish(col, &m, &mut t)
    }

    /// Ends columns k and k + 1 of the low half (k even): adds their reduction products
    /// Σ m_i·n_{k−i} over i < k and Σ m_i·n_{k+1−i} over i ≤ k (m_k·n_1 once m_k is found), sets
    /// m_k and m_{k+1}, and returns what carries into column k + 2.
    #[inline(always)]
    fn reduce_low_pair(mut col: Acc, mut next: Acc, m: &mut Limbs, k: usize) -> Acc {
        col.dot_pair(
            &mut next,
            part(m, 0, k),
            part(&N_REV, LIMBS - 1 - k, LIMBS - 1),
            limb(&N, k + 1),
        );
        let m_k = col.reduce_column();
        set(m, k, m_k);
        next.add_acc(&col);
        next.mac(m_k, N[1]);
        set(m, k + 1, next.reduce_column());
        next
    }

    /// Ends columns k and k + 1 of the high half (k even): adds their reduction products (i from
    /// lo = k + 1 − LIMBS, and from lo + 1), sets their result limbs, and returns what carries
    /// into column k + 2.
    #[inline(always)]
    fn reduce_high_pair(mut col: Acc, mut next: Acc, m: &Limbs, t: &mut Limbs, k: usize) -> Acc {
        high_pair_pass(&mut col, &mut next, m, &N, &N_REV, k + 1 - LIMBS);
        set(t, k - LIMBS, col.shift_out());
        next.add_acc(&col);
        set(t, k + 1 - LIMBS, next.shift_out());
        next
    }

    /// Adds to `col` (column k of the high half, lo = k + 1 − LIMBS) Σ x_i·y_{k−i} over i ≥ lo,
    /// and to `next` the same over i > lo for column k + 1; `y_rev` is `y` reversed.
    #[inline(always)]
    fn high_pair_pass(
        col: &mut Acc,
        next: &mut Acc,
        x: &Limbs,
        y: &Limbs,
        y_rev: &Limbs,
        lo: usize,
    ) {
        col.mac(limb(x, lo), y[LIMBS - 1]);
        col.dot_pair(
            next,
            part(x, lo + 1, LIMBS),
            part(y_rev, 1, LIMBS),
            y[LIMBS - 1],
        );
    }

    /// Ends the last column, 2·LIMBS − 2 (its reduction product m_{LIMBS−1}·n_{LIMBS−1}), and
    /// returns the result reduced below N.
    #[inline(always)]
    fn finish(mut col: Acc, m: &Limbs, t: &mut Limbs) -> Limbs {
        col.mac(m[LIMBS - 1], N[LIMBS - 1]);
        set(t, LIMBS - 2, col.shift_out());
        set(t, LIMBS - 1, col.low());
        sub_n_if_needed(t, col.carry())
    }

    /// `x[k]`, or zero when out of range (never, for the positions used here).
    #[inline(always)]
    fn limb(x: &[Limb], k: usize) -> Limb {
        x.get(k).copied().unwrap_or(0)
    }
}

#[cfg(not(all(
    target_family = "wasm",
    target_pointer_width = "32",
    target_feature = "simd128"
)))]
use scalar::{mont_mul, mont_sqr};

/// N reversed, as vectors for the SIMD dot products.
#[cfg(all(
    target_family = "wasm",
    target_pointer_width = "32",
    target_feature = "simd128"
))]
static N_REV_V: Shifted = Shifted::new(&N_REV);

#[cfg(all(
    target_family = "wasm",
    target_pointer_width = "32",
    target_feature = "simd128"
))]
use super::acc::simd::{Shifted, Side};

/// One side of a dot product: the limbs held by `shifted`, from `start`.
#[cfg(all(
    target_family = "wasm",
    target_pointer_width = "32",
    target_feature = "simd128"
))]
#[inline(always)]
fn side(shifted: &Shifted, start: usize) -> Side<'_> {
    Side { shifted, start }
}

/// [`mont_mul`] with the dot products in SIMD (WebAssembly with `simd128`): the same columns
/// in the same order, each window read on to whole vectors where one side of each pair
/// reads zeros; the low half's a_k·b_0 is the last lane of its window.
#[cfg(all(
    target_family = "wasm",
    target_pointer_width = "32",
    target_feature = "simd128"
))]
fn mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
    let mut b_rev = *b;
    b_rev.reverse();
    let (a_v, b_v) = (Shifted::of(a), Shifted::of(&b_rev));
    let mut m: Limbs = [0; LIMBS];
    let mut m_v = Shifted::ZERO;
    let mut t: Limbs = [0; LIMBS];
    let mut acc = Acc::ZERO;
    for k in 0..LIMBS {
        let rev = LIMBS - 1 - k;
        // Through a_k·b_0, and m_k·n_0 with m_k still zero; past the windows, b_rev and m
        // read zeros.
        acc.dot2_v(
            (side(&a_v, 0), side(&b_v, rev)),
            (side(&m_v, 0), side(&N_REV_V, rev)),
            k + 1,
        );
        set(&mut m, k, acc.reduce_column());
        m_v.update_first(&m, k);
    }
    // The reduction limbs are all known: every copy of them from here on.
    m_v = Shifted::of(&m);
    for k in LIMBS..2 * LIMBS - 1 {
        let lo = k + 1 - LIMBS;
        acc.dot2_v(
            (side(&a_v, lo), side(&b_v, 0)),
            (side(&m_v, lo), side(&N_REV_V, 0)),
            LIMBS - lo,
        );
        set(&mut t, k - LIMBS, acc.shift_out());
    }
    set(&mut t, LIMBS - 1, acc.low());
    sub_n_if_needed(&t, acc.carry())
}

/// [`mont_sqr`] with the dot products in SIMD, as [`mont_mul`] above.
#[cfg(all(
    target_family = "wasm",
    target_pointer_width = "32",
    target_feature = "simd128"
))]
fn mont_sqr(a: &Limbs) -> Limbs {
    let mut a_rev = *a;
    a_rev.reverse();
    let dbl = doubled(a);
    let (dbl_v, a_rev_v) = (Shifted::of(&dbl), Shifted::of(&a_rev));
    let mut m: Limbs = [0; LIMBS];
    let mut m_v = Shifted::ZERO;
    let mut t: Limbs = [0; LIMBS];
    let mut acc = Acc::ZERO;
    // Column k: the pairs i < j with i + j = k (i from 0, or from k + 1 − LIMBS in the second
    // loop, up to, not including, ⌈k/2⌉), the diagonal, and the reduction's products.
    for k in 0..LIMBS {
        diagonal(&mut acc, a, k);
        // Past its window, m reads zeros (limbs not yet found).
        acc.dot_v(
            (
                side(&dbl_v, 0),
                side(&a_rev_v, LIMBS - 1 - k),
                k.div_ceil(2),
            ),
            (side(&m_v, 0), side(&N_REV_V, LIMBS - 1 - k), k),
        );
        set(&mut m, k, acc.reduce_column());
        m_v.update_first(&m, k);
    }
    // The reduction limbs are all known: every copy of them from here on.
    m_v = Shifted::of(&m);
    for k in LIMBS..2 * LIMBS - 1 {
        let lo = k + 1 - LIMBS;
        diagonal(&mut acc, a, k);
        acc.dot_v(
            (
                side(&dbl_v, lo),
                side(&a_rev_v, LIMBS - 1 + lo - k),
                k.div_ceil(2) - lo,
            ),
            (side(&m_v, lo), side(&N_REV_V, 0), LIMBS - lo),
        );
        set(&mut t, k - LIMBS, acc.shift_out());
    }
    set(&mut t, LIMBS - 1, acc.low());
    sub_n_if_needed(&t, acc.carry())
}

/// `d = 2a mod B^LIMBS`, limb by limb: each limb shifted up by one bit, with the top bit of the
/// limb below it (the bit c_j that the squarings' diagonal terms add back).
#[inline(always)]
fn doubled(a: &Limbs) -> Limbs {
    let mut dbl: Limbs = [0; LIMBS];
    let mut below: Limb = 0;
    for (d, &x) in dbl.iter_mut().zip(a) {
        *d = (x << 1) | (below >> (BITS - 1));
        below = x;
    }
    dbl
}

/// Adds column k's diagonal term when k is even: a_j² for j = k/2, and c_j·a_j, the bit
/// carried into limb j when `a` was doubled.
#[inline(always)]
fn diagonal(acc: &mut Acc, a: &Limbs, k: usize) {
    if k.is_multiple_of(2) {
        let j = k / 2;
        let x = a.get(j).copied().unwrap_or(0);
        let carried = j
            .checked_sub(1)
            .and_then(|i| a.get(i))
            .map_or(0, |&y| y >> (BITS - 1));
        acc.mac(x, x);
        acc.add_wide(Wide::from(x & carried.wrapping_neg()));
    }
}

/// `a + b` for a, b below N; below N.
fn add_limbs(a: &Limbs, b: &Limbs) -> Limbs {
    let mut sum = [0; LIMBS];
    let mut carry: Limb = 0;
    for ((s, &x), &y) in sum.iter_mut().zip(a).zip(b) {
        let (v, c1) = x.overflowing_add(y);
        let (v, c2) = v.overflowing_add(carry);
        *s = v;
        carry = Limb::from(c1 | c2);
    }
    sub_n_if_needed(&sum, carry)
}

/// An element of Z/NZ in Montgomery form (`x·R mod N`), always below N.
#[derive(Clone, Copy)]
pub(crate) struct Fe(Limbs);

impl Zeroize for Fe {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Fe {
    /// 1.
    pub(crate) const ONE: Self = Self(RHO);

    /// g = 2.
    pub(crate) fn generator() -> Self {
        Self(add_limbs(&RHO, &RHO))
    }

    /// Converts a value below R (any value of 3072 bits) into Montgomery form, reducing it.
    fn from_limbs(x: &Limbs) -> Self {
        Self(mont_mul(x, &R2))
    }

    /// Reads an unsigned big-endian integer of at most 768 bytes, reduced mod N; `None` when
    /// longer. Its time depends on the length only.
    pub(crate) fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > 2 * LIMBS * BYTES {
            return None;
        }
        let mut lo: Limbs = [0; LIMBS];
        let mut hi: Limbs = [0; LIMBS];
        for (limb, chunk) in lo.iter_mut().chain(hi.iter_mut()).zip(bytes.rchunks(BYTES)) {
            *limb = chunk
                .iter()
                .fold(0, |acc, &byte| (acc << 8) | Limb::from(byte));
        }
        // x = hi·R + lo, and hi·R in Montgomery form is hi·R², i.e. hi converted twice.
        let lo_m = Self::from_limbs(&lo);
        let hi_m = Self::from_limbs(&Self::from_limbs(&hi).0);
        Some(lo_m.add(&hi_m))
    }

    /// The value (out of Montgomery form) as exactly 384 big-endian bytes.
    pub(crate) fn be_bytes(&self) -> [u8; LIMBS * BYTES] {
        let mut plain = mont_mul(&self.0, &UNIT);
        let mut out = [0u8; LIMBS * BYTES];
        for (chunk, limb) in out.rchunks_exact_mut(BYTES).zip(&plain) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        plain.zeroize();
        out
    }

    /// Whether this is 0, in constant time; only the answer may be branched on.
    pub(crate) fn is_zero(&self) -> bool {
        self.0.iter().fold(0, |acc, &limb| acc | limb) == 0
    }

    /// `self·other mod N`.
    #[must_use]
    pub(crate) fn mul(&self, other: &Self) -> Self {
        Self(mont_mul(&self.0, &other.0))
    }

    /// `self² mod N`.
    #[must_use]
    pub(crate) fn square(&self) -> Self {
        Self(mont_sqr(&self.0))
    }

    /// `self + other mod N`.
    #[must_use]
    pub(crate) fn add(&self, other: &Self) -> Self {
        Self(add_limbs(&self.0, &other.0))
    }

    /// `self − other mod N`.
    #[must_use]
    pub(crate) fn sub(&self, other: &Self) -> Self {
        let mut diff = [0; LIMBS];
        let mut borrow: Limb = 0;
        for ((d, &x), &y) in diff.iter_mut().zip(&self.0).zip(&other.0) {
            let (v, b1) = x.overflowing_sub(y);
            let (v, b2) = v.overflowing_sub(borrow);
            *d = v;
            borrow = Limb::from(b1 | b2);
        }
        // Add N back when the difference went negative.
        let mask = core::hint::black_box(borrow.wrapping_neg());
        let mut carry: Limb = 0;
        for (d, &n) in diff.iter_mut().zip(&N) {
            let (v, c1) = d.overflowing_add(n & mask);
            let (v, c2) = v.overflowing_add(carry);
            *d = v;
            carry = Limb::from(c1 | c2);
        }
        Self(diff)
    }

    /// `self·2^d mod N` for a secret `d` below 32, without a multiplication: a shift by `d`
    /// bits (constant time for every `d`), then the limb pushed out above 2^3072 folded back
    /// with `2^3072 ≡ R − N (mod N)`. R − N is below 2^3006, so the folded value stays below
    /// 2N and one masked subtraction of N reduces it.
    #[must_use]
    pub(crate) fn mul_pow2(&self, d: u32) -> Self {
        #[cfg(test)]
        trace::record(Op::MulPow2);
        let d = d & 31;
        let mut shifted = [0; LIMBS];
        let mut carry: Limb = 0;
        for (s, &x) in shifted.iter_mut().zip(&self.0) {
            *s = (x << d) | carry;
            // x >> (BITS − d), written so that d = 0 shifts by less than BITS.
            carry = (x >> 1) >> (BITS - 1 - d);
        }
        let hi = carry;
        let mut folded = [0; LIMBS];
        let mut c: Limb = 0;
        for ((f, &s), &r) in folded.iter_mut().zip(&shifted).zip(&RHO) {
            let v = Wide::from(hi) * Wide::from(r) + Wide::from(s) + Wide::from(c);
            *f = v as Limb;
            c = (v >> BITS) as Limb;
        }
        Self(sub_n_if_needed(&folded, c))
    }

    /// `entries[index]`, reading every entry and choosing by mask, so the memory access
    /// pattern does not depend on `index`.
    pub(crate) fn select(entries: &[Self], index: usize) -> Self {
        #[cfg(test)]
        trace::record(Op::Select(entries.len()));
        let mut out: Limbs = [0; LIMBS];
        for (i, entry) in entries.iter().enumerate() {
            let mask = eq_mask(i, index);
            for (o, &e) in out.iter_mut().zip(&entry.0) {
                *o |= e & mask;
            }
        }
        Self(out)
    }

    /// 1 for `index == 0`, else `entries[index − 1]`, in constant time like [`Fe::select`]:
    /// for tables that leave out the power 0.
    pub(crate) fn select_or_one(entries: &[Self], index: usize) -> Self {
        #[cfg(test)]
        trace::record(Op::Select(entries.len() + 1));
        let one_mask = eq_mask(0, index);
        let mut out: Limbs = RHO;
        for o in &mut out {
            *o &= one_mask;
        }
        for (i, entry) in entries.iter().enumerate() {
            let mask = eq_mask(i + 1, index);
            for (o, &e) in out.iter_mut().zip(&entry.0) {
                *o |= e & mask;
            }
        }
        Self(out)
    }
}

/// N as 384 big-endian bytes.
pub(crate) fn modulus_be() -> [u8; LIMBS * BYTES] {
    let mut out = [0u8; LIMBS * BYTES];
    for (chunk, limb) in out.rchunks_exact_mut(BYTES).zip(&N) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

pub(crate) mod testing {
    //! Access to the raw kernel for the differential tests, the fuzz target and the
    //! benchmarks.
    use super::*;

    /// Limbs of a value below 2^3072 given as 384 big-endian bytes.
    pub(crate) fn limbs(bytes: &[u8; LIMBS * BYTES]) -> Limbs {
        let mut out: Limbs = [0; LIMBS];
        for (limb, chunk) in out.iter_mut().zip(bytes.rchunks(BYTES)) {
            *limb = chunk.iter().fold(0, |acc, &b| (acc << 8) | Limb::from(b));
        }
        out
    }

    /// 384 big-endian bytes of limbs.
    pub(crate) fn bytes(x: &Limbs) -> [u8; LIMBS * BYTES] {
        let mut out = [0u8; LIMBS * BYTES];
        for (chunk, limb) in out.rchunks_exact_mut(BYTES).zip(x) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// The raw Montgomery product of two values below R.
    pub(crate) fn mul(a: &[u8; LIMBS * BYTES], b: &[u8; LIMBS * BYTES]) -> [u8; LIMBS * BYTES] {
        bytes(&mont_mul(&limbs(a), &limbs(b)))
    }

    /// The raw Montgomery square of a value below R.
    pub(crate) fn sqr(a: &[u8; LIMBS * BYTES]) -> [u8; LIMBS * BYTES] {
        bytes(&mont_sqr(&limbs(a)))
    }

    /// An element from its Montgomery representation (a value below N).
    #[cfg(test)]
    pub(crate) fn fe(raw: &[u8; LIMBS * BYTES]) -> Fe {
        Fe(limbs(raw))
    }

    /// The Montgomery representation of an element.
    #[cfg(test)]
    pub(crate) fn raw(x: &Fe) -> [u8; LIMBS * BYTES] {
        bytes(&x.0)
    }
}
