//! The messaging source (`LP_CHANNEL=messaging`): first the Messaging
//! Operations figures of every quarter within its 24 h, one request per method
//! for the whole run ([`super::msgops`]); then each quarter is one Key
//! Messaging Metrics window, fetched as `metrics` and `agent_view`, every page
//! to the end, at most two requests in flight (two quarters at a time, each
//! fetching its pages in turn), then aggregated and rendered as `Q_`, `AQ_` and
//! `AS_` (a quarter older than Messaging Operations' 24 h as a *partial* `Q_`
//! and `AS_` from KMM alone).
//!
//! A failure of one quarter (KMM refusing its window, an unusable reply, more
//! than 1,000 agents without a list) fails that quarter only; one of the run
//! (a refusal, LivePerson down after the retries, the deadline, a failed or
//! unusable Messaging Operations reply) fails every quarter not built yet, as
//! one fetch failure does for chat.

use super::msgops;
use super::{
    deadline_failure, kind_of, lp_failure, of_quarters, selection, warn_unmapped, Built, BuiltFiles, Fetching,
};
use crate::aggregate::{build_messaging_quarter, Selection};
use crate::lp::client::{LpClient, RawReply};
use crate::lp::model::kmm::{
    self, AgentRecord, AgentViewPage, Group, MetricsPage, Paging, PagingError, AGENT_VIEW_CAP,
};
use crate::lp::model::msgops::OpsQuarter;
use crate::lp::model::Method;
use crate::lp::LpError;
use crate::mapping::AgentMap;
use crate::outcome::{Failure, FailureKind};
use crate::quarter::{Quarter, PARTIAL_WHY};
use crate::report::render::render_messaging_quarter;
use crate::run::RunContext;
use futures_util::stream::{self, StreamExt};
use std::collections::BTreeSet;
use tracing::{debug, error, info};

/// Quarters fetched at once; each has one request in flight at a time.
const IN_FLIGHT: usize = 2;

/// All pages of one quarter.
struct Pages {
    groups: Vec<Group>,
    records: Vec<AgentRecord>,
}

/// Why a quarter has no pages: its own problem, or the run's.
enum Fetch {
    Quarter(Failure),
    Run(Failure),
}

pub(super) async fn build_quarters(
    ctx: &RunContext<'_>,
    client: &LpClient,
    agent_map: &AgentMap,
    quarters: &[Quarter],
    take: &mut dyn FnMut(Quarter, Built),
) -> Fetching {
    let cfg = ctx.cfg;
    let sel = selection(cfg, agent_map);
    let mut fetching = Fetching::default();
    let mut unmapped = BTreeSet::new();
    let mut next = 0;
    let now = ctx.now();
    let full: Vec<Quarter> = quarters.iter().copied().filter(|q| msgops::serves(*q, now)).collect();
    let partial = quarters.len() - full.len();
    if partial > 0 {
        info!(
            "{partial} quarter(s) older than now − {} min are built partial from Key Messaging Metrics alone (Q_ and AS_, no AQ_): {PARTIAL_WHY}",
            msgops::OPS_REACH_MINUTES
        );
    }
    // The hosts, the token and the Messaging Operations figures first, once: a
    // failure there fails every quarter alike.
    let ready = tokio::time::timeout_at(ctx.deadline.work_end().into(), async {
        client.kmm_host().await.map_err(|e| lp_failure(&e))?;
        client.bearer().await.map_err(|e| lp_failure(&e))?;
        msgops::fetch(client, &full, &cfg.skills, &cfg.agents, now).await
    })
    .await;
    let first_failure = match ready {
        Ok(Ok(mut ops)) => {
            debug!(
                "fetching {} messaging quarter(s) from Key Messaging Metrics (LivePerson auth: {})",
                quarters.len(),
                cfg.auth.name()
            );
            let mut pages = stream::iter(quarters.iter().copied())
                .map(|q| async move { (q, fetch_quarter(client, ctx, q).await) })
                .buffered(IN_FLIGHT);
            loop {
                match tokio::time::timeout_at(ctx.deadline.work_end().into(), pages.next()).await {
                    Ok(None) => break None,
                    Ok(Some((q, Ok(p)))) => {
                        next += 1;
                        let built = match ops.quarter(q) {
                            Ok(o) => build_one(ctx, q, &p, o.as_ref(), &sel, &mut unmapped),
                            Err(failure) => {
                                error!("quarter {q}: {failure}");
                                Err(failure)
                            }
                        };
                        take(q, built);
                    }
                    Ok(Some((q, Err(Fetch::Quarter(failure))))) => {
                        next += 1;
                        error!("quarter {q}: {failure}");
                        take(q, Err(failure));
                    }
                    Ok(Some((_, Err(Fetch::Run(failure))))) => break Some(failure),
                    Err(_) => break Some(deadline_failure(ctx)),
                }
            }
        }
        Ok(Err(failure)) => Some(failure),
        Err(_) => Some(deadline_failure(ctx)),
    };
    if let Some(failure) = first_failure {
        let rest = &quarters[next..];
        let failure = of_quarters(&crate::run::quarters_label(rest), failure);
        error!("{failure}");
        for q in rest {
            take(*q, Err(failure.clone()));
        }
        fetching.fatal = Some(failure);
    }
    warn_unmapped(cfg, unmapped);
    fetching.requests = client.requests();
    fetching.by_method = client.requests_by_method();
    fetching.retries = client.retries();
    fetching
}

