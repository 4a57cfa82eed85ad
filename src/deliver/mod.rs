//! Delivery of rendered files: local atomic writes (FTP pull) and push, by
//! FTP/FTPS or SFTP. [`push`] and [`check`] are the one place FTP_PROTOCOL
//! chooses the transport; the upload rule (one connection for all of a run's
//! files, `.NAME.part`, size check, rename) is the same for both.
pub mod ftp;
pub mod local;
pub mod sftp;

use crate::config::FtpConfig;
use crate::deadline::Bounds;
use std::path::{Path, PathBuf};

/// What a successful push delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushReport {
    /// Final remote names, in upload order; a file counts only once renamed.
    pub uploaded: Vec<String>,
    /// Bytes uploaded in all.
    pub bytes: u64,
}

/// A failed push, of either transport.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Ftp(#[from] ftp::FtpError),
    #[error(transparent)]
    Sftp(#[from] sftp::SftpError),
    #[error("the upload did not finish: {0}")]
    Aborted(String),
}

impl PushError {
    /// Whether the deadline, not the server's answer, ended the exchange.
    pub(crate) fn is_deadline(&self) -> bool {
        match self {
            PushError::Ftp(e) => e.is_deadline(),
            PushError::Sftp(e) => e.is_deadline(),
            PushError::Aborted(_) => false,
        }
    }
}

/// Upload `files` over one connection of the configured protocol.
pub async fn push(cfg: &FtpConfig, files: &[PathBuf], bounds: Bounds) -> Result<PushReport, PushError> {
    if cfg.sftp.is_some() {
        return Ok(sftp::push_files(cfg, files, bounds).await?);
    }
    // suppaftp blocks: its own thread, bounded by its timeouts and watchdog.
    let (c, f) = (cfg.clone(), files.to_vec());
    tokio::task::spawn_blocking(move || ftp::push_files(&c, &f, bounds))
        .await
        .map_err(|e| PushError::Aborted(e.to_string()))?
        .map_err(PushError::from)
}

/// Log in and list the remote folder over the configured protocol; uploads nothing.
pub async fn check(cfg: &FtpConfig, bounds: Bounds) -> Result<String, PushError> {
    if cfg.sftp.is_some() {
        return Ok(sftp::check(cfg, bounds).await?);
    }
    let c = cfg.clone();
    tokio::task::spawn_blocking(move || ftp::check(&c, bounds))
        .await
        .map_err(|e| PushError::Aborted(e.to_string()))?
        .map_err(PushError::from)
}

/// Every local file checked before connecting (a missing file is not worth a
/// half delivery): each path with its remote name. Err: the path and why.
pub(crate) fn plan(files: &[PathBuf]) -> Result<Vec<(&Path, String)>, (String, String)> {
    let mut plan = Vec::with_capacity(files.len());
    for path in files {
        let err = |reason: String| (path.display().to_string(), reason);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| err("the file name is missing or not UTF-8".into()))?
            .to_string();
        let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
        if !meta.is_file() {
            return Err(err("not a regular file".into()));
        }
        plan.push((path.as_path(), name));
    }
    Ok(plan)
}
