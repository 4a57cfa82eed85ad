//! Failure mail: tells the operator which quarters were not delivered, why,
//! and what to try, over the configured SMTP relay.
//!
//! STARTTLS is required when `EMAIL_TLS=starttls` (never silently plain),
//! `tls` is SMTPS from the first byte, `none` is plain. AUTH (PLAIN, LOGIN)
//! only when `EMAIL_PASSWORD` is set. TLS trust: the system roots
//! (rustls-native-certs, honouring `SSL_CERT_FILE`), plus optional extra PEM
//! roots given to [`send_with`] / [`check_with`].
//!
//! Time: each read and write gets the per-read timeout, capped by the time
//! left of the caller's deadline ([`Bounds`]). lettre opens its own socket,
//! out of reach, so the connection to the relay is made here and lettre talks
//! to it through a loopback pipe; a [`Watchdog`] shuts the relay socket when the
//! deadline passes, so a relay that trickles its greeting cannot hold the run.
//!
//! Secrets: the mail is built only from the [`FailureReport`] and the
//! non-secret mail settings, and `EMAIL_PASSWORD` is scrubbed from every text
//! that goes into a mail or an error; the relay's replies have their control
//! characters escaped (a newline must not forge a log line).

use std::io::ErrorKind;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;

use crate::config::{EmailConfig, EmailTls};
pub use crate::deadline::Bounds;
use crate::deadline::Watchdog;
use crate::quarter::Quarter;

/// What to tell the operator about a failed run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureReport {
    /// The command that failed, e.g. `wfm loop`.
    pub command: String,
    /// The quarters that were not delivered, oldest first.
    pub quarters: Vec<Quarter>,
    /// The error chain in words.
    pub what_failed: String,
    /// What to try.
    pub hint: String,
    /// The host `wfm` ran on.
    pub host: String,
    /// The log file of this run, if any.
    pub log_file: Option<PathBuf>,
    /// The config file of the run, for the rerun hint.
    pub config: Option<PathBuf>,
    /// The failed quarters LivePerson still serves (lost ones cannot be rebuilt).
    pub rebuildable: Vec<Quarter>,
    /// The run's delivery mode (`push`/`pull`), repeated in the rerun hint.
    pub ftp: Option<String>,
    /// How long LivePerson keeps the channel's data ("24 hours", "14 days").
    pub keeps: String,
    /// Messaging: quarters this run delivered partial (Q_ and AS_ only).
    pub partial: Vec<Quarter>,
}

/// Quarters one per line; a long list (a machine off for days) as ranges.
const LIST_LIMIT: usize = 12;

/// A failed SMTP step: names `server:port`, the stage and the server's reply; never the password.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("failure mail not built: {reason}. Check EMAIL_FROM and EMAIL_TO")]
    Compose { reason: String },
    #[error("SMTP connect to {addr} failed ({stage}): {reason}. Check EMAIL_SERVER and EMAIL_PORT, and that the relay is up and reachable from this host")]
    Connect {
        addr: String,
        stage: &'static str,
        reason: String,
    },
    #[error("SMTP TLS ({mode}) with {addr} failed: {reason}. Check EMAIL_TLS matches the relay (starttls, usually port 587; tls, usually port 465; none) and that its certificate is trusted (system roots or SSL_CERT_FILE)")]
    Tls {
        addr: String,
        mode: &'static str,
        reason: String,
    },
    #[error("SMTP AUTH on {addr} as {user:?} failed: {reply}. Check EMAIL_USER and EMAIL_PASSWORD")]
    Auth { addr: String, user: String, reply: String },
    #[error("SMTP relay {addr} did not accept the mail from {from} to {to}: {reply}")]
    Send {
        addr: String,
        from: String,
        to: String,
        reply: String,
    },
    #[error("SMTP with {addr} was cut during {stage} at the deadline (the relay answered too slowly)")]
    Deadline { addr: String, stage: &'static str },
}

impl MailError {
    fn stage(&self) -> &'static str {
        match self {
            MailError::Compose { .. } => "composing",
            MailError::Connect { stage, .. } => stage,
            MailError::Tls { .. } => "TLS",
            MailError::Auth { .. } => "AUTH",
            MailError::Send { .. } => "sending the mail",
            MailError::Deadline { stage, .. } => stage,
        }
    }

    /// Whether the deadline, not the relay's answer, ended the exchange.
    pub(crate) fn is_deadline(&self) -> bool {
        matches!(self, MailError::Deadline { .. })
    }
}

