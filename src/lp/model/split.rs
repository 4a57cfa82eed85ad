//! Splits a reply read from a stream into the pieces serde then parses from
//! memory (`from_slice`, several times faster than `from_reader`, which reads
//! byte by byte): each element of `metricsByIntervals`, and each other member's
//! value. Only one piece is in memory at a time (the buffer grows to the
//! largest interval, never to the body).
//!
//! The splitter checks the reply's frame itself (the outer object, its keys,
//! the list's brackets and commas); serde checks every piece, so a body is
//! accepted exactly when it is one JSON object, as the whole-body parse did.

use super::ParseError;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::io::Read;

/// The reply member the splitter hands out element by element.
const INTERVALS: &[u8] = b"metricsByIntervals";

/// What the splitter calls for each piece of `metricsByIntervals`, with the
/// piece's offset in the body (for messages).
pub(super) type OnInterval<'a> = dyn FnMut(&[u8], u64) -> Result<(), ParseError> + 'a;

struct Splitter<R> {
    reader: R,
    buf: Vec<u8>,
    /// The next byte not yet handed out or skipped.
    pos: usize,
    /// The end of the bytes read into `buf`.
    end: usize,
    /// The body offset of `buf[0]`.
    base: u64,
    eof: bool,
}

/// Splits `reader`'s reply, calling `on_interval` for every element of
/// `metricsByIntervals` in order; every other member is checked and skipped.
pub(super) fn split(reader: impl Read, on_interval: &mut OnInterval<'_>) -> Result<(), ParseError> {
    let mut s = Splitter {
        reader,
        buf: vec![0; 1 << 16],
        pos: 0,
        end: 0,
        base: 0,
        eof: false,
    };
    s.reply(on_interval)
}

/// The bytes [`Splitter::container_len`] looks at: quotes, backslashes, brackets.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The kind of JSON value a byte starts, for messages.
fn kind(b: u8) -> &'static str {
    match b {
        b'[' => "a list",
        b'{' => "an object",
        b'"' => "a string",
        b'-' | b'0'..=b'9' => "a number",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "no JSON value",
    }
}

