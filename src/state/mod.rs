//! The state: which quarters were delivered, which were lost, and the current
//! failure streak (so an outage gives one mail, and one "recovered"). Planning
//! the catch-up is pure (here); loading and saving are file I/O ([`file`]).

mod file;

pub use file::{load, save};

use crate::quarter::{self, Quarter};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const STATE_VERSION: u32 = 1;

/// How long delivered/lost quarters are remembered: LivePerson's 24 h plus a day.
const MEMORY_HOURS: i64 = 48;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// The LivePerson account (LP_ACCOUNT) whose quarters these are; `None` in
    /// files written before it was recorded (the first run adopts its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Start times of delivered quarters (recent ones; the newest is always kept).
    #[serde(default)]
    pub delivered: BTreeSet<DateTime<Utc>>,
    /// Quarters that fell out of LivePerson's window before they were delivered.
    #[serde(default)]
    pub lost: BTreeSet<DateTime<Utc>>,
    /// The current failure streak, if the last run failed.
    #[serde(default)]
    pub outage: Option<Outage>,
}

impl Default for State {
    fn default() -> Self {
        State {
            version: STATE_VERSION,
            account: None,
            delivered: BTreeSet::new(),
            lost: BTreeSet::new(),
            outage: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outage {
    /// When the first failing run of the streak ran.
    pub since: DateTime<Utc>,
    /// Whether the failure mail of this streak went out.
    pub mailed: bool,
    /// Quarters that failed during the streak.
    #[serde(default)]
    pub failed: BTreeSet<DateTime<Utc>>,
    /// The latest failure, in words.
    pub last_error: String,
}

/// The state file holds another account's quarters: a configuration mistake
/// (two configs sharing one STATE_FILE), refused before anything is done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("STATE_FILE {path} holds the state of LivePerson account {theirs}, but this config is for account {ours}: two accounts cannot share a state (the second would be told its quarters were delivered already). Give this config its own STATE_FILE, or remove the STATE_FILE line: the default, <STATE_DIR>/wfm-state-<LP_ACCOUNT>.json, is per account. This run did nothing")]
pub struct ForeignState {
    pub path: String,
    pub theirs: String,
    pub ours: String,
}

/// What a `loop` run at `now` should build, and what can no longer be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopPlan {
    /// Oldest first; the newest complete quarter is always last.
    pub build: Vec<Quarter>,
    /// Undelivered quarters LivePerson no longer serves, not reported before.
    pub newly_lost: Vec<Quarter>,
}

impl State {
    /// Check that this state is `account`'s (`path` is the file, for the
    /// message); a state that names no account yet becomes `account`'s.
    pub fn claim(&mut self, account: &str, path: &str) -> Result<(), ForeignState> {
        match &self.account {
            Some(theirs) if theirs != account => Err(ForeignState {
                path: path.to_string(),
                theirs: theirs.clone(),
                ours: account.to_string(),
            }),
            Some(_) => Ok(()),
            None => {
                self.account = Some(account.to_string());
                Ok(())
            }
        }
    }

    pub fn is_delivered(&self, q: Quarter) -> bool {
        self.delivered.contains(&q.start())
    }

    pub fn mark_delivered(&mut self, q: Quarter) {
        self.delivered.insert(q.start());
    }

    /// Record a quarter a `rerun` delivered, only where `loop` already looks
    /// (from its oldest remembered delivery on): a rerun of older quarters must
    /// never make the next `loop` catch up everything between them and now.
    pub fn mark_rerun_delivered(&mut self, q: Quarter) {
        if self.delivered.first().is_some_and(|anchor| q.start() >= *anchor) {
            self.delivered.insert(q.start());
        }
    }

    /// Every quarter after the oldest remembered delivery that is not delivered
    /// yet, up to the newest complete one; those LivePerson no longer serves are lost.
    pub fn plan_loop(&self, now: DateTime<Utc>, settle: Duration) -> LoopPlan {
        let newest = quarter::loop_quarter(now, settle);
        // From the oldest remembered delivery on, or from the oldest quarter that
        // failed in the current outage (a first run may fail before any delivery).
        let after_delivered = self
            .delivered
            .iter()
            .next()
            .and_then(|t| Quarter::starting_at(*t).ok())
            .map(|q| q.next());
        let oldest_failed = self
            .outage
            .as_ref()
            .and_then(|o| o.failed.iter().next())
            .and_then(|t| Quarter::starting_at(*t).ok());
        let Some(start) = after_delivered.into_iter().chain(oldest_failed).min() else {
            return LoopPlan {
                build: vec![newest],
                newly_lost: vec![],
            };
        };
        // Never look further back than the memory: older gaps were reported already.
        let floor = Quarter::containing(now - Duration::hours(MEMORY_HOURS));
        let first = start.max(floor);
        let mut build = Vec::new();
        let mut newly_lost = Vec::new();
        for q in quarter::quarter_range(first, newest) {
            if self.is_delivered(q) {
                continue;
            }
            if quarter::timeframe_covering(q, now).is_some() {
                build.push(q);
            } else if !self.lost.contains(&q.start()) {
                newly_lost.push(q);
            }
        }
        if build.last() != Some(&newest) && !self.is_delivered(newest) {
            build.push(newest);
        }
        LoopPlan { build, newly_lost }
    }

    /// Forget what is older than the memory, keeping the newest delivery as the anchor.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        let cut = now - Duration::hours(MEMORY_HOURS);
        let newest = self.delivered.iter().next_back().copied();
        self.delivered.retain(|t| *t >= cut || Some(*t) == newest);
        self.lost.retain(|t| *t >= cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::parse_quarter_arg;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn stems(qs: &[Quarter]) -> Vec<String> {
        qs.iter().map(|q| q.stem()).collect()
    }
    const SETTLE: i64 = 60;

    #[test]
    fn without_state_only_the_newest_quarter() {
        let p = State::default().plan_loop(t("2026-11-24T10:16:00Z"), Duration::seconds(SETTLE));
        assert_eq!(stems(&p.build), ["112426.1000"]);
        assert!(p.newly_lost.is_empty());
    }

    #[test]
    fn catches_up_every_missing_quarter_oldest_first() {
        let mut s = State::default();
        s.mark_delivered(parse_quarter_arg("112426.0800").unwrap());
        let p = s.plan_loop(t("2026-11-24T10:16:00Z"), Duration::seconds(SETTLE));
        assert_eq!(
            stems(&p.build),
            [
                "112426.0815",
                "112426.0830",
                "112426.0845",
                "112426.0900",
                "112426.0915",
                "112426.0930",
                "112426.0945",
                "112426.1000"
            ]
        );
        // a gap in the middle is filled too
        for q in &p.build[..3] {
            s.mark_delivered(*q);
        }
        s.mark_delivered(p.build[4]);
        let p2 = s.plan_loop(t("2026-11-24T10:16:00Z"), Duration::seconds(SETTLE));
        assert_eq!(
            stems(&p2.build),
            ["112426.0900", "112426.0930", "112426.0945", "112426.1000"]
        );
        // nothing to do when the newest is delivered
        let mut s3 = State::default();
        s3.mark_delivered(parse_quarter_arg("112426.1000").unwrap());
        assert!(s3
            .plan_loop(t("2026-11-24T10:20:00Z"), Duration::seconds(SETTLE))
            .build
            .is_empty());
    }

    #[test]
    fn quarters_that_failed_before_any_delivery_are_built() {
        let mut s = State::default();
        let failed = parse_quarter_arg("112426.0945").unwrap();
        s.outage = Some(Outage {
            since: t("2026-11-24T10:01:00Z"),
            mailed: true,
            failed: BTreeSet::from([failed.start()]),
            last_error: "FTP down".into(),
        });
        let p = s.plan_loop(t("2026-11-24T10:16:00Z"), Duration::seconds(SETTLE));
        assert_eq!(stems(&p.build), ["112426.0945", "112426.1000"]);
    }

    #[test]
    fn quarters_out_of_the_window_are_lost_once() {
        let mut s = State::default();
        s.mark_delivered(parse_quarter_arg("112326.0900").unwrap());
        let now = t("2026-11-24T10:16:00Z");
        let p = s.plan_loop(now, Duration::seconds(SETTLE));
        // 23 Nov 09:15 .. 10:15 are out of the 24 h window (oldest servable is 10:30)
        assert_eq!(
            stems(&p.newly_lost),
            [
                "112326.0915",
                "112326.0930",
                "112326.0945",
                "112326.1000",
                "112326.1015"
            ]
        );
        assert_eq!(p.build.first().unwrap().stem(), "112326.1030");
        assert_eq!(p.build.last().unwrap().stem(), "112426.1000");
        assert_eq!(p.build.len(), 95);
        for q in &p.newly_lost {
            s.lost.insert(q.start());
        }
        assert!(s.plan_loop(now, Duration::seconds(SETTLE)).newly_lost.is_empty());
    }

    #[test]
    fn prune_keeps_the_anchor() {
        let mut s = State::default();
        s.mark_delivered(parse_quarter_arg("111026.0900").unwrap());
        s.mark_delivered(parse_quarter_arg("111126.0900").unwrap());
        s.prune(t("2026-11-24T10:16:00Z"));
        assert_eq!(s.delivered.len(), 1);
        // a very old anchor does not make a run plan days of quarters
        let p = s.plan_loop(t("2026-11-24T10:16:00Z"), Duration::seconds(SETTLE));
        assert!(p.build.len() <= 97, "{}", p.build.len());
        assert!(p.newly_lost.len() <= 4 * 24 + 1, "{}", p.newly_lost.len());
    }

    #[test]
    fn a_state_is_one_accounts() {
        // A file written before the account was recorded loads, and is adopted.
        let mut s: State = serde_json::from_str(r#"{"version": 1, "delivered": []}"#).unwrap();
        assert_eq!(s.account, None);
        s.claim("111", "st.json").unwrap();
        assert_eq!(s.account.as_deref(), Some("111"));
        s.claim("111", "st.json").unwrap();
        let e = s.claim("222", "st.json").unwrap_err().to_string();
        assert!(
            e.starts_with(
                "STATE_FILE st.json holds the state of LivePerson account 111, but this config is for account 222"
            ),
            "{e}"
        );
        assert_eq!(s.account.as_deref(), Some("111"), "a refused claim changes nothing");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["account"], "111");
    }

    #[test]
    fn a_rerun_of_older_quarters_never_moves_the_catch_up_back() {
        let now = t("2026-11-24T10:16:00Z");
        let mut s = State::default();
        s.mark_delivered(parse_quarter_arg("112426.0945").unwrap());
        // Yesterday evening, rerun by an operator: not recorded.
        s.mark_rerun_delivered(parse_quarter_arg("112326.2000").unwrap());
        assert_eq!(
            stems(&s.plan_loop(now, Duration::seconds(SETTLE)).build),
            ["112426.1000"]
        );
        // A rerun inside loop's stretch is recorded: loop does not rebuild it.
        s.mark_rerun_delivered(parse_quarter_arg("112426.1000").unwrap());
        assert!(s.plan_loop(now, Duration::seconds(SETTLE)).build.is_empty());
        // With nothing delivered yet, a rerun records nothing either.
        let mut fresh = State::default();
        fresh.mark_rerun_delivered(parse_quarter_arg("112426.0800").unwrap());
        assert!(fresh.delivered.is_empty());
    }
}
