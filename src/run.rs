//! One run of `loop` or `rerun`: choose the quarters, fetch the three methods
//! once for all of them, build, render and deliver each quarter. This is the
//! imperative shell around the pure core (quarter, model, aggregate, render).

use crate::aggregate::{build_quarter, Selection};
use crate::alert::outage;
use crate::config::Config;
use crate::deliver::{ftp, local};
use crate::lp::client::{http_client, FetchPlan, LpClient, RawReply, RetryPolicy};
use crate::lp::model::{self, Method, Snapshot};
use crate::mapping::AgentMap;
use crate::quarter::{self, Quarter};
use crate::report::render::render_quarter;
use crate::{lock, state};
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tracing::{debug, error, info, warn};

/// A usage error found while planning a run (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    Push,
    Pull,
}

#[derive(Debug, Clone)]
pub enum Job {
    Loop,
    Rerun {
        output: PathBuf,
        start: Quarter,
        end: Quarter,
    },
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub mode: DeliveryMode,
    pub debug: u8,
    pub dry_run: bool,
    /// The logical clock: quarter choice and `timeframe` (WFM_NOW in tests).
    pub now: DateTime<Utc>,
}

/// What happened to one quarter.
#[derive(Debug, Clone)]
pub struct QuarterOutcome {
    pub quarter: Quarter,
    /// (file name, rows, final path) of each delivered file.
    pub files: Vec<(String, usize, PathBuf)>,
    pub error: Option<String>,
}

/// What a run did, for the summary line, the demo and the failure mail.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub quarters: Vec<QuarterOutcome>,
    /// Undelivered quarters found out of LivePerson's window in this run.
    pub lost: Vec<Quarter>,
    /// Data requests sent, retries included.
    pub requests: usize,
    pub retries: usize,
    /// Set when nothing could be built (fetch or parse failed).
    pub fatal: Option<String>,
}

impl RunSummary {
    pub fn ok(&self) -> bool {
        self.fatal.is_none() && self.lost.is_empty() && self.quarters.iter().all(|q| q.error.is_none())
    }

    /// Every failure of the run in words, one per line.
    pub fn failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self.fatal.iter().cloned().collect();
        if self.fatal.is_none() {
            out.extend(
                self.quarters
                    .iter()
                    .filter_map(|q| q.error.as_ref().map(|e| format!("{}: {e}", q.quarter))),
            );
        }
        if !self.lost.is_empty() {
            out.push(format!(
                "{} quarter(s) were never delivered and LivePerson no longer serves them (lost): {}",
                self.lost.len(),
                self.lost.iter().map(|q| q.stem()).collect::<Vec<_>>().join(", ")
            ));
        }
        out
    }
}

/// The quarters a job covers at `now`, or a usage error.
pub fn plan_quarters(cfg: &Config, job: &Job, now: DateTime<Utc>) -> Result<Vec<Quarter>, UsageError> {
    let settle = Duration::seconds(cfg.settle_seconds.into());
    match job {
        Job::Loop => Ok(vec![quarter::loop_quarter(now, settle)]),
        Job::Rerun { start, end, .. } => {
            quarter::validate_range(*start, *end, now, settle).map_err(|e| UsageError(e.to_string()))
        }
    }
}

/// Check the folders a job writes to; creates them. OUTPUT must differ from REPORT_DIR.
fn prepare_dirs(cfg: &Config, job: &Job, opts: &RunOptions) -> Result<()> {
    if opts.dry_run {
        return Ok(());
    }
    local::ensure_dir(&cfg.report_dir, "REPORT_DIR")?;
    if let Job::Rerun { output, .. } = job {
        local::ensure_dir(output, "the rerun OUTPUT folder")?;
        let a = output
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", output.display()))?;
        let b = cfg
            .report_dir
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", cfg.report_dir.display()))?;
        if a == b {
            return Err(UsageError(format!(
                "OUTPUT {} is the configured REPORT_DIR; rerun writes into a separate folder and then copies into REPORT_DIR. Choose another OUTPUT, e.g. old-reports/",
                output.display()
            ))
            .into());
        }
    }
    if opts.debug >= 2 {
        local::ensure_dir(&cfg.json_dir, "JSON_DIR")?;
    }
    Ok(())
}

