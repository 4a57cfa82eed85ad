//! Logging: stderr with the old scripts' debug levels (0 errors only, 1 one
//! line per quarter, 2 verbose), and a daily file in LOG_DIR that always gets
//! the info lines, so operators have the history whatever cron passed.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use tracing::Level;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;

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

/// Stderr only (before a config is known, and for the demo).
pub fn init(debug: u8) {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(stderr_level(debug))
        .with_target(false)
        .try_init();
}

/// Stderr plus `LOG_DIR/wfm.YYYY-MM-DD.log`; daily files older than `keep_days` are removed.
/// Returns a warning when the log folder cannot be used (the run goes on).
pub fn init_with_file(debug: u8, log_dir: &Path, keep_days: u32) -> Option<String> {
    STDERR_DEBUG.store(debug, std::sync::atomic::Ordering::Relaxed);
    let appender = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        .and_then(|_| {
            tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("wfm")
                .filename_suffix("log")
                .build(log_dir)
                .map_err(|e| e.to_string())
        });
    let (file_layer, warning) = match appender {
        Ok(a) => (
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(a)
                    .with_ansi(false)
                    .with_target(false)
                    .with_filter(LevelFilter::from_level(if debug >= 2 {
                        Level::DEBUG
                    } else {
                        Level::INFO
                    })),
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
        .with_filter(LevelFilter::from_level(stderr_level(debug)));
    let _ = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    prune(log_dir, chrono::Utc::now().date_naive(), keep_days);
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

fn prune(log_dir: &Path, today: chrono::NaiveDate, keep_days: u32) {
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

/// Today's log file, for messages and mail.
pub fn current_log_file(log_dir: &Path) -> std::path::PathBuf {
    log_dir.join(format!("wfm.{}.log", chrono::Utc::now().format("%Y-%m-%d")))
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
}
