//! Deterministic synthetic LivePerson data: a pure function of (seed, ids, interval end).

use std::collections::HashMap;

use chrono::{DateTime, Timelike, Utc};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorConfig {
    pub seed: u64,
    pub agents: usize,
    pub skills: usize,
}

/// Queue Health values of one skill for one whole 5-minute interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueHealthValues {
    pub entered_q_eng: i64,
    pub connected_eng: i64,
    pub abandoned_eng: i64,
    pub total_time_to_answer: i64,
    pub total_time_to_abandon: i64,
    /// -1 when `queue_size_count` is 0.
    pub max_queue_size: i64,
    pub queue_size_sum: i64,
    pub queue_size_count: i64,
    /// -1 when `available_slots_count` is 0.
    pub max_available_slots: i64,
    pub available_slots_sum: i64,
    pub available_slots_count: i64,
}

/// Engagement Activity values of one (skill, agent) pair for one whole interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngValues {
    pub total_interactive_chats: i64,
    pub total_non_interactive_chats: i64,
    pub total_handling_time: i64,
    pub non_interactive_total_handling_time: i64,
    pub connected_engagements: i64,
}

/// One agent state (Agent Activity) in one interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateValues {
    pub id: i64,
    pub name: String,
    pub value: StateTimes,
    /// Away reasons: (reason id, times). `None` = key omitted.
    pub reasons: Option<Vec<(String, StateTimes)>>,
}

/// Seconds spent in a state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateTimes {
    pub total: i64,
    pub chatting: i64,
    pub not_chatting: i64,
    pub chatting_in_max_concurrency: i64,
}

/// State ids used by LivePerson Agent Activity.
pub const STATE_LOGGED_IN: i64 = -1;
pub const STATE_ONLINE: i64 = 2;
pub const STATE_BACK_SOON: i64 = 3;
pub const STATE_AWAY: i64 = 4;

const REASON_IDS: [&str; 4] = ["2642559712", "2642559112", "17", "401"];
const AGENT_ID_LENGTHS: [u32; 8] = [3, 1, 10, 2, 4, 10, 1, 7];
const SKILL_ID_LENGTHS: [u32; 6] = [3, 1, 10, 2, 4, 10];

const TAG_AGENT_IDS: u64 = 1;
const TAG_SKILL_IDS: u64 = 2;
const TAG_AGENT_SKILLS: u64 = 3;
const TAG_QUEUE: u64 = 4;
const TAG_ENG: u64 = 5;
const TAG_STATES: u64 = 6;

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a string, to feed ids into the hash.
pub(crate) fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

pub(crate) fn hash(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x005E_ED0F_11FE_u64, |acc, p| splitmix64(acc ^ splitmix64(*p)))
}

/// A small splitmix64 stream seeded from a hash.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(parts: &[u64]) -> Self {
        Rng(hash(parts))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0)
    }
    /// Uniform in 0..n (0 when n <= 0).
    pub(crate) fn below(&mut self, n: i64) -> i64 {
        if n <= 0 {
            return 0;
        }
        (self.next() % n as u64) as i64
    }
    /// Uniform in lo..=hi.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below(hi - lo + 1)
    }
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn slot_of(end: DateTime<Utc>) -> u64 {
    end.timestamp().div_euclid(300) as u64
}

/// Load factor 1..=4 by UTC hour (quiet nights, busy days).
fn load(end: DateTime<Utc>) -> i64 {
    load_of_hour(end.hour())
}

/// Load factor 1..=4 of a UTC hour (0..=23).
pub(crate) fn load_of_hour(hour: u32) -> i64 {
    match hour {
        0..=5 => 1,
        6..=8 | 19..=23 => 2,
        9..=11 | 14..=18 => 4,
        _ => 3,
    }
}

