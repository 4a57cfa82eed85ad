//! What the run built, delivered and lost, in the state file. Every
//! save of the state goes through [`Record::save`].

use super::RunContext;
use crate::job::{DeliveryMode, Job};
use crate::quarter::{FileStamp, Quarter};
use crate::quarter_set::QuarterSet;
use crate::report::layout;
use crate::select::Channel;
use crate::state::{self, Loaded, LoopPlan, ReportFiles, State};
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use std::path::PathBuf;

pub struct Record {
    path: PathBuf,
    report_dir: PathBuf,
    /// Which files make a quarter, and how far back its quarters are served.
    channel: Channel,
    /// FILE_STAMP: how the report files of a quarter are named.
    stamp: FileStamp,
    state: State,
    /// A rerun records only where `loop` already looks (see `State::mark_rerun_delivered`).
    rerun: bool,
    /// A dry run never writes the state.
    dry_run: bool,
}

impl Record {
    /// The state of the run; `Some(notice)` when the state file was damaged and
    /// the state was recovered (the run says so loudly).
    pub fn load(ctx: &RunContext<'_>) -> Result<(Record, Option<String>)> {
        let load = if !ctx.opts.records() {
            state::load_read_only
        } else {
            state::load
        };
        let reports = ReportFiles {
            dir: &ctx.cfg.report_dir,
            prefixes: layout::prefixes(ctx.cfg.channel),
            stamp: ctx.cfg.file_stamp,
        };
        let (mut state, notice) = match load(&ctx.cfg.state_file, reports, ctx.opts.now)? {
            Loaded::Fresh(s) | Loaded::Good(s) => (s, None),
            Loaded::Recovered { state, notice } => (state, Some(notice)),
        };
        if ctx.cfg.delivery == DeliveryMode::Pull {
            // Files waiting for a push are in REPORT_DIR, where pull delivers them.
            state.written_count_as_delivered();
        }
        // Another account's state is refused (`state::ForeignState`); one naming no account is adopted.
        state.claim(&ctx.cfg.account, &ctx.cfg.state_file.display().to_string())?;
        Ok((
            Record {
                path: ctx.cfg.state_file.clone(),
                report_dir: ctx.cfg.report_dir.clone(),
                channel: ctx.cfg.channel,
                stamp: ctx.cfg.file_stamp,
                state,
                rerun: matches!(ctx.job, Job::Rerun { .. }),
                dry_run: !ctx.opts.records(),
            },
            notice,
        ))
    }

    /// The checks of a `loop` before it plans (the account was checked on
    /// load): a delivery in the future refuses the run; lost and failed quarters
    /// after now are forgotten, and a jump of now far beyond the newest quarter
    /// recorded is logged at error level.
    pub fn vet_loop(&mut self, now: DateTime<Utc>, settle: Duration) -> Result<(), state::FutureState> {
        if let Some(e) = self.state.future_delivery(now, &self.path.display().to_string()) {
            return Err(e);
        }
        let forgotten = self.state.forget_future(now, settle);
        if forgotten > 0 {
            tracing::warn!(
                "forgot {forgotten} quarter(s) recorded lost that have not even ended by now ({}): an earlier run's clock was ahead; they are built when due",
                now.format("%Y-%m-%d %H:%M:%S UTC")
            );
        }
        if let Some((newest, gap)) = self.state.clock_jump(now) {
            tracing::error!(
                "now ({}) is {} h {} min after the newest quarter the state records ({newest}): if this machine's clock is right, no loop ran meanwhile; if the clock is ahead, correct it (`date -u`): quarters recorded lost on its word are built once LivePerson serves them",
                now.format("%Y-%m-%d %H:%M:%S UTC"),
                gap.num_hours(),
                gap.num_minutes() % 60
            );
        }
        Ok(())
    }

    /// Where `q` stands in the state, in words.
    pub fn standing(&self, q: Quarter) -> &'static str {
        self.state.standing(q)
    }

    /// What a `loop` builds, uploads and finds lost now.
    pub fn plan_loop(&self, now: DateTime<Utc>, settle: Duration) -> LoopPlan {
        self.state.plan_loop(now, settle, self.channel.reach(), |q| {
            ReportFiles::has_all(&self.report_dir, self.prefixes_of(q), q, self.stamp)
        })
    }

    /// Whether `q` was built partial (messaging beyond Messaging Operations' 24 h).
    pub fn is_partial(&self, q: Quarter) -> bool {
        self.state.partial.contains(q)
    }

    /// The files that make `q`, as the state records it.
    pub fn prefixes_of(&self, q: Quarter) -> &'static [&'static str] {
        if self.is_partial(q) {
            layout::partial_prefixes(self.channel)
        } else {
            layout::prefixes(self.channel)
        }
    }

    /// Push mode: a loop quarter's files are complete in REPORT_DIR, not uploaded yet.
    pub fn written(&mut self, q: Quarter, partial: bool) {
        if !self.rerun {
            self.state.mark_written(q);
            self.state.set_partial(q, partial);
            self.save_or_warn();
        }
    }

    /// A quarter is delivered: saved at once, so a run killed mid-way keeps its progress.
    pub fn delivered(&mut self, q: Quarter, partial: bool) {
        if self.rerun {
            self.state.mark_rerun_delivered(q);
        } else {
            self.state.mark_delivered(q);
        }
        self.state.set_partial(q, partial);
        self.save_or_warn();
    }

    /// The end of the run: lost quarters remembered, old history forgotten.
    pub fn finish(&mut self, lost: &QuarterSet, now: DateTime<Utc>) -> Result<()> {
        self.state.lost.extend(lost);
        self.state.prune(now);
        self.save()
    }

    /// For the outage policy, which keeps its streak in the state.
    pub fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    fn save_or_warn(&self) {
        if let Err(e) = self.save() {
            tracing::warn!("{e:#}");
        }
    }

    /// The one place the state file is written.
    pub fn save(&self) -> Result<()> {
        if self.dry_run {
            return Ok(());
        }
        state::save(&self.path, &self.state)
    }
}
