//! msgconversation over a real socket (figures equal to the public truth, whole-queue skill
//! totals, wrapper forms, POST, streaming) and agent_view's three new metrics.

use chrono::{DateTime, Duration as CDuration, Utc};
use serde_json::{json, Value};

use super::tests::bearer;
use crate::test_support::*;
use crate::{ConvFigures, IntervalOrder, SimAuth, SimClock, SimOptions, Simulator};

const CONV_COUNTS: [&str; 8] = [
    "resolvedConversations_byCCP",
    "resolvedConversations_byConsumer",
    "resolvedConversations_bySystem",
    "totalResolvedConversations",
    "totalHandlingTime_resolvedConversations_byCCP",
    "totalHandlingTime_resolvedConversations_byConsumer",
    "totalHandlingTime_resolvedConversations_bySystem",
    "totalHandlingTime_resolvedConversations",
];

fn conv_counts(f: &ConvFigures) -> [i64; 8] {
    [
        f.by_ccp,
        f.by_consumer,
        f.by_system,
        f.total(),
        f.time_by_ccp,
        f.time_by_consumer,
        f.time_by_system,
        f.total_time(),
    ]
}

fn check_conv(got: &Value, want: &ConvFigures, what: &str) {
    for (name, v) in CONV_COUNTS.iter().zip(conv_counts(want)) {
        assert_eq!(got[name].as_i64(), Some(v), "{what} {name}");
    }
    let avg = got["avgTime_resolvedConversations"].as_f64().unwrap();
    if want.total() > 0 {
        assert!((avg - want.total_time() as f64 / want.total() as f64).abs() < 1e-9);
    } else {
        assert_eq!(got["avgTime_resolvedConversations"], json!(0));
    }
}

fn sum(it: impl IntoIterator<Item = ConvFigures>) -> ConvFigures {
    it.into_iter().fold(ConvFigures::default(), |mut a, f| {
        a.add(&f);
        a
    })
}

/// Every whole bucket of a msgconversation reply against the truth, for the asked agents.
fn check_conversation(sim: &Simulator, v: &Value, buckets: &[DateTime<Utc>], agents: &[String]) -> usize {
    let g = sim.generator();
    let mut seen = 0;
    for &end in buckets {
        let data = by_ts(v, end);
        let per_skill = data["skillsMetricsPerAgent"]["metricsPerSkill"].as_object().unwrap();
        let mut grand = ConvFigures::default();
        for skill in g.skill_ids() {
            let Some(whole) = g.msg_conversation_skill(&skill, end) else {
                assert!(per_skill.get(&skill).is_none(), "{skill} without data at {end}");
                continue;
            };
            grand.add(&whole);
            let entry = &per_skill[&skill];
            // The skill's totals are the whole queue, whoever was asked.
            check_conv(&entry["metricsTotals"], &whole, &format!("{skill} totals {end}"));
            for agent in g.agent_ids() {
                let got = &entry["metricsPerAgent"][&agent];
                match g
                    .msg_conversation(&skill, &agent, end)
                    .filter(|_| agents.contains(&agent))
                {
                    None => assert!(got.is_null(), "{skill}/{agent} {end}"),
                    Some(want) => {
                        seen += 1;
                        check_conv(got, &want, &format!("{skill}/{agent} {end}"));
                    }
                }
            }
        }
        check_conv(&data["skillsMetricsPerAgent"]["metricsTotals"], &grand, "all skills");
        let asked = sum(agents.iter().flat_map(|a| {
            g.skill_ids()
                .into_iter()
                .filter_map(move |s| g.msg_conversation(&s, a, end))
        }));
        check_conv(&data["agentsMetrics"]["metricsTotals"], &asked, "agents");
    }
    seen
}

