//! Issue 19, point 7 b and f: `wfm check` shows each config warning on a WARN line
//! and checks METRICS_FILE and PING_URL (without pinging); a rerun never pings.

use super::*;

fn line<'a>(text: &'a str, item: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(item)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_warns_on_its_own_lines_and_checks_metrics_file_and_ping_url_without_pinging() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let (port, seen) = ping_server().await;
    let s = Setup::new(
        &sim,
        &format!("METRICS_FILE=wfm.prom\nPING_URL=http://127.0.0.1:{port}/ping/secret-uuid\nNO_SUCH_KEY=1\n"),
    );
    let out = wfm(&["check", "--config", cfg(&s)], now).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "a WARN does not fail the check: {text}");
    let config = line(&text, "config");
    assert!(
        config
            .iter()
            .any(|l| l.contains(" ok ") && l.contains("is valid") && !l.contains("NO_SUCH_KEY")),
        "{text}"
    );
    assert!(
        config
            .iter()
            .any(|l| l.contains(" WARN ") && l.contains("unknown key NO_SUCH_KEY")),
        "the warning on a WARN line: {text}"
    );
    assert!(
        line(&text, "METRICS_FILE")
            .iter()
            .any(|l| l.contains(" ok ") && l.contains("folder is writable")),
        "{text}"
    );
    let ping = line(&text, "PING_URL");
    assert!(
        ping.iter().any(|l| l.contains(" ok ") && l.contains("HTTP 200")),
        "{text}"
    );
    assert!(
        !text.contains("secret-uuid"),
        "the ping URL's path is not shown: {text}"
    );
    assert_eq!(*seen.lock().unwrap(), ["HEAD /"], "the host's root, never the ping URL");
    assert!(!s.path("wfm.prom").exists(), "check writes no metrics");

    // A folder as METRICS_FILE stops every run: FAILED. A ping host that refuses: WARN.
    std::fs::create_dir_all(s.path("wfm.prom")).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    s.rewrite_config(&format!("127.0.0.1:{port}"), &format!("127.0.0.1:{closed}"));
    let out = wfm(&["check", "--config", cfg(&s)], now).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        line(&text, "METRICS_FILE").iter().any(|l| l.contains(" FAILED ")),
        "{text}"
    );
    assert!(
        line(&text, "PING_URL")
            .iter()
            .any(|l| l.contains(" WARN ") && l.contains("cannot be reached")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_never_pings_the_loops_ping_url() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let (port, seen) = ping_server().await;
    let s = Setup::new(
        &sim,
        &format!("PING_URL=http://127.0.0.1:{port}/ping\nMETRICS_FILE=wfm.prom\n"),
    );
    let old = s.path("old");
    let out = wfm(
        &[
            "rerun",
            "--config",
            cfg(&s),
            "--output",
            old.to_str().unwrap(),
            "--start",
            "112426.0930",
            "--end",
            "112426.0945",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        seen.lock().unwrap().is_empty(),
        "a rerun pinged: {:?}",
        seen.lock().unwrap()
    );
    let prom = std::fs::read_to_string(s.path("wfm.prom")).unwrap();
    assert!(
        prom.contains("job=\"rerun\""),
        "a rerun still writes its metrics: {prom}"
    );
    let out = run_loop(&s, now).await;
    assert_exit(&out, 0);
    assert_eq!(*seen.lock().unwrap(), ["GET /ping"], "the loop pings");
}
