use super::*;
use crate::outcome::{Failure, FailureKind};
use crate::quarter::testing::t;

const CHAT: &[&str] = &["queuehealth", "engactivity", "agentactivity"];

#[test]
fn the_failure_ping_goes_on_the_path_and_keeps_the_query() {
    assert_eq!(fail_url("https://h/ping?key=abc"), "https://h/ping/fail?key=abc");
    assert_eq!(fail_url("https://h/ping/uuid"), "https://h/ping/uuid/fail");
    assert_eq!(fail_url("http://127.0.0.1:9"), "http://127.0.0.1:9/fail");
    assert_eq!(fail_url("https://h/p?a=1&b=%2F"), "https://h/p/fail?a=1&b=%2F");
}

#[test]
fn a_failed_run_keeps_the_last_success_and_the_other_job() {
    let good = RunSummary {
        seconds: 1.5,
        requests: 3,
        ..Default::default()
    };
    let r = RunReport {
        job: &Job::Loop,
        summary: &good,
        now: t("2026-11-24T10:16:00Z"),
        outage: false,
    };
    let first = render("", &r, "123", CHAT);
    assert!(
        first.contains("# TYPE wfm_outage gauge\nwfm_outage{job=\"loop\",account=\"123\"} 0\n"),
        "{first}"
    );
    assert!(first.contains("wfm_last_success_timestamp_seconds{job=\"loop\",account=\"123\"} 1795515360\n"));
    assert!(first.contains("wfm_run_duration_seconds{job=\"loop\",account=\"123\"} 1.500\n"));
    let bad = RunSummary {
        seconds: 0.2,
        fatal: Some(Failure::new(FailureKind::LivePerson, "HTTP 400")),
        ..Default::default()
    };
    let rerun = Job::Rerun {
        output: "o".into(),
        start: crate::quarter::Quarter::containing(t("2026-11-24T09:00:00Z")),
        end: crate::quarter::Quarter::containing(t("2026-11-24T09:00:00Z")),
    };
    let r2 = RunReport {
        job: &rerun,
        summary: &bad,
        now: t("2026-11-24T10:20:00Z"),
        outage: false,
    };
    let second = render(&first, &r2, "123", CHAT);
    assert!(
        second.contains("wfm_last_success_timestamp_seconds{job=\"rerun\",account=\"123\"} 0\n"),
        "{second}"
    );
    assert!(second.contains("wfm_last_success_timestamp_seconds{job=\"loop\",account=\"123\"} 1795515360\n"));
    let r3 = RunReport {
        job: &Job::Loop,
        summary: &bad,
        now: t("2026-11-24T10:31:00Z"),
        outage: true,
    };
    let third = render(&second, &r3, "123", CHAT);
    assert!(
        third.contains("wfm_last_run_timestamp_seconds{job=\"loop\",account=\"123\"} 1795516260\n"),
        "{third}"
    );
    assert!(third.contains("wfm_last_success_timestamp_seconds{job=\"loop\",account=\"123\"} 1795515360\n"));
    assert!(third.contains("wfm_outage{job=\"loop\",account=\"123\"} 1\n"));
    assert_eq!(third.matches("# HELP").count(), 10);
}

#[test]
fn an_old_file_is_read_as_this_accounts_and_other_accounts_are_kept() {
    let old = "# HELP x\nwfm_last_success_timestamp_seconds{job=\"loop\"} 42\n\
               wfm_outage{job=\"loop\",account=\"999\"} 1\nnot a sample\nwfm_x{job=\"loop\",other=\"1\"} 3\n\
               wfm_outage{job=\"loop\",account=\"1\\\"2\"} 1\nwfm_outage{job=\"rerun\",account=\"7\"} x\n";
    let bad = RunSummary {
        seconds: 1.0,
        fatal: Some(Failure::new(FailureKind::LivePerson, "HTTP 400")),
        ..Default::default()
    };
    let r = RunReport {
        job: &Job::Loop,
        summary: &bad,
        now: t("2026-11-24T10:16:00Z"),
        outage: true,
    };
    let text = render(old, &r, "123", CHAT);
    assert!(
        text.contains("wfm_last_success_timestamp_seconds{job=\"loop\",account=\"123\"} 42\n"),
        "{text}"
    );
    assert!(text.contains("wfm_outage{job=\"loop\",account=\"123\"} 1\n"), "{text}");
    assert!(text.contains("wfm_outage{job=\"loop\",account=\"999\"} 1\n"), "{text}");
    assert!(!text.contains("wfm_x") && !text.contains("{job=\"loop\"}"), "{text}");
    assert!(!text.contains("1\\\"2") && !text.contains("account=\"7\""), "{text}");
    // Every sample line carries both labels.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(line.contains("{job=\"") && line.contains("\",account=\""), "{line}");
    }
}