fn quarters_label(qs: &[Quarter]) -> String {
    match (qs.first(), qs.last()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{} to {}", a, b),
        _ => "none".to_string(),
    }
}

/// Parse the three replies into a snapshot; the error names the method.
fn parse_snapshot(replies: [RawReply; 3], label: &str) -> Result<Snapshot> {
    let ctx = |m: Method| format!("LivePerson {m} reply for {label} is unusable");
    // Each body is dropped as soon as it is parsed: a 24 h rerun of a large
    // account holds hundreds of MB of JSON.
    let [qh, ea, aa] = replies;
    let queue_health = model::parse_queue_health(&qh.body).with_context(|| ctx(Method::QueueHealth))?;
    drop(qh);
    let eng_activity = model::parse_eng_activity(&ea.body).with_context(|| ctx(Method::EngActivity))?;
    drop(ea);
    let agent_activity = model::parse_agent_activity(&aa.body).with_context(|| ctx(Method::AgentActivity))?;
    Ok(Snapshot {
        queue_health,
        eng_activity,
        agent_activity,
    })
}

/// Run a job. `Err` is a usage/config problem found before any work (exit 2)
/// or a busy lock (exit 3); failures of the run itself are in the summary (exit 1).
pub async fn execute(cfg: &Config, job: &Job, opts: &RunOptions) -> Result<RunSummary> {
    for w in &cfg.warnings {
        warn!("{w}");
    }
    if opts.mode == DeliveryMode::Push && cfg.ftp.is_none() {
        return Err(UsageError(format!(
            "FTP push (FTP option 1 / --ftp push) needs FTP_HOST (and FTP_USER, FTP_PASSWORD, FTP_REMOTE_DIR) in {}; or use pull (2 / --ftp pull)",
            cfg.source.display()
        ))
        .into());
    }
    // Usage errors first: they must not depend on the state or the lock.
    let rerun_quarters = match job {
        Job::Loop => None,
        Job::Rerun { .. } => Some(plan_quarters(cfg, job, opts.now)?),
    };
    let agent_map = match &cfg.agent_map_file {
        Some(p) => AgentMap::load(p)?,
        None => AgentMap::default(),
    };
    let started = std::time::Instant::now();
    let settle = Duration::seconds(cfg.settle_seconds.into());
    let command = match job {
        Job::Loop => "wfm loop",
        Job::Rerun { .. } => "wfm rerun",
    };
    // A usage error or a busy lock stops here (exit 2 or 3). Anything else that
    // keeps a run from starting (a folder that cannot be created, an unreadable
    // lock or state file) is a failed run: logged, mailed and summed up like any.
    let (_lock, mut st) = match open_run(cfg, job, opts) {
        Ok(x) => x,
        Err(e) if stops_before_running(&e) => return Err(e),
        Err(e) => {
            let msg = format!("{e:#}; no files written");
            error!("{msg}");
            let quarters = rerun_quarters.unwrap_or_else(|| vec![quarter::loop_quarter(opts.now, settle)]);
            let summary = RunSummary {
                quarters: quarters
                    .into_iter()
                    .map(|q| QuarterOutcome {
                        quarter: q,
                        files: vec![],
                        error: Some(msg.clone()),
                    })
                    .collect(),
                fatal: Some(msg),
                ..Default::default()
            };
            if !opts.dry_run {
                outage::mail_failure(cfg, command, &summary).await;
            }
            log_summary(&summary, started);
            return Ok(summary);
        }
    };
    let (quarters, lost) = match rerun_quarters {
        Some(qs) => (qs, vec![]),
        None => {
            let plan = st.plan_loop(opts.now, settle);
            (plan.build, plan.newly_lost)
        }
    };
    let mut summary = RunSummary {
        lost: lost.clone(),
        ..Default::default()
    };
    for q in &lost {
        error!("quarter {q} was never delivered and LivePerson no longer serves it: it is lost");
    }
    if quarters.is_empty() {
        info!(
            "nothing to build: {} is delivered already",
            quarter::loop_quarter(opts.now, settle)
        );
    } else {
        build_all(cfg, job, opts, &agent_map, &quarters, &mut st, &mut summary).await;
    }
    if !opts.dry_run {
        for q in &lost {
            st.lost.insert(q.start());
        }
        st.prune(opts.now);
        if let Err(e) = state::save(&cfg.state_file, &st) {
            error!("{e:#}");
            summary.fatal.get_or_insert_with(|| format!("{e:#}"));
        }
        match job {
            Job::Loop => outage::notify_loop(cfg, opts.now, &summary, &mut st).await,
            // A rerun is the operator's own action: it never starts or ends loop's streak.
            Job::Rerun { .. } => {
                outage::mail_failure(cfg, command, &summary).await;
            }
        }
        if let Err(e) = state::save(&cfg.state_file, &st) {
            error!("{e:#}");
        }
    }
    log_summary(&summary, started);
    Ok(summary)
}

