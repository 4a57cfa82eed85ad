//! Stage 2: one request per method for every quarter of the run, each body
//! spooled to a file as it arrives and parsed from it as a stream into a
//! snapshot holding only the intervals of the run's quarters.

use super::RunContext;
use crate::lp::client::{http_client, FetchPlan, LpClient, RawReply};
use crate::lp::model::{read_intervals, Method, Snapshot};
use crate::lp::retry::RetryPolicy;
use crate::lp::LpError;
use crate::outcome::{Failure, FailureKind};
use crate::quarter::{self, Quarter};
use std::collections::BTreeSet;
use tracing::debug;

pub struct Fetched {
    pub snapshot: Result<Snapshot, Failure>,
    pub requests: usize,
    pub retries: usize,
}

/// The kind of a LivePerson failure, for the mail's hint.
pub(super) fn kind_of(e: &LpError) -> FailureKind {
    match e {
        LpError::Credentials { .. } => FailureKind::Refused,
        _ if matches!(e.status(), Some(401 | 403)) => FailureKind::Refused,
        _ => FailureKind::LivePerson,
    }
}

pub async fn fetch(ctx: &RunContext<'_>, quarters: &[Quarter], label: &str) -> Fetched {
    let cfg = ctx.cfg;
    let Some(timeframe) = quarters
        .first()
        .and_then(|q| quarter::timeframe_covering(*q, ctx.now()))
    else {
        return Fetched {
            snapshot: Err(Failure::new(
                FailureKind::Data,
                format!("{label} is older than the 24 hours LivePerson serves"),
            )),
            requests: 0,
            retries: 0,
        };
    };
    // Debug 2 keeps every raw reply as it arrives, refusals included.
    let dump_dir = (ctx.opts.debug >= 2 && !ctx.opts.dry_run).then(|| cfg.json_dir.clone());
    let client = LpClient::new(http_client(cfg.lp_timeout_seconds), cfg)
        .with_policy(RetryPolicy::for_run(cfg.lp_timeout_seconds).until(ctx.deadline.work_end()))
        .with_dump_dir(dump_dir);
    let plan = FetchPlan {
        timeframe,
        skills: cfg.skills.clone(),
        agents: cfg.agents.clone(),
    };
    debug!(
        "fetching timeframe={timeframe} for {label} (LivePerson auth: {})",
        cfg.auth.name()
    );
    // The retry budget ends by the deadline; a request still running then is dropped.
    let replies = tokio::time::timeout_at(ctx.deadline.work_end().into(), client.fetch_all(&plan)).await;
    let snapshot = match replies {
        Ok(r) => r.map_err(|e| Failure::new(kind_of(&e), format!("{label}: no files written: {e}"))),
        Err(_) => Err(Failure::new(
            FailureKind::LivePerson,
            format!("{label}: no files written: {}", ctx.cut("LivePerson")),
        )),
    };
    let snapshot = snapshot.and_then(|r| {
        parse_snapshot(r, &wanted_ends(quarters), label)
            .map_err(|e| Failure::new(FailureKind::Malformed, format!("{e:#}; no files written")))
    });
    Fetched {
        snapshot,
        requests: client.requests(),
        retries: client.retries(),
    }
}

/// The END timestamps (ms) of the intervals the quarters use: the only ones parsed.
pub(super) fn wanted_ends(quarters: &[Quarter]) -> BTreeSet<i64> {
    quarters
        .iter()
        .flat_map(|q| q.interval_ends())
        .map(|end| end.timestamp_millis())
        .collect()
}

/// Parse the three replies, keeping the `wanted` intervals; the error names the method.
pub(super) fn parse_snapshot(replies: [RawReply; 3], wanted: &BTreeSet<i64>, label: &str) -> anyhow::Result<Snapshot> {
    use anyhow::Context;
    let ctx = |m: Method| format!("LivePerson {m} reply for {label} is unusable");
    // Each spooled body is read as a stream and closed (and, unless dumped,
    // deleted) once parsed: no reply is ever whole in memory.
    let [qh, ea, aa] = replies;
    let queue_health = read_intervals(qh.reader(), Some(wanted)).with_context(|| ctx(Method::QueueHealth))?;
    let eng_activity = read_intervals(ea.reader(), Some(wanted)).with_context(|| ctx(Method::EngActivity))?;
    let agent_activity = read_intervals(aa.reader(), Some(wanted)).with_context(|| ctx(Method::AgentActivity))?;
    Ok(Snapshot {
        queue_health,
        eng_activity,
        agent_activity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_told_apart_from_outages() {
        let status = |status| LpError::Status {
            method: Method::QueueHealth,
            status,
            message: String::new(),
            retry_after: None,
            hint: "",
        };
        assert_eq!(kind_of(&status(401)), FailureKind::Refused);
        assert_eq!(kind_of(&status(403)), FailureKind::Refused);
        assert_eq!(kind_of(&status(503)), FailureKind::LivePerson);
        assert_eq!(
            kind_of(&LpError::Credentials {
                status: 400,
                message: String::new()
            }),
            FailureKind::Refused
        );
        assert_eq!(
            kind_of(&LpError::Transport {
                method: Method::EngActivity,
                url: String::new(),
                reason: String::new()
            }),
            FailureKind::LivePerson
        );
    }

    #[test]
    fn a_malformed_reply_names_its_method() {
        let reply = |method, body: &'static [u8]| RawReply::from_bytes(method, chrono::Utc::now(), body).unwrap();
        let ok = br#"{"metricsByIntervals":[]}"#;
        let e = parse_snapshot(
            [
                reply(Method::QueueHealth, ok),
                reply(Method::EngActivity, b"{\"metricsByIntervals\":7}"),
                reply(Method::AgentActivity, ok),
            ],
            &BTreeSet::new(),
            "112426.1000",
        )
        .unwrap_err();
        assert!(
            format!("{e:#}").contains("LivePerson engactivity reply for 112426.1000 is unusable"),
            "{e:#}"
        );
    }
}
