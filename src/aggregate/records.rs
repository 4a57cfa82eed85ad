//! A quarter's records: its three intervals of each reply chosen ([`pick`]) and
//! read back from where the parse kept them, decoded ([`quarter_records`]).

use super::AggregateError;
use crate::lp::model::compact::{IntervalRecords, Marks};
use crate::lp::model::{AgentInterval, EngInterval, Intervals, Method, QueueInterval};
use crate::quarter::Quarter;
use std::io;

/// The three intervals of `q`. A reply's newest interval is still in progress
/// and its oldest covers only part of its 5 minutes: neither is ever used, so
/// a clock difference with LivePerson cannot slip partial figures into a report.
fn pick<M>(intervals: &Intervals<M>, q: Quarter, method: Method) -> Result<[&M; 3], AggregateError> {
    let newest = intervals.newest_end();
    let oldest = intervals.oldest_end();
    let mut out = Vec::with_capacity(3);
    for end in q.interval_ends() {
        let ms = end.timestamp_millis();
        let when = || end.format("%Y-%m-%d %H:%M").to_string();
        let m = intervals.get(ms).ok_or_else(|| AggregateError::MissingInterval {
            method,
            quarter: q.stem(),
            end: when(),
        })?;
        let why = if Some(ms) == newest {
            Some("still in progress")
        } else if Some(ms) == oldest {
            Some("the oldest of the reply, covering only part of its 5 minutes,")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(AggregateError::NotWhole {
                method,
                quarter: q.stem(),
                end: when(),
                why,
            });
        }
        out.push(m);
    }
    Ok([out[0], out[1], out[2]])
}

/// One quarter's three intervals of each reply, oldest first.
#[derive(Debug, Default)]
pub struct QuarterRecords {
    pub queue_health: [QueueInterval; 3],
    pub eng_activity: [EngInterval; 3],
    pub agent_activity: [AgentInterval; 3],
}

/// Why a quarter's records could not be had.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// An interval missing or not whole: the replies'.
    #[error(transparent)]
    Data(#[from] AggregateError),
    /// The kept bytes of an interval could not be read back or decoded: this machine's.
    #[error("{0}")]
    Kept(String),
}

/// Quarter `q`'s records from the replies of each method (queuehealth, engactivity,
/// agentactivity; several when a request was asked in parts, in the order asked), as
/// the run reads them: its three intervals of every reply checked with `pick`, every
/// method before any is read, then each read back by `read` and decoded, the parts
/// of a split request merged (a repeated id's last record winning).
pub fn quarter_records<B>(
    replies: [&[Intervals<B>]; 3],
    q: Quarter,
    mut read: impl FnMut(&B) -> io::Result<Vec<u8>>,
) -> Result<QuarterRecords, RecordsError> {
    let mut picked: [Vec<[&B; 3]>; 3] = Default::default();
    for ((method, requests), out) in Method::ALL.into_iter().zip(replies).zip(&mut picked) {
        for index in requests {
            out.push(pick(index, q, method)?);
        }
    }
    let mut marks = Marks::default();
    let [qh, ea, aa] = &picked;
    Ok(QuarterRecords {
        queue_health: decode(qh, &mut read, &mut marks)?,
        eng_activity: decode(ea, &mut read, &mut marks)?,
        agent_activity: decode(aa, &mut read, &mut marks)?,
    })
}

/// Each of the three intervals, from the kept bytes of every request.
fn decode<B, M: IntervalRecords>(
    requests: &[[&B; 3]],
    read: &mut impl FnMut(&B) -> io::Result<Vec<u8>>,
    marks: &mut Marks,
) -> Result<[M; 3], RecordsError> {
    let kept = |e: &dyn std::fmt::Display| RecordsError::Kept(e.to_string());
    let mut out: [M; 3] = Default::default();
    for (i, m) in out.iter_mut().enumerate() {
        let bytes = requests
            .iter()
            .map(|r| read(r[i]))
            .collect::<io::Result<Vec<Vec<u8>>>>()
            .map_err(|e| kept(&e))?;
        *m = M::decode_all(bytes.iter().map(Vec::as_slice), marks).map_err(|e| kept(&e))?;
    }
    Ok(out)
}
