//! The seam between where a run's figures come from and what it does with
//! them. A source (the chat methods, or Key Messaging Metrics for messaging
//! accounts, chosen by LP_CHANNEL) turns LivePerson replies into each
//! quarter's rendered files and hands them over one quarter at a time, oldest
//! first; writing, delivery, state, mail and the summary are the same for
//! every source. A new source is a new arm here and its own module: nothing
//! after the hand-over changes.
//!
//! What every source uses lives here, once: the id selection, the one warning
//! about unmapped agents, the LivePerson client of the run, and the words of a
//! failure of the whole run (LivePerson's, or the deadline's).

mod chat;
mod messaging;
mod msgops;

use super::RunContext;
use crate::aggregate::Selection;
use crate::config::Config;
use crate::lp::client::{http_client, LpClient, Replay};
use crate::lp::retry::RetryPolicy;
use crate::lp::LpError;
use crate::mapping::AgentMap;
use crate::outcome::{Failure, FailureKind};
use crate::quarter::Quarter;
use crate::report::render::RenderedFile;
use crate::select::{Channel, UnmappedAgents};
use std::collections::BTreeSet;
use tracing::{error, warn};

/// What a source made of one quarter: its files in delivery order, or why
/// there are none (the source has logged it).
pub type Built = Result<BuiltFiles, Failure>;

/// A quarter's files, and whether they are the partial set of a messaging
/// quarter beyond Messaging Operations' 24 h (`Q_` and `AS_` only).
#[derive(Debug)]
pub struct BuiltFiles {
    pub files: Vec<RenderedFile>,
    pub partial: bool,
}

impl From<Vec<RenderedFile>> for BuiltFiles {
    fn from(files: Vec<RenderedFile>) -> Self {
        BuiltFiles { files, partial: false }
    }
}

impl From<[RenderedFile; 3]> for BuiltFiles {
    fn from(files: [RenderedFile; 3]) -> Self {
        Vec::from(files).into()
    }
}

