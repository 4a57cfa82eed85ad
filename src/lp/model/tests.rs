//! The chat model: the run's parse of each method's leaves, and what it refuses.
use super::compact::{parse_reply, Marks};
use super::*;

/// A reply through the run's parse, each kept interval decoded, ids by name.
fn parse<M: IntervalRecords>(body: &[u8], wanted: Wanted<'_>) -> Result<(IdTable, Intervals<M>), ParseError> {
    let mut ids = IdTable::default();
    let r = parse_reply::<M>(body, wanted, &mut ids)?;
    let mut marks = Marks::default();
    let by_end_ms = r
        .by_end_ms
        .into_iter()
        .map(|(end, b)| (end, M::decode_all([b.as_slice()], &mut marks).expect("records decode")))
        .collect();
    Ok((
        ids,
        Intervals {
            by_end_ms,
            span: r.span,
        },
    ))
}

fn skill<'a>(ids: &IdTable, iv: &'a QueueInterval, name: &str) -> &'a QueueHealthSkill {
    let id = ids.get(name).expect("the skill's id");
    &iv.skills.iter().find(|(i, _)| *i == id).expect("the skill").1
}

#[test]
fn queue_health_from_the_spec_example() {
    let body = br#"{"metricsByIntervals": [
      {"timestamp": 1764064500000,
       "metricsData": {"skillsMetrics": {"199": {"enteredQEng": 9, "connectedEng": 7, "abandonedEng": 2,
           "totalTimeToAnswer": 140, "avgTimeToAnswer": 20, "totalTimeToAbandon": 300, "avgTimeToAbandon": 150,
           "abandonmentRate": 0.22, "maxQueueSize": 4, "minQueueSize": 0, "averageQueueSize": 1.5,
           "queueSizeSum": 45, "queueSizeCount": 30, "maxAvailableSlots": 12, "minAvailableSlots": 3,
           "averageAvailableSlots": 7.2, "availableSlotsSum": 216, "availableSlotsCount": 30,
           "currentQueueSize": -1, "currentAvailableSlots": -1}},
         "metricsTotals": {"enteredQEng": 9}}}],
      "skillsMetrics": {}, "metricsTotals": {}}"#;
    let (ids, r) = parse::<QueueInterval>(body, None).unwrap();
    let s = skill(&ids, r.get(1764064500000).unwrap(), "199");
    assert_eq!(s.entered_q_eng, Figure(9));
    assert_eq!(s.max_queue_size, Some(Figure(4)));
    assert_eq!(s.available_slots_sum, Figure(216));
    // Both spellings, and the docs' own example repeating the member in one object.
    let alt = br#"{"metricsByIntervals":[{"timestamp":1,"metricsData":{"skillsMetrics":{"5":{"currentQueueState":3,"connectedEng":2.0,
        "currentQueueSize":-1,"currentQueueSize":-1,"abandonmentRate":"n/a","avgTimeToAnswer":[]}}}}]}"#;
    let (ids, r) = parse::<QueueInterval>(alt, None).unwrap();
    let s = skill(&ids, r.get(1).unwrap(), "5");
    assert_eq!(s.connected_eng, Figure(2));
    assert_eq!(s.max_queue_size, None);
}

