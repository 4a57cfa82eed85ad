//! Local delivery: a quarter's files are written together or not at all, each
//! one atomically (see [`crate::atomic`]).

use crate::atomic::{stage, stage_copy, sync_dir};
use crate::outside;
use crate::report::layout;
use crate::report::render::RenderedFile;
use anyhow::{Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// How much of an existing report is read for its root element: the
/// declaration and the root's attributes fit well within it.
const HEAD_BYTES: u64 = 512;

/// A report file at a name this run writes belongs to another LivePerson
/// account: two configs share a folder (file names carry no account).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} is a report of LivePerson account {theirs}, but this config is for account {ours}: two accounts write into the same folder and would overwrite each other's files (the names carry no account). Give each config its own REPORT_DIR (and rerun OUTPUT). Nothing of this quarter was replaced")]
pub(crate) struct ForeignReport {
    pub path: String,
    pub theirs: String,
    pub ours: String,
}

/// Refuse, before anything is written, when a file `names` would replace in
/// `dir` is a report naming another account. A file that names no account
/// (the old scripts' files, anything not ours) is replaced as before.
pub(crate) fn check_owner<'a>(
    dir: &Path,
    names: impl IntoIterator<Item = &'a str>,
    account: &str,
) -> Result<(), ForeignReport> {
    for name in names {
        let path = dir.join(name);
        let Some(theirs) = account_of(&path) else { continue };
        if theirs != account {
            return Err(ForeignReport {
                path: path.display().to_string(),
                theirs: outside::escape(&theirs),
                ours: account.to_string(),
            });
        }
    }
    Ok(())
}

/// The account an existing report names (first bytes only); `None` when the
/// file is missing, unreadable or not one of our reports. A link is not followed.
fn account_of(path: &Path) -> Option<String> {
    if !std::fs::symlink_metadata(path).ok()?.file_type().is_file() {
        return None;
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(HEAD_BYTES)
        .read_to_end(&mut head)
        .ok()?;
    layout::root_account(&head)
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
pub(crate) fn copy_into(dir: &Path, files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut staged = Vec::with_capacity(files.len());
    for src in files {
        let name = src
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| format!("{} has no usable file name", src.display()))?;
        staged.push((stage_copy(dir, name, src)?, name.to_string()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

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
        crate::atomic::write_atomic(dir.path(), "Q_1.xml", b"new").unwrap();
        assert_eq!(fs::read(dir.path().join("Q_1.xml")).unwrap(), b"new");
        let out = tempfile::tempdir().unwrap();
        copy_into(out.path(), &paths).unwrap();
        assert_eq!(fs::read_to_string(out.path().join("Q_1.xml")).unwrap(), "new");
    }

    #[test]
    fn copies_are_byte_exact_and_all_or_nothing() {
        let src = tempfile::tempdir().unwrap();
        // Larger than any copy buffer, and not one repeated byte.
        let big: Vec<u8> = (0..3_000_017u32).map(|i| (i * 7 % 251) as u8).collect();
        let paths = write_quarter(
            src.path(),
            &[
                RenderedFile {
                    name: "AQ_1.xml".into(),
                    bytes: big.clone(),
                    rows: 0,
                },
                file("Q_1.xml", "q"),
            ],
        )
        .unwrap();
        let out = tempfile::tempdir().unwrap();
        copy_into(out.path(), &paths).unwrap();
        assert_eq!(fs::read(out.path().join("AQ_1.xml")).unwrap(), big);
        assert_eq!(fs::read_dir(out.path()).unwrap().count(), 2);

        // A source that is gone: an error naming it, and nothing left in the target.
        let empty = tempfile::tempdir().unwrap();
        let missing = src.path().join("AS_1.xml");
        let e = copy_into(empty.path(), &[paths[0].clone(), missing]).unwrap_err();
        assert!(format!("{e:#}").contains("AS_1.xml"), "{e:#}");
        assert_eq!(fs::read_dir(empty.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("nope");
        let e = write_quarter(&gone, &[file("Q_1.xml", "q")]).unwrap_err();
        assert!(format!("{e:#}").contains("nope"), "{e:#}");
    }
}
