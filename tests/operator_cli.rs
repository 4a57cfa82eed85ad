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
}

/// deploy/wfm.1 (packaged by `cargo deb`) is the current `wfm man`.
/// After a change of the command line: `UPDATE_GOLDEN=1 cargo test --test operator_cli`.
#[test]
fn deployed_man_page_is_current() {
    let man = stdout(&["man"]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/wfm.1");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &man).expect("write deploy/wfm.1");
    }
    let deployed = std::fs::read_to_string(&path).expect("deploy/wfm.1");
    assert!(
        deployed == man,
        "deploy/wfm.1 differs from `wfm man`: run UPDATE_GOLDEN=1 cargo test --test operator_cli"
    );
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
