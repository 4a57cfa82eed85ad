//! Chat replies with ids XML cannot hold and figures no quarter can hold
//! (issue 17, items 10 and 14): the quarter fails (exit 1, no file written, not
//! recorded delivered), the message names method, quarter, field or id and value,
//! and a later healthy run builds the quarter. A figure that is not a whole number
//! fails its quarter the same way, and only that quarter of a rerun or a loop.

use super::*;
use serde_json::{json, Value};

/// Interval ends of the reply a `loop` at 10:16:30 gets: the partial oldest
/// (10:00), the quarter's three (10:05, 10:10, 10:15), the in-progress newest (10:20).
const ENDS_MS: [i64; 5] = [
    1_795_514_400_000,
    1_795_514_700_000,
    1_795_515_000_000,
    1_795_515_300_000,
    1_795_515_600_000,
];

/// A forged reply: `data` in the 10:05 interval, the others empty.
fn reply(data: Value) -> Fault {
    let ivs: Vec<Value> = ENDS_MS
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"timestamp": t, "metricsData": if i == 1 { data.clone() } else { json!({}) }}))
        .collect();
    Fault::Body(json!({ "metricsByIntervals": ivs }).to_string())
}

fn queue_health(skill: &str, figures: Value) -> (Method, Fault) {
    (Method::QueueHealth, reply(json!({"skillsMetrics": {skill: figures}})))
}

fn eng_activity(skill: &str, agent: &str, figures: Value) -> (Method, Fault) {
    (
        Method::EngActivity,
        reply(json!({"skillsMetricsPerAgent": {"metricsPerSkill": {skill: {"metricsPerAgent": {agent: figures}}}}})),
    )
}

fn agent_activity(agent: &str, states: Value) -> (Method, Fault) {
    (
        Method::AgentActivity,
        reply(json!({"agentsMetrics": {"metricsPerAgent": {agent: states}, "metricsTotals": []}})),
    )
}

/// Item 10: ids XML 1.0 cannot hold (control characters) and empty ids, in
/// skills, agents and away reasons of each method.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_xml_cannot_hold_fail_the_quarter() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let away =
        |reason: &str| json!([{"id": 4, "value": {"total": 60}, "reasons": [{"id": reason, "value": {"total": 60}}]}]);
    let cases: Vec<((Method, Fault), &str)> = vec![
        (
            queue_health("1\u{1}", json!({"enteredQEng": 1})),
            r#"queuehealth reply, quarter 112426.1000: the skill id "1\u{1}" holds a control character"#,
        ),
        (
            queue_health("", json!({"enteredQEng": 1})),
            r#"queuehealth reply, quarter 112426.1000: the skill id "" is empty"#,
        ),
        (
            eng_activity("3", "5\u{7}", json!({"totalHandlingTime": 1})),
            r#"engactivity reply, quarter 112426.1000: the agent id "5\u{7}" holds a control character"#,
        ),
        (
            agent_activity("9\u{1b}]0;x", json!([{"id": 2, "value": {"total": 60}}])),
            r#"agentactivity reply, quarter 112426.1000: the agent id "9\u{1b}]0;x""#,
        ),
        (
            agent_activity("9", away("\u{1}")),
            r#"agentactivity reply, quarter 112426.1000: the away reason id "\u{1}""#,
        ),
    ];
    each_fails(&sim, now, cases).await;
}

/// Item 14: counts, sums and maxima beyond any skill's quarter, and an agent's
/// state beyond 900 s, fail the quarter instead of reaching NICE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_no_quarter_can_hold_fail_the_quarter() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let cases: Vec<((Method, Fault), &str)> = vec![
        (
            queue_health("3", json!({"enteredQEng": i64::MAX})),
            "queuehealth reply, quarter 112426.1000: enteredQEng of 3 comes to 9223372036854775807, above 1000000000",
        ),
        (
            queue_health("3", json!({"maxQueueSize": 5_000_000_000_000i64})),
            "maxQueueSize of 3 comes to 5000000000000, above 1000000000",
        ),
        (
            eng_activity("3", "5", json!({"totalHandlingTime": 2_000_000_000_000i64})),
            "engactivity reply, quarter 112426.1000: totalHandlingTime of 3 comes to 2000000000000, above 1000000000000",
        ),
        (
            // The reason's figures are read before its id is checked: the id is escaped.
            agent_activity(
                "9",
                json!([{"id": 4, "value": {"total": 60}, "reasons": [{"id": "\u{1b}[2J", "value": {"total": 901}}]}]),
            ),
            r#"value.total of agent 9 away reason \u{1b}[2J comes to 901, above 900"#,
        ),
        (
            agent_activity("9", json!([{"id": 2, "value": {"total": 1000}}])),
            "agentactivity reply, quarter 112426.1000: value.total of agent 9 state 2 comes to 1000, above 900 (the seconds of a 15-minute quarter)",
        ),
    ];
    each_fails(&sim, now, cases).await;
}

