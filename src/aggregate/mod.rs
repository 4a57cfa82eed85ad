//! Aggregation: the three 5-minute intervals of a quarter, as compact records
//! of the three replies ([`crate::lp::model::compact`], ids interned), into
//! the rows of the `Q_`, `AQ_` and `AS_` reports. Pure: same records and
//! settings, same rows, in the same order.
//!
//! One file per report: `queue.rs` (`Q_`), `agent_queue.rs` (`AQ_`),
//! `agent_system.rs` (`AS_`), `messaging.rs` (the messaging `Q_` and `AS_`),
//! `messaging_ops.rs` (its Messaging Operations figures and the messaging `AQ_`);
//! `sums.rs` holds the arithmetic they share, `limits.rs` the bounds of ids
//! and figures, `run_ids.rs` the run's interned ids (names, numeric order),
//! `records.rs` a quarter's records (the choice of intervals, read back and
//! decoded). This file holds the shared types, which ids make rows (numeric id
//! order), how agents are named, and [`build_quarter`].

mod agent_queue;
mod agent_system;
pub mod limits;
mod messaging;
mod messaging_ops;
mod queue;
mod records;
mod run_ids;
mod sums;
#[cfg(test)]
mod test_support;

pub use messaging::{
    avg_seconds, build_messaging_quarter, ms_to_seconds, HandledFigures, MessagingAgentQueueRow, MessagingAgentRow,
    MessagingQueueRow, MessagingReport, SegmentFigures,
};
pub use records::{quarter_records, QuarterRecords, RecordsError};
pub use run_ids::{id_ranks, RunIds};
pub use sums::{avg_hundredths, avg_rounded};

use crate::lp::model::Method;
use crate::mapping::AgentMap;
use crate::quarter::Quarter;
use crate::select::{IdSelection, UnmappedAgents};
use std::cmp::Ordering;
use std::collections::BTreeSet;

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

/// The largest of a figure's values >= 0 over the quarter; `None` when every
/// interval said -1 ("no data"), and the element is then omitted.
pub(crate) type Maximum = Option<u64>;

/// An average recomputed from summed totals and counts, in hundredths rounded
/// half up; `None` when the counts sum to 0, and the element is then omitted.
pub(crate) type Average = Option<Hundredths>;

/// One `Q_` row: a skill over the quarter (rules in docs/reports.md).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueRow {
    pub id: String,
    /// Sum of queuehealth `enteredQEng`.
    pub offered: u64,
    /// Sum of `connectedEng`.
    pub handled: u64,
    /// Sum of `abandonedEng`.
    pub abandoned: u64,
    /// Sum of `totalTimeToAnswer` (seconds).
    pub time_to_answer: u64,
    /// Sum of `totalTimeToAbandon` (seconds).
    pub time_to_abandon: u64,
    /// `time_to_answer / handled`, half up; 0 when nothing was handled.
    pub avg_time_to_answer: u64,
    /// `time_to_abandon / abandoned`, half up; 0 when nothing was abandoned.
    pub avg_time_to_abandon: u64,
    /// The maximum of `maxQueueSize`.
    pub max_queue_size: Maximum,
    /// Sum of `queueSizeSum` / sum of `queueSizeCount`.
    pub avg_queue_size: Average,
    /// The maximum of `maxAvailableSlots`.
    pub max_available_slots: Maximum,
    /// Sum of `availableSlotsSum` / sum of `availableSlotsCount`.
    pub avg_available_slots: Average,
    /// engactivity: sum of `totalInteractiveChats` of the whole skill.
    pub interactive_closed: u64,
    /// engactivity: sum of `totalNonInteractiveChats`.
    pub non_interactive_closed: u64,
    /// engactivity: sum of `totalHandlingTime`.
    pub handle_time: u64,
    /// engactivity: sum of `nonInteractiveTotalHandlingTime`.
    pub non_interactive_handle_time: u64,
}

/// One `AQ_` row: an agent in a skill, engactivity summed over the quarter.
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

