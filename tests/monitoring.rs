//! The operator's day: `wfm status` (text and JSON, exit status, reads only),
//! the Prometheus textfile METRICS_FILE and the PING_URL dead man's switch,
//! through the real binary against the simulator.

use crate::common::*;
use lp_sim::Fault;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod ping;

mod check_and_rerun;

mod requests;

/// Every file below `dir` with its bytes: what "nothing changed" compares.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                out.insert(format!("{name}/"), Vec::new());
                todo.push(p);
            } else {
                out.insert(name, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn cfg(s: &Setup) -> &str {
    s.config.to_str().unwrap()
}

async fn run_loop(s: &Setup, now: chrono::DateTime<chrono::Utc>) -> std::process::Output {
    wfm(&["loop", cfg(s), "2", "2", "0"], now).await
}

/// `wfm status` and `wfm status --json`, checking that neither changes a file.
async fn status(s: &Setup, now: chrono::DateTime<chrono::Utc>) -> (i32, String, serde_json::Value) {
    let before = snapshot(s.dir.path());
    let text = wfm(&["status", "--config", cfg(s)], now).await;
    let json = wfm(&["status", "--config", cfg(s), "--json"], now).await;
    assert_eq!(before, snapshot(s.dir.path()), "status changed a file");
    assert_eq!(text.status.code(), json.status.code());
    assert_eq!(stderr(&text), "", "status prints its findings on stdout");
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("one JSON object");
    (text.status.code().unwrap(), stdout(&text), value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_after_a_good_loop_is_healthy() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let out = run_loop(&s, now).await;
    assert_exit(&out, 0);
    let (code, text, j) = status(&s, now).await;
    eprintln!("{text}{}", serde_json::to_string_pretty(&j).unwrap());
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("status          healthy\n"), "{text}");
    assert!(text.contains(&format!("\naccount         {ACCOUNT}\n")), "{text}");
    assert_eq!(j["account"], ACCOUNT);
    assert!(
        text.contains("\nlast delivered  112426.1000 (2026-11-24 10:00-10:15 UTC), ended 2026-11-24 10:15:00 UTC\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\nnext quarter    112426.1015 (2026-11-24 10:15-10:30 UTC), buildable at 2026-11-24 10:31:00 UTC\n"
        ),
        "{text}"
    );
    assert!(!text.contains("problem"), "{text}");
    assert_eq!(j["healthy"], true);
    assert_eq!(j["problems"], serde_json::json!([]));
    assert_eq!(j["now"], "2026-11-24T10:16:30Z");
    assert_eq!(j["delivery"], "pull");
    assert_eq!(j["state_error"], serde_json::Value::Null);
    assert_eq!(j["last_delivered"]["quarter"], "112426.1000");
    assert_eq!(j["last_delivered"]["end"], "2026-11-24T10:15:00Z");
    assert_eq!(j["outage"], serde_json::Value::Null);
    assert_eq!(j["lost"]["count"], 0);
    assert_eq!(j["lost"]["since_last_delivery"], 0);
    assert_eq!(j["missing"]["count"], 0);
    assert_eq!(j["waiting_for_upload"]["count"], 0);
    assert_eq!(j["window"]["newest"], "112426.1000");
    assert_eq!(j["next"]["quarter"], "112426.1015");
    assert_eq!(j["next"]["due"], "2026-11-24T10:31:00Z");
    let line = j["last_run"]["line"].as_str().unwrap();
    assert!(line.starts_with("run finished: 1 of 1 quarter(s) delivered, 3 file(s)") && line.ends_with(", ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_during_an_outage_names_the_missing_quarters_and_a_damaged_state() {
    let first = t("2026-11-24T10:16:30Z");
    let sim = scenario(first).start().await;
    let s = Setup::new(&sim, "");
    assert_eq!(run_loop(&s, first).await.status.code(), Some(0));
    sim.inject(None, Fault::ServerError(400), 6);
    for now in [t("2026-11-24T10:31:30Z"), t("2026-11-24T10:46:30Z")] {
        sim.set_now(now);
        assert_eq!(run_loop(&s, now).await.status.code(), Some(1));
    }
    let now = t("2026-11-24T10:50:00Z");
    let (code, text, j) = status(&s, now).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.starts_with("status          UNHEALTHY\n"), "{text}");
    assert!(
        text.contains("\nmissing         2 quarter(s): 112426.1015 to 112426.1030 (LivePerson serves "),
        "{text}"
    );
    assert!(
        text.contains("\noutage          since 2026-11-24 10:31:30 UTC, 2 failed quarter(s), "),
        "{text}"
    );
    assert!(
        text.contains(
            "\nproblem         2 quarter(s) missing that LivePerson still serves: 112426.1015 to 112426.1030\n"
        ),
        "{text}"
    );
    assert_eq!(j["healthy"], false);
    assert_eq!(j["missing"]["count"], 2);
    assert_eq!(
        j["missing"]["ranges"],
        serde_json::json!([["112426.1015", "112426.1030"]])
    );
    assert_eq!(j["outage"]["since"], "2026-11-24T10:31:30Z");
    assert!(j["outage"]["last_error"].as_str().unwrap().contains("400"), "{j}");
    assert_eq!(j["last_delivered"]["quarter"], "112426.1000");
    assert!(j["last_run"]["line"].as_str().unwrap().ends_with("FAILED"), "{j}");
    assert_eq!(
        j["next"]["quarter"], "112426.1030",
        "the newest due quarter is built next"
    );

    // A damaged state: said, exit 1, and the file stays where it is, as it is.
    std::fs::write(s.state_file(), b"{\"version\": 2, \"deliv").unwrap();
    let (code, text, j) = status(&s, now).await;
    assert_eq!(code, 1);
    assert!(text.contains("is damaged (not JSON"), "{text}");
    assert!(j["state_error"].as_str().unwrap().contains("is damaged"), "{j}");
    assert_eq!(std::fs::read(s.state_file()).unwrap(), b"{\"version\": 2, \"deliv");
}

/// A tiny HTTP server answering 200 to everything, recording `METHOD path` of each request.
pub(crate) async fn ping_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = paths.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let mut first = head.lines().next().unwrap_or("").split(' ');
                let method = first.next().unwrap_or("");
                seen.lock()
                    .unwrap()
                    .push(format!("{method} {}", first.next().unwrap_or("")));
                let _ = conn
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK")
                    .await;
            });
        }
    });
    (port, paths)
}

