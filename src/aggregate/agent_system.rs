//! `AS_` rows: per agent, the seconds in each state (and away reason) from
//! agentactivity, summed over the quarter's three intervals.

use super::limits::{check_id, STATE_SECONDS};
use super::sums::{Acc, Field};
use super::{cmp_ids, row_ids, AgentRow, AggregateError, Naming, StateSums};
use crate::lp::model::{AgentActivityData, Method, StateTimes};
use crate::select::IdSelection;
use std::collections::{BTreeMap, BTreeSet};

/// The four figures of a state (or an away reason), in the order of [`StateSums`].
pub(super) const STATE_FIELDS: [Field<StateTimes>; 4] = [
    ("value.total", |t| t.total, STATE_SECONDS),
    ("value.chatting", |t| t.chatting, STATE_SECONDS),
    ("value.notChatting", |t| t.not_chatting, STATE_SECONDS),
    (
        "value.chattingInMaxConcurrency",
        |t| t.chatting_in_max_concurrency,
        STATE_SECONDS,
    ),
];

/// The state id of Away, the one state with reasons.
pub(super) const AWAY: i64 = 4;

/// The `AS_` rows (every listed agent, or with `all` every agent in the
/// quarter's data) and the state ids other than -1/2/3/4 that were left out.
pub(super) fn rows(
    aa: [&AgentActivityData; 3],
    agents: &IdSelection,
    naming: &mut Naming<'_>,
    quarter: &str,
) -> Result<(Vec<AgentRow>, BTreeSet<i64>), AggregateError> {
    let acc = Acc {
        method: Method::AgentActivity,
        quarter,
    };
    let mut ignored_state_ids = BTreeSet::new();
    let mut rows = Vec::new();
    for agent in row_ids(agents, aa.iter().flat_map(|d| d.agents.per_agent.keys().cloned())) {
        let Some(employee_id) = naming.employee_of(&agent) else {
            continue;
        };
        check_id(Method::AgentActivity, quarter, "agent", &agent)?;
        let row = AgentRow {
            employee_id,
            agent_id: agent,
            ..Default::default()
        };
        rows.push(add_states(row, aa, &acc, &mut ignored_state_ids)?);
    }
    Ok((rows, ignored_state_ids))
}

/// Sums the agent's states and away reasons into `row`.
fn add_states(
    mut row: AgentRow,
    aa: [&AgentActivityData; 3],
    acc: &Acc<'_>,
    ignored_state_ids: &mut BTreeSet<i64>,
) -> Result<AgentRow, AggregateError> {
    let agent = &row.agent_id;
    let mut reasons: BTreeMap<String, StateSums> = BTreeMap::new();
    for st in aa.iter().filter_map(|d| d.agents.per_agent.get(agent)).flatten() {
        let into = match st.id.0 {
            -1 => &mut row.logged_in,
            2 => &mut row.online,
            3 => &mut row.back_soon,
            AWAY => &mut row.away,
            other => {
                ignored_state_ids.insert(other);
                continue;
            }
        };
        add_state(acc, into, &st.value, &format!("agent {agent} state {}", st.id.0))?;
        if st.id.0 == AWAY {
            for r in &st.reasons {
                let sums = reasons.entry(r.id.0.clone()).or_default();
                add_state(acc, sums, &r.value, &format!("agent {agent} away reason {}", r.id.0))?;
            }
        }
    }
    let mut reasons: Vec<(String, StateSums)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| cmp_ids(&a.0, &b.0));
    check_reasons(acc, reasons.iter().map(|(id, _)| id.as_str()))?;
    row.away_reasons = reasons;
    Ok(row)
}

/// An agent's away reason ids, in row order.
pub(super) fn check_reasons<'a>(acc: &Acc<'_>, ids: impl IntoIterator<Item = &'a str>) -> Result<(), AggregateError> {
    for id in ids {
        check_id(acc.method, acc.quarter, "away reason", id)?;
    }
    Ok(())
}

fn add_state(acc: &Acc<'_>, into: &mut StateSums, t: &StateTimes, id: &str) -> Result<(), AggregateError> {
    let sums = [
        &mut into.total,
        &mut into.chatting,
        &mut into.not_chatting,
        &mut into.max_concurrency,
    ];
    acc.add_all(sums, t, &STATE_FIELDS, id)
}
