//! Quarter-hour arithmetic: which quarter to build, which LivePerson intervals
//! make it up, what `timeframe` covers a set of quarters, how START/END
//! arguments parse, and what the report files are called. Pure and clock-free:
//! every function takes `now` as an argument.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Timelike, Utc};
use std::fmt;

/// Length of a NICE report quarter.
pub(crate) const QUARTER_MINUTES: i64 = 15;
/// LivePerson bucket length `wfm` always asks for.
pub(crate) const INTERVAL_MINUTES: i64 = 5;
/// LivePerson serves at most this many minutes back (`timeframe` <= 1440).
pub(crate) const MAX_TIMEFRAME_MINUTES: i64 = 1440;
/// Key Messaging Metrics keeps this many days.
pub(crate) const KMM_REACH_DAYS: i64 = 14;
/// A messaging quarter must start this far inside the 14 days when the run
/// starts, so its request still lies within them when it is sent.
pub(crate) const KMM_REACH_MARGIN_MINUTES: i64 = 15;

/// Why a messaging quarter is *partial* (older than Messaging Operations' 24 h:
/// Key Messaging Metrics alone), in the words of the log, the summary, `status`
/// and the mail.
pub const PARTIAL_WHY: &str = "Messaging Operations serves 24 h";

/// How far back a LivePerson API serves a whole quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The chat methods: a `timeframe` of at most 24 hours back from now.
    Timeframe,
    /// A window API (Key Messaging Metrics) that keeps this many days.
    Days(i64),
}

impl Reach {
    /// Whether `q` can still be fetched whole at `now`.
    pub fn serves(self, q: Quarter, now: DateTime<Utc>) -> bool {
        match self {
            Reach::Timeframe => timeframe_covering(q, now).is_some(),
            Reach::Days(days) => q.start() >= now - Duration::days(days) + Duration::minutes(KMM_REACH_MARGIN_MINUTES),
        }
    }

    /// The oldest quarter served whole at `now`.
    pub fn oldest(self, now: DateTime<Utc>) -> Quarter {
        match self {
            Reach::Timeframe => oldest_servable(now),
            Reach::Days(_) => {
                let mut q = Quarter::containing(now - Duration::days(self.days()));
                while !self.serves(q, now) {
                    q = q.next();
                }
                q
            }
        }
    }

    /// "24 hours" or "14 days": for messages.
    pub(crate) fn describe(self) -> String {
        match self {
            Reach::Timeframe => "24 hours".to_string(),
            Reach::Days(d) => format!("{d} days"),
        }
    }

    fn days(self) -> i64 {
        match self {
            Reach::Timeframe => 1,
            Reach::Days(d) => d,
        }
    }
}

/// A 15-minute report period `[start, start + 15 min)`, always aligned to :00/:15/:30/:45 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    start: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuarterError {
    #[error("{0:?} is not a quarter start: minutes must be 00, 15, 30 or 45 and seconds 00")]
    NotAligned(String),
    #[error("{input:?} is not a valid time: expected MMDDYY.hhmm in UTC (e.g. 112426.1000 for 24 Nov 2026 10:00) or RFC 3339 (e.g. 2026-11-24T10:00:00Z)")]
    BadFormat { input: String },
}

impl Quarter {
    /// The quarter starting at `start`; fails unless `start` is on a quarter boundary.
    pub(crate) fn starting_at(start: DateTime<Utc>) -> Result<Self, QuarterError> {
        if !start.minute().is_multiple_of(15) || start.second() != 0 || start.nanosecond() != 0 {
            return Err(QuarterError::NotAligned(start.to_rfc3339()));
        }
        Ok(Quarter { start })
    }

    /// The quarter containing instant `t`.
    pub(crate) fn containing(t: DateTime<Utc>) -> Self {
        let secs = t.timestamp().div_euclid(QUARTER_MINUTES * 60) * QUARTER_MINUTES * 60;
        Quarter {
            start: Utc.timestamp_opt(secs, 0).single().unwrap_or(t),
        }
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.start + Duration::minutes(QUARTER_MINUTES)
    }

