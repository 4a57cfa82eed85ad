//! Files that appear under their final name complete or not at all: a
//! temporary file in the same folder, fsync, rename, fsync of the folder. Used
//! by delivery, the state file, raw reply dumps and the demo.
//!
//! The run's own files (lock and state) are private: opened without following
//! a symbolic link ([`open_private`]), created owner-only, in an owner-only
//! folder ([`ensure_private_dir`]), written with [`write_atomic_private`].

use anyhow::{Context, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Reports: readable by the FTP pull account (less the umask).
const REPORT_MODE: u32 = 0o644;
/// The lock and state files, and the state's temporaries: owner only.
const PRIVATE_MODE: u32 = 0o600;

/// Create `dir` (and parents) with a message that says which folder.
pub fn ensure_dir(dir: &Path, what: &str) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {what} {}", dir.display()))
}

/// Create `dir` (and missing parents) owner-only (0700); an existing folder is left as it is.
pub fn ensure_private_dir(dir: &Path, what: &str) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create {what} {}", dir.display()))
}

/// A symbolic link where the lock or the state file belongs: never followed
/// (a planted link would make a root-run `wfm` write wherever it points).
#[derive(Debug, thiserror::Error)]
#[error("{} is a symbolic link; wfm does not follow links for its lock and state files: remove it", .0.display())]
pub struct SymlinkRefused(pub PathBuf);

/// Open `path` with `opts`, refusing a symbolic link as its last component
/// (O_NOFOLLOW); a file it creates is owner-only (0600). A link gives an
/// error whose message is [`SymlinkRefused`]'s.
pub fn open_private(path: &Path, opts: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW).mode(PRIVATE_MODE);
    }
    opts.open(path).map_err(|e| {
        // ELOOP from O_NOFOLLOW, or (elsewhere) whatever the link led to.
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            io::Error::other(SymlinkRefused(path.to_path_buf()))
        } else {
            e
        }
    })
}

/// A path that is there but is not a regular file (a named pipe, a device, a
/// folder, a socket): wfm never reads, writes, moves or replaces it. Reading a
/// pipe would hang the run for ever (holding the lock), writing a device as root
/// would replace it.
#[derive(Debug, thiserror::Error)]
#[error("{} is a {kind}, not a regular file; wfm only reads and writes regular files there: point the setting at a regular file (or remove what is in the way)", .path.display())]
pub struct NotRegular {
    pub path: PathBuf,
    pub kind: &'static str,
}

/// What a file type is, in words.
fn kind_of(t: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if t.is_dir() {
        "folder"
    } else if t.is_symlink() {
        "symbolic link"
    } else if t.is_file() {
        "regular file"
    } else {
        "special file"
    }
}

fn not_regular(path: &Path, t: fs::FileType) -> io::Error {
    io::Error::other(NotRegular {
        path: path.to_path_buf(),
        kind: kind_of(t),
    })
}

/// Open `path` with `opts` without ever blocking, and only if it is a regular
/// file: O_NONBLOCK on the open (a named pipe without a writer would block a
/// read open for ever, one without a reader a write open), then fstat of the
/// handle itself (no race with a swap of the path). Anything else gives an
/// error whose message is [`NotRegular`]'s. With `private`, a symbolic link is
/// refused as [`open_private`] does and a created file is owner-only.
pub fn open_regular(path: &Path, opts: &mut OpenOptions, private: bool) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | if private { libc::O_NOFOLLOW } else { 0 });
        if private {
            opts.mode(PRIVATE_MODE);
        }
    }
    let file = opts.open(path).map_err(|e| {
        match fs::symlink_metadata(path) {
            Ok(m) if private && m.file_type().is_symlink() => io::Error::other(SymlinkRefused(path.to_path_buf())),
            // ENXIO: a pipe without a reader, opened for writing; EISDIR: a folder
            // opened for writing (named as the other kinds, with what to do).
            _ => match fs::metadata(path) {
                Ok(m) if !m.is_file() => not_regular(path, m.file_type()),
                _ => e,
            },
        }
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(path, meta.file_type()));
    }
    #[cfg(unix)]
    {
        // A regular file never blocks; clear the flag anyway so writes stay plain.
        use std::os::unix::io::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns, with integer flags only.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
    Ok(file)
}