/// `r`, restated as a deadline error when the watchdog cut the exchange.
fn or_deadline<T>(r: Result<T, MailError>, dog: &Watchdog, bounds: &Bounds, cfg: &EmailConfig) -> Result<T, MailError> {
    crate::deadline::restate_if_cut(r, dog, bounds, |e| MailError::Deadline {
        addr: addr(cfg),
        stage: e.stage(),
    })
}

/// Subject and plain-text body of the failure mail. Pure: no clock, no I/O.
pub fn compose(cfg: &EmailConfig, r: &FailureReport) -> (String, String) {
    let subject = match r.quarters.as_slice() {
        [] => cfg.subject.clone(),
        [q] => format!("{} {}", cfg.subject, q.stem()),
        [q, rest @ ..] => format!("{} {} (+{} more)", cfg.subject, q.stem(), rest.len()),
    };

    let mut b = String::new();
    b.push_str(&format!("`{}` failed on {}.\n\n", r.command, r.host));
    if r.quarters.is_empty() {
        b.push_str("Quarters not delivered: none identified (the run failed before choosing any).\n");
    } else {
        b.push_str(&format!(
            "Quarters not delivered ({}), report name stem and UTC time:\n",
            r.quarters.len()
        ));
        if r.quarters.len() <= LIST_LIMIT {
            for q in &r.quarters {
                b.push_str(&format!("  {q}\n"));
            }
        } else {
            let set: crate::quarter_set::QuarterSet = r.quarters.iter().copied().collect();
            for (first, last) in set.ranges() {
                b.push_str(&format!("  {first} to {last}\n"));
            }
        }
    }
    if !r.partial.is_empty() {
        let set: crate::quarter_set::QuarterSet = r.partial.iter().copied().collect();
        b.push_str(&format!(
            "\nDelivered partial ({}), Q_ and AS_ from Key Messaging Metrics only, no AQ_ and no\nMessaging Operations figures, because {}: {set}\n",
            r.partial.len(),
            crate::quarter::PARTIAL_WHY
        ));
    }
    b.push_str("\nWhat failed:\n");
    b.push_str(&indent(&r.what_failed));
    b.push_str("\nWhat to try:\n");
    b.push_str(&indent(&r.hint));
    b.push('\n');
    b.push_str(&format!("Host: {}\n", r.host));
    match &r.log_file {
        Some(p) => b.push_str(&format!("Log file: {}\n", p.display())),
        None => b.push_str("Log file: none (this run logged to standard error only)\n"),
    }
    if let (Some(first), Some(last)) = (r.rebuildable.first(), r.rebuildable.last()) {
        let config = r
            .config
            .as_ref()
            .map_or_else(|| "<your config>".to_string(), |p| p.display().to_string());
        let ftp = r.ftp.as_ref().map(|m| format!(" --ftp {m}")).unwrap_or_default();
        b.push_str(&format!(
            "\nLivePerson keeps {} of data. Once the cause is fixed, quarters that a later run\ndid not deliver can be rebuilt with:\n  wfm rerun --config {config}{ftp} --output <dir> --start {} --end {}\n",
            r.keeps,
            first.stem(),
            last.stem()
        ));
    }
    b.push_str("\n-- \nSent by wfm (LivePerson -> NICE WFM reports).\n");

    (scrub(&subject, cfg), scrub(&b, cfg))
}

/// Send one plain-text mail from `cfg.from` to `cfg.to`; trusts the system roots.
/// `bounds`: a per-read timeout (a `Duration`), or that and a deadline ([`Bounds`]).
pub fn send(cfg: &EmailConfig, subject: &str, body: &str, bounds: impl Into<Bounds>) -> Result<(), MailError> {
    send_with(cfg, subject, body, bounds, None)
}

/// [`send`], also trusting the PEM certificates in `extra_root_pem`.
pub fn send_with(
    cfg: &EmailConfig,
    subject: &str,
    body: &str,
    bounds: impl Into<Bounds>,
    extra_root_pem: Option<&[u8]>,
) -> Result<(), MailError> {
    let bounds = bounds.into();
    let dog = Watchdog::start(bounds.until);
    let r = send_inner(cfg, subject, body, bounds, &dog, extra_root_pem);
    or_deadline(r, &dog, &bounds, cfg)
}