#[test]
fn partial_quarters_and_requests_by_method_are_written_and_read_back() {
    use crate::outcome::QuarterOutcome;
    use crate::quarter::testing::q;
    let quarter = |stem, partial| QuarterOutcome {
        quarter: q(stem),
        files: vec![],
        error: None,
        pending: false,
        partial,
    };
    let messaging = ["msgskillsegments", "msgconversation", "metrics", "agent_view", "token"];
    let summary = RunSummary {
        seconds: 1.0,
        quarters: vec![
            quarter("112326.0900", true),
            quarter("112326.0915", true),
            quarter("112426.1000", false),
        ],
        requests: 10,
        by_method: vec![
            ("msgconversation", 1),
            ("metrics", 3),
            ("agent_view", 3),
            ("queuehealth", 2),
            ("token", 1),
        ],
        ..Default::default()
    };
    let r = RunReport {
        job: &Job::Loop,
        summary: &summary,
        now: t("2026-11-24T10:16:00Z"),
        outage: false,
    };
    // Another account's series and this job's method no longer asked, from the last run.
    let previous = "wfm_method_requests{job=\"loop\",account=\"999\",method=\"metrics\"} 7\n\
                    wfm_method_requests{job=\"rerun\",account=\"123\",method=\"queuehealth\"} 1\n\
                    wfm_method_requests{job=\"loop\",account=\"123\",method=\"engactivity\"} 5\n\
                    wfm_method_requests{job=\"loop\",account=\"5\",method=\"a\\\"b\"} 1\n\
                    wfm_method_requests{job=\"loop\",account=\"6\"} 1\n\
                    wfm_outage{job=\"loop\",account=\"7\",method=\"metrics\"} 1\n";
    let text = render(previous, &r, "123", &messaging);
    let sample = |s: &str| text.lines().any(|l| l == s);
    assert!(sample("wfm_quarters_partial{job=\"loop\",account=\"123\"} 2"), "{text}");
    assert!(
        sample("wfm_quarters_delivered{job=\"loop\",account=\"123\"} 3"),
        "{text}"
    );
    for (m, n) in [
        ("msgskillsegments", 0),
        ("msgconversation", 1),
        ("metrics", 3),
        ("agent_view", 3),
        ("token", 1),
        // Asked though not of the channel's: written all the same.
        ("queuehealth", 2),
    ] {
        let line = format!("wfm_method_requests{{job=\"loop\",account=\"123\",method=\"{m}\"}} {n}");
        assert!(sample(&line), "{line}\n{text}");
    }
    assert!(
        sample("wfm_method_requests{job=\"loop\",account=\"999\",method=\"metrics\"} 7"),
        "{text}"
    );
    assert!(
        sample("wfm_method_requests{job=\"rerun\",account=\"123\",method=\"queuehealth\"} 1"),
        "{text}"
    );
    assert!(
        !text.contains("method=\"engactivity\""),
        "not asked this time: gone\n{text}"
    );
    assert!(
        !text.contains("a\\\"b") && !text.contains("account=\"6\"") && !text.contains("account=\"7\""),
        "{text}"
    );
    // Families in order, each once, the new two last; every sample under its TYPE.
    let families: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# TYPE ")).collect();
    assert_eq!(families.len(), 10);
    assert_eq!(
        families[8..],
        ["wfm_quarters_partial gauge", "wfm_method_requests gauge"]
    );
    // Read back, the file is the same file.
    assert_eq!(render(&text, &r, "123", &messaging), text);

    // Chat: no partial quarter, the three methods.
    let chat = RunSummary {
        seconds: 1.0,
        quarters: vec![quarter("112426.1000", false)],
        requests: 3,
        by_method: vec![("queuehealth", 1), ("engactivity", 1), ("agentactivity", 1)],
        ..Default::default()
    };
    let r = RunReport { summary: &chat, ..r };
    let text = render(&text, &r, "123", CHAT);
    assert!(
        text.contains("\nwfm_quarters_partial{job=\"loop\",account=\"123\"} 0\n"),
        "{text}"
    );
    assert!(!text.contains("account=\"123\",method=\"metrics\""), "{text}");
    assert!(!text.contains("account=\"123\",method=\"token\""), "{text}");
    let by_method: f64 = text
        .lines()
        .filter(|l| l.starts_with("wfm_method_requests{job=\"loop\",account=\"123\","))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(by_method, 3.0, "they add up to wfm_requests\n{text}");
}