/// Read a regular file whole, at most `cap` bytes (a config or agent map:
/// `/dev/zero` or a runaway file must not fill the memory); a longer file is an
/// `InvalidData` error naming the cap.
pub fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path, OpenOptions::new().read(true), false)?;
    read_all_capped(file, path, cap)
}

/// [`read_capped`] without following a symbolic link (the state file).
pub fn read_private_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path, OpenOptions::new().read(true), true)?;
    read_all_capped(file, path, cap)
}

fn read_all_capped(file: File, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is larger than {} bytes, the most wfm reads of it; is it the right file?",
                path.display(),
                cap
            ),
        ));
    }
    Ok(bytes)
}

/// An existing `path` that is neither a regular file nor a symbolic link (which
/// a rename replaces without touching what it points to) is refused before
/// anything is written: a rename would replace a device or a pipe.
pub fn check_replaceable(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if !m.is_file() && !m.file_type().is_symlink() => Err(not_regular(path, m.file_type())),
        _ => Ok(()),
    }
}

/// Write `bytes` to `dir/name` atomically (a report: readable by others, less the umask).
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    persist(stage(dir, name, bytes)?, dir, name)
}

/// [`write_atomic`] for the run's own files (the state): owner-only (0600).
/// The rename replaces a symbolic link at `dir/name` itself, never its target.
pub fn write_atomic_private(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    persist(stage_with_mode(dir, name, bytes, PRIVATE_MODE)?, dir, name)
}

fn persist(staged: tempfile::NamedTempFile, dir: &Path, name: &str) -> Result<PathBuf> {
    let target = dir.join(name);
    check_replaceable(&target).with_context(|| format!("cannot write {}", target.display()))?;
    staged
        .persist(&target)
        .with_context(|| format!("cannot rename the temporary file to {}", target.display()))?;
    sync_dir(dir);
    Ok(target)
}

/// A complete, synced temporary file in `dir`, named after `name` so it is recognisable.
pub(crate) fn stage(dir: &Path, name: &str, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    stage_with_mode(dir, name, bytes, REPORT_MODE)
}

/// A complete, synced temporary copy of the file `src` in `dir`, named after `name`.
/// The bytes go file to file (`copy_file_range` on Linux), never through a buffer
/// the size of the file.
pub(crate) fn stage_copy(dir: &Path, name: &str, src: &Path) -> Result<tempfile::NamedTempFile> {
    let mut from = File::open(src).with_context(|| format!("cannot read {}", src.display()))?;
    stage_filled(dir, name, REPORT_MODE, |to| io::copy(&mut from, to).map(drop))
        .with_context(|| format!("cannot copy {}", src.display()))
}

/// The temporary files' builder: `.<name>.<random>.part`, created with `mode`.
/// tempfile creates exclusively (O_CREAT | O_EXCL, which never follows a link):
/// a name planted in the folder, a symbolic link included, makes it pick
/// another name, never write through it (`a_planted_temporary_name_is_never_written_through`).
fn temp_builder(prefix: &str, mode: u32) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
}

/// A new temporary file for `dir/name`, from [`temp_builder`].
fn temp_in(dir: &Path, name: &str, mode: u32) -> Result<tempfile::NamedTempFile> {
    temp_builder(&format!(".{name}."), mode)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
}