    pub fn next(&self) -> Self {
        Quarter { start: self.end() }
    }

    pub(crate) fn prev(&self) -> Self {
        Quarter {
            start: self.start - Duration::minutes(QUARTER_MINUTES),
        }
    }

    /// END timestamps of the three LivePerson intervals that make up this quarter
    /// (LivePerson names an interval by its end): start+5, start+10, start+15.
    pub fn interval_ends(&self) -> [DateTime<Utc>; 3] {
        [1, 2, 3].map(|i| self.start + Duration::minutes(INTERVAL_MINUTES * i))
    }

    /// `MMDDYY.hhmm` of the quarter start: the report-name stem and the START/END syntax.
    pub fn stem(&self) -> String {
        self.start.format("%m%d%y.%H%M").to_string()
    }

    /// The report file name for `prefix` (`Q`, `AQ` or `AS`), stamped by the
    /// quarter's start or end (FILE_STAMP).
    pub fn file_name(&self, prefix: &str, stamp: FileStamp) -> String {
        let at = match stamp {
            FileStamp::Start => self.start,
            FileStamp::End => self.end(),
        };
        format!("{prefix}_{}.xml", at.format("%m%d%y.%H%M"))
    }

    /// Whether the quarter is complete and settled at `now`.
    pub(crate) fn is_settled(&self, now: DateTime<Utc>, settle: Duration) -> bool {
        self.end() + settle <= now
    }
}

impl fmt::Display for Quarter {
    /// `112426.1000 (2026-11-24 10:00-10:15 UTC)`: the stem operators know plus plain UTC times.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}-{} UTC)",
            self.stem(),
            self.start.format("%Y-%m-%d %H:%M"),
            self.end().format("%H:%M")
        )
    }
}

/// FILE_STAMP: which end of its quarter a report file's name carries. The
/// `start`/`end` attributes inside the file never change; only the name does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileStamp {
    /// `Q_112426.1000.xml` for 10:00-10:15 (the seed's names).
    #[default]
    Start,
    /// `Q_112426.1015.xml` for 10:00-10:15 (LivePerson's own NICE adapter).
    End,
}

impl FileStamp {
    /// The quarter a file name's stem (`MMDDYY.hhmm`, as [`Quarter::file_name`]
    /// writes it with this stamp) names; `None` for anything else.
    pub(crate) fn quarter_of(self, stem: &str) -> Option<Quarter> {
        if stem.len() != 11 {
            return None; // only the name form, never RFC 3339
        }
        let at = parse_quarter_arg(stem).ok()?;
        Some(match self {
            FileStamp::Start => at,
            FileStamp::End => at.prev(),
        })
    }
}

/// The quarter `wfm loop` builds at `now`: the newest whose end plus `settle` is <= now.
pub(crate) fn loop_quarter(now: DateTime<Utc>, settle: Duration) -> Quarter {
    Quarter::containing(now - settle).prev()
}

/// A loop started inside the settle window of the quarter that just ended
/// (`now` in `[end, end + settle)`): that quarter and how long until it
/// settles. `None` when `now` is outside every settle window.
pub(crate) fn settle_wait(now: DateTime<Utc>, settle: Duration) -> Option<(Quarter, Duration)> {
    // SETTLE_SECONDS is below a quarter (<= 840 s): only the previous quarter can be unsettled.
    let q = Quarter::containing(now).prev();
    let left = q.end() + settle - now;
    (left > Duration::zero()).then_some((q, left))
}

/// Every quarter from `first` to `last` inclusive, oldest first.
pub fn quarter_range(first: Quarter, last: Quarter) -> Vec<Quarter> {
    let mut out = Vec::new();
    let mut q = first;
    while q <= last {
        out.push(q);
        q = q.next();
    }
    out
}

