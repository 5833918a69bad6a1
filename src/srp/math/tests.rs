//! Differential tests of the arithmetic against num-bigint (random inputs and edge values, both
//! limb sizes), and the schedule tests: for every exponent of a given length, the
//! exponentiations perform the same operations in the same order.

extern crate std;

use alloc::vec::Vec;

use num_bigint::BigUint;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::trace::{self, Op};
use super::*;
use crate::srp::group::{G, K, N_HEX};

fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default()
}

fn r() -> BigUint {
    BigUint::from(1u8) << 3072u32
}

fn be384(x: &BigUint) -> [u8; N_LEN] {
    let bytes = x.to_bytes_be();
    assert!(bytes.len() <= N_LEN);
    let mut out = [0u8; N_LEN];
    out[N_LEN - bytes.len()..].copy_from_slice(&bytes);
    out
}

fn big(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

fn random_bytes(rng: &mut StdRng, len: usize) -> Vec<u8> {
    let mut v = alloc::vec![0u8; len];
    rng.fill_bytes(&mut v);
    v
}

/// Values below R worth testing: 0, 1, 2, N−1, N, N+1, R−1, small and random ones.
fn edge_values(rng: &mut StdRng) -> Vec<BigUint> {
    let n = n();
    let mut v = alloc::vec![
        BigUint::from(0u8),
        BigUint::from(1u8),
        BigUint::from(2u8),
        &n - 1u8,
        n.clone(),
        &n + 1u8,
        r() - 1u8,
        r() - &n,
        (r() - 1u8) >> 1u32,
        BigUint::from(u64::MAX),
    ];
    for _ in 0..6 {
        v.push(big(&random_bytes(rng, N_LEN)));
        v.push(big(&random_bytes(rng, N_LEN)) % &n);
    }
    v
}

#[test]
fn r2_constant_is_r_squared_mod_n() {
    let want = (r() * r()) % n();
    assert_eq!(BigUint::parse_bytes(R2_HEX.as_bytes(), 16), Some(want));
}

#[test]
fn modulus_bytes_are_n() {
    assert_eq!(big(&modulus_bytes()), n());
    for modulus in [limb32::field::modulus_be, limb32_delayed::field::modulus_be] {
        assert_eq!(big(&modulus()), n());
    }
}

/// Tests for one limb size.
macro_rules! kernel_tests {
    ($name:ident, $limb:ident) => {
        mod $name {
            use super::*;
            use crate::srp::math::$limb::exp;
            use crate::srp::math::$limb::field::{Fe, testing};

            fn fe(x: &BigUint) -> Fe {
                Fe::from_be_bytes(&x.to_bytes_be()).unwrap()
            }

            fn val(x: &Fe) -> BigUint {
                big(&x.be_bytes())
            }

            /// The raw Montgomery product agrees with a·b·R⁻¹ mod N for all inputs below R,
            /// and the square with the product.
            #[test]
            fn montgomery_product_matches_num_bigint() {
                let mut rng = StdRng::seed_from_u64(1);
                let n = n();
                let r_inv = r().modinv(&n).unwrap();
                let values = edge_values(&mut rng);
                for a in &values {
                    for b in &values {
                        let got = big(&testing::mul(&be384(a), &be384(b)));
                        assert_eq!(got, (a * b * &r_inv) % &n, "mul {a:x} {b:x}");
                    }
                    let got = big(&testing::sqr(&be384(a)));
                    assert_eq!(got, (a * a * &r_inv) % &n, "sqr {a:x}");
                }
                for _ in 0..200 {
                    let a = big(&random_bytes(&mut rng, N_LEN));
                    let b = big(&random_bytes(&mut rng, N_LEN));
                    let got = big(&testing::mul(&be384(&a), &be384(&b)));
                    assert_eq!(got, (&a * &b * &r_inv) % &n, "mul");
                    let got = big(&testing::sqr(&be384(&a)));
                    assert_eq!(got, (&a * &a * &r_inv) % &n, "sqr");
                }
            }

            /// Conversions in and out, and the operations mod N, on reduced values.
            #[test]
            fn field_operations_match_num_bigint() {
                let mut rng = StdRng::seed_from_u64(2);
                let n = n();
                let values = edge_values(&mut rng);
                for a in &values {
                    let fa = fe(a);
                    assert_eq!(val(&fa), a % &n, "round trip {a:x}");
                    assert_eq!(big(&testing::raw(&fa)), (a * r()) % &n, "montgomery form");
                    assert_eq!(fa.is_zero(), (a % &n) == BigUint::from(0u8));
                    for d in 0..32u32 {
                        let want = (a << d) % &n;
                        assert_eq!(val(&fa.mul_pow2(d)), want, "{a:x}·2^{d}");
                    }
                    for b in &values {
                        let fb = fe(b);
                        let (ra, rb) = (a % &n, b % &n);
                        assert_eq!(val(&fa.mul(&fb)), (&ra * &rb) % &n, "mul");
                        assert_eq!(val(&fa.add(&fb)), (&ra + &rb) % &n, "add");
                        assert_eq!(val(&fa.sub(&fb)), (&ra + &n - &rb) % &n, "sub");
                    }
                    assert_eq!(val(&fa.square()), (a * a) % &n, "square");
                }
                assert_eq!(val(&Fe::ONE), BigUint::from(1u8));
                assert_eq!(val(&Fe::generator()), BigUint::from(G));
            }

            /// Values longer than N are reduced, up to 768 bytes; longer ones are refused.
            #[test]
            fn wide_values_are_reduced() {
                let mut rng = StdRng::seed_from_u64(3);
                let n = n();
                let mut wide = alloc::vec![
                    n.clone() << 1024u32,
                    (n.clone() << 1024u32) - 1u8,
                    (BigUint::from(1u8) << 4096u32) - 1u8,
                    (BigUint::from(1u8) << 6144u32) - 1u8,
                    &n * &n,
                ];
                for len in [385, 400, 512, 768] {
                    wide.push(big(&random_bytes(&mut rng, len)));
                }
                for x in &wide {
                    assert_eq!(val(&fe(x)), x % &n, "{x:x}");
                }
                assert!(Fe::from_be_bytes(&[1u8; 769]).is_none());
            }

            /// Constant-time selection returns the indexed entry.
            #[test]
            fn select_picks_the_indexed_entry() {
                let mut rng = StdRng::seed_from_u64(4);
                let table: Vec<Fe> = (0..16)
                    .map(|_| fe(&big(&random_bytes(&mut rng, N_LEN))))
                    .collect();
                for (i, entry) in table.iter().enumerate() {
                    assert_eq!(val(&Fe::select(&table, i)), val(entry));
                    assert_eq!(val(&Fe::select_or_one(&table, i + 1)), val(entry));
                }
                assert_eq!(val(&Fe::select_or_one(&table, 0)), BigUint::from(1u8));
            }

            /// Every exponentiation agrees with num-bigint's modpow, for exponents of many
            /// lengths, including 0, 1 and all ones.
            #[test]
            fn exponentiations_match_modpow() {
                let mut rng = StdRng::seed_from_u64(5);
                let n = n();
                let g = BigUint::from(G);
                let mut exps: Vec<Vec<u8>> = alloc::vec![
                    alloc::vec![],
                    alloc::vec![0],
                    alloc::vec![1],
                    alloc::vec![0xff; 32],
                    alloc::vec![0xff; 128],
                    alloc::vec![0xff; 129],
                    alloc::vec![0; 32],
                    alloc::vec![0xff; MAX_PRIVATE_LEN],
                ];
                for len in [1, 2, 31, 32, 33, 64, 127, 128, 129, 138, 200, 512] {
                    exps.push(random_bytes(&mut rng, len));
                }
                let base = big(&random_bytes(&mut rng, N_LEN)) % &n;
                // An explicit table of 260 bits (65 rows) and one of a single row.
                let table = exp::Table::new(65);
                let one_row = exp::Table::new(1);
                for e in &exps {
                    let exp = Exponent::from_be(e).unwrap();
                    let want_g = g.modpow(&big(e), &n);
                    assert_eq!(val(&exp::pow2(&exp)), want_g, "pow2, {} bytes", e.len());
                    assert_eq!(val(&exp::pow_g(&exp, None)), want_g, "pow_g, {} bytes", e.len());
                    for t in [&table, &one_row] {
                        let by_table = t.pow_g(&exp);
                        assert_eq!(by_table.is_some(), exp.bits() <= t.covered_bits());
                        if let Some(v) = by_table {
                            assert_eq!(val(&v), want_g, "explicit table, {} bytes", e.len());
                        }
                        let v = exp::pow_g(&exp, Some(t));
                        assert_eq!(val(&v), want_g, "pow_g with a table, {} bytes", e.len());
                    }
                    #[cfg(feature = "std")]
                    if exp.bits() <= exp::fixed::COVERED_BITS {
                        assert_eq!(val(&exp::fixed::pow_g(&exp)), want_g, "table");
                    }
                    let want = base.modpow(&big(e), &n);
                    assert_eq!(val(&exp::pow(&fe(&base), &exp)), want, "pow, {} bytes", e.len());
                }
            }

            /// The schedule of each exponentiation depends on the exponent's length only.
            #[test]
            fn schedules_do_not_depend_on_exponent_bits() {
                let mut rng = StdRng::seed_from_u64(6);
                let base = fe(&big(&random_bytes(&mut rng, N_LEN)));
                #[cfg(feature = "std")]
                exp::fixed::build_all();
                let table = exp::Table::new(128);
                for len in [1, 32, 33, 64, 128, 129, 512] {
                    let mut exps = alloc::vec![
                        alloc::vec![0u8; len],
                        alloc::vec![0xffu8; len],
                        {
                            let mut one = alloc::vec![0u8; len];
                            one[len - 1] = 1;
                            one
                        },
                        {
                            let mut top = alloc::vec![0u8; len];
                            top[0] = 0x80;
                            top
                        },
                    ];
                    for _ in 0..4 {
                        exps.push(random_bytes(&mut rng, len));
                    }
                    let traces = |f: &dyn Fn(&Exponent) -> Fe| -> Vec<Vec<Op>> {
                        exps.iter()
                            .map(|e| trace::capture(|| f(&Exponent::from_be(e).unwrap())).1)
                            .collect()
                    };
                    let bits = 8 * len;
                    for (name, ops) in [
                        ("pow", traces(&|e| exp::pow(&base, e))),
                        ("pow2", traces(&|e| exp::pow2(e))),
                        ("pow_g", traces(&|e| exp::pow_g(e, None))),
                        ("pow_g with a table", traces(&|e| exp::pow_g(e, Some(&table)))),
                    ] {
                        assert!(ops.windows(2).all(|w| w[0] == w[1]), "{name}, {len} bytes");
                        let count = |op: Op| ops[0].iter().filter(|&&o| o == op).count();
                        let muls = count(Op::Mul);
                        let sqrs = count(Op::Sqr);
                        match name {
                            "pow" => {
                                // The table, then one per window after the first.
                                let w = exp::WINDOW;
                                let windows = bits.div_ceil(w);
                                assert_eq!(muls, (1 << w) - 2 + windows - 1, "{name} muls");
                                assert_eq!(sqrs, w * (windows - 1), "{name} sqrs");
                                assert_eq!(count(Op::Select(1 << w)), windows);
                            }
                            "pow2" => {
                                assert_eq!(muls, 0, "{name} muls");
                                assert_eq!(sqrs, 5 * (bits.div_ceil(5) - 1), "{name} sqrs");
                                assert_eq!(count(Op::MulPow2), bits.div_ceil(5));
                            }
                            "pow_g with a table" if bits <= table.covered_bits() => {
                                // One lookup per 4 bits, one multiplication per row after
                                // the first, no squaring.
                                assert_eq!(muls, bits.div_ceil(4) - 1, "{name} muls");
                                assert_eq!(sqrs, 0, "{name} sqrs");
                                assert_eq!(count(Op::Select(16)), bits.div_ceil(4));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    };
}

kernel_tests!(on_u64, limb64);
kernel_tests!(on_u32, limb32);
kernel_tests!(on_u32_delayed, limb32_delayed);

/// The client's premaster secret schedule depends on the length of `a` only.
#[test]
fn premaster_schedule_does_not_depend_on_secrets() {
    let mut rng = StdRng::seed_from_u64(7);
    let n = n();
    let b_pub = (big(&random_bytes(&mut rng, N_LEN)) % &n).to_bytes_be();
    // Build the table first: that happens once, not in the runs compared.
    #[cfg(feature = "std")]
    exp::fixed::build_all();
    for len in [32, 128] {
        let mut runs = Vec::new();
        for fill in [0x00u8, 0xff, 0x5a] {
            let a = alloc::vec![fill; len];
            let x = [fill; 32];
            let u: [u8; 32] = random_bytes(&mut rng, 32).try_into().unwrap();
            let (s, ops) =
                trace::capture(|| client_premaster(&b_pub, &K, &x, &u, &a, None).unwrap());
            // The same S as num-bigint.
            let g = BigUint::from(G);
            let k = big(&K);
            let xb = big(&x);
            let base = (big(&b_pub) + &k * &n - (&k * g.modpow(&xb, &n)) % &n) % &n;
            let e = big(&a) + big(&u) * &xb;
            assert_eq!(big(&*s), base.modpow(&e, &n));
            runs.push(ops);
        }
        assert!(runs.windows(2).all(|w| w[0] == w[1]), "{len} bytes");
    }
}
