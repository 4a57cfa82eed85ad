//! Command-line interface: the flag forms and the old scripts' positional forms
//! (`wfm loop config.navomi 1 2 0` == `./loop.sh config.navomi 1 2 0`).

mod man;

use crate::job::{DeliveryMode, UsageError};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `wfm --version`: the package version, the git commit and the build date (UTC), from build.rs.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("WFM_GIT_COMMIT"),
    ", built ",
    env!("WFM_BUILD_DATE"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "wfm",
    version = VERSION,
    about = "Moves LivePerson statistics into NICE WFM: XML reports per 15-minute quarter",
    long_about = "Moves LivePerson statistics into NICE WFM.\n\nEvery 15 minutes (from cron) `wfm loop` fetches the quarter that just closed from the LivePerson Operational Realtime API and writes the three NICE files Q_, AQ_ and AS_MMDDYY.hhmm.xml; messaging accounts (LP_CHANNEL=messaging) get the same three from Key Messaging Metrics and the Messaging Operations API (quarters older than 24 hours: a partial Q_ and AS_ from Key Messaging Metrics alone). `wfm rerun` rebuilds past quarters (LivePerson keeps 24 hours; 14 days for messaging). `wfm demo` shows the whole pipeline against a built-in simulator.",
    after_help = "Exit status: 0 every quarter delivered, 1 the run failed, 2 usage or configuration error, 3 another run holds the lock, 130/143 stopped by SIGINT/SIGTERM (SIGHUP, SIGQUIT and SIGUSR1 are handled as SIGTERM).\nConfiguration keys: see config.navomi.example."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build and deliver the quarter that just closed (run from cron a minute after each quarter: 1-59/15)
    #[command(
        after_help = "Old form: wfm loop CONFIG FTP_OPT OS_TYPE DEBUG_OPT, e.g. `wfm loop config.navomi 2 2 0`\n  FTP_OPT 1 push, 2 pull; OS_TYPE 1 macOS, 2 Linux (ignored); DEBUG_OPT 0 none, 1 basic, 2 verbose"
    )]
    Loop(LoopArgs),
    /// Rebuild past quarters from START to END (UTC, within the last 24 hours; 14 days with LP_CHANNEL=messaging)
    #[command(
        after_help = "Old form: wfm rerun CONFIG FTP_OPT OS_TYPE DEBUG_OPT OUTPUT START END,\n  e.g. `wfm rerun config.navomi 2 2 1 old-reports/ 112426.1000 112426.1045`\nSTART/END: MMDDYY.hhmm in UTC (as in the report names) or RFC 3339 (2026-11-24T10:00:00Z); minutes 00, 15, 30 or 45."
    )]
    Rerun(RerunArgs),
    /// Check a config: validate it, reach LivePerson, log in to FTP and SMTP; sends and uploads nothing
    Check(CheckArgs),
    /// Show what was delivered, what is missing or lost, the outage and the next quarter; exit 0 when healthy, 1 otherwise (reads only)
    Status(StatusArgs),
    /// Run the whole pipeline against a built-in LivePerson simulator (no network, no credentials)
    Demo(DemoArgs),
    /// Print the shell completion script for bash, zsh or fish to stdout
    #[command(
        after_help = "e.g. `wfm completions bash > /etc/bash_completion.d/wfm`, `wfm completions zsh > \"${fpath[1]}/_wfm\"`,\n  `wfm completions fish > ~/.config/fish/completions/wfm.fish`"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout, e.g. `wfm man | man -l -`; `wfm man loop` prints wfm-loop(1)
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: ShellArg,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The page of one command (wfm-COMMAND(1)) instead of wfm(1)
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// The shells `wfm completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

/// The completion script of `shell` for the whole command line.
pub fn completions(shell: ShellArg) -> Vec<u8> {
    let shell = match shell {
        ShellArg::Bash => clap_complete::Shell::Bash,
        ShellArg::Zsh => clap_complete::Shell::Zsh,
        ShellArg::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "wfm", &mut out);
    out
}

