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
    pub path: PathBuf,
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
    .map_err(|e| anyhow::anyhow!("cannot open the lock file {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(LockBusy {
                path: path.display().to_string(),
                holder: if holder.is_empty() {
                    "holder unknown".to_string()
                } else {
                    holder.to_string()
                },
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
    Ok(RunLock {
        file,
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
