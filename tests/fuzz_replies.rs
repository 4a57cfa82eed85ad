//! Property tests over reply parsing + aggregation + rendering.
//!
//! Valid replies (generated as a model in `reply_model`, whose expected rows
//! are computed there from the model alone) must give the rows docs/reports.md
//! defines, rendered deterministically; refused replies must say which method,
//! quarter, field and id. Whatever else the API sends (wrong types, missing
//! members, huge or negative numbers, odd ids, cut-off bodies, any bytes),
//! `wfm` returns an error naming the method or output that keeps the rules,
//! never a panic.

use crate::common::{parse_report, Report};
use crate::reply_model::{case, fault, flatten, Case, ACCOUNT, ENDS_MS, METHODS, QUARTER, STEM};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wfm::aggregate::{
    build_quarter, id_ranks, quarter_records, QuarterReport, QueueRow, RecordsError, RunIds, Selection,
};
use wfm::config::{IdSelection, UnmappedAgents};
use wfm::lp::model::compact::parse_reply;
use wfm::lp::model::{AgentInterval, EngInterval, IdTable, Intervals, ParseError, QueueInterval, Wanted};
use wfm::mapping::AgentMap;
use wfm::quarter::FileStamp;
use wfm::quarter::{parse_quarter_arg, Quarter};
use wfm::report::render::{render_quarter, RenderedFile};

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
        1 => Just("7\u{1}".to_string()),
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
        6 => proptest::sample::select(ENDS_MS[QUARTER].to_vec()).prop_map(|t| json!(t)),
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
        let margin = [ENDS_MS[0], ENDS_MS[4]];
        let mut ivs: Vec<Value> = ENDS_MS[QUARTER]
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

fn quarter() -> Quarter {
    parse_quarter_arg(STEM).unwrap()
}

/// The END timestamps of the quarter's intervals: what the run keeps.
fn wanted() -> BTreeSet<i64> {
    quarter().interval_ends().iter().map(|e| e.timestamp_millis()).collect()
}

/// The three replies parsed as the run parses them (`None`: one was refused).
struct Parsed {
    ids: IdTable,
    replies: [Intervals<Vec<u8>>; 3],
}

fn parse_one(i: usize, body: &[u8], wanted: Wanted<'_>, ids: &mut IdTable) -> Result<Intervals<Vec<u8>>, ParseError> {
    match i {
        0 => parse_reply::<QueueInterval>(body, wanted, ids),
        1 => parse_reply::<EngInterval>(body, wanted, ids),
        _ => parse_reply::<AgentInterval>(body, wanted, ids),
    }
}

fn parse_all(bodies: [&[u8]; 3]) -> Option<Parsed> {
    let w = wanted();
    let mut ids = IdTable::default();
    let qh = parse_one(0, bodies[0], Some(&w), &mut ids).ok()?;
    let ea = parse_one(1, bodies[1], Some(&w), &mut ids).ok()?;
    let aa = parse_one(2, bodies[2], Some(&w), &mut ids).ok()?;
    Some(Parsed {
        ids,
        replies: [qh, ea, aa],
    })
}

/// The quarter built from parsed replies as the run builds it: every method's
/// intervals checked before any is read, the records decoded, then aggregated.
/// (Records that do not decode are an error naming no method: every caller fails.)
fn build(p: &Parsed, sel: &Selection<'_>) -> Result<QuarterReport, RecordsError> {
    let q = quarter();
    let records = quarter_records(p.replies.each_ref().map(std::slice::from_ref), q, |b| Ok(b.clone()))?;
    let rank = id_ranks(&p.ids);
    let ids = RunIds {
        ids: &p.ids,
        rank: &rank,
    };
    Ok(build_quarter(&records, q, sel, ids)?)
}

fn text(f: &RenderedFile) -> &str {
    std::str::from_utf8(&f.bytes).expect("UTF-8")
}

