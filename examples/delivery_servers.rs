//! The FTP and SMTP servers of the delivery tests (libunftp, mailin-embedded),
//! on their own, for the push benchmark in `bench/run.sh`:
//! `cargo run --release --example delivery_servers` prints FTP_*/EMAIL_* config
//! lines, serves until killed, and on stdin EOF prints what it received.

// The example uses a few of the test servers; the tests use the rest.
#[allow(dead_code)]
#[path = "../tests/delivery_support/mod.rs"]
mod delivery_support;

use delivery_support::ftp_server::{start_server, Fault, ServerTls, PASS, USER};
use delivery_support::smtp_server::start_smtp;
use std::io::{Read, Write};

fn main() -> anyhow::Result<()> {
    let ftp = start_server(ServerTls::Off, None, Fault::None);
    let smtp = start_smtp(None);
    println!(
        "FTP_HOST=127.0.0.1\nFTP_PORT={}\nFTP_USER={USER}\nFTP_PASSWORD={PASS}\nFTP_REMOTE_DIR=/in\nFTP_TLS=none\nEMAIL_SERVER=127.0.0.1\nEMAIL_PORT={}\nEMAIL_TLS=none\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com",
        ftp.port, smtp.port
    );
    std::io::stdout().flush()?;
    // Serve until stdin closes, then say what arrived.
    let mut sink = Vec::new();
    std::io::stdin().read_to_end(&mut sink)?;
    eprintln!(
        "{} file(s) on the FTP server, {} mail(s)",
        ftp.names().len(),
        smtp.mails().len()
    );
    Ok(())
}