#[test]
fn a_run_that_asked_nothing_still_writes_its_channels_series() {
    let nothing = RunSummary {
        seconds: 0.1,
        fatal: Some(Failure::new(FailureKind::NotStarted, "no lock")),
        ..Default::default()
    };
    let r = RunReport {
        job: &Job::Loop,
        summary: &nothing,
        now: t("2026-11-24T10:16:00Z"),
        outage: true,
    };
    let text = render("", &r, "123", CHAT);
    for m in CHAT {
        assert!(
            text.contains(&format!(
                "wfm_method_requests{{job=\"loop\",account=\"123\",method=\"{m}\"}} 0\n"
            )),
            "{text}"
        );
    }
    assert!(
        text.contains("wfm_quarters_partial{job=\"loop\",account=\"123\"} 0\n"),
        "{text}"
    );
}

/// The whole file of one chat loop: the eight families as they always were, then the two new.
#[test]
fn the_earlier_families_keep_their_bytes_and_the_new_ones_follow() {
    let summary = RunSummary {
        seconds: 0.25,
        requests: 4,
        by_method: vec![
            ("queuehealth", 1),
            ("engactivity", 1),
            ("agentactivity", 1),
            ("token", 1),
        ],
        ..Default::default()
    };
    let r = RunReport {
        job: &Job::Loop,
        summary: &summary,
        now: t("2026-11-24T10:16:00Z"),
        outage: false,
    };
    let earlier = "\
# HELP wfm_last_run_timestamp_seconds When the last run ran (Unix time, the run's clock).
# TYPE wfm_last_run_timestamp_seconds gauge
wfm_last_run_timestamp_seconds{job=\"loop\",account=\"123\"} 1795515360
# HELP wfm_last_success_timestamp_seconds When the last successful run ran (Unix time); 0 if none yet.
# TYPE wfm_last_success_timestamp_seconds gauge
wfm_last_success_timestamp_seconds{job=\"loop\",account=\"123\"} 1795515360
# HELP wfm_quarters_delivered Quarters the last run delivered.
# TYPE wfm_quarters_delivered gauge
wfm_quarters_delivered{job=\"loop\",account=\"123\"} 0
# HELP wfm_quarters_lost Quarters the last run found lost (out of LivePerson's window, never delivered).
# TYPE wfm_quarters_lost gauge
wfm_quarters_lost{job=\"loop\",account=\"123\"} 0
# HELP wfm_requests Requests the last run sent to LivePerson (data and token, retries included).
# TYPE wfm_requests gauge
wfm_requests{job=\"loop\",account=\"123\"} 4
# HELP wfm_retries Retries of the last run.
# TYPE wfm_retries gauge
wfm_retries{job=\"loop\",account=\"123\"} 0
# HELP wfm_run_duration_seconds How long the last run took.
# TYPE wfm_run_duration_seconds gauge
wfm_run_duration_seconds{job=\"loop\",account=\"123\"} 0.250
# HELP wfm_outage 1 while runs keep failing (the outage streak), else 0.
# TYPE wfm_outage gauge
wfm_outage{job=\"loop\",account=\"123\"} 0
";
    let text = render("", &r, "123", &["queuehealth", "engactivity", "agentactivity", "token"]);
    let rest = text.strip_prefix(earlier).unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        rest,
        "\
# HELP wfm_quarters_partial Quarters the last run delivered partial (messaging beyond Messaging Operations' 24 h: Q_ and AS_ only); 0 on chat.
# TYPE wfm_quarters_partial gauge
wfm_quarters_partial{job=\"loop\",account=\"123\"} 0
# HELP wfm_method_requests Requests the last run sent to LivePerson, by method (token: OAuth 2.0 token requests); they add up to wfm_requests.
# TYPE wfm_method_requests gauge
wfm_method_requests{job=\"loop\",account=\"123\",method=\"agentactivity\"} 1
wfm_method_requests{job=\"loop\",account=\"123\",method=\"engactivity\"} 1
wfm_method_requests{job=\"loop\",account=\"123\",method=\"queuehealth\"} 1
wfm_method_requests{job=\"loop\",account=\"123\",method=\"token\"} 1
"
    );
}