/// Whether a LivePerson error is the quarter's own (KMM refusing its window)
/// rather than the run's (refusals, outages, the retry budget).
fn quarter_only(e: &LpError) -> bool {
    e.status() == Some(400)
}

/// Every page of `metrics` and `agent_view` for quarter `q`, in turn.
async fn fetch_quarter(client: &LpClient, ctx: &RunContext<'_>, q: Quarter) -> Result<Pages, Fetch> {
    let cfg = ctx.cfg;
    let lp = |e: LpError| {
        if quarter_only(&e) {
            Fetch::Quarter(Failure::new(kind_of(&e), format!("no files written: {e}")))
        } else {
            Fetch::Run(lp_failure(&e))
        }
    };
    let stem = q.stem();
    let metrics = body(&kmm::metrics_body(q, &cfg.skills));
    let mut groups = Vec::new();
    let mut paging = Paging::default();
    loop {
        let offset = paging.offset();
        let raw = client
            .kmm_page(Method::Metrics, offset, &metrics, &format!("{stem}-{offset}"))
            .await
            .map_err(lp)?;
        let page: MetricsPage = parse(raw, Method::Metrics, q)?;
        let list = page.group_by.groups;
        let ids = list.as_ref().map(|l| l.iter().map(|g| g.key.0.as_str()));
        let more = paging
            .take(page.metadata.count, ids, "groupBy.groups")
            .map_err(|e| unusable(Method::Metrics, q, &e))?;
        groups.extend(list.unwrap_or_default());
        if !more {
            break;
        }
    }
    let mut records = Vec::new();
    let batches = kmm::agent_batches(&cfg.agents);
    let several = batches.len() > 1;
    for (n, batch) in batches.into_iter().enumerate() {
        let agents = body(&kmm::agent_view_body(q, batch.as_deref()));
        // Batches of one quarter must not share a dump name (a replay reads them back by name).
        let tag = |offset: u64| match several {
            true => format!("{stem}-batch{}-{offset}", n + 1),
            false => format!("{stem}-{offset}"),
        };
        let mut paging = Paging::default();
        loop {
            let offset = paging.offset();
            let raw = client
                .kmm_page(Method::AgentView, offset, &agents, &tag(offset))
                .await
                .map_err(lp)?;
            let page: AgentViewPage = parse(raw, Method::AgentView, q)?;
            let total = page.metadata.count.map_or(0, count);
            if batch.is_none() && total > AGENT_VIEW_CAP {
                return Err(Fetch::Quarter(Failure::new(
                    FailureKind::Data,
                    format!(
                        "no files written: Key Messaging Metrics has {total} agents for this quarter, and agent_view serves at most {AGENT_VIEW_CAP} agents per filter with LP_AGENT_IDS=all; list the agent ids in LP_AGENT_IDS (wfm asks for them in batches of {AGENT_VIEW_CAP})"
                    ),
                )));
            }
            if let Some(asked) = batch.as_ref().map(|b| b.len() as u64).filter(|n| total > *n) {
                let e = PagingError::MoreThanAsked { count: total, asked };
                return Err(unusable(Method::AgentView, q, &e));
            }
            let list = page.records;
            let ids = list.as_ref().map(|l| l.iter().map(|r| r.agent_id.0.as_str()));
            let more = paging
                .take(page.metadata.count, ids, "agentViewRecords")
                .map_err(|e| unusable(Method::AgentView, q, &e))?;
            records.extend(list.unwrap_or_default());
            // At most AGENT_VIEW_CAP agents (checked above), so the pages never
            // pass offset + limit = 1,000, which KMM would refuse.
            if !more {
                break;
            }
        }
    }
    Ok(Pages { groups, records })
}

