//! agentactivity replies: each agent's states (and away reasons) summed over the slots,
//! a partly covered slot scaled with "Logged in" kept the sum of the other states.

use std::sync::Arc;

use super::generator::{sum_times, Generator, StateTimes, StateValues, STATE_LOGGED_IN};
use super::json::{sorted_keys, JsonOut, Num, Stop};
use super::params::DataParams;
use super::reply::MethodData;
use super::slots::{Slot, SLOT_MS};

fn scale_times(t: &StateTimes, slot: &Slot) -> StateTimes {
    let total = slot.scale(t.total);
    let chatting = slot.scale(t.chatting).min(total);
    StateTimes {
        total,
        chatting,
        not_chatting: total - chatting,
        chatting_in_max_concurrency: slot.scale(t.chatting_in_max_concurrency).min(chatting),
    }
}

fn add_times(acc: &mut StateTimes, t: &StateTimes) {
    *acc = sum_times([&*acc, t]);
}

/// Scales one slot's states by its coverage; "Logged in" stays the sum of the others.
pub(super) fn scale_states(states: Vec<StateValues>, slot: &Slot) -> Vec<StateValues> {
    if slot.covered_ms >= SLOT_MS {
        return states;
    }
    let mut out: Vec<StateValues> = states
        .into_iter()
        .map(|s| StateValues {
            value: scale_times(&s.value, slot),
            reasons: s
                .reasons
                .map(|rs| rs.iter().map(|(id, t)| (id.clone(), scale_times(t, slot))).collect()),
            ..s
        })
        .collect();
    let others = sum_times(out.iter().filter(|s| s.id != STATE_LOGGED_IN).map(|s| &s.value));
    for s in out.iter_mut().filter(|s| s.id == STATE_LOGGED_IN) {
        s.value = others.clone();
    }
    out
}

/// Adds `states` into `acc`, state by state (and reason by reason).
pub(super) fn merge_states(acc: &mut Vec<StateValues>, states: Vec<StateValues>) {
    for s in states {
        match acc.iter_mut().find(|a| a.id == s.id) {
            None => acc.push(s),
            Some(a) => {
                add_times(&mut a.value, &s.value);
                if let Some(rs) = s.reasons {
                    let list = a.reasons.get_or_insert_with(Vec::new);
                    for (id, t) in rs {
                        match list.iter_mut().find(|(rid, _)| *rid == id) {
                            Some((_, at)) => add_times(at, &t),
                            None => list.push((id, t)),
                        }
                    }
                }
            }
        }
    }
}

fn write_times(out: &mut JsonOut, t: &StateTimes) {
    out.numbers(&[
        ("chatting", Num::I(t.chatting)),
        ("chattingInMaxConcurrency", Num::I(t.chatting_in_max_concurrency)),
        ("notChatting", Num::I(t.not_chatting)),
        ("total", Num::I(t.total)),
    ]);
}

fn write_state(out: &mut JsonOut, s: &StateValues) {
    out.raw(b"{\"id\":");
    out.int(s.id);
    out.raw(b",\"name\":");
    out.string(&s.name);
    if let Some(rs) = &s.reasons {
        out.raw(b",\"reasons\":[");
        for (n, (id, t)) in rs.iter().enumerate() {
            if n > 0 {
                out.raw(b",");
            }
            out.raw(b"{\"id\":");
            out.string(id);
            out.raw(b",\"value\":");
            write_times(out, t);
            out.raw(b"}");
        }
        out.raw(b"]");
    }
    out.raw(b",\"value\":");
    write_times(out, &s.value);
    out.raw(b"}");
}

/// The agentactivity data of one request.
pub(super) struct AgentData {
    g: Arc<Generator>,
    /// The asked agents in key order: written key, position in the generator.
    agents: Vec<(Vec<u8>, Option<usize>)>,
}

impl AgentData {
    pub fn new(g: Arc<Generator>, p: &DataParams) -> Self {
        let agents = p.agents.resolve(g.agent_ids()).into_iter().map(|a| {
            let pos = g.agent_position(&a);
            (a, pos)
        });
        AgentData {
            agents: sorted_keys(agents),
            g,
        }
    }
}

