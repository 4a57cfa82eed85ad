//! One run of `loop` or `rerun`: [`open`] (folders, lock, state); then the
//! channel's [`source`] hands over each quarter as it is built (chat: [`fetch`]
//! once, [`build`] per quarter; messaging: per quarter), each written at once
//! ([`deliver`]) and recorded ([`record`], the state saved from one place); then
//! one push, the outage mail, the summary line and [`report`] (METRICS_FILE,
//! and PING_URL for a loop). The imperative shell around the pure core.
//!
//! Every run ends: its [`Deadline`] (RUN_TIMEOUT_SECONDS) is made once here and
//! passed down in [`RunContext`]; LivePerson and the FTP push stop at its work
//! end, the failure mail gets what is left (never less than its reserve).

mod build;
mod deliver;
mod fetch;
mod open;
mod record;
mod report;
mod settle;
mod source;
mod spill;

use crate::alert::outage;
use crate::config::Config;
use crate::deadline::Deadline;
use crate::job::{DeliveryMode, Job, RunOptions, UsageError};
use crate::mapping::AgentMap;
use crate::outcome::{Failure, FailureKind, QuarterOutcome, RunSummary};
use crate::quarter::{self, Quarter};
use crate::quarter_set::QuarterSet;
use crate::state::LoopPlan;
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use record::Record;
use tracing::{error, info};

/// What every stage of one run reads.
pub struct RunContext<'a> {
    pub cfg: &'a Config,
    pub job: &'a Job,
    pub opts: &'a RunOptions,
    /// The run's deadline, made once in [`execute`].
    pub deadline: Deadline,
}

impl RunContext<'_> {
    fn settle(&self) -> Duration {
        Duration::seconds(self.cfg.settle_seconds.into())
    }

    /// The delivery mode as `--ftp` spells it.
    fn mode_word(&self) -> &'static str {
        match self.opts.mode {
            DeliveryMode::Push => "push",
            DeliveryMode::Pull => "pull",
        }
    }

    /// Whether this run uploads (push mode, and not a dry run).
    fn pushing(&self) -> bool {
        self.opts.mode == DeliveryMode::Push && !self.opts.dry_run
    }

    fn now(&self) -> DateTime<Utc> {
        self.opts.now
    }

    /// What a stage cut by the deadline says: which stage, and what bounds it.
    fn cut(&self, stage: &str) -> String {
        format!(
            "{stage} stopped at the run's deadline: RUN_TIMEOUT_SECONDS={} bounds a whole run (all but its last {} s, kept for the failure mail); the next run catches up",
            self.deadline.seconds(),
            self.deadline.reserve().as_secs_f64()
        )
    }
}

/// The quarters a job covers at `now`, or a usage error.
pub fn plan_quarters(cfg: &Config, job: &Job, now: DateTime<Utc>) -> Result<Vec<Quarter>, UsageError> {
    let settle = Duration::seconds(cfg.settle_seconds.into());
    match job {
        Job::Loop => Ok(vec![quarter::loop_quarter(now, settle)]),
        Job::Rerun { start, end, .. } => quarter::validate_range(*start, *end, now, settle, cfg.channel.reach())
            .map_err(|e| UsageError(e.to_string())),
    }
}

/// `--replay DIR`: the folder checked (a usage error when it cannot be
/// replayed), and the newest fetch time of its dumps: the replayed run's clock
/// when WFM_NOW does not give one (`None`: no dump of an accepted reply there).
pub fn replay_clock(dir: &std::path::Path) -> Result<Option<DateTime<Utc>>, UsageError> {
    let replay = crate::lp::client::Replay::open(dir).map_err(UsageError)?;
    Ok(replay.newest_fetch())
}