#[test]
fn queue_totals_without_intervals() {
    let body = br#"{"skillsMetrics":{},"metricsTotals":{"enteredQEng":12,"connectedEng":10,"currentQueueSize":-1,"currentQueueSize":0}}"#;
    let t = parse_queue_totals(body).unwrap();
    assert_eq!((t.entered_q_eng, t.connected_eng), (Figure(12), Figure(10)));
    let t = parse_queue_totals(br#"{"metricsTotals":null}"#).unwrap();
    assert_eq!(t.entered_q_eng, Figure(0));
    assert!(parse_queue_totals(br#""totals""#).is_err());
}

#[test]
fn eng_and_agent_activity_shapes() {
    let body = br#"{"metricsByIntervals":[{"timestamp":1764064500000,"metricsData":{
      "skillsMetricsPerAgent":{"metricsPerSkill":{"199":{"metricsPerAgent":{"2152260212":{
        "totalInteractiveChats":2,"totalNonInteractiveChats":1,"totalHandlingTime":610,
        "nonInteractiveTotalHandlingTime":40,"connectedEngagements":3}},
        "metricsTotals":{"totalInteractiveChats":2}}},"metricsTotals":{}},
      "agentsMetrics":{"metricsPerAgent":{},"metricsTotals":{}}}}]}"#;
    let (ids, r) = parse::<EngInterval>(body, None).unwrap();
    let sk = &r.get(1764064500000).unwrap().skills[0];
    assert_eq!(ids.name(sk.skill), "199");
    assert_eq!(ids.name(sk.agents[0].0), "2152260212");
    assert_eq!(sk.agents[0].1.total_handling_time, Figure(610));
    assert_eq!(sk.totals.unwrap().total_interactive_chats, Figure(2));
    assert_eq!(sk.totals.unwrap().connected_engagements, Figure(0));

    let body = br#"{"metricsByIntervals":[{"timestamp":1764064500000,"metricsData":{"agentsMetrics":{"metricsPerAgent":{
      "2152260212":[{"id":4,"name":"Away","value":{"total":100,"chatting":0,"notChatting":100,"chattingInMaxConcurrency":0},
         "reasons":[{"id":"2642559712","value":{"total":60,"chatting":0,"notChatting":60,"chattingInMaxConcurrency":0}}]},
        {"id":-1,"name":"Logged in","value":{"total":300,"chatting":120,"notChatting":180,"chattingInMaxConcurrency":30}},
        {"id":2,"name":"Online","value":{"total":200},"reasons":null}]},
      "metricsTotals":[]}}}],"agentsMetrics":{"metricsPerAgent":{},"metricsTotals":[]}}"#;
    let (ids, r) = parse::<AgentInterval>(body, None).unwrap();
    let (agent, states) = &r.get(1764064500000).unwrap().agents[0];
    assert_eq!(ids.name(*agent), "2152260212");
    assert_eq!(states.len(), 3);
    assert_eq!(ids.name(states[0].reasons[0].0), "2642559712");
    assert_eq!(states[1].id, -1);
    assert_eq!(states[2].value.total, Figure(200));
    assert!(states[2].reasons.is_empty());
}

#[test]
fn order_does_not_matter_and_duplicates_are_refused() {
    let body =
        br#"{"metricsByIntervals":[{"timestamp":600000,"metricsData":{}},{"timestamp":300000,"metricsData":{}}]}"#;
    let (_, r) = parse::<QueueInterval>(body, None).unwrap();
    assert_eq!(r.by_end_ms.keys().copied().collect::<Vec<_>>(), [300000, 600000]);
    let body =
        br#"{"metricsByIntervals":[{"timestamp":300000,"metricsData":{}},{"timestamp":300000,"metricsData":{}}]}"#;
    assert!(matches!(
        parse::<QueueInterval>(body, None),
        Err(ParseError::DuplicateInterval(_))
    ));
}

