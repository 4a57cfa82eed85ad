//! When to mail (pure): one mail per outage, then "recovered". The streak is
//! data in the state; [`super::outage`] carries the decisions out.

use crate::quarter::Quarter;
use crate::state::Outage;
use chrono::{DateTime, Utc};

/// What a `loop`'s result means for the streak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Mail the failure: the first failing run of a streak, a streak whose mail
    /// never went out, or new quarters lost during a streak already mailed.
    MailFailure,
    /// Failing still, and mailed already: only log.
    AlreadyMailed { since: DateTime<Utc> },
    /// The first good run after a streak; mail "recovered" if the failure was mailed.
    Recovered(Outage),
    /// Good, and nothing was failing.
    Nothing,
}

/// The outage policy (pure): the streak after this run and what to do about it.
/// `failed` are the quarters this run failed or found lost, `newly_lost` whether
/// any quarter was found lost in this run.
pub(crate) fn decide(
    prev: Option<Outage>,
    now: DateTime<Utc>,
    failures: &[String],
    failed: &[Quarter],
    newly_lost: bool,
) -> (Option<Outage>, Action) {
    if failures.is_empty() {
        return match prev {
            Some(o) => (None, Action::Recovered(o)),
            None => (None, Action::Nothing),
        };
    }
    let mut outage = prev.unwrap_or_else(|| Outage {
        since: now,
        mailed: false,
        failed: Default::default(),
        last_error: String::new(),
    });
    outage.failed.extend(failed.iter().map(|q| q.start()));
    outage.last_error = failures.join("\n");
    let action = if outage.mailed && !newly_lost {
        Action::AlreadyMailed { since: outage.since }
    } else {
        Action::MailFailure
    };
    (Some(outage), action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::parse_quarter_arg;
    use crate::quarter::testing::t;

    #[test]
    fn one_mail_per_outage_then_recovered() {
        let q1 = parse_quarter_arg("112426.1000").unwrap();
        let q2 = q1.next();
        let fail = vec!["LivePerson down".to_string()];
        // Good and nothing pending: nothing to do.
        assert_eq!(
            decide(None, t("2026-11-24T10:16:00Z"), &[], &[], false),
            (None, Action::Nothing)
        );
        // The first failure starts a streak and mails.
        let (o, a) = decide(None, t("2026-11-24T10:16:00Z"), &fail, &[q1], false);
        assert_eq!(a, Action::MailFailure);
        let mut o = o.unwrap();
        assert_eq!(
            (o.since, o.mailed, o.failed.len()),
            (t("2026-11-24T10:16:00Z"), false, 1)
        );
        // A mail that could not be sent is tried again on the next failing run.
        let (o2, a) = decide(Some(o.clone()), t("2026-11-24T10:31:00Z"), &fail, &[q2], false);
        assert_eq!(a, Action::MailFailure);
        assert_eq!(o2.unwrap().failed.len(), 2);
        // Mailed: later failures only log, keeping the streak's start.
        o.mailed = true;
        let (o3, a) = decide(
            Some(o.clone()),
            t("2026-11-24T10:31:00Z"),
            &["still".into()],
            &[q2],
            false,
        );
        assert_eq!(
            a,
            Action::AlreadyMailed {
                since: t("2026-11-24T10:16:00Z")
            }
        );
        let o3 = o3.unwrap();
        assert_eq!((o3.since, o3.last_error.as_str()), (t("2026-11-24T10:16:00Z"), "still"));
        // New lost quarters during a mailed streak are mailed again.
        let (_, a) = decide(Some(o3.clone()), t("2026-11-25T10:31:00Z"), &fail, &[q1], true);
        assert_eq!(a, Action::MailFailure);
        // The first good run ends the streak.
        let (o4, a) = decide(Some(o3.clone()), t("2026-11-24T10:46:00Z"), &[], &[], false);
        assert_eq!((o4, a), (None, Action::Recovered(o3)));
    }
}
