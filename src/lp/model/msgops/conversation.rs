//! `msgconversation` read for a whole run: each bucket's records, read one at a time
//! with ids interned (no `String` per record), are encoded compactly and handed to the
//! caller to keep (the run spills them to a temporary file); a quarter's figures are
//! decoded only when it is built ([`decode_quarter`]). A day of 5-minute buckets for
//! 2,000 agents is never held in memory.

use super::intervals::{count, for_each_seeded};
use super::{shown, Conv, ConvQuarter, OpsError, BUCKET_MS};
use crate::lp::model::compact::varint::{put_u, Bytes};
use crate::lp::model::seeds::{IdEntries, IdMap, MemberKey, Nullable, OneMember, Seen, Shape};
use crate::lp::model::{IdTable, Method, Num};
use crate::quarter::Quarter;
use crate::select::IdSelection;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::io::Read;

const M: Method = Method::MsgConversation;
/// What serde is told when a seed stops the reading (the kept `OpsError` is the one shown).
const STOPPED: &str = "stopped";

/// What [`parse_conversation`] keeps in memory: the ids and, per quarter, each
/// skill's whole-queue totals (the per-agent records went to the caller).
#[derive(Debug, Default)]
pub struct ConvBuckets {
    pub ids: IdTable,
    /// Per quarter of the run (every one present), skill id → totals.
    pub skills: BTreeMap<Quarter, HashMap<u32, Conv>>,
}

#[derive(Deserialize)]
struct ConvFig {
    #[serde(rename = "totalResolvedConversations")]
    total: Option<Num>,
    #[serde(rename = "resolvedConversations_byCCP")]
    by_ccp: Option<Num>,
    #[serde(rename = "resolvedConversations_byConsumer")]
    by_consumer: Option<Num>,
    #[serde(rename = "resolvedConversations_bySystem")]
    by_system: Option<Num>,
    #[serde(rename = "totalHandlingTime_resolvedConversations")]
    time: Option<Num>,
}

impl ConvFig {
    /// The figures; `parts` also requires the by-parts (an agent's `AQ_` row needs them).
    fn read(&self, id: &dyn Fn() -> String, stamp: &str, parts: bool) -> Result<Conv, OpsError> {
        let c = |n: Option<Num>, f| match n {
            Some(Num(v)) if v >= 0 => Ok(v as u64),
            _ => count(M, n, f, &id(), stamp),
        };
        let part = |n: Option<Num>, f| match (parts, n) {
            (false, None) => Ok(0),
            _ => c(n, f),
        };
        Ok(Conv {
            handled: c(self.total, "totalResolvedConversations")?,
            by_agent: part(self.by_ccp, "resolvedConversations_byCCP")?,
            by_consumer: part(self.by_consumer, "resolvedConversations_byConsumer")?,
            by_system: part(self.by_system, "resolvedConversations_bySystem")?,
            handle_time: c(self.time, "totalHandlingTime_resolvedConversations")?,
        })
    }
}

/// The state of one reply's reading, shared by the seeds of one interval.
struct Parse<'s> {
    ids: IdTable,
    /// By id index: whether the agent is in the selection (decided once per id).
    selected: Vec<bool>,
    /// LP_AGENT_IDS as a set; `None`: every agent.
    listed: Option<HashSet<&'s str>>,
    /// The current interval's records (agent, skill, figures) and skill totals.
    records: Vec<(u32, u32, Conv)>,
    totals: Vec<(u32, Conv)>,
    /// A failure inside the seeds, kept while serde is told to stop.
    failed: Option<OpsError>,
}

impl Parse<'_> {
    fn intern(&mut self, id: &str) -> Result<u32, OpsError> {
        let i = self.ids.intern(id).ok_or_else(|| OpsError::Shape {
            method: M,
            why: "more than 2^32 distinct ids".into(),
        })?;
        if i as usize == self.selected.len() {
            let on = self.listed.as_ref().is_none_or(|l| l.contains(id));
            self.selected.push(on);
        }
        Ok(i)
    }

    /// [`Parse::intern`] for a seed: a failure is kept, and serde told to stop.
    fn intern_or_stop(&mut self, id: &str) -> Result<u32, &'static str> {
        self.intern(id).map_err(|e| {
            self.failed = Some(e);
            STOPPED
        })
    }

    /// A failure inside the seeds: kept, and serde told to stop.
    fn fail<E: serde::de::Error>(&mut self, e: OpsError) -> E {
        self.failed = Some(e);
        E::custom(STOPPED)
    }
}