fn send_inner(
    cfg: &EmailConfig,
    subject: &str,
    body: &str,
    bounds: Bounds,
    dog: &Watchdog,
    extra_root_pem: Option<&[u8]>,
) -> Result<(), MailError> {
    let compose_err = |reason: String| MailError::Compose {
        reason: scrub(&reason, cfg),
    };
    let from = cfg
        .from
        .parse()
        .map_err(|e| compose_err(format!("EMAIL_FROM {:?}: {e}", cfg.from)))?;
    let to = cfg
        .to
        .parse()
        .map_err(|e| compose_err(format!("EMAIL_TO {:?}: {e}", cfg.to)))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(scrub(subject, cfg))
        // Some relays refuse mail without a Message-ID; lettre makes one from the host name.
        .message_id(None)
        .header(ContentType::TEXT_PLAIN)
        .body(scrub(body, cfg))
        .map_err(|e| compose_err(e.to_string()))?;

    let mut conn = open(cfg, bounds, dog, extra_root_pem)?;
    let addr = addr(cfg);
    let _ = conn.set_timeout(Some(bounds.step()));
    let sent = conn.send(message.envelope(), &message.formatted());
    match sent {
        Ok(_) => {
            // The relay took the mail with 250; a rude close afterwards changes nothing.
            let _ = conn.quit();
            Ok(())
        }
        Err(e) => {
            conn.abort();
            Err(MailError::Send {
                addr,
                from: cfg.from.clone(),
                to: cfg.to.clone(),
                reply: reply(&e, cfg),
            })
        }
    }
}

/// Connect, EHLO, STARTTLS/TLS per `cfg.tls`, AUTH when a password is set; sends nothing.
pub fn check(cfg: &EmailConfig, bounds: impl Into<Bounds>) -> Result<String, MailError> {
    check_with(cfg, bounds, None)
}

/// [`check`], also trusting the PEM certificates in `extra_root_pem`.
pub fn check_with(
    cfg: &EmailConfig,
    bounds: impl Into<Bounds>,
    extra_root_pem: Option<&[u8]>,
) -> Result<String, MailError> {
    let bounds = bounds.into();
    let dog = Watchdog::start(bounds.until);
    let r = open(cfg, bounds, &dog, extra_root_pem);
    let mut conn = or_deadline(r, &dog, &bounds, cfg)?;
    let _ = conn.quit();
    let tls = match cfg.tls {
        EmailTls::StartTls => "STARTTLS",
        EmailTls::Tls => "TLS",
        EmailTls::None => "no TLS",
    };
    let auth = if cfg.password.is_some() {
        format!("logged in as {}", cfg.user)
    } else {
        "no AUTH (EMAIL_PASSWORD not set)".to_string()
    };
    Ok(format!(
        "SMTP relay {} reached ({tls}), {auth}; failure mail goes from {} to {}",
        addr(cfg),
        cfg.from,
        cfg.to
    ))
}

fn addr(cfg: &EmailConfig) -> String {
    format!("{}:{}", cfg.server, cfg.port)
}

/// An SMTP connection, greeted, EHLO done, secured and authenticated per `cfg`.
fn open(
    cfg: &EmailConfig,
    bounds: Bounds,
    dog: &Watchdog,
    extra_root_pem: Option<&[u8]>,
) -> Result<SmtpConnection, MailError> {
    let addr = addr(cfg);
    let timeout = bounds.step();
    let mode = match cfg.tls {
        EmailTls::StartTls => "starttls",
        EmailTls::Tls => "tls",
        EmailTls::None => "none",
    };
    let tls_err = |reason: String| MailError::Tls {
        addr: addr.clone(),
        mode,
        reason: scrub(&reason, cfg),
    };
    let connect_err = |e: &lettre::transport::smtp::Error| MailError::Connect {
        addr: addr.clone(),
        stage: stage_of(e),
        reason: reply(e, cfg),
    };
    let hello = ClientId::default();
    let target = pipe(cfg, bounds, dog).map_err(|reason| MailError::Connect {
        addr: addr.clone(),
        stage: "TCP connect",
        reason: scrub(&reason, cfg),
    })?;

    let mut conn = match cfg.tls {
        EmailTls::None => {
            SmtpConnection::connect(target, Some(timeout), &hello, None, None).map_err(|e| connect_err(&e))?
        }
        EmailTls::Tls => {
            let params = tls_parameters(cfg, extra_root_pem).map_err(&tls_err)?;
            SmtpConnection::connect(target, Some(timeout), &hello, Some(&params), None).map_err(|e| {
                // TLS starts with the first byte: unless the TCP connect itself failed,
                // a failure here is the handshake or a relay that does not speak TLS.
                if e.is_tls() || !e.to_string().starts_with("Connection error") {
                    tls_err(reply(&e, cfg))
                } else {
                    connect_err(&e)
                }
            })?
        }
        EmailTls::StartTls => {
            let params = tls_parameters(cfg, extra_root_pem).map_err(&tls_err)?;
            let mut conn =
                SmtpConnection::connect(target, Some(timeout), &hello, None, None).map_err(|e| connect_err(&e))?;
            // Required, never opportunistic: a relay without STARTTLS would get the password in clear.
            if !conn.can_starttls() {
                conn.abort();
                return Err(tls_err(
                    "the relay does not offer STARTTLS in its EHLO reply (set EMAIL_TLS=tls for port 465, or EMAIL_TLS=none only for a trusted local relay)".into(),
                ));
            }
            let _ = conn.set_timeout(Some(bounds.step()));
            if let Err(e) = conn.starttls(&params, &hello) {
                conn.abort();
                return Err(tls_err(reply(&e, cfg)));
            }
            conn
        }
    };

    if let Some(password) = &cfg.password {
        let creds = Credentials::new(cfg.user.clone(), password.expose().to_string());
        let _ = conn.set_timeout(Some(bounds.step()));
        if let Err(e) = conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds) {
            conn.abort();
            return Err(MailError::Auth {
                addr,
                user: cfg.user.clone(),
                reply: reply(&e, cfg),
            });
        }
    }
    Ok(conn)
}

