//! The state file, written atomically together with a backup copy. A damaged
//! file is never a silent fresh start: the backup is used, else what was
//! delivered is rebuilt from the report files; a newer format is refused.
//! Never through a symbolic link: the file is opened with O_NOFOLLOW and
//! written owner-only (0600).

use super::{Outage, QuarterSet, State, STATE_VERSION};
use crate::quarter::{FileStamp, Quarter};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What loading found.
#[derive(Debug)]
pub enum Loaded {
    /// No state file: the first run (only the newest quarter is built).
    Fresh(State),
    Good(State),
    /// The state file was damaged; this state was recovered from the backup or
    /// from REPORT_DIR. The notice says what happened, for the log and the mail.
    Recovered {
        state: State,
        notice: String,
    },
}

/// The backup written beside the state file at every save.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".bak");
    PathBuf::from(p)
}

/// Version 1: lists of quarter starts (converted on load).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct V1 {
    #[allow(dead_code)]
    version: u32,
    #[serde(default)]
    account: Option<String>,
    delivered: BTreeSet<DateTime<Utc>>,
    lost: BTreeSet<DateTime<Utc>>,
    outage: Option<Outage>,
}

/// Why a state file's bytes cannot be used.
enum Unusable {
    /// Damaged: fall back.
    Damaged(String),
    /// Written by a newer wfm: refuse, never reset.
    Newer(u64),
}

fn quarters(ts: &BTreeSet<DateTime<Utc>>) -> Result<QuarterSet, String> {
    ts.iter()
        .map(|t| Quarter::starting_at(*t).map_err(|e| e.to_string()))
        .collect()
}

/// Parse a state file's bytes (pure).
fn parse(bytes: &[u8]) -> Result<State, Unusable> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| Unusable::Damaged(format!("not JSON: {e}")))?;
    let version = value.get("version").and_then(|v| v.as_u64());
    match version {
        Some(1) => {
            let v1: V1 = serde_json::from_value(value).map_err(|e| Unusable::Damaged(e.to_string()))?;
            Ok(State {
                version: STATE_VERSION,
                account: v1.account,
                delivered: quarters(&v1.delivered).map_err(Unusable::Damaged)?,
                written: QuarterSet::default(),
                lost: quarters(&v1.lost).map_err(Unusable::Damaged)?,
                outage: v1.outage,
                partial: QuarterSet::default(),
            })
        }
        Some(v) if v == u64::from(STATE_VERSION) => {
            serde_json::from_value(value).map_err(|e| Unusable::Damaged(e.to_string()))
        }
        Some(v) if v > u64::from(STATE_VERSION) => Err(Unusable::Newer(v)),
        _ => Err(Unusable::Damaged("no known format version".into())),
    }
}

/// Read the state file. Missing: a fresh start. Damaged (empty, cut off,
/// garbage, `null` members, off the quarter grid): moved aside, then the backup
/// is used, else the delivered quarters are rebuilt from the report files in
/// `reports.dir` (as written, so a push run uploads them again: byte-identical,
/// so that is safe). Written by a newer wfm: an error naming the file.
pub fn load(path: &Path, reports: ReportFiles<'_>, now: DateTime<Utc>) -> Result<Loaded> {
    load_with(path, reports, now, true)
}

/// [`load`] for a dry run: a damaged file is left where it is (the dry run
/// writes nothing); the recovery is only described.
pub fn load_read_only(path: &Path, reports: ReportFiles<'_>, now: DateTime<Utc>) -> Result<Loaded> {
    load_with(path, reports, now, false)
}

