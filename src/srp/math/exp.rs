//! Exponentiations mod N with secret exponents. Compiled once per limb size, like `field.rs`.
//!
//! Every schedule here is a function of the exponent's bit bound (public: the length of the
//! private value) and never of its bits: a fixed number of squarings, multiplications and
//! table lookups, each lookup reading the whole table.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::field::Fe;
use crate::srp::math::Exponent;

/// Window of the variable-base ladder, in bits: 5 with 64-bit limbs (a 32-entry table, 12 KiB
/// on the stack), 4 with 32-bit limbs (16 entries, 6 KiB, for small stacks).
pub(crate) const WINDOW: usize = if super::Limb::BITS == 64 { 5 } else { 4 };

/// Window of the base-2 ladder, in bits: `mul_pow2` takes shifts below 32.
const WINDOW_G: usize = 5;

/// `base^e mod N`: fixed windows from the top, [`WINDOW`] squarings and one multiplication by
/// a table entry per window, the entry chosen in constant time (the first window takes the
/// entry without a multiplication).
pub(crate) fn pow(base: &Fe, e: &Exponent) -> Fe {
    let mut table = Zeroizing::new([Fe::ONE; 1 << WINDOW]);
    let mut power = *base;
    for (i, slot) in table.iter_mut().enumerate().skip(1) {
        if i > 1 {
            power = power.mul(base);
        }
        *slot = power;
    }
    let windows = e.bits().div_ceil(WINDOW);
    let mut acc = Fe::ONE;
    for w in (0..windows).rev() {
        let digit = e.digit(w * WINDOW, WINDOW);
        let entry = Fe::select(&*table, digit);
        if w + 1 == windows {
            acc = entry;
        } else {
            for _ in 0..WINDOW {
                acc = acc.square();
            }
            acc = acc.mul(&entry);
        }
    }
    acc
}

/// `2^e mod N` without any table: 5-bit windows from the top, 5 squarings per window, then
/// the window's digit `d` applied as a multiplication by 2^d, a shift by a secret amount
/// (constant time) and a fold. The small-footprint path, used when no precomputed table is
/// available and for exponents longer than the table covers.
pub(crate) fn pow2(e: &Exponent) -> Fe {
    let windows = e.bits().div_ceil(WINDOW_G);
    let mut acc = Fe::ONE;
    for w in (0..windows).rev() {
        let digit = e.digit(w * WINDOW_G, WINDOW_G);
        if w + 1 != windows {
            for _ in 0..WINDOW_G {
                acc = acc.square();
            }
        }
        // The digit is below 2^5, so the conversion is exact.
        acc = acc.mul_pow2(u32::try_from(digit).unwrap_or(0));
    }
    acc
}

/// `g^e mod N` (g = 2): from `table` when it covers the exponent, else from the shared table
/// (with `std`) when that covers it, else by [`pow2`].
pub(crate) fn pow_g(e: &Exponent, table: Option<&Table>) -> Fe {
    if let Some(value) = table.and_then(|t| t.pow_g(e)) {
        return value;
    }
    #[cfg(feature = "std")]
    if e.bits() <= fixed::COVERED_BITS {
        return fixed::pow_g(e);
    }
    pow2(e)
}

/// Bits per row of a fixed-base table.
const ROW_BITS: usize = 4;
/// Entries per row: the powers 1..15 of its base.
const ENTRIES: usize = (1 << ROW_BITS) - 1;

/// One row of a fixed-base table: `b^d` for d = 1..15, `b` the row's base.
type Row = [Fe; ENTRIES];

/// A fixed-base table for g: row j holds `g^(d·16^j)` for d = 1..15 in Montgomery form (d = 0,
/// the 1, is not stored), so `g^e` takes one constant-time row lookup per 4 bits of the bound
/// and one multiplication per row after the first, with no squarings: 63 multiplications for
/// a 256-bit exponent, 255 for 1024 bits. A row is 15 × 384 = 5,760 bytes and takes 15
/// multiplications to build. The values are public (powers of g), so the table is neither
/// secret nor wiped.
pub(crate) struct Table {
    rows: Vec<Row>,
}

