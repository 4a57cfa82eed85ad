//! One SSH connection with its SFTP channel: connect, host key check, login,
//! the remote folder, uploads under a temporary name with a size check and a
//! rename; every step bounded by the run's deadline.

use std::future::Future;

use std::sync::{Arc, Mutex};

use russh::client::{self, Handle};
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::RawSftpSession;
use russh_sftp::protocol::StatusCode;
use tokio::time::Instant;

use super::known_hosts::{describe, lookup_name, HostKeys, Verdict};
use super::{scrub, SftpError};
use crate::config::FtpConfig;
use crate::deadline::Bounds;

mod upload;

/// The host key check, run by russh during the handshake.
struct Checker {
    keys: Arc<HostKeys>,
    /// What the server offered and why it was refused, for the error.
    seen: Arc<Mutex<Option<(String, Verdict)>>>,
}

impl client::Handler for Checker {
    type Error = russh::Error;

    async fn check_server_key(&mut self, offered: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let key = match offered {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            // Certificates are not asked for; one offered anyway is no recorded key.
            PublicKeyOrCertificate::Certificate(c) => c.public_key().clone().into(),
        };
        let verdict = self.keys.verdict(&key);
        let trusted = verdict == Verdict::Trusted;
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((describe(&key), verdict));
        }
        Ok(trusted)
    }
}

/// A logged-in SFTP session in the remote folder.
pub(super) struct Session<'a> {
    pub(super) addr: String,
    /// The server's host key as `type SHA256:...`.
    pub(super) host_key: String,
    cfg: &'a FtpConfig,
    bounds: Bounds,
    ssh: Handle<Checker>,
    sftp: RawSftpSession,
    /// The remote folder, ending in `/`.
    dir: String,
    posix_rename: bool,
}

impl<'a> Session<'a> {
    pub(super) async fn open(cfg: &'a FtpConfig, bounds: Bounds) -> Result<Session<'a>, SftpError> {
        let addr = format!("{}:{}", cfg.host, cfg.port);
        let Some(sftp_cfg) = cfg.sftp.as_ref() else {
            return Err(SftpError::Connect {
                addr,
                reason: "FTP_PROTOCOL is not sftp".into(),
            });
        };
        let kh_path = sftp_cfg.known_hosts.display().to_string();
        // Read before connecting: without the file there is nothing to trust.
        let text = std::fs::read_to_string(&sftp_cfg.known_hosts).map_err(|e| SftpError::KnownHosts {
            path: kh_path.clone(),
            reason: e.to_string(),
        })?;
        let keys = Arc::new(HostKeys::read(&text, &cfg.host, cfg.port));
        let b = Step { addr: &addr, bounds };

        let tcp = b
            .run("connect", tokio::net::TcpStream::connect((cfg.host.as_str(), cfg.port)))
            .await?
            .map_err(|e| SftpError::Connect {
                addr: addr.clone(),
                reason: e.to_string(),
            })?;
        let _ = tcp.set_nodelay(true);
        let mut config = client::Config {
            inactivity_timeout: None,
            ..Default::default()
        };
        config.preferred.key = keys.preferred_algorithms(&config.preferred.key).into();
        let seen = Arc::new(Mutex::new(None));
        let checker = Checker {
            keys: keys.clone(),
            seen: seen.clone(),
        };
        let handshake = b
            .run(
                "the SSH handshake",
                client::connect_stream(Arc::new(config), tcp, checker),
            )
            .await?;
        let offered = seen.lock().ok().and_then(|s| s.clone());
        let mut ssh = match (handshake, offered) {
            (Ok(h), Some((_, Verdict::Trusted))) => h,
            (_, Some((key, verdict))) if verdict != Verdict::Trusted => {
                let name = lookup_name(&cfg.host, cfg.port);
                let problem = match verdict {
                    Verdict::Unknown => format!(
                        "the server offered {key}, and {kh_path} holds no key for {name}{} (a host is never trusted on first use)",
                        unreadable(&keys)
                    ),
                    Verdict::Changed(recorded) => format!(
                        "the server offered {key}, which differs from the key(s) {kh_path} records for {name} ({}): the server's key changed, or this is not the server you meant",
                        recorded
                            .iter()
                            .map(|r| format!("line {}: {}", r.line, describe(&r.key)))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    Verdict::Revoked(line) => {
                        format!("the server offered {key}, which {kh_path} marks @revoked (line {line})")
                    }
                    Verdict::Trusted => String::new(),
                };
                return Err(SftpError::HostKey {
                    addr,
                    host: cfg.host.clone(),
                    port: cfg.port,
                    file: kh_path,
                    problem,
                });
            }
            (Err(e), _) => {
                return Err(SftpError::Handshake {
                    addr: addr.clone(),
                    reason: scrub(&e.to_string(), cfg),
                })
            }
            (Ok(_), _) => {
                return Err(SftpError::Handshake {
                    addr: addr.clone(),
                    reason: "the server's host key was never checked".into(),
                })
            }
        };
        let host_key = seen
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|(k, _)| k.clone()))
            .unwrap_or_default();

        let (how, result) = match &sftp_cfg.key_file {
            Some(path) => {
                let key_err = |reason: String| SftpError::KeyFile {
                    path: path.display().to_string(),
                    reason,
                };
                let key = russh::keys::load_secret_key(path, None).map_err(|e| key_err(e.to_string()))?;
                let hash = if matches!(key.algorithm(), russh::keys::Algorithm::Rsa { .. }) {
                    match b.run("login", ssh.best_supported_rsa_hash()).await? {
                        Ok(Some(h)) => h,
                        // No server-sig-algs: still SHA-2 (ssh-rsa with SHA-1 is off in OpenSSH).
                        _ => Some(russh::keys::HashAlg::Sha256),
                    }
                } else {
                    None
                };
                let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
                (
                    format!("with the key {}", path.display()),
                    b.run("login", ssh.authenticate_publickey(cfg.user.as_str(), key))
                        .await?,
                )
            }
            None => (
                "with FTP_PASSWORD".to_string(),
                b.run(
                    "login",
                    ssh.authenticate_password(cfg.user.as_str(), cfg.password.expose()),
                )
                .await?,
            ),
        };
        let login_err = |how: String| SftpError::Login {
            addr: addr.clone(),
            user: cfg.user.clone(),
            how,
            fix: if sftp_cfg.key_file.is_some() {
                "Check FTP_USER, and that the key's public half is in that user's authorized_keys on the server"
            } else {
                "Check FTP_USER and FTP_PASSWORD (or set SFTP_KEY_FILE if the server accepts keys only)"
            },
        };
        match result {
            Ok(r) if r.success() => {}
            Ok(_) => return Err(login_err(how)),
            Err(e) => return Err(login_err(format!("{how} ({})", scrub(&e.to_string(), cfg)))),
        }

        let sub_err = |reason: String| SftpError::Subsystem {
            addr: addr.clone(),
            reason: scrub(&reason, cfg),
        };
        let channel = b
            .run("opening the SFTP channel", ssh.channel_open_session())
            .await?
            .map_err(|e| sub_err(e.to_string()))?;
        b.run("opening the SFTP channel", channel.request_subsystem(true, "sftp"))
            .await?
            .map_err(|e| sub_err(e.to_string()))?;
        let sftp = RawSftpSession::new(channel.into_stream());
        sftp.set_timeout(bounds.step().as_secs().max(1));
        let version = b
            .run("the SFTP greeting", sftp.init())
            .await?
            .map_err(|e| sub_err(e.to_string()))?;
        let posix_rename = version
            .extensions
            .get("posix-rename@openssh.com")
            .is_some_and(|v| v == "1");

        let dir_err = |reason: String| SftpError::RemoteDir {
            addr: addr.clone(),
            dir: cfg.remote_dir.clone(),
            reason: scrub(&reason, cfg),
        };
        let attrs = b
            .run("opening the remote folder", sftp.stat(cfg.remote_dir.as_str()))
            .await?
            .map_err(|e| dir_err(e.to_string()))?;
        if !attrs.attrs.is_dir() {
            return Err(dir_err("it is not a folder".into()));
        }
        let mut dir = cfg.remote_dir.clone();
        if !dir.ends_with('/') {
            dir.push('/');
        }
        Ok(Session {
            addr,
            host_key,
            cfg,
            bounds,
            ssh,
            sftp,
            dir,
            posix_rename,
        })
    }

