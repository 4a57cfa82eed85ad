//! serde seeds: the rules serde's derive gives a struct and a map, records pushed as they are read.

use super::{EngInterval, EngSkillRecords, IntervalRecords, Wanted, TOO_MANY_IDS};
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
pub(super) struct OneMember<S> {
    pub name: &'static str,
    pub member: &'static [&'static str; 1],
    pub seed: S,
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
pub(super) struct IdMap<'a, V> {
    pub ids: &'a mut IdTable,
    pub out: &'a mut Vec<(u32, V)>,
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
pub(super) struct EngSkills<'a> {
    pub ids: &'a mut IdTable,
    pub out: &'a mut EngInterval,
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