impl<R: Read> Splitter<R> {
    /// The byte `k` bytes after `pos`, reading more when needed; `None` at the end.
    fn byte(&mut self, k: usize) -> Result<Option<u8>, ParseError> {
        while self.pos + k >= self.end {
            if !self.fill()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos + k]))
    }

    /// Reads more of the body, keeping `buf[pos..end]`; `false` at its end.
    fn fill(&mut self) -> Result<bool, ParseError> {
        if self.eof {
            return Ok(false);
        }
        if self.end == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.base += self.pos as u64;
                self.end -= self.pos;
                self.pos = 0;
            } else {
                // One piece larger than the buffer: grow it to hold the piece.
                let len = self.buf.len() * 2;
                self.buf.resize(len, 0);
            }
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ParseError::Io(e.to_string())),
            }
        }
    }

    fn offset(&self, k: usize) -> u64 {
        self.base + (self.pos + k) as u64
    }

    fn error(&self, k: usize, what: &str) -> ParseError {
        ParseError::Json(format!("{what} at byte {}", self.offset(k)))
    }

    /// Skips whitespace; the next byte, not consumed.
    fn peek(&mut self) -> Result<Option<u8>, ParseError> {
        loop {
            match self.byte(0)? {
                Some(b) if is_ws(b) => self.pos += 1,
                other => return Ok(other),
            }
        }
    }

    fn expect(&mut self, want: u8, what: &str) -> Result<(), ParseError> {
        match self.peek()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error(0, what)),
            None => Err(self.error(0, "EOF while parsing an object")),
        }
    }

    /// The length of the value at `pos` (in the buffer once this returns).
    fn value_len(&mut self) -> Result<usize, ParseError> {
        let Some(first) = self.byte(0)? else {
            return Err(self.error(0, "EOF while parsing a value"));
        };
        match first {
            b'"' => self.string_end(1),
            b'{' | b'[' => self.container_len(first),
            _ => {
                // A number or a literal: up to the next delimiter (serde checks it).
                let mut k = 0;
                while let Some(b) = self.byte(k)? {
                    if is_ws(b) || matches!(b, b',' | b'}' | b']' | b'{' | b'[' | b'"' | b':') {
                        break;
                    }
                    k += 1;
                }
                if k == 0 {
                    return Err(self.error(0, "expected value"));
                }
                Ok(k)
            }
        }
    }

    /// The length of the object or list at `pos`: its opening and closing
    /// bracket counted outside strings. Only the opening kind is counted: in
    /// valid JSON that finds the matching bracket, and serde checks the piece
    /// (so a body cut wrong is refused all the same). The hot loop of the
    /// splitter, so it runs over the buffered bytes directly, one table
    /// look-up per byte (faster than memchr here: quotes come every few bytes).
    fn container_len(&mut self, open: u8) -> Result<usize, ParseError> {
        let close = if open == b'{' { b'}' } else { b']' };
        let (mut level, mut k) = (0usize, 0usize);
        let (mut in_string, mut escaped) = (false, false);
        loop {
            let avail = &self.buf[self.pos + k..self.end];
            for (i, &b) in avail.iter().enumerate() {
                if !SPECIAL[b as usize] {
                    escaped = false;
                } else if in_string {
                    match b {
                        _ if escaped => escaped = false,
                        b'\\' => escaped = true,
                        b'"' => in_string = false,
                        _ => {}
                    }
                } else if b == b'"' {
                    in_string = true;
                } else if b == open {
                    level += 1;
                } else if b == close {
                    level = level.saturating_sub(1);
                    if level == 0 {
                        return Ok(k + i + 1);
                    }
                }
            }
            k += avail.len();
            if !self.fill()? {
                return Err(self.error(k, "EOF while parsing a value"));
            }
        }
    }

    /// The offset just past the string whose contents start at `k`.
    fn string_end(&mut self, mut k: usize) -> Result<usize, ParseError> {
        loop {
            // Scan what is in the buffer; read more only at its end.
            let avail = &self.buf[(self.pos + k).min(self.end)..self.end];
            match avail.iter().position(|b| *b == b'"' || *b == b'\\') {
                Some(i) if avail[i] == b'"' => return Ok(k + i + 1),
                Some(i) => k += i + 2,
                None => k += avail.len(),
            }
            if self.byte(k)?.is_none() {
                return Err(self.error(k, "EOF while parsing a string"));
            }
        }
    }

    /// The value at `pos` as a slice, consumed; its body offset.
    fn take_value(&mut self) -> Result<(std::ops::Range<usize>, u64), ParseError> {
        let len = self.value_len()?;
        let at = self.offset(0);
        let range = self.pos..self.pos + len;
        self.pos += len;
        Ok((range, at))
    }

    fn reply(&mut self, on_interval: &mut OnInterval<'_>) -> Result<(), ParseError> {
        match self.peek()? {
            Some(b'{') => self.pos += 1,
            Some(b) => {
                let what = format!("expected a reply object with metricsByIntervals, found {}", kind(b));
                return Err(self.error(0, &what));
            }
            None => return Err(self.error(0, "EOF while parsing a value")),
        }
        let mut seen = false;
        if self.peek()? == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek()? != Some(b'"') {
                    return Err(self.error(0, "key must be a string"));
                }
                let (key, at) = self.take_value()?;
                let key: String = parse_piece(&self.buf[key], at, |d| serde::Deserialize::deserialize(d))?;
                self.expect(b':', "expected `:`")?;
                self.peek()?;
                if key.as_bytes() == INTERVALS {
                    if seen {
                        return Err(self.error(0, "duplicate field `metricsByIntervals`"));
                    }
                    seen = true;
                    self.intervals(on_interval)?;
                } else {
                    // Unused members are checked (a broken body is refused) and dropped.
                    let (value, at) = self.take_value()?;
                    parse_piece(&self.buf[value], at, |d| IgnoredAny::deserialize(d))?;
                }
                match self.peek()? {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    Some(_) => return Err(self.error(0, "expected `,` or `}`")),
                    None => return Err(self.error(0, "EOF while parsing an object")),
                }
            }
        }
        if self.peek()?.is_some() {
            return Err(self.error(0, "trailing characters"));
        }
        if !seen {
            return Err(self.error(0, "missing field `metricsByIntervals`"));
        }
        Ok(())
    }

    /// `metricsByIntervals`: a list, each element handed to `on_interval`.
    fn intervals(&mut self, on_interval: &mut OnInterval<'_>) -> Result<(), ParseError> {
        match self.byte(0)? {
            Some(b'[') => self.pos += 1,
            Some(b) => {
                let what = format!("invalid type: {}, expected a list of intervals", kind(b));
                return Err(self.error(0, &what));
            }
            None => return Err(self.error(0, "EOF while parsing a value")),
        }
        if self.peek()? == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.peek()?;
            let (element, at) = self.take_value()?;
            on_interval(&self.buf[element], at)?;
            match self.peek()? {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(_) => return Err(self.error(0, "expected `,` or `]`")),
                None => return Err(self.error(0, "EOF while parsing a list")),
            }
        }
    }
}

