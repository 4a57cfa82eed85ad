//! Local delivery: a file appears under its final name complete or not at all
//! (temporary file in the same folder, fsync, rename, fsync of the folder), and
//! a quarter's three files are written together or not at all.

use crate::report::render::RenderedFile;
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
fn stage(dir: &Path, name: &str, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
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

/// Write a quarter's files into `dir`: all are staged first, and only when every
/// one is complete are they renamed, so a failure leaves no new file behind.
pub fn write_quarter(dir: &Path, files: &[RenderedFile]) -> Result<Vec<PathBuf>> {
    let staged = files
        .iter()
        .map(|f| stage(dir, &f.name, &f.bytes))
        .collect::<Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(files.len());
    for (tmp, f) in staged.into_iter().zip(files) {
        let target = dir.join(&f.name);
        tmp.persist(&target)
            .with_context(|| format!("cannot rename the temporary file to {}", target.display()))?;
        out.push(target);
    }
    sync_dir(dir);
    Ok(out)
}

/// Copy finished files into `dir`, each atomically.
pub fn copy_into(dir: &Path, files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut staged = Vec::with_capacity(files.len());
    for src in files {
        let name = src
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| format!("{} has no usable file name", src.display()))?;
        let bytes = fs::read(src).with_context(|| format!("cannot read {}", src.display()))?;
        staged.push((stage(dir, name, &bytes)?, name.to_string()));
    }
    let mut out = Vec::with_capacity(staged.len());
    for (tmp, name) in staged {
        let target = dir.join(&name);
        tmp.persist(&target)
            .with_context(|| format!("cannot rename the temporary file to {}", target.display()))?;
        out.push(target);
    }
    sync_dir(dir);
    Ok(out)
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
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, body: &str) -> RenderedFile {
        RenderedFile {
            name: name.into(),
            bytes: body.as_bytes().to_vec(),
            rows: 0,
        }
    }

    #[test]
    fn writes_all_files_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_quarter(dir.path(), &[file("Q_1.xml", "q"), file("AQ_1.xml", "aq")]).unwrap();
        assert_eq!(paths.len(), 2);
        assert_eq!(fs::read_to_string(dir.path().join("AQ_1.xml")).unwrap(), "aq");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        // overwrite is atomic and byte-exact
        write_atomic(dir.path(), "Q_1.xml", b"new").unwrap();
        assert_eq!(fs::read(dir.path().join("Q_1.xml")).unwrap(), b"new");
        let out = tempfile::tempdir().unwrap();
        copy_into(out.path(), &paths).unwrap();
        assert_eq!(fs::read_to_string(out.path().join("Q_1.xml")).unwrap(), "new");
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

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("nope");
        let e = write_quarter(&gone, &[file("Q_1.xml", "q")]).unwrap_err();
        assert!(format!("{e:#}").contains("nope"), "{e:#}");
    }
}
