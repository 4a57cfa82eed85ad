//! The built .deb, when there is one: `WFM_TEST_DEB=target/debian/wfm_….deb`
//! after `cargo deb` (cargo-deb is not needed by the suite, nor installed by CI:
//! it takes minutes to build). Checks its contents and that its `/usr/bin/wfm`
//! has no demo; with `WFM_TEST_DEB_INSTALL=1` as root it also installs the
//! package with dpkg and purges it (this changes the machine: opt-in; the system
//! user `wfm` stays after the purge, as Debian advises: `deluser --system wfm`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn the_deb() -> Option<PathBuf> {
    let Some(deb) = std::env::var_os("WFM_TEST_DEB").map(PathBuf::from) else {
        eprintln!("skipped: set WFM_TEST_DEB to a package built by `cargo deb` (cargo install cargo-deb)");
        return None;
    };
    if Command::new("dpkg-deb").arg("--version").output().is_err() {
        eprintln!("skipped: dpkg-deb is not on this machine");
        return None;
    }
    assert!(deb.is_file(), "WFM_TEST_DEB={} is not a file", deb.display());
    Some(deb)
}

#[test]
fn the_package_holds_the_packaged_layout_and_no_demo() {
    let Some(deb) = the_deb() else { return };
    let list = String::from_utf8_lossy(&run(Command::new("dpkg-deb").arg("--contents").arg(&deb)).stdout).to_string();
    for path in [
        "./usr/bin/wfm",
        "./etc/wfm/config.navomi.example",
        "./usr/lib/systemd/system/wfm.service",
        "./usr/lib/systemd/system/wfm.timer",
        "./usr/lib/systemd/system/wfm@.service",
        "./usr/lib/systemd/system/wfm@.timer",
        "./usr/share/man/man1/wfm.1",
        "./usr/share/man/man1/wfm-loop.1",
        "./usr/share/wfm/wfm-reports.xsd",
        "./usr/share/wfm/wfm-messaging-reports.xsd",
    ] {
        assert!(
            // Man pages are gzipped: wfm.1.gz.
            list.lines().any(|l| l.contains(path)),
            "{path} in\n{list}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb").arg("--extract").arg(&deb).arg(dir.path()));
    let config = std::fs::read_to_string(dir.path().join("etc/wfm/config.navomi.example")).unwrap();
    assert!(
        config.lines().any(|l| l == "REPORT_DIR=/var/lib/wfm/reports"),
        "{config}"
    );
    assert!(config.lines().any(|l| l == "LOG_DIR=/var/log/wfm"), "{config}");
    // The packaged binary carries no LivePerson simulator: `wfm demo` says so (exit 2).
    let wfm = dir.path().join("usr/bin/wfm");
    let out = Command::new(&wfm)
        .args(["demo", "--output"])
        .arg(dir.path().join("demo"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without the `demo` feature"));
    assert!(!dir.path().join("demo").exists());
    let scripts = dir.path().join("control");
    run(Command::new("dpkg-deb").arg("--control").arg(&deb).arg(&scripts));
    let postrm = std::fs::read_to_string(scripts.join("postrm")).expect("a postrm");
    assert!(postrm.contains("rm -rf /var/lib/wfm /var/log/wfm"), "{postrm}");
}

#[test]
fn dpkg_installs_and_purges_the_package() {
    let Some(deb) = the_deb() else { return };
    if std::env::var_os("WFM_TEST_DEB_INSTALL").is_none() {
        eprintln!("skipped: set WFM_TEST_DEB_INSTALL=1 (as root) to install and purge the package here");
        return;
    }
    let status = |p: &str| Command::new("dpkg-query").args(["-W", "-f=${Status}", p]).output();
    if status("wfm").is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("installed")) {
        eprintln!("skipped: a wfm package is installed already; not touching it");
        return;
    }
    run(Command::new("dpkg").arg("--install").arg(&deb));
    for dir in ["/etc/wfm", "/var/lib/wfm", "/var/log/wfm"] {
        assert!(Path::new(dir).is_dir(), "{dir} created");
    }
    assert!(Path::new("/etc/wfm/config.navomi.example").is_file());
    run(Command::new("getent").args(["passwd", "wfm"]));
    // What the units' runs would leave: an instance's folders and files.
    std::fs::create_dir_all("/var/lib/wfm/12345678/reports").unwrap();
    std::fs::write("/var/lib/wfm/12345678/reports/Q_x.xml", "x").unwrap();
    std::fs::create_dir_all("/var/log/wfm/12345678").unwrap();
    run(Command::new("dpkg").arg("--purge").arg("wfm"));
    for gone in ["/etc/wfm", "/var/lib/wfm", "/var/log/wfm", "/usr/bin/wfm"] {
        assert!(!Path::new(gone).exists(), "{gone} removed by the purge");
    }
}
