//! deploy/ and `[package.metadata.deb]`: every path the package names exists,
//! the systemd units say what deploy/README.md promises, and `systemd-analyze
//! verify` accepts them (when systemd-analyze is on the machine).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The lines of Cargo.toml's `[package.metadata.deb]` table.
fn deb_section() -> Vec<String> {
    let toml = read("Cargo.toml");
    let mut lines = toml.lines().skip_while(|l| l.trim() != "[package.metadata.deb]");
    assert!(lines.next().is_some(), "Cargo.toml has a [package.metadata.deb] table");
    lines.take_while(|l| !l.starts_with('[')).map(str::to_string).collect()
}

/// The quoted strings of a line, in order.
fn quoted(line: &str) -> Vec<String> {
    line.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

/// The value of `key = "..."`, also inside an inline table (`{ key = "..." }`).
fn value_of(section: &[String], key: &str) -> Option<String> {
    section.iter().find_map(|l| {
        let at = l.find(&format!("{key} = \""))?;
        quoted(&l[at..]).into_iter().next()
    })
}

#[test]
fn every_deb_asset_exists() {
    let section = deb_section();
    for key in ["maintainer", "copyright", "depends", "section", "priority"] {
        assert!(value_of(&section, key).is_some(), "[package.metadata.deb] names {key}");
    }
    assert!(value_of(&section, "depends").unwrap().contains("$auto"));
    let mut sources: Vec<String> = section
        .iter()
        .filter(|l| l.trim_start().starts_with("[\""))
        .map(|l| {
            let q = quoted(l);
            assert_eq!(q.len(), 3, "an asset is [source, destination, mode]: {l}");
            assert!(
                q[2].len() == 3 && q[2].chars().all(|c| ('0'..='7').contains(&c)),
                "mode: {l}"
            );
            q[0].clone()
        })
        .collect();
    assert!(sources.len() >= 5, "assets: {sources:?}");
    // Built by `cargo deb` itself (cargo build --release) before it packs.
    sources.retain(|s| {
        if let Some(built) = s.strip_prefix("target/release/") {
            assert_eq!(built, "wfm", "the only built asset is the binary");
            false
        } else {
            true
        }
    });
    for expected in ["config.navomi.example", "schema/wfm-reports.xsd", "deploy/man/*.1"] {
        assert!(
            sources.iter().any(|s| s == expected),
            "{expected} is packaged: {sources:?}"
        );
    }
    for s in &sources {
        match s.split_once('*') {
            // cargo-deb globs: here only `folder/*suffix`.
            Some((folder, suffix)) => {
                let matched = std::fs::read_dir(root().join(folder))
                    .unwrap_or_else(|e| panic!("asset {s}: {e}"))
                    .filter(|e| {
                        e.as_ref()
                            .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(suffix))
                    })
                    .count();
                assert!(matched > 0, "asset {s} matches files");
            }
            None => assert!(root().join(s).is_file(), "asset {s} exists"),
        }
    }
    let units = value_of(&section, "unit-scripts").expect("systemd-units names unit-scripts");
    for unit in ["wfm.service", "wfm.timer"] {
        assert!(root().join(&units).join(unit).is_file(), "{units}{unit} exists");
    }
    let scripts = value_of(&section, "maintainer-scripts").expect("maintainer-scripts");
    let postinst = std::fs::read_to_string(root().join(&scripts).join("postinst")).expect("postinst");
    assert!(
        postinst.contains("#DEBHELPER#"),
        "cargo-deb adds the units' scripts there"
    );
}

#[test]
fn units_say_what_the_deploy_readme_promises() {
    let service = read("deploy/wfm.service");
    for line in [
        "Type=oneshot",
        "ExecStart=/usr/bin/wfm loop --config /etc/wfm/config.navomi",
        "User=wfm",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
    ] {
        assert!(service.lines().any(|l| l == line), "wfm.service: {line}");
    }
    let rw = service
        .lines()
        .find_map(|l| l.strip_prefix("ReadWritePaths="))
        .expect("ReadWritePaths=");
    for dir in [
        "/var/lib/wfm/reports",
        "/var/lib/wfm/json",
        "/var/lib/wfm/state",
        "/var/log/wfm",
    ] {
        assert!(
            rw.split_whitespace().any(|p| p.trim_start_matches('-') == dir),
            "{dir} in {rw}"
        );
    }
    let timer = read("deploy/wfm.timer");
    assert!(!timer.contains("RandomizedDelaySec="), "the timer fires on time");
    let cron = read("deploy/crontab.example");
    assert!(cron.contains("loop.sh") && cron.contains("wfm loop"), "{cron}");
}

/// A quarter is built SETTLE_SECONDS (default 60) after it ends: the shipped
/// schedules start `loop` a minute after each quarter, not at it, so each quarter
/// reaches NICE at once rather than with the next run, 15 minutes late.
#[test]
fn the_shipped_schedules_start_loop_once_the_quarter_has_settled() {
    let timer = read("deploy/wfm.timer");
    let calendar = timer
        .lines()
        .find_map(|l| l.strip_prefix("OnCalendar="))
        .expect("OnCalendar=");
    assert_eq!(calendar, "*:01/15", "{timer}");
    let cron = read("deploy/crontab.example");
    let active: Vec<&str> = cron
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.contains('='))
        .collect();
    assert!(!active.is_empty(), "{cron}");
    for line in &active {
        assert!(line.starts_with("1-59/15 * * * * "), "{line}");
    }
    for line in cron.lines().filter(|l| l.contains("wfm loop") || l.contains("loop.sh")) {
        assert!(
            !line.contains("*/15") || line.contains("loop.sh"),
            "only the old scripts' line keeps */15: {line}"
        );
    }
    // The calendar as systemd reads it: :01, :16, :31, :46 at second 0.
    if let Ok(out) = Command::new("systemd-analyze")
        .args([
            "calendar",
            "--iterations=4",
            "--base-time=2026-11-24 10:00:30 UTC",
            calendar,
        ])
        .env("TZ", "UTC")
        .output()
    {
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout);
            for at in ["10:01:00", "10:16:00", "10:31:00", "10:46:00"] {
                assert!(text.contains(at), "{at} in {text}");
            }
        } else {
            eprintln!("systemd-analyze calendar: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
fn systemd_analyze_verifies_the_units() {
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        eprintln!("skipped: systemd-analyze is not on this machine");
        return;
    }
    // verify checks that ExecStart's binary exists: point it at the one just built.
    let dir = tempfile::tempdir().expect("tempdir");
    let service = read("deploy/wfm.service").replace("/usr/bin/wfm", env!("CARGO_BIN_EXE_wfm"));
    std::fs::write(dir.path().join("wfm.service"), service).expect("write");
    std::fs::copy(root().join("deploy/wfm.timer"), dir.path().join("wfm.timer")).expect("copy");
    let files: Vec<PathBuf> = ["wfm.service", "wfm.timer"]
        .iter()
        .map(|f| dir.path().join(f))
        .collect();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg("--man=no")
        .args(&files)
        .current_dir(Path::new(dir.path()))
        .output()
        .expect("systemd-analyze runs");
    assert!(
        out.status.success(),
        "systemd-analyze verify: {:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
