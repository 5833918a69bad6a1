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

    /// Adds `other`.
    #[cfg(not(all(
        target_family = "wasm",
        target_pointer_width = "32",
        target_feature = "simd128"
    )))]
    #[inline(always)]
    pub(super) fn add_acc(&mut self, other: &Self) {
        self.lo += other.lo;
        self.hi += other.hi;
    }

    /// Two neighbouring columns in one pass, as in `carries.rs`.
    #[cfg(not(all(
        target_family = "wasm",
        target_pointer_width = "32",
        target_feature = "simd128"
    )))]
    #[inline(always)]
    pub(super) fn dot_pair(&mut self, next: &mut Self, x: &[Limb], y: &[Limb], first: Limb) {
        let mut before = first;
        for (&a, &b) in x.iter().zip(y) {
            self.mac(a, b);
            next.mac(a, before);
            before = b;
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

/// The dot products four limbs at a time with WebAssembly's 128-bit SIMD, for builds that
/// enable `simd128` (`-C target-feature=+simd128`; every current browser and Node ≥ 16.4).
///
/// `extmul` forms two 64-bit products per instruction; their low and high halves are summed
/// lane by lane, as [`Acc`] sums them, and folded into it when a dot product ends. The
/// operands are read as whole vectors from [`Shifted`] copies, one per alignment, because a
/// dot product's windows start at every limb position while vectors load safely only from
/// arrays of vectors. The same instructions run whatever the values; which copy and which
/// vectors are read depends on limb positions only. A lane's sums stay below 2^32·2·96,
/// far from 2^64.
#[cfg(all(
    target_family = "wasm",
    target_pointer_width = "32",
    target_feature = "simd128"
))]
pub(super) mod simd {
    use core::arch::wasm32::{
        u32x4, u32x4_shuffle, u64x2, u64x2_add, u64x2_extmul_high_u32x4, u64x2_extmul_low_u32x4,
        u64x2_extract_lane, u64x2_shr, u64x2_splat, v128, v128_and,
    };

    use super::{Acc, Limb, MASK};

    /// Limbs in a value mod N.
    const LIMBS: usize = 3072 / 32;
    /// Vectors per copy: LIMBS/4, and one of zeros. The kernels' windows all end at or
    /// before limb LIMBS, so rounded up to whole vectors they stay within the first LIMBS/4.
    const VECTORS: usize = LIMBS / 4 + 1;

    /// Four copies of a limb array as vectors: copy `s` holds limbs `4v + s … 4v + s + 3` in
    /// its vector `v` (zeros past the end).
    #[derive(Clone, Copy)]
    pub(in super::super) struct Shifted([[v128; VECTORS]; 4]);

    /// Limb `i` of `x`, or 0 past its end.
    #[inline(always)]
    const fn limb(x: &[Limb; LIMBS], i: usize) -> Limb {
        if i < LIMBS {
            #[allow(clippy::indexing_slicing)] // checked just above
            x[i]
        } else {
            0
        }
    }

    /// The four limbs from `i`.
    #[inline(always)]
    const fn vector(x: &[Limb; LIMBS], i: usize) -> v128 {
        u32x4(limb(x, i), limb(x, i + 1), limb(x, i + 2), limb(x, i + 3))
    }

    impl Shifted {
        /// The copies of zero.
        pub(in super::super) const ZERO: Self = Self([[u32x4(0, 0, 0, 0); VECTORS]; 4]);

        /// The copies of `x`, at run time: copy 0 from the limbs, the others by one shuffle
        /// a vector from two neighbours in copy 0.
        #[inline(always)]
        pub(in super::super) fn of(x: &[Limb; LIMBS]) -> Self {
            let zero = u32x4(0, 0, 0, 0);
            let mut first = [zero; VECTORS];
            for (v, slot) in first.iter_mut().enumerate() {
                if let Some(&[p, q, r, s]) = x.get(4 * v..4 * v + 4) {
                    *slot = u32x4(p, q, r, s);
                }
            }
            let mut out = Self::ZERO;
            let [c0, c1, c2, c3] = &mut out.0;
            for v in 0..VECTORS {
                let here = first.get(v).copied().unwrap_or(zero);
                let next = first.get(v + 1).copied().unwrap_or(zero);
                if let (Some(d0), Some(d1), Some(d2), Some(d3)) =
                    (c0.get_mut(v), c1.get_mut(v), c2.get_mut(v), c3.get_mut(v))
                {
                    *d0 = here;
                    *d1 = u32x4_shuffle::<1, 2, 3, 4>(here, next);
                    *d2 = u32x4_shuffle::<2, 3, 4, 5>(here, next);
                    *d3 = u32x4_shuffle::<3, 4, 5, 6>(here, next);
                }
            }
            out
        }

        /// The copies of `x` at compile time, for the constants.
        #[allow(clippy::indexing_slicing)] // constant bounds
        pub(in super::super) const fn new(x: &[Limb; LIMBS]) -> Self {
            let mut out = [[u32x4(0, 0, 0, 0); VECTORS]; 4];
            let mut s = 0;
            while s < 4 {
                let mut v = 0;
                while v < VECTORS {
                    out[s][v] = vector(x, 4 * v + s);
                    v += 1;
                }
                s += 1;
            }
            Self(out)
        }