impl MethodData for AgentData {
    /// Nothing: agentactivity's data has one member, written while computed.
    type Part = ();
    const MEMBERS: &'static [&'static str] = &["agentsMetrics"];

    /// Each agent's states, summed over the slots, written as soon as they are.
    fn compute_writing_first(&self, slots: &[Slot], out: &mut JsonOut) -> Result<(), Stop> {
        out.raw(b"{\"metricsPerAgent\":{");
        let mut first = true;
        for (key, ai) in &self.agents {
            let Some(ai) = *ai else { continue };
            let mut acc: Option<Vec<StateValues>> = None;
            for slot in slots {
                if let Some(states) = self.g.agent_states_at(ai, slot.end) {
                    merge_states(acc.get_or_insert_with(Vec::new), scale_states(states, slot));
                }
            }
            let Some(states) = acc else { continue };
            if !std::mem::take(&mut first) {
                out.raw(b",");
            }
            out.raw(key);
            out.raw(b"[");
            for (m, s) in states.iter().enumerate() {
                if m > 0 {
                    out.raw(b",");
                }
                write_state(out, s);
            }
            out.raw(b"]");
            out.flush_if_full()?;
        }
        out.raw(b"},\"metricsTotals\":[]}");
        Ok(())
    }

    fn write_member(&self, _part: &(), _member: usize, _out: &mut JsonOut) -> Result<(), Stop> {
        unreachable!("agentactivity's data has one member")
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration as CDuration;
    use serde_json::{json, Value};

    use super::*;
    use crate::test_support::*;
    use crate::{IntervalOrder, Method};

    fn assert_states(got: &Value, want: &[StateValues]) {
        let got = got.as_array().unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g["id"].as_i64(), Some(w.id));
            assert_eq!(g["name"].as_str(), Some(w.name.as_str()));
            let t = |v: &Value, s: &StateTimes| {
                assert_eq!(
                    (
                        v["total"].as_i64(),
                        v["chatting"].as_i64(),
                        v["notChatting"].as_i64(),
                        v["chattingInMaxConcurrency"].as_i64()
                    ),
                    (
                        Some(s.total),
                        Some(s.chatting),
                        Some(s.not_chatting),
                        Some(s.chatting_in_max_concurrency)
                    )
                )
            };
            t(&g["value"], &w.value);
            match &w.reasons {
                None => assert!(g.get("reasons").is_none()),
                Some(rs) => {
                    let list = g["reasons"].as_array().unwrap();
                    assert_eq!(list.len(), rs.len());
                    for (gr, (id, times)) in list.iter().zip(rs) {
                        assert_eq!(gr["id"].as_str(), Some(id.as_str()));
                        t(&gr["value"], times);
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn agentactivity_get_and_post() {
        let now = at(11, 31, 0);
        let sim = start(Some(now), IntervalOrder::Ascending).await;
        let g = sim.generator().clone();
        let v = get_json(
            &sim,
            "agentactivity",
            &[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("agentIds", "all")],
        )
        .await;
        assert_eq!(timestamps(&v).len(), 13);
        assert_eq!(v["agentsMetrics"]["metricsTotals"], json!([]));
        let (mut present, mut absent) = (0, 0);
        for k in 1..12 {
            let e = at(10, 35, 0) + CDuration::minutes(5 * k);
            let data = by_ts(&v, e);
            assert_eq!(data["agentsMetrics"]["metricsTotals"], json!([]));
            for agent in g.agent_ids() {
                let got = &data["agentsMetrics"]["metricsPerAgent"][&agent];
                match g.agent_states(&agent, e) {
                    None => {
                        absent += 1;
                        assert!(got.is_null());
                    }
                    Some(states) => {
                        present += 1;
                        assert_states(got, &states);
                    }
                }
            }
        }
        assert!(present > 0 && absent > 0);
        // Newest (10:30-10:35, 1 of 5 minutes): scaled, Logged in still the sum of the others.
        let newest = by_ts(&v, at(11, 35, 0));
        for (_, states) in newest["agentsMetrics"]["metricsPerAgent"].as_object().unwrap() {
            let states = states.as_array().unwrap();
            let total = |logged_in: bool| -> i64 {
                states
                    .iter()
                    .filter(|s| (s["id"].as_i64() == Some(-1)) == logged_in)
                    .map(|s| s["value"]["total"].as_i64().unwrap())
                    .sum()
            };
            assert!(total(true) <= 60);
            assert_eq!(total(true), total(false));
        }

        // POST with a JSON body, signed over the (empty) URL query.
        let agents: Vec<String> = g.agent_ids().into_iter().take(2).collect();
        let list = agents.join(",");
        let url = data_url(&sim, "agentactivity");
        let (_, auth) = sign(sim.credentials(), "POST", &url, &[]);
        let body = json!({"timeframe": "60", "agentIds": list, "interval": "5", "v": "1"});
        let resp = post_json(&url, Some(&auth), &body).await;
        assert_eq!(resp.status(), 200);
        let posted: Value = json_of(resp).await;
        let got = get_json(
            &sim,
            "agentactivity",
            &[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("agentIds", &list)],
        )
        .await;
        assert_eq!(posted, got);
        for item in got["metricsByIntervals"].as_array().unwrap() {
            for key in item["metricsData"]["agentsMetrics"]["metricsPerAgent"]
                .as_object()
                .unwrap()
                .keys()
            {
                assert!(agents.contains(key));
            }
        }
        let last = sim.requests().into_iter().rev().nth(1).unwrap();
        assert_eq!(
            (last.http_method.as_str(), last.method, last.status),
            ("POST", Some(Method::AgentActivity), 200)
        );
        assert!(last.query.contains(&("agentIds".to_string(), list.clone())));
        assert_eq!(last.body, Some(body.to_string()));
        assert_eq!(sim.requests().last().unwrap().body, None, "a GET has no body");

        // agentIds is required.
        let resp = get(
            &sim,
            "agentactivity",
            &[("timeframe", "60"), ("interval", "5"), ("v", "1")],
        )
        .await;
        assert_eq!(resp.status(), 400);
        sim.shutdown().await;
    }
}
