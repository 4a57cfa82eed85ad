//! `config.navomi` is read as bash reads it: for a table of tricky values,
//! the value `wfm` takes equals what `bash -c 'set -a; . FILE; printf %s "$KEY"'`
//! prints (and the value the table states); values `wfm` refuses exit 2 with
//! the line named. The comparison with bash is skipped, with a message, when
//! bash is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

const MINIMAL: &str = "LP_ACCOUNT=12345678\nLP_CLIENT_ID=cid\nLP_CLIENT_SECRET=csecret\n";

/// The environment both wfm and bash see.
const ENV: &[(&str, &str)] = &[("HOME", "/home/op"), ("EMPTY", ""), ("SUB", "s u b")];

fn env(k: &str) -> Option<String> {
    ENV.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
}

fn write_config(dir: &Path, lines: &str) -> PathBuf {
    let path = dir.join("config.navomi");
    std::fs::write(&path, format!("{MINIMAL}{lines}\n")).unwrap();
    path
}

/// What bash holds in REPORT_DIR after sourcing the file; `None` without bash.
fn bash_value(path: &Path) -> Option<String> {
    let out = Command::new("bash")
        .env_clear()
        .envs(ENV.iter().copied())
        .args(["-c", "set -a; . \"$1\"; printf %s \"$REPORT_DIR\"", "bash"])
        .arg(path)
        .output()
        .ok()?;
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn config_values_are_read_as_bash_reads_them() {
    let has_bash = Command::new("bash").arg("-c").arg("true").output().is_ok();
    if !has_bash {
        eprintln!("bash is missing: comparing with the table's values only");
    }
    // (lines after MINIMAL, the REPORT_DIR bash and wfm must hold)
    let cases: &[(&str, &str)] = &[
        ("REPORT_DIR=\"rep$ü%&=\"", "rep$ü%&="),
        ("REPORT_DIR=\"p$ü%&=\"", "p$ü%&="),
        ("REPORT_DIR=rep$ü%=", "rep$ü%="),
        ("REPORT_DIR=\"a$%b$\"", "a$%b$"),
        ("REPORT_DIR='a b'", "a b"),
        ("REPORT_DIR=\"a # b\"", "a # b"),
        ("REPORT_DIR=a\\ b", "a b"),
        ("REPORT_DIR=a#b # a comment", "a#b"),
        ("REPORT_DIR=\"$HOME/x\"", "/home/op/x"),
        ("REPORT_DIR=\"${HOME}x\"", "/home/opx"),
        ("REPORT_DIR=${HOME}/y", "/home/op/y"),
        ("REPORT_DIR=\"\\$HOME\"", "$HOME"),
        ("REPORT_DIR='$HOME'", "$HOME"),
        ("REPORT_DIR=\"tab\\there\"", "tab\\there"),
        ("REPORT_DIR=\"q\\\"uote\\\\\"", "q\"uote\\"),
        ("export REPORT_DIR=v", "v"),
        ("REPORT_DIR=a=b==c", "a=b==c"),
        ("REPORT_DIR=\"k=v&w=x\"", "k=v&w=x"),
        ("REPORT_DIR=\"r$EMPTY\"", "r"),
        ("REPORT_DIR=\"$SUB\"", "s u b"),
        ("REPORT_DIR=~/r", "/home/op/r"),
        ("REPORT_DIR='it'\"'\"'s'", "it's"),
        ("BASE=/srv/wfm\nREPORT_DIR=$BASE/reports", "/srv/wfm/reports"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (lines, want) in cases {
        let path = write_config(dir.path(), lines);
        let cfg = wfm::config::load_with_env(&path, env).unwrap_or_else(|e| panic!("{lines:?}: {e}"));
        assert_eq!(cfg.report_dir, dir.path().join(want), "wfm read {lines:?}");
        if has_bash {
            let bash = bash_value(&path).unwrap();
            assert_eq!(bash, *want, "bash read {lines:?}");
        }
    }
}

#[test]
fn values_bash_would_read_otherwise_are_refused_naming_the_line() {
    let cases: &[(&str, &[&str])] = &[
        (
            "REPORT_DIR=\"$NOT_SET_ANYWHERE/r\"",
            &["line 4", "REPORT_DIR", "$NOT_SET_ANYWHERE is not set"],
        ),
        (
            "REPORT_DIR=${NOT_SET_ANYWHERE}",
            &["line 4", "$NOT_SET_ANYWHERE is not set"],
        ),
        ("\nREPORT_DIR=\"$(hostname)\"", &["line 5", "command substitution"]),
        ("REPORT_DIR=\"r$1\"", &["line 4", "special shell parameter"]),
        ("REPORT_DIR=${HOME:-/tmp}", &["line 4", "${NAME}"]),
        ("REPORT_DIR=a&b", &["line 4", "shell operator"]),
        ("REPORT_DIR = r", &["line 4", "no spaces around"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (lines, needles) in cases {
        let path = write_config(dir.path(), lines);
        let e = wfm::config::load_with_env(&path, env).unwrap_err().to_string();
        for n in *needles {
            assert!(e.contains(n), "{lines:?}: wanted {n:?} in {e}");
        }
    }
}

#[test]
fn a_utf8_bom_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.navomi");
    std::fs::write(&path, format!("\u{feff}{MINIMAL}REPORT_DIR=r\n")).unwrap();
    let cfg = wfm::config::load_with_env(&path, env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.account, "12345678");
    // Windows line ends too (bash would keep the CR in every value).
    std::fs::write(&path, format!("{MINIMAL}REPORT_DIR=r\n").replace('\n', "\r\n")).unwrap();
    let cfg = wfm::config::load_with_env(&path, env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (cfg.account.as_str(), cfg.report_dir.clone()),
        ("12345678", dir.path().join("r"))
    );
}
