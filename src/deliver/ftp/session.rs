//! One FTP control session: login, the remote folder, uploads under a
//! temporary name with a size check and a rename, within the run's bounds.

use super::*;

/// One logged-in control connection, in the remote directory, binary type.
pub(super) struct Session<'a> {
    pub(super) ftp: RustlsFtpStream,
    pub(super) addr: String,
    cfg: &'a FtpConfig,
    bounds: Bounds,
}

impl<'a> Session<'a> {
    pub(super) fn open(
        cfg: &'a FtpConfig,
        bounds: Bounds,
        dog: &Watchdog,
        extra_root_pem: Option<&[u8]>,
    ) -> Result<Self, FtpError> {
        let timeout = bounds.step();
        let addr = format!("{}:{}", cfg.host, cfg.port);
        let mode = match cfg.tls {
            FtpTls::None => "none",
            FtpTls::Explicit => "explicit",
            FtpTls::Implicit => "implicit",
        };
        let tls_err = |reason: String| FtpError::Tls {
            addr: addr.clone(),
            mode,
            reason: scrub(&reason, cfg),
        };
        let connect_err = |reason: String| FtpError::Connect {
            addr: addr.clone(),
            reason: scrub(&reason, cfg),
        };
        let connector = match cfg.tls {
            FtpTls::None => None,
            _ => Some(TimedConnector {
                inner: RustlsConnector::from(Arc::new(crate::net::tls_config(extra_root_pem, true).map_err(tls_err)?)),
                bounds,
                dog: dog.clone(),
                control_seen: Default::default(),
            }),
        };
        let targets: Vec<SocketAddr> = (cfg.host.as_str(), cfg.port)
            .to_socket_addrs()
            .map_err(|e| connect_err(format!("cannot resolve {}: {e}", cfg.host)))?
            .collect();

        let mut ftp = match connector {
            None => {
                let tcp = connect_tcp(&targets, timeout).map_err(connect_err)?;
                dog.watch(&tcp);
                RustlsFtpStream::connect_with_stream(tcp)
                    .map_err(|e| connect_err(format!("no FTP greeting: {}", describe(&e))))?
            }
            Some(connector) if cfg.tls == FtpTls::Explicit => {
                let tcp = connect_tcp(&targets, timeout).map_err(connect_err)?;
                dog.watch(&tcp);
                let plain = RustlsFtpStream::connect_with_stream(tcp)
                    .map_err(|e| connect_err(format!("no FTP greeting: {}", describe(&e))))?;
                // AUTH TLS, handshake, then PBSZ 0 / PROT P so data connections are encrypted too.
                plain
                    .into_secure(connector, &cfg.host)
                    .map_err(|e| tls_err(describe(&e)))?
            }
            Some(connector) => {
                let wait = bounds
                    .until
                    .map_or(timeout * 3, |u| (timeout * 3).min(crate::deadline::left(u)));
                let mut ftp = connect_implicit(&targets, connector, &cfg.host, timeout, wait).map_err(|e| match e {
                    ImplicitError::Connect(r) => connect_err(r),
                    ImplicitError::Tls(r) => tls_err(r),
                })?;
                // Implicit servers expect PROT P too; suppaftp does not send it on its own.
                let ok = [Status::CommandOk];
                ftp.custom_command("PBSZ 0", &ok)
                    .and_then(|_| ftp.custom_command("PROT P", &ok))
                    .map_err(|e| tls_err(format!("PBSZ 0 / PROT P: {}", describe(&e))))?;
                ftp
            }
        };
        // Passive mode; over IPv6 only EPSV works. Use the control connection's
        // address for data, as curl does: servers behind NAT often announce a private one.
        let ipv6 = ftp.get_ref().peer_addr().map(|a| a.is_ipv6()).unwrap_or(false);
        ftp.set_mode(if ipv6 { Mode::ExtendedPassive } else { Mode::Passive });
        ftp.set_passive_nat_workaround(true);
        // Data connections are not watched (a watched duplicate would keep the
        // socket open after suppaftp closes it, and the server would wait for the
        // end of the file): their timeouts never pass the deadline, and the
        // control connection, which is watched, reads every verdict.
        let ftp = ftp.passive_stream_builder(move |addr| {
            let t = bounds.step();
            let s = TcpStream::connect_timeout(&addr, t).map_err(suppaftp::FtpError::ConnectionError)?;
            set_timeouts(&s, t).map_err(suppaftp::FtpError::ConnectionError)?;
            Ok(s)
        });

        let mut s = Session { ftp, addr, cfg, bounds };
        s.next_step("login")?;
        s.ftp
            .login(cfg.user.as_str(), cfg.password.expose())
            .map_err(|e| FtpError::Login {
                addr: s.addr.clone(),
                user: cfg.user.clone(),
                reply: s.reply(&e),
            })?;
        s.next_step("TYPE I")?;
        s.ftp
            .transfer_type(FileType::Binary)
            .map_err(|e| FtpError::TransferType {
                addr: s.addr.clone(),
                reply: s.reply(&e),
            })?;
        s.next_step("CWD")?;
        s.ftp.cwd(&cfg.remote_dir).map_err(|e| FtpError::ChangeDir {
            addr: s.addr.clone(),
            dir: cfg.remote_dir.clone(),
            reply: s.reply(&e),
        })?;
        Ok(s)
    }

