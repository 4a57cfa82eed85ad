//! A set of quarters kept as ranges: the state's size depends on how many gaps
//! there are, never on how long `wfm` has run or an outage lasted; messages
//! name a thousand lost quarters as one range with its count.

use crate::quarter::Quarter;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Sorted, disjoint, non-adjacent inclusive ranges of quarters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarterSet {
    ranges: Vec<(Quarter, Quarter)>,
}

impl QuarterSet {
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// How many quarters the set holds.
    pub fn len(&self) -> usize {
        self.ranges.iter().map(|(a, b)| span(*a, *b)).sum()
    }

    pub fn ranges(&self) -> &[(Quarter, Quarter)] {
        &self.ranges
    }

    pub fn first(&self) -> Option<Quarter> {
        self.ranges.first().map(|r| r.0)
    }

    pub fn last(&self) -> Option<Quarter> {
        self.ranges.last().map(|r| r.1)
    }

    pub fn contains(&self, q: Quarter) -> bool {
        self.ranges.iter().any(|(a, b)| *a <= q && q <= *b)
    }

    /// Every quarter, oldest first (for small sets).
    pub fn quarters(&self) -> Vec<Quarter> {
        let mut out = Vec::new();
        for (a, b) in &self.ranges {
            let mut q = *a;
            while q <= *b {
                out.push(q);
                q = q.next();
            }
        }
        out
    }

    pub fn insert(&mut self, q: Quarter) {
        self.insert_range(q, q);
    }

    pub fn insert_range(&mut self, a: Quarter, b: Quarter) {
        if b < a {
            return;
        }
        self.ranges.push((a, b));
        self.normalize();
    }

    pub fn extend(&mut self, other: &QuarterSet) {
        self.ranges.extend_from_slice(&other.ranges);
        self.normalize();
    }

    pub fn remove(&mut self, q: Quarter) {
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for (a, b) in self.ranges.drain(..) {
            if q < a || b < q {
                out.push((a, b));
                continue;
            }
            if a < q {
                out.push((a, q.prev()));
            }
            if q < b {
                out.push((q.next(), b));
            }
        }
        self.ranges = out;
    }

    /// Forget every range that ends before `cut`.
    pub fn forget_before(&mut self, cut: Quarter) {
        self.ranges.retain(|(_, b)| *b >= cut);
    }

    /// Forget every quarter after `last` (a range across it is cut at `last`).
    pub fn forget_after(&mut self, last: Quarter) {
        self.ranges.retain(|(a, _)| *a <= last);
        for r in &mut self.ranges {
            r.1 = r.1.min(last);
        }
    }

    fn normalize(&mut self) {
        self.ranges.sort();
        let mut out: Vec<(Quarter, Quarter)> = Vec::with_capacity(self.ranges.len());
        for (a, b) in self.ranges.drain(..) {
            match out.last_mut() {
                Some(last) if a <= last.1.next() => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        self.ranges = out;
    }
}

impl FromIterator<Quarter> for QuarterSet {
    fn from_iter<I: IntoIterator<Item = Quarter>>(iter: I) -> Self {
        let mut s = QuarterSet {
            ranges: iter.into_iter().map(|q| (q, q)).collect(),
        };
        s.normalize();
        s
    }
}

fn span(a: Quarter, b: Quarter) -> usize {
    usize::try_from((b.start() - a.start()).num_minutes() / 15 + 1).unwrap_or(0)
}

/// `112426.1000 to 112426.1145` (or one stem), for messages.
impl fmt::Display for QuarterSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .ranges
            .iter()
            .map(|(a, b)| {
                if a == b {
                    a.stem()
                } else {
                    format!("{} to {}", a.stem(), b.stem())
                }
            })
            .collect();
        f.write_str(&parts.join(", "))
    }
}

/// In the state file: a list of `[first, last]` quarter starts (RFC 3339).
impl Serialize for QuarterSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let pairs: Vec<[DateTime<Utc>; 2]> = self.ranges.iter().map(|(a, b)| [a.start(), b.start()]).collect();
        pairs.serialize(s)
    }
}

/// A start off the quarter grid, or a range that ends before it starts, is an
/// error: the file is damaged, not a state to act on.
impl<'de> Deserialize<'de> for QuarterSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<[DateTime<Utc>; 2]>::deserialize(d)?;
        let mut ranges = Vec::with_capacity(pairs.len());
        for [a, b] in pairs {
            let qa = Quarter::starting_at(a).map_err(serde::de::Error::custom)?;
            let qb = Quarter::starting_at(b).map_err(serde::de::Error::custom)?;
            if qb < qa {
                return Err(serde::de::Error::custom(format!(
                    "range {a} to {b} ends before it starts"
                )));
            }
            ranges.push((qa, qb));
        }
        let mut s = QuarterSet { ranges };
        s.normalize();
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::testing::q;

    #[test]
    fn ranges_merge_split_and_count() {
        let mut s = QuarterSet::default();
        s.insert(q("112426.1000"));
        s.insert(q("112426.1030"));
        assert_eq!(s.ranges().len(), 2);
        s.insert(q("112426.1015"));
        assert_eq!(s.ranges(), &[(q("112426.1000"), q("112426.1030"))]);
        assert_eq!(s.len(), 3);
        s.insert_range(q("112326.1000"), q("112426.0945"));
        assert_eq!(s.ranges().len(), 1, "adjacent ranges merge");
        assert_eq!(s.len(), 96 + 3);
        s.remove(q("112426.1015"));
        assert_eq!(s.to_string(), "112326.1000 to 112426.1000, 112426.1030");
        assert!(!s.contains(q("112426.1015")) && s.contains(q("112426.1030")));
        s.forget_before(q("112426.1030"));
        assert_eq!(s.to_string(), "112426.1030");
        s.remove(q("112426.1030"));
        assert!(s.is_empty() && s.first().is_none());
        let from: QuarterSet = [q("112426.1015"), q("112426.1000")].into_iter().collect();
        assert_eq!(from.quarters(), vec![q("112426.1000"), q("112426.1015")]);
    }

    #[test]
    fn serialized_as_pairs_and_off_grid_is_refused() {
        let s: QuarterSet = [q("112426.1000"), q("112426.1015")].into_iter().collect();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"[["2026-11-24T10:00:00Z","2026-11-24T10:15:00Z"]]"#);
        assert_eq!(serde_json::from_str::<QuarterSet>(&json).unwrap(), s);
        for bad in [
            r#"[["2026-11-24T10:07:00Z","2026-11-24T10:15:00Z"]]"#,
            r#"[["2026-11-24T10:15:00Z","2026-11-24T10:00:00Z"]]"#,
            r#"[["2026-11-24T10:00:00Z"]]"#,
            r#"null"#,
        ] {
            assert!(serde_json::from_str::<QuarterSet>(bad).is_err(), "{bad}");
        }
    }
}
