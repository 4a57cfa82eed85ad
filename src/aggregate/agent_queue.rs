//! `AQ_` rows: per (agent, skill) pair, the agent's engactivity in the skill
//! summed over the quarter's three intervals.

use super::limits::check_id;
use super::run_ids::Employees;
use super::sums::{Acc, ENG_FIELDS};
use super::{AgentQueueRow, AggregateError, Selection};
use crate::lp::model::ids::FastHash;
use crate::lp::model::{EngInterval, Method};
use std::collections::HashMap;

/// The `AQ_` rows: every pair present in any interval, limited to the listed
/// skills and agents, sorted by agent id, then skill id (numeric id order).
pub(super) fn rows(
    ea: &[EngInterval; 3],
    sel: &Selection<'_>,
    employees: &mut Employees<'_, '_>,
    quarter: &str,
) -> Result<Vec<AgentQueueRow>, AggregateError> {
    let ids = employees.ids;
    let acc = Acc {
        method: Method::EngActivity,
        quarter,
    };
    let (skills, agents) = (ids.taken(sel.skills), ids.taken(sel.agents));
    // Summed by (agent, skill) index: no row is built before the quarter is whole.
    let mut pairs: HashMap<(u32, u32), [u64; 5], FastHash> = HashMap::default();
    for d in ea {
        for s in d.skills.iter().filter(|s| skills.contains(s.skill)) {
            for (agent, m) in s.agents.iter().filter(|(a, _)| agents.contains(*a)) {
                let [a, b, c, d, e] = pairs.entry((*agent, s.skill)).or_default();
                let id = || format!("agent {} in skill {}", ids.name(*agent), ids.name(s.skill));
                acc.add_all_named([a, b, c, d, e], m, &ENG_FIELDS, &id)?;
            }
        }
    }
    let mut keyed: Vec<((u32, u32), [u64; 5])> = pairs.into_iter().collect();
    keyed.sort_unstable_by_key(|((agent, skill), _)| (ids.rank(*agent), ids.rank(*skill)));
    let mut rows = Vec::with_capacity(keyed.len());
    for ((agent, skill), [i, n, c, h, nh]) in keyed {
        let Some(employee_id) = employees.of(agent) else {
            continue;
        };
        rows.push(AgentQueueRow {
            employee_id,
            agent_id: ids.name(agent).to_string(),
            queue_id: ids.name(skill).to_string(),
            interactive_closed: i,
            non_interactive_closed: n,
            connected: c,
            handle_time: h,
            non_interactive_handle_time: nh,
        });
    }
    // The ids in row order, so the first bad one named is the first in the file.
    for r in &rows {
        check_id(Method::EngActivity, quarter, "agent", &r.agent_id)?;
        check_id(Method::EngActivity, quarter, "skill", &r.queue_id)?;
    }
    Ok(rows)
}