/// Distinct numeric ids of the given digit lengths (cycled), not in sorted order.
fn make_ids(seed: u64, tag: u64, n: usize, lengths: &[u32]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::with_capacity(n);
    for i in 0..n {
        let mut len = lengths[i % lengths.len()];
        let mut attempt = 0u64;
        loop {
            let mut r = Rng::new(&[seed, tag, i as u64, attempt]);
            let mut s = String::with_capacity(len as usize);
            s.push(char::from(b'1' + r.below(9) as u8));
            for _ in 1..len {
                s.push(char::from(b'0' + r.below(10) as u8));
            }
            if !ids.contains(&s) {
                ids.push(s);
                break;
            }
            attempt += 1;
            if attempt.is_multiple_of(20) {
                len += 1;
            }
        }
    }
    let num = |s: &String| s.parse::<u64>().unwrap_or(0);
    if ids.len() > 1 && ids.windows(2).all(|w| num(&w[0]) <= num(&w[1])) {
        ids.reverse();
    }
    ids
}

/// Deterministic synthetic data source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generator {
    seed: u64,
    agents: Vec<String>,
    skills: Vec<String>,
    agent_index: HashMap<String, usize>,
    skill_index: HashMap<String, usize>,
    /// `hash_str` of each id, by position (the replies look values up by position).
    agent_hash: Vec<u64>,
    skill_hash: Vec<u64>,
    /// `works[a][s]`: agent a works skill s.
    works: Vec<Vec<bool>>,
}

impl Generator {
    pub fn new(cfg: GeneratorConfig) -> Self {
        let agents = make_ids(cfg.seed, TAG_AGENT_IDS, cfg.agents, &AGENT_ID_LENGTHS);
        let skills = make_ids(cfg.seed, TAG_SKILL_IDS, cfg.skills, &SKILL_ID_LENGTHS);
        let mut works = Vec::with_capacity(agents.len());
        for (ai, _) in agents.iter().enumerate() {
            let mut row: Vec<bool> = (0..skills.len())
                .map(|si| Rng::new(&[cfg.seed, TAG_AGENT_SKILLS, ai as u64, si as u64]).chance(55))
                .collect();
            if !skills.is_empty() && !row.iter().any(|w| *w) {
                let pick = Rng::new(&[cfg.seed, TAG_AGENT_SKILLS, ai as u64]).below(skills.len() as i64);
                row[pick as usize] = true;
            }
            works.push(row);
        }
        let agent_index = agents.iter().enumerate().map(|(i, a)| (a.clone(), i)).collect();
        let skill_index = skills.iter().enumerate().map(|(i, s)| (s.clone(), i)).collect();
        let agent_hash = agents.iter().map(|a| hash_str(a)).collect();
        let skill_hash = skills.iter().map(|s| hash_str(s)).collect();
        Generator {
            seed: cfg.seed,
            agent_hash,
            skill_hash,
            agents,
            skills,
            agent_index,
            skill_index,
            works,
        }
    }

    pub fn agent_ids(&self) -> Vec<String> {
        self.agents.clone()
    }

    pub fn skill_ids(&self) -> Vec<String> {
        self.skills.clone()
    }

    /// The skills an agent works (in `skill_ids` order); empty for an unknown agent.
    pub fn agent_skills(&self, agent: &str) -> Vec<String> {
        match self.agent_index.get(agent) {
            Some(&ai) => self
                .skills
                .iter()
                .enumerate()
                .filter(|(si, _)| self.works[ai][*si])
                .map(|(_, s)| s.clone())
                .collect(),
            None => Vec::new(),
        }
    }

    /// The seed the generator was made with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Position of an agent in `agent_ids`.
    pub fn agent_position(&self, agent: &str) -> Option<usize> {
        self.agent_index.get(agent).copied()
    }

    /// Position of a skill in `skill_ids` (used for the alternating spelling of currentQueueSize).
    pub fn skill_position(&self, skill: &str) -> Option<usize> {
        self.skill_index.get(skill).copied()
    }

    /// Whether the agent at position `ai` works the skill at `si`.
    pub(crate) fn works(&self, ai: usize, si: usize) -> bool {
        self.works[ai][si]
    }

    pub fn queue_health(&self, skill: &str, end: DateTime<Utc>) -> Option<QueueHealthValues> {
        self.queue_health_at(*self.skill_index.get(skill)?, end)
    }