fn load_with(path: &Path, reports: ReportFiles<'_>, now: DateTime<Utc>, move_aside: bool) -> Result<Loaded> {
    let bytes = match read_private(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::Fresh(State::default())),
        Err(e) => return Err(e).with_context(|| format!("cannot read the state file {}", path.display())),
    };
    let why = match parse(&bytes) {
        Ok(s) => return Ok(Loaded::Good(s)),
        Err(Unusable::Newer(v)) => anyhow::bail!(
            "the state file {} has format version {v}, newer than this wfm understands ({STATE_VERSION}): it was written by a newer wfm. Run that version, or set STATE_FILE to another file; wfm does not reset it",
            path.display()
        ),
        Err(Unusable::Damaged(why)) => why,
    };
    let aside = path.with_extension(format!("json.damaged-{}", now.format("%Y%m%dT%H%M%SZ")));
    let damaged = if move_aside {
        std::fs::rename(path, &aside)
            .with_context(|| format!("cannot move the damaged state file {} aside", path.display()))?;
        format!(
            "the state file {} was damaged ({why}); it was moved to {}",
            path.display(),
            aside.display()
        )
    } else {
        format!(
            "the state file {} is damaged ({why}); this dry run leaves it in place",
            path.display()
        )
    };
    let backup = backup_path(path);
    if let Some(state) = read_private(&backup).ok().and_then(|b| parse(&b).ok()) {
        return Ok(Loaded::Recovered {
            state,
            notice: format!(
                "{damaged}; the backup {} (from the last good save) is used instead",
                backup.display()
            ),
        });
    }
    let found = reports.complete_quarters();
    let notice = format!(
        "{damaged} and there is no usable backup; the {} quarter(s) whose files ({}) are all in {} ({}) are taken as built, and every gap after the oldest of them is built or reported lost",
        found.len(),
        reports.prefixes.iter().map(|p| format!("{p}_")).collect::<Vec<_>>().join(", "),
        reports.dir.display(),
        if found.is_empty() { "none".to_string() } else { found.to_string() }
    );
    let state = State {
        written: found,
        ..State::default()
    };
    Ok(Loaded::Recovered { state, notice })
}

/// Read the state file without changing anything (for `wfm status`): `None`
/// when there is none; a damaged file, a newer format or an unreadable file is
/// an error in words. Unlike [`load`], a damaged file is left where it is.
pub fn read(path: &Path) -> Result<Option<State>, String> {
    let bytes = match read_private(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the state file {}: {e}", path.display())),
    };
    match parse(&bytes) {
        Ok(s) => Ok(Some(s)),
        Err(Unusable::Newer(v)) => Err(format!(
            "the state file {} has format version {v}, newer than this wfm understands ({STATE_VERSION})",
            path.display()
        )),
        Err(Unusable::Damaged(why)) => Err(format!(
            "the state file {} is damaged ({why}); the next run sets it aside and recovers",
            path.display()
        )),
    }
}

/// The most a state file may hold: ranges of quarters over 30 days are a few kilobytes.
const STATE_MAX_BYTES: u64 = 16 << 20;

/// A state file's bytes, never through a symbolic link, never from anything but
/// a regular file (a named pipe would hang the run while it holds the lock; a
/// device would be "damaged" and renamed away).
fn read_private(path: &Path) -> std::io::Result<Vec<u8>> {
    crate::atomic::read_private_capped(path, STATE_MAX_BYTES)
}

/// Where a channel's report files are (REPORT_DIR), which files make a quarter
/// and which end of it their names carry (FILE_STAMP).
#[derive(Debug, Clone, Copy)]
pub struct ReportFiles<'a> {
    pub dir: &'a Path,
    pub prefixes: &'a [&'a str],
    pub stamp: FileStamp,
}

impl ReportFiles<'_> {
    /// Whether every file of `q` named by `prefixes` (stamped by `stamp`) is in `dir`.
    pub fn has_all(dir: &Path, prefixes: &[&str], q: Quarter, stamp: FileStamp) -> bool {
        prefixes.iter().all(|p| dir.join(q.file_name(p, stamp)).is_file())
    }

    /// The quarters whose files are all there.
    fn complete_quarters(&self) -> QuarterSet {
        let Ok(entries) = std::fs::read_dir(self.dir) else {
            return QuarterSet::default();
        };
        let names: BTreeSet<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        let Some((first, rest)) = self.prefixes.split_first() else {
            return QuarterSet::default();
        };
        names
            .iter()
            .filter_map(|n| n.strip_prefix(first)?.strip_prefix('_')?.strip_suffix(".xml"))
            .filter(|stem| rest.iter().all(|p| names.contains(&format!("{p}_{stem}.xml"))))
            .filter_map(|stem| self.stamp.quarter_of(stem))
            .collect()
    }
}

