//! Property tests over reply parsing + aggregation + rendering: whatever the
//! API sends (wrong types, missing members, huge or negative numbers, odd ids,
//! cut-off bodies), `wfm` returns an error or well-formed output, never a panic.

use proptest::prelude::*;
use serde_json::{json, Value};
use wfm::aggregate::{build_quarter, Selection};
use wfm::config::{IdSelection, UnmappedAgents};
use wfm::lp::model::{parse_agent_activity, parse_eng_activity, parse_queue_health, Snapshot};
use wfm::mapping::AgentMap;
use wfm::quarter::parse_quarter_arg;
use wfm::report::render::render_quarter;

/// The quarter under test: 10:00 on 24 Nov 2026 (intervals 10:05, 10:10, 10:15).
const ENDS_MS: [i64; 3] = [1_795_514_700_000, 1_795_515_000_000, 1_795_515_300_000];

/// Numbers of the right JSON type, including the awkward ones (-1, negatives, huge).
fn typed_number() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => (0i64..1000).prop_map(|n| json!(n)),
        1 => Just(json!(-1)),
        1 => (i64::MIN..0).prop_map(|n| json!(n)),
        1 => Just(json!(i64::MAX)),
        1 => Just(json!(7.0)),
        1 => Just(Value::Null),
    ]
    .boxed()
}

/// Anything at all where a number belongs.
fn odd_number() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => (0i64..1000).prop_map(|n| json!(n)),
        1 => Just(json!(-1)),
        1 => (i64::MIN..0).prop_map(|n| json!(n)),
        1 => Just(json!(i64::MAX)),
        1 => Just(json!(u64::MAX)),
        1 => Just(json!(1e300)),
        1 => Just(json!(2.5)),
        1 => Just(json!(7.0)),
        1 => Just(json!("12")),
        1 => Just(Value::Null),
        1 => Just(json!([1])),
        1 => Just(json!({"a": 1})),
    ]
    .boxed()
}

type Num = fn() -> BoxedStrategy<Value>;

fn odd_id() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u64..50).prop_map(|n| n.to_string()),
        1 => Just("2152260212".to_string()),
        1 => Just("a&b<c>\"'".to_string()),
        1 => Just("".to_string()),
        1 => Just("ünï©ødé".to_string()),
        1 => Just("00012".to_string()),
    ]
}

fn fields(names: &'static [&'static str], num: Num) -> impl Strategy<Value = Value> {
    proptest::collection::vec((proptest::sample::select(names), num()), 0..names.len() + 2)
        .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

const QH: &[&str] = &[
    "enteredQEng",
    "connectedEng",
    "abandonedEng",
    "totalTimeToAnswer",
    "totalTimeToAbandon",
    "maxQueueSize",
    "queueSizeSum",
    "queueSizeCount",
    "maxAvailableSlots",
    "availableSlotsSum",
    "availableSlotsCount",
    "currentQueueState",
];
const EA: &[&str] = &[
    "totalInteractiveChats",
    "totalNonInteractiveChats",
    "totalHandlingTime",
    "nonInteractiveTotalHandlingTime",
    "connectedEngagements",
];
const ST: &[&str] = &["total", "chatting", "notChatting", "chattingInMaxConcurrency"];

fn timestamp() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => proptest::sample::select(ENDS_MS.to_vec()).prop_map(|t| json!(t)),
        1 => Just(json!("1795514700000")),
        1 => Just(json!(1.5)),
        1 => Just(Value::Null),
    ]
}

/// The quarter's three intervals in any order, between the partial oldest
/// (10:00) and the in-progress newest (10:20) as LivePerson sends them, plus
/// sometimes odd extra ones (bad or duplicate timestamps) that must be refused cleanly.
fn reply(data: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    let extras = prop_oneof![8 => Just(vec![]), 1 => proptest::collection::vec((timestamp(), data.clone()), 1..3)];
    (proptest::collection::vec(data, 5), any::<bool>(), extras).prop_map(|(ds, reverse, extras)| {
        let margin = [ENDS_MS[0] - 300_000, ENDS_MS[2] + 300_000];
        let mut ivs: Vec<Value> = ENDS_MS
            .iter()
            .chain(&margin)
            .zip(ds)
            .map(|(t, d)| json!({"timestamp": t, "metricsData": d}))
            .collect();
        if reverse {
            ivs.reverse();
        }
        ivs.extend(
            extras
                .into_iter()
                .map(|(t, d)| json!({"timestamp": t, "metricsData": d})),
        );
        json!({ "metricsByIntervals": ivs })
    })
}

fn qh_data(num: Num) -> BoxedStrategy<Value> {
    proptest::collection::btree_map(odd_id(), fields(QH, num), 0..4)
        .prop_map(|m| json!({ "skillsMetrics": m }))
        .boxed()
}

