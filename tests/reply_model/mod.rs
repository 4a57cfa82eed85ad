//! Valid replies for the quarter 10:00 on 24 Nov 2026 as a model: generated
//! here and written as LivePerson's JSON; `expect` computes the rows
//! docs/reports.md says they make from the model alone (never by calling the
//! code under test), `files` what the rendered files must read back as, and
//! `fault` spoils the replies in ways the quarter must be refused for.

mod expect;
mod fault;
mod files;

pub use fault::fault;
pub use files::flatten;

use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use wfm::config::{IdSelection, UnmappedAgents};
use wfm::mapping::AgentMap;

/// Interval ends: the reply's partial oldest (10:00), the quarter's three
/// (10:05, 10:10, 10:15) and the in-progress newest (10:20).
pub const ENDS_MS: [i64; 5] = [
    1_795_514_400_000,
    1_795_514_700_000,
    1_795_515_000_000,
    1_795_515_300_000,
    1_795_515_600_000,
];
/// Where the quarter's own intervals are in [`ENDS_MS`].
pub const QUARTER: Range<usize> = 1..4;
pub const STEM: &str = "112426.1000";
pub const ACCOUNT: &str = "12345678";
/// The method names operators see, in the order of the three replies.
pub const METHODS: [&str; 3] = ["queuehealth", "engactivity", "agentactivity"];

pub const QH: [&str; 11] = [
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
];
/// queuehealth's counters (its maxima are not counters: a negative one is "no data").
pub const QH_COUNTERS: [&str; 9] = [
    "enteredQEng",
    "connectedEng",
    "abandonedEng",
    "totalTimeToAnswer",
    "totalTimeToAbandon",
    "queueSizeSum",
    "queueSizeCount",
    "availableSlotsSum",
    "availableSlotsCount",
];
pub const EA: [&str; 5] = [
    "totalInteractiveChats",
    "totalNonInteractiveChats",
    "totalHandlingTime",
    "nonInteractiveTotalHandlingTime",
    "connectedEngagements",
];
pub const ST: [&str; 4] = ["total", "chatting", "notChatting", "chattingInMaxConcurrency"];

/// Numeric ids whose text order is not their numeric order.
const SKILLS: [u64; 7] = [1, 2, 9, 10, 100, 199, 2_152_260_212];
const AGENTS: [u64; 6] = [1, 3, 10, 20, 123, 2_642_559_712];
const REASONS: [u64; 3] = [8, 77, 100];
/// Listed ids: some the data has, some it never has.
const LISTED_SKILLS: [u64; 6] = [1, 9, 10, 11, 199, 4_000_000_000];
const LISTED_AGENTS: [u64; 5] = [1, 3, 4, 123, 2_642_559_712];

/// A figure as a valid reply may send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V {
    Absent,
    Null,
    /// -1, the API's "no data".
    NoData,
    Int(i64),
    /// An integral float (`140.0`), which some accounts send.
    Float(i64),
}

impl V {
    /// As a counter: "no data", null and absent count 0.
    pub fn count(self) -> i64 {
        match self {
            V::Int(n) | V::Float(n) => n,
            _ => 0,
        }
    }

    /// As a maximum: only values >= 0 are data.
    pub fn max(self) -> Option<i64> {
        match self {
            V::Int(n) | V::Float(n) if n >= 0 => Some(n),
            _ => None,
        }
    }

    fn json(self) -> Option<Value> {
        match self {
            V::Absent => None,
            V::Null => Some(Value::Null),
            V::NoData => Some(json!(-1)),
            V::Int(n) => Some(json!(n)),
            V::Float(n) => Some(json!(n as f64)),
        }
    }
}

/// One record of a reply (a skill's or an agent's figures) by member name.
pub type Rec = BTreeMap<&'static str, V>;

#[derive(Debug, Clone)]
pub struct EngSkill {
    pub agents: BTreeMap<u64, Rec>,
    pub totals: Option<Rec>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub id: i64,
    pub value: Rec,
    pub reasons: Vec<(u64, Rec)>,
}

/// One 5-minute interval of each of the three replies.
#[derive(Debug, Clone, Default)]
pub struct Interval {
    pub qh: BTreeMap<u64, Rec>,
    pub ea: BTreeMap<u64, EngSkill>,
    pub aa: BTreeMap<u64, Vec<State>>,
}

/// Replies and the settings a quarter is built with.
#[derive(Debug, Clone)]
pub struct Case {
    /// In [`ENDS_MS`] order.
    pub intervals: Vec<Interval>,
    /// Whether the replies list their intervals newest first.
    pub reversed: bool,
    /// `None` = all.
    pub skills: Option<Vec<u64>>,
    pub agents: Option<Vec<u64>>,
    pub mapped: BTreeSet<u64>,
    pub skip_unmapped: bool,
    /// An interval (index into [`ENDS_MS`]) one method's reply leaves out.
    pub left_out: Option<(usize, usize)>,
}

fn v() -> impl Strategy<Value = V> {
    v_below(1000)
}

/// Figures below `max`.
fn v_below(max: i64) -> impl Strategy<Value = V> {
    // One flat strategy (nested unions are slow to generate); small numbers
    // often, so averages land on exact halves.
    (0..12u8, 0i64..5, 0i64..max).prop_map(|(kind, small, n)| match kind {
        0 => V::Absent,
        1 => V::Null,
        2 | 3 => V::NoData,
        4..=6 => V::Int(small),
        7..=9 => V::Int(n),
        10 => V::Float(small),
        _ => V::Float(n),
    })
}

