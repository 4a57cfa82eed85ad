//! The operator's day, end to end through the real binary: a dry run that
//! lists what it would deliver and writes nothing, the log header, a run
//! stopped by SIGTERM, JSON_DIR pruned, and no library chatter in the log.

mod on_time;

use crate::common::*;
use lp_sim::{Fault, Method};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Every path below `dir` with its size (log files: name only, they grow).
fn listing(dir: &Path) -> BTreeMap<String, Option<u64>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if p.is_dir() {
                todo.push(p);
                out.insert(rel, None);
            } else {
                let size = (!rel.starts_with("logs")).then(|| e.metadata().unwrap().len());
                out.insert(rel, size);
            }
        }
    }
    out
}

/// The dry run's lines `would deliver NAME (R rows, B bytes) to PLACES`: name -> (rows, bytes, places).
fn would_deliver(stdout: &str) -> BTreeMap<String, (usize, u64, String)> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("would deliver "))
        .map(|l| {
            let (name, rest) = l.split_once(" (").unwrap();
            let (rows, rest) = rest.split_once(" rows, ").unwrap();
            let (bytes, places) = rest.split_once(" bytes) to ").unwrap();
            (
                name.to_string(),
                (rows.parse().unwrap(), bytes.parse().unwrap(), places.to_string()),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_lists_every_file_at_debug_0_and_writes_nothing() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();

    // loop, debug 0, a fresh folder: no state, no lock file, no report folder.
    let out = wfm(&["loop", &cfg, "2", "2", "0", "--dry-run"], now).await;
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let listed = would_deliver(&stdout(&out));
    let start = t("2026-11-24T10:00:00Z");
    assert_eq!(
        listed.keys().cloned().collect::<Vec<_>>(),
        {
            let mut n = names(start).to_vec();
            n.sort();
            n
        },
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).starts_with("dry run of wfm loop (pull)"),
        "{}",
        stdout(&out)
    );
    for (_, _, places) in listed.values() {
        assert_eq!(places, &s.reports().display().to_string());
    }
    assert!(!s.reports().exists() && !s.state_dir().exists() && !s.path("json").exists());
    assert!(!s.lock_file().exists());
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("(dry run): delivery pull, debug 0")
            && log.contains("run finished: 1 of 1 quarter(s) built in a dry run (nothing written), 3 file(s)")
            && !log.contains("quarter(s) delivered"),
        "{log}"
    );

    // The real run writes exactly what the dry run listed: rows and bytes.
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "", "only a dry run prints on stdout");
    for (name, (rows, bytes, _)) in &listed {
        let path = s.reports().join(name);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), *bytes, "{name}");
        assert_eq!(read_report(&path).rows.len(), *rows, "{name}");
    }

    // rerun, debug 0, after the real run: the folder is the same before and after.
    let before = listing(s.dir.path());
    let state = std::fs::read(s.state_file()).unwrap();
    let old = s.path("old");
    let out = wfm(
        &[
            "rerun",
            &cfg,
            "2",
            "2",
            "0",
            old.to_str().unwrap(),
            "112426.0930",
            "112426.0945",
            "--dry-run",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let listed = would_deliver(&stdout(&out));
    assert_eq!(listed.len(), 6, "{}", stdout(&out));
    for q in ["2026-11-24T09:30:00Z", "2026-11-24T09:45:00Z"] {
        for n in names(t(q)) {
            let (rows, bytes, places) = &listed[&n];
            assert!(*rows > 0 && *bytes > 200, "{n}: {rows} {bytes}");
            assert_eq!(
                places,
                &format!("{}, {}", old.display(), s.reports().display()),
                "a rerun writes OUTPUT and copies into REPORT_DIR"
            );
        }
    }
    assert_eq!(listing(s.dir.path()), before, "nothing written");
    assert_eq!(std::fs::read(s.state_file()).unwrap(), state, "nothing recorded");
    assert!(log_text(&s.path("logs")).contains("rerun (dry run): delivery pull, debug 0"));

    // A damaged state file is described, not moved aside.
    std::fs::write(s.state_file(), "{ garbage").unwrap();
    let before = listing(s.dir.path());
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", &cfg, "2", "2", "0", "--dry-run"], later).await;
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("this dry run leaves it in place"),
        "{}",
        stderr(&out)
    );
    assert_eq!(would_deliver(&stdout(&out)).len(), 3, "{}", stdout(&out));
    assert_eq!(listing(s.dir.path()), before, "nothing written");
    assert_eq!(std::fs::read(s.state_file()).unwrap(), b"{ garbage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_run_starts_with_a_header_line_in_the_log() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    // An old log file: its removal is logged after the header.
    std::fs::create_dir_all(s.path("logs")).unwrap();
    std::fs::write(s.path("logs/wfm.2020-01-01.log"), "old\n").unwrap();
    let child = wfm_command(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], Some(now))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_exit(&out, 0);
    let log = log_text(&s.path("logs"));
    let first = log.lines().next().unwrap_or_default();
    let want = format!(
        "wfm {} loop: delivery pull, debug 0, pid {pid}, account {ACCOUNT}, config {}",
        env!("CARGO_PKG_VERSION"),
        s.config.display()
    );
    assert!(first.ends_with(&want), "{first:?} should end with {want:?}");
    assert!(log.contains("removed the old log file wfm.2020-01-01.log"), "{log}");
}

