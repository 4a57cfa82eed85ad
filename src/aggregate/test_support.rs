//! The aggregate tests' one builder: replies of one quarter from JSON bodies.

use super::*;
use crate::lp::model::{parse_agent_activity, parse_eng_activity, parse_queue_health};
use crate::quarter::parse_quarter_arg;

/// Three intervals of one quarter (10:00 on 2026-11-24), as JSON bodies.
pub(super) fn snapshot(qh: [&str; 3], ea: [&str; 3], aa: [&str; 3]) -> Snapshot {
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
pub(super) fn build_all(s: &Snapshot, stem: &str) -> Result<QuarterReport, AggregateError> {
    let map = AgentMap::default();
    let all = IdSelection::All;
    build_quarter(
        s,
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
