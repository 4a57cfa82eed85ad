use super::*;
use crate::quarter::testing::{q, t};

fn stems(qs: &[Quarter]) -> Vec<String> {
    qs.iter().map(|q| q.stem()).collect()
}
const SETTLE: i64 = 60;

fn plan(s: &State, now: &str) -> LoopPlan {
    s.plan_loop(t(now), Duration::seconds(SETTLE), Reach::Timeframe, |_| true)
}

#[test]
fn without_state_only_the_newest_quarter() {
    let p = plan(&State::default(), "2026-11-24T10:16:00Z");
    assert_eq!(stems(&p.build), ["112426.1000"]);
    assert!(p.newly_lost.is_empty() && p.upload.is_empty());
}

#[test]
fn catches_up_every_missing_quarter_oldest_first() {
    let mut s = State::default();
    s.mark_delivered(q("112426.0800"));
    let p = plan(&s, "2026-11-24T10:16:00Z");
    assert_eq!(
        stems(&p.build),
        [
            "112426.0815",
            "112426.0830",
            "112426.0845",
            "112426.0900",
            "112426.0915",
            "112426.0930",
            "112426.0945",
            "112426.1000"
        ]
    );
    // a gap in the middle is filled too
    for q in &p.build[..3] {
        s.mark_delivered(*q);
    }
    s.mark_delivered(p.build[4]);
    let p2 = plan(&s, "2026-11-24T10:16:00Z");
    assert_eq!(
        stems(&p2.build),
        ["112426.0900", "112426.0930", "112426.0945", "112426.1000"]
    );
    // nothing to do when the newest is delivered
    let mut s3 = State::default();
    s3.mark_delivered(q("112426.1000"));
    assert!(plan(&s3, "2026-11-24T10:20:00Z").build.is_empty());
}

#[test]
fn quarters_that_failed_before_any_delivery_are_built() {
    let s = State {
        outage: Some(Outage {
            since: t("2026-11-24T10:01:00Z"),
            mailed: true,
            failed: BTreeSet::from([q("112426.0945").start()]),
            last_error: "FTP down".into(),
        }),
        ..State::default()
    };
    assert_eq!(
        stems(&plan(&s, "2026-11-24T10:16:00Z").build),
        ["112426.0945", "112426.1000"]
    );
}

#[test]
fn quarters_out_of_the_window_are_lost_once() {
    let mut s = State::default();
    s.mark_delivered(q("112326.0900"));
    let p = plan(&s, "2026-11-24T10:16:00Z");
    // 23 Nov 09:15 .. 10:15 are out of the 24 h window (oldest servable is 10:30)
    assert_eq!(p.newly_lost.to_string(), "112326.0915 to 112326.1015");
    assert_eq!(p.newly_lost.len(), 5);
    assert_eq!(p.build.first().unwrap().stem(), "112326.1030");
    assert_eq!(p.build.last().unwrap().stem(), "112426.1000");
    assert_eq!(p.build.len(), 95);
    s.lost.extend(&p.newly_lost);
    assert!(plan(&s, "2026-11-24T10:16:00Z").newly_lost.is_empty(), "reported once");
}

#[test]
fn a_machine_off_for_three_days_settles_every_quarter() {
    let mut s = State::default();
    s.mark_delivered(q("112126.1000"));
    let p = plan(&s, "2026-11-24T10:16:00Z");
    // 72 h later: every quarter in between is either built or lost, nothing else.
    assert_eq!(p.build.len() + p.newly_lost.len(), 72 * 4);
    assert_eq!(p.newly_lost.to_string(), "112126.1015 to 112326.1015");
    assert_eq!(p.newly_lost.len(), 48 * 4 + 1);
    assert_eq!(p.build.len(), 95);
    s.lost.extend(&p.newly_lost);
    for b in &p.build {
        s.mark_delivered(*b);
    }
    s.prune(t("2026-11-24T10:16:00Z"));
    let again = plan(&s, "2026-11-24T10:20:00Z");
    assert!(again.newly_lost.is_empty() && again.build.is_empty(), "{again:?}");
    assert_eq!(s.delivered.ranges().len(), 2, "the state holds ranges, not quarters");
}

#[test]
fn written_quarters_are_uploaded_however_old_and_never_lost() {
    let mut s = State::default();
    s.mark_delivered(q("112126.0945"));
    s.mark_written(q("112126.1000"));
    s.mark_written(q("112126.1015"));
    let p = plan(&s, "2026-11-24T10:16:00Z");
    assert_eq!(stems(&p.upload), ["112126.1000", "112126.1015"]);
    assert!(!p.newly_lost.contains(q("112126.1000")));
    assert_eq!(p.newly_lost.first(), Some(q("112126.1030")));
    // A written quarter whose files are gone is built again, or lost.
    let gone = s.plan_loop(
        t("2026-11-24T10:16:00Z"),
        Duration::seconds(SETTLE),
        Reach::Timeframe,
        |_| false,
    );
    assert!(gone.upload.is_empty());
    assert_eq!(gone.newly_lost.first(), Some(q("112126.1000")));
    // Delivered takes it out of written; pull mode counts written as delivered.
    s.mark_delivered(q("112126.1000"));
    assert_eq!(s.written.to_string(), "112126.1015");
    s.written_count_as_delivered();
    assert!(s.written.is_empty() && s.delivered.contains(q("112126.1015")));
}

