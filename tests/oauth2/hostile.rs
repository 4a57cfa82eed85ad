//! Hostile or broken answers around OAuth 2.0 (issue 17): redirects, plain-http
//! or userinfo hosts from the Domain API, tokens that cannot be used, a reply
//! echoing the token, and secrets with blanks.

use super::*;
use crate::delivery_support::{pki, tls_proxy};
use serde_json::json;

fn cfg(s: &Setup) -> &str {
    s.config.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_endpoint_redirect_is_not_followed_and_names_both_urls() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    // Another host (plain http) that would gladly take the client secret.
    let elsewhere = scenario(now).oauth2().start().await;
    let target = format!(
        "{}/sentinel/api/v2/account/{ACCOUNT}/app/token?v=2.0",
        elsewhere.base_url()
    );
    sim.inject_token_redirect(307, &target);
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", cfg(&s), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert_eq!(elsewhere.token_requests(), 0, "the secret never went to the other host");
    assert!(elsewhere.requests().is_empty());
    let err = stderr(&out);
    let from = format!("{}/sentinel/api/v2/account/{ACCOUNT}/app/token?v=2.0", sim.base_url());
    assert!(
        err.contains(&format!("at {from} answered HTTP 307, a redirect to {target}")),
        "{err}"
    );
    assert!(
        err.contains("wfm follows no redirect") && err.contains("LP_SENTINEL_URI"),
        "{err}"
    );
    assert_eq!(sim.token_requests(), 1, "a redirect is not retried");
    assert_eq!(sim.data_requests(), 0);
    assert!(files_in(&s.reports()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_call_or_domain_api_redirect_is_not_followed() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let elsewhere = scenario(now).oauth2().start().await;
    let target = format!("{}/operations/api/account/{ACCOUNT}/queuehealth", elsewhere.base_url());
    sim.inject(
        Some(Method::QueueHealth),
        Fault::Redirect {
            status: 308,
            location: target.clone(),
        },
        1,
    );
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", cfg(&s), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(elsewhere.requests().is_empty(), "nothing went to the other host");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "LivePerson queuehealth at {}/operations/api/account/{ACCOUNT}/queuehealth answered HTTP 308, a redirect to {target}",
            sim.base_url()
        )),
        "{err}"
    );
    assert!(!err.contains("retry 1 of"), "a redirect is not retried: {err}");
    assert!(files_in(&s.reports()).is_empty());

    // The Domain API's redirect is refused too.
    let s = Setup::without_hosts(&sim, "");
    let to = format!(
        "{}/api/account/{ACCOUNT}/service/sentinel/baseURI.json",
        elsewhere.base_url()
    );
    sim.set_domain_redirect(Some((307, &to)));
    let out = wfm(&["loop", cfg(&s), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("The Domain API") && err.contains(&format!("a redirect to {to}")),
        "{err}"
    );
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_api_cannot_hand_out_a_host_with_userinfo() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let elsewhere = scenario(now).oauth2().start().await;
    // `a:1@` before the other host: a parser that honours it connects there.
    sim.set_domain_base_uri(Some(&format!("http://a:1@{}", elsewhere.addr())));
    let s = Setup::without_hosts(&sim, "");
    let out = wfm(&["loop", cfg(&s), "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    assert!(elsewhere.requests().is_empty(), "nothing went to the other host");
    let err = stderr(&out);
    assert!(err.contains("user name or password"), "{err}");
    assert!(!err.contains("a:1@"), "{err}");
    assert!(files_in(&s.reports()).is_empty());
}

/// A `baseURI` with a query or fragment: every path wfm appends would land inside
/// it (all requests to the host's root). Refused as the configured hosts are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_api_cannot_hand_out_a_host_with_a_query_or_fragment() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    for odd in [format!("{}?tenant=1", sim.base_url()), format!("{}#f", sim.base_url())] {
        // A folder each: a second failure of the same outage is not repeated on stderr.
        let s = Setup::without_hosts(&sim, "");
        sim.set_domain_base_uri(Some(&odd));
        let out = wfm(&["loop", cfg(&s), "2", "2", "0"], now).await;
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains("holds a query or fragment") && err.contains("set LP_BASE_URI"),
            "{odd}: {err}"
        );
        assert_eq!((sim.token_requests(), sim.data_requests()), (0, 0), "{odd}");
        assert!(files_in(&s.reports()).is_empty());
    }
}