/// The `timeframe` (minutes back from `now`) that makes LivePerson return every
/// interval of `oldest` and later: a multiple of 5 reaching back to the quarter's
/// start plus one whole bucket of margin, because the oldest bucket of a reply
/// may be partial. `None` when that exceeds the 24 h LivePerson serves.
pub(crate) fn timeframe_covering(oldest: Quarter, now: DateTime<Utc>) -> Option<u32> {
    let back_secs = (now - oldest.start()).num_seconds().max(0);
    let back_min = (back_secs + 59) / 60;
    let bucket = INTERVAL_MINUTES;
    let tf = ((back_min + bucket - 1) / bucket) * bucket + bucket;
    if tf > MAX_TIMEFRAME_MINUTES {
        None
    } else {
        u32::try_from(tf).ok()
    }
}

/// The oldest quarter LivePerson still serves whole at `now`.
pub(crate) fn oldest_servable(now: DateTime<Utc>) -> Quarter {
    let mut q = Quarter::containing(now - Duration::minutes(MAX_TIMEFRAME_MINUTES));
    while timeframe_covering(q, now).is_none() {
        q = q.next();
    }
    q
}

/// Parse a START/END argument: `MMDDYY.hhmm` (UTC) or RFC 3339; must be a quarter start.
pub fn parse_quarter_arg(input: &str) -> Result<Quarter, QuarterError> {
    let s = input.trim();
    let t = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else {
        let ok_shape = s.len() == 11
            && s.as_bytes()[6] == b'.'
            && s.bytes().enumerate().all(|(i, b)| i == 6 || b.is_ascii_digit());
        if !ok_shape {
            return Err(QuarterError::BadFormat {
                input: input.to_string(),
            });
        }
        NaiveDateTime::parse_from_str(s, "%m%d%y.%H%M")
            .map_err(|_| QuarterError::BadFormat {
                input: input.to_string(),
            })?
            .and_utc()
    };
    Quarter::starting_at(t).map_err(|_| QuarterError::NotAligned(input.to_string()))
}

/// Why a START/END range cannot be rerun at `now`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RangeError {
    #[error("END {end} is before START {start}")]
    EndBeforeStart { start: String, end: String },
    #[error(
        "START {start} is too old: LivePerson keeps {reach}, so the oldest quarter it still serves whole is {oldest}"
    )]
    TooOld {
        start: String,
        oldest: String,
        reach: String,
    },
    #[error("END {end} is not complete yet: it ends at {ends} UTC and is built {settle} s later; the newest complete quarter is {newest}")]
    NotComplete {
        end: String,
        ends: String,
        settle: i64,
        newest: String,
    },
}

/// Check a rerun range against LivePerson's window and the clock; returns its quarters.
pub(crate) fn validate_range(
    start: Quarter,
    end: Quarter,
    now: DateTime<Utc>,
    settle: Duration,
    reach: Reach,
) -> Result<Vec<Quarter>, RangeError> {
    if end < start {
        return Err(RangeError::EndBeforeStart {
            start: start.stem(),
            end: end.stem(),
        });
    }
    if !end.is_settled(now, settle) {
        return Err(RangeError::NotComplete {
            end: end.stem(),
            ends: end.end().format("%Y-%m-%d %H:%M").to_string(),
            settle: settle.num_seconds(),
            newest: loop_quarter(now, settle).to_string(),
        });
    }
    if !reach.serves(start, now) {
        return Err(RangeError::TooOld {
            start: start.to_string(),
            oldest: reach.oldest(now).to_string(),
            reach: reach.describe(),
        });
    }
    Ok(quarter_range(start, end))
}

/// Short forms for unit tests: a time from RFC 3339, a quarter from its stem.
#[cfg(test)]
pub mod testing {
    use super::*;

    pub fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    pub fn q(s: &str) -> Quarter {
        parse_quarter_arg(s).unwrap()
    }
}

#[cfg(test)]
mod tests;
