//! The chat source's build, called once per quarter: the quarter's records
//! read back from the parsed replies, aggregated and rendered (pure core calls
//! besides the read; this module only logs and names failures).

use super::fetch::Replies;
use crate::aggregate::{build_quarter, RecordsError, Selection};
use crate::config::Config;
use crate::outcome::{Failure, FailureKind};
use crate::quarter::Quarter;
use crate::report::render::{render_quarter, RenderedFile};
use std::collections::BTreeSet;
use tracing::debug;

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
        RecordsError::Data(e) => data(&e),
        RecordsError::Kept(why) => Failure::new(
            FailureKind::Write,
            format!("cannot read the parsed replies back from their temporary file ({why}); check TMPDIR's disk; no files written"),
        ),
    })?;
    let report = build_quarter(&records, q, sel, replies.ids()).map_err(|e| data(&e))?;
    unmapped.extend(report.unmapped_agents.iter().cloned());
    if !report.ignored_state_ids.is_empty() {
        debug!(
            "quarter {q}: agent state ids {:?} are not reported",
            report.ignored_state_ids
        );
    }
    Ok(render_quarter(&report, &cfg.account, cfg.file_stamp))
}
