//! Where an accepted reply's body goes as it arrives (the spool, the debug-2 dump), and
//! dumps that never hold the run's token or a secret.

use super::{describe, dump_name, LpClient};
use crate::lp::model::Method;
use crate::lp::spool::Spool;
use crate::lp::token::Bearer;
use crate::lp::LpError;
use chrono::{DateTime, Utc};
use std::fs::File;
use std::io::{Read, Seek, Write};

/// Whether `secrets` occur in `file` (read from its start), in chunks: a 200 MB
/// reply is never in memory.
pub(super) fn holds_any(file: &mut File, secrets: &[&str]) -> std::io::Result<bool> {
    let longest = secrets.iter().map(|s| s.len()).max().unwrap_or(0);
    if longest == 0 {
        return Ok(false);
    }
    file.rewind()?;
    let mut buf = vec![0u8; (1 << 16) + longest];
    let mut kept = 0;
    loop {
        let n = file.read(&mut buf[kept..])?;
        let end = kept + n;
        let window = &buf[..end];
        if secrets
            .iter()
            .any(|s| window.windows(s.len()).any(|w| w == s.as_bytes()))
        {
            return Ok(true);
        }
        if n == 0 {
            return Ok(false);
        }
        // Keep the tail a secret may straddle.
        kept = (longest - 1).min(end);
        buf.copy_within(end - kept..end, 0);
    }
}

/// Copy `src` (from its start) to `dst` with every secret replaced by `***`, in
/// chunks. A secret is written inside JSON strings as plain text, so the copy
/// stays the same JSON.
pub(super) fn copy_redacted(src: &mut File, dst: &mut impl Write, secrets: &[&str]) -> std::io::Result<()> {
    src.rewind()?;
    let longest = secrets.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = src.read(&mut chunk)?;
        pending.extend_from_slice(&chunk[..n]);
        let done = n == 0;
        // Bytes before `safe` cannot start a secret that continues past the buffer.
        let safe = if done {
            pending.len()
        } else {
            pending.len().saturating_sub(longest.saturating_sub(1))
        };
        let mut i = 0;
        let mut from = 0;
        while i < safe {
            match secrets.iter().find(|s| pending[i..].starts_with(s.as_bytes())) {
                Some(s) => {
                    dst.write_all(&pending[from..i])?;
                    dst.write_all(b"***")?;
                    i += s.len();
                    from = i;
                }
                None => i += 1,
            }
        }
        dst.write_all(&pending[from..i])?;
        pending.drain(..i);
        if done {
            return Ok(());
        }
    }
}

impl LpClient {
    /// Save a refused call's reply in the dump folder (debug level 2), the
    /// token cut out. Failing to save is only a warning.
    pub(super) fn dump_refusal(
        &self,
        method: Method,
        tag: Option<&str>,
        fetched_at: DateTime<Utc>,
        status: u16,
        body: &[u8],
        bearer: Option<&Bearer>,
    ) {
        let Some(dir) = &self.dump_dir else { return };
        // A refusal might quote the token or a secret; the dump must not hold them.
        let mut text = String::from_utf8_lossy(body).into_owned();
        for secret in self.dump_secrets(bearer) {
            text = text.replace(secret, "***");
        }
        match crate::atomic::write_atomic(dir, &dump_name(method, tag, fetched_at, status), text.as_bytes()) {
            Ok(p) => tracing::debug!("saved the raw {method} reply to {}", p.display()),
            Err(e) => tracing::warn!("cannot save the raw {method} reply: {e:#}"),
        }
    }

    /// Stream an accepted reply's body into a file as it arrives: at debug
    /// level 2 the dump itself (renamed to its final name once complete, byte
    /// for byte as received), else an anonymous temporary file. The file is
    /// returned rewound, for the streaming parse.
    pub(super) async fn spool(
        &self,
        method: Method,
        tag: Option<&str>,
        fetched_at: DateTime<Utc>,
        mut resp: reqwest::Response,
        url: &str,
        bearer: Option<&Bearer>,
    ) -> Result<File, LpError> {
        let failed = |reason: String| LpError::Transport {
            method,
            url: url.to_string(),
            reason,
        };
        // A local disk failing is not LivePerson being unreachable: no retry, no network hint.
        let spool_failed = |e: std::io::Error| LpError::Spool {
            method,
            reason: format!("cannot write the reply to a temporary file: {e}"),
        };
        let name = dump_name(method, tag, fetched_at, 200);
        let dump = self.dump_dir.as_deref().map(|dir| (dir, name.as_str()));
        let mut spool = Spool::new(method, dump).map_err(spool_failed)?;
        while let Some(chunk) = resp.chunk().await.map_err(|e| failed(describe(&e)))? {
            spool.write(&chunk).map_err(spool_failed)?;
        }
        let (mut file, staged) = spool.finish().map_err(spool_failed)?;
        if let Some(staged) = staged {
            match self.redacted_dump(method, tag, fetched_at, &mut file, staged, bearer) {
                Ok(p) => tracing::debug!("saved the raw {method} reply to {}", p.display()),
                // The open file still holds the body: the run goes on without the dump.
                Err(e) => tracing::warn!("cannot save the raw {method} reply: {e:#}"),
            }
        }
        file.rewind().map_err(spool_failed)?;
        Ok(file)
    }

    /// The secrets a dump must not hold: the configured ones and the run's token.
    pub(super) fn dump_secrets<'a>(&'a self, bearer: Option<&'a Bearer>) -> Vec<&'a str> {
        let mut secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        secrets.extend(bearer.map(|b| b.token.expose()));
        // As `outside::redact`: a secret of under 4 characters would star out data.
        secrets.retain(|s| s.len() >= 4);
        secrets
    }

    /// Give a complete accepted reply's dump its final name. A reply that echoes
    /// the token or a secret (a proxy page reflecting headers) is dumped as a
    /// redacted copy instead; the run parses the unredacted spool (`file`).
    fn redacted_dump(
        &self,
        method: Method,
        tag: Option<&str>,
        fetched_at: DateTime<Utc>,
        file: &mut File,
        staged: crate::atomic::Staged,
        bearer: Option<&Bearer>,
    ) -> anyhow::Result<std::path::PathBuf> {
        let secrets = self.dump_secrets(bearer);
        if !holds_any(file, &secrets)? {
            return staged.commit();
        }
        let dir = self.dump_dir.as_deref().unwrap_or(std::path::Path::new("."));
        let mut copy = crate::atomic::staged(dir, &dump_name(method, tag, fetched_at, 200))?;
        {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, copy.file());
            copy_redacted(file, &mut out, &secrets)?;
            out.flush()?;
        }
        tracing::warn!("the {method} reply quoted the run's token or a secret; its dump has it replaced by ***");
        // Dropping the unredacted staged file removes it; `file` keeps its bytes for the parse.
        drop(staged);
        copy.commit()
    }
}
