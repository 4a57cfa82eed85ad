//! The arithmetic the three reports share: counters summed with their checks,
//! maxima that ignore "no data", averages recomputed from sums and counts
//! (integer arithmetic, rounded half up), and the engactivity counters that
//! both `Q_` and `AQ_` sum.

use super::limits::{printable, Limit, COUNT, SUM};
use super::{AggregateError, Hundredths};
use crate::lp::model::{EngMetrics, Figure, Method, Num};

/// A counter of a reply's record: its name in the API, how to read it, and
/// the most its sum over a quarter may reach.
pub(super) type Field<M> = (&'static str, fn(&M) -> Figure, Limit);

/// A figure as a reply gave it: its whole number, or `None` for a chat
/// figure that was not one ([`Figure::NOT_WHOLE`]); a [`Num`] (Key Messaging
/// Metrics, Messaging Operations) is always whole, its parse refusing the rest.
pub(crate) trait Reading: Copy {
    fn whole(self) -> Option<i64>;
}

impl Reading for Num {
    fn whole(self) -> Option<i64> {
        Some(self.0)
    }
}

impl Reading for Figure {
    fn whole(self) -> Option<i64> {
        Figure::whole(self)
    }
}

/// engactivity's counters, in the order of the `AQ_` row.
pub(super) const ENG_FIELDS: [Field<EngMetrics>; 5] = [
    ("totalInteractiveChats", |m| m.total_interactive_chats, COUNT),
    ("totalNonInteractiveChats", |m| m.total_non_interactive_chats, COUNT),
    ("connectedEngagements", |m| m.connected_engagements, COUNT),
    ("totalHandlingTime", |m| m.total_handling_time, SUM),
    (
        "nonInteractiveTotalHandlingTime",
        |m| m.non_interactive_total_handling_time,
        SUM,
    ),
];

/// `n / d` rounded half up (d > 0): the one rounding of every report, in
/// integers wide enough that no figure overflows on the way.
pub(super) fn div_half_up(n: u128, d: u128) -> u128 {
    (2 * n + d) / (2 * d)
}

/// `sum / count` rounded half up to an integer; 0 when count is 0.
pub fn avg_rounded(sum: u64, count: u64) -> u64 {
    if count == 0 {
        return 0;
    }
    div_half_up(sum.into(), count.into()) as u64
}

/// `sum / count` in hundredths, rounded half up; `None` when count is 0.
pub fn avg_hundredths(sum: u64, count: u64) -> Option<Hundredths> {
    if count == 0 {
        return None;
    }
    Some(Hundredths(div_half_up(100 * u128::from(sum), count.into()) as u64))
}

/// Adds API numbers for one (method, quarter) with the checks a counter needs;
/// its errors name the method, the quarter, the field and the id.
pub(super) struct Acc<'a> {
    pub method: Method,
    pub quarter: &'a str,
}

impl Acc<'_> {
    /// A counter: -1 (no data) counts as 0; other negatives are refused, and
    /// so are a number that is not whole and a sum above `limit`.
    pub fn add(
        &self,
        into: &mut u64,
        n: impl Reading,
        field: &'static str,
        limit: Limit,
        id: &str,
    ) -> Result<(), AggregateError> {
        self.add_named(into, n, field, limit, &|| id.to_string())
    }

    /// [`Acc::add`] with the id spelled out only for an error (the hot path allocates nothing).
    fn add_named(
        &self,
        into: &mut u64,
        n: impl Reading,
        field: &'static str,
        limit: Limit,
        id: &dyn Fn() -> String,
    ) -> Result<(), AggregateError> {
        let Some(v) = n.whole() else {
            return Err(self.not_whole(field, id()));
        };
        let v = match v {
            -1 => 0,
            v if v < 0 => {
                return Err(AggregateError::Negative {
                    method: self.method,
                    quarter: self.quarter.to_string(),
                    field,
                    id: printable(id()),
                    value: v,
                })
            }
            v => v as u64,
        };
        *into = into.checked_add(v).ok_or_else(|| AggregateError::Overflow {
            method: self.method,
            quarter: self.quarter.to_string(),
            field,
            id: printable(id()),
        })?;
        self.within_named(*into, field, limit, id)?;
        Ok(())
    }

    /// A figure already summed, refused above `limit`.
    pub(crate) fn within(&self, v: u64, field: &'static str, limit: Limit, id: &str) -> Result<u64, AggregateError> {
        self.within_named(v, field, limit, &|| id.to_string())
    }

    fn within_named(
        &self,
        v: u64,
        field: &'static str,
        limit: Limit,
        id: &dyn Fn() -> String,
    ) -> Result<u64, AggregateError> {
        if v > limit.max {
            return Err(self.too_large(field, id(), v.to_string(), limit));
        }
        Ok(v)
    }

    /// The error of a figure above its limit.
    pub(crate) fn too_large(&self, field: &'static str, id: String, value: String, limit: Limit) -> AggregateError {
        AggregateError::TooLarge {
            method: self.method,
            quarter: self.quarter.to_string(),
            field,
            id: printable(id),
            value,
            max: limit.max,
            what: limit.what,
        }
    }

    /// The error of a figure that is not a whole number.
    fn not_whole(&self, field: &'static str, id: String) -> AggregateError {
        AggregateError::NotANumber {
            method: self.method,
            quarter: self.quarter.to_string(),
            field,
            id: printable(id),
        }
    }

    /// One counter on its own, checked like [`Acc::add`].
    pub fn value(&self, n: impl Reading, field: &'static str, limit: Limit, id: &str) -> Result<u64, AggregateError> {
        let mut v = 0;
        self.add(&mut v, n, field, limit, id)?;
        Ok(v)
    }

    /// A maximum: values < 0 mean "no data" and are left out; one above
    /// [`COUNT`], or not a whole number, is refused.
    pub(crate) fn keep_max(
        &self,
        into: &mut Option<u64>,
        n: Option<Figure>,
        field: &'static str,
        id: &str,
    ) -> Result<(), AggregateError> {
        let Some(n) = n else {
            return Ok(());
        };
        let Some(v) = n.whole() else {
            return Err(self.not_whole(field, id.to_string()));
        };
        if v > COUNT.max as i64 {
            return Err(self.too_large(field, id.to_string(), v.to_string(), COUNT));
        }
        keep_max(into, v);
        Ok(())
    }

    /// Adds each of `fields` of `record` to the sum beside it, in order.
    pub(crate) fn add_all<M, const N: usize>(
        &self,
        sums: [&mut u64; N],
        record: &M,
        fields: &[Field<M>; N],
        id: &str,
    ) -> Result<(), AggregateError> {
        self.add_all_named(sums, record, fields, &|| id.to_string())
    }

    /// [`Acc::add_all`] with the id spelled out only for an error.
    pub(crate) fn add_all_named<M, const N: usize>(
        &self,
        sums: [&mut u64; N],
        record: &M,
        fields: &[Field<M>; N],
        id: &dyn Fn() -> String,
    ) -> Result<(), AggregateError> {
        for (into, (field, get, limit)) in sums.into_iter().zip(fields) {
            self.add_named(into, get(record), field, *limit, id)?;
        }
        Ok(())
    }
}

