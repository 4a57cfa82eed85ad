//! The state: which quarters were delivered, which are written locally but not
//! uploaded yet, which were lost, and the current failure streak (so an outage
//! gives one mail, and one "recovered"). Quarters are kept as ranges, so the
//! state never forgets a gap however long it was. Planning the catch-up is pure
//! (here); loading and saving are file I/O ([`file`]).

mod file;

pub use crate::quarter_set::QuarterSet;
pub use file::{load, load_read_only, read, save, Loaded, ReportFiles};

use crate::quarter::{self, Quarter, Reach};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The format written by this version. Version 1 (lists of quarter starts) is
/// read and converted; a newer version is refused, never reset.
pub const STATE_VERSION: u32 = 2;

/// How long fully settled history is kept. Gaps are always settled (built or
/// reported lost) by the next run, so older ranges carry no information; the
/// newest delivery is always kept as the anchor.
const MEMORY_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub version: u32,
    /// The LivePerson account (LP_ACCOUNT) whose quarters these are; `None` in
    /// files written before it was recorded (the first run adopts its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Quarters whose files reached their destination (REPORT_DIR in pull
    /// mode, the FTP server in push mode).
    pub delivered: QuarterSet,
    /// Push mode: quarters whose files are complete in REPORT_DIR but not yet
    /// uploaded; the next push uploads them from there, however old.
    pub written: QuarterSet,
    /// Quarters that fell out of LivePerson's window before they were built,
    /// reported once.
    pub lost: QuarterSet,
    /// The current failure streak, if the last run failed.
    pub outage: Option<Outage>,
    /// Messaging: quarters among `delivered` or `written` that were built
    /// *partial* (older than Messaging Operations' 24 h: Key Messaging Metrics
    /// alone, no `AQ_`). They are settled, never rebuilt by `loop`; only a
    /// `rerun` within 24 h could complete one. Absent when empty (chat states
    /// keep their bytes).
    #[serde(default, skip_serializing_if = "QuarterSet::is_empty")]
    pub partial: QuarterSet,
}

impl Default for State {
    fn default() -> Self {
        State {
            version: STATE_VERSION,
            account: None,
            delivered: QuarterSet::default(),
            written: QuarterSet::default(),
            lost: QuarterSet::default(),
            outage: None,
            partial: QuarterSet::default(),
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

/// How far ahead of now a recorded delivery may end before the state is
/// refused: one quarter, so a clock stepped back by NTP never stops a run.
const FUTURE_TOLERANCE_MINUTES: i64 = 15;

/// How long after the newest quarter the state records a run may come before
/// the jump is logged loudly (a clock ahead, or a machine that did not run).
const JUMP_HOURS: i64 = 2;

/// The state records a delivery of a quarter that ends after now: the clock is
/// behind, or an earlier run ran with a clock ahead. Planning from it would
/// build nothing until the clock reaches it, so the run is refused instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("STATE_FILE {path} records quarter {quarter} as delivered, but it ends at {ends}, after now ({now}): this machine's clock is behind, or an earlier run ran with its clock ahead. Check the clock (`date -u`): if it is wrong, correct it and the next loop carries on by itself; if it is right, move STATE_FILE aside (the next loop starts afresh with the newest quarter) and rebuild any quarter missed since the last real delivery with `wfm rerun`. This run built nothing")]
pub struct FutureState {
    pub path: String,
    pub quarter: String,
    pub ends: String,
    pub now: String,
}

/// What a `loop` run at `now` should do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoopPlan {
    /// To fetch and build, oldest first; the newest complete quarter is last
    /// unless it is delivered or written already.
    pub build: Vec<Quarter>,
    /// Written locally earlier, to upload from REPORT_DIR (push mode).
    pub upload: Vec<Quarter>,
    /// Undelivered quarters LivePerson no longer serves, not reported before.
    pub newly_lost: QuarterSet,
}

impl State {
    /// Check that this state is `account`'s (`path` is the file, for the
    /// message); a state that names no account yet becomes `account`'s.
    pub fn claim(&mut self, account: &str, path: &str) -> Result<(), ForeignState> {
        if let Some(e) = self.foreign(account, path) {
            return Err(e);
        }
        self.account.get_or_insert_with(|| account.to_string());
        Ok(())
    }

    /// The state is another account's (one naming no account is anybody's).
    pub fn foreign(&self, account: &str, path: &str) -> Option<ForeignState> {
        match &self.account {
            Some(theirs) if theirs != account => Some(ForeignState {
                path: path.to_string(),
                theirs: theirs.clone(),
                ours: account.to_string(),
            }),
            _ => None,
        }
    }

    /// The newest delivered or written quarter ends after `now` (beyond a
    /// quarter's tolerance): see [`FutureState`].
    pub fn future_delivery(&self, now: DateTime<Utc>, path: &str) -> Option<FutureState> {
        let newest = self.delivered.last().max(self.written.last())?;
        (newest.end() > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES)).then(|| FutureState {
            path: path.to_string(),
            quarter: newest.to_string(),
            ends: newest.end().format("%Y-%m-%d %H:%M UTC").to_string(),
            now: now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        })
    }

    /// Every reason a `loop` refuses this state, in words (`wfm status` shows
    /// the same rules: one implementation).
    pub fn refusals(&self, account: &str, path: &str, now: DateTime<Utc>) -> Vec<String> {
        let foreign = self.foreign(account, path).map(|e| e.to_string());
        let future = self.future_delivery(now, path).map(|e| e.to_string());
        foreign.into_iter().chain(future).collect()
    }

    /// Forget lost and failed quarters that had not even ended by `now`'s
    /// newest complete quarter: a run with its clock ahead recorded them on the
    /// word of that clock alone. Returns how many lost quarters were forgotten.
    pub fn forget_future(&mut self, now: DateTime<Utc>, settle: Duration) -> usize {
        let newest = quarter::loop_quarter(now, settle);
        let before = self.lost.len();
        self.lost.forget_after(newest);
        if let Some(o) = &mut self.outage {
            o.failed.retain(|t| *t <= newest.start());
            // "Failing since" a time that has not come is the same clock's word.
            o.since = o.since.min(now);
        }
        before - self.lost.len()
    }

    /// When `now` comes more than a couple of hours after the newest quarter
    /// this state records (delivered, written, or failed in the current outage):
    /// that quarter and the gap, for a loud log line. A clock ahead and a machine
    /// that did not run look the same here; the line says both.
    pub fn clock_jump(&self, now: DateTime<Utc>) -> Option<(Quarter, Duration)> {
        let failed = self
            .outage
            .as_ref()
            .and_then(|o| o.failed.iter().next_back())
            .and_then(|t| Quarter::starting_at(*t).ok());
        let newest = [self.delivered.last(), self.written.last(), failed]
            .into_iter()
            .flatten()
            .max()?;
        let gap = now - newest.end();
        (gap > Duration::hours(JUMP_HOURS)).then_some((newest, gap))
    }

    /// Where `q` stands, in words, for "nothing to build: {q} is …".
    pub fn standing(&self, q: Quarter) -> &'static str {
        if self.delivered.contains(q) {
            "delivered already"
        } else if self.written.contains(q) {
            "written already, waiting for the upload"
        } else if self.lost.contains(q) {
            "lost: LivePerson no longer serves it"
        } else {
            "not built yet"
        }
    }

