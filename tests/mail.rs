//! Failure mail against a real SMTP server (mailin-embedded) on 127.0.0.1 that
//! captures messages in memory; STARTTLS and AUTH with a test CA from rcgen.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::delivery_support::smtp_server::{start_smtp, Captured, PASS, USER};
use crate::delivery_support::{pki, refused_port, tls_proxy};
use wfm::alert::mail::{self, FailureReport, MailError};
use wfm::config::{EmailConfig, EmailTls, RawConfig, Secret};
use wfm::quarter::parse_quarter_arg;

const TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- helpers

fn cfg(port: u16, tls: EmailTls, password: Option<&str>) -> EmailConfig {
    EmailConfig {
        server: "127.0.0.1".into(),
        port,
        user: USER.into(),
        password: password.map(Secret::new),
        tls,
        from: "wfm@example.com".into(),
        to: "ops@example.com".into(),
        subject: "wfm: report failure".into(),
    }
}

fn report(what_failed: &str) -> FailureReport {
    FailureReport {
        command: "wfm loop".into(),
        quarters: ["112426.1000", "112426.1015"]
            .iter()
            .map(|q| parse_quarter_arg(q).unwrap())
            .collect(),
        what_failed: what_failed.into(),
        hint: "Check that the NICE FTP server is up, then wait for the next run".into(),
        host: "wfm-prod-01".into(),
        log_file: Some(PathBuf::from("/var/log/wfm/wfm-2026-11-24.log")),
        config: Some(PathBuf::from("/etc/wfm/config.navomi")),
        ftp: Some("push".into()),
        keeps: "24 hours".into(),
        partial: vec![],
        rebuildable: ["112426.1000", "112426.1015"]
            .iter()
            .map(|q| parse_quarter_arg(q).unwrap())
            .collect(),
    }
}

/// The mail body as sent: undo quoted-printable soft breaks if the encoder used them.
fn text_of(m: &Captured) -> String {
    m.data.replace("=\r\n", "").replace("\r\n", "\n")
}

fn assert_no_secret(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "secret {s:?} leaked in:\n{text}");
    }
}

// ---------------------------------------------------------------- tests

#[test]
fn mail_arrives_with_subject_quarters_utc_reason_and_host() {
    let server = start_smtp(None);
    let c = cfg(server.port, EmailTls::None, None);
    let (subject, body) = mail::compose(
        &c,
        &report("FTP connect to nice.example.com:21 failed: Connection refused"),
    );
    assert_eq!(subject, "wfm: report failure 112426.1000 (+1 more)");
    mail::send(&c, &subject, &body, TIMEOUT).unwrap();

    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.from, "wfm@example.com");
    assert_eq!(m.to, ["ops@example.com"]);
    let text = text_of(m);
    for want in [
        "Subject: wfm: report failure 112426.1000 (+1 more)",
        "From: wfm@example.com",
        "To: ops@example.com",
        "text/plain",
        "112426.1000 (2026-11-24 10:00-10:15 UTC)",
        "112426.1015 (2026-11-24 10:15-10:30 UTC)",
        "FTP connect to nice.example.com:21 failed: Connection refused",
        "Host: wfm-prod-01",
        "/var/log/wfm/wfm-2026-11-24.log",
        "Check that the NICE FTP server is up",
        "`wfm loop` failed",
        "Message-ID: <",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(server.logins.lock().unwrap().is_empty(), "no AUTH without a password");
}

#[test]
fn starttls_with_auth_delivers() {
    let pki = pki();
    let server = start_smtp(Some(&pki));
    let c = cfg(server.port, EmailTls::StartTls, Some(PASS));
    let (subject, body) = mail::compose(&c, &report("LivePerson answered 401"));
    mail::send_with(&c, &subject, &body, TIMEOUT, Some(pki.ca_pem.as_bytes())).unwrap();
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert!(text_of(&mails[0]).contains("LivePerson answered 401"));
    assert_eq!(*server.logins.lock().unwrap(), [USER]);
    assert_no_secret(&text_of(&mails[0]), &[PASS]);
}

