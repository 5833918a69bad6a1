//! `arithmetic`: the 3072-bit arithmetic itself against num-bigint, on arbitrary inputs and on
//! the edges (0, 1, 2, N − 1, N, N + 1, R − N, 2^3072 − 1, and values next to them): the raw
//! Montgomery multiply and square for any values below R = 2^3072, the square against the
//! multiply, the variable-base exponentiation (`S`), the table-free ladder and `g^e` through
//! the shared table and through a caller's table, for exponents of any length the crate takes
//! (up to 512 bytes; longer ones must be refused).

use std::sync::OnceLock;

use cognito_signin::srp::{self, PowersOfG, PrivateSize, arith};
use num_bigint::BigUint;

use super::input::Input;

/// Bytes of a value mod N.
const LEN: usize = 384;

fn n() -> &'static BigUint {
    static N: OnceLock<BigUint> = OnceLock::new();
    N.get_or_init(|| BigUint::from_bytes_be(&srp::modulus()))
}

/// A table of powers of g covering 1024-bit exponents, built once per process.
fn table() -> &'static PowersOfG {
    static TABLE: OnceLock<PowersOfG> = OnceLock::new();
    TABLE.get_or_init(|| PowersOfG::new(PrivateSize::Bits1024))
}

/// `value` as exactly 384 big-endian bytes (`value` below 2^3072).
fn be384(value: &BigUint) -> [u8; LEN] {
    let bytes = value.to_bytes_be();
    let mut out = [0u8; LEN];
    out[LEN - bytes.len()..].copy_from_slice(&bytes);
    out
}

/// R = 2^3072.
fn r() -> &'static BigUint {
    static R: OnceLock<BigUint> = OnceLock::new();
    R.get_or_init(|| BigUint::from(1u8) << 3072)
}

/// The edge values, built once per process.
fn edges() -> &'static [BigUint; 10] {
    static EDGES: OnceLock<[BigUint; 10]> = OnceLock::new();
    EDGES.get_or_init(|| {
        let (n, r) = (n(), r());
        [
            BigUint::ZERO,
            BigUint::from(1u8),
            BigUint::from(2u8),
            n - 1u8,
            n.clone(),
            n + 1u8,
            r - n,
            r - 1u8,
            n >> 1,
            BigUint::from(u64::MAX),
        ]
    })
}

/// An operand below 2^3072: an edge value, one next to it, or bytes of the input.
fn operand(inp: &mut Input<'_>) -> [u8; LEN] {
    let (edges, r) = (edges(), r());
    let choice = inp.byte();
    match choice % 4 {
        0 => be384(&edges[usize::from(choice / 4) % edges.len()]),
        1 => {
            // An edge value plus or minus a small number, kept below 2^3072.
            let base = &edges[usize::from(choice / 4) % edges.len()];
            let delta = BigUint::from(inp.u16());
            let v = if inp.bool() {
                (base + delta) % r
            } else if *base >= delta {
                base - delta
            } else {
                BigUint::ZERO
            };
            be384(&v)
        }
        _ => {
            // Raw bytes, right-aligned; a run of 0xff or 0x00 in front now and then.
            let mut out = [0u8; LEN];
            let bytes = inp.bytes(LEN);
            out[LEN - bytes.len()..].copy_from_slice(bytes);
            if choice & 0x40 != 0 {
                let fill = if choice & 0x80 != 0 { 0xff } else { 0x00 };
                let run = usize::from(inp.byte()) % LEN;
                out[..run].fill(fill);
            }
            out
        }
    }
}

/// An exponent: mostly short (num-bigint's `modpow`, the reference, costs milliseconds per
/// 256 bits), sometimes of the SRP sizes, now and then at the limit or past it; all ones,
/// zeros or input bytes.
fn exponent(inp: &mut Input<'_>) -> Vec<u8> {
    let kind = inp.byte();
    let len = match kind % 32 {
        0 => 32,
        3 => 128,
        4 if kind & 0x20 != 0 => 512,
        5 => 513,
        _ => usize::from(inp.byte()) % 9,
    };
    let mut e = vec![0u8; len];
    match (kind / 64) % 4 {
        0 => e.fill(0xff),
        1 => {}
        _ => {
            let bytes = inp.bytes(len);
            e[..bytes.len()].copy_from_slice(bytes);
        }
    }
    e
}

/// The target.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let n = n();
    // The multiply and the square are cheap to check: most inputs go to them.
    match inp.byte() % 16 {
        0..=2 | 8..=10 => {
            let (a, b) = (operand(&mut inp), operand(&mut inp));
            let got = BigUint::from_bytes_be(&arith::mont_mul(&a, &b));
            // got·R ≡ a·b (mod N), and got < N when a or b is (with both at or above N, one
            // subtraction leaves got ≥ N in a fraction of about 2^-65 of the pairs).
            let (big_a, big_b) = (BigUint::from_bytes_be(&a), BigUint::from_bytes_be(&b));
            if &big_a < n || &big_b < n {
                assert!(&got < n, "mont_mul not reduced");
            }
            let product = big_a * big_b;
            assert_eq!((got << 3072u32) % n, product % n, "mont_mul");
        }
        3 | 4 | 11..=13 => {
            let a = operand(&mut inp);
            let got = arith::mont_sqr(&a);
            let big = BigUint::from_bytes_be(&a);
            let value = BigUint::from_bytes_be(&got);
            if &big < n {
                assert!(&value < n, "mont_sqr not reduced");
            }
            assert_eq!((value << 3072u32) % n, &big * &big % n, "mont_sqr");
            assert_eq!(got, arith::mont_mul(&a, &a), "square and multiply differ");
        }
        5 | 14 => {
            // Bases of up to 512 significant bytes are taken, like SRP_A and SRP_B.
            let mut base = operand(&mut inp).to_vec();
            if inp.bool() {
                let mut longer = inp.bytes(200).to_vec();
                longer.extend_from_slice(&base);
                base = longer;
            }
            let e = exponent(&mut inp);
            let got = arith::pow(&base, &e);
            let significant = base.iter().skip_while(|&&b| b == 0).count();
            if significant > 512 || e.len() > 512 {
                assert_eq!(got, None, "pow takes a too long input");
            } else {
                let want = BigUint::from_bytes_be(&base).modpow(&BigUint::from_bytes_be(&e), n);
                assert_eq!(got.map(|v| BigUint::from_bytes_be(&v)), Some(want), "pow");
            }
        }
        6 | 15 => {
            let e = exponent(&mut inp);
            let got = arith::pow2(&e);
            if e.len() > 512 {
                assert_eq!(got, None, "pow2 takes a too long exponent");
            } else {
                let want = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&e), n);
                assert_eq!(got.map(|v| BigUint::from_bytes_be(&v)), Some(want), "pow2");
            }
        }
        _ => {
            let e = exponent(&mut inp);
            let own = inp.bool().then(table);
            let got = arith::pow_g(&e, own);
            if e.len() > 512 {
                assert_eq!(got, None, "pow_g takes a too long exponent");
            } else {
                let want = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&e), n);
                assert_eq!(
                    got.map(|v| BigUint::from_bytes_be(&v)),
                    Some(want),
                    "pow_g (own table: {})",
                    own.is_some()
                );
            }
        }
    }
}
