//! FTP/FTPS push against a real libunftp server (filesystem back end on a temp
//! dir) on 127.0.0.1, ephemeral ports, one accepted user.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::delivery_support::ftp_server::{start_dropping_server, start_server, Fault, ServerTls, PASS, USER};
use crate::delivery_support::{pki, refused_port, tls_proxy};
use wfm::config::{FtpConfig, FtpTls, Secret};
use wfm::deliver::ftp::{self, FtpError};

const TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- helpers

fn cfg(port: u16, tls: FtpTls) -> FtpConfig {
    FtpConfig {
        host: "127.0.0.1".into(),
        port,
        user: USER.into(),
        password: Secret::new(PASS),
        remote_dir: "/in".into(),
        tls,
        sftp: None,
    }
}

/// Report-like local files; the contents hold CR, LF and non-ASCII bytes so a
/// text-mode transfer would show.
fn local_files(dir: &Path, names: &[&str], size: usize) -> Vec<PathBuf> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let p = dir.join(n);
            let mut body = format!("<?xml version=\"1.0\"?>\r\n<report n=\"{i}\">\n").into_bytes();
            body.extend((0..size).map(|k| (k * 7 + i) as u8));
            std::fs::write(&p, body).unwrap();
            p
        })
        .collect()
}

fn assert_no_password(e: &FtpError) {
    let text = format!("{e} {e:?}");
    assert!(!text.contains(PASS), "password leaked: {text}");
}

// ---------------------------------------------------------------- tests

#[test]
fn pushes_three_files_byte_identical_without_part_names() {
    let server = start_server(ServerTls::Off, None, Fault::None);
    let local = tempfile::tempdir().unwrap();
    let names = ["Q_112426.1000.xml", "AQ_112426.1000.xml", "AS_112426.1000.xml"];
    let files = local_files(local.path(), &names, 70_000);

    let report = ftp::push_files(&cfg(server.port, FtpTls::None), &files, TIMEOUT).unwrap();
    assert_eq!(report.uploaded, names);
    let total: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum();
    assert_eq!(report.bytes, total);
    for (name, f) in names.iter().zip(&files) {
        assert_eq!(
            std::fs::read(server.inbox().join(name)).unwrap(),
            std::fs::read(f).unwrap(),
            "{name} differs"
        );
    }
    let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(server.names(), want, "only final names, no .part left");

    // Delivering the same quarter again replaces the files in place.
    let report = ftp::push_files(&cfg(server.port, FtpTls::None), &files, TIMEOUT).unwrap();
    assert_eq!(report.uploaded.len(), 3);
    assert_eq!(server.names(), want);
}

#[test]
fn redelivery_replaces_files_on_a_server_that_refuses_overwrite() {
    let server = start_server(ServerTls::Off, None, Fault::RefuseOverwrite);
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1000.xml"], 100);
    let c = cfg(server.port, FtpTls::None);
    ftp::push_files(&c, &files, TIMEOUT).unwrap();
    std::fs::write(&files[0], "second version").unwrap();
    let report = ftp::push_files(&c, &files, TIMEOUT).unwrap();
    assert_eq!(report.uploaded, ["Q_112426.1000.xml"]);
    assert_eq!(
        std::fs::read_to_string(server.inbox().join("Q_112426.1000.xml")).unwrap(),
        "second version"
    );
    assert_eq!(server.names(), ["Q_112426.1000.xml"]);
}

#[test]
fn a_replacement_that_fails_half_way_keeps_the_delivered_file() {
    let refuse_parts = Arc::new(AtomicBool::new(false));
    let server = start_server(
        ServerTls::Off,
        None,
        Fault::RefuseOverwriteAndParts(Arc::clone(&refuse_parts)),
    );
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1000.xml"], 100);
    let first = std::fs::read(&files[0]).unwrap();
    let c = cfg(server.port, FtpTls::None);
    ftp::push_files(&c, &files, TIMEOUT).unwrap();
    // The old copy is moved aside, then the new one cannot be put in place.
    refuse_parts.store(true, Ordering::SeqCst);
    std::fs::write(&files[0], "second version").unwrap();
    let e = ftp::push_files(&c, &files, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::Rename { .. }), "{e:?}");
    assert_eq!(std::fs::read(server.inbox().join("Q_112426.1000.xml")).unwrap(), first);
    assert_eq!(server.names(), ["Q_112426.1000.xml"], "no .old or .part left behind");
}

