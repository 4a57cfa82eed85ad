use super::*;
use crate::quarter::testing::{q, t};
use crate::state::Outage;

fn at(state: &State, mode: DeliveryMode, now: &str) -> Status {
    compute(
        Ok(Some(state)),
        Path::new("s.json"),
        "111",
        mode,
        Duration::seconds(60),
        t(now),
        Reach::Timeframe,
        None,
    )
}

#[test]
fn a_good_loop_is_healthy_and_the_next_quarter_is_due_after_settling() {
    let mut s = State::default();
    s.mark_delivered(q("112426.1000"));
    // 10:20: the 10:15 quarter is not due before 10:31.
    let st = at(&s, DeliveryMode::Pull, "2026-11-24T10:20:00Z");
    assert!(st.healthy(), "{:?}", st.problems());
    assert_eq!(st.last_delivered, Some(q("112426.1000")));
    assert_eq!((st.next, st.next_due), (q("112426.1015"), t("2026-11-24T10:31:00Z")));
    assert_eq!(st.window.1, q("112426.1000"));
    assert!(st.missing.is_empty());
    // At 10:31 it is due and not built: missing, and the next quarter is overdue.
    let st = at(&s, DeliveryMode::Pull, "2026-11-24T10:31:00Z");
    assert_eq!(st.missing.quarters(), vec![q("112426.1015")]);
    assert_eq!((st.next, st.next_due), (q("112426.1015"), t("2026-11-24T10:31:00Z")));
    assert!(!st.healthy());
    // At 10:30:30 it has ended but is not settled: not missing yet.
    let st = at(&s, DeliveryMode::Pull, "2026-11-24T10:30:30Z");
    assert!(st.healthy(), "{:?}", st.problems());
    assert_eq!(st.window.1, q("112426.1015"));
}

#[test]
fn written_quarters_wait_for_upload_in_push_and_count_as_delivered_in_pull() {
    let mut s = State::default();
    s.mark_delivered(q("112426.0930"));
    s.mark_written(q("112426.0945"));
    s.mark_written(q("112426.1000"));
    let push = at(&s, DeliveryMode::Push, "2026-11-24T10:20:00Z");
    assert_eq!(push.waiting_for_upload.len(), 2);
    assert_eq!(push.last_delivered, Some(q("112426.0930")));
    assert!(push.missing.is_empty());
    assert!(push
        .text()
        .contains("waiting upload  2 quarter(s): 112426.0945 to 112426.1000"));
    let pull = at(&s, DeliveryMode::Pull, "2026-11-24T10:20:00Z");
    assert!(pull.waiting_for_upload.is_empty() && pull.healthy());
    assert_eq!(pull.last_delivered, Some(q("112426.1000")));
    assert!(!pull.text().contains("waiting upload"));
}

#[test]
fn an_outage_with_gaps_and_losses_is_unhealthy_and_names_them() {
    let mut s = State::default();
    s.mark_delivered(q("112326.0800"));
    s.lost.insert_range(q("112326.0815"), q("112326.1000"));
    s.outage = Some(Outage {
        since: t("2026-11-23T08:31:00Z"),
        mailed: true,
        failed: [t("2026-11-23T08:15:00Z")].into_iter().collect(),
        last_error: "HTTP 400".into(),
    });
    let st = at(&s, DeliveryMode::Pull, "2026-11-24T10:20:00Z");
    assert!(!st.healthy());
    assert_eq!(st.lost_since_last_delivery.len(), 8);
    // The window starts at the oldest servable quarter, not at the anchor.
    assert_eq!(
        st.missing.first(),
        Some(quarter::oldest_servable(t("2026-11-24T10:20:00Z")))
    );
    assert_eq!(st.missing.last(), Some(q("112426.1000")));
    let p = st.problems();
    assert!(
        p[0].starts_with("failing since 2026-11-23 08:31:00 UTC: HTTP 400"),
        "{p:?}"
    );
    assert!(
        p[1].contains("missing that LivePerson still serves: 112326.1030 to 112426.1000"),
        "{p:?}"
    );
    assert!(p[2].starts_with("8 quarter(s) lost since the last delivery"), "{p:?}");
    let j = st.json();
    assert_eq!(j["account"], "111");
    assert!(st.text().contains("\naccount         111\n"), "{}", st.text());
    assert_eq!(j["healthy"], false);
    assert_eq!(j["outage"]["mailed"], true);
    assert_eq!(j["outage"]["failed_quarters"], 1);
    assert_eq!(j["lost"]["ranges"], json!([["112326.0815", "112326.1000"]]));
    assert_eq!(j["missing"]["ranges"][0][1], "112426.1000");
}

#[test]
fn no_state_and_a_damaged_state_are_unhealthy() {
    let now = t("2026-11-24T10:20:00Z");
    let settle = Duration::seconds(60);
    let fresh = compute(
        Ok(None),
        Path::new("s.json"),
        "111",
        DeliveryMode::Pull,
        settle,
        now,
        Reach::Timeframe,
        None,
    );
    assert!(fresh.fresh && !fresh.healthy());
    assert_eq!(fresh.next, q("112426.1000"), "a first loop builds the newest quarter");
    let bad = compute(
        Err("damaged"),
        Path::new("s.json"),
        "111",
        DeliveryMode::Pull,
        settle,
        now,
        Reach::Timeframe,
        None,
    );
    assert_eq!(bad.problems(), vec!["damaged".to_string()]);
    assert_eq!(bad.json()["state_error"], "damaged");
}

#[test]
fn the_summary_line_is_cut_from_the_log_line() {
    let l = summary_line("2026-11-25T18:41:56.123456Z  INFO run finished: 1 of 1 quarter(s) delivered, ok\n");
    let l = l.unwrap();
    assert_eq!(l.line, "run finished: 1 of 1 quarter(s) delivered, ok");
    assert_eq!(l.logged_at, Some(t("2026-11-25T18:41:56.123456Z")));
    assert_eq!(summary_line("2026 INFO other"), None);
}
