//! The aggregate tests' one builder: replies of one quarter from JSON bodies,
//! parsed and built as the run does (compact records, every method's
//! intervals checked with [`pick`] before any is read).

use super::*;
use crate::lp::model::compact::{parse_reply, IntervalRecords, Marks};
use crate::lp::model::IdTable;
use crate::quarter::parse_quarter_arg;

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
        let qh = pick(&self.queue_health, q, Method::QueueHealth)?;
        let ea = pick(&self.eng_activity, q, Method::EngActivity)?;
        let aa = pick(&self.agent_activity, q, Method::AgentActivity)?;
        fn decode<M: IntervalRecords>(blobs: [&Vec<u8>; 3]) -> [M; 3] {
            let mut marks = Marks::default();
            blobs.map(|b| M::decode_all([b.as_slice()], &mut marks).expect("records decode"))
        }
        let records = QuarterRecords {
            queue_health: decode(qh),
            eng_activity: decode(ea),
            agent_activity: decode(aa),
        };
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
