//! Where a reply's body goes as it arrives: at debug level 2 the dump in
//! JSON_DIR (renamed to its final name once complete), else an anonymous
//! temporary file. A dump that cannot be written (JSON_DIR full, gone) falls
//! back to an anonymous temporary file holding what arrived so far, with a
//! warning: the dump is a debugging aid, never a reason to fail the run.

use super::model::Method;
use crate::atomic::Staged;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Bytes gathered before one write: the count of bytes known whole in the dump
/// is exact at each write, so a fallback copies exactly those.
const BATCH: usize = 1 << 16;

enum Sink {
    Dump(Staged),
    Anon(File),
}

pub(crate) struct Spool {
    method: Method,
    sink: Sink,
    pending: Vec<u8>,
    /// Bytes written whole to the sink.
    written: u64,
}

impl Spool {
    /// Spool into `dir/name` when a dump folder is given, else anonymously. A
    /// dump that cannot be started is a warning and an anonymous spool.
    pub fn new(method: Method, dump: Option<(&Path, &str)>) -> io::Result<Spool> {
        let staged = dump.and_then(|(dir, name)| {
            crate::atomic::staged(dir, name)
                .map_err(|e| tracing::warn!("cannot save the raw {method} reply: {e:#}; it is not dumped"))
                .ok()
        });
        let sink = match staged {
            Some(s) => Sink::Dump(s),
            None => Sink::Anon(tempfile::tempfile()?),
        };
        Ok(Spool {
            method,
            sink,
            pending: Vec::with_capacity(BATCH),
            written: 0,
        })
    }

    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.pending.extend_from_slice(chunk);
        if self.pending.len() >= BATCH {
            self.drain()?;
        }
        Ok(())
    }

    fn drain(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let failed = match &mut self.sink {
            Sink::Dump(staged) => staged.file().write_all(&self.pending).err(),
            Sink::Anon(f) => {
                f.write_all(&self.pending)?;
                None
            }
        };
        if let Some(e) = failed {
            let mut anon = self.fall_back(&e)?;
            anon.write_all(&self.pending)?;
            self.sink = Sink::Anon(anon);
        }
        self.written += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    /// A new anonymous spool holding the bytes the dump holds whole.
    fn fall_back(&mut self, e: &io::Error) -> io::Result<File> {
        tracing::warn!(
            "cannot save the raw {} reply in JSON_DIR ({e}); it is spooled to an anonymous temporary file instead and not dumped",
            self.method
        );
        let mut anon = tempfile::tempfile()?;
        if let Sink::Dump(staged) = &mut self.sink {
            let mut from = staged.file().try_clone()?;
            from.seek(SeekFrom::Start(0))?;
            io::copy(&mut from.take(self.written), &mut anon)?;
        }
        Ok(anon)
    }

    /// The whole body, rewound for the parse, and the dump still under its
    /// temporary name when it was written whole (the caller names it, after
    /// checking it for secrets); `None` when the body went to an anonymous file.
    pub fn finish(mut self) -> io::Result<(File, Option<Staged>)> {
        self.drain()?;
        let (mut file, staged) = match self.sink {
            Sink::Anon(f) => (f, None),
            Sink::Dump(mut staged) => (staged.file().try_clone()?, Some(staged)),
        };
        file.rewind()?;
        Ok((file, staged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_dump_folder_the_body_is_spooled_whole() {
        let mut s = Spool::new(Method::QueueHealth, None).unwrap();
        for _ in 0..3 {
            s.write(&[b'x'; 40_000]).unwrap();
        }
        let mut body = Vec::new();
        s.finish().unwrap().0.read_to_end(&mut body).unwrap();
        assert_eq!(body.len(), 120_000);
    }
}
