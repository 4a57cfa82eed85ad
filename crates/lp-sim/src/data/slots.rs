//! 5-minute slots: LivePerson's intervals are built from them, and a timeframe that starts
//! or ends inside a slot covers only part of it (its values are scaled by the coverage).

use chrono::{DateTime, TimeZone, Utc};

/// A slot's length in milliseconds.
pub(crate) const SLOT_MS: i64 = 300_000;

/// A 5-minute slot (by its end) and how many of its milliseconds fall in the timeframe.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub end: DateTime<Utc>,
    pub covered_ms: i64,
}

impl Slot {
    pub fn scale(&self, v: i64) -> i64 {
        if v <= 0 || self.covered_ms >= SLOT_MS {
            v
        } else {
            (i128::from(v) * i128::from(self.covered_ms) / i128::from(SLOT_MS)) as i64
        }
    }
}

/// The 5-minute slots inside [start_ms, end_ms) that overlap the window (w, now], with
/// their coverage.
pub(crate) fn slots_between(start_ms: i64, end_ms: i64, w: i64, now: i64) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut e = start_ms + SLOT_MS;
    while e <= end_ms {
        let covered = (e.min(now) - (e - SLOT_MS).max(w)).max(0);
        if covered > 0 {
            if let Some(end) = Utc.timestamp_millis_opt(e).single() {
                out.push(Slot {
                    end,
                    covered_ms: covered,
                });
            }
        }
        e += SLOT_MS;
    }
    out
}

pub(crate) fn floor_to(v: i64, step: i64) -> i64 {
    v.div_euclid(step) * step
}
