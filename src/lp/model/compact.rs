//! The run's parse: a reply streamed through [`split`](super::split), each
//! interval the run needs parsed from memory into compact records (ids interned
//! in an [`IdTable`], no map per interval), then encoded into a few bytes per
//! record and handed to the caller, which keeps them out of memory (the run
//! spills them to a temporary file) until the quarter that needs them is built.
//! Memory holds one interval at a time, whatever the number of quarters.
//!
//! The records' leaves are the model's own serde structs ([`QueueHealthSkill`],
//! [`EngMetrics`], [`AgentState`]); the containers (`seeds.rs`) keep the rules
//! serde's derive gives a struct (members in any order or as a list, unknown
//! ones ignored, `null` as absent, a repeated member refused) and a map's (a
//! repeated id: its last record wins), so they are read as a plain
//! `#[derive(Deserialize)]` model of the reply would read them.

mod seeds;
#[cfg(test)]
mod tests;
pub(super) mod varint;

use super::ids::IdTable;
use super::seeds::IdMap;
use super::split::{parse_piece, split};
use super::{AgentState, EngMetrics, Figure, Intervals, ParseError, QueueHealthSkill, StateTimes};
use seeds::{model_struct, EngSkills, IntervalSeed, Leaves};
use serde::de::{self, DeserializeSeed};
use serde::Deserializer;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::marker::PhantomData;
use varint::{put_i, put_u, Bytes};

/// The END timestamps (epoch ms) of the intervals a run uses; `None` keeps all.
pub type Wanted<'a> = Option<&'a BTreeSet<i64>>;

/// An interval end as operators read it.
fn describe_end(end_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(end_ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| end_ms.to_string())
}

/// queuehealth in one interval: each skill's figures.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct QueueInterval {
    pub skills: Vec<(u32, QueueHealthSkill)>,
}

/// engactivity in one interval: per skill, its agents' figures and its totals.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EngInterval {
    pub skills: Vec<EngSkillRecords>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EngSkillRecords {
    pub skill: u32,
    pub agents: Vec<(u32, EngMetrics)>,
    /// The whole skill (`metricsTotals`), when the reply gives it.
    pub totals: Option<EngMetrics>,
}

/// agentactivity in one interval: each agent's states, in the reply's order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AgentInterval {
    pub agents: Vec<(u32, Vec<StateRecord>)>,
}

/// One agent state; away reasons by interned id, in the reply's order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StateRecord {
    pub id: i64,
    pub value: StateTimes,
    pub reasons: Vec<(u32, StateTimes)>,
}

/// A spilled interval's bytes could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the parsed reply kept in a temporary file is damaged ({0})")]
pub struct DecodeError(&'static str);

/// The records of one method's interval: parsed, encoded and decoded.
pub trait IntervalRecords: Default {
    /// Parses a (non-null) `metricsData`, interning its ids.
    fn parse_data<'de, D: Deserializer<'de>>(d: D, ids: &mut IdTable) -> Result<Self, D::Error>;
    /// A repeated id's last record wins (as a map's would).
    fn keep_last(&mut self, marks: &mut Marks);
    fn encode(&self, out: &mut Vec<u8>);
    /// Adds `bytes`' records after these (the replies of one split request, in order).
    fn decode_into(&mut self, bytes: &[u8]) -> Result<(), DecodeError>;

    /// The records of `blobs`, in order, a repeated id's last record winning.
    fn decode_all<'b>(blobs: impl IntoIterator<Item = &'b [u8]>, marks: &mut Marks) -> Result<Self, DecodeError> {
        let mut out = Self::default();
        for b in blobs {
            out.decode_into(b)?;
        }
        out.keep_last(marks);
        Ok(out)
    }
}

/// Parses `reader`'s reply, keeping the `wanted` intervals: each is encoded
/// and handed to `keep` with its END timestamp, and what `keep` returns is
/// indexed by that timestamp. The other intervals are checked and skipped
/// (their data only when it comes after their timestamp, as before). An
/// interval listed twice is refused, skipped ones included.
pub fn read_reply<M: IntervalRecords, T>(
    reader: impl Read,
    wanted: Wanted<'_>,
    ids: &mut IdTable,
    mut keep: impl FnMut(i64, &[u8]) -> Result<T, String>,
) -> Result<Intervals<T>, ParseError> {
    let mut by_end_ms = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut duplicate = None;
    let mut marks = Marks::default();
    let mut bytes = Vec::new();
    split(reader, &mut |piece, at| {
        let seed = IntervalSeed::<M> {
            wanted,
            ids: &mut *ids,
            m: PhantomData,
        };
        let (end, data) = parse_piece(piece, at, |d| seed.deserialize(d))?;
        if !seen.insert(end) {
            duplicate.get_or_insert(end);
        } else if let Some(mut data) = data {
            data.keep_last(&mut marks);
            bytes.clear();
            data.encode(&mut bytes);
            by_end_ms.insert(end, keep(end, &bytes).map_err(ParseError::Spill)?);
        }
        Ok(())
    })?;
    if let Some(end) = duplicate {
        return Err(ParseError::DuplicateInterval(describe_end(end)));
    }
    let span = seen.first().copied().zip(seen.last().copied());
    Ok(Intervals { by_end_ms, span })
}

