//! `--replay DIR`: a `loop` or `rerun` rebuilt from the raw replies a debug-2 run
//! saved in JSON_DIR, with the simulator stopped: the files are byte-identical
//! to the original run's, nothing is recorded, uploaded or pinged, and a folder
//! without the replies asked for is a clear failure naming folder and request.

use crate::common::*;
use chrono::{DateTime, Duration, Timelike, Utc};
use lp_sim::SimClock;
use std::collections::BTreeMap;
use std::path::Path;

/// Every visible file of `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_in(dir)
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

/// The same files, byte for byte, and at least `n` of them.
fn assert_identical(original: &Path, replayed: &Path, n: usize) {
    let (a, b) = (contents(original), contents(replayed));
    assert!(a.len() >= n, "the original run wrote {:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs after the replay");
    }
}

/// The config now writes into fresh folders: REPORT_DIR `replayed`, its own state folder.
fn fresh_folders(s: &Setup) {
    s.rewrite_config("REPORT_DIR=reports\n", "REPORT_DIR=replayed\nSTATE_DIR=state-replay\n");
}

async fn run(args: &[&str], now: Option<DateTime<Utc>>) -> std::process::Output {
    let mut cmd = wfm_command(args, now);
    tokio::task::spawn_blocking(move || cmd.output().expect("wfm runs"))
        .await
        .unwrap()
}

fn nothing_recorded(s: &Setup) {
    let state: Vec<_> = files_in(&s.path("state-replay"))
        .into_iter()
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    assert!(state.is_empty(), "a replay writes no state (only its lock): {state:?}");
    assert!(!s.path("metrics.prom").exists(), "a replay writes no METRICS_FILE");
}

const MONITORING: &str = "METRICS_FILE=metrics.prom\n";

/// A port that records whether anything connected (a ping, a mail): the kernel
/// queues a connection, and a non-blocking accept afterwards finds it.
struct Witness(std::net::TcpListener);

