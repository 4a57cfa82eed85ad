//! What a run did: per quarter, the files delivered or the failure; for the
//! run, the lost quarters and the request counts. Read by the summary line,
//! the demo, the failure mail and the exit status. Pure data and formatting.

use crate::quarter::{Quarter, PARTIAL_WHY};
use crate::quarter_set::QuarterSet;
use std::fmt;
use std::path::PathBuf;

/// What kind of failure, so the mail's hint and the exit status need not read
/// the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The run could not start (a folder, the lock file, the state file).
    NotStarted,
    /// LivePerson refused the credentials, a token or a privilege (401/403).
    Refused,
    /// LivePerson could not be reached or kept failing (network, 429, 5xx).
    LivePerson,
    /// A reply was not what the API describes.
    Malformed,
    /// The replies do not hold what a quarter needs (missing interval, clock gap).
    Data,
    /// A file could not be written locally.
    Write,
    /// The files are written locally but did not reach the FTP server.
    Upload,
    /// The state file could not be saved.
    State,
}

/// One failure: its kind, and what happened in words (already safe to log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One file a run delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredFile {
    pub name: String,
    pub rows: usize,
    /// Its size (0 for a file an earlier run wrote, uploaded again as it is).
    pub bytes: u64,
    /// Where it is now (REPORT_DIR; a rerun's copy there), or would be in a dry run.
    pub path: PathBuf,
}

/// What happened to one quarter.
#[derive(Debug, Clone)]
pub struct QuarterOutcome {
    pub quarter: Quarter,
    pub files: Vec<DeliveredFile>,
    pub error: Option<Failure>,
    /// Written into REPORT_DIR by an earlier run, only uploaded by this one.
    pub pending: bool,
    /// Messaging: built from Key Messaging Metrics alone (beyond Messaging
    /// Operations' 24 h): `Q_` and `AS_`, no `AQ_`.
    pub partial: bool,
}

