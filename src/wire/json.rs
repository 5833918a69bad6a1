//! Request bodies as compact JSON, written into one buffer of exactly the right size.
//!
//! A body may hold a password or a token. Serializing into a growing `Vec` leaves a copy of
//! what was written so far in every block the vector outgrows, and those are freed without
//! being wiped (JSON escaping can make the text several times longer than its raw parts, so
//! no estimate from the raw lengths is safe). So the value is serialized twice: once to count
//! the bytes, once into a buffer allocated at that size. serde_json cannot write into a
//! caller's buffer without `std`, hence this small serializer; its output is byte for byte
//! serde_json's compact form for the request types (structs, maps and options of strings).

use alloc::vec::Vec;
use core::fmt;

use serde::ser::{self, Impossible, Serialize};
use zeroize::Zeroizing;

/// Where the bytes go: counted, or written.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

struct Count(usize);

impl Sink for Count {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Serializes `value` as compact JSON into a wiped-on-drop buffer allocated once, at the
/// exact size. `None` for a value this serializer does not handle (never one of the request
/// types).
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Option<Zeroizing<Vec<u8>>> {
    let mut count = Count(0);
    value.serialize(Json(&mut count)).ok()?;
    let mut out = Zeroizing::new(Vec::with_capacity(count.0));
    value.serialize(Json(&mut *out)).ok()?;
    Some(out)
}

/// A value this serializer does not write (numbers other than integers, bytes, sequences,
/// enums): the request types have none.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value the request serializer does not write")
    }
}

impl core::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Self
    }
}

fn string<S: Sink + ?Sized>(out: &mut S, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.put(b"\"");
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.put(bytes.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
            let lo = HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0');
            out.put(&[b'\\', b'u', b'0', b'0', hi, lo]);
        } else {
            out.put(escape);
        }
        start = i + 1;
    }
    out.put(bytes.get(start..).unwrap_or_default());
    out.put(b"\"");
}

fn integer<S: Sink + ?Sized>(out: &mut S, negative: bool, mut magnitude: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            // The remainder is below 10.
            #[allow(clippy::cast_possible_truncation)]
            let digit = (magnitude % 10) as u8;
            *d = b'0' + digit;
        }
        magnitude /= 10;
        if magnitude == 0 || i == 0 {
            break;
        }
    }
    if negative {
        out.put(b"-");
    }
    out.put(digits.get(i..).unwrap_or_default());
}

struct Json<'a, S: Sink + ?Sized>(&'a mut S);

/// An object being written: whether a member was written yet.
struct Object<'a, S: Sink + ?Sized> {
    out: &'a mut S,
    first: bool,
}

impl<S: Sink + ?Sized> Object<'_, S> {
    fn key(&mut self, key: &str) {
        if !core::mem::take(&mut self.first) {
            self.out.put(b",");
        }
        string(self.out, key);
        self.out.put(b":");
    }
}

impl<'a, S: Sink + ?Sized> ser::Serializer for Json<'a, S> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Impossible<(), Unsupported>;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Object<'a, S>;
    type SerializeStruct = Object<'a, S>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.0.put(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        integer(self.0, v < 0, v.unsigned_abs());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        integer(self.0, false, v);
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        string(self.0, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        string(self.0, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.0.put(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        self.0.put(b"{");
        Ok(Object {
            out: self.0,
            first: true,
        })
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

impl<'a, S: Sink + ?Sized> ser::SerializeMap for Object<'a, S> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        key.serialize(KeyName(self))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(Json(&mut *self.out))
    }
    fn end(self) -> Result<(), Unsupported> {
        self.out.put(b"}");
        Ok(())
    }
}

impl<'a, S: Sink + ?Sized> ser::SerializeStruct for Object<'a, S> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.key(key);
        value.serialize(Json(&mut *self.out))
    }
    fn end(self) -> Result<(), Unsupported> {
        ser::SerializeMap::end(self)
    }
}

/// Serializes a map key: a string, written as the next member's name.
struct KeyName<'b, 'a, S: Sink + ?Sized>(&'b mut Object<'a, S>);

impl<S: Sink + ?Sized> ser::Serializer for KeyName<'_, '_, S> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Impossible<(), Unsupported>;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Impossible<(), Unsupported>;
    type SerializeStruct = Impossible<(), Unsupported>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.0.key(v);
        Ok(())
    }
    fn serialize_bool(self, _: bool) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i8(self, _: i8) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i16(self, _: i16) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i32(self, _: i32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i64(self, _: i64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u8(self, _: u8) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u16(self, _: u16) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u32(self, _: u32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u64(self, _: u64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, _: char) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::string::String;

    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Body<'a> {
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<&'a str>,
        none: Option<&'a str>,
        params: BTreeMap<&'a str, &'a str>,
        nested: Nested,
        flag: bool,
        count: i64,
    }

    #[derive(serde::Serialize)]
    struct Nested {
        inner: String,
    }

    #[test]
    fn same_bytes_as_serde_json() {
        let every_byte: String = (0u8..0x80).map(char::from).collect();
        let mut params = BTreeMap::new();
        params.insert("b \"quoted\" \\", every_byte.as_str());
        params.insert("a", "é ∑ 😀 \u{7f}");
        params.insert("", "");
        for count in [0, 7, -1, i64::MIN, i64::MAX] {
            let body = Body {
                name: &every_byte,
                skipped: None,
                none: None,
                params: params.clone(),
                nested: Nested {
                    inner: String::from("x\u{2028}y"),
                },
                flag: count > 0,
                count,
            };
            let ours = to_vec(&body).unwrap();
            assert_eq!(ours.capacity(), ours.len());
            assert_eq!(*ours, serde_json::to_vec(&body).unwrap());
        }
        assert!(to_vec(&1.5f64).is_none());
        assert!(to_vec(&[1u8]).is_none());
    }
}