impl Witness {
    fn new() -> Witness {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Witness(l)
    }

    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }

    /// PING_URL and the failure mail's relay both pointed here.
    fn config_lines(&self) -> String {
        let port = self.port();
        format!(
            "PING_URL=http://127.0.0.1:{port}/ping\nEMAIL_SERVER=127.0.0.1\nEMAIL_PORT={port}\nEMAIL_TLS=none\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\n"
        )
    }

    fn untouched(&self) -> bool {
        matches!(self.0.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

async fn loop_then_replay(channel_lines: &str, sim: lp_sim::Simulator, now: DateTime<Utc>, files: usize) {
    let s = Setup::new(&sim, channel_lines);
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", "--config", &cfg, "--ftp", "pull", "--debug", "2"], now).await;
    assert_exit(&out, 0);
    sim.shutdown().await;
    fresh_folders(&s);
    let witness = Witness::new();
    s.rewrite_config(
        "LOG_DIR=logs\n",
        &format!("LOG_DIR=logs\n{MONITORING}{}", witness.config_lines()),
    );
    let json = s.path("json");
    let out = wfm(&["loop", "--config", &cfg, "--replay", json.to_str().unwrap()], now).await;
    assert_exit(&out, 0);
    assert_identical(&s.reports(), &s.path("replayed"), files);
    nothing_recorded(&s);
    assert!(witness.untouched(), "a replay pings nothing");
    let log = log_text(&s.path("logs"));
    assert!(log.contains("loop (replay of"), "the header says it is a replay: {log}");
    assert!(log.contains("replay finished: 1 of 1 quarter(s)"), "{log}");
    assert_eq!(
        log.matches("run finished:").count(),
        1,
        "the original run's only: `wfm status` must not take the replay for a run: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_loop_replays_byte_identical_with_the_simulator_stopped() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    loop_then_replay("", sim, now, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_messaging_loop_replays_byte_identical_with_the_simulator_stopped() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().with(|o| o.chat_data = false).start().await;
    loop_then_replay("LP_CHANNEL=messaging\n", sim, now, 3).await;
}

async fn rerun_then_replay(channel_lines: &str, sim: lp_sim::Simulator, now: DateTime<Utc>, files: usize) {
    let s = Setup::new(&sim, channel_lines);
    let cfg = s.config.to_str().unwrap().to_string();
    let (first, output) = (s.path("first"), s.path("second"));
    let rerun = |out: &Path, replay: Option<&Path>| {
        let mut args: Vec<String> = [
            "rerun",
            "--config",
            &cfg,
            "--debug",
            "2",
            "--start",
            "112426.0900",
            "--end",
            "112426.0945",
        ]
        .map(String::from)
        .to_vec();
        args.extend(["--output".into(), out.display().to_string()]);
        if let Some(dir) = replay {
            args.extend(["--replay".into(), dir.display().to_string()]);
        }
        args
    };
    let args = rerun(&first, None);
    let out = wfm(&args.iter().map(String::as_str).collect::<Vec<_>>(), now).await;
    assert_exit(&out, 0);
    sim.shutdown().await;
    fresh_folders(&s);
    let args = rerun(&output, Some(&s.path("json")));
    let out = wfm(&args.iter().map(String::as_str).collect::<Vec<_>>(), now).await;
    assert_exit(&out, 0);
    assert_identical(&first, &output, 4 * files);
    assert_identical(&s.reports(), &s.path("replayed"), 4 * files);
    nothing_recorded(&s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_rerun_replays_byte_identical() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    rerun_then_replay("", sim, now, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_messaging_rerun_replays_byte_identical() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().with(|o| o.chat_data = false).start().await;
    rerun_then_replay("LP_CHANNEL=messaging\n", sim, now, 3).await;
}

/// Without WFM_NOW a replay takes its clock from the dumps (their fetch time), so a
/// loop replayed hours or days later builds the original run's quarter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_wfm_now_a_replayed_loop_builds_the_quarter_of_the_dumps() {
    // Stay clear of the moment a new quarter becomes buildable (hh:01, :16, :31, :46).
    let since_due = (Utc::now() - Duration::seconds(60)).time().num_seconds_from_midnight() % 900;
    if !(5..=880).contains(&since_due) {
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
    let sim = scenario(Utc::now()).with(|o| o.clock = SimClock::Real).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let out = run(&["loop", "--config", &cfg, "--debug", "2"], None).await;
    assert_exit(&out, 0);
    sim.shutdown().await;
    fresh_folders(&s);
    let json = s.path("json");
    let mut cmd = wfm_command(&["loop", "--config", &cfg, "--replay", json.to_str().unwrap()], None);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_exit(&out, 0);
    assert_identical(&s.reports(), &s.path("replayed"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_without_the_requests_asked_for_is_a_failure_naming_both() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).with(|o| o.chat_data = false).oauth2().start().await;
    let s = Setup::new(&sim, "LP_CHANNEL=messaging\n");
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", "--config", &cfg, "--debug", "2"], now).await;
    assert_exit(&out, 0);
    sim.shutdown().await;
    fresh_folders(&s);
    let json = s.path("json");
    let json_arg = json.to_str().unwrap();
    let witness = Witness::new();
    s.rewrite_config("LOG_DIR=logs\n", &format!("LOG_DIR=logs\n{}", witness.config_lines()));

    // The loop's dumps hold 10:00 only; a rerun of 09:45 finds nothing to read.
    let old = s.path("old");
    let args = [
        "rerun",
        "--config",
        &cfg,
        "--output",
        old.to_str().unwrap(),
        "--start",
        "112426.0945",
        "--end",
        "112426.0945",
        "--replay",
        json_arg,
    ];
    let out = wfm(&args, now).await;
    assert_eq!(out.status.code(), Some(1), "the run's failure exit: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(json_arg), "names the folder: {err}");
    assert!(
        // Messaging Operations come first, one request for the run's window.
        err.contains("msgskillsegments-112426.0945-112426.0945-YYYYMMDDTHHMMSS.mmmZ.json"),
        "names the request: {err}"
    );
    assert!(files_in(&s.path("replayed")).is_empty());
    nothing_recorded(&s);
    assert!(witness.untouched(), "a failed replay mails and pings nothing");

    // A folder that is not there, or a replay asked to upload: usage errors (exit 2).
    let out = wfm(&["loop", "--config", &cfg, "--replay", "no-such-folder"], now).await;
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--replay no-such-folder"), "{}", stderr(&out));
    let out = wfm(&["loop", "--config", &cfg, "--ftp", "push", "--replay", json_arg], now).await;
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("never uploads"), "{}", stderr(&out));
    // An empty folder, no WFM_NOW: no clock to replay at.
    std::fs::create_dir_all(s.path("empty")).unwrap();
    let empty = s.path("empty");
    let out = run(&["loop", "--config", &cfg, "--replay", empty.to_str().unwrap()], None).await;
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("holds no saved LivePerson reply"),
        "{}",
        stderr(&out)
    );
}

/// Chat dumps carry no window in their names: a rerun of quarters the replayed
/// replies do not cover fails those quarters (exit 1), naming the missing interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_replay_of_quarters_its_replies_do_not_cover_fails_them() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", "--config", &cfg, "--debug", "2"], now).await;
    assert_exit(&out, 0);
    sim.shutdown().await;
    fresh_folders(&s);
    let (old, json) = (s.path("old"), s.path("json"));
    let args = [
        "rerun",
        "--config",
        &cfg,
        "--output",
        old.to_str().unwrap(),
        "--start",
        "112426.0900",
        "--end",
        "112426.0900",
        "--replay",
        json.to_str().unwrap(),
    ];
    let out = wfm(&args, now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("no interval ending 2026-11-24 09:05 UTC"), "{err}");
    assert!(err.contains(&format!("a replay of {}", json.display())), "{err}");
    assert!(files_in(&old).is_empty());
}