/// Usage errors (exit 2) and a busy lock (exit 3): the run did not start.
fn stops_before_running(e: &anyhow::Error) -> bool {
    crate::app::exit_status(e) != crate::app::EXIT_FAILED
}

/// Folders, the lock, leftovers of a killed run, and the state, read under the lock.
fn open_run(cfg: &Config, job: &Job, opts: &RunOptions) -> Result<(Option<lock::RunLock>, state::State)> {
    prepare_dirs(cfg, job, opts)?;
    let held = if opts.dry_run {
        None
    } else {
        if let Some(dir) = cfg.state_file.parent().filter(|p| !p.as_os_str().is_empty()) {
            local::ensure_dir(dir, "the STATE_FILE folder")?;
        }
        let held = lock::acquire(&lock::lock_path(&cfg.state_file), opts.now)?;
        // Under the lock no other run writes: any temporary file is a killed run's.
        let mut dirs = vec![cfg.report_dir.clone()];
        dirs.extend(cfg.state_file.parent().map(Path::to_path_buf));
        if let Job::Rerun { output, .. } = job {
            dirs.push(output.clone());
        }
        for d in dirs {
            let n = local::remove_stale_temporaries(&d);
            if n > 0 {
                info!(
                    "removed {n} temporary file(s) left in {} by an interrupted run",
                    d.display()
                );
            }
        }
        Some(held)
    };
    let (st, state_warning) = state::load(&cfg.state_file, opts.now)?;
    if let Some(w) = state_warning {
        warn!("{w}");
    }
    Ok((held, st))
}

/// The one summary line every run writes.
fn log_summary(summary: &RunSummary, started: std::time::Instant) {
    let delivered = summary.quarters.iter().filter(|q| q.error.is_none()).count();
    info!(
        "run finished: {} of {} quarter(s) delivered, {} file(s), {} request(s), {} retr{}, {} lost, {:.1} s, {}",
        delivered,
        summary.quarters.len(),
        summary.quarters.iter().map(|q| q.files.len()).sum::<usize>(),
        summary.requests,
        summary.retries,
        if summary.retries == 1 { "y" } else { "ies" },
        summary.lost.len(),
        started.elapsed().as_secs_f64(),
        if summary.ok() { "ok" } else { "FAILED" }
    );
}

