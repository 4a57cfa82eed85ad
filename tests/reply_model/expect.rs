//! The rows docs/reports.md says a [`Case`]'s replies make, computed from
//! the model alone.

use super::{employee_name, Case, Interval, Rec, State, QUARTER, STEM, V};
use crate::common::div_half_up;
use std::collections::{BTreeMap, BTreeSet};
use wfm::aggregate::{AgentQueueRow, AgentRow, Hundredths, QuarterReport, QueueRow, StateSums};

impl Case {
    fn quarter(&self) -> &[Interval] {
        &self.intervals[QUARTER]
    }

    /// What the quarter's report must hold.
    pub fn expected(&self) -> QuarterReport {
        let mut unmapped = BTreeSet::new();
        let queues = self.queue_ids().into_iter().map(|s| self.queue_row(s)).collect();
        let agent_queues = self.agent_queue_rows(&mut unmapped);
        let (agents, ignored_state_ids) = self.agent_rows(&mut unmapped);
        QuarterReport {
            quarter: wfm::quarter::parse_quarter_arg(STEM).unwrap(),
            queues,
            agent_queues,
            agents,
            unmapped_agents: unmapped,
            ignored_state_ids,
        }
    }

    /// Every listed skill, or with all every skill in either method's data of
    /// the quarter; once each, in numeric order.
    pub fn queue_ids(&self) -> Vec<u64> {
        let ids: BTreeSet<u64> = match &self.skills {
            Some(l) => l.iter().copied().collect(),
            None => self
                .quarter()
                .iter()
                .flat_map(|iv| iv.qh.keys().chain(iv.ea.keys()))
                .copied()
                .collect(),
        };
        ids.into_iter().collect()
    }

    pub fn queue_row(&self, skill: u64) -> QueueRow {
        let qh: Vec<&Rec> = self.quarter().iter().filter_map(|iv| iv.qh.get(&skill)).collect();
        let qsum = |f: &str| sum(qh.iter().copied(), f);
        let max = |f: &str| qh.iter().filter_map(|r| get(r, f).max()).max().map(|m| m as u64);
        let avg = |s: u64, c: u64| if c == 0 { 0 } else { half_up(s, c) };
        let hundredths = |s: &str, c: &str| {
            let (s, c) = (qsum(s), qsum(c));
            (c != 0).then(|| Hundredths(half_up(100 * s, c)))
        };
        // engactivity: the skill's totals where an interval has them, else its agents' rows.
        let eng: Vec<&Rec> = self
            .quarter()
            .iter()
            .filter_map(|iv| iv.ea.get(&skill))
            .flat_map(|s| match &s.totals {
                Some(t) => vec![t],
                None => s.agents.values().collect(),
            })
            .collect();
        let esum = |f: &str| sum(eng.iter().copied(), f);
        QueueRow {
            id: skill.to_string(),
            offered: qsum("enteredQEng"),
            handled: qsum("connectedEng"),
            abandoned: qsum("abandonedEng"),
            time_to_answer: qsum("totalTimeToAnswer"),
            time_to_abandon: qsum("totalTimeToAbandon"),
            avg_time_to_answer: avg(qsum("totalTimeToAnswer"), qsum("connectedEng")),
            avg_time_to_abandon: avg(qsum("totalTimeToAbandon"), qsum("abandonedEng")),
            max_queue_size: max("maxQueueSize"),
            avg_queue_size: hundredths("queueSizeSum", "queueSizeCount"),
            max_available_slots: max("maxAvailableSlots"),
            avg_available_slots: hundredths("availableSlotsSum", "availableSlotsCount"),
            interactive_closed: esum("totalInteractiveChats"),
            non_interactive_closed: esum("totalNonInteractiveChats"),
            handle_time: esum("totalHandlingTime"),
            non_interactive_handle_time: esum("nonInteractiveTotalHandlingTime"),
        }
    }

    /// The employee id of an agent's rows; `None` when the agent is skipped.
    fn employee(&self, agent: u64, unmapped: &mut BTreeSet<String>) -> Option<String> {
        if self.mapped.contains(&agent) {
            return Some(employee_name(agent));
        }
        unmapped.insert(agent.to_string());
        (!self.skip_unmapped).then(|| agent.to_string())
    }

