//! `wfm status`: what an operator asks in the morning. [`compute`] turns the
//! state, the delivery mode, SETTLE_SECONDS and the logical now into a
//! [`Status`] (pure); [`gather`] is the shell part: it reads the state file
//! without the lock and without writing (a damaged file stays where it is),
//! and the last "run finished:" line of the daily log. Nothing is written.

use crate::config::Config;
use crate::job::DeliveryMode;
use crate::quarter::{self, Quarter, Reach};
use crate::quarter_set::QuarterSet;
use crate::state::{self, State};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The current failure streak, as the state records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutageStatus {
    pub since: DateTime<Utc>,
    pub last_error: String,
    pub mailed: bool,
    /// Quarters that failed during the streak.
    pub failed: usize,
}

/// The last run's summary line, from the daily log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    /// "run finished: ...".
    pub line: String,
    /// The log line's time stamp (the real clock), when it reads as one.
    pub logged_at: Option<DateTime<Utc>>,
}

/// What `wfm status` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// LP_ACCOUNT of the config: which account this is, when one host runs several.
    pub account: String,
    pub now: DateTime<Utc>,
    pub mode: DeliveryMode,
    pub state_file: PathBuf,
    /// The state file could not be used (damaged, newer format, unreadable).
    pub state_error: Option<String>,
    /// Why a `loop` refuses this state (another account's, a delivery in the
    /// future): the loop's own rules, `State::refusals`.
    pub refused: Vec<String>,
    /// No state file: no run has recorded anything yet.
    pub fresh: bool,
    /// The newest quarter delivered (in pull mode, written counts as delivered).
    pub last_delivered: Option<Quarter>,
    pub outage: Option<OutageStatus>,
    /// Every lost quarter the state remembers (30 days).
    pub lost: QuarterSet,
    /// Lost quarters newer than the last delivery.
    pub lost_since_last_delivery: QuarterSet,
    /// LivePerson's window: the oldest quarter it still serves, the newest complete one.
    pub window: (Quarter, Quarter),
    /// Quarters of the window that are due (end + SETTLE_SECONDS passed), from the
    /// state's oldest remembered quarter on, neither delivered, written nor lost.
    pub missing: QuarterSet,
    /// Push mode: quarters written in REPORT_DIR, not uploaded yet.
    pub waiting_for_upload: QuarterSet,
    /// Messaging: quarters delivered (or written) partial, Key Messaging Metrics
    /// alone (older than Messaging Operations' 24 h when built).
    pub partial: QuarterSet,
    pub last_run: Option<LastRun>,
    /// The quarter `loop` builds next, and when it becomes buildable (end + SETTLE_SECONDS).
    pub next: Quarter,
    pub next_due: DateTime<Utc>,
}

