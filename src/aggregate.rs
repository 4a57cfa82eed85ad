//! Aggregation: the three 5-minute intervals of a quarter, from the three
//! parsed replies, into the rows of the `Q_`, `AQ_` and `AS_` reports.
//! Pure: same snapshot and settings, same rows, in the same order.

use crate::config::{IdSelection, UnmappedAgents};
use crate::lp::model::{Method, Num, Snapshot, StateTimes};
use crate::mapping::AgentMap;
use crate::quarter::Quarter;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// What ids to report and how to name agents.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    pub skills: &'a IdSelection,
    pub agents: &'a IdSelection,
    pub agent_map: &'a AgentMap,
    pub unmapped: UnmappedAgents,
}

/// A fixed-point number with two decimals (hundredths), rounded half up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hundredths(pub u64);

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueRow {
    pub id: String,
    pub offered: u64,
    pub handled: u64,
    pub abandoned: u64,
    pub time_to_answer: u64,
    pub time_to_abandon: u64,
    pub avg_time_to_answer: u64,
    pub avg_time_to_abandon: u64,
    pub max_queue_size: Option<u64>,
    pub avg_queue_size: Option<Hundredths>,
    pub max_available_slots: Option<u64>,
    pub avg_available_slots: Option<Hundredths>,
    pub interactive_closed: u64,
    pub non_interactive_closed: u64,
    pub handle_time: u64,
    pub non_interactive_handle_time: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentQueueRow {
    pub employee_id: String,
    pub agent_id: String,
    pub queue_id: String,
    pub interactive_closed: u64,
    pub non_interactive_closed: u64,
    pub connected: u64,
    pub handle_time: u64,
    pub non_interactive_handle_time: u64,
}

/// Seconds in one agent state over the quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StateSums {
    pub total: u64,
    pub chatting: u64,
    pub not_chatting: u64,
    pub max_concurrency: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentRow {
    pub employee_id: String,
    pub agent_id: String,
    pub logged_in: StateSums,
    pub online: StateSums,
    pub back_soon: StateSums,
    pub away: StateSums,
    /// Away reasons by reason id, sorted by id.
    pub away_reasons: Vec<(String, StateSums)>,
}

/// One quarter, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterReport {
    pub quarter: Quarter,
    pub queues: Vec<QueueRow>,
    pub agent_queues: Vec<AgentQueueRow>,
    pub agents: Vec<AgentRow>,
    /// Agents reported under their LivePerson id (or skipped) for want of a mapping.
    pub unmapped_agents: BTreeSet<String>,
    /// State ids other than -1/2/3/4 that were left out.
    pub ignored_state_ids: BTreeSet<i64>,
}

/// Why a quarter could not be built from the replies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AggregateError {
    #[error("{method} reply has no interval ending {end} UTC, which quarter {quarter} needs; LivePerson may not have served the whole window, run `wfm rerun` for this quarter later")]
    MissingInterval {
        method: Method,
        quarter: String,
        end: String,
    },
    #[error("{method} reply: the interval ending {end} UTC, which quarter {quarter} needs, is {why} at LivePerson, so its figures are not whole. The clocks of this machine and LivePerson differ by more than SETTLE_SECONDS: check NTP here; the next run builds this quarter")]
    NotWhole {
        method: Method,
        quarter: String,
        end: String,
        why: &'static str,
    },
    #[error("{method} reply, quarter {quarter}: {field} of {id} is {value}, which is not a count (only -1, meaning no data, may be negative)")]
    Negative {
        method: Method,
        quarter: String,
        field: &'static str,
        id: String,
        value: i64,
    },
    #[error("{method} reply, quarter {quarter}: the sum of {field} for {id} overflows")]
    Overflow {
        method: Method,
        quarter: String,
        field: &'static str,
        id: String,
    },
}

