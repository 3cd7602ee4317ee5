//! A bounds-checked big-endian reader: every length is compared with what is left before it is
//! used, so no length can wrap around or read past the end.

use crate::error::{Error, Result};

/// Reads fields off the front of a byte slice.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`; `what` names the structure in error messages.
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self {
            bytes,
            position: 0,
            what,
        }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.position
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    /// The next `len` bytes.
    pub fn take(&mut self, len: usize, field: &str) -> Result<&'a [u8]> {
        if len > self.remaining() {
            return Err(Error::invalid_message(format_args!(
                "{}: {field} truncated ({len} bytes needed, {} left)",
                self.what,
                self.remaining()
            )));
        }
        let out = &self.bytes[self.position..self.position + len];
        self.position += len;
        Ok(out)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N]> {
        let bytes = self.take(N, field)?;
        Ok(bytes.try_into().expect("took exactly N bytes"))
    }

    /// A big-endian u16.
    pub fn u16(&mut self, field: &str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    /// A big-endian u32.
    pub fn u32(&mut self, field: &str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    /// A u32 length followed by that many bytes, at most `max` of them.
    pub fn length_prefixed(&mut self, max: usize, field: &str) -> Result<&'a [u8]> {
        let len = self.u32(field)?;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > max {
            return Err(Error::new(
                crate::ErrorCode::MessageTooLarge,
                format!(
                    "{}: {field} is {len} bytes, over the limit of {max}",
                    self.what
                ),
            ));
        }
        self.take(len, field)
    }

    /// Succeeds only when every byte was read.
    pub fn finish(self) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(Error::invalid_message(format_args!(
                "{}: {extra} trailing bytes",
                self.what
            ))),
        }
    }
}
