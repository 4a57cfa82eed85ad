//! The KMM routes' refusals, determinism, the clock, faults and hostile pages, and the
//! Domain API's messaging service (helpers shared with `tests`).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::tests::*;
use crate::test_support::*;
use crate::{Fault, Method, SimAuth, Simulator};
#[tokio::test]
async fn refused_bodies_and_windows() {
    let sim = start_oauth2().await;
    let token = get_token(&sim).await;
    let now = ts(sim.now());
    let (from, to) = quarter(40);
    let day = 86_400_000;
    let m = |from: i64, to: i64| metrics_body(from, to);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "metrics",
            m(now - 14 * day - 60_000, now - 14 * day + 840_000),
            "14 days",
        ),
        (
            "agent_view",
            agent_view_body(now - 15 * day, now - 15 * day + 900_000, Some(ALL_STATUSES)),
            "14 days",
        ),
        ("metrics", m(now - day - 900_000, now), "24 hours"),
        (
            "agent_view",
            agent_view_body(now - 2 * day, now - 900_000, None),
            "24 hours",
        ),
        ("metrics", m(to, from), "before"),
        ("metrics", m(from, from), "before"),
        ("metrics", m(now, now + 61_000), "future"),
        (
            "metrics",
            json!({"filters": {"time": {"from": from}}}),
            "filters.time.to",
        ),
        (
            "metrics",
            json!({"filters": {"time": {"from": from.to_string(), "to": to}}, "groupBy": "skillId"}),
            "epoch",
        ),
        ("metrics", json!({"groupBy": "skillId"}), "filters"),
        ("metrics", json!([1, 2]), "object"),
        (
            "metrics",
            {
                let mut b = m(from, to);
                b.as_object_mut().unwrap().remove("groupBy");
                b
            },
            "groupBy",
        ),
        (
            "metrics",
            {
                let mut b = m(from, to);
                b["groupBy"] = json!("agentId");
                b
            },
            "groupBy",
        ),
        (
            "metrics",
            {
                let mut b = m(from, to);
                b["metricsToRetrieveByTime"] = json!([]);
                b
            },
            "metricsToRetrieveByTime",
        ),
        (
            "metrics",
            {
                let mut b = m(from, to);
                b["filters"]["skillIds"] = json!([]);
                b
            },
            "skillIds",
        ),
        (
            "agent_view",
            {
                let mut b = agent_view_body(from, to, Some(&["GONE"]));
                b["x"] = json!(1);
                b
            },
            "GONE",
        ),
    ];
    for (method, body, needle) in &cases {
        let resp = kmm_bearer(&sim, &token, method, PAGE, body).await;
        assert_eq!(resp.status(), 400, "{body}");
        let msg = json_of(resp).await["message"].as_str().unwrap().to_string();
        assert!(msg.contains(needle), "{msg:?} should mention {needle:?}");
    }
    // Exactly 14 days back, exactly 24 h, and up to a minute after now are accepted.
    for (a, b) in [
        (now - 14 * day, now - 14 * day + 900_000),
        (now - day, now),
        (now - 900_000, now + 60_000),
    ] {
        assert_eq!(kmm_bearer(&sim, &token, "metrics", PAGE, &m(a, b)).await.status(), 200);
    }
    for page in [
        &[("offset", "0"), ("limit", "51")][..],
        &[("offset", "0"), ("limit", "0")],
        &[("offset", "-50"), ("limit", "50")],
        &[("offset", "zero")],
    ] {
        let resp = kmm_bearer(&sim, &token, "metrics", page, &m(from, to)).await;
        assert_eq!(resp.status(), 400, "{page:?}");
    }
    // Content type, JSON, HTTP method, account, unknown methods.
    let client = crate::test_support::http();
    let post = |ct: &'static str, body: String| {
        client
            .post(kmm_url(&sim, "metrics"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", ct)
            .body(body)
    };
    assert_eq!(
        post("text/plain", m(from, to).to_string())
            .send()
            .await
            .unwrap()
            .status(),
        415
    );
    let form = post("application/x-www-form-urlencoded", "a=b".into())
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    assert!(json_of(form).await["message"].is_string());
    assert_eq!(
        post("application/json", "{nope".into()).send().await.unwrap().status(),
        400
    );
    assert_eq!(
        post("application/json", String::new()).send().await.unwrap().status(),
        400
    );
    let get = client
        .get(kmm_url(&sim, "metrics"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    let other = kmm_url(&sim, "metrics").replace(ACCOUNT, "999");
    let bearer = format!("Bearer {token}");
    let resp = post_json(other, Some(&bearer), &m(from, to)).await;
    assert_eq!(resp.status(), 404);
    for path in [
        kmm_url(&sim, "queuehealth"),
        kmm_url(&sim, "agentview"),
        data_url(&sim, "metrics"),
        data_url(&sim, "agent_view"),
    ] {
        let resp = post_json(&path, Some(&bearer), &m(from, to)).await;
        assert_eq!(resp.status(), 404, "{path}");
    }
    sim.shutdown().await;
}

async fn text_of(sim: &Simulator, token: &str, method: &str, body: &Value) -> String {
    let resp = kmm_bearer(sim, token, method, PAGE, body).await;
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

#[tokio::test]
async fn the_same_request_gets_the_same_bytes() {
    let a = sim_with(20, 8, SimAuth::OAuth2).await;
    let b = sim_with(20, 8, SimAuth::OAuth2).await;
    let (ta, tb) = (get_token(&a).await, get_token(&b).await);
    for (method, body) in [
        ("metrics", metrics_body(quarter(61).0, quarter(61).1)),
        (
            "agent_view",
            agent_view_body(quarter(61).0, quarter(61).1, Some(ALL_STATUSES)),
        ),
        ("agent_view", agent_view_body(quarter(10).0, quarter(70).1, None)),
    ] {
        let first = text_of(&a, &ta, method, &body).await;
        assert_eq!(first, text_of(&a, &ta, method, &body).await);
        let other = text_of(&b, &tb, method, &body).await;
        // Only the port in the hrefs differs.
        assert_eq!(first.replace(&a.base_url(), ""), other.replace(&b.base_url(), ""));
    }
    for sim in [a, b] {
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn figures_stop_at_now() {
    let sim = sim_with(12, 6, SimAuth::OAuth2).await;
    let token = get_token(&sim).await;
    let g = sim.generator();
    let now = ts(sim.now());
    let (from, to) = (now - 600_000, now + 60_000);
    let v = kmm_json(
        &sim,
        &token,
        "agent_view",
        PAGE,
        &agent_view_body(from, to, Some(ALL_STATUSES)),
    )
    .await;
    let want: Vec<Value> = g
        .agent_ids()
        .iter()
        .filter_map(|a| g.kmm_agent(a, from, now))
        .map(|a| expected_record(&a))
        .collect();
    assert_eq!(records(&v), &want);
    let v = kmm_json(&sim, &token, "metrics", PAGE, &metrics_body(from, to)).await;
    let want: Vec<Value> = g
        .skill_ids()
        .iter()
        .filter_map(|s| g.kmm_skill(s, from, now))
        .map(|s| expected_group(&s))
        .collect();
    assert_eq!(groups(&v), &want);
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_apply_to_kmm_calls() {
    let sim = start_oauth2().await;
    let token = get_token(&sim).await;
    let (from, to) = quarter(40);
    let mb = metrics_body(from, to);
    let vb = agent_view_body(from, to, Some(ALL_STATUSES));
    let metrics = || kmm_bearer(&sim, &token, "metrics", PAGE, &mb);
    let view = || kmm_bearer(&sim, &token, "agent_view", PAGE, &vb);
    let good = json_of(metrics().await).await;

    sim.inject(
        Some(Method::Metrics),
        Fault::TooManyRequests {
            retry_after_secs: Some(3),
        },
        2,
    );
    // A refused token does not use up the fault; agent_view is not affected.
    assert_eq!(kmm_bearer(&sim, "bad", "metrics", PAGE, &mb).await.status(), 401);
    assert_eq!(view().await.status(), 200);
    for _ in 0..2 {
        let resp = metrics().await;
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()["retry-after"], "3");
    }
    assert_eq!(metrics().await.status(), 200);
    sim.inject(Some(Method::Metrics), Fault::ServerError(403), 1);
    assert_eq!(metrics().await.status(), 403);
    sim.inject(Some(Method::Metrics), Fault::ServerError(502), 1);
    assert_eq!(metrics().await.status(), 502);
    sim.inject(None, Fault::ServerError(500), 1);
    assert_eq!(view().await.status(), 500);
    sim.inject(
        Some(Method::AgentView),
        Fault::TooManyRequests { retry_after_secs: None },
        1,
    );
    let resp = view().await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_none());
    // A chat fault does not touch KMM.
    sim.inject(Some(Method::QueueHealth), Fault::ServerError(503), 1);
    assert_eq!(metrics().await.status(), 200);

    sim.inject(Some(Method::Metrics), Fault::Slow(Duration::from_millis(300)), 1);
    let t0 = Instant::now();
    let slow = json_of(metrics().await).await;
    assert!(t0.elapsed() >= Duration::from_millis(300));
    assert_eq!(slow, good);

    sim.inject(Some(Method::Metrics), Fault::Malformed, 1);
    let resp = metrics().await;
    assert_eq!(resp.status(), 200);
    let v = json_of(resp).await;
    assert!(
        !v["metadata"]["count"].is_u64() && !v["groupBy"]["groups"].is_array(),
        "{v}"
    );
    sim.inject(Some(Method::AgentView), Fault::Malformed, 1);
    assert!(!json_of(view().await).await["agentViewRecords"].is_array());

    sim.inject(Some(Method::Metrics), Fault::Truncated, 1);
    let resp = metrics().await;
    assert_eq!(resp.status(), 200);
    // Chunked and cut: no length, and the body ends without its last chunk.
    assert!(resp.content_length().is_none());
    assert!(resp.bytes().await.is_err());
    assert_eq!(json_of(metrics().await).await, good);

    let reqs = sim.requests();
    assert_eq!(
        (
            sim.method_requests(Method::Metrics),
            sim.method_requests(Method::AgentView)
        ),
        (12, 4)
    );
    assert_eq!(sim.data_requests(), 16);
    let statuses: Vec<u16> = reqs.iter().filter(|r| r.method.is_some()).map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![200, 401, 200, 429, 429, 200, 403, 502, 500, 429, 200, 200, 200, 200, 200, 200]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_pages_replace_or_change_the_reply() {
    let sim = sim_with(10, 120, SimAuth::OAuth2).await;
    let token = get_token(&sim).await;
    let (from, to) = quarter(40);
    let mb = metrics_body(from, to);
    let at = |offset: &'static str| [("offset", offset), ("limit", "50")];
    let page = |offset: &'static str| {
        let (sim, token, mb) = (&sim, &token, &mb);
        async move { kmm_json(sim, token, "metrics", &at(offset), mb).await }
    };
    let first = page("0").await;
    let second = page("50").await;
    assert_ne!(groups(&first), groups(&second));

    // Faults of one method are used in call order; Pass answers normally.
    sim.inject(Some(Method::Metrics), Fault::Pass, 1);
    sim.inject(Some(Method::Metrics), Fault::AsOffset(0), 1);
    assert_eq!(page("50").await, second);
    let again = page("50").await;
    assert_eq!(groups(&again), groups(&first), "page 1 served for offset 50");
    assert_eq!(page("50").await, second, "used up");

    sim.inject(
        Some(Method::Metrics),
        Fault::Patch {
            pointer: "/metadata/count".into(),
            value: Some(json!(-5)),
        },
        1,
    );
    sim.inject(
        Some(Method::Metrics),
        Fault::Patch {
            pointer: "/groupBy/groups".into(),
            value: None,
        },
        1,
    );
    let patched = page("0").await;
    assert_eq!(patched["metadata"]["count"], -5);
    assert_eq!(patched["groupBy"], first["groupBy"]);
    let patched = page("0").await;
    assert!(patched["groupBy"].get("groups").is_none() && patched["groupBy"]["groupByField"] == "skillId");

    // Any bytes, for any method.
    sim.inject(Some(Method::AgentView), Fault::Body("[]".into()), 1);
    let resp = kmm_bearer(
        &sim,
        &token,
        "agent_view",
        PAGE,
        &agent_view_body(from, to, Some(ALL_STATUSES)),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.text().await.unwrap(), "[]");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_messaging_account_found_through_the_domain_api() {
    let sim = messaging_account(at(12, 0, 0)).await;
    let token = get_token(&sim).await;
    let client = crate::test_support::http();
    let domain: Value = json_of(
        client
            .get(format!(
                "{}/api/account/{ACCOUNT}/service/agentManagerWorkspace/baseURI.json?version=1.0",
                sim.base_url()
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let base = domain["baseURI"].as_str().unwrap();
    assert_eq!(base, sim.base_url());
    let (from, to) = quarter(40);
    let url = format!("{base}/manager_workspace/api/account/{ACCOUNT}/metrics?offset=0&limit=50");
    let v = json_of(post_json(url, Some(&format!("Bearer {token}")), &metrics_body(from, to)).await).await;
    assert!(!groups(&v).is_empty());
    // The chat methods of the same account answer empty.
    let chat: Value = json_of(
        client
            .get(data_url(&sim, "queuehealth"))
            .query(&[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")])
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(chat["skillsMetrics"], json!({}));
    sim.shutdown().await;
}
