//! FTP/FTPS push of finished report files to the NICE WFM server.
//!
//! One control connection per call, passive mode, binary type. Each file is
//! stored as `.<name>.part`, its remote SIZE checked against the local size,
//! then renamed to its final name, so the NICE side never picks up half a file.
//!
//! TLS trust: the system roots (rustls-native-certs, which honours
//! `SSL_CERT_FILE` / `SSL_CERT_DIR`), plus optional extra PEM roots given to
//! [`push_files_with`] / [`check_with`] (the tests use that for their own CA).
//! Connecting (plain, explicit and implicit TLS, timeouts) is in [`connect`].
//!
//! Time: every socket read and write gets the per-read timeout, capped by the
//! time left of the caller's deadline ([`Bounds`]); a [`Watchdog`] shuts the
//! sockets down when the deadline passes, so a server that trickles its
//! greeting cannot hold the run, and the error then says so ([`FtpError::Deadline`]).
//!
//! No error or log line ever holds `FTP_PASSWORD`: errors carry the stage,
//! `host:port` and the server's reply; replies are scrubbed of the password in
//! case a server echoes it, and their control characters escaped (a newline
//! in a reply must not forge a log line).

use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use suppaftp::rustls;
use suppaftp::types::FileType;
use suppaftp::{Mode, RustlsConnector, RustlsFtpStream, Status, TlsConnector};

use crate::config::{FtpConfig, FtpTls};
pub use crate::deadline::Bounds;
use crate::deadline::Watchdog;

mod connect;
mod session;
use connect::{connect_implicit, connect_tcp, set_timeouts, ImplicitError, TimedConnector};
use session::Session;

pub use super::PushReport;

/// A failed FTP step. Each message names the stage, `host:port` and the
/// server's reply (code and text), never the password.
#[derive(Debug, thiserror::Error)]
pub enum FtpError {
    #[error("FTP: cannot read local file {path}: {reason}")]
    LocalFile { path: String, reason: String },
    #[error("FTP connect to {addr} failed: {reason}. Check FTP_HOST and FTP_PORT, that the server is up, and that this host may reach it (firewall)")]
    Connect { addr: String, reason: String },
    #[error("FTP TLS ({mode}) with {addr} failed: {reason}. Check FTP_TLS matches the server (explicit = AUTH TLS on the normal port, implicit = TLS from the first byte, usually port 990) and that its certificate is trusted (system roots or SSL_CERT_FILE)")]
    Tls {
        addr: String,
        mode: &'static str,
        reason: String,
    },
    #[error("FTP login to {addr} as {user:?} failed: {reply}. Check FTP_USER and FTP_PASSWORD")]
    Login { addr: String, user: String, reply: String },
    #[error("FTP binary mode (TYPE I) on {addr} failed: {reply}")]
    TransferType { addr: String, reply: String },
    #[error("FTP change to remote directory {dir:?} on {addr} failed: {reply}. Check FTP_REMOTE_DIR exists and FTP_USER may use it")]
    ChangeDir { addr: String, dir: String, reply: String },
    #[error("FTP upload of {file} (as {temp}) to {addr} failed: {reply}. No file was left under its final name")]
    Upload {
        addr: String,
        file: String,
        temp: String,
        reply: String,
    },
    #[error("FTP rename {from} -> {to} on {addr} failed: {reply}. Check FTP_USER may rename and overwrite files in FTP_REMOTE_DIR")]
    Rename {
        addr: String,
        from: String,
        to: String,
        reply: String,
    },
    #[error("FTP size check of {file} on {addr} failed: {problem}. The upload was not renamed to its final name")]
    SizeCheck {
        addr: String,
        file: String,
        problem: String,
    },
    #[error("FTP listing of {dir:?} on {addr} failed: {reply}")]
    List { addr: String, dir: String, reply: String },
    #[error("FTP with {addr} was cut during {stage} at the deadline (the server answered too slowly)")]
    Deadline { addr: String, stage: &'static str },
}

impl FtpError {
    /// The step this error stopped at, for [`FtpError::Deadline`].
    fn stage(&self) -> &'static str {
        match self {
            FtpError::LocalFile { .. } => "reading the local files",
            FtpError::Connect { .. } => "connect and greeting",
            FtpError::Tls { .. } => "the TLS handshake",
            FtpError::Login { .. } => "login",
            FtpError::TransferType { .. } => "TYPE I",
            FtpError::ChangeDir { .. } => "CWD",
            FtpError::Upload { .. } => "an upload",
            FtpError::Rename { .. } => "a rename",
            FtpError::SizeCheck { .. } => "a size check",
            FtpError::List { .. } => "the listing",
            FtpError::Deadline { stage, .. } => stage,
        }
    }

    /// Whether the deadline, not the server's answer, ended the exchange.
    pub(crate) fn is_deadline(&self) -> bool {
        matches!(self, FtpError::Deadline { .. })
    }
}

/// `r`, restated as a deadline error when the watchdog cut the exchange.
fn or_deadline<T>(r: Result<T, FtpError>, dog: &Watchdog, bounds: &Bounds, cfg: &FtpConfig) -> Result<T, FtpError> {
    crate::deadline::restate_if_cut(r, dog, bounds, |e| FtpError::Deadline {
        addr: format!("{}:{}", cfg.host, cfg.port),
        stage: e.stage(),
    })
}

