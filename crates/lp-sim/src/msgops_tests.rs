//! The Messaging Operations methods over a real socket: shapes, parameter checks,
//! authorisation by version, no-data forms, figures equal to the public truth, faults and
//! interval order.

use chrono::{DateTime, Duration as CDuration, Utc};
use serde_json::{json, Value};

use crate::test_support::*;
use crate::{
    ConvFigures, Fault, IntervalOrder, Method, MsgAvg, SimAuth, SimClock, SimOptions, Simulator, SkillSegments,
};

const AVG: &str = "avgTimetoFirstAgentMessageFromAgentAssignment";

async fn oauth2_sim(now: DateTime<Utc>, order: IntervalOrder) -> (Simulator, String) {
    let mut opts = SimOptions::demo(ACCOUNT);
    opts.clock = SimClock::Fixed(now);
    opts.order = order;
    let sim = Simulator::start(opts).await.unwrap();
    let token = get_token(&sim).await;
    (sim, token)
}

async fn bearer(sim: &Simulator, token: &str, method: &str, q: &[(&str, &str)]) -> reqwest::Response {
    reqwest::Client::new()
        .get(data_url(sim, method))
        .query(q)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

fn ms(t: DateTime<Utc>) -> String {
    t.timestamp_millis().to_string()
}

/// v=2 from `from` to `to` in 15-minute buckets, every skill, human.
fn seg_query(from: &str, to: &str) -> Vec<(&'static str, String)> {
    vec![
        ("v", "2".into()),
        ("fromMillis", from.into()),
        ("toMillis", to.into()),
        ("interval", "15".into()),
        ("skillIds", "all".into()),
        ("userType", "human".into()),
    ]
}

fn pairs<'a>(q: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    q.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn seg_counts(s: &SkillSegments) -> [(&'static str, i64); 6] {
    [
        ("totalSkillConversationSegments", s.total),
        ("skillSegmentsAbandonedByConsumers", s.abandoned_by_consumers),
        (
            "skillSegmentsAbandonedByConsumersInQueue",
            s.abandoned_by_consumers_in_queue,
        ),
        ("skillSegmentsWithNonResponsiveConsumers", s.non_responsive_consumers),
        ("skillSegmentsWithNonResponsiveAgents", s.non_responsive_agents),
        ("interactiveSkillSegments", s.interactive),
    ]
}

/// `data` holds `skillsMetrics` and `metricsTotal` equal to the truth over [from, to).
fn check_window(sim: &Simulator, data: &Value, from: i64, to: i64) -> usize {
    let g = sim.generator();
    let per_skill = data["skillsMetrics"].as_object().expect("skillsMetrics");
    let mut sums = [0i64; 6];
    let mut present = 0;
    for skill in g.skill_ids() {
        let Some(want) = g.msg_skill_segments(&skill, from, to) else {
            assert!(per_skill.get(&skill).is_none(), "{skill} without data is listed");
            continue;
        };
        present += 1;
        let got = &per_skill[&skill];
        for (k, (name, v)) in seg_counts(&want).into_iter().enumerate() {
            assert_eq!(got[name].as_i64(), Some(v), "{skill} {name} {from}");
            sums[k] += v;
        }
        match want.avg_first_agent_message {
            // serde_json reads floats to within an ulp or so.
            MsgAvg::Ms(v) => assert!((got[AVG].as_f64().unwrap() - v).abs() < 1e-6, "{skill} {AVG}"),
            MsgAvg::Negative => assert_eq!(got[AVG], json!(-1)),
            MsgAvg::Absent => assert!(got.get(AVG).is_none()),
        }
    }
    assert_eq!(per_skill.len(), present);
    for (k, (name, _)) in seg_counts(&zero_segments()).into_iter().enumerate() {
        assert_eq!(data["metricsTotal"][name].as_i64(), Some(sums[k]), "total {name}");
    }
    assert!(data["metricsTotal"][AVG].as_f64().is_some_and(|v| v >= 0.0));
    present
}

/// Some truth value, for its field names.
fn zero_segments() -> SkillSegments {
    let g = crate::Generator::new(crate::GeneratorConfig {
        seed: 1,
        agents: 1,
        skills: 1,
    });
    let skill = g.skill_ids().remove(0);
    (0..)
        .find_map(|q| g.msg_skill_segments(&skill, q * 900_000, (q + 1) * 900_000))
        .expect("some quarter has data")
}

