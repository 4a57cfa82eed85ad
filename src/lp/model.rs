//! Typed leaves of the three Operational Realtime API replies (a skill's, an
//! agent's or a state's figures), read by the run's parse ([`compact`]) into
//! per-interval indexes keyed by the interval's END timestamp (the API does
//! not guarantee the list order). Only the members `wfm` uses are modelled;
//! everything else in a reply is ignored.

use serde::{Deserialize, Deserializer};

pub mod compact;
pub mod ids;
pub mod kmm;
pub mod msgops;
mod seeds;
mod split;
pub use compact::{read_reply, AgentInterval, EngInterval, IntervalRecords, QueueInterval, Wanted};
pub use ids::IdTable;

use std::collections::BTreeMap;
use std::fmt;

/// One of the LivePerson data methods: the three chat methods, and the two of
/// Key Messaging Metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    QueueHealth,
    EngActivity,
    AgentActivity,
    /// KMM `metrics` (per skill).
    Metrics,
    /// KMM `agent_view` (per agent).
    AgentView,
    /// Messaging Operations `msgskillsegments` (v=2, per skill and quarter).
    MsgSkillSegments,
    /// Messaging Operations `msgconversation` (v=1, per skill and agent, 5-minute buckets).
    MsgConversation,
}

impl Method {
    /// The three chat methods.
    pub(crate) const ALL: [Method; 3] = [Method::QueueHealth, Method::EngActivity, Method::AgentActivity];

    /// The path segment, which is also the name operators see in messages.
    pub fn path(self) -> &'static str {
        match self {
            Method::QueueHealth => "queuehealth",
            Method::EngActivity => "engactivity",
            Method::AgentActivity => "agentactivity",
            Method::Metrics => "metrics",
            Method::AgentView => "agent_view",
            Method::MsgSkillSegments => "msgskillsegments",
            Method::MsgConversation => "msgconversation",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A count or a duration in seconds. The API sends integers, but some accounts
/// send integral floats (`140.0`); both are accepted. `-1` is the API's "no data".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Num(pub i64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Num, E> {
                i64::try_from(v)
                    .map(Num)
                    .map_err(|_| E::custom(format!("number {v} is too large")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Num, E> {
                whole_f64(v)
                    .map(Num)
                    .ok_or_else(|| E::custom(format!("{v} is not a whole number")))
            }
        }
        d.deserialize_any(V)
    }
}

/// An integral float as the integer it is; `None` for a fraction, or beyond
/// 2^53, where floats are not exact integers any more.
fn whole_f64(v: f64) -> Option<i64> {
    (v.is_finite() && v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0).then_some(v as i64)
}

/// A chat figure (queuehealth, engactivity, agentactivity): a whole number
/// read as [`Num`] reads it, or [`Figure::NOT_WHOLE`], the mark of a number
/// that is not one (a fraction like 12.5, a float beyond 2^53 like 1e300, an
/// integer beyond i64). The mark is kept rather than refused so that only the
/// quarter whose interval holds it fails (in `aggregate`), not the whole reply
/// and with it every quarter of the run. Key Messaging Metrics and Messaging
/// Operations read [`Num`], which refuses such a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figure(pub i64);

impl Figure {
    /// The mark: -2^63, itself a number no figure can be (any negative but -1
    /// fails its quarter), so a reply sending it is marked the same way.
    pub const NOT_WHOLE: Figure = Figure(i64::MIN);

