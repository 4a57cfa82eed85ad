//! The Key Messaging Metrics methods over HTTP: `POST
//! /manager_workspace/api/account/{account}/{metrics|agent_view}?offset=N&limit=M` with a JSON
//! body. Order of checks: HTTP method (405), body read and recorded, authorisation (401, as
//! for the chat methods: the URL query is signed, the body is not), queued fault, account
//! (404), `Content-Type` (415), JSON (400), paging and body rules (400), reply.
//! Refusals carry `{"message": "..."}`.

use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::data::kmm_request::{kmm_reply, KmmBody, Page};
use crate::faults;
use crate::routes::{header_text, method_not_allowed, read_body, request_host};
use crate::server::{json_response, SimBody};
use crate::shared::Shared;
use crate::{Fault, Method};

fn refuse(status: StatusCode, msg: impl std::fmt::Display) -> Response<SimBody> {
    json_response(status, &json!({ "message": msg.to_string() }))
}

/// Valid JSON of the wrong shape for a KMM reply.
fn malformed(method: Method) -> Response<SimBody> {
    let v = match method {
        Method::AgentView => json!({"metadata": {"count": "many"}, "agentViewRecords": {"agentId": 1}}),
        _ => json!({"metadata": {"count": "many"}, "groupBy": {"groupByField": "skillId", "groups": "none"}}),
    };
    json_response(StatusCode::OK, &v)
}

/// Sets (or with `None` removes) the member at a JSON pointer; a pointer whose
/// parent is missing changes nothing.
fn patch(reply: &mut Value, pointer: &str, value: Option<Value>) {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let Some(Value::Object(parent)) = reply.pointer_mut(parent) else {
        return;
    };
    match value {
        Some(v) => {
            parent.insert(key.to_string(), v);
        }
        None => {
            parent.remove(key);
        }
    }
}

/// A KMM call; `recorded` gets the request body.
pub(crate) async fn kmm_request(
    shared: &Shared,
    req: Request<Incoming>,
    method: Method,
    account: &str,
    recorded: &mut Option<String>,
) -> Response<SimBody> {
    if req.method() != hyper::Method::POST {
        return method_not_allowed("POST");
    }
    let host = request_host(shared, &req);
    let authorization = header_text(&req, AUTHORIZATION);
    let content_type = header_text(&req, CONTENT_TYPE);
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().map(str::to_string);
    let query = raw_query
        .as_deref()
        .map(crate::auth::oauth1::parse_query)
        .unwrap_or_default();

    let bytes = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(msg) => return refuse(StatusCode::BAD_REQUEST, msg),
    };
    *recorded = Some(String::from_utf8_lossy(&bytes).into_owned());

    if let Err(why) = shared
        .auth
        .check_data_call("POST", &host, &path, raw_query.as_deref(), authorization.as_deref())
    {
        tracing::info!("simulator rejected the authorization of a KMM call: {why}");
        let mut resp = refuse(StatusCode::UNAUTHORIZED, why);
        resp.headers_mut()
            .insert("www-authenticate", HeaderValue::from_static(shared.auth.challenge()));
        return resp;
    }

    let now = shared.now();
    let fault = shared.faults.pop(method);
    if fault == Some(Fault::Malformed) {
        return malformed(method);
    }
    if let Some(resp) = faults::before_reply(fault.as_ref(), now, authorization.as_deref()).await {
        return resp;
    }

    if account != shared.account {
        return refuse(StatusCode::NOT_FOUND, format!("unknown account {account}"));
    }
    let is_json = content_type
        .as_deref()
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type must be application/json, got {}",
                content_type.as_deref().unwrap_or("none")
            ),
        );
    }
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")),
    };
    let now_ms = now.timestamp_millis();
    let checked = Page::parse(&query, method).and_then(|page| Ok((page, KmmBody::parse(&body, method, now_ms)?)));
    let resp = match checked {
        Ok((mut page, body)) => {
            if let Some(Fault::AsOffset(offset)) = &fault {
                page.offset = i64::try_from(*offset).unwrap_or(i64::MAX);
            }
            let href = format!("{}{path}", shared.base_url);
            let mut reply = kmm_reply(&shared.data.generator, method, &body, page, now_ms, &href);
            if let Some(Fault::Patch { pointer, value }) = &fault {
                patch(&mut reply, pointer, value.clone());
            }
            json_response(StatusCode::OK, &reply)
        }
        Err(msg) => refuse(StatusCode::BAD_REQUEST, msg),
    };
    faults::after_reply(fault.as_ref(), resp)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::{Duration, Instant};

    use serde_json::{json, Value};

    use crate::test_support::*;
    use crate::{
        Fault, GeneratorConfig, IntervalOrder, KmmAgent, KmmAvg, KmmSkill, Method, SimAuth, SimClock, SimOptions,
        Simulator, KMM_BLOCK_MS,
    };

    const PAGE: &[(&str, &str)] = &[("offset", "0"), ("limit", "50")];

    /// Quarter `q` (0..96) of the day before the test clock's day.
    fn quarter(q: i64) -> (i64, i64) {
        let from = ts(at(0, 0, 0)) - 86_400_000 + q * KMM_BLOCK_MS;
        (from, from + KMM_BLOCK_MS)
    }

    async fn sim_with(agents: usize, skills: usize, auth: SimAuth) -> Simulator {
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
    fn wire(v: Value) -> Value {
        serde_json::from_str(&v.to_string()).unwrap()
    }

    /// The reply group a skill's truth must give, written out independently of the server.
    fn expected_group(s: &KmmSkill) -> Value {
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

    fn expected_record(a: &KmmAgent) -> Value {
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

    fn groups(v: &Value) -> &Vec<Value> {
        v["groupBy"]["groups"].as_array().unwrap()
    }

    fn records(v: &Value) -> &Vec<Value> {
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
            let raw = reqwest::Client::new()
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
        let client = reqwest::Client::new();
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
        let client = reqwest::Client::new();
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
}