/// A maximum: values < 0 mean "no data" and are left out.
fn keep_max(into: &mut Option<u64>, v: i64) {
    if v >= 0 {
        *into = Some(into.map_or(v as u64, |m| m.max(v as u64)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(avg_rounded(7, 3), 2);
        assert_eq!(avg_rounded(5, 2), 3);
        assert_eq!(avg_rounded(2222, 2), 1111);
        assert_eq!(avg_rounded(9, 0), 0);
        assert_eq!(avg_hundredths(216, 3), Some(Hundredths(7200)));
        assert_eq!(avg_hundredths(1, 8), Some(Hundredths(13))); // 0.125 -> 0.13
        assert_eq!(avg_hundredths(1, 0), None);
        assert_eq!(avg_rounded(u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn a_figure_not_whole_fails_naming_method_quarter_field_and_id() {
        let acc = Acc {
            method: Method::EngActivity,
            quarter: "112426.1015",
        };
        let mut sum = 7;
        let e = acc
            .add(
                &mut sum,
                Figure::NOT_WHOLE,
                "totalHandlingTime",
                SUM,
                "agent 5\u{1b} in skill 3",
            )
            .unwrap_err();
        assert!(matches!(e, AggregateError::NotANumber { .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.starts_with("engactivity reply, quarter 112426.1015: totalHandlingTime of agent 5\\u{1b} in skill 3 is not a whole number"),
            "{text}"
        );
        assert_eq!(sum, 7, "nothing added");
        // Whole figures as before: -1 is no data, other negatives and sums above the limit refused.
        for (n, want) in [(Figure(140), Ok(147)), (Figure(-1), Ok(7))] {
            let mut sum = 7;
            assert_eq!(acc.add(&mut sum, n, "f", SUM, "1").map(|()| sum), want);
        }
        assert!(matches!(
            acc.value(Figure(-2), "f", SUM, "1"),
            Err(AggregateError::Negative { .. })
        ));
        assert!(matches!(
            acc.value(Figure(i64::MAX), "f", SUM, "1"),
            Err(AggregateError::TooLarge { .. })
        ));
        // A Num (messaging) is always whole: i64::MIN stays a negative figure there.
        assert!(matches!(
            acc.value(Num(i64::MIN), "f", SUM, "1"),
            Err(AggregateError::Negative { .. })
        ));

        // Maxima: no data (-1) is left out, a figure not whole is refused.
        let mut max = Some(3);
        acc.keep_max(&mut max, Some(Figure(-1)), "maxQueueSize", "1").unwrap();
        acc.keep_max(&mut max, None, "maxQueueSize", "1").unwrap();
        assert_eq!(max, Some(3));
        let e = acc
            .keep_max(&mut max, Some(Figure::NOT_WHOLE), "maxQueueSize", "9")
            .unwrap_err();
        assert!(e.to_string().contains("maxQueueSize of 9 is not a whole number"), "{e}");
        acc.keep_max(&mut max, Some(Figure(5)), "maxQueueSize", "1").unwrap();
        assert_eq!(max, Some(5));
    }
}
