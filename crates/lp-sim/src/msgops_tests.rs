//! The Messaging Operations methods over a real socket: shapes, parameter checks,
//! authorisation by version, no-data forms, figures equal to the public truth, faults and
//! interval order (msgconversation's own figures: `msgconv_tests`).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::test_support::*;
use crate::{Fault, IntervalOrder, Method, MsgAvg, SimClock, SimOptions, Simulator, SkillSegments};

const AVG: &str = "avgTimetoFirstAgentMessageFromAgentAssignment";

pub(super) async fn oauth2_sim(now: DateTime<Utc>, order: IntervalOrder) -> (Simulator, String) {
    let mut opts = SimOptions::demo(ACCOUNT);
    opts.clock = SimClock::Fixed(now);
    opts.order = order;
    let sim = Simulator::start(opts).await.unwrap();
    let token = get_token(&sim).await;
    (sim, token)
}

pub(super) async fn bearer(sim: &Simulator, token: &str, method: &str, q: &[(&str, &str)]) -> reqwest::Response {
    crate::test_support::http()
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
    let c = crate::test_support::http();
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
    let resp = crate::test_support::http()
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
async fn requests_in_flight_are_counted() {
    let (sim, token) = oauth2_sim(at(12, 7, 0), IntervalOrder::Ascending).await;
    let seg = seg_query(&ms(at(11, 0, 0)), &ms(at(12, 0, 0)));
    let conv = [
        ("v", "1"),
        ("timeframe", "30"),
        ("interval", "5"),
        ("skillIds", "all"),
        ("agentIds", "all"),
    ];
    assert_eq!(sim.msgops_max_in_flight(), 0);
    assert_eq!(bearer(&sim, &token, "msgconversation", &conv).await.status(), 200);
    assert_eq!(sim.msgops_max_in_flight(), 1);
    sim.inject(None, Fault::Slow(std::time::Duration::from_millis(400)), 3);
    let seg = pairs(&seg);
    let (a, b, c) = tokio::join!(
        bearer(&sim, &token, "msgskillsegments", &seg),
        bearer(&sim, &token, "msgconversation", &conv),
        bearer(&sim, &token, "msgskillsegments", &seg),
    );
    assert!([a.status(), b.status(), c.status()].iter().all(|s| *s == 200));
    assert_eq!(sim.msgops_max_in_flight(), 3);
    assert_eq!(sim.kmm_max_in_flight(), 0);
    sim.shutdown().await;
}