        /// Brings copy 0, the only one read by windows starting at limb 0, up to date after
        /// limb `k` of `x` was written; the others are left stale until [`Shifted::of`]
        /// builds them all again.
        #[inline(always)]
        pub(in super::super) fn update_first(&mut self, x: &[Limb; LIMBS], k: usize) {
            let v = k / 4;
            if let Some(slot) = self.0.first_mut().and_then(|copy| copy.get_mut(v)) {
                *slot = vector(x, 4 * v);
            }
        }

        /// `chunks` vectors holding limbs `start …`.
        #[inline(always)]
        fn window(&self, start: usize, chunks: usize) -> &[v128] {
            let copy = self.0.get(start % 4).map_or(&[][..], |c| &c[..]);
            copy.get(start / 4..start / 4 + chunks).unwrap_or(&[])
        }
    }

    /// The lanes a window's last vector keeps, by the window's length mod 4.
    const TAIL: [v128; 4] = [
        u32x4(!0, !0, !0, !0),
        u32x4(!0, 0, 0, 0),
        u32x4(!0, !0, 0, 0),
        u32x4(!0, !0, !0, 0),
    ];

    /// Two lanes each of the low-half and the high-half sums.
    struct Sums {
        lo: v128,
        hi: v128,
    }

    impl Sums {
        #[inline(always)]
        fn new() -> Self {
            Self {
                lo: u64x2(0, 0),
                hi: u64x2(0, 0),
            }
        }

        /// Adds the four lane products of `a` and `b`.
        #[inline(always)]
        fn mac4(&mut self, a: v128, b: v128) {
            let low = u64x2_extmul_low_u32x4(a, b);
            let high = u64x2_extmul_high_u32x4(a, b);
            let mask = u64x2_splat(MASK);
            self.lo = u64x2_add(
                self.lo,
                u64x2_add(v128_and(low, mask), v128_and(high, mask)),
            );
            self.hi = u64x2_add(self.hi, u64x2_add(u64x2_shr(low, 32), u64x2_shr(high, 32)));
        }

        /// Adds `Σ x_i·y_i` over windows of `len` limbs, the last vector of `x` masked.
        #[inline(always)]
        fn dot_masked(&mut self, x: Side<'_>, y: Side<'_>, len: usize) {
            let chunks = len.div_ceil(4);
            let (xs, ys) = (
                x.shifted.window(x.start, chunks),
                y.shifted.window(y.start, chunks),
            );
            let n = xs.len().min(ys.len());
            for i in 0..n.saturating_sub(1) {
                if let (Some(&a), Some(&b)) = (xs.get(i), ys.get(i)) {
                    self.mac4(a, b);
                }
            }
            let last = n.wrapping_sub(1);
            if let (Some(&a), Some(&b)) = (xs.get(last), ys.get(last)) {
                let keep = TAIL.get(len % 4).copied().unwrap_or(u32x4(!0, !0, !0, !0));
                self.mac4(v128_and(a, keep), b);
            }
        }

        /// Folds the lanes into `acc`.
        #[inline(always)]
        fn add_to(&self, acc: &mut Acc) {
            acc.lo += u64x2_extract_lane::<0>(self.lo) + u64x2_extract_lane::<1>(self.lo);
            acc.hi += u64x2_extract_lane::<0>(self.hi) + u64x2_extract_lane::<1>(self.hi);
        }
    }

    /// One side of a dot product: the copies of its limbs, and where the window starts.
    #[derive(Clone, Copy)]
    pub(in super::super) struct Side<'a> {
        pub(in super::super) shifted: &'a Shifted,
        pub(in super::super) start: usize,
    }

    impl Acc {
        /// Adds `Σ x_i·y_i` over windows of `len` limbs and `Σ p_i·q_i` over windows of
        /// `len2`: whole vectors, the last one of `x` and of `p` masked to its window's end
        /// (the masks depend on the lengths only).
        #[inline(always)]
        pub(in super::super) fn dot_v(
            &mut self,
            (x, y, len): (Side<'_>, Side<'_>, usize),
            (p, q, len2): (Side<'_>, Side<'_>, usize),
        ) {
            let mut sums = Sums::new();
            sums.dot_masked(x, y, len);
            sums.dot_masked(p, q, len2);
            sums.add_to(self);
        }

        /// Adds `Σ x_i·y_i + Σ p_i·q_i` over windows of `len` limbs, in whole vectors only:
        /// the windows are read on to the next multiple of four limbs, so in each pair one
        /// side must read zeros there (its array ends, or holds zeros from there on).
        #[inline(always)]
        pub(in super::super) fn dot2_v(
            &mut self,
            (x, y): (Side<'_>, Side<'_>),
            (p, q): (Side<'_>, Side<'_>),
            len: usize,
        ) {
            let mut sums = Sums::new();
            let chunks = len.div_ceil(4);
            let (xs, ys) = (
                x.shifted.window(x.start, chunks),
                y.shifted.window(y.start, chunks),
            );
            let (ps, qs) = (
                p.shifted.window(p.start, chunks),
                q.shifted.window(q.start, chunks),
            );
            for i in 0..xs.len().min(ys.len()).min(ps.len()).min(qs.len()) {
                if let (Some(&a), Some(&b), Some(&c), Some(&d)) =
                    (xs.get(i), ys.get(i), ps.get(i), qs.get(i))
                {
                    sums.mac4(a, b);
                    sums.mac4(c, d);
                }
            }
            sums.add_to(self);
        }
    }
}
