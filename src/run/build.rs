//! Stage 3: one quarter from the parsed replies: its records read back,
//! aggregated and rendered (pure core calls besides the read; this module
//! only logs and names failures).

use super::fetch::{QuarterError, Replies};
use crate::aggregate::compact::build_quarter_records;
use crate::aggregate::Selection;
use crate::config::Config;
use crate::mapping::AgentMap;
use crate::outcome::{Failure, FailureKind};
use crate::quarter::Quarter;
use crate::report::render::{render_quarter, RenderedFile};
use crate::select::UnmappedAgents;
use std::collections::BTreeSet;
use tracing::{debug, warn};

pub fn selection<'a>(cfg: &'a Config, agent_map: &'a AgentMap) -> Selection<'a> {
    Selection {
        skills: &cfg.skills,
        agents: &cfg.agents,
        agent_map,
        unmapped: cfg.unmapped_agents,
    }
}

/// The three files of `q`; agents without an employee id are added to `unmapped`.
pub fn quarter(
    cfg: &Config,
    q: Quarter,
    replies: &Replies,
    sel: &Selection<'_>,
    unmapped: &mut BTreeSet<String>,
) -> Result<[RenderedFile; 3], Failure> {
    let data = |e: &dyn std::fmt::Display| Failure::new(FailureKind::Data, format!("{e}; no files written"));
    let records = replies.records(q).map_err(|e| match e {
        QuarterError::Data(e) => data(&e),
        QuarterError::Spill(_) => Failure::new(FailureKind::Write, format!("{e}; no files written")),
    })?;
    let report = build_quarter_records(&records, q, sel, replies.ids()).map_err(|e| data(&e))?;
    unmapped.extend(report.unmapped_agents.iter().cloned());
    if !report.ignored_state_ids.is_empty() {
        debug!(
            "quarter {q}: agent state ids {:?} are not reported",
            report.ignored_state_ids
        );
    }
    Ok(render_quarter(&report, &cfg.account, cfg.file_stamp))
}

/// One warning per run for agents missing from the agent map.
pub fn warn_unmapped(cfg: &Config, unmapped: BTreeSet<String>) {
    if unmapped.is_empty() {
        return;
    }
    let list: Vec<_> = unmapped.into_iter().collect();
    let verb = match cfg.unmapped_agents {
        UnmappedAgents::Keep => "reported under their LivePerson id",
        UnmappedAgents::Skip => "left out (UNMAPPED_AGENTS=skip)",
    };
    warn!(
        "{} agent(s) have no employee id in the agent map and were {verb}: {}",
        list.len(),
        list.join(", ")
    );
}
