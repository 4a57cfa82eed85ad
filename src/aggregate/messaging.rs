//! Messaging quarters (`LP_CHANNEL=messaging`): the `Q_` and `AS_` rows of
//! `docs/reports.md` "Messaging accounts", from one quarter's Key Messaging
//! Metrics pages. KMM answers for the whole window, so there are no intervals
//! to pick: a quarter is one window. Milliseconds become whole seconds,
//! rounded half up.

use super::limits::{check_average, check_id, COUNT, STATE_MS};
use super::sums::{div_half_up, Acc};
use super::{row_ids, AggregateError, Naming, Selection};
use crate::lp::model::kmm::{AgentRecord, Group};
use crate::lp::model::Method;
use crate::quarter::Quarter;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One messaging `Q_` row: a skill over the quarter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagingQueueRow {
    pub id: String,
    pub closed: u64,
    pub closed_by_agent: u64,
    pub closed_by_consumer: u64,
    pub auto_closed: u64,
    /// Whole seconds; `None` (element omitted) when KMM had no data.
    pub avg_wait_time: Option<u64>,
    pub avg_wait_time_first_response: Option<u64>,
    pub avg_time_to_response: Option<u64>,
    pub avg_time_to_first_response_first_assignment: Option<u64>,
}

/// One messaging `AS_` row: an agent's seconds per status over the quarter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagingAgentRow {
    pub employee_id: String,
    pub agent_id: String,
    pub logged_in: u64,
    pub online: u64,
    pub back_soon: u64,
    pub away: u64,
    /// Away reasons (not `"NA"`) by reason id, in id order.
    pub away_reasons: Vec<(String, u64)>,
    pub closed: u64,
}

/// One messaging quarter, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingReport {
    pub quarter: Quarter,
    pub queues: Vec<MessagingQueueRow>,
    pub agents: Vec<MessagingAgentRow>,
    /// Agents reported under their LivePerson id (or skipped) for want of a mapping.
    pub unmapped_agents: BTreeSet<String>,
}

/// An average in milliseconds as whole seconds, half up; absent, `null` and
/// negative mean "no data" (`None`).
pub fn avg_seconds(ms: Option<f64>) -> Option<u64> {
    let ms = ms.filter(|v| v.is_finite() && *v >= 0.0)?;
    // `as` saturates: an absurdly large average cannot wrap.
    Some(((ms + 500.0) / 1000.0).floor() as u64)
}

/// Milliseconds as whole seconds, half up.
pub fn ms_to_seconds(ms: u64) -> u64 {
    div_half_up(ms.into(), 1000) as u64
}

/// Build one messaging quarter from all pages of `metrics` (`groups`) and of
/// `agent_view` (`records`). A skill or agent met twice (pages that shifted
/// while being read) keeps its first figures.
pub fn build_messaging_quarter(
    q: Quarter,
    groups: &[Group],
    records: &[AgentRecord],
    sel: &Selection<'_>,
) -> Result<MessagingReport, AggregateError> {
    let stem = q.stem();
    let mut by_skill: HashMap<&str, &Group> = HashMap::new();
    for g in groups {
        by_skill.entry(g.key.0.as_str()).or_insert(g);
    }
    let check = Acc {
        method: Method::Metrics,
        quarter: &stem,
    };
    let mut queues = Vec::new();
    for id in row_ids(sel.skills, by_skill.keys().map(|k| k.to_string())) {
        let mut row = MessagingQueueRow {
            id: id.clone(),
            ..Default::default()
        };
        check_id(Method::Metrics, &stem, "skill", &id)?;
        if let Some(g) = by_skill.get(id.as_str()) {
            let m = &g.metrics;
            row.closed = check.value(m.closed_conversations, "closedConversations", COUNT, &id)?;
            row.closed_by_agent = check.value(m.closed_by_agent, "closedByAgent", COUNT, &id)?;
            row.closed_by_consumer = check.value(m.closed_by_consumer, "closedByConsumer", COUNT, &id)?;
            row.auto_closed = check.value(m.auto_closed, "autoClosed", COUNT, &id)?;
            let avg = |ms, field| check_average(Method::Metrics, &stem, field, &id, ms).map(avg_seconds);
            row.avg_wait_time = avg(m.avg_wait_time, "avgWaitTime")?;
            row.avg_wait_time_first_response = avg(m.avg_wait_time_first_response, "avgWaitTimeFirstResponse")?;
            row.avg_time_to_response = avg(m.avg_time_to_response, "avgTimeToResponse")?;
            row.avg_time_to_first_response_first_assignment = avg(
                m.avg_time_to_first_response_first_assignment,
                "avgTimeToFirstResponseFirstAssignment",
            )?;
        }
        queues.push(row);
    }

    let mut by_agent: HashMap<&str, &AgentRecord> = HashMap::new();
    for r in records {
        by_agent.entry(r.agent_id.0.as_str()).or_insert(r);
    }
    let check = Acc {
        method: Method::AgentView,
        quarter: &stem,
    };
    let mut naming = Naming {
        sel,
        unmapped: BTreeSet::new(),
    };
    let mut agents = Vec::new();
    for id in row_ids(sel.agents, by_agent.keys().map(|k| k.to_string())) {
        let Some(employee_id) = naming.employee_of(&id) else {
            continue;
        };
        check_id(Method::AgentView, &stem, "agent", &id)?;
        let mut row = MessagingAgentRow {
            employee_id,
            agent_id: id.clone(),
            ..Default::default()
        };
        if let Some(r) = by_agent.get(id.as_str()) {
            add_record(&mut row, r, &check)?;
        }
        agents.push(row);
    }
    Ok(MessagingReport {
        quarter: q,
        queues,
        agents,
        unmapped_agents: naming.unmapped,
    })
}

