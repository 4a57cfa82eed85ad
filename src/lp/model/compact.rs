//! The run's parse: a reply streamed through [`split`](super::split), each
//! interval the run needs parsed from memory into compact records (ids interned
//! in an [`IdTable`], no map per interval), then encoded into a few bytes per
//! record and handed to the caller, which keeps them out of memory (the run
//! spills them to a temporary file) until the quarter that needs them is built.
//! Memory holds one interval at a time, whatever the number of quarters.
//!
//! Members are read as the typed model reads them: the records' leaves are the
//! model's own structs ([`QueueHealthSkill`], [`EngMetrics`], [`AgentState`]),
//! and the containers repeat derive's rules (members in any order or as a list,
//! unknown ones ignored, `null` as absent, a repeated member refused) and a
//! map's (a repeated id: its last record wins). So a reply parses here exactly
//! when it parses into the typed model, and to the same figures.

use super::ids::IdTable;
use super::split::{parse_piece, split};
use super::stream::describe_end;
use super::{AgentState, EngMetrics, Intervals, Num, ParseError, QueueHealthSkill, StateTimes, Wanted};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::marker::PhantomData;

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
        OneMember {
            name: "QueueHealthData",
            member: &["skillsMetrics"],
            seed: IdMap {
                ids,
                out: &mut out.skills,
            },
        }
        .deserialize(d)?;
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
            let mut c = [Num(0); 9];
            for n in &mut c {
                *n = r.num()?;
            }
            let max_queue_size = if flags & 1 != 0 { Some(r.num()?) } else { None };
            let max_available_slots = if flags & 2 != 0 { Some(r.num()?) } else { None };
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

fn queue_counters(s: &QueueHealthSkill) -> [Num; 9] {
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
        OneMember {
            name: "EngActivityData",
            member: &["skillsMetricsPerAgent"],
            seed: OneMember {
                name: "SkillsMetricsPerAgent",
                member: &["metricsPerSkill"],
                seed: EngSkills { ids, out: &mut out },
            },
        }
        .deserialize(d)?;
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
        OneMember {
            name: "AgentActivityData",
            member: &["agentsMetrics"],
            seed: OneMember {
                name: "AgentsMetrics",
                member: &["metricsPerAgent"],
                seed: IdMap {
                    ids: &mut *ids,
                    out: &mut agents,
                },
            },
        }
        .deserialize(d)?;
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

// ---- encoding: LEB128 varints, zigzag for signed numbers ----

fn put_u(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_i(out: &mut Vec<u8>, v: i64) {
    put_u(out, ((v << 1) ^ (v >> 63)) as u64);
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.0.split_first().ok_or(DecodeError("cut short"))?;
            self.0 = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError("a number is too long"))
    }

    fn i(&mut self) -> Result<i64, DecodeError> {
        let u = self.u()?;
        Ok((u >> 1) as i64 ^ -((u & 1) as i64))
    }

    fn num(&mut self) -> Result<Num, DecodeError> {
        self.i().map(Num)
    }

    fn id(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.u()?).map_err(|_| DecodeError("an id is out of range"))
    }

    fn len(&mut self) -> Result<usize, DecodeError> {
        usize::try_from(self.u()?).map_err(|_| DecodeError("a count is out of range"))
    }

    fn eng(&mut self) -> Result<EngMetrics, DecodeError> {
        Ok(EngMetrics {
            total_interactive_chats: self.num()?,
            total_non_interactive_chats: self.num()?,
            total_handling_time: self.num()?,
            non_interactive_total_handling_time: self.num()?,
            connected_engagements: self.num()?,
        })
    }

    fn times(&mut self) -> Result<StateTimes, DecodeError> {
        Ok(StateTimes {
            total: self.num()?,
            chatting: self.num()?,
            not_chatting: self.num()?,
            chatting_in_max_concurrency: self.num()?,
        })
    }

    fn end(&self) -> Result<(), DecodeError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DecodeError("bytes left over"))
        }
    }
}

// ---- serde seeds: the typed model's rules, records pushed as they are read ----

/// One interval: its END timestamp, and its records when it is wanted (as
/// `stream::IntervalSeed` reads it).
struct IntervalSeed<'a, M> {
    wanted: Wanted<'a>,
    ids: &'a mut IdTable,
    m: PhantomData<fn() -> M>,
}

#[derive(Deserialize)]
enum IntervalField {
    #[serde(rename = "timestamp")]
    Timestamp,
    #[serde(rename = "metricsData")]
    Data,
    #[serde(other)]
    Other,
}

