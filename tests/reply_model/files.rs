//! A report in `common::parse_report`'s form: what its three files must read
//! back as, element and attribute names as docs/reports.md gives them.

use super::ACCOUNT;
use crate::common::{Report, Row};
use std::collections::BTreeMap;
use wfm::aggregate::{AgentQueueRow, AgentRow, Hundredths, QuarterReport, QueueRow, StateSums};

/// A report as the three files must read back (`common::parse_report`'s form).
pub fn flatten(r: &QuarterReport) -> [Report; 3] {
    let root = |name: &str, rows: Vec<Row>| Report {
        root: name.into(),
        attrs: BTreeMap::from([
            ("account".into(), ACCOUNT.into()),
            ("start".into(), "2026-11-24T10:00:00Z".into()),
            ("end".into(), "2026-11-24T10:15:00Z".into()),
        ]),
        rows,
    };
    [
        root("QueueData", r.queues.iter().map(queue_fields).collect()),
        root(
            "AgentQueueData",
            r.agent_queues.iter().map(agent_queue_fields).collect(),
        ),
        root("AgentSystemData", r.agents.iter().map(agent_fields).collect()),
    ]
}

fn row(attrs: &[(&str, &str)], fields: Vec<(String, String)>) -> Row {
    Row {
        attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        fields: fields.into_iter().collect(),
    }
}

fn queue_fields(q: &QueueRow) -> Row {
    let dec = |h: Hundredths| format!("{}.{:02}", h.0 / 100, h.0 % 100);
    let f: [(&str, Option<String>); 15] = [
        ("Offered", Some(q.offered.to_string())),
        ("Handled", Some(q.handled.to_string())),
        ("Abandoned", Some(q.abandoned.to_string())),
        ("TimeToAnswer", Some(q.time_to_answer.to_string())),
        ("TimeToAbandon", Some(q.time_to_abandon.to_string())),
        ("AvgTimeToAnswer", Some(q.avg_time_to_answer.to_string())),
        ("AvgTimeToAbandon", Some(q.avg_time_to_abandon.to_string())),
        ("MaxQueueSize", q.max_queue_size.map(|m| m.to_string())),
        ("AvgQueueSize", q.avg_queue_size.map(dec)),
        ("MaxAvailableSlots", q.max_available_slots.map(|m| m.to_string())),
        ("AvgAvailableSlots", q.avg_available_slots.map(dec)),
        ("InteractiveClosed", Some(q.interactive_closed.to_string())),
        ("NonInteractiveClosed", Some(q.non_interactive_closed.to_string())),
        ("HandleTime", Some(q.handle_time.to_string())),
        (
            "NonInteractiveHandleTime",
            Some(q.non_interactive_handle_time.to_string()),
        ),
    ];
    let fields = f.into_iter().filter_map(|(k, v)| Some((k.to_string(), v?))).collect();
    row(&[("id", &q.id)], fields)
}

fn agent_queue_fields(a: &AgentQueueRow) -> Row {
    let fields = [
        ("InteractiveClosed", a.interactive_closed),
        ("NonInteractiveClosed", a.non_interactive_closed),
        ("Connected", a.connected),
        ("HandleTime", a.handle_time),
        ("NonInteractiveHandleTime", a.non_interactive_handle_time),
    ];
    row(
        &[
            ("employeeId", &a.employee_id),
            ("agentId", &a.agent_id),
            ("queueId", &a.queue_id),
        ],
        fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    )
}

fn agent_fields(a: &AgentRow) -> Row {
    let mut fields = Vec::new();
    let mut state = |key: String, s: &StateSums| {
        for (k, v) in [
            ("total", s.total),
            ("chatting", s.chatting),
            ("notChatting", s.not_chatting),
            ("maxConcurrency", s.max_concurrency),
        ] {
            fields.push((format!("{key}.{k}"), v.to_string()));
        }
    };
    state("LoggedIn".into(), &a.logged_in);
    state("Online".into(), &a.online);
    state("BackSoon".into(), &a.back_soon);
    state("Away".into(), &a.away);
    for (id, s) in &a.away_reasons {
        state(format!("Away.Reason.{id}"), s);
    }
    row(&[("employeeId", &a.employee_id), ("agentId", &a.agent_id)], fields)
}
