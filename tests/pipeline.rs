//! End to end: the real `wfm` binary against the LivePerson simulator over HTTP
//! on loopback. Every field of the files is compared with values computed
//! straight from the simulator's generator, and every file is validated
//! against the XSD.

mod hostile_values;

use crate::common::*;
use lp_sim::{Fault, IntervalOrder, Method};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn all_files(dir: &std::path::Path) -> Vec<PathBuf> {
    files_in(dir)
        .into_iter()
        .filter(|n| n.ends_with(".xml"))
        .map(|n| dir.join(n))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_builds_the_quarter_that_just_closed_with_every_field_right() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).order(IntervalOrder::Shuffled).start().await;
    let s = Setup::new(&sim, "LOG_KEEP_DAYS=30\n");
    std::fs::create_dir_all(s.path("logs")).unwrap();
    std::fs::write(s.path("logs/wfm.2020-01-01.log"), "old\n").unwrap();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "", "debug 0 prints nothing on success");
    assert!(
        !s.path("logs/wfm.2020-01-01.log").exists(),
        "log files older than LOG_KEEP_DAYS are removed"
    );
    let start = t("2026-11-24T10:00:00Z");
    assert_eq!(files_in(&s.reports()), names(start).into_iter().collect());
    let exp = Expect::all(sim.generator());
    exp.check_quarter(&s.reports(), start);
    // The data is not trivially empty.
    let q = read_report(&s.reports().join("Q_112426.1000.xml"));
    assert!(q.rows.len() >= 3, "{q:?}");
    assert!(read_report(&s.reports().join("AS_112426.1000.xml")).rows.len() >= 5);
    xmllint(&all_files(&s.reports()));
    assert_eq!(sim.data_requests(), 3);
    // The daily log file has the run's summary line, whatever the debug level.
    let logs = files_in(&s.path("logs"));
    assert_eq!(logs.len(), 1, "{logs:?}");
    let log = std::fs::read_to_string(s.path("logs").join(logs.iter().next().unwrap())).unwrap();
    assert!(
        log.contains("built 112426.1000")
            && log.contains("run finished: 1 of 1 quarter(s) delivered, 3 file(s), 3 request(s), 0 retries"),
        "{log}"
    );
    assert!(!log.contains("test-app-secret-XYZ") && !log.contains("test-token-secret-XYZ"));
    // The same quarter twice gives byte-identical files.
    let first: Vec<Vec<u8>> = names(start)
        .iter()
        .map(|n| std::fs::read(s.reports().join(n)).unwrap())
        .collect();
    s.forget_state();
    let out = wfm(&["loop", "--config", s.config.to_str().unwrap()], now).await;
    assert_exit(&out, 0);
    let again: Vec<Vec<u8>> = names(start)
        .iter()
        .map(|n| std::fs::read(s.reports().join(n)).unwrap())
        .collect();
    assert_eq!(first, again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_ids_absent_ids_unmapped_agents_and_reversed_order() {
    let now = t("2026-11-24T14:47:10Z");
    let sim = scenario(now).order(IntervalOrder::Descending).start().await;
    let g = sim.generator();
    let (agents, skills) = (g.agent_ids(), g.skill_ids());
    let listed_agents = vec![
        agents[0].clone(),
        agents[3].clone(),
        agents[5].clone(),
        "424242".to_string(),
    ];
    let listed_skills = vec![skills[1].clone(), skills[2].clone(), "999999".to_string()];
    let map: BTreeMap<String, String> = BTreeMap::from([
        (agents[0].clone(), "E<1>&1".to_string()),
        (agents[5].clone(), "E0005".to_string()),
    ]);
    let s = Setup::new(
        &sim,
        &format!(
            "LP_AGENT_IDS={}\nLP_SKILL_IDS=\"{}\"\nAGENT_MAP_FILE=agents.csv\n",
            listed_agents.join(","),
            listed_skills.join(", ")
        ),
    );
    let csv: String = std::iter::once("agent,employee\n".to_string())
        .chain(map.iter().map(|(a, e)| format!("{a},\"{e}\"\n")))
        .collect();
    std::fs::write(s.path("agents.csv"), csv).unwrap();
    let out = wfm(&["loop", "--config", s.config.to_str().unwrap(), "--debug", "1"], now).await;
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("no employee id") && err.contains("424242"), "{err}");
    assert!(err.contains("built 112426.1430"), "{err}");
    let start = t("2026-11-24T14:30:00Z");
    let exp = Expect {
        gen: g,
        skills: Some(listed_skills.clone()),
        agents: Some(listed_agents.clone()),
        map: map.clone(),
        skip_unmapped: false,
    };
    exp.check_quarter(&s.reports(), start);
    let q = read_report(&s.reports().join("Q_112426.1430.xml"));
    let absent = q
        .rows
        .iter()
        .find(|r| r.attrs["id"] == "999999")
        .expect("listed skill without data has a row");
    assert_eq!(absent.fields["Offered"], "0");
    assert!(!absent.fields.contains_key("AvgQueueSize"));
    let as_ = read_report(&s.reports().join("AS_112426.1430.xml"));
    assert!(as_
        .rows
        .iter()
        .any(|r| r.attrs["agentId"] == "424242" && r.fields["LoggedIn.total"] == "0"));
    // The employee id "E<1>&1" of agents[0] is written escaped, in the attribute
    // of its AS_ row (a listed agent always has one) and of each of its AQ_ rows.
    let escaped = |agent: &str| format!("employeeId=\"E&lt;1&gt;&amp;1\" agentId=\"{agent}\"");
    let raw_as = std::fs::read_to_string(s.reports().join("AS_112426.1430.xml")).unwrap();
    assert_eq!(raw_as.matches(&escaped(&agents[0])).count(), 1, "{raw_as}");
    let aq_rows = exp
        .agent_queue(start)
        .rows
        .iter()
        .filter(|r| r.attrs["agentId"] == agents[0])
        .count();
    assert!(aq_rows > 0, "the test data gives agents[0] AQ_ rows");
    let raw_aq = std::fs::read_to_string(s.reports().join("AQ_112426.1430.xml")).unwrap();
    assert_eq!(raw_aq.matches(&escaped(&agents[0])).count(), aq_rows, "{raw_aq}");
    for raw in [&raw_as, &raw_aq] {
        assert!(!raw.contains("E<1>") && !raw.contains("<1>&1"), "{raw}");
    }
    xmllint(&all_files(&s.reports()));

    // UNMAPPED_AGENTS=skip leaves unmapped agents out of AQ_ and AS_.
    std::fs::write(
        &s.config,
        std::fs::read_to_string(&s.config).unwrap() + "UNMAPPED_AGENTS=skip\n",
    )
    .unwrap();
    s.forget_state();
    let out = wfm(&["loop", "--config", s.config.to_str().unwrap()], now).await;
    assert_exit(&out, 0);
    let exp = Expect {
        skip_unmapped: true,
        ..exp
    };
    exp.check_quarter(&s.reports(), start);
    let as_ = read_report(&s.reports().join("AS_112426.1430.xml"));
    assert_eq!(as_.rows.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quarter_before_midnight_utc() {
    let now = t("2026-11-25T00:01:00Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "1", "0"], now).await;
    assert_exit(&out, 0);
    let start = t("2026-11-24T23:45:00Z");
    assert_eq!(files_in(&s.reports()), names(start).into_iter().collect());
    let exp = Expect::all(sim.generator());
    exp.check_quarter(&s.reports(), start);
    let q = read_report(&s.reports().join("Q_112426.2345.xml"));
    assert_eq!(q.attrs["end"], "2026-11-25T00:00:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_of_twelve_quarters_makes_three_requests() {
    let now = t("2026-11-24T18:07:00Z");
    let sim = scenario(now).order(IntervalOrder::Shuffled).start().await;
    let s = Setup::new(&sim, "");
    let out_dir = s.path("old-reports");
    let out = wfm(
        &[
            "rerun",
            s.config.to_str().unwrap(),
            "2",
            "2",
            "0",
            out_dir.to_str().unwrap(),
            "112426.1400",
            "112426.1645",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    assert_eq!(sim.data_requests(), 3, "one request per method for all 12 quarters");
    let exp = Expect::all(sim.generator());
    let mut start = t("2026-11-24T14:00:00Z");
    for _ in 0..12 {
        exp.check_quarter(&out_dir, start);
        for n in names(start) {
            assert_eq!(
                std::fs::read(out_dir.join(&n)).unwrap(),
                std::fs::read(s.reports().join(&n)).unwrap(),
                "{n}"
            );
        }
        start += chrono::Duration::minutes(15);
    }
    assert_eq!(files_in(&out_dir).len(), 36);
    assert_eq!(files_in(&s.reports()).len(), 36);
    xmllint(&all_files(&out_dir));
    // The timeframe asked for covers the oldest quarter with a bucket of margin.
    let tf: Vec<String> = sim
        .requests()
        .iter()
        .filter_map(|r| r.query.iter().find(|(k, _)| k == "timeframe").map(|(_, v)| v.clone()))
        .collect();
    assert_eq!(tf, ["255", "255", "255"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_secret_is_a_clear_401_and_writes_nothing() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "LP_APP_SECRET=wrong-secret-value\n");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("401") && err.contains("LP_APP_SECRET") && err.contains("clock"),
        "{err}"
    );
    assert!(err.contains("112426.1000"), "names the quarter: {err}");
    assert!(!err.contains("wrong-secret-value"), "{err}");
    assert!(files_in(&s.reports()).is_empty(), "{:?}", files_in(&s.reports()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_from_the_environment_overrides_the_config_file() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let right = sim.credentials().consumer_secret.clone();
    let s = Setup::new(&sim, "LP_APP_SECRET=wrong-secret-value\n");
    let cfg = s.config.to_str().unwrap();
    // Without the variable, the file's wrong secret is used: 401, nothing written.
    let out = wfm(&["loop", cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));
    assert!(files_in(&s.reports()).is_empty());
    // WFM_LP_APP_SECRET wins over the file.
    let out = wfm_env(&["loop", cfg, "2", "2", "0"], now, &[("WFM_LP_APP_SECRET", &right)]).await;
    assert_exit(&out, 0);
    let start = t("2026-11-24T10:00:00Z");
    assert_eq!(files_in(&s.reports()), names(start).into_iter().collect());
    Expect::all(sim.generator()).check_quarter(&s.reports(), start);
    // Another variable of the same form does not stand in for it.
    s.forget_state();
    for n in names(start) {
        std::fs::remove_file(s.reports().join(n)).unwrap();
    }
    let out = wfm_env(&["loop", cfg, "2", "2", "0"], now, &[("WFM_LP_APP_SECRETS", &right)]).await;
    assert_exit(&out, 1);
    assert!(files_in(&s.reports()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quarter_without_any_data_still_gives_three_valid_files() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now)
        .order(IntervalOrder::Shuffled)
        .with(|o| {
            o.generator.agents = 0;
            o.generator.skills = 0;
        })
        .start()
        .await;
    assert!(sim.generator().agent_ids().is_empty() && sim.generator().skill_ids().is_empty());
    let start = t("2026-11-24T10:00:00Z");
    let files = [
        ("QueueData", "Q_112426.1000.xml"),
        ("AgentQueueData", "AQ_112426.1000.xml"),
        ("AgentSystemData", "AS_112426.1000.xml"),
    ];
    let run = |extra: &'static str| {
        let sim = &sim;
        async move {
            let s = Setup::new(sim, extra);
            let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
            assert_eq!(out.status.code(), Some(0), "{extra}: {}", stderr(&out));
            assert_eq!(files_in(&s.reports()), names(start).into_iter().collect(), "{extra}");
            xmllint(&all_files(&s.reports()));
            let reports: Vec<Report> = files
                .iter()
                .map(|(root, f)| {
                    let r = read_report(&s.reports().join(f));
                    assert_eq!(r.root, *root);
                    assert_eq!(r.attrs["start"], "2026-11-24T10:00:00Z");
                    assert_eq!(r.attrs["end"], "2026-11-24T10:15:00Z");
                    r
                })
                .collect();
            (s, reports)
        }
    };

    // `all`: no skill and no agent appear in the data, so no rows at all.
    let (s, r) = run("").await;
    for (rep, (_, f)) in r.iter().zip(files) {
        assert!(rep.rows.is_empty(), "{f}: {rep:?}");
    }
    Expect::all(sim.generator()).check_quarter(&s.reports(), start);

    // Listed ids without data: one all-zero row each in Q_ and AS_, none in AQ_.
    let (s, r) = run("LP_SKILL_IDS=11\nLP_AGENT_IDS=22\n").await;
    assert_eq!(r[0].rows.len(), 1, "{:?}", r[0]);
    assert_eq!(r[0].rows[0].attrs["id"], "11");
    assert_eq!(r[0].rows[0].fields.len(), 11, "optional elements omitted: {:?}", r[0]);
    assert!(r[0].rows[0].fields.values().all(|v| v == "0"), "{:?}", r[0]);
    assert!(r[1].rows.is_empty(), "{:?}", r[1]);
    assert_eq!(r[2].rows.len(), 1, "{:?}", r[2]);
    assert_eq!(r[2].rows[0].attrs["agentId"], "22");
    assert_eq!(r[2].rows[0].attrs["employeeId"], "22");
    assert!(r[2].rows[0].fields.values().all(|v| v == "0"), "{:?}", r[2]);
    Expect {
        gen: sim.generator(),
        skills: Some(vec!["11".into()]),
        agents: Some(vec!["22".into()]),
        map: BTreeMap::new(),
        skip_unmapped: false,
    }
    .check_quarter(&s.reports(), start);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_faults_are_retried_and_the_files_are_right() {
    let now = t("2026-11-24T10:16:30Z");
    for (fault, method) in [
        (Fault::Truncated, Method::EngActivity),
        (Fault::ServerError(503), Method::AgentActivity),
        (
            Fault::TooManyRequests {
                retry_after_secs: Some(1),
            },
            Method::QueueHealth,
        ),
        (Fault::Slow(std::time::Duration::from_secs(3)), Method::QueueHealth),
    ] {
        let sim = scenario(now).start().await;
        sim.inject(Some(method), fault.clone(), 1);
        let s = Setup::new(&sim, "LP_TIMEOUT_SECONDS=1\n");
        let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now).await;
        assert_eq!(out.status.code(), Some(0), "{fault:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("retry 1 of 3") && err.contains("1 retry"),
            "{fault:?}: {err}"
        );
        assert_eq!(sim.data_requests(), 4, "{fault:?}");
        let exp = Expect::all(sim.generator());
        exp.check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lasting_faults_fail_the_run_and_write_nothing() {
    let now = t("2026-11-24T10:16:30Z");
    for (fault, method, needle, requests) in [
        (Fault::Malformed, Method::QueueHealth, "queuehealth reply", 3),
        (
            Fault::ServerError(503),
            Method::AgentActivity,
            "agentactivity answered HTTP 503",
            6,
        ),
        (
            Fault::ServerError(400),
            Method::QueueHealth,
            "queuehealth answered HTTP 400",
            3,
        ),
    ] {
        let sim = scenario(now).start().await;
        sim.inject(Some(method), fault.clone(), 100);
        let s = Setup::new(&sim, "");
        let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(needle) && err.contains("112426.1000"), "{fault:?}: {err}");
        assert!(files_in(&s.reports()).is_empty(), "{fault:?}");
        assert_eq!(
            sim.data_requests(),
            requests,
            "{fault:?}: 4 attempts for 5xx, none again for other errors"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_2_saves_raw_replies_without_credentials() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    // A failed run keeps all three replies too, the refusal named by its status.
    sim.inject(Some(Method::EngActivity), Fault::ServerError(400), 1);
    let failed = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now).await;
    assert_exit(&failed, 1);
    let dumps = files_in(&s.path("json"));
    assert!(
        dumps
            .iter()
            .any(|n| n.starts_with("engactivity-") && n.ends_with("-http400.json")),
        "{dumps:?}"
    );
    assert!(
        dumps
            .iter()
            .any(|n| n.starts_with("queuehealth-") && !n.contains("-http")),
        "{dumps:?}"
    );
    assert!(dumps.iter().any(|n| n.starts_with("agentactivity-")), "{dumps:?}");
    assert!(files_in(&s.reports()).is_empty());

    let sent_before = sim.data_bytes_sent();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now).await;
    assert_exit(&out, 0);
    let json = files_in(&s.path("json"));
    assert_eq!(json.len(), 6, "{json:?}");
    // The replies are saved whole, byte for byte as sent (streamed to the file, not rebuilt).
    let mut saved = 0;
    for n in json.iter().filter(|n| !dumps.contains(*n)) {
        let bytes = std::fs::read(s.path("json").join(n)).unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_else(|e| panic!("{n} is not whole JSON: {e}"));
        saved += bytes.len() as u64;
    }
    assert_eq!(saved, sim.data_bytes_sent() - sent_before);
    for m in ["queuehealth", "engactivity", "agentactivity"] {
        assert!(
            json.iter()
                .any(|n| n.starts_with(&format!("{m}-")) && !dumps.contains(n) && n.ends_with(".json")),
            "{json:?}"
        );
    }
    let secrets = [
        "test-app-secret-XYZ",
        "test-token-secret-XYZ",
        "oauth_signature",
        "Authorization",
    ];
    for n in &json {
        let body = std::fs::read_to_string(s.path("json").join(n)).unwrap();
        if !n.contains("-http") {
            assert!(body.contains("metricsByIntervals"), "{n}");
        }
        for sec in secrets {
            assert!(!body.contains(sec), "{n} holds {sec}");
        }
    }
    for err in [stderr(&failed), stderr(&out)] {
        for sec in secrets.iter().take(2) {
            assert!(!err.contains(sec), "log holds {sec}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domain_api_lookup_finds_the_data_host() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, &format!("LP_BASE_URI=\nLP_DOMAIN_API={}\n", sim.base_url()));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(files_in(&s.reports()).len(), 3);
    assert!(sim.requests().iter().any(|r| r.path.contains("baseURI.json")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_config_errors_exit_2_and_write_nothing() {
    let now = t("2026-11-24T12:20:00Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap().to_string();
    let reports = s.reports();
    let o = s.path("o");
    let o = o.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["loop", &cfg, "3", "2", "0"], "FTP_OPT"),
        (vec!["loop", &cfg, "2", "2", "9"], "DEBUG_OPT"),
        (
            vec!["rerun", &cfg, "2", "2", "0", o, "180917.1000", "180917.1045"],
            "MMDDYY.hhmm",
        ),
        (
            vec!["rerun", &cfg, "2", "2", "0", o, "112426.1007", "112426.1045"],
            "00, 15, 30 or 45",
        ),
        (
            vec!["rerun", &cfg, "2", "2", "0", o, "112426.1045", "112426.1000"],
            "before START",
        ),
        (
            vec!["rerun", &cfg, "2", "2", "0", o, "112326.1000", "112426.1000"],
            "24 hours",
        ),
        (
            vec!["rerun", &cfg, "2", "2", "0", o, "112426.1200", "112426.1215"],
            "not complete",
        ),
        (
            vec![
                "rerun",
                &cfg,
                "2",
                "2",
                "0",
                reports.to_str().unwrap(),
                "112426.1000",
                "112426.1000",
            ],
            "REPORT_DIR",
        ),
        (
            vec!["loop", "--config", "/nonexistent/config.navomi"],
            "cannot read config file",
        ),
    ];
    for (args, needle) in cases {
        let out = wfm(&args, now).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            all_files(&reports).is_empty() && all_files(std::path::Path::new(o)).is_empty(),
            "{args:?}"
        );
    }
    // A bad key names the key and the line.
    let text = std::fs::read_to_string(&s.config).unwrap();
    let line = format!("line {}", text.lines().count() + 1);
    std::fs::write(&s.config, text + "LP_INTERVAL=15\n").unwrap();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("LP_INTERVAL") && stderr(&out).contains(&line),
        "{}",
        stderr(&out)
    );
    assert_eq!(sim.data_requests(), 0);
}

/// Golden files pin the exact bytes of a simulated quarter. Regenerate with
/// `UPDATE_GOLDEN=1 cargo test --test tests golden` after an intended change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golden_bytes_of_a_simulated_quarter() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).order(IntervalOrder::Shuffled).start().await;
    let s = Setup::new(&sim, "AGENT_MAP_FILE=agents.csv\n");
    let agents = sim.generator().agent_ids();
    std::fs::write(
        s.path("agents.csv"),
        format!("{},E1001\n{},E1002\n", agents[0], agents[1]),
    )
    .unwrap();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sim-seed7");
    for n in names(t("2026-11-24T10:00:00Z")) {
        let got = std::fs::read(s.reports().join(&n)).unwrap();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(golden.join(&n), &got).unwrap();
        }
        let want = std::fs::read(golden.join(&n)).unwrap_or_default();
        assert!(
            got == want,
            "{n} differs from tests/golden/sim-seed7 (UPDATE_GOLDEN=1 to regenerate after an intended change)"
        );
    }
    xmllint(
        &std::fs::read_dir(&golden)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect::<Vec<_>>(),
    );
}

#[cfg(feature = "demo")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking({
        let d = dir.path().join("demo");
        move || {
            wfm_command(&["demo", "--output", d.to_str().unwrap()], None)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("loop") && text.contains("rerun") && text.contains("rows"),
        "{text}"
    );
    assert!(text.contains("6 LivePerson data requests"), "{text}");
    let reports = dir.path().join("demo/reports");
    let files = all_files(&reports);
    assert_eq!(files.len(), 12, "one loop quarter + three rerun quarters: {files:?}");
    xmllint(&files);
}

/// `cargo test --no-default-features`: a build without the simulator says so (exit 2).
#[cfg(not(feature = "demo"))]
#[test]
fn demo_without_the_feature_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = wfm_command(&["demo", "--output", dir.path().to_str().unwrap()], None)
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("no demo"), "{}", stderr(&out));
    assert!(all_files(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_agent_list_goes_as_a_post_body() {
    let now = t("2026-11-24T10:16:30Z");
    // With either way of authorising: the POST is signed, or carries the Bearer token.
    for (sim, scheme) in [
        (scenario(now).start().await, "OAuth"),
        (scenario(now).oauth2().start().await, "Bearer"),
    ] {
        let mut agents = sim.generator().agent_ids();
        agents.extend((0..250).map(|i| (50_000_000 + i * 7).to_string()));
        let s = Setup::new(&sim, &format!("LP_AGENT_IDS={}\n", agents.join(",")));
        let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
        assert_exit(&out, 0);
        let reqs = sim.requests();
        let aa = reqs.iter().find(|r| r.path.ends_with("/agentactivity")).unwrap();
        assert_eq!(aa.http_method, "POST");
        assert_eq!((aa.auth_scheme.as_deref(), aa.status), (Some(scheme), 200));
        assert!(aa
            .query
            .iter()
            .any(|(k, v)| k == "agentIds" && v.split(',').count() == agents.len()));
        let exp = Expect {
            agents: Some(agents.clone()),
            ..Expect::all(sim.generator())
        };
        exp.check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
        assert_eq!(
            read_report(&s.reports().join("AS_112426.1000.xml")).rows.len(),
            agents.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_fetches_and_builds_but_writes_nothing() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let out = wfm(
        &[
            "loop",
            "--config",
            s.config.to_str().unwrap(),
            "--debug",
            "1",
            "--dry-run",
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("dry run: would write") && err.contains("Q_112426.1000.xml"),
        "{err}"
    );
    assert!(
        all_names_in(&s.reports()).is_empty(),
        "{:?}",
        all_names_in(&s.reports())
    );
    assert_eq!(sim.data_requests(), 3);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_with_secrets_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    std::fs::set_permissions(&s.config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("readable by group or others") && stderr(&out).contains("chmod 600"),
        "{}",
        stderr(&out)
    );
    std::fs::set_permissions(&s.config, std::fs::Permissions::from_mode(0o600)).unwrap();
    s.forget_state();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now).await;
    assert!(!stderr(&out).contains("readable by group"), "{}", stderr(&out));
}

/// A skill list too long for one URL: queuehealth and engactivity (GET only)
/// are asked in parts, each URL under 2,000 bytes, every skill in one part;
/// the parts' replies are merged into the same files as one request for every
/// skill, and the summary counts every request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_skill_list_is_asked_in_parts_and_merged() {
    let now = t("2026-11-24T11:07:00Z");
    let sim = scenario(now)
        .order(IntervalOrder::Shuffled)
        .with(|o| o.generator.skills = 400)
        .start()
        .await;
    let skills = sim.generator().skill_ids();
    let rerun = |s: &Setup, debug: &'static str| {
        let config = s.config.to_str().unwrap().to_string();
        let out = s.path("out").to_str().unwrap().to_string();
        async move {
            let args = ["rerun", &config, "2", "2", debug, &out, "112426.1000", "112426.1045"];
            wfm(&args, now).await
        }
    };
    let whole = Setup::new(&sim, "");
    let out = rerun(&whole, "1").await;
    assert_exit(&out, 0);
    assert_eq!(sim.data_requests(), 3);

    let split = Setup::new(&sim, &format!("LP_SKILL_IDS={}\n", skills.join(",")));
    let out = rerun(&split, "2").await;
    assert_exit(&out, 0);
    let reqs: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method.is_some())
        .skip(3)
        .collect();
    let parts = |m: Method| reqs.iter().filter(|r| r.method == Some(m)).collect::<Vec<_>>();
    let (qh, ea, aa) = (
        parts(Method::QueueHealth),
        parts(Method::EngActivity),
        parts(Method::AgentActivity),
    );
    assert!(qh.len() >= 2 && ea.len() >= 2, "{} and {} parts", qh.len(), ea.len());
    assert_eq!(aa.len(), 1);
    assert_eq!(reqs.len(), qh.len() + ea.len() + 1);
    assert!(
        stderr(&out).contains(&format!("{} request(s)", reqs.len())),
        "the summary counts every request: {}",
        stderr(&out)
    );
    for part in [&qh, &ea] {
        let mut asked = Vec::new();
        for r in part.iter() {
            assert_eq!((r.http_method.as_str(), r.status), ("GET", 200));
            // The URL as sent: host and path, then the percent-encoded query.
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                            1
                        } else {
                            3
                        }
                    })
                    .sum::<usize>()
            };
            let query: usize = r.query.iter().map(|(k, v)| enc(k) + enc(v) + 2).sum();
            assert!(sim.base_url().len() + r.path.len() + query < 2000, "{query}");
            let ids = &r.query.iter().find(|(k, _)| k == "skillIds").unwrap().1;
            asked.extend(ids.split(',').map(str::to_string));
        }
        assert_eq!(asked, skills, "every skill asked once, in order");
    }
    // Debug 2 keeps every part's reply, each in its own file.
    let dumps = files_in(&split.path("json"));
    for (m, n) in [("queuehealth", qh.len()), ("engactivity", ea.len())] {
        for k in 1..=n {
            let part = format!("{m}-part{k}of{n}-");
            assert_eq!(
                dumps.iter().filter(|d| d.starts_with(&part)).count(),
                1,
                "{part} in {dumps:?}"
            );
        }
    }
    let mut start = t("2026-11-24T10:00:00Z");
    for _ in 0..4 {
        for n in names(start) {
            assert_eq!(
                std::fs::read(whole.path("out").join(&n)).unwrap(),
                std::fs::read(split.path("out").join(&n)).unwrap(),
                "{n}"
            );
        }
        let exp = Expect {
            skills: Some(skills.clone()),
            ..Expect::all(sim.generator())
        };
        exp.check_quarter(&split.path("out"), start);
        start += chrono::Duration::minutes(15);
    }
}
