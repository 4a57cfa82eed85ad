//! The compact parse against serde derive's rules, and its encoding.
use super::*;
use serde::Deserialize;

fn one<M: IntervalRecords>(data: &str, ids: &mut IdTable) -> Result<M, ParseError> {
    let body = format!(r#"{{"metricsByIntervals":[{{"timestamp":300000,"metricsData":{data}}}]}}"#);
    let r = parse_reply::<M>(body.as_bytes(), None, ids)?;
    let mut marks = Marks::default();
    M::decode_all(r.by_end_ms.values().map(Vec::as_slice), &mut marks).map_err(|e| ParseError::Json(e.to_string()))
}

#[test]
fn records_survive_encoding() {
    let mut ids = IdTable::default();
    let q: QueueInterval = one(
        r#"{"skillsMetrics":{"199":{"enteredQEng":9,"maxQueueSize":-1,"queueSizeSum":-9223372036854775808,"availableSlotsCount":9223372036854775807},"7":{"maxAvailableSlots":3.0,"abandonedEng":12.5,"maxQueueSize":1e300}}}"#,
        &mut ids,
    )
    .unwrap();
    assert_eq!(q.skills.len(), 2);
    let (s199, s7) = (&q.skills[0].1, &q.skills[1].1);
    assert_eq!((ids.name(q.skills[0].0), s199.entered_q_eng), ("199", Figure(9)));
    assert_eq!(
        (s199.max_queue_size, s199.max_available_slots),
        (Some(Figure(-1)), None)
    );
    assert_eq!(
        (s199.queue_size_sum, s199.available_slots_count),
        (Figure(i64::MIN), Figure(i64::MAX))
    );
    assert_eq!(s7.max_available_slots, Some(Figure(3)));
    // A figure not whole keeps its mark through the encoding.
    assert_eq!(
        (s7.abandoned_eng, s7.max_queue_size),
        (Figure::NOT_WHOLE, Some(Figure::NOT_WHOLE))
    );

    let e = one::<EngInterval>(
        r#"{"skillsMetricsPerAgent":{"metricsPerSkill":{"5":{"metricsTotals":{"totalHandlingTime":4},"metricsPerAgent":{"2":{"connectedEngagements":1},"8":null}},"6":{"metricsPerAgent":null}}}}"#,
        &mut ids,
    );
    assert!(
        e.is_err(),
        "an agent's null record is refused, as serde's derive refuses it"
    );
    let e: EngInterval = one(
        r#"{"skillsMetricsPerAgent":{"metricsPerSkill":{"5":{"metricsTotals":{"totalHandlingTime":4},"metricsPerAgent":{"2":{"connectedEngagements":1}}},"6":[{"7":{}}]}}}"#,
        &mut ids,
    )
    .unwrap();
    assert_eq!(e.skills.len(), 2);
    assert_eq!(e.skills[0].totals.unwrap().total_handling_time, Figure(4));
    assert_eq!(e.skills[0].agents[0].1.connected_engagements, Figure(1));
    assert_eq!((e.skills[1].totals, e.skills[1].agents.len()), (None, 1));

    let a: AgentInterval = one(
        r#"{"agentsMetrics":{"metricsPerAgent":{"2":[{"id":4,"value":{"total":100},"reasons":[{"id":"77","value":{"total":60}},{"id":8,"value":null}]},{"id":-1}]}}}"#,
        &mut ids,
    )
    .unwrap();
    let states = &a.agents[0].1;
    assert_eq!(
        (states[0].id, states[0].value.total, states[1].id),
        (4, Figure(100), -1)
    );
    let reasons: Vec<(&str, i64)> = states[0]
        .reasons
        .iter()
        .map(|(id, t)| (ids.name(*id), t.total.0))
        .collect();
    assert_eq!(reasons, [("77", 60), ("8", 0)]);
}

#[test]
fn a_repeated_id_keeps_its_last_record() {
    let mut ids = IdTable::default();
    let q: QueueInterval = one(
        r#"{"skillsMetrics":{"1":{"enteredQEng":1},"2":{"enteredQEng":2},"1":{"enteredQEng":3}}}"#,
        &mut ids,
    )
    .unwrap();
    let got: Vec<(&str, i64)> = q
        .skills
        .iter()
        .map(|(id, s)| (ids.name(*id), s.entered_q_eng.0))
        .collect();
    assert_eq!(got, [("2", 2), ("1", 3)]);
    let e: EngInterval = one(
        r#"{"skillsMetricsPerAgent":{"metricsPerSkill":{"5":{"metricsPerAgent":{"2":{"connectedEngagements":1},"2":{"connectedEngagements":5}}}}}}"#,
        &mut ids,
    )
    .unwrap();
    assert_eq!(e.skills[0].agents.len(), 1);
    assert_eq!(e.skills[0].agents[0].1.connected_engagements, Figure(5));
}

/// What serde's derive makes of a queuehealth `metricsData`: the rules the
/// seeds keep, written the plain way (`null` members and data as absent).
fn derived(data: &str) -> Result<(), serde_json::Error> {
    fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }
    #[derive(Deserialize)]
    #[allow(dead_code)] // read only to see whether it parses
    struct QueueHealthData {
        #[serde(rename = "skillsMetrics", deserialize_with = "nullable", default)]
        skills: std::collections::HashMap<String, QueueHealthSkill>,
    }
    serde_json::from_str::<Option<QueueHealthData>>(data).map(|_| ())
}