/// Numeric ids by value (9 < 10 < 0010 < 199), other ids after them by text;
/// written apart from `aggregate::cmp_ids`.
fn id_key(s: &str) -> (bool, u128, &str) {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        (false, s.parse().unwrap_or(u128::MAX), s)
    } else {
        (true, 0, s)
    }
}

fn strictly_increasing<K: Ord + std::fmt::Debug>(keys: Vec<K>, what: &str) {
    for w in keys.windows(2) {
        assert!(w[0] < w[1], "{what} out of id order: {:?} before {:?}", w[0], w[1]);
    }
}

/// What holds for any built quarter: rows in numeric id order, the same
/// bytes on every rendering, and files that read back as the report.
fn check_built(report: &QuarterReport) {
    strictly_increasing(report.queues.iter().map(|q| id_key(&q.id)).collect(), "Q_ rows");
    strictly_increasing(
        report
            .agent_queues
            .iter()
            .map(|r| (id_key(&r.agent_id), id_key(&r.queue_id)))
            .collect(),
        "AQ_ rows",
    );
    strictly_increasing(report.agents.iter().map(|a| id_key(&a.agent_id)).collect(), "AS_ rows");
    for a in &report.agents {
        strictly_increasing(
            a.away_reasons.iter().map(|(id, _)| id_key(id)).collect(),
            "away reasons",
        );
    }
    let files = render_quarter(report, ACCOUNT, FileStamp::Start);
    assert_eq!(
        files,
        render_quarter(report, ACCOUNT, FileStamp::Start),
        "rendering twice gave other bytes"
    );
    for (f, want) in files.iter().zip(flatten(report)) {
        let t = text(f);
        assert!(
            t.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") && t.ends_with(">\n"),
            "{t}"
        );
        assert_eq!(parse_report(t), want, "{} does not read back as the report", f.name);
        assert_eq!(f.rows, want.rows.len());
    }
}

/// Runs parse + aggregate + render; returns whether a quarter was built.
/// Whatever is built keeps the rules of [`check_built`] and gives every
/// listed id its row; whatever is refused names a method and the quarter.
fn run_pipeline(qh: &[u8], ea: &[u8], aa: &[u8], cut: Option<usize>) -> bool {
    let cut = |b: &[u8]| -> Vec<u8> { cut.map_or(b.to_vec(), |c| b[..c.min(b.len())].to_vec()) };
    let Some(parsed) = parse_all([&cut(qh), &cut(ea), &cut(aa)]) else {
        return false;
    };
    let mut built = false;
    let _ = for_odd_selections(|sel| -> Result<(), std::convert::Infallible> {
        match build(&parsed, sel) {
            Ok(report) => {
                built = true;
                check_built(&report);
                if let IdSelection::List(_) = sel.skills {
                    // Every listed skill once; agent 2 is unmapped and skipped.
                    let q: Vec<&str> = report.queues.iter().map(|q| q.id.as_str()).collect();
                    assert_eq!(q, ["1", "7"]);
                    let a: Vec<&str> = report.agents.iter().map(|a| a.employee_id.as_str()).collect();
                    assert_eq!(a, ["E<1>"]);
                    assert!(report
                        .agent_queues
                        .iter()
                        .all(|r| r.employee_id == "E<1>" && ["1", "7"].contains(&r.queue_id.as_str())));
                }
            }
            Err(e) => {
                let t = e.to_string();
                assert!(t.contains(STEM) && METHODS.iter().any(|m| t.contains(m)), "{t}");
            }
        }
        Ok(())
    });
    built
}

