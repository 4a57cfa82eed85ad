//! Connecting to the FTP server: TCP with timeouts on every resolved address,
//! implicit TLS from the first byte (the trust is `net::tls_config`).

use super::*;

pub(super) fn set_timeouts(s: &TcpStream, timeout: Duration) -> std::io::Result<()> {
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))
}

/// Try each resolved address in turn, with `timeout` for each.
pub(super) fn connect_tcp(targets: &[SocketAddr], timeout: Duration) -> Result<TcpStream, String> {
    let mut last = String::from("the host name resolved to no address");
    for a in targets {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => {
                set_timeouts(&s, timeout).map_err(|e| e.to_string())?;
                return Ok(s);
            }
            Err(e) if targets.len() > 1 => last = format!("{a}: {e}"),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

pub(super) enum ImplicitError {
    Connect(String),
    Tls(String),
}

/// Implicit FTPS: TLS from the first byte. suppaftp opens that TCP connection
/// itself without a connect timeout, so run it on a helper thread and stop
/// waiting after `wait` (a hung thread ends when the OS gives up the SYN, or
/// when the watchdog shuts the socket the connector registered).
pub(super) fn connect_implicit(
    targets: &[SocketAddr],
    connector: TimedConnector,
    host: &str,
    timeout: Duration,
    wait: Duration,
) -> Result<RustlsFtpStream, ImplicitError> {
    // With several addresses (IPv6 and IPv4), take the first that accepts a
    // connection: suppaftp connects to one address only.
    let reachable = || {
        targets
            .iter()
            .copied()
            .find(|a| TcpStream::connect_timeout(a, timeout).is_ok())
    };
    let target = match targets {
        [] => return Err(ImplicitError::Connect("the host name resolved to no address".into())),
        [one] => *one,
        [first, ..] => reachable().unwrap_or(*first),
    };
    let host = host.to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = RustlsFtpStream::connect_secure_implicit(target, connector, &host);
        // The receiver may have given up already; nothing to do then.
        let _ = tx.send(r);
    });
    // Connect, handshake and greeting each get `timeout`; allow for all three.
    match rx.recv_timeout(wait) {
        Ok(Ok(ftp)) => Ok(ftp),
        Ok(Err(suppaftp::FtpError::SecureError(r))) => Err(ImplicitError::Tls(r)),
        Ok(Err(suppaftp::FtpError::ConnectionError(io))) => {
            // The handshake runs lazily on the first read: rustls errors come back as io errors.
            let is_tls = io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some());
            if is_tls {
                Err(ImplicitError::Tls(io.to_string()))
            } else if io.kind() == std::io::ErrorKind::ConnectionRefused || io.kind() == std::io::ErrorKind::TimedOut {
                Err(ImplicitError::Connect(io.to_string()))
            } else {
                Err(ImplicitError::Tls(format!(
                    "no FTP greeting over TLS: {}",
                    io_text(&io)
                )))
            }
        }
        Ok(Err(e)) => Err(ImplicitError::Tls(describe(&e))),
        Err(_) => Err(ImplicitError::Connect(format!(
            "no connection and TLS greeting within {:.1} s",
            wait.as_secs_f64()
        ))),
    }
}

/// Sets read/write timeouts on every socket before its TLS handshake (the
/// implicit control connection is opened inside suppaftp, out of our reach).
#[derive(Debug)]
pub(super) struct TimedConnector {
    pub(super) inner: RustlsConnector,
    pub(super) bounds: Bounds,
    /// Shuts the control socket at the deadline.
    pub(super) dog: Watchdog,
    /// The first stream secured is the control connection, the only one watched
    /// (see the passive stream builder in `Session::open`).
    pub(super) control_seen: std::sync::atomic::AtomicBool,
}

impl TlsConnector for TimedConnector {
    type Stream = <RustlsConnector as TlsConnector>::Stream;

    fn connect(&self, domain: &str, stream: TcpStream) -> suppaftp::FtpResult<Self::Stream> {
        // Data connections too: each timeout is capped by the time left.
        set_timeouts(&stream, self.bounds.step()).map_err(suppaftp::FtpError::ConnectionError)?;
        if !self.control_seen.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.dog.watch(&stream);
        }
        self.inner.connect(domain, stream)
    }
}
