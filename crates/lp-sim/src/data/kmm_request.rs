//! A KMM request (paging query and JSON body), checked the way the simulator's contract
//! says LivePerson checks it, and the reply built from the generator's truth.

use serde_json::{json, Map, Value};

use super::generator::Generator;
use super::kmm::{KmmAgent, KmmAvg, KmmSkill, KmmStatus};
use crate::Method;

/// Most groups or records per page.
pub const KMM_MAX_LIMIT: i64 = 50;
/// `agent_view`: `offset + limit` may not exceed this.
pub const KMM_MAX_AGENT_RECORDS: i64 = 1000;
/// Most ids in `agentIds`.
pub const KMM_MAX_AGENT_IDS: usize = 1000;
/// Longest window.
pub const KMM_MAX_WINDOW_MS: i64 = 24 * 3_600_000;
/// How far back a window may start.
pub const KMM_RETENTION_MS: i64 = 14 * 24 * 3_600_000;
/// How far after the simulator's now a window may end.
pub const KMM_FUTURE_SLACK_MS: i64 = 60_000;

/// `metrics` names (request, snake_case) and their reply keys (camelCase).
const SKILL_METRICS: [(&str, &str); 8] = [
    ("closed_conversations", "closedConversations"),
    ("closed_by_agent", "closedByAgent"),
    ("closed_by_consumer", "closedByConsumer"),
    ("auto_closed", "autoClosed"),
    ("avg_wait_time", "avgWaitTime"),
    ("avg_wait_time_first_response", "avgWaitTimeFirstResponse"),
    ("avg_time_to_response", "avgTimeToResponse"),
    (
        "avg_time_to_first_response_first_assignment",
        "avgTimeToFirstResponseFirstAssignment",
    ),
];

/// `agent_view` names and their reply keys.
const AGENT_METRICS: [(&str, &str); 8] = [
    ("agent_login_duration", "loginDuration"),
    ("agent_online_duration", "onlineDuration"),
    ("agent_status_duration", "agentStatusDurationList"),
    ("agent_status_with_reason_duration", "agentStatusWithReasonDurationList"),
    ("closed_conversations", "closedConversations"),
    ("transfers", "transfers"),
    ("back_to_queue", "backToQueue"),
    ("concluded_conversations", "concludedConversations"),
];

/// `offset` and `limit` from the URL query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Page {
    /// Defaults: offset 0, limit 50.
    pub fn parse(query: &[(String, String)], method: Method) -> Result<Page, String> {
        let int = |k: &str, default: i64| match query.iter().find(|(n, _)| n == k) {
            None => Ok(default),
            Some((_, v)) => v
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("{k} must be an integer, got {v:?}")),
        };
        let offset = int("offset", 0)?;
        let limit = int("limit", KMM_MAX_LIMIT)?;
        if offset < 0 {
            return Err(format!("offset must be 0 or more, got {offset}"));
        }
        if !(1..=KMM_MAX_LIMIT).contains(&limit) {
            return Err(format!("limit must be between 1 and {KMM_MAX_LIMIT}, got {limit}"));
        }
        if method == Method::AgentView && offset + limit > KMM_MAX_AGENT_RECORDS {
            return Err(format!(
                "offset + limit may not exceed {KMM_MAX_AGENT_RECORDS} (got {offset} + {limit}): \
                 narrow the request with filters.agentIds"
            ));
        }
        Ok(Page { offset, limit })
    }
}

/// A checked KMM body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KmmBody {
    pub from: i64,
    pub to: i64,
    /// `skillIds` (metrics) or `agentIds` (agent_view), duplicates dropped; `None`: all.
    pub ids: Option<Vec<String>>,
    /// `userTypes` includes HUMAN (or is omitted): the simulated agents are all human.
    pub humans: bool,
    /// agent_view: the statuses *now* of the agents to return.
    pub statuses: Vec<KmmStatus>,
    /// The reply keys asked for (`metricsToRetrieveByTime`).
    pub metrics: Vec<&'static str>,
}

/// A member of a JSON object; `null` counts as absent.
fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn string_list(v: &Value, name: &str) -> Result<Vec<String>, String> {
    let Value::Array(items) = v else {
        return Err(format!("{name} must be a list"));
    };
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let s = match item {
            Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
            Value::Number(n) if n.is_u64() => n.to_string(),
            other => return Err(format!("{name} must hold ids (strings), got {other}")),
        };
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err(format!("{name} must not be empty (leave it out for all)"));
    }
    Ok(out)
}

