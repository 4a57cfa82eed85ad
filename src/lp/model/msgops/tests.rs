use super::*;
use crate::quarter::testing::{q, t};

fn segs(body: &str, first: &str, last: &str) -> Result<BTreeMap<Quarter, HashMap<String, Segments>>, OpsError> {
    parse_segments(body.as_bytes(), q(first), q(last))
}

/// The contract's example bucket (2025-11-25 10:00 UTC), in both wrapper forms.
const SEG: &str = r#"{"totalSkillConversationSegments": 45, "skillSegmentsAbandonedByConsumers": 8,
    "skillSegmentsAbandonedByConsumersInQueue": 6, "skillSegmentsWithNonResponsiveConsumers": 11,
    "skillSegmentsWithNonResponsiveAgents": 4, "interactiveSkillSegments": 22,
    "avgTimetoFirstAgentMessageFromAgentAssignment": 40250}"#;

#[test]
fn the_contracts_segments_example_in_both_forms() {
    let direct = format!(
        r#"{{"metricsByIntervals": [{{"timestamp": 1764064800000, "skillsMetrics": {{"12": {SEG}}},
            "metricsTotal": {{"totalSkillConversationSegments": 45}}}}],
            "timeframeSummary": {{"skillsMetrics": {{"12": {SEG}}}}}}}"#
    );
    let wrapped = format!(
        r#"{{"metricsByIntervals": [{{"timestamp": 1764064800000, "metricsData": {{"skillsMetrics": {{"12": {SEG}}}}}}}]}}"#
    );
    for body in [direct, wrapped] {
        let r = segs(&body, "112525.1000", "112525.1015").unwrap();
        assert_eq!(r.len(), 1, "the second quarter has no bucket: no data");
        let s = r[&q("112525.1000")]["12"];
        assert_eq!(
            s,
            Segments {
                offered: 45,
                abandoned_in_queue: 6,
                abandoned_by_consumers: 8,
                interactive: 22,
                non_responsive_agents: 4,
                non_responsive_consumers: 11,
                avg_first_agent_message_ms: Some(40250.0),
            }
        );
    }
}

