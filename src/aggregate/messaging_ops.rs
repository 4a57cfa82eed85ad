//! The Messaging Operations part of a messaging quarter
//! (`docs/liveperson-messaging-operations.md`): the `Q_` figures of
//! `msgskillsegments` and `msgconversation` per skill, and the messaging `AQ_`
//! rows per agent × skill. Averages are recomputed from the quarter's totals,
//! never averaged.

use super::limits::{check_average, check_id, COUNT, SUM};
use super::messaging::avg_seconds;
use super::sums::{avg_rounded, Acc};
use super::{AggregateError, Naming, Selection};
use crate::lp::model::msgops::{Conv, OpsQuarter, Segments};
use crate::lp::model::Method;

/// A skill's `msgskillsegments` elements of `Q_` (omitted whole with OAuth 1.0a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SegmentFigures {
    pub offered: u64,
    pub abandoned: u64,
    pub abandoned_no_response: u64,
    pub interactive_segments: u64,
    pub non_responsive_agent_segments: u64,
    pub non_responsive_consumer_segments: u64,
    /// Whole seconds; `None` (omitted) without data.
    pub avg_time_to_first_agent_message: Option<u64>,
}

/// A skill's (or an agent's in a skill) resolved conversations over the quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HandledFigures {
    pub handled: u64,
    /// Seconds.
    pub handle_time: u64,
    /// `handle_time / handled`, half up; 0 when nothing was handled.
    pub avg_handle_time: u64,
}

/// One messaging `AQ_` row: an agent's resolved conversations in a skill.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagingAgentQueueRow {
    pub employee_id: String,
    pub agent_id: String,
    pub queue_id: String,
    pub handled: u64,
    pub closed_by_agent: u64,
    pub closed_by_consumer: u64,
    pub auto_closed: u64,
    pub handle_time: u64,
    pub avg_handle_time: u64,
}

/// The `msgskillsegments` elements of skill `id` (zeros, no average, without data).
pub(super) fn segment_figures(s: Option<&Segments>, quarter: &str, id: &str) -> Result<SegmentFigures, AggregateError> {
    let Some(s) = s else {
        return Ok(SegmentFigures::default());
    };
    let acc = Acc {
        method: Method::MsgSkillSegments,
        quarter,
    };
    let avg = check_average(
        Method::MsgSkillSegments,
        quarter,
        "avgTimetoFirstAgentMessageFromAgentAssignment",
        id,
        s.avg_first_agent_message_ms,
    )?;
    Ok(SegmentFigures {
        offered: acc.within(s.offered, "totalSkillConversationSegments", COUNT, id)?,
        abandoned: acc.within(
            s.abandoned_in_queue,
            "skillSegmentsAbandonedByConsumersInQueue",
            COUNT,
            id,
        )?,
        abandoned_no_response: acc.within(s.abandoned_by_consumers, "skillSegmentsAbandonedByConsumers", COUNT, id)?,
        interactive_segments: acc.within(s.interactive, "interactiveSkillSegments", COUNT, id)?,
        non_responsive_agent_segments: acc.within(
            s.non_responsive_agents,
            "skillSegmentsWithNonResponsiveAgents",
            COUNT,
            id,
        )?,
        non_responsive_consumer_segments: acc.within(
            s.non_responsive_consumers,
            "skillSegmentsWithNonResponsiveConsumers",
            COUNT,
            id,
        )?,
        avg_time_to_first_agent_message: avg_seconds(avg),
    })
}

/// Handled, handle time and its average from summed totals.
pub(super) fn handled_figures(c: Option<&Conv>, quarter: &str, id: &str) -> Result<HandledFigures, AggregateError> {
    let c = c.copied().unwrap_or_default();
    let acc = Acc {
        method: Method::MsgConversation,
        quarter,
    };
    let handled = acc.within(c.handled, "totalResolvedConversations", COUNT, id)?;
    let handle_time = acc.within(c.handle_time, "totalHandlingTime_resolvedConversations", SUM, id)?;
    Ok(HandledFigures {
        handled,
        handle_time,
        avg_handle_time: avg_rounded(handle_time, handled),
    })
}

/// The messaging `AQ_` rows: every (agent, skill) pair with a record in any of
/// the quarter's buckets, limited to the listed skills and agents, sorted by
/// agent id, then skill id (numeric id order), employee ids and unmapped agents
/// as for chat.
pub(super) fn agent_queue_rows(
    ops: &OpsQuarter,
    sel: &Selection<'_>,
    naming: &mut Naming<'_>,
    quarter: &str,
) -> Result<Vec<MessagingAgentQueueRow>, AggregateError> {
    let mut pairs: Vec<(&(String, String), &Conv)> = ops
        .conv
        .agents
        .iter()
        .filter(|((agent, skill), _)| sel.agents.contains(agent) && sel.skills.contains(skill))
        .collect();
    pairs.sort_by(|((a1, s1), _), ((a2, s2), _)| super::cmp_ids(a1, a2).then_with(|| super::cmp_ids(s1, s2)));
    let acc = Acc {
        method: Method::MsgConversation,
        quarter,
    };
    let mut rows = Vec::with_capacity(pairs.len());
    for ((agent, skill), c) in pairs {
        check_id(Method::MsgConversation, quarter, "agent", agent)?;
        check_id(Method::MsgConversation, quarter, "skill", skill)?;
        let Some(employee_id) = naming.employee_of(agent) else {
            continue;
        };
        let name = format!("agent {agent} in skill {skill}");
        let h = handled_figures(Some(c), quarter, &name)?;
        rows.push(MessagingAgentQueueRow {
            employee_id,
            agent_id: agent.clone(),
            queue_id: skill.clone(),
            handled: h.handled,
            closed_by_agent: acc.within(c.by_agent, "resolvedConversations_byCCP", COUNT, &name)?,
            closed_by_consumer: acc.within(c.by_consumer, "resolvedConversations_byConsumer", COUNT, &name)?,
            auto_closed: acc.within(c.by_system, "resolvedConversations_bySystem", COUNT, &name)?,
            handle_time: h.handle_time,
            avg_handle_time: h.avg_handle_time,
        });
    }
    Ok(rows)
}
