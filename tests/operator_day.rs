//! Issue 19, point 7 c, e and g through the real binary: config warnings reach
//! cron's stderr once a day (a run by hand: every run), a rerun prints its summary
//! on the terminal, and the two demos write to folders of their own.

use crate::common::*;

mod proxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_warnings_reach_crons_stderr_once_a_day_and_a_rerun_every_time() {
    let first = t("2026-11-24T10:16:30Z");
    let sim = scenario(first).start().await;
    let s = Setup::new(&sim, "NO_SUCH_KEY=1\n");
    let cfg = s.config.to_str().unwrap().to_string();
    let warning = "unknown key NO_SUCH_KEY is ignored";

    // Cron's loop at debug 0: the warning is on stderr, once.
    let out = wfm(&["loop", &cfg, "2", "2", "0"], first).await;
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert_eq!(err.matches(warning).count(), 1, "{err}");
    assert!(err.starts_with("wfm: warning: "), "{err}");

    // The next loops of the day only log it: cron does not mail it every 15 minutes.
    for now in ["2026-11-24T10:31:30Z", "2026-11-24T10:46:30Z"] {
        sim.set_now(t(now));
        let out = wfm(&["loop", &cfg, "2", "2", "0"], t(now)).await;
        assert_exit(&out, 0);
        assert_eq!(stderr(&out), "", "said once today already");
    }
    let log = log_text(&s.path("logs"));
    assert_eq!(log.matches(warning).count(), 3, "every run logs it: {log}");

    // A rerun is run by hand: it says it every time (and its summary, point e).
    let now = t("2026-11-24T10:46:30Z");
    let old = s.path("old");
    let out = wfm(
        &[
            "rerun",
            &cfg,
            "2",
            "2",
            "0",
            old.to_str().unwrap(),
            "112426.0900",
            "112426.0915",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(err.contains(warning), "{err}");
    assert!(
        err.lines()
            .last()
            .unwrap_or_default()
            .starts_with("run finished: 2 of 2 quarter(s) delivered, 6 file(s)"),
        "a rerun's summary on the terminal at debug 0: {err}"
    );
    assert!(
        !err.contains("NICE skips"),
        "a pull rerun re-sends nothing to NICE: {err}"
    );
    // ... and does not use up the loop's saying of the day.
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_eq!(stderr(&out), "", "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_and_messaging_demos_write_to_folders_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    for channel in ["chat", "messaging"] {
        let mut cmd = wfm_command(&["demo", "--channel", channel], None);
        cmd.current_dir(dir.path());
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{channel}: {}", stderr(&out));
    }
    let chat = files_in(&dir.path().join("wfm-demo/reports"));
    assert_eq!(chat.len(), 12, "{chat:?}");
    assert_eq!(chat.iter().filter(|n| n.starts_with("AQ_")).count(), 4, "{chat:?}");
    let messaging = files_in(&dir.path().join("wfm-demo-messaging/reports"));
    // The loop's quarter whole (Q_, AQ_, AS_), the rerun's three two days back partial (Q_, AS_).
    assert_eq!(messaging.len(), 9, "{messaging:?}");
    assert_eq!(
        messaging.iter().filter(|n| n.starts_with("AQ_")).count(),
        1,
        "{messaging:?}"
    );
    let text = std::fs::read_to_string(dir.path().join("wfm-demo-messaging/config.navomi")).unwrap();
    assert!(text.contains("LP_CHANNEL=messaging"), "{text}");
    let text = std::fs::read_to_string(dir.path().join("wfm-demo/config.navomi")).unwrap();
    assert!(text.contains("LP_CHANNEL=chat"), "{text}");
}