fn ea_data(num: Num) -> BoxedStrategy<Value> {
    let skill = (
        proptest::collection::btree_map(odd_id(), fields(EA, num), 0..3),
        proptest::option::of(fields(EA, num)),
    )
        .prop_map(|(agents, totals)| match totals {
            Some(t) => json!({"metricsPerAgent": agents, "metricsTotals": t}),
            None => json!({ "metricsPerAgent": agents }),
        });
    proptest::collection::btree_map(odd_id(), skill, 0..3)
        .prop_map(|m| json!({"skillsMetricsPerAgent": {"metricsPerSkill": m}}))
        .boxed()
}

fn aa_data(num: Num) -> BoxedStrategy<Value> {
    let state_id = prop_oneof![
        Just(json!(-1)),
        Just(json!(2)),
        Just(json!(3)),
        Just(json!(4)),
        Just(json!(5)),
        Just(json!("4"))
    ];
    let reason = (odd_id(), fields(ST, num)).prop_map(|(id, v)| json!({"id": id, "value": v}));
    let state = (
        state_id,
        fields(ST, num),
        proptest::option::of(proptest::collection::vec(reason, 0..3)),
    )
        .prop_map(|(id, v, r)| match r {
            Some(r) => json!({"id": id, "name": "x", "value": v, "reasons": r}),
            None => json!({"id": id, "name": "x", "value": v}),
        });
    proptest::collection::btree_map(odd_id(), proptest::collection::vec(state, 0..5), 0..3)
        .prop_map(|m| json!({"agentsMetrics": {"metricsPerAgent": m, "metricsTotals": []}}))
        .boxed()
}

/// Runs parse + aggregate + render; returns whether a quarter was built.
fn run_pipeline(qh: &[u8], ea: &[u8], aa: &[u8], cut: Option<usize>) -> bool {
    let cut = |b: &[u8]| -> Vec<u8> { cut.map_or(b.to_vec(), |c| b[..c.min(b.len())].to_vec()) };
    let (Ok(queue_health), Ok(eng_activity), Ok(agent_activity)) = (
        parse_queue_health(&cut(qh)),
        parse_eng_activity(&cut(ea)),
        parse_agent_activity(&cut(aa)),
    ) else {
        return false;
    };
    let mut built = false;
    let snap = Snapshot {
        queue_health,
        eng_activity,
        agent_activity,
    };
    let mut map = AgentMap::default();
    map.insert("1", "E<1>");
    for (skills, agents, unmapped) in [
        (IdSelection::All, IdSelection::All, UnmappedAgents::Keep),
        (
            IdSelection::List(vec!["1".into(), "7".into()]),
            IdSelection::List(vec!["1".into(), "2".into()]),
            UnmappedAgents::Skip,
        ),
    ] {
        let sel = Selection {
            skills: &skills,
            agents: &agents,
            agent_map: &map,
            unmapped,
        };
        if let Ok(report) = build_quarter(&snap, parse_quarter_arg("112426.1000").unwrap(), &sel) {
            built = true;
            for f in render_quarter(&report, "12345678") {
                let text = String::from_utf8(f.bytes).expect("UTF-8");
                // Well-formed: every element closes, and the reader accepts it.
                let mut r = quick_xml::Reader::from_str(&text);
                loop {
                    match r.read_event() {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("malformed XML {e}: {text}"),
                    }
                }
            }
        }
    }
    built
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn odd_replies_never_panic(qh in reply(qh_data(odd_number)), ea in reply(ea_data(odd_number)), aa in reply(aa_data(odd_number))) {
        let (qh, ea, aa) = (qh.to_string(), ea.to_string(), aa.to_string());
        run_pipeline(qh.as_bytes(), ea.as_bytes(), aa.as_bytes(), None);
    }

    #[test]
    fn cut_off_replies_never_panic(qh in reply(qh_data(typed_number)), ea in reply(ea_data(typed_number)), aa in reply(aa_data(typed_number)), cut in 0usize..2000) {
        let (qh, ea, aa) = (qh.to_string(), ea.to_string(), aa.to_string());
        run_pipeline(qh.as_bytes(), ea.as_bytes(), aa.as_bytes(), Some(cut));
    }

    #[test]
    fn well_typed_replies_are_built_or_refused_cleanly(qh in reply(qh_data(typed_number)), ea in reply(ea_data(typed_number)), aa in reply(aa_data(typed_number))) {
        let (qh, ea, aa) = (qh.to_string(), ea.to_string(), aa.to_string());
        run_pipeline(qh.as_bytes(), ea.as_bytes(), aa.as_bytes(), None);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        run_pipeline(&bytes, &bytes, &bytes, None);
    }
}

/// The strategies do reach aggregation and rendering, not only the parser.
#[test]
fn the_generators_reach_the_renderer() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut built = 0;
    for _ in 0..300 {
        let qh = reply(qh_data(typed_number))
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .to_string();
        let ea = reply(ea_data(typed_number))
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .to_string();
        let aa = reply(aa_data(typed_number))
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .to_string();
        built += usize::from(run_pipeline(qh.as_bytes(), ea.as_bytes(), aa.as_bytes(), None));
    }
    assert!(built >= 30, "only {built} of 300 generated replies were built");
    eprintln!("{built} of 300 generated replies were built and rendered");
}