#[test]
fn only_wanted_intervals_are_kept_and_the_span_is_the_whole_reply() {
    let iv = |t: i64, data: &str| format!("{{\"timestamp\":{t},\"metricsData\":{data}}}");
    let good = r#"{"skillsMetrics":{"1":{"enteredQEng":3}}}"#;
    // Unwanted data is skipped unread (a bad number there is no error);
    // metricsData before the timestamp, and null, are handled either way.
    let body = format!(
        r#"{{"x":[1,{{"y":2}}],"metricsByIntervals":[{},{},{},{{"metricsData":{good},"timestamp":900000}},{}]}}"#,
        iv(300000, r#"{"skillsMetrics":{"1":{"enteredQEng":1.5}}}"#),
        iv(600000, good),
        iv(1200000, "null"),
        iv(1500000, good),
    );
    let wanted: std::collections::BTreeSet<i64> = [600000, 900000, 1200000, 1800000].into();
    let (ids, r) = parse::<QueueInterval>(body.as_bytes(), Some(&wanted)).unwrap();
    assert_eq!(
        r.by_end_ms.keys().copied().collect::<Vec<_>>(),
        [600000, 900000, 1200000]
    );
    assert_eq!(skill(&ids, r.get(900000).unwrap(), "1").entered_q_eng, Figure(3));
    assert!(r.get(1200000).unwrap().skills.is_empty());
    assert_eq!((r.oldest_end(), r.newest_end()), (Some(300000), Some(1500000)));
    // A duplicate is refused even among skipped intervals.
    let dup = format!(
        r#"{{"metricsByIntervals":[{},{}]}}"#,
        iv(300000, "{}"),
        iv(300000, "{}")
    );
    let e = parse::<QueueInterval>(dup.as_bytes(), Some(&wanted)).unwrap_err();
    assert!(matches!(e, ParseError::DuplicateInterval(_)), "{e}");
}

#[test]
fn bad_replies_are_errors_not_panics() {
    for body in [
        &b""[..],
        b"{",
        b"[]",
        b"{}",
        b"{\"metricsByIntervals\": {}}",
        b"{\"metricsByIntervals\": [{\"timestamp\": \"x\"}]}",
        b"{\"metricsByIntervals\": [{\"timestamp\": 1, \"metricsData\": {\"skillsMetrics\": {\"1\": {\"enteredQEng\": \"9\"}}}}]}",
        b"{\"metricsByIntervals\": [{\"timestamp\": 1.5, \"metricsData\": {}}]}",
        b"{\"metricsByIntervals\": [{\"timestamp\": 1e300, \"metricsData\": {}}]}",
        b"{\"metricsByIntervals\": [{\"timestamp\": 99999999999999999999, \"metricsData\": {}}]}",
        b"{\"metricsByIntervals\": [], \"metricsByIntervals\": []}",
        b"{\"metricsByIntervals\": [{\"timestamp\": 1, \"timestamp\": 2}]}",
        b"{\"metricsByIntervals\": [{\"metricsData\": {}}]}",
        b"{\"metricsByIntervals\": []} x",
    ] {
        let all = parse::<QueueInterval>(body, None);
        assert!(all.is_err(), "{}", String::from_utf8_lossy(body));
    }
}

/// A chat figure that is not a whole number is marked, not refused: the
/// aggregation fails the quarter holding it. Timestamps stay strict (above).
#[test]
fn figures_not_whole_are_marked() {
    let body = |v: &str| {
        format!(
            r#"{{"metricsByIntervals":[{{"timestamp":300000,"metricsData":{{"skillsMetrics":{{"1":{{"enteredQEng":{v},"maxQueueSize":{v}}}}}}}}}]}}"#
        )
    };
    for (v, want) in [
        ("12.5", Figure::NOT_WHOLE),
        ("-0.5", Figure::NOT_WHOLE),
        ("1e300", Figure::NOT_WHOLE),
        ("9007199254740994.0", Figure::NOT_WHOLE),
        ("9223372036854775808", Figure::NOT_WHOLE),
        ("99999999999999999999", Figure::NOT_WHOLE),
        ("-9223372036854775808", Figure::NOT_WHOLE),
        ("140.0", Figure(140)),
        ("-1", Figure(-1)),
        ("-1.0", Figure(-1)),
        ("9223372036854775807", Figure(i64::MAX)),
    ] {
        let (ids, r) = parse::<QueueInterval>(body(v).as_bytes(), None).unwrap();
        let s = skill(&ids, r.get(300000).unwrap(), "1");
        assert_eq!((s.entered_q_eng, s.max_queue_size), (want, Some(want)), "{v}");
        assert_eq!(want.whole(), (want != Figure::NOT_WHOLE).then_some(want.0));
    }
    // The other methods' figures too; a state's id stays strict.
    let eng =
        br#"{"metricsByIntervals":[{"timestamp":1,"metricsData":{"skillsMetricsPerAgent":{"metricsPerSkill":{"2":{
        "metricsPerAgent":{"3":{"totalHandlingTime":0.25}},"metricsTotals":{"connectedEngagements":1e300}}}}}}]}"#;
    let (_, r) = parse::<EngInterval>(eng, None).unwrap();
    let sk = &r.get(1).unwrap().skills[0];
    assert_eq!(sk.agents[0].1.total_handling_time, Figure::NOT_WHOLE);
    assert_eq!(sk.totals.unwrap().connected_engagements, Figure::NOT_WHOLE);
    let states = |st: &str| {
        format!(
            r#"{{"metricsByIntervals":[{{"timestamp":1,"metricsData":{{"agentsMetrics":{{"metricsPerAgent":{{"9":[{st}]}}}}}}}}]}}"#
        )
    };
    let aa = states(r#"{"id":4,"value":{"notChatting":12.5},"reasons":[{"id":"7","value":{"total":1e300}}]}"#);
    let (_, r) = parse::<AgentInterval>(aa.as_bytes(), None).unwrap();
    let st = &r.get(1).unwrap().agents[0].1[0];
    assert_eq!(
        (st.value.not_chatting, st.reasons[0].1.total),
        (Figure::NOT_WHOLE, Figure::NOT_WHOLE)
    );
    assert!(parse::<AgentInterval>(states(r#"{"id":4.5}"#).as_bytes(), None).is_err());
    // Kinds other than numbers are still the reply's error.
    for v in [r#""12.5""#, "[1]", "true"] {
        assert!(parse::<QueueInterval>(body(v).as_bytes(), None).is_err(), "{v}");
    }
}