/// The loop's samples of the textfile by metric name (its shape checked by
/// [`prom_samples`]); `wfm_method_requests`, with a label more, is left out.
fn metrics(path: &Path) -> BTreeMap<String, f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let samples = prom_samples(&text);
    // The first eight as before, then wfm_quarters_partial and wfm_method_requests.
    assert_eq!(text.matches("# TYPE ").count(), 10, "{text}");
    assert_eq!(text.matches("# HELP ").count(), 10, "{text}");
    // Every sample names the account: one host may run many.
    let labels = format!("{{job=\"loop\",account=\"{ACCOUNT}\"");
    samples
        .into_iter()
        .filter_map(|(key, v)| {
            let (name, rest) = key.split_once(&labels).unwrap_or_else(|| panic!("{key}"));
            assert!(rest == "}" || rest.starts_with(",method=\""), "{key}");
            (rest == "}").then(|| (name.to_string(), v))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_ping_after_a_good_and_a_failing_run() {
    let first = t("2026-11-24T10:16:30Z");
    let sim = scenario(first).start().await;
    let (port, paths) = ping_server().await;
    let s = Setup::new(
        &sim,
        &format!("METRICS_FILE=wfm.prom\nPING_URL=http://127.0.0.1:{port}/ping\n"),
    );
    let prom = s.path("wfm.prom");
    let out = run_loop(&s, first).await;
    assert_exit(&out, 0);
    let m = metrics(&prom);
    assert_eq!(m["wfm_last_run_timestamp_seconds"], first.timestamp() as f64);
    assert_eq!(m["wfm_last_success_timestamp_seconds"], first.timestamp() as f64);
    assert_eq!(m["wfm_quarters_delivered"], 1.0);
    assert_eq!(m["wfm_quarters_lost"], 0.0);
    assert_eq!(m["wfm_requests"], 3.0);
    assert_eq!(m["wfm_retries"], 0.0);
    assert!(m["wfm_run_duration_seconds"] > 0.0);
    assert_eq!(m["wfm_outage"], 0.0);
    assert_eq!(*paths.lock().unwrap(), ["GET /ping"]);

    // A dry run reports nothing.
    let out = wfm(&["loop", "--config", cfg(&s), "--dry-run"], first).await;
    assert_exit(&out, 0);
    assert_eq!(paths.lock().unwrap().len(), 1);

    let now = t("2026-11-24T10:31:30Z");
    sim.set_now(now);
    sim.inject(None, Fault::ServerError(400), 3);
    let out = run_loop(&s, now).await;
    assert_exit(&out, 1);
    let m = metrics(&prom);
    assert_eq!(m["wfm_last_run_timestamp_seconds"], now.timestamp() as f64);
    assert_eq!(
        m["wfm_last_success_timestamp_seconds"],
        first.timestamp() as f64,
        "kept from the previous file"
    );
    assert_eq!(m["wfm_quarters_delivered"], 0.0);
    assert_eq!(m["wfm_requests"], 3.0);
    assert_eq!(m["wfm_outage"], 1.0);
    assert_eq!(*paths.lock().unwrap(), ["GET /ping", "GET /ping/fail"]);
    assert!(
        !all_names_in(s.dir.path()).iter().any(|n| n.ends_with(".part")),
        "no temporary left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_ping_does_not_fail_the_run() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let s = Setup::new(&sim, &format!("PING_URL=http://127.0.0.1:{port}/ping\n"));
    let out = run_loop(&s, now).await;
    assert_exit(&out, 0);
    let log = log_text(&s.path("logs"));
    assert!(log.contains("cannot ping PING_URL: "), "{log}");
    assert!(log.contains("the run's result stands"), "{log}");
}

/// Issue 17, item 12: `status` applies the loop's own checks of the state. A
/// state of another account (loop exits 2) is unhealthy, naming both accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_another_accounts_state_is_unhealthy_as_loop_refuses_it() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let out = run_loop(&s, now).await;
    assert_exit(&out, 0);
    let mut st: serde_json::Value = serde_json::from_slice(&std::fs::read(s.state_file()).unwrap()).unwrap();
    st["account"] = "99999999".into();
    std::fs::write(s.state_file(), st.to_string()).unwrap();

    // Nothing is missing otherwise: on the state's own word all is well.
    let out = run_loop(&s, now).await;
    assert_exit(&out, 2);
    let (code, text, j) = status(&s, now).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.starts_with("status          UNHEALTHY\n"), "{text}");
    let problem = j["problems"][0].as_str().unwrap();
    assert!(
        problem.contains("holds the state of LivePerson account 99999999, but this config is for account 12345678"),
        "{problem}"
    );
    assert_eq!(j["refused"][0], problem);
}

/// Issue 17, item 12: a last delivery in the future (a run whose clock was
/// ahead) stops `loop` with exit 1 naming it, and `status` says the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_in_the_future_stops_loop_and_makes_status_unhealthy() {
    let ahead = t("2026-11-24T10:16:30Z");
    let sim = scenario(ahead).start().await;
    let s = Setup::new(&sim, "");
    let out = run_loop(&s, ahead).await;
    assert_exit(&out, 0);
    let before = files_in(&s.reports());

    // The clock put right: a day earlier than that run thought.
    let now = ahead - chrono::Duration::days(1);
    sim.set_now(now);
    let (code, text, j) = status(&s, now).await;
    assert_eq!(code, 1, "{text}");
    let problem = j["problems"][0].as_str().unwrap().to_string();
    assert!(
        problem.contains("records quarter 112426.1000 (2026-11-24 10:00-10:15 UTC) as delivered, but it ends at 2026-11-24 10:15 UTC, after now (2026-11-23 10:16:30 UTC)"),
        "{problem}"
    );
    assert!(text.contains(&format!("problem         {problem}\n")), "{text}");

    let out = run_loop(&s, now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&problem), "loop names the same problem: {err}");
    assert_eq!(files_in(&s.reports()), before, "nothing built");
    assert_eq!(sim.data_requests(), 3, "no request after the refusal");
}
