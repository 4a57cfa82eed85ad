//! The run's aggregation: one quarter's rows from its three intervals of
//! compact records ([`crate::lp::model::compact`]: ids interned, no map per
//! interval), the rules of `queue.rs`, `agent_queue.rs` and `agent_system.rs`
//! applied in the same order, so the same replies give the same rows and the
//! same first error. Sums are keyed by interned ids; ids are ordered by their
//! rank in numeric id order ([`id_ranks`], computed once per run).
//!
//! [`super::build_quarter`] over a typed [`super::Snapshot`] stays the
//! reference these rows are tested against (byte for byte, `run::stream_identity`
//! and `tests/fuzz_replies.rs`).

use super::agent_queue::check_ids;
use super::agent_system::{check_reasons, AWAY, STATE_FIELDS};
use super::limits::check_id;
use super::queue::check_skill;
use super::queue::{ENG_QUEUE_FIELDS, QH_FIELDS};
use super::sums::{avg_hundredths, avg_rounded, Acc, ENG_FIELDS};
use super::{
    cmp_ids, row_ids, AgentQueueRow, AgentRow, AggregateError, Naming, QuarterReport, QueueRow, Selection, StateSums,
};
use crate::lp::model::compact::{EngSkillRecords, StateRecord};
use crate::lp::model::ids::FastHash;
use crate::lp::model::{AgentInterval, EngInterval, IdTable, Method, QueueHealthSkill, QueueInterval, StateTimes};
use crate::quarter::Quarter;
use crate::select::IdSelection;
use std::collections::{BTreeSet, HashMap, HashSet};

/// One quarter's three intervals of each reply, oldest first.
#[derive(Debug, Default)]
pub struct QuarterRecords {
    pub queue_health: [QueueInterval; 3],
    pub eng_activity: [EngInterval; 3],
    pub agent_activity: [AgentInterval; 3],
}

/// Each id's place in numeric id order ([`cmp_ids`]), by index.
pub fn id_ranks(ids: &IdTable) -> Vec<u32> {
    let mut order: Vec<(u32, &str)> = ids.iter().collect();
    order.sort_by(|a, b| cmp_ids(a.1, b.1));
    let mut rank = vec![0; ids.len()];
    for (r, (i, _)) in order.into_iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
}

/// The run's ids: names and ranks.
#[derive(Debug, Clone, Copy)]
pub struct RunIds<'a> {
    pub ids: &'a IdTable,
    pub rank: &'a [u32],
}

impl RunIds<'_> {
    fn name(&self, id: u32) -> &str {
        self.ids.name(id)
    }

    fn rank(&self, id: u32) -> u32 {
        self.rank.get(id as usize).copied().unwrap_or(u32::MAX)
    }

    /// Ids sorted in numeric id order.
    fn sorted(&self, ids: impl IntoIterator<Item = u32>) -> Vec<u32> {
        let mut v: Vec<u32> = ids.into_iter().collect();
        v.sort_unstable_by_key(|id| self.rank(*id));
        v
    }

    /// The rows' ids: every listed id (whether the replies named it or not),
    /// or with `all` every id `present`, in numeric id order.
    fn rows(&self, selection: &IdSelection, present: impl IntoIterator<Item = u32>) -> Vec<(String, Option<u32>)> {
        match selection {
            IdSelection::List(_) => row_ids(selection, std::iter::empty())
                .into_iter()
                .map(|name| {
                    let id = self.ids.get(&name);
                    (name, id)
                })
                .collect(),
            IdSelection::All => self
                .sorted(present.into_iter().collect::<HashSet<u32, FastHash>>())
                .into_iter()
                .map(|id| (self.name(id).to_string(), Some(id)))
                .collect(),
        }
    }

    /// Which ids `selection` takes, by index.
    fn taken(&self, selection: &IdSelection) -> Taken {
        match selection {
            IdSelection::All => Taken::All,
            IdSelection::List(list) => {
                let mut t = vec![false; self.ids.len()];
                for id in list.iter().filter_map(|n| self.ids.get(n)) {
                    t[id as usize] = true;
                }
                Taken::These(t)
            }
        }
    }
}

enum Taken {
    All,
    These(Vec<bool>),
}

impl Taken {
    fn contains(&self, id: u32) -> bool {
        match self {
            Taken::All => true,
            Taken::These(t) => t.get(id as usize).copied().unwrap_or(false),
        }
    }
}

/// Employee ids by agent, looked up once per agent and quarter.
struct Employees<'a, 'n> {
    naming: &'n mut Naming<'a>,
    ids: RunIds<'n>,
    known: HashMap<u32, Option<String>, FastHash>,
}

impl Employees<'_, '_> {
    fn of(&mut self, agent: u32) -> Option<String> {
        if let Some(e) = self.known.get(&agent) {
            return e.clone();
        }
        let e = self.naming.employee_of(self.ids.name(agent));
        self.known.insert(agent, e.clone());
        e
    }
}