#[test]
fn explicit_ftps_with_test_ca() {
    let pki = pki();
    let server = start_server(ServerTls::Required, Some(&pki), Fault::None);
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1015.xml"], 5_000);
    let c = cfg(server.port, FtpTls::Explicit);

    let report = ftp::push_files_with(&c, &files, TIMEOUT, Some(pki.ca_pem.as_bytes())).unwrap();
    assert_eq!(report.uploaded, ["Q_112426.1015.xml"]);
    assert_eq!(
        std::fs::read(server.inbox().join("Q_112426.1015.xml")).unwrap(),
        std::fs::read(&files[0]).unwrap()
    );
    let summary = ftp::check_with(&c, TIMEOUT, Some(pki.ca_pem.as_bytes())).unwrap();
    assert!(summary.contains("explicit TLS"), "{summary}");

    // Without the test CA the server's certificate is not trusted.
    let e = ftp::push_files(&c, &files, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::Tls { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{}", server.port)), "{msg}");
    assert!(msg.contains("explicit"), "{msg}");
    assert_no_password(&e);

    // The server requires TLS: a plain client is refused at login, with the reply quoted.
    let e = ftp::push_files(&cfg(server.port, FtpTls::None), &files, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::Login { .. }), "{e:?}");
    assert!(e.to_string().contains("534") || e.to_string().contains("530"), "{e}");
}

#[test]
fn explicit_ftps_against_server_without_tls_is_a_tls_error() {
    let pki = pki();
    let server = start_server(ServerTls::Off, None, Fault::None);
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1015.xml"], 10);
    let e = ftp::push_files_with(
        &cfg(server.port, FtpTls::Explicit),
        &files,
        TIMEOUT,
        Some(pki.ca_pem.as_bytes()),
    )
    .unwrap_err();
    assert!(matches!(e, FtpError::Tls { .. }), "{e:?}");
    // libunftp answers AUTH TLS with a 5xx when FTPS is not configured; the code is quoted.
    assert!(e.to_string().contains("\"5"), "{e}");
    assert!(server.names().is_empty());
}

#[test]
fn implicit_ftps_through_tls_proxy() {
    let pki = pki();
    let server = start_server(ServerTls::Optional, Some(&pki), Fault::None);
    let proxy = tls_proxy(&pki, server.port);
    let local = tempfile::tempdir().unwrap();
    let names = ["Q_112426.1030.xml", "AQ_112426.1030.xml"];
    let files = local_files(local.path(), &names, 20_000);
    let c = cfg(proxy.port, FtpTls::Implicit);

    let report = ftp::push_files_with(&c, &files, TIMEOUT, Some(pki.ca_pem.as_bytes())).unwrap();
    assert_eq!(report.uploaded, names);
    for (name, f) in names.iter().zip(&files) {
        assert_eq!(
            std::fs::read(server.inbox().join(name)).unwrap(),
            std::fs::read(f).unwrap()
        );
    }
    let summary = ftp::check_with(&c, TIMEOUT, Some(pki.ca_pem.as_bytes())).unwrap();
    assert!(
        summary.contains("implicit TLS") && summary.contains("2 entries"),
        "{summary}"
    );

    // Implicit TLS against a plain FTP port: the greeting is not TLS.
    let e = ftp::check_with(
        &cfg(server.port, FtpTls::Implicit),
        TIMEOUT,
        Some(pki.ca_pem.as_bytes()),
    )
    .unwrap_err();
    assert!(matches!(e, FtpError::Tls { .. }), "{e:?}");
}

#[test]
fn server_down_is_a_connect_error() {
    let port = refused_port();
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1000.xml"], 10);
    for tls in [FtpTls::None, FtpTls::Explicit, FtpTls::Implicit] {
        let e = ftp::push_files(&cfg(port, tls), &files, TIMEOUT).unwrap_err();
        assert!(matches!(e, FtpError::Connect { .. }), "{tls:?}: {e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("FTP connect to 127.0.0.1:{port} failed")),
            "{msg}"
        );
        assert!(msg.to_lowercase().contains("refused"), "{msg}");
        assert_no_password(&e);
    }
}

#[test]
fn wrong_password_quotes_the_530_reply() {
    let server = start_server(ServerTls::Off, None, Fault::None);
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1000.xml"], 10);
    let mut c = cfg(server.port, FtpTls::None);
    c.password = Secret::new("wrong-pw-XYZ");
    let e = ftp::push_files(&c, &files, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::Login { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("\"530 "), "{msg}");
    assert!(
        msg.contains(&format!("127.0.0.1:{}", server.port)) && msg.contains("\"wfm\""),
        "{msg}"
    );
    assert!(!format!("{e} {e:?}").contains("wrong-pw-XYZ"), "{msg}");
    assert!(server.names().is_empty());

    let e = ftp::check(&c, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::Login { .. }), "{e:?}");
}

#[test]
fn missing_remote_dir_is_a_cwd_error() {
    let server = start_server(ServerTls::Off, None, Fault::None);
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1000.xml"], 10);
    let mut c = cfg(server.port, FtpTls::None);
    c.remote_dir = "/nice/missing".into();
    let e = ftp::push_files(&c, &files, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::ChangeDir { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("/nice/missing") && msg.contains("\"550"), "{msg}");
    assert_no_password(&e);
}

#[test]
fn failed_transfer_leaves_no_final_name_and_removes_the_temp() {
    let server = start_server(ServerTls::Off, None, Fault::ErrorAfter(4096));
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1000.xml"], 1 << 20);
    let e = ftp::push_files(&cfg(server.port, FtpTls::None), &files, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::Upload { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(".Q_112426.1000.xml.part"), "{msg}");
    // The server's verdict on the transfer is quoted, not just the broken socket.
    assert!(msg.contains("server replied \"451"), "{msg}");
    assert_no_password(&e);
    assert!(
        !server.names().iter().any(|n| n == "Q_112426.1000.xml"),
        "{:?}",
        server.names()
    );
    // The control connection survived the failed transfer, so the temp was deleted.
    assert!(server.names().is_empty(), "{:?}", server.names());
}

#[test]
fn size_mismatch_is_caught_before_the_rename() {
    let server = start_server(ServerTls::Off, None, Fault::Truncate(1000));
    let local = tempfile::tempdir().unwrap();
    let files = local_files(local.path(), &["Q_112426.1000.xml"], 50_000);
    let e = ftp::push_files(&cfg(server.port, FtpTls::None), &files, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::SizeCheck { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("holds 1000 bytes"), "{msg}");
    assert_no_password(&e);
    assert!(server.names().is_empty(), "{:?}", server.names());
}

#[test]
fn connection_dropped_mid_upload_leaves_no_final_name() {
    let server = start_dropping_server(8192);
    let local = tempfile::tempdir().unwrap();
    let names = ["AQ_112426.1000.xml", "Q_112426.1000.xml"];
    let files = local_files(local.path(), &names, 1 << 20);
    let started = std::time::Instant::now();
    let e = ftp::push_files(&cfg(server.port, FtpTls::None), &files, TIMEOUT).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(e, FtpError::Upload { .. }), "{e:?}");
    assert_no_password(&e);
    // At most the partial temp is left (the server was gone, so it could not be removed).
    for n in server.names() {
        assert!(n.ends_with(".part"), "final name {n} after a dropped upload");
    }
}

#[test]
fn check_lists_the_remote_dir() {
    let server = start_server(ServerTls::Off, None, Fault::None);
    std::fs::write(server.inbox().join("a.xml"), "a").unwrap();
    std::fs::write(server.inbox().join("b.xml"), "b").unwrap();
    let summary = ftp::check(&cfg(server.port, FtpTls::None), TIMEOUT).unwrap();
    assert_eq!(
        summary,
        format!(
            "logged in to 127.0.0.1:{} as wfm (no TLS), /in holds 2 entries",
            server.port
        )
    );
    assert!(!summary.contains(PASS));

    let mut c = cfg(server.port, FtpTls::None);
    c.remote_dir = "/gone".into();
    let e = ftp::check(&c, TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::ChangeDir { .. }), "{e:?}");

    let e = ftp::check(&cfg(refused_port(), FtpTls::None), TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::Connect { .. }), "{e:?}");
}

#[test]
fn missing_local_file_fails_before_connecting() {
    // The port refuses connections: a LocalFile error proves nothing was dialled.
    let c = cfg(refused_port(), FtpTls::None);
    let e = ftp::push_files(&c, &[PathBuf::from("/nonexistent/Q_112426.1000.xml")], TIMEOUT).unwrap_err();
    assert!(matches!(e, FtpError::LocalFile { .. }), "{e:?}");
    assert!(e.to_string().contains("/nonexistent/Q_112426.1000.xml"));
}

#[test]
fn silent_server_times_out() {
    // Accepts TCP but never greets: the read timeout must end the wait.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || {
        let conns: Vec<_> = (0..2).filter_map(|_| l.accept().ok()).collect();
        std::thread::sleep(Duration::from_secs(3));
        drop(conns);
    });
    let started = std::time::Instant::now();
    let e = ftp::check(&cfg(port, FtpTls::None), Duration::from_millis(500)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(matches!(e, FtpError::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains("no answer from the server in time"), "{e}");
    let e = ftp::check(&cfg(port, FtpTls::Implicit), Duration::from_millis(500)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(matches!(e, FtpError::Tls { .. } | FtpError::Connect { .. }), "{e:?}");
    hold.join().unwrap();
}

// ---------------------------------------------------------------- SFTP (a real sshd)

fn sftp_cfg(server: &crate::delivery_support::sftp_server::SshServer, key: &Path) -> FtpConfig {
    FtpConfig {
        host: "127.0.0.1".into(),
        port: server.port,
        user: server.user.clone(),
        password: Secret::new(""),
        remote_dir: server.inbox.display().to_string(),
        tls: FtpTls::None,
        sftp: Some(wfm::config::SftpConfig {
            known_hosts: server.known_hosts.clone(),
            key_file: Some(key.to_path_buf()),
        }),
    }
}

/// Many writes in flight: every byte of a file of many chunks lands at its offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_push_of_a_large_file_arrives_byte_for_byte() {
    let server = crate::delivery_support::sftp_server::SshServer::start();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("AQ_112426.1000.xml");
    let bytes: Vec<u8> = (0..3_000_001u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&big, &bytes).unwrap();
    let small = dir.path().join("Q_112426.1000.xml");
    std::fs::write(&small, b"").unwrap();
    let cfg = sftp_cfg(&server, &server.client_key);
    let bounds = wfm::deadline::Bounds::new(TIMEOUT, std::time::Instant::now() + Duration::from_secs(60));
    let report = wfm::deliver::push(&cfg, &[big.clone(), small], bounds).await.unwrap();
    assert_eq!(report.uploaded, ["AQ_112426.1000.xml", "Q_112426.1000.xml"]);
    assert_eq!(report.bytes, bytes.len() as u64);
    assert!(std::fs::read(server.inbox.join("AQ_112426.1000.xml")).unwrap() == bytes);
    assert_eq!(std::fs::read(server.inbox.join("Q_112426.1000.xml")).unwrap().len(), 0);
    assert_eq!(server.names(), ["AQ_112426.1000.xml", "Q_112426.1000.xml"]);
}

/// A key with a passphrase cannot be used by cron: the error names the file and the fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sftp_key_with_a_passphrase_is_refused_naming_the_file() {
    let server = crate::delivery_support::sftp_server::SshServer::start();
    let key = server.dir.path().join("locked");
    let ok = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "secret-phrase", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(ok.success());
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("Q_112426.1000.xml");
    std::fs::write(&f, b"<x/>").unwrap();
    let cfg = sftp_cfg(&server, &key);
    let bounds = wfm::deadline::Bounds::new(TIMEOUT, std::time::Instant::now() + Duration::from_secs(30));
    let e = wfm::deliver::push(&cfg, &[f], bounds).await.unwrap_err().to_string();
    assert!(
        e.contains(&format!("SFTP_KEY_FILE {} cannot be used", key.display())) && e.contains("unencrypted"),
        "{e}"
    );
    assert!(!e.contains("secret-phrase"));
    assert!(server.names().is_empty());
}

/// An RSA client key (common among operators) logs in, signing with SHA-2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rsa_sftp_key_logs_in() {
    let server = crate::delivery_support::sftp_server::SshServer::start();
    let key = server.dir.path().join("client_rsa");
    let ok = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(ok.success());
    let public = std::fs::read_to_string(server.dir.path().join("client_rsa.pub")).unwrap();
    let mut authorized = std::fs::OpenOptions::new()
        .append(true)
        .open(server.dir.path().join("authorized_keys"))
        .unwrap();
    std::io::Write::write_all(&mut authorized, public.as_bytes()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("Q_112426.1000.xml");
    std::fs::write(&f, b"<x/>").unwrap();
    let bounds = wfm::deadline::Bounds::new(TIMEOUT, std::time::Instant::now() + Duration::from_secs(30));
    let report = wfm::deliver::push(&sftp_cfg(&server, &key), &[f], bounds)
        .await
        .unwrap();
    assert_eq!(report.uploaded, ["Q_112426.1000.xml"]);
    assert_eq!(server.names(), ["Q_112426.1000.xml"]);
}
