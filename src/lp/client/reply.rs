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

/// What a dump's name says of its call: the method and the call's tag (a KMM
/// page: quarter and offset, so concurrent pages never share a name).
pub(super) fn dump_key(method: Method, tag: Option<&str>) -> String {
    match tag {
        Some(t) => format!("{}-{t}", method.path()),
        None => method.path().to_string(),
    }
}

const DUMP_TIME: &str = "%Y%m%dT%H%M%S%.3fZ";

/// The dump file's name: [`dump_key`], fetch time and, for a refusal, the status.
pub(super) fn dump_name(method: Method, tag: Option<&str>, fetched_at: DateTime<Utc>, status: u16) -> String {
    let suffix = if status == 200 {
        String::new()
    } else {
        format!("-http{status}")
    };
    format!(
        "{}-{}{suffix}.json",
        dump_key(method, tag),
        fetched_at.format(DUMP_TIME)
    )
}

/// The key and fetch time of an accepted reply's dump `name` (the inverse of
/// [`dump_name`] for status 200); `None` for any other file (a refusal's dump,
/// a temporary). The fetch time holds no `-`, so the key is all before the last one.
pub(super) fn parse_dump_name(name: &str) -> Option<(&str, DateTime<Utc>)> {
    let (key, stamp) = name.strip_suffix(".json")?.rsplit_once('-')?;
    let at = chrono::NaiveDateTime::parse_from_str(stamp, DUMP_TIME).ok()?;
    Some((key, at.and_utc()))
}

/// When the dump `name` of an accepted reply to (`method`, `tag`) was fetched.
#[cfg(test)]
pub(super) fn dump_time(name: &str, method: Method, tag: Option<&str>) -> Option<DateTime<Utc>> {
    parse_dump_name(name)
        .filter(|(key, _)| *key == dump_key(method, tag))
        .map(|(_, at)| at)
}

/// The fetch time of any accepted reply's dump `name`, whatever its method or tag.
#[cfg(test)]
pub(super) fn any_dump_time(name: &str) -> Option<DateTime<Utc>> {
    parse_dump_name(name).map(|(_, at)| at)
}
