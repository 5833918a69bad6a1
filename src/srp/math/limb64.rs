//! The arithmetic on 64-bit limbs with 128-bit products, carries propagated per product.

/// One digit of a big integer.
pub(super) type Limb = u64;
/// A product of two limbs.
pub(super) type Wide = u128;

// Compiled once per instantiation on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "carries.rs"]
mod acc;
#[allow(clippy::duplicate_mod)]
#[path = "exp.rs"]
pub(super) mod exp;
#[allow(clippy::duplicate_mod)]
#[path = "field.rs"]
pub(super) mod field;
