//! Messaging quarters (`LP_CHANNEL=messaging`): the `Q_`, `AQ_` and `AS_` rows of
//! `docs/reports.md` "Messaging accounts", from one quarter's Key Messaging
//! Metrics pages and, for a quarter Messaging Operations still serves, its
//! figures ([`super::messaging_ops`]). KMM answers for the whole window, so
//! there are no intervals to pick: a quarter is one window. Milliseconds become
//! whole seconds, rounded half up.

use super::limits::{check_average, check_id, COUNT, STATE_MS};
use super::messaging_ops::{agent_queue_rows, handled_figures, segment_figures};
pub use super::messaging_ops::{HandledFigures, MessagingAgentQueueRow, SegmentFigures};
use super::sums::{div_half_up, Acc};
use super::{row_ids, AggregateError, Naming, Selection};
use crate::lp::model::kmm::{AgentRecord, Group};
use crate::lp::model::msgops::OpsQuarter;
use crate::lp::model::Method;
use crate::quarter::Quarter;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One messaging `Q_` row: a skill over the quarter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagingQueueRow {
    pub id: String,
    /// `msgskillsegments` figures; `None` (omitted) with OAuth 1.0a or in a partial quarter.
    pub segments: Option<SegmentFigures>,
    /// `msgconversation` figures; `None` (omitted) in a partial quarter.
    pub handled: Option<HandledFigures>,
    pub closed: u64,
    pub closed_by_agent: u64,
    pub closed_by_consumer: u64,
    pub auto_closed: u64,
    /// Whole seconds; `None` (element omitted) when KMM had no data.
    pub avg_wait_time: Option<u64>,
    pub avg_wait_time_first_response: Option<u64>,
    pub avg_time_to_response: Option<u64>,
    pub avg_time_to_first_response_first_assignment: Option<u64>,
}

/// One messaging `AS_` row: an agent's seconds per status over the quarter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagingAgentRow {
    pub employee_id: String,
    pub agent_id: String,
    pub logged_in: u64,
    pub online: u64,
    pub back_soon: u64,
    pub away: u64,
    /// Away reasons (not `"NA"`) by reason id, in id order.
    pub away_reasons: Vec<(String, u64)>,
    pub closed: u64,
    pub transfers: u64,
    pub back_to_queue: u64,
    pub concluded: u64,
}

/// One messaging quarter, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingReport {
    pub quarter: Quarter,
    pub queues: Vec<MessagingQueueRow>,
    /// `None`: a partial quarter (older than Messaging Operations' 24 h), no `AQ_`.
    pub agent_queues: Option<Vec<MessagingAgentQueueRow>>,
    pub agents: Vec<MessagingAgentRow>,
    /// Agents reported under their LivePerson id (or skipped) for want of a mapping.
    pub unmapped_agents: BTreeSet<String>,
}

/// An average in milliseconds as whole seconds, half up; absent, `null` and
/// negative mean "no data" (`None`).
pub fn avg_seconds(ms: Option<f64>) -> Option<u64> {
    let ms = ms.filter(|v| v.is_finite() && *v >= 0.0)?;
    // `as` saturates: an absurdly large average cannot wrap.
    Some(((ms + 500.0) / 1000.0).floor() as u64)
}

/// Milliseconds as whole seconds, half up.
pub fn ms_to_seconds(ms: u64) -> u64 {
    div_half_up(ms.into(), 1000) as u64
}