impl<'de, M: IntervalRecords> DeserializeSeed<'de> for IntervalSeed<'_, M> {
    type Value = (i64, Option<M>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: IntervalRecords> Visitor<'de> for IntervalSeed<'_, M> {
    type Value = (i64, Option<M>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an interval object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let wants = |end: i64| self.wanted.is_none_or(|w| w.contains(&end));
        let mut end: Option<i64> = None;
        // Outer: the member was there; inner: its data was read.
        let mut data: Option<Option<M>> = None;
        while let Some(key) = map.next_key::<IntervalField>()? {
            match key {
                IntervalField::Timestamp if end.is_some() => return Err(de::Error::duplicate_field("timestamp")),
                IntervalField::Timestamp => end = Some(map.next_value::<Num>()?.0),
                IntervalField::Data if data.is_some() => return Err(de::Error::duplicate_field("metricsData")),
                // Before the timestamp is known, the data is read (and dropped later if unwanted).
                IntervalField::Data if end.is_none_or(wants) => {
                    let seed = Nullable(DataSeed::<M> {
                        ids: &mut *self.ids,
                        m: PhantomData,
                    });
                    data = Some(Some(map.next_value_seed(seed)?));
                }
                IntervalField::Data => {
                    map.next_value::<IgnoredAny>()?;
                    data = Some(None);
                }
                IntervalField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let end = end.ok_or_else(|| de::Error::missing_field("timestamp"))?;
        let kept = wants(end).then(|| data.flatten().unwrap_or_default());
        Ok((end, kept))
    }
}

struct DataSeed<'a, M> {
    ids: &'a mut IdTable,
    m: PhantomData<fn() -> M>,
}

impl<'de, M: IntervalRecords> DeserializeSeed<'de> for DataSeed<'_, M> {
    type Value = M;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<M, D::Error> {
        M::parse_data(d, self.ids)
    }
}

/// `nullable`: `null` is the default (nothing read), anything else goes to the seed.
struct Nullable<S>(S);

impl<'de, S> DeserializeSeed<'de> for Nullable<S>
where
    S: DeserializeSeed<'de>,
    S::Value: Default,
{
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S> Visitor<'de> for Nullable<S>
where
    S: DeserializeSeed<'de>,
    S::Value: Default,
{
    type Value = S::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("option")
    }
    fn visit_none<E: de::Error>(self) -> Result<S::Value, E> {
        Ok(S::Value::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<S::Value, E> {
        Ok(S::Value::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(d)
    }
}

/// A model struct whose one member is `nullable` (`QueueHealthData`,
/// `AgentsMetrics`, ...), read as derive reads it: an object (unknown members
/// ignored, the member twice refused) or a list (the member first).
struct OneMember<S> {
    name: &'static str,
    member: &'static [&'static str; 1],
    seed: S,
}

impl<'de, S: DeserializeSeed<'de, Value = ()>> DeserializeSeed<'de> for OneMember<S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct(self.name, &[], self)
    }
}

impl<'de, S: DeserializeSeed<'de, Value = ()>> Visitor<'de> for OneMember<S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seed = Some(self.seed);
        while let Some(is_member) = map.next_key_seed(MemberKey(self.member))? {
            if is_member.is_none() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let Some(s) = seed.take() else {
                return Err(de::Error::duplicate_field(self.member[0]));
            };
            map.next_value_seed(Nullable(s))?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        seq.next_element_seed(Nullable(self.seed))?;
        Ok(())
    }
}

/// A struct member's name: its index among `names`, `None` for any other member.
struct MemberKey(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for MemberKey {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for MemberKey {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|n| *n == v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|n| n.as_bytes() == v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<usize>, E> {
        Ok(usize::try_from(v).ok().filter(|i| *i < self.0.len()))
    }
}

/// A map key interned as an id.
struct Intern<'a>(&'a mut IdTable);

impl<'de> DeserializeSeed<'de> for Intern<'_> {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u32, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Intern<'_> {
    type Value = u32;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u32, E> {
        self.0.intern(v).ok_or_else(|| E::custom(TOO_MANY_IDS))
    }
}

/// A map of id to a model leaf `V`, its entries pushed to `out` in order
/// (`HashMap<String, V>`'s rules: an object, any number of entries).
struct IdMap<'a, V> {
    ids: &'a mut IdTable,
    out: &'a mut Vec<(u32, V)>,
}

impl<'de, V: Deserialize<'de>> DeserializeSeed<'de> for IdMap<'_, V> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, V: Deserialize<'de>> Visitor<'de> for IdMap<'_, V> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(id) = map.next_key_seed(Intern(&mut *self.ids))? {
            let v = map.next_value::<V>()?;
            self.out.push((id, v));
        }
        Ok(())
    }
}

/// engactivity's `metricsPerSkill`: skill id to `EngSkill`.
struct EngSkills<'a> {
    ids: &'a mut IdTable,
    out: &'a mut EngInterval,
}

