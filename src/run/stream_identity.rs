//! The run's parse and aggregation (the run's intervals only, streamed from
//! the spooled body into compact records, one quarter aggregated at a time)
//! against the whole-body parser and the typed aggregation it replaced: the
//! same replies must render the same files, byte for byte, and the same failures.

use super::{build, fetch, RunContext};
use crate::aggregate::build_quarter;
use crate::config;
use crate::job::{DeliveryMode, Job, RunOptions};
use crate::lp::model::{whole, Snapshot};
use crate::mapping::AgentMap;
use crate::quarter::{parse_quarter_arg, quarter_range};
use crate::report::render::render_quarter;
use lp_sim::{GeneratorConfig, IntervalOrder, SimClock, SimOptions, Simulator};
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_and_whole_body_parses_render_the_same_bytes() {
    let now = "2026-11-24T18:07:00Z".parse().unwrap();
    let mut sim_opts = SimOptions::demo("12345678");
    sim_opts.clock = SimClock::Fixed(now);
    sim_opts.order = IntervalOrder::Shuffled;
    sim_opts.generator = GeneratorConfig {
        seed: 7,
        agents: 30,
        skills: 6,
    };
    let sim = Simulator::start(sim_opts).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = sim.client();
    let path = dir.path().join("config.navomi");
    std::fs::write(
        &path,
        format!(
            "LP_ACCOUNT=12345678\nLP_CLIENT_ID={}\nLP_CLIENT_SECRET={}\nLP_BASE_URI={2}\nLP_SENTINEL_URI={2}\n\
             REPORT_DIR=reports\nJSON_DIR=json\nLOG_DIR=logs\n",
            c.client_id,
            c.client_secret,
            sim.base_url()
        ),
    )
    .unwrap();
    let cfg = config::load_with_env(&path, |_| None).unwrap();
    std::fs::create_dir_all(&cfg.json_dir).unwrap();
    // Twelve quarters, the last ones reaching the reply's in-progress interval.
    let quarters = quarter_range(
        parse_quarter_arg("112426.1500").unwrap(),
        parse_quarter_arg("112426.1800").unwrap(),
    );
    let opts = RunOptions {
        mode: DeliveryMode::Pull,
        debug: 2,
        dry_run: false,
        now,
        run_timeout: None,
        settle_wait: false,
    };
    let ctx = RunContext {
        cfg: &cfg,
        job: &Job::Loop,
        opts: &opts,
        deadline: crate::deadline::Deadline::after(std::time::Duration::from_secs(600)),
    };
    let streamed = fetch::fetch(&ctx, &quarters, "the test").await.snapshot.unwrap();

    // Debug 2 saved each reply as received: parsed whole, the old way.
    let dump = |method: &str| {
        let files: Vec<_> = std::fs::read_dir(&cfg.json_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(method))
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        std::fs::read(&files[0]).unwrap()
    };
    let whole = Snapshot {
        queue_health: whole::parse_queue_health(&dump("queuehealth")).unwrap(),
        eng_activity: whole::parse_eng_activity(&dump("engactivity")).unwrap(),
        agent_activity: whole::parse_agent_activity(&dump("agentactivity")).unwrap(),
    };
    let agent_map = AgentMap::default();
    let sel = build::selection(&cfg, &agent_map);
    let (mut built, mut failed) = (0, 0);
    for q in quarters {
        let mut unmapped = (BTreeSet::new(), BTreeSet::new());
        let old = build_quarter(&whole, q, &sel)
            .map(|r| {
                unmapped.1 = r.unmapped_agents.clone();
                render_quarter(&r, &cfg.account, cfg.file_stamp)
            })
            .map_err(|e| {
                crate::outcome::Failure::new(crate::outcome::FailureKind::Data, format!("{e}; no files written"))
            });
        let new = build::quarter(&cfg, q, &streamed, &sel, &mut unmapped.0);
        assert_eq!(unmapped.0, unmapped.1);
        match (new, old) {
            (Ok(a), Ok(b)) => {
                for (a, b) in a.iter().zip(&b) {
                    assert_eq!(a.name, b.name);
                    assert!(a.bytes == b.bytes, "{} differs", a.name);
                }
                built += 1;
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.message, b.message);
                failed += 1;
            }
            (a, b) => panic!("quarter {q}: streaming {:?}, whole {:?}", a.err(), b.err()),
        }
    }
    assert!(built >= 10 && failed >= 1, "{built} built, {failed} failed");
    sim.shutdown().await;
}