/// Write the state file atomically, then the same bytes to the backup: a
/// state file damaged later (by hand, or by the disk) falls back to it.
pub fn save(path: &Path, state: &State) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("STATE_FILE {} has no file name", path.display()))?;
    let mut bytes = serde_json::to_vec_pretty(state).context("cannot encode the state")?;
    bytes.push(b'\n');
    crate::atomic::write_atomic_private(dir, name, &bytes)?;
    crate::atomic::write_atomic_private(dir, &format!("{name}.bak"), &bytes).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::testing::{q, t};

    fn chat(dir: &Path) -> ReportFiles<'_> {
        ReportFiles {
            dir,
            prefixes: &["Q", "AQ", "AS"],
            stamp: FileStamp::Start,
        }
    }

    #[test]
    fn messaging_quarters_are_complete_without_aq() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["Q", "AS"] {
            std::fs::write(dir.path().join(q("112426.0930").file_name(p, FileStamp::Start)), "x").unwrap();
        }
        std::fs::write(dir.path().join(q("112426.0945").file_name("Q", FileStamp::Start)), "x").unwrap();
        let messaging = ReportFiles {
            dir: dir.path(),
            prefixes: &["Q", "AS"],
            stamp: FileStamp::Start,
        };
        assert_eq!(messaging.complete_quarters().quarters(), vec![q("112426.0930")]);
        let has = |f: &ReportFiles<'_>, at| ReportFiles::has_all(f.dir, f.prefixes, q(at), f.stamp);
        assert!(has(&messaging, "112426.0930") && !has(&messaging, "112426.0945"));
        assert!(chat(dir.path()).complete_quarters().is_empty());
    }

    #[test]
    fn end_stamped_files_name_the_quarter_before_their_stamp() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["Q", "AQ", "AS"] {
            std::fs::write(dir.path().join(format!("{p}_112426.1015.xml")), "x").unwrap();
        }
        let end = ReportFiles {
            stamp: FileStamp::End,
            ..chat(dir.path())
        };
        assert_eq!(end.complete_quarters().quarters(), vec![q("112426.1000")]);
        let has = |at| ReportFiles::has_all(end.dir, end.prefixes, q(at), end.stamp);
        assert!(has("112426.1000") && !has("112426.1015"));
        // Read as start-stamped, the same files would name the next quarter.
        assert_eq!(chat(dir.path()).complete_quarters().quarters(), vec![q("112426.1015")]);
    }

    #[test]
    fn read_never_moves_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(read(&path), Ok(None));
        let mut s = State::default();
        s.mark_delivered(q("112426.1000"));
        save(&path, &s).unwrap();
        assert_eq!(read(&path), Ok(Some(s)));
        std::fs::write(&path, b"{\"version\": 2, \"deliv").unwrap();
        let e = read(&path).unwrap_err();
        assert!(e.contains("is damaged (not JSON"), "{e}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"{\"version\": 2, \"deliv",
            "left in place"
        );
        std::fs::write(&path, b"{\"version\": 9}").unwrap();
        assert!(read(&path).unwrap_err().contains("format version 9"));
    }

    #[test]
    fn round_trip_with_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let now = t("2026-11-24T10:16:00Z");
        assert!(matches!(load(&path, chat(dir.path()), now).unwrap(), Loaded::Fresh(_)));
        let mut s = State::default();
        s.mark_delivered(q("112426.1000"));
        s.mark_written(q("112426.1015"));
        s.outage = Some(Outage {
            since: now,
            mailed: true,
            failed: BTreeSet::new(),
            last_error: "x".into(),
        });
        save(&path, &s).unwrap();
        assert!(matches!(load(&path, chat(dir.path()), now).unwrap(), Loaded::Good(g) if g == s));
        assert_eq!(
            std::fs::read(backup_path(&path)).unwrap(),
            std::fs::read(&path).unwrap()
        );
    }

    #[test]
    fn version_1_is_converted() {
        let v1 = br#"{"version":1,"delivered":["2026-11-24T09:45:00Z","2026-11-24T10:00:00Z"],"lost":["2026-11-23T09:00:00Z"],"outage":null}"#;
        let s = parse(v1).ok().unwrap();
        assert_eq!(s.delivered.to_string(), "112426.0945 to 112426.1000");
        assert_eq!(s.lost.to_string(), "112326.0900");
        assert_eq!(s.version, STATE_VERSION);
    }

    #[test]
    fn every_kind_of_damage_falls_back_to_the_backup_then_to_the_files() {
        let now = t("2026-11-24T10:16:00Z");
        let damaged: [&[u8]; 7] = [
            b"",
            b"{\"version\": 2, \"delivered\": [[\"2026-11-24T10:00:00Z\"",
            b"\x00\x01garbage",
            br#"{"version":2,"delivered":null,"written":[],"lost":[],"outage":null}"#,
            br#"{"version":2,"delivered":[["2026-11-24T10:07:00Z","2026-11-24T10:07:00Z"]],"written":[],"lost":[],"outage":null}"#,
            br#"{"version":1,"delivered":["2026-11-24T10:07:00Z"],"lost":[],"outage":null}"#,
            br#"{"delivered":[]}"#,
        ];
        for (i, bytes) in damaged.iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("state.json");
            let mut good = State::default();
            good.mark_delivered(q("112426.0945"));
            save(&path, &good).unwrap();
            std::fs::write(&path, bytes).unwrap();
            let Loaded::Recovered { state, notice } = load(&path, chat(dir.path()), now).unwrap() else {
                panic!("case {i} was not recovered")
            };
            assert_eq!(state, good, "case {i}: the backup is used");
            assert!(
                notice.contains("damaged") && notice.contains(".bak"),
                "case {i}: {notice}"
            );
            // Without a backup: the report files tell what was built.
            std::fs::write(&path, bytes).unwrap();
            std::fs::remove_file(backup_path(&path)).unwrap();
            for p in ["Q", "AQ", "AS"] {
                std::fs::write(dir.path().join(q("112426.0930").file_name(p, FileStamp::Start)), "x").unwrap();
            }
            std::fs::write(dir.path().join(q("112426.0945").file_name("Q", FileStamp::Start)), "x").unwrap();
            let Loaded::Recovered { state, notice } = load(&path, chat(dir.path()), now).unwrap() else {
                panic!("case {i} was not recovered")
            };
            assert_eq!(
                state.written.to_string(),
                "112426.0930",
                "case {i}: only whole quarters"
            );
            assert!(
                notice.contains("no usable backup") && notice.contains("112426.0930"),
                "{notice}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_at_the_state_path_is_refused_and_the_state_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("wfm-state-1.json");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        let e = format!(
            "{:#}",
            load(&path, chat(dir.path()), t("2026-11-24T10:16:00Z")).unwrap_err()
        );
        assert!(e.contains("wfm-state-1.json is a symbolic link"), "{e}");
        assert!(
            std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink(),
            "not moved aside"
        );
        std::fs::remove_file(&path).unwrap();
        save(&path, &State::default()).unwrap();
        for p in [path.clone(), backup_path(&path)] {
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }

    #[test]
    fn a_newer_format_is_refused_not_reset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, br#"{"version":3,"whatever":true}"#).unwrap();
        let e = load(&path, chat(dir.path()), t("2026-11-24T10:16:00Z"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 3") && e.contains("state.json"), "{e}");
        assert!(path.exists(), "the file is left as it is");
    }
}
