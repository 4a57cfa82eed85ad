use super::*;
use crate::aggregate::{AgentQueueRow, QueueRow};
use crate::quarter::parse_quarter_arg;
use std::collections::BTreeSet;

/// The examples of reports.md, row for row (away reasons sorted by id, as the rule says).
pub(crate) fn spec_example() -> QuarterReport {
    QuarterReport {
        quarter: parse_quarter_arg("112426.1000").unwrap(),
        queues: vec![QueueRow {
            id: "199".into(),
            offered: 5,
            handled: 3,
            abandoned: 2,
            time_to_answer: 7,
            time_to_abandon: 2222,
            avg_time_to_answer: 2,
            avg_time_to_abandon: 1111,
            max_queue_size: Some(78),
            avg_queue_size: Some(Hundredths(7200)),
            max_available_slots: Some(5),
            avg_available_slots: Some(Hundredths(400)),
            interactive_closed: 1,
            non_interactive_closed: 1,
            handle_time: 12,
            non_interactive_handle_time: 5,
        }],
        agent_queues: vec![AgentQueueRow {
            employee_id: "E1001".into(),
            agent_id: "3".into(),
            queue_id: "2".into(),
            interactive_closed: 1,
            non_interactive_closed: 1,
            connected: 2,
            handle_time: 12,
            non_interactive_handle_time: 5,
        }],
        agents: vec![AgentRow {
            employee_id: "E1001".into(),
            agent_id: "2".into(),
            logged_in: StateSums {
                total: 900,
                chatting: 300,
                not_chatting: 600,
                max_concurrency: 0,
            },
            online: StateSums {
                total: 500,
                chatting: 300,
                not_chatting: 200,
                max_concurrency: 0,
            },
            back_soon: StateSums {
                total: 100,
                chatting: 0,
                not_chatting: 100,
                max_concurrency: 0,
            },
            away: StateSums {
                total: 300,
                chatting: 0,
                not_chatting: 300,
                max_concurrency: 0,
            },
            away_reasons: vec![
                (
                    "2642559112".into(),
                    StateSums {
                        total: 100,
                        chatting: 0,
                        not_chatting: 100,
                        max_concurrency: 0,
                    },
                ),
                (
                    "2642559712".into(),
                    StateSums {
                        total: 200,
                        chatting: 0,
                        not_chatting: 200,
                        max_concurrency: 0,
                    },
                ),
            ],
        }],
        unmapped_agents: BTreeSet::new(),
        ignored_state_ids: BTreeSet::new(),
    }
}

#[test]
fn renders_the_spec_examples_byte_for_byte() {
    let files = render_quarter(&spec_example(), "12345678", FileStamp::Start);
    // FILE_STAMP=end renames, nothing else: the start/end attributes stay 10:00 and 10:15.
    let by_end = render_quarter(&spec_example(), "12345678", FileStamp::End);
    assert_eq!(
        by_end.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["Q_112426.1015.xml", "AQ_112426.1015.xml", "AS_112426.1015.xml"]
    );
    assert!(files
        .iter()
        .zip(&by_end)
        .all(|(a, b)| a.bytes == b.bytes && a.rows == b.rows));
    let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Q_112426.1000.xml", "AQ_112426.1000.xml", "AS_112426.1000.xml"]);
    let golden = [
        include_str!("../../../tests/golden/spec-example/Q_112426.1000.xml"),
        include_str!("../../../tests/golden/spec-example/AQ_112426.1000.xml"),
        include_str!("../../../tests/golden/spec-example/AS_112426.1000.xml"),
    ];
    for (f, g) in files.iter().zip(golden) {
        assert_eq!(String::from_utf8_lossy(&f.bytes), g, "{}", f.name);
    }
}