impl QuarterOutcome {
    pub fn failed(quarter: Quarter, failure: Failure) -> Self {
        QuarterOutcome {
            quarter,
            files: vec![],
            error: Some(failure),
            pending: false,
            partial: false,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub quarters: Vec<QuarterOutcome>,
    /// Undelivered quarters found out of LivePerson's window in this run.
    pub lost: QuarterSet,
    /// Requests sent to LivePerson (data and token), retries included.
    pub requests: usize,
    /// `requests` by method path (and `token`), those made only, in a fixed order.
    pub by_method: Vec<(&'static str, usize)>,
    pub retries: usize,
    /// Set when nothing could be built (the run did not start, or fetching failed).
    pub fatal: Option<Failure>,
    /// A dry run: built, nothing written, uploaded, mailed or recorded.
    pub dry_run: bool,
    /// How long the run took (set when it ends; its summary line says it).
    pub seconds: f64,
    /// A replay (`--replay`): its line says `replay finished:`, so `wfm status`, which
    /// reports the last `run finished:` line, never takes it for the loop's.
    pub replay: bool,
}

impl RunSummary {
    /// Every quarter failed for the same reason.
    pub fn all_failed(quarters: &[Quarter], failure: Failure) -> Self {
        RunSummary {
            quarters: quarters
                .iter()
                .map(|q| QuarterOutcome::failed(*q, failure.clone()))
                .collect(),
            fatal: Some(failure),
            ..Default::default()
        }
    }

    pub fn ok(&self) -> bool {
        self.fatal.is_none() && self.lost.is_empty() && self.quarters.iter().all(|q| q.error.is_none())
    }

    /// The kinds of failure of the run.
    pub fn kinds(&self) -> Vec<FailureKind> {
        self.fatal
            .iter()
            .chain(self.quarters.iter().filter_map(|q| q.error.as_ref()))
            .map(|f| f.kind)
            .collect()
    }

    /// Every failure of the run in words, one per line.
    pub fn failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self.fatal.iter().map(|f| f.message.clone()).collect();
        if self.fatal.is_none() {
            out.extend(
                self.quarters
                    .iter()
                    .filter_map(|q| q.error.as_ref().map(|e| format!("{}: {e}", q.quarter))),
            );
        }
        if !self.lost.is_empty() {
            out.push(format!(
                "{} quarter(s) were never delivered and LivePerson no longer serves them (lost): {}",
                self.lost.len(),
                self.lost
            ));
        }
        out
    }

    /// The quarters the run failed to deliver, oldest first (lost ones apart).
    pub fn errored_quarters(&self) -> Vec<Quarter> {
        let mut quarters: Vec<Quarter> = self
            .quarters
            .iter()
            .filter(|q| q.error.is_some())
            .map(|q| q.quarter)
            .collect();
        quarters.sort();
        quarters.dedup();
        quarters
    }

    /// The quarters the run failed to deliver or found lost, oldest first.
    pub fn failed_quarters(&self) -> Vec<Quarter> {
        let mut all: QuarterSet = self.errored_quarters().into_iter().collect();
        all.extend(&self.lost);
        all.quarters()
    }

    /// Quarters delivered (or built) partial: messaging beyond Messaging Operations' 24 h.
    pub fn partial(&self) -> usize {
        self.partial_quarters().len()
    }

    /// The quarters delivered (or built) partial, oldest first.
    pub fn partial_quarters(&self) -> Vec<Quarter> {
        self.quarters
            .iter()
            .filter(|q| q.error.is_none() && q.partial)
            .map(|q| q.quarter)
            .collect()
    }

    /// ", N partial (why)" when some quarters are partial; empty otherwise (chat).
    pub fn partial_words(&self) -> String {
        match self.partial() {
            0 => String::new(),
            n => format!(" ({n} partial: Q_ and AS_ only, {PARTIAL_WHY})"),
        }
    }

    /// The requests by method, beside the summary line (whose format stays): `None`
    /// when the run sent none.
    pub fn by_method_line(&self) -> Option<String> {
        let parts: Vec<String> = self.by_method.iter().map(|(m, n)| format!("{m} {n}")).collect();
        (!parts.is_empty()).then(|| format!("requests by method: {}", parts.join(", ")))
    }

    /// The one summary line every run logs.
    pub fn line(&self) -> String {
        let delivered = self.quarters.iter().filter(|q| q.error.is_none()).count();
        format!(
            "{} finished: {} of {} quarter(s) {}{}, {} file(s), {} request(s), {} retr{}, {} lost, {:.1} s, {}",
            if self.replay { "replay" } else { "run" },
            delivered,
            self.quarters.len(),
            if self.dry_run {
                "built in a dry run (nothing written)"
            } else {
                "delivered"
            },
            self.partial_words(),
            self.quarters.iter().map(|q| q.files.len()).sum::<usize>(),
            self.requests,
            self.retries,
            if self.retries == 1 { "y" } else { "ies" },
            self.lost.len(),
            self.seconds,
            if self.ok() { "ok" } else { "FAILED" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::testing::q;

    #[test]
    fn a_summary_names_every_failure_and_quarter_once() {
        let ok = QuarterOutcome {
            quarter: q("112426.1000"),
            files: vec![DeliveredFile {
                name: "Q_112426.1000.xml".into(),
                rows: 3,
                bytes: 900,
                path: "r/Q_112426.1000.xml".into(),
            }],
            error: None,
            pending: false,
            partial: false,
        };
        let bad = QuarterOutcome::failed(q("112426.1015"), Failure::new(FailureKind::Upload, "not uploaded"));
        let s = RunSummary {
            quarters: vec![ok.clone(), bad],
            lost: [q("112326.0900"), q("112326.0915"), q("112426.1015")]
                .into_iter()
                .collect(),
            requests: 4,
            by_method: vec![
                ("queuehealth", 1),
                ("engactivity", 1),
                ("agentactivity", 1),
                ("token", 1),
            ],
            retries: 1,
            fatal: None,
            dry_run: false,
            seconds: 1.04,
            replay: false,
        };
        assert!(!s.ok());
        assert_eq!(s.kinds(), vec![FailureKind::Upload]);
        let f = s.failures();
        assert!(
            f[0].contains("2026-11-24 10:15") && f[0].ends_with("not uploaded"),
            "{f:?}"
        );
        assert!(
            f[1].starts_with("3 quarter(s)") && f[1].ends_with("(lost): 112326.0900 to 112326.0915, 112426.1015"),
            "{f:?}"
        );
        assert_eq!(s.errored_quarters(), vec![q("112426.1015")]);
        assert_eq!(
            s.failed_quarters(),
            vec![q("112326.0900"), q("112326.0915"), q("112426.1015")],
            "oldest first, each once"
        );
        assert_eq!(
            s.line(),
            "run finished: 1 of 2 quarter(s) delivered, 1 file(s), 4 request(s), 1 retry, 3 lost, 1.0 s, FAILED"
        );
        let good = RunSummary {
            quarters: vec![ok],
            ..Default::default()
        };
        assert_eq!(
            s.by_method_line().as_deref(),
            Some("requests by method: queuehealth 1, engactivity 1, agentactivity 1, token 1")
        );
        assert!(good.ok() && good.failures().is_empty());
        assert_eq!(good.by_method_line(), None, "no line for a run that asked nothing");
        assert!(good.line().ends_with("0 retries, 0 lost, 0.0 s, ok"));
        let dry = RunSummary {
            dry_run: true,
            ..good.clone()
        };
        assert_eq!(
            dry.line(),
            "run finished: 1 of 1 quarter(s) built in a dry run (nothing written), 1 file(s), 0 request(s), 0 retries, 0 lost, 0.0 s, ok"
        );
        let replayed = RunSummary {
            replay: true,
            ..good.clone()
        };
        assert!(replayed
            .line()
            .starts_with("replay finished: 1 of 1 quarter(s) delivered"));
        let all = RunSummary::all_failed(&[q("112426.1000")], Failure::new(FailureKind::Refused, "HTTP 401"));
        assert_eq!(
            all.failures(),
            vec!["HTTP 401".to_string()],
            "the fatal failure once, not per quarter"
        );
    }
}
