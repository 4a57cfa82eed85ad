//! Never lose a quarter: catch-up from the state file, one run at a time,
//! and `kill -9` at many points leaving no broken file under a final name.

mod hostile_files;

use crate::common::*;
use lp_sim::{Fault, IntervalOrder, Method};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

mod local_disk;

fn spawn_wfm(args: &[&str], now: chrono::DateTime<chrono::Utc>) -> Child {
    wfm_command(args, Some(now))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Wait until the lock file names a holder (the run is inside its critical part).
async fn wait_for_lock_holder(lock: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(s) = std::fs::read_to_string(lock) {
            if s.contains("pid") {
                return s;
            }
        }
        assert!(Instant::now() < deadline, "no run took the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every visible XML file in `dir` is whole (valid against the XSD); returns how many.
fn assert_whole_files(dir: &Path) -> usize {
    let files: Vec<PathBuf> = files_in(dir)
        .into_iter()
        .filter(|n| n.ends_with(".xml"))
        .map(|n| dir.join(n))
        .collect();
    xmllint(&files);
    files.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_two_hours_later_catches_up_every_missing_quarter() {
    let earlier = t("2026-11-24T08:16:30Z");
    let sim = scenario(earlier).order(IntervalOrder::Shuffled).start().await;
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], earlier).await;
    assert_exit(&out, 0);
    assert_eq!(files_in(&s.reports()).len(), 3);

    let now = t("2026-11-24T10:16:30Z");
    sim.set_now(now);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    assert_eq!(sim.data_requests(), 6, "one fetch per method for all eight quarters");
    assert!(stderr(&out).contains("8 of 8 quarter(s) delivered"), "{}", stderr(&out));
    let exp = Expect::all(sim.generator());
    let mut start = t("2026-11-24T08:00:00Z");
    for _ in 0..9 {
        exp.check_quarter(&s.reports(), start);
        start += chrono::Duration::minutes(15);
    }
    assert_eq!(files_in(&s.reports()).len(), 27);
    let st = s.state_json().unwrap();
    assert_eq!(quarters_in(&st["delivered"]), 9);
    assert_eq!(st["delivered"].as_array().unwrap().len(), 1, "one range");
    assert!(st["outage"].is_null());

    // Nothing left to do in the same quarter: no request, exit 0.
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(sim.data_requests(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_quarter_is_built_by_the_next_run() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    // First run: LivePerson refuses; nothing delivered, but the failure is remembered.
    sim.inject(Some(Method::EngActivity), Fault::ServerError(400), 1);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    // Without a delivered quarter there is nothing to catch up from: the next
    // quarter's run builds only its own quarter, so deliver one first.
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let later = t("2026-11-24T10:46:30Z");
    sim.set_now(later);
    sim.inject(Some(Method::QueueHealth), Fault::ServerError(400), 1);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], later).await;
    assert_exit(&out, 1);
    assert_eq!(files_in(&s.reports()).len(), 3);
    let even_later = t("2026-11-24T11:01:30Z");
    sim.set_now(even_later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], even_later).await;
    assert_exit(&out, 0);
    // 10:15, 10:30 (failed before) and 10:45 (new) are all there now.
    assert_eq!(files_in(&s.reports()).len(), 12);
    let exp = Expect::all(sim.generator());
    for q in ["2026-11-24T10:15:00Z", "2026-11-24T10:30:00Z", "2026-11-24T10:45:00Z"] {
        exp.check_quarter(&s.reports(), t(q));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quarters_out_of_the_window_are_reported_lost() {
    let earlier = t("2026-11-23T08:16:30Z");
    let sim = scenario(earlier).start().await;
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], earlier).await;
    assert_exit(&out, 0);
    let now = t("2026-11-24T10:16:30Z");
    sim.set_now(now);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "lost quarters fail the run: {err}");
    assert!(err.contains("112326.0815") && err.contains("lost"), "{err}");
    assert!(
        err.contains("112326.1015") && !err.contains("quarter 112326.1030"),
        "{err}"
    );
    // Everything LivePerson still serves was delivered: 23 Nov 10:30 .. 24 Nov 10:00.
    assert_eq!(files_in(&s.reports()).len(), 3 + 95 * 3);
    assert_eq!(sim.data_requests(), 6);
    // Lost quarters are reported once.
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], later).await;
    assert_exit(&out, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_exits_at_once_naming_the_holder() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    sim.inject(Some(Method::QueueHealth), Fault::Slow(Duration::from_secs(2)), 1);
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let first = spawn_wfm(&["loop", &cfg, "2", "2", "0"], now);
    let holder = wait_for_lock_holder(&s.lock_file()).await;
    let first_pid = first.id();
    assert!(holder.contains(&format!("pid {}", first.id())), "{holder}");
    let started = Instant::now();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 3);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the second run must not wait"
    );
    let err = stderr(&out);
    assert!(
        err.contains("another wfm run is in progress") && err.contains(&format!("pid {}", first.id())),
        "{err}"
    );
    let first = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(files_in(&s.reports()).len(), 3);
    // The skip is in the log file too, once (stderr had it from the run itself).
    let log = log_text(&s.path("logs"));
    assert_eq!(
        log.matches("skipped: another wfm run is in progress").count(),
        1,
        "{log}"
    );
    assert!(
        log.contains(&format!("pid {}", first_pid)) && log.contains("(exit 3)"),
        "{log}"
    );
    assert_eq!(err.matches("another wfm run is in progress").count(), 1, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_never_blocks_the_next_one() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    // LivePerson holds its reply back; the run is killed while waiting.
    sim.inject(Some(Method::AgentActivity), Fault::Slow(Duration::from_secs(20)), 1);
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let mut victim = spawn_wfm(&["loop", &cfg, "2", "2", "0"], now);
    wait_for_lock_holder(&s.lock_file()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    victim.kill().unwrap();
    victim.wait().unwrap();
    assert!(
        files_in(&s.reports()).is_empty(),
        "nothing written while the fetch was pending"
    );
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let exp = Expect::all(sim.generator());
    exp.check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
}

/// Spawn `args` and kill -9 it after each delay; after every kill, every file
/// under a final name in `dirs` is whole and the state file is readable.
/// Returns how many runs were killed mid-way.
fn kill_at_many_moments(s: &Setup, args: &[&str], now: chrono::DateTime<chrono::Utc>, dirs: &[PathBuf]) -> usize {
    let mut kills = 0;
    for delay_ms in [
        0u64, 2, 5, 8, 12, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250,
    ] {
        let mut child = spawn_wfm(args, now);
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        for dir in dirs {
            // Temporaries of the killed run may be there; the next run removes them.
            let files: Vec<PathBuf> = all_names_in(dir)
                .iter()
                .filter(|n| !n.starts_with('.') && n.ends_with(".xml"))
                .map(|n| dir.join(n))
                .collect();
            for f in &files {
                let text = std::fs::read_to_string(f).unwrap();
                assert!(
                    text.ends_with("Data>\n"),
                    "partial file under a final name: {}",
                    f.display()
                );
            }
            xmllint(&files);
        }
        let _ = s.state_json();
    }
    kills
}

/// kill -9 at many moments of a 17-quarter `loop` catch-up and of a 12-quarter
/// rerun (fetch, render, write, copy, state): never a broken file under a final
/// name, never an unreadable state, and the next run continues from the state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_any_moment_leaves_no_broken_file() {
    let first = t("2026-11-24T13:46:30Z");
    let sim = scenario(first).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], first).await;
    assert_exit(&out, 0);

    // loop, four hours later: 13:45 to 17:45 are to be caught up.
    let now = t("2026-11-24T18:07:00Z");
    sim.set_now(now);
    let loop_args = ["loop", &cfg, "2", "2", "0"];
    let kills = kill_at_many_moments(&s, &loop_args, now, &[s.reports()]);
    assert!(kills >= 5, "the loop runs were killed mid-way ({kills} kills)");
    let out = wfm(&loop_args, now).await;
    assert_exit(&out, 0);
    let exp = Expect::all(sim.generator());
    let mut start = t("2026-11-24T13:30:00Z");
    for _ in 0..18 {
        exp.check_quarter(&s.reports(), start);
        start += chrono::Duration::minutes(15);
    }
    assert_eq!(files_in(&s.reports()).len(), 18 * 3, "no quarter lost");
    let st = s.state_json().unwrap();
    assert_eq!(quarters_in(&st["delivered"]), 18);

    // rerun of 14:00 to 16:45 into OUTPUT, then copied into REPORT_DIR.
    let out_dir = s.path("old");
    let rerun_args = [
        "rerun",
        &cfg,
        "2",
        "2",
        "0",
        out_dir.to_str().unwrap(),
        "112426.1400",
        "112426.1645",
    ];
    let kills = kill_at_many_moments(&s, &rerun_args, now, &[s.reports(), out_dir.clone()]);
    assert!(kills >= 5, "the reruns were killed mid-way ({kills} kills)");
    let out = wfm(&rerun_args, now).await;
    assert_exit(&out, 0);
    assert_eq!(assert_whole_files(&out_dir), 36);
    assert_eq!(assert_whole_files(&s.reports()), 18 * 3);
    let mut start = t("2026-11-24T14:00:00Z");
    for _ in 0..12 {
        exp.check_quarter(&out_dir, start);
        start += chrono::Duration::minutes(15);
    }
    assert!(
        all_names_in(&s.reports()).iter().all(|n| !n.ends_with(".part")),
        "the last run removed the temporaries"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_of_old_quarters_never_moves_the_catch_up_back() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap();
    let out = wfm(&["loop", cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let old = s.path("old");
    let out = wfm(
        &[
            "rerun",
            cfg,
            "2",
            "2",
            "0",
            old.to_str().unwrap(),
            "112426.0400",
            "112426.0415",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    let later = t("2026-11-24T10:31:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", cfg, "2", "2", "1"], later).await;
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("1 of 1 quarter(s) delivered"), "{}", stderr(&out));
    assert_eq!(files_in(&s.reports()).len(), 3 + 6 + 3);
}

// ---- The lock and the state: out of REPORT_DIR, never through a link, one account each ----

/// A victim file a planted link points to, and the link.
#[cfg(unix)]
fn plant_link(s: &Setup, at: &Path) -> PathBuf {
    let victim = s.path("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::create_dir_all(at.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&victim, at).unwrap();
    victim
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_planted_at_the_lock_or_the_state_path_is_refused() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    for at in [s.lock_file(), s.state_file()] {
        let victim = plant_link(&s, &at);
        let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "{} is a symbolic link; wfm does not follow links for its lock and state files: remove it",
                at.display()
            )),
            "{err}"
        );
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious", "the victim is unchanged");
        assert!(std::fs::symlink_metadata(&at).unwrap().file_type().is_symlink());
        assert!(files_in(&s.reports()).is_empty(), "nothing delivered");
        std::fs::remove_file(&at).unwrap();
    }
    assert_eq!(sim.data_requests(), 0, "nothing fetched");
    // The finding: a link planted in REPORT_DIR at the old lock's name is never opened now.
    let victim = plant_link(&s, &s.reports().join(".wfm-state.json.lock"));
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(files_in(&s.reports()).len(), 3);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_and_the_lock_live_owner_only_outside_report_dir() {
    use std::os::unix::fs::PermissionsExt;
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(s.state_dir(), s.path("state"), "beside the config");
    assert_eq!(mode(&s.state_dir()), 0o700);
    assert_eq!(mode(&s.state_file()), 0o600);
    assert_eq!(mode(&s.lock_file()), 0o600);
    // REPORT_DIR holds the reports and nothing else.
    let names = all_names_in(&s.reports());
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|n| n.ends_with("_112426.1000.xml")), "{names:?}");
    let st = s.state_json().unwrap();
    assert_eq!(st["account"], ACCOUNT, "{st}");
    assert_eq!(st["delivered"].as_array().unwrap().len(), 1);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_moves_the_state_from_report_dir_once_and_catches_up() {
    use std::os::unix::fs::PermissionsExt;
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    // What the previous version left: its state (no account in it) and lock in REPORT_DIR.
    std::fs::create_dir_all(s.reports()).unwrap();
    let old = s.reports().join(".wfm-state.json");
    std::fs::write(
        &old,
        r#"{"version": 1, "delivered": ["2026-11-24T08:00:00Z"], "lost": [], "outage": null}"#,
    )
    .unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(s.reports().join(".wfm-state.json.lock"), "pid 1, since then").unwrap();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    let moved = format!(
        "moved the state file from {} (the old default, in REPORT_DIR) to {}",
        old.display(),
        s.state_file().display()
    );
    assert!(stderr(&out).contains(&moved), "{}", stderr(&out));
    assert!(log_text(&s.path("logs")).contains(&moved));
    // The catch-up information survived: 08:15 .. 10:00 were built.
    assert!(stderr(&out).contains("8 of 8 quarter(s) delivered"), "{}", stderr(&out));
    assert!(
        all_names_in(&s.reports()).iter().all(|n| !n.starts_with('.')),
        "old state and lock gone"
    );
    let st = s.state_json().unwrap();
    assert_eq!(st["account"], ACCOUNT, "the old state is adopted: {st}");
    assert_eq!(quarters_in(&st["delivered"]), 9);
    assert_eq!(
        std::fs::metadata(s.state_file()).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Once: the next run finds nothing to move and nothing to build.
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    assert!(!stderr(&out).contains("moved the state file"), "{}", stderr(&out));
    assert!(stderr(&out).contains("delivered already"), "{}", stderr(&out));
}

const OTHER_ACCOUNT: &str = "87654321";

/// A second account's simulator, and its config written beside `s`'s (same
/// folder, so the same REPORT_DIR and STATE_DIR), with `extra` lines.
async fn second_account(s: &Setup, now: chrono::DateTime<chrono::Utc>, extra: &str) -> (lp_sim::Simulator, PathBuf) {
    let sim = scenario(now).with(|o| o.account = OTHER_ACCOUNT.into()).start().await;
    let b = Setup::new(&sim, extra);
    let config = s.path("other.navomi");
    std::fs::copy(&b.config, &config).unwrap();
    (sim, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_sharing_one_report_dir_keep_their_own_state_and_never_overwrite() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let (sim_b, config_b) = second_account(&s, now, "").await;
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("1 of 1 quarter(s) delivered"), "{}", stderr(&out));
    // Its own state: the second account builds its quarter (never "delivered
    // already"), but does not replace the first account's files of the same names
    // (issue 17: they used to overwrite each other, both exiting 0).
    let out = wfm(&["loop", config_b.to_str().unwrap(), "2", "2", "1"], now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "is a report of LivePerson account {ACCOUNT}, but this config is for account {OTHER_ACCOUNT}"
        )) && !err.contains("delivered already"),
        "{err}"
    );
    assert_eq!((sim.data_requests(), sim_b.data_requests()), (3, 3));
    let other_state = s.state_dir().join(format!("wfm-state-{OTHER_ACCOUNT}.json"));
    let other: serde_json::Value = serde_json::from_slice(&std::fs::read(other_state).unwrap()).unwrap();
    assert_eq!(other["account"], OTHER_ACCOUNT);
    assert_eq!(s.state_json().unwrap()["account"], ACCOUNT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_shared_by_two_accounts_is_refused_for_the_second() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "STATE_FILE=shared-state.json\n");
    let (sim_b, config_b) = second_account(&s, now, "STATE_FILE=shared-state.json\n").await;
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let shared = s.path("shared-state.json");
    let before = std::fs::read(&shared).unwrap();
    let out = wfm(&["loop", config_b.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "STATE_FILE {} holds the state of LivePerson account {ACCOUNT}, but this config is for account {OTHER_ACCOUNT}",
            shared.display()
        )) && err.contains("Give this config its own STATE_FILE"),
        "{err}"
    );
    assert_eq!(sim_b.data_requests(), 0, "the second account did nothing");
    assert_eq!(std::fs::read(&shared).unwrap(), before, "the state is untouched");
}

/// Issue 17, item 19: the lock message never names the pid of an earlier run
/// that has ended. Here the holder is another program (this test process); the
/// lock file still names the first run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_message_names_the_real_holder_not_a_dead_run() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let recorded = std::fs::read_to_string(s.lock_file()).unwrap();
    assert!(recorded.starts_with("pid "), "{recorded}");
    let held = std::fs::File::open(s.lock_file()).unwrap();
    held.try_lock().unwrap();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now + chrono::Duration::minutes(15)).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains(recorded.trim()), "names the ended run: {err}");
    if cfg!(target_os = "linux") {
        assert!(
            err.contains(&format!("another wfm run is in progress (pid {});", std::process::id())),
            "{err}"
        );
    }
    drop(held);
}
