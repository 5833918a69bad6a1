//! Cognito's integer encodings: the server's hex numbers in, padHex bytes out.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::ProtocolError;

/// An integer parsed from the server's hex: sign and minimal big-endian magnitude (zero is
/// an empty magnitude).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedInt {
    pub(crate) negative: bool,
    pub(crate) magnitude: Vec<u8>,
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses hexadecimal text of an integer: upper or lower case, any number of digits (odd
/// counts and leading zeros included), and a leading `-` when `signed`. At most `max_digits`
/// digits are accepted.
pub(crate) fn parse_hex(
    field: &'static str,
    text: &str,
    signed: bool,
    max_digits: usize,
) -> Result<ParsedInt, ProtocolError> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) if signed => (true, rest.as_bytes()),
        _ => (false, text.as_bytes()),
    };
    if digits.is_empty() {
        return Err(if text.is_empty() {
            ProtocolError::EmptyField(field)
        } else {
            ProtocolError::BadHex(field)
        });
    }
    if digits.len() > max_digits {
        return Err(ProtocolError::FieldTooLong(field));
    }
    let mut magnitude = Vec::with_capacity(digits.len().div_ceil(2));
    // Right-align: an odd count gives a leading half byte.
    let (head, pairs) = digits.split_at(digits.len() % 2);
    if let Some(&c) = head.first() {
        magnitude.push(hex_digit(c).ok_or(ProtocolError::BadHex(field))?);
    }
    for pair in pairs.chunks_exact(2) {
        let (hi, lo) = match pair {
            [hi, lo] => (hex_digit(*hi), hex_digit(*lo)),
            _ => (None, None),
        };
        match (hi, lo) {
            (Some(hi), Some(lo)) => magnitude.push(hi << 4 | lo),
            _ => return Err(ProtocolError::BadHex(field)),
        }
    }
    let first = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    magnitude.drain(..first);
    Ok(ParsedInt {
        negative: negative && !magnitude.is_empty(),
        magnitude,
    })
}

/// padHex of a non-negative integer given as big-endian bytes: the minimal two's-complement
/// encoding (Java's `BigInteger.toByteArray()`): leading zeros dropped, one `00` in front when
/// the top bit is set, and `00` for zero.
pub(crate) fn pad_unsigned(be: &[u8]) -> Vec<u8> {
    let first = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    let digits = be.get(first..).unwrap_or_default();
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

/// padHex of a signed integer: for a negative one, the minimal two's-complement bytes whose
/// first byte has the top bit set (−20 → `ec`, −128 → `80`, −129 → `ff7f`).
pub(crate) fn pad_signed(value: &ParsedInt) -> Vec<u8> {
    let mut out = pad_unsigned(&value.magnitude);
    if !value.negative {
        return out;
    }
    // Two's complement over the same width: invert, then add one.
    let mut carry = true;
    for byte in out.iter_mut().rev() {
        let inverted = !*byte;
        let (sum, overflow) = inverted.overflowing_add(u8::from(carry));
        *byte = sum;
        carry = overflow;
    }
    // pad_unsigned may have added a sign byte that the negative value does not need.
    if let [0xff, next, ..] = out.as_slice()
        && next & 0x80 != 0
    {
        out.remove(0);
    }
    out
}

/// Lower-case hex of a non-negative integer with no leading zeros (`BigInteger.toString(16)`),
/// `0` for zero: how `SRP_A`, `SRP_B` and `SALT` travel.
pub(crate) fn minimal_hex(be: &[u8]) -> String {
    if be.iter().all(|&b| b == 0) {
        return String::from("0");
    }
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(be.len() * 2);
    for &b in be {
        for nibble in [b >> 4, b & 0xf] {
            out.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    let zeros = out.bytes().take_while(|&c| c == b'0').count();
    out.split_off(zeros)
}

/// Hex text of a signed integer given as two's-complement big-endian bytes: `-` and the
/// magnitude for a negative one, as the service writes a negative `SALT`.
pub(crate) fn signed_hex(twos_complement: &[u8]) -> String {
    if twos_complement.first().is_none_or(|&b| b & 0x80 == 0) {
        return minimal_hex(twos_complement);
    }
    // Magnitude = two's complement of the bytes: invert, then add one.
    let mut magnitude: Vec<u8> = twos_complement.iter().map(|b| !b).collect();
    for byte in magnitude.iter_mut().rev() {
        let (sum, overflow) = byte.overflowing_add(1);
        *byte = sum;
        if !overflow {
            break;
        }
    }
    let mut out = String::from("-");
    out.push_str(&minimal_hex(&magnitude));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(n: i64) -> Vec<u8> {
        let text = alloc::format!("{}{:x}", if n < 0 { "-" } else { "" }, n.unsigned_abs());
        parse_hex("t", &text, true, 64).map_or_else(|_| alloc::vec![], |p| pad_signed(&p))
    }

    #[test]
    fn pad_hex_java_semantics() {
        assert_eq!(signed(0), [0x00]);
        assert_eq!(signed(127), [0x7f]);
        assert_eq!(signed(128), [0x00, 0x80]);
        assert_eq!(signed(-20), [0xec]);
        assert_eq!(signed(-128), [0x80]);
        assert_eq!(signed(-129), [0xff, 0x7f]);
        assert_eq!(signed(-236), [0xff, 0x14]);
        assert_eq!(signed(-256), [0xff, 0x00]);
        assert_eq!(signed(-32768), [0x80, 0x00]);
        for n in -70_000i64..70_000 {
            let java = {
                let bytes = n.to_be_bytes();
                let mut v = bytes.to_vec();
                while v.len() > 1
                    && ((v[0] == 0 && v[1] & 0x80 == 0) || (v[0] == 0xff && v[1] & 0x80 != 0))
                {
                    v.remove(0);
                }
                v
            };
            assert_eq!(signed(n), java, "{n}");
        }
    }

    #[test]
    fn signed_hex_round_trips() {
        for n in -70_000i64..70_000 {
            let text = alloc::format!("{}{:x}", if n < 0 { "-" } else { "" }, n.unsigned_abs());
            assert_eq!(signed_hex(&signed(n)), text, "{n}");
        }
    }

    #[test]
    fn hex_parsing() {
        let p = parse_hex("f", "00aBc", false, 10).map(|p| p.magnitude);
        assert_eq!(p, Ok(alloc::vec![0x0a, 0xbc]));
        assert_eq!(
            parse_hex("f", "", false, 10),
            Err(ProtocolError::EmptyField("f"))
        );
        assert_eq!(
            parse_hex("f", "-", true, 10),
            Err(ProtocolError::BadHex("f"))
        );
        assert_eq!(
            parse_hex("f", "-1", false, 10),
            Err(ProtocolError::BadHex("f"))
        );
        assert_eq!(
            parse_hex("f", "12g4", false, 10),
            Err(ProtocolError::BadHex("f"))
        );
        assert_eq!(
            parse_hex("f", "+12", false, 10),
            Err(ProtocolError::BadHex("f"))
        );
        assert_eq!(
            parse_hex("f", "é1", false, 10),
            Err(ProtocolError::BadHex("f"))
        );
        assert_eq!(
            parse_hex("f", "12345", false, 4),
            Err(ProtocolError::FieldTooLong("f"))
        );
        assert_eq!(
            parse_hex("f", "-0", true, 10).map(|p| p.negative),
            Ok(false)
        );
        assert_eq!(minimal_hex(&[0, 0x0a, 0xbc]), "abc");
        assert_eq!(minimal_hex(&[]), "0");
        assert_eq!(minimal_hex(&[0, 0]), "0");
    }
}
