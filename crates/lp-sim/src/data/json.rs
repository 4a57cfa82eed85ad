//! Replies written as JSON text straight into chunk buffers, chunk by chunk, with the bytes
//! `serde_json::Value` printed before: members in key order (serde_json's map is a
//! `BTreeMap`, so keys are sorted), no blanks, numbers and strings written by serde_json.

/// A chunk is handed on once the buffer holds this much.
pub(crate) const CHUNK: usize = 64 * 1024;

/// The reply stopped before its end: the client went away, or the body is cut on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stop;

/// Where full chunks go (the connection, or a counter).
pub(crate) type Emit<'a> = &'a mut dyn FnMut(Vec<u8>) -> Result<(), Stop>;

/// A number member: an integer, or a float as serde_json prints it (`0.0`, `2.5`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    I(i64),
    F(f64),
}

/// The JSON text of one reply, in chunks.
pub(crate) struct JsonOut<'a> {
    buf: Vec<u8>,
    emit: Emit<'a>,
}

impl<'a> JsonOut<'a> {
    pub fn new(emit: Emit<'a>) -> Self {
        JsonOut {
            buf: Vec::with_capacity(CHUNK + CHUNK / 4),
            emit,
        }
    }

    /// Text as it is: punctuation, or a key made by [`key`].
    pub fn raw(&mut self, text: &[u8]) {
        self.buf.extend_from_slice(text);
    }

    pub fn int(&mut self, v: i64) {
        serde_json::to_writer(&mut self.buf, &v).expect("writing to a Vec cannot fail");
    }

    pub fn float(&mut self, v: f64) {
        serde_json::to_writer(&mut self.buf, &v).expect("writing to a Vec cannot fail");
    }

    /// A string, quoted and escaped.
    pub fn string(&mut self, s: &str) {
        serde_json::to_writer(&mut self.buf, s).expect("writing to a Vec cannot fail");
    }

    /// `{"name":value,...}` of numbers; `members` in key order.
    pub fn numbers(&mut self, members: &[(&str, Num)]) {
        debug_assert!(members.windows(2).all(|w| w[0].0 < w[1].0), "keys out of order");
        self.buf.push(b'{');
        for (i, (name, v)) in members.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.const_key(name);
            match *v {
                Num::I(n) => self.int(n),
                Num::F(f) => self.float(f),
            }
        }
        self.buf.push(b'}');
    }

    /// `"name":` of a member name that needs no escaping.
    pub fn const_key(&mut self, name: &str) {
        debug_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        self.buf.push(b'"');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    /// Hands the buffer on once it holds a chunk; call between members.
    pub fn flush_if_full(&mut self) -> Result<(), Stop> {
        if self.buf.len() >= CHUNK {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + CHUNK / 4));
            (self.emit)(chunk)?;
        }
        Ok(())
    }

    /// Hands on what is left: the reply is complete.
    pub fn finish(mut self) -> Result<(), Stop> {
        let rest = std::mem::take(&mut self.buf);
        if rest.is_empty() {
            Ok(())
        } else {
            (self.emit)(rest)
        }
    }
}

/// `"id":` of a map key (an id from the generator or the request), escaped as serde_json does.
pub(crate) fn key(id: &str) -> Vec<u8> {
    let mut k = serde_json::to_vec(id).expect("a string always serializes");
    k.push(b':');
    k
}

/// Ids in the order serde_json's map prints its keys, each with its written key.
pub(crate) fn sorted_keys<T>(ids: impl IntoIterator<Item = (String, T)>) -> Vec<(Vec<u8>, T)> {
    let mut v: Vec<(String, T)> = ids.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.dedup_by(|a, b| a.0 == b.0);
    v.into_iter().map(|(id, t)| (key(&id), t)).collect()
}

/// Writes `write` into one string (tests, the size of a body cut on purpose, and a reply
/// patched whole). Nothing stops it: this `emit` never refuses a chunk.
pub(crate) fn to_vec(write: impl FnOnce(&mut JsonOut) -> Result<(), Stop>) -> Vec<u8> {
    let mut all = Vec::new();
    let mut emit = |c: Vec<u8>| {
        all.extend_from_slice(&c);
        Ok(())
    };
    let mut out = JsonOut::new(&mut emit);
    let written = write(&mut out);
    let finished = out.finish();
    debug_assert!(written.is_ok() && finished.is_ok());
    all
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_and_strings_as_serde_json_prints_them() {
        let got = to_vec(|out| {
            out.raw(b"{");
            out.raw(&key("a\"b\u{1}é"));
            out.numbers(&[
                ("a", Num::I(-1)),
                ("b", Num::F(0.0)),
                ("c", Num::F(93.1011673151751)),
                ("d", Num::F(1e-7)),
                ("e", Num::F(1.0 / 3.0)),
                ("f", Num::I(i64::MAX)),
            ]);
            out.raw(b",\"s\":");
            out.string("Back soon \"x\"\n");
            out.raw(b"}");
            Ok(())
        });
        let want = json!({
            "a\"b\u{1}é": {"a": -1, "b": 0.0, "c": 93.1011673151751, "d": 1e-7, "e": 1.0 / 3.0, "f": i64::MAX},
            "s": "Back soon \"x\"\n",
        })
        .to_string();
        assert_eq!(String::from_utf8(got).unwrap(), want);
    }

    #[test]
    fn chunks_are_handed_on_when_full_and_the_rest_at_the_end() {
        let mut chunks = Vec::new();
        let mut emit = |c: Vec<u8>| {
            chunks.push(c.len());
            Ok(())
        };
        let mut out = JsonOut::new(&mut emit);
        let writes = 3 * (CHUNK / 1000 + 1) + 2;
        for _ in 0..writes {
            out.raw(&[b' '; 1000]);
            out.flush_if_full().unwrap();
        }
        out.finish().unwrap();
        assert_eq!(chunks.iter().sum::<usize>(), 1000 * writes);
        assert_eq!(chunks.len(), 4, "{chunks:?}");
        assert!(chunks[..3].iter().all(|c| (CHUNK..CHUNK + 1000).contains(c)));
        assert_eq!(chunks[3], 2000);
        // A stopped emitter stops the writer.
        let mut stop = |_: Vec<u8>| Err(Stop);
        let mut out = JsonOut::new(&mut stop);
        out.raw(&vec![b'x'; CHUNK]);
        assert_eq!(out.flush_if_full(), Err(Stop));
    }

    #[test]
    fn sorted_keys_sort_as_strings() {
        let k = sorted_keys([("10".to_string(), 1), ("9".to_string(), 2), ("10".to_string(), 3)]);
        assert_eq!(k, vec![(b"\"10\":".to_vec(), 1), (b"\"9\":".to_vec(), 2)]);
    }
}
