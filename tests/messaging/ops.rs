//! Messaging Operations (issue 18): one `msgskillsegments` and one `msgconversation`
//! request per run for any number of quarters, OAuth 1.0a without `msgskillsegments`,
//! and strictness: a failed or unusable Messaging Operations reply fails every quarter
//! of the run (exit 1, no file, nothing recorded), and a later healthy run builds them.

use super::*;
use lp_sim::IntervalOrder;

fn query_of(sim: &Simulator, m: Method) -> Vec<BTreeMap<String, String>> {
    sim.requests()
        .iter()
        .filter(|r| r.method == Some(m))
        .map(|r| r.query.iter().cloned().collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_six_quarter_rerun_asks_each_messaging_operations_method_once() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).order(IntervalOrder::Shuffled).start().await;
    // The wrapper forms LivePerson may use, both at once.
    sim.set_msg_skill_segments_wrapped(true);
    sim.set_msg_conversation_unwrapped(true);
    let s = Setup::new(&sim, CHANNEL);
    let out_dir = s.path("out");
    let out = rerun(&s, &out_dir, "112426.0830", "112426.0945", 2, now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exp = ExpectKmm::all(sim.generator());
    for q in stems("2026-11-24T08:30:00Z", "2026-11-24T09:45:00Z") {
        exp.check_quarter(&out_dir, q);
    }
    assert_eq!(files_in(&out_dir).len(), 18);
    xmllint(&xml_files(&out_dir));
    let seg = query_of(&sim, Method::MsgSkillSegments);
    let conv = query_of(&sim, Method::MsgConversation);
    assert_eq!((seg.len(), conv.len()), (1, 1));
    assert_eq!(
        seg[0]["fromMillis"],
        t("2026-11-24T08:30:00Z").timestamp_millis().to_string()
    );
    assert_eq!(
        seg[0]["toMillis"],
        t("2026-11-24T10:00:00Z").timestamp_millis().to_string()
    );
    assert_eq!(conv[0]["timeframe"], "110", "5 × ⌈106.5 min / 5⌉");
    assert_eq!(kmm_requests(&sim, Method::Metrics), 6);
    assert!(sim.msgops_max_in_flight() <= 2);
    // Debug 2 keeps the two replies, named by method as every other dump.
    let dumps = files_in(&s.path("json"));
    assert_eq!(
        dumps.iter().filter(|n| n.starts_with("msgskillsegments-")).count(),
        1,
        "{dumps:?}"
    );
    assert_eq!(
        dumps.iter().filter(|n| n.starts_with("msgconversation-")).count(),
        1,
        "{dumps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ninety_four_quarters_still_take_one_request_per_messaging_operations_method() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    let s = Setup::new(&sim, CHANNEL);
    let out_dir = s.path("out");
    // 10:30 yesterday is the oldest quarter within now − 1430 min.
    let out = rerun(&s, &out_dir, "112326.1030", "112426.0945", 0, now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let quarters = stems("2026-11-23T10:30:00Z", "2026-11-24T09:45:00Z");
    assert_eq!(quarters.len(), 94);
    let exp = ExpectKmm::all(sim.generator());
    for q in [quarters[0], quarters[47], quarters[93]] {
        exp.check_quarter(&out_dir, q);
    }
    assert_eq!(files_in(&out_dir).len(), 3 * 94);
    assert_eq!(sim.method_requests(Method::MsgSkillSegments), 1);
    assert_eq!(sim.method_requests(Method::MsgConversation), 1);
    assert_eq!(sim.method_requests(Method::Metrics), 94);
    assert_eq!(sim.method_requests(Method::AgentView), 94);
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("94 of 94 quarter(s) delivered, 282 file(s), 191 request(s)"),
        "188 KMM, 2 Messaging Operations, 1 token: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth1_leaves_msgskillsegments_out_with_one_warning() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).with(|o| o.chat_data = false).start().await;
    let s = Setup::new(&sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let q = t("2026-11-24T10:00:00Z");
    ExpectKmm::all(sim.generator()).oauth1().check_quarter(&s.reports(), q);
    xmllint(&xml_files(&s.reports()));
    assert_eq!(sim.method_requests(Method::MsgSkillSegments), 0);
    assert_eq!(sim.method_requests(Method::MsgConversation), 1);
    assert!(sim
        .requests()
        .iter()
        .filter(|r| r.method.is_some())
        .all(|r| r.auth_scheme.as_deref() == Some("OAuth")));
    let log = log_text(&s.path("logs"));
    assert_eq!(
        log.matches("messaging: Offered/Abandoned need LP_AUTH=oauth2").count(),
        1,
        "{log}"
    );
    let text = std::fs::read_to_string(s.reports().join("Q_112426.1000.xml")).unwrap();
    assert!(!text.contains("<Offered>") && text.contains("<Handled>"), "{text}");
    // A six-quarter rerun: one msgconversation request, signed.
    let out_dir = s.path("out");
    let out = rerun(&s, &out_dir, "112426.0830", "112426.0945", 0, now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for q in stems("2026-11-24T08:30:00Z", "2026-11-24T09:45:00Z") {
        ExpectKmm::all(sim.generator()).oauth1().check_quarter(&out_dir, q);
    }
    xmllint(&xml_files(&out_dir));
    assert_eq!(sim.method_requests(Method::MsgSkillSegments), 0);
    assert_eq!(sim.method_requests(Method::MsgConversation), 2, "one per run");
}

/// A two-quarter rerun with `fault` queued on `method` (`times` times): the run
/// fails, naming `needles` and both quarters, writes nothing; then the same
/// rerun, LivePerson healthy again, builds both whole.
async fn the_run_fails(sim: &Simulator, method: Method, fault: Fault, times: usize, needles: &[&str]) {
    let now = t("2026-11-24T10:16:30Z");
    sim.set_now(now);
    sim.inject(Some(method), fault.clone(), times);
    let s = Setup::new(sim, CHANNEL);
    let out_dir = s.path("out");
    // Two quarters: a Messaging Operations failure fails both.
    let out = rerun(&s, &out_dir, "112426.0945", "112426.1000", 0, now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{method:?} {fault:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{method:?} {fault:?}: wanted {n:?} in {err}");
    }
    assert!(err.contains("112426.0945") && err.contains("112426.1000"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        files_in(&out_dir).is_empty(),
        "{method:?} {fault:?}: {:?}",
        files_in(&out_dir)
    );
    assert!(files_in(&s.reports()).is_empty());
    let log = log_text(&s.path("logs"));
    assert!(log.contains("0 of 2 quarter(s) delivered, 0 file(s)"), "{log}");
    // The same run once LivePerson is healthy again: both quarters, whole.
    let out = rerun(&s, &out_dir, "112426.0945", "112426.1000", 0, now).await;
    assert_eq!(out.status.code(), Some(0), "{method:?} {fault:?}: {}", stderr(&out));
    let exp = ExpectKmm::all(sim.generator());
    exp.check_quarter(&out_dir, t("2026-11-24T09:45:00Z"));
    exp.check_quarter(&out_dir, t("2026-11-24T10:00:00Z"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_messaging_operations_reply_fails_every_quarter_of_the_run() {
    use serde_json::json;
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    let s945 = t("2026-11-24T09:45:00Z").timestamp_millis();
    let seg = |v: serde_json::Value| json!({"metricsByIntervals": [{"timestamp": s945, "skillsMetrics": {"5": v}}]});
    let counts = json!({"totalSkillConversationSegments": 4, "skillSegmentsAbandonedByConsumers": 1,
        "skillSegmentsAbandonedByConsumersInQueue": 1, "skillSegmentsWithNonResponsiveConsumers": 0,
        "skillSegmentsWithNonResponsiveAgents": 0, "interactiveSkillSegments": 2});
    let mut negative = counts.clone();
    negative["interactiveSkillSegments"] = json!(-2);
    let mut inconsistent = counts.clone();
    inconsistent["interactiveSkillSegments"] = json!(5);
    let mut fractional = counts.clone();
    fractional["interactiveSkillSegments"] = json!(2.5);
    let mut missing = counts.clone();
    missing
        .as_object_mut()
        .unwrap()
        .remove("totalSkillConversationSegments");
    let bucket = |end: i64, agent: serde_json::Value| json!({"timestamp": end, "metricsData": {"skillsMetricsPerAgent": {"metricsPerSkill": {"5": {"metricsPerAgent": {"7": agent}}}}}});
    let ends: Vec<i64> = (1..=6).map(|i| s945 + i * 300_000).collect();
    let agent = json!({"totalResolvedConversations": 1, "resolvedConversations_byCCP": 1,
        "resolvedConversations_byConsumer": 0, "resolvedConversations_bySystem": 0,
        "totalHandlingTime_resolvedConversations": 300});
    let mut neg_agent = agent.clone();
    neg_agent["totalHandlingTime_resolvedConversations"] = json!(-300);
    let off_grid = format!("interval stamp {} is not a quarter start", s945 + 60_000);
    let cases: Vec<(Method, Fault, usize, Vec<&str>)> = vec![
        (
            Method::MsgSkillSegments,
            body(json!({"metricsByIntervals": [{"timestamp": s945 + 60_000, "skillsMetrics": {}}]})),
            1,
            vec![&off_grid],
        ),
        (
            Method::MsgSkillSegments,
            body(json!({"timeframeSummary": {}})),
            1,
            vec!["no metricsByIntervals"],
        ),
        (
            Method::MsgSkillSegments,
            body(seg(missing)),
            1,
            vec!["no totalSkillConversationSegments for 5"],
        ),
        (
            Method::MsgSkillSegments,
            body(seg(negative)),
            1,
            vec!["interactiveSkillSegments of 5", "is -2"],
        ),
        (
            Method::MsgSkillSegments,
            Fault::Malformed,
            1,
            vec!["msgskillsegments reply"],
        ),
        (
            Method::MsgConversation,
            body(json!({"metricsByIntervals": [bucket(ends[0], agent.clone())]})),
            1,
            vec!["no bucket ending"],
        ),
        (
            Method::MsgConversation,
            body(json!({"metricsByIntervals": ends.iter().map(|e| bucket(*e, neg_agent.clone())).collect::<Vec<_>>()})),
            1,
            vec!["totalHandlingTime_resolvedConversations of agent 7 in skill 5", "-300"],
        ),
        (
            Method::MsgSkillSegments,
            Fault::ServerError(403),
            1,
            vec!["HTTP 403", "lacks the Messaging Operations privilege"],
        ),
        (
            Method::MsgConversation,
            Fault::ServerError(401),
            2,
            vec!["HTTP 401", "msgconversation refused the OAuth 2.0 token"],
        ),
        (Method::MsgConversation, Fault::ServerError(400), 1, vec!["HTTP 400"]),
    ];
    for (m, f, times, needles) in cases {
        the_run_fails(&sim, m, f, times, &needles).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_makes_one_call_per_api_and_names_a_missing_privilege_per_api() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    let s = Setup::without_hosts(&sim, CHANNEL);
    let cfg = s.config.to_str().unwrap().to_string();
    let check = || async { wfm(&["check", "--config", &cfg], now).await };
    let out = check().await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("an authorised msgconversation request (the last 5 minutes) for account 12345678 was accepted"),
        "{text}"
    );
    assert_eq!(sim.method_requests(Method::MsgConversation), 1);
    assert_eq!(sim.method_requests(Method::Metrics), 1);
    let conv = query_of(&sim, Method::MsgConversation);
    assert_eq!(conv[0]["timeframe"], "5");

    // A missing privilege is named per API.
    sim.inject(Some(Method::MsgConversation), Fault::ServerError(403), 1);
    let out = check().await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("lacks the Messaging Operations privilege"), "{text}");
    assert!(!text.contains("lacks the Key Messaging Metrics privilege"), "{text}");
    sim.inject(Some(Method::Metrics), Fault::ServerError(403), 1);
    let out = check().await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("lacks the Key Messaging Metrics privilege"), "{text}");
    assert!(
        text.contains("msgconversation request (the last 5 minutes)"),
        "the other API still checked: {text}"
    );
    // A valid token refused by msgconversation (LivePerson documents only its v=1).
    sim.inject(Some(Method::MsgConversation), Fault::ServerError(401), 2);
    let out = check().await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("msgconversation refused the OAuth 2.0 token"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_oauth1_warns_that_offered_needs_oauth2() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).with(|o| o.chat_data = false).start().await;
    let s = Setup::new(&sim, CHANNEL);
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    let text = stdout(&out);
    assert!(
        text.contains("messaging: Offered/Abandoned need LP_AUTH=oauth2"),
        "{text}"
    );
    assert_eq!(sim.method_requests(Method::MsgSkillSegments), 0);
    assert_eq!(sim.method_requests(Method::MsgConversation), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_quarters_wait_for_the_upload_with_their_two_files() {
    use crate::delivery_support::ftp_server;
    let ftp = |port: u16| ftp_server::lines(port, ftp_server::PASS);
    let first = t("2026-11-23T08:16:30Z");
    let sim = messaging(first).start().await;
    let down = crate::delivery_support::refused_port();
    let s = Setup::new(&sim, &format!("{CHANNEL}{}", ftp(down)));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], first).await;
    assert_eq!(out.status.code(), Some(1), "FTP is down: {}", stderr(&out));
    // 26 hours later, FTP still down: 104 quarters built, 8 of them partial, none uploaded.
    let later = t("2026-11-24T10:16:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], later).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let st = s.state_json().unwrap();
    assert_eq!(quarters_in(&st["written"]), 105, "{st}");
    // 08:15 to 10:15 on the 23rd: older than now − 1430 min (10:26:30).
    assert_eq!(quarters_in(&st["partial"]), 9, "{st}");
    assert_eq!(files_in(&s.reports()).len(), 3 * 96 + 2 * 9);
    // FTP back: every waiting quarter goes from REPORT_DIR, the partial ones with two files.
    let server = ftp_server::start_plain().await;
    s.rewrite_config(&format!("FTP_PORT={down}"), &format!("FTP_PORT={}", server.port));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], later).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pushed = server.names();
    assert_eq!(pushed.len(), 3 * 96 + 2 * 9, "{pushed:?}");
    assert!(!pushed.contains(&"AQ_112326.0815.xml".to_string()) && pushed.contains(&"AS_112326.0815.xml".to_string()));
    let st = s.state_json().unwrap();
    assert_eq!(quarters_in(&st["delivered"]), 105, "{st}");
    assert_eq!(quarters_in(&st["written"]), 0, "{st}");
    assert_eq!(quarters_in(&st["partial"]), 9, "{st}");
    let exp = ExpectKmm::all(sim.generator());
    exp.check_quarter(&s.reports(), t("2026-11-23T08:00:00Z"));
    ExpectKmm::all(sim.generator())
        .partial()
        .check_quarter(&s.reports(), t("2026-11-23T10:15:00Z"));
    exp.check_quarter(&s.reports(), t("2026-11-23T10:30:00Z"));
}
