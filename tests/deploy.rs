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
    for expected in [
        "deploy/config.navomi.packaged",
        "schema/wfm-reports.xsd",
        "schema/wfm-messaging-reports.xsd",
        "deploy/man/*.1",
    ] {
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
    // cargo-deb packs every unit of the folder named after the package, templates included.
    for unit in ["wfm.service", "wfm.timer", "wfm@.service", "wfm@.timer"] {
        assert!(root().join(&units).join(unit).is_file(), "{units}{unit} exists");
    }
    // /usr/bin/wfm without the LivePerson simulator.
    assert!(
        section.iter().any(|l| l.trim() == "default-features = false")
            && section.iter().any(|l| l.trim() == "features = []"),
        "the package is built without the demo feature: {section:?}"
    );
    let scripts = value_of(&section, "maintainer-scripts").expect("maintainer-scripts");
    let postinst = std::fs::read_to_string(root().join(&scripts).join("postinst")).expect("postinst");
    assert!(
        postinst.contains("#DEBHELPER#"),
        "cargo-deb adds the units' scripts there"
    );
    let postrm = std::fs::read_to_string(root().join(&scripts).join("postrm")).expect("postrm");
    assert!(
        postrm.contains("#DEBHELPER#") && postrm.contains("\"purge\""),
        "{postrm}"
    );
    for created in ["/var/lib/wfm", "/var/log/wfm", "/etc/wfm"] {
        assert!(postinst.contains(created) && postrm.contains(created), "{created}");
    }
}

/// Both crates say which Rust they need.
#[test]
fn both_crates_declare_rust_version() {
    for manifest in ["Cargo.toml", "crates/lp-sim/Cargo.toml"] {
        let text = read(manifest);
        let package = text
            .split("\n[")
            .find(|t| t.starts_with("[package]") || t.starts_with("package]"));
        let line = package
            .and_then(|p| p.lines().find(|l| l.starts_with("rust-version = ")))
            .unwrap_or_else(|| panic!("{manifest} declares rust-version in [package]"));
        assert_eq!(line, "rust-version = \"1.89\"", "{manifest}");
    }
}

mod package;

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

/// The folder lines the packaged config changes, as (example's line, packaged line).
const PACKAGED_FOLDERS: [(&str, &str); 5] = [
    ("REPORT_DIR=reports", "REPORT_DIR=/var/lib/wfm/reports"),
    ("LOG_DIR=logs", "LOG_DIR=/var/log/wfm"),
    ("JSON_DIR=json", "JSON_DIR=/var/lib/wfm/json"),
    ("#STATE_DIR=state", "STATE_DIR=/var/lib/wfm/state"),
    (
        "#STATE_FILE=state/wfm-state-12345678.json",
        "#STATE_FILE=/var/lib/wfm/state/wfm-state-12345678.json",
    ),
];

/// deploy/config.navomi.packaged (installed as /etc/wfm/config.navomi.example) is
/// the repository's example (tested against the key table) with a header and
/// absolute folders: nothing else may drift. `UPDATE_GOLDEN=1` rewrites it from the example.
#[test]
fn the_packaged_config_is_the_example_with_absolute_folders() {
    let example = read("config.navomi.example");
    let packaged = read("deploy/config.navomi.packaged");
    let body = packaged
        .find("# wfm configuration:")
        .map(|at| &packaged[at..])
        .expect("the packaged config holds the example");
    assert!(packaged[..packaged.len() - body.len()]
        .lines()
        .all(|l| l.starts_with('#')));
    let mut want: Vec<String> = example.lines().map(str::to_string).collect();
    for (from, to) in PACKAGED_FOLDERS {
        let at: Vec<usize> = (0..want.len()).filter(|i| want[*i] == from).collect();
        assert_eq!(at.len(), 1, "config.navomi.example has one line {from}");
        want[at[0]] = to.to_string();
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let header = &packaged[..packaged.len() - body.len()];
        std::fs::write(
            root().join("deploy/config.navomi.packaged"),
            format!("{header}{}\n", want.join("\n")),
        )
        .unwrap();
        return;
    }
    assert_eq!(
        body.lines().collect::<Vec<_>>(),
        want,
        "packaged = example + absolute folders (after a change of the example: UPDATE_GOLDEN=1 cargo test --test tests deploy::)"
    );
}