impl Table {
    /// The first `rows` rows.
    pub(crate) fn new(rows: usize) -> Self {
        Self::continued(Fe::generator(), rows)
    }

    /// `rows` rows, the first with base `base`.
    fn continued(mut base: Fe, rows: usize) -> Self {
        let mut out = Vec::with_capacity(rows);
        for _ in 0..rows {
            let mut row = [Fe::ONE; ENTRIES];
            let mut power = base;
            for slot in &mut row {
                *slot = power;
                power = power.mul(&base);
            }
            out.push(row);
            // After 15 entries, power = base^16: the next row's base.
            base = power;
        }
        Self { rows: out }
    }

    /// The base of the row after the last: `g^(16^rows)`.
    #[cfg(feature = "std")]
    fn next_base(&self) -> Fe {
        self.rows
            .last()
            .map_or(Fe::generator(), |row| row[ENTRIES - 1].mul(&row[0]))
    }

    /// The longest exponent covered, in bits.
    pub(crate) fn covered_bits(&self) -> usize {
        ROW_BITS * self.rows.len()
    }

    /// `g^e`, or `None` when the exponent's bound is longer than the table covers.
    pub(crate) fn pow_g(&self, e: &Exponent) -> Option<Fe> {
        (e.bits() <= self.covered_bits()).then(|| pow_rows(self.rows.iter(), e))
    }
}

/// `g^e` from rows of a table that cover `e.bits()`.
fn pow_rows<'a>(rows: impl Iterator<Item = &'a Row>, e: &Exponent) -> Fe {
    let windows = e.bits().div_ceil(ROW_BITS);
    let mut acc = Fe::ONE;
    for (j, row) in rows.enumerate().take(windows) {
        let entry = Fe::select_or_one(row, e.digit(j * ROW_BITS, ROW_BITS));
        acc = if j == 0 { entry } else { acc.mul(&entry) };
    }
    acc
}

/// The shared table for g, built on first use and shared by every thread, in two parts, each
/// built once on first need: rows 0..64 (exponents up to 256 bits, the default size: 368,640
/// bytes, 960 multiplications to build) and rows 64..256 (up to 1024 bits: 1,105,920 more
/// bytes, 2,880 multiplications). Longer exponents use [`pow2`].
#[cfg(feature = "std")]
pub(crate) mod fixed {
    extern crate std;

    use std::sync::OnceLock;

    use super::{Fe, ROW_BITS, Table, pow_rows};
    use crate::srp::math::Exponent;

    /// Rows of the first part: 256 bits.
    const LOW_ROWS: usize = 64;
    /// Rows in all: 1024 bits.
    const ROWS: usize = 256;
    /// The longest exponent the table covers, in bits.
    pub(crate) const COVERED_BITS: usize = ROW_BITS * ROWS;

    static LOW: OnceLock<Table> = OnceLock::new();
    static HIGH: OnceLock<Table> = OnceLock::new();

    fn low() -> &'static Table {
        LOW.get_or_init(|| Table::new(LOW_ROWS))
    }

    fn high() -> &'static Table {
        HIGH.get_or_init(|| Table::continued(low().next_base(), ROWS - LOW_ROWS))
    }

    /// Builds the whole table now rather than on first use.
    #[cfg(test)]
    pub(crate) fn build_all() {
        high();
    }

    /// `g^e` for `e.bits() <= COVERED_BITS`.
    pub(crate) fn pow_g(e: &Exponent) -> Fe {
        let rest = if e.bits() > low().covered_bits() {
            high().rows.as_slice()
        } else {
            &[]
        };
        pow_rows(low().rows.iter().chain(rest), e)
    }
}