#[test]
fn segments_are_strict() {
    let one = |stamp: i64, skills: &str| {
        format!(r#"{{"metricsByIntervals": [{{"timestamp": {stamp}, "skillsMetrics": {skills}}}]}}"#)
    };
    let ok = 1764064800000i64;
    // No data: {} and an average of -1 or absent.
    let r = segs(&one(ok, "{}"), "112525.1000", "112525.1000").unwrap();
    assert!(r[&q("112525.1000")].is_empty());
    let neg = SEG.replace("40250", "-1");
    let r = segs(&one(ok, &format!(r#"{{"12": {neg}}}"#)), "112525.1000", "112525.1000").unwrap();
    assert_eq!(r[&q("112525.1000")]["12"].avg_first_agent_message_ms, None);
    // A stamp off the grid, or outside the window.
    for stamp in [ok + 60_000, ok - 900_000, ok + 900_000] {
        let e = segs(&one(stamp, "{}"), "112525.1000", "112525.1000").unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("interval stamp {stamp} is not a quarter start")),
            "{e}"
        );
    }
    // Missing members.
    let e = segs(r#"{"metricsTotal": {}}"#, "112525.1000", "112525.1000").unwrap_err();
    assert!(e.to_string().contains("no metricsByIntervals"), "{e}");
    let e = segs(
        &format!(r#"{{"metricsByIntervals": [{{"timestamp": {ok}}}]}}"#),
        "112525.1000",
        "112525.1000",
    )
    .unwrap_err();
    assert!(e.to_string().contains("no skillsMetrics"), "{e}");
    let e = segs(
        r#"{"metricsByIntervals": [{"skillsMetrics": {}}]}"#,
        "112525.1000",
        "112525.1000",
    )
    .unwrap_err();
    assert!(e.to_string().contains("no timestamp"), "{e}");
    let missing = SEG.replace(r#""interactiveSkillSegments": 22,"#, "");
    let e = segs(
        &one(ok, &format!(r#"{{"12": {missing}}}"#)),
        "112525.1000",
        "112525.1000",
    )
    .unwrap_err();
    assert!(e.to_string().contains("no interactiveSkillSegments for 12"), "{e}");
    // Negative, fractional, inconsistent, twice.
    let bad = SEG.replace(
        "\"skillSegmentsWithNonResponsiveAgents\": 4",
        "\"skillSegmentsWithNonResponsiveAgents\": -1",
    );
    let e = segs(&one(ok, &format!(r#"{{"12": {bad}}}"#)), "112525.1000", "112525.1000").unwrap_err();
    assert!(
        e.to_string()
            .contains("skillSegmentsWithNonResponsiveAgents of 12 at 1764064800000 is -1"),
        "{e}"
    );
    let frac = SEG.replace("45", "45.5");
    let e = segs(&one(ok, &format!(r#"{{"12": {frac}}}"#)), "112525.1000", "112525.1000").unwrap_err();
    assert!(e.to_string().contains("not a whole number"), "{e}");
    let more = SEG.replace("\"interactiveSkillSegments\": 22", "\"interactiveSkillSegments\": 46");
    let e = segs(&one(ok, &format!(r#"{{"12": {more}}}"#)), "112525.1000", "112525.1000").unwrap_err();
    assert!(e.to_string().contains("inconsistent"), "{e}");
    let twice = format!(
        r#"{{"metricsByIntervals": [{{"timestamp": {ok}, "skillsMetrics": {{}}}}, {{"timestamp": {ok}, "skillsMetrics": {{}}}}]}}"#
    );
    let e = segs(&twice, "112525.1000", "112525.1000").unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
    for junk in ["", "[]", "{", r#"{"metricsByIntervals": null}"#, r#"{"error": "x"}"#] {
        assert!(segs(junk, "112525.1000", "112525.1000").is_err(), "{junk}");
    }
}

const AGENT: &str = r#"{"resolvedConversations_byCCP": 2, "resolvedConversations_byConsumer": 1,
    "resolvedConversations_bySystem": 0, "totalResolvedConversations": 3,
    "totalHandlingTime_resolvedConversations_byCCP": 900, "totalHandlingTime_resolvedConversations": 1210,
    "avgTime_resolvedConversations": 403.33334}"#;

fn bucket(stamp: i64, wrapped: bool, totals: &str) -> String {
    let per = format!(
        r#"{{"metricsPerSkill": {{"12": {{"metricsPerAgent": {{"2434634412": {AGENT}}}{totals}}}}}, "metricsTotals": {{}}}}"#
    );
    if wrapped {
        format!(r#"{{"timestamp": {stamp}, "metricsData": {{"skillsMetricsPerAgent": {per}, "agentsMetrics": {{}}}}}}"#)
    } else {
        format!(r#"{{"timestamp": {stamp}, "skillsMetricsPerAgent": {per}}}"#)
    }
}

/// Parses and decodes every quarter, the records kept in memory.
fn conv_with(
    body: &str,
    qs: &[Quarter],
    agents: &IdSelection,
    now_ms: i64,
) -> Result<BTreeMap<Quarter, ConvQuarter>, OpsError> {
    let mut kept: BTreeMap<Quarter, Vec<Vec<u8>>> = BTreeMap::new();
    let mut keep = |q: Quarter, b: &[u8]| {
        kept.entry(q).or_default().push(b.to_vec());
        Ok(())
    };
    let c = parse_conversation(body.as_bytes(), qs, agents, now_ms, &mut keep)?;
    let mut out = BTreeMap::new();
    for (q, skills) in &c.skills {
        let chunks = kept
            .get(q)
            .map(|v| v.iter().map(Vec::as_slice).collect::<Vec<_>>())
            .unwrap_or_default();
        out.insert(*q, decode_quarter(&c.ids, skills, chunks)?);
    }
    Ok(out)
}

fn conv(buckets: &[String], quarters: &[&str], now: &str) -> Result<BTreeMap<Quarter, ConvQuarter>, OpsError> {
    let body = format!(r#"{{"metricsByIntervals": [{}]}}"#, buckets.join(","));
    let qs: Vec<Quarter> = quarters.iter().map(|s| q(s)).collect();
    conv_with(&body, &qs, &IdSelection::All, t(now).timestamp_millis())
}

#[test]
fn conversations_sum_three_buckets_per_quarter() {
    let s = q("112525.1000").start().timestamp_millis();
    let totals =
        r#", "metricsTotals": {"totalResolvedConversations": 5, "totalHandlingTime_resolvedConversations": 2000}"#;
    // The buckets of the quarter, one before it (partial, skipped) and the one in progress.
    let buckets: Vec<String> = [0, 1, 2, 3, 4]
        .iter()
        .map(|i| bucket(s + i * BUCKET_MS, i % 2 == 0, if *i == 2 { "" } else { totals }))
        .rev()
        .collect();
    let r = conv(&buckets, &["112525.1000"], "2025-11-25T10:17:00Z").unwrap();
    let c = &r[&q("112525.1000")];
    // 10:05 and 10:15 with totals (5 each), 10:10 without (the agent's 3).
    assert_eq!(c.skills["12"].handled, 13);
    assert_eq!(c.skills["12"].handle_time, 5210);
    let a = c.agents[&("2434634412".to_string(), "12".to_string())];
    assert_eq!(
        a,
        Conv {
            handled: 9,
            by_agent: 6,
            by_consumer: 3,
            by_system: 0,
            handle_time: 3630
        }
    );
    // A bucket the quarter needs is missing.
    let e = conv(&buckets[..3], &["112525.1000"], "2025-11-25T10:17:00Z").unwrap_err();
    assert!(e.to_string().contains("no bucket ending"), "{e}");
    // The agent filter keeps the queue whole.
    let body = format!(r#"{{"metricsByIntervals": [{}]}}"#, buckets.join(","));
    let r = conv_with(
        &body,
        &[q("112525.1000")],
        &IdSelection::List(vec!["7".into()]),
        t("2025-11-25T10:17:00Z").timestamp_millis(),
    )
    .unwrap();
    assert!(r[&q("112525.1000")].agents.is_empty());
    assert_eq!(r[&q("112525.1000")].skills["12"].handled, 13);
}

#[test]
fn conversations_are_strict() {
    let s = q("112525.1000").start().timestamp_millis();
    let now = "2025-11-25T10:17:00Z";
    let three = |f: &dyn Fn(i64) -> String| -> Vec<String> { (1..=3).map(|i| f(s + i * BUCKET_MS)).collect() };
    // Totals smaller than the agents.
    let small =
        r#", "metricsTotals": {"totalResolvedConversations": 1, "totalHandlingTime_resolvedConversations": 2000}"#;
    let e = conv(&three(&|st| bucket(st, true, small)), &["112525.1000"], now).unwrap_err();
    assert!(e.to_string().contains("inconsistent"), "{e}");
    // Negative and missing agent figures.
    let neg = AGENT.replace(
        "\"resolvedConversations_bySystem\": 0",
        "\"resolvedConversations_bySystem\": -2",
    );
    let e = conv(
        &three(&|st| bucket(st, true, "").replace(AGENT, &neg)),
        &["112525.1000"],
        now,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("resolvedConversations_bySystem of agent 2434634412 in skill 12"),
        "{e}"
    );
    let gone = AGENT.replace("\"totalResolvedConversations\": 3,", "");
    let e = conv(
        &three(&|st| bucket(st, true, "").replace(AGENT, &gone)),
        &["112525.1000"],
        now,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no totalResolvedConversations"), "{e}");
    // Off-grid stamp, twice, no per-skill member.
    let e = conv(&three(&|st| bucket(st + 1000, true, "")), &["112525.1000"], now).unwrap_err();
    assert!(e.to_string().contains("not a 5-minute bucket end"), "{e}");
    let mut twice = three(&|st| bucket(st, true, ""));
    twice.push(twice[0].clone());
    let e = conv(&twice, &["112525.1000"], now).unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
    let e = conv(
        &[format!(r#"{{"timestamp": {s}, "metricsData": {{}}}}"#)],
        &["112525.1000"],
        now,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("no skillsMetricsPerAgent.metricsPerSkill"),
        "{e}"
    );
}

#[test]
fn a_conversation_member_twice_is_refused_not_counted_twice() {
    let s = q("112525.1000").start().timestamp_millis();
    let now = "2025-11-25T10:17:00Z";
    let three = |f: &dyn Fn(i64) -> String| -> Vec<String> { (1..=3).map(|i| f(s + i * BUCKET_MS)).collect() };
    let agents = format!(r#""metricsPerAgent": {{"2434634412": {AGENT}}}"#);
    let skill_twice = [
        (format!("{agents}, {agents}"), "metricsPerAgent"),
        (
            format!(r#"{agents}, "metricsTotals": {{}}, "metricsTotals": {{}}"#),
            "metricsTotals",
        ),
    ];
    for (twice, member) in skill_twice {
        let e = conv(
            &three(&|st| bucket(st, true, "").replace(&agents, &twice)),
            &["112525.1000"],
            now,
        )
        .unwrap_err();
        assert!(e.to_string().contains(&format!("duplicate field `{member}`")), "{e}");
    }
    let empty = r#"{"metricsPerSkill": {}}"#;
    let interval_twice = [
        (
            r#""skillsMetricsPerAgent": {"metricsPerSkill": {}, "metricsPerSkill": {}}"#.to_string(),
            "metricsPerSkill",
        ),
        (
            format!(r#""metricsData": {{"skillsMetricsPerAgent": {empty}, "skillsMetricsPerAgent": {empty}}}"#),
            "skillsMetricsPerAgent",
        ),
        (
            format!(r#""metricsData": {{}}, "metricsData": {{"skillsMetricsPerAgent": {empty}}}"#),
            "metricsData",
        ),
        (
            format!(r#""skillsMetricsPerAgent": {empty}, "skillsMetricsPerAgent": {empty}"#),
            "skillsMetricsPerAgent",
        ),
    ];
    for (members, member) in interval_twice {
        let e = conv(
            &three(&|st| format!(r#"{{"timestamp": {st}, {members}}}"#)),
            &["112525.1000"],
            now,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains(&format!("duplicate field `{member}`")),
            "{member}: {e}"
        );
    }
    // The list itself twice, in either reply: the words of chat's refusal.
    let lists = r#"{"metricsByIntervals": [], "metricsByIntervals": []}"#;
    let now_ms = t(now).timestamp_millis();
    for e in [
        segs(lists, "112525.1000", "112525.1000").map(drop),
        conv_with(lists, &[q("112525.1000")], &IdSelection::All, now_ms).map(drop),
    ] {
        let e = e.unwrap_err().to_string();
        assert!(e.contains("duplicate field `metricsByIntervals`"), "{e}");
    }
    let stamp_twice = |st| format!(r#"{{"timestamp": {st}, "timestamp": {st}, "skillsMetricsPerAgent": {empty}}}"#);
    let e = conv(&three(&stamp_twice), &["112525.1000"], now).unwrap_err();
    assert!(e.to_string().contains("duplicate field `timestamp`"), "{e}");
    // As before: a skill's agents may be null; the members that lead to them may not.
    let r = conv(
        &three(&|st| bucket(st, true, "").replace(&agents, r#""metricsPerAgent": null"#)),
        &["112525.1000"],
        now,
    )
    .unwrap();
    assert!(r[&q("112525.1000")].agents.is_empty());
    for members in [
        r#""metricsData": null"#,
        r#""metricsData": {"skillsMetricsPerAgent": null}"#,
        r#""skillsMetricsPerAgent": {"metricsPerSkill": null}"#,
        r#""skillsMetricsPerAgent": {"metricsPerSkill": {"12": null}}"#,
    ] {
        let e = conv(
            &three(&|st| format!(r#"{{"timestamp": {st}, {members}}}"#)),
            &["112525.1000"],
            now,
        )
        .unwrap_err();
        assert!(e.to_string().contains("invalid type: null"), "{members}: {e}");
    }
}

#[test]
fn queries_are_the_contracts() {
    let first = q("112525.1000");
    let last = q("112525.1115");
    let s = segments_query(first, last, &IdSelection::All);
    assert_eq!(s[1], ("fromMillis", "1764064800000".to_string()));
    assert_eq!(s[2], ("toMillis", (1764064800000i64 + 6 * 900_000).to_string()));
    assert_eq!(s[3], ("interval", "15".to_string()));
    assert_eq!(s[5], ("userType", "human".to_string()));
    // 5 × ⌈(now − F) / 5 min⌉.
    assert_eq!(conversation_timeframe(first, t("2025-11-25T10:16:30Z")), 20);
    assert_eq!(conversation_timeframe(first, t("2025-11-25T10:20:00Z")), 20);
    assert_eq!(conversation_timeframe(first, t("2025-11-26T09:50:00Z")), 1430);
    let c = conversation_query(20, &IdSelection::List(vec!["1".into(), "2".into()]));
    assert_eq!(
        c,
        vec![
            ("v", "1".to_string()),
            ("timeframe", "20".to_string()),
            ("interval", "5".to_string()),
            ("skillIds", "1,2".to_string()),
            ("agentIds", "all".to_string())
        ]
    );
}

proptest::proptest! {
    /// No reply, however hostile, panics either parser.
    #[test]
    fn hostile_bytes_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..400), json in "[\\[\\]{}:,\"0-9a-zA-Z_ .-]{0,300}") {
        let (a, b) = (q("112525.1000"), q("112525.1015"));
        for bytes in [body.as_slice(), json.as_bytes()] {
            let _ = parse_segments(bytes, a, b);
            let _ = conv_with(&String::from_utf8_lossy(bytes), &[a, b], &IdSelection::All, t("2025-11-25T10:40:00Z").timestamp_millis());
        }
    }
}