    /// `queue_health` of the skill at position `si`.
    pub(crate) fn queue_health_at(&self, si: usize, end: DateTime<Utc>) -> Option<QueueHealthValues> {
        let mut r = Rng::new(&[self.seed, TAG_QUEUE, si as u64, self.skill_hash[si], slot_of(end)]);
        if r.chance(8) {
            return None;
        }
        let busy = load(end);
        let entered = if r.chance(25) { 0 } else { r.range(1, 3 * busy) };
        let connected = entered * r.range(55, 100) / 100;
        let abandoned = r.below(entered - connected + 1);
        let total_time_to_answer = (0..connected).map(|_| r.range(3, 180)).sum();
        let total_time_to_abandon = (0..abandoned).map(|_| r.range(10, 280)).sum();
        let (max_queue_size, queue_size_sum, queue_size_count) = if r.chance(30) {
            (-1, 0, 0)
        } else {
            let count = r.range(1, 30);
            let max = r.below(2 * busy + 1);
            let sum = if max == 0 {
                0
            } else {
                max + r.below(max * (count - 1) + 1)
            };
            (max, sum, count)
        };
        let (max_available_slots, available_slots_sum, available_slots_count) = if r.chance(30) {
            (-1, 0, 0)
        } else {
            let count = r.range(1, 30);
            let max = r.range(1, 12);
            let sum = max + r.below(max * (count - 1) + 1);
            (max, sum, count)
        };
        Some(QueueHealthValues {
            entered_q_eng: entered,
            connected_eng: connected,
            abandoned_eng: abandoned,
            total_time_to_answer,
            total_time_to_abandon,
            max_queue_size,
            queue_size_sum,
            queue_size_count,
            max_available_slots,
            available_slots_sum,
            available_slots_count,
        })
    }

    pub fn eng_activity(&self, skill: &str, agent: &str, end: DateTime<Utc>) -> Option<EngValues> {
        let si = *self.skill_index.get(skill)?;
        let ai = *self.agent_index.get(agent)?;
        // A logged-out agent handles nothing.
        if !self.works[ai][si] || !self.logged_in_at(ai, end) {
            return None;
        }
        self.eng_activity_at(si, ai, end)
    }

    /// `eng_activity` of the skill at `si` and the agent at `ai`, for an agent who works
    /// the skill and is logged in (`works`, `logged_in_at`): the caller checked both.
    pub(crate) fn eng_activity_at(&self, si: usize, ai: usize, end: DateTime<Utc>) -> Option<EngValues> {
        let mut r = Rng::new(&[
            self.seed,
            TAG_ENG,
            si as u64,
            ai as u64,
            self.agent_hash[ai],
            slot_of(end),
        ]);
        if r.chance(25) {
            return None;
        }
        let interactive = r.below(4);
        let non_interactive = if r.chance(60) { 0 } else { r.range(1, 2) };
        let total_handling_time = (0..interactive).map(|_| r.range(20, 300)).sum();
        let non_interactive_total_handling_time = (0..non_interactive).map(|_| r.range(5, 120)).sum();
        let connected_engagements = r.below(interactive + 2);
        Some(EngValues {
            total_interactive_chats: interactive,
            total_non_interactive_chats: non_interactive,
            total_handling_time,
            non_interactive_total_handling_time,
            connected_engagements,
        })
    }

    pub fn agent_states(&self, agent: &str, end: DateTime<Utc>) -> Option<Vec<StateValues>> {
        self.agent_states_at(*self.agent_index.get(agent)?, end)
    }

    /// The draws of the agent at `ai` in the slot ending at `end`; the first says logged out.
    fn states_rng(&self, ai: usize, end: DateTime<Utc>) -> Rng {
        Rng::new(&[self.seed, TAG_STATES, ai as u64, self.agent_hash[ai], slot_of(end)])
    }

    /// `agent_states(..).is_some()` of the agent at `ai`, without building the states.
    pub(crate) fn logged_in_at(&self, ai: usize, end: DateTime<Utc>) -> bool {
        !self.states_rng(ai, end).chance(15)
    }

