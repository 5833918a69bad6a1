//! The arithmetic on 64-bit limbs with 128-bit products.

/// One digit of a big integer.
pub(super) type Limb = u64;
/// A product of two limbs.
pub(super) type Wide = u128;

// Compiled once per limb size on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "exp.rs"]
pub(super) mod exp;
#[allow(clippy::duplicate_mod)]
#[path = "field.rs"]
pub(super) mod field;