    /// Before each protocol step: stop if the deadline passed, else cap the
    /// control socket's timeouts by the time left.
    pub(super) fn next_step(&mut self, stage: &'static str) -> Result<(), FtpError> {
        if self.bounds.passed() {
            return Err(FtpError::Deadline {
                addr: self.addr.clone(),
                stage,
            });
        }
        let _ = set_timeouts(&self.ftp.get_ref(), self.bounds.step());
        Ok(())
    }

    /// Store `path` as `.<name>.part`, check its size, rename it to `name`. Returns the bytes sent.
    pub(super) fn upload_one(&mut self, path: &Path, name: &str) -> Result<u64, FtpError> {
        let temp = format!(".{name}.part");
        let upload_err = |s: &Self, reply: String| FtpError::Upload {
            addr: s.addr.clone(),
            file: path.display().to_string(),
            temp: temp.clone(),
            reply,
        };
        // Report files are small; reading first keeps local read errors apart from network ones.
        let data = std::fs::read(path).map_err(|e| FtpError::LocalFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let local_len = data.len() as u64;
        let sent = match self.ftp.put_with_stream(temp.as_str()) {
            Ok(mut stream) => {
                let written = stream.write_all(&data);
                // finish() closes the data connection and reads the server's verdict (226 or an error).
                let finished = stream.finish();
                match (written, finished) {
                    (Ok(()), Ok(())) => Ok(local_len),
                    // The server's own reply says most, even when our write failed first.
                    (_, Err(e @ suppaftp::FtpError::UnexpectedResponse(_))) => Err(self.reply(&e)),
                    (Err(io), _) => Err(scrub(&io_text(&io), self.cfg)),
                    (Ok(()), Err(e)) => Err(self.reply(&e)),
                }
            }
            Err(e) => Err(self.reply(&e)),
        };
        let sent = match sent {
            Ok(n) => n,
            Err(reply) if self.bounds.passed() => {
                // The connection was shut at the deadline: no point asking it to remove anything.
                return Err(upload_err(self, reply));
            }
            Err(reply) => {
                self.remove_temp(&temp);
                return Err(upload_err(self, reply));
            }
        };

        self.next_step("a size check")?;
        match self.ftp.size(temp.as_str()) {
            Ok(remote) if remote as u64 == local_len => {}
            Ok(remote) => {
                self.remove_temp(&temp);
                return Err(FtpError::SizeCheck {
                    addr: self.addr.clone(),
                    file: temp,
                    problem: format!("the server holds {remote} bytes but {} has {local_len}", path.display()),
                });
            }
            // A server without SIZE (500/502/504) cannot be checked; the transfer itself
            // completed with a 226, so go on rather than make such servers unusable.
            Err(suppaftp::FtpError::UnexpectedResponse(r)) if matches!(r.status.code(), 500 | 502 | 504) => {
                tracing::warn!(
                    "FTP server {} does not support SIZE ({}); {temp} not size-checked",
                    self.addr,
                    scrub(&reply_text(&r), self.cfg)
                );
            }
            Err(e) => {
                let reply = self.reply(&e);
                self.remove_temp(&temp);
                return Err(FtpError::SizeCheck {
                    addr: self.addr.clone(),
                    file: temp,
                    problem: reply,
                });
            }
        }

        self.next_step("a rename")?;
        if let Err(e) = self.ftp.rename(temp.as_str(), name) {
            // Some servers (IIS, FileZilla) refuse to rename over an existing file, as
            // happens when a quarter is delivered again: move the old copy aside, put
            // the new one in place, and only then drop the old one (restored on failure,
            // so a delivered file is never lost).
            let refused = matches!(&e, suppaftp::FtpError::UnexpectedResponse(r) if r.status.code() >= 500);
            if !(refused && self.replace_existing(&temp, name)) {
                let reply = self.reply(&e);
                self.remove_temp(&temp);
                return Err(FtpError::Rename {
                    addr: self.addr.clone(),
                    from: temp,
                    to: name.to_string(),
                    reply,
                });
            }
        }
        tracing::debug!("FTP {}: uploaded {name} ({sent} bytes)", self.addr);
        Ok(local_len)
    }

    /// Replace `name` by `temp` on a server that will not rename over a file.
    pub(super) fn replace_existing(&mut self, temp: &str, name: &str) -> bool {
        let old = format!(".{name}.old");
        if self.ftp.rename(name, old.as_str()).is_err() {
            return false;
        }
        if self.ftp.rename(temp, name).is_ok() {
            self.remove_temp(&old);
            return true;
        }
        if let Err(e) = self.ftp.rename(old.as_str(), name) {
            tracing::error!(
                "FTP {}: could not put the previous {name} back from {old}: {}",
                self.addr,
                self.reply(&e)
            );
        }
        false
    }

    /// Best effort: the connection may already be gone.
    pub(super) fn remove_temp(&mut self, temp: &str) {
        if self.bounds.passed() {
            return;
        }
        if let Err(e) = self.ftp.rm(temp) {
            tracing::debug!("FTP {}: could not remove {temp}: {}", self.addr, self.reply(&e));
        }
    }

    pub(super) fn quit(&mut self) {
        // The work is done; a server that closes without 221 is no failure.
        if !self.bounds.passed() {
            let _ = self.ftp.quit();
        }
    }

    pub(super) fn reply(&self, e: &suppaftp::FtpError) -> String {
        scrub(&describe(e), self.cfg)
    }
}
