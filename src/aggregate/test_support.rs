//! The aggregate tests' replies: one quarter's, from JSON bodies, parsed and
//! built as the run does ([`quarter_records`], then [`build_quarter`]).

use super::*;
use crate::lp::model::compact::parse_reply;
use crate::lp::model::{AgentInterval, EngInterval, IdTable, Intervals, QueueInterval};
use crate::quarter::parse_quarter_arg;
use std::slice::from_ref;

/// Three replies as the run keeps them: encoded intervals and the run's ids.
pub(super) struct Replies {
    pub queue_health: Intervals<Vec<u8>>,
    pub eng_activity: Intervals<Vec<u8>>,
    pub agent_activity: Intervals<Vec<u8>>,
    ids: IdTable,
}

impl Replies {
    /// Quarter `q` built from the replies as the run builds it.
    pub fn build(&self, q: Quarter, sel: &Selection<'_>) -> Result<QuarterReport, AggregateError> {
        let replies = [
            from_ref(&self.queue_health),
            from_ref(&self.eng_activity),
            from_ref(&self.agent_activity),
        ];
        let records = quarter_records(replies, q, |b| Ok(b.clone())).map_err(|e| match e {
            RecordsError::Data(e) => e,
            RecordsError::Kept(why) => panic!("records kept in memory do not decode: {why}"),
        })?;
        let rank = id_ranks(&self.ids);
        build_quarter(
            &records,
            q,
            sel,
            RunIds {
                ids: &self.ids,
                rank: &rank,
            },
        )
    }
}

/// Three intervals of one quarter (10:00 on 2026-11-24), as JSON bodies.
pub(super) fn replies(qh: [&str; 3], ea: [&str; 3], aa: [&str; 3]) -> Replies {
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
    let mut ids = IdTable::default();
    Replies {
        queue_health: parse_reply::<QueueInterval>(wrap(qh, "skillsMetrics").as_bytes(), None, &mut ids).unwrap(),
        eng_activity: parse_reply::<EngInterval>(wrap(ea, "skillsMetricsPerAgent").as_bytes(), None, &mut ids).unwrap(),
        agent_activity: parse_reply::<AgentInterval>(wrap(aa, "agentsMetrics").as_bytes(), None, &mut ids).unwrap(),
        ids,
    }
}

/// Build quarter `stem` with every skill and agent, unmapped agents kept.
pub(super) fn build_all(s: &Replies, stem: &str) -> Result<QuarterReport, AggregateError> {
    let map = AgentMap::default();
    let all = IdSelection::All;
    s.build(
        parse_quarter_arg(stem).unwrap(),
        &sel(&all, &all, &map, UnmappedAgents::Keep),
    )
}

pub(super) fn sel<'a>(
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
