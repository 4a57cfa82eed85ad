use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::test_support::*;
use crate::{
    GeneratorConfig, IntervalOrder, KmmAgent, KmmAvg, KmmSkill, Method, SimAuth, SimClock, SimOptions, Simulator,
    KMM_BLOCK_MS,
};

pub(super) const PAGE: &[(&str, &str)] = &[("offset", "0"), ("limit", "50")];

/// Quarter `q` (0..96) of the day before the test clock's day.
pub(super) fn quarter(q: i64) -> (i64, i64) {
    let from = ts(at(0, 0, 0)) - 86_400_000 + q * KMM_BLOCK_MS;
    (from, from + KMM_BLOCK_MS)
}

pub(super) async fn sim_with(agents: usize, skills: usize, auth: SimAuth) -> Simulator {
    let mut opts = SimOptions::demo(ACCOUNT);
    opts.auth = auth;
    opts.clock = SimClock::Fixed(at(12, 0, 0));
    opts.generator = GeneratorConfig {
        seed: 42,
        agents,
        skills,
    };
    Simulator::start(opts).await.unwrap()
}

/// `v` as a client reads it off the wire (serde_json's float parsing is not exact).
pub(super) fn wire(v: Value) -> Value {
    serde_json::from_str(&v.to_string()).unwrap()
}

/// The reply group a skill's truth must give, written out independently of the server.
pub(super) fn expected_group(s: &KmmSkill) -> Value {
    let mut m = json!({
        "closedConversations": s.closed_conversations,
        "closedByAgent": s.closed_by_agent,
        "closedByConsumer": s.closed_by_consumer,
        "autoClosed": s.auto_closed,
    });
    for (key, a) in s.averages() {
        match a {
            KmmAvg::Ms(v) => m[key] = json!(v),
            KmmAvg::Null => m[key] = Value::Null,
            KmmAvg::Negative => m[key] = json!(-1),
            KmmAvg::Absent => {}
        }
    }
    wire(json!({"key": s.skill_id, "keyDescription": s.name, "metrics": m}))
}

pub(super) fn expected_record(a: &KmmAgent) -> Value {
    json!({
        "agentId": a.agent_id,
        "agentGroupId": a.agent_group_id,
        "loginDuration": a.login_duration,
        "onlineDuration": a.online_duration,
        "closedConversations": a.closed_conversations,
        "agentStatusDurationList": a.status_durations.iter()
            .map(|d| json!({"agentStatus": d.status.as_str(), "agentStatusDuration": d.duration}))
            .collect::<Vec<_>>(),
        "agentStatusWithReasonDurationList": a.reason_durations.iter()
            .map(|r| json!({"agentStatus": r.status.as_str(), "agentStatusReasonId": r.reason_id,
                            "agentStatusDuration": r.duration}))
            .collect::<Vec<_>>(),
    })
}

pub(super) fn groups(v: &Value) -> &Vec<Value> {
    v["groupBy"]["groups"].as_array().unwrap()
}

pub(super) fn records(v: &Value) -> &Vec<Value> {
    v["agentViewRecords"].as_array().unwrap()
}

