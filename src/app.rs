//! Dispatch of the parsed command line: config, clock, logging, runtime, exit status.

use crate::cli::{Cli, Command};
use crate::config::{self, ConfigError};
use crate::job::{Job, RunOptions, UsageError};
use crate::outcome::RunSummary;
use crate::quarter::parse_quarter_arg;
use crate::run;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit statuses (see the README).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_BUSY: u8 = 3;
/// Stopped by SIGINT (128 + 2, as shells report it).
pub const EXIT_SIGINT: u8 = 130;
/// Stopped by SIGTERM (128 + 15).
pub const EXIT_SIGTERM: u8 = 143;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("wfm: error: {e:#}");
            ExitCode::from(exit_status(&e))
        }
    }
}

/// 2 for usage and configuration errors, 3 when another run holds the lock, 1 for everything else.
pub fn exit_status(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<UsageError>().is_some()
        || e.downcast_ref::<ConfigError>().is_some()
        || e.downcast_ref::<crate::mapping::MapError>().is_some()
    {
        EXIT_USAGE
    } else if e.downcast_ref::<crate::lock::LockBusy>().is_some() {
        EXIT_BUSY
    } else {
        EXIT_FAILED
    }
}

/// The logical clock: WFM_NOW (RFC 3339) when set, for tests and replay; else the real one.
pub fn logical_now() -> Result<DateTime<Utc>, UsageError> {
    Ok(wfm_now()?.unwrap_or_else(Utc::now))
}

/// WFM_NOW, when set.
fn wfm_now() -> Result<Option<DateTime<Utc>>, UsageError> {
    match std::env::var("WFM_NOW") {
        Ok(s) if !s.trim().is_empty() => DateTime::parse_from_rfc3339(s.trim())
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                UsageError(format!(
                    "WFM_NOW={s:?} is not an RFC 3339 time like 2026-11-24T10:16:00Z; unset it to use the real clock"
                ))
            }),
        _ => Ok(None),
    }
}

/// The clock of a replay: WFM_NOW, else the newest fetch time of DIR's dumps
/// (the replayed run's own time, give or take the seconds it took).
fn replay_now(dir: &std::path::Path) -> Result<DateTime<Utc>, UsageError> {
    let newest = run::replay_clock(dir)?;
    match wfm_now()?.or(newest) {
        Some(now) => Ok(now),
        None => Err(UsageError(format!(
            "--replay {}: the folder holds no saved LivePerson reply (files like queuehealth-20261124T101601.234Z.json, written by a run at DEBUG_LEVEL 2 into JSON_DIR); give the JSON_DIR of such a run",
            dir.display()
        ))),
    }
}

/// The packaged config (deploy/config.navomi.packaged installed by the .deb's users).
pub const PACKAGED_CONFIG: &str = "/etc/wfm/config.navomi";

/// The config file (pure): `--config` (or the old CONFIG) when given, else
/// WFM_CONFIG when set and not blank, else the packaged config when it exists,
/// else `config.navomi` in the current folder (the old scripts' habit).
pub fn config_path(given: Option<PathBuf>, env: Option<std::ffi::OsString>, packaged_exists: bool) -> PathBuf {
    if let Some(p) = given {
        return p;
    }
    match env {
        Some(v) if !v.to_string_lossy().trim().is_empty() => PathBuf::from(v),
        _ if packaged_exists => PathBuf::from(PACKAGED_CONFIG),
        _ => PathBuf::from("config.navomi"),
    }
}

/// [`config_path`] with the process's environment and file system.
fn find_config(given: Option<PathBuf>) -> PathBuf {
    config_path(
        given,
        std::env::var_os("WFM_CONFIG"),
        Path::new(PACKAGED_CONFIG).exists(),
    )
}

/// WFM_TEST_RUN_TIMEOUT_SECONDS: a run deadline below RUN_TIMEOUT_SECONDS' minimum of
/// 60 s, so the tests of slow servers take seconds. For tests only, like WFM_NOW.
pub fn test_run_timeout() -> Result<Option<std::time::Duration>, UsageError> {
    match std::env::var("WFM_TEST_RUN_TIMEOUT_SECONDS") {
        Ok(s) if !s.trim().is_empty() => match s.trim().parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Some(std::time::Duration::from_secs(n))),
            _ => Err(UsageError(format!(
                "WFM_TEST_RUN_TIMEOUT_SECONDS={s:?} is not a whole number of seconds >= 1; unset it to use RUN_TIMEOUT_SECONDS"
            ))),
        },
        _ => Ok(None),
    }
}