/// Build one messaging quarter from all pages of `metrics` (`groups`) and of
/// `agent_view` (`records`) and, unless the quarter is partial (`ops` is
/// `None`), its Messaging Operations figures. A skill or agent met twice (pages
/// that shifted while being read) keeps its first figures.
pub fn build_messaging_quarter(
    q: Quarter,
    groups: &[Group],
    records: &[AgentRecord],
    ops: Option<&OpsQuarter>,
    sel: &Selection<'_>,
) -> Result<MessagingReport, AggregateError> {
    let stem = q.stem();
    let mut by_skill: HashMap<&str, &Group> = HashMap::new();
    for g in groups {
        by_skill.entry(g.key.0.as_str()).or_insert(g);
    }
    let check = Acc {
        method: Method::Metrics,
        quarter: &stem,
    };
    let mut present: BTreeSet<String> = by_skill.keys().map(|k| k.to_string()).collect();
    if let Some(ops) = ops {
        present.extend(ops.conv.skills.keys().cloned());
        present.extend(ops.segments.iter().flat_map(|s| s.keys().cloned()));
    }
    let mut queues = Vec::new();
    for id in row_ids(sel.skills, present) {
        // Name the source the id came from (KMM first, as the row's figures are).
        let source = match ops {
            Some(o) if !by_skill.contains_key(id.as_str()) && !o.conv.skills.contains_key(&id) => {
                Method::MsgSkillSegments
            }
            Some(_) if !by_skill.contains_key(id.as_str()) => Method::MsgConversation,
            _ => Method::Metrics,
        };
        check_id(source, &stem, "skill", &id)?;
        let mut row = MessagingQueueRow {
            id: id.clone(),
            segments: match ops.and_then(|o| o.segments.as_ref()) {
                Some(s) => Some(segment_figures(s.get(&id), &stem, &id)?),
                None => None,
            },
            handled: match ops {
                Some(o) => Some(handled_figures(o.conv.skills.get(&id), &stem, &id)?),
                None => None,
            },
            ..Default::default()
        };
        if let Some(g) = by_skill.get(id.as_str()) {
            let m = &g.metrics;
            row.closed = check.value(m.closed_conversations, "closedConversations", COUNT, &id)?;
            row.closed_by_agent = check.value(m.closed_by_agent, "closedByAgent", COUNT, &id)?;
            row.closed_by_consumer = check.value(m.closed_by_consumer, "closedByConsumer", COUNT, &id)?;
            row.auto_closed = check.value(m.auto_closed, "autoClosed", COUNT, &id)?;
            let avg = |ms, field| check_average(Method::Metrics, &stem, field, &id, ms).map(avg_seconds);
            row.avg_wait_time = avg(m.avg_wait_time, "avgWaitTime")?;
            row.avg_wait_time_first_response = avg(m.avg_wait_time_first_response, "avgWaitTimeFirstResponse")?;
            row.avg_time_to_response = avg(m.avg_time_to_response, "avgTimeToResponse")?;
            row.avg_time_to_first_response_first_assignment = avg(
                m.avg_time_to_first_response_first_assignment,
                "avgTimeToFirstResponseFirstAssignment",
            )?;
        }
        queues.push(row);
    }

    let mut by_agent: HashMap<&str, &AgentRecord> = HashMap::new();
    for r in records {
        by_agent.entry(r.agent_id.0.as_str()).or_insert(r);
    }
    let check = Acc {
        method: Method::AgentView,
        quarter: &stem,
    };
    let mut naming = Naming {
        sel,
        unmapped: BTreeSet::new(),
    };
    let mut agents = Vec::new();
    for id in row_ids(sel.agents, by_agent.keys().map(|k| k.to_string())) {
        let Some(employee_id) = naming.employee_of(&id) else {
            continue;
        };
        check_id(Method::AgentView, &stem, "agent", &id)?;
        let mut row = MessagingAgentRow {
            employee_id,
            agent_id: id.clone(),
            ..Default::default()
        };
        if let Some(r) = by_agent.get(id.as_str()) {
            add_record(&mut row, r, &check)?;
        }
        agents.push(row);
    }
    let agent_queues = match ops {
        Some(o) => Some(agent_queue_rows(o, sel, &mut naming, &stem)?),
        None => None,
    };
    Ok(MessagingReport {
        quarter: q,
        queues,
        agent_queues,
        agents,
        unmapped_agents: naming.unmapped,
    })
}

/// An agent's record into its row: milliseconds summed per status (and per
/// away reason), then turned into seconds.
fn add_record(row: &mut MessagingAgentRow, r: &AgentRecord, check: &Acc<'_>) -> Result<(), AggregateError> {
    let id = row.agent_id.as_str();
    let (mut online, mut back_soon, mut away) = (0u64, 0u64, 0u64);
    for s in &r.agent_status_duration_list {
        let into = match s.agent_status.as_str() {
            "ONLINE" => &mut online,
            "BACK_SOON" => &mut back_soon,
            "AWAY" => &mut away,
            _ => continue,
        };
        check.add(into, s.agent_status_duration, "agentStatusDuration", STATE_MS, id)?;
    }
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for s in &r.agent_status_with_reason_duration_list {
        let Some(reason) = &s.agent_status_reason_id else {
            continue;
        };
        if s.agent_status != "AWAY" || reason.0 == "NA" || reason.0.is_empty() {
            continue;
        }
        let into = reasons.entry(reason.0.clone()).or_default();
        check.add(into, s.agent_status_duration, "agentStatusDuration", STATE_MS, id)?;
    }
    row.logged_in = ms_to_seconds(check.value(r.login_duration, "loginDuration", STATE_MS, id)?);
    row.online = ms_to_seconds(online);
    row.back_soon = ms_to_seconds(back_soon);
    row.away = ms_to_seconds(away);
    let mut reasons: Vec<(String, u64)> = reasons.into_iter().map(|(k, v)| (k, ms_to_seconds(v))).collect();
    reasons.sort_by(|a, b| super::cmp_ids(&a.0, &b.0));
    for (reason, _) in &reasons {
        check_id(check.method, check.quarter, "away reason", reason)?;
    }
    row.away_reasons = reasons;
    row.closed = check.value(r.closed_conversations, "closedConversations", COUNT, id)?;
    row.transfers = check.value(r.transfers, "transfers", COUNT, id)?;
    row.back_to_queue = check.value(r.back_to_queue, "backToQueue", COUNT, id)?;
    row.concluded = check.value(r.concluded_conversations, "concludedConversations", COUNT, id)?;
    Ok(())
}

#[cfg(test)]
mod tests;