    fn agent_queue_rows(&self, unmapped: &mut BTreeSet<String>) -> Vec<AgentQueueRow> {
        let mut pairs: BTreeMap<(u64, u64), Vec<&Rec>> = BTreeMap::new();
        for iv in self.quarter() {
            for (skill, s) in iv.ea.iter().filter(|(s, _)| listed(&self.skills, **s)) {
                for (agent, r) in s.agents.iter().filter(|(a, _)| listed(&self.agents, **a)) {
                    pairs.entry((*agent, *skill)).or_default().push(r);
                }
            }
        }
        pairs
            .into_iter()
            .filter_map(|((agent, skill), recs)| {
                Some(AgentQueueRow {
                    employee_id: self.employee(agent, unmapped)?,
                    agent_id: agent.to_string(),
                    queue_id: skill.to_string(),
                    interactive_closed: sum(recs.iter().copied(), "totalInteractiveChats"),
                    non_interactive_closed: sum(recs.iter().copied(), "totalNonInteractiveChats"),
                    connected: sum(recs.iter().copied(), "connectedEngagements"),
                    handle_time: sum(recs.iter().copied(), "totalHandlingTime"),
                    non_interactive_handle_time: sum(recs.iter().copied(), "nonInteractiveTotalHandlingTime"),
                })
            })
            .collect()
    }

    fn agent_rows(&self, unmapped: &mut BTreeSet<String>) -> (Vec<AgentRow>, BTreeSet<i64>) {
        let ids: BTreeSet<u64> = match &self.agents {
            Some(l) => l.iter().copied().collect(),
            None => self.quarter().iter().flat_map(|iv| iv.aa.keys()).copied().collect(),
        };
        let mut ignored = BTreeSet::new();
        let mut rows = Vec::new();
        for agent in ids {
            let Some(employee_id) = self.employee(agent, unmapped) else {
                continue;
            };
            let states: Vec<&State> = self
                .quarter()
                .iter()
                .filter_map(|iv| iv.aa.get(&agent))
                .flatten()
                .collect();
            ignored.extend(states.iter().map(|s| s.id).filter(|id| ![-1, 2, 3, 4].contains(id)));
            let of = |id: i64| state_sums(states.iter().filter(|s| s.id == id).map(|s| &s.value));
            let mut reasons: BTreeMap<u64, Vec<&Rec>> = BTreeMap::new();
            for (id, r) in states.iter().filter(|s| s.id == 4).flat_map(|s| &s.reasons) {
                reasons.entry(*id).or_default().push(r);
            }
            rows.push(AgentRow {
                employee_id,
                agent_id: agent.to_string(),
                logged_in: of(-1),
                online: of(2),
                back_soon: of(3),
                away: of(4),
                away_reasons: reasons
                    .into_iter()
                    .map(|(id, rs)| (id.to_string(), state_sums(rs)))
                    .collect(),
            });
        }
        (rows, ignored)
    }
}

fn listed(list: &Option<Vec<u64>>, id: u64) -> bool {
    list.as_ref().is_none_or(|l| l.contains(&id))
}

pub fn get(r: &Rec, field: &str) -> V {
    r.get(field).copied().unwrap_or(V::Absent)
}

fn sum<'a>(recs: impl IntoIterator<Item = &'a Rec>, field: &str) -> u64 {
    recs.into_iter().map(|r| get(r, field).count()).sum::<i64>() as u64
}

/// `n / d` rounded half up, `d > 0`.
pub fn half_up(n: u64, d: u64) -> u64 {
    div_half_up(n as i64, d as i64) as u64
}

fn state_sums<'a>(recs: impl IntoIterator<Item = &'a Rec>) -> StateSums {
    let recs: Vec<&Rec> = recs.into_iter().collect();
    StateSums {
        total: sum(recs.iter().copied(), "total"),
        chatting: sum(recs.iter().copied(), "chatting"),
        not_chatting: sum(recs.iter().copied(), "notChatting"),
        max_concurrency: sum(recs.iter().copied(), "chattingInMaxConcurrency"),
    }
}
