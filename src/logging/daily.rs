//! The daily log file `LOG_DIR/wfm.YYYY-MM-DD.log` (UTC date of the real clock),
//! written by wfm itself rather than tracing-appender, which drops write errors
//! silently and opens a named pipe planted there with a blocking open.
//!
//! Each line is appended whole through a handle opened without blocking and
//! checked to be a regular file. The first failure (a full disk, a pipe, a
//! device) is said once on stderr and kept for the failure mail; the lines after
//! it are tried again (the disk may free up), never said again.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The first failure of this process to write its log file, in words.
static FAILURE: Mutex<Option<String>> = Mutex::new(None);

/// Why log lines were lost in this run, if they were (for the failure mail).
pub fn write_failure() -> Option<String> {
    FAILURE.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

fn note_failure(path: &Path, e: &std::io::Error) {
    let mut failure = FAILURE.lock().unwrap_or_else(|p| p.into_inner());
    if failure.is_some() {
        return;
    }
    let text = format!(
        "cannot write the log file {}: {e}; this run's log lines are lost (is LOG_DIR's disk full?). Free space or fix LOG_DIR",
        path.display()
    );
    // Straight to stderr, whatever the debug level or cron's quiet: a log that
    // silently stops is worse than one line of noise.
    let _ = writeln!(std::io::stderr(), "wfm: warning: {text}");
    *failure = Some(text);
}

/// The daily file of `dir`, opened on the first line of each day.
pub struct DailyFile {
    dir: PathBuf,
    open: Mutex<Option<(chrono::NaiveDate, File)>>,
}

impl DailyFile {
    pub fn new(dir: &Path) -> Self {
        DailyFile {
            dir: dir.to_path_buf(),
            open: Mutex::new(None),
        }
    }

    fn append(&self, line: &[u8]) {
        let today = chrono::Utc::now().date_naive();
        let path = self.dir.join(file_name(today));
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.as_ref().is_none_or(|(day, _)| *day != today) {
            *open = None;
            match crate::atomic::open_regular(&path, OpenOptions::new().append(true).create(true), false) {
                Ok(f) => *open = Some((today, f)),
                Err(e) => return note_failure(&path, &e),
            }
        }
        if let Some((_, f)) = open.as_mut() {
            if let Err(e) = f.write_all(line) {
                note_failure(&path, &e);
            }
        }
    }
}

/// `wfm.YYYY-MM-DD.log`.
pub fn file_name(day: chrono::NaiveDate) -> String {
    format!("wfm.{}.log", day.format("%Y-%m-%d"))
}

/// One event's writer: the fmt layer writes each line whole.
pub struct LineWriter<'a>(&'a DailyFile);

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.append(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for DailyFile {
    type Writer = LineWriter<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        LineWriter(self)
    }
}
