//! One run at a time: an exclusive advisory lock (flock, via std's `File::try_lock`)
//! on a lock file beside the state file. The kernel drops the lock when the
//! process dies, so a killed run never blocks the next one. The lock file is
//! opened without following a symbolic link and created owner-only (0600).

use chrono::{DateTime, Utc};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Another run holds the lock (exit status 3).
#[derive(Debug, thiserror::Error)]
#[error("another wfm run is in progress ({holder}); it holds {path}. This run did nothing; the next run from cron catches up")]
pub struct LockBusy {
    pub path: String,
    pub holder: String,
}

/// Held for the whole run; released when dropped or when the process ends.
#[derive(Debug)]
pub struct RunLock {
    file: File,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// The lock file for a state file: `<STATE_FILE>.lock`.
pub fn lock_path(state_file: &Path) -> PathBuf {
    let mut p = state_file.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Take the lock or say who holds it.
pub fn acquire(path: &Path, now: DateTime<Utc>) -> anyhow::Result<RunLock> {
    let mut file = crate::atomic::open_regular(
        path,
        OpenOptions::new().read(true).write(true).create(true).truncate(false),
        true,
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot open the lock file {} (the state file's name with .lock, made by wfm): {e}",
            path.display()
        )
    })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut recorded = String::new();
            let _ = file.read_to_string(&mut recorded);
            return Err(LockBusy {
                path: path.display().to_string(),
                holder: holder(recorded.trim(), flock_holder(&file), pid_running),
            }
            .into());
        }
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {}: {e}", path.display())
        }
    }
    // Who holds it, for the message of a run that finds it busy.
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    let _ = write!(
        file,
        "pid {}, since {}",
        std::process::id(),
        now.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let _ = file.sync_all();
    Ok(RunLock { file })
}

/// Who holds the lock, in words. `recorded` is the lock file's text (written by
/// the holder just after it took the lock, so it may still name an earlier run
/// that has ended); `actual` the holder's pid as the kernel knows it, when it can
/// be learnt. Never names a pid that is known not to be running.
fn holder(recorded: &str, actual: Option<u32>, running: impl Fn(u32) -> bool) -> String {
    let named = recorded
        .strip_prefix("pid ")
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse::<u32>().ok());
    match (actual, named) {
        (Some(a), Some(n)) if a == n => recorded.to_string(),
        (Some(a), _) => format!("pid {a}"),
        (None, Some(n)) if running(n) => recorded.to_string(),
        (None, Some(n)) => format!(
            "holder unknown: the lock file names pid {n}, an earlier run that has ended; the holder is a run just starting or another program"
        ),
        (None, None) => "holder unknown".to_string(),
    }
}

/// The pid holding a flock on `file`, from /proc/locks (Linux); `None` elsewhere
/// or when it cannot be read.
fn flock_holder(file: &File) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let ino = file.metadata().ok()?.ino().to_string();
        let locks = std::fs::read_to_string("/proc/locks").ok()?;
        locks.lines().find_map(|line| {
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters ("->") skipped.
            let f: Vec<&str> = line.split_whitespace().collect();
            let ours = f.get(1) == Some(&"FLOCK") && f.get(5).and_then(|d| d.rsplit(':').next()) == Some(ino.as_str());
            ours.then(|| f.get(4)?.parse().ok()).flatten()
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}

/// Whether a process `pid` exists (Linux: /proc); `true` where it cannot be told.
fn pid_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_is_never_a_pid_known_to_have_ended() {
        let rec = "pid 100, since 2026-11-24 10:16:30 UTC";
        assert_eq!(holder(rec, Some(100), |_| true), rec);
        assert_eq!(holder(rec, Some(200), |_| true), "pid 200");
        assert_eq!(holder(rec, None, |_| true), rec);
        let dead = holder(rec, None, |_| false);
        assert!(
            dead.starts_with("holder unknown") && dead.contains("pid 100, an earlier run that has ended"),
            "{dead}"
        );
        assert_eq!(holder("", None, |_| false), "holder unknown");
        assert_eq!(holder("", Some(7), |_| false), "pid 7");
    }

    #[test]
    fn second_lock_is_refused_with_the_holder_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let p = lock_path(&dir.path().join(".wfm-state.json"));
        assert!(p.ends_with(".wfm-state.json.lock"));
        let now = Utc::now();
        let held = acquire(&p, now).unwrap();
        let e = acquire(&p, now).unwrap_err();
        let busy = e.downcast_ref::<LockBusy>().expect("LockBusy");
        assert!(
            busy.holder.contains(&format!("pid {}", std::process::id())),
            "{}",
            busy.holder
        );
        drop(held);
        acquire(&p, now).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_at_the_lock_path_is_refused_and_its_target_untouched() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let p = dir.path().join("wfm-state-1.json.lock");
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        let e = acquire(&p, Utc::now()).unwrap_err().to_string();
        assert!(
            e.contains("is a symbolic link") && e.contains("wfm-state-1.json.lock"),
            "{e}"
        );
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        std::fs::remove_file(&p).unwrap();
        drop(acquire(&p, Utc::now()).unwrap());
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
