//! Logging: stderr with the old scripts' debug levels (0 errors only, 1 one
//! line per quarter, 2 verbose), and a daily file in LOG_DIR that always gets
//! the info lines, so operators have the history whatever cron passed.

use std::io::IsTerminal;
use std::path::Path;
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

/// Stderr only (before a config is known, and for the demo).
pub fn init(debug: u8) {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(stderr_level(debug))
        .with_target(false)
        .try_init();
}

/// Stderr plus `LOG_DIR/wfm.YYYY-MM-DD.log`, keeping the newest `keep_days` files.
/// Returns a warning when the log folder cannot be used (the run goes on).
pub fn init_with_file(debug: u8, log_dir: &Path, keep_days: u32) -> Option<String> {
    let appender = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        .and_then(|_| {
            tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("wfm")
                .filename_suffix("log")
                .max_log_files(keep_days.max(1) as usize)
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
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(LevelFilter::from_level(stderr_level(debug)));
    let _ = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    warning
}

/// Today's log file, for messages and mail.
pub fn current_log_file(log_dir: &Path) -> std::path::PathBuf {
    log_dir.join(format!("wfm.{}.log", chrono::Utc::now().format("%Y-%m-%d")))
}
