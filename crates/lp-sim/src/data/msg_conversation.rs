//! Messaging Operations `msgconversation` (v=1): resolved conversations and their handling
//! time per skill and agent, per 5-minute slot, from the same [`Generator`]; written with
//! the engactivity shape (`skillsMetricsPerAgent`, `agentsMetrics`), interval by interval.
//!
//! A skill's `metricsTotals` is the whole queue (every agent of the account, asked or not);
//! `agentsMetrics` covers the asked agents over the asked skills.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::generator::{Generator, Rng};
use super::json::{sorted_keys, JsonOut, Num, Stop};
use super::params::DataParams;
use super::per_skill::{self, PerSkill, SkillPart};
use super::reply::MethodData;
use super::slots::Slot;

const TAG_MSG_CONV: u64 = 33;

/// One agent's resolved conversations in one skill and 5-minute bucket (handling times in
/// seconds). The reply's totals are the sums of the by-parts; a client must not rely on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConvFigures {
    /// `resolvedConversations_byCCP` (closed by the agent).
    pub by_ccp: i64,
    pub by_consumer: i64,
    /// Closed by the system (timeout).
    pub by_system: i64,
    /// `totalHandlingTime_resolvedConversations_byCCP`, s.
    pub time_by_ccp: i64,
    pub time_by_consumer: i64,
    pub time_by_system: i64,
}

impl ConvFigures {
    /// `totalResolvedConversations`.
    pub fn total(&self) -> i64 {
        self.by_ccp + self.by_consumer + self.by_system
    }

    /// `totalHandlingTime_resolvedConversations`, s.
    pub fn total_time(&self) -> i64 {
        self.time_by_ccp + self.time_by_consumer + self.time_by_system
    }

    pub fn add(&mut self, o: &ConvFigures) {
        self.by_ccp += o.by_ccp;
        self.by_consumer += o.by_consumer;
        self.by_system += o.by_system;
        self.time_by_ccp += o.time_by_ccp;
        self.time_by_consumer += o.time_by_consumer;
        self.time_by_system += o.time_by_system;
    }

    /// A slot's figures scaled by its coverage (the oldest and the in-progress bucket).
    fn scaled(&self, slot: &Slot) -> ConvFigures {
        ConvFigures {
            by_ccp: slot.scale(self.by_ccp),
            by_consumer: slot.scale(self.by_consumer),
            by_system: slot.scale(self.by_system),
            time_by_ccp: slot.scale(self.time_by_ccp),
            time_by_consumer: slot.scale(self.time_by_consumer),
            time_by_system: slot.scale(self.time_by_system),
        }
    }
}

impl Generator {
    /// An agent's figures in a skill for the whole 5-minute bucket ending at `bucket_end`:
    /// `None` when the agent has no data there (left out of the reply), the agent does not
    /// work the skill, or an id is unknown. Some records are all zeros.
    pub fn msg_conversation(&self, skill: &str, agent: &str, bucket_end: DateTime<Utc>) -> Option<ConvFigures> {
        self.msg_conversation_at(self.skill_position(skill)?, self.agent_position(agent)?, bucket_end)
    }

    /// A skill's whole-queue figures (every agent) for the bucket ending at `bucket_end`:
    /// the skill's `metricsTotals`; `None` when no agent has data (the skill is left out).
    pub fn msg_conversation_skill(&self, skill: &str, bucket_end: DateTime<Utc>) -> Option<ConvFigures> {
        let si = self.skill_position(skill)?;
        let mut acc: Option<ConvFigures> = None;
        let agents = self.agent_ids().len();
        for ai in 0..agents {
            if let Some(f) = self.msg_conversation_at(si, ai, bucket_end) {
                acc.get_or_insert_with(ConvFigures::default).add(&f);
            }
        }
        acc
    }

    pub(crate) fn msg_conversation_at(&self, si: usize, ai: usize, end: DateTime<Utc>) -> Option<ConvFigures> {
        if !self.works(ai, si) {
            return None;
        }
        let slot = end.timestamp().div_euclid(300) as u64;
        let mut r = Rng::new(&[self.seed(), TAG_MSG_CONV, si as u64, ai as u64, slot]);
        if r.chance(45) {
            return None;
        }
        let (by_ccp, by_consumer, by_system) = (r.below(3), r.below(2), i64::from(r.chance(20)));
        if by_ccp + by_consumer + by_system == 0 && r.chance(50) {
            return None;
        }
        let mut time = |n: i64| (0..n).map(|_| r.range(30, 1800)).sum::<i64>();
        Some(ConvFigures {
            by_ccp,
            by_consumer,
            by_system,
            time_by_ccp: time(by_ccp),
            time_by_consumer: time(by_consumer),
            time_by_system: time(by_system),
        })
    }
}

