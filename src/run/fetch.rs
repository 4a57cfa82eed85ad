//! The chat source's fetch: one request per method for every quarter of the
//! run (a long skill list in parts), each body spooled to a file as it arrives and parsed
//! from it as a stream: the intervals of the run's quarters become compact
//! records, kept in a temporary file (the spill) until their quarter is built.
//! Memory holds one interval at a time, however many quarters a run builds.

use super::source::{deadline_failure, lp_failure, of_quarters};
use super::spill::{Blob, Spill, SpillWriter};
use super::RunContext;
use crate::aggregate::{id_ranks, quarter_records, QuarterRecords, RecordsError, RunIds};
use crate::lp::client::{FetchPlan, LpClient, RawReply};
use crate::lp::model::compact::IntervalRecords;
use crate::lp::model::{read_reply, AgentInterval, EngInterval, IdTable, Intervals, Method, ParseError, QueueInterval};
use crate::outcome::{Failure, FailureKind};
use crate::quarter::{self, Quarter};
use std::collections::BTreeSet;
use tracing::debug;

pub struct Fetched {
    pub snapshot: Result<Replies, Failure>,
    pub requests: usize,
    pub by_method: Vec<(&'static str, usize)>,
    pub retries: usize,
}

pub async fn fetch(ctx: &RunContext<'_>, client: &LpClient, quarters: &[Quarter], label: &str) -> Fetched {
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
            by_method: vec![],
            retries: 0,
        };
    };
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
        Ok(r) => r.map_err(|e| of_quarters(label, lp_failure(&e))),
        Err(_) => Err(of_quarters(label, deadline_failure(ctx))),
    };
    let snapshot = snapshot.and_then(|r| parse_replies(r, &wanted_ends(quarters), label));
    Fetched {
        snapshot,
        requests: client.requests(),
        by_method: client.requests_by_method(),
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

/// The run's replies, parsed: the wanted intervals' records in a temporary
/// file, indexed per method (in [`Method::ALL`] order), per request (in the
/// order asked) and per END timestamp; the ids they name and their order.
pub struct Replies {
    spill: Spill,
    ids: IdTable,
    rank: Vec<u32>,
    index: [Vec<Intervals<Blob>>; 3],
}

/// Parse every reply, keeping the `wanted` intervals; the error names the method.
pub(super) fn parse_replies(
    replies: [Vec<RawReply>; 3],
    wanted: &BTreeSet<i64>,
    label: &str,
) -> Result<Replies, Failure> {
    let local = |what: &str, e: &dyn std::fmt::Display| {
        Failure::new(
            FailureKind::Write,
            format!("{label}: cannot keep the parsed replies in a temporary file ({what}: {e}); check the free space of TMPDIR; no files written"),
        )
    };
    let mut out = SpillWriter::new().map_err(|e| local("create", &e))?;
    let mut ids = IdTable::default();
    let mut keep = |_: i64, bytes: &[u8]| out.keep(bytes).map_err(|e| e.to_string());
    let [qh, ea, aa] = replies;
    let index = [
        read_all::<QueueInterval>(qh, wanted, &mut ids, &mut keep, Method::QueueHealth, label)?,
        read_all::<EngInterval>(ea, wanted, &mut ids, &mut keep, Method::EngActivity, label)?,
        read_all::<AgentInterval>(aa, wanted, &mut ids, &mut keep, Method::AgentActivity, label)?,
    ];
    let size = out.len();
    let spill = out.finish().map_err(|e| local("write", &e))?;
    let rank = id_ranks(&ids);
    debug!("{size} bytes of parsed records for {label}, {} ids", ids.len());
    Ok(Replies {
        spill,
        ids,
        rank,
        index,
    })
}

/// One method's replies (one per request) parsed into the spill, in order.
/// Each spooled body is read as a stream and closed (and, unless dumped,
/// deleted) once parsed: no reply is ever whole in memory.
fn read_all<M: IntervalRecords>(
    replies: Vec<RawReply>,
    wanted: &BTreeSet<i64>,
    ids: &mut IdTable,
    keep: &mut impl FnMut(i64, &[u8]) -> Result<Blob, String>,
    method: Method,
    label: &str,
) -> Result<Vec<Intervals<Blob>>, Failure> {
    let n = replies.len();
    replies
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            read_reply::<M, _>(r.reader(), Some(wanted), ids, &mut *keep).map_err(|e| {
                let part = if n > 1 {
                    format!(" (request {} of {n})", i + 1)
                } else {
                    String::new()
                };
                match e {
                    // This machine's disk, not LivePerson's reply.
                    ParseError::Io(_) | ParseError::Spill(_) => Failure::new(
                        FailureKind::Write,
                        format!("{method} reply{part} for {label}: {e}; no files written"),
                    ),
                    _ => Failure::new(
                        FailureKind::Malformed,
                        format!("LivePerson {method} reply{part} for {label} is unusable: {e}; no files written"),
                    ),
                }
            })
        })
        .collect()
}

impl Replies {
    /// The ids the replies name, for the aggregation.
    pub fn ids(&self) -> RunIds<'_> {
        RunIds {
            ids: &self.ids,
            rank: &self.rank,
        }
    }

    /// Quarter `q`'s records ([`quarter_records`]), read back from the spill.
    pub fn records(&self, q: Quarter) -> Result<QuarterRecords, RecordsError> {
        let [qh, ea, aa] = &self.index;
        quarter_records([qh, ea, aa], q, |b| self.spill.read(*b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_reply_names_its_method_and_request() {
        let reply = |method, body: &'static [u8]| RawReply::from_bytes(method, chrono::Utc::now(), body).unwrap();
        let ok = br#"{"metricsByIntervals":[]}"#;
        let Err(e) = parse_replies(
            [
                vec![reply(Method::QueueHealth, ok)],
                vec![reply(Method::EngActivity, b"{\"metricsByIntervals\":7}")],
                vec![reply(Method::AgentActivity, ok)],
            ],
            &BTreeSet::new(),
            "112426.1000",
        ) else {
            panic!("a malformed reply was accepted")
        };
        assert_eq!(e.kind, FailureKind::Malformed);
        assert!(
            e.message
                .contains("LivePerson engactivity reply for 112426.1000 is unusable"),
            "{}",
            e.message
        );
        let Err(e) = parse_replies(
            [
                vec![reply(Method::QueueHealth, ok), reply(Method::QueueHealth, b"{")],
                vec![reply(Method::EngActivity, ok)],
                vec![reply(Method::AgentActivity, ok)],
            ],
            &BTreeSet::new(),
            "112426.1000",
        ) else {
            panic!("a malformed reply was accepted")
        };
        assert!(
            e.message.contains("queuehealth reply (request 2 of 2)"),
            "{}",
            e.message
        );
    }
}
