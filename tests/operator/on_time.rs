//! On time: a `loop` started inside the settle window of the quarter that just
//! ended (a `*/15` schedule, or by hand at :15) waits it out and builds that
//! quarter in the same run, when the wait fits in the run's deadline; else it
//! says so. The suite runs with WFM_TEST_SETTLE_WAIT=0; these tests set it to 1.

use crate::common::*;
use std::time::{Duration, Instant};

const WAIT: (&str, &str) = ("WFM_TEST_SETTLE_WAIT", "1");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_started_at_the_quarter_end_waits_for_it_to_settle_and_builds_it() {
    let now = t("2026-11-24T10:15:00Z");
    // LivePerson is asked once the quarter has settled, at 10:15:03.
    let sim = scenario(t("2026-11-24T10:15:03Z")).start().await;
    let s = Setup::new(&sim, "SETTLE_SECONDS=3\n");
    let began = Instant::now();
    let out = wfm_env(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now, &[WAIT]).await;
    let took = began.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("waiting 3 s for 112426.1000 (2026-11-24 10:00-10:15 UTC) to settle"),
        "{err}"
    );
    assert!(took >= Duration::from_secs(3), "the run waited: {took:?}");
    assert!(took < Duration::from_secs(30), "and no longer: {took:?}");
    let want: std::collections::BTreeSet<String> = names(t("2026-11-24T10:00:00Z")).into_iter().collect();
    assert_eq!(
        files_in(&s.reports()),
        want,
        "the quarter that just ended, by this run: {err}"
    );
    let state = s.state_json().unwrap();
    assert_eq!(
        state["delivered"],
        serde_json::json!([["2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z"]])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settle_wait_beyond_half_the_deadline_is_said_and_the_next_run_builds_it() {
    let now = t("2026-11-24T10:15:00Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "SETTLE_SECONDS=60\n");
    let cfg = s.config.to_str().unwrap().to_string();
    let began = Instant::now();
    let out = wfm_env(
        &["loop", &cfg, "2", "2", "1"],
        now,
        &[WAIT, ("WFM_TEST_RUN_TIMEOUT_SECONDS", "20")],
    )
    .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(began.elapsed() < Duration::from_secs(15), "no wait: {err}");
    assert!(
        err.contains("started 60 s before 112426.1000")
            && err.contains("RUN_TIMEOUT_SECONDS=20")
            && err.contains("next run builds it")
            && err.contains("1-59/15"),
        "{err}"
    );
    let want: std::collections::BTreeSet<String> = names(t("2026-11-24T09:45:00Z")).into_iter().collect();
    assert_eq!(files_in(&s.reports()), want, "the newest settled quarter, as before");

    // A dry run never waits, and says so; a rerun never waits either.
    s.forget_state();
    let began = Instant::now();
    let out = wfm_env(&["loop", &cfg, "2", "2", "1", "--dry-run"], now, &[WAIT]).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(began.elapsed() < Duration::from_secs(15), "{err}");
    assert!(err.contains("dry run: not waiting 60 s for 112426.1000"), "{err}");
    let old = s.path("old");
    let began = Instant::now();
    let out = wfm_env(
        &[
            "rerun",
            &cfg,
            "2",
            "2",
            "1",
            old.to_str().unwrap(),
            "112426.0945",
            "112426.0945",
        ],
        now,
        &[WAIT],
    )
    .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        began.elapsed() < Duration::from_secs(15) && !err.contains("waiting"),
        "{err}"
    );
}
