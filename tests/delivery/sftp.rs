//! SFTP push end to end: the real binary against a real OpenSSH sshd
//! (tests/delivery_support/sftp_server.rs).

use crate::common::*;
use crate::delivery_support::sftp_server::SshServer;
use std::time::{Duration, Instant};

fn server() -> SshServer {
    SshServer::start()
}

async fn run(s: &Setup, args: &[&str], now: chrono::DateTime<chrono::Utc>) -> std::process::Output {
    let mut all = vec![args[0], s.config.to_str().unwrap()];
    all.extend_from_slice(&args[1..]);
    wfm(&all, now).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_push_uploads_under_temporary_names_then_renames_and_check_names_the_host_key() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let sshd = server();
    let s = Setup::new(&sim, &sshd.lines());
    let out = run(&s, &["loop", "1", "2", "1"], now).await;
    assert_exit(&out, 0);
    let start = t("2026-11-24T10:00:00Z");
    let mut want: Vec<String> = names(start).to_vec();
    want.sort();
    assert_eq!(sshd.names(), want, "only the final names on the server, no .part left");
    for n in names(start) {
        assert_eq!(
            std::fs::read(sshd.inbox.join(&n)).unwrap(),
            std::fs::read(s.reports().join(&n)).unwrap(),
            "{n}"
        );
    }
    assert!(stderr(&out).contains("pushed 112426.1000"), "{}", stderr(&out));
    assert!(stderr(&out).contains("(SFTP)"), "{}", stderr(&out));
    let state = s.state_json().unwrap();
    assert_eq!(quarters_in(&state["delivered"]), 1, "{state}");

    // The same quarter again (a rerun) replaces the delivered files in place.
    std::fs::write(sshd.inbox.join(&names(start)[0]), "old").unwrap();
    let out = run(
        &s,
        &[
            "rerun",
            "1",
            "2",
            "0",
            s.path("old").to_str().unwrap(),
            "112426.1000",
            "112426.1000",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    assert_eq!(sshd.names(), want);
    assert_eq!(
        std::fs::read(sshd.inbox.join(&names(start)[0])).unwrap(),
        std::fs::read(s.reports().join(&names(start)[0])).unwrap()
    );

    // `check` logs in, names the verified host key and uploads nothing.
    let out = wfm_command(&["check", "--config", s.config.to_str().unwrap()], Some(now))
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    let line = text
        .lines()
        .find(|l| l.contains("SFTP push"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(&sshd.host_fingerprint),
        "{line}\nwant {}",
        sshd.host_fingerprint
    );
    assert!(line.contains("3 entries") && line.contains("verified"), "{line}");
    assert_eq!(sshd.names(), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_refuses_an_unknown_host_and_a_changed_host_key_naming_the_key() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let sshd = server();
    let s = Setup::new(&sim, &sshd.lines());

    // Unknown: the file holds this host on port 22 only (another port is another host).
    let real = std::fs::read_to_string(&sshd.known_hosts).unwrap();
    let key_part = real.split_once(' ').unwrap().1.to_string();
    std::fs::write(&sshd.known_hosts, format!("127.0.0.1 {key_part}")).unwrap();
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("host key of 127.0.0.1:") && err.contains("holds no key for [127.0.0.1]:"),
        "{err}"
    );
    assert!(err.contains(&sshd.host_fingerprint), "{err}");
    assert!(
        err.contains("never trusted on first use") && err.contains("ssh-keyscan"),
        "{err}"
    );
    assert!(sshd.names().is_empty(), "nothing sent");
    assert_eq!(
        std::fs::read_to_string(&sshd.known_hosts).unwrap(),
        format!("127.0.0.1 {key_part}"),
        "known_hosts is never written"
    );

    // Changed: another key recorded for the host.
    let other = s.path("other");
    let gen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(gen.success());
    let other_pub = std::fs::read_to_string(s.path("other.pub")).unwrap();
    std::fs::write(
        &sshd.known_hosts,
        format!("# ops\n[127.0.0.1]:{} {other_pub}", sshd.port),
    )
    .unwrap();
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 1);
    // A second failure of the same outage is quiet on stderr (cron mails output): read the log.
    let log = log_text(&s.path("logs"));
    let err = log
        .lines()
        .rev()
        .find(|l| l.contains("SFTP host key"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        err.contains("differs from the key(s)") && err.contains("line 2: ssh-ed25519 SHA256:"),
        "{err}"
    );
    assert!(err.contains(&sshd.host_fingerprint), "{err}");
    assert!(err.contains(sshd.known_hosts.to_str().unwrap()), "{err}");
    assert!(sshd.names().is_empty(), "nothing sent");
    // The quarter is written, waiting for upload, not delivered.
    let state = s.state_json().unwrap();
    assert_eq!(quarters_in(&state["delivered"]), 0, "{state}");
    assert_eq!(files_in(&s.reports()).len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_uploads_the_quarters_it_could_not_once_the_server_is_back() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let mut sshd = server();
    let s = Setup::new(&sim, &sshd.lines());
    sshd.stop();
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("SFTP connect to 127.0.0.1:"), "{}", stderr(&out));
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("retrying the upload once"),
        "the same retry rule as FTP: {log}"
    );
    assert_eq!(files_in(&s.reports()).len(), 3, "local copies kept");
    let state = s.state_json().unwrap();
    assert_eq!(
        quarters_in(&state["written"]),
        1,
        "recorded as waiting for upload: {state}"
    );
    assert_eq!(quarters_in(&state["delivered"]), 0, "{state}");

    // Back, a quarter later: the pending quarter and the new one are uploaded.
    let port = sshd.port;
    sshd.start_on(port);
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = run(&s, &["loop", "1", "2", "0"], later).await;
    assert_exit(&out, 0);
    assert_eq!(sshd.names().len(), 6, "{:?}", sshd.names());
    for n in names(t("2026-11-24T10:00:00Z")) {
        assert_eq!(
            std::fs::read(sshd.inbox.join(&n)).unwrap(),
            std::fs::read(s.reports().join(&n)).unwrap()
        );
    }
    let state = s.state_json().unwrap();
    assert_eq!(quarters_in(&state["delivered"]), 2, "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_sftp_server_cannot_hold_the_run_past_its_deadline() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let sshd = server();
    // Accepts TCP and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        while let Ok((c, _)) = silent.accept() {
            conns.push(c);
            if conns.len() >= 2 {
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
        }
    });
    let lines = sshd
        .lines()
        .replace(&format!("FTP_PORT={}", sshd.port), &format!("FTP_PORT={port}"));
    let s = Setup::new(&sim, &lines);
    let started = Instant::now();
    let out = wfm_env(
        &["loop", s.config.to_str().unwrap(), "1", "2", "0"],
        now,
        &[("WFM_TEST_RUN_TIMEOUT_SECONDS", "4")],
    )
    .await;
    let took = started.elapsed();
    assert_exit(&out, 1);
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("SFTP push stopped at the run's deadline") && log.contains("RUN_TIMEOUT_SECONDS=4"),
        "{log}"
    );
    assert_eq!(files_in(&s.reports()).len(), 3);
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_without_known_hosts_is_a_config_error() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(
        &sim,
        "FTP_PROTOCOL=sftp\nFTP_HOST=127.0.0.1\nFTP_USER=wfm\nFTP_PASSWORD=pw-XYZ\n",
    );
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("SFTP_KNOWN_HOSTS is required"),
        "{}",
        stderr(&out)
    );
    s.rewrite_config(
        "FTP_USER=wfm",
        "FTP_USER=wfm\nSFTP_KNOWN_HOSTS=/nonexistent/known_hosts",
    );
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("SFTP_KNOWN_HOSTS") && stderr(&out).contains("/nonexistent/known_hosts cannot be read"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("pw-XYZ"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_sftp_login_names_the_user_and_the_way_never_the_password() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let sshd = server();
    // A key the server does not know, readable by others (warned about).
    let stranger = sshd.dir.path().join("stranger");
    let gen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status()
        .unwrap();
    assert!(gen.success());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stranger, std::fs::Permissions::from_mode(0o644)).unwrap();
    let lines = sshd
        .lines()
        .replace(sshd.client_key.to_str().unwrap(), stranger.to_str().unwrap());
    let s = Setup::new(&sim, &lines);
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "SFTP login to 127.0.0.1:{} as \"{}\" with the key {}",
            sshd.port,
            sshd.user,
            stranger.display()
        )) && err.contains("authorized_keys"),
        "{err}"
    );
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("(SFTP_KEY_FILE) is a private key but is readable by group or others"),
        "{log}"
    );
    assert!(sshd.names().is_empty());

    // Password login (this sshd takes keys only): refused, the password nowhere.
    let lines = sshd.lines().replace(
        &format!("SFTP_KEY_FILE={}\n", sshd.client_key.display()),
        "FTP_PASSWORD=sftp-pw-XYZ\n",
    );
    let s = Setup::new(&sim, &lines);
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("with FTP_PASSWORD was refused"), "{err}");
    let log = log_text(&s.path("logs"));
    assert!(!err.contains("sftp-pw-XYZ") && !log.contains("sftp-pw-XYZ"), "{log}");

    // Neither key nor password: a configuration error.
    s.rewrite_config("FTP_PASSWORD=sftp-pw-XYZ", "");
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("SFTP_KEY_FILE"), "{}", stderr(&out));
}

