//! Never lose a quarter, part 2: long FTP outages, damaged state files, a
//! machine off for days, lost quarters during a mailed outage. Every quarter
//! after the last delivery is delivered or reported lost, exactly once.

use crate::common::*;
use crate::delivery_support::ftp_server;
use crate::delivery_support::refused_port;
use crate::delivery_support::smtp_server::start_smtp;
use lp_sim::Fault;

fn mail_lines(port: u16) -> String {
    format!("EMAIL_SERVER=127.0.0.1\nEMAIL_PORT={port}\nEMAIL_TLS=none\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\n")
}

fn state(s: &Setup) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(s.state_file()).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_built_during_a_long_ftp_outage_are_uploaded_when_it_ends() {
    let first = t("2026-11-24T10:16:30Z");
    let sim = scenario(first).start().await;
    let down = refused_port();
    let s = Setup::new(&sim, &ftp_server::lines(down, ftp_server::PASS));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], first).await;
    assert_eq!(out.status.code(), Some(1), "FTP is down");
    let local: Vec<Vec<u8>> = names(t("2026-11-24T10:00:00Z"))
        .iter()
        .map(|n| std::fs::read(s.reports().join(n)).unwrap())
        .collect();
    assert_eq!(
        state(&s)["written"],
        serde_json::json!([["2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z"]])
    );

    // More than 24 hours later FTP is back. LivePerson no longer serves 10:00 of
    // yesterday, but its files are complete in REPORT_DIR: they are uploaded.
    let server = ftp_server::start_plain().await;
    s.rewrite_config(&format!("FTP_PORT={down}"), &format!("FTP_PORT={}", server.port));
    let later = t("2026-11-25T10:31:30Z");
    sim.set_now(later);
    let requests_before = sim.data_requests();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "1"], later).await;
    let err = stderr(&out);
    for (n, bytes) in names(t("2026-11-24T10:00:00Z")).iter().zip(&local) {
        assert_eq!(
            &std::fs::read(server.inbox().join(n)).unwrap(),
            bytes,
            "{n} uploaded as it was built"
        );
    }
    assert!(
        err.contains("written earlier wait for the upload: 112426.1000"),
        "{err}"
    );
    // The quarters between are built (or, beyond LivePerson's 24 h, reported lost):
    // yesterday's 10:00 is not among the lost.
    assert!(err.contains("lost: 112426.1015 to"), "{err}");
    assert_eq!(
        sim.data_requests() - requests_before,
        3,
        "one fetch for everything still served"
    );
    let st = state(&s);
    assert_eq!(st["written"], serde_json::json!([]), "{st}");
    assert_eq!(st["delivered"][0][0], "2026-11-24T10:00:00Z", "{st}");
    assert!(
        server.names().iter().any(|n| n == "Q_112526.1015.xml"),
        "the newest is pushed too"
    );
}

