//! Stage 5: what the run delivered and lost, in the state file. Every save of
//! the state goes through [`Record::save`].

use super::RunContext;
use crate::job::Job;
use crate::quarter::Quarter;
use crate::state::{self, State};
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use std::path::PathBuf;

pub struct Record {
    path: PathBuf,
    state: State,
    /// A rerun records only where `loop` already looks (see `State::mark_rerun_delivered`).
    rerun: bool,
    /// A dry run never writes the state.
    dry_run: bool,
}

impl Record {
    /// The state file of the run, and a warning when it had to be set aside.
    pub fn load(ctx: &RunContext<'_>) -> Result<(Record, Option<String>)> {
        let (mut state, warning) = state::load(&ctx.cfg.state_file, ctx.opts.now)?;
        // Another account's state is refused (`state::ForeignState`); one naming no account is adopted.
        state.claim(&ctx.cfg.account, &ctx.cfg.state_file.display().to_string())?;
        Ok((
            Record {
                path: ctx.cfg.state_file.clone(),
                state,
                rerun: matches!(ctx.job, Job::Rerun { .. }),
                dry_run: ctx.opts.dry_run,
            },
            warning,
        ))
    }

    /// What a `loop` builds now, and the quarters newly found lost.
    pub fn plan_loop(&self, now: DateTime<Utc>, settle: Duration) -> (Vec<Quarter>, Vec<Quarter>) {
        let plan = self.state.plan_loop(now, settle);
        (plan.build, plan.newly_lost)
    }

    /// A quarter is delivered: saved at once, so a run killed mid-way keeps its progress.
    pub fn delivered(&mut self, q: Quarter) {
        if self.rerun {
            self.state.mark_rerun_delivered(q);
        } else {
            self.state.mark_delivered(q);
        }
        if let Err(e) = self.save() {
            tracing::warn!("{e:#}");
        }
    }

    /// The end of the run: lost quarters remembered, old entries forgotten.
    pub fn finish(&mut self, lost: &[Quarter], now: DateTime<Utc>) -> Result<()> {
        self.state.lost.extend(lost.iter().map(|q| q.start()));
        self.state.prune(now);
        self.save()
    }

    /// For the outage policy, which keeps its streak in the state.
    pub fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    /// The one place the state file is written.
    pub fn save(&self) -> Result<()> {
        if self.dry_run {
            return Ok(());
        }
        state::save(&self.path, &self.state)
    }
}
