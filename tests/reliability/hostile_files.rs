//! Issue 17 (group B), end to end: named pipes, device nodes, folders inside
//! REPORT_DIR and full disks where wfm reads or writes. wfm never hangs on them,
//! never replaces them, and says what is wrong. Included by `reliability.rs`.

use crate::common::*;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run `cmd` for at most `secs`; a run still going then is killed and the test fails.
fn bounded(mut cmd: Command, secs: u64) -> Output {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("wfm starts");
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("wfm hung for {secs} s (killed); stderr: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    child.wait_with_output().unwrap()
}

async fn bounded_wfm(args: &[&str], now: chrono::DateTime<chrono::Utc>) -> Output {
    let cmd = wfm_command(args, Some(now));
    tokio::task::spawn_blocking(move || bounded(cmd, 20)).await.unwrap()
}

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(st.success(), "mkfifo {}", p.display());
}

fn is_fifo(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_fifo())
}

fn is_char_device(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_char_device())
}

/// A character device `major:minor` at `p` (needs root); `false` (with the reason
/// printed) when it cannot be made, so the test is skipped.
fn mknod(p: &Path, major: u32, minor: u32) -> bool {
    let ok = Command::new("mknod")
        .arg(p)
        .arg("c")
        .arg(major.to_string())
        .arg(minor.to_string())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: cannot mknod {} (not root?)", p.display());
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_pipes_and_endless_files_never_hang_wfm() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();

    // The config itself: a pipe, /dev/zero, a file larger than the cap.
    let fifo_cfg = s.path("fifo.navomi");
    mkfifo(&fifo_cfg);
    let out = bounded_wfm(&["loop", "--config", fifo_cfg.to_str().unwrap()], now).await;
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("is a named pipe (FIFO), not a regular file"),
        "{}",
        stderr(&out)
    );
    let out = bounded_wfm(&["loop", "--config", "/dev/zero"], now).await;
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("/dev/zero is a character device"),
        "{}",
        stderr(&out)
    );
    let huge = s.path("huge.navomi");
    std::fs::write(&huge, "# padding\n".repeat(110_000)).unwrap();
    let out = bounded_wfm(&["check", "--config", huge.to_str().unwrap()], now).await;
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("larger than 1048576 bytes"), "{}", stderr(&out));

    // The agent map.
    let map = s.path("agents.csv");
    mkfifo(&map);
    let mapped = Setup::new(&sim, &format!("AGENT_MAP_FILE={}", map.display()));
    let out = bounded_wfm(&["loop", mapped.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("agents.csv is a named pipe"), "{}", stderr(&out));

    // METRICS_FILE: refused before anything is written.
    let metrics = s.path("metrics.prom");
    mkfifo(&metrics);
    let m = Setup::new(&sim, &format!("METRICS_FILE={}", metrics.display()));
    let out = bounded_wfm(&["loop", m.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("METRICS_FILE"), "{}", stderr(&out));
    assert!(is_fifo(&metrics) && !m.reports().exists(), "nothing written");

    // STATE_FILE: the run fails without holding the lock for ever; so does the next; status answers.
    std::fs::create_dir_all(s.state_dir()).unwrap();
    mkfifo(&s.state_file());
    for _ in 0..2 {
        let out = bounded_wfm(&["loop", &cfg, "2", "2", "0"], now).await;
        assert_eq!(out.status.code(), Some(1), "never 3 (busy): {}", stderr(&out));
        assert!(
            stderr(&out).contains("is a named pipe (FIFO), not a regular file"),
            "{}",
            stderr(&out)
        );
    }
    assert!(is_fifo(&s.state_file()), "the pipe is left where it is");
    let out = bounded_wfm(&["status", "--config", &cfg], now).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("named pipe"), "{}", stdout(&out));

    // Today's log file (named by the real clock): the run goes on, and says so once.
    std::fs::remove_file(s.state_file()).unwrap();
    let log = s
        .path("logs")
        .join(format!("wfm.{}.log", chrono::Utc::now().format("%Y-%m-%d")));
    let _ = std::fs::remove_file(&log);
    mkfifo(&log);
    let out = bounded_wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(
        stderr(&out).matches("cannot write the log file").count(),
        1,
        "{}",
        stderr(&out)
    );
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    let out = bounded_wfm(&["status", "--config", &cfg], now).await;
    assert!(stdout(&out).contains("last run"), "{}", stdout(&out));
    assert!(is_fifo(&log));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_nodes_as_metrics_or_state_file_are_never_replaced() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    // Our own null and zero devices: today's code would replace them, never the machine's.
    let null = s.path("null");
    let zero = s.path("zero");
    if !mknod(&null, 1, 3) || !mknod(&zero, 1, 5) {
        return;
    }

    // The null device as METRICS_FILE means "metrics off": left alone, the run succeeds.
    let off = Setup::new(&sim, &format!("METRICS_FILE={}", null.display()));
    let out = bounded_wfm(&["loop", off.config.to_str().unwrap(), "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    assert!(is_char_device(&null), "the null device was replaced");
    assert!(!stderr(&out).contains("METRICS_FILE"), "{}", stderr(&out));

    // Another device: refused (exit 2) before anything is written.
    let other = Setup::new(&sim, &format!("METRICS_FILE={}", zero.display()));
    let out = bounded_wfm(&["loop", other.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("is a character device, not a regular file"),
        "{}",
        stderr(&out)
    );
    assert!(is_char_device(&zero) && !other.reports().exists());

    // A device as STATE_FILE: refused, never renamed away as "damaged".
    let st = Setup::new(&sim, &format!("STATE_FILE={}", null.display()));
    let out = bounded_wfm(&["loop", st.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("is a character device"), "{}", stderr(&out));
    assert!(is_char_device(&null), "the device is where it was");
    let names = all_names_in(s.dir.path());
    assert!(!names.iter().any(|n| n.contains("damaged")), "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_dumps_and_logs_inside_report_dir_are_refused() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let base = Setup::new(&sim, "");
    std::fs::create_dir_all(base.reports()).unwrap();
    std::os::unix::fs::symlink(base.reports(), base.path("via-link")).unwrap();
    let cases = [
        ("STATE_DIR=reports", "STATE_DIR"),
        ("STATE_DIR=reports/state", "STATE_DIR"),
        ("STATE_DIR=via-link/state", "STATE_DIR"),
        ("STATE_FILE=reports/../reports/s.json", "STATE_FILE"),
        ("JSON_DIR=reports/json", "JSON_DIR"),
        ("LOG_DIR=reports", "LOG_DIR"),
    ];
    for (line, key) in cases {
        let s = Setup::new(&sim, line);
        std::fs::create_dir_all(s.reports()).unwrap();
        std::os::unix::fs::symlink(s.reports(), s.path("via-link")).unwrap();
        let out = bounded_wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
        assert_eq!(out.status.code(), Some(2), "{line}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(key) && err.contains("is inside REPORT_DIR"),
            "{line}: {err}"
        );
        assert!(files_in(&s.reports()).is_empty(), "{line}: nothing written");
        assert_eq!(sim.requests().len(), 0, "{line}: no request sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_json_dir_at_debug_2_only_loses_the_dumps() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let Some(fs) = TinyFs::mount(&s.path("json")) else {
        return;
    };
    fs.fill();
    let out = bounded_wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now).await;
    assert_exit(&out, 0);
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    let err = stderr(&out);
    assert!(
        err.contains("cannot save the raw") && err.contains("anonymous temporary file"),
        "{err}"
    );
    let left: Vec<_> = all_names_in(&s.path("json"))
        .into_iter()
        .filter(|n| n != "filler")
        .collect();
    assert!(left.is_empty(), "no dump, no temporary left: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_log_dir_is_said_once_on_stderr() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let Some(fs) = TinyFs::mount(&s.path("logs")) else {
        return;
    };
    fs.fill();
    let out = bounded_wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert_eq!(err.matches("cannot write the log file").count(), 1, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
}

/// The run's lock (`<STATE_FILE>.lock`, and the old one in REPORT_DIR taken while an
/// old state is moved) as a named pipe or a folder: refused at once, exit 1 as a
/// STATE_FILE pipe (a run that could not start, mailed), never a hang, never 3
/// (busy), the thing left where it is; once it is gone the next run delivers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_pipe_or_folder_as_the_lock_is_refused_never_waited_on() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let lock = s.lock_file();
    std::fs::create_dir_all(s.state_dir()).unwrap();
    mkfifo(&lock);
    // A writer on the pipe's far side would make a blocking open succeed and then
    // hang on the lock's read: none here, the open itself must not wait.
    for _ in 0..2 {
        let out = bounded_wfm(&["loop", &cfg, "2", "2", "0"], now).await;
        assert_eq!(out.status.code(), Some(1), "never 3 (busy), never 0: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("cannot open the lock file {}", lock.display()))
                && err.contains("is a named pipe (FIFO), not a regular file")
                && err.contains("remove what is in the way"),
            "{err}"
        );
    }
    assert!(is_fifo(&lock), "the pipe is left where it is");
    assert!(
        files_in(&s.reports()).is_empty() && s.state_json().is_none(),
        "nothing written"
    );
    assert_eq!(sim.data_requests(), 0, "no run got past the lock");

    // A folder there: named as such, with what to do (not a bare "Is a directory").
    std::fs::remove_file(&lock).unwrap();
    std::fs::create_dir(&lock).unwrap();
    let out = bounded_wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("is a folder, not a regular file"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir(&lock).unwrap();

    // The old lock in REPORT_DIR, taken when an old state is moved out of it.
    std::fs::create_dir_all(s.reports()).unwrap();
    let old_state = s.reports().join(".wfm-state.json");
    std::fs::write(&old_state, "{}").unwrap();
    let old_lock = s.reports().join(".wfm-state.json.lock");
    mkfifo(&old_lock);
    let out = bounded_wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains(&format!("{} is a named pipe (FIFO)", old_lock.display())),
        "{}",
        stderr(&out)
    );
    assert!(is_fifo(&old_lock) && old_state.is_file(), "both left where they are");
    assert_eq!(sim.data_requests(), 0);

    // Gone: the next run delivers.
    std::fs::remove_file(&old_lock).unwrap();
    std::fs::remove_file(&old_state).unwrap();
    let out = bounded_wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    assert!(lock.is_file());
}
