//! A real SMTP server for the tests: mailin-embedded on 127.0.0.1 capturing
//! every message in memory; with a test CA it offers STARTTLS and AUTH.

use std::net::{IpAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{AUTH_OK, INVALID_CREDENTIALS, OK};
use mailin_embedded::{AuthMechanism, Handler, Response, Server, SslConfig};

use super::{install_ring_default, TestPki};

pub const USER: &str = "wfm@example.com";
pub const PASS: &str = "smtp-s3cret-pw";

// ---------------------------------------------------------------- server

#[derive(Debug, Clone)]
pub struct Captured {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// mailin-embedded clones the handler per connection: per-connection state in
/// the fields, results in the shared vectors.
#[derive(Clone, Default)]
pub struct Capture {
    mails: Arc<Mutex<Vec<Captured>>>,
    logins: Arc<Mutex<Vec<String>>>,
    /// The one password AUTH accepts (byte for byte: blanks count).
    password: String,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Capture {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_string();
        self.to.clear();
        OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.to.push(to.to_string());
        OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> Response {
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.mails.lock().unwrap().push(Captured {
            from: self.from.clone(),
            to: self.to.clone(),
            data: String::from_utf8_lossy(&self.data).into_owned(),
        });
        OK
    }

    fn auth_plain(&mut self, _authz: &str, authn: &str, password: &str) -> Response {
        self.login(authn, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> Response {
        self.login(username, password)
    }
}

impl Capture {
    fn login(&mut self, user: &str, password: &str) -> Response {
        self.logins.lock().unwrap().push(user.to_string());
        if user == USER && password == self.password {
            AUTH_OK
        } else {
            INVALID_CREDENTIALS
        }
    }
}

pub struct SmtpServer {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Captured>>>,
    pub logins: Arc<Mutex<Vec<String>>>,
}

impl SmtpServer {
    pub fn mails(&self) -> Vec<Captured> {
        self.mails.lock().unwrap().clone()
    }
}

/// Start a capturing SMTP server; with `pki` it offers STARTTLS and AUTH PLAIN/LOGIN.
/// The serving thread lives until the test binary exits (mailin-embedded has no stop).
pub fn start_smtp(pki: Option<&TestPki>) -> SmtpServer {
    start_smtp_for(PASS, pki)
}

/// [`start_smtp`] whose AUTH accepts [`USER`] with `password` only.
pub fn start_smtp_for(password: &str, pki: Option<&TestPki>) -> SmtpServer {
    install_ring_default();
    let handler = Capture {
        password: password.to_string(),
        ..Capture::default()
    };
    let mails = Arc::clone(&handler.mails);
    let logins = Arc::clone(&handler.logins);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(handler);
    server
        .with_name("smtp.test")
        .with_num_threads(2)
        .with_tcp_listener(listener);
    if let Some(pki) = pki {
        server
            .with_ssl(SslConfig::SelfSigned {
                cert_path: path_str(&pki.chain_path),
                key_path: path_str(&pki.key_path),
            })
            .unwrap()
            .with_auth(AuthMechanism::Plain)
            .with_auth(AuthMechanism::Login);
    }
    std::thread::spawn(move || {
        // Runs until the test binary exits; its error type is not Send, so report it here.
        if let Err(e) = server.serve() {
            eprintln!("test SMTP server stopped: {e}");
        }
    });
    SmtpServer { port, mails, logins }
}

pub fn path_str(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}
