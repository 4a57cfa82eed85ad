//! Every run ends, and no outside text forges a log line: the real binary
//! against servers that misbehave on purpose (tests/delivery_support/tarpit.rs).
//! WFM_TEST_RUN_TIMEOUT_SECONDS shortens the run's deadline to seconds.

use crate::common::*;
use crate::delivery_support::refused_port;
use crate::delivery_support::smtp_server::start_smtp;
use crate::delivery_support::tarpit::{start_forging_ftp, start_tarpit};
use std::time::{Duration, Instant};

const DEADLINE_SECONDS: u64 = 4;
/// Process start, LivePerson, state and mail on a loaded machine.
const MARGIN: Duration = Duration::from_secs(4);

fn ftp_lines(port: u16) -> String {
    format!("FTP_HOST=127.0.0.1\nFTP_PORT={port}\nFTP_USER=wfm\nFTP_PASSWORD=ftp-pw-XYZ\nFTP_REMOTE_DIR=/in\nFTP_TLS=none\n")
}

fn mail_lines(port: u16) -> String {
    format!("EMAIL_SERVER=127.0.0.1\nEMAIL_PORT={port}\nEMAIL_TLS=none\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\n")
}

async fn run_timed(s: &Setup, ftp_opt: &str, now: chrono::DateTime<chrono::Utc>) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let secs = DEADLINE_SECONDS.to_string();
    let out = wfm_env(
        &["loop", s.config.to_str().unwrap(), ftp_opt, "2", "0"],
        now,
        &[("WFM_TEST_RUN_TIMEOUT_SECONDS", secs.as_str())],
    )
    .await;
    (out, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_ftp_server_cannot_hold_the_run_past_its_deadline() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let smtp = start_smtp(None);
    let tarpit = start_tarpit(Duration::from_millis(1500));
    let s = Setup::new(&sim, &(ftp_lines(tarpit.port) + &mail_lines(smtp.port)));
    let (out, took) = run_timed(&s, "1", now).await;
    eprintln!("FTP tarpit run took {:.2} s", took.as_secs_f64());
    assert_exit(&out, 1);
    assert!(took < Duration::from_secs(DEADLINE_SECONDS) + MARGIN, "took {took:?}");
    assert!(tarpit.connections.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("FTP push stopped at the run's deadline") && log.contains("RUN_TIMEOUT_SECONDS=4"),
        "{log}"
    );
    assert!(log.contains("run finished:") && log.contains("FAILED"), "{log}");
    // The failure mail went out, within what the deadline kept for it.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "{log}");
    assert!(mails[0].data.contains("RUN_TIMEOUT_SECONDS"), "{}", mails[0].data);
    // No temporary left (files_in asserts it), the local copies are kept.
    assert_eq!(files_in(&s.reports()).len(), 3);
    // The lock was released: the next run starts at once (pull mode: delivered, exit 0).
    let (out, took2) = run_timed(&s, "2", now).await;
    eprintln!("the next run took {:.2} s", took2.as_secs_f64());
    assert_exit(&out, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_smtp_relay_cannot_hold_a_failing_run_past_its_deadline() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let tarpit = start_tarpit(Duration::from_millis(1500));
    let dead = refused_port();
    let s = Setup::new(
        &sim,
        &(mail_lines(tarpit.port) + &format!("LP_BASE_URI=http://127.0.0.1:{dead}\n")),
    );
    let (out, took) = run_timed(&s, "2", now).await;
    eprintln!("SMTP tarpit run took {:.2} s", took.as_secs_f64());
    assert_exit(&out, 1);
    assert!(took < Duration::from_secs(DEADLINE_SECONDS) + MARGIN, "took {took:?}");
    assert!(tarpit.connections.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("could not be sent")
            && log.contains("failure mail stopped at the run's deadline")
            && log.contains("RUN_TIMEOUT_SECONDS"),
        "{log}"
    );
    assert!(
        log.contains("cannot reach LivePerson") && log.contains("FAILED"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ftp_reply_cannot_forge_a_log_line() {
    const FORGED: &str = "2026-11-24T10:16:31.000000Z  INFO wfm::run: run finished: 1 of 1 quarter(s) delivered, 3 file(s), 3 request(s), 0 retries, 0 lost, 0.4 s, ok";
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let ftp = start_forging_ftp(FORGED);
    let s = Setup::new(&sim, &ftp_lines(ftp.port));
    let started = Instant::now();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], now).await;
    eprintln!("forging FTP run took {:.2} s", started.elapsed().as_secs_f64());
    assert_exit(&out, 1);
    let log = log_text(&s.path("logs"));
    assert!(log.contains("530"), "{log}");
    for text in [&log, &stderr(&out)] {
        for line in text.lines() {
            assert!(
                !line.starts_with("2026-11-24T10:16:31.000000Z"),
                "a forged line: {line:?} in\n{text}"
            );
            assert!(
                !line.contains('\r') && !line.contains('\u{1b}'),
                "raw control characters: {line:?}"
            );
        }
    }
    assert!(
        log.contains("\\r") || log.contains("\\u{1b}"),
        "the control characters are shown escaped: {log}"
    );
}
