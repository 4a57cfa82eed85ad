//! `wfm completions`, `wfm man` and `wfm --version`, run as the real binary.

use std::path::Path;
use std::process::{Command, Output};

fn wfm(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_wfm"))
        .args(args)
        .output()
        .expect("wfm runs");
    assert!(
        out.status.success(),
        "wfm {args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(args: &[&str]) -> String {
    String::from_utf8(wfm(args).stdout).expect("UTF-8")
}

#[test]
fn completions_name_the_binary_and_its_commands() {
    let bash = stdout(&["completions", "bash"]);
    assert!(bash.contains("wfm"), "{bash}");
    assert!(bash.contains("rerun"), "{bash}");
    assert!(bash.contains("complete -F _wfm"), "a bash completion function: {bash}");
    for shell in ["zsh", "fish"] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains("wfm") && script.contains("rerun"), "{shell}: {script}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_wfm"))
        .args(["completions", "tcsh"])
        .output()
        .expect("wfm runs");
    assert_eq!(bad.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn man_page_is_roff_and_names_the_commands() {
    let man = stdout(&["man"]);
    assert!(man.starts_with(".TH"), "{}", &man[..man.len().min(200)]);
    assert!(man.contains("loop"), "{man}");
    assert!(man.contains("rerun"), "{man}");
    assert!(man.contains(env!("CARGO_PKG_VERSION")), "{man}");
    // ENVIRONMENT, FILES and EXIT STATUS, before VERSION.
    let sections: Vec<&str> = man.lines().filter(|l| l.starts_with(".SH ")).collect();
    let at = |s: &str| {
        sections
            .iter()
            .position(|l| *l == s)
            .unwrap_or_else(|| panic!("{s}: {sections:?}"))
    };
    assert!(at(".SH ENVIRONMENT") < at(".SH FILES"));
    assert!(at(".SH FILES") < at(".SH \"EXIT STATUS\"") && at(".SH \"EXIT STATUS\"") < at(".SH VERSION"));
    for needle in [
        "WFM_CONFIG",
        "/etc/wfm/config.navomi",
        "/etc/wfm/ACCOUNT.conf",
        "\\fB3\\fR",
    ] {
        assert!(man.contains(needle), "{needle}");
    }
    let status = stdout(&["man", "status"]);
    assert!(
        status.contains(".SH \"EXIT STATUS\"") && status.contains("WFM_CONFIG"),
        "{status}"
    );
}

/// deploy/man/ (packaged by `cargo deb`) holds the current `wfm man` and
/// `wfm man COMMAND` of every command, and nothing else.
/// After a change of the command line: `UPDATE_GOLDEN=1 cargo test --test tests operator_cli`.
#[test]
fn deployed_man_pages_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/man");
    let main = stdout(&["man"]);
    let mut pages = vec![("wfm.1".to_string(), main.clone())];
    for line in main.lines() {
        // The main page names each command's page as wfm\-COMMAND(1).
        if let Some(name) = line.strip_prefix("wfm\\-").and_then(|l| l.strip_suffix("(1)")) {
            let page = stdout(&["man", name]);
            assert!(page.starts_with(&format!(".TH wfm-{name} 1")), "{page}");
            pages.push((format!("wfm-{name}.1"), page));
        }
    }
    assert!(
        pages.len() >= 7,
        "wfm(1) and a page per command: {:?}",
        pages.iter().map(|p| &p.0).collect::<Vec<_>>()
    );
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    if update {
        for entry in std::fs::read_dir(&dir).expect("deploy/man") {
            std::fs::remove_file(entry.expect("entry").path()).expect("remove");
        }
    }
    for (file, page) in &pages {
        if update {
            std::fs::write(dir.join(file), page).expect("write");
        }
        let deployed = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            &deployed == page,
            "deploy/man/{file} differs from `wfm man`: run UPDATE_GOLDEN=1 cargo test --test tests operator_cli"
        );
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("deploy/man")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut want: Vec<String> = pages.into_iter().map(|p| p.0).collect();
    on_disk.sort();
    want.sort();
    assert_eq!(on_disk, want, "deploy/man holds exactly the current pages");
}

#[test]
fn man_of_an_unknown_command_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_wfm"))
        .args(["man", "nope"])
        .output()
        .expect("wfm runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope") && err.contains("rerun"), "{err}");
}

#[test]
fn version_names_version_commit_and_build_date() {
    for flag in ["--version", "-V"] {
        let v = stdout(&[flag]);
        assert!(v.starts_with("wfm "), "{v}");
        assert!(v.contains(env!("CARGO_PKG_VERSION")), "{v}");
        let commit = v
            .split("commit ")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .unwrap_or("");
        assert!(
            commit == "unknown" || (!commit.is_empty() && commit.chars().all(|c| c.is_ascii_hexdigit())),
            "{v}"
        );
        let date = v
            .split("built ")
            .nth(1)
            .map(|r| r.trim().trim_end_matches(')'))
            .unwrap_or("");
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "a build date YYYY-MM-DD: {v}"
        );
    }
}

/// `--ftp` says its real default (the config's DELIVERY: push when FTP_HOST is set),
/// never `[default: pull]`; `--replay` is on both run commands, help and man page.
#[test]
fn help_and_man_say_the_true_ftp_default_and_offer_replay() {
    for command in ["loop", "rerun"] {
        for text in [stdout(&[command, "--help"]), stdout(&["man", command])] {
            let flat = text
                .replace("\\-", "-")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(!flat.contains("[default: pull]"), "{command}: {flat}");
            assert!(
                flat.contains("push when FTP_HOST is set, else pull"),
                "{command}: {flat}"
            );
            assert!(flat.contains("--replay"), "{command}: {flat}");
        }
    }
}
