//! Stage 1: the folders a job writes to, the run lock, leftovers of a killed
//! run, and the state, read under the lock.

use super::record::Record;
use super::RunContext;
use crate::atomic::{ensure_dir, remove_stale_temporaries};
use crate::job::{Job, UsageError};
use crate::lock;
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
}

pub fn open(ctx: &RunContext<'_>) -> Result<Opened, OpenError> {
    prepare_dirs(ctx)?;
    let cfg = ctx.cfg;
    let lock = if ctx.opts.dry_run {
        None
    } else {
        if let Some(dir) = cfg.state_file.parent().filter(|p| !p.as_os_str().is_empty()) {
            ensure_dir(dir, "the STATE_FILE folder").map_err(OpenError::Failed)?;
        }
        let held = lock::acquire(&lock::lock_path(&cfg.state_file), ctx.opts.now).map_err(|e| {
            if e.downcast_ref::<lock::LockBusy>().is_some() {
                OpenError::Stop(e)
            } else {
                OpenError::Failed(e)
            }
        })?;
        // Under the lock no other run writes: any temporary file is a killed run's.
        remove_temporaries(ctx, "an interrupted run");
        Some(held)
    };
    let (record, warning) = Record::load(ctx).map_err(OpenError::Failed)?;
    if let Some(w) = warning {
        warn!("{w}");
    }
    Ok(Opened { lock, record })
}

/// Remove the temporary files (`.NAME.*.part`) in the folders a run writes to;
/// `who` left them. Only under the run lock: then no other run is writing.
pub fn remove_temporaries(ctx: &RunContext<'_>, who: &str) {
    let cfg = ctx.cfg;
    let mut dirs = vec![cfg.report_dir.clone()];
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
        ensure_dir(&cfg.json_dir, "JSON_DIR").map_err(OpenError::Failed)?;
    }
    Ok(())
}