/// What is done with an interval once read: its stamp, whether it had
/// `metricsPerSkill`, and the state holding its records.
type Done<'a, 's> = RefCell<dyn FnMut(Option<Num>, bool, &mut Parse<'s>) -> Result<(), OpsError> + 'a>;

/// Keeps one bucket's encoded records for its quarter.
pub type Keep<'k> = dyn FnMut(Quarter, &[u8]) -> Result<(), String> + 'k;

/// One interval: its stamp and `skillsMetricsPerAgent` (in the interval or in
/// `metricsData`), in whatever order the members come, each at most once.
#[derive(Clone, Copy)]
struct IntervalSeed<'a, 's> {
    p: &'a RefCell<Parse<'s>>,
    done: &'a Done<'a, 's>,
}

impl<'de> DeserializeSeed<'de> for IntervalSeed<'_, '_> {
    type Value = Result<(), OpsError>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        {
            let mut p = self.p.borrow_mut();
            p.records.clear();
            p.totals.clear();
            p.failed = None;
        }
        let read = d.deserialize_map(self);
        let mut p = self.p.borrow_mut();
        match (read, p.failed.take()) {
            (_, Some(e)) => Ok(Err(e)),
            (Err(e), None) => Err(e),
            (Ok((stamp, found)), None) => Ok((self.done.borrow_mut())(stamp, found, &mut p)),
        }
    }
}

const INTERVAL_MEMBERS: &[&str] = &["timestamp", "skillsMetricsPerAgent", "metricsData"];

impl<'de> Visitor<'de> for IntervalSeed<'_, '_> {
    type Value = (Option<Num>, bool);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an interval object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut stamp, mut found, mut seen) = (None, false, Seen::default());
        while let Some(member) = map.next_key_seed(MemberKey(INTERVAL_MEMBERS))? {
            if let Some(i) = member {
                seen.first(i, INTERVAL_MEMBERS)?;
            }
            match member {
                Some(0) => stamp = map.next_value::<Option<Num>>()?,
                Some(1) => found |= map.next_value_seed(per_agent(self.p))?.is_some(),
                Some(_) => {
                    let data = OneMember {
                        shape: Shape::Object("metricsData"),
                        member: &["skillsMetricsPerAgent"],
                        seed: per_agent(self.p),
                    };
                    found |= map.next_value_seed(data)?.flatten().is_some();
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((stamp, found))
    }
}

/// `skillsMetricsPerAgent`: an object whose `metricsPerSkill` (`Some` when there)
/// maps skill ids to [`Skill`]s.
fn per_agent<'a, 's>(p: &'a RefCell<Parse<'s>>) -> OneMember<IdMap<Skills<'a, 's>>> {
    OneMember {
        shape: Shape::Object("skillsMetricsPerAgent"),
        member: &["metricsPerSkill"],
        seed: IdMap(Skills(p)),
    }
}

/// The entries of `metricsPerSkill`.
struct Skills<'a, 's>(&'a RefCell<Parse<'s>>);

impl<'de> IdEntries<'de> for Skills<'_, '_> {
    const EXPECTING: &'static str = "metricsPerSkill";
    fn intern(&mut self, id: &str) -> Result<u32, &'static str> {
        self.0.borrow_mut().intern_or_stop(id)
    }
    fn value<A: MapAccess<'de>>(&mut self, skill: u32, map: &mut A) -> Result<(), A::Error> {
        map.next_value_seed(Skill(self.0, skill))
    }
}

/// One skill: its agents' records and its `metricsTotals`, each at most once.
struct Skill<'a, 's>(&'a RefCell<Parse<'s>>, u32);

const SKILL_MEMBERS: &[&str] = &["metricsPerAgent", "metricsTotals"];