/// Password login accepted (FTP_PASSWORD without SFTP_KEY_FILE), against sshd
/// checking a real system user's password; the password appears nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_password_login_uploads_and_never_shows_the_password() {
    use crate::delivery_support::sftp_server::password_user;
    let Some((user, password)) = password_user() else {
        return;
    };
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let sshd = SshServer::start_with_passwords(&user);
    let lines = sshd
        .lines()
        .replace(&format!("SFTP_KEY_FILE={}\n", sshd.client_key.display()), "")
        .replace(&format!("FTP_USER={}\n", sshd.user), &format!("FTP_USER={user}\n"))
        + &format!("FTP_PASSWORD='{password}'\n");
    let s = Setup::new(&sim, &lines);
    let out = run(&s, &["loop", "1", "2", "0"], now).await;
    assert_exit(&out, 0);
    let start = t("2026-11-24T10:00:00Z");
    let mut want: Vec<String> = names(start).to_vec();
    want.sort();
    assert_eq!(sshd.names(), want);
    for n in names(start) {
        assert_eq!(
            std::fs::read(sshd.inbox.join(&n)).unwrap(),
            std::fs::read(s.reports().join(&n)).unwrap(),
            "{n}"
        );
    }
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    let text = format!("{}{}", stderr(&out), String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(0), "{text}");
    let log = log_text(&s.path("logs"));
    for t in [&text, &log, &stderr(&out)] {
        assert!(!t.contains(&password), "the password is shown: {t}");
    }
}
