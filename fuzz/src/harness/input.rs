//! Reads structured choices out of the fuzzer's bytes. Running out of bytes is not an
//! error: every read then returns zeros or empty values, so every input is a valid script.

/// A cursor over the fuzzer's bytes.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Reads from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// One byte (0 when exhausted).
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A boolean from one byte.
    pub fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// A little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// A little-endian u64 (missing bytes read as zero).
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.byte();
        }
        u64::from_le_bytes(b)
    }

    /// An index below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        let i = self.below(items.len());
        &items[i]
    }

    /// Up to `max` bytes, the length given by one byte (two when `max > 255`).
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let want = if max > 255 {
            usize::from(self.u16())
        } else {
            usize::from(self.byte())
        };
        let n = want.min(max).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    /// A string of up to `max` bytes (invalid UTF-8 replaced).
    pub fn string(&mut self, max: usize) -> String {
        String::from_utf8_lossy(self.bytes(max)).into_owned()
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.data)
    }
}

/// Writes choices in the format [`Input`] reads: used to build seed inputs.
#[derive(Debug, Default)]
pub struct Output {
    /// The bytes written so far.
    pub data: Vec<u8>,
}

impl Output {
    /// One byte.
    pub fn byte(&mut self, b: u8) -> &mut Self {
        self.data.push(b);
        self
    }

    /// A little-endian u16.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.data.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A little-endian u64.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.data.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Length-prefixed bytes as [`Input::bytes`] reads them with the same `max`.
    pub fn bytes(&mut self, max: usize, b: &[u8]) -> &mut Self {
        let n = b.len().min(max);
        if max > 255 {
            self.u16(u16::try_from(n).unwrap_or(u16::MAX));
        } else {
            self.byte(u8::try_from(n).unwrap_or(u8::MAX));
        }
        self.data.extend_from_slice(&b[..n]);
        self
    }

    /// Raw bytes with no length (for a trailing `rest`).
    pub fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.data.extend_from_slice(b);
        self
    }
}
