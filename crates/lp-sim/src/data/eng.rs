//! engactivity replies: per skill and agent, per agent, and totals of the listed agents.

use std::sync::Arc;

use super::generator::{EngValues, Generator};
use super::json::{sorted_keys, JsonOut, Num, Stop};
use super::params::{DataParams, IdSel};
use super::per_skill::{self, PerSkill, SkillPart};
use super::reply::MethodData;
use super::slots::Slot;

pub(super) fn add_eng(acc: &mut EngValues, v: &EngValues) {
    acc.total_interactive_chats += v.total_interactive_chats;
    acc.total_non_interactive_chats += v.total_non_interactive_chats;
    acc.total_handling_time += v.total_handling_time;
    acc.non_interactive_total_handling_time += v.non_interactive_total_handling_time;
    acc.connected_engagements += v.connected_engagements;
}

pub(super) fn zero_eng() -> EngValues {
    EngValues {
        total_interactive_chats: 0,
        total_non_interactive_chats: 0,
        total_handling_time: 0,
        non_interactive_total_handling_time: 0,
        connected_engagements: 0,
    }
}

/// One slot's values scaled by its coverage.
pub(super) fn scale_eng(v: &EngValues, slot: &Slot) -> EngValues {
    EngValues {
        total_interactive_chats: slot.scale(v.total_interactive_chats),
        total_non_interactive_chats: slot.scale(v.total_non_interactive_chats),
        total_handling_time: slot.scale(v.total_handling_time),
        non_interactive_total_handling_time: slot.scale(v.non_interactive_total_handling_time),
        connected_engagements: slot.scale(v.connected_engagements),
    }
}

fn write_eng(out: &mut JsonOut, v: &EngValues) {
    out.numbers(&[
        ("connectedEngagements", Num::I(v.connected_engagements)),
        (
            "nonInteractiveTotalHandlingTime",
            Num::I(v.non_interactive_total_handling_time),
        ),
        ("totalHandlingTime", Num::I(v.total_handling_time)),
        ("totalInteractiveChats", Num::I(v.total_interactive_chats)),
        ("totalNonInteractiveChats", Num::I(v.total_non_interactive_chats)),
    ]);
}

/// The engactivity data of one request.
pub(super) struct EngData {
    g: Arc<Generator>,
    /// The asked agents and skills in key order: written key, position in the generator.
    agents: Vec<(Vec<u8>, Option<usize>)>,
    skills: Vec<(Vec<u8>, Option<usize>)>,
    /// A listed skill is reported even without data.
    skills_listed: bool,
}

pub(super) type EngPart = PerSkill<EngValues>;

impl EngData {
    pub fn new(g: Arc<Generator>, p: &DataParams) -> Self {
        let agents = p.agents.resolve(g.agent_ids()).into_iter().map(|a| {
            let pos = g.agent_position(&a);
            (a, pos)
        });
        let skills = p.skills.resolve(g.skill_ids()).into_iter().map(|s| {
            let pos = g.skill_position(&s);
            (s, pos)
        });
        EngData {
            agents: sorted_keys(agents),
            skills: sorted_keys(skills),
            skills_listed: matches!(p.skills, IdSel::List(_)),
            g,
        }
    }

    /// The data over `slots`, agent by agent (in key order): `agent_done` gets each agent
    /// with data and its values summed over the skills as soon as they are known.
    fn compute(
        &self,
        slots: &[Slot],
        mut agent_done: impl FnMut(usize, &EngValues) -> Result<(), Stop>,
    ) -> Result<EngPart, Stop> {
        let g = &self.g;
        let mut per_skill: Vec<(EngValues, Vec<(usize, EngValues)>)> =
            vec![(zero_eng(), Vec::new()); self.skills.len()];
        let mut logged_in = Vec::with_capacity(slots.len());
        for (j, (_, ai)) in self.agents.iter().enumerate() {
            let Some(ai) = *ai else { continue };
            // A logged-out agent handles nothing.
            logged_in.clear();
            logged_in.extend(slots.iter().map(|s| g.logged_in_at(ai, s.end)));
            let mut agent_totals: Option<EngValues> = None;
            for ((_, si), (skill_totals, with_data)) in self.skills.iter().zip(&mut per_skill) {
                let Some(si) = *si else { continue };
                if !g.works(ai, si) {
                    continue;
                }
                let mut acc: Option<EngValues> = None;
                for (slot, _) in slots.iter().zip(&logged_in).filter(|(_, logged)| **logged) {
                    if let Some(v) = g.eng_activity_at(si, ai, slot.end) {
                        add_eng(acc.get_or_insert_with(zero_eng), &scale_eng(&v, slot));
                    }
                }
                if let Some(v) = acc {
                    add_eng(skill_totals, &v);
                    add_eng(agent_totals.get_or_insert_with(zero_eng), &v);
                    with_data.push((j, v));
                }
            }
            if let Some(t) = &agent_totals {
                agent_done(j, t)?;
            }
        }
        let mut part = EngPart {
            skills: Vec::new(),
            totals: zero_eng(),
        };
        for (skill, (totals, agents)) in per_skill.into_iter().enumerate() {
            // A listed skill is reported even without data.
            if !agents.is_empty() || self.skills_listed {
                add_eng(&mut part.totals, &totals);
                part.skills.push(SkillPart { skill, totals, agents });
            }
        }
        Ok(part)
    }
}

impl MethodData for EngData {
    type Part = EngPart;
    const MEMBERS: &'static [&'static str] = &["agentsMetrics", "skillsMetricsPerAgent"];

    /// agentsMetrics: each agent written as soon as its sums are known.
    fn compute_writing_first(&self, slots: &[Slot], out: &mut JsonOut) -> Result<EngPart, Stop> {
        out.raw(b"{\"metricsPerAgent\":{");
        let mut first = true;
        let part = self.compute(slots, |j, v| {
            if !std::mem::take(&mut first) {
                out.raw(b",");
            }
            out.raw(&self.agents[j].0);
            write_eng(out, v);
            out.flush_if_full()
        })?;
        out.raw(b"},\"metricsTotals\":");
        write_eng(out, &part.totals);
        out.raw(b"}");
        Ok(part)
    }

    /// skillsMetricsPerAgent.
    fn write_member(&self, part: &EngPart, _member: usize, out: &mut JsonOut) -> Result<(), Stop> {
        per_skill::write(part, &self.skills, &self.agents, write_eng, out)
    }
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
