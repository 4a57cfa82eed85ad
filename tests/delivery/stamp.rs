//! FILE_STAMP end to end: file names carry the quarter's start (default) or its
//! end, the bytes (and the `start`/`end` attributes inside) never change, and
//! every place that reads names back (state recovery, pending uploads) follows.

use super::{ftp, ftp_lines};
use crate::common::*;
use crate::delivery_support::ftp_server;
use std::path::Path;

fn golden(name_by_start: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sim-seed7");
    std::fs::read(dir.join(name_by_start)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_stamp_end_names_files_by_the_quarter_end_and_keeps_the_golden_bytes() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).order(lp_sim::IntervalOrder::Shuffled).start().await;
    let s = Setup::new(&sim, "AGENT_MAP_FILE=agents.csv\nFILE_STAMP=end\n");
    let agents = sim.generator().agent_ids();
    std::fs::write(
        s.path("agents.csv"),
        format!("{},E1001\n{},E1002\n", agents[0], agents[1]),
    )
    .unwrap();
    let cfg = s.config.to_str().unwrap().to_string();

    // The dry run lists the real (end-stamped) names.
    let out = wfm(&["loop", &cfg, "2", "2", "0", "--dry-run"], now).await;
    assert_exit(&out, 0);
    for n in names(t("2026-11-24T10:15:00Z")) {
        assert!(
            stdout(&out).contains(&format!("would deliver {n} ")),
            "{n}: {}",
            stdout(&out)
        );
    }

    let out = wfm(&["loop", &cfg, "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    let by_end = names(t("2026-11-24T10:15:00Z"));
    let by_start = names(t("2026-11-24T10:00:00Z"));
    assert_eq!(
        files_in(&s.reports()),
        by_end.iter().cloned().collect(),
        "10:00-10:15 is named by its end, 10:15"
    );
    for (end_name, start_name) in by_end.iter().zip(&by_start) {
        let got = std::fs::read(s.reports().join(end_name)).unwrap();
        assert!(
            got == golden(start_name),
            "{end_name}: bytes differ from golden {start_name}"
        );
        let text = String::from_utf8(got).unwrap();
        assert!(
            text.contains(r#"start="2026-11-24T10:00:00Z""#) && text.contains(r#"end="2026-11-24T10:15:00Z""#),
            "{end_name}: the attributes stay the quarter's true times"
        );
        assert!(
            stderr(&out).contains(end_name.as_str()),
            "the log names {end_name}: {}",
            stderr(&out)
        );
    }

    // A damaged state without a backup is recovered from the end-stamped names:
    // 10:00-10:15 is known as written, not rebuilt, and 10:15-10:30 is not invented.
    std::fs::write(s.state_file(), b"{ damaged").unwrap();
    let mut bak = s.state_file().into_os_string();
    bak.push(".bak");
    let _ = std::fs::remove_file(bak);
    let before = sim.data_requests();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("no usable backup") && err.contains("112426.1000"), "{err}");
    assert!(!err.contains("112426.1015 ("), "{err}");
    assert_eq!(sim.data_requests(), before, "nothing rebuilt: {err}");

    // A rerun's START and END stay quarter starts; its files are end-stamped too.
    let old = s.path("old");
    let out = wfm(
        &[
            "rerun",
            &cfg,
            "2",
            "2",
            "0",
            old.to_str().unwrap(),
            "112426.0945",
            "112426.1000",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    let mut want: std::collections::BTreeSet<String> = names(t("2026-11-24T10:00:00Z")).into_iter().collect();
    want.extend(names(t("2026-11-24T10:15:00Z")));
    assert_eq!(files_in(&old), want, "09:45 named 10:00, 10:00 named 10:15");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_end_stamped_files_are_uploaded_by_the_next_loop() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let down = crate::delivery_support::refused_port();
    let s = Setup::new(&sim, &(ftp_lines(down, ftp_server::PASS) + "FILE_STAMP=end\n"));
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", &cfg, "1", "2", "0"], now).await;
    assert_exit(&out, 1);
    let first: std::collections::BTreeSet<String> = names(t("2026-11-24T10:15:00Z")).into_iter().collect();
    assert_eq!(files_in(&s.reports()), first, "kept locally, end-stamped");

    // The server is back: the written quarter is uploaded under its end-stamped
    // names, with the next one.
    let server = ftp().await;
    s.rewrite_config(&format!("FTP_PORT={down}"), &format!("FTP_PORT={}", server.port));
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", &cfg, "1", "2", "1"], later).await;
    assert_exit(&out, 0);
    let mut want: Vec<String> = names(t("2026-11-24T10:15:00Z")).into_iter().collect();
    want.extend(names(t("2026-11-24T10:30:00Z")));
    let mut got = server.names();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{}", stderr(&out));
    for n in &want {
        assert_eq!(
            std::fs::read(server.inbox().join(n)).ok(),
            std::fs::read(s.reports().join(n)).ok(),
            "{n} arrives as written"
        );
    }
    let state = s.state_json().unwrap();
    assert_eq!(quarters_in(&state["delivered"]), 2, "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_stamp_is_a_config_error_naming_the_key() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "FILE_STAMP=middle\n");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("FILE_STAMP") && err.contains("middle") && err.contains("end"),
        "{err}"
    );
    assert!(files_in(&s.reports()).is_empty(), "nothing written");
    assert_eq!(sim.data_requests(), 0);
}
