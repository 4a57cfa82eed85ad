//! The state file: read (a missing file is a fresh start, an unreadable one is
//! set aside) and written atomically. Never through a symbolic link: the file
//! is opened with O_NOFOLLOW and written owner-only (0600).

use super::{State, STATE_VERSION};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use std::io::Read;
use std::path::Path;

/// Read the state file. A missing file is a fresh start. An unreadable one is
/// set aside (renamed `*.corrupt-<time>`) with a warning, so it never blocks cron.
pub fn load(path: &Path, now: DateTime<Utc>) -> Result<(State, Option<String>)> {
    let mut bytes = Vec::new();
    match crate::atomic::open_private(path, std::fs::OpenOptions::new().read(true))
        .and_then(|mut f| f.read_to_end(&mut bytes))
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((State::default(), None)),
        Err(e) => return Err(e).with_context(|| format!("cannot read the state file {}", path.display())),
    }
    match serde_json::from_slice::<State>(&bytes) {
        Ok(s) if s.version == STATE_VERSION => Ok((s, None)),
        other => {
            let why = match other {
                Ok(s) => format!("version {} is not {STATE_VERSION}", s.version),
                Err(e) => e.to_string(),
            };
            let aside = path.with_extension(format!("json.corrupt-{}", now.format("%Y%m%dT%H%M%SZ")));
            std::fs::rename(path, &aside)
                .with_context(|| format!("cannot move the unreadable state file {} aside", path.display()))?;
            Ok((
                State::default(),
                Some(format!(
                    "the state file {} was unreadable ({why}); it was moved to {} and this run starts fresh (only the newest quarter is built)",
                    path.display(),
                    aside.display()
                )),
            ))
        }
    }
}

/// Write the state file atomically.
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
    crate::atomic::write_atomic_private(dir, name, &bytes).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::parse_quarter_arg;
    use crate::state::Outage;
    use std::collections::BTreeSet;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn load_and_save_round_trip_and_set_aside_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".wfm-state.json");
        let now = t("2026-11-24T10:16:00Z");
        assert_eq!(load(&path, now).unwrap().0, State::default());
        let mut s = State::default();
        s.mark_delivered(parse_quarter_arg("112426.1000").unwrap());
        s.outage = Some(Outage {
            since: now,
            mailed: true,
            failed: BTreeSet::new(),
            last_error: "x".into(),
        });
        save(&path, &s).unwrap();
        assert_eq!(load(&path, now).unwrap().0, s);
        std::fs::write(&path, b"{\"version\": 1, \"delivered\": [tru").unwrap();
        let (fresh, warning) = load(&path, now).unwrap();
        assert_eq!(fresh, State::default());
        assert!(warning.unwrap().contains("moved to"));
        assert!(!path.exists());
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
        let e = format!("{:#}", load(&path, t("2026-11-24T10:16:00Z")).unwrap_err());
        assert!(e.contains("wfm-state-1.json is a symbolic link"), "{e}");
        assert!(
            std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink(),
            "not moved aside"
        );
        std::fs::remove_file(&path).unwrap();
        save(&path, &State::default()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }
}
