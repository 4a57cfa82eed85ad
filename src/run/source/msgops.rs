//! The Messaging Operations part of the messaging source: one `msgskillsegments`
//! (v=2, OAuth 2.0 only) and one `msgconversation` (v=1) request per run, covering
//! every quarter of the run that Messaging Operations still serves (start within
//! now − 1430 min), asked at once (two requests in flight) before the quarters'
//! Key Messaging Metrics pages. Either failing fails every quarter of the run.

use super::lp_failure;
use crate::lp::client::LpClient;
use crate::lp::model::msgops::{self, OpsError, OpsQuarter};
use crate::lp::model::Method;
use crate::outcome::{Failure, FailureKind};
use crate::quarter::Quarter;
use crate::select::IdSelection;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use tracing::{debug, warn};

/// How far back a quarter's start may lie for Messaging Operations: its 24 h
/// less a 10-minute margin (the contract's rule), so the request still lies
/// within them when it arrives.
pub const OPS_REACH_MINUTES: i64 = 1430;

pub use crate::outcome::PARTIAL_WHY;

/// Whether Messaging Operations serves quarter `q` at `now` (all three files).
pub fn serves(q: Quarter, now: DateTime<Utc>) -> bool {
    q.start() >= now - Duration::minutes(OPS_REACH_MINUTES)
}

/// The Messaging Operations figures of `full` (quarters in order, all served),
/// by quarter. Every quarter of `full` gets an entry.
pub(super) async fn fetch(
    client: &LpClient,
    full: &[Quarter],
    skills: &IdSelection,
    agents: &IdSelection,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Quarter, OpsQuarter>, Failure> {
    let (Some(first), Some(last)) = (full.first().copied(), full.last().copied()) else {
        return Ok(BTreeMap::new());
    };
    let oauth2 = client.is_oauth2();
    if !oauth2 {
        warn!("messaging: Offered/Abandoned need LP_AUTH=oauth2 (msgskillsegments v=2 takes only OAuth 2.0; its six Q_ elements are left out)");
    }
    let tf = msgops::conversation_timeframe(first, now);
    debug!(
        "fetching Messaging Operations for {} quarter(s), {first} to {last}: msgconversation timeframe {tf} min{}",
        full.len(),
        if oauth2 { ", msgskillsegments v=2" } else { "" }
    );
    let seg_query = msgops::segments_query(first, last, skills);
    let conv_query = msgops::conversation_query(tf, skills);
    let segments = async {
        match oauth2 {
            true => client.msg_ops(Method::MsgSkillSegments, &seg_query).await.map(Some),
            false => Ok(None),
        }
    };
    // join, not try_join: both requests are made either way, so the count is stable.
    let (seg, conv) = tokio::join!(segments, client.msg_ops(Method::MsgConversation, &conv_query));
    let (seg, conv) = (seg.map_err(|e| lp_failure(&e))?, conv.map_err(|e| lp_failure(&e))?);
    let mut segments = match seg {
        Some(raw) => Some(msgops::parse_segments(raw.reader(), first, last).map_err(unusable)?),
        None => None,
    };
    let conv = msgops::parse_conversation(conv.reader(), full, agents, now.timestamp_millis()).map_err(unusable)?;
    let mut out = BTreeMap::new();
    for (q, c) in conv {
        let segments = segments.as_mut().map(|s| s.remove(&q).unwrap_or_default());
        out.insert(q, OpsQuarter { segments, conv: c });
    }
    Ok(out)
}

/// A reply that cannot be trusted fails the run's quarters: no partial files.
fn unusable(e: OpsError) -> Failure {
    Failure::new(
        FailureKind::Malformed,
        format!("no files written: LivePerson {e}; the next run asks again"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::testing::{q, t};

    #[test]
    fn reach_is_1430_minutes() {
        let now = t("2026-11-24T10:16:30Z");
        // now − 1430 min is 10:26:30 yesterday.
        assert!(serves(q("112326.1030"), now));
        assert!(!serves(q("112326.1015"), now));
        assert!(serves(q("112426.1000"), now));
    }
}