/// Pages that cannot be trusted fail their quarter only: it stays missing, and
/// a later run asks again.
fn unusable(method: Method, q: Quarter, e: &PagingError) -> Fetch {
    Fetch::Quarter(Failure::new(
        FailureKind::Malformed,
        format!(
            "LivePerson {method} pages for {} are inconsistent: {e}; no files written (the next run asks again)",
            q.stem()
        ),
    ))
}

fn count(n: crate::lp::model::Num) -> u64 {
    u64::try_from(n.0).unwrap_or(0)
}

fn body(v: &serde_json::Value) -> Vec<u8> {
    // Serialising a Value cannot fail.
    serde_json::to_vec(v).unwrap_or_default()
}

/// One page, read from its spooled body.
fn parse<T: serde::de::DeserializeOwned>(raw: RawReply, method: Method, q: Quarter) -> Result<T, Fetch> {
    serde_json::from_reader(raw.reader()).map_err(|e| {
        Fetch::Quarter(Failure::new(
            FailureKind::Malformed,
            format!(
                "LivePerson {method} reply for {} is unusable: {}; no files written",
                q.stem(),
                crate::lp::redact(&e.to_string(), &[])
            ),
        ))
    })
}

/// Aggregate and render one quarter: partial when `ops` is `None` (beyond
/// Messaging Operations' 24 h).
fn build_one(
    ctx: &RunContext<'_>,
    q: Quarter,
    pages: &Pages,
    ops: Option<&OpsQuarter>,
    sel: &Selection<'_>,
    unmapped: &mut BTreeSet<String>,
) -> Built {
    match build_messaging_quarter(q, &pages.groups, &pages.records, ops, sel) {
        Ok(report) => {
            unmapped.extend(report.unmapped_agents.iter().cloned());
            if ops.is_none() {
                info!("quarter {q} is partial: Q_ and AS_ from Key Messaging Metrics, no AQ_ ({PARTIAL_WHY})");
            }
            Ok(BuiltFiles {
                files: render_messaging_quarter(&report, &ctx.cfg.account, ctx.cfg.file_stamp),
                partial: ops.is_none(),
            })
        }
        Err(e) => {
            let failure = Failure::new(FailureKind::Data, format!("{e}; no files written"));
            error!("quarter {q}: {failure}");
            Err(failure)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::IdSelection;

    #[test]
    fn only_a_refused_window_is_the_quarters_own() {
        let status = |status| LpError::Status {
            method: Method::Metrics,
            status,
            message: String::new(),
            retry_after: None,
            hint: "",
        };
        assert!(quarter_only(&status(400)));
        for s in [401, 403, 429, 500, 503] {
            assert!(!quarter_only(&status(s)), "{s}");
        }
    }

    #[test]
    fn counts_never_go_negative() {
        use crate::lp::model::Num;
        assert_eq!(count(Num(-1)), 0);
        assert_eq!(count(Num(120)), 120);
    }

    #[test]
    fn the_selection_is_sent_as_lists() {
        // A listed skill filter reaches the body as strings, as KMM wants them.
        let b = kmm::metrics_body(
            crate::quarter::testing::q("112426.1000"),
            &IdSelection::List(vec!["12".into()]),
        );
        assert_eq!(b["filters"]["skillIds"][0], "12");
    }
}
