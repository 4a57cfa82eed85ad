//! Hostile Key Messaging Metrics pages (issue 17, items 8, 9, 10, 14): a 200
//! page that is not what it should be fails its quarter (exit 1, no `Q_`/`AS_`,
//! not recorded delivered), naming method and quarter, and a later healthy run
//! builds the quarter from the simulator's truth.

use super::*;
use serde_json::json;

const STEM: &str = "112426.1000";

/// One `loop` of a fresh setup at 10:16:30 (it builds the 10:00 quarter only),
/// with `faults` queued first: the quarter must fail, naming `needles`.
async fn the_quarter_fails(sim: &Simulator, faults: &[(Method, Fault)], needles: &[&str]) -> Setup {
    let now = t("2026-11-24T10:16:30Z");
    for (m, f) in faults {
        sim.inject(Some(*m), f.clone(), 1);
    }
    let s = Setup::new(sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{faults:?}: {err}");
    for n in needles.iter().chain(&[STEM]) {
        assert!(err.contains(n), "{faults:?}: wanted {n:?} in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "escaped: {err:?}");
    assert!(
        files_in(&s.reports()).is_empty(),
        "{faults:?}: {:?}",
        files_in(&s.reports())
    );
    let st = s.state_json().unwrap();
    assert_eq!(quarters_in(&st["delivered"]), 0, "{faults:?}: {st}");
    assert_eq!(quarters_in(&st["written"]), 0, "{faults:?}: {st}");
    s
}

/// The next healthy `loop` builds the quarter that failed, as the simulator says it is.
async fn a_healthy_run_builds_it(sim: &Simulator, s: &Setup) {
    let now = t("2026-11-24T10:31:30Z");
    sim.set_now(now);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exp = ExpectKmm::all(sim.generator());
    exp.check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    exp.check_quarter(&s.reports(), t("2026-11-24T10:15:00Z"));
    assert_eq!(quarters_in(&s.state_json().unwrap()["delivered"]), 2);
    xmllint(&xml_files(&s.reports()));
    sim.set_now(t("2026-11-24T10:16:30Z"));
}

/// The method's name in wfm's messages.
fn name(m: Method) -> String {
    match m {
        Method::AgentView => "agent_view".into(),
        _ => "metrics".into(),
    }
}

/// Item 8: a 200 page without the members a page has is unusable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_without_its_members_fails_the_quarter_and_a_later_run_builds_it() {
    let sim = messaging(t("2026-11-24T10:16:30Z")).start().await;
    let m = Method::Metrics;
    let a = Method::AgentView;
    let cases: Vec<(Method, Fault, &str)> = vec![
        (m, body(json!({})), "no metadata.count"),
        (m, body(json!([])), "no metadata.count"),
        (
            m,
            body(json!("maintenance")),
            "metrics reply for 112426.1000 is unusable",
        ),
        (m, body(json!({"error": "maintenance"})), "no metadata.count"),
        (m, body(json!({"metadata": {"count": 120}})), "no groupBy.groups"),
        (
            m,
            body(json!({"metadata": {"count": 3}, "groupby": {"groups": [{"key": "1"}]}})),
            "no groupBy.groups",
        ),
        (
            m,
            body(json!({"Metadata": {"count": 0}, "groupBy": {"groups": []}})),
            "no metadata.count",
        ),
        (a, body(json!({})), "no metadata.count"),
        (
            a,
            body(json!({"metadata": {"count": 4}, "agentViewRecord": []})),
            "no agentViewRecords",
        ),
    ];
    for (method, fault, needle) in cases {
        let name = name(method);
        let s = the_quarter_fails(&sim, &[(method, fault)], &[&name, needle]).await;
        if needle == "no groupBy.groups" {
            // The quarter stays missing, and the next healthy run builds it.
            a_healthy_run_builds_it(&sim, &s).await;
        }
    }
}

/// Item 9: paging that does not add up fails the quarter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inconsistent_paging_fails_the_quarter() {
    let sim = paged_messaging(t("2026-11-24T10:16:30Z")).start().await;
    let q = t("2026-11-24T10:00:00Z");
    let skills = skills_with_data(sim.generator(), q).len();
    let agents = agents_with_data(sim.generator(), q).len();
    assert!(
        skills > 100 && agents > 100,
        "{skills} skills, {agents} agents: 3 pages each"
    );
    let m = Method::Metrics;
    let a = Method::AgentView;
    let patch = |pointer: &str, value: Option<serde_json::Value>| Fault::Patch {
        pointer: pointer.into(),
        value,
    };
    let count = |n: i64| patch("/metadata/count", Some(json!(n)));
    let cases: Vec<(Vec<(Method, Fault)>, String)> = vec![
        (vec![(m, patch("/metadata", None))], "no metadata.count".into()),
        (vec![(m, count(-5))], "metadata.count is -5".into()),
        // Page 1 served for every offset.
        (
            vec![(m, Fault::Pass), (m, Fault::AsOffset(0))],
            "offset 50 repeats".into(),
        ),
        // The third page repeats the second.
        (
            vec![(m, Fault::Pass), (m, Fault::Pass), (m, Fault::AsOffset(50))],
            "offset 100 repeats".into(),
        ),
        (
            vec![(
                m,
                body(json!({"metadata": {"count": 101}, "groupBy": {"groups": null}})),
            )],
            "no groupBy.groups although metadata.count is 101".into(),
        ),
        // The count shrinking mid-paging, then growing.
        (
            vec![(m, Fault::Pass), (m, count(60))],
            format!("says metadata.count is 60, the first page said {skills}"),
        ),
        // A count the pages never reach: the fourth page comes back empty.
        (
            vec![(m, count(200)), (m, count(200)), (m, count(200)), (m, count(200))],
            format!("the pages hold {skills} distinct rows but metadata.count is 200"),
        ),
        (
            vec![(a, Fault::Pass), (a, Fault::AsOffset(0))],
            "offset 50 repeats".into(),
        ),
        (
            vec![(a, Fault::Pass), (a, count(agents as i64 + 7))],
            format!("says metadata.count is {}, the first page said {agents}", agents + 7),
        ),
    ];
    for (faults, needle) in &cases {
        let method = name(faults[0].0);
        the_quarter_fails(&sim, faults, &[&method, needle]).await;
    }
    // Every fault was used up by its own case: the healthy paging still works.
    let s = Setup::new(&sim, CHANNEL);
    let now = t("2026-11-24T10:16:30Z");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ExpectKmm::all(sim.generator()).check_quarter(&s.reports(), q);
}

/// A page of one group (metrics) or one agent record (agent_view), honest but for its contents.
fn group(key: &str, metrics: serde_json::Value) -> Fault {
    body(
        json!({"metadata": {"count": 1}, "groupBy": {"groupByField": "skillId", "groups": [{"key": key, "metrics": metrics}]}}),
    )
}

fn record(r: serde_json::Value) -> Fault {
    body(json!({"metadata": {"count": 1}, "agentViewRecords": [r]}))
}

/// Each case fails its quarter alone, naming `needles` and the method.
async fn each_fails(sim: &Simulator, cases: Vec<(Method, Fault, Vec<&str>)>) {
    for (method, fault, needles) in cases {
        let name = name(method);
        let mut n = needles;
        n.push(&name);
        the_quarter_fails(sim, &[(method, fault)], &n).await;
    }
}

/// Item 10: ids XML 1.0 cannot hold (control characters) and empty ids never reach NICE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_xml_cannot_hold_fail_the_quarter() {
    let sim = messaging(t("2026-11-24T10:16:30Z")).start().await;
    let m = Method::Metrics;
    let a = Method::AgentView;
    let away = |reason: &str| {
        json!({"agentId": "7", "loginDuration": 600000,
               "agentStatusDurationList": [{"agentStatus": "AWAY", "agentStatusDuration": 1000}],
               "agentStatusWithReasonDurationList": [
                   {"agentStatus": "AWAY", "agentStatusReasonId": reason, "agentStatusDuration": 1000}]})
    };
    let cases: Vec<(Method, Fault, Vec<&str>)> = vec![
        (
            m,
            group("1\u{1}", json!({"closedConversations": 1})),
            vec![r#"the skill id "1\u{1}" holds a control character"#],
        ),
        (m, group("", json!({})), vec![r#"the skill id "" is empty"#]),
        (
            a,
            record(json!({"agentId": "7\u{1b}[2J", "loginDuration": 1000})),
            vec!["agent_view", r#"the agent id "7\u{1b}[2J" holds a control character"#],
        ),
        (
            a,
            record(away("3\u{0}")),
            vec!["agent_view", r#"the away reason id "3\0""#],
        ),
    ];
    each_fails(&sim, cases).await;
}

/// Item 14: a figure no 15-minute quarter can hold fails the quarter instead of
/// reaching NICE (1e308 is not written as 18446744073709551615); figures just
/// within the bounds are written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_no_quarter_can_hold_fail_the_quarter() {
    let sim = messaging(t("2026-11-24T10:16:30Z")).start().await;
    let m = Method::Metrics;
    let a = Method::AgentView;
    let cases: Vec<(Method, Fault, Vec<&str>)> = vec![
        (
            m,
            group("12", json!({"closedConversations": 3, "avgWaitTime": 1e308})),
            vec!["avgWaitTime of 12 comes to 1e308 ms", "above"],
        ),
        (
            m,
            group("12", json!({"closedConversations": i64::MAX})),
            vec!["closedConversations of 12 comes to 9223372036854775807, above 1000000000"],
        ),
        (
            a,
            record(json!({"agentId": "7", "loginDuration": 86_400_000})),
            vec!["loginDuration of 7 comes to 86400000, above 900499"],
        ),
        (
            a,
            record(json!({"agentId": "7", "loginDuration": 900000,
                          "agentStatusDurationList": [
                              {"agentStatus": "ONLINE", "agentStatusDuration": 600000},
                              {"agentStatus": "ONLINE", "agentStatusDuration": 600000}]})),
            vec!["agentStatusDuration of 7 comes to 1200000"],
        ),
    ];
    each_fails(&sim, cases).await;
    // Just within: a whole quarter of one state, and a long but possible average.
    sim.inject(
        Some(a),
        record(json!({"agentId": "7", "loginDuration": 900_499,
                      "agentStatusDurationList": [{"agentStatus": "ONLINE", "agentStatusDuration": 900_000}]})),
        1,
    );
    sim.inject(
        Some(m),
        group(
            "12",
            json!({"closedConversations": 2, "avgWaitTime": 86_400_000.0 * 3.0}),
        ),
        1,
    );
    let s = Setup::new(&sim, CHANNEL);
    let now = t("2026-11-24T10:16:30Z");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let q = read_report(&s.reports().join(format!("Q_{STEM}.xml")));
    let row = q.rows.iter().find(|r| r.attrs["id"] == "12").unwrap();
    assert_eq!(row.fields["AvgWaitTime"], "259200");
    let a_ = read_report(&s.reports().join(format!("AS_{STEM}.xml")));
    assert_eq!(a_.rows[0].fields["LoggedIn.total"], "900");
    assert_eq!(a_.rows[0].fields["Online.total"], "900");
    xmllint(&xml_files(&s.reports()));
}