/// [`read_reply`] of a body in memory, the encoded intervals kept in memory (tests, benches).
pub fn parse_reply<M: IntervalRecords>(
    body: &[u8],
    wanted: Wanted<'_>,
    ids: &mut IdTable,
) -> Result<Intervals<Vec<u8>>, ParseError> {
    read_reply::<M, _>(body, wanted, ids, |_, b| Ok(b.to_vec()))
}

// ---- repeated ids ----

/// Generation marks by id, reused across intervals: which ids a list has shown.
#[derive(Debug, Default)]
pub struct Marks {
    stamp: Vec<u32>,
    generation: u32,
}

impl Marks {
    fn start(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
    }

    /// `true` the first time `id` is marked since [`Marks::start`].
    fn mark(&mut self, id: u32) -> bool {
        let i = id as usize;
        if i >= self.stamp.len() {
            self.stamp.resize(i + 1, 0);
        }
        let fresh = self.stamp[i] != self.generation;
        self.stamp[i] = self.generation;
        fresh
    }
}

/// Drops every record of `v` whose id comes again later (a map's last one wins).
fn keep_last<T>(v: &mut Vec<T>, id: impl Fn(&T) -> u32, marks: &mut Marks) {
    marks.start();
    if v.iter().all(|x| marks.mark(id(x))) {
        return; // no id twice: the usual case
    }
    marks.start();
    // Seen from the back, the first sight of an id is its last record.
    let mut keep: Vec<bool> = v.iter().rev().map(|x| marks.mark(id(x))).collect();
    keep.reverse();
    let mut k = keep.into_iter();
    v.retain(|_| k.next().unwrap_or(true));
}

// ---- the three methods ----

impl IntervalRecords for QueueInterval {
    fn parse_data<'de, D: Deserializer<'de>>(d: D, ids: &mut IdTable) -> Result<Self, D::Error> {
        let mut out = QueueInterval::default();
        let skills = Leaves {
            ids,
            out: &mut out.skills,
        };
        model_struct("QueueHealthData", &["skillsMetrics"], IdMap(skills)).deserialize(d)?;
        Ok(out)
    }

    fn keep_last(&mut self, marks: &mut Marks) {
        keep_last(&mut self.skills, |s| s.0, marks);
    }

    fn encode(&self, out: &mut Vec<u8>) {
        put_u(out, self.skills.len() as u64);
        for (id, s) in &self.skills {
            put_u(out, u64::from(*id));
            let flags = u64::from(s.max_queue_size.is_some()) | u64::from(s.max_available_slots.is_some()) << 1;
            put_u(out, flags);
            for n in queue_counters(s) {
                put_i(out, n.0);
            }
            for n in [s.max_queue_size, s.max_available_slots].into_iter().flatten() {
                put_i(out, n.0);
            }
        }
    }

    fn decode_into(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        let mut r = Bytes(bytes);
        for _ in 0..r.len()? {
            let id = r.id()?;
            let flags = r.u()?;
            let mut c = [Figure(0); 9];
            for n in &mut c {
                *n = r.figure()?;
            }
            let max_queue_size = if flags & 1 != 0 { Some(r.figure()?) } else { None };
            let max_available_slots = if flags & 2 != 0 { Some(r.figure()?) } else { None };
            let [entered_q_eng, connected_eng, abandoned_eng, total_time_to_answer, total_time_to_abandon, queue_size_sum, queue_size_count, available_slots_sum, available_slots_count] =
                c;
            self.skills.push((
                id,
                QueueHealthSkill {
                    entered_q_eng,
                    connected_eng,
                    abandoned_eng,
                    total_time_to_answer,
                    total_time_to_abandon,
                    max_queue_size,
                    queue_size_sum,
                    queue_size_count,
                    max_available_slots,
                    available_slots_sum,
                    available_slots_count,
                },
            ));
        }
        r.end()
    }
}

fn queue_counters(s: &QueueHealthSkill) -> [Figure; 9] {
    [
        s.entered_q_eng,
        s.connected_eng,
        s.abandoned_eng,
        s.total_time_to_answer,
        s.total_time_to_abandon,
        s.queue_size_sum,
        s.queue_size_count,
        s.available_slots_sum,
        s.available_slots_count,
    ]
}