/// The members of a figures object, in key order: averages are floats (0 without
/// conversations, as LivePerson writes them).
fn write_conv(out: &mut JsonOut, f: &ConvFigures) {
    let avg = |time: i64, n: i64| {
        if n > 0 {
            Num::F(time as f64 / n as f64)
        } else {
            Num::I(0)
        }
    };
    out.numbers(&[
        ("avgTime_resolvedConversations", avg(f.total_time(), f.total())),
        ("avgTime_resolvedConversations_byCCP", avg(f.time_by_ccp, f.by_ccp)),
        (
            "avgTime_resolvedConversations_byConsumer",
            avg(f.time_by_consumer, f.by_consumer),
        ),
        (
            "avgTime_resolvedConversations_bySystem",
            avg(f.time_by_system, f.by_system),
        ),
        ("resolvedConversations_byCCP", Num::I(f.by_ccp)),
        ("resolvedConversations_byConsumer", Num::I(f.by_consumer)),
        ("resolvedConversations_bySystem", Num::I(f.by_system)),
        ("totalHandlingTime_resolvedConversations", Num::I(f.total_time())),
        ("totalHandlingTime_resolvedConversations_byCCP", Num::I(f.time_by_ccp)),
        (
            "totalHandlingTime_resolvedConversations_byConsumer",
            Num::I(f.time_by_consumer),
        ),
        (
            "totalHandlingTime_resolvedConversations_bySystem",
            Num::I(f.time_by_system),
        ),
        ("totalResolvedConversations", Num::I(f.total())),
    ]);
}

/// The msgconversation data of one request.
pub(super) struct ConvData {
    g: Arc<Generator>,
    /// The asked agents and skills in key order: written key, position in the generator.
    agents: Vec<(Vec<u8>, Option<usize>)>,
    skills: Vec<(Vec<u8>, Option<usize>)>,
    /// The account's agents not asked for: they count in the skills' whole-queue totals only.
    others: Vec<usize>,
}

pub(super) type ConvPart = PerSkill<ConvFigures>;

/// A skill's whole-queue totals (if any agent has data) and its asked agents with data.
type SkillAcc = (Option<ConvFigures>, Vec<(usize, ConvFigures)>);

impl ConvData {
    pub fn new(g: Arc<Generator>, p: &DataParams) -> Self {
        let agents = sorted_keys(p.agents.resolve(g.agent_ids()).into_iter().map(|a| {
            let pos = g.agent_position(&a);
            (a, pos)
        }));
        let asked: std::collections::HashSet<usize> = agents.iter().filter_map(|(_, p)| *p).collect();
        let others = (0..g.agent_ids().len()).filter(|ai| !asked.contains(ai)).collect();
        let skills = sorted_keys(p.skills.resolve(g.skill_ids()).into_iter().map(|s| {
            let pos = g.skill_position(&s);
            (s, pos)
        }));
        ConvData {
            g,
            agents,
            skills,
            others,
        }
    }

    /// One agent's figures in skill `si` over `slots`, `None` without data.
    fn over(&self, si: usize, ai: usize, slots: &[Slot]) -> Option<ConvFigures> {
        let mut acc: Option<ConvFigures> = None;
        for slot in slots {
            if let Some(f) = self.g.msg_conversation_at(si, ai, slot.end) {
                acc.get_or_insert_with(ConvFigures::default).add(&f.scaled(slot));
            }
        }
        acc
    }

    /// The data over `slots`, asked agent by asked agent (key order): `agent_done` gets each
    /// agent with data and its figures over the asked skills as soon as they are known.
    fn compute(
        &self,
        slots: &[Slot],
        mut agent_done: impl FnMut(usize, &ConvFigures) -> Result<(), Stop>,
    ) -> Result<ConvPart, Stop> {
        let mut per_skill: Vec<SkillAcc> = vec![(None, Vec::new()); self.skills.len()];
        for (j, (_, ai)) in self.agents.iter().enumerate() {
            let Some(ai) = *ai else { continue };
            let mut agent_totals: Option<ConvFigures> = None;
            for ((_, si), (skill_totals, with_data)) in self.skills.iter().zip(&mut per_skill) {
                let Some(f) = si.and_then(|si| self.over(si, ai, slots)) else {
                    continue;
                };
                skill_totals.get_or_insert_with(ConvFigures::default).add(&f);
                agent_totals.get_or_insert_with(ConvFigures::default).add(&f);
                with_data.push((j, f));
            }
            if let Some(t) = &agent_totals {
                agent_done(j, t)?;
            }
        }
        for &ai in &self.others {
            for ((_, si), (skill_totals, _)) in self.skills.iter().zip(&mut per_skill) {
                if let Some(f) = si.and_then(|si| self.over(si, ai, slots)) {
                    skill_totals.get_or_insert_with(ConvFigures::default).add(&f);
                }
            }
        }
        let mut part = ConvPart {
            skills: Vec::new(),
            totals: ConvFigures::default(),
        };
        for (skill, (totals, agents)) in per_skill.into_iter().enumerate() {
            // A skill without data in the whole queue is left out, listed or not.
            if let Some(totals) = totals {
                part.totals.add(&totals);
                part.skills.push(SkillPart { skill, totals, agents });
            }
        }
        Ok(part)
    }
}

