//! The vocabulary of a run, shared by `cli`, `app`, `run`, `demo` and `alert`:
//! what to do ([`Job`]), how ([`RunOptions`], [`DeliveryMode`]), and the one
//! error that means "asked wrongly" ([`UsageError`]). Imports nothing.

use crate::quarter::Quarter;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// A usage error found while planning a run (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// What a push rerun warns of: NICE does not load a file name twice.
pub const NICE_SKIPS_LOADED_NAMES: &str = "rerun in push mode: NICE skips a file name it has already loaded; for a quarter NICE loaded before, purge that load in NICE, or the re-sent files are ignored";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    /// Upload by FTP after writing REPORT_DIR.
    Push,
    /// Leave the files in REPORT_DIR for the NICE side to fetch.
    Pull,
}

#[derive(Debug, Clone)]
pub enum Job {
    /// The newest closed quarter, plus every undelivered one LivePerson still serves.
    Loop,
    /// The quarters from `start` to `end`, written into `output`, then delivered.
    Rerun {
        output: PathBuf,
        start: Quarter,
        end: Quarter,
    },
}

impl Job {
    /// How operators name the job in logs and mail.
    pub fn command(&self) -> &'static str {
        match self {
            Job::Loop => "wfm loop",
            Job::Rerun { .. } => "wfm rerun",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub mode: DeliveryMode,
    pub debug: u8,
    pub dry_run: bool,
    /// The logical clock: quarter choice and `timeframe` (WFM_NOW in tests).
    pub now: DateTime<Utc>,
    /// Overrides RUN_TIMEOUT_SECONDS, below its minimum too
    /// (WFM_TEST_RUN_TIMEOUT_SECONDS, for tests only).
    pub run_timeout: Option<std::time::Duration>,
    /// Whether a `loop` started inside a quarter's settle window may wait it
    /// out in real time (not in the demo, nor in tests: WFM_TEST_SETTLE_WAIT=0).
    pub settle_wait: bool,
    /// `--replay DIR`: the replies are read from DIR's debug-2 dumps, nothing is
    /// sent to LivePerson, and the run writes files only (no upload, state, mail,
    /// metrics or ping).
    pub replay: Option<PathBuf>,
}

impl RunOptions {
    /// Whether the run keeps its books: the state, the failure mail, METRICS_FILE
    /// and PING_URL (not a dry run, not a replay).
    pub fn records(&self) -> bool {
        !self.dry_run && self.replay.is_none()
    }
}