/// Each way a state file was found damaged; the run falls back and still builds the gap.
const DAMAGE: [(&str, &[u8]); 5] = [
    ("empty", b""),
    ("cut off", b"{\"version\": 2, \"delivered\": [[\"2026-11-24T10:00:00Z\","),
    ("garbage", b"\x00\x01\x02 not a state"),
    (
        "null members",
        br#"{"version":2,"delivered":null,"written":null,"lost":null,"outage":null}"#,
    ),
    (
        "off the quarter grid",
        br#"{"version":2,"delivered":[["2026-11-24T10:07:00Z","2026-11-24T10:07:00Z"]],"written":[],"lost":[],"outage":null}"#,
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_state_falls_back_loudly_and_the_gap_is_still_built() {
    let first = t("2026-11-24T10:16:30Z");
    let later = t("2026-11-24T11:16:30Z");
    let smtp = start_smtp(None);
    for (i, (what, bytes)) in DAMAGE.iter().enumerate() {
        // With the backup, then (odd cases) without it: from the report files.
        let without_backup = i % 2 == 1;
        let sim = scenario(first).start().await;
        let s = Setup::new(&sim, &mail_lines(smtp.port));
        let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], first).await;
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        std::fs::write(s.state_file(), bytes).unwrap();
        if without_backup {
            let mut bak = s.state_file().into_os_string();
            bak.push(".bak");
            std::fs::remove_file(bak).unwrap();
        }
        let mails_before = smtp.mails().len();
        sim.set_now(later);
        let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], later).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{what}: {err}");
        assert!(err.contains("damaged"), "{what}: loud at debug 0: {err}");
        assert!(
            err.contains(if without_backup { "no usable backup" } else { ".bak" }),
            "{what}: {err}"
        );
        let mails = smtp.mails();
        assert_eq!(mails.len(), mails_before + 1, "{what}: one mail");
        assert!(mails.last().unwrap().data.contains("state file damaged"), "{what}");
        // Not a fresh start: 10:15 to 11:00 are built, not only the newest.
        for stem in ["1015", "1030", "1045", "1100"] {
            assert!(
                s.reports().join(format!("Q_112426.{stem}.xml")).exists(),
                "{what}: {stem}"
            );
        }
        assert_eq!(quarters_in(&state(&s)["delivered"]), 5, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_from_a_newer_wfm_is_an_error_not_a_reset() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp = start_smtp(None);
    let s = Setup::new(&sim, &mail_lines(smtp.port));
    std::fs::create_dir_all(s.state_dir()).unwrap();
    let newer = br#"{"version":3,"delivered":"elsewhere"}"#;
    std::fs::write(s.state_file(), newer).unwrap();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("version 3") && err.contains("wfm-state-12345678.json"),
        "{err}"
    );
    assert_eq!(std::fs::read(s.state_file()).unwrap(), newer, "left as it is");
    assert!(files_in(&s.reports()).is_empty());
    assert_eq!(smtp.mails().len(), 1);
    assert_eq!(sim.data_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_off_for_three_days_reports_every_lost_quarter_once() {
    let first = t("2026-11-21T10:16:30Z");
    let sim = scenario(first).start().await;
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], first).await;
    assert_exit(&out, 0);
    let now = t("2026-11-24T10:16:30Z");
    sim.set_now(now);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "lost quarters fail the run: {err}");
    // 72 hours: 288 quarters after 21 Nov 10:00, every one built or lost.
    assert!(
        err.contains("193 quarter(s) were never delivered and LivePerson no longer serves them: they are lost: 112126.1015 to 112326.1015"),
        "{err}"
    );
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("95 of 95 quarter(s) delivered, 285 file(s)") && log.contains("193 lost"),
        "{log}"
    );
    let st = state(&s);
    assert_eq!(quarters_in(&st["lost"]), 193);
    assert_eq!(quarters_in(&st["delivered"]), 96);
    // Once: the next run reports no loss again, only that the failure is over.
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert!(!stderr(&out).contains("lost"), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("wfm: recovered"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quarters_lost_during_a_mailed_outage_get_a_mail_of_their_own() {
    let first = t("2026-11-24T10:16:30Z");
    let sim = scenario(first).start().await;
    let smtp = start_smtp(None);
    let s = Setup::new(&sim, &mail_lines(smtp.port));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], first).await;
    assert_exit(&out, 0);
    // LivePerson refuses from now on (400: not retried, so the test is quick).
    sim.inject(None, Fault::ServerError(400), 1000);
    let t1 = t("2026-11-24T10:31:30Z");
    sim.set_now(t1);
    assert_eq!(
        wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t1)
            .await
            .status
            .code(),
        Some(1)
    );
    assert_eq!(smtp.mails().len(), 1, "the outage's mail");
    let t2 = t("2026-11-24T10:46:30Z");
    sim.set_now(t2);
    assert_eq!(
        wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t2)
            .await
            .status
            .code(),
        Some(1)
    );
    assert_eq!(smtp.mails().len(), 1, "later failures of the same outage only log");
    // A day later quarters fall out of LivePerson's window: a new mail names them.
    let t3 = t("2026-11-25T10:46:30Z");
    sim.set_now(t3);
    assert_eq!(
        wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t3)
            .await
            .status
            .code(),
        Some(1)
    );
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2, "lost quarters are mailed");
    let body = mails[1].data.replace("=\r\n", "").replace("=\n", "");
    assert!(
        body.contains(
            "3 quarter(s) were never delivered and LivePerson no longer serves them (lost): 112426.1015 to 112426.1045"
        ),
        "{body}"
    );
    // Each lost quarter once: 15 minutes later only the one that fell out since.
    let t4 = t("2026-11-25T11:01:30Z");
    sim.set_now(t4);
    wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t4).await;
    let mails = smtp.mails();
    assert_eq!(mails.len(), 3);
    let body = mails[2].data.replace("=\r\n", "").replace("=\n", "");
    assert!(
        body.contains("1 quarter(s) were never delivered and LivePerson no longer serves them (lost): 112426.1100"),
        "{body}"
    );
    // Nothing new lost: no new mail.
    wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t4).await;
    assert_eq!(smtp.mails().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cron_hears_of_an_outage_once_and_of_its_end_once() {
    let first = t("2026-11-24T10:16:30Z");
    let sim = scenario(first).start().await;
    // No EMAIL_SERVER: cron's own mail of stderr is the operator's only news.
    let s = Setup::new(&sim, "");
    sim.inject(None, Fault::ServerError(400), 6);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], first).await;
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("HTTP 400"),
        "the first failing run prints: {}",
        stderr(&out)
    );
    let t2 = t("2026-11-24T10:31:30Z");
    sim.set_now(t2);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t2).await;
    assert_eq!(out.status.code(), Some(1), "still failing");
    assert_eq!(stderr(&out), "", "a later failing run of the same outage is silent");
    assert!(log_text(&s.path("logs")).contains("this run prints nothing"));
    let t3 = t("2026-11-24T10:46:30Z");
    sim.set_now(t3);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t3).await;
    assert_exit(&out, 0);
    assert_eq!(
        stderr(&out),
        "wfm: recovered: delivering again after the failures since 2026-11-24 10:16 UTC\n"
    );
    // Good runs after that print nothing; usage errors always print.
    let t4 = t("2026-11-24T11:01:30Z");
    sim.set_now(t4);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t4).await;
    assert_eq!((out.status.code(), stderr(&out)), (Some(0), String::new()));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "7", "2", "0"], t4).await;
    assert_exit(&out, 2);
    assert!(!stderr(&out).is_empty());
}

