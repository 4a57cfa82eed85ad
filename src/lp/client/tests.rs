use super::dump::{copy_redacted, holds_any};
use super::plan::{encoded_len, MAX_QUERY_LEN};
use super::*;
use crate::config::IdSelection;
use std::io::Write;

#[test]
fn queries_per_method() {
    let plan = FetchPlan {
        timeframe: 25,
        skills: IdSelection::List(vec!["199".into(), "10".into()]),
        agents: IdSelection::List(vec!["7".into()]),
    };
    let q = |m| {
        plan.query(m, "1")
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    assert_eq!(q(Method::QueueHealth), "timeframe=25&interval=5&v=1&skillIds=199,10");
    assert_eq!(
        q(Method::EngActivity),
        "timeframe=25&interval=5&v=1&skillIds=199,10&agentIds=all"
    );
    assert_eq!(q(Method::AgentActivity), "timeframe=25&interval=5&v=1&agentIds=7");
}

#[test]
fn a_long_skill_list_is_asked_in_parts_that_each_fit_a_url() {
    let skills: Vec<String> = (0..400).map(|i| (2_000_000_000u64 + i * 7919).to_string()).collect();
    let mut listed = skills.clone();
    listed.push(skills[3].clone()); // a repeat is asked once
    let plan = FetchPlan {
        timeframe: 1440,
        skills: IdSelection::List(listed),
        agents: IdSelection::All,
    };
    for method in [Method::QueueHealth, Method::EngActivity] {
        let parts = plan.queries(method, "1");
        assert!(parts.len() >= 3, "{}", parts.len());
        let mut asked = Vec::new();
        for q in &parts {
            assert!(encoded_len(q) <= MAX_QUERY_LEN, "{}", encoded_len(q));
            let ids = &q.iter().find(|(k, _)| *k == "skillIds").unwrap().1;
            asked.extend(ids.split(',').map(str::to_string));
            assert_eq!(
                q.iter().filter(|(k, _)| *k == "agentIds").count(),
                usize::from(method == Method::EngActivity)
            );
        }
        assert_eq!(asked, skills, "every skill once, in order");
    }
    // agentactivity does not split (its agents go as a POST body); short lists stay whole.
    // The body is chosen by the encoded length: 200 ids of 6 digits are 1,399 bytes
    // as written but 1,797 once each comma is %2C, too long for the URL.
    let agents: Vec<String> = (0..200).map(|i| (100_000 + i).to_string()).collect();
    let aa = FetchPlan {
        timeframe: 1440,
        skills: IdSelection::All,
        agents: IdSelection::List(agents),
    }
    .query(Method::AgentActivity, "1");
    assert!(aa.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>() < MAX_QUERY_LEN);
    assert!(goes_as_body(Method::AgentActivity, &aa));
    assert!(!goes_as_body(Method::EngActivity, &aa));
    assert!(!goes_as_body(Method::AgentActivity, &aa[..3]));
    assert_eq!(plan.queries(Method::AgentActivity, "1").len(), 1);
    let short = FetchPlan {
        skills: IdSelection::List(vec!["199".into(), "199".into()]),
        ..plan
    };
    assert_eq!(
        short.queries(Method::QueueHealth, "1"),
        vec![short.query(Method::QueueHealth, "1")]
    );
}

#[test]
fn dumps_are_redacted_in_chunks_whole_json_kept() {
    let secret = "tok-ABCDEFGH";
    // The secret straddles the 64 KiB chunk border, and appears twice more.
    let mut text = String::from("{\"pad\":\"");
    text.push_str(&"x".repeat((1 << 16) - text.len() - 5));
    text.push_str(&format!("{secret}\",\"echo\":\"Bearer {secret}\",\"b\":\"{secret}\"}}"));
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    assert!(holds_any(&mut f, &[secret]).unwrap());
    assert!(!holds_any(&mut f, &["not-there"]).unwrap());
    let mut out = Vec::new();
    copy_redacted(&mut f, &mut out, &["zzzz", secret]).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out, text.replace(secret, "***"));
    assert_eq!(out.matches("***").count(), 3);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["echo"], "Bearer ***");
}

#[test]
fn a_401_after_accepted_calls_is_not_blamed_on_a_privilege() {
    let fresh = refusal_hint(401, Method::Metrics, true, false);
    assert!(fresh.contains("privilege"), "{fresh}");
    let later = refusal_hint(401, Method::Metrics, true, true);
    assert!(
        later.contains("revoked") && later.contains("no privilege is missing"),
        "{later}"
    );
    assert!(refusal_hint(403, Method::Metrics, true, true).contains("lacks"));
}

#[test]
fn api_messages() {
    assert_eq!(
        api_message(br#"{"error":"Invalid signature"}"#, &[]),
        "Invalid signature"
    );
    assert_eq!(api_message(b"  ", &[]), "(empty reply)");
    assert_eq!(
        api_message(b"<html>Bad Gateway</html>", &[]),
        "<html>Bad Gateway</html>"
    );
    // A body cannot forge a log line, nor echo a secret.
    assert_eq!(
        api_message(b"{\"error\":\"no\\nINFO run finished: ok\"}", &[]),
        "no\\nINFO run finished: ok"
    );
    assert_eq!(
        api_message(b"bad client_secret=hunter22", &["hunter22"]),
        "bad client_secret=***"
    );
}
