//! engactivity replies: per skill and agent, per agent, and totals of the listed agents.

use serde_json::{json, Map, Value};

use super::generator::{EngValues, Generator};
use super::params::{DataParams, IdSel};
use super::slots::Slot;

fn add_eng(acc: &mut EngValues, v: &EngValues) {
    acc.total_interactive_chats += v.total_interactive_chats;
    acc.total_non_interactive_chats += v.total_non_interactive_chats;
    acc.total_handling_time += v.total_handling_time;
    acc.non_interactive_total_handling_time += v.non_interactive_total_handling_time;
    acc.connected_engagements += v.connected_engagements;
}

fn zero_eng() -> EngValues {
    EngValues {
        total_interactive_chats: 0,
        total_non_interactive_chats: 0,
        total_handling_time: 0,
        non_interactive_total_handling_time: 0,
        connected_engagements: 0,
    }
}

fn eng_json(v: &EngValues) -> Value {
    json!({
        "totalInteractiveChats": v.total_interactive_chats,
        "totalNonInteractiveChats": v.total_non_interactive_chats,
        "totalHandlingTime": v.total_handling_time,
        "nonInteractiveTotalHandlingTime": v.non_interactive_total_handling_time,
        "connectedEngagements": v.connected_engagements,
    })
}

/// engactivity data over these slots: per skill and agent, per agent, and totals.
pub(super) fn eng_data(g: &Generator, p: &DataParams, slots: &[Slot]) -> Value {
    let agents = p.agents.resolve(g.agent_ids());
    let mut per_skill = Map::new();
    let mut per_agent: Vec<(String, EngValues)> = Vec::new();
    let mut all_totals = zero_eng();
    for skill in p.skills.resolve(g.skill_ids()) {
        let mut skill_agents = Map::new();
        let mut skill_totals = zero_eng();
        for agent in &agents {
            let mut acc: Option<EngValues> = None;
            for slot in slots {
                if let Some(v) = g.eng_activity(&skill, agent, slot.end) {
                    let scaled = EngValues {
                        total_interactive_chats: slot.scale(v.total_interactive_chats),
                        total_non_interactive_chats: slot.scale(v.total_non_interactive_chats),
                        total_handling_time: slot.scale(v.total_handling_time),
                        non_interactive_total_handling_time: slot.scale(v.non_interactive_total_handling_time),
                        connected_engagements: slot.scale(v.connected_engagements),
                    };
                    add_eng(acc.get_or_insert_with(zero_eng), &scaled);
                }
            }
            if let Some(v) = acc {
                add_eng(&mut skill_totals, &v);
                match per_agent.iter_mut().find(|(a, _)| a == agent) {
                    Some((_, t)) => add_eng(t, &v),
                    None => per_agent.push((agent.clone(), v.clone())),
                }
                skill_agents.insert(agent.clone(), eng_json(&v));
            }
        }
        if !skill_agents.is_empty() || matches!(p.skills, IdSel::List(_)) {
            add_eng(&mut all_totals, &skill_totals);
            per_skill.insert(
                skill,
                json!({"metricsPerAgent": skill_agents, "metricsTotals": eng_json(&skill_totals)}),
            );
        }
    }
    let agents_json: Map<String, Value> = per_agent.iter().map(|(a, v)| (a.clone(), eng_json(v))).collect();
    json!({
        "skillsMetricsPerAgent": {"metricsPerSkill": per_skill, "metricsTotals": eng_json(&all_totals)},
        "agentsMetrics": {"metricsPerAgent": agents_json, "metricsTotals": eng_json(&all_totals)},
    })
}

#[cfg(test)]
mod tests {
    use chrono::Duration as CDuration;

    use super::*;
    use crate::test_support::*;
    use crate::IntervalOrder;

    fn e_fields(v: &EngValues) -> [(&'static str, i64); 5] {
        [
            ("totalInteractiveChats", v.total_interactive_chats),
            ("totalNonInteractiveChats", v.total_non_interactive_chats),
            ("totalHandlingTime", v.total_handling_time),
            ("nonInteractiveTotalHandlingTime", v.non_interactive_total_handling_time),
            ("connectedEngagements", v.connected_engagements),
        ]
    }

    #[tokio::test]
    async fn engactivity_agent_list_totals() {
        let now = at(15, 2, 10);
        let sim = start(Some(now), IntervalOrder::Ascending).await;
        let g = sim.generator().clone();
        let agents: Vec<String> = g.agent_ids().into_iter().take(3).collect();
        let skills = g.skill_ids();
        let (a, s) = (agents.join(","), skills.join(","));
        let v = get_json(
            &sim,
            "engactivity",
            &[
                ("timeframe", "30"),
                ("interval", "5"),
                ("v", "1"),
                ("skillIds", &s),
                ("agentIds", &a),
            ],
        )
        .await;
        let ts_list = timestamps(&v);
        assert_eq!(ts_list.len(), 7);
        assert_eq!(ts_list[0], ts(at(14, 35, 0)));
        let mut seen_agents = 0;
        for k in 1..6 {
            let e = at(14, 35, 0) + CDuration::minutes(5 * k);
            let data = by_ts(&v, e);
            let per_skill = &data["skillsMetricsPerAgent"]["metricsPerSkill"];
            let mut grand = zero_eng();
            for skill in &skills {
                // Every listed skill is present, with list-only totals.
                let entry = &per_skill[skill];
                assert!(entry.is_object(), "{skill} missing at {e}");
                let mut tot = zero_eng();
                for agent in &agents {
                    let got = &entry["metricsPerAgent"][agent];
                    match g.eng_activity(skill, agent, e) {
                        None => assert!(got.is_null()),
                        Some(want) => {
                            seen_agents += 1;
                            for (name, val) in e_fields(&want) {
                                assert_eq!(got[name].as_i64(), Some(val), "{skill}/{agent} {e} {name}");
                            }
                            add_eng(&mut tot, &want);
                        }
                    }
                }
                assert!(entry["metricsPerAgent"].as_object().unwrap().len() <= agents.len());
                for (name, val) in e_fields(&tot) {
                    assert_eq!(entry["metricsTotals"][name].as_i64(), Some(val));
                }
                add_eng(&mut grand, &tot);
            }
            for (name, val) in e_fields(&grand) {
                assert_eq!(data["skillsMetricsPerAgent"]["metricsTotals"][name].as_i64(), Some(val));
                assert_eq!(data["agentsMetrics"]["metricsTotals"][name].as_i64(), Some(val));
            }
        }
        assert!(seen_agents > 0);
        sim.shutdown().await;
    }
}
