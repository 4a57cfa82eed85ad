//! SFTP push (FTP_PROTOCOL=sftp): russh and its SFTP subsystem, async on the
//! run's runtime. One SSH connection per call; the server's host key must be in
//! SFTP_KNOWN_HOSTS (never trusted on first use); login by key (SFTP_KEY_FILE)
//! or password; each file written as `.<name>.part`, its size checked, then
//! renamed (`posix-rename@openssh.com` where offered, so a file delivered again
//! replaces the old one at once).
//!
//! Time: every step is bounded by the per-step timeout and the caller's deadline
//! (`tokio::time::timeout_at`), so a server that accepts TCP and says nothing
//! cannot hold the run ([`SftpError::Deadline`]).
//!
//! No error or log line holds FTP_PASSWORD or the key: errors carry the stage,
//! `host:port`, and the server's text escaped.

mod known_hosts;
mod session;

use std::path::PathBuf;

use crate::config::FtpConfig;
use crate::deadline::Bounds;
use session::Session;

use super::PushReport;

/// A failed SFTP step: the stage, `host:port`, what went wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    #[error("SFTP: cannot read local file {path}: {reason}")]
    LocalFile { path: String, reason: String },
    #[error("SFTP: cannot read SFTP_KNOWN_HOSTS {path}: {reason}")]
    KnownHosts { path: String, reason: String },
    #[error("SFTP connect to {addr} failed: {reason}. Check FTP_HOST and FTP_PORT (22 for SSH), that the server is up, and that this host may reach it (firewall)")]
    Connect { addr: String, reason: String },
    #[error("SFTP host key of {addr} is not trusted: {problem}. Nothing was sent. If the server's key really changed, get the new key with `ssh-keyscan -p {port} {host}`, compare its fingerprint (`ssh-keygen -lf FILE`) with the one the server's owner gives you out of band, and only then put the line into {file}")]
    HostKey {
        addr: String,
        host: String,
        port: u16,
        file: String,
        problem: String,
    },
    #[error("SSH handshake with {addr} failed: {reason}")]
    Handshake { addr: String, reason: String },
    #[error("SFTP_KEY_FILE {path} cannot be used: {reason}. Give an unencrypted private key in OpenSSH format (ssh-keygen -t ed25519 -N '' -f FILE), readable only by the user wfm runs as")]
    KeyFile { path: String, reason: String },
    #[error("SFTP login to {addr} as {user:?} {how} was refused. {fix}")]
    Login {
        addr: String,
        user: String,
        how: String,
        fix: &'static str,
    },
    #[error(
        "SFTP subsystem on {addr} failed: {reason}. The server must offer SFTP to FTP_USER (sshd: Subsystem sftp)"
    )]
    Subsystem { addr: String, reason: String },
    #[error("SFTP remote directory {dir:?} on {addr} cannot be used: {reason}. Check FTP_REMOTE_DIR exists and FTP_USER may write there")]
    RemoteDir { addr: String, dir: String, reason: String },
    #[error("SFTP upload of {file} (as {temp}) to {addr} failed: {reason}. No file was left under its final name")]
    Upload {
        addr: String,
        file: String,
        temp: String,
        reason: String,
    },
    #[error("SFTP size check of {file} on {addr} failed: {problem}. The upload was not renamed to its final name")]
    SizeCheck {
        addr: String,
        file: String,
        problem: String,
    },
    #[error("SFTP rename {from} -> {to} on {addr} failed: {reason}. Check FTP_USER may rename and replace files in FTP_REMOTE_DIR")]
    Rename {
        addr: String,
        from: String,
        to: String,
        reason: String,
    },
    #[error("SFTP with {addr}: no answer within {seconds} s during {stage}")]
    Timeout {
        addr: String,
        stage: &'static str,
        seconds: u64,
    },
    #[error("SFTP with {addr} was cut during {stage} at the deadline (the server answered too slowly)")]
    Deadline { addr: String, stage: &'static str },
}

impl SftpError {
    /// Whether the deadline, not the server's answer, ended the exchange.
    pub(crate) fn is_deadline(&self) -> bool {
        matches!(self, SftpError::Deadline { .. })
    }
}

/// Upload `files` to `cfg.remote_dir` over one SSH connection.
pub async fn push_files(cfg: &FtpConfig, files: &[PathBuf], bounds: Bounds) -> Result<PushReport, SftpError> {
    let plan = super::plan(files).map_err(|(path, reason)| SftpError::LocalFile { path, reason })?;
    if plan.is_empty() {
        // Nothing to deliver is no reason to disturb the NICE server.
        return Ok(PushReport::default());
    }
    let mut s = Session::open(cfg, bounds).await?;
    let mut report = PushReport::default();
    for (path, name) in plan {
        let bytes = s.upload_one(path, &name).await?;
        report.uploaded.push(name);
        report.bytes += bytes;
    }
    s.close().await;
    Ok(report)
}

/// Connect, verify the host key, log in, open the remote folder and list it; uploads nothing.
pub async fn check(cfg: &FtpConfig, bounds: Bounds) -> Result<String, SftpError> {
    let mut s = Session::open(cfg, bounds).await?;
    let entries = s.count_entries().await?;
    let key = s.host_key.clone();
    let addr = s.addr.clone();
    s.close().await;
    Ok(format!(
        "host key {key} verified against {}, logged in to {addr} as {} ({}), {} holds {entries} entr{}",
        cfg.sftp
            .as_ref()
            .map(|s| s.known_hosts.display().to_string())
            .unwrap_or_default(),
        cfg.user,
        if cfg.sftp.as_ref().is_some_and(|s| s.key_file.is_some()) {
            "key"
        } else {
            "password"
        },
        cfg.remote_dir,
        if entries == 1 { "y" } else { "ies" }
    ))
}

/// Remove the password from outside text, and escape its control characters.
fn scrub(text: &str, cfg: &FtpConfig) -> String {
    let pw = cfg.password.expose();
    let text = if pw.is_empty() {
        text.to_string()
    } else {
        text.replace(pw, "***")
    };
    crate::outside::escape(&text)
}
