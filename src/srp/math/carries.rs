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

    /// Adds the dot product of `x` and `y` (over the shorter length). Even and odd terms go
    /// to two accumulators, two products per iteration: independent carry chains and half the
    /// loop overhead.
    #[inline(always)]
    pub(super) fn dot(&mut self, x: &[Limb], y: &[Limb]) {
        let len = x.len().min(y.len());
        let (x2, x1) = x.get(..len).unwrap_or(&[]).as_chunks::<2>();
        let (y2, y1) = y.get(..len).unwrap_or(&[]).as_chunks::<2>();
        let mut odd = Self::ZERO;
        for (&[a0, a1], &[b0, b1]) in x2.iter().zip(y2) {
            self.mac(a0, b0);
            odd.mac(a1, b1);
        }
        for (&a, &b) in x1.iter().zip(y1) {
            self.mac(a, b);
        }
        self.add_acc(&odd);
    }

    /// Adds the dot products of `x` with `y` and of `p` with `q`, all four of the same length,
    /// in one loop with two accumulators.
    #[inline(always)]
    pub(super) fn dot2(&mut self, x: &[Limb], y: &[Limb], p: &[Limb], q: &[Limb]) {
        let mut other = Self::ZERO;
        for ((&a, &b), (&c, &d)) in x.iter().zip(y).zip(p.iter().zip(q)) {
            self.mac(a, b);
            other.mac(c, d);
        }
        self.add_acc(&other);
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
