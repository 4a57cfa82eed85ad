//! Where the config puts wfm's own files, checked on the real file system (the
//! shell part of loading): the state, raw replies and logs stay out of REPORT_DIR.

use super::{Config, ConfigError, RawConfig};
use std::path::{Path, PathBuf};

/// The state (with its lock), the raw replies and the logs never live in
/// REPORT_DIR or below it: the NICE side pulls from there and may write there.
/// Compared as resolved paths (links of the existing part followed, `..` folded).
pub(super) fn outside_report_dir(raw: &RawConfig, cfg: &Config) -> Result<(), ConfigError> {
    let reports = resolved(&cfg.report_dir);
    let state_key = if raw.value("STATE_FILE").is_some() {
        "STATE_FILE"
    } else {
        "STATE_DIR"
    };
    let state_dir = cfg.state_file.parent().unwrap_or(Path::new("."));
    let dirs = [
        (state_key, state_dir, "the state file and its lock"),
        ("JSON_DIR", cfg.json_dir.as_path(), "the raw LivePerson replies"),
        ("LOG_DIR", cfg.log_dir.as_path(), "the log files"),
    ];
    for (key, dir, what) in dirs {
        if resolved(dir).starts_with(&reports) {
            return Err(raw.invalid(
                key,
                format!(
                    "{} is inside REPORT_DIR {}, the folder NICE pulls from and may write to; {what} must not be there. Choose a folder outside REPORT_DIR",
                    dir.display(),
                    cfg.report_dir.display()
                ),
            ));
        }
    }
    Ok(())
}

/// `p` absolute with `.` dropped and `..` folded (as `cd` reads them), then its
/// longest existing part resolved (links followed).
fn resolved(p: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut folded = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                folded.pop();
            }
            other => folded.push(other),
        }
    }
    let mut existing = folded.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(mut out) = existing.canonicalize() {
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return folded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_compared_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let reports = dir.path().join("reports");
        std::fs::create_dir(&reports).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&reports, dir.path().join("link")).unwrap();
        let real = resolved(&reports);
        assert!(resolved(&dir.path().join("reports/new/state")).starts_with(&real));
        assert!(resolved(&dir.path().join("x/../reports/./json")).starts_with(&real));
        #[cfg(unix)]
        assert!(resolved(&dir.path().join("link/state")).starts_with(&real));
        assert!(!resolved(&dir.path().join("reports-state")).starts_with(&real));
        assert!(!resolved(&dir.path().join("state")).starts_with(&real));
    }
}
