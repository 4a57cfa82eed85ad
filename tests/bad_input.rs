//! Bad input, everywhere: every case exits 2 with a message naming the
//! problem, never panics, writes no report and sends no LivePerson request.

use crate::common::*;

/// A config line to drop (by key) and lines to add.
struct ConfigCase {
    drop: &'static str,
    add: &'static str,
    map: Option<&'static str>,
    needle: &'static str,
}

const fn cfg(drop: &'static str, add: &'static str, needle: &'static str) -> ConfigCase {
    ConfigCase {
        drop,
        add,
        map: None,
        needle,
    }
}

const fn map(contents: &'static str, needle: &'static str) -> ConfigCase {
    ConfigCase {
        drop: "",
        add: "AGENT_MAP_FILE=agents.csv",
        map: Some(contents),
        needle,
    }
}

const CONFIG_CASES: &[ConfigCase] = &[
    cfg("LP_ACCOUNT", "", "LP_ACCOUNT is required"),
    cfg("", "LP_ACCOUNT=acme", "LP_ACCOUNT"),
    cfg("LP_APP_KEY", "", "LP_APP_KEY is required"),
    cfg("LP_APP_SECRET", "", "LP_APP_SECRET is required"),
    cfg("", "LP_ACCESS_TOKEN=", "LP_ACCESS_TOKEN is required"),
    cfg("LP_ACCESS_TOKEN_SECRET", "", "LP_ACCESS_TOKEN_SECRET is required"),
    cfg("", "LP_INTERVAL=15", "LP_INTERVAL=5"),
    cfg("", "LP_INTERVAL=five", "LP_INTERVAL"),
    cfg("", "LP_SIGNATURE_METHOD=RSA-SHA1", "HMAC-SHA1"),
    cfg("", "LP_BASE_URI=ftp://va.data.liveperson.net", "LP_BASE_URI"),
    // A URL with userinfo connects to the host after `@`; the password is never shown.
    cfg("", "LP_BASE_URI=https://a:pw0rd@b:2", "user name or password"),
    // A fragment is never sent: the failure ping could not differ from the success one.
    cfg("", "PING_URL=https://hc.example.com/ping#frag", "PING_URL"),
    cfg("", "LP_BASE_URI=\nLP_DOMAIN_API=api.liveperson.net", "LP_DOMAIN_API"),
    cfg("", "LP_VERSION=one", "LP_VERSION"),
    cfg("", "LP_AGENT_IDS=12,abc", "LP_AGENT_IDS"),
    cfg("", "LP_SKILL_IDS=12,,13", "LP_SKILL_IDS"),
    cfg("", "UNMAPPED_AGENTS=drop", "keep or skip"),
    cfg("", "UNMAPPED_AGENTS=skip", "no AGENT_MAP_FILE"),
    cfg("", "REPORT_DIR=", "REPORT_DIR is required but empty"),
    cfg("REPORT_DIR", "", "REPORT_DIR is required"),
    cfg("", "SETTLE_SECONDS=-5", "SETTLE_SECONDS"),
    cfg("", "SETTLE_SECONDS=900", "SETTLE_SECONDS"),
    cfg("", "LP_TIMEOUT_SECONDS=0", "LP_TIMEOUT_SECONDS"),
    cfg("", "LOG_KEEP_DAYS=0", "LOG_KEEP_DAYS"),
    cfg("", "FTP_HOST=ftp.example.com\nFTP_TLS=ssl", "FTP_TLS"),
    cfg("", "DELIVERY=push", "DELIVERY"),
    cfg("", "DELIVERY=upload", "expected push or pull"),
    cfg("", "FTP_HOST=ftp.example.com\nFTP_PORT=0", "FTP_PORT"),
    cfg("", "FTP_HOST=ftp.example.com\nFTP_PORT=99999", "FTP_PORT"),
    cfg(
        "",
        "EMAIL_SERVER=smtp.example.com\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\nEMAIL_TLS=maybe",
        "EMAIL_TLS",
    ),
    cfg(
        "",
        "EMAIL_SERVER=smtp.example.com\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\nEMAIL_PORT=smtp",
        "EMAIL_PORT",
    ),
    cfg(
        "",
        "EMAIL_SERVER=smtp.example.com\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=nobody",
        "EMAIL_TO",
    ),
    cfg(
        "",
        "EMAIL_SERVER=smtp.example.com\nEMAIL_TO=ops@example.com",
        "EMAIL_FROM is required",
    ),
    cfg("", "LP_APP_SECRET=\"unterminated-s3cret", "LP_APP_SECRET"),
    // OAuth 2.0 beside the app keys: LP_AUTH must choose, and only the chosen keys count.
    cfg("", "LP_CLIENT_ID=cid\nLP_CLIENT_SECRET=s3cret", "LP_AUTH"),
    cfg("", "LP_AUTH=oauth2", "LP_CLIENT_ID is required"),
    cfg("", "LP_AUTH=oauth2\nLP_CLIENT_ID=cid", "LP_CLIENT_SECRET is required"),
    cfg("", "LP_AUTH=bearer", "oauth2 (client credentials) or oauth1"),
    cfg(
        "",
        "LP_AUTH=oauth2\nLP_CLIENT_ID=cid\nLP_CLIENT_SECRET=s3cret\nLP_SENTINEL_URI=sentinel/path",
        "LP_SENTINEL_URI",
    ),
    cfg("", "AGENT_MAP_FILE=missing.csv", "AGENT_MAP_FILE"),
    map("agent,employee\n1,E1,extra\n", "line 2"),
    map("agent,employee\n1,E1\nbob,E2\n", "not a LivePerson agent id"),
    map("1,E1\n1,E2\n", "mapped twice"),
    map("1,E1\n2,\n", "empty employee id"),
    // An employee id a NICE WFM file cannot hold (issue 17, item 10).
    map(
        "1,E1\n2,E\u{7}2\n",
        r#"employee id "E\u{7}2" holds a control character"#,
    ),
    // A first line with a typo is an entry (not a header), a map needs entries.
    map("2x,E0002\n1,E1\n", "line 1: agent id \"2x\""),
    map("", "no entries"),
    map("# agents\n\n", "no entries"),
    map("agent_id,employee_id\n", "no entries"),
    map("1,E1\n2, \"E2\n", "line 2"),
    // Values bash would read otherwise: refused with the line, never echoed.
    cfg("", "REPORT_DIR=\"$WFM_TEST_UNSET/r\"", "$WFM_TEST_UNSET is not set"),
    cfg("", "LP_APP_SECRET=\"s3cret$(hostname)\"", "command substitution"),
    cfg("", "LP_APP_SECRET=\"s3cret$1\"", "special shell parameter"),
    cfg("", "REPORT_DIR = reports", "no spaces around"),
    // A login FTP would read as two command lines, or SMTP's AUTH PLAIN could not carry.
    cfg(
        "",
        "FTP_HOST=ftp.example.com\nFTP_REMOTE_DIR=/in\nFTP_PASSWORD='s3cret\nDELE /in/Q_x.xml'",
        "FTP_PASSWORD (",
    ),
    cfg(
        "",
        "EMAIL_SERVER=smtp.example.com\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\nEMAIL_PASSWORD='s3cret\r'",
        "holds a line break (CR or LF) or NUL",
    ),
    cfg("", "LP_APP_SECRET='s3cret\t'", "holds a control character"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_config_and_mapping_files() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let base = Setup::new(&sim, "");
    let good = std::fs::read_to_string(&base.config).unwrap();
    for (i, c) in CONFIG_CASES.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let text: String = good
            .lines()
            .filter(|l| c.drop.is_empty() || !l.starts_with(&format!("{}=", c.drop)))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            + c.add
            + "\n";
        let config = dir.path().join("config.navomi");
        std::fs::write(&config, text).unwrap();
        if let Some(m) = c.map {
            std::fs::write(dir.path().join("agents.csv"), m).unwrap();
        }
        let out = wfm(&["loop", config.to_str().unwrap(), "2", "2", "0"], now).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "case {i} ({}): {err}", c.add);
        assert!(err.contains(c.needle), "case {i}: wanted {:?} in: {err}", c.needle);
        assert!(!err.contains("panicked") && !err.contains("s3cret"), "case {i}: {err}");
        assert!(files_in(&dir.path().join("reports")).is_empty(), "case {i} wrote files");
    }
    assert_eq!(sim.data_requests(), 0, "no case reached LivePerson");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_command_lines_and_times() {
    let now = t("2026-11-24T12:20:00Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    let c = s.config.to_str().unwrap().to_string();
    let o = s.path("old").to_str().unwrap().to_string();
    let r = s.reports().to_str().unwrap().to_string();
    let rerun = |start: &str, end: &str| -> Vec<String> {
        ["rerun", &c, "2", "2", "0", &o, start, end]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let cases: Vec<(Vec<String>, &str, Option<&str>)> = vec![
        (
            vec!["loop".into(), c.clone(), "3".into(), "2".into(), "0".into()],
            "FTP_OPT",
            None,
        ),
        (
            vec!["loop".into(), c.clone(), "2".into(), "0".into(), "0".into()],
            "OS_TYPE",
            None,
        ),
        (
            vec!["loop".into(), c.clone(), "2".into(), "2".into(), "5".into()],
            "DEBUG_OPT",
            None,
        ),
        (vec!["loop".into(), c.clone(), "2".into()], "OS_TYPE", None),
        (
            vec![
                "loop".into(),
                c.clone(),
                "2".into(),
                "2".into(),
                "0".into(),
                "--debug".into(),
                "1".into(),
            ],
            "--debug",
            None,
        ),
        (vec!["loop".into(), "--ftp".into(), "both".into()], "--ftp", None),
        (vec!["loop".into(), "--frobnicate".into()], "--frobnicate", None),
        (vec!["launch".into()], "launch", None),
        (rerun("023026.1000", "023026.1000"), "MMDDYY.hhmm", None),
        (rerun("112426.1010", "112426.1045"), "00, 15, 30 or 45", None),
        (rerun("112426.1000", "112426.2410"), "END", None),
        (rerun("112426.1045", "112426.1000"), "before START", None),
        (rerun("112326.1000", "112426.1000"), "24 hours", None),
        (rerun("112426.1200", "112426.1215"), "not complete", None),
        (rerun("next tuesday", "112426.1000"), "START", None),
        (rerun("2026-11-24T10:00:00", "112426.1000"), "START", None),
        (
            ["rerun", &c, "2", "2", "0", &r, "112426.1000", "112426.1000"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            "REPORT_DIR",
            None,
        ),
        (
            ["rerun", "--config", &c, "--output", &o, "--start", "112426.1000"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            "--end",
            None,
        ),
        (
            vec!["loop".into(), c.clone(), "2".into(), "2".into(), "0".into()],
            "WFM_NOW",
            Some("yesterday"),
        ),
        (
            vec![
                "loop".into(),
                "--config".into(),
                s.path("nope.navomi").to_str().unwrap().into(),
            ],
            "nope.navomi",
            None,
        ),
    ];
    for (args, needle, wfm_now) in cases {
        let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = match wfm_now {
            Some(v) => wfm_env(&args_ref, now, &[("WFM_NOW", v)]).await,
            None => wfm(&args_ref, now).await,
        };
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: wanted {needle:?} in: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(files_in(&s.reports()).is_empty(), "{args:?} wrote files");
        assert!(files_in(&s.path("old")).is_empty(), "{args:?} wrote files");
    }
    assert_eq!(sim.data_requests(), 0);
}

#[test]
fn garbage_config_files_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    for (i, bytes) in [
        &b""[..],
        b"\xff\xfe\x00garbage",
        b"=\n==\n",
        b"export\n",
        b"LP_ACCOUNT='''\n",
    ]
    .iter()
    .enumerate()
    {
        let p = dir.path().join(format!("c{i}"));
        std::fs::write(&p, bytes).unwrap();
        let out = wfm_command(&["loop", "--config", p.to_str().unwrap()], None)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {i}: {err}");
        assert!(!err.contains("panicked"), "case {i}: {err}");
    }
}

/// LP_DOMAIN_API is refused as LP_BASE_URI is: `user:password@` (the host after
/// `@` is the one reached, and the password would travel), a query or a fragment
/// (the lookup path wfm appends would land inside it). Each against a live
/// simulator that would have answered: exit 2, no request, the password never shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_api_with_userinfo_query_or_fragment_is_refused_like_the_hosts() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let addr = sim.addr();
    let cases = [
        (
            format!("LP_DOMAIN_API=http://wfm:pa55-w0rd@{addr}/"),
            "LP_DOMAIN_API",
            "user name or password",
        ),
        (
            format!("LP_DOMAIN_API=http://{addr}/?tenant=1"),
            "LP_DOMAIN_API",
            "query or fragment",
        ),
        (
            format!("LP_DOMAIN_API=http://{addr}#frag"),
            "LP_DOMAIN_API",
            "query or fragment",
        ),
        // The same forms in the hosts themselves.
        (
            format!("LP_BASE_URI=http://{addr}?tenant=1"),
            "LP_BASE_URI",
            "query or fragment",
        ),
        (
            format!("LP_BASE_URI=http://{addr}#frag"),
            "LP_BASE_URI",
            "query or fragment",
        ),
    ];
    for (line, key, needle) in &cases {
        // No host configured but the one under test: every host would come from the lookup.
        let s = Setup::without_hosts(&sim, line);
        let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now).await;
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{key} (")) && err.contains(needle) && err.contains("give only the host"),
            "{line}: {err}"
        );
        assert!(!err.contains("pa55-w0rd"), "{line}: {err}");
        let holders = files_holding(s.dir.path(), &["pa55-w0rd".to_string()]);
        assert!(
            holders.iter().all(|(p, _)| *p == s.config),
            "only the config holds it: {holders:?}"
        );
        assert!(
            !s.reports().exists() && s.state_json().is_none(),
            "{line}: nothing written"
        );
    }
    assert!(
        sim.requests().is_empty(),
        "no case reached the simulator: {:?}",
        sim.requests()
    );
}

/// OAuth 1.0a keys holding a control character (a tab, a CR from a Windows file
/// read with `$(cat ...)`, a line end inside quotes, NUL) are refused at config
/// load, exit 2, naming only the key, against a simulator that would have answered:
/// the first case against one holding the very same tabbed secret (its RFC 5849
/// check would have passed), the others against the default simulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liveperson_credentials_with_control_characters_are_refused_naming_only_the_key() {
    let now = t("2026-11-24T10:16:30Z");
    let tabbed = "tab\tsecret-XYZ";
    let same = scenario(now)
        .with(|o| o.credentials.consumer_secret = tabbed.to_string())
        .start()
        .await;
    let sim = scenario(now).start().await;
    let token_secret = sim.credentials().token_secret.clone();
    // (simulator, key, the config's line for it, a WFM_ override, what is never shown)
    let cases: Vec<(&lp_sim::Simulator, &str, String, Option<String>, &str)> = vec![
        (
            &same,
            "LP_APP_SECRET",
            format!("LP_APP_SECRET='{tabbed}'"),
            None,
            "secret-XYZ",
        ),
        (
            &sim,
            "LP_ACCESS_TOKEN_SECRET",
            format!("LP_ACCESS_TOKEN_SECRET={token_secret}"),
            Some(format!("{token_secret}\r")),
            &token_secret,
        ),
        (
            &sim,
            "LP_ACCESS_TOKEN",
            "LP_ACCESS_TOKEN='test-\ntoken'".to_string(),
            None,
            "test-",
        ),
        (
            &sim,
            "LP_APP_KEY",
            "LP_APP_KEY='test-\u{0}key'".to_string(),
            None,
            "test-",
        ),
    ];
    for (sim, key, line, env, hidden) in &cases {
        let s = Setup::new(sim, "");
        let kept: String = std::fs::read_to_string(&s.config)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with(&format!("{key}=")))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&s.config, format!("{kept}{line}\n")).unwrap();
        let var = format!("WFM_{key}");
        let envs: Vec<(&str, &str)> = env.iter().map(|v| (var.as_str(), v.as_str())).collect();
        let out = wfm_env(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now, &envs).await;
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{key} (")) && err.contains("control character"),
            "{key}: {err}"
        );
        assert!(err.contains("copy it again from LivePerson"), "{err}");
        assert!(!err.contains(hidden) && !stdout(&out).contains(hidden), "{key}: {err}");
        let holders = files_holding(s.dir.path(), &[hidden.to_string()]);
        assert!(holders.iter().all(|(p, _)| *p == s.config), "{key}: {holders:?}");
        assert!(!s.reports().exists() && s.state_json().is_none());
    }
    assert!(
        same.requests().is_empty() && sim.requests().is_empty(),
        "no case reached LivePerson"
    );

    // OAuth 2.0: the client id and secret alike, from the file or a WFM_ override.
    let sim2 = scenario(now).oauth2().start().await;
    let c = sim2.client().clone();
    for (key, line, env) in [
        (
            "LP_CLIENT_SECRET",
            format!("LP_CLIENT_SECRET='{}\t'", c.client_secret),
            None,
        ),
        (
            "LP_CLIENT_ID",
            format!("LP_CLIENT_ID={}", c.client_id),
            // A non-secret is trimmed (a trailing CR goes): one inside stays.
            Some(format!("{}\rx", c.client_id)),
        ),
    ] {
        let s = Setup::new(&sim2, "");
        s.rewrite_config(&format!("{key}="), &format!("{line}\nOLD_{key}="));
        let var = format!("WFM_{key}");
        let envs: Vec<(&str, &str)> = env.iter().map(|v| (var.as_str(), v.as_str())).collect();
        let out = wfm_env(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now, &envs).await;
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{key} (")) && err.contains("control character"),
            "{err}"
        );
        assert!(
            !err.contains(&c.client_secret) && !stdout(&out).contains(&c.client_secret),
            "{err}"
        );
        assert!(!s.reports().exists() && s.state_json().is_none());
    }
    assert!(sim2.requests().is_empty(), "no token was asked for");
}
