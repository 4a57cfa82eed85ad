//! OAuth 2.0 client credentials end to end: the real binary against the
//! simulator's Domain API, sentinel token endpoint and Bearer-checked data calls.

use crate::common::*;
use crate::delivery_support::smtp_server::start_smtp;
use lp_sim::{Fault, IntervalOrder, Method, Simulator};

#[path = "oauth2/hostile.rs"]
mod hostile;

/// Every secret a run could leak: the client secret and each token issued.
fn secrets(sim: &Simulator) -> Vec<String> {
    let mut s = vec![sim.client().client_secret.clone()];
    s.extend(sim.issued_tokens());
    s
}

fn assert_nothing_leaked(sim: &Simulator, s: &Setup, outputs: &[&std::process::Output]) {
    let needles = secrets(sim);
    assert!(needles.len() >= 2, "a token was issued");
    assert_eq!(written_with(s, &needles), vec![], "files hold a secret");
    for o in outputs {
        for n in &needles {
            assert!(
                !stderr(o).contains(n) && !stdout(o).contains(n),
                "output holds a secret"
            );
        }
    }
}

/// Files `wfm` wrote (everything but the config itself) that hold one of `needles`.
fn written_with(s: &Setup, needles: &[String]) -> Vec<(std::path::PathBuf, String)> {
    let mut found = files_holding(s.dir.path(), needles);
    found.retain(|(p, _)| *p != s.config);
    found
}

