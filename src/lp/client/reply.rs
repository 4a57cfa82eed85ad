//! A reply as received (its body spooled in a file) and the name of its dump.

use crate::lp::model::Method;
use chrono::{DateTime, Utc};
use std::fs::File;
use std::io::{BufReader, Read};

/// One raw reply, as received: its body spooled in a file, from the start.
#[derive(Debug)]
pub struct RawReply {
    pub method: Method,
    pub fetched_at: DateTime<Utc>,
    pub body: File,
}

impl RawReply {
    /// A reply whose body is `bytes` (the unit tests' replies).
    #[cfg(test)]
    pub(crate) fn from_bytes(method: Method, fetched_at: DateTime<Utc>, bytes: &[u8]) -> std::io::Result<Self> {
        let mut body = tempfile::tempfile()?;
        use std::io::{Seek, Write};
        body.write_all(bytes)?;
        body.rewind()?;
        Ok(RawReply {
            method,
            fetched_at,
            body,
        })
    }

    /// The body, buffered, for a streaming parse.
    pub fn reader(self) -> BufReader<File> {
        BufReader::with_capacity(1 << 16, self.body)
    }

    /// The whole body in memory: only for small replies (`wfm check`).
    pub fn into_bytes(self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.reader().read_to_end(&mut out)?;
        Ok(out)
    }
}

/// The dump file's name: method, the call's tag (a KMM page: quarter and
/// offset, so concurrent pages never share a name), fetch time and, for a
/// refusal, the status.
pub(super) fn dump_name(method: Method, tag: Option<&str>, fetched_at: DateTime<Utc>, status: u16) -> String {
    let suffix = if status == 200 {
        String::new()
    } else {
        format!("-http{status}")
    };
    let tag = tag.map(|t| format!("-{t}")).unwrap_or_default();
    format!(
        "{}{tag}-{}{suffix}.json",
        method.path(),
        fetched_at.format("%Y%m%dT%H%M%S%.3fZ")
    )
}

/// When the dump `name` of an accepted reply to (`method`, `tag`) was fetched: the
/// inverse of [`dump_name`] for status 200, `None` for any other file (another
/// method or tag, a refusal's dump, a temporary).
pub(super) fn dump_time(name: &str, method: Method, tag: Option<&str>) -> Option<DateTime<Utc>> {
    let tag = tag.map(|t| format!("-{t}")).unwrap_or_default();
    let stamp = name
        .strip_prefix(method.path())?
        .strip_prefix(tag.as_str())?
        .strip_prefix('-')?
        .strip_suffix(".json")?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%.3fZ")
        .ok()
        .map(|t| t.and_utc())
}

/// The fetch time of any accepted reply's dump `name`, whatever its method or tag.
pub(super) fn any_dump_time(name: &str) -> Option<DateTime<Utc>> {
    let (_, stamp) = name.strip_suffix(".json")?.rsplit_once('-')?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%.3fZ")
        .ok()
        .map(|t| t.and_utc())
}