    /// `agent_states` of the agent at position `ai`.
    pub(crate) fn agent_states_at(&self, ai: usize, end: DateTime<Utc>) -> Option<Vec<StateValues>> {
        let mut r = self.states_rng(ai, end);
        if r.chance(15) {
            return None;
        }
        let logged = if r.chance(80) { 300 } else { r.range(30, 300) };
        let extra = if r.chance(10) { r.range(10, 10 + logged / 4) } else { 0 };
        let rest = logged - extra;
        let away = if r.chance(50) { 0 } else { r.below(rest / 2 + 1) };
        let back = if r.chance(60) {
            0
        } else {
            r.below((rest - away) / 3 + 1)
        };
        let online = rest - away - back;

        let online_chat = r.below(online + 1);
        let online_times = StateTimes {
            total: online,
            chatting: online_chat,
            not_chatting: online - online_chat,
            chatting_in_max_concurrency: r.below(online_chat + 1),
        };
        let idle_times = |r: &mut Rng, total: i64| {
            let chatting = if r.chance(20) { r.below(total / 4 + 1) } else { 0 };
            StateTimes {
                total,
                chatting,
                not_chatting: total - chatting,
                chatting_in_max_concurrency: 0,
            }
        };
        let back_times = idle_times(&mut r, back);
        let away_times = idle_times(&mut r, away);

        let mut states = vec![StateValues {
            id: STATE_ONLINE,
            name: "Online".into(),
            value: online_times,
            reasons: None,
        }];
        if back > 0 || r.chance(50) {
            let name = if r.chance(50) { "Back soon" } else { "Back in 5" };
            states.push(StateValues {
                id: STATE_BACK_SOON,
                name: name.into(),
                value: back_times,
                reasons: None,
            });
        }
        if away > 0 || r.chance(50) {
            let reasons = match r.below(10) {
                0..=2 => None,
                3..=4 => Some(Vec::new()),
                n => {
                    let count = if n < 8 { 1 } else { 2 };
                    let first = r.below(REASON_IDS.len() as i64) as usize;
                    let mut left = away;
                    let mut list = Vec::new();
                    for k in 0..count {
                        let total = r.below(left + 1);
                        left -= total;
                        list.push((
                            REASON_IDS[(first + k) % REASON_IDS.len()].to_string(),
                            StateTimes {
                                total,
                                chatting: 0,
                                not_chatting: total,
                                chatting_in_max_concurrency: 0,
                            },
                        ));
                    }
                    Some(list)
                }
            };
            states.push(StateValues {
                id: STATE_AWAY,
                name: "Away".into(),
                value: away_times,
                reasons,
            });
        }
        if extra > 0 {
            let (id, name) = if r.chance(50) { (5, "Occupied") } else { (6, "Training") };
            let pos = r.below(states.len() as i64 + 1) as usize;
            states.insert(
                pos,
                StateValues {
                    id,
                    name: name.into(),
                    value: StateTimes {
                        total: extra,
                        chatting: 0,
                        not_chatting: extra,
                        chatting_in_max_concurrency: 0,
                    },
                    reasons: None,
                },
            );
        }
        let logged_in = StateValues {
            id: STATE_LOGGED_IN,
            name: if r.chance(50) { "Logged in" } else { "Logged In" }.into(),
            value: sum_times(states.iter().map(|s| &s.value)),
            reasons: None,
        };
        if r.chance(50) {
            states.push(logged_in);
        } else {
            states.insert(0, logged_in);
        }
        Some(states)
    }
}

/// Field-wise sum of state times.
pub fn sum_times<'a>(it: impl IntoIterator<Item = &'a StateTimes>) -> StateTimes {
    it.into_iter().fold(StateTimes::default(), |acc, t| StateTimes {
        total: acc.total + t.total,
        chatting: acc.chatting + t.chatting,
        not_chatting: acc.not_chatting + t.not_chatting,
        chatting_in_max_concurrency: acc.chatting_in_max_concurrency + t.chatting_in_max_concurrency,
    })
}

#[cfg(test)]
mod tests;
