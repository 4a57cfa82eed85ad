//! The seam between where a run's figures come from and what it does with
//! them. A source (the chat methods, or Key Messaging Metrics for messaging
//! accounts, chosen by LP_CHANNEL) turns LivePerson replies into each
//! quarter's rendered files and hands them over one quarter at a time, oldest
//! first; writing, delivery, state, mail and the summary are the same for
//! every source. A new source is a new arm here and its own module: nothing
//! after the hand-over changes.

use super::{build, fetch, messaging, RunContext};
use crate::mapping::AgentMap;
use crate::outcome::Failure;
use crate::quarter::Quarter;
use crate::report::render::RenderedFile;
use crate::select::Channel;
use tracing::error;

/// What a source made of one quarter: its files in delivery order, or why
/// there are none (the source has logged it).
pub type Built = Result<Vec<RenderedFile>, Failure>;

/// What a source did over the whole run.
#[derive(Debug, Default)]
pub struct Fetching {
    pub requests: usize,
    pub retries: usize,
    /// Set when a failure of the run, not of one quarter, ended the fetching.
    pub fatal: Option<Failure>,
}

/// Build `quarters` from the configured channel's source, handing each to
/// `take` as soon as it is built. Every quarter is handed over exactly once.
pub async fn build_quarters(
    ctx: &RunContext<'_>,
    agent_map: &AgentMap,
    quarters: &[Quarter],
    take: &mut dyn FnMut(Quarter, Built),
) -> Fetching {
    match ctx.cfg.channel {
        Channel::Chat => chat(ctx, agent_map, quarters, take).await,
        Channel::Messaging => messaging::build_quarters(ctx, agent_map, quarters, take).await,
    }
}

/// The chat methods: one request per method for all the quarters, then each
/// quarter aggregated from that snapshot.
async fn chat(
    ctx: &RunContext<'_>,
    agent_map: &AgentMap,
    quarters: &[Quarter],
    take: &mut dyn FnMut(Quarter, Built),
) -> Fetching {
    let label = super::quarters_label(quarters);
    let fetched = fetch::fetch(ctx, quarters, &label).await;
    let mut fetching = Fetching {
        requests: fetched.requests,
        retries: fetched.retries,
        fatal: None,
    };
    let snapshot = match fetched.snapshot {
        Ok(s) => s,
        Err(failure) => {
            error!("{failure}");
            for q in quarters {
                take(*q, Err(failure.clone()));
            }
            fetching.fatal = Some(failure);
            return fetching;
        }
    };
    let sel = build::selection(ctx.cfg, agent_map);
    let mut unmapped = std::collections::BTreeSet::new();
    for q in quarters {
        let built = build::quarter(ctx.cfg, *q, &snapshot, &sel, &mut unmapped).map(Vec::from);
        if let Err(failure) = &built {
            error!("quarter {q}: {failure}");
        }
        take(*q, built);
    }
    build::warn_unmapped(ctx.cfg, unmapped);
    fetching
}
