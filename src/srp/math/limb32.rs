//! The arithmetic on 32-bit limbs with 64-bit products, carries propagated per product.

/// One digit of a big integer.
pub(super) type Limb = u32;
/// A product of two limbs.
pub(super) type Wide = u64;

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
