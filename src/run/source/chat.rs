//! The chat source (`LP_CHANNEL=chat`): one request per method for all the
//! quarters ([`fetch`](crate::run::fetch)), then each quarter aggregated and
//! rendered from that snapshot ([`build`](crate::run::build)).

use super::{replayed, selection, warn_unmapped, Built, Fetching};
use crate::lp::client::LpClient;
use crate::mapping::AgentMap;
use crate::quarter::Quarter;
use crate::run::{build, fetch, quarters_label, RunContext};
use tracing::error;

pub(super) async fn build_quarters(
    ctx: &RunContext<'_>,
    client: &LpClient,
    agent_map: &AgentMap,
    quarters: &[Quarter],
    take: &mut dyn FnMut(Quarter, Built),
) -> Fetching {
    let label = quarters_label(quarters);
    let fetched = fetch::fetch(ctx, client, quarters, &label).await;
    let mut fetching = Fetching {
        requests: fetched.requests,
        by_method: fetched.by_method,
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
    let sel = selection(ctx.cfg, agent_map);
    let mut unmapped = std::collections::BTreeSet::new();
    for q in quarters {
        let built = build::quarter(ctx.cfg, *q, &snapshot, &sel, &mut unmapped)
            .map(super::BuiltFiles::from)
            .map_err(|f| replayed(ctx, f));
        if let Err(failure) = &built {
            error!("quarter {q}: {failure}");
        }
        take(*q, built);
    }
    warn_unmapped(ctx.cfg, unmapped);
    fetching
}
