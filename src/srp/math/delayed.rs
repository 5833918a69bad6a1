//! A column accumulator with delayed carries: two double-width sums, of the products' low and
//! high halves, so a product costs one multiplication and two additions and no carry is
//! propagated until the column ends. The column sums stay far below the double width (at most
//! about 2·LIMBS terms). For WASM, whose 64-bit additions on 32-bit limbs have no carry flag.
//! Compiled once per limb size, like `field.rs`.

use super::{Limb, Wide};

/// Bits per limb.
const BITS: u32 = Limb::BITS;
/// The low half of a product.
const MASK: Wide = (1 << BITS) - 1;

/// The value `lo + hi·2^BITS`.
#[derive(Clone, Copy)]
pub(super) struct Acc {
    lo: Wide,
    hi: Wide,
}

impl Acc {
    pub(super) const ZERO: Self = Self { lo: 0, hi: 0 };

    #[inline(always)]
    pub(super) fn add_wide(&mut self, p: Wide) {
        self.lo += p & MASK;
        self.hi += p >> BITS;
    }

    #[inline(always)]
    pub(super) fn mac(&mut self, x: Limb, y: Limb) {
        self.add_wide(Wide::from(x) * Wide::from(y));
    }

    /// Adds the dot product of `x` and `y` (over the shorter length).
    #[inline(always)]
    pub(super) fn dot(&mut self, x: &[Limb], y: &[Limb]) {
        for (&a, &b) in x.iter().zip(y) {
            self.mac(a, b);
        }
    }

    /// Adds the dot products of `x` with `y` and of `p` with `q`, all four of the same length.
    #[inline(always)]
    pub(super) fn dot2(&mut self, x: &[Limb], y: &[Limb], p: &[Limb], q: &[Limb]) {
        for ((&a, &b), (&c, &d)) in x.iter().zip(y).zip(p.iter().zip(q)) {
            self.mac(a, b);
            self.mac(c, d);
        }
    }

    /// Ends a column of the low half, as in `carries.rs`: returns `m`, the low limb, and
    /// carries `m` into the next column (adding `m·n₀ = m·2^BITS − m`).
    #[inline(always)]
    pub(super) fn reduce_column(&mut self) -> Limb {
        let m = self.low();
        self.lo = (self.lo >> BITS) + (self.hi & MASK) + Wide::from(m);
        self.hi >>= BITS;
        m
    }

    /// Ends a column of the high half: returns its limb and moves on to the next column.
    #[inline(always)]
    pub(super) fn shift_out(&mut self) -> Limb {
        let out = self.low();
        self.lo = (self.lo >> BITS) + (self.hi & MASK);
        self.hi >>= BITS;
        out
    }

    /// The low limb.
    #[inline(always)]
    pub(super) fn low(&self) -> Limb {
        // Truncation to the low limb is the point.
        (self.lo & MASK) as Limb
    }

    /// What is above the low limb, after the last column (a single limb).
    #[inline(always)]
    pub(super) fn carry(&self) -> Limb {
        ((self.lo >> BITS) + self.hi) as Limb
    }
}
