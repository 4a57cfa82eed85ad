use super::*;
use crate::config::Secret;
use crate::quarter::parse_quarter_arg;

fn cfg() -> EmailConfig {
    EmailConfig {
        server: "smtp.example.com".into(),
        port: 587,
        user: "ops@example.com".into(),
        password: Some(Secret::new("mail-pw-123")),
        tls: EmailTls::StartTls,
        from: "wfm@example.com".into(),
        to: "ops@example.com".into(),
        subject: "wfm: report failure".into(),
    }
}

fn report(quarters: &[&str]) -> FailureReport {
    FailureReport {
        command: "wfm loop".into(),
        quarters: quarters.iter().map(|q| parse_quarter_arg(q).unwrap()).collect(),
        what_failed: "FTP login to nice:21 as \"u\" failed: server replied \"530 Login incorrect.\"".into(),
        hint: "Check FTP_USER and FTP_PASSWORD".into(),
        host: "wfm-host-1".into(),
        log_file: Some(PathBuf::from("/var/log/wfm/wfm-2026-11-24.log")),
        config: Some(PathBuf::from("/etc/wfm/config.navomi")),
        rebuildable: quarters.iter().map(|q| parse_quarter_arg(q).unwrap()).collect(),
        ftp: Some("push".into()),
        keeps: "24 hours".into(),
        partial: vec![],
    }
}

#[test]
fn a_long_loss_is_listed_as_ranges_and_only_servable_quarters_are_offered_for_rerun() {
    let mut stems: Vec<String> = (0..20)
        .map(|i| format!("112326.{:02}{:02}", 10 + i / 4, (i % 4) * 15))
        .collect();
    stems.push("112426.1000".into());
    let refs: Vec<&str> = stems.iter().map(String::as_str).collect();
    let mut r = report(&refs);
    r.rebuildable = vec![parse_quarter_arg("112426.1000").unwrap()];
    let (_, b) = compose(&cfg(), &r);
    assert!(b.contains("Quarters not delivered (21)"), "{b}");
    assert!(
        b.contains("112326.1000 (2026-11-23 10:00-10:15 UTC) to 112326.1445 (2026-11-23 14:45-15:00 UTC)"),
        "{b}"
    );
    assert_eq!(b.matches("  1123").count(), 1, "one line for the range: {b}");
    assert!(
        b.contains(
            "wfm rerun --config /etc/wfm/config.navomi --ftp push --output <dir> --start 112426.1000 --end 112426.1000"
        ),
        "{b}"
    );
    r.rebuildable.clear();
    assert!(!compose(&cfg(), &r).1.contains("wfm rerun"), "nothing left to rebuild");
}

#[test]
fn subject_uses_first_stem() {
    let (s, _) = compose(&cfg(), &report(&["112426.1000"]));
    assert_eq!(s, "wfm: report failure 112426.1000");
    let (s, _) = compose(&cfg(), &report(&["112426.1000", "112426.1015"]));
    assert_eq!(s, "wfm: report failure 112426.1000 (+1 more)");
    let (s, b) = compose(&cfg(), &report(&[]));
    assert_eq!(s, "wfm: report failure");
    assert!(b.contains("none identified"), "{b}");
    assert!(!b.contains("wfm rerun"), "{b}");
}

#[test]
fn body_lists_quarters_reason_host_log_and_hint() {
    let (_, b) = compose(&cfg(), &report(&["112426.1000", "112426.1015"]));
    for want in [
        "`wfm loop` failed on wfm-host-1",
        "112426.1000 (2026-11-24 10:00-10:15 UTC)",
        "112426.1015 (2026-11-24 10:15-10:30 UTC)",
        "530 Login incorrect.",
        "Check FTP_USER and FTP_PASSWORD",
        "Host: wfm-host-1",
        "Log file: /var/log/wfm/wfm-2026-11-24.log",
        "--start 112426.1000 --end 112426.1015",
    ] {
        assert!(b.contains(want), "missing {want:?} in:\n{b}");
    }
    let mut r = report(&["112426.1000"]);
    r.log_file = None;
    assert!(compose(&cfg(), &r).1.contains("Log file: none"));
}

#[test]
fn compose_scrubs_the_mail_password() {
    let mut r = report(&["112426.1000"]);
    r.what_failed = "relay said: bad password mail-pw-123".into();
    let (s, b) = compose(&cfg(), &r);
    assert!(!b.contains("mail-pw-123") && !s.contains("mail-pw-123"), "{b}");
    assert!(b.contains("bad password ***"), "{b}");
}

#[test]
fn partial_quarters_are_counted_and_said_why() {
    let mut r = report(&["112426.1000"]);
    let (_, body) = compose(&cfg(), &r);
    assert!(!body.contains("partial"), "{body}");
    r.partial = ["112326.0800", "112326.0815", "112326.0830"]
        .iter()
        .map(|q| parse_quarter_arg(q).unwrap())
        .collect();
    let (_, body) = compose(&cfg(), &r);
    assert!(
        body.contains("Delivered partial (3)") && body.contains("Messaging Operations serves 24 h"),
        "{body}"
    );
}