/// Connect to the relay (each resolved address in turn) and return a loopback
/// address that forwards to it, for lettre to connect to. Only the relay socket
/// is watched: when the watchdog shuts it (at the deadline, or when the exchange
/// is over), the pipe closes lettre's end too, and lettre's read returns.
fn pipe(cfg: &EmailConfig, bounds: Bounds, dog: &Watchdog) -> Result<SocketAddr, String> {
    let targets: Vec<SocketAddr> = (cfg.server.as_str(), cfg.port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {}: {e}", cfg.server))?
        .collect();
    let mut last = String::from("the host name resolved to no address");
    let mut relay = None;
    for a in &targets {
        match TcpStream::connect_timeout(a, bounds.step()) {
            Ok(s) => {
                relay = Some(s);
                break;
            }
            Err(e) if targets.len() > 1 => last = format!("{a}: {e}"),
            Err(e) => last = e.to_string(),
        }
    }
    let relay = relay.ok_or(last)?;
    dog.watch(&relay);
    let _ = relay.set_write_timeout(Some(bounds.per_read));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("loopback pipe: {e}"))?;
    let local = listener.local_addr().map_err(|e| format!("loopback pipe: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("loopback pipe: {e}"))?;
    // lettre connects right after this returns; give up waiting after one step.
    let accept_by = Instant::now() + bounds.step();
    std::thread::spawn(move || {
        let client = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < accept_by => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => {
                    let _ = relay.shutdown(Shutdown::Both);
                    return;
                }
            }
        };
        drop(listener);
        let _ = client.set_nonblocking(false);
        let (Ok(mut client_in), Ok(mut relay_out)) = (client.try_clone(), relay.try_clone()) else {
            let _ = relay.shutdown(Shutdown::Both);
            return;
        };
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut client_in, &mut relay_out);
            let _ = relay_out.shutdown(Shutdown::Write);
        });
        let (mut client, mut relay) = (client, relay);
        let _ = std::io::copy(&mut relay, &mut client);
        let _ = client.shutdown(Shutdown::Both);
        let _ = relay.shutdown(Shutdown::Both);
    });
    Ok(local)
}

fn stage_of(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.to_string().starts_with("Connection error") {
        "TCP connect"
    } else if e.is_timeout() {
        "waiting for greeting or EHLO reply"
    } else {
        "greeting or EHLO"
    }
}

/// lettre's words for the failure, which quote the server's code and text.
fn reply(e: &lettre::transport::smtp::Error, cfg: &EmailConfig) -> String {
    let mut text = e.to_string();
    if let Some(code) = e.status() {
        if !text.contains(&code.to_string()) {
            text = format!("{code} {text}");
        }
    }
    // The relay's words are outside text: control characters escaped.
    let mut text = crate::outside::escape(&text);
    if text.contains("No compatible authentication mechanism") {
        text.push_str(
            " (the relay offers neither AUTH PLAIN nor AUTH LOGIN here; many relays offer AUTH only after STARTTLS)",
        );
    }
    scrub(&text, cfg)
}

fn tls_parameters(cfg: &EmailConfig, extra_root_pem: Option<&[u8]>) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(cfg.server.clone());
    if let Some(pem) = extra_root_pem {
        let cert = Certificate::from_pem(pem).map_err(|e| format!("extra root certificate: {e}"))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|e| e.to_string())
}

/// `EMAIL_PASSWORD` never leaves this module in a mail or an error.
fn scrub(text: &str, cfg: &EmailConfig) -> String {
    match &cfg.password {
        Some(p) if !p.is_empty() => text.replace(p.expose(), "***"),
        _ => text.to_string(),
    }
}

fn indent(text: &str) -> String {
    let mut out = String::new();
    let text = text.trim_end();
    if text.is_empty() {
        out.push_str("  (no details)\n");
    }
    for line in text.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