/// The config path: `--config`, else WFM_CONFIG (how a systemd instance or a
/// shell names an account's config), else the packaged /etc/wfm/config.navomi,
/// else ./config.navomi. Run from a folder holding no config.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wfm_config_names_the_config_when_no_flag_does_and_the_flag_wins() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let elsewhere = tempfile::tempdir().unwrap();
    let cfg = s.config.to_str().unwrap();
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = wfm_command(args, Some(now));
        cmd.current_dir(elsewhere.path());
        if let Some(v) = env {
            cmd.env("WFM_CONFIG", v);
        }
        cmd.output().unwrap()
    };

    let out = run(&["loop"], Some(cfg));
    assert_exit(&out, 0);
    for n in names(t("2026-11-24T10:00:00Z")) {
        assert!(s.reports().join(&n).is_file(), "{n} written");
    }
    let log = log_text(&s.path("logs"));
    assert!(log.contains(&format!("account {ACCOUNT}, config {cfg}")), "{log}");

    let out = run(&["status", "--json"], Some(cfg));
    assert_exit(&out, 0);
    let j: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (j["account"].as_str(), j["last_delivered"]["quarter"].as_str()),
        (Some(ACCOUNT), Some("112426.1000"))
    );

    // --config wins over WFM_CONFIG.
    let missing = elsewhere.path().join("nowhere.conf");
    let out = run(&["status", "--config", cfg], Some(missing.to_str().unwrap()));
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains(&format!("\naccount         {ACCOUNT}\n")),
        "{}",
        stdout(&out)
    );

    // A WFM_CONFIG naming no file is a config error naming that file.
    let out = run(&["check"], Some(missing.to_str().unwrap()));
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("nowhere.conf"), "{}", stderr(&out));

    // Neither: the packaged config, else ./config.navomi (here: none, named).
    if std::path::Path::new("/etc/wfm/config.navomi").exists() {
        eprintln!("skipped the last step: this machine has /etc/wfm/config.navomi");
        return;
    }
    let out = run(&["status"], None);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("config.navomi"), "{}", stderr(&out));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_a_rerun_with_130() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    sim.inject(Some(Method::EngActivity), Fault::Slow(Duration::from_secs(5)), 1);
    let s = Setup::new(&sim, "");
    let old = s.path("old");
    let args = [
        "rerun",
        s.config.to_str().unwrap(),
        "2",
        "2",
        "0",
        old.to_str().unwrap(),
        "112426.0930",
        "112426.0945",
    ];
    let (out, _) = stop_mid_run(&args, now, &s.lock_file(), libc::SIGINT, || {}).await;
    assert_exit(&out, 130);
    assert!(files_in(&old).is_empty() && files_in(&s.reports()).is_empty());
    assert!(log_text(&s.path("logs")).contains("stopped by SIGINT"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_run_cleanly_and_the_next_run_works() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    // A rerun of two quarters, LivePerson slow to answer one method.
    sim.inject(Some(Method::QueueHealth), Fault::Slow(Duration::from_secs(5)), 1);
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let state = std::fs::read(s.state_file()).unwrap();

    sim.set_now(t("2026-11-24T10:31:30Z"));
    let later = t("2026-11-24T10:31:30Z");
    sim.inject(Some(Method::QueueHealth), Fault::Slow(Duration::from_secs(5)), 1);
    let part = s.reports().join(".Q_112426.1015.xml.abc123.part");
    // Inside the slow reply; a temporary as a write cut by the signal leaves it.
    let plant = || std::fs::write(&part, "half").unwrap();
    let (out, took) = stop_mid_run(
        &["loop", &cfg, "2", "2", "1"],
        later,
        &s.lock_file(),
        libc::SIGTERM,
        plant,
    )
    .await;
    assert_exit(&out, 143);
    assert!(took < Duration::from_secs(3), "stopped at once");
    for d in [s.reports(), s.state_dir(), s.path("json")] {
        files_in(&d); // asserts no `.part` file
    }
    assert!(files_in(&s.reports()).len() == 3, "nothing of the stopped quarter");
    assert_eq!(std::fs::read(s.state_file()).unwrap(), state, "nothing recorded half");
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("removed 1 temporary file(s) left in") && log.contains("by the stopped run"),
        "{log}"
    );
    assert!(log.contains("stopped by SIGTERM"), "{log}");
    assert!(stderr(&out).contains("stopped by SIGTERM"), "{}", stderr(&out));

    // The lock is free and the next run delivers the quarter.
    let out = wfm(&["loop", &cfg, "2", "2", "0"], later).await;
    assert_exit(&out, 0);
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:15:00Z"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_dir_is_pruned_and_debug_2_logs_only_wfm_lines() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "LOG_KEEP_DAYS=7\n");
    std::fs::create_dir_all(s.path("json")).unwrap();
    let old = s.path("json/queuehealth-20261001T100000.000Z.json");
    let young = s.path("json/queuehealth-20261120T100000.000Z.json");
    let other = s.path("json/notes.txt");
    for p in [&old, &young, &other] {
        let f = std::fs::File::create(p).unwrap();
        let age = if p == &young { 2 } else { 40 };
        f.set_modified(std::time::SystemTime::now() - Duration::from_secs(age * 86_400))
            .unwrap();
    }
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now).await;
    assert_exit(&out, 0);
    assert!(!old.exists(), "a raw reply older than LOG_KEEP_DAYS is removed");
    assert!(young.exists() && other.exists());
    assert_eq!(files_in(&s.path("json")).len(), 2 + 3, "the run's own three replies");
    let log = log_text(&s.path("logs"));
    assert!(log.contains("removed 1 raw reply file(s)"), "{log}");
    // Debug 2: wfm's own debug lines, none of the HTTP libraries' chatter.
    assert!(log.contains("DEBUG") && log.contains("fetching timeframe="), "{log}");
    for chatter in [
        "connecting to",
        "connected to",
        "pooling idle connection",
        "starting new connection",
        "reuse idle connection",
    ] {
        assert!(!log.contains(chatter), "{chatter:?} in the log:\n{log}");
        assert!(!stderr(&out).contains(chatter), "{chatter:?} on stderr");
    }
}