fn metric_list(v: Option<&Value>, known: &[(&str, &'static str)]) -> Result<Vec<&'static str>, String> {
    let Some(Value::Array(items)) = v else {
        return Err("metricsToRetrieveByTime is required: a non-empty list of metric names".into());
    };
    if items.is_empty() {
        return Err("metricsToRetrieveByTime must not be empty".into());
    }
    let mut out = Vec::new();
    for item in items {
        let name = item.as_str().unwrap_or_default();
        match known.iter().find(|(n, _)| *n == name) {
            Some((_, key)) if !out.contains(key) => out.push(*key),
            Some(_) => {}
            None => {
                let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "unknown metric {item} in metricsToRetrieveByTime (known: {})",
                    names.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

impl KmmBody {
    /// Checks a body against the simulator's now (epoch ms).
    pub fn parse(body: &Value, method: Method, now_ms: i64) -> Result<KmmBody, String> {
        let Value::Object(top) = body else {
            return Err("the body must be a JSON object".into());
        };
        let Some(Value::Object(filters)) = field(top, "filters") else {
            return Err("filters is required (an object)".into());
        };
        let Some(Value::Object(time)) = field(filters, "time") else {
            return Err("filters.time is required (an object with from and to)".into());
        };
        let ms = |k: &str| match time.get(k) {
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64().unwrap_or_default()),
            Some(other) => Err(format!("filters.time.{k} must be epoch milliseconds, got {other}")),
            None => Err(format!("filters.time.{k} is required (epoch milliseconds)")),
        };
        let (from, to) = (ms("from")?, ms("to")?);
        if from >= to {
            return Err(format!(
                "filters.time.from ({from}) must be before filters.time.to ({to})"
            ));
        }
        if to - from > KMM_MAX_WINDOW_MS {
            return Err(format!("the time window may be at most 24 hours, got {} ms", to - from));
        }
        if from < now_ms - KMM_RETENTION_MS {
            return Err(format!(
                "filters.time.from ({from}) is more than 14 days ago: data is kept 14 days"
            ));
        }
        if to > now_ms + KMM_FUTURE_SLACK_MS {
            return Err(format!("filters.time.to ({to}) is in the future (now is {now_ms})"));
        }

        let humans = match field(filters, "userTypes") {
            None => true,
            Some(v) => {
                let types = string_list(v, "filters.userTypes")?;
                if let Some(bad) = types.iter().find(|t| !matches!(t.as_str(), "HUMAN" | "BOT")) {
                    return Err(format!("filters.userTypes: unknown user type {bad:?} (HUMAN, BOT)"));
                }
                types.iter().any(|t| t == "HUMAN")
            }
        };

        let (ids_key, known) = match method {
            Method::AgentView => ("agentIds", &AGENT_METRICS[..]),
            _ => ("skillIds", &SKILL_METRICS[..]),
        };
        let ids = field(filters, ids_key)
            .map(|v| string_list(v, &format!("filters.{ids_key}")))
            .transpose()?;
        if method == Method::AgentView && ids.as_ref().is_some_and(|l| l.len() > KMM_MAX_AGENT_IDS) {
            return Err(format!(
                "filters.agentIds may hold at most {KMM_MAX_AGENT_IDS} ids, got {}",
                ids.as_ref().map_or(0, Vec::len)
            ));
        }

        let mut statuses = vec![KmmStatus::Online, KmmStatus::BackSoon, KmmStatus::Away];
        if method == Method::AgentView {
            if let Some(v) = field(filters, "effectiveAgentStatus") {
                let names = string_list(v, "filters.effectiveAgentStatus")?;
                statuses = names
                    .iter()
                    .map(|n| {
                        KmmStatus::parse(n).ok_or_else(|| {
                            format!(
                                "filters.effectiveAgentStatus: unknown status {n:?} (ONLINE, BACK_SOON, AWAY, OFFLINE)"
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            if let Some(v) = field(top, "includeAgentMetadata") {
                if !v.is_boolean() {
                    return Err("includeAgentMetadata must be true or false".into());
                }
            }
        } else {
            match field(top, "groupBy") {
                Some(Value::String(g)) if g == "skillId" => {}
                Some(other) => return Err(format!("groupBy must be \"skillId\", got {other}")),
                None => return Err("groupBy is required (\"skillId\")".into()),
            }
        }
        let metrics = metric_list(field(top, "metricsToRetrieveByTime"), known)?;
        Ok(KmmBody {
            from,
            to,
            ids,
            humans,
            statuses,
            metrics,
        })
    }

    /// The window the figures cover: [from, min(to, now)), nothing having happened after now.
    fn data_to(&self, now_ms: i64) -> i64 {
        self.to.min(now_ms)
    }

    /// The ids to report, in the account's order; unknown ids are dropped.
    fn selected(&self, known: Vec<String>) -> Vec<String> {
        if !self.humans {
            return Vec::new();
        }
        match &self.ids {
            None => known,
            Some(ids) => known.into_iter().filter(|k| ids.contains(k)).collect(),
        }
    }
}

fn avg_value(a: KmmAvg) -> Option<Value> {
    match a {
        KmmAvg::Ms(v) => Some(json!(v)),
        KmmAvg::Null => Some(Value::Null),
        KmmAvg::Absent => None,
        KmmAvg::Negative => Some(json!(-1)),
    }
}

/// A `metrics` group with the asked metrics.
pub(crate) fn skill_group(s: &KmmSkill, metrics: &[&str]) -> Value {
    let mut m = Map::new();
    let counts = [
        ("closedConversations", s.closed_conversations),
        ("closedByAgent", s.closed_by_agent),
        ("closedByConsumer", s.closed_by_consumer),
        ("autoClosed", s.auto_closed),
    ];
    for (key, v) in counts {
        if metrics.contains(&key) {
            m.insert(key.into(), json!(v));
        }
    }
    for (key, a) in s.averages() {
        if metrics.contains(&key) {
            if let Some(v) = avg_value(a) {
                m.insert(key.into(), v);
            }
        }
    }
    json!({"key": s.skill_id, "keyDescription": s.name, "metrics": m})
}

/// An `agentViewRecords` entry with the asked metrics.
pub(crate) fn agent_record(a: &KmmAgent, metrics: &[&str]) -> Value {
    let mut m = Map::new();
    m.insert("agentId".into(), json!(a.agent_id));
    m.insert("agentGroupId".into(), json!(a.agent_group_id));
    for key in metrics {
        let v = match *key {
            "loginDuration" => json!(a.login_duration),
            "onlineDuration" => json!(a.online_duration),
            "closedConversations" => json!(a.closed_conversations),
            // Left out when the truth says so (a 0 sometimes is).
            "transfers" | "backToQueue" | "concludedConversations" => {
                match a
                    .moves
                    .members()
                    .into_iter()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, v)| v)
                {
                    Some(v) => json!(v),
                    None => continue,
                }
            }
            "agentStatusDurationList" => a
                .status_durations
                .iter()
                .map(|d| json!({"agentStatus": d.status.as_str(), "agentStatusDuration": d.duration}))
                .collect(),
            "agentStatusWithReasonDurationList" => a
                .reason_durations
                .iter()
                .map(|r| {
                    json!({"agentStatus": r.status.as_str(), "agentStatusReasonId": r.reason_id,
                           "agentStatusDuration": r.duration})
                })
                .collect(),
            _ => continue,
        };
        m.insert((*key).into(), v);
    }
    Value::Object(m)
}

/// The reply to a checked KMM request: one page of groups or records, with `metadata`
/// (`count` of all pages, `self`, and `next` while more pages follow). `href` is the
/// method's URL without query.
pub(crate) fn kmm_reply(g: &Generator, method: Method, body: &KmmBody, page: Page, now_ms: i64, href: &str) -> Value {
    let to = body.data_to(now_ms);
    let all: Vec<Value> = match method {
        Method::AgentView => body
            .selected(g.agent_ids())
            .iter()
            .filter(|a| {
                let now = g.kmm_agent_status(a, now_ms).unwrap_or(KmmStatus::Offline);
                body.statuses.contains(&now)
            })
            .filter_map(|a| g.kmm_agent(a, body.from, to))
            .map(|a| agent_record(&a, &body.metrics))
            .collect(),
        _ => body
            .selected(g.skill_ids())
            .iter()
            .filter_map(|s| g.kmm_skill(s, body.from, to))
            .map(|s| skill_group(&s, &body.metrics))
            .collect(),
    };
    let count = all.len() as i64;
    let items: Vec<Value> = all
        .into_iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .collect();
    let link =
        |rel: &str, offset: i64| json!({"rel": rel, "href": format!("{href}?offset={offset}&limit={}", page.limit)});
    let mut metadata = Map::new();
    metadata.insert("count".into(), json!(count));
    metadata.insert("self".into(), link("self", page.offset));
    if page.offset + page.limit < count {
        metadata.insert("next".into(), link("next", page.offset + page.limit));
    }
    match method {
        Method::AgentView => json!({"metadata": metadata, "agentViewRecords": items}),
        _ => json!({"metadata": metadata, "groupBy": {"groupByField": "skillId", "groups": items}}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn paging_rules() {
        let m = Method::Metrics;
        let a = Method::AgentView;
        assert_eq!(Page::parse(&[], m), Ok(Page { offset: 0, limit: 50 }));
        assert_eq!(
            Page::parse(&q(&[("offset", "100"), ("limit", "7")]), m),
            Ok(Page { offset: 100, limit: 7 })
        );
        for bad in [
            &[("limit", "51")][..],
            &[("limit", "0")],
            &[("offset", "-1")],
            &[("offset", "x")],
        ] {
            assert!(Page::parse(&q(bad), m).is_err(), "{bad:?}");
        }
        assert!(Page::parse(&q(&[("offset", "2000")]), m).is_ok());
        assert!(Page::parse(&q(&[("offset", "950"), ("limit", "50")]), a).is_ok());
        let e = Page::parse(&q(&[("offset", "960"), ("limit", "50")]), a).unwrap_err();
        assert!(e.contains("1000"), "{e}");
    }

    #[test]
    fn body_rules() {
        let now = 1_764_072_000_000; // 2025-11-25T12:00:00Z
        let ok_time = json!({"from": now - 3_600_000, "to": now - 2_700_000});
        let metrics = |filters: Value| json!({"filters": filters, "groupBy": "skillId", "metricsToRetrieveByTime": ["closed_conversations"]});
        let b = KmmBody::parse(&metrics(json!({"time": ok_time})), Method::Metrics, now).unwrap();
        assert_eq!((b.ids, b.humans, b.metrics), (None, true, vec!["closedConversations"]));
        let cases = [
            json!({}),
            metrics(json!({})),
            metrics(json!({"time": {"from": now - 1000}})),
            metrics(json!({"time": {"from": "1", "to": now}})),
            metrics(json!({"time": {"from": 1.5e12, "to": now}})),
            metrics(json!({"time": {"from": now, "to": now}})),
            metrics(json!({"time": {"from": now - 86_400_001, "to": now}})),
            metrics(json!({"time": {"from": now - KMM_RETENTION_MS - 1, "to": now - KMM_RETENTION_MS + 1000}})),
            metrics(json!({"time": {"from": now, "to": now + 60_001}})),
            metrics(json!({"time": ok_time, "skillIds": []})),
            metrics(json!({"time": ok_time, "skillIds": "12"})),
            metrics(json!({"time": ok_time, "userTypes": ["ROBOT"]})),
            json!({"filters": {"time": ok_time}, "metricsToRetrieveByTime": ["closed_conversations"]}),
            json!({"filters": {"time": ok_time}, "groupBy": "agentId", "metricsToRetrieveByTime": ["closed_conversations"]}),
            json!({"filters": {"time": ok_time}, "groupBy": "skillId"}),
            json!({"filters": {"time": ok_time}, "groupBy": "skillId", "metricsToRetrieveByTime": []}),
            json!({"filters": {"time": ok_time}, "groupBy": "skillId", "metricsToRetrieveByTime": ["closed"]}),
        ];
        for c in &cases {
            assert!(KmmBody::parse(c, Method::Metrics, now).is_err(), "{c}");
        }
        // Exactly 24 h, exactly 14 days back, and a minute into the future are fine.
        for t in [
            json!({"from": now - 86_400_000, "to": now}),
            json!({"from": now - KMM_RETENTION_MS, "to": now - KMM_RETENTION_MS + 900_000}),
            json!({"from": now, "to": now + 60_000}),
        ] {
            assert!(KmmBody::parse(&metrics(json!({"time": t})), Method::Metrics, now).is_ok());
        }
        let view = |filters: Value| json!({"filters": filters, "metricsToRetrieveByTime": ["agent_login_duration"]});
        let b = KmmBody::parse(&view(json!({"time": ok_time})), Method::AgentView, now).unwrap();
        assert_eq!(
            b.statuses,
            vec![KmmStatus::Online, KmmStatus::BackSoon, KmmStatus::Away]
        );
        let b = KmmBody::parse(
            &view(json!({"time": ok_time, "agentIds": ["7", 8, "7"], "effectiveAgentStatus": ["OFFLINE"]})),
            Method::AgentView,
            now,
        )
        .unwrap();
        assert_eq!(b.ids, Some(vec!["7".to_string(), "8".to_string()]));
        assert_eq!(b.statuses, vec![KmmStatus::Offline]);
        let ids: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
        let e = KmmBody::parse(&view(json!({"time": ok_time, "agentIds": ids})), Method::AgentView, now).unwrap_err();
        assert!(e.contains("1000"), "{e}");
        assert!(KmmBody::parse(
            &view(json!({"time": ok_time, "effectiveAgentStatus": ["LOGGED_OUT"]})),
            Method::AgentView,
            now
        )
        .is_err());
        // metrics names are per method.
        let wrong = json!({"filters": {"time": ok_time}, "metricsToRetrieveByTime": ["avg_wait_time"]});
        assert!(KmmBody::parse(&wrong, Method::AgentView, now).is_err());
    }
}
