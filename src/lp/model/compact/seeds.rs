//! The chat parse's own seeds: an interval, and what its maps' entries become
//! (a leaf pushed with its id, an engactivity skill's records); the rules serde's
//! derive gives a struct and a map come from the shared `lp::model::seeds`.

use super::{EngInterval, EngSkillRecords, IntervalRecords, Wanted, TOO_MANY_IDS};
use crate::lp::model::seeds::{IdEntries, IdMap, MemberKey, Nullable, OneMember, Seen, Shape};
use crate::lp::model::{EngMetrics, IdTable, Num};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::marker::PhantomData;

/// One interval: its END timestamp, and its records when it is wanted (the
/// interval's data only when it comes after its timestamp).
pub(super) struct IntervalSeed<'a, M> {
    pub wanted: Wanted<'a>,
    pub ids: &'a mut IdTable,
    pub m: PhantomData<fn() -> M>,
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

/// A model struct `name` whose one member is `nullable` (`QueueHealthData`,
/// `AgentsMetrics`, ...), read as derive reads it: an object (unknown members
/// ignored, the member twice refused) or a list (the member first).
pub(super) fn model_struct<S>(
    name: &'static str,
    member: &'static [&'static str; 1],
    seed: S,
) -> OneMember<Nullable<S>> {
    OneMember {
        shape: Shape::Struct(name),
        member,
        seed: Nullable(seed),
    }
}

/// The entries of a map of id to a model leaf `V`, pushed to `out` in order.
pub(super) struct Leaves<'a, V> {
    pub ids: &'a mut IdTable,
    pub out: &'a mut Vec<(u32, V)>,
}

impl<'de, V: Deserialize<'de>> IdEntries<'de> for Leaves<'_, V> {
    const EXPECTING: &'static str = "a map";
    fn intern(&mut self, id: &str) -> Result<u32, &'static str> {
        self.ids.intern(id).ok_or(TOO_MANY_IDS)
    }
    fn value<A: MapAccess<'de>>(&mut self, id: u32, map: &mut A) -> Result<(), A::Error> {
        let v = map.next_value::<V>()?;
        self.out.push((id, v));
        Ok(())
    }
}

/// engactivity's `metricsPerSkill`: skill id to `EngSkill`.
pub(super) struct EngSkills<'a> {
    pub ids: &'a mut IdTable,
    pub out: &'a mut EngInterval,
}

impl<'de> IdEntries<'de> for EngSkills<'_> {
    const EXPECTING: &'static str = "a map";
    fn intern(&mut self, id: &str) -> Result<u32, &'static str> {
        self.ids.intern(id).ok_or(TOO_MANY_IDS)
    }
    fn value<A: MapAccess<'de>>(&mut self, skill: u32, map: &mut A) -> Result<(), A::Error> {
        let mut rec = EngSkillRecords {
            skill,
            ..Default::default()
        };
        map.next_value_seed(EngSkillSeed {
            ids: &mut *self.ids,
            rec: &mut rec,
        })?;
        self.out.skills.push(rec);
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
        let mut seen = Seen::default();
        while let Some(member) = map.next_key_seed(MemberKey(ENG_SKILL_MEMBERS))? {
            match member {
                Some(0) => {
                    seen.first(0, ENG_SKILL_MEMBERS)?;
                    map.next_value_seed(Nullable(IdMap(Leaves {
                        ids: &mut *self.ids,
                        out: &mut self.rec.agents,
                    })))?;
                }
                Some(i) => {
                    seen.first(i, ENG_SKILL_MEMBERS)?;
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
        seq.next_element_seed(Nullable(IdMap(Leaves {
            ids: &mut *self.ids,
            out: &mut self.rec.agents,
        })))?;
        self.rec.totals = seq.next_element::<Option<EngMetrics>>()?.flatten();
        Ok(())
    }
}