/// SIGHUP (the operator's SSH session dropped), SIGQUIT and SIGUSR1 stop a run
/// as SIGTERM does: logged under their own name, temporaries removed, exit 143. A `.part`
/// a killed debug-2 run left in JSON_DIR is swept by the next run, at any level.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_sigquit_and_sigusr1_stop_the_run_cleanly() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    for (signal, name, code) in [
        (libc::SIGHUP, "SIGHUP", 143),
        (libc::SIGQUIT, "SIGQUIT", 143),
        (libc::SIGUSR1, "SIGUSR1", 143),
    ] {
        sim.inject(Some(Method::QueueHealth), Fault::Slow(Duration::from_secs(5)), 1);
        let (out, _) = stop_mid_run(&["loop", &cfg, "2", "2", "2"], now, &s.lock_file(), signal, || {}).await;
        assert_eq!(out.status.code(), Some(code), "{name}: {}", stderr(&out));
        files_in(&s.path("json")); // asserts no `.part` file
        assert!(
            files_in(&s.reports()).is_empty(),
            "{name}: nothing of the stopped quarter"
        );
        let log = log_text(&s.path("logs"));
        assert!(log.contains(&format!("stopped by {name}")), "{name}: {log}");
    }

    // A temporary left by a run killed outright (kill -9) is swept at the next start.
    let stale = s.path("json/.queuehealth-20261124T101600.000Z.json.k9Xy.part");
    std::fs::write(&stale, "half a reply").unwrap();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert!(!stale.exists(), "the stale temporary in JSON_DIR is removed");
    let log = log_text(&s.path("logs"));
    assert!(log.contains("by an interrupted run"), "{log}");
}