fn stage_with_mode(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> Result<tempfile::NamedTempFile> {
    stage_filled(dir, name, mode, |f| f.write_all(bytes))
}

/// A temporary file in `dir` named after `name`, filled by `fill`, then synced.
fn stage_filled(
    dir: &Path,
    name: &str,
    mode: u32,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<tempfile::NamedTempFile> {
    let mut tmp = temp_in(dir, name, mode)?;
    fill(tmp.as_file_mut())
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {} in {}", name, dir.display()))?;
    Ok(tmp)
}

/// A file written piece by piece (a reply body as it arrives) under a
/// temporary name in its folder, renamed to its final name by [`Staged::commit`]
/// once complete: readers never see a partial file.
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    dir: PathBuf,
    name: String,
}

/// Start writing `dir/name` (a report's mode).
pub fn staged(dir: &Path, name: &str) -> Result<Staged> {
    let tmp = temp_in(dir, name, REPORT_MODE)?;
    Ok(Staged {
        tmp,
        dir: dir.to_path_buf(),
        name: name.to_string(),
    })
}

impl Staged {
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// fsync, rename to the final name, fsync the folder.
    pub fn commit(self) -> Result<PathBuf> {
        self.tmp
            .as_file()
            .sync_all()
            .with_context(|| format!("cannot write {} in {}", self.name, self.dir.display()))?;
        persist(self.tmp, &self.dir, &self.name)
    }
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

    #[cfg(unix)]
    #[test]
    fn the_state_is_private_and_its_rename_replaces_a_planted_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let link = dir.path().join("wfm-state-1.json");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let p = write_atomic_private(dir.path(), "wfm-state-1.json", b"{}").unwrap();
        assert_eq!(
            fs::read(&victim).unwrap(),
            b"precious",
            "the link's target is untouched"
        );
        let meta = fs::symlink_metadata(&p).unwrap();
        assert!(meta.file_type().is_file(), "the link itself was replaced");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read(&p).unwrap(), b"{}");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_temporary_name_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        // With no random part the temporary's name is known in advance: plant a link there.
        let planted = dir.path().join(".Q_1.xml..part");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        for mode in [REPORT_MODE, PRIVATE_MODE] {
            let e = temp_builder(".Q_1.xml.", mode)
                .rand_bytes(0)
                .tempfile_in(dir.path())
                .unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::AlreadyExists, "{e}");
        }
        // A dangling link too: O_EXCL never creates through a link.
        fs::remove_file(&victim).unwrap();
        let e = temp_builder(".Q_1.xml.", REPORT_MODE)
            .rand_bytes(0)
            .tempfile_in(dir.path())
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists, "{e}");
        assert!(!victim.exists(), "nothing was created at the link's target");
    }

    #[cfg(unix)]
    #[test]
    fn open_private_refuses_a_link_and_creates_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let link = dir.path().join("x.lock");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let e = open_private(&link, OpenOptions::new().write(true).create(true)).unwrap_err();
        assert!(
            e.to_string()
                .contains("x.lock is a symbolic link; wfm does not follow links"),
            "{e}"
        );
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        let fresh = dir.path().join("y.lock");
        open_private(&fresh, OpenOptions::new().write(true).create(true)).unwrap();
        assert_eq!(fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o600);
        let sub = dir.path().join("a/state");
        ensure_private_dir(&sub, "the state folder").unwrap();
        assert_eq!(fs::metadata(&sub).unwrap().permissions().mode() & 0o777, 0o700);
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

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read_and_never_with_a_blocking_open() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for private in [false, true] {
            let e = open_regular(&fifo, OpenOptions::new().read(true), private).unwrap_err();
            assert!(
                e.to_string().contains("is a named pipe (FIFO), not a regular file"),
                "{e}"
            );
            // No reader: a blocking write open would wait for ever, this one says why.
            let e = open_regular(&fifo, OpenOptions::new().append(true), private).unwrap_err();
            assert!(e.to_string().contains("named pipe"), "{e}");
        }
        let e = read_capped(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(e.to_string().contains("/dev/zero is a character device"), "{e}");
        let e = read_capped(dir.path(), 10).unwrap_err();
        assert!(
            e.to_string().contains("folder") || e.kind() == io::ErrorKind::IsADirectory,
            "{e}"
        );
        assert!(check_replaceable(&fifo).is_err() && check_replaceable(Path::new("/dev/null")).is_err());
        let e = write_atomic(dir.path(), "pipe", b"x").unwrap_err();
        assert!(format!("{e:#}").contains("named pipe"), "{e:#}");
    }

    #[test]
    fn a_read_stops_at_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        fs::write(&p, vec![b'x'; 11]).unwrap();
        assert_eq!(read_capped(&p, 11).unwrap().len(), 11);
        let e = read_capped(&p, 10).unwrap_err();
        assert!(e.to_string().contains("larger than 10 bytes"), "{e}");
        assert!(check_replaceable(&p).is_ok() && check_replaceable(&dir.path().join("none")).is_ok());
    }
}