impl MethodData for ConvData {
    type Part = ConvPart;
    const MEMBERS: &'static [&'static str] = &["agentsMetrics", "skillsMetricsPerAgent"];

    /// agentsMetrics: each asked agent written as soon as its sums are known.
    fn compute_writing_first(&self, slots: &[Slot], out: &mut JsonOut) -> Result<ConvPart, Stop> {
        out.raw(b"{\"metricsPerAgent\":{");
        let mut first = true;
        let mut totals = ConvFigures::default();
        let part = self.compute(slots, |j, f| {
            if !std::mem::take(&mut first) {
                out.raw(b",");
            }
            totals.add(f);
            out.raw(&self.agents[j].0);
            write_conv(out, f);
            out.flush_if_full()
        })?;
        out.raw(b"},\"metricsTotals\":");
        write_conv(out, &totals);
        out.raw(b"}");
        Ok(part)
    }

    /// skillsMetricsPerAgent.
    fn write_member(&self, part: &ConvPart, _member: usize, out: &mut JsonOut) -> Result<(), Stop> {
        per_skill::write(part, &self.skills, &self.agents, write_conv, out)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use chrono::TimeZone;

    use super::*;
    use crate::data::json::{JsonOut, CHUNK};
    use crate::data::DataSource;
    use crate::{GeneratorConfig, IntervalOrder, Method};

    #[test]
    fn a_large_reply_sends_its_first_chunk_without_computing_the_rest() {
        let src = DataSource::new(
            GeneratorConfig {
                seed: 7,
                agents: 2000,
                skills: 100,
            },
            IntervalOrder::Ascending,
            false,
        );
        let q: Vec<(String, String)> = [
            ("v", "1"),
            ("timeframe", "1440"),
            ("interval", "5"),
            ("skillIds", "all"),
            ("agentIds", "all"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let p = DataParams::parse(&q, Method::MsgConversation).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 18, 7, 0).unwrap();
        let reply = src.reply(Method::MsgConversation, &p, now);
        let t0 = Instant::now();
        let mut first: Option<Vec<u8>> = None;
        let mut emit = |c: Vec<u8>| {
            first = Some(c);
            Err(Stop)
        };
        let mut out = JsonOut::new(&mut emit);
        assert_eq!(reply.write(&mut out), Err(Stop));
        let first = first.expect("a chunk was handed on");
        assert!(first.len() >= CHUNK && first.len() < 2 * CHUNK);
        assert!(first.starts_with(b"{\"agentsMetrics\":{\"metricsPerAgent\":{\""));
        assert!(t0.elapsed() < Duration::from_secs(60), "{:?}", t0.elapsed());
    }

    #[test]
    fn skill_totals_are_the_whole_queue_and_records_add_up() {
        let g = Generator::new(GeneratorConfig {
            seed: 42,
            agents: 12,
            skills: 5,
        });
        let start = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        let (mut zero, mut some, mut absent) = (0, 0, 0);
        for k in 1..=288 {
            let end = start + chrono::Duration::minutes(5 * k);
            for s in g.skill_ids() {
                let mut whole: Option<ConvFigures> = None;
                for a in g.agent_ids() {
                    match g.msg_conversation(&s, &a, end) {
                        None => absent += 1,
                        Some(f) => {
                            if f.total() == 0 {
                                zero += 1;
                                assert_eq!(f.total_time(), 0);
                            } else {
                                some += 1;
                                assert!(f.total_time() >= 30 * f.total());
                            }
                            whole.get_or_insert_with(ConvFigures::default).add(&f);
                        }
                    }
                }
                assert_eq!(g.msg_conversation_skill(&s, end), whole);
            }
        }
        assert!(zero > 0 && some > 0 && absent > 0);
        assert_eq!(g.msg_conversation("nope", &g.agent_ids()[0], start), None);
    }
}