impl<'de> DeserializeSeed<'de> for Skill<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Skill<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a skill's figures")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (p, skill) = (self.0, self.1);
        let mut sum = Conv::default();
        let (mut totals, mut seen) = (None, Seen::default());
        while let Some(member) = map.next_key_seed(MemberKey(SKILL_MEMBERS))? {
            if let Some(i) = member {
                seen.first(i, SKILL_MEMBERS)?;
            }
            match member {
                Some(0) => {
                    let agents = Agents {
                        p,
                        skill,
                        sum: &mut sum,
                    };
                    map.next_value_seed(Nullable(IdMap(agents)))?;
                }
                Some(_) => totals = map.next_value::<Option<ConvFig>>()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut p = p.borrow_mut();
        let name = || shown(p.ids.name(skill));
        let total = match totals.map(|t| t.read(&|| format!("skill {}", name()), "its interval", false)) {
            Some(Ok(t)) => t,
            Some(Err(e)) => return Err(p.fail(e)),
            None => sum,
        };
        if sum.handled > total.handled || sum.handle_time > total.handle_time {
            let e = OpsError::Inconsistent {
                method: M,
                why: format!(
                    "the agents of skill {} resolved {} conversations in {} s, more than its metricsTotals ({} in {} s)",
                    name(),
                    sum.handled,
                    sum.handle_time,
                    total.handled,
                    total.handle_time
                ),
            };
            return Err(p.fail(e));
        }
        p.totals.push((skill, total));
        Ok(())
    }
}

/// The entries of a skill's `metricsPerAgent`, summed into `sum`; the selected
/// agents' records kept.
struct Agents<'a, 's, 'm> {
    p: &'a RefCell<Parse<'s>>,
    skill: u32,
    sum: &'m mut Conv,
}

impl<'de> IdEntries<'de> for Agents<'_, '_, '_> {
    const EXPECTING: &'static str = "the agents of a skill";
    fn intern(&mut self, id: &str) -> Result<u32, &'static str> {
        self.p.borrow_mut().intern_or_stop(id)
    }
    fn value<A: MapAccess<'de>>(&mut self, agent: u32, map: &mut A) -> Result<(), A::Error> {
        let fig: ConvFig = map.next_value()?;
        let mut p = self.p.borrow_mut();
        let read = {
            let ids = &p.ids;
            let who = || {
                format!(
                    "agent {} in skill {}",
                    shown(ids.name(agent)),
                    shown(ids.name(self.skill))
                )
            };
            fig.read(&who, "its interval", true)
        };
        let c = match read {
            Ok(c) => c,
            Err(e) => return Err(p.fail(e)),
        };
        if add(self.sum, &c).is_none() {
            let e = overflow(p.ids.name(self.skill));
            return Err(p.fail(e));
        }
        if p.selected[agent as usize] {
            p.records.push((agent, self.skill, c));
        }
        Ok(())
    }
}

fn add(into: &mut Conv, c: &Conv) -> Option<()> {
    into.handled = into.handled.checked_add(c.handled)?;
    into.by_agent = into.by_agent.checked_add(c.by_agent)?;
    into.by_consumer = into.by_consumer.checked_add(c.by_consumer)?;
    into.by_system = into.by_system.checked_add(c.by_system)?;
    into.handle_time = into.handle_time.checked_add(c.handle_time)?;
    Some(())
}

fn overflow(id: &str) -> OpsError {
    OpsError::Inconsistent {
        method: M,
        why: format!("the figures of {} overflow", shown(id)),
    }
}

