//! METRICS_FILE of a messaging `loop`: how many of the quarters it delivered are
//! partial (older than now − 1430 min: `Q_` and `AS_`, no `AQ_`), and its
//! requests by method, each equal to what the simulator counted on that path.

use super::*;

const MONITORING: &str = "LP_CHANNEL=messaging\nMETRICS_FILE=wfm.prom\n";

/// The loop's `wfm_method_requests` samples.
fn by_method(samples: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    method_requests(samples, "loop", ACCOUNT)
}

fn loop_gauge(samples: &BTreeMap<String, f64>, name: &str) -> f64 {
    gauge(samples, name, "loop", ACCOUNT)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_up_loop_reports_its_partial_quarters_and_requests_by_method() {
    let before = t("2026-11-22T08:16:30Z");
    let sim = messaging(before).start().await;
    let zero = counted(&sim);
    let s = Setup::new(&sim, MONITORING);
    let cfg = s.config.to_str().unwrap();
    let prom = s.path("wfm.prom");
    let out = wfm(&["loop", cfg, "2", "2", "0"], before).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m = prom_samples(&std::fs::read_to_string(&prom).unwrap());
    assert_eq!(loop_gauge(&m, "wfm_quarters_partial"), 0.0, "one quarter, whole");
    let first = counted(&sim);
    // The channel's four methods and the token, nothing of chat's.
    let expected = asked(&zero, &first);
    assert_eq!(expected.len(), 5, "{first:?}");
    assert_eq!(by_method(&m), expected);

    // Off for 24 h 30 min: the loop builds every quarter since, the oldest ones
    // beyond Messaging Operations' reach partial.
    let now = t("2026-11-23T08:46:30Z");
    sim.set_now(now);
    let out = wfm(&["loop", cfg, "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let asked = asked(&first, &counted(&sim));
    let reach = now - Duration::minutes(1430);
    let planned = stems("2026-11-22T08:15:00Z", "2026-11-23T08:30:00Z");
    let partial = planned.iter().filter(|q| **q < reach).count();
    assert_eq!((planned.len(), partial), (98, 3), "08:15, 08:30, 08:45 yesterday");
    let m = prom_samples(&std::fs::read_to_string(&prom).unwrap());
    assert_eq!(loop_gauge(&m, "wfm_quarters_delivered"), planned.len() as f64);
    assert_eq!(loop_gauge(&m, "wfm_quarters_partial"), partial as f64);
    // The files agree: a partial quarter has no AQ_.
    let names = files_in(&s.reports());
    let count = |p: &str| names.iter().filter(|n| n.starts_with(p)).count();
    assert_eq!(count("Q_") - count("AQ_"), partial, "{names:?}");

    // Every method the simulator saw, as it counted it; the channel's series all there.
    let mut expected = asked;
    assert_eq!(
        expected,
        BTreeMap::from([
            ("agent_view".to_string(), 98.0),
            ("metrics".to_string(), 98.0),
            ("msgconversation".to_string(), 1.0),
            ("msgskillsegments".to_string(), 1.0),
            ("token".to_string(), 1.0),
        ]),
        "the simulator's own count"
    );
    for m in ["msgskillsegments", "msgconversation", "metrics", "agent_view", "token"] {
        expected.entry(m.to_string()).or_insert(0.0);
    }
    assert_eq!(by_method(&m), expected);
    let total = expected.values().sum::<f64>() as usize;
    assert_eq!(
        loop_gauge(&m, "wfm_requests"),
        total as f64,
        "the split adds up to the total"
    );

    // The log says the same beside the summary line, whose format is unchanged.
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains(&format!(
            "requests by method: msgskillsegments 1, msgconversation 1, metrics {0}, agent_view {0}, token 1\n",
            planned.len()
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "98 of 98 quarter(s) delivered (3 partial: Q_ and AS_ only, Messaging Operations serves 24 h), 291 file(s), {total} request(s), 0 retries"
        )),
        "{log}"
    );
}