/// Runs `check` with every agent and skill, and with short lists that repeat a
/// skill, name an unmapped agent (skipped) and map agent 1 to `E<1>`.
fn for_odd_selections<E>(mut check: impl FnMut(&Selection<'_>) -> Result<(), E>) -> Result<(), E> {
    let mut map = AgentMap::default();
    map.insert("1", "E<1>");
    let listed = |ids: &[&str]| IdSelection::List(ids.iter().map(|s| s.to_string()).collect());
    for (skills, agents, unmapped) in [
        (IdSelection::All, IdSelection::All, UnmappedAgents::Keep),
        (listed(&["7", "1", "7"]), listed(&["2", "1"]), UnmappedAgents::Skip),
    ] {
        check(&Selection {
            skills: &skills,
            agents: &agents,
            agent_map: &map,
            unmapped,
        })?;
    }
    Ok(())
}

/// Parses `case`'s replies (which must parse) and builds its quarter.
fn build_case(case: &Case) -> Result<QuarterReport, RecordsError> {
    let [qh, ea, aa] = case.bodies().map(|b| b.to_string());
    let parsed = parse_all([qh.as_bytes(), ea.as_bytes(), aa.as_bytes()]).expect("valid replies parse");
    let (skills, agents, map) = (case.skill_selection(), case.agent_selection(), case.agent_map());
    let sel = Selection {
        skills: &skills,
        agents: &agents,
        agent_map: &map,
        unmapped: case.unmapped_policy(),
    };
    build(&parsed, &sel)
}

fn built(case: &Case) -> QuarterReport {
    build_case(case).unwrap_or_else(|e| panic!("valid replies were refused: {e}"))
}

/// The Q_ file of a report, read back.
fn queue_file(report: &QuarterReport) -> Report {
    parse_report(text(&render_quarter(report, ACCOUNT, FileStamp::Start)[0]))
}

/// Ways to spoil a valid reply body.
#[derive(Debug, Clone)]
enum Breakage {
    /// Only the first part of the body.
    Cut(proptest::sample::Index),
    /// An interval's `metricsData` is a string.
    NotAnObject(usize),
    /// An interval listed twice.
    Twice(usize),
}

fn breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        any::<proptest::sample::Index>().prop_map(Breakage::Cut),
        (0..5usize).prop_map(Breakage::NotAnObject),
        (0..5usize).prop_map(Breakage::Twice),
    ]
}

