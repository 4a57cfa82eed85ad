//! Before any quarter: the folders a job writes to, the run lock, leftovers of a killed
//! run, and the state, read under the lock.

use super::record::Record;
use super::RunContext;
use crate::atomic::{ensure_dir, ensure_private_dir, remove_stale_temporaries};
use crate::job::{Job, UsageError};
use crate::lock;
use crate::state::ForeignState;
use anyhow::Context;
use std::path::Path;
use tracing::{info, warn};

/// Why a run did not open.
pub enum OpenError {
    /// Asked wrongly, or another run holds the lock: nothing to report as a failure.
    Stop(anyhow::Error),
    /// A folder, the lock file or the state file could not be used: a failed run.
    Failed(anyhow::Error),
}

pub struct Opened {
    /// Held until the run ends; `None` in a dry run.
    pub lock: Option<lock::RunLock>,
    pub record: Record,
    /// The state file was damaged and the state recovered: what happened.
    pub recovered: Option<String>,
}

pub fn open(ctx: &RunContext<'_>) -> Result<Opened, OpenError> {
    // A METRICS_FILE that would hang or be replaced is a configuration mistake,
    // refused before anything is written.
    if let Some(path) = &ctx.cfg.metrics_file {
        crate::textfile::metrics_target(path).map_err(|e| OpenError::Stop(UsageError(e).into()))?;
    }
    prepare_dirs(ctx)?;
    let cfg = ctx.cfg;
    let lock = if ctx.opts.dry_run {
        None
    } else {
        if let Some(dir) = cfg.state_file.parent().filter(|p| !p.as_os_str().is_empty()) {
            ensure_private_dir(dir, "the state folder (STATE_DIR)").map_err(OpenError::Failed)?;
        }
        let held = lock::acquire(&lock::lock_path(&cfg.state_file), ctx.opts.now).map_err(lock_error)?;
        if let Some(old) = cfg.legacy_state_file.as_ref().filter(|_| ctx.opts.records()) {
            move_legacy_state(old, &cfg.state_file, ctx.opts.now)?;
        }
        // Under the lock no other run writes: any temporary file is a killed run's.
        remove_temporaries(ctx, "an interrupted run");
        Some(held)
    };
    let (record, recovered) = Record::load(ctx).map_err(|e| match e.downcast::<ForeignState>() {
        // A configuration mistake (exit 2), not a failed run: nothing to mail.
        Ok(foreign) => OpenError::Stop(UsageError(foreign.to_string()).into()),
        Err(e) => OpenError::Failed(e),
    })?;
    Ok(Opened {
        lock,
        record,
        recovered,
    })
}

/// A busy lock stops the run (exit 3); any other lock problem fails it.
fn lock_error(e: anyhow::Error) -> OpenError {
    if e.downcast_ref::<lock::LockBusy>().is_some() {
        OpenError::Stop(e)
    } else {
        OpenError::Failed(e)
    }
}