/// One `AS_` row: an agent's states, agentactivity summed over the quarter.
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
    #[error("{method} reply, quarter {quarter}: {field} of {id} is not a whole number (a fraction, or a number beyond what a count can be); wfm does not pass such a figure on to NICE WFM, so no files are written for this quarter and the next runs try it again (debug 2 keeps the replies)")]
    NotANumber {
        method: Method,
        quarter: String,
        field: &'static str,
        id: String,
    },
    #[error("{method} reply, quarter {quarter}: the sum of {field} for {id} overflows")]
    Overflow {
        method: Method,
        quarter: String,
        field: &'static str,
        id: String,
    },
    #[error("{method} reply, quarter {quarter}: {field} of {id} comes to {value}, above {max} ({what}); wfm does not pass such a figure on to NICE WFM, so no files are written for this quarter and the next runs try it again (debug 2 keeps the replies)")]
    TooLarge {
        method: Method,
        quarter: String,
        field: &'static str,
        id: String,
        value: String,
        max: u64,
        what: &'static str,
    },
    #[error("{method} reply, quarter {quarter}: the {what} id {id:?} {why}, which a NICE WFM file cannot hold; no files are written for this quarter and the next runs try it again (debug 2 keeps the replies)")]
    BadId {
        method: Method,
        quarter: String,
        what: &'static str,
        id: String,
        why: &'static str,
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

/// The ids that make rows, deduplicated and in [`cmp_ids`] order: every listed
/// id, or with `all` every id `present` in the quarter's data.
fn row_ids(selection: &IdSelection, present: impl IntoIterator<Item = String>) -> Vec<String> {
    let ids: BTreeSet<String> = match selection {
        IdSelection::List(ids) => ids.iter().cloned().collect(),
        IdSelection::All => present.into_iter().collect(),
    };
    let mut v: Vec<String> = ids.into_iter().collect();
    v.sort_by(|a, b| cmp_ids(a, b));
    v
}

/// Names agents by employee id and remembers the ones without a mapping.
struct Naming<'a> {
    sel: &'a Selection<'a>,
    unmapped: BTreeSet<String>,
}

impl Naming<'_> {
    /// The employee id an agent's rows carry; `None` when the agent is left out.
    fn employee_of(&mut self, agent: &str) -> Option<String> {
        if let Some(e) = self.sel.agent_map.employee(agent) {
            return Some(e.to_string());
        }
        self.unmapped.insert(agent.to_string());
        match self.sel.unmapped {
            UnmappedAgents::Keep => Some(agent.to_string()),
            UnmappedAgents::Skip => None,
        }
    }
}

/// Build one quarter's rows from its records (as [`quarter_records`] reads them:
/// intervals already checked whole, every method before any is read).
pub fn build_quarter(
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
    let queues = queue::rows(records, sel.skills, ids, &stem)?;
    let mut employees = run_ids::Employees {
        naming: &mut naming,
        ids,
        known: Default::default(),
    };
    let agent_queues = agent_queue::rows(&records.eng_activity, sel, &mut employees, &stem)?;
    let (agents, ignored_state_ids) = agent_system::rows(&records.agent_activity, sel.agents, &mut employees, &stem)?;
    Ok(QuarterReport {
        quarter: q,
        queues,
        agent_queues,
        agents,
        unmapped_agents: naming.unmapped,
        ignored_state_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::test_support::{build_all, replies, sel};
    use super::*;
    use crate::quarter::parse_quarter_arg;

    #[test]
    fn id_order_is_numeric() {
        let mut v = vec!["199", "10", "9", "abc", "0010", "2500000001", "A"];
        v.sort_by(|a, b| cmp_ids(a, b));
        assert_eq!(v, ["9", "0010", "10", "199", "2500000001", "A", "abc"]);
    }

    #[test]
    fn listed_ids_get_zero_rows_and_unknown_states_are_left_out() {
        let s = replies(
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
        let r = s
            .build(
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
        let r = s
            .build(
                parse_quarter_arg("112426.1000").unwrap(),
                &sel(&skills, &agents, &map, UnmappedAgents::Skip),
            )
            .unwrap();
        assert_eq!(r.agents.len(), 1);
    }

    #[test]
    fn missing_interval_and_bad_numbers_are_errors() {
        let s = replies(["{}", "{}", "{}"], ["{}", "{}", "{}"], ["{}", "{}", "{}"]);
        let e = build_all(&s, "112426.1030").unwrap_err();
        assert!(
            e.to_string()
                .contains("queuehealth reply has no interval ending 2026-11-24 10:35"),
            "{e}"
        );
        let s = replies(
            [r#"{"1":{"enteredQEng":-5}}"#, "{}", "{}"],
            ["{}", "{}", "{}"],
            ["{}", "{}", "{}"],
        );
        let e = build_all(&s, "112426.1000").unwrap_err();
        assert!(e.to_string().contains("enteredQEng of 1 is -5"), "{e}");
        let big = i64::MAX;
        let s = replies(
            [
                &format!(r#"{{"1":{{"enteredQEng":{big}}}}}"#),
                &format!(r#"{{"1":{{"enteredQEng":{big}}}}}"#),
                &format!(r#"{{"1":{{"enteredQEng":{big}}}}}"#),
            ],
            ["{}", "{}", "{}"],
            ["{}", "{}", "{}"],
        );
        let e = build_all(&s, "112426.1000").unwrap_err();
        // Beyond any quarter's count long before it could overflow.
        assert!(matches!(e, AggregateError::TooLarge { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("enteredQEng of 1 comes to 9223372036854775807, above 1000000000"),
            "{e}"
        );
    }

    #[test]
    fn the_in_progress_and_the_partial_oldest_interval_are_never_used() {
        let s = replies(["{}", "{}", "{}"], ["{}", "{}", "{}"], ["{}", "{}", "{}"]);
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
        let mut s2 = replies(["{}", "{}", "{}"], ["{}", "{}", "{}"], ["{}", "{}", "{}"]);
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
}