    /// Records whether `q`, just delivered or written, was built partial.
    pub fn set_partial(&mut self, q: Quarter, partial: bool) {
        if partial && (self.delivered.contains(q) || self.written.contains(q)) {
            self.partial.insert(q);
        } else if !partial {
            self.partial.remove(q);
        }
    }

    /// The files of `q` reached their destination.
    pub fn mark_delivered(&mut self, q: Quarter) {
        self.delivered.insert(q);
        self.written.remove(q);
        // Recorded lost on the word of a clock ahead, served after all.
        self.lost.remove(q);
    }

    /// Push mode: the files of `q` are complete in REPORT_DIR, not uploaded yet.
    pub fn mark_written(&mut self, q: Quarter) {
        if !self.delivered.contains(q) {
            self.written.insert(q);
            self.lost.remove(q);
        }
    }

    /// Pull mode: files written for a push that never happened are in REPORT_DIR,
    /// where pull delivers them: they count as delivered.
    pub fn written_count_as_delivered(&mut self) {
        let written = std::mem::take(&mut self.written);
        self.delivered.extend(&written);
    }

    /// Record a quarter a `rerun` delivered, only where `loop` already looks
    /// (from its oldest remembered delivery on): a rerun of older quarters must
    /// never make the next `loop` catch up everything between them and now.
    pub fn mark_rerun_delivered(&mut self, q: Quarter) {
        if self.delivered.first().is_some_and(|anchor| q >= anchor) {
            self.mark_delivered(q);
        }
    }

    /// Every quarter from the oldest one the state knows to the newest complete
    /// one is settled: delivered, written (to upload), lost (reported before),
    /// to build (LivePerson still serves it) or newly lost — however long the
    /// gap. `has_files(q)` says whether a written quarter's files are still in
    /// REPORT_DIR; if not, it is built again or reported lost. A quarter
    /// recorded lost that LivePerson serves at `now` is built after all: "lost"
    /// was the word of the clock of an earlier run, which may have been ahead.
    pub fn plan_loop(
        &self,
        now: DateTime<Utc>,
        settle: Duration,
        reach: Reach,
        has_files: impl Fn(Quarter) -> bool,
    ) -> LoopPlan {
        let newest = quarter::loop_quarter(now, settle);
        let mut plan = LoopPlan::default();
        let Some(first) = self.anchor() else {
            plan.build.push(newest);
            return plan;
        };
        let mut q = first;
        while q <= newest {
            if self.delivered.contains(q) {
            } else if self.written.contains(q) && has_files(q) {
                plan.upload.push(q);
            } else if reach.serves(q, now) {
                plan.build.push(q);
            } else if self.lost.contains(q) {
            } else {
                plan.newly_lost.insert(q);
            }
            q = q.next();
        }
        plan
    }

    /// The oldest quarter the state still accounts for: the one after the oldest
    /// delivery, the oldest written one, or the oldest failure of the current
    /// outage (a first run may fail before any delivery); `None` for a fresh state.
    pub fn anchor(&self) -> Option<Quarter> {
        let oldest_failed = self
            .outage
            .as_ref()
            .and_then(|o| o.failed.iter().next())
            .and_then(|t| Quarter::starting_at(*t).ok());
        [
            self.delivered.first().map(|q| q.next()),
            self.written.first(),
            oldest_failed,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Forget settled history older than the memory, keeping the newest
    /// delivery as the anchor.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        let cut = Quarter::containing(now - Duration::days(MEMORY_DAYS));
        let anchor = self.delivered.last();
        self.delivered.forget_before(cut);
        if let (Some(a), true) = (anchor, self.delivered.is_empty()) {
            self.delivered.insert(a);
        }
        self.lost.forget_before(cut);
        self.partial.forget_before(cut);
    }
}

#[cfg(test)]
mod tests;
