//! Requests by LivePerson method, end to end: a chat `rerun` (a skill list too long
//! for one URL, so queuehealth and engactivity go in parts; one agentactivity retry;
//! OAuth 2.0, so one token request) writes `wfm_method_requests` equal to what the
//! simulator counted per path, logs them beside its summary line, and keeps the
//! loop's and another account's series in the shared METRICS_FILE.

use super::*;
use lp_sim::Method;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_rerun_reports_its_requests_by_method_as_the_simulator_counted_them() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().with(|o| o.generator.skills = 400).start().await;
    let skills = sim.generator().skill_ids();
    let s = Setup::new(
        &sim,
        &format!("LP_SKILL_IDS={}\nMETRICS_FILE=wfm.prom\n", skills.join(",")),
    );
    let prom = s.path("wfm.prom");
    // Another instance's series in the same file, as wfm writes them.
    let other = "wfm_method_requests{job=\"loop\",account=\"87654321\",method=\"metrics\"} 42";
    std::fs::write(
        &prom,
        format!("# HELP wfm_method_requests x\n# TYPE wfm_method_requests gauge\n{other}\n"),
    )
    .unwrap();

    let zero = counted(&sim);
    let out = run_loop(&s, now).await;
    assert_exit(&out, 0);
    let after_loop = counted(&sim);
    let loop_asked = asked(&zero, &after_loop);

    sim.inject(Some(Method::AgentActivity), Fault::ServerError(503), 1);
    let out = wfm(
        &[
            "rerun",
            "--config",
            cfg(&s),
            "--debug",
            "1",
            "--output",
            s.path("old").to_str().unwrap(),
            "--start",
            "112426.0930",
            "--end",
            "112426.0945",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    let rerun_asked = asked(&after_loop, &counted(&sim));
    // What the test set up: parts, one retry, one token; nothing of messaging.
    assert!(
        rerun_asked["queuehealth"] >= 2.0 && rerun_asked["engactivity"] >= 2.0,
        "{rerun_asked:?}"
    );
    assert_eq!(rerun_asked["agentactivity"], 2.0, "one 503, one retry");
    assert_eq!(rerun_asked["token"], 1.0);
    assert_eq!(rerun_asked.len(), 4, "{rerun_asked:?}");

    let m = prom_samples(&std::fs::read_to_string(&prom).unwrap());
    assert_eq!(method_requests(&m, "rerun", ACCOUNT), rerun_asked);
    let total: f64 = rerun_asked.values().sum();
    assert_eq!(gauge(&m, "wfm_requests", "rerun", ACCOUNT), total);
    assert_eq!(gauge(&m, "wfm_retries", "rerun", ACCOUNT), 1.0);
    assert_eq!(gauge(&m, "wfm_quarters_partial", "rerun", ACCOUNT), 0.0, "chat");
    // The loop's series and the other account's are kept.
    assert_eq!(method_requests(&m, "loop", ACCOUNT), loop_asked);
    assert_eq!(loop_asked.len(), 4, "{loop_asked:?}");
    assert_eq!(gauge(&m, "wfm_quarters_partial", "loop", ACCOUNT), 0.0);
    assert_eq!(
        m["wfm_method_requests{job=\"loop\",account=\"87654321\",method=\"metrics\"}"],
        42.0
    );

    // At debug 1 the split is on stderr too, on its own line before the unchanged summary.
    let err = stderr(&out);
    let split = format!(
        "requests by method: queuehealth {}, engactivity {}, agentactivity 2, token 1",
        rerun_asked["queuehealth"], rerun_asked["engactivity"]
    );
    let lines: Vec<&str> = err.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.ends_with(&split))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        lines[at + 1..].iter().any(|l| l.contains(&format!(
            "run finished: 2 of 2 quarter(s) delivered, 6 file(s), {total} request(s), 1 retry, 0 lost"
        ))),
        "{err}"
    );
    assert!(log_text(&s.path("logs")).contains(&split));
}