/// Many accounts on one host share a mailbox: the failure and the recovery mail
/// name the account in the subject.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_and_recovery_mail_subjects_name_the_account() {
    let first = t("2026-11-24T10:16:30Z");
    let sim = scenario(first).start().await;
    let smtp = start_smtp(None);
    let s = Setup::new(&sim, &mail_lines(smtp.port));
    sim.inject(None, Fault::ServerError(400), 3);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], first).await;
    assert_exit(&out, 1);
    let t2 = t("2026-11-24T10:31:30Z");
    sim.set_now(t2);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], t2).await;
    assert_exit(&out, 0);
    let subjects: Vec<String> = smtp
        .mails()
        .iter()
        .map(|m| {
            m.data
                .lines()
                .find_map(|l| l.strip_prefix("Subject: "))
                .unwrap_or_else(|| panic!("a subject: {}", m.data))
                .to_string()
        })
        .collect();
    assert_eq!(
        subjects,
        [
            format!("wfm: report failure (account {ACCOUNT}) 112426.1000"),
            format!("RECOVERED: wfm: report failure (account {ACCOUNT})"),
        ]
    );
}

/// A full LOG_DIR loses the run's log lines: the failure mail says so, since it
/// may be the only record of the failed run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_with_a_full_log_dir_says_so_in_the_mail() {
    let now = t("2026-11-24T10:16:30Z");
    let smtp = start_smtp(None);
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, &mail_lines(smtp.port));
    let Some(fs) = TinyFs::mount(&s.path("logs")) else {
        return;
    };
    fs.fill();
    sim.inject(Some(lp_sim::Method::QueueHealth), Fault::ServerError(400), 1);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert_eq!(
        stderr(&out).matches("cannot write the log file").count(),
        1,
        "{}",
        stderr(&out)
    );
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let body = mails[0].data.replace("\r\n", "\n");
    assert!(body.contains("cannot write the log file"), "{body}");
    assert!(body.contains("No space left on device"), "{body}");
}

/// Issue 17, item 1: one `loop` with the clock three days fast must not make
/// quarters lost for good. LivePerson answers for its own now (the simulator's
/// clock stays right), so that run can build nothing; once the clock is right
/// again, the next loop builds every quarter LivePerson still serves, and
/// `status` reports none of them lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_ahead_for_one_run_loses_no_quarter_for_good() {
    let real = t("2026-11-24T10:16:30Z");
    let first = real - chrono::Duration::hours(2);
    let sim = scenario(first).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap();
    let out = wfm(&["loop", cfg, "2", "2", "0"], first).await;
    assert_exit(&out, 0);
    sim.set_now(real);

    let fast = real + chrono::Duration::days(3);
    let out = wfm(&["loop", cfg, "2", "2", "0"], fast).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "now (2026-11-27 10:16:30 UTC) is 74 h 1 min after the newest quarter the state records (112426.0800"
        ),
        "the jump is logged loudly: {err}"
    );
    assert!(quarters_in(&state(&s)["lost"]) > 190, "{}", state(&s));

    // Before the next loop, status at the right time already reads the state as
    // that loop will: nothing lost, eight quarters to build, no future in the outage.
    let status = wfm(&["status", "--config", cfg, "--json"], real).await;
    let j: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(status.status.code(), Some(1), "{j}");
    assert_eq!(j["lost"]["count"], 0, "{j}");
    assert_eq!(j["missing"]["count"], 8, "{j}");
    assert_eq!(j["outage"]["since"], "2026-11-24T10:16:30Z", "{j}");
    assert_eq!(j["next"]["quarter"], "112426.1000", "{j}");

    // The clock is right again: the quarters LivePerson serves are built.
    let out = wfm(&["loop", cfg, "2", "2", "0"], real).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let log = log_text(&s.path("logs"));
    assert!(
        !log.contains("delivered already"),
        "lost quarters are not 'delivered already': {log}"
    );
    let reports = files_in(&s.reports());
    let mut start = t("2026-11-24T08:15:00Z");
    while start <= t("2026-11-24T10:00:00Z") {
        for name in names(start) {
            assert!(reports.contains(&name), "{name} missing: {reports:?}");
        }
        start += chrono::Duration::minutes(15);
    }
    let st = state(&s);
    assert_eq!(quarters_in(&st["lost"]), 0, "{st}");
    assert!(st["outage"].is_null(), "{st}");

    let status = wfm(&["status", "--config", cfg, "--json"], real).await;
    let j: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(status.status.code(), Some(0), "{j}");
    assert_eq!(j["lost"]["count"], 0, "{j}");
    assert_eq!(j["last_delivered"]["quarter"], "112426.1000", "{j}");
}
