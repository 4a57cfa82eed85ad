//! What may reach NICE WFM, for both channels: ids XML 1.0 can hold, and
//! figures a 15-minute quarter can hold. A reply breaking either fails its
//! quarter (no files written, a later run builds it) with an error naming
//! method, quarter, field or id, and value. The reasoning behind the bounds is
//! in docs/decisions.md ("LivePerson replies and strictness").

use super::AggregateError;
use crate::lp::model::Method;

/// The most a summed figure may reach in one quarter, with what it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    pub max: u64,
    pub what: &'static str,
}

/// Counts (conversations, engagements, queue samples) and maxima of one skill
/// or agent in a quarter: a billion is over a million a second.
pub(crate) const COUNT: Limit = Limit {
    max: 1_000_000_000,
    what: "a count no skill or agent reaches in 15 minutes",
};

/// Summed times and sample sums of one skill or agent (seconds, slots): a
/// million million seconds is 30,000 years of work in one quarter, while
/// 2,000 agents in one skill make at most ~2 * 10^7.
pub(crate) const SUM: Limit = Limit {
    max: 1_000_000_000_000,
    what: "a sum no skill or agent reaches in 15 minutes",
};

/// Seconds of one agent in one state (or away reason) over the quarter.
pub(crate) const STATE_SECONDS: Limit = Limit {
    max: 900,
    what: "the seconds of a 15-minute quarter",
};

/// The same in milliseconds (KMM), up to what still rounds to 900 s.
pub(crate) const STATE_MS: Limit = Limit {
    max: 900_499,
    what: "the milliseconds of a 15-minute quarter",
};

/// A messaging average in milliseconds: a year. Waits may be long (a
/// conversation open for days), but not longer than conversations live.
pub(crate) const AVERAGE_MS: f64 = 365.0 * 86_400_000.0;

/// An id as it would be written into an attribute: not empty, and no control
/// character (XML 1.0 cannot hold most of them, and an id is a short token,
/// so none is taken), nor U+FFFE/U+FFFF (not XML characters).
pub(crate) fn check_id(method: Method, quarter: &str, what: &'static str, id: &str) -> Result<(), AggregateError> {
    let why = if id.is_empty() {
        "is empty"
    } else if id.chars().any(|c| c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}') {
        "holds a control character"
    } else {
        return Ok(());
    };
    Err(AggregateError::BadId {
        method,
        quarter: quarter.to_string(),
        what,
        id: id.to_string(),
        why,
    })
}

/// Text naming a record (`agent 5 away reason 17`) with its control characters
/// escaped: ids are outside text, and an error naming one goes to logs and mail.
pub fn printable(text: String) -> String {
    if !text.chars().any(char::is_control) {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A messaging average (ms): absent, `null` or negative mean "no data"
/// (`None`); above [`AVERAGE_MS`] it fails the quarter rather than reach NICE
/// as a saturated number.
pub(crate) fn check_average(
    method: Method,
    quarter: &str,
    field: &'static str,
    id: &str,
    ms: Option<f64>,
) -> Result<Option<f64>, AggregateError> {
    match ms {
        Some(v) if v.is_finite() && v > AVERAGE_MS => Err(AggregateError::TooLarge {
            method,
            quarter: quarter.to_string(),
            field,
            id: id.to_string(),
            value: if v >= 1e15 {
                format!("{v:e} ms")
            } else {
                format!("{v} ms")
            },
            max: AVERAGE_MS as u64,
            what: "the milliseconds of a year",
        }),
        other => Ok(other.filter(|v| v.is_finite() && *v >= 0.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_xml_cannot_hold_are_refused() {
        let check = |id: &str| check_id(Method::Metrics, "112426.1000", "skill", id);
        for ok in ["12", "2152260212", "a&b<c>\"'", "ünï©ødé", "NA"] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1\u{1}", "\t", "7\n", "\u{7f}", "\u{85}", "x\u{FFFF}"] {
            let e = check(bad).unwrap_err().to_string();
            assert!(e.contains("metrics reply, quarter 112426.1000: the skill id"), "{e}");
            assert!(!e.chars().any(char::is_control), "escaped: {e:?}");
        }
        let e = check("1\u{1}").unwrap_err().to_string();
        assert!(e.contains(r#""1\u{1}""#) && e.contains("control character"), "{e}");
        assert!(check("").unwrap_err().to_string().contains("\"\" is empty"));
    }

    #[test]
    fn names_are_printable() {
        assert_eq!(printable("agent 5 state 2".into()), "agent 5 state 2");
        assert_eq!(
            printable("agent 5\u{1b}[2J away reason \"\u{0}".into()),
            "agent 5\\u{1b}[2J away reason \"\\0"
        );
    }

    #[test]
    fn averages_beyond_a_year_are_refused() {
        let avg = |v| check_average(Method::Metrics, "112426.1000", "avgWaitTime", "12", v);
        assert_eq!(avg(None), Ok(None));
        assert_eq!(avg(Some(-1.0)), Ok(None));
        assert_eq!(avg(Some(41250.5)), Ok(Some(41250.5)));
        assert_eq!(avg(Some(AVERAGE_MS)), Ok(Some(AVERAGE_MS)));
        let e = avg(Some(1e308)).unwrap_err().to_string();
        assert!(
            e.contains("avgWaitTime of 12 comes to 1e308 ms") && e.contains("quarter 112426.1000"),
            "{e}"
        );
    }
}