    fn step(&self) -> Step<'_> {
        Step {
            addr: &self.addr,
            bounds: self.bounds,
        }
    }

    /// Entries of the remote folder (without `.` and `..`), for `check`.
    pub(super) async fn count_entries(&mut self) -> Result<usize, SftpError> {
        let dir_err = |reason: String| SftpError::RemoteDir {
            addr: self.addr.clone(),
            dir: self.cfg.remote_dir.clone(),
            reason: scrub(&reason, self.cfg),
        };
        let step = self.step();
        let handle = step
            .run("the listing", self.sftp.opendir(self.dir.as_str()))
            .await?
            .map_err(|e| dir_err(format!("cannot list it: {e}")))?
            .handle;
        let mut n = 0;
        loop {
            match step.run("the listing", self.sftp.readdir(handle.as_str())).await? {
                Ok(name) => {
                    n += name
                        .files
                        .iter()
                        .filter(|f| f.filename != "." && f.filename != "..")
                        .count();
                }
                Err(russh_sftp::client::error::Error::Status(s)) if s.status_code == StatusCode::Eof => break,
                Err(e) => return Err(dir_err(format!("cannot list it: {e}"))),
            }
        }
        let _ = step.run("the listing", self.sftp.close(handle.as_str())).await;
        Ok(n)
    }

    pub(super) async fn close(self) {
        // The work is done; a server that closes abruptly is no failure.
        if self.bounds.passed() {
            return;
        }
        let step = self.step();
        let _ = self.sftp.close_session();
        let _ = step
            .run(
                "closing",
                self.ssh.disconnect(russh::Disconnect::ByApplication, "", "en"),
            )
            .await;
    }
}

fn unreadable(keys: &HostKeys) -> String {
    if keys.unreadable.is_empty() {
        String::new()
    } else {
        format!(
            " (lines it could not read: {})",
            keys.unreadable
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// One protocol step's time: the per-step timeout, capped by the deadline.
#[derive(Clone, Copy)]
struct Step<'s> {
    addr: &'s str,
    bounds: Bounds,
}

impl Step<'_> {
    async fn run<T>(&self, stage: &'static str, f: impl Future<Output = T>) -> Result<T, SftpError> {
        let step = self.bounds.step();
        let until = Instant::now() + step;
        let until = match self.bounds.until {
            Some(u) => until.min(Instant::from_std(u)),
            None => until,
        };
        if self.bounds.passed() {
            return Err(self.deadline(stage));
        }
        tokio::time::timeout_at(until, f).await.map_err(|_| {
            if self.bounds.passed() {
                self.deadline(stage)
            } else {
                SftpError::Timeout {
                    addr: self.addr.to_string(),
                    stage,
                    seconds: step.as_secs().max(1),
                }
            }
        })
    }

    fn deadline(&self, stage: &'static str) -> SftpError {
        SftpError::Deadline {
            addr: self.addr.to_string(),
            stage,
        }
    }
}
