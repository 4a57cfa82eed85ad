//! End to end through the real binary: FTP push to a real FTP server, failure
//! mail to a real SMTP server, one mail per outage, and `wfm check`.

mod sftp;
mod stamp;
mod verbatim;

use crate::common::*;
use crate::delivery_support::ftp_server::{self, start_server, ServerTls};
use crate::delivery_support::refused_port;
use crate::delivery_support::smtp_server::{start_smtp, SmtpServer};
use lp_sim::{Fault, Method};

use crate::delivery_support::ftp_server::{lines as ftp_lines, start_plain as ftp};

fn mail_lines(port: u16) -> String {
    format!(
        "EMAIL_SERVER=127.0.0.1\nEMAIL_PORT={port}\nEMAIL_TLS=none\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\nEMAIL_SUBJECT=\"WFM feed failed\"\n"
    )
}

/// Secrets of the configs below: none may appear in a mail, a log or stderr.
const SECRETS: [&str; 3] = ["test-app-secret-XYZ", "test-token-secret-XYZ", ftp_server::PASS];

fn assert_no_secrets(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} holds the secret {s}: {text}");
    }
}

/// The mail as a reader sees it: quoted-printable soft breaks and escapes undone.
fn decoded(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'=' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn log_text(s: &Setup) -> String {
    files_in(&s.path("logs"))
        .iter()
        .map(|n| std::fs::read_to_string(s.path("logs").join(n)).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_delivers_the_three_files_under_their_final_names() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let server = ftp().await;
    let s = Setup::new(&sim, &ftp_lines(server.port, ftp_server::PASS));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "1"], now).await;
    assert_exit(&out, 0);
    let start = t("2026-11-24T10:00:00Z");
    let mut want: Vec<String> = names(start).to_vec();
    want.sort();
    assert_eq!(server.names(), want, "only the final names on the server");
    for n in names(start) {
        assert_eq!(
            std::fs::read(server.inbox().join(&n)).unwrap(),
            std::fs::read(s.reports().join(&n)).unwrap(),
            "{n}"
        );
    }
    let exp = Expect::all(sim.generator());
    exp.check_quarter(&server.inbox(), start);
    assert!(stderr(&out).contains("pushed 112426.1000"), "{}", stderr(&out));
    assert_no_secrets("stderr", &stderr(&out));
    assert_no_secrets("log", &log_text(&s));

    // A rerun in push mode uploads from OUTPUT.
    let old = s.path("old");
    let out = wfm(
        &[
            "rerun",
            s.config.to_str().unwrap(),
            "1",
            "2",
            "0",
            old.to_str().unwrap(),
            "112426.0930",
            "112426.0945",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        log_text(&s).contains("NICE skips a file name it has already loaded"),
        "a push rerun warns that NICE needs the earlier load purged"
    );
    // Run by hand: at debug 0 too, the terminal gets NICE's rule and the summary.
    let err = stderr(&out);
    assert!(
        err.contains("wfm: warning: rerun in push mode: NICE skips a file name"),
        "{err}"
    );
    assert!(
        err.contains("run finished: 2 of 2 quarter(s) delivered, 6 file(s)"),
        "{err}"
    );
    assert_eq!(server.names().len(), 9);
    assert_eq!(files_in(&old).len(), 6);
    // ... and copies into REPORT_DIR, as `rerun --help` says (pull and push alike).
    assert_eq!(files_in(&s.reports()).len(), 9);
    for q in ["2026-11-24T09:30:00Z", "2026-11-24T09:45:00Z"] {
        for n in names(t(q)) {
            let bytes = std::fs::read(old.join(&n)).unwrap();
            assert_eq!(std::fs::read(server.inbox().join(&n)).unwrap(), bytes, "{n}");
            assert_eq!(std::fs::read(s.reports().join(&n)).unwrap(), bytes, "{n}");
        }
    }
    // A dry push rerun names the server too, and uploads nothing.
    let out = wfm(
        &[
            "rerun",
            s.config.to_str().unwrap(),
            "1",
            "2",
            "0",
            s.path("old2").to_str().unwrap(),
            "112426.0900",
            "112426.0900",
            "--dry-run",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    let listed = stdout(&out);
    assert_eq!(listed.matches("would deliver ").count(), 3, "{listed}");
    assert!(
        listed.lines().next().unwrap_or_default().ends_with(
            "nothing is written, uploaded, mailed or recorded; the FTP server was not contacted (wfm check logs in to it)"
        ),
        "a dry run says it did not reach the server: {listed}"
    );
    assert!(
        listed.contains(&format!(
            "to {}, {}, FTP 127.0.0.1:{}/in\n",
            s.path("old2").display(),
            s.reports().display(),
            server.port
        )),
        "{listed}"
    );
    assert_eq!(server.names().len(), 9, "nothing uploaded");
    assert!(!s.path("old2").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ftp_outage_one_mail_local_copies_kept_then_recovered_and_caught_up() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp: SmtpServer = start_smtp(None);
    let down = refused_port();
    let s = Setup::new(&sim, &(ftp_lines(down, ftp_server::PASS) + &mail_lines(smtp.port)));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert_eq!(files_in(&s.reports()).len(), 3, "local copies are kept");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "exactly one mail");
    let m = &decoded(&mails[0].data);
    assert!(
        m.contains("Subject: WFM feed failed (account 12345678) 112426.1000"),
        "{m}"
    );
    assert!(
        m.contains("2026-11-24 10:00-10:15 UTC")
            && m.contains("not uploaded")
            && m.contains(&format!("127.0.0.1:{down}")),
        "{m}"
    );
    assert_no_secrets("mail", m);

    // Still down a quarter later: no second mail.
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], later).await;
    assert_exit(&out, 1);
    assert_eq!(smtp.mails().len(), 1, "one mail per outage");

    // The server is back: both pending quarters are pushed, and one "recovered" mail.
    let server = ftp().await;
    let cfg = std::fs::read_to_string(&s.config)
        .unwrap()
        .replace(&format!("FTP_PORT={down}"), &format!("FTP_PORT={}", server.port));
    std::fs::write(&s.config, cfg).unwrap();
    let later = t("2026-11-24T10:46:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], later).await;
    assert_exit(&out, 0);
    assert_eq!(
        server.names().len(),
        9,
        "10:00, 10:15 and 10:30 are on the server: {:?}",
        server.names()
    );
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2);
    let m = &decoded(&mails[1].data);
    assert!(
        m.contains("Subject: RECOVERED: WFM feed failed") && m.contains("112426.1000") && m.contains("112426.1030"),
        "{m}"
    );
    assert_no_secrets("mail", m);

    // Success: no mail.
    let later = t("2026-11-24T11:01:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], later).await;
    assert_exit(&out, 0);
    assert_eq!(smtp.mails().len(), 2, "no mail on success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liveperson_refusing_gives_exactly_one_clear_mail() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp = start_smtp(None);
    let s = Setup::new(&sim, &(mail_lines(smtp.port) + "LP_APP_SECRET=wrong-app-secret\n"));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let m = &decoded(&mails[0].data);
    assert!(
        m.contains("112426.1000") && m.contains("401") && m.contains("clock"),
        "{m}"
    );
    assert!(!m.contains("wrong-app-secret"), "{m}");
    assert_no_secrets("mail", m);
    assert!(files_in(&s.reports()).is_empty());
    let st: serde_json::Value = s.state_json().unwrap();
    assert_eq!(st["outage"]["mailed"], true);

    // A mail that cannot be sent never hides the failure: still exit 1, logged.
    let s2 = Setup::new(&sim, &(mail_lines(refused_port()) + "LP_APP_SECRET=wrong-app-secret\n"));
    let out = wfm(&["loop", s2.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("could not be sent") && stderr(&out).contains("401"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_mail_when_all_is_well() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp = start_smtp(None);
    let s = Setup::new(&sim, &mail_lines(smtp.port));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert!(smtp.mails().is_empty());
    // A transient 503 is retried and is not an outage either.
    sim.inject(Some(Method::EngActivity), Fault::ServerError(503), 1);
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], later).await;
    assert_exit(&out, 0);
    assert!(smtp.mails().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_every_broken_part() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let server = ftp().await;
    let smtp = start_smtp(None);

    // All good.
    let s = Setup::new(
        &sim,
        &(ftp_lines(server.port, ftp_server::PASS) + &mail_lines(smtp.port)),
    );
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    for item in [
        "config",
        "LivePerson host",
        "LivePerson credentials",
        "FTP push",
        "failure mail",
        "REPORT_DIR",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(item) && l.contains(" ok ")),
            "{item}: {text}"
        );
    }
    assert!(smtp.mails().is_empty(), "check sends nothing");
    assert!(server.names().is_empty(), "check uploads nothing");

    // Everything broken at once: each part is named.
    let bad = format!(
        "{}{}LP_APP_SECRET=wrong\n",
        ftp_lines(server.port, "wrong-ftp-password"),
        mail_lines(refused_port())
    );
    let s = Setup::new(&sim, &bad);
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let line = |item: &str| {
        text.lines()
            .find(|l| l.starts_with(item))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("LivePerson credentials").contains("FAILED") && line("LivePerson credentials").contains("401"),
        "{text}"
    );
    assert!(
        line("FTP push").contains("FAILED") && line("FTP push").contains("530"),
        "{text}"
    );
    assert!(line("failure mail").contains("FAILED"), "{text}");
    assert!(line("LivePerson host").contains(" ok "), "{text}");
    assert!(!text.contains("wrong-ftp-password"), "{text}");
    assert_eq!(sim.data_requests(), 2, "one small signed request per check");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_ftps_push_with_the_system_trust_store() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let (server, pki) = tokio::task::spawn_blocking(|| {
        let pki = crate::delivery_support::pki();
        (
            start_server(ServerTls::Required, Some(&pki), ftp_server::Fault::None),
            pki,
        )
    })
    .await
    .unwrap();
    let ca_file = pki.chain_path.with_file_name("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let lines = ftp_lines(server.port, ftp_server::PASS).replace("FTP_TLS=none", "FTP_TLS=explicit");
    let s = Setup::new(&sim, &lines);
    // The operator's way to trust a private CA: SSL_CERT_FILE, read by the system trust store.
    let ca = ca_file.to_str().unwrap().to_string();
    let out = wfm_env(
        &["loop", s.config.to_str().unwrap(), "1", "2", "0"],
        now,
        &[("SSL_CERT_FILE", &ca)],
    )
    .await;
    assert_exit(&out, 0);
    assert_eq!(server.names().len(), 3);
    for n in names(t("2026-11-24T10:00:00Z")) {
        assert_eq!(
            std::fs::read(server.inbox().join(&n)).unwrap(),
            std::fs::read(s.reports().join(&n)).unwrap()
        );
    }
    // Without the CA the certificate is refused: a clear TLS error, local copies kept.
    s.forget_state();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(stderr(&out).to_lowercase().contains("tls"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liveperson_down_gives_one_mail_naming_the_quarter_and_reason() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp = start_smtp(None);
    let dead = refused_port();
    let s = Setup::new(
        &sim,
        &(mail_lines(smtp.port) + &format!("LP_BASE_URI=http://127.0.0.1:{dead}\n")),
    );
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let m = &decoded(&mails[0].data);
    assert!(
        m.contains("Subject: WFM feed failed (account 12345678) 112426.1000"),
        "{m}"
    );
    assert!(
        m.contains("cannot reach LivePerson") && m.contains(&format!("127.0.0.1:{dead}")),
        "{m}"
    );
    assert_no_secrets("mail", m);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_is_retried_once_on_a_fresh_connection() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp = start_smtp(None);
    let fault = ftp_server::Fault::FailFirstUpload(Default::default());
    let server = tokio::task::spawn_blocking(move || start_server(ServerTls::Off, None, fault))
        .await
        .unwrap();
    let s = Setup::new(
        &sim,
        &(ftp_lines(server.port, ftp_server::PASS) + &mail_lines(smtp.port)),
    );
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "1"], now).await;
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("retrying the upload once"), "{}", stderr(&out));
    let mut want: Vec<String> = names(t("2026-11-24T10:00:00Z")).to_vec();
    want.sort();
    assert_eq!(server.names(), want, "final names only, no temporaries");
    assert!(smtp.mails().is_empty(), "a glitch that the retry fixed is no outage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_stays_out_of_the_loop_outage_but_mails_its_own_failure() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp = start_smtp(None);
    let s = Setup::new(&sim, &mail_lines(smtp.port));
    let cfg = s.config.to_str().unwrap().to_string();
    let old = s.path("old");
    let rerun = |start: &'static str| {
        let (cfg, old) = (cfg.clone(), old.to_str().unwrap().to_string());
        async move { wfm(&["rerun", &cfg, "2", "2", "0", &old, start, start], now).await }
    };
    // loop fails: the outage's one mail.
    sim.inject(Some(Method::QueueHealth), Fault::ServerError(400), 1);
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert_eq!(smtp.mails().len(), 1);
    // A good rerun neither ends the outage nor mails "recovered".
    let out = rerun("112426.0900").await;
    assert_exit(&out, 0);
    assert_eq!(smtp.mails().len(), 1);
    let st: serde_json::Value = s.state_json().unwrap();
    assert_eq!(st["outage"]["mailed"], true, "{st}");
    // A failing rerun mails its own failure, whatever loop's streak.
    sim.inject(Some(Method::AgentActivity), Fault::ServerError(400), 1);
    let out = rerun("112426.0915").await;
    assert_exit(&out, 1);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2);
    let m = decoded(&mails[1].data);
    assert!(m.contains("wfm rerun") && m.contains("112426.0915"), "{m}");
    // The next good loop recovers, and caught up only its own quarter: the
    // rerun's quarters are not loop's to catch up.
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", &cfg, "2", "2", "1"], later).await;
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("2 of 2 quarter(s) delivered"), "{}", stderr(&out));
    let mails = smtp.mails();
    assert_eq!(mails.len(), 3);
    let m = decoded(&mails[2].data);
    assert!(
        m.contains("Subject: RECOVERED:") && m.contains("112426.1000") && m.contains("112426.1015"),
        "{m}"
    );
    assert!(!m.contains("112426.0915"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_cannot_read_its_state_is_mailed_and_summed_up() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp = start_smtp(None);
    let s = Setup::new(&sim, &(mail_lines(smtp.port) + "STATE_FILE=state-is-a-folder\n"));
    std::fs::create_dir(s.path("state-is-a-folder")).unwrap();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("cannot read the state file") && err.contains("state-is-a-folder"),
        "{err}"
    );
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let m = decoded(&mails[0].data);
    assert!(m.contains("state file") && m.contains("112426.1000"), "{m}");
    assert!(files_in(&s.reports()).is_empty());
    let log = log_text(&s);
    assert!(
        log.contains("run finished: 0 of 1 quarter(s) delivered") && log.contains("FAILED"),
        "{log}"
    );
    assert_eq!(sim.data_requests(), 0, "nothing is fetched without a state");
}

/// kill -9 while files are on their way to the FTP server (each upload is
/// slow and half-stored for a while): no broken file ever appears on the
/// server under a final name, and the next run delivers everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_push_leaves_no_broken_file_on_the_server() {
    let first = t("2026-11-24T09:46:30Z");
    let sim = scenario(first).start().await;
    let slow = std::time::Duration::from_millis(150);
    let server =
        tokio::task::spawn_blocking(move || start_server(ServerTls::Off, None, ftp_server::Fault::SlowPut(slow)))
            .await
            .unwrap();
    let s = Setup::new(&sim, &ftp_lines(server.port, ftp_server::PASS));
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", &cfg, "1", "2", "0"], first).await;
    assert_exit(&out, 0);
    // Half an hour later: 09:45 and 10:00 to push, six slow uploads.
    let now = t("2026-11-24T10:16:30Z");
    sim.set_now(now);
    let mut kills = 0;
    for delay_ms in [100u64, 250, 400, 550, 700, 850, 1000] {
        let mut child = wfm_command(&["loop", &cfg, "1", "2", "0"], Some(now))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        for n in server.names().iter().filter(|n| !n.starts_with('.')) {
            assert_eq!(
                std::fs::read(server.inbox().join(n)).unwrap(),
                std::fs::read(s.reports().join(n)).unwrap(),
                "{n} on the server is not the whole file"
            );
        }
    }
    assert!(kills >= 3, "the pushes were killed mid-way ({kills} kills)");
    let out = wfm(&["loop", &cfg, "1", "2", "0"], now).await;
    assert_exit(&out, 0);
    let mut want: Vec<String> = ["09:30", "09:45", "10:00"]
        .iter()
        .flat_map(|hm| names(t(&format!("2026-11-24T{hm}:00Z"))))
        .collect();
    want.sort();
    assert_eq!(
        server.names(),
        want,
        "every file under its final name, no temporary left"
    );
    let exp = Expect::all(sim.generator());
    for hm in ["09:30", "09:45", "10:00"] {
        exp.check_quarter(&server.inbox(), t(&format!("2026-11-24T{hm}:00Z")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_comes_from_the_config_and_a_pull_override_is_uploaded_later() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let server = ftp().await;
    // FTP_HOST set, no --ftp: DELIVERY defaults to push.
    let s = Setup::new(&sim, &ftp_lines(server.port, ftp_server::PASS));
    let out = wfm(&["loop", "--config", s.config.to_str().unwrap()], now).await;
    assert_exit(&out, 0);
    assert!(
        server.names().contains(&"Q_112426.1000.xml".to_string()),
        "{:?}",
        server.names()
    );
    // A pull run for once (FTP_OPT 2) leaves the quarter in REPORT_DIR only...
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], later).await;
    assert_exit(&out, 0);
    assert!(s.reports().join("Q_112426.1015.xml").exists());
    assert!(!server.names().contains(&"Q_112426.1015.xml".to_string()));
    // A dry push run lists the upload it would make, and makes none.
    let requests = sim.data_requests();
    let out = wfm(&["loop", "--config", s.config.to_str().unwrap(), "--dry-run"], later).await;
    assert_exit(&out, 0);
    let listed = stdout(&out);
    assert_eq!(listed.matches("would upload ").count(), 3, "{listed}");
    let bytes = std::fs::metadata(s.reports().join("Q_112426.1015.xml")).unwrap().len();
    assert!(
        listed.contains(&format!(
            "would upload Q_112426.1015.xml (written earlier, {bytes} bytes) from {} to FTP 127.0.0.1:{}/in\n",
            s.reports().display(),
            server.port
        )),
        "{listed}"
    );
    assert!(!server.names().contains(&"Q_112426.1015.xml".to_string()));
    // ...and the next run under DELIVERY=push uploads it, without asking LivePerson again.
    let out = wfm(&["loop", "--config", s.config.to_str().unwrap(), "--debug", "1"], later).await;
    assert_exit(&out, 0);
    assert!(
        server.names().contains(&"Q_112426.1015.xml".to_string()),
        "{:?}",
        server.names()
    );
    assert_eq!(sim.data_requests(), requests);
    // DELIVERY=pull keeps a config with FTP_HOST in pull mode.
    let s2 = Setup::new(&sim, &(ftp_lines(server.port, ftp_server::PASS) + "DELIVERY=pull\n"));
    let before = server.names().len();
    let out = wfm(&["loop", "--config", s2.config.to_str().unwrap()], later).await;
    assert_exit(&out, 0);
    assert_eq!(server.names().len(), before, "nothing uploaded");
    assert!(s2.reports().join("Q_112426.1015.xml").exists());
}