/// Each case fails the 10:00 quarter of a fresh setup, naming `needle`; after
/// the first id case a healthy run builds the quarter.
async fn each_fails(sim: &lp_sim::Simulator, now: chrono::DateTime<chrono::Utc>, cases: Vec<((Method, Fault), &str)>) {
    for ((method, fault), needle) in cases {
        let s = Setup::new(sim, "");
        sim.inject(Some(method), fault.clone(), 1);
        let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {err}");
        assert!(err.contains(needle), "{fault:?}: wanted {needle:?} in {err}");
        assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "escaped: {err:?}");
        assert!(
            files_in(&s.reports()).is_empty(),
            "{fault:?}: {:?}",
            files_in(&s.reports())
        );
        let st = s.state_json().unwrap();
        assert_eq!(quarters_in(&st["delivered"]), 0, "{st}");
        if needle.contains("1\\u{1}") {
            // The quarter stays missing; the next healthy run builds it, field for field.
            let later = t("2026-11-24T10:31:30Z");
            sim.set_now(later);
            let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], later).await;
            assert_exit(&out, 0);
            let exp = Expect::all(sim.generator());
            for q in ["2026-11-24T10:00:00Z", "2026-11-24T10:15:00Z"] {
                exp.check_quarter(&s.reports(), t(q));
            }
            assert_eq!(quarters_in(&s.state_json().unwrap()["delivered"]), 2);
            xmllint(&all_files(&s.reports()));
            sim.set_now(now);
        }
    }
}

/// A figure that is not a whole number (a fraction, a float beyond 2^53) in one
/// interval of one quarter of a rerun fails that quarter only, naming method,
/// quarter, field and id; the rerun's other quarters are delivered field for
/// field, and the next loop delivers the newer quarter though its reply still
/// carries the figure (before, the whole reply failed, and with it every quarter).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_figure_not_whole_fails_only_its_quarter() {
    let now = t("2026-11-24T11:07:00Z");
    let sim = scenario(now).start().await;
    let skill = sim.generator().skill_ids()[0].clone();
    let agent = sim.generator().agent_ids()[0].clone();
    // The 10:15 quarter's middle interval.
    let end_ms = t("2026-11-24T10:25:00Z").timestamp_millis();
    let patch = |pointer: String, value: Value| Fault::PatchInterval { end_ms, pointer, value };
    let cases: Vec<(Method, Fault, String)> = vec![
        (
            Method::QueueHealth,
            patch(format!("/skillsMetrics/{skill}/enteredQEng"), json!(12.5)),
            format!("queuehealth reply, quarter 112426.1015: enteredQEng of {skill} is not a whole number"),
        ),
        (
            Method::QueueHealth,
            patch(format!("/skillsMetrics/{skill}/maxQueueSize"), json!(1e300)),
            format!("queuehealth reply, quarter 112426.1015: maxQueueSize of {skill} is not a whole number"),
        ),
        (
            Method::EngActivity,
            patch(
                format!("/skillsMetricsPerAgent/metricsPerSkill/{skill}/metricsPerAgent/{agent}/totalHandlingTime"),
                json!(1e300),
            ),
            format!("engactivity reply, quarter 112426.1015: totalHandlingTime of agent {agent} in skill {skill} is not a whole number"),
        ),
        (
            Method::AgentActivity,
            patch(
                format!("/agentsMetrics/metricsPerAgent/{agent}"),
                json!([{"id": 2, "value": {"total": 12.5}}]),
            ),
            format!("agentactivity reply, quarter 112426.1015: value.total of agent {agent} state 2 is not a whole number"),
        ),
    ];
    let exp = Expect::all(sim.generator());
    // The rerun's quarters but the one holding the figure.
    let good = ["10:00", "10:30", "10:45"].map(|hm| t(&format!("2026-11-24T{hm}:00Z")));
    let bad = t("2026-11-24T10:15:00Z");
    for (method, fault, needle) in cases {
        let s = Setup::new(&sim, "");
        let config = s.config.to_str().unwrap();
        // A first loop (09:45) gives the state an anchor, so the next loop catches up.
        let first = t("2026-11-24T10:01:30Z");
        sim.set_now(first);
        assert_exit(&wfm(&["loop", config, "2", "2", "0"], first).await, 0);
        sim.set_now(now);
        let out_dir = s.path("old-reports");
        // The rerun's one request of `method`, and the next loop's.
        sim.inject(Some(method), fault.clone(), 2);
        let args = ["rerun", config, "2", "2", "0", out_dir.to_str().unwrap()];
        let out = wfm(&[&args[..], &["112426.1000", "112426.1045"]].concat(), now).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {err}");
        assert!(err.contains(&needle), "{fault:?}: wanted {needle:?} in {err}");
        assert_eq!(err.matches("is not a whole number").count(), 1, "{err}");
        for q in good {
            exp.check_quarter(&out_dir, q);
        }
        let written = files_in(&out_dir);
        assert_eq!(written.len(), 9, "{fault:?}: {written:?}");
        assert!(names(bad).iter().all(|n| !written.contains(n)), "{written:?}");
        xmllint(&all_files(&out_dir));

        // The next loop builds the failed quarter again, whose interval still
        // holds the figure: it fails again, and the newer quarter is delivered.
        let later = t("2026-11-24T11:16:30Z");
        sim.set_now(later);
        let out = wfm(&["loop", config, "2", "2", "0"], later).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {err}");
        assert!(err.contains(&needle), "{fault:?}: wanted {needle:?} in {err}");
        exp.check_quarter(&s.reports(), t("2026-11-24T11:00:00Z"));
        let reports = files_in(&s.reports());
        assert!(names(bad).iter().all(|n| !reports.contains(n)), "{reports:?}");

        // Once LivePerson sends whole numbers again, a loop builds it.
        let healed = t("2026-11-24T11:31:30Z");
        sim.set_now(healed);
        assert_exit(&wfm(&["loop", config, "2", "2", "0"], healed).await, 0);
        exp.check_quarter(&s.reports(), bad);
        exp.check_quarter(&s.reports(), t("2026-11-24T11:15:00Z"));
    }
}