impl<'de> DeserializeSeed<'de> for EngSkills<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EngSkills<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(skill) = map.next_key_seed(Intern(&mut *self.ids))? {
            let mut rec = EngSkillRecords {
                skill,
                ..Default::default()
            };
            map.next_value_seed(EngSkillSeed {
                ids: &mut *self.ids,
                rec: &mut rec,
            })?;
            self.out.skills.push(rec);
        }
        Ok(())
    }
}

/// One `EngSkill`: `metricsPerAgent` (nullable) and `metricsTotals` (optional).
struct EngSkillSeed<'a> {
    ids: &'a mut IdTable,
    rec: &'a mut EngSkillRecords,
}

const ENG_SKILL_MEMBERS: &[&str] = &["metricsPerAgent", "metricsTotals"];

impl<'de> DeserializeSeed<'de> for EngSkillSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("EngSkill", ENG_SKILL_MEMBERS, self)
    }
}

impl<'de> Visitor<'de> for EngSkillSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct EngSkill")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut agents, mut totals) = (false, false);
        while let Some(member) = map.next_key_seed(MemberKey(ENG_SKILL_MEMBERS))? {
            match member {
                Some(0) if agents => return Err(de::Error::duplicate_field("metricsPerAgent")),
                Some(0) => {
                    agents = true;
                    map.next_value_seed(Nullable(IdMap {
                        ids: &mut *self.ids,
                        out: &mut self.rec.agents,
                    }))?;
                }
                Some(_) if totals => return Err(de::Error::duplicate_field("metricsTotals")),
                Some(_) => {
                    totals = true;
                    self.rec.totals = map.next_value::<Option<EngMetrics>>()?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        seq.next_element_seed(Nullable(IdMap {
            ids: &mut *self.ids,
            out: &mut self.rec.agents,
        }))?;
        self.rec.totals = seq.next_element::<Option<EngMetrics>>()?.flatten();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            r#"{"skillsMetrics":{"199":{"enteredQEng":9,"maxQueueSize":-1,"queueSizeSum":-9223372036854775808,"availableSlotsCount":9223372036854775807},"7":{"maxAvailableSlots":3.0}}}"#,
            &mut ids,
        )
        .unwrap();
        assert_eq!(q.skills.len(), 2);
        let (s199, s7) = (&q.skills[0].1, &q.skills[1].1);
        assert_eq!((ids.name(q.skills[0].0), s199.entered_q_eng), ("199", Num(9)));
        assert_eq!((s199.max_queue_size, s199.max_available_slots), (Some(Num(-1)), None));
        assert_eq!(
            (s199.queue_size_sum, s199.available_slots_count),
            (Num(i64::MIN), Num(i64::MAX))
        );
        assert_eq!(s7.max_available_slots, Some(Num(3)));

        let e = one::<EngInterval>(
            r#"{"skillsMetricsPerAgent":{"metricsPerSkill":{"5":{"metricsTotals":{"totalHandlingTime":4},"metricsPerAgent":{"2":{"connectedEngagements":1},"8":null}},"6":{"metricsPerAgent":null}}}}"#,
            &mut ids,
        );
        assert!(
            e.is_err(),
            "an agent's null record is refused, as the typed model refuses it"
        );
        let e: EngInterval = one(
            r#"{"skillsMetricsPerAgent":{"metricsPerSkill":{"5":{"metricsTotals":{"totalHandlingTime":4},"metricsPerAgent":{"2":{"connectedEngagements":1}}},"6":[{"7":{}}]}}}"#,
            &mut ids,
        )
        .unwrap();
        assert_eq!(e.skills.len(), 2);
        assert_eq!(e.skills[0].totals.unwrap().total_handling_time, Num(4));
        assert_eq!(e.skills[0].agents[0].1.connected_engagements, Num(1));
        assert_eq!((e.skills[1].totals, e.skills[1].agents.len()), (None, 1));

        let a: AgentInterval = one(
            r#"{"agentsMetrics":{"metricsPerAgent":{"2":[{"id":4,"value":{"total":100},"reasons":[{"id":"77","value":{"total":60}},{"id":8,"value":null}]},{"id":-1}]}}}"#,
            &mut ids,
        )
        .unwrap();
        let states = &a.agents[0].1;
        assert_eq!((states[0].id, states[0].value.total, states[1].id), (4, Num(100), -1));
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
        assert_eq!(e.skills[0].agents[0].1.connected_engagements, Num(5));
    }

    #[test]
    fn the_typed_models_rules_hold() {
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
            let body = format!(r#"{{"metricsByIntervals":[{{"timestamp":300000,"metricsData":{bad}}}]}}"#);
            assert!(super::super::parse_queue_health(body.as_bytes()).is_err(), "{bad}");
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
            let body = format!(r#"{{"metricsByIntervals":[{{"timestamp":300000,"metricsData":{good}}}]}}"#);
            assert!(super::super::parse_queue_health(body.as_bytes()).is_ok(), "{good}");
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
}
