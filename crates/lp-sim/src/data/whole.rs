//! Tests only: the former whole-body builder of the replies (a `serde_json::Value` of the
//! whole reply), kept as the reference the streamed replies are compared with.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::agent::{merge_states, scale_states};
use super::eng::{add_eng, zero_eng};
use super::generator::{hash, EngValues, Generator, StateTimes, StateValues};
use super::params::{DataParams, IdSel};
use super::queue::QStats;
use super::reply::DataSource;
use super::slots::{floor_to, slots_between, Slot, SLOT_MS};
use crate::{IntervalOrder, Method};

/// The reply to a data call at `now`: totals over the timeframe and, with an interval,
/// `metricsByIntervals` (every interval ending after the window start, up to the one in
/// progress) in the configured order.
pub(super) fn reply(src: &DataSource, method: Method, p: &DataParams, now: DateTime<Utc>) -> Value {
    let now_ms = now.timestamp_millis();
    let w = now_ms - p.timeframe * 60_000;
    let all_slots = slots_between(floor_to(w, SLOT_MS), floor_to(now_ms, SLOT_MS) + SLOT_MS, w, now_ms);
    // A messaging account answers the chat methods with intervals but no data.
    let data = |slots: &[Slot]| {
        let slots = if src.chat_data { slots } else { &[] };
        match method {
            Method::QueueHealth => queue_data(&src.generator, p, slots),
            Method::EngActivity => eng_data(&src.generator, p, slots),
            Method::AgentActivity => agent_data(&src.generator, p, slots),
            // The Messaging Operations methods have no former builder.
            _ => Value::Object(Map::new()),
        }
    };
    let mut top = match data(&all_slots) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if let Some(interval) = p.interval {
        let b = interval * 60_000;
        let first = floor_to(w, b) + b;
        let last = floor_to(now_ms, b) + b;
        let mut ends: Vec<i64> = (0..).map(|k| first + k * b).take_while(|e| *e <= last).collect();
        match src.order {
            IntervalOrder::Ascending => {}
            IntervalOrder::Descending => ends.reverse(),
            IntervalOrder::Shuffled => ends.sort_by_key(|e| hash(&[src.seed, *e as u64])),
        }
        let list: Vec<Value> = ends
            .into_iter()
            .map(|e| {
                let slots = slots_between(e - b, e, w, now_ms);
                json!({"timestamp": e, "metricsData": data(&slots)})
            })
            .collect();
        top.insert("metricsByIntervals".into(), Value::Array(list));
    }
    Value::Object(top)
}

fn qstats_json(s: &QStats, current_key: &str) -> Value {
    let ratio = |n: i64, d: i64| if d > 0 { n as f64 / d as f64 } else { 0.0 };
    let avg = |sum: i64, count: i64| {
        if count > 0 {
            json!(sum as f64 / count as f64)
        } else {
            json!(-1)
        }
    };
    let mut m = Map::new();
    m.insert("enteredQEng".into(), json!(s.entered));
    m.insert("connectedEng".into(), json!(s.connected));
    m.insert("abandonedEng".into(), json!(s.abandoned));
    m.insert("totalTimeToAnswer".into(), json!(s.tta));
    m.insert("avgTimeToAnswer".into(), json!(ratio(s.tta, s.connected)));
    m.insert("totalTimeToAbandon".into(), json!(s.tab));
    m.insert("avgTimeToAbandon".into(), json!(ratio(s.tab, s.abandoned)));
    m.insert("abandonmentRate".into(), json!(ratio(s.abandoned, s.entered)));
    m.insert("maxQueueSize".into(), json!(s.max_q));
    m.insert("minQueueSize".into(), json!(s.min_q));
    m.insert("averageQueueSize".into(), avg(s.q_sum, s.q_count));
    m.insert("queueSizeSum".into(), json!(s.q_sum));
    m.insert("queueSizeCount".into(), json!(s.q_count));
    m.insert("maxAvailableSlots".into(), json!(s.max_s));
    m.insert("minAvailableSlots".into(), json!(s.min_s));
    m.insert("averageAvailableSlots".into(), avg(s.s_sum, s.s_count));
    m.insert("availableSlotsSum".into(), json!(s.s_sum));
    m.insert("availableSlotsCount".into(), json!(s.s_count));
    m.insert(current_key.into(), json!(-1));
    m.insert("currentAvailableSlots".into(), json!(-1));
    Value::Object(m)
}

/// queuehealth data over these slots: per skill (unless account level) and totals.
pub(super) fn queue_data(g: &Generator, p: &DataParams, slots: &[Slot]) -> Value {
    let mut per_skill = Map::new();
    let mut totals = QStats::empty();
    for skill in p.skills.resolve(g.skill_ids()) {
        let mut acc: Option<QStats> = None;
        for slot in slots {
            if let Some(v) = g.queue_health(&skill, slot.end) {
                let s = QStats::from_slot(&v, slot);
                match acc.as_mut() {
                    Some(a) => a.merge(&s),
                    None => acc = Some(s),
                }
            }
        }
        if let Some(stats) = acc {
            totals.merge(&stats);
            // Account level (no skillIds): totals only.
            if p.skills != IdSel::Missing {
                let key = match g.skill_position(&skill) {
                    Some(i) if i % 2 == 1 => "currentQueueState",
                    _ => "currentQueueSize",
                };
                per_skill.insert(skill, qstats_json(&stats, key));
            }
        }
    }
    json!({"skillsMetrics": per_skill, "metricsTotals": qstats_json(&totals, "currentQueueSize")})
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

fn times_json(t: &StateTimes) -> Value {
    json!({
        "total": t.total,
        "chatting": t.chatting,
        "notChatting": t.not_chatting,
        "chattingInMaxConcurrency": t.chatting_in_max_concurrency,
    })
}

fn state_json(s: &StateValues) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("name".into(), json!(s.name));
    m.insert("value".into(), times_json(&s.value));
    if let Some(rs) = &s.reasons {
        let list: Vec<Value> = rs
            .iter()
            .map(|(id, t)| json!({"id": id, "value": times_json(t)}))
            .collect();
        m.insert("reasons".into(), Value::Array(list));
    }
    Value::Object(m)
}

/// agentactivity data over these slots: the states of each agent.
pub(super) fn agent_data(g: &Generator, p: &DataParams, slots: &[Slot]) -> Value {
    let mut per_agent = Map::new();
    for agent in p.agents.resolve(g.agent_ids()) {
        let mut acc: Option<Vec<StateValues>> = None;
        for slot in slots {
            if let Some(states) = g.agent_states(&agent, slot.end) {
                merge_states(acc.get_or_insert_with(Vec::new), scale_states(states, slot));
            }
        }
        if let Some(states) = acc {
            per_agent.insert(agent, Value::Array(states.iter().map(state_json).collect()));
        }
    }
    json!({"agentsMetrics": {"metricsPerAgent": per_agent, "metricsTotals": []}})
}
