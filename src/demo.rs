//! `wfm demo`: the whole pipeline against the built-in LivePerson simulator,
//! with no network and no credentials. Writes a config for the simulator, runs
//! one `loop` and a three-quarter `rerun` in pull mode, and prints a summary.
//! `--channel messaging` simulates a messaging account (Key Messaging Metrics and
//! Messaging Operations: the loop's quarter `Q_`, `AQ_` and `AS_`), its rerun two
//! days back (partial quarters: `Q_` and `AS_` from Key Messaging Metrics).
//! Built with the `demo` feature (on by default), which brings in the `lp-sim` crate.

use crate::config::{self, Channel};
use crate::job::{DeliveryMode, Job, RunOptions};
use crate::outcome::RunSummary;
use crate::quarter;
use crate::run;
use anyhow::{bail, Context, Result};
use chrono::{Duration, Utc};
use lp_sim::{SimOptions, Simulator};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const DEMO_ACCOUNT: &str = "12345678";

/// The config the demo writes: every path inside the demo folder.
fn demo_config(sim: &Simulator, agent_map: &str, channel: Channel) -> String {
    let c = sim.client();
    format!(
        "# Written by `wfm demo` for its built-in LivePerson simulator.\n\
         LP_ACCOUNT={DEMO_ACCOUNT}\n\
         # chat (Operational Realtime) or messaging (Key Messaging Metrics).\n\
         LP_CHANNEL={}\n\
         # OAuth 2.0 client credentials, as LivePerson issues them today.\n\
         LP_CLIENT_ID={}\nLP_CLIENT_SECRET={}\n\
         # The token and data hosts are looked up with the (simulated) Domain API, as in production.\n\
         LP_DOMAIN_API={}\n\
         LP_SKILL_IDS=all\nLP_AGENT_IDS=all\n\
         AGENT_MAP_FILE={agent_map}\nUNMAPPED_AGENTS=keep\n\
         REPORT_DIR=reports\nLOG_DIR=logs\nJSON_DIR=json\n",
        channel.name(),
        c.client_id,
        c.client_secret,
        sim.base_url()
    )
}

pub async fn run(output: Option<PathBuf>, channel: Channel) -> Result<()> {
    let messaging = channel == Channel::Messaging;
    // One folder per channel: a messaging demo after a chat one must not mix its
    // files, config and state into the chat demo's.
    let dir = output.unwrap_or_else(|| PathBuf::from(if messaging { "wfm-demo-messaging" } else { "wfm-demo" }));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the demo folder {}", dir.display()))?;
    let sim = Simulator::start(SimOptions {
        // A messaging account: its chat methods answer empty intervals.
        chat_data: !messaging,
        ..SimOptions::demo(DEMO_ACCOUNT)
    })
    .await
    .context("cannot start the LivePerson simulator on 127.0.0.1")?;

    // Map every other agent to a NICE employee id, so both cases show.
    let mut map = String::from("agent_id,employee_id\n");
    for (i, a) in sim
        .generator()
        .agent_ids()
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
    {
        let _ = writeln!(map, "{a},E{:04}", 1001 + i);
    }
    crate::atomic::write_atomic(&dir, "agents.csv", map.as_bytes())?;
    let cfg_path = crate::atomic::write_atomic(
        &dir,
        "config.navomi",
        demo_config(&sim, "agents.csv", channel).as_bytes(),
    )?;
    restrict_permissions(&cfg_path);
    // WFM_* overrides are for real deployments; the demo must not pick them up.
    let cfg = config::load_with_env(&cfg_path, |_| None)?;
    // Each demo starts fresh: with the last demo's state, `loop` would find its quarter delivered.
    let _ = std::fs::remove_file(&cfg.state_file);

    let now = Utc::now();
    let opts = RunOptions {
        mode: DeliveryMode::Pull,
        debug: 1,
        dry_run: false,
        replay: None,
        now,
        run_timeout: None,
        settle_wait: false,
    };
    let looped = run::execute(&cfg, &Job::Loop, &opts).await?;
    let newest = quarter::loop_quarter(now, Duration::seconds(cfg.settle_seconds.into()));
    let rerun_dir = dir.join("rerun");
    // Messaging reaches 14 days back: its rerun shows quarters two days old, built
    // partial (Messaging Operations serves 24 h).
    let last = if messaging {
        quarter::Quarter::starting_at(newest.start() - Duration::days(2)).unwrap_or(newest)
    } else {
        newest
    };
    let (start, end) = (last.prev().prev().prev(), last.prev());
    let rerun = run::execute(
        &cfg,
        &Job::Rerun {
            output: rerun_dir.clone(),
            start,
            end,
        },
        &opts,
    )
    .await?;
    let (requests, tokens) = (sim.data_requests(), sim.token_requests());
    let (agents, skills) = (sim.generator().agent_ids().len(), sim.generator().skill_ids().len());
    sim.shutdown().await;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nwfm demo: LivePerson simulator, a {} account with {agents} agents and {skills} skills; config {}",
        channel.name(),
        cfg_path.display()
    );
    section(
        &mut out,
        &format!("loop  (quarter that just closed, into {})", cfg.report_dir.display()),
        &looped,
    );
    section(
        &mut out,
        &format!(
            "rerun {} to {} (into {}, then copied into {})",
            start.stem(),
            end.stem(),
            rerun_dir.display(),
            cfg.report_dir.display()
        ),
        &rerun,
    );
    let per_run = if messaging {
        "Key Messaging Metrics answers one window at a time (metrics and agent_view per quarter); \
         Messaging Operations one request per method per run (msgskillsegments, msgconversation) \
         for the quarters of its 24 h"
    } else {
        "3 per run, whatever the number of quarters"
    };
    let _ = writeln!(
        out,
        "\n{requests} LivePerson data requests in all: {per_run} \
         ({tokens} OAuth 2.0 token requests: one per run)."
    );
    let schema = if messaging {
        "schema/wfm-messaging-reports.xsd"
    } else {
        "schema/wfm-reports.xsd"
    };
    let _ = writeln!(
        out,
        "Check the files against the schema: xmllint --noout --schema {schema} {}/*.xml",
        cfg.report_dir.display()
    );
    print!("{out}");
    if !(looped.ok() && rerun.ok()) {
        bail!("the demo run failed; see the messages above");
    }
    Ok(())
}

fn section(out: &mut String, title: &str, s: &RunSummary) {
    let _ = writeln!(out, "\n{title}");
    for q in &s.quarters {
        let partial = if q.partial {
            format!("  partial: Q_ and AS_ only, {}", crate::quarter::PARTIAL_WHY)
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}{partial}", q.quarter);
        if let Some(e) = &q.error {
            let _ = writeln!(out, "    FAILED: {e}");
        }
        for f in &q.files {
            let _ = writeln!(out, "    {:<20} {:>3} rows  {}", f.name, f.rows, f.path.display());
        }
    }
}

#[cfg(unix)]
fn restrict_permissions(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_p: &Path) {}
