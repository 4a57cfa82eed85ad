//! The parser before streaming, kept for tests only: the whole body
//! deserialised into typed structs with every interval, then indexed. The
//! streaming parser must give the same reports (`run::stream_identity`).

use super::stream::describe_end;
use super::{AgentActivityData, EngActivityData, Intervals, Num, ParseError, QueueHealthData};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Deserialize)]
#[serde(bound = "M: Deserialize<'de> + Default")]
struct Reply<M> {
    #[serde(rename = "metricsByIntervals")]
    intervals: Vec<Interval<M>>,
}

#[derive(Debug, Deserialize)]
#[serde(bound = "M: Deserialize<'de> + Default")]
struct Interval<M> {
    timestamp: Num,
    #[serde(rename = "metricsData", deserialize_with = "nullable", default)]
    data: M,
}

fn parse<M: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> Result<Intervals<M>, ParseError> {
    let reply: Reply<M> = serde_json::from_slice(body).map_err(|e| ParseError::Json(e.to_string()))?;
    let mut by_end_ms = BTreeMap::new();
    for iv in reply.intervals {
        if by_end_ms.insert(iv.timestamp.0, iv.data).is_some() {
            return Err(ParseError::DuplicateInterval(describe_end(iv.timestamp.0)));
        }
    }
    Ok(Intervals { by_end_ms, span: None })
}

pub fn parse_queue_health(body: &[u8]) -> Result<Intervals<QueueHealthData>, ParseError> {
    parse(body)
}

pub fn parse_eng_activity(body: &[u8]) -> Result<Intervals<EngActivityData>, ParseError> {
    parse(body)
}

pub fn parse_agent_activity(body: &[u8]) -> Result<Intervals<AgentActivityData>, ParseError> {
    parse(body)
}