#[test]
fn starttls_wrong_password_is_an_auth_error() {
    let pki = pki();
    let server = start_smtp(Some(&pki));
    let c = cfg(server.port, EmailTls::StartTls, Some("not-the-pw-987"));
    let e = mail::send_with(&c, "s", "b", TIMEOUT, Some(pki.ca_pem.as_bytes())).unwrap_err();
    assert!(matches!(e, MailError::Auth { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{}", server.port)), "{msg}");
    assert!(msg.contains("535"), "{msg}");
    assert_no_secret(&format!("{e} {e:?}"), &["not-the-pw-987"]);
    assert!(server.mails().is_empty());
}

#[test]
fn starttls_untrusted_certificate_is_a_tls_error() {
    let pki = pki();
    let server = start_smtp(Some(&pki));
    let c = cfg(server.port, EmailTls::StartTls, Some(PASS));
    // Only the system roots: the test CA is unknown.
    let e = mail::send(&c, "s", "b", TIMEOUT).unwrap_err();
    assert!(matches!(e, MailError::Tls { .. }), "{e:?}");
    assert!(e.to_string().contains("starttls"), "{e}");
    assert_no_secret(&format!("{e} {e:?}"), &[PASS]);
    assert!(server.mails().is_empty());
}

#[test]
fn starttls_required_but_not_offered() {
    let server = start_smtp(None);
    let c = cfg(server.port, EmailTls::StartTls, Some(PASS));
    let e = mail::check(&c, TIMEOUT).unwrap_err();
    assert!(matches!(e, MailError::Tls { .. }), "{e:?}");
    assert!(e.to_string().contains("does not offer STARTTLS"), "{e}");
    assert!(server.logins.lock().unwrap().is_empty(), "no AUTH in clear");
}

#[test]
fn implicit_tls_through_tls_proxy() {
    let pki = pki();
    let server = start_smtp(None);
    let proxy = tls_proxy(&pki, server.port);
    let c = cfg(proxy.port, EmailTls::Tls, None);
    let summary = mail::check_with(&c, TIMEOUT, Some(pki.ca_pem.as_bytes())).unwrap();
    assert!(summary.contains("(TLS)"), "{summary}");
    mail::send_with(
        &c,
        "wfm: report failure 112426.1000",
        "body",
        TIMEOUT,
        Some(pki.ca_pem.as_bytes()),
    )
    .unwrap();
    assert_eq!(server.mails().len(), 1);

    // SMTPS against a plain SMTP port: the TLS handshake fails, not the TCP connect.
    let e = mail::check_with(
        &cfg(server.port, EmailTls::Tls, None),
        TIMEOUT,
        Some(pki.ca_pem.as_bytes()),
    )
    .unwrap_err();
    assert!(matches!(e, MailError::Tls { .. }), "{e:?}");
}

#[test]
fn server_down_names_server_and_port() {
    let port = refused_port();
    for tls in [EmailTls::None, EmailTls::StartTls, EmailTls::Tls] {
        let c = cfg(port, tls, Some(PASS));
        let e = mail::send(&c, "s", "b", TIMEOUT).unwrap_err();
        assert!(matches!(e, MailError::Connect { .. }), "{tls:?}: {e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("SMTP connect to 127.0.0.1:{port} failed")),
            "{msg}"
        );
        assert!(msg.contains("refused"), "{msg}");
        assert_no_secret(&format!("{e} {e:?}"), &[PASS]);
    }
}

#[test]
fn check_reports_ok_and_failure_and_sends_nothing() {
    let pki = pki();
    let server = start_smtp(Some(&pki));
    let ca = Some(pki.ca_pem.as_bytes());
    let summary = mail::check_with(&cfg(server.port, EmailTls::StartTls, Some(PASS)), TIMEOUT, ca).unwrap();
    assert_eq!(
        summary,
        format!(
            "SMTP relay 127.0.0.1:{} reached (STARTTLS), logged in as {USER}; failure mail goes from wfm@example.com to ops@example.com",
            server.port
        )
    );
    assert_eq!(*server.logins.lock().unwrap(), [USER], "check did AUTH");
    assert!(server.mails().is_empty(), "check sent nothing");

    let e = mail::check_with(&cfg(server.port, EmailTls::StartTls, Some("bad")), TIMEOUT, ca).unwrap_err();
    assert!(matches!(e, MailError::Auth { .. }), "{e:?}");
    let e = mail::check(&cfg(refused_port(), EmailTls::None, None), TIMEOUT).unwrap_err();
    assert!(matches!(e, MailError::Connect { .. }), "{e:?}");
    assert!(server.mails().is_empty());
}

#[test]
fn secrets_from_the_config_never_reach_the_mail() {
    let text = "LP_ACCOUNT=12345678\nLP_APP_KEY=key\nLP_APP_SECRET=lp-app-SECRET-1\n\
        LP_ACCESS_TOKEN=tok\nLP_ACCESS_TOKEN_SECRET=lp-token-SECRET-2\nREPORT_DIR=/tmp/r\n\
        FTP_HOST=127.0.0.1\nFTP_PORT=1\nFTP_USER=nice\nFTP_PASSWORD=ftp-SECRET-3\n\
        EMAIL_SERVER=127.0.0.1\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\n\
        EMAIL_PASSWORD=mail-SECRET-4\nEMAIL_TLS=none\n";
    let secrets = ["lp-app-SECRET-1", "lp-token-SECRET-2", "ftp-SECRET-3", "mail-SECRET-4"];
    let config = RawConfig::parse(text, "config.navomi")
        .unwrap()
        .validate(Path::new("config.navomi"), Path::new("/tmp"))
        .unwrap();

    // What a caller would put in what_failed: a real FTP error made with the
    // secret password, and the whole config in Debug form.
    let ftp = config.ftp.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Q_112426.1000.xml");
    std::fs::write(&file, "<report/>").unwrap();
    let ftp_err = wfm::deliver::ftp::push_files(
        &wfm::config::FtpConfig {
            port: refused_port(),
            ..ftp
        },
        &[file],
        TIMEOUT,
    )
    .unwrap_err();
    let what_failed = format!("{ftp_err}\ncaused by: {ftp_err:?}\nconfig: {config:?}");

    let server = start_smtp(None);
    let mut email = config.email.clone().unwrap();
    email.port = server.port;
    email.password = None; // this relay offers no AUTH in clear; the secret stays in `secrets`
    let (subject, body) = mail::compose(&email, &report(&what_failed));
    assert_no_secret(&subject, &secrets);
    assert_no_secret(&body, &secrets);
    assert!(body.contains("FTP connect to 127.0.0.1:"), "{body}");

    // Even if a caller pastes the mail password into the text, compose scrubs it.
    let with_pw = config.email.clone().unwrap();
    let (_, body2) = mail::compose(&with_pw, &report("relay said: mail-SECRET-4 rejected"));
    assert_no_secret(&body2, &secrets);

    mail::send(&email, &subject, &body, TIMEOUT).unwrap();
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    // Check the decoded text: quoted-printable soft breaks could split a secret in the raw data.
    assert_no_secret(&text_of(&mails[0]), &secrets);
    assert_no_secret(&mails[0].data, &secrets);
}