/// An https Domain API (a TLS proxy in front of the simulator, its CA trusted
/// through SSL_CERT_FILE): a plain http host it names is refused, an https one works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_domain_api_cannot_downgrade_a_host_to_plain_http() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let backend = sim.addr().port();
    let (pki, proxy) = tokio::task::spawn_blocking(move || {
        let pki = pki();
        let proxy = tls_proxy(&pki, backend);
        (pki, proxy)
    })
    .await
    .unwrap();
    let ca = pki.chain_path.with_file_name("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let ca = ca.to_str().unwrap().to_string();
    let https = format!("https://127.0.0.1:{}", proxy.port);
    let s = Setup::without_hosts(&sim, &format!("LP_DOMAIN_API={https}\n"));
    // The simulator names its own plain http address for every service.
    let out = wfm_env(&["loop", cfg(&s), "2", "2", "0"], now, &[("SSL_CERT_FILE", &ca)]).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("is plain http, though the Domain API was asked over https")
            && err.contains(&format!("at {https}/api/account/")),
        "{err}"
    );
    assert_eq!(sim.token_requests(), 0, "the secret never travelled in clear");
    assert_eq!(sim.data_requests(), 0);

    // Named as https (through the proxy), the same account delivers.
    sim.set_domain_base_uri(Some(&https));
    let out = wfm_env(&["loop", cfg(&s), "2", "2", "0"], now, &[("SSL_CERT_FILE", &ca)]).await;
    assert_exit(&out, 0);
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    drop(proxy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_echoed_in_a_200_reply_is_starred_in_the_dump() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    sim.inject(Some(Method::QueueHealth), Fault::EchoAuthorization, 1);
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", cfg(&s), "2", "2", "2"], now).await;
    assert_eq!(out.status.code(), Some(1), "the echo is no queuehealth reply");
    assert_nothing_leaked(&sim, &s, &[&out]);
    // The dump is still there, whole JSON, the token replaced.
    let dumps: Vec<_> = files_in(&s.path("json"))
        .into_iter()
        .filter(|n| n.starts_with("queuehealth-"))
        .collect();
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    let text = std::fs::read_to_string(s.path("json").join(&dumps[0])).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["echo"]["authorization"], "Bearer ***");
    // The other two replies are dumped as received.
    assert_eq!(files_in(&s.path("json")).len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_expires_in_is_capped_not_a_panic() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    sim.set_token_reply_patch(json!({"expires_in": 9_300_000_000_000_000_000u64}));
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", cfg(&s), "2", "2", "0"], now).await;
    assert_exit(&out, 0);
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    assert!(s.state_json().is_some());
    assert!(log_text(&s.path("logs")).contains("run finished"));
    assert_eq!(sim.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_with_cr_lf_is_refused_at_once_not_blamed_on_the_network() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).oauth2().start().await;
    let evil = "abc.def\r\nX-Injected: 1";
    sim.set_token_reply_patch(json!({ "access_token": evil }));
    let s = Setup::new(&sim, "");
    let out = wfm(&["loop", cfg(&s), "2", "2", "1"], now).await;
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("answered a token wfm cannot use") && err.contains("control characters"),
        "{err}"
    );
    assert!(
        !err.contains("cannot reach LivePerson") && !err.contains("DNS"),
        "{err}"
    );
    assert!(!err.contains("retry 1 of"), "not retried: {err}");
    assert!(!err.contains("X-Injected"), "the token is never shown: {err}");
    assert_eq!((sim.token_requests(), sim.data_requests()), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_secret_with_blanks_is_sent_verbatim() {
    let now = t("2026-11-24T10:16:30Z");
    let secret = "  spaced-secret-XYZ  ";
    let sim = scenario(now)
        .oauth2()
        .with(|o| o.tokens.client.client_secret = secret.to_string())
        .start()
        .await;
    let s = Setup::new(&sim, "");
    // As bash reads it: the quotes keep the blanks.
    s.rewrite_config(
        &format!("LP_CLIENT_SECRET={secret}\n"),
        &format!("LP_CLIENT_SECRET='{secret}'\n"),
    );
    let out = wfm(&["loop", cfg(&s), "2", "2", "1"], now).await;
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("LP_CLIENT_SECRET") && err.contains("begins or ends with a blank; it is used as written"),
        "{err}"
    );
    assert!(!err.contains("spaced-secret"), "{err}");
    Expect::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));

    // A WFM_ override is literal too.
    s.rewrite_config(&format!("LP_CLIENT_SECRET='{secret}'\n"), "LP_CLIENT_SECRET=wrong\n");
    s.forget_state();
    let out = wfm_env(
        &["loop", cfg(&s), "2", "2", "0"],
        now,
        &[("WFM_LP_CLIENT_SECRET", secret)],
    )
    .await;
    assert_exit(&out, 0);
    assert_eq!(sim.token_requests(), 2);
}
