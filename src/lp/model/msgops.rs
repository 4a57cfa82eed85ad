//! Messaging Operations (`docs/liveperson-messaging-operations.md`): the queries of
//! `msgskillsegments` (v=2) and `msgconversation` (v=1), one request each per run, and
//! their replies cut into per-quarter records. Pure; strict: a reply without the members
//! the contract names, a stamp off the quarter grid, a negative or non-integral count or
//! figures that contradict each other are an [`OpsError`], which fails the run's
//! Messaging Operations part (every quarter of the run), never one quarter quietly.

use super::{Method, Num};
use crate::quarter::Quarter;
use crate::select::IdSelection;
use intervals::{count, for_each_interval};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;

mod conversation;
mod intervals;

pub use conversation::{decode_quarter, parse_conversation, ConvBuckets};

/// An id from a reply as an error shows it: as it is, or quoted with its control
/// characters escaped ([`crate::outside::escape`]: outside text never reaches a log raw).
fn shown(id: &str) -> String {
    if id.chars().any(char::is_control) {
        format!("\"{}\"", crate::outside::escape(id))
    } else {
        id.to_string()
    }
}

/// msgconversation's buckets: LivePerson's 5-minute intervals.
const BUCKET_MS: i64 = crate::quarter::INTERVAL_MINUTES * 60_000;

/// The `msgskillsegments` query for quarters `first` to `last`: F = first's
/// start, T = last's end, 15-minute buckets stamped with their start.
pub(crate) fn segments_query(first: Quarter, last: Quarter, skills: &IdSelection) -> Vec<(&'static str, String)> {
    vec![
        ("v", "2".into()),
        ("fromMillis", first.start().timestamp_millis().to_string()),
        ("toMillis", last.end().timestamp_millis().to_string()),
        ("interval", "15".into()),
        ("skillIds", skills.query_value()),
        ("userType", "human".into()),
    ]
}

/// `timeframe` of `msgconversation` reaching back to `first`'s start:
/// 5 × ⌈(now − F) / 5 min⌉ minutes (the contract's rule), at least 5.
pub(crate) fn conversation_timeframe(first: Quarter, now: chrono::DateTime<chrono::Utc>) -> u32 {
    let back = (now.timestamp_millis() - first.start().timestamp_millis()).max(1);
    let buckets = (back + BUCKET_MS - 1) / BUCKET_MS;
    u32::try_from(buckets * 5).unwrap_or(u32::MAX)
}

/// The `msgconversation` query: every agent always (a skill's totals stay whole-queue;
/// the `AQ_` rows are limited to the configured agents afterwards).
pub(crate) fn conversation_query(timeframe: u32, skills: &IdSelection) -> Vec<(&'static str, String)> {
    vec![
        ("v", "1".into()),
        ("timeframe", timeframe.to_string()),
        ("interval", "5".into()),
        ("skillIds", skills.query_value()),
        ("agentIds", "all".into()),
    ]
}

/// Why a Messaging Operations reply cannot be used: the run's Messaging Operations
/// part fails, so every quarter of the run fails (no partial files).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpsError {
    #[error("{method} reply is not usable: {why}")]
    Shape { method: Method, why: String },
    #[error("{method} reply has no {member}{place} (a reply of another shape, or an error page sent with 200)")]
    Missing {
        method: Method,
        member: &'static str,
        place: String,
    },
    #[error("msgskillsegments: interval stamp {stamp} is not a quarter start between {from} and {to} (epoch ms) the run asked for")]
    Stamp { stamp: i64, from: i64, to: i64 },
    #[error("msgconversation: interval stamp {stamp} is not a 5-minute bucket end")]
    BucketStamp { stamp: i64 },
    #[error("{method} reply holds the interval stamped {stamp} twice")]
    Twice { method: Method, stamp: i64 },
    #[error("{method} reply: {field} of {id} {at} is {value}, which is not a count")]
    Negative {
        method: Method,
        field: &'static str,
        id: String,
        /// Where: "at 1764064800000", "in its interval".
        at: String,
        value: i64,
    },
    #[error("{method} reply is inconsistent: {why}")]
    Inconsistent { method: Method, why: String },
    #[error("msgconversation reply has no bucket ending {end} (epoch ms), which quarter {quarter} needs; LivePerson did not serve the whole window")]
    NoBucket { end: i64, quarter: String },
}

/// A skill's `msgskillsegments` figures in one quarter.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Segments {
    /// `totalSkillConversationSegments`.
    pub offered: u64,
    /// `skillSegmentsAbandonedByConsumersInQueue`.
    pub abandoned_in_queue: u64,
    /// `skillSegmentsAbandonedByConsumers`.
    pub abandoned_by_consumers: u64,
    /// `interactiveSkillSegments`.
    pub interactive: u64,
    /// `skillSegmentsWithNonResponsiveAgents`.
    pub non_responsive_agents: u64,
    /// `skillSegmentsWithNonResponsiveConsumers`.
    pub non_responsive_consumers: u64,
    /// `avgTimetoFirstAgentMessageFromAgentAssignment` in ms; `None`: no data
    /// (absent, `null` or negative).
    pub avg_first_agent_message_ms: Option<f64>,
}

