//! The Messaging Operations part of the messaging source: one `msgskillsegments`
//! (v=2, OAuth 2.0 only) and one `msgconversation` (v=1) request per run, covering
//! every quarter of the run that Messaging Operations still serves (start within
//! now − 1430 min), asked at once (two requests in flight) before the quarters'
//! Key Messaging Metrics pages. Either failing fails every quarter of the run.

use super::lp_failure;
use crate::lp::client::LpClient;
use crate::lp::model::msgops::{self, ConvBuckets, OpsError, OpsQuarter, Segments};
use crate::lp::model::Method;
use crate::outcome::{Failure, FailureKind};
use crate::quarter::Quarter;
use crate::run::spill::{Blob, Spill, SpillWriter};
use crate::select::IdSelection;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};
use tracing::{debug, warn};

/// How far back a quarter's start may lie for Messaging Operations: its 24 h
/// less a 10-minute margin (the contract's rule), so the request still lies
/// within them when it arrives.
pub const OPS_REACH_MINUTES: i64 = 1430;

/// Whether Messaging Operations serves quarter `q` at `now` (all three files).
pub fn serves(q: Quarter, now: DateTime<Utc>) -> bool {
    q.start() >= now - Duration::minutes(OPS_REACH_MINUTES)
}

/// The run's Messaging Operations figures: `msgskillsegments` per quarter (small),
/// and `msgconversation`'s records kept in a temporary file (the spill), decoded
/// one quarter at a time when the quarter is built.
pub(super) struct Ops {
    segments: Option<BTreeMap<Quarter, HashMap<String, Segments>>>,
    conv: ConvBuckets,
    spill: Option<Spill>,
    /// Where each quarter's buckets are in the spill.
    chunks: BTreeMap<Quarter, Vec<Blob>>,
}

impl Ops {
    fn none() -> Self {
        Ops {
            segments: None,
            conv: ConvBuckets::default(),
            spill: None,
            chunks: BTreeMap::new(),
        }
    }

    /// Quarter `q`'s figures; `Ok(None)` when the run did not ask for them (a
    /// partial quarter).
    pub fn quarter(&mut self, q: Quarter) -> Result<Option<OpsQuarter>, Failure> {
        let Some(skills) = self.conv.skills.remove(&q) else {
            return Ok(None);
        };
        let read_back = |e: &dyn std::fmt::Display| {
            Failure::new(
                FailureKind::Write,
                format!("cannot read the Messaging Operations records back from their temporary file ({e}); check TMPDIR's disk; no files written"),
            )
        };
        let mut bytes = Vec::new();
        for blob in self.chunks.remove(&q).unwrap_or_default() {
            let spill = self.spill.as_ref().ok_or_else(|| read_back(&"no file"))?;
            bytes.push(spill.read(blob).map_err(|e| read_back(&e))?);
        }
        let conv =
            msgops::decode_quarter(&self.conv.ids, &skills, bytes.iter().map(Vec::as_slice)).map_err(unusable)?;
        let segments = self.segments.as_mut().map(|s| s.remove(&q).unwrap_or_default());
        Ok(Some(OpsQuarter { segments, conv }))
    }
}

/// The Messaging Operations figures of `full` (quarters in order, all served).
pub(super) async fn fetch(
    client: &LpClient,
    full: &[Quarter],
    skills: &IdSelection,
    agents: &IdSelection,
    now: DateTime<Utc>,
) -> Result<Ops, Failure> {
    let (Some(first), Some(last)) = (full.first().copied(), full.last().copied()) else {
        return Ok(Ops::none());
    };
    let oauth2 = client.is_oauth2();
    if !oauth2 {
        warn!("messaging: Offered/Abandoned need LP_AUTH=oauth2 (msgskillsegments v=2 takes only OAuth 2.0; its Q_ elements, Offered to AvgTimeToFirstAgentMessage, are left out)");
    }
    let tf = msgops::conversation_timeframe(first, now);
    debug!(
        "fetching Messaging Operations for {} quarter(s), {first} to {last}: msgconversation timeframe {tf} min{}",
        full.len(),
        if oauth2 { ", msgskillsegments v=2" } else { "" }
    );
    // The window in the dumps' names: a replay finds the replies of this window or names them.
    let seg_tag = format!("{}-{}", first.stem(), last.stem());
    let conv_tag = first.stem();
    let seg_query = msgops::segments_query(first, last, skills);
    let conv_query = msgops::conversation_query(tf, skills);
    let segments = async {
        match oauth2 {
            true => client
                .msg_ops(Method::MsgSkillSegments, &seg_query, &seg_tag)
                .await
                .map(Some),
            false => Ok(None),
        }
    };
    // join, not try_join: both requests are made either way, so the count is stable.
    let (seg, conv) = tokio::join!(
        segments,
        client.msg_ops(Method::MsgConversation, &conv_query, &conv_tag)
    );
    let (seg, conv) = (seg.map_err(|e| lp_failure(&e))?, conv.map_err(|e| lp_failure(&e))?);
    let segments = match seg {
        Some(raw) => Some(msgops::parse_segments(raw.reader(), first, last).map_err(unusable)?),
        None => None,
    };
    let local = |what: &str, e: &dyn std::fmt::Display| {
        Failure::new(
            FailureKind::Write,
            format!("cannot keep the Messaging Operations records in a temporary file ({what}: {e}); check the free space of TMPDIR; no files written"),
        )
    };
    let mut out = SpillWriter::new().map_err(|e| local("create", &e))?;
    let mut chunks: BTreeMap<Quarter, Vec<Blob>> = BTreeMap::new();
    let mut keep = |q: Quarter, bytes: &[u8]| {
        chunks
            .entry(q)
            .or_default()
            .push(out.keep(bytes).map_err(|e| e.to_string())?);
        Ok(())
    };
    let conv =
        msgops::parse_conversation(conv.reader(), full, agents, now.timestamp_millis(), &mut keep).map_err(unusable)?;
    let size = out.len();
    let spill = out.finish().map_err(|e| local("write", &e))?;
    debug!(
        "{size} bytes of msgconversation records for {} quarter(s), {} ids",
        full.len(),
        conv.ids.len()
    );
    Ok(Ops {
        segments,
        conv,
        spill: Some(spill),
        chunks,
    })
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
