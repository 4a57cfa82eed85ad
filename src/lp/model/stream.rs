//! The streaming parse of a reply: `metricsByIntervals` read element by
//! element with serde seeds, so no whole-document tree exists and intervals
//! the run does not need are skipped (`IgnoredAny`) instead of built.
//!
//! The rules are those of the typed model: members in any order, unknown
//! members ignored, `metricsData: null` as absent, an interval listed twice
//! is an error (skipped intervals included), and the reply's oldest and
//! newest END timestamps are kept ([`Intervals::span`]) so that the partial
//! and in-progress intervals are still recognised when they were skipped.

use super::{Intervals, Num, ParseError};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::marker::PhantomData;

/// The END timestamps (epoch ms) of the intervals a run uses; `None` keeps all.
pub type Wanted<'a> = Option<&'a BTreeSet<i64>>;

/// Parse a reply from a reader (a spooled body), keeping only `wanted` intervals.
pub fn read_intervals<M>(reader: impl Read, wanted: Wanted<'_>) -> Result<Intervals<M>, ParseError>
where
    M: for<'de> Deserialize<'de> + Default,
{
    let mut de = serde_json::Deserializer::from_reader(reader);
    let parsed = ReplySeed::new(wanted)
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|_| r));
    finish(parsed)
}

/// [`read_intervals`] of a body in memory.
pub fn parse_slice<M>(body: &[u8], wanted: Wanted<'_>) -> Result<Intervals<M>, ParseError>
where
    M: for<'de> Deserialize<'de> + Default,
{
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = ReplySeed::new(wanted)
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|_| r));
    finish(parsed)
}

fn finish<M>(parsed: Result<Parsed<M>, serde_json::Error>) -> Result<Intervals<M>, ParseError> {
    let parsed = parsed.map_err(|e| ParseError::Json(e.to_string()))?;
    match parsed.duplicate {
        Some(end) => Err(ParseError::DuplicateInterval(describe_end(end))),
        None => Ok(parsed.intervals),
    }
}

/// An interval end as operators read it.
pub(super) fn describe_end(end_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(end_ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| end_ms.to_string())
}

struct Parsed<M> {
    intervals: Intervals<M>,
    /// The first END timestamp listed twice.
    duplicate: Option<i64>,
}

#[derive(Deserialize)]
enum ReplyField {
    #[serde(rename = "metricsByIntervals")]
    Intervals,
    #[serde(other)]
    Other,
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

/// The reply object: `metricsByIntervals` is required, every other member ignored.
struct ReplySeed<'a, M> {
    wanted: Wanted<'a>,
    m: PhantomData<fn() -> M>,
}

impl<'a, M> ReplySeed<'a, M> {
    fn new(wanted: Wanted<'a>) -> Self {
        ReplySeed { wanted, m: PhantomData }
    }
}

impl<'de, M: Deserialize<'de> + Default> DeserializeSeed<'de> for ReplySeed<'_, M> {
    type Value = Parsed<M>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: Deserialize<'de> + Default> Visitor<'de> for ReplySeed<'_, M> {
    type Value = Parsed<M>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a reply object with metricsByIntervals")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = None;
        while let Some(key) = map.next_key::<ReplyField>()? {
            match key {
                ReplyField::Intervals if out.is_some() => {
                    return Err(de::Error::duplicate_field("metricsByIntervals"));
                }
                ReplyField::Intervals => {
                    out = Some(map.next_value_seed(IntervalsSeed::<M> {
                        wanted: self.wanted,
                        m: PhantomData,
                    })?);
                }
                ReplyField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        out.ok_or_else(|| de::Error::missing_field("metricsByIntervals"))
    }
}

/// The `metricsByIntervals` list, element by element.
struct IntervalsSeed<'a, M> {
    wanted: Wanted<'a>,
    m: PhantomData<fn() -> M>,
}

impl<'de, M: Deserialize<'de> + Default> DeserializeSeed<'de> for IntervalsSeed<'_, M> {
    type Value = Parsed<M>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, M: Deserialize<'de> + Default> Visitor<'de> for IntervalsSeed<'_, M> {
    type Value = Parsed<M>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of intervals")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut by_end_ms = BTreeMap::new();
        let mut seen = BTreeSet::new();
        let mut duplicate = None;
        while let Some((end, data)) = seq.next_element_seed(IntervalSeed::<M> {
            wanted: self.wanted,
            m: PhantomData,
        })? {
            if !seen.insert(end) {
                duplicate.get_or_insert(end);
            } else if let Some(data) = data {
                by_end_ms.insert(end, data);
            }
        }
        let span = seen.first().copied().zip(seen.last().copied());
        Ok(Parsed {
            intervals: Intervals { by_end_ms, span },
            duplicate,
        })
    }
}

/// One interval: its END timestamp, and its data when it is wanted.
struct IntervalSeed<'a, M> {
    wanted: Wanted<'a>,
    m: PhantomData<fn() -> M>,
}

impl<M> IntervalSeed<'_, M> {
    fn wants(&self, end: i64) -> bool {
        self.wanted.is_none_or(|w| w.contains(&end))
    }
}

impl<'de, M: Deserialize<'de> + Default> DeserializeSeed<'de> for IntervalSeed<'_, M> {
    type Value = (i64, Option<M>);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: Deserialize<'de> + Default> Visitor<'de> for IntervalSeed<'_, M> {
    type Value = (i64, Option<M>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an interval object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut end: Option<i64> = None;
        // Outer: the member was there; inner: its data was kept.
        let mut data: Option<Option<M>> = None;
        while let Some(key) = map.next_key::<IntervalField>()? {
            match key {
                IntervalField::Timestamp if end.is_some() => return Err(de::Error::duplicate_field("timestamp")),
                IntervalField::Timestamp => end = Some(map.next_value::<Num>()?.0),
                IntervalField::Data if data.is_some() => return Err(de::Error::duplicate_field("metricsData")),
                // Before the timestamp is known, the data is read (and dropped later if unwanted).
                IntervalField::Data if end.is_none_or(|e| self.wants(e)) => {
                    data = Some(Some(map.next_value::<Option<M>>()?.unwrap_or_default()));
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
        let kept = self.wants(end).then(|| data.flatten().unwrap_or_default());
        Ok((end, kept))
    }
}