/// The packaged config as wfm reads it: every folder absolute, under the units'
/// writable folders. `status` reads only (LP_ACCOUNT and credentials from the
/// environment, as an operator may keep them).
#[test]
fn wfm_reads_the_packaged_config_with_absolute_folders() {
    let out = Command::new(env!("CARGO_BIN_EXE_wfm"))
        .args(["status", "--json", "--config"])
        .arg(root().join("deploy/config.navomi.packaged"))
        .env("WFM_NOW", "2026-11-24T10:16:30Z")
        .env("WFM_LP_ACCOUNT", "12345678")
        .env("WFM_LP_CLIENT_ID", "id")
        .env("WFM_LP_CLIENT_SECRET", "secret")
        .env_remove("WFM_CONFIG")
        .output()
        .expect("wfm runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let j: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(j["account"], "12345678");
    assert_eq!(j["state_file"], "/var/lib/wfm/state/wfm-state-12345678.json");
}

/// One instance per account: `wfm@ACCOUNT.service` reads /etc/wfm/ACCOUNT.conf,
/// writes only its own folders, and is hardened as wfm.service is.
#[test]
fn the_template_units_run_one_account_per_instance() {
    let service = read("deploy/wfm@.service");
    for line in [
        "Type=oneshot",
        "User=wfm",
        "ExecStart=/usr/bin/wfm loop --config /etc/wfm/%i.conf",
        "SuccessExitStatus=3",
        "StateDirectory=wfm/%i",
        "LogsDirectory=wfm/%i",
    ] {
        assert!(service.lines().any(|l| l == line), "wfm@.service: {line}");
    }
    let hardening = |text: &str| -> Vec<String> {
        let from = text.find("# Hardening").expect("a hardening block");
        text[from..]
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("ReadWritePaths=") && !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let single = read("deploy/wfm.service");
    assert_eq!(hardening(&service), hardening(&single), "the same hardening");
    assert!(hardening(&single).len() >= 25, "{:?}", hardening(&single));
    let timer = read("deploy/wfm@.timer");
    for line in [
        "Unit=wfm@%i.service",
        "Persistent=true",
        "WantedBy=timers.target",
        "OnCalendar=*:01/15",
    ] {
        assert!(timer.lines().any(|l| l == line), "wfm@.timer: {line}");
    }
}

/// `systemd-analyze security` of the units, offline: 8.5 ("EXPOSED") before the
/// hardening, 1.2 after (deploy/README.md); held under 2.
#[test]
fn systemd_analyze_security_rates_the_units_ok() {
    let version = Command::new("systemd-analyze").arg("--version").output();
    if version.is_err() {
        eprintln!("skipped: systemd-analyze is not on this machine");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (file, as_name) in [("wfm.service", "wfm.service"), ("wfm@.service", "wfm@12345678.service")] {
        std::fs::copy(root().join("deploy").join(file), dir.path().join(as_name)).expect("copy");
        let out = Command::new("systemd-analyze")
            .args(["security", "--offline=true", "--no-pager"])
            .arg(dir.path().join(as_name))
            .output()
            .expect("systemd-analyze runs");
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        if text.contains("--offline") && text.contains("unrecognized") {
            eprintln!("skipped: this systemd-analyze has no --offline: {text}");
            return;
        }
        let level: f64 = text
            .lines()
            .find_map(|l| {
                l.split_once("Overall exposure level for ")?
                    .1
                    .split_once(": ")?
                    .1
                    .split(' ')
                    .next()
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{as_name}: no exposure level in {text}"));
        assert!(level <= 2.0, "{as_name}: exposure {level}\n{text}");
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
    for unit in ["wfm.service", "wfm@.service"] {
        let service = read(&format!("deploy/{unit}")).replace("/usr/bin/wfm", env!("CARGO_BIN_EXE_wfm"));
        std::fs::write(dir.path().join(unit), service).expect("write");
    }
    for unit in ["wfm.timer", "wfm@.timer"] {
        std::fs::copy(root().join("deploy").join(unit), dir.path().join(unit)).expect("copy");
    }
    // An instance too: its %i expanded, its timer's Unit= found.
    for unit in ["wfm@12345678.service", "wfm@12345678.timer"] {
        let template = unit.replace("12345678", "");
        std::fs::copy(dir.path().join(template), dir.path().join(unit)).expect("copy");
    }
    let files: Vec<PathBuf> = ["wfm.service", "wfm.timer", "wfm@12345678.service", "wfm@12345678.timer"]
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