/// WFM_TEST_SETTLE_WAIT=0: a `loop` started inside a settle window does not wait
/// it out (the test suite's many runs at 10:15:00 stay fast); unset or 1: it waits.
/// For tests only, like WFM_NOW.
pub fn test_settle_wait() -> Result<bool, UsageError> {
    match std::env::var("WFM_TEST_SETTLE_WAIT") {
        Ok(s) if !s.trim().is_empty() => match s.trim() {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(UsageError(format!(
                "WFM_TEST_SETTLE_WAIT={s:?} is not 0 or 1; unset it to wait out the settle time"
            ))),
        },
        _ => Ok(true),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The clock, the config (and its log file) and the options of a `loop` or
/// `rerun`: the delivery mode is `--ftp`/FTP_OPT, else the config's DELIVERY.
/// A replay never uploads: `--ftp push` with `--replay` is a usage error.
fn prepare(
    r: &crate::cli::Resolved,
    dry_run: bool,
    replay: Option<&std::path::Path>,
) -> Result<(config::Config, PathBuf, RunOptions)> {
    let now = match replay {
        Some(dir) => {
            if r.mode == Some(crate::job::DeliveryMode::Push) {
                return Err(UsageError(
                    "--replay never uploads (it rebuilds files into REPORT_DIR only): leave out --ftp push (FTP_OPT 1), or use 2 (pull)".into(),
                )
                .into());
            }
            replay_now(dir)?
        }
        None => logical_now()?,
    };
    let path = find_config(r.config.clone());
    let cfg = load_config_and_log(&path, r.debug)?;
    let opts = RunOptions {
        mode: match replay {
            Some(_) => crate::job::DeliveryMode::Pull,
            None => r.mode.unwrap_or(cfg.delivery),
        },
        debug: r.debug,
        dry_run,
        now,
        run_timeout: test_run_timeout()?,
        settle_wait: test_settle_wait()?,
        replay: replay.map(std::path::Path::to_path_buf),
    };
    Ok((cfg, path, opts))
}

fn dispatch(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Loop(args) => {
            let r = args.resolve();
            let (cfg, path, opts) = prepare(&r, args.dry_run, args.replay.as_deref())?;
            // Quiet cron: at debug 0 a loop's errors reach stderr only when they
            // are news (the outage policy releases them); see `alert::outage`.
            if r.debug == 0 && opts.records() {
                crate::logging::hold_stderr();
            }
            let result = run_job(&cfg, &Job::Loop, &opts, &path);
            crate::logging::release_stderr(true);
            result
        }
        Command::Rerun(args) => {
            let r = args.resolve();
            let (output, start, end) = args.range();
            let start = parse_quarter_arg(&start).map_err(|e| UsageError(format!("START: {e}")))?;
            let end = parse_quarter_arg(&end).map_err(|e| UsageError(format!("END: {e}")))?;
            let (cfg, path, opts) = prepare(&r, args.dry_run, args.replay.as_deref())?;
            let job = Job::Rerun { output, start, end };
            run_job(&cfg, &job, &opts, &path)
        }
        Command::Check(args) => {
            crate::logging::init(0);
            let path = find_config(args.config);
            let cfg = config::load(&path)?;
            let items = runtime()?.block_on(crate::check::run(&cfg, logical_now()?));
            print!("{}", crate::check::render(&items));
            Ok(if items.iter().all(|i| i.result.is_ok()) {
                EXIT_OK
            } else {
                EXIT_FAILED
            })
        }
        Command::Status(args) => {
            // Reads only: no log file, no lock, no state written.
            crate::logging::init(0);
            let now = logical_now()?;
            let path = find_config(args.config);
            let cfg = config::load(&path)?;
            let status = crate::status::gather(&cfg, now);
            if args.json {
                println!("{}", status.json());
            } else {
                print!("{}", status.text());
            }
            Ok(if status.healthy() { EXIT_OK } else { EXIT_FAILED })
        }
        Command::Demo(args) => demo(args.output, args.channel == crate::cli::DemoChannel::Messaging),
        Command::Completions(args) => print_stdout(&crate::cli::completions(args.shell)),
        Command::Man(args) => print_stdout(&crate::cli::man_page(args.command.as_deref())?),
    }
}

/// Print a generated text; a reader that stops early (`| head`) is not an error.
fn print_stdout(bytes: &[u8]) -> Result<u8> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("cannot write to stdout"),
        _ => Ok(EXIT_OK),
    }
}