/// Fetch once for all `quarters`, then build and deliver each; delivered
/// quarters are recorded in the state file as they complete.
async fn build_all(
    cfg: &Config,
    job: &Job,
    opts: &RunOptions,
    agent_map: &AgentMap,
    quarters: &[Quarter],
    st: &mut state::State,
    summary: &mut RunSummary,
) {
    let label = quarters_label(quarters);
    let fail_all = |summary: &mut RunSummary, msg: String| {
        error!("{msg}");
        summary.quarters = quarters
            .iter()
            .map(|q| QuarterOutcome {
                quarter: *q,
                files: vec![],
                error: Some(msg.clone()),
            })
            .collect();
        summary.fatal = Some(msg);
    };
    let Some(timeframe) = quarter::timeframe_covering(quarters[0], opts.now) else {
        return fail_all(
            summary,
            format!("{} is older than the 24 hours LivePerson serves", quarters[0]),
        );
    };

    // ---- fetch: one request per method for every quarter of the run ----
    // Debug 2 keeps every raw reply as it arrives, refusals included.
    let dump_dir = (opts.debug >= 2 && !opts.dry_run).then(|| cfg.json_dir.clone());
    let client = LpClient::new(http_client(cfg.lp_timeout_seconds), cfg)
        .with_policy(RetryPolicy::for_run(cfg.lp_timeout_seconds))
        .with_dump_dir(dump_dir);
    let plan = FetchPlan {
        timeframe,
        skills: cfg.skills.clone(),
        agents: cfg.agents.clone(),
    };
    debug!(
        "fetching timeframe={timeframe} for {label} (LivePerson auth: {})",
        cfg.auth.name()
    );
    let fetched = client.fetch_all(&plan).await;
    summary.requests = client.requests();
    summary.retries = client.retries();
    let replies = match fetched {
        Ok(r) => r,
        Err(e) => return fail_all(summary, format!("{label}: no files written: {e}")),
    };
    let snapshot = match parse_snapshot(replies, &label) {
        Ok(s) => s,
        Err(e) => return fail_all(summary, format!("{e:#}; no files written")),
    };

    // ---- build and deliver each quarter ----
    let sel = Selection {
        skills: &cfg.skills,
        agents: &cfg.agents,
        agent_map,
        unmapped: cfg.unmapped_agents,
    };
    let (write_dir, copy_to_reports) = match job {
        Job::Loop => (cfg.report_dir.clone(), false),
        Job::Rerun { output, .. } => (output.clone(), true),
    };
    let mut unmapped = BTreeSet::new();
    let push = opts.mode == DeliveryMode::Push && !opts.dry_run;
    let mut to_push: Vec<usize> = Vec::new();
    for q in quarters {
        let outcome = build_and_deliver(
            cfg,
            *q,
            &snapshot,
            &sel,
            &write_dir,
            copy_to_reports && !push,
            opts,
            &mut unmapped,
        );
        if outcome.error.is_none() && !opts.dry_run {
            if push {
                to_push.push(summary.quarters.len());
            } else {
                mark_delivered(cfg, job, st, *q);
            }
        }
        summary.quarters.push(outcome);
    }
    if !to_push.is_empty() {
        push_quarters(cfg, job, &to_push, st, summary).await;
    }
    if !unmapped.is_empty() {
        let list: Vec<_> = unmapped.into_iter().collect();
        let verb = match cfg.unmapped_agents {
            crate::config::UnmappedAgents::Keep => "reported under their LivePerson id",
            crate::config::UnmappedAgents::Skip => "left out (UNMAPPED_AGENTS=skip)",
        };
        warn!(
            "{} agent(s) have no employee id in the agent map and were {verb}: {}",
            list.len(),
            list.join(", ")
        );
    }
}

/// Record a delivered quarter. Saved at once, so a run killed mid-way keeps its progress.
fn mark_delivered(cfg: &Config, job: &Job, st: &mut state::State, q: Quarter) {
    match job {
        Job::Loop => st.mark_delivered(q),
        Job::Rerun { .. } => st.mark_rerun_delivered(q),
    }
    if let Err(e) = state::save(&cfg.state_file, st) {
        warn!("{e:#}");
    }
}

