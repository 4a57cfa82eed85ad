//! `AS_` rows: per agent, the seconds in each state (and away reason) from
//! agentactivity, summed over the quarter's three intervals.

use super::limits::{check_id, STATE_SECONDS};
use super::run_ids::{by_interval, ByInterval, Employees};
use super::sums::{Acc, Field};
use super::{AgentRow, AggregateError, StateSums};
use crate::lp::model::compact::StateRecord;
use crate::lp::model::ids::FastHash;
use crate::lp::model::{AgentInterval, Method, StateTimes};
use crate::select::IdSelection;
use std::collections::{BTreeSet, HashMap};

/// The four figures of a state (or an away reason), in the order of [`StateSums`].
const STATE_FIELDS: [Field<StateTimes>; 4] = [
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
const AWAY: i64 = 4;

/// The `AS_` rows (every listed agent, or with `all` every agent in the
/// quarter's data) and the state ids other than -1/2/3/4 that were left out.
pub(super) fn rows(
    aa: &[AgentInterval; 3],
    agents: &IdSelection,
    employees: &mut Employees<'_, '_>,
    quarter: &str,
) -> Result<(Vec<AgentRow>, BTreeSet<i64>), AggregateError> {
    let ids = employees.ids;
    let acc = Acc {
        method: Method::AgentActivity,
        quarter,
    };
    let by_agent: ByInterval<'_, Vec<StateRecord>> =
        by_interval(aa.each_ref().map(|d| d.agents.iter().map(|(id, s)| (*id, s))));
    let mut ignored_state_ids = BTreeSet::new();
    let mut rows = Vec::new();
    for (agent, id) in ids.rows(agents, by_agent.keys().copied()) {
        let employee_id = match id {
            Some(id) => employees.of(id),
            // A listed agent the replies never named.
            None => employees.naming.employee_of(&agent),
        };
        let Some(employee_id) = employee_id else {
            continue;
        };
        check_id(Method::AgentActivity, quarter, "agent", &agent)?;
        let mut row = AgentRow {
            employee_id,
            agent_id: agent,
            ..Default::default()
        };
        let states = id.and_then(|i| by_agent.get(&i)).copied().unwrap_or_default();
        let mut reasons: HashMap<u32, StateSums, FastHash> = HashMap::default();
        for st in states.iter().flatten().flat_map(|s| s.iter()) {
            let agent = &row.agent_id;
            let into = match st.id {
                -1 => &mut row.logged_in,
                2 => &mut row.online,
                3 => &mut row.back_soon,
                AWAY => &mut row.away,
                other => {
                    ignored_state_ids.insert(other);
                    continue;
                }
            };
            add_state(&acc, into, &st.value, &|| format!("agent {agent} state {}", st.id))?;
            if st.id == AWAY {
                for (rid, t) in &st.reasons {
                    let sums = reasons.entry(*rid).or_default();
                    let id = || format!("agent {agent} away reason {}", ids.name(*rid));
                    add_state(&acc, sums, t, &id)?;
                }
            }
        }
        let mut reasons: Vec<(u32, StateSums)> = reasons.into_iter().collect();
        reasons.sort_unstable_by_key(|(rid, _)| ids.rank(*rid));
        for (rid, _) in &reasons {
            check_id(acc.method, acc.quarter, "away reason", ids.name(*rid))?;
        }
        row.away_reasons = reasons
            .into_iter()
            .map(|(rid, s)| (ids.name(rid).to_string(), s))
            .collect();
        rows.push(row);
    }
    Ok((rows, ignored_state_ids))
}

fn add_state(
    acc: &Acc<'_>,
    into: &mut StateSums,
    t: &StateTimes,
    id: &dyn Fn() -> String,
) -> Result<(), AggregateError> {
    let sums = [
        &mut into.total,
        &mut into.chatting,
        &mut into.not_chatting,
        &mut into.max_concurrency,
    ];
    acc.add_all_named(sums, t, &STATE_FIELDS, id)
}