impl IntervalRecords for EngInterval {
    fn parse_data<'de, D: Deserializer<'de>>(d: D, ids: &mut IdTable) -> Result<Self, D::Error> {
        let mut out = EngInterval::default();
        let skills = IdMap(EngSkills { ids, out: &mut out });
        let per_agent = model_struct("SkillsMetricsPerAgent", &["metricsPerSkill"], skills);
        model_struct("EngActivityData", &["skillsMetricsPerAgent"], per_agent).deserialize(d)?;
        Ok(out)
    }

    fn keep_last(&mut self, marks: &mut Marks) {
        keep_last(&mut self.skills, |s| s.skill, marks);
        for s in &mut self.skills {
            keep_last(&mut s.agents, |a| a.0, marks);
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        put_u(out, self.skills.len() as u64);
        for s in &self.skills {
            put_u(out, u64::from(s.skill));
            match &s.totals {
                Some(t) => {
                    put_u(out, 1);
                    put_eng(out, t);
                }
                None => put_u(out, 0),
            }
            put_u(out, s.agents.len() as u64);
            for (id, m) in &s.agents {
                put_u(out, u64::from(*id));
                put_eng(out, m);
            }
        }
    }

    fn decode_into(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        let mut r = Bytes(bytes);
        for _ in 0..r.len()? {
            let skill = r.id()?;
            let totals = match r.u()? {
                0 => None,
                _ => Some(r.eng()?),
            };
            let n = r.len()?;
            let mut agents = Vec::with_capacity(n.min(bytes.len()));
            for _ in 0..n {
                agents.push((r.id()?, r.eng()?));
            }
            self.skills.push(EngSkillRecords { skill, agents, totals });
        }
        r.end()
    }
}

fn put_eng(out: &mut Vec<u8>, m: &EngMetrics) {
    for n in [
        m.total_interactive_chats,
        m.total_non_interactive_chats,
        m.total_handling_time,
        m.non_interactive_total_handling_time,
        m.connected_engagements,
    ] {
        put_i(out, n.0);
    }
}

impl IntervalRecords for AgentInterval {
    fn parse_data<'de, D: Deserializer<'de>>(d: D, ids: &mut IdTable) -> Result<Self, D::Error> {
        let mut agents: Vec<(u32, Vec<AgentState>)> = Vec::new();
        let per_agent = IdMap(Leaves {
            ids: &mut *ids,
            out: &mut agents,
        });
        let metrics = model_struct("AgentsMetrics", &["metricsPerAgent"], per_agent);
        model_struct("AgentActivityData", &["agentsMetrics"], metrics).deserialize(d)?;
        let agents = agents
            .into_iter()
            .map(|(id, states)| Ok((id, states_of(states, ids)?)))
            .collect::<Result<_, &'static str>>()
            .map_err(de::Error::custom)?;
        Ok(AgentInterval { agents })
    }

    fn keep_last(&mut self, marks: &mut Marks) {
        keep_last(&mut self.agents, |a| a.0, marks);
    }

    fn encode(&self, out: &mut Vec<u8>) {
        put_u(out, self.agents.len() as u64);
        for (id, states) in &self.agents {
            put_u(out, u64::from(*id));
            put_u(out, states.len() as u64);
            for st in states {
                put_i(out, st.id);
                put_times(out, &st.value);
                put_u(out, st.reasons.len() as u64);
                for (rid, t) in &st.reasons {
                    put_u(out, u64::from(*rid));
                    put_times(out, t);
                }
            }
        }
    }

    fn decode_into(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        let mut r = Bytes(bytes);
        for _ in 0..r.len()? {
            let agent = r.id()?;
            let n = r.len()?;
            let mut states = Vec::with_capacity(n.min(bytes.len()));
            for _ in 0..n {
                let id = r.i()?;
                let value = r.times()?;
                let k = r.len()?;
                let mut reasons = Vec::with_capacity(k.min(bytes.len()));
                for _ in 0..k {
                    reasons.push((r.id()?, r.times()?));
                }
                states.push(StateRecord { id, value, reasons });
            }
            self.agents.push((agent, states));
        }
        r.end()
    }
}

/// An agent's states as records, their reason ids interned.
fn states_of(states: Vec<AgentState>, ids: &mut IdTable) -> Result<Vec<StateRecord>, &'static str> {
    states
        .into_iter()
        .map(|st| {
            let reasons = st
                .reasons
                .into_iter()
                .map(|r| Ok((ids.intern(&r.id.0).ok_or(TOO_MANY_IDS)?, r.value)))
                .collect::<Result<_, &'static str>>()?;
            Ok(StateRecord {
                id: st.id.0,
                value: st.value,
                reasons,
            })
        })
        .collect()
}

fn put_times(out: &mut Vec<u8>, t: &StateTimes) {
    for n in [t.total, t.chatting, t.not_chatting, t.chatting_in_max_concurrency] {
        put_i(out, n.0);
    }
}

const TOO_MANY_IDS: &str = "the reply names more than 4294967295 distinct ids";