/// Compare ids numerically when both are numbers (so 9 < 10 < 199), otherwise as text after all numbers.
pub fn cmp_ids(a: &str, b: &str) -> Ordering {
    fn key(s: &str) -> (bool, usize, &str) {
        let numeric = !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
        if numeric {
            let t = s.trim_start_matches('0');
            (false, t.len(), t)
        } else {
            (true, 0, s)
        }
    }
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

/// `sum / count` rounded half up to an integer; 0 when count is 0.
pub fn avg_rounded(sum: u64, count: u64) -> u64 {
    if count == 0 {
        return 0;
    }
    ((2 * sum as u128 + count as u128) / (2 * count as u128)) as u64
}

/// `sum / count` in hundredths, rounded half up; `None` when count is 0.
pub fn avg_hundredths(sum: u64, count: u64) -> Option<Hundredths> {
    if count == 0 {
        return None;
    }
    Some(Hundredths(
        ((200 * sum as u128 + count as u128) / (2 * count as u128)) as u64,
    ))
}

/// Adds API numbers for one (method, quarter) with the checks a counter needs.
struct Acc<'a> {
    method: Method,
    quarter: &'a str,
}

impl Acc<'_> {
    /// A counter: -1 (no data) counts as 0; other negatives are refused.
    fn add(&self, into: &mut u64, n: Num, field: &'static str, id: &str) -> Result<(), AggregateError> {
        let v = match n.0 {
            -1 => 0,
            v if v < 0 => {
                return Err(AggregateError::Negative {
                    method: self.method,
                    quarter: self.quarter.to_string(),
                    field,
                    id: id.to_string(),
                    value: v,
                })
            }
            v => v as u64,
        };
        *into = into.checked_add(v).ok_or_else(|| AggregateError::Overflow {
            method: self.method,
            quarter: self.quarter.to_string(),
            field,
            id: id.to_string(),
        })?;
        Ok(())
    }

    /// A maximum: values < 0 mean "no data" and are left out.
    fn max(&self, into: &mut Option<u64>, n: Option<Num>) {
        if let Some(Num(v)) = n {
            if v >= 0 {
                *into = Some(into.map_or(v as u64, |m| m.max(v as u64)));
            }
        }
    }

    fn state(&self, into: &mut StateSums, t: &StateTimes, id: &str) -> Result<(), AggregateError> {
        self.add(&mut into.total, t.total, "value.total", id)?;
        self.add(&mut into.chatting, t.chatting, "value.chatting", id)?;
        self.add(&mut into.not_chatting, t.not_chatting, "value.notChatting", id)?;
        self.add(
            &mut into.max_concurrency,
            t.chatting_in_max_concurrency,
            "value.chattingInMaxConcurrency",
            id,
        )
    }
}

/// The three intervals of `q`. A reply's newest interval is still in progress
/// and its oldest covers only part of its 5 minutes: neither is ever used, so
/// a clock difference with LivePerson cannot slip partial figures into a report.
fn pick<M>(intervals: &crate::lp::model::Intervals<M>, q: Quarter, method: Method) -> Result<[&M; 3], AggregateError> {
    let newest = intervals.by_end_ms.keys().next_back().copied();
    let oldest = intervals.by_end_ms.keys().next().copied();
    let mut out = Vec::with_capacity(3);
    for end in q.interval_ends() {
        let ms = end.timestamp_millis();
        let when = || end.format("%Y-%m-%d %H:%M").to_string();
        let m = intervals.get(ms).ok_or_else(|| AggregateError::MissingInterval {
            method,
            quarter: q.stem(),
            end: when(),
        })?;
        let why = if Some(ms) == newest {
            Some("still in progress")
        } else if Some(ms) == oldest {
            Some("the oldest of the reply, covering only part of its 5 minutes,")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(AggregateError::NotWhole {
                method,
                quarter: q.stem(),
                end: when(),
                why,
            });
        }
        out.push(m);
    }
    Ok([out[0], out[1], out[2]])
}

fn sorted_ids(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    v.sort_by(|a, b| cmp_ids(a, b));
    v
}