#[tokio::test]
async fn bearer_and_signed_calls_and_the_other_scheme_refused() {
    let (from, to) = quarter(44);
    // OAuth 2.0 account.
    let sim = start_oauth2().await;
    let token = get_token(&sim).await;
    let body = metrics_body(from, to);
    let resp = kmm_bearer(&sim, &token, "metrics", PAGE, &body).await;
    assert_eq!(resp.status(), 200);
    let v = json_of(resp).await;
    assert_eq!(groups(&v).len() as u64, v["metadata"]["count"].as_u64().unwrap());
    assert_eq!(
        v["metadata"]["self"]["href"],
        format!("{}?offset=0&limit=50", kmm_url(&sim, "metrics"))
    );
    let resp = kmm_signed(&sim, sim.credentials(), "metrics", PAGE, &body).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    assert!(json_of(resp).await["message"].is_string());
    let no_auth = post_json(
        kmm_url(&sim, "agent_view"),
        None,
        &agent_view_body(from, to, Some(ALL_STATUSES)),
    )
    .await;
    assert_eq!(no_auth.status(), 401);
    assert_eq!(kmm_bearer(&sim, "made-up", "metrics", PAGE, &body).await.status(), 401);
    sim.revoke_tokens_after(1);
    let view = agent_view_body(from, to, Some(ALL_STATUSES));
    assert_eq!(kmm_bearer(&sim, &token, "agent_view", PAGE, &view).await.status(), 200);
    assert_eq!(kmm_bearer(&sim, &token, "agent_view", PAGE, &view).await.status(), 401);
    let fresh = get_token(&sim).await;
    assert_eq!(kmm_bearer(&sim, &fresh, "agent_view", PAGE, &view).await.status(), 200);

    // What was recorded: the method, the URL query (not the body), the raw body.
    let kmm: Vec<_> = sim.requests().into_iter().filter(|r| r.method.is_some()).collect();
    assert_eq!(sim.data_requests(), kmm.len());
    assert_eq!(kmm.len(), 7);
    assert_eq!(kmm[0].method, Some(Method::Metrics));
    assert_eq!(kmm[0].http_method, "POST");
    assert_eq!(kmm[0].auth_scheme.as_deref(), Some("Bearer"));
    assert_eq!(
        kmm[0].query,
        vec![("offset".into(), "0".into()), ("limit".into(), "50".into())]
    );
    let sent: Value = serde_json::from_str(kmm[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(sent, body);
    assert_eq!(kmm[1].auth_scheme.as_deref(), Some("OAuth"));
    assert_eq!(kmm[2].method, Some(Method::AgentView));
    assert!(kmm[2].body.as_deref().unwrap().contains("OFFLINE"));
    let views = sim
        .requests()
        .iter()
        .filter(|r| r.method == Some(Method::AgentView))
        .count();
    assert_eq!(views, 4);
    sim.shutdown().await;

    // OAuth 1.0a account: the query is signed, the body is not.
    let sim = start(Some(at(12, 0, 0)), IntervalOrder::Ascending).await;
    let resp = kmm_signed(&sim, sim.credentials(), "metrics", PAGE, &body).await;
    assert_eq!(resp.status(), 200);
    let signed = json_of(resp).await;
    assert_eq!(signed["groupBy"], v["groupBy"]);
    let resp = kmm_signed(
        &sim,
        sim.credentials(),
        "agent_view",
        &[("offset", "0"), ("limit", "10")],
        &view,
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(kmm_bearer(&sim, "anything", "metrics", PAGE, &body).await.status(), 401);
    let mut bad = sim.credentials().clone();
    bad.consumer_secret = "wrong".into();
    assert_eq!(kmm_signed(&sim, &bad, "metrics", PAGE, &body).await.status(), 401);
    // Changing the signed query breaks the signature; changing the body does not.
    let (url, auth) = sign(sim.credentials(), "POST", &kmm_url(&sim, "metrics"), PAGE);
    let resp = post_json(url.replace("limit=50", "limit=40"), Some(&auth), &body).await;
    assert_eq!(resp.status(), 401);
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 200, 401, 401, 401]);
    sim.shutdown().await;
}

#[tokio::test]
async fn replies_are_the_generator_truth_with_every_shape_of_average() {
    let sim = sim_with(10, 12, SimAuth::OAuth2).await;
    let token = get_token(&sim).await;
    let g = sim.generator();
    let mut kinds = HashSet::new();
    let (mut back_soon_reasons, mut absent_skills, mut absent_agents) = (0, 0, 0);
    for q in (0..96).step_by(3) {
        let (from, to) = quarter(q);
        let v = kmm_json(&sim, &token, "metrics", PAGE, &metrics_body(from, to)).await;
        let want: Vec<Value> = g
            .skill_ids()
            .iter()
            .filter_map(|s| g.kmm_skill(s, from, to))
            .inspect(|s| {
                for (_, a) in s.averages() {
                    kinds.insert(format!("{a:?}").split('(').next().unwrap().to_string());
                }
            })
            .map(|s| expected_group(&s))
            .collect();
        absent_skills += 12 - want.len();
        assert_eq!(groups(&v), &want, "quarter {q}");
        assert_eq!(v["groupBy"]["groupByField"], "skillId");
        assert_eq!(v["metadata"]["count"], want.len());
        assert!(v["metadata"].get("next").is_none());

        let body = agent_view_body(from, to, Some(ALL_STATUSES));
        let v = kmm_json(&sim, &token, "agent_view", PAGE, &body).await;
        let want: Vec<Value> = g
            .agent_ids()
            .iter()
            .filter_map(|a| g.kmm_agent(a, from, to))
            .inspect(|a| {
                back_soon_reasons += a
                    .reason_durations
                    .iter()
                    .filter(|r| r.status.as_str() == "BACK_SOON" && r.reason_id != "NA")
                    .count()
            })
            .map(|a| expected_record(&a))
            .collect();
        assert_eq!(records(&v), &want, "quarter {q}");
        absent_agents += 10 - want.len();
    }
    assert!(absent_skills > 0 && absent_agents > 0);
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert!(back_soon_reasons > 0);
    // On the wire: a whole number of ms still as a float (41500.0), no data as -1.
    let (mut whole, mut negative) = (0, 0);
    for q in 0..12 {
        let (from, to) = quarter(q);
        let raw = crate::test_support::http()
            .post(kmm_url(&sim, "metrics"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json; charset=utf-8")
            .body(metrics_body(from, to).to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for s in g.skill_ids().iter().filter_map(|s| g.kmm_skill(s, from, to)) {
            for (key, a) in s.averages() {
                let needle = match a {
                    KmmAvg::Ms(v) if v.fract() == 0.0 => format!("\"{key}\":{v:.1}"),
                    KmmAvg::Negative => format!("\"{key}\":-1"),
                    _ => continue,
                };
                assert!(raw.contains(&needle), "{needle} in {raw}");
                let after = raw.split(&needle).nth(1).unwrap();
                assert!(after.starts_with(',') || after.starts_with('}'), "{needle}{after}");
                if a == KmmAvg::Negative {
                    negative += 1;
                } else {
                    whole += 1;
                }
            }
        }
    }
    assert!(whole > 0 && negative > 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn filters_and_asked_metrics_are_honoured() {
    let sim = sim_with(10, 6, SimAuth::OAuth2).await;
    let token = get_token(&sim).await;
    let g = sim.generator();
    let (from, to) = quarter(50);
    let skills = g.skill_ids();
    let present: Vec<&String> = skills.iter().filter(|s| g.kmm_skill(s, from, to).is_some()).collect();
    let mut body = metrics_body(from, to);
    body["filters"]["skillIds"] = json!([present[0], "999999", present[1]]);
    body["metricsToRetrieveByTime"] = json!(["closed_conversations", "avg_wait_time"]);
    let v = kmm_json(&sim, &token, "metrics", PAGE, &body).await;
    let keys: Vec<&str> = groups(&v).iter().map(|g| g["key"].as_str().unwrap()).collect();
    // The account's order, unknown ids dropped.
    let mut want: Vec<&str> = vec![present[0], present[1]];
    want.sort_by_key(|s| g.skill_position(s));
    assert_eq!(keys, want);
    for grp in groups(&v) {
        let m = grp["metrics"].as_object().unwrap();
        assert!(m.contains_key("closedConversations"));
        assert!(m.keys().all(|k| k == "closedConversations" || k == "avgWaitTime"));
    }
    body["filters"]["userTypes"] = json!(["BOT"]);
    let v = kmm_json(&sim, &token, "metrics", PAGE, &body).await;
    assert_eq!(v["metadata"]["count"], 0);

    let agents = g.agent_ids();
    let with_record: Vec<&String> = agents.iter().filter(|a| g.kmm_agent(a, from, to).is_some()).collect();
    let mut body = agent_view_body(from, to, Some(ALL_STATUSES));
    body["filters"]["agentIds"] = json!([with_record[1], with_record[0], "4242"]);
    body["metricsToRetrieveByTime"] = json!(["agent_login_duration"]);
    let v = kmm_json(&sim, &token, "agent_view", PAGE, &body).await;
    assert_eq!(v["metadata"]["count"], 2);
    for r in records(&v) {
        let mut k: Vec<&String> = r.as_object().unwrap().keys().collect();
        k.sort();
        assert_eq!(k, vec!["agentGroupId", "agentId", "loginDuration"]);
        assert!(r["agentId"].is_string());
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_three_pages_of_skills_and_of_agents() {
    let sim = sim_with(130, 150, SimAuth::OAuth2).await;
    let token = get_token(&sim).await;
    let g = sim.generator();
    // 10:00 is a busy hour, but a quarter of the 150 skills have no conversation.
    let (from, to) = quarter(40);
    let truth: Vec<String> = g
        .skill_ids()
        .into_iter()
        .filter(|s| g.kmm_skill(s, from, to).is_some())
        .collect();
    assert!(truth.len() > 100 && truth.len() < 150, "{}", truth.len());
    let mut seen = Vec::new();
    let mut offset = 0;
    let mut pages = 0;
    loop {
        let page = [("offset", offset.to_string()), ("limit", "50".to_string())];
        let page: Vec<(&str, &str)> = page.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let v = kmm_json(&sim, &token, "metrics", &page, &metrics_body(from, to)).await;
        pages += 1;
        let count = v["metadata"]["count"].as_u64().unwrap() as usize;
        assert_eq!(count, truth.len());
        seen.extend(groups(&v).iter().map(|g| g["key"].as_str().unwrap().to_string()));
        let more = offset + 50 < count;
        assert_eq!(v["metadata"].get("next").is_some(), more, "page at {offset}");
        if !more {
            break;
        }
        assert_eq!(
            v["metadata"]["next"]["href"],
            format!("{}?offset={}&limit=50", kmm_url(&sim, "metrics"), offset + 50)
        );
        offset += 50;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, truth, "each group once, in a stable order");
    // Past the end: an empty page, no next.
    let v = kmm_json(
        &sim,
        &token,
        "metrics",
        &[("offset", "200"), ("limit", "50")],
        &metrics_body(from, to),
    )
    .await;
    assert!(groups(&v).is_empty() && v["metadata"].get("next").is_none());

    // Agents, 3 pages of 40.
    let body = agent_view_body(from, to, Some(ALL_STATUSES));
    let truth: Vec<String> = g
        .agent_ids()
        .into_iter()
        .filter(|a| g.kmm_agent(a, from, to).is_some())
        .collect();
    assert!(truth.len() > 80 && truth.len() <= 120, "{}", truth.len());
    let mut seen = Vec::new();
    for offset in ["0", "40", "80"] {
        let v = kmm_json(
            &sim,
            &token,
            "agent_view",
            &[("offset", offset), ("limit", "40")],
            &body,
        )
        .await;
        assert_eq!(v["metadata"]["count"], truth.len());
        assert_eq!(v["metadata"].get("next").is_some(), offset != "80");
        seen.extend(records(&v).iter().map(|r| r["agentId"].as_str().unwrap().to_string()));
    }
    assert_eq!(seen, truth);
    sim.shutdown().await;
}

#[tokio::test]
async fn agent_view_cannot_page_past_a_thousand() {
    let sim = sim_with(1500, 2, SimAuth::OAuth2).await;
    let token = get_token(&sim).await;
    let (from, to) = quarter(40);
    let body = agent_view_body(from, to, Some(ALL_STATUSES));
    let t0 = Instant::now();
    let v = kmm_json(&sim, &token, "agent_view", PAGE, &body).await;
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    let count = v["metadata"]["count"].as_u64().unwrap();
    assert!(count > 1000, "{count}");
    assert_eq!(records(&v).len(), 50);
    let last = kmm_bearer(&sim, &token, "agent_view", &[("offset", "950"), ("limit", "50")], &body).await;
    assert_eq!(last.status(), 200);
    let v = json_of(last).await;
    assert!(
        v["metadata"]["next"].is_object(),
        "more follow, but cannot be asked for"
    );
    let over = kmm_bearer(&sim, &token, "agent_view", &[("offset", "960"), ("limit", "50")], &body).await;
    assert_eq!(over.status(), 400);
    assert!(json_of(over).await["message"].as_str().unwrap().contains("1000"));
    // With an id list: at most 1,000 ids.
    let ids = sim.generator().agent_ids();
    let mut listed = body.clone();
    listed["filters"]["agentIds"] = json!(ids[..1000]);
    let v = kmm_json(&sim, &token, "agent_view", PAGE, &listed).await;
    assert!(v["metadata"]["count"].as_u64().unwrap() <= 1000);
    listed["filters"]["agentIds"] = json!(ids[..1001]);
    let resp = kmm_bearer(&sim, &token, "agent_view", PAGE, &listed).await;
    assert_eq!(resp.status(), 400);
    assert!(json_of(resp).await["message"].as_str().unwrap().contains("agentIds"));
    sim.shutdown().await;
}

#[tokio::test]
async fn agents_offline_now_are_left_out_unless_offline_is_asked_for() {
    let sim = sim_with(30, 2, SimAuth::OAuth2).await;
    let token = get_token(&sim).await;
    let g = sim.generator();
    let now = sim.now();
    let ids = |v: &Value| -> Vec<String> {
        records(v)
            .iter()
            .map(|r| r["agentId"].as_str().unwrap().to_string())
            .collect()
    };
    let mut trapped = 0;
    for q in [20, 44, 47] {
        let (from, to) = quarter(q);
        let with_record: Vec<String> = g
            .agent_ids()
            .into_iter()
            .filter(|a| g.kmm_agent(a, from, to).is_some())
            .collect();
        let online_now: Vec<String> = with_record
            .iter()
            .filter(|a| !g.kmm_agent_offline_now(a, now))
            .cloned()
            .collect();
        trapped += with_record.len() - online_now.len();
        let all = kmm_json(
            &sim,
            &token,
            "agent_view",
            PAGE,
            &agent_view_body(from, to, Some(ALL_STATUSES)),
        )
        .await;
        assert_eq!(ids(&all), with_record);
        for statuses in [None, Some(&["ONLINE", "BACK_SOON", "AWAY"][..])] {
            let v = kmm_json(&sim, &token, "agent_view", PAGE, &agent_view_body(from, to, statuses)).await;
            assert_eq!(ids(&v), online_now, "{statuses:?}");
            assert_eq!(v["metadata"]["count"], online_now.len());
        }
        let v = kmm_json(
            &sim,
            &token,
            "agent_view",
            PAGE,
            &agent_view_body(from, to, Some(&["OFFLINE"])),
        )
        .await;
        assert_eq!(ids(&v).len(), with_record.len() - online_now.len());
    }
    assert!(trapped > 0, "some agent with a record must be offline now");
    sim.shutdown().await;
}