/// Upload the written quarters in one FTP connection; a failed upload is retried
/// once on a fresh connection (re-uploads are byte-identical, so repeating is safe).
/// A quarter is delivered only when its three files are renamed on the server.
async fn push_quarters(cfg: &Config, job: &Job, idx: &[usize], st: &mut state::State, summary: &mut RunSummary) {
    let Some(ftp_cfg) = cfg.ftp.clone() else { return };
    let files: Vec<PathBuf> = idx
        .iter()
        .flat_map(|&i| summary.quarters[i].files.iter().map(|f| f.2.clone()))
        .collect();
    let timeout = std::time::Duration::from_secs(FTP_TIMEOUT_SECONDS);
    let mut result = Err(String::new());
    for attempt in 1..=2 {
        let (c, f) = (ftp_cfg.clone(), files.clone());
        result = tokio::task::spawn_blocking(move || ftp::push_files(&c, &f, timeout))
            .await
            .map_err(|e| format!("the upload did not finish: {e}"))
            .and_then(|r| r.map_err(|e| e.to_string()));
        match &result {
            Err(e) if attempt == 1 => {
                warn!("{e}; retrying the upload once on a fresh connection");
                summary.retries += 1;
            }
            _ => break,
        }
    }
    match result {
        Ok(report) => {
            for &i in idx {
                let out = &mut summary.quarters[i];
                if out.files.iter().all(|f| report.uploaded.contains(&f.0)) {
                    info!(
                        "pushed {} to {}:{}{}",
                        out.quarter, ftp_cfg.host, ftp_cfg.port, ftp_cfg.remote_dir
                    );
                    let q = out.quarter;
                    mark_delivered(cfg, job, st, q);
                } else {
                    out.error = Some(format!(
                        "not all files of {} were confirmed on the FTP server",
                        out.quarter
                    ));
                }
            }
        }
        Err(e) => {
            error!("FTP push failed: {e}");
            for &i in idx {
                let out = &mut summary.quarters[i];
                let folder = out.files.first().and_then(|f| f.2.parent()).map(Path::to_path_buf);
                let folder = folder.unwrap_or_else(|| cfg.report_dir.clone());
                out.error = Some(format!("written to {} but not uploaded: {e}", folder.display()));
            }
        }
    }
}

/// Timeout of one FTP connect/read/write.
const FTP_TIMEOUT_SECONDS: u64 = 30;

#[allow(clippy::too_many_arguments)]
fn build_and_deliver(
    cfg: &Config,
    q: Quarter,
    snapshot: &Snapshot,
    sel: &Selection<'_>,
    write_dir: &Path,
    copy_to_reports: bool,
    opts: &RunOptions,
    unmapped: &mut BTreeSet<String>,
) -> QuarterOutcome {
    let fail = |msg: String| {
        error!("quarter {q}: {msg}");
        QuarterOutcome {
            quarter: q,
            files: vec![],
            error: Some(msg),
        }
    };
    let report = match build_quarter(snapshot, q, sel) {
        Ok(r) => r,
        Err(e) => return fail(format!("{e}; no files written")),
    };
    unmapped.extend(report.unmapped_agents.iter().cloned());
    if !report.ignored_state_ids.is_empty() {
        debug!(
            "quarter {q}: agent state ids {:?} are not reported",
            report.ignored_state_ids
        );
    }
    let files = render_quarter(&report, &cfg.account);
    if opts.dry_run {
        for f in &files {
            info!(
                "dry run: would write {} ({} rows)",
                write_dir.join(&f.name).display(),
                f.rows
            );
        }
        return QuarterOutcome {
            quarter: q,
            files: files
                .iter()
                .map(|f| (f.name.clone(), f.rows, write_dir.join(&f.name)))
                .collect(),
            error: None,
        };
    }
    let written = match local::write_quarter(write_dir, &files) {
        Ok(p) => p,
        Err(e) => return fail(format!("{e:#}")),
    };
    let delivered = if copy_to_reports {
        match local::copy_into(&cfg.report_dir, &written) {
            Ok(p) => p,
            Err(e) => {
                return fail(format!(
                    "written to {} but not copied into REPORT_DIR: {e:#}",
                    write_dir.display()
                ))
            }
        }
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
        delivered
            .first()
            .and_then(|p| p.parent())
            .unwrap_or(write_dir)
            .display()
    );
    QuarterOutcome {
        quarter: q,
        files: files
            .iter()
            .zip(delivered)
            .map(|(f, p)| (f.name.clone(), f.rows, p))
            .collect(),
        error: None,
    }
}