/// The `msgconversation` reply cut into `quarters` (each one's buckets stamped
/// S+5, S+10, S+15 min; buckets of other quarters and the one in progress after
/// `now_ms` are skipped). Every bucket a quarter needs must be there, once. A
/// skill's totals are its `metricsTotals` (the sum of its agents when absent);
/// per agent only the `agents` selected are kept, each bucket's records handed to
/// `keep` encoded (decode them with [`decode_quarter`]).
pub fn parse_conversation<R: Read>(
    reader: R,
    quarters: &[Quarter],
    agents: &IdSelection,
    now_ms: i64,
    keep: &mut Keep<'_>,
) -> Result<ConvBuckets, OpsError> {
    let wanted: BTreeSet<Quarter> = quarters.iter().copied().collect();
    let mut skills: BTreeMap<Quarter, HashMap<u32, Conv>> = wanted.iter().map(|q| (*q, HashMap::new())).collect();
    let mut seen = HashSet::new();
    let listed = match agents {
        IdSelection::List(ids) => Some(ids.iter().map(String::as_str).collect()),
        IdSelection::All => None,
    };
    let p = RefCell::new(Parse {
        ids: IdTable::default(),
        selected: Vec::new(),
        listed,
        records: Vec::new(),
        totals: Vec::new(),
        failed: None,
    });
    let mut buf = Vec::new();
    let done = RefCell::new(|stamp: Option<Num>, found: bool, p: &mut Parse<'_>| {
        let stamp = stamp
            .ok_or_else(|| OpsError::Missing {
                method: M,
                member: "timestamp",
                place: " in an interval".into(),
            })?
            .0;
        if stamp.rem_euclid(BUCKET_MS) != 0 {
            return Err(OpsError::BucketStamp { stamp });
        }
        if !seen.insert(stamp) {
            return Err(OpsError::Twice { method: M, stamp });
        }
        if !found {
            return Err(OpsError::Missing {
                method: M,
                member: "skillsMetricsPerAgent.metricsPerSkill",
                place: format!(" in the interval {stamp}"),
            });
        }
        let q = chrono::DateTime::from_timestamp_millis(stamp - 1).map(Quarter::containing);
        let Some((q, into)) = q
            .filter(|_| stamp <= now_ms)
            .and_then(|q| skills.get_mut(&q).map(|s| (q, s)))
        else {
            return Ok(());
        };
        for (skill, t) in &p.totals {
            add(into.entry(*skill).or_default(), t).ok_or_else(|| overflow(p.ids.name(*skill)))?;
        }
        buf.clear();
        put_u(&mut buf, p.records.len() as u64);
        for (agent, skill, c) in &p.records {
            for v in [
                *agent as u64,
                *skill as u64,
                c.handled,
                c.by_agent,
                c.by_consumer,
                c.by_system,
                c.handle_time,
            ] {
                put_u(&mut buf, v);
            }
        }
        keep(q, &buf).map_err(|why| OpsError::Shape {
            method: M,
            why: format!("its records could not be kept: {why}"),
        })
    });
    for_each_seeded(reader, M, IntervalSeed { p: &p, done: &done })?;
    // The closure's borrows of `seen` and `skills` end with it.
    let _ = done.into_inner();
    for q in &wanted {
        for end in q.interval_ends() {
            let end = end.timestamp_millis();
            if !seen.contains(&end) {
                return Err(OpsError::NoBucket { end, quarter: q.stem() });
            }
        }
    }
    Ok(ConvBuckets {
        ids: p.into_inner().ids,
        skills,
    })
}

/// One quarter's figures from its skill totals and the encoded records of its
/// buckets (as [`parse_conversation`] handed them over), summed per (agent, skill).
pub fn decode_quarter<'b>(
    ids: &IdTable,
    skills: &HashMap<u32, Conv>,
    buckets: impl IntoIterator<Item = &'b [u8]>,
) -> Result<ConvQuarter, OpsError> {
    let bad = |why: &str| OpsError::Shape {
        method: M,
        why: format!("its kept records are damaged ({why})"),
    };
    let mut pairs: HashMap<(u32, u32), Conv> = HashMap::new();
    for bytes in buckets {
        let mut b = Bytes(bytes);
        let n = b.u().map_err(|_| bad("a count"))?;
        for _ in 0..n {
            let agent = b.id().map_err(|_| bad("an id"))?;
            let skill = b.id().map_err(|_| bad("an id"))?;
            let mut v = [0u64; 5];
            for x in &mut v {
                *x = b.u().map_err(|_| bad("a figure"))?;
            }
            let c = Conv {
                handled: v[0],
                by_agent: v[1],
                by_consumer: v[2],
                by_system: v[3],
                handle_time: v[4],
            };
            add(pairs.entry((agent, skill)).or_default(), &c).ok_or_else(|| overflow(ids.name(agent)))?;
        }
    }
    Ok(ConvQuarter {
        skills: skills.iter().map(|(s, c)| (ids.name(*s).to_string(), *c)).collect(),
        agents: pairs
            .into_iter()
            .map(|((a, s), c)| ((ids.name(a).to_string(), ids.name(s).to_string()), c))
            .collect(),
    })
}