#[test]
fn the_rules_of_serde_derive_hold() {
    let mut ids = IdTable::default();
    for bad in [
        r#"{"skillsMetrics":{"1":{"enteredQEng":"9"}}}"#,
        r#"{"skillsMetrics":{"1":{"enteredQEng":1,"enteredQEng":2}}}"#,
        r#"{"skillsMetrics":{},"skillsMetrics":{}}"#,
        r#"{"skillsMetrics":[]}"#,
        r#"{"skillsMetrics":{"1":null}}"#,
        r#""text""#,
    ] {
        assert!(one::<QueueInterval>(bad, &mut ids).is_err(), "{bad}");
        assert!(derived(bad).is_err(), "{bad}");
    }
    for good in [
        "null",
        "{}",
        "[]",
        r#"[{"1":{"enteredQEng":2}}]"#,
        r#"{"skillsMetrics":null,"other":[1,{"x":2}]}"#,
        r#"{"skillsMetrics":{"1":{"enteredQEng":null,"maxQueueSize":null,"currentQueueSize":1,"currentQueueSize":2}}}"#,
    ] {
        assert!(one::<QueueInterval>(good, &mut ids).is_ok(), "{good}");
        assert!(derived(good).is_ok(), "{good}");
    }
}

#[test]
fn damaged_bytes_are_errors_not_panics() {
    let mut marks = Marks::default();
    for bytes in [
        &[0x80u8][..],
        &[1],
        &[1, 0, 1],
        &[0xff; 12],
        &[1, 0xff, 0xff, 0xff, 0xff, 0x7f],
    ] {
        assert!(QueueInterval::decode_all([bytes], &mut marks).is_err());
        assert!(EngInterval::decode_all([bytes], &mut marks).is_err());
        assert!(AgentInterval::decode_all([bytes], &mut marks).is_err());
    }
}

/// Any figure, the mark of one not whole ([`Figure::NOT_WHOLE`]) and the ends of i64 included.
fn figure() -> impl proptest::strategy::Strategy<Value = Figure> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (-1i64..1000).prop_map(Figure),
        1 => Just(Figure::NOT_WHOLE),
        1 => Just(Figure(i64::MAX)),
        1 => Just(Figure(i64::MIN + 1)),
        1 => any::<i64>().prop_map(Figure),
    ]
}

fn times() -> impl proptest::strategy::Strategy<Value = StateTimes> {
    use proptest::prelude::*;
    (figure(), figure(), figure(), figure()).prop_map(|(total, chatting, not_chatting, chatting_in_max_concurrency)| {
        StateTimes {
            total,
            chatting,
            not_chatting,
            chatting_in_max_concurrency,
        }
    })
}

fn eng() -> impl proptest::strategy::Strategy<Value = EngMetrics> {
    use proptest::prelude::*;
    proptest::array::uniform5(figure()).prop_map(|[a, b, c, d, e]| EngMetrics {
        total_interactive_chats: a,
        total_non_interactive_chats: b,
        total_handling_time: c,
        non_interactive_total_handling_time: d,
        connected_engagements: e,
    })
}

fn queue_skill() -> impl proptest::strategy::Strategy<Value = QueueHealthSkill> {
    use proptest::prelude::*;
    (
        proptest::array::uniform9(figure()),
        proptest::option::of(figure()),
        proptest::option::of(figure()),
    )
        .prop_map(
            |([a, b, c, d, e, f, g, h, i], max_queue_size, max_available_slots)| QueueHealthSkill {
                entered_q_eng: a,
                connected_eng: b,
                abandoned_eng: c,
                total_time_to_answer: d,
                total_time_to_abandon: e,
                max_queue_size,
                queue_size_sum: f,
                queue_size_count: g,
                max_available_slots,
                available_slots_sum: h,
                available_slots_count: i,
            },
        )
}

/// Encoded and decoded, records come back as they were (distinct ids, so none is dropped).
fn round_trips<M: IntervalRecords + PartialEq + std::fmt::Debug>(
    m: &M,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let mut bytes = Vec::new();
    m.encode(&mut bytes);
    let back = M::decode_all([bytes.as_slice()], &mut Marks::default());
    proptest::prop_assert_eq!(back.as_ref(), Ok(m));
    Ok(())
}

proptest::proptest! {
    #[test]
    fn the_encoding_round_trips_every_figure(
        qs in proptest::collection::vec(queue_skill(), 0..4),
        es in proptest::collection::vec((proptest::option::of(eng()), proptest::collection::vec(eng(), 0..3)), 0..3),
        states in proptest::collection::vec((-2i64..6, times(), proptest::collection::vec(times(), 0..3)), 0..4),
    ) {
        let q = QueueInterval { skills: qs.into_iter().zip(0u32..).map(|(s, id)| (id, s)).collect() };
        round_trips(&q)?;
        let e = EngInterval {
            skills: es
                .into_iter()
                .zip(0u32..)
                .map(|((totals, agents), skill)| EngSkillRecords {
                    skill,
                    agents: agents.into_iter().zip(100u32..).map(|(m, id)| (id, m)).collect(),
                    totals,
                })
                .collect(),
        };
        round_trips(&e)?;
        let states = states
            .into_iter()
            .map(|(id, value, reasons)| StateRecord {
                id,
                value,
                reasons: reasons.into_iter().zip(200u32..).map(|(t, r)| (r, t)).collect(),
            })
            .collect();
        round_trips(&AgentInterval { agents: vec![(7, states)] })?;
    }
}
