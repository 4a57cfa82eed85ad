//! The spill: parsed records kept in an anonymous temporary file between the
//! parse of a run's replies and the building of each quarter, so memory holds
//! one interval (or bucket) at a time however many quarters a run builds. Used by
//! the chat fetch and by the Messaging Operations part of the messaging source.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};

/// Where one kept piece is in the spill.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blob {
    offset: u64,
    len: usize,
}

/// The spill while it is written.
pub(crate) struct SpillWriter {
    out: BufWriter<File>,
    offset: u64,
}

impl SpillWriter {
    /// A new anonymous temporary file (in TMPDIR).
    pub fn new() -> std::io::Result<SpillWriter> {
        Ok(SpillWriter {
            out: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?),
            offset: 0,
        })
    }

    /// Appends `bytes`; where they are, to read them back.
    pub fn keep(&mut self, bytes: &[u8]) -> std::io::Result<Blob> {
        self.out.write_all(bytes)?;
        let blob = Blob {
            offset: self.offset,
            len: bytes.len(),
        };
        self.offset += bytes.len() as u64;
        Ok(blob)
    }

    /// The bytes kept so far.
    pub fn len(&self) -> u64 {
        self.offset
    }

    /// Everything written out: the spill, ready to be read.
    pub fn finish(self) -> std::io::Result<Spill> {
        self.out.into_inner().map(Spill).map_err(|e| e.into_error())
    }
}

/// The spill once written.
pub(crate) struct Spill(File);

impl Spill {
    /// The bytes of `b`, read back.
    pub fn read(&self, b: Blob) -> std::io::Result<Vec<u8>> {
        let mut f = &self.0;
        f.seek(SeekFrom::Start(b.offset))?;
        let mut bytes = vec![0; b.len];
        f.read_exact(&mut bytes)?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_read_back_as_kept_in_any_order() {
        let mut w = SpillWriter::new().unwrap();
        let a = w.keep(b"first").unwrap();
        let empty = w.keep(b"").unwrap();
        let b = w.keep(b"second piece").unwrap();
        assert_eq!(w.len(), 17);
        let s = w.finish().unwrap();
        assert_eq!(s.read(b).unwrap(), b"second piece");
        assert_eq!(s.read(a).unwrap(), b"first");
        assert_eq!(s.read(empty).unwrap(), b"");
    }
}