    /// The whole number, `None` for [`Figure::NOT_WHOLE`].
    pub fn whole(self) -> Option<i64> {
        (self != Self::NOT_WHOLE).then_some(self.0)
    }
}

impl<'de> Deserialize<'de> for Figure {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Figure;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Figure, E> {
                Ok(Figure(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Figure, E> {
                Ok(i64::try_from(v).map_or(Figure::NOT_WHOLE, Figure))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Figure, E> {
                Ok(whole_f64(v).map_or(Figure::NOT_WHOLE, Figure))
            }
        }
        d.deserialize_any(V)
    }
}

/// Ids arrive as strings in maps but as numbers in some lists (`"id": 4`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id (string or integer)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `null` in a member is treated like an absent member.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ---- queuehealth ----

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueHealthSkill {
    #[serde(deserialize_with = "nullable")]
    pub entered_q_eng: Figure,
    #[serde(deserialize_with = "nullable")]
    pub connected_eng: Figure,
    #[serde(deserialize_with = "nullable")]
    pub abandoned_eng: Figure,
    #[serde(deserialize_with = "nullable")]
    pub total_time_to_answer: Figure,
    #[serde(deserialize_with = "nullable")]
    pub total_time_to_abandon: Figure,
    pub max_queue_size: Option<Figure>,
    #[serde(deserialize_with = "nullable")]
    pub queue_size_sum: Figure,
    #[serde(deserialize_with = "nullable")]
    pub queue_size_count: Figure,
    pub max_available_slots: Option<Figure>,
    #[serde(deserialize_with = "nullable")]
    pub available_slots_sum: Figure,
    #[serde(deserialize_with = "nullable")]
    pub available_slots_count: Figure,
    // currentQueueSize/currentQueueState are not reported, so not modelled:
    // the docs' own example repeats the member, which a modelled field would refuse.
}

// ---- engactivity ----

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EngMetrics {
    #[serde(deserialize_with = "nullable")]
    pub total_interactive_chats: Figure,
    #[serde(deserialize_with = "nullable")]
    pub total_non_interactive_chats: Figure,
    #[serde(deserialize_with = "nullable")]
    pub total_handling_time: Figure,
    #[serde(deserialize_with = "nullable")]
    pub non_interactive_total_handling_time: Figure,
    #[serde(deserialize_with = "nullable")]
    pub connected_engagements: Figure,
}

// ---- agentactivity ----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AgentState {
    pub id: Num,
    #[serde(deserialize_with = "nullable", default)]
    pub value: StateTimes,
    #[serde(deserialize_with = "nullable", default)]
    pub reasons: Vec<AwayReason>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AwayReason {
    pub id: Id,
    #[serde(deserialize_with = "nullable", default)]
    pub value: StateTimes,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StateTimes {
    #[serde(deserialize_with = "nullable")]
    pub total: Figure,
    #[serde(deserialize_with = "nullable")]
    pub chatting: Figure,
    #[serde(deserialize_with = "nullable")]
    pub not_chatting: Figure,
    #[serde(deserialize_with = "nullable")]
    pub chatting_in_max_concurrency: Figure,
}

/// A reply indexed by interval END timestamp (epoch milliseconds): the wanted
/// intervals only, and the span of the whole reply (skipped intervals included).
#[derive(Debug, Default)]
pub struct Intervals<M> {
    pub by_end_ms: BTreeMap<i64, M>,
    /// The oldest and newest END timestamps the reply listed, kept or not.
    pub span: Option<(i64, i64)>,
}

impl<M> Intervals<M> {
    pub fn get(&self, end_ms: i64) -> Option<&M> {
        self.by_end_ms.get(&end_ms)
    }

    /// The reply's newest interval (still in progress), whether kept or not.
    pub(crate) fn newest_end(&self) -> Option<i64> {
        let kept = self.by_end_ms.keys().next_back().copied();
        kept.max(self.span.map(|(_, newest)| newest))
    }

    /// The reply's oldest interval (covering only part of its 5 minutes), whether kept or not.
    pub(crate) fn oldest_end(&self) -> Option<i64> {
        let kept = self.by_end_ms.keys().next().copied();
        match (kept, self.span.map(|(oldest, _)| oldest)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Why a reply body could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the reply is not the expected JSON: {0}")]
    Json(String),
    #[error("the reply lists the interval ending {0} twice")]
    DuplicateInterval(String),
    #[error("cannot read the reply back from its temporary file: {0}")]
    Io(String),
    #[error("cannot keep the parsed reply in a temporary file: {0}; check the free space of TMPDIR")]
    Spill(String),
}

/// queuehealth asked without `interval`: only the totals of the timeframe.
#[derive(Debug, Default, Deserialize)]
struct TotalsReply {
    #[serde(rename = "metricsTotals", deserialize_with = "nullable", default)]
    totals: QueueHealthSkill,
}

/// The account's queue totals over a reply's whole timeframe (`wfm check`).
pub(crate) fn parse_queue_totals(body: &[u8]) -> Result<QueueHealthSkill, ParseError> {
    let r: TotalsReply = serde_json::from_slice(body).map_err(|e| ParseError::Json(e.to_string()))?;
    Ok(r.totals)
}

#[cfg(test)]
mod tests;