/// Run a job. `Err` is a usage or config problem found before any work, or a
/// busy lock: the run did not start. Failures of the run itself are in the summary.
pub async fn execute(cfg: &Config, job: &Job, opts: &RunOptions) -> Result<RunSummary> {
    let deadline = Deadline::after(
        opts.run_timeout
            .unwrap_or(std::time::Duration::from_secs(cfg.run_timeout_seconds.into())),
    );
    let ctx = RunContext {
        cfg,
        job,
        opts,
        deadline,
    };
    if opts.mode == DeliveryMode::Push && cfg.ftp.is_none() {
        return Err(UsageError(format!(
            "FTP push (FTP option 1 / --ftp push) needs FTP_HOST (and FTP_USER, FTP_PASSWORD, FTP_REMOTE_DIR) in {}; or use pull (2 / --ftp pull)",
            cfg.source.display()
        ))
        .into());
    }
    // Usage errors first: they must not depend on the state or the lock.
    // A replayed loop builds its quarter as a first loop would, whatever the
    // state says: the state is neither read for planning nor written.
    let rerun_quarters = match job {
        Job::Loop if opts.replay.is_none() => None,
        _ => Some(plan_quarters(cfg, job, opts.now)?),
    };
    let agent_map = match &cfg.agent_map_file {
        Some(p) => AgentMap::load(p)?,
        None => AgentMap::default(),
    };
    let started = std::time::Instant::now();
    let opts = &settle::settle(&ctx).await;
    let ctx = RunContext { opts, ..ctx };
    let opened = match open::open(&ctx) {
        Ok(o) => o,
        Err(open::OpenError::Stop(e)) => return Err(e),
        Err(open::OpenError::Failed(e)) => {
            let quarters = rerun_quarters.unwrap_or_else(|| vec![quarter::loop_quarter(ctx.now(), ctx.settle())]);
            return Ok(not_started(&ctx, &quarters, e, started).await);
        }
    };
    let mut rec = opened.record;
    if let Some(notice) = &opened.recovered {
        // Loud: stderr at every debug level, and a mail.
        error!("{notice}");
        if opts.records() {
            outage::mail_notice(
                cfg,
                "state file damaged and recovered",
                notice,
                ctx.deadline.mail_until(),
            )
            .await;
        }
    }
    if rerun_quarters.is_some() && ctx.pushing() {
        tracing::warn!("{}", crate::job::NICE_SKIPS_LOADED_NAMES);
    }
    let refused = match job {
        Job::Loop if rerun_quarters.is_none() => rec.vet_loop(ctx.now(), ctx.settle()).err(),
        _ => None,
    };
    let plan = match rerun_quarters {
        Some(qs) => LoopPlan {
            build: qs,
            ..LoopPlan::default()
        },
        None if refused.is_some() => LoopPlan::default(),
        None => rec.plan_loop(ctx.now(), ctx.settle()),
    };
    if !plan.newly_lost.is_empty() {
        error!(
            "{} quarter(s) were never delivered and LivePerson no longer serves them: they are lost: {}",
            plan.newly_lost.len(),
            plan.newly_lost
        );
    }
    let mut summary = if let Some(e) = refused {
        let failure = Failure::new(FailureKind::State, e.to_string());
        error!("{failure}");
        RunSummary::all_failed(&[quarter::loop_quarter(ctx.now(), ctx.settle())], failure)
    } else if plan.build.is_empty() && plan.upload.is_empty() {
        let newest = quarter::loop_quarter(ctx.now(), ctx.settle());
        info!("nothing to build: {newest} is {}", rec.standing(newest));
        RunSummary::default()
    } else {
        run_quarters(&ctx, &agent_map, &plan, &mut rec).await
    };
    summary.lost = plan.newly_lost;
    summary.dry_run = opts.dry_run;
    summary.replay = opts.replay.is_some();
    if !opts.dry_run {
        // A stage cut by the deadline may have been writing: leave no temporary behind.
        open::remove_temporaries(&ctx, "this run");
    }
    if opts.records() {
        if let Err(e) = rec.finish(&summary.lost, ctx.now()) {
            error!("{e:#}");
            summary
                .fatal
                .get_or_insert_with(|| Failure::new(FailureKind::State, format!("{e:#}")));
        }
        match job {
            Job::Loop => {
                outage::notify_loop(
                    cfg,
                    ctx.now(),
                    &summary,
                    rec.state_mut(),
                    deadline.mail_until(),
                    ctx.mode_word(),
                )
                .await
            }
            // A rerun is the operator's own action: it never starts or ends loop's streak.
            Job::Rerun { .. } => {
                outage::mail_failure(cfg, job.command(), &summary, deadline.mail_until(), ctx.mode_word()).await;
            }
        }
        if let Err(e) = rec.save() {
            error!("{e:#}");
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    // Its own line before the summary, whose format the contract fixes (and which stays last).
    if let Some(line) = summary.by_method_line() {
        info!("{line}");
    }
    info!("{}", summary.line());
    let outage = rec.state_mut().outage.is_some();
    drop(opened.lock);
    if opts.records() {
        let r = report::RunReport {
            job,
            summary: &summary,
            now: ctx.now(),
            outage,
        };
        report::after_run(cfg, &r).await;
    }
    Ok(summary)
}

/// After a run stopped by a signal (its future dropped, its lock released):
/// take the lock again and remove the temporaries it may have left in
/// REPORT_DIR, OUTPUT, JSON_DIR and the state folder. Quarters it recorded
/// stay recorded (each save is atomic). Nothing when another run holds the
/// lock meanwhile (it cleans up itself), nor after a dry run (it wrote nothing).
pub fn clean_up_after_stop(cfg: &Config, job: &Job, opts: &RunOptions) {
    if opts.dry_run {
        return;
    }
    let lock_file = crate::lock::lock_path(&cfg.state_file);
    if std::fs::symlink_metadata(&lock_file).is_err() {
        return; // the run never reached its lock: nothing of it to clean up
    }
    let Ok(held) = crate::lock::acquire(&lock_file, opts.now) else {
        return;
    };
    let ctx = RunContext {
        cfg,
        job,
        opts,
        deadline: Deadline::after(std::time::Duration::from_secs(1)),
    };
    open::remove_temporaries(&ctx, "the stopped run");
    drop(held);
}

/// What a dry run would deliver, one line per file, for stdout: name, rows,
/// bytes, and every place it would go (folders, the FTP server in push mode).
pub fn dry_run_listing(cfg: &Config, job: &Job, opts: &RunOptions, summary: &RunSummary) -> String {
    let mut places: Vec<String> = Vec::new();
    if let Job::Rerun { output, .. } = job {
        places.push(output.display().to_string());
    }
    places.push(cfg.report_dir.display().to_string());
    let server = match (&cfg.ftp, opts.mode) {
        (Some(ftp), DeliveryMode::Push) => Some(format!(
            "{} {}:{}{}",
            ftp.protocol_name(),
            ftp.host,
            ftp.port,
            ftp.remote_dir
        )),
        _ => None,
    };
    places.extend(server.clone());
    let mode = match opts.mode {
        DeliveryMode::Push => "push",
        DeliveryMode::Pull => "pull",
    };
    // Said plainly: a dry run never connects to the push server (`wfm check` logs in).
    let not_contacted = match (&cfg.ftp, opts.mode) {
        (Some(ftp), DeliveryMode::Push) => format!(
            "; the {} server was not contacted (wfm check logs in to it)",
            ftp.protocol_name()
        ),
        _ => String::new(),
    };
    let mut out = format!(
        "dry run of {} ({mode}): nothing is written, uploaded, mailed or recorded{not_contacted}\n",
        job.command()
    );
    for q in &summary.quarters {
        match &q.error {
            None if q.pending => {
                for f in &q.files {
                    out += &format!(
                        "would upload {} (written earlier, {} bytes) from {} to {}\n",
                        f.name,
                        f.bytes,
                        cfg.report_dir.display(),
                        server.as_deref().unwrap_or("the FTP server")
                    );
                }
            }
            None => {
                for f in &q.files {
                    out += &format!(
                        "would deliver {} ({} rows, {} bytes) to {}\n",
                        f.name,
                        f.rows,
                        f.bytes,
                        places.join(", ")
                    );
                }
            }
            // Most failures name their quarter already: named once.
            Some(e) if e.message.contains(&q.quarter.stem()) => out += &format!("would fail: {e}\n"),
            Some(e) => out += &format!("would fail {}: {e}\n", q.quarter),
        }
    }
    if summary.quarters.is_empty() {
        out += "nothing to build\n";
    }
    out
}

/// A run that could not open its folders, lock or state: every quarter failed,
/// mailed every time (without the state there is no streak), summed up.
async fn not_started(
    ctx: &RunContext<'_>,
    quarters: &[Quarter],
    e: anyhow::Error,
    started: std::time::Instant,
) -> RunSummary {
    let failure = Failure::new(FailureKind::NotStarted, format!("{e:#}; no files written"));
    error!("{failure}");
    let mut summary = RunSummary::all_failed(quarters, failure);
    summary.dry_run = ctx.opts.dry_run;
    summary.replay = ctx.opts.replay.is_some();
    if ctx.opts.records() {
        outage::mail_failure(
            ctx.cfg,
            ctx.job.command(),
            &summary,
            ctx.deadline.mail_until(),
            ctx.mode_word(),
        )
        .await;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    info!("{}", summary.line());
    if ctx.opts.records() {
        let r = report::RunReport {
            job: ctx.job,
            summary: &summary,
            now: ctx.now(),
            outage: true,
        };
        report::after_run(ctx.cfg, &r).await;
    }
    summary
}

pub(super) fn quarters_label(qs: &[Quarter]) -> String {
    match (qs.first(), qs.last()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a} to {b}"),
        _ => "none".to_string(),
    }
}

/// Upload what earlier runs wrote but could not push (from REPORT_DIR: it never
/// needs LivePerson again), fetch once for the quarters to build, build and
/// write each, then push all in one connection. Each quarter is recorded as
/// soon as it is written and again when delivered, so a killed run keeps its
/// progress.
async fn run_quarters(ctx: &RunContext<'_>, agent_map: &AgentMap, plan: &LoopPlan, rec: &mut Record) -> RunSummary {
    // Only a push run uploads (a dry one lists them); a pull run leaves them
    // waiting for the next push.
    let upload: &[Quarter] = if ctx.opts.mode == DeliveryMode::Push {
        &plan.upload
    } else {
        &[]
    };
    let mut summary = RunSummary {
        quarters: upload.iter().map(|q| deliver::pending(ctx, *q, rec)).collect(),
        ..Default::default()
    };
    if !upload.is_empty() {
        info!(
            "{} quarter(s) written earlier wait for the upload: {}",
            upload.len(),
            upload.iter().copied().collect::<QuarterSet>()
        );
    }
    if !plan.build.is_empty() {
        build_quarters(ctx, agent_map, &plan.build, rec, &mut summary).await;
    }
    if ctx.pushing() {
        deliver::push(ctx, &mut summary, rec).await;
    }
    summary
}

/// Build `quarters` from the channel's source ([`source`]) and write each as
/// soon as it is built, recording it at once.
async fn build_quarters(
    ctx: &RunContext<'_>,
    agent_map: &AgentMap,
    quarters: &[Quarter],
    rec: &mut Record,
    summary: &mut RunSummary,
) {
    let mut outcomes = Vec::with_capacity(quarters.len());
    let fetching = source::build_quarters(ctx, agent_map, quarters, &mut |q, built| {
        let outcome = match built {
            Err(failure) => QuarterOutcome::failed(q, failure),
            Ok(built) => match deliver::write_local(ctx, q, &built.files) {
                Ok(files) => QuarterOutcome {
                    quarter: q,
                    files,
                    error: None,
                    pending: false,
                    partial: built.partial,
                },
                Err(failure) => {
                    error!("quarter {q}: {failure}");
                    QuarterOutcome::failed(q, failure)
                }
            },
        };
        if outcome.error.is_none() && ctx.opts.records() {
            // Written for a push (now, or by the next push run when this one is a
            // pull override of DELIVERY=push); delivered when pull is the rule.
            if ctx.pushing() || ctx.cfg.delivery == DeliveryMode::Push {
                rec.written(q, outcome.partial);
            } else {
                rec.delivered(q, outcome.partial);
            }
        }
        outcomes.push(outcome);
    })
    .await;
    summary.quarters.extend(outcomes);
    summary.requests = fetching.requests;
    summary.by_method = fetching.by_method;
    summary.retries = fetching.retries;
    summary.fatal = fetching.fatal;
}