/// Upload `files` to `cfg.remote_dir` over one connection; trusts the system roots.
/// `bounds`: a per-read timeout (a `Duration`), or that and a deadline ([`Bounds`]).
pub fn push_files(cfg: &FtpConfig, files: &[PathBuf], bounds: impl Into<Bounds>) -> Result<PushReport, FtpError> {
    push_files_with(cfg, files, bounds, None)
}

/// [`push_files`], also trusting the PEM certificates in `extra_root_pem`.
pub fn push_files_with(
    cfg: &FtpConfig,
    files: &[PathBuf],
    bounds: impl Into<Bounds>,
    extra_root_pem: Option<&[u8]>,
) -> Result<PushReport, FtpError> {
    let bounds = bounds.into();
    let dog = Watchdog::start(bounds.until);
    let r = push_inner(cfg, files, bounds, &dog, extra_root_pem);
    or_deadline(r, &dog, &bounds, cfg)
}

fn push_inner(
    cfg: &FtpConfig,
    files: &[PathBuf],
    bounds: Bounds,
    dog: &Watchdog,
    extra_root_pem: Option<&[u8]>,
) -> Result<PushReport, FtpError> {
    let plan = super::plan(files).map_err(|(path, reason)| FtpError::LocalFile { path, reason })?;

    if plan.is_empty() {
        // Nothing to deliver is no reason to disturb the NICE server.
        return Ok(PushReport::default());
    }
    let mut s = Session::open(cfg, bounds, dog, extra_root_pem)?;
    let mut report = PushReport::default();
    for (path, name) in plan {
        s.next_step("an upload")?;
        let bytes = s.upload_one(path, &name)?;
        report.uploaded.push(name);
        report.bytes += bytes;
    }
    s.quit();
    Ok(report)
}

/// Connect, secure, log in, change to the remote dir and list it; uploads nothing.
pub fn check(cfg: &FtpConfig, bounds: impl Into<Bounds>) -> Result<String, FtpError> {
    check_with(cfg, bounds, None)
}

/// [`check`], also trusting the PEM certificates in `extra_root_pem`.
pub fn check_with(
    cfg: &FtpConfig,
    bounds: impl Into<Bounds>,
    extra_root_pem: Option<&[u8]>,
) -> Result<String, FtpError> {
    let bounds = bounds.into();
    let dog = Watchdog::start(bounds.until);
    let r = check_inner(cfg, bounds, &dog, extra_root_pem);
    or_deadline(r, &dog, &bounds, cfg)
}

fn check_inner(
    cfg: &FtpConfig,
    bounds: Bounds,
    dog: &Watchdog,
    extra_root_pem: Option<&[u8]>,
) -> Result<String, FtpError> {
    let mut s = Session::open(cfg, bounds, dog, extra_root_pem)?;
    s.next_step("the listing")?;
    let lines = s.ftp.list(None).map_err(|e| FtpError::List {
        addr: s.addr.clone(),
        dir: cfg.remote_dir.clone(),
        reply: s.reply(&e),
    })?;
    // Unix-style listings start with a "total N" line that is not an entry.
    let entries = lines
        .iter()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("total "))
        .count();
    s.quit();
    let tls = match cfg.tls {
        FtpTls::None => "no TLS",
        FtpTls::Explicit => "explicit TLS",
        FtpTls::Implicit => "implicit TLS",
    };
    Ok(format!(
        "logged in to {} as {} ({tls}), {} holds {entries} entr{}",
        s.addr,
        cfg.user,
        cfg.remote_dir,
        if entries == 1 { "y" } else { "ies" }
    ))
}

/// The server's reply quoted with its code, or what went wrong on the wire.
fn describe(e: &suppaftp::FtpError) -> String {
    match e {
        suppaftp::FtpError::UnexpectedResponse(r) => format!("server replied {}", reply_text(r)),
        suppaftp::FtpError::ConnectionError(io) => io_text(io),
        other => crate::outside::escape(&other.to_string()),
    }
}

/// Socket timeouts surface as WouldBlock on Unix; say what they mean.
fn io_text(io: &std::io::Error) -> String {
    match io.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            "no answer from the server in time (read/write timeout)".to_string()
        }
        _ => format!("connection error: {io}"),
    }
}

/// `"530 Login incorrect."`: every line of the reply, code included, quoted.
fn reply_text(r: &suppaftp::types::Response) -> String {
    // Control characters escaped: a reply is outside text (a newline could forge a log line).
    let body = String::from_utf8_lossy(&r.body);
    let text = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    if text.is_empty() {
        format!("\"{}\"", r.status.code())
    } else {
        format!("\"{}\"", crate::outside::escape(&text).replace('"', "\\\""))
    }
}

/// Remove the password from text that came from the server or the network stack.
fn scrub(text: &str, cfg: &FtpConfig) -> String {
    let pw = cfg.password.expose();
    if pw.is_empty() {
        text.to_string()
    } else {
        text.replace(pw, "***")
    }
}