fn spoil(body: &Value, how: &Breakage) -> String {
    let mut v = body.clone();
    let ivs = v["metricsByIntervals"].as_array_mut().unwrap();
    match how {
        Breakage::Cut(i) => {
            let s = body.to_string();
            return s[..i.index(s.len())].to_string();
        }
        Breakage::NotAnObject(i) => ivs[i % ENDS_MS.len()]["metricsData"] = json!("not an object"),
        Breakage::Twice(i) => {
            let again = ivs[i % ENDS_MS.len()].clone();
            ivs.push(again);
        }
    }
    v.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Q_ counts and times are the sums over the quarter's three intervals
    /// (-1, null and absent count 0; the reply's partial oldest and in-progress
    /// newest intervals never count); engactivity's from the skill's totals, or
    /// its agents' rows in an interval without totals.
    #[test]
    fn queue_totals_are_the_sums_over_the_quarter_intervals(case in case()) {
        let sums = |q: &QueueRow| {
            let s = [q.offered, q.handled, q.abandoned, q.time_to_answer, q.time_to_abandon];
            let e = [q.interactive_closed, q.non_interactive_closed, q.handle_time, q.non_interactive_handle_time];
            (q.id.clone(), s, e)
        };
        let (got, want) = (built(&case), case.expected());
        prop_assert_eq!(got.queues.iter().map(sums).collect::<Vec<_>>(), want.queues.iter().map(sums).collect::<Vec<_>>());
    }

    /// Averages are the summed totals over the summed counts, rounded half up
    /// (times: 0 without a count; sizes: two decimals, no element without a count).
    #[test]
    fn averages_are_sum_over_count_rounded_half_up_and_omitted_without_a_count(case in case()) {
        let avgs = |q: &QueueRow| (q.id.clone(), q.avg_time_to_answer, q.avg_time_to_abandon, q.avg_queue_size, q.avg_available_slots);
        let (got, want) = (built(&case), case.expected());
        prop_assert_eq!(got.queues.iter().map(avgs).collect::<Vec<_>>(), want.queues.iter().map(avgs).collect::<Vec<_>>());
        for (row, w) in queue_file(&got).rows.iter().zip(&want.queues) {
            prop_assert_eq!(row.fields.contains_key("AvgQueueSize"), w.avg_queue_size.is_some());
            prop_assert_eq!(row.fields.contains_key("AvgAvailableSlots"), w.avg_available_slots.is_some());
        }
    }

    /// Maxima are over the intervals with data (>= 0): -1 never counts, and
    /// with no data at all there is no element.
    #[test]
    fn maxima_ignore_no_data(case in case()) {
        let maxima = |q: &QueueRow| (q.id.clone(), q.max_queue_size, q.max_available_slots);
        let (got, want) = (built(&case), case.expected());
        prop_assert_eq!(got.queues.iter().map(maxima).collect::<Vec<_>>(), want.queues.iter().map(maxima).collect::<Vec<_>>());
        for (row, w) in queue_file(&got).rows.iter().zip(&want.queues) {
            prop_assert_eq!(row.fields.contains_key("MaxQueueSize"), w.max_queue_size.is_some());
            prop_assert_eq!(row.fields.contains_key("MaxAvailableSlots"), w.max_available_slots.is_some());
        }
    }

    /// Every listed id (or with `all` every id in the quarter's data) gets one
    /// row, in numeric id order, named by its employee id; unmapped agents are
    /// kept under their own id or skipped, and named either way.
    #[test]
    fn every_listed_id_gets_one_row_in_numeric_id_order(case in case()) {
        let (got, want) = (built(&case), case.expected());
        let q = |r: &QuarterReport| r.queues.iter().map(|q| q.id.clone()).collect::<Vec<_>>();
        let aq = |r: &QuarterReport| r.agent_queues.iter().map(|a| (a.agent_id.clone(), a.queue_id.clone(), a.employee_id.clone())).collect::<Vec<_>>();
        let as_ = |r: &QuarterReport| r.agents.iter().map(|a| (a.agent_id.clone(), a.employee_id.clone())).collect::<Vec<_>>();
        prop_assert_eq!(q(&got), q(&want));
        prop_assert_eq!(aq(&got), aq(&want));
        prop_assert_eq!(as_(&got), as_(&want));
        prop_assert_eq!(&got.unmapped_agents, &want.unmapped_agents);
    }

    /// AQ_ and AS_ figures are the sums over the quarter's intervals: per agent
    /// and skill, per state (-1, 2, 3, 4; others left out and named) and per
    /// away reason.
    #[test]
    fn agent_figures_are_the_sums_over_the_quarter_intervals(case in case()) {
        let (got, want) = (built(&case), case.expected());
        prop_assert_eq!(&got.agent_queues, &want.agent_queues);
        prop_assert_eq!(&got.agents, &want.agents);
        prop_assert_eq!(&got.ignored_state_ids, &want.ignored_state_ids);
    }

    /// The same report renders to the same bytes, and each file reads back as
    /// the report's numbers (and the expected ones).
    #[test]
    fn rendering_is_deterministic_and_reads_back_as_the_report(case in case()) {
        let got = built(&case);
        check_built(&got);
        for (f, want) in render_quarter(&got, ACCOUNT, FileStamp::Start).iter().zip(flatten(&case.expected())) {
            prop_assert_eq!(parse_report(text(f)), want);
        }
    }

    /// A reply the quarter cannot be built from (a counter below -1, a sum that
    /// overflows, an interval missing or only partial) is an error naming its
    /// method and no other, the quarter, and for a counter the field and the id.
    #[test]
    fn refused_replies_are_errors_naming_method_quarter_field_and_id(mut case in case(), fault in fault()) {
        let (method, needles) = case.break_with(fault);
        let e = match build_case(&case) {
            Ok(_) => panic!("{fault:?} was not refused"),
            Err(e) => e.to_string(),
        };
        for (i, m) in METHODS.iter().enumerate() {
            prop_assert_eq!(e.contains(m), i == method, "{}", e);
        }
        prop_assert!(e.contains(STEM), "{}", e);
        for n in needles {
            prop_assert!(e.contains(&n), "{} not in {}", n, e);
        }
    }

    /// A malformed reply (cut off, an interval's data not an object, an
    /// interval twice) is refused by its own method's parser, the others not.
    #[test]
    fn a_malformed_reply_is_refused_by_its_own_parser_only(case in case(), method in 0..3usize, how in breakage()) {
        let bodies = case.bodies();
        let body = |i: usize| if i == method { spoil(&bodies[i], &how) } else { bodies[i].to_string() };
        // Every interval read (none skipped), so the spoilt one is always met.
        let parsed = [0, 1, 2].map(|i| parse_one(i, body(i).as_bytes(), None, &mut IdTable::default()).is_ok());
        prop_assert_eq!(parsed, [0, 1, 2].map(|i| i != method), "{:?} of {}", how, METHODS[method]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn odd_replies_are_refused_naming_the_method_or_built_by_the_rules(qh in reply(qh_data(odd_number)), ea in reply(ea_data(odd_number)), aa in reply(aa_data(odd_number))) {
        let (qh, ea, aa) = (qh.to_string(), ea.to_string(), aa.to_string());
        run_pipeline(qh.as_bytes(), ea.as_bytes(), aa.as_bytes(), None);
    }

    #[test]
    fn cut_off_replies_never_panic(qh in reply(qh_data(typed_number)), ea in reply(ea_data(typed_number)), aa in reply(aa_data(typed_number)), cut in 0usize..2000) {
        let (qh, ea, aa) = (qh.to_string(), ea.to_string(), aa.to_string());
        run_pipeline(qh.as_bytes(), ea.as_bytes(), aa.as_bytes(), Some(cut));
    }

    #[test]
    fn well_typed_replies_are_refused_naming_the_method_or_built_by_the_rules(qh in reply(qh_data(typed_number)), ea in reply(ea_data(typed_number)), aa in reply(aa_data(typed_number))) {
        let (qh, ea, aa) = (qh.to_string(), ea.to_string(), aa.to_string());
        run_pipeline(qh.as_bytes(), ea.as_bytes(), aa.as_bytes(), None);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        run_pipeline(&bytes, &bytes, &bytes, None);
    }
}

/// The odd strategies do reach aggregation and rendering, not only the parser.
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

/// The valid generator reaches the cases the properties are about.
#[test]
fn the_valid_generator_reaches_the_corner_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..200 {
        let c = case().new_tree(&mut runner).unwrap().current();
        let want = c.expected();
        let mut see = |what: &'static str, hit: bool| *seen.entry(what).or_default() += usize::from(hit);
        let q = &want.queues;
        see("average omitted", q.iter().any(|q| q.avg_queue_size.is_none()));
        see("average given", q.iter().any(|q| q.avg_queue_size.is_some()));
        see("maximum omitted", q.iter().any(|q| q.max_queue_size.is_none()));
        see("maximum given", q.iter().any(|q| q.max_queue_size.is_some()));
        see(
            "average on an exact half",
            q.iter()
                .any(|q| q.handled > 0 && 2 * (q.time_to_answer % q.handled) == q.handled),
        );
        see(
            "a zero row",
            q.iter().any(|q| q.offered == 0 && q.interactive_closed == 0),
        );
        see("agent queue rows", !want.agent_queues.is_empty());
        see("away reasons", want.agents.iter().any(|a| !a.away_reasons.is_empty()));
        see("ignored states", !want.ignored_state_ids.is_empty());
        see(
            "unmapped agents skipped",
            c.skip_unmapped && !want.unmapped_agents.is_empty(),
        );
        see("ids of ten digits", q.iter().any(|q| q.id.len() == 10));
    }
    for (what, n) in &seen {
        assert!(*n >= 3, "{what}: only {n} of 200 cases");
    }
    eprintln!("{seen:?}");
}

/// Ids the reply spells in ways a map key may be written (escapes, the same
/// id twice in one interval: the last record wins) are one id.
#[test]
fn escaped_and_repeated_ids_are_one_id_whose_last_record_wins() {
    let [s, e, m] = [ENDS_MS[1], ENDS_MS[2], ENDS_MS[3]];
    let edges = format!(
        r#"{{"timestamp":{},"metricsData":{{}}}},{{"timestamp":{},"metricsData":{{}}}}"#,
        ENDS_MS[0], ENDS_MS[4]
    );
    let qh = format!(
        r#"{{"metricsByIntervals":[{edges},{{"timestamp":{s},"metricsData":{{"skillsMetrics":{{"7":{{"enteredQEng":1}},"\u0037":{{"enteredQEng":5}},"8":{{"enteredQEng":2}}}}}}}},{{"metricsData":{{"skillsMetrics":{{"7":{{"connectedEng":3}}}}}},"timestamp":{e}}},{{"timestamp":{m},"metricsData":null}}]}}"#
    );
    let ea = format!(
        r#"{{"metricsByIntervals":[{edges},{{"timestamp":{s},"metricsData":{{"skillsMetricsPerAgent":{{"metricsPerSkill":{{"7":{{"metricsPerAgent":{{"1":{{"totalHandlingTime":9}}}}}},"7":{{"metricsPerAgent":{{"1":{{"totalHandlingTime":4}},"1":{{"totalHandlingTime":6}}}}}}}}}}}}}},{{"timestamp":{e},"metricsData":[{{"metricsPerSkill":{{"2":[{{"9":{{"totalHandlingTime":1}}}},{{"totalInteractiveChats":1}}]}}}}]}},{{"timestamp":{m},"metricsData":{{}}}}]}}"#
    );
    let aa = format!(
        r#"{{"metricsByIntervals":[{edges},{{"timestamp":{s},"metricsData":{{"agentsMetrics":{{"metricsPerAgent":{{"1":[{{"id":4,"value":{{"total":5}},"reasons":[{{"id":17,"value":{{"total":2}}}},{{"id":"17","value":{{"total":3}}}}]}}],"1":[{{"id":2,"value":{{"total":7}}}}]}}}}}}}},{{"timestamp":{e},"metricsData":{{}}}},{{"timestamp":{m},"metricsData":{{}}}}]}}"#
    );
    let bodies = [qh.as_bytes(), ea.as_bytes(), aa.as_bytes()];
    let (map, all) = (AgentMap::default(), IdSelection::All);
    let sel = Selection {
        skills: &all,
        agents: &all,
        agent_map: &map,
        unmapped: UnmappedAgents::Keep,
    };
    let report = build(&parse_all(bodies).expect("parsed"), &sel).expect("built");
    let built = render_quarter(&report, ACCOUNT, FileStamp::Start);
    // The escaped "7" is skill 7 again: its record (5 offered) replaced the first.
    assert!(text(&built[0]).contains("<Offered>5</Offered>"), "{}", text(&built[0]));
    // Skill 7 twice: the second object wins whole, and in it agent 1's second record.
    assert!(
        text(&built[1]).contains("<HandleTime>6</HandleTime>"),
        "{}",
        text(&built[1])
    );
    // Skill 2's list form: its agents, then its totals.
    let skill2 = report.queues.iter().find(|q| q.id == "2").expect("skill 2's row");
    assert_eq!((skill2.interactive_closed, skill2.handle_time), (1, 0));
    // Agent 1 twice: the second list (state 2) replaced the first.
    assert_eq!(report.agents.len(), 1);
    assert_eq!((report.agents[0].online.total, report.agents[0].away.total), (7, 0));
}