/// Build one quarter's rows from its records (intervals already picked: the
/// caller checks with [`super::pick`] that each is whole).
pub fn build_quarter_records(
    records: &QuarterRecords,
    q: Quarter,
    sel: &Selection<'_>,
    ids: RunIds<'_>,
) -> Result<QuarterReport, AggregateError> {
    let stem = q.stem();
    let mut naming = Naming {
        sel,
        unmapped: BTreeSet::new(),
    };
    let queues = queue_rows(records, sel.skills, ids, &stem)?;
    let mut employees = Employees {
        naming: &mut naming,
        ids,
        known: HashMap::default(),
    };
    let agent_queues = agent_queue_rows(&records.eng_activity, sel, &mut employees, &stem)?;
    let (agents, ignored_state_ids) = agent_rows(&records.agent_activity, sel.agents, &mut employees, &stem)?;
    Ok(QuarterReport {
        quarter: q,
        queues,
        agent_queues,
        agents,
        unmapped_agents: naming.unmapped,
        ignored_state_ids,
    })
}

/// Per id, its record in each of the three intervals.
type ByInterval<'r, T> = HashMap<u32, [Option<&'r T>; 3], FastHash>;

fn by_interval<'r, T: 'r, I: IntoIterator<Item = (u32, &'r T)>>(intervals: [I; 3]) -> ByInterval<'r, T> {
    let mut m: ByInterval<'r, T> = HashMap::default();
    for (i, records) in intervals.into_iter().enumerate() {
        for (id, r) in records {
            m.entry(id).or_default()[i] = Some(r);
        }
    }
    m
}

/// `Q_`: as `queue::rows`.
fn queue_rows(
    records: &QuarterRecords,
    skills: &IdSelection,
    ids: RunIds<'_>,
    quarter: &str,
) -> Result<Vec<QueueRow>, AggregateError> {
    let qh: ByInterval<'_, QueueHealthSkill> = by_interval(
        records
            .queue_health
            .each_ref()
            .map(|d| d.skills.iter().map(|(id, s)| (*id, s))),
    );
    let ea: ByInterval<'_, EngSkillRecords> = by_interval(
        records
            .eng_activity
            .each_ref()
            .map(|d| d.skills.iter().map(|s| (s.skill, s))),
    );
    let present = qh.keys().chain(ea.keys()).copied();
    ids.rows(skills, present)
        .into_iter()
        .map(|(name, id)| {
            let q = id.and_then(|i| qh.get(&i)).copied().unwrap_or_default();
            let e = id.and_then(|i| ea.get(&i)).copied().unwrap_or_default();
            check_skill(&name, q.iter().any(Option::is_some), quarter)?;
            let mut r = queue_health(&name, &q, quarter)?;
            add_eng_totals(&mut r, &name, &e, quarter)?;
            r.id = name;
            Ok(r)
        })
        .collect()
}

fn queue_health(skill: &str, qh: &[Option<&QueueHealthSkill>; 3], quarter: &str) -> Result<QueueRow, AggregateError> {
    let acc = Acc {
        method: Method::QueueHealth,
        quarter,
    };
    let mut r = QueueRow::default();
    let (mut qs_sum, mut qs_count, mut as_sum, mut as_count) = (0, 0, 0, 0);
    for m in qh.iter().flatten() {
        let sums = [
            &mut r.offered,
            &mut r.handled,
            &mut r.abandoned,
            &mut r.time_to_answer,
            &mut r.time_to_abandon,
            &mut qs_sum,
            &mut qs_count,
            &mut as_sum,
            &mut as_count,
        ];
        acc.add_all(sums, *m, &QH_FIELDS, skill)?;
        acc.keep_max(&mut r.max_queue_size, m.max_queue_size, "maxQueueSize", skill)?;
        acc.keep_max(
            &mut r.max_available_slots,
            m.max_available_slots,
            "maxAvailableSlots",
            skill,
        )?;
    }
    r.avg_time_to_answer = avg_rounded(r.time_to_answer, r.handled);
    r.avg_time_to_abandon = avg_rounded(r.time_to_abandon, r.abandoned);
    r.avg_queue_size = avg_hundredths(qs_sum, qs_count);
    r.avg_available_slots = avg_hundredths(as_sum, as_count);
    Ok(r)
}

/// The skill's totals, or its agents' rows in an interval without totals.
fn add_eng_totals(
    r: &mut QueueRow,
    skill: &str,
    ea: &[Option<&EngSkillRecords>; 3],
    quarter: &str,
) -> Result<(), AggregateError> {
    let acc = Acc {
        method: Method::EngActivity,
        quarter,
    };
    for s in ea.iter().flatten() {
        let mut add = |t| {
            let sums = [
                &mut r.interactive_closed,
                &mut r.non_interactive_closed,
                &mut r.handle_time,
                &mut r.non_interactive_handle_time,
            ];
            acc.add_all(sums, t, &ENG_QUEUE_FIELDS, skill)
        };
        match &s.totals {
            Some(t) => add(t)?,
            None => {
                for (_, m) in &s.agents {
                    add(m)?;
                }
            }
        }
    }
    Ok(())
}

/// `AQ_`: as `agent_queue::rows`, summed by (agent, skill) index.
fn agent_queue_rows(
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
    check_ids(&rows, quarter)?;
    Ok(rows)
}

/// `AS_`: as `agent_system::rows`.
fn agent_rows(
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
        check_reasons(&acc, reasons.iter().map(|(rid, _)| ids.name(*rid)))?;
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
