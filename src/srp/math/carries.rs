//! A three-limb column accumulator: one multiplication and three additions with carry per
//! product. For native targets. Compiled once per limb size, like `field.rs`.

use super::{Limb, Wide};

/// Bits per limb.
const BITS: u32 = Limb::BITS;

/// A three-limb column accumulator.
#[derive(Clone, Copy)]
pub(super) struct Acc {
    lo: Limb,
    mid: Limb,
    hi: Limb,
}

impl Acc {
    pub(super) const ZERO: Self = Self {
        lo: 0,
        mid: 0,
        hi: 0,
    };

    #[inline(always)]
    pub(super) fn add_wide(&mut self, p: Wide) {
        let s = (Wide::from(self.mid) << BITS) | Wide::from(self.lo);
        let (s, carry) = s.overflowing_add(p);
        self.lo = s as Limb;
        self.mid = (s >> BITS) as Limb;
        self.hi = self.hi.wrapping_add(Limb::from(carry));
    }

    #[inline(always)]
    pub(super) fn mac(&mut self, x: Limb, y: Limb) {
        self.add_wide(Wide::from(x) * Wide::from(y));
    }

    /// Adds `other`.
    #[inline(always)]
    pub(super) fn add_acc(&mut self, other: &Self) {
        self.add_wide((Wide::from(other.mid) << BITS) | Wide::from(other.lo));
        self.hi = self.hi.wrapping_add(other.hi);
    }

    /// Adds the dot product of `x` and `y` (over the shorter length) to this column, and that
    /// of `x` with `y` shifted up by one limb (`first`, then `y`'s limbs) to `next`: two
    /// neighbouring columns in one pass, each limb of `y` loaded once for both.
    #[inline(always)]
    pub(super) fn dot_pair(&mut self, next: &mut Self, x: &[Limb], y: &[Limb], first: Limb) {
        let mut before = first;
        for (&a, &b) in x.iter().zip(y) {
            self.mac(a, b);
            next.mac(a, before);
            before = b;
        }
    }

    /// Ends a column of the low half: the reduction limb is `m = lo` (the Montgomery factor is
    /// 1); adding `m·n₀ = m·2^BITS − m` clears the low limb and carries `m` into the next
    /// column. Returns `m`.
    #[inline(always)]
    pub(super) fn reduce_column(&mut self) -> Limb {
        let m = self.lo;
        let rest = (Wide::from(self.hi) << BITS) | Wide::from(self.mid);
        let (rest, carry) = rest.overflowing_add(Wide::from(m));
        self.lo = rest as Limb;
        self.mid = (rest >> BITS) as Limb;
        self.hi = Limb::from(carry);
        m
    }

    /// Ends a column of the high half: returns its limb and moves on to the next column.
    #[inline(always)]
    pub(super) fn shift_out(&mut self) -> Limb {
        let out = self.lo;
        self.lo = self.mid;
        self.mid = self.hi;
        self.hi = 0;
        out
    }

    /// The low limb.
    #[inline(always)]
    pub(super) fn low(&self) -> Limb {
        self.lo
    }

    /// What is above the low limb, after the last column (a single limb).
    #[inline(always)]
    pub(super) fn carry(&self) -> Limb {
        self.mid
    }
}
