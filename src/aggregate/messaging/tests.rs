use super::*;
use crate::lp::model::kmm::{AgentViewPage, MetricsPage};
use crate::lp::model::msgops::OpsQuarter;
use crate::mapping::AgentMap;
use crate::quarter::testing::q;
use crate::select::{IdSelection, UnmappedAgents};
use std::collections::HashMap;

const METRICS: &str = r#"{"metadata": {"count": 2},
    "groupBy": {"groupByField": "skillId", "groups": [
      {"key": "12", "keyDescription": "Billing",
       "metrics": {"closedConversations": 14, "closedByAgent": 9, "closedByConsumer": 3,
                   "autoClosed": 2, "avgWaitTime": 41250.5, "avgWaitTimeFirstResponse": 95000.0,
                   "avgTimeToResponse": 30500.25, "avgTimeToFirstResponseFirstAssignment": 61000.0}},
      {"key": "9",
       "metrics": {"closedConversations": 1, "closedByAgent": 1,
                   "avgWaitTime": null, "avgWaitTimeFirstResponse": -1,
                   "avgTimeToResponse": 1500.0}}]}}"#;

const AGENTS: &str = r#"{"metadata": {"count": 1},
    "agentViewRecords": [
      {"agentId": "2434634412", "agentGroupId": -1,
       "loginDuration": 900000, "onlineDuration": 600000, "closedConversations": 3,
       "agentStatusDurationList": [
         {"agentStatus": "ONLINE", "agentStatusDuration": 600000},
         {"agentStatus": "BACK_SOON", "agentStatusDuration": 120000},
         {"agentStatus": "AWAY", "agentStatusDuration": 180000}],
       "agentStatusWithReasonDurationList": [
         {"agentStatus": "AWAY", "agentStatusReasonId": "17", "agentStatusDuration": 100000},
         {"agentStatus": "AWAY", "agentStatusReasonId": "NA", "agentStatusDuration": 80000},
         {"agentStatus": "BACK_SOON", "agentStatusReasonId": "5", "agentStatusDuration": 7000},
         {"agentStatus": "AWAY", "agentStatusReasonId": "3", "agentStatusDuration": 499},
         {"agentStatus": "AWAY", "agentStatusReasonId": "3", "agentStatusDuration": 1}]}]}"#;

fn build(skills: IdSelection, agents: IdSelection, map: &AgentMap) -> MessagingReport {
    let m: MetricsPage = serde_json::from_str(METRICS).unwrap();
    let a: AgentViewPage = serde_json::from_str(AGENTS).unwrap();
    let sel = Selection {
        skills: &skills,
        agents: &agents,
        agent_map: map,
        unmapped: UnmappedAgents::Keep,
    };
    build_messaging_quarter(
        q("112426.1000"),
        m.group_by.groups.as_deref().unwrap(),
        a.records.as_deref().unwrap(),
        None,
        &sel,
    )
    .unwrap()
}

/// The example of reports.md "Messaging accounts", figure for figure.
#[test]
fn the_contracts_example() {
    let mut map = AgentMap::default();
    map.insert("2434634412", "E1001");
    let r = build(IdSelection::All, IdSelection::All, &map);
    assert_eq!(
        r.queues[1],
        MessagingQueueRow {
            id: "12".into(),
            closed: 14,
            closed_by_agent: 9,
            closed_by_consumer: 3,
            auto_closed: 2,
            avg_wait_time: Some(41),
            avg_wait_time_first_response: Some(95),
            avg_time_to_response: Some(31),
            avg_time_to_first_response_first_assignment: Some(61),
            ..Default::default()
        }
    );
    // Numeric id order; null, negative and absent averages are "no data".
    assert_eq!(r.queues[0].id, "9");
    assert_eq!(r.queues[0].avg_wait_time, None);
    assert_eq!(r.queues[0].avg_wait_time_first_response, None);
    assert_eq!(r.queues[0].avg_time_to_response, Some(2), "1.5 s rounds half up");
    assert_eq!(r.queues[0].avg_time_to_first_response_first_assignment, None);
    assert_eq!(
        r.agents,
        vec![MessagingAgentRow {
            employee_id: "E1001".into(),
            agent_id: "2434634412".into(),
            logged_in: 900,
            online: 600,
            back_soon: 120,
            away: 180,
            // "NA" and BACK_SOON reasons left out; 499 + 1 ms summed before rounding.
            away_reasons: vec![("3".into(), 1), ("17".into(), 100)],
            closed: 3,
            ..Default::default()
        }]
    );
    assert!(r.unmapped_agents.is_empty());
}

#[test]
fn listed_ids_without_data_get_zero_rows() {
    let map = AgentMap::default();
    let r = build(
        IdSelection::List(vec!["12".into(), "40".into()]),
        IdSelection::List(vec!["77".into()]),
        &map,
    );
    assert_eq!(r.queues.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(), ["12", "40"]);
    assert_eq!(
        r.queues[1],
        MessagingQueueRow {
            id: "40".into(),
            ..Default::default()
        }
    );
    assert_eq!(
        r.agents,
        vec![MessagingAgentRow {
            employee_id: "77".into(),
            agent_id: "77".into(),
            ..Default::default()
        }]
    );
    assert_eq!(r.unmapped_agents, BTreeSet::from(["77".to_string()]));
}

#[test]
fn rounding_is_half_up() {
    assert_eq!(ms_to_seconds(0), 0);
    assert_eq!(ms_to_seconds(499), 0);
    assert_eq!(ms_to_seconds(500), 1);
    assert_eq!(ms_to_seconds(1499), 1);
    assert_eq!(ms_to_seconds(u64::MAX), u64::MAX / 1000 + 1);
    assert_eq!(avg_seconds(Some(41500.0)), Some(42));
    assert_eq!(avg_seconds(Some(41499.999)), Some(41));
    assert_eq!(avg_seconds(Some(0.0)), Some(0));
    assert_eq!(avg_seconds(Some(-0.5)), None);
    assert_eq!(avg_seconds(Some(f64::MAX)), Some(u64::MAX));
    assert_eq!(avg_seconds(None), None);
}