fn rec(names: &'static [&'static str]) -> impl Strategy<Value = Rec> {
    vec(v(), names.len()).prop_map(move |vs| names.iter().copied().zip(vs).collect())
}

/// An agent state's seconds: an agent has at most 900 s of a state in a
/// quarter, and a case may list a state (or reason) 4 times in each of the
/// three intervals, so 12 figures below 75 (36 reasons below 25) stay within it.
fn state_rec(max: i64) -> impl Strategy<Value = Rec> {
    vec(v_below(max), ST.len()).prop_map(|vs| ST.iter().copied().zip(vs).collect())
}

fn interval() -> impl Strategy<Value = Interval> {
    let eng_skill = (
        btree_map(select(&AGENTS[..]), rec(&EA), 0..3),
        proptest::option::of(rec(&EA)),
    )
        .prop_map(|(agents, totals)| EngSkill { agents, totals });
    let state = (
        select(&[-1i64, 2, 3, 4, 4, 5][..]),
        state_rec(75),
        vec((select(&REASONS[..]), state_rec(25)), 0..3),
    )
        .prop_map(|(id, value, reasons)| State { id, value, reasons });
    (
        btree_map(select(&SKILLS[..]), rec(&QH), 0..4),
        btree_map(select(&SKILLS[..]), eng_skill, 0..3),
        btree_map(select(&AGENTS[..]), vec(state, 0..4), 0..3),
    )
        .prop_map(|(qh, ea, aa)| Interval { qh, ea, aa })
}

/// Valid replies (every figure a count, -1, null or absent) and settings.
pub fn case() -> impl Strategy<Value = Case> {
    let list = |pool: &'static [u64]| proptest::option::of(vec(select(pool), 0..4));
    (
        vec(interval(), ENDS_MS.len()),
        any::<bool>(),
        list(&LISTED_SKILLS),
        list(&LISTED_AGENTS),
        btree_set(select(&AGENTS[..]), 0..4),
        any::<bool>(),
    )
        .prop_map(|(intervals, reversed, skills, agents, mapped, skip_unmapped)| Case {
            intervals,
            reversed,
            skills,
            agents,
            mapped,
            skip_unmapped,
            left_out: None,
        })
}

/// The employee id the map gives a mapped agent (with characters XML escapes).
pub fn employee_name(agent: u64) -> String {
    format!("E<{agent}>&\"'")
}

fn object(r: &Rec) -> Value {
    Value::Object(r.iter().filter_map(|(k, v)| Some((k.to_string(), v.json()?))).collect())
}

fn by_id<T>(m: &BTreeMap<u64, T>, f: impl Fn(&T) -> Value) -> Value {
    Value::Object(m.iter().map(|(id, x)| (id.to_string(), f(x))).collect())
}

fn queue_health_data(iv: &Interval) -> Value {
    json!({ "skillsMetrics": by_id(&iv.qh, object) })
}

fn eng_activity_data(iv: &Interval) -> Value {
    let skill = |s: &EngSkill| {
        let mut o = json!({ "metricsPerAgent": by_id(&s.agents, object) });
        if let Some(t) = &s.totals {
            o["metricsTotals"] = object(t);
        }
        o
    };
    json!({ "skillsMetricsPerAgent": { "metricsPerSkill": by_id(&iv.ea, skill) } })
}

fn agent_activity_data(iv: &Interval) -> Value {
    let state = |s: &State| {
        let reasons: Vec<Value> = s
            .reasons
            .iter()
            .map(|(id, r)| json!({ "id": id.to_string(), "value": object(r) }))
            .collect();
        json!({ "id": s.id, "name": "x", "value": object(&s.value), "reasons": reasons })
    };
    let agents = by_id(&iv.aa, |states| Value::Array(states.iter().map(state).collect()));
    json!({ "agentsMetrics": { "metricsPerAgent": agents, "metricsTotals": [] } })
}

impl Case {
    /// The three reply bodies: queuehealth, engactivity, agentactivity.
    pub fn bodies(&self) -> [Value; 3] {
        let data: [fn(&Interval) -> Value; 3] = [queue_health_data, eng_activity_data, agent_activity_data];
        std::array::from_fn(|method| {
            let mut ivs: Vec<Value> = ENDS_MS
                .iter()
                .zip(&self.intervals)
                .enumerate()
                .filter(|(i, _)| self.left_out != Some((method, *i)))
                .map(|(_, (t, iv))| json!({ "timestamp": t, "metricsData": data[method](iv) }))
                .collect();
            if self.reversed {
                ivs.reverse();
            }
            json!({ "metricsByIntervals": ivs })
        })
    }

    pub fn skill_selection(&self) -> IdSelection {
        selection(&self.skills)
    }

    pub fn agent_selection(&self) -> IdSelection {
        selection(&self.agents)
    }

    pub fn agent_map(&self) -> AgentMap {
        let mut map = AgentMap::default();
        for a in &self.mapped {
            map.insert(&a.to_string(), &employee_name(*a));
        }
        map
    }

    pub fn unmapped_policy(&self) -> UnmappedAgents {
        if self.skip_unmapped {
            UnmappedAgents::Skip
        } else {
            UnmappedAgents::Keep
        }
    }
}

fn selection(list: &Option<Vec<u64>>) -> IdSelection {
    match list {
        None => IdSelection::All,
        Some(l) => IdSelection::List(l.iter().map(u64::to_string).collect()),
    }
}