#[test]
fn a_clock_ahead_makes_nothing_lost_for_good() {
    let mut s = State::default();
    s.mark_delivered(q("112426.0800"));
    // One run three days fast.
    let fast = plan(&s, "2026-11-27T10:16:00Z");
    assert_eq!(fast.newly_lost.first(), Some(q("112426.0815")));
    s.lost.extend(&fast.newly_lost);
    let jump = s.clock_jump(t("2026-11-27T10:16:00Z")).unwrap();
    assert_eq!((jump.0, jump.1.num_hours()), (q("112426.0800"), 74));
    // The clock right again: what LivePerson serves is built, the future forgotten.
    let now = t("2026-11-24T10:16:00Z");
    assert_eq!(
        s.forget_future(now, Duration::seconds(SETTLE)),
        fast.newly_lost.len() - 8
    );
    assert_eq!(s.lost.to_string(), "112426.0815 to 112426.1000");
    assert_eq!(s.standing(q("112426.0900")), "lost: LivePerson no longer serves it");
    let p = plan(&s, "2026-11-24T10:16:00Z");
    assert_eq!(p.build.len(), 8, "{p:?}");
    assert!(p.newly_lost.is_empty());
    for b in &p.build {
        s.mark_delivered(*b);
    }
    assert!(s.lost.is_empty());
    assert_eq!(s.standing(q("112426.1000")), "delivered already");
}

#[test]
fn a_delivery_in_the_future_is_refused_within_a_quarters_tolerance() {
    let mut s = State::default();
    s.mark_delivered(q("112426.1000"));
    // A clock stepped back a few minutes is no reason to stop.
    assert!(s.future_delivery(t("2026-11-24T10:01:00Z"), "st.json").is_none());
    let e = s
        .future_delivery(t("2026-11-24T09:59:00Z"), "st.json")
        .unwrap()
        .to_string();
    assert!(e.starts_with("STATE_FILE st.json records quarter 112426.1000"), "{e}");
    s.account = Some("111".into());
    assert_eq!(
        s.refusals("111", "st.json", t("2026-11-24T10:16:00Z")),
        Vec::<String>::new()
    );
    assert_eq!(s.refusals("222", "st.json", t("2026-11-24T09:00:00Z")).len(), 2);
}

#[test]
fn prune_keeps_the_anchor() {
    let mut s = State::default();
    s.mark_delivered(q("101026.0900"));
    s.mark_delivered(q("101126.0900"));
    s.prune(t("2026-11-24T10:16:00Z"));
    assert_eq!(s.delivered.to_string(), "101126.0900");
}

#[test]
fn a_state_is_one_accounts() {
    // A file written before the account was recorded loads, and is adopted.
    let mut s = State::default();
    assert_eq!(s.account, None);
    s.claim("111", "st.json").unwrap();
    assert_eq!(s.account.as_deref(), Some("111"));
    s.claim("111", "st.json").unwrap();
    let e = s.claim("222", "st.json").unwrap_err().to_string();
    assert!(
        e.starts_with(
            "STATE_FILE st.json holds the state of LivePerson account 111, but this config is for account 222"
        ),
        "{e}"
    );
    assert_eq!(s.account.as_deref(), Some("111"), "a refused claim changes nothing");
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["account"], "111");
}

#[test]
fn a_rerun_of_older_quarters_never_moves_the_catch_up_back() {
    let mut s = State::default();
    s.mark_delivered(q("112426.0945"));
    // Yesterday evening, rerun by an operator: not recorded.
    s.mark_rerun_delivered(q("112326.2000"));
    assert_eq!(stems(&plan(&s, "2026-11-24T10:16:00Z").build), ["112426.1000"]);
    // A rerun inside loop's stretch is recorded: loop does not rebuild it.
    s.mark_rerun_delivered(q("112426.1000"));
    assert!(plan(&s, "2026-11-24T10:16:00Z").build.is_empty());
    // With nothing delivered yet, a rerun records nothing either.
    let mut fresh = State::default();
    fresh.mark_rerun_delivered(q("112426.0800"));
    assert!(fresh.delivered.is_empty());
}

#[test]
fn a_partial_quarter_is_settled_and_its_flag_follows_the_quarter() {
    let mut s = State::default();
    s.mark_delivered(q("112426.0945"));
    s.set_partial(q("112426.0945"), true);
    // Only delivered or written quarters are flagged.
    s.set_partial(q("112426.0930"), true);
    assert_eq!(s.partial.quarters(), [q("112426.0945")]);
    s.mark_written(q("112426.1000"));
    s.set_partial(q("112426.1000"), true);
    let p = plan(&s, "2026-11-24T10:16:00Z");
    assert!(
        p.build.is_empty(),
        "partial quarters are not rebuilt: {:?}",
        stems(&p.build)
    );
    assert_eq!(stems(&p.upload), ["112426.1000"]);
    // Rebuilt whole (a rerun within 24 h): the flag goes.
    s.set_partial(q("112426.0945"), false);
    assert_eq!(s.partial.quarters(), [q("112426.1000")]);
    // Empty, it is left out of the file (chat states keep their bytes).
    let chat = serde_json::to_string(&State::default()).unwrap();
    assert!(!chat.contains("partial"), "{chat}");
    let back: State = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}