/// Issue 17, item 19: a dry run's failed quarter is named once on its line, not
/// once by the listing and again by the failure's own words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_runs_failed_quarter_is_named_once() {
    let now = t("2026-11-24T10:16:30Z");
    // LivePerson's clock is an hour behind: the quarter's intervals are not served yet.
    let sim = scenario(now - chrono::Duration::hours(1)).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", &cfg, "2", "2", "0", "--dry-run"], now).await;
    let listed = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{}{listed}", stderr(&out));
    let line = listed
        .lines()
        .find(|l| l.starts_with("would fail"))
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(line.matches("112426.1000").count(), 1, "{line}");
    assert!(
        line.starts_with("would fail: queuehealth reply has no interval ending 2026-11-24 10:05 UTC, which quarter 112426.1000 needs"),
        "{line}"
    );
}

/// Issue 17, "Also": two accounts sharing one REPORT_DIR. The second account's
/// run finds the first one's reports at its file names and refuses: exit 1,
/// both accounts named, nothing of the quarter replaced (loop and rerun alike).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_account_never_overwrites_the_first_ones_reports() {
    let now = t("2026-11-24T10:16:30Z");
    let sim_a = scenario(now).start().await;
    let sim_b = scenario(now).with(|o| o.account = "87654321".into()).start().await;
    let a = Setup::new(&sim_a, "");
    let shared = a.reports();
    let b = Setup::new(&sim_b, &format!("REPORT_DIR={}", shared.display()));
    let out = wfm(&["loop", a.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let bytes = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        files_in(dir)
            .into_iter()
            .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap()))
            .collect()
    };
    let before = bytes(&shared);
    assert_eq!(before.len(), 3);

    let out = wfm(&["loop", b.config.to_str().unwrap(), "2", "2", "0"], now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("is a report of LivePerson account 12345678, but this config is for account 87654321")
            && err.contains("Nothing of this quarter was replaced"),
        "{err}"
    );
    assert_eq!(bytes(&shared), before, "the first account's files are untouched");

    let old = b.path("old");
    let out = wfm(
        &[
            "rerun",
            b.config.to_str().unwrap(),
            "2",
            "2",
            "0",
            old.to_str().unwrap(),
            "112426.1000",
            "112426.1000",
        ],
        now,
    )
    .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("account 12345678") && err.contains("account 87654321"),
        "{err}"
    );
    assert_eq!(bytes(&shared), before, "a rerun's copy refuses too");
    assert!(
        files_in(&old).is_empty(),
        "nothing of the quarter written: {:?}",
        files_in(&old)
    );
}

/// Starts `wfm` with `args` at `now`, waits until it holds the lock (its own pid
/// in `lock`) and is inside LivePerson's slow reply, runs `before` (to plant a
/// temporary, say), then sends `signal`. Its output, and how long it took to
/// stop after the signal.
#[cfg(unix)]
async fn stop_mid_run(
    args: &[&str],
    now: chrono::DateTime<chrono::Utc>,
    lock: &Path,
    signal: libc::c_int,
    before: impl FnOnce(),
) -> (std::process::Output, Duration) {
    let child = wfm_command(args, Some(now))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(lock).is_ok_and(|h| h.contains(&format!("pid {}", child.id()))) {
        assert!(Instant::now() < deadline, "the run never took the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    before();
    let signalled = Instant::now();
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    (out, signalled.elapsed())
}