/// Resolved conversations of a skill (whole queue) or of an agent in a skill,
/// summed over a quarter's three buckets; handle time in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conv {
    /// `totalResolvedConversations`.
    pub handled: u64,
    /// `resolvedConversations_byCCP`.
    pub by_agent: u64,
    /// `resolvedConversations_byConsumer`.
    pub by_consumer: u64,
    /// `resolvedConversations_bySystem`.
    pub by_system: u64,
    /// `totalHandlingTime_resolvedConversations`.
    pub handle_time: u64,
}

/// One quarter's `msgconversation` figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConvQuarter {
    /// Per skill, the whole queue (`metricsTotals`).
    pub skills: HashMap<String, Conv>,
    /// Per (agent, skill), the agents of the selection only.
    pub agents: HashMap<(String, String), Conv>,
}

/// One complete quarter's Messaging Operations figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpsQuarter {
    /// Per skill; `None` when `msgskillsegments` was not asked (OAuth 1.0a).
    pub segments: Option<HashMap<String, Segments>>,
    pub conv: ConvQuarter,
}

#[derive(Deserialize)]
struct SegInterval {
    timestamp: Option<Num>,
    #[serde(rename = "skillsMetrics")]
    skills: Option<HashMap<String, SegSkill>>,
    #[serde(rename = "metricsData")]
    data: Option<SegData>,
}

#[derive(Deserialize)]
struct SegData {
    #[serde(rename = "skillsMetrics")]
    skills: Option<HashMap<String, SegSkill>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SegSkill {
    total_skill_conversation_segments: Option<Num>,
    skill_segments_abandoned_by_consumers: Option<Num>,
    skill_segments_abandoned_by_consumers_in_queue: Option<Num>,
    skill_segments_with_non_responsive_consumers: Option<Num>,
    skill_segments_with_non_responsive_agents: Option<Num>,
    interactive_skill_segments: Option<Num>,
    #[serde(rename = "avgTimetoFirstAgentMessageFromAgentAssignment")]
    avg: Option<f64>,
}

/// The `msgskillsegments` reply of the window [first's start, last's end) by
/// quarter: every bucket stamped with a quarter start inside the window, each
/// at most once; a quarter without a bucket is absent (no data).
pub(crate) fn parse_segments<R: Read>(
    reader: R,
    first: Quarter,
    last: Quarter,
) -> Result<BTreeMap<Quarter, HashMap<String, Segments>>, OpsError> {
    let m = Method::MsgSkillSegments;
    let (from, to) = (first.start().timestamp_millis(), last.end().timestamp_millis());
    let mut out = BTreeMap::new();
    for_each_interval(reader, m, |iv: SegInterval| {
        let stamp = iv.timestamp.ok_or_else(|| OpsError::Missing {
            method: m,
            member: "timestamp",
            place: " in an interval".into(),
        })?;
        let stamp = stamp.0;
        // Off the quarter grid: `starting_at` refuses it.
        let q = (from..to)
            .contains(&stamp)
            .then(|| chrono::DateTime::from_timestamp_millis(stamp))
            .flatten()
            .and_then(|t| Quarter::starting_at(t).ok())
            .ok_or(OpsError::Stamp { stamp, from, to })?;
        let skills = iv
            .skills
            .or(iv.data.and_then(|d| d.skills))
            .ok_or_else(|| OpsError::Missing {
                method: m,
                member: "skillsMetrics",
                place: format!(" in the interval {stamp}"),
            })?;
        let mut per = HashMap::with_capacity(skills.len());
        for (id, s) in skills {
            let at = format!("at {stamp}");
            let c = |n, f| count(m, n, f, &id, &at);
            let seg = Segments {
                offered: c(s.total_skill_conversation_segments, "totalSkillConversationSegments")?,
                abandoned_by_consumers: c(
                    s.skill_segments_abandoned_by_consumers,
                    "skillSegmentsAbandonedByConsumers",
                )?,
                abandoned_in_queue: c(
                    s.skill_segments_abandoned_by_consumers_in_queue,
                    "skillSegmentsAbandonedByConsumersInQueue",
                )?,
                non_responsive_consumers: c(
                    s.skill_segments_with_non_responsive_consumers,
                    "skillSegmentsWithNonResponsiveConsumers",
                )?,
                non_responsive_agents: c(
                    s.skill_segments_with_non_responsive_agents,
                    "skillSegmentsWithNonResponsiveAgents",
                )?,
                interactive: c(s.interactive_skill_segments, "interactiveSkillSegments")?,
                avg_first_agent_message_ms: s.avg.filter(|v| v.is_finite() && *v >= 0.0),
            };
            // Every kind of segment is one of the skill's segments.
            let parts = [
                seg.abandoned_by_consumers,
                seg.abandoned_in_queue,
                seg.non_responsive_consumers,
                seg.non_responsive_agents,
                seg.interactive,
            ];
            if parts.iter().any(|p| *p > seg.offered) || seg.abandoned_in_queue > seg.abandoned_by_consumers {
                return Err(OpsError::Inconsistent {
                    method: m,
                    why: format!(
                        "skill {} at {stamp} has more segments of one kind than totalSkillConversationSegments ({}), or more abandoned in queue than abandoned",
                        shown(&id),
                        seg.offered
                    ),
                });
            }
            per.insert(id, seg);
        }
        if out.insert(q, per).is_some() {
            return Err(OpsError::Twice { method: m, stamp });
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests;
