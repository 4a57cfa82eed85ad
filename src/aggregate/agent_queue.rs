//! `AQ_` rows: per (agent, skill) pair, the agent's engactivity in the skill
//! summed over the quarter's three intervals.

use super::limits::check_id;
use super::sums::{Acc, ENG_FIELDS};
use super::{cmp_ids, AgentQueueRow, AggregateError, Naming, Selection};
use crate::lp::model::{EngActivityData, Method};
use std::collections::BTreeMap;

/// The `AQ_` rows: every pair present in any interval, limited to the listed
/// skills and agents, sorted by agent id, then skill id.
pub(super) fn rows(
    ea: [&EngActivityData; 3],
    sel: &Selection<'_>,
    naming: &mut Naming<'_>,
    quarter: &str,
) -> Result<Vec<AgentQueueRow>, AggregateError> {
    let acc = Acc {
        method: Method::EngActivity,
        quarter,
    };
    let mut pairs: BTreeMap<(&str, &str), AgentQueueRow> = BTreeMap::new();
    for d in ea {
        for (skill, s) in d.per_agent.skills.iter().filter(|(id, _)| sel.skills.contains(id)) {
            for (agent, m) in s.agents.iter().filter(|(id, _)| sel.agents.contains(id)) {
                let row = pairs.entry((agent, skill)).or_insert_with(|| AgentQueueRow {
                    agent_id: agent.clone(),
                    queue_id: skill.clone(),
                    ..Default::default()
                });
                let sums = [
                    &mut row.interactive_closed,
                    &mut row.non_interactive_closed,
                    &mut row.connected,
                    &mut row.handle_time,
                    &mut row.non_interactive_handle_time,
                ];
                acc.add_all(sums, m, &ENG_FIELDS, &format!("agent {agent} in skill {skill}"))?;
            }
        }
    }
    let mut rows: Vec<AgentQueueRow> = pairs
        .into_values()
        .filter_map(|mut r| {
            r.employee_id = naming.employee_of(&r.agent_id)?;
            Some(r)
        })
        .collect();
    rows.sort_by(|a, b| cmp_ids(&a.agent_id, &b.agent_id).then_with(|| cmp_ids(&a.queue_id, &b.queue_id)));
    check_ids(&rows, quarter)?;
    Ok(rows)
}

/// The ids of the `AQ_` rows, in row order.
pub(super) fn check_ids(rows: &[AgentQueueRow], quarter: &str) -> Result<(), AggregateError> {
    for r in rows {
        check_id(Method::EngActivity, quarter, "agent", &r.agent_id)?;
        check_id(Method::EngActivity, quarter, "skill", &r.queue_id)?;
    }
    Ok(())
}
