//! A quarter's files written locally as its source hands them over (REPORT_DIR,
//! or OUTPUT then REPORT_DIR for a rerun), and the run's files pushed (FTP or
//! SFTP) in one connection at the end.

use super::record::Record;
use super::RunContext;
use crate::deliver::{self, local};
use crate::job::Job;
use crate::outcome::{DeliveredFile, Failure, FailureKind, QuarterOutcome, RunSummary};
use crate::quarter::Quarter;
use crate::report::render::RenderedFile;
use std::path::{Path, PathBuf};
use tracing::{error, info, warn};

/// Timeout of one FTP connect/read/write.
const FTP_TIMEOUT_SECONDS: u64 = 30;

/// Write `q`'s files where the job writes them; a rerun copies them into
/// REPORT_DIR too, in push mode as well (the push then uploads those copies).
/// A dry run writes nothing: the files it would deliver, with their sizes,
/// are in the summary (`app` lists them on stdout).
pub fn write_local(ctx: &RunContext<'_>, q: Quarter, files: &[RenderedFile]) -> Result<Vec<DeliveredFile>, Failure> {
    let cfg = ctx.cfg;
    let (write_dir, copy_to_reports) = match ctx.job {
        Job::Loop => (cfg.report_dir.as_path(), false),
        Job::Rerun { output, .. } => (output.as_path(), true),
    };
    let delivered = |paths: Vec<PathBuf>| {
        files
            .iter()
            .zip(paths)
            .map(|(f, path)| DeliveredFile {
                name: f.name.clone(),
                rows: f.rows,
                bytes: f.bytes.len() as u64,
                path,
            })
            .collect::<Vec<_>>()
    };
    // Another account's reports at these names: refused before anything is written.
    let mut dirs = vec![write_dir];
    if copy_to_reports {
        dirs.push(cfg.report_dir.as_path());
    }
    for dir in dirs {
        local::check_owner(dir, files.iter().map(|f| f.name.as_str()), &cfg.account)
            .map_err(|e| Failure::new(FailureKind::Write, e.to_string()))?;
    }
    if ctx.opts.dry_run {
        for f in files {
            info!(
                "dry run: would write {} ({} rows, {} bytes)",
                write_dir.join(&f.name).display(),
                f.rows,
                f.bytes.len()
            );
        }
        let final_dir = if copy_to_reports { &cfg.report_dir } else { write_dir };
        return Ok(delivered(files.iter().map(|f| final_dir.join(&f.name)).collect()));
    }
    let written =
        local::write_quarter(write_dir, files).map_err(|e| Failure::new(FailureKind::Write, format!("{e:#}")))?;
    let paths = if copy_to_reports {
        local::copy_into(&cfg.report_dir, &written).map_err(|e| {
            Failure::new(
                FailureKind::Write,
                format!(
                    "written to {} but not copied into REPORT_DIR: {e:#}",
                    write_dir.display()
                ),
            )
        })?
    } else {
        written
    };
    info!(
        "built {}: {} in {}",
        q,
        files
            .iter()
            .map(|f| format!("{} ({} rows)", f.name, f.rows))
            .collect::<Vec<_>>()
            .join(", "),
        paths.first().and_then(|p| p.parent()).unwrap_or(write_dir).display()
    );
    Ok(delivered(paths))
}

/// A quarter an earlier run wrote into REPORT_DIR and could not upload: its
/// files, as they are, to push again.
pub fn pending(ctx: &RunContext<'_>, q: Quarter, rec: &Record) -> QuarterOutcome {
    QuarterOutcome {
        quarter: q,
        partial: rec.is_partial(q),
        files: rec
            .prefixes_of(q)
            .iter()
            .map(|p| {
                let name = q.file_name(p, ctx.cfg.file_stamp);
                let path = ctx.cfg.report_dir.join(&name);
                DeliveredFile {
                    bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
                    name,
                    rows: 0,
                    path,
                }
            })
            .collect(),
        error: None,
        pending: true,
    }
}

/// Upload every written quarter in one FTP connection; a failed upload is
/// retried once on a fresh connection (re-uploads are byte-identical, so
/// repeating is safe). A quarter is delivered only when its three files are
/// renamed on the server.
pub async fn push(ctx: &RunContext<'_>, summary: &mut RunSummary, rec: &mut Record) {
    let Some(ftp_cfg) = ctx.cfg.ftp.clone() else { return };
    let written: Vec<usize> = (0..summary.quarters.len())
        .filter(|&i| summary.quarters[i].error.is_none())
        .collect();
    if written.is_empty() {
        return;
    }
    let files: Vec<PathBuf> = written
        .iter()
        .flat_map(|&i| summary.quarters[i].files.iter().map(|f| f.path.clone()))
        .collect();
    // Each read and write gets the timeout, the whole push ends by the deadline:
    // each transport stops by itself (see `deadline::Bounds`).
    let bounds = crate::deadline::Bounds::new(
        std::time::Duration::from_secs(FTP_TIMEOUT_SECONDS),
        ctx.deadline.work_end(),
    );
    let mut result = Err(String::new());
    for attempt in 1..=2 {
        let what = format!("{} push", ftp_cfg.protocol_name());
        result = deliver::push(&ftp_cfg, &files, bounds)
            .await
            .map_err(|e| match e.is_deadline() {
                true => format!("{e}. {}", ctx.cut(&what)),
                false => e.to_string(),
            });
        match &result {
            Err(_) if ctx.deadline.work_passed() => break,
            Err(e) if attempt == 1 => {
                warn!("{e}; retrying the upload once on a fresh connection");
                summary.retries += 1;
            }
            _ => break,
        }
    }
    match result {
        Ok(report) => {
            for &i in &written {
                let out = &mut summary.quarters[i];
                if out.files.iter().all(|f| report.uploaded.contains(&f.name)) {
                    info!(
                        "pushed {} to {}:{}{} ({})",
                        out.quarter,
                        ftp_cfg.host,
                        ftp_cfg.port,
                        ftp_cfg.remote_dir,
                        ftp_cfg.protocol_name()
                    );
                    rec.delivered(out.quarter, out.partial);
                } else {
                    out.error = Some(Failure::new(
                        FailureKind::Upload,
                        format!(
                            "not all files of {} were confirmed on the {} server",
                            out.quarter,
                            ftp_cfg.protocol_name()
                        ),
                    ));
                }
            }
        }
        Err(e) => {
            error!("{} push failed: {e}", ftp_cfg.protocol_name());
            for &i in &written {
                let out = &mut summary.quarters[i];
                let folder = out.files.first().and_then(|f| f.path.parent()).map(Path::to_path_buf);
                let folder = folder.unwrap_or_else(|| ctx.cfg.report_dir.clone());
                out.error = Some(Failure::new(
                    FailureKind::Upload,
                    format!("written to {} but not uploaded: {e}", folder.display()),
                ));
            }
        }
    }
}