/// Parses one piece with `f` from memory, the whole piece; errors say where in the body.
pub(super) fn parse_piece<'p, T>(
    piece: &'p [u8],
    at: u64,
    f: impl FnOnce(&mut serde_json::Deserializer<serde_json::de::SliceRead<'p>>) -> Result<T, serde_json::Error>,
) -> Result<T, ParseError> {
    let mut de = serde_json::Deserializer::from_slice(piece);
    f(&mut de)
        .and_then(|v| de.end().map(|_| v))
        .map_err(|e| located(&e, piece, at))
}

/// A serde error of a piece, its position turned into the body's byte offset.
fn located(e: &serde_json::Error, piece: &[u8], at: u64) -> ParseError {
    let text = e.to_string();
    if e.line() == 0 {
        return ParseError::Json(text);
    }
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = text.strip_suffix(&suffix).unwrap_or(&text);
    // serde counts lines from 1; line n starts after the (n-1)th newline.
    let line_start = match e.line().checked_sub(2) {
        None => 0,
        Some(n) => piece
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(n)
            .map_or(0, |(i, _)| i + 1),
    };
    let off = (line_start + e.column()).min(piece.len());
    ParseError::Json(format!("{msg} at byte {}", at + off as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(body: &[u8]) -> Result<Vec<(String, u64)>, ParseError> {
        let mut out = Vec::new();
        // Tiny reads, so pieces straddle refills.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = buf.len().min(3).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        split(Trickle(body), &mut |p, at| {
            out.push((String::from_utf8_lossy(p).into_owned(), at));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn elements_are_handed_out_whole_with_their_offsets() {
        let body = br#" {"x": {"a": [1, "]}"]}, "metricsByIntervals" : [ {"t":1} ,{"s":"\"}{"},[],7 ], "y":null} "#;
        let p = pieces(body).unwrap();
        let texts: Vec<&str> = p.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, [r#"{"t":1}"#, r#"{"s":"\"}{"}"#, "[]", "7"]);
        assert_eq!(&body[p[0].1 as usize..][..7], br#"{"t":1}"#);
        assert!(pieces(br#"{"metricsByIntervals":[]}"#).unwrap().is_empty());
    }

    #[test]
    fn a_body_is_accepted_exactly_when_it_is_one_json_object_with_the_list() {
        // Skipped values have no nesting limit (serde's IgnoredAny has none either).
        let deep = format!(r#"{{"metricsByIntervals":[{}{}]}}"#, "[".repeat(300), "]".repeat(300));
        assert!(pieces(deep.as_bytes()).is_ok());
        assert!(serde_json::from_str::<IgnoredAny>(&deep).is_ok());
        for bad in [
            &b""[..],
            b" ",
            b"[]",
            b"{}",
            b"{\"metricsByIntervals\": {}}",
            b"{\"metricsByIntervals\": [1,]}",
            b"{\"metricsByIntervals\": [1 2]}",
            b"{\"metricsByIntervals\": [], \"metricsByIntervals\": []}",
            b"{\"metricsByIntervals\": []} x",
            b"{\"metricsByIntervals\": []",
            b"{\"metricsByIntervals\": [], }",
            b"{\"metricsByIntervals\": [], \"x\": tru}",
            b"{\"metricsByIntervals\": [], \"x\": 01}",
            b"{\"metricsByIntervals\": [], \"x\": \"a\nb\"}",
            b"{\"metricsByIntervals\" [], \"x\": 1}",
            b"{metricsByIntervals: []}",
            b"{\"metricsByIntervals\": [\"abc]}",
            b"{\"metricsByIntervals\": [{]}",
            b"{\"metrics\\u0042yIntervals\": [], \"metricsByIntervals\": []}",
            b"\xff",
        ] {
            assert!(pieces(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        // An escaped key is the same key.
        assert_eq!(pieces(br#"{"metrics\u0042yIntervals": [1]}"#).unwrap().len(), 1);
    }

    #[test]
    fn errors_say_where_in_the_body() {
        let body = b"{\"a\": 1,\n \"metricsByIntervals\": [], \"b\": [1, x]}";
        let e = pieces(body).unwrap_err().to_string();
        let at = body.iter().position(|b| *b == b'x').unwrap();
        assert!(e.contains(&format!("at byte {}", at + 1)), "{e}");
    }
}