/// The upgrade path: a state at the old default `<REPORT_DIR>/.wfm-state.json`
/// is moved to the new default once, so an upgrade loses no catch-up
/// information. Only when the new file does not exist yet; under the new lock
/// and the old one (a run of the previous version may still be in progress).
fn move_legacy_state(old: &Path, new: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<(), OpenError> {
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    if exists(new) || !exists(old) {
        return Ok(());
    }
    let old_lock = lock::lock_path(old);
    let held = lock::acquire(&old_lock, now).map_err(lock_error)?;
    match std::fs::symlink_metadata(old) {
        Ok(m) if m.file_type().is_file() => {}
        // Gone meanwhile, or not a plain file (a link planted in REPORT_DIR): never followed.
        Ok(_) => {
            warn!(
                "{} is not a plain file (a symbolic link?); it was not moved to {} and this run starts without it",
                old.display(),
                new.display()
            );
            return Ok(());
        }
        Err(_) => return Ok(()),
    }
    move_file(old, new)
        .with_context(|| {
            format!(
                "cannot move the state file from its old place {} to {}",
                old.display(),
                new.display()
            )
        })
        .map_err(OpenError::Failed)?;
    info!(
        "moved the state file from {} (the old default, in REPORT_DIR) to {}",
        old.display(),
        new.display()
    );
    drop(held);
    let _ = std::fs::remove_file(&old_lock);
    Ok(())
}

/// Rename `old` to `new`; across file systems, copy (never through a link),
/// fsync, then remove `old`. The moved file ends owner-only.
fn move_file(old: &Path, new: &Path) -> anyhow::Result<()> {
    let dir = new
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match std::fs::rename(old, new) {
        Ok(()) => {
            crate::atomic::sync_dir(dir);
            restrict(new)
        }
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            let mut bytes = Vec::new();
            crate::atomic::open_private(old, std::fs::OpenOptions::new().read(true))
                .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut bytes))
                .with_context(|| format!("cannot read {}", old.display()))?;
            let name = new
                .file_name()
                .and_then(|n| n.to_str())
                .with_context(|| format!("STATE_FILE {} has no file name", new.display()))?;
            crate::atomic::write_atomic_private(dir, name, &bytes)?;
            std::fs::remove_file(old).with_context(|| format!("cannot remove {}", old.display()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Owner-only (0600), through a handle that did not follow a link.
fn restrict(path: &Path) -> anyhow::Result<()> {
    let file = crate::atomic::open_private(path, std::fs::OpenOptions::new().read(true))
        .with_context(|| format!("cannot open {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} owner-only", path.display()))?;
    }
    drop(file);
    Ok(())
}

/// Remove the temporary files (`.NAME.*.part`) in the folders a run writes to;
/// `who` left them. Only under the run lock: then no other run is writing.
pub fn remove_temporaries(ctx: &RunContext<'_>, who: &str) {
    let cfg = ctx.cfg;
    // JSON_DIR too, whatever the debug level: a debug-2 run killed by a signal
    // left its dump's `.part` there, and no later run at debug 0 would remove it.
    let mut dirs = vec![cfg.report_dir.clone(), cfg.json_dir.clone()];
    dirs.extend(cfg.state_file.parent().map(Path::to_path_buf));
    if let Job::Rerun { output, .. } = ctx.job {
        dirs.push(output.clone());
    }
    for d in dirs {
        let n = remove_stale_temporaries(&d);
        if n > 0 {
            info!("removed {n} temporary file(s) left in {} by {who}", d.display());
        }
    }
}

/// Create the folders a job writes to. OUTPUT must differ from REPORT_DIR.
fn prepare_dirs(ctx: &RunContext<'_>) -> Result<(), OpenError> {
    if ctx.opts.dry_run {
        return Ok(());
    }
    let cfg = ctx.cfg;
    ensure_dir(&cfg.report_dir, "REPORT_DIR").map_err(OpenError::Failed)?;
    if let Job::Rerun { output, .. } = ctx.job {
        ensure_dir(output, "the rerun OUTPUT folder").map_err(OpenError::Failed)?;
        let resolve = |p: &Path| {
            p.canonicalize()
                .with_context(|| format!("cannot resolve {}", p.display()))
                .map_err(OpenError::Failed)
        };
        if resolve(output)? == resolve(&cfg.report_dir)? {
            return Err(OpenError::Stop(
                UsageError(format!(
                    "OUTPUT {} is the configured REPORT_DIR; rerun writes into a separate folder and then copies into REPORT_DIR. Choose another OUTPUT, e.g. old-reports/",
                    output.display()
                ))
                .into(),
            ));
        }
    }
    if ctx.opts.debug >= 2 {
        // The dumps are a debugging aid: without them the replies are spooled
        // anonymously and the run goes on.
        if let Err(e) = ensure_dir(&cfg.json_dir, "JSON_DIR") {
            warn!("{e:#}; the raw replies are not saved in this run");
        }
    }
    Ok(())
}
