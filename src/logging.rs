//! Logging: stderr with the old scripts' debug levels (0 errors only, 1 one
//! line per quarter, 2 verbose), and a daily file in LOG_DIR that always gets
//! the info lines, so operators have the history whatever cron passed.

mod daily;

pub use daily::write_failure;
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use tracing::Level;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// The target of lines meant for the log file only (never stderr).
const LOG_ONLY: &str = "wfm::log_only";

/// Only wfm's own events, up to `level`: the HTTP, TLS and FTP libraries' chatter
/// (hyper's connection pool, rustls) never reaches a log, even at debug 2.
/// `stderr` also leaves out the lines meant for the log file only.
fn own_events(level: Level, stderr: bool) -> Targets {
    let t = Targets::new().with_target("wfm", level);
    if stderr {
        t.with_target(LOG_ONLY, LevelFilter::OFF)
    } else {
        t
    }
}

/// One info line in the log file only (stderr has its own message, printed by `app`).
pub fn log_only(line: &str) {
    tracing::info!(target: "wfm::log_only", "{line}");
}

fn stderr_level(debug: u8) -> Level {
    match debug {
        0 => Level::ERROR,
        1 => Level::INFO,
        _ => Level::DEBUG,
    }
}

/// Stderr lines held back while the run decides whether cron should see them.
static HELD: Mutex<Option<Vec<u8>>> = Mutex::new(None);

fn held() -> std::sync::MutexGuard<'static, Option<Vec<u8>>> {
    HELD.lock().unwrap_or_else(|p| p.into_inner())
}

/// Cron mails whatever a job prints. From now on stderr lines are held back
/// until [`release_stderr`] says whether this run's failure is news (the first
/// failing run of an outage) or a repeat (later runs of the same outage).
pub fn hold_stderr() {
    *held() = Some(Vec::new());
}

/// Print the held lines (`print`) or drop them; stderr is direct again. A
/// second call does nothing, so the run can decide and `app` still release.
pub fn release_stderr(print: bool) {
    if let Some(lines) = held().take() {
        if print {
            let _ = std::io::stderr().write_all(&lines);
        }
    }
}

/// Stderr, or the held buffer while [`hold_stderr`] is on.
struct GatedStderr;