/// An agent's record into its row: milliseconds summed per status (and per
/// away reason), then turned into seconds.
fn add_record(row: &mut MessagingAgentRow, r: &AgentRecord, check: &Acc<'_>) -> Result<(), AggregateError> {
    let id = row.agent_id.as_str();
    let (mut online, mut back_soon, mut away) = (0u64, 0u64, 0u64);
    for s in &r.agent_status_duration_list {
        let into = match s.agent_status.as_str() {
            "ONLINE" => &mut online,
            "BACK_SOON" => &mut back_soon,
            "AWAY" => &mut away,
            _ => continue,
        };
        check.add(into, s.agent_status_duration, "agentStatusDuration", STATE_MS, id)?;
    }
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for s in &r.agent_status_with_reason_duration_list {
        let Some(reason) = &s.agent_status_reason_id else {
            continue;
        };
        if s.agent_status != "AWAY" || reason.0 == "NA" || reason.0.is_empty() {
            continue;
        }
        let into = reasons.entry(reason.0.clone()).or_default();
        check.add(into, s.agent_status_duration, "agentStatusDuration", STATE_MS, id)?;
    }
    row.logged_in = ms_to_seconds(check.value(r.login_duration, "loginDuration", STATE_MS, id)?);
    row.online = ms_to_seconds(online);
    row.back_soon = ms_to_seconds(back_soon);
    row.away = ms_to_seconds(away);
    let mut reasons: Vec<(String, u64)> = reasons.into_iter().map(|(k, v)| (k, ms_to_seconds(v))).collect();
    reasons.sort_by(|a, b| super::cmp_ids(&a.0, &b.0));
    for (reason, _) in &reasons {
        check_id(check.method, check.quarter, "away reason", reason)?;
    }
    row.away_reasons = reasons;
    row.closed = check.value(r.closed_conversations, "closedConversations", COUNT, id)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::model::kmm::{AgentViewPage, MetricsPage};
    use crate::mapping::AgentMap;
    use crate::quarter::testing::q;
    use crate::select::{IdSelection, UnmappedAgents};

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
        let e = build_messaging_quarter(q("112426.1000"), &groups, &[], &sel).unwrap_err();
        assert!(
            e.to_string()
                .contains("metrics reply, quarter 112426.1000: closedConversations of 5 is -3"),
            "{e}"
        );
    }

    proptest::proptest! {
        /// Half up for every whole number of milliseconds, as integer arithmetic says.
        #[test]
        fn averages_round_like_integers(ms in 0u64..10_000_000_000) {
            proptest::prop_assert_eq!(avg_seconds(Some(ms as f64)), Some(ms_to_seconds(ms)));
        }
    }
}