#[cfg(feature = "demo")]
fn demo(output: Option<std::path::PathBuf>, messaging: bool) -> Result<u8> {
    // The demo prints its own summary; the log shows only errors.
    crate::logging::init(0);
    let channel = if messaging {
        config::Channel::Messaging
    } else {
        config::Channel::Chat
    };
    runtime()?.block_on(crate::demo::run(output, channel))?;
    Ok(EXIT_OK)
}

#[cfg(not(feature = "demo"))]
fn demo(_output: Option<std::path::PathBuf>, _messaging: bool) -> Result<u8> {
    Err(UsageError(
        "this build of wfm has no demo (built without the `demo` feature); rebuild with the default features: \
         cargo build --release"
            .into(),
    )
    .into())
}

/// How a run ended: its summary, or the signal that stopped it.
enum Ended {
    Finished(Result<RunSummary>),
    Stopped(&'static str, u8),
}

/// SIGTERM, SIGINT, SIGHUP, SIGQUIT or SIGUSR1: the signal's name and exit
/// status (128 + its number). Each is handled as SIGTERM is: whatever kills a
/// run unhandled leaves temporaries and no log line. The handlers are installed
/// when called (inside the runtime), before the run starts; the future is pending
/// forever when they cannot be (the default actions stay).
fn stop_signal() -> impl std::future::Future<Output = (&'static str, u8)> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{signal, SignalKind};
        [
            (SignalKind::terminate(), "SIGTERM", EXIT_SIGTERM),
            (SignalKind::interrupt(), "SIGINT", EXIT_SIGINT),
            (SignalKind::hangup(), "SIGHUP", EXIT_SIGTERM),
            (SignalKind::quit(), "SIGQUIT", EXIT_SIGTERM),
            (SignalKind::user_defined1(), "SIGUSR1", EXIT_SIGTERM),
        ]
        .into_iter()
        .map(|(kind, name, code)| signal(kind).ok().map(|s| (s, name, code)))
        .collect::<Option<Vec<_>>>()
    };
    async move {
        #[cfg(unix)]
        if let Some(handlers) = handlers {
            let waits = handlers.into_iter().map(|(mut s, name, code)| {
                Box::pin(async move {
                    s.recv().await;
                    (name, code)
                })
            });
            return futures_util::future::select_all(waits).await.0;
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_ok() {
            return ("SIGINT", EXIT_SIGINT);
        }
        std::future::pending().await
    }
}

/// One `loop` or `rerun`: the log header, the run (stopped cleanly by a signal
/// of [`stop_signal`]), the dry run's listing on stdout, a busy lock in the log file, the
/// exit status. Old log files and raw replies in JSON_DIR are pruned after the
/// header (not by a dry run).
fn run_job(cfg: &config::Config, job: &Job, opts: &RunOptions, config_path: &std::path::Path) -> Result<u8> {
    tracing::info!("{}", header(job, opts, config_path, &cfg.account, std::process::id()));
    // Config warnings (an unknown key, a world-readable config with secrets) reach
    // stderr at every debug level: cron's mail is where a loop's operator reads. A
    // loop says each once a day (it repeats every 15 minutes); a run by hand, every run.
    let repeat = match job {
        Job::Loop if opts.records() => crate::logging::Repeat::OnceADay,
        _ => crate::logging::Repeat::EveryRun,
    };
    crate::logging::warn_loudly(&cfg.log_dir, &cfg.warnings, repeat);
    // Not a replay either: it may be replaying JSON_DIR itself.
    if opts.records() {
        crate::logging::prune_log_dir(&cfg.log_dir, cfg.log_keep_days);
        crate::logging::prune_json_dir(&cfg.json_dir, cfg.log_keep_days);
    }
    let rt = runtime()?;
    let ended = rt.block_on(async {
        // Installed before the run starts, so no signal of the run is missed.
        let stop = stop_signal();
        tokio::select! {
            r = run::execute(cfg, job, opts) => Ended::Finished(r),
            (name, code) = stop => Ended::Stopped(name, code),
        }
    });
    // A push or mail still blocking in a thread is abandoned, not awaited.
    rt.shutdown_background();
    match ended {
        Ended::Finished(Ok(summary)) => {
            if opts.dry_run {
                print!("{}", run::dry_run_listing(cfg, job, opts, &summary));
            } else if by_hand(job, opts) && opts.debug == 0 {
                // Run by hand, read on a terminal: the summary and (push) NICE's rule on
                // stderr at debug 0 too (at 1 and 2 the log lines are on stderr already).
                if matches!(job, Job::Rerun { .. }) && opts.mode == crate::job::DeliveryMode::Push {
                    eprintln!("wfm: warning: {}", crate::job::NICE_SKIPS_LOADED_NAMES);
                }
                eprintln!("{}", summary.line());
            }
            Ok(status_of(&summary))
        }
        Ended::Finished(Err(e)) => {
            if let Some(busy) = e.downcast_ref::<crate::lock::LockBusy>() {
                // stderr gets it from `main`; the log file keeps the history.
                crate::logging::log_only(&format!("skipped: {busy} (exit {EXIT_BUSY})"));
            }
            Err(e)
        }
        Ended::Stopped(name, code) => {
            // The run's future is dropped: its lock released, its saves whole.
            run::clean_up_after_stop(cfg, job, opts);
            tracing::warn!(
                "stopped by {name}: temporary files removed, quarters recorded so far kept; the next run catches up (exit {code})"
            );
            Ok(code)
        }
    }
}

/// A rerun or a replay: an operator's own action, never cron's.
fn by_hand(job: &Job, opts: &RunOptions) -> bool {
    matches!(job, Job::Rerun { .. }) || opts.replay.is_some()
}

/// The first log line of every run: who, what, how. The account (digits, checked by
/// config) tells apart the runs of many accounts sharing a log folder or a journal.
fn header(job: &Job, opts: &RunOptions, config_path: &Path, account: &str, pid: u32) -> String {
    format!(
        "wfm {} {}{}: delivery {}, debug {}, pid {pid}, account {account}, config {}",
        env!("CARGO_PKG_VERSION"),
        job.command().trim_start_matches("wfm "),
        match (opts.dry_run, &opts.replay) {
            (true, None) => " (dry run)".to_string(),
            (false, None) => String::new(),
            (dry, Some(dir)) => format!(
                " ({}replay of {}, now {})",
                if dry { "dry run, " } else { "" },
                dir.display(),
                opts.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        },
        match opts.mode {
            crate::job::DeliveryMode::Push => "push",
            crate::job::DeliveryMode::Pull => "pull",
        },
        opts.debug,
        config_path.display()
    )
}

/// Load the config, then log to stderr and to LOG_DIR. A config error is
/// printed by `main` (there is no log folder to write to yet).
fn load_config_and_log(path: &std::path::Path, debug: u8) -> Result<config::Config> {
    let cfg = config::load(path)?;
    if let Some(w) = crate::logging::init_with_file(debug, &cfg.log_dir) {
        tracing::warn!("{w}");
    }
    Ok(cfg)
}

pub fn status_of(summary: &RunSummary) -> u8 {
    if summary.ok() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_is_the_flag_then_wfm_config_then_the_packaged_one_then_the_old_default() {
        let flag = Some(PathBuf::from("flag.conf"));
        let env = Some(std::ffi::OsString::from("/etc/wfm/12345678.conf"));
        assert_eq!(config_path(flag.clone(), env.clone(), true), PathBuf::from("flag.conf"));
        assert_eq!(
            config_path(None, env.clone(), true),
            PathBuf::from("/etc/wfm/12345678.conf")
        );
        assert_eq!(config_path(None, None, true), PathBuf::from(PACKAGED_CONFIG));
        assert_eq!(
            config_path(None, Some(" ".into()), true),
            PathBuf::from(PACKAGED_CONFIG),
            "a blank WFM_CONFIG is unset"
        );
        assert_eq!(config_path(None, None, false), PathBuf::from("config.navomi"));
    }
}