#[tokio::test]
async fn msgskillsegments_buckets_and_summary_equal_the_truth() {
    let now = at(12, 0, 0);
    let (sim, token) = oauth2_sim(now, IntervalOrder::Ascending).await;
    let (from, to) = (at(10, 0, 0), at(12, 0, 0));
    let q = seg_query(&ms(from), &ms(to));
    let resp = bearer(&sim, &token, "msgskillsegments", &pairs(&q)).await;
    assert_eq!(resp.status(), 200);
    let v = json_of(resp).await;
    // Stamped with the bucket start, 8 quarters, no bucket at or after toMillis.
    let stamps = timestamps(&v);
    let want: Vec<i64> = (0..8).map(|k| ts(from) + k * 900_000).collect();
    assert_eq!(stamps, want);
    let mut present = 0;
    for b in v["metricsByIntervals"].as_array().unwrap() {
        assert!(b.get("metricsData").is_none(), "unwrapped by default");
        let start = b["timestamp"].as_i64().unwrap();
        present += check_window(&sim, b, start, start + 900_000);
    }
    assert!(present > 8, "{present}");
    check_window(&sim, &v["timeframeSummary"], ts(from), ts(to));
    // A listed skill without data and an unknown skill are left out; bots find nothing.
    let mut q2 = q.clone();
    q2[4].1 = format!("{},999", sim.generator().skill_ids()[1]);
    let v2 = json_of(bearer(&sim, &token, "msgskillsegments", &pairs(&q2)).await).await;
    for b in v2["metricsByIntervals"].as_array().unwrap() {
        assert!(b["skillsMetrics"].get("999").is_none());
        assert!(b["skillsMetrics"].as_object().unwrap().len() <= 1);
    }
    let mut bots = q.clone();
    bots[5].1 = "bot".into();
    let v3 = json_of(bearer(&sim, &token, "msgskillsegments", &pairs(&bots)).await).await;
    for b in v3["metricsByIntervals"].as_array().unwrap() {
        assert_eq!(b["skillsMetrics"], json!({}));
        for (name, _) in seg_counts(&zero_segments()) {
            assert_eq!(b["metricsTotal"][name], json!(0));
        }
        assert_eq!(b["metricsTotal"][AVG], json!(0));
    }
    // Without an interval: the summary only.
    let no_interval: Vec<_> = pairs(&q).into_iter().filter(|(k, _)| *k != "interval").collect();
    let v4 = json_of(bearer(&sim, &token, "msgskillsegments", &no_interval).await).await;
    assert!(v4.get("metricsByIntervals").is_none());
    assert_eq!(v4["timeframeSummary"], v["timeframeSummary"]);
    sim.shutdown().await;
}

#[test]
fn skill_segments_have_every_no_data_form_and_add_up() {
    let g = crate::Generator::new(crate::GeneratorConfig {
        seed: 42,
        agents: 8,
        skills: 6,
    });
    let day = ts(at(0, 0, 0));
    let (mut none, mut absent, mut negative, mut avg) = (0, 0, 0, 0);
    for skill in g.skill_ids() {
        for h in 0..24 {
            let from = day + h * 3_600_000;
            let quarters: Vec<_> = (0..4)
                .map(|k| g.msg_skill_segments(&skill, from + k * 900_000, from + (k + 1) * 900_000))
                .collect();
            for q in &quarters {
                match q.as_ref().map(|s| s.avg_first_agent_message) {
                    None => none += 1,
                    Some(MsgAvg::Absent) => absent += 1,
                    Some(MsgAvg::Negative) => negative += 1,
                    Some(MsgAvg::Ms(_)) => avg += 1,
                }
                if let Some(s) = q {
                    assert!(s.abandoned_by_consumers_in_queue <= s.abandoned_by_consumers);
                    assert!(s.non_responsive_consumers <= s.interactive);
                    assert!(s.abandoned_by_consumers + s.non_responsive_agents + s.interactive <= s.total);
                }
            }
            let hour = g.msg_skill_segments(&skill, from, from + 3_600_000);
            let total: i64 = quarters.iter().flatten().map(|s| s.total).sum();
            assert_eq!(hour.map_or(0, |s| s.total), total);
        }
    }
    assert!(
        none > 0 && absent > 0 && negative > 0 && avg > 0,
        "{none} {absent} {negative} {avg}"
    );
}