/// The replies of docs/liveperson-messaging.md, through the messaging
/// aggregation, give the files of docs/reports.md "Messaging accounts".
#[test]
fn renders_the_messaging_examples_byte_for_byte() {
    use crate::aggregate::{build_messaging_quarter, Selection};
    use crate::lp::model::kmm::{AgentViewPage, MetricsPage};
    use crate::mapping::AgentMap;
    use crate::select::{IdSelection, UnmappedAgents};
    let docs = include_str!("../../../docs/liveperson-messaging.md");
    let replies: Vec<&str> = docs
        .split("```json\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .filter(|b| b.contains("\"metadata\""))
        .collect();
    let metrics: MetricsPage = serde_json::from_str(replies[0]).unwrap();
    let agents: AgentViewPage = serde_json::from_str(replies[1]).unwrap();
    let mut map = AgentMap::default();
    map.insert("2434634412", "E1001");
    let sel = Selection {
        skills: &IdSelection::All,
        agents: &IdSelection::All,
        agent_map: &map,
        unmapped: UnmappedAgents::Keep,
    };
    let q = parse_quarter_arg("112426.1000").unwrap();
    let report = build_messaging_quarter(
        q,
        metrics.group_by.groups.as_deref().unwrap(),
        agents.records.as_deref().unwrap(),
        None,
        &sel,
    )
    .unwrap();
    let files = render_messaging_quarter(&report, "12345678", FileStamp::Start);
    // FILE_STAMP=end renames, nothing else.
    let by_end = render_messaging_quarter(&report, "12345678", FileStamp::End);
    assert_eq!(
        by_end.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["Q_112426.1015.xml", "AS_112426.1015.xml"]
    );
    assert!(files
        .iter()
        .zip(&by_end)
        .all(|(a, b)| a.bytes == b.bytes && a.rows == b.rows));
    let golden = [
        (
            "Q_112426.1000.xml",
            include_str!("../../../tests/golden/spec-example-messaging/Q_112426.1000.xml"),
        ),
        (
            "AS_112426.1000.xml",
            include_str!("../../../tests/golden/spec-example-messaging/AS_112426.1000.xml"),
        ),
    ];
    for (f, (name, g)) in files.iter().zip(golden) {
        assert_eq!(f.name, name);
        assert_eq!(String::from_utf8_lossy(&f.bytes), g, "{}", f.name);
        assert_eq!(f.rows, 1);
    }
}

#[test]
fn escapes_ids_and_renders_empty_files() {
    let mut r = spec_example();
    r.agent_queues[0].employee_id = "E<1>&\"x\"".into();
    r.queues[0].id = "a&b".into();
    let files = render_quarter(&r, "1", FileStamp::Start);
    let aq = String::from_utf8(files[1].bytes.clone()).unwrap();
    assert!(aq.contains("employeeId=\"E&lt;1&gt;&amp;&quot;x&quot;\""), "{aq}");
    let q = String::from_utf8(files[0].bytes.clone()).unwrap();
    assert!(q.contains("id=\"a&amp;b\""), "{q}");

    r.queues.clear();
    r.agent_queues.clear();
    r.agents.clear();
    let files = render_quarter(&r, "1", FileStamp::Start);
    let q = String::from_utf8(files[0].bytes.clone()).unwrap();
    assert_eq!(
        q,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<QueueData account=\"1\" start=\"2026-11-24T10:00:00Z\" end=\"2026-11-24T10:15:00Z\">\n</QueueData>\n"
    );
}

/// The `Q_` and `AQ_` examples of docs/liveperson-messaging-operations.md, element for
/// element and in the contract's order (whitespace between elements aside).
#[test]
fn renders_the_messaging_operations_examples_in_the_contracts_order() {
    use crate::aggregate::{HandledFigures, MessagingAgentQueueRow, SegmentFigures};
    let docs = include_str!("../../../docs/liveperson-messaging-operations.md");
    let examples: Vec<String> = docs
        .split("```xml\n")
        .skip(1)
        .map(|b| {
            b.split("```")
                .next()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("")
        })
        .collect();
    let report = MessagingReport {
        quarter: parse_quarter_arg("112426.1000").unwrap(),
        queues: vec![MessagingQueueRow {
            id: "12".into(),
            segments: Some(SegmentFigures {
                offered: 45,
                abandoned: 6,
                abandoned_no_response: 8,
                interactive_segments: 22,
                non_responsive_agent_segments: 4,
                non_responsive_consumer_segments: 11,
                avg_time_to_first_agent_message: Some(40),
            }),
            handled: Some(HandledFigures {
                handled: 14,
                handle_time: 5230,
                avg_handle_time: 374,
            }),
            closed: 14,
            closed_by_agent: 9,
            closed_by_consumer: 3,
            auto_closed: 2,
            avg_wait_time: Some(41),
            avg_wait_time_first_response: Some(95),
            avg_time_to_response: Some(31),
            avg_time_to_first_response_first_assignment: Some(61),
        }],
        agent_queues: Some(vec![MessagingAgentQueueRow {
            employee_id: "E1001".into(),
            agent_id: "2434634412".into(),
            queue_id: "12".into(),
            handled: 3,
            closed_by_agent: 2,
            closed_by_consumer: 1,
            auto_closed: 0,
            handle_time: 1210,
            avg_handle_time: 403,
        }]),
        agents: vec![],
        unmapped_agents: Default::default(),
    };
    let files = render_messaging_quarter(&report, "12345678", FileStamp::Start);
    let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Q_112426.1000.xml", "AQ_112426.1000.xml", "AS_112426.1000.xml"]);
    for (f, want) in files.iter().zip(&examples[..2]) {
        let text = String::from_utf8_lossy(&f.bytes);
        let body = text.split_once("?>").unwrap().1;
        assert_eq!(
            &body.split_whitespace().collect::<Vec<_>>().join(""),
            want,
            "{}",
            f.name
        );
    }
}