impl Write for GatedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match held().as_mut() {
            Some(lines) => {
                lines.extend_from_slice(buf);
                Ok(buf.len())
            }
            None => std::io::stderr().write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// The debug level stderr was set up with.
static STDERR_DEBUG: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// One line on stderr at every debug level (at 1 and 2 the info line is it),
/// and in the log file.
pub fn say(line: &str) {
    tracing::info!("{line}");
    if STDERR_DEBUG.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// How a warning repeated by every run reaches stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Every run (a run by hand: someone reads the terminal).
    EveryRun,
    /// The first run of each UTC day that logs it (cron: not 96 mails a day).
    OnceADay,
}

/// The marker of a warning said on stderr, in the log file: what [`Repeat::OnceADay`] looks for.
const SAID: &str = "(said on stderr) ";

/// Warnings the operator must hear even at debug 0, when cron's quiet holds stderr
/// back: on stderr at once, bypassing the hold, and in the log file. At debug 1 and
/// 2 they reach stderr as any warning does. With [`Repeat::OnceADay`], today's log
/// file (in `log_dir`, read once for all of them) is the memory: a warning it holds
/// as said is only logged.
pub fn warn_loudly(log_dir: &Path, texts: &[String], repeat: Repeat) {
    if STDERR_DEBUG.load(std::sync::atomic::Ordering::Relaxed) > 0 {
        for text in texts {
            tracing::warn!("{text}");
        }
        return;
    }
    let said = match repeat {
        Repeat::OnceADay if !texts.is_empty() => said_today(log_dir),
        _ => HashSet::new(),
    };
    for text in texts {
        if said.contains(text.as_str()) {
            tracing::warn!("{text}");
            continue;
        }
        let _ = writeln!(std::io::stderr(), "wfm: warning: {text}");
        // Only a loop's saying counts for the loop's day (a run by hand reached a terminal, not cron).
        match repeat {
            Repeat::OnceADay => tracing::warn!("{SAID}{text}"),
            Repeat::EveryRun => tracing::warn!("{text}"),
        }
    }
}

/// The warnings today's log file holds as said on stderr (read line by line,
/// without blocking; an unreadable file holds none, so each is said again).
fn said_today(log_dir: &Path) -> HashSet<String> {
    use std::io::BufRead;
    let path = current_log_file(log_dir);
    let Ok(file) = crate::atomic::open_regular(&path, std::fs::OpenOptions::new().read(true), false) else {
        return HashSet::new();
    };
    std::io::BufReader::new(file)
        .split(b'\n')
        .map_while(Result::ok)
        .filter_map(|line| {
            let line = String::from_utf8_lossy(&line);
            line.find(SAID).map(|at| line[at + SAID.len()..].to_string())
        })
        .collect()
}

/// Stderr only (before a config is known, and for the demo).
pub fn init(debug: u8) {
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(own_events(stderr_level(debug), true));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Stderr plus `LOG_DIR/wfm.YYYY-MM-DD.log` (old ones are removed by [`prune_log_dir`]).
/// Returns a warning when the log folder cannot be used (the run goes on).
pub fn init_with_file(debug: u8, log_dir: &Path) -> Option<String> {
    STDERR_DEBUG.store(debug, std::sync::atomic::Ordering::Relaxed);
    let (file_layer, warning) = match std::fs::create_dir_all(log_dir) {
        Ok(()) => (
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(daily::DailyFile::new(log_dir))
                    .with_ansi(false)
                    .with_target(false)
                    .with_filter(own_events(if debug >= 2 { Level::DEBUG } else { Level::INFO }, false)),
            ),
            None,
        ),
        Err(e) => (
            None,
            Some(format!(
                "cannot write logs in LOG_DIR {}: {e}; logging to stderr only",
                log_dir.display()
            )),
        ),
    };
    let stderr_layer = tracing_subscriber::fmt::layer()
        .with_writer(|| GatedStderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(own_events(stderr_level(debug), true));
    let _ = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    warning
}

/// The daily log files (`wfm.YYYY-MM-DD.log`) among `names` dated more than
/// `keep_days` days before `today`. Other files are never touched.
pub fn expired(names: &[String], today: chrono::NaiveDate, keep_days: u32) -> Vec<String> {
    names
        .iter()
        .filter(|n| {
            n.strip_prefix("wfm.")
                .and_then(|r| r.strip_suffix(".log"))
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|d| (today - d).num_days() > i64::from(keep_days))
        })
        .cloned()
        .collect()
}

/// Remove the daily log files older than `keep_days` (LOG_KEEP_DAYS).
pub fn prune_log_dir(log_dir: &Path, keep_days: u32) {
    let today = chrono::Utc::now().date_naive();
    let Ok(entries) = std::fs::read_dir(log_dir) else {
        return;
    };
    let names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    for n in expired(&names, today, keep_days) {
        match std::fs::remove_file(log_dir.join(&n)) {
            Ok(()) => tracing::info!("removed the old log file {n} (LOG_KEEP_DAYS={keep_days})"),
            Err(e) => tracing::warn!("cannot remove the old log file {n}: {e}"),
        }
    }
}

/// The raw replies (`*.json`) among `files` (name, last modified) older than
/// `keep_days` days at `now`, like the daily log files. Other files are never touched.
pub fn expired_dumps(
    files: &[(String, chrono::DateTime<chrono::Utc>)],
    now: chrono::DateTime<chrono::Utc>,
    keep_days: u32,
) -> Vec<String> {
    files
        .iter()
        .filter(|(n, modified)| {
            n.ends_with(".json") && !n.starts_with('.') && now - *modified > chrono::Duration::days(keep_days.into())
        })
        .map(|(n, _)| n.clone())
        .collect()
}

/// Remove the raw replies in JSON_DIR older than LOG_KEEP_DAYS (a missing folder is fine).
pub fn prune_json_dir(json_dir: &Path, keep_days: u32) {
    let Ok(entries) = std::fs::read_dir(json_dir) else {
        return;
    };
    let files: Vec<(String, chrono::DateTime<chrono::Utc>)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            Some((e.file_name().into_string().ok()?, meta.modified().ok()?.into()))
        })
        .collect();
    let old = expired_dumps(&files, chrono::Utc::now(), keep_days);
    for n in &old {
        if let Err(e) = std::fs::remove_file(json_dir.join(n)) {
            tracing::warn!("cannot remove the old raw reply {n} in JSON_DIR: {e}");
        }
    }
    if !old.is_empty() {
        tracing::info!(
            "removed {} raw reply file(s) older than {keep_days} days from JSON_DIR {} (LOG_KEEP_DAYS)",
            old.len(),
            json_dir.display()
        );
    }
}

/// Today's log file, for messages and mail.
pub fn current_log_file(log_dir: &Path) -> std::path::PathBuf {
    log_dir.join(daily::file_name(chrono::Utc::now().date_naive()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_daily_files_older_than_the_limit_expire() {
        let names: Vec<String> = [
            "wfm.2026-10-25.log",
            "wfm.2026-10-26.log",
            "wfm.2026-11-25.log",
            "other.log",
            "wfm.garbage.log",
            "wfm.2026-01-01.txt",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(expired(&names, today, 30), ["wfm.2026-10-25.log"]);
        assert_eq!(
            expired(&names, today, 0),
            ["wfm.2026-10-25.log", "wfm.2026-10-26.log", "wfm.2026-11-25.log"][..2]
        );
    }

    #[test]
    fn only_raw_replies_older_than_the_limit_expire() {
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let now = at("2026-11-25T12:00:00Z");
        let files: Vec<(String, chrono::DateTime<chrono::Utc>)> = [
            ("queuehealth-20261020T100000.000Z.json", "2026-10-20T10:00:00Z"),
            (
                "agentactivity-20261026T100000.000Z-http401.json",
                "2026-10-26T11:59:00Z",
            ),
            ("engactivity-20261026T120100.000Z.json", "2026-10-26T12:01:00Z"),
            ("notes.txt", "2026-01-01T00:00:00Z"),
            (".queuehealth-x.json.part", "2026-01-01T00:00:00Z"),
        ]
        .iter()
        .map(|(n, t)| (n.to_string(), at(t)))
        .collect();
        assert_eq!(
            expired_dumps(&files, now, 30),
            [
                "queuehealth-20261020T100000.000Z.json",
                "agentactivity-20261026T100000.000Z-http401.json"
            ]
        );
        assert_eq!(expired_dumps(&files, now, 0).len(), 3, "0 keeps nothing older than now");
    }
}
