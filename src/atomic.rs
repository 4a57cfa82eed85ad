//! Files that appear under their final name complete or not at all: a
//! temporary file in the same folder, fsync, rename, fsync of the folder. Used
//! by delivery, the state file, raw reply dumps and the demo.

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Create `dir` (and parents) with a message that says which folder.
pub fn ensure_dir(dir: &Path, what: &str) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {what} {}", dir.display()))
}

/// Write `bytes` to `dir/name` atomically.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let staged = stage(dir, name, bytes)?;
    let target = dir.join(name);
    staged
        .persist(&target)
        .with_context(|| format!("cannot rename the temporary file to {}", target.display()))?;
    sync_dir(dir);
    Ok(target)
}

/// A complete, synced temporary file in `dir`, named after `name` so it is recognisable.
pub(crate) fn stage(dir: &Path, name: &str, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    // tempfile creates 0600; reports must be readable by the FTP pull account (umask applies).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {} in {}", name, dir.display()))?;
    Ok(tmp)
}

/// Remove temporary files (`.<name>.<random>.part`) that a killed run left in
/// `dir`. Only call this while holding the run lock: then no other run is writing.
pub fn remove_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with('.') && n.ends_with(".part") && e.file_type().map(|t| t.is_file()).unwrap_or(false)
        })
        .filter(|e| fs::remove_file(e.path()).is_ok())
        .count()
}

/// Make renames durable. Best effort: not every file system supports it.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overwrite_is_atomic_and_byte_exact() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "Q_1.xml", b"old").unwrap();
        write_atomic(dir.path(), "Q_1.xml", b"new").unwrap();
        assert_eq!(fs::read(dir.path().join("Q_1.xml")).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary left");
    }

    #[cfg(unix)]
    #[test]
    fn reports_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = write_atomic(dir.path(), "Q_1.xml", b"x").unwrap();
        let mode = fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
    }

    #[test]
    fn stale_temporaries_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".Q_1.xml.a1B2.part"), "half").unwrap();
        fs::write(dir.path().join("Q_1.xml"), "whole").unwrap();
        fs::write(dir.path().join(".wfm-state.json"), "{}").unwrap();
        assert_eq!(remove_stale_temporaries(dir.path()), 1);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