fn domain_lookups(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.ends_with("baseURI.json"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_with_only_client_credentials_gets_correct_reports() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).order(IntervalOrder::Shuffled).oauth2().start().await;
    // Account and client credentials only: both hosts come from the Domain API.
    let s = Setup::without_hosts(&sim, "");
    let text = std::fs::read_to_string(&s.config).unwrap();
    assert!(!text.contains("LP_BASE_URI") && !text.contains("LP_SENTINEL_URI") && !text.contains("LP_APP_KEY"));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let exp = Expect::all(sim.generator());
    exp.check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    assert_eq!((sim.token_requests(), sim.data_requests()), (1, 3));
    assert_eq!(domain_lookups(&sim), 2, "sentinel and leDataReporting, once each");
    for r in sim.requests().iter().filter(|r| r.method.is_some()) {
        assert_eq!(r.auth_scheme.as_deref(), Some("Bearer"), "{r:?}");
        assert_eq!(r.status, 200);
    }
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("run finished: 1 of 1 quarter(s) delivered, 3 file(s), 4 request(s), 0 retries"),
        "{log}"
    );

    // rerun: six quarters, one token, three data requests.
    let later = t("2026-11-24T12:20:00Z");
    sim.set_now(later);
    let old = s.path("old");
    let out = wfm(
        &[
            "rerun",
            s.config.to_str().unwrap(),
            "2",
            "2",
            "0",
            old.to_str().unwrap(),
            "112426.1030",
            "112426.1145",
        ],
        later,
    )
    .await;
    assert_exit(&out, 0);
    let mut q = t("2026-11-24T10:30:00Z");
    while q <= t("2026-11-24T11:45:00Z") {
        exp.check_quarter(&old, q);
        exp.check_quarter(&s.reports(), q);
        q += chrono::Duration::minutes(15);
    }
    xmllint(&files_in(&old).into_iter().map(|n| old.join(n)).collect::<Vec<_>>());
    assert_eq!((sim.token_requests(), sim.data_requests()), (2, 6));
    assert_nothing_leaked(&sim, &s, &[&out]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_domain_api_list_form_serves_both_hosts_in_one_lookup() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now)
        .oauth2()
        .with(|o| {
            o.domain_list_form = true;
            o.tokens.expires_in_as_string = true;
        })
        .start()
        .await;
    let s = Setup::without_hosts(&sim, "");
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    assert_eq!(domain_lookups(&sim), 1, "the list names every service: one lookup");
    assert_eq!(sim.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_mid_run_is_fetched_again_once_and_the_calls_repeated() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let s = Setup::without_hosts(&sim, "");
    // The token works for one data call, then is revoked (as when a secret is rotated).
    sim.revoke_tokens_after(1);
    // The three calls run at once: the refusals are answered only when all three
    // have arrived, so neither of the other two can go out with a new token
    // (which made the count 4 under load). Two refusals, two repeats: 5, always.
    sim.hold_refusals_until(3);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now).await;
    assert_exit(&out, 0);
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    // One call passed, two were refused and repeated with one new token.
    assert_eq!(sim.token_requests(), 2);
    assert_eq!(sim.data_requests(), 5);
    let statuses: Vec<u16> = sim
        .requests()
        .iter()
        .filter(|r| r.method.is_some())
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 2, "{statuses:?}");
    // Each refused method is repeated once, and the repeat is accepted.
    for m in [Method::QueueHealth, Method::EngActivity, Method::AgentActivity] {
        let of_m: Vec<u16> = sim
            .requests()
            .iter()
            .filter(|r| r.method == Some(m))
            .map(|r| r.status)
            .collect();
        assert!(of_m == [200] || of_m == [401, 200], "{m:?}: {of_m:?}");
    }
    let log = log_text(&s.path("logs"));
    assert!(log.contains("getting a new token and repeating the call once"), "{log}");
    assert!(log.contains("7 request(s), 2 retries"), "{log}");
    assert_nothing_leaked(&sim, &s, &[&out]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_renewed_before_it_runs_out() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now)
        .oauth2()
        .with(|o| o.tokens.lifetime = std::time::Duration::from_secs(4))
        .start()
        .await;
    let s = Setup::without_hosts(&sim, "");
    // queuehealth is rate limited for 3 s: its retry passes the renewal point (3 s
    // into a 4 s token, a quarter of its life before the end), so it goes with a new
    // token, never one about to run out.
    sim.inject(
        Some(Method::QueueHealth),
        Fault::TooManyRequests {
            retry_after_secs: Some(3),
        },
        1,
    );
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(sim.token_requests(), 2);
    assert!(
        sim.requests().iter().all(|r| r.status != 401),
        "no call went out with an expired token"
    );
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_fails_the_run_without_printing_it() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let smtp = start_smtp(None);
    let s = Setup::without_hosts(
        &sim,
        &format!(
            "EMAIL_SERVER=127.0.0.1\nEMAIL_PORT={}\nEMAIL_TLS=none\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\n",
            smtp.port
        ),
    );
    let wrong = "wrong-client-s3cret-QQ";
    let out = wfm_env(
        &["loop", s.config.to_str().unwrap(), "2", "2", "0"],
        now,
        &[("WFM_LP_CLIENT_SECRET", wrong)],
    )
    .await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("LivePerson refused the client credentials: check LP_CLIENT_ID and LP_CLIENT_SECRET and that the application is installed for this account with the reporting privileges"),
        "{err}"
    );
    assert_eq!(sim.token_requests(), 1, "a refusal is not retried");
    assert_eq!(sim.data_requests(), 0);
    assert!(files_in(&s.reports()).is_empty());
    let mut needles = secrets(&sim);
    needles.push(wrong.to_string());
    assert_eq!(written_with(&s, &needles), vec![]);
    assert!(!err.contains(wrong) && !err.contains(&sim.client().client_secret));
    // The failure mail names the keys to check, never their values.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].data.contains("LP_CLIENT_SECRET"), "{}", mails[0].data);
    assert!(!mails[0].data.contains(wrong) && !mails[0].data.contains(&sim.client().client_secret));

    // check names the same problem, and nothing after it is tried.
    let out = wfm_env(
        &["check", "--config", s.config.to_str().unwrap()],
        now,
        &[("WFM_LP_CLIENT_SECRET", wrong)],
    )
    .await;
    assert_exit(&out, 1);
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("LivePerson auth") && l.contains("FAILED") && l.contains("LP_CLIENT_SECRET")),
        "{text}"
    );
    assert!(!text.contains(wrong), "{text}");
    assert_eq!(sim.data_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_endpoint_hiccup_is_retried_within_the_run() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let s = Setup::without_hosts(&sim, "");
    sim.inject_token_fault(503, 1);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    assert_eq!(sim.token_requests(), 2);
    assert!(log_text(&s.path("logs")).contains("5 request(s), 1 retry"));
    // Beyond the retries, the run fails naming the token host.
    sim.inject_token_fault(502, 4);
    s.forget_state();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("cannot get an OAuth 2.0 token") && err.contains("HTTP 502"),
        "{err}"
    );
    assert_eq!(sim.token_requests(), 6, "4 attempts: the first and 3 retries");
    assert_eq!(sim.data_requests(), 3, "no data call without a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_calls_refused_with_a_fresh_token_name_the_missing_privilege() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let s = Setup::without_hosts(&sim, "");
    sim.inject(None, Fault::ServerError(403), 3);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("HTTP 403") && err.contains("privilege"), "{err}");
    assert_eq!(sim.token_requests(), 1, "a 403 is not a revoked token");
    assert_nothing_leaked(&sim, &s, &[&out]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_scheme_is_refused_where_the_other_is_expected() {
    let now = t("2026-11-24T10:16:30Z");
    // App keys against an OAuth 2.0 account: the signature is refused.
    let sim2 = scenario(now).oauth2().start().await;
    let c = lp_sim::OAuthCredentials::clone(sim2.credentials());
    let s = Setup::new(
        &sim2,
        &format!(
            "LP_AUTH=oauth1\nLP_APP_KEY={}\nLP_APP_SECRET={}\nLP_ACCESS_TOKEN={}\nLP_ACCESS_TOKEN_SECRET={}\n",
            c.consumer_key, c.consumer_secret, c.token, c.token_secret
        ),
    );
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("HTTP 401"), "{}", stderr(&out));
    assert_eq!(sim2.token_requests(), 0);
    // Client credentials against an app-key account: the token is refused on the
    // data calls, fetched again once, and the run fails naming the privilege.
    let sim1 = scenario(now).start().await;
    let cl = sim1.client().clone();
    let s = Setup::new(
        &sim1,
        &format!(
            "LP_AUTH=oauth2\nLP_CLIENT_ID={}\nLP_CLIENT_SECRET={}\nLP_SENTINEL_URI={}\n",
            cl.client_id,
            cl.client_secret,
            sim1.base_url()
        ),
    );
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("HTTP 401") && err.contains("privilege"), "{err}");
    // One new token per refused method at most (how many depends on how the
    // three concurrent refusals interleave), each method repeated once.
    assert!((2..=4).contains(&sim1.token_requests()), "{}", sim1.token_requests());
    assert_eq!(sim1.data_requests(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_shows_the_method_the_token_and_whether_chat_data_exists() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let s = Setup::without_hosts(&sim, "");
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    let line = |item: &str| {
        text.lines()
            .find(|l| l.starts_with(item))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("LivePerson auth").contains(" ok ")
            && line("LivePerson auth").contains("oauth2")
            && line("LivePerson auth").contains("valid for 3600 s"),
        "{text}"
    );
    assert!(line("LivePerson credentials").contains(" ok "), "{text}");
    assert!(
        line("chat data").contains(" ok ") && line("chat data").contains("last 24 hours"),
        "{text}"
    );
    // One light request: the day's totals, without intervals or per-agent data.
    let data: Vec<_> = sim.requests().into_iter().filter(|r| r.method.is_some()).collect();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0].method, Some(Method::QueueHealth));
    assert!(data[0].query.iter().any(|(k, v)| k == "timeframe" && v == "1440"));
    assert!(!data[0].query.iter().any(|(k, _)| k == "interval" || k == "agentIds"));
    assert_nothing_leaked(&sim, &s, &[&out]);

    // A messaging account: the chat methods answer, but empty.
    let quiet = scenario(now).oauth2().with(|o| o.chat_data = false).start().await;
    let s = Setup::without_hosts(&quiet, "");
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "a warning does not fail check: {text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("chat data") && l.contains("WARN") && l.contains("LP_CHANNEL=messaging")),
        "{text}"
    );

    // An app-key account: check says so, and that OAuth 1.0 has ended.
    let sim1 = scenario(now).start().await;
    let s = Setup::new(&sim1, "");
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("LivePerson auth") && l.contains("oauth1") && l.contains("2026-05-31")),
        "{text}"
    );
}