/// Build one quarter's rows from the run's snapshot.
pub fn build_quarter(snap: &Snapshot, q: Quarter, sel: &Selection<'_>) -> Result<QuarterReport, AggregateError> {
    let stem = q.stem();
    let qh = pick(&snap.queue_health, q, Method::QueueHealth)?;
    let ea = pick(&snap.eng_activity, q, Method::EngActivity)?;
    let aa = pick(&snap.agent_activity, q, Method::AgentActivity)?;
    let mut unmapped = BTreeSet::new();

    // Which agents make rows, and under which employee id.
    let mut employee_of = |agent: &str| -> Option<String> {
        match sel.agent_map.employee(agent) {
            Some(e) => Some(e.to_string()),
            None => {
                unmapped.insert(agent.to_string());
                match sel.unmapped {
                    UnmappedAgents::Keep => Some(agent.to_string()),
                    UnmappedAgents::Skip => None,
                }
            }
        }
    };

    // ---- Q_ ----
    let skill_ids = match sel.skills {
        IdSelection::List(ids) => sorted_ids(ids.iter().cloned()),
        IdSelection::All => sorted_ids(
            qh.iter()
                .flat_map(|d| d.skills.keys().cloned())
                .chain(ea.iter().flat_map(|d| d.per_agent.skills.keys().cloned())),
        ),
    };
    let acc_qh = Acc {
        method: Method::QueueHealth,
        quarter: &stem,
    };
    let acc_ea = Acc {
        method: Method::EngActivity,
        quarter: &stem,
    };
    let mut queues = Vec::with_capacity(skill_ids.len());
    for skill in &skill_ids {
        let mut r = QueueRow {
            id: skill.clone(),
            ..Default::default()
        };
        let (mut qs_sum, mut qs_count, mut as_sum, mut as_count) = (0u64, 0u64, 0u64, 0u64);
        for d in qh {
            let Some(m) = d.skills.get(skill) else {
                continue;
            };
            acc_qh.add(&mut r.offered, m.entered_q_eng, "enteredQEng", skill)?;
            acc_qh.add(&mut r.handled, m.connected_eng, "connectedEng", skill)?;
            acc_qh.add(&mut r.abandoned, m.abandoned_eng, "abandonedEng", skill)?;
            acc_qh.add(
                &mut r.time_to_answer,
                m.total_time_to_answer,
                "totalTimeToAnswer",
                skill,
            )?;
            acc_qh.add(
                &mut r.time_to_abandon,
                m.total_time_to_abandon,
                "totalTimeToAbandon",
                skill,
            )?;
            acc_qh.max(&mut r.max_queue_size, m.max_queue_size);
            acc_qh.max(&mut r.max_available_slots, m.max_available_slots);
            acc_qh.add(&mut qs_sum, m.queue_size_sum, "queueSizeSum", skill)?;
            acc_qh.add(&mut qs_count, m.queue_size_count, "queueSizeCount", skill)?;
            acc_qh.add(&mut as_sum, m.available_slots_sum, "availableSlotsSum", skill)?;
            acc_qh.add(&mut as_count, m.available_slots_count, "availableSlotsCount", skill)?;
        }
        r.avg_time_to_answer = avg_rounded(r.time_to_answer, r.handled);
        r.avg_time_to_abandon = avg_rounded(r.time_to_abandon, r.abandoned);
        r.avg_queue_size = avg_hundredths(qs_sum, qs_count);
        r.avg_available_slots = avg_hundredths(as_sum, as_count);
        for d in ea {
            let Some(s) = d.per_agent.skills.get(skill) else {
                continue;
            };
            // The skill's totals cover every agent; without them, sum the agents' rows.
            let totals: Vec<_> = match s.totals {
                Some(t) => vec![t],
                None => s.agents.values().copied().collect(),
            };
            for t in totals {
                acc_ea.add(
                    &mut r.interactive_closed,
                    t.total_interactive_chats,
                    "totalInteractiveChats",
                    skill,
                )?;
                acc_ea.add(
                    &mut r.non_interactive_closed,
                    t.total_non_interactive_chats,
                    "totalNonInteractiveChats",
                    skill,
                )?;
                acc_ea.add(&mut r.handle_time, t.total_handling_time, "totalHandlingTime", skill)?;
                acc_ea.add(
                    &mut r.non_interactive_handle_time,
                    t.non_interactive_total_handling_time,
                    "nonInteractiveTotalHandlingTime",
                    skill,
                )?;
            }
        }
        queues.push(r);
    }

    // ---- AQ_ ----
    let mut pairs: BTreeMap<(String, String), AgentQueueRow> = BTreeMap::new();
    for d in ea {
        for (skill, s) in &d.per_agent.skills {
            if !sel.skills.contains(skill) {
                continue;
            }
            for (agent, m) in &s.agents {
                if !sel.agents.contains(agent) {
                    continue;
                }
                let row = pairs
                    .entry((agent.clone(), skill.clone()))
                    .or_insert_with(|| AgentQueueRow {
                        agent_id: agent.clone(),
                        queue_id: skill.clone(),
                        ..Default::default()
                    });
                let id = format!("agent {agent} in skill {skill}");
                acc_ea.add(
                    &mut row.interactive_closed,
                    m.total_interactive_chats,
                    "totalInteractiveChats",
                    &id,
                )?;
                acc_ea.add(
                    &mut row.non_interactive_closed,
                    m.total_non_interactive_chats,
                    "totalNonInteractiveChats",
                    &id,
                )?;
                acc_ea.add(&mut row.connected, m.connected_engagements, "connectedEngagements", &id)?;
                acc_ea.add(&mut row.handle_time, m.total_handling_time, "totalHandlingTime", &id)?;
                acc_ea.add(
                    &mut row.non_interactive_handle_time,
                    m.non_interactive_total_handling_time,
                    "nonInteractiveTotalHandlingTime",
                    &id,
                )?;
            }
        }
    }
    let mut agent_queues: Vec<AgentQueueRow> = pairs
        .into_values()
        .filter_map(|mut r| {
            r.employee_id = employee_of(&r.agent_id)?;
            Some(r)
        })
        .collect();
    agent_queues.sort_by(|a, b| cmp_ids(&a.agent_id, &b.agent_id).then_with(|| cmp_ids(&a.queue_id, &b.queue_id)));

    // ---- AS_ ----
    let agent_ids = match sel.agents {
        IdSelection::List(ids) => sorted_ids(ids.iter().cloned()),
        IdSelection::All => sorted_ids(aa.iter().flat_map(|d| d.agents.per_agent.keys().cloned())),
    };
    let acc_aa = Acc {
        method: Method::AgentActivity,
        quarter: &stem,
    };
    let mut ignored_state_ids = BTreeSet::new();
    let mut agents = Vec::with_capacity(agent_ids.len());
    for agent in agent_ids {
        let Some(employee_id) = employee_of(&agent) else {
            continue;
        };
        let mut row = AgentRow {
            employee_id,
            agent_id: agent.clone(),
            ..Default::default()
        };
        let mut reasons: BTreeMap<String, StateSums> = BTreeMap::new();
        for d in aa {
            let Some(states) = d.agents.per_agent.get(&agent) else {
                continue;
            };
            for st in states {
                let into = match st.id.0 {
                    -1 => &mut row.logged_in,
                    2 => &mut row.online,
                    3 => &mut row.back_soon,
                    4 => &mut row.away,
                    other => {
                        ignored_state_ids.insert(other);
                        continue;
                    }
                };
                acc_aa.state(into, &st.value, &format!("agent {agent} state {}", st.id.0))?;
                if st.id.0 == 4 {
                    for r in &st.reasons {
                        let sums = reasons.entry(r.id.0.clone()).or_default();
                        acc_aa.state(sums, &r.value, &format!("agent {agent} away reason {}", r.id.0))?;
                    }
                }
            }
        }
        let mut reasons: Vec<(String, StateSums)> = reasons.into_iter().collect();
        reasons.sort_by(|a, b| cmp_ids(&a.0, &b.0));
        row.away_reasons = reasons;
        agents.push(row);
    }

    Ok(QuarterReport {
        quarter: q,
        queues,
        agent_queues,
        agents,
        unmapped_agents: unmapped,
        ignored_state_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::model::{parse_agent_activity, parse_eng_activity, parse_queue_health};
    use crate::quarter::parse_quarter_arg;

    #[test]
    fn id_order_is_numeric() {
        let mut v = vec!["199", "10", "9", "abc", "0010", "2500000001", "A"];
        v.sort_by(|a, b| cmp_ids(a, b));
        assert_eq!(v, ["9", "0010", "10", "199", "2500000001", "A", "abc"]);
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(avg_rounded(7, 3), 2);
        assert_eq!(avg_rounded(5, 2), 3);
        assert_eq!(avg_rounded(2222, 2), 1111);
        assert_eq!(avg_rounded(9, 0), 0);
        assert_eq!(avg_hundredths(216, 3), Some(Hundredths(7200)));
        assert_eq!(avg_hundredths(1, 8), Some(Hundredths(13))); // 0.125 -> 0.13
        assert_eq!(avg_hundredths(1, 0), None);
        assert_eq!(avg_rounded(u64::MAX, 1), u64::MAX);
    }

    /// Three intervals of one quarter (10:00 on 2026-11-24), as JSON bodies.
    fn snapshot(qh: [&str; 3], ea: [&str; 3], aa: [&str; 3]) -> Snapshot {
        let q = parse_quarter_arg("112426.1000").unwrap();
        let wrap = |parts: [&str; 3], key: &str| {
            // A partial oldest and an in-progress newest interval around the quarter,
            // as LivePerson sends them; their figures must never be used.
            let margin = [
                (q.start().timestamp_millis(), "{\"999\":{\"enteredQEng\":999}}"),
                (q.end().timestamp_millis() + 300_000, "{\"999\":{\"enteredQEng\":999}}"),
            ];
            let ivs: Vec<String> = q
                .interval_ends()
                .iter()
                .map(|e| e.timestamp_millis())
                .zip(parts)
                .chain(margin)
                .rev() // reversed on purpose: order must not matter
                .map(|(e, p)| format!("{{\"timestamp\":{e},\"metricsData\":{{\"{key}\":{p}}}}}"))
                .collect();
            format!("{{\"metricsByIntervals\":[{}]}}", ivs.join(","))
        };
        Snapshot {
            queue_health: parse_queue_health(wrap(qh, "skillsMetrics").as_bytes()).unwrap(),
            eng_activity: parse_eng_activity(wrap(ea, "skillsMetricsPerAgent").as_bytes()).unwrap(),
            agent_activity: parse_agent_activity(wrap(aa, "agentsMetrics").as_bytes()).unwrap(),
        }
    }

    /// Build quarter `stem` with every skill and agent, unmapped agents kept.
    fn build_all(s: &Snapshot, stem: &str) -> Result<QuarterReport, AggregateError> {
        let map = AgentMap::default();
        let all = IdSelection::All;
        build_quarter(
            s,
            parse_quarter_arg(stem).unwrap(),
            &sel(&all, &all, &map, UnmappedAgents::Keep),
        )
    }

    fn sel<'a>(
        skills: &'a IdSelection,
        agents: &'a IdSelection,
        map: &'a AgentMap,
        unmapped: UnmappedAgents,
    ) -> Selection<'a> {
        Selection {
            skills,
            agents,
            agent_map: map,
            unmapped,
        }
    }

    #[test]
    fn queue_row_sums_and_recomputes_averages() {
        let s = snapshot(
            [
                r#"{"199":{"enteredQEng":2,"connectedEng":1,"abandonedEng":1,"totalTimeToAnswer":4,"totalTimeToAbandon":1111,"maxQueueSize":70,"queueSizeSum":100,"queueSizeCount":2,"maxAvailableSlots":-1,"availableSlotsSum":0,"availableSlotsCount":0}}"#,
                r#"{"199":{"enteredQEng":3,"connectedEng":2,"abandonedEng":1,"totalTimeToAnswer":3,"totalTimeToAbandon":1111,"maxQueueSize":78,"queueSizeSum":116,"queueSizeCount":1,"maxAvailableSlots":5,"availableSlotsSum":12,"availableSlotsCount":3}}"#,
                r#"{}"#,
            ],
            [
                r#"{"metricsPerSkill":{"199":{"metricsPerAgent":{"3":{"totalInteractiveChats":1,"connectedEngagements":2}},"metricsTotals":{"totalInteractiveChats":1,"totalNonInteractiveChats":1,"totalHandlingTime":12,"nonInteractiveTotalHandlingTime":5}}}}"#,
                r#"{"metricsPerSkill":{}}"#,
                r#"{"metricsPerSkill":{"199":{"metricsPerAgent":{"3":{"totalHandlingTime":7}}}}}"#,
            ],
            [r#"{}"#, r#"{}"#, r#"{}"#],
        );
        let r = build_all(&s, "112426.1000").unwrap();
        assert_eq!(r.queues.len(), 1);
        let q = &r.queues[0];
        assert_eq!((q.offered, q.handled, q.abandoned), (5, 3, 2));
        assert_eq!((q.time_to_answer, q.avg_time_to_answer), (7, 2));
        assert_eq!((q.time_to_abandon, q.avg_time_to_abandon), (2222, 1111));
        assert_eq!(q.max_queue_size, Some(78));
        assert_eq!(q.avg_queue_size, Some(Hundredths(7200))); // 216 / 3, not the mean of 50 and 116
        assert_eq!(q.max_available_slots, Some(5));
        assert_eq!(q.avg_available_slots, Some(Hundredths(400)));
        // totals where present, agents' rows summed where not
        assert_eq!(
            (
                q.interactive_closed,
                q.non_interactive_closed,
                q.handle_time,
                q.non_interactive_handle_time
            ),
            (1, 1, 19, 5)
        );
        assert_eq!(r.agent_queues.len(), 1);
        let aq = &r.agent_queues[0];
        assert_eq!(
            (aq.agent_id.as_str(), aq.queue_id.as_str(), aq.employee_id.as_str()),
            ("3", "199", "3")
        );
        assert_eq!((aq.interactive_closed, aq.connected, aq.handle_time), (1, 2, 7));
        assert!(r.unmapped_agents.contains("3"));
    }

    #[test]
    fn listed_ids_get_zero_rows_and_unknown_states_are_left_out() {
        let s = snapshot(
            [r#"{"5":{"enteredQEng":1}}"#, "{}", "{}"],
            [
                r#"{"metricsPerSkill":{"5":{"metricsPerAgent":{"2":{"connectedEngagements":1},"8":{"connectedEngagements":4}}}}}"#,
                "{}",
                "{}",
            ],
            [
                r#"{"metricsPerAgent":{"2":[{"id":2,"value":{"total":100,"chatting":60,"notChatting":40,"chattingInMaxConcurrency":10}},{"id":5,"value":{"total":9}},{"id":4,"value":{"total":50,"notChatting":50},"reasons":[{"id":"77","value":{"total":20,"notChatting":20}},{"id":"8","value":{"total":30,"notChatting":30}}]}]}}"#,
                r#"{"metricsPerAgent":{"2":[{"id":4,"value":{"total":10,"notChatting":10},"reasons":[{"id":"77","value":{"total":10,"notChatting":10}}]},{"id":-1,"value":{"total":300}}]}}"#,
                r#"{"metricsPerAgent":{"9":[{"id":2,"value":{"total":1}}]}}"#,
            ],
        );
        let mut map = AgentMap::default();
        map.insert("2", "E2");
        let skills = IdSelection::List(vec!["5".into(), "11".into()]);
        let agents = IdSelection::List(vec!["4".into(), "2".into()]);
        let r = build_quarter(
            &s,
            parse_quarter_arg("112426.1000").unwrap(),
            &sel(&skills, &agents, &map, UnmappedAgents::Keep),
        )
        .unwrap();
        assert_eq!(r.queues.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(), ["5", "11"]);
        assert_eq!(
            r.queues[1],
            QueueRow {
                id: "11".into(),
                ..Default::default()
            }
        );
        // agent 8 is not listed, agent 9 not listed either
        assert_eq!(r.agent_queues.len(), 1);
        assert_eq!(r.agent_queues[0].employee_id, "E2");
        assert_eq!(
            r.agents.iter().map(|a| a.agent_id.as_str()).collect::<Vec<_>>(),
            ["2", "4"]
        );
        let a = &r.agents[0];
        assert_eq!(a.employee_id, "E2");
        assert_eq!(
            a.online,
            StateSums {
                total: 100,
                chatting: 60,
                not_chatting: 40,
                max_concurrency: 10
            }
        );
        assert_eq!(a.away.total, 60);
        assert_eq!(a.logged_in.total, 300);
        assert_eq!(
            a.away_reasons
                .iter()
                .map(|(id, s)| (id.as_str(), s.total))
                .collect::<Vec<_>>(),
            [("8", 30), ("77", 30)]
        );
        assert_eq!(
            r.agents[1],
            AgentRow {
                employee_id: "4".into(),
                agent_id: "4".into(),
                ..Default::default()
            }
        );
        assert_eq!(r.ignored_state_ids, BTreeSet::from([5]));
        // skip policy drops the unmapped agent 4
        let r = build_quarter(
            &s,
            parse_quarter_arg("112426.1000").unwrap(),
            &sel(&skills, &agents, &map, UnmappedAgents::Skip),
        )
        .unwrap();
        assert_eq!(r.agents.len(), 1);
    }

    #[test]
    fn missing_interval_and_bad_numbers_are_errors() {
        let s = snapshot(["{}", "{}", "{}"], ["{}", "{}", "{}"], ["{}", "{}", "{}"]);
        let e = build_all(&s, "112426.1030").unwrap_err();
        assert!(
            e.to_string()
                .contains("queuehealth reply has no interval ending 2026-11-24 10:35"),
            "{e}"
        );
        let s = snapshot(
            [r#"{"1":{"enteredQEng":-5}}"#, "{}", "{}"],
            ["{}", "{}", "{}"],
            ["{}", "{}", "{}"],
        );
        let e = build_all(&s, "112426.1000").unwrap_err();
        assert!(e.to_string().contains("enteredQEng of 1 is -5"), "{e}");
        let big = i64::MAX;
        let s = snapshot(
            [
                &format!(r#"{{"1":{{"enteredQEng":{big}}}}}"#),
                &format!(r#"{{"1":{{"enteredQEng":{big}}}}}"#),
                &format!(r#"{{"1":{{"enteredQEng":{big}}}}}"#),
            ],
            ["{}", "{}", "{}"],
            ["{}", "{}", "{}"],
        );
        let e = build_all(&s, "112426.1000").unwrap_err();
        assert!(matches!(e, AggregateError::Overflow { .. }), "{e}");
    }

    #[test]
    fn the_in_progress_and_the_partial_oldest_interval_are_never_used() {
        let s = snapshot(["{}", "{}", "{}"], ["{}", "{}", "{}"], ["{}", "{}", "{}"]);
        // The reply runs from 10:00 (partial) to 10:20 (in progress).
        assert!(build_all(&s, "112426.1000").is_ok());
        // 10:15's first interval (ending 10:20) is the reply's newest: in progress.
        match build_all(&s, "112426.1015").unwrap_err() {
            AggregateError::NotWhole { why, end, .. } => {
                assert_eq!(why, "still in progress");
                assert_eq!(end, "2026-11-24 10:20");
            }
            e => panic!("{e}"),
        }
        // With queuehealth reaching back to 09:50, 09:45's first interval
        // (ending 09:50) is that reply's oldest: partial.
        let mut s2 = snapshot(["{}", "{}", "{}"], ["{}", "{}", "{}"], ["{}", "{}", "{}"]);
        for t in [-5, -10] {
            let ms = parse_quarter_arg("112426.1000").unwrap().start().timestamp_millis() + t * 60_000;
            s2.queue_health.by_end_ms.insert(ms, Default::default());
        }
        match build_all(&s2, "112426.0945").unwrap_err() {
            AggregateError::NotWhole { why, end, method, .. } => {
                assert!(why.contains("oldest"), "{why}");
                assert_eq!(end, "2026-11-24 09:50");
                assert_eq!(method, Method::QueueHealth);
            }
            e => panic!("{e}"),
        }
    }

    /// reports.md: MaxQueueSize / MaxAvailableSlots are omitted when every
    /// interval says -1 ("no data"), AvgQueueSize / AvgAvailableSlots when the
    /// count sum is 0, even for a skill with other data; a real maximum of 0 stays.
    #[test]
    fn no_data_maxima_and_zero_count_averages_are_omitted_from_the_row_and_the_file() {
        let none = r#""maxQueueSize":-1,"queueSizeSum":0,"queueSizeCount":0,"maxAvailableSlots":-1,"availableSlotsSum":0,"availableSlotsCount":0"#;
        let zero = r#""maxQueueSize":0,"queueSizeSum":0,"queueSizeCount":4,"maxAvailableSlots":0,"availableSlotsSum":0,"availableSlotsCount":2"#;
        let iv = |n: u64, eight: &str| {
            format!(
                r#"{{"7":{{"enteredQEng":{n},"connectedEng":1,"abandonedEng":0,"totalTimeToAnswer":10,{none}}},"8":{{"enteredQEng":1,{eight}}}}}"#
            )
        };
        let (a, b, c) = (iv(2, none), iv(3, zero), iv(1, none));
        let s = snapshot([&a, &b, &c], ["{}", "{}", "{}"], ["{}", "{}", "{}"]);
        let r = build_all(&s, "112426.1000").unwrap();
        assert_eq!(r.queues.len(), 2);
        let q7 = &r.queues[0];
        assert_eq!(q7.id, "7");
        assert_eq!(
            (q7.offered, q7.handled, q7.time_to_answer),
            (6, 3, 30),
            "the skill has data"
        );
        assert_eq!(q7.max_queue_size, None);
        assert_eq!(q7.avg_queue_size, None);
        assert_eq!(q7.max_available_slots, None);
        assert_eq!(q7.avg_available_slots, None);
        // One interval with a real 0 among two -1: the maximum is 0, not omitted.
        let q8 = &r.queues[1];
        assert_eq!(q8.max_queue_size, Some(0));
        assert_eq!(q8.avg_queue_size, Some(Hundredths(0)));
        assert_eq!(q8.max_available_slots, Some(0));
        assert_eq!(q8.avg_available_slots, Some(Hundredths(0)));

        let files = crate::report::render::render_quarter(&r, "1");
        let q = String::from_utf8(files[0].bytes.clone()).unwrap();
        let row7 = concat!(
            "  <Queue id=\"7\">\n",
            "    <Offered>6</Offered>\n",
            "    <Handled>3</Handled>\n",
            "    <Abandoned>0</Abandoned>\n",
            "    <TimeToAnswer>30</TimeToAnswer>\n",
            "    <TimeToAbandon>0</TimeToAbandon>\n",
            "    <AvgTimeToAnswer>10</AvgTimeToAnswer>\n",
            "    <AvgTimeToAbandon>0</AvgTimeToAbandon>\n",
            "    <InteractiveClosed>0</InteractiveClosed>\n",
            "    <NonInteractiveClosed>0</NonInteractiveClosed>\n",
            "    <HandleTime>0</HandleTime>\n",
            "    <NonInteractiveHandleTime>0</NonInteractiveHandleTime>\n",
            "  </Queue>\n",
        );
        assert!(q.contains(row7), "{q}");
        let row8 = &q[q.find("<Queue id=\"8\">").expect("row of skill 8")..];
        for e in [
            "<MaxQueueSize>0</MaxQueueSize>",
            "<AvgQueueSize>0.00</AvgQueueSize>",
            "<MaxAvailableSlots>0</MaxAvailableSlots>",
            "<AvgAvailableSlots>0.00</AvgAvailableSlots>",
        ] {
            assert!(row8.contains(e), "{e} in {q}");
        }
        for e in ["MaxQueueSize", "AvgQueueSize", "MaxAvailableSlots", "AvgAvailableSlots"] {
            assert_eq!(q.matches(&format!("<{e}>")).count(), 1, "{e} only in the row of 8: {q}");
        }
    }
}
