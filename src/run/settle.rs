//! The settle wait of a `loop` started at a quarter's end rather than a minute after.

use super::RunContext;
use crate::job::{Job, RunOptions};
use crate::quarter;
use tracing::info;

/// A `loop` started inside the settle window of the quarter that just ended
/// (at 10:15:00 with SETTLE_SECONDS=60) waits until it settles, so that quarter
/// is built by this run and not 15 minutes later; the logical clock moves on
/// by the wait. Only when the wait takes at most half of the run's working
/// time: the rest is left for LivePerson and the push. A rerun never waits;
/// neither does a dry run (it lists what a run at this moment would do).
pub(super) async fn settle(ctx: &RunContext<'_>) -> RunOptions {
    let mut opts = ctx.opts.clone();
    let Some((q, left)) = quarter::settle_wait(ctx.now(), ctx.settle()) else {
        return opts;
    };
    // A replay's clock is the dumps' time: there is nothing to wait for.
    if !matches!(ctx.job, Job::Loop) || opts.replay.is_some() {
        return opts;
    }
    let secs = (left.num_milliseconds() + 999) / 1000;
    let budget = ctx
        .deadline
        .work_end()
        .saturating_duration_since(std::time::Instant::now())
        / 2;
    let wait = left.to_std().unwrap_or_default();
    if opts.dry_run {
        info!(
            "dry run: not waiting {secs} s for {q} to settle (SETTLE_SECONDS={}); listing what a run now would do",
            ctx.cfg.settle_seconds
        );
    } else if !opts.settle_wait {
        info!("not waiting {secs} s for {q} to settle (WFM_TEST_SETTLE_WAIT=0)");
    } else if wait > budget {
        tracing::warn!(
            "started {secs} s before {q} settles (SETTLE_SECONDS={}); waiting would take more than half of RUN_TIMEOUT_SECONDS={}, so the next run builds it: start loop at least SETTLE_SECONDS after each quarter (cron 1-59/15, timer *:01/15)",
            ctx.cfg.settle_seconds,
            ctx.deadline.seconds()
        );
    } else {
        info!(
            "waiting {secs} s for {q} to settle (SETTLE_SECONDS={})",
            ctx.cfg.settle_seconds
        );
        tokio::time::sleep(wait).await;
        opts.now += left;
    }
    opts
}