#[tokio::test]
async fn msgskillsegments_parameter_checks() {
    let now = at(12, 0, 0);
    let (sim, token) = oauth2_sim(now, IntervalOrder::Ascending).await;
    let day_ago = ts(now) - 24 * 3_600_000;
    let ok = seg_query(&ms(at(11, 0, 0)), &ms(now));
    let with = |k: &'static str, v: &str| {
        let mut q = ok.clone();
        q.retain(|(n, _)| *n != k);
        if !v.is_empty() {
            q.push((k, v.to_string()));
        }
        q
    };
    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (with("fromMillis", ""), "fromMillis is required"),
        (with("toMillis", ""), "toMillis is required"),
        (with("fromMillis", "abc"), "fromMillis must be an integer"),
        (with("fromMillis", &ms(now)), "must be before toMillis"),
        (
            seg_query(&(day_ago - 900_000).to_string(), &day_ago.to_string()),
            "24 hours",
        ),
        (with("toMillis", &(ts(now) + 1).to_string()), "after the current time"),
        (with("interval", "4"), "at least 5"),
        (with("interval", "7"), "divisor"),
        (with("interval", "75"), "divisor"),
        (with("interval", "x"), "interval must be an integer"),
        (with("userType", "robot"), "userType"),
        (with("v", ""), "v is required"),
        (with("v", "3"), "unsupported version"),
    ];
    for (q, needle) in &cases {
        let resp = bearer(&sim, &token, "msgskillsegments", &pairs(q)).await;
        assert_eq!(resp.status(), 400, "{q:?}");
        let msg = json_of(resp).await["error"].as_str().unwrap().to_string();
        assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
    }
    // The bounds themselves are accepted: exactly 24 h back, toMillis = now.
    let edge = seg_query(&day_ago.to_string(), &(day_ago + 900_000).to_string());
    assert_eq!(
        bearer(&sim, &token, "msgskillsegments", &pairs(&edge)).await.status(),
        200
    );
    assert_eq!(
        bearer(&sim, &token, "msgskillsegments", &pairs(&ok)).await.status(),
        200
    );
    // Bearer only: an OAuth 1.0a signature or no header is 401; v=1 wants a signature.
    let (url, auth) = sign(
        sim.credentials(),
        "GET",
        &data_url(&sim, "msgskillsegments"),
        &pairs(&ok),
    );
    let c = reqwest::Client::new();
    let resp = c.get(&url).header("Authorization", auth).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    assert!(json_of(resp).await["error"].as_str().unwrap().contains("OAuth 2.0"));
    let resp = c.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        bearer(&sim, &token, "msgskillsegments", &pairs(&with("v", "1")))
            .await
            .status(),
        401
    );
    let resp = c
        .post(data_url(&sim, "msgskillsegments"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    let other = data_url(&sim, "msgskillsegments").replace(ACCOUNT, "999");
    let resp = c
        .get(other)
        .query(&pairs(&ok))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    sim.shutdown().await;

    // An OAuth 1.0a account: v=2 is refused (401), v=1 is signed but not served (400).
    let sim = start(Some(now), IntervalOrder::Ascending).await;
    let resp = get(&sim, "msgskillsegments", &pairs(&ok)).await;
    assert_eq!(resp.status(), 401);
    let v1: Vec<(&str, &str)> = vec![("v", "1"), ("timeframe", "60"), ("skillIds", "all")];
    let resp = get(&sim, "msgskillsegments", &v1).await;
    assert_eq!(resp.status(), 400);
    assert!(json_of(resp).await["error"].as_str().unwrap().contains("not served"));
    let methods: Vec<_> = sim.requests().iter().map(|r| (r.method, r.status)).collect();
    assert_eq!(
        methods,
        vec![
            (Some(Method::MsgSkillSegments), 401),
            (Some(Method::MsgSkillSegments), 400)
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn msgskillsegments_wrapped_form_and_orders() {
    let now = at(12, 0, 0);
    let q = seg_query(&ms(at(9, 0, 0)), &ms(now));
    let (asc, token) = oauth2_sim(now, IntervalOrder::Ascending).await;
    let plain = json_of(bearer(&asc, &token, "msgskillsegments", &pairs(&q)).await).await;
    asc.set_msg_skill_segments_wrapped(true);
    let wrapped = json_of(bearer(&asc, &token, "msgskillsegments", &pairs(&q)).await).await;
    for (p, w) in plain["metricsByIntervals"]
        .as_array()
        .unwrap()
        .iter()
        .zip(wrapped["metricsByIntervals"].as_array().unwrap())
    {
        assert_eq!(p["timestamp"], w["timestamp"]);
        assert!(w.get("skillsMetrics").is_none());
        assert_eq!(p["skillsMetrics"], w["metricsData"]["skillsMetrics"]);
        assert_eq!(p["metricsTotal"], w["metricsData"]["metricsTotal"]);
    }
    let a = timestamps(&plain);
    assert_eq!(a.len(), 12);
    let (desc, token) = oauth2_sim(now, IntervalOrder::Descending).await;
    let d = timestamps(&json_of(bearer(&desc, &token, "msgskillsegments", &pairs(&q)).await).await);
    assert_eq!(d, a.iter().rev().copied().collect::<Vec<_>>());
    let (shuf, token) = oauth2_sim(now, IntervalOrder::Shuffled).await;
    let s = timestamps(&json_of(bearer(&shuf, &token, "msgskillsegments", &pairs(&q)).await).await);
    assert!(s != a && s != d);
    let mut sorted = s.clone();
    sorted.sort();
    assert_eq!(sorted, a);
    for sim in [asc, desc, shuf] {
        sim.shutdown().await;
    }
}

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
async fn faults_apply_to_the_messaging_operations_methods() {
    let now = at(12, 7, 0);
    let (sim, token) = oauth2_sim(now, IntervalOrder::Ascending).await;
    let seg = seg_query(&ms(at(11, 0, 0)), &ms(at(12, 0, 0)));
    let conv = [
        ("v", "1"),
        ("timeframe", "60"),
        ("interval", "5"),
        ("skillIds", "all"),
        ("agentIds", "all"),
    ];
    let retry = Fault::TooManyRequests {
        retry_after_secs: Some(3),
    };
    sim.inject(Some(Method::MsgSkillSegments), retry, 1);
    sim.inject(Some(Method::MsgConversation), Fault::ServerError(503), 1);
    // Each fault waits for its own method.
    assert_eq!(bearer(&sim, &token, "msgconversation", &conv).await.status(), 503);
    let resp = bearer(&sim, &token, "msgskillsegments", &pairs(&seg)).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "3");
    let whole_seg = bearer(&sim, &token, "msgskillsegments", &pairs(&seg))
        .await
        .bytes()
        .await
        .unwrap();
    let whole_conv = bearer(&sim, &token, "msgconversation", &conv)
        .await
        .bytes()
        .await
        .unwrap();
    for (method, name) in [
        (Method::MsgSkillSegments, "msgskillsegments"),
        (Method::MsgConversation, "msgconversation"),
    ] {
        let q: Vec<(&str, &str)> = if name == "msgconversation" {
            conv.to_vec()
        } else {
            pairs(&seg)
        };
        sim.inject(Some(method), Fault::Truncated, 1);
        let resp = bearer(&sim, &token, name, &q).await;
        assert_eq!((resp.status().as_u16(), resp.content_length()), (200, None));
        assert!(resp.bytes().await.is_err(), "{name} body complete");
        sim.inject(Some(method), Fault::Malformed, 1);
        let v = json_of(bearer(&sim, &token, name, &q).await).await;
        assert!(!v["metricsByIntervals"].is_array(), "{name}");
        sim.inject(Some(method), Fault::ServerError(500), 1);
        assert_eq!(bearer(&sim, &token, name, &q).await.status(), 500);
        assert_eq!(bearer(&sim, &token, name, &q).await.status(), 200);
    }
    // A refused authorisation does not use up the fault.
    sim.inject(Some(Method::MsgSkillSegments), Fault::ServerError(502), 1);
    let resp = reqwest::Client::new()
        .get(data_url(&sim, "msgskillsegments"))
        .query(&pairs(&seg))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        bearer(&sim, &token, "msgskillsegments", &pairs(&seg)).await.status(),
        502
    );
    assert!(whole_seg.len() > 100 && whole_conv.len() > 1000);
    let log: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method.is_some())
        .map(|r| r.status)
        .collect();
    assert_eq!(
        log,
        vec![503, 429, 200, 200, 200, 200, 500, 200, 200, 200, 500, 200, 401, 502]
    );
    assert_eq!(sim.method_requests(Method::MsgConversation), 6);
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