/// What a source did over the whole run.
#[derive(Debug, Default)]
pub struct Fetching {
    pub requests: usize,
    /// `requests` by method (and `token`), those made only.
    pub by_method: Vec<(&'static str, usize)>,
    pub retries: usize,
    /// Set when a failure of the run, not of one quarter, ended the fetching.
    pub fatal: Option<Failure>,
}

/// Build `quarters` from the configured channel's source, handing each to
/// `take` as soon as it is built. Every quarter is handed over exactly once.
pub async fn build_quarters(
    ctx: &RunContext<'_>,
    agent_map: &AgentMap,
    quarters: &[Quarter],
    take: &mut dyn FnMut(Quarter, Built),
) -> Fetching {
    let client = match lp_client(ctx) {
        Ok(client) => client,
        Err(failure) => {
            let failure = of_quarters(&crate::run::quarters_label(quarters), failure);
            error!("{failure}");
            for q in quarters {
                take(*q, Err(failure.clone()));
            }
            return Fetching {
                fatal: Some(failure),
                ..Fetching::default()
            };
        }
    };
    match ctx.cfg.channel {
        Channel::Chat => chat::build_quarters(ctx, &client, agent_map, quarters, take).await,
        Channel::Messaging => messaging::build_quarters(ctx, &client, agent_map, quarters, take).await,
    }
}

/// The skills and agents asked for and how agents map to employees.
pub(super) fn selection<'a>(cfg: &'a Config, agent_map: &'a AgentMap) -> Selection<'a> {
    Selection {
        skills: &cfg.skills,
        agents: &cfg.agents,
        agent_map,
        unmapped: cfg.unmapped_agents,
    }
}

/// One warning per run for agents missing from the agent map.
fn warn_unmapped(cfg: &Config, unmapped: BTreeSet<String>) {
    if unmapped.is_empty() {
        return;
    }
    let list: Vec<_> = unmapped.into_iter().collect();
    let verb = match cfg.unmapped_agents {
        UnmappedAgents::Keep => "reported under their LivePerson id",
        UnmappedAgents::Skip => "left out (UNMAPPED_AGENTS=skip)",
    };
    warn!(
        "{} agent(s) have no employee id in the agent map and were {verb}: {}",
        list.len(),
        list.join(", ")
    );
}

/// The run's LivePerson client: its retries end by the run's deadline, and at
/// debug level 2 (not in a dry run, not in a replay) every raw reply is kept as
/// it arrives, refusals included. With `--replay` it reads the dumps instead.
fn lp_client(ctx: &RunContext<'_>) -> Result<LpClient, Failure> {
    let cfg = ctx.cfg;
    let dump_dir = (ctx.opts.debug >= 2 && ctx.opts.records()).then(|| cfg.json_dir.clone());
    let http = http_client(cfg.lp_timeout_seconds)
        .map_err(|e| Failure::new(FailureKind::LivePerson, format!("no files written: {e}")))?;
    Ok(LpClient::new(http, cfg)
        .with_policy(RetryPolicy::for_run(cfg.lp_timeout_seconds).until(ctx.deadline.work_end()))
        .with_dump_dir(dump_dir)
        .with_replay(ctx.opts.replay.as_deref().map(Replay::at)))
}

/// The kind of a LivePerson failure, for the mail's hint.
pub(super) fn kind_of(e: &LpError) -> FailureKind {
    match e {
        LpError::Credentials { .. } => FailureKind::Refused,
        LpError::Spool { .. } => FailureKind::Write,
        LpError::TokenReply { .. } => FailureKind::Malformed,
        _ if matches!(e.status(), Some(401 | 403)) => FailureKind::Refused,
        _ => FailureKind::LivePerson,
    }
}

/// A LivePerson failure of the whole run.
pub(super) fn lp_failure(e: &LpError) -> Failure {
    Failure::new(kind_of(e), format!("no files written: {e}"))
}

/// The run's deadline passed while LivePerson was still being asked.
pub(super) fn deadline_failure(ctx: &RunContext<'_>) -> Failure {
    Failure::new(
        FailureKind::LivePerson,
        format!("no files written: {}", ctx.cut("LivePerson")),
    )
}

/// A quarter's failure in a replay: its replies are the folder's, not LivePerson's
/// of today, so the usual advice ("rerun later") is completed by what it means there.
pub(super) fn replayed(ctx: &RunContext<'_>, failure: Failure) -> Failure {
    match &ctx.opts.replay {
        None => failure,
        Some(dir) => Failure::new(
            failure.kind,
            format!(
                "{} (a replay of {}: a missing interval means the folder holds no reply of a run that built this quarter; replay that run's replies, with its window)",
                failure.message,
                dir.display()
            ),
        ),
    }
}

/// A failure of the run, said of the quarters it leaves unbuilt (`label`).
pub(super) fn of_quarters(label: &str, failure: Failure) -> Failure {
    Failure::new(failure.kind, format!("{label}: {}", failure.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::model::Method;

    #[test]
    fn refusals_are_told_apart_from_outages() {
        let status = |status| LpError::Status {
            method: Method::QueueHealth,
            status,
            message: String::new(),
            retry_after: None,
            hint: "",
        };
        assert_eq!(kind_of(&status(401)), FailureKind::Refused);
        assert_eq!(kind_of(&status(403)), FailureKind::Refused);
        assert_eq!(kind_of(&status(503)), FailureKind::LivePerson);
        assert_eq!(
            kind_of(&LpError::Credentials {
                status: 400,
                message: String::new()
            }),
            FailureKind::Refused
        );
        assert_eq!(
            kind_of(&LpError::Transport {
                method: Method::EngActivity,
                url: String::new(),
                reason: String::new()
            }),
            FailureKind::LivePerson
        );
    }
}