/// The commands that have a man page of their own, wfm-COMMAND(1).
pub fn man_commands() -> Vec<String> {
    man_command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

fn man_command() -> clap::Command {
    let mut cmd = <Cli as clap::CommandFactory>::command()
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The man page (roff) of `wfm`, or of one of its commands (wfm-COMMAND(1), as
/// the main page's SUBCOMMANDS section names them). It names the package version
/// only (no commit, no date), so the same sources always give the same page
/// (deploy/man/ is tested against them). `.TH` comes first: clap_mangen's string
/// definition for the apostrophe (`Aq`) is moved after it (it is used only further down).
pub fn man_page(command: Option<&str>) -> Result<Vec<u8>, UsageError> {
    let cmd = man_command();
    let cmd = match command {
        None => cmd,
        Some(name) => cmd
            .find_subcommand(name)
            .cloned()
            .ok_or_else(|| {
                UsageError(format!(
                    "no command {name:?} has a man page; one of: {}",
                    man_commands().join(", ")
                ))
            })?
            .version(env!("CARGO_PKG_VERSION")),
    };
    let mut out = Vec::new();
    // Rendering into a Vec cannot fail.
    let _ = clap_mangen::Man::new(cmd).render(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(th) = lines.iter().position(|l| l.starts_with(".TH ")) {
        let head: Vec<&str> = lines.drain(..th).collect();
        lines.splice(1..1, head);
    }
    // ENVIRONMENT, FILES, EXIT STATUS before VERSION (man-pages(7)'s order).
    let extra = man::sections(command);
    let at = lines
        .iter()
        .position(|l| l.starts_with(".SH VERSION"))
        .unwrap_or(lines.len());
    let extra: Vec<&str> = extra.lines().collect();
    lines.splice(at..at, extra);
    let mut page = lines.join("\n");
    page.push('\n');
    Ok(page.into_bytes())
}

/// FTP option of the old scripts and of --ftp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FtpArg {
    /// upload to FTP_HOST (old option 1)
    Push,
    /// write to REPORT_DIR for NICE to fetch (old option 2)
    Pull,
}

impl From<FtpArg> for DeliveryMode {
    fn from(f: FtpArg) -> Self {
        match f {
            FtpArg::Push => DeliveryMode::Push,
            FtpArg::Pull => DeliveryMode::Pull,
        }
    }
}

fn parse_ftp_opt(s: &str) -> Result<FtpArg, String> {
    match s {
        "1" => Ok(FtpArg::Push),
        "2" => Ok(FtpArg::Pull),
        _ => Err("expected 1 (push) or 2 (pull)".into()),
    }
}

fn parse_os_type(s: &str) -> Result<u8, String> {
    match s {
        "1" | "2" => Ok(s.as_bytes()[0] - b'0'),
        _ => Err("expected 1 (macOS) or 2 (Linux); it is accepted and ignored".into()),
    }
}

fn parse_debug(s: &str) -> Result<u8, String> {
    match s {
        "0" | "1" | "2" => Ok(s.as_bytes()[0] - b'0'),
        _ => Err("expected 0 (errors only), 1 (one line per quarter) or 2 (verbose, saves raw replies)".into()),
    }
}

#[derive(Debug, Args)]
pub struct CommonFlags {
    /// Configuration file [default: $WFM_CONFIG, else /etc/wfm/config.navomi if it exists, else ./config.navomi]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Delivery of this run: push uploads to FTP_HOST, pull leaves the files in REPORT_DIR [default: the config's DELIVERY, which is push when FTP_HOST is set, else pull]
    #[arg(long, value_enum)]
    pub ftp: Option<FtpArg>,
    /// 0 errors only, 1 one line per quarter, 2 verbose and save raw API replies in JSON_DIR [default: 0]
    #[arg(long, value_name = "0|1|2", value_parser = parse_debug)]
    pub debug: Option<u8>,
}

#[derive(Debug, Args)]
pub struct LoopArgs {
    #[command(flatten)]
    pub flags: CommonFlags,
    /// Build and list what would be written and delivered, without writing, uploading, mailing or recording anything
    #[arg(long)]
    pub dry_run: bool,
    /// Build from the raw replies a DEBUG_LEVEL 2 run saved in DIR (its JSON_DIR) instead of asking LivePerson: the quarter of the run's time (WFM_NOW, else the newest reply's fetch time), written to REPORT_DIR; no upload, state, mail, metrics or ping
    #[arg(long, value_name = "DIR")]
    pub replay: Option<PathBuf>,
    /// Old form: configuration file
    #[arg(value_name = "CONFIG", conflicts_with = "config", requires_all = ["ftp_opt", "os_type", "debug_opt"])]
    pub config_pos: Option<PathBuf>,
    #[command(flatten)]
    pub old: OldWords,
}

/// The old scripts' words after CONFIG, shared by `loop` and `rerun`.
#[derive(Debug, Args)]
pub struct OldWords {
    /// Old form: 1 push, 2 pull
    #[arg(value_name = "FTP_OPT", value_parser = parse_ftp_opt, conflicts_with = "ftp")]
    pub ftp_opt: Option<FtpArg>,
    /// Old form: 1 macOS, 2 Linux (ignored)
    #[arg(value_name = "OS_TYPE", value_parser = parse_os_type)]
    pub os_type: Option<u8>,
    /// Old form: 0, 1 or 2
    #[arg(value_name = "DEBUG_OPT", value_parser = parse_debug, conflicts_with = "debug")]
    pub debug_opt: Option<u8>,
}

#[derive(Debug, Args)]
pub struct RerunArgs {
    #[command(flatten)]
    pub flags: CommonFlags,
    /// Build and list what would be written and delivered, without writing, uploading, mailing or recording anything
    #[arg(long)]
    pub dry_run: bool,
    /// Build from the raw replies a DEBUG_LEVEL 2 run saved in DIR (its JSON_DIR) instead of asking LivePerson, written to OUTPUT and REPORT_DIR; no upload, state, mail, metrics or ping
    #[arg(long, value_name = "DIR")]
    pub replay: Option<PathBuf>,
    /// Folder for the rebuilt files (not REPORT_DIR; they are copied there afterwards, and uploaded in push mode)
    #[arg(long, value_name = "DIR", required_unless_present = "config_pos")]
    pub output: Option<PathBuf>,
    /// First quarter: MMDDYY.hhmm (UTC) or RFC 3339
    #[arg(long, value_name = "T", required_unless_present = "config_pos")]
    pub start: Option<String>,
    /// Last quarter (= START for one quarter)
    #[arg(long, value_name = "T", required_unless_present = "config_pos")]
    pub end: Option<String>,
    /// Old form: configuration file
    #[arg(value_name = "CONFIG", conflicts_with_all = ["config", "output", "start", "end"], requires_all = ["ftp_opt", "os_type", "debug_opt", "output_pos", "start_pos", "end_pos"])]
    pub config_pos: Option<PathBuf>,
    #[command(flatten)]
    pub old: OldWords,
    /// Old form: output folder
    #[arg(value_name = "OUTPUT")]
    pub output_pos: Option<PathBuf>,
    /// Old form: first quarter
    #[arg(value_name = "START")]
    pub start_pos: Option<String>,
    /// Old form: last quarter
    #[arg(value_name = "END")]
    pub end_pos: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Configuration file [default: $WFM_CONFIG, else /etc/wfm/config.navomi if it exists, else ./config.navomi]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Configuration file [default: $WFM_CONFIG, else /etc/wfm/config.navomi if it exists, else ./config.navomi]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// One JSON object instead of the text lines
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo writes its config, reports and logs [default: ./wfm-demo, or ./wfm-demo-messaging with --channel messaging]
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Which kind of LivePerson account to simulate: chat (Q_, AQ_, AS_) or messaging (Q_, AS_ from Key Messaging Metrics)
    #[arg(long, value_enum, default_value = "chat")]
    pub channel: DemoChannel,
}

/// The account `wfm demo` simulates (LP_CHANNEL of its config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoChannel {
    Chat,
    Messaging,
}

/// The settings common to `loop` and `rerun`, whichever form was used.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// `None`: no `--config` nor CONFIG; `app` falls back to WFM_CONFIG, then the defaults.
    pub config: Option<PathBuf>,
    /// `None`: the config's DELIVERY decides.
    pub mode: Option<DeliveryMode>,
    pub debug: u8,
}

fn resolve(
    flags: &CommonFlags,
    config_pos: &Option<PathBuf>,
    ftp_opt: Option<FtpArg>,
    debug_opt: Option<u8>,
) -> Resolved {
    Resolved {
        config: config_pos.clone().or_else(|| flags.config.clone()),
        mode: ftp_opt.or(flags.ftp).map(Into::into),
        debug: debug_opt.or(flags.debug).unwrap_or(0),
    }
}

impl LoopArgs {
    pub fn resolve(&self) -> Resolved {
        resolve(&self.flags, &self.config_pos, self.old.ftp_opt, self.old.debug_opt)
    }
}

impl RerunArgs {
    pub fn resolve(&self) -> Resolved {
        resolve(&self.flags, &self.config_pos, self.old.ftp_opt, self.old.debug_opt)
    }

    /// (OUTPUT, START, END) from whichever form was used; clap guarantees one is complete.
    pub fn range(&self) -> (PathBuf, String, String) {
        (
            self.output_pos
                .clone()
                .or_else(|| self.output.clone())
                .unwrap_or_default(),
            self.start_pos
                .clone()
                .or_else(|| self.start.clone())
                .unwrap_or_default(),
            self.end_pos.clone().or_else(|| self.end.clone()).unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("wfm").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn status_form() {
        let Command::Status(a) = parse(&["status", "--config", "x", "--json"]).unwrap().command else {
            panic!()
        };
        assert_eq!((a.config, a.json), (Some(PathBuf::from("x")), true));
        let Command::Status(a) = parse(&["status"]).unwrap().command else {
            panic!()
        };
        assert_eq!((a.config, a.json), (None, false));
    }

    #[test]
    fn loop_forms() {
        let Command::Loop(a) = parse(&["loop", "config.navomi", "1", "2", "0"]).unwrap().command else {
            panic!()
        };
        let r = a.resolve();
        assert_eq!(
            (r.config, r.mode, r.debug),
            (Some(PathBuf::from("config.navomi")), Some(DeliveryMode::Push), 0)
        );
        let Command::Loop(a) = parse(&["loop", "--config", "x", "--ftp", "pull", "--debug", "2"])
            .unwrap()
            .command
        else {
            panic!()
        };
        let r = a.resolve();
        assert_eq!(
            (r.config, r.mode, r.debug),
            (Some(PathBuf::from("x")), Some(DeliveryMode::Pull), 2)
        );
        let Command::Loop(a) = parse(&["loop"]).unwrap().command else {
            panic!()
        };
        assert_eq!(a.resolve().config, None, "app decides: WFM_CONFIG, then the defaults");
        assert_eq!(a.resolve().mode, None, "the config's DELIVERY decides");
    }

    #[test]
    fn bad_loop_arguments_name_the_argument() {
        for (args, needle) in [
            (&["loop", "c", "3", "2", "0"][..], "FTP_OPT"),
            (&["loop", "c", "1", "5", "0"][..], "OS_TYPE"),
            (&["loop", "c", "1", "2", "7"][..], "DEBUG_OPT"),
            (&["loop", "c", "1"][..], "OS_TYPE"),
            (&["loop", "c", "1", "2", "0", "--config", "d"][..], "--config"),
            (&["loop", "--debug", "3"][..], "--debug"),
            (&["loop", "--ftp", "sideways"][..], "--ftp"),
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
            let msg = e.to_string();
            assert!(msg.contains(needle), "{args:?}: {msg}");
        }
    }

    #[test]
    fn rerun_forms() {
        let Command::Rerun(a) = parse(&[
            "rerun",
            "config.navomi",
            "2",
            "1",
            "1",
            "old/",
            "112426.1000",
            "112426.1045",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(a.resolve().debug, 1);
        assert_eq!(
            a.range(),
            (PathBuf::from("old/"), "112426.1000".into(), "112426.1045".into())
        );
        let Command::Rerun(a) = parse(&["rerun", "--output", "o", "--start", "s", "--end", "e"])
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!(a.range(), (PathBuf::from("o"), "s".into(), "e".into()));
        assert!(!a.dry_run);
        let Command::Rerun(a) = parse(&["rerun", "c", "2", "1", "0", "o", "s", "e", "--dry-run"])
            .unwrap()
            .command
        else {
            panic!()
        };
        assert!(a.dry_run, "--dry-run with the old form too");
        assert!(parse(&["rerun", "--output", "o", "--start", "s"]).is_err());
        assert!(parse(&["rerun", "c", "2", "1", "1", "o", "s"]).is_err());
        assert!(parse(&["rerun", "c", "2", "1", "1", "o", "s", "e", "--start", "x"]).is_err());
    }
}