#[tokio::test]
async fn msgconversation_equals_the_truth_with_whole_queue_skill_totals() {
    let now = at(12, 7, 0);
    let sim = start(Some(now), IntervalOrder::Ascending).await;
    let g = sim.generator().clone();
    let q = [
        ("v", "1"),
        ("timeframe", "60"),
        ("interval", "5"),
        ("skillIds", "all"),
        ("agentIds", "all"),
    ];
    let v = get_json(&sim, "msgconversation", &q).await;
    let stamps = timestamps(&v);
    // Like engactivity: bucket ends, the newest rounded up (12:10, in progress).
    assert_eq!(stamps.len(), 13);
    assert_eq!(*stamps.last().unwrap(), ts(at(12, 10, 0)));
    // 11:10 is partly before the timeframe and 12:10 in progress: both scaled, not checked.
    let whole: Vec<_> = (0..11).map(|k| at(11, 15, 0) + CDuration::minutes(5 * k)).collect();
    assert!(check_conversation(&sim, &v, &whole, &g.agent_ids()) > 20);
    // Whole-timeframe members exist as in engactivity.
    assert!(v["skillsMetricsPerAgent"]["metricsTotals"].is_object());
    // Some agents only: the skills' totals stay whole-queue.
    let some: Vec<String> = g.agent_ids().into_iter().take(2).collect();
    let list = some.join(",");
    let q2 = [
        ("v", "1"),
        ("timeframe", "60"),
        ("interval", "5"),
        ("skillIds", "all"),
        ("agentIds", list.as_str()),
    ];
    let v2 = get_json(&sim, "msgconversation", &q2).await;
    check_conversation(&sim, &v2, &whole, &some);
    // Unwrapped form: the same members directly in each interval.
    sim.set_msg_conversation_unwrapped(true);
    let v3 = get_json(&sim, "msgconversation", &q).await;
    for (a, b) in v["metricsByIntervals"]
        .as_array()
        .unwrap()
        .iter()
        .zip(v3["metricsByIntervals"].as_array().unwrap())
    {
        assert!(b.get("metricsData").is_none());
        assert_eq!(a["timestamp"], b["timestamp"]);
        assert_eq!(a["metricsData"]["skillsMetricsPerAgent"], b["skillsMetricsPerAgent"]);
        assert_eq!(a["metricsData"]["agentsMetrics"], b["agentsMetrics"]);
    }
    sim.set_msg_conversation_unwrapped(false);
    // Checks: v=1 only, timeframe at most 1440, interval a divisor.
    for (bad, needle) in [
        (("v", "2"), "v=1"),
        (("timeframe", "1441"), "1440"),
        (("interval", "7"), "interval"),
    ] {
        let mut q4: Vec<(&str, &str)> = q.iter().filter(|(k, _)| *k != bad.0).copied().collect();
        q4.push(bad);
        let resp = get(&sim, "msgconversation", &q4).await;
        assert_eq!(resp.status(), 400, "{bad:?}");
        assert!(json_of(resp).await["error"].as_str().unwrap().contains(needle));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn msgconversation_bearer_post_and_a_messaging_account() {
    let now = at(12, 7, 0);
    let sim = messaging_account(now).await;
    let token = get_token(&sim).await;
    let q = [
        ("v", "1"),
        ("timeframe", "30"),
        ("interval", "5"),
        ("skillIds", "all"),
        ("agentIds", "all"),
    ];
    let resp = bearer(&sim, &token, "msgconversation", &q).await;
    assert_eq!(resp.status(), 200);
    let v = json_of(resp).await;
    let whole: Vec<_> = (0..5).map(|k| at(11, 45, 0) + CDuration::minutes(5 * k)).collect();
    let agents = sim.generator().agent_ids();
    assert!(
        check_conversation(&sim, &v, &whole, &agents) > 0,
        "a messaging account has data"
    );
    // The long-list form: the same parameters in a JSON body.
    let body: serde_json::Map<String, Value> = q.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    let resp = post_json(
        data_url(&sim, "msgconversation"),
        Some(&format!("Bearer {token}")),
        &Value::Object(body),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json_of(resp).await, v);
    sim.shutdown().await;
}

#[tokio::test]
async fn agent_view_serves_the_three_new_metrics_only_when_asked() {
    let now = at(12, 7, 0);
    let sim = messaging_account(now).await;
    let token = get_token(&sim).await;
    let g = sim.generator().clone();
    let (mut absent, mut seen) = (0, 0);
    for k in 0..8 {
        let from = ts(at(9, 0, 0)) + k * 900_000;
        let mut body = agent_view_body(from, from + 900_000, Some(ALL_STATUSES));
        let plain = kmm_json(&sim, &token, "agent_view", &[], &body).await;
        for r in plain["agentViewRecords"].as_array().unwrap() {
            for key in ["transfers", "backToQueue", "concludedConversations"] {
                assert!(r.get(key).is_none(), "{key} sent unasked");
            }
        }
        let list = body["metricsToRetrieveByTime"].as_array_mut().unwrap();
        list.extend([
            json!("transfers"),
            json!("back_to_queue"),
            json!("concluded_conversations"),
        ]);
        let v = kmm_json(&sim, &token, "agent_view", &[], &body).await;
        for r in v["agentViewRecords"].as_array().unwrap() {
            let agent = r["agentId"].as_str().unwrap();
            let want = g.kmm_agent(agent, from, from + 900_000).unwrap().moves;
            for (key, value) in want.members() {
                seen += 1;
                match value {
                    Some(n) => assert_eq!(r[key].as_i64(), Some(n), "{agent} {key}"),
                    None => {
                        absent += 1;
                        assert!(r.get(key).is_none(), "{agent} {key}");
                    }
                }
            }
        }
    }
    assert!(seen > 50 && absent > 0, "{seen} {absent}");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_oauth1_account_signs_msgconversation() {
    let mut opts = SimOptions::demo(ACCOUNT);
    opts.auth = SimAuth::OAuth1;
    opts.clock = SimClock::Fixed(at(12, 7, 0));
    opts.order = IntervalOrder::Descending;
    let sim = Simulator::start(opts).await.unwrap();
    let q = [
        ("v", "1"),
        ("timeframe", "30"),
        ("interval", "5"),
        ("skillIds", "all"),
        ("agentIds", "all"),
    ];
    let v = get_json(&sim, "msgconversation", &q).await;
    let t = timestamps(&v);
    assert_eq!(t.len(), 7);
    assert!(t.windows(2).all(|w| w[0] > w[1]), "descending: {t:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn msgconversation_is_streamed_in_chunks() {
    let sim = start(Some(at(18, 7, 0)), IntervalOrder::Shuffled).await;
    let q = [
        ("v", "1"),
        ("timeframe", "1440"),
        ("interval", "5"),
        ("skillIds", "all"),
        ("agentIds", "all"),
    ];
    let whole = get(&sim, "msgconversation", &q).await.bytes().await.unwrap();
    assert!(whole.len() > 3 * crate::data::json::CHUNK, "{}", whole.len());
    let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "msgconversation"), &q);
    let target = url.trim_start_matches(&sim.base_url()).to_string();
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n",
        sim.addr()
    );
    let raw = raw_request(&sim, request.as_bytes()).await;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    assert!(
        head.contains("transfer-encoding: chunked") && !head.contains("content-length"),
        "{head}"
    );
    let (body, complete) = dechunk(&raw[split + 4..]);
    assert!(complete);
    assert_eq!(body, whole);
    assert_eq!(timestamps(&serde_json::from_slice(&body).unwrap()).len(), 289);
    sim.shutdown().await;
}