/// Turn what the state says into a [`Status`] (pure). `state` is `Ok(None)` when
/// there is no state file, `Err` when it cannot be used.
#[allow(clippy::too_many_arguments)]
pub fn compute(
    state: Result<Option<&State>, &str>,
    state_file: &Path,
    account: &str,
    mode: DeliveryMode,
    settle: Duration,
    now: DateTime<Utc>,
    reach: Reach,
    last_run: Option<LastRun>,
) -> Status {
    let empty = State::default();
    let (st, state_error, fresh) = match state {
        Ok(Some(s)) => (s, None, false),
        Ok(None) => (&empty, None, true),
        Err(e) => (&empty, Some(e.to_string()), false),
    };
    let refused = st.refusals(account, &state_file.display().to_string(), now);
    let mut view = st.clone();
    if mode == DeliveryMode::Pull {
        // Pull delivers where the files were written.
        view.written_count_as_delivered();
    }
    // As the next loop sees it: quarters recorded lost after now are forgotten,
    // and those LivePerson still serves are built (so "missing", not lost).
    view.forget_future(now, settle);
    let lost: QuarterSet = view
        .lost
        .quarters()
        .into_iter()
        .filter(|q| !reach.serves(*q, now))
        .collect();
    let last_delivered = view.delivered.last();
    let lost_since_last_delivery: QuarterSet = lost
        .quarters()
        .into_iter()
        .filter(|q| last_delivered.is_none_or(|d| *q > d))
        .collect();
    let newest_complete = Quarter::containing(now).prev();
    let oldest = reach.oldest(now);
    // Missing: what the next `loop` would have to build (written files count as
    // there). A fresh state has nothing missing: a first loop builds the newest only.
    let missing: QuarterSet = match view.anchor() {
        Some(_) => view.plan_loop(now, settle, reach, |_| true).build.into_iter().collect(),
        None => QuarterSet::default(),
    };
    let done = |q: Quarter| view.delivered.contains(q) || view.written.contains(q) || lost.contains(q);
    let due_now = quarter::loop_quarter(now, settle);
    let next = if done(due_now) { due_now.next() } else { due_now };
    Status {
        account: account.to_string(),
        now,
        mode,
        state_file: state_file.to_path_buf(),
        state_error,
        refused,
        fresh,
        last_delivered,
        outage: view.outage.as_ref().map(|o| OutageStatus {
            since: o.since,
            last_error: o.last_error.clone(),
            mailed: o.mailed,
            failed: o.failed.len(),
        }),
        lost,
        lost_since_last_delivery,
        window: (oldest, newest_complete),
        missing,
        waiting_for_upload: view.written.clone(),
        partial: view.partial.clone(),
        last_run,
        next,
        next_due: next.end() + settle,
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn plain(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn set_or_none(s: &QuarterSet) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        format!("{} quarter(s): {s}", s.len())
    }
}

fn ranges(s: &QuarterSet) -> Value {
    json!({
        "count": s.len(),
        "ranges": s.ranges().iter().map(|(a, b)| json!([a.stem(), b.stem()])).collect::<Vec<_>>(),
    })
}

fn quarter_json(q: Quarter) -> Value {
    json!({ "quarter": q.stem(), "start": time(q.start()), "end": time(q.end()) })
}

impl Status {
    /// Why the status is not healthy, in words; empty when it is.
    pub fn problems(&self) -> Vec<String> {
        let mut out = self.refused.clone();
        if let Some(e) = &self.state_error {
            out.push(e.clone());
        }
        if self.fresh {
            out.push(format!(
                "no state file at {}: no loop has recorded a quarter yet",
                self.state_file.display()
            ));
        } else if self.state_error.is_none() && self.last_delivered.is_none() {
            out.push("no quarter delivered yet".into());
        }
        if let Some(o) = &self.outage {
            out.push(format!("failing since {}: {}", plain(o.since), o.last_error));
        }
        if !self.missing.is_empty() {
            out.push(format!(
                "{} quarter(s) missing that LivePerson still serves: {}",
                self.missing.len(),
                self.missing
            ));
        }
        if !self.lost_since_last_delivery.is_empty() {
            out.push(format!(
                "{} quarter(s) lost since the last delivery: {}",
                self.lost_since_last_delivery.len(),
                self.lost_since_last_delivery
            ));
        }
        out
    }

    pub fn healthy(&self) -> bool {
        self.problems().is_empty()
    }

    /// The human form: a few aligned lines.
    pub fn text(&self) -> String {
        let mut lines: Vec<(&str, String)> = Vec::new();
        let problems = self.problems();
        lines.push((
            "status",
            if problems.is_empty() {
                "healthy".into()
            } else {
                "UNHEALTHY".into()
            },
        ));
        lines.push(("account", self.account.clone()));
        lines.push(("now", plain(self.now)));
        lines.push(("state file", self.state_file.display().to_string()));
        lines.push((
            "last delivered",
            match self.last_delivered {
                Some(q) => format!("{q}, ended {}", plain(q.end())),
                None => "none".into(),
            },
        ));
        lines.push((
            "outage",
            match &self.outage {
                Some(o) => format!(
                    "since {}, {} failed quarter(s), {}; last error: {}",
                    plain(o.since),
                    o.failed,
                    if o.mailed { "mailed" } else { "not mailed" },
                    o.last_error
                ),
                None => "none".into(),
            },
        ));
        lines.push(("lost", set_or_none(&self.lost)));
        lines.push((
            "missing",
            format!(
                "{} (LivePerson serves {} to {})",
                set_or_none(&self.missing),
                self.window.0.stem(),
                self.window.1.stem()
            ),
        ));
        if self.mode == DeliveryMode::Push {
            lines.push(("waiting upload", set_or_none(&self.waiting_for_upload)));
        }
        if !self.partial.is_empty() {
            lines.push((
                "partial",
                format!(
                    "{} quarter(s), Q_ and AS_ only ({}): {}",
                    self.partial.len(),
                    crate::quarter::PARTIAL_WHY,
                    self.partial
                ),
            ));
        }
        lines.push((
            "last run",
            match &self.last_run {
                Some(r) => match r.logged_at {
                    Some(at) => format!("{} (logged {})", r.line, plain(at)),
                    None => r.line.clone(),
                },
                None => "none in today's or yesterday's log".into(),
            },
        ));
        lines.push((
            "next quarter",
            format!("{}, buildable at {}", self.next, plain(self.next_due)),
        ));
        for p in &problems {
            lines.push(("problem", p.clone()));
        }
        let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        lines.iter().map(|(k, v)| format!("{k:<width$}  {v}\n")).collect()
    }

    /// The `--json` form: one object, member names documented in docs/cli-and-config.md.
    pub fn json(&self) -> Value {
        let problems = self.problems();
        json!({
            "healthy": problems.is_empty(),
            "problems": problems,
            "account": self.account,
            "now": time(self.now),
            "delivery": match self.mode { DeliveryMode::Push => "push", DeliveryMode::Pull => "pull" },
            "state_file": self.state_file.display().to_string(),
            "state_error": self.state_error,
            "refused": self.refused,
            "last_delivered": self.last_delivered.map(quarter_json),
            "outage": self.outage.as_ref().map(|o| json!({
                "since": time(o.since),
                "last_error": o.last_error,
                "mailed": o.mailed,
                "failed_quarters": o.failed,
            })),
            "lost": {
                "count": self.lost.len(),
                "ranges": ranges(&self.lost)["ranges"],
                "since_last_delivery": self.lost_since_last_delivery.len(),
            },
            "window": { "oldest": self.window.0.stem(), "newest": self.window.1.stem() },
            "missing": ranges(&self.missing),
            "waiting_for_upload": ranges(&self.waiting_for_upload),
            "partial": ranges(&self.partial),
            "last_run": self.last_run.as_ref().map(|r| json!({
                "line": r.line,
                "logged_at": r.logged_at.map(time),
            })),
            "next": {
                "quarter": self.next.stem(),
                "start": time(self.next.start()),
                "end": time(self.next.end()),
                "due": time(self.next_due),
            },
        })
    }
}

/// The shell part: read the state file (no lock, nothing written, a damaged file
/// left in place) and the last run's line, then [`compute`].
pub fn gather(cfg: &Config, now: DateTime<Utc>) -> Status {
    let state = state::read(&cfg.state_file);
    let last_run = last_run(&cfg.log_dir, now);
    compute(
        state.as_ref().map(|s| s.as_ref()).map_err(|e| e.as_str()),
        &cfg.state_file,
        &cfg.account,
        cfg.delivery,
        Duration::seconds(cfg.settle_seconds.into()),
        now,
        cfg.channel.reach(),
        last_run,
    )
}

/// The most of a daily log `status` reads (a debug-2 day is far less).
const LOG_MAX_BYTES: u64 = 1 << 30;

/// The last "run finished:" line of today's or yesterday's daily log (by the
/// real clock, which names the files, and by the logical one), newest file first.
fn last_run(log_dir: &Path, now: DateTime<Utc>) -> Option<LastRun> {
    let mut days = Vec::new();
    for t in [Utc::now(), now] {
        days.push(t.date_naive());
        days.push((t - Duration::days(1)).date_naive());
    }
    days.sort();
    days.dedup();
    days.iter().rev().find_map(|d| {
        // Never blocks on a named pipe planted as the log file.
        let path = log_dir.join(format!("wfm.{}.log", d.format("%Y-%m-%d")));
        let bytes = crate::atomic::read_capped(&path, LOG_MAX_BYTES).ok()?;
        let text = String::from_utf8_lossy(&bytes);
        text.lines().rev().find_map(summary_line)
    })
}

/// A log line's summary: from "run finished:" on, with the line's time stamp.
fn summary_line(line: &str) -> Option<LastRun> {
    let at = line.find("run finished:")?;
    let logged_at = line
        .split_whitespace()
        .next()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    Some(LastRun {
        line: line[at..].trim_end().to_string(),
        logged_at,
    })
}

#[cfg(test)]
mod tests;