#[test]
fn a_negative_count_is_refused_with_where() {
    let m: MetricsPage =
        serde_json::from_str(r#"{"groupBy": {"groups": [{"key": 5, "metrics": {"closedConversations": -3}}]}}"#)
            .unwrap();
    let map = AgentMap::default();
    let sel = Selection {
        skills: &IdSelection::All,
        agents: &IdSelection::All,
        agent_map: &map,
        unmapped: UnmappedAgents::Keep,
    };
    let groups = m.group_by.groups.unwrap();
    let e = build_messaging_quarter(q("112426.1000"), &groups, &[], None, &sel).unwrap_err();
    assert!(
        e.to_string()
            .contains("metrics reply, quarter 112426.1000: closedConversations of 5 is -3"),
        "{e}"
    );
}

/// The contract's Q_ and AQ_ examples (docs/liveperson-messaging-operations.md),
/// figure for figure: averages from the quarter's totals, half up.
#[test]
fn the_messaging_operations_example() {
    use crate::lp::model::msgops::{Conv, ConvQuarter, Segments};
    let mut map = AgentMap::default();
    map.insert("2434634412", "E1001");
    let seg = Segments {
        offered: 45,
        abandoned_in_queue: 6,
        abandoned_by_consumers: 8,
        interactive: 22,
        non_responsive_agents: 4,
        non_responsive_consumers: 11,
        avg_first_agent_message_ms: Some(40250.0),
    };
    let skill = Conv {
        handled: 14,
        handle_time: 5230,
        ..Default::default()
    };
    let agent = Conv {
        handled: 3,
        by_agent: 2,
        by_consumer: 1,
        by_system: 0,
        handle_time: 1210,
    };
    let ops = OpsQuarter {
        segments: Some(HashMap::from([("12".to_string(), seg)])),
        conv: ConvQuarter {
            skills: HashMap::from([("12".to_string(), skill), ("30".to_string(), Conv::default())]),
            agents: HashMap::from([
                (("2434634412".to_string(), "12".to_string()), agent),
                (("2434634412".to_string(), "9".to_string()), agent),
                (("77".to_string(), "12".to_string()), agent),
            ]),
        },
    };
    let m: MetricsPage = serde_json::from_str(METRICS).unwrap();
    let a: AgentViewPage = serde_json::from_str(AGENTS).unwrap();
    let skills = IdSelection::All;
    let agents = IdSelection::List(vec!["2434634412".into()]);
    let sel = Selection {
        skills: &skills,
        agents: &agents,
        agent_map: &map,
        unmapped: UnmappedAgents::Keep,
    };
    let groups = m.group_by.groups.unwrap();
    let records = a.records.unwrap();
    let r = build_messaging_quarter(q("112426.1000"), &groups, &records, Some(&ops), &sel).unwrap();
    // Skill 30 only in msgconversation still gets a row (with `all`); 9 has no segments: zeros.
    assert_eq!(
        r.queues.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(),
        ["9", "12", "30"]
    );
    let row = &r.queues[1];
    assert_eq!(
        row.segments,
        Some(SegmentFigures {
            offered: 45,
            abandoned: 6,
            abandoned_no_response: 8,
            interactive_segments: 22,
            non_responsive_agent_segments: 4,
            non_responsive_consumer_segments: 11,
            avg_time_to_first_agent_message: Some(40),
        })
    );
    assert_eq!(
        row.handled,
        Some(HandledFigures {
            handled: 14,
            handle_time: 5230,
            avg_handle_time: 374
        })
    );
    assert_eq!(row.closed, 14, "the KMM elements unchanged");
    assert_eq!(r.queues[0].segments, Some(SegmentFigures::default()));
    assert_eq!(
        r.queues[2].handled,
        Some(HandledFigures::default()),
        "0 handled: average 0"
    );
    // AQ_: the listed agent only, numeric skill order.
    let aq = r.agent_queues.unwrap();
    assert_eq!(aq.len(), 2);
    assert_eq!(
        aq[1],
        MessagingAgentQueueRow {
            employee_id: "E1001".into(),
            agent_id: "2434634412".into(),
            queue_id: "12".into(),
            handled: 3,
            closed_by_agent: 2,
            closed_by_consumer: 1,
            auto_closed: 0,
            handle_time: 1210,
            avg_handle_time: 403,
        }
    );
    assert_eq!(aq[0].queue_id, "9");
    // OAuth 1.0a: no segments asked, the six elements omitted, the rest kept.
    let oauth1 = OpsQuarter {
        segments: None,
        ..ops.clone()
    };
    let r = build_messaging_quarter(q("112426.1000"), &groups, &records, Some(&oauth1), &sel).unwrap();
    assert!(r.queues.iter().all(|q| q.segments.is_none() && q.handled.is_some()));
    // Partial: no AQ_, no Messaging Operations figures.
    let r = build_messaging_quarter(q("112426.1000"), &groups, &records, None, &sel).unwrap();
    assert!(r.agent_queues.is_none());
    assert!(r.queues.iter().all(|q| q.segments.is_none() && q.handled.is_none()));
}

proptest::proptest! {
    /// Half up for every whole number of milliseconds, as integer arithmetic says.
    #[test]
    fn averages_round_like_integers(ms in 0u64..10_000_000_000) {
        proptest::prop_assert_eq!(avg_seconds(Some(ms as f64)), Some(ms_to_seconds(ms)));
    }
}
