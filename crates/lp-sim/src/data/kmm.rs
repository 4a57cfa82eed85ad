//! Key Messaging Metrics data: what the `metrics` (per skill) and `agent_view` (per agent)
//! methods report over a window [from, to), from the same [`Generator`] (seed, agent and
//! skill ids) as the chat methods.
//!
//! Time is cut into 15-minute blocks (aligned to quarters of the epoch). Each block of a skill
//! is a deterministic list of conversations, each closed at some millisecond of the block;
//! each block of an agent is a deterministic timeline of status segments (ONLINE, BACK_SOON,
//! AWAY, with reasons; logged out in the gaps) and of the moments the agent closed a
//! conversation. A window's figures are what falls inside it, so any window can be asked
//! and the figures add up across windows: a quarter costs one block per skill or agent.

use chrono::{DateTime, Utc};

use super::generator::{hash, hash_str, load_of_hour, Generator, Rng};
pub use super::kmm_figures::*;
pub use super::kmm_moves::KmmMoves;

/// Length of the blocks the data is generated in (one quarter).
pub const KMM_BLOCK_MS: i64 = 15 * 60_000;

/// The reason id of status time without a reason.
pub const KMM_NO_REASON: &str = "NA";

/// Away reasons (numeric strings, deliberately neither in numeric nor in text order).
const AWAY_REASONS: [&str; 4] = ["17", "3", "120", "2642559712"];
/// The one Back Soon reason.
const BACK_SOON_REASON: &str = "8";

const SKILL_NAMES: [&str; 12] = [
    "Billing",
    "Sales",
    "Support",
    "Retention",
    "Onboarding",
    "Claims",
    "Returns",
    "Loyalty",
    "Tech",
    "VIP",
    "Orders",
    "Delivery",
];
const AGENT_GROUPS: [i64; 3] = [1_000_001, 1_000_002, 2_871_234_563];

const TAG_KMM_SKILL: u64 = 21;
const TAG_KMM_AGENT: u64 = 22;
const TAG_KMM_NO_DATA: u64 = 23;
const TAG_KMM_GROUP: u64 = 24;

/// A status segment of an agent's block, [start, end) in epoch ms.
pub(super) struct Seg {
    pub(super) start: i64,
    pub(super) end: i64,
    status: KmmStatus,
    /// For AWAY and BACK_SOON.
    reason: &'static str,
}

/// An agent's block: logged-in segments (in time order; gaps are OFFLINE) and close times.
pub(super) struct AgentBlock {
    pub(super) segs: Vec<Seg>,
    pub(super) closes: Vec<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Closer {
    Agent,
    Consumer,
    Auto,
}

/// A conversation closed in a skill's block.
struct Conv {
    at: i64,
    closer: Closer,
    /// Per average (in [`KmmSkill::averages`] order): this conversation's value in ms, if it
    /// contributes.
    times: [Option<i64>; 4],
}

/// A UTC hour's load factor 1..=4 (the chat data's day shape).
fn load_at(ms: i64) -> i64 {
    load_of_hour(ms.div_euclid(3_600_000).rem_euclid(24) as u32)
}

/// The blocks a non-empty window [from, to) touches.
fn blocks(from: i64, to: i64) -> impl Iterator<Item = i64> {
    from.div_euclid(KMM_BLOCK_MS)..=(to - 1).div_euclid(KMM_BLOCK_MS)
}

/// A millisecond value in [lo, hi) (hi > lo): whole seconds, whole seconds and a half, or
/// any millisecond, by `style` 0, 1, 2.
fn styled_ms(r: &mut Rng, style: i64, lo: i64, hi: i64) -> i64 {
    let secs = r.range(lo / 1000, (hi - 1) / 1000);
    let frac = match style {
        0 => 0,
        1 => 500,
        _ => r.below(1000),
    };
    (secs * 1000 + frac).clamp(lo, hi - 1)
}

fn overlap(a: i64, b: i64, from: i64, to: i64) -> i64 {
    (b.min(to) - a.max(from)).max(0)
}

impl Generator {
    /// The skill's `keyDescription`; `None` for an unknown skill.
    pub fn kmm_skill_name(&self, skill: &str) -> Option<String> {
        let si = self.skill_position(skill)?;
        let n = SKILL_NAMES.len();
        Some(if si < n {
            SKILL_NAMES[si].to_string()
        } else {
            format!("{} {}", SKILL_NAMES[si % n], si / n + 1)
        })
    }

    /// The agent's `agentGroupId`; `None` for an unknown agent.
    pub fn kmm_agent_group(&self, agent: &str) -> Option<i64> {
        let ai = self.agent_position(agent)?;
        let mut r = Rng::new(&[self.seed(), TAG_KMM_GROUP, ai as u64, hash_str(agent)]);
        Some(if r.chance(30) {
            -1
        } else {
            AGENT_GROUPS[r.below(AGENT_GROUPS.len() as i64) as usize]
        })
    }

    /// The `metrics` group of a skill over [from_ms, to_ms): `None` when no conversation of
    /// the skill closed in the window (the group is absent), or for an unknown skill or an
    /// empty window.
    pub fn kmm_skill(&self, skill: &str, from_ms: i64, to_ms: i64) -> Option<KmmSkill> {
        let si = self.skill_position(skill)?;
        if to_ms <= from_ms {
            return None;
        }
        let (mut by_agent, mut by_consumer, mut auto) = (0, 0, 0);
        let mut sums = [(0i64, 0i64); 4];
        for b in blocks(from_ms, to_ms) {
            for c in self.skill_block(si, skill, b) {
                if c.at < from_ms || c.at >= to_ms {
                    continue;
                }
                match c.closer {
                    Closer::Agent => by_agent += 1,
                    Closer::Consumer => by_consumer += 1,
                    Closer::Auto => auto += 1,
                }
                for (sum, t) in sums.iter_mut().zip(c.times) {
                    if let Some(t) = t {
                        sum.0 += t;
                        sum.1 += 1;
                    }
                }
            }
        }
        let closed = by_agent + by_consumer + auto;
        if closed == 0 {
            return None;
        }
        let avg = |i: usize| {
            let (sum, n) = sums[i];
            if n > 0 {
                return KmmAvg::Ms(sum as f64 / n as f64);
            }
            let h = hash(&[
                self.seed(),
                TAG_KMM_NO_DATA,
                si as u64,
                from_ms as u64,
                to_ms as u64,
                i as u64,
            ]);
            match h % 3 {
                0 => KmmAvg::Null,
                1 => KmmAvg::Absent,
                _ => KmmAvg::Negative,
            }
        };
        Some(KmmSkill {
            skill_id: skill.to_string(),
            name: self.kmm_skill_name(skill)?,
            closed_conversations: closed,
            closed_by_agent: by_agent,
            closed_by_consumer: by_consumer,
            auto_closed: auto,
            avg_wait_time: avg(0),
            avg_wait_time_first_response: avg(1),
            avg_time_to_response: avg(2),
            avg_time_to_first_response_first_assignment: avg(3),
        })
    }

    /// The `agent_view` record of an agent over [from_ms, to_ms), whatever the agent's status
    /// now: `None` when the agent was not logged in during the window, or for an unknown
    /// agent or an empty window.
    pub fn kmm_agent(&self, agent: &str, from_ms: i64, to_ms: i64) -> Option<KmmAgent> {
        let ai = self.agent_position(agent)?;
        if to_ms <= from_ms {
            return None;
        }
        let mut by_status = [0i64; 3];
        let mut reasons: Vec<KmmReasonDuration> = Vec::new();
        let mut closed = 0;
        for b in blocks(from_ms, to_ms) {
            let block = self.agent_block(ai, agent, b);
            for s in &block.segs {
                let d = overlap(s.start, s.end, from_ms, to_ms);
                if d == 0 {
                    continue;
                }
                by_status[s.status as usize] += d;
                if s.status == KmmStatus::Online {
                    continue;
                }
                match reasons
                    .iter_mut()
                    .find(|r| r.status == s.status && r.reason_id == s.reason)
                {
                    Some(r) => r.duration += d,
                    None => reasons.push(KmmReasonDuration {
                        status: s.status,
                        reason_id: s.reason.to_string(),
                        duration: d,
                    }),
                }
            }
            closed += block.closes.iter().filter(|t| (from_ms..to_ms).contains(*t)).count() as i64;
        }
        let login: i64 = by_status.iter().sum();
        if login == 0 {
            return None;
        }
        let status_durations = [KmmStatus::Online, KmmStatus::BackSoon, KmmStatus::Away]
            .into_iter()
            .zip(by_status)
            .filter(|(_, d)| *d > 0)
            .map(|(status, duration)| KmmStatusDuration { status, duration })
            .collect();
        Some(KmmAgent {
            agent_id: agent.to_string(),
            agent_group_id: self.kmm_agent_group(agent)?,
            login_duration: login,
            online_duration: by_status[0],
            closed_conversations: closed,
            status_durations,
            reason_durations: reasons,
            moves: self.kmm_moves(ai, agent, from_ms, to_ms),
        })
    }

    /// The agent's status at `at_ms` (OFFLINE when logged out); `None` for an unknown agent.
    pub fn kmm_agent_status(&self, agent: &str, at_ms: i64) -> Option<KmmStatus> {
        let ai = self.agent_position(agent)?;
        let block = self.agent_block(ai, agent, at_ms.div_euclid(KMM_BLOCK_MS));
        Some(
            block
                .segs
                .iter()
                .find(|s| (s.start..s.end).contains(&at_ms))
                .map_or(KmmStatus::Offline, |s| s.status),
        )
    }

    /// The agent is logged out at `now`: `agent_view` leaves it out unless
    /// `effectiveAgentStatus` includes `OFFLINE`. `false` for an unknown agent.
    pub fn kmm_agent_offline_now(&self, agent: &str, now: DateTime<Utc>) -> bool {
        self.kmm_agent_status(agent, now.timestamp_millis()) == Some(KmmStatus::Offline)
    }

    /// The conversations of skill `si` closed in block `b`.
    fn skill_block(&self, si: usize, skill: &str, b: i64) -> Vec<Conv> {
        let mut r = Rng::new(&[self.seed(), TAG_KMM_SKILL, si as u64, hash_str(skill), b as u64]);
        if r.chance(25) {
            return Vec::new();
        }
        let start = b * KMM_BLOCK_MS;
        let n = r.range(1, 3 * load_at(start));
        (0..n)
            .map(|_| {
                let at = start + r.below(KMM_BLOCK_MS);
                let closer = match r.below(100) {
                    0..=59 => Closer::Agent,
                    60..=84 => Closer::Consumer,
                    _ => Closer::Auto,
                };
                let style = r.below(3);
                // (percent contributing, shortest s, longest s) per average.
                let shapes = [(85, 2, 180), (80, 5, 300), (80, 3, 120), (70, 5, 240)];
                let mut times = [None; 4];
                for (t, (pct, lo, hi)) in times.iter_mut().zip(shapes) {
                    if r.chance(pct) {
                        *t = Some(styled_ms(&mut r, style, lo * 1000, hi * 1000 + 1));
                    }
                }
                Conv { at, closer, times }
            })
            .collect()
    }

    /// Agent `ai`'s timeline in block `b`: 20% of blocks logged out throughout; otherwise
    /// logged in from the start (or a late login) to the end (or an early logout), in 1 to 5
    /// status segments.
    pub(super) fn agent_block(&self, ai: usize, agent: &str, b: i64) -> AgentBlock {
        let mut r = Rng::new(&[self.seed(), TAG_KMM_AGENT, ai as u64, hash_str(agent), b as u64]);
        let start = b * KMM_BLOCK_MS;
        if r.chance(20) {
            return AgentBlock {
                segs: Vec::new(),
                closes: Vec::new(),
            };
        }
        let style = |r: &mut Rng| r.below(3);
        let lo = if r.chance(15) {
            let s = style(&mut r);
            styled_ms(&mut r, s, 30_000, 420_000)
        } else {
            0
        };
        let hi = if r.chance(15) {
            let s = style(&mut r);
            KMM_BLOCK_MS - styled_ms(&mut r, s, 30_000, 420_000)
        } else {
            KMM_BLOCK_MS
        };
        let k = r.range(1, 5);
        let mut cuts: Vec<i64> = (1..k)
            .map(|_| {
                let s = style(&mut r);
                styled_ms(&mut r, s, lo + 1, hi)
            })
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut bounds = vec![lo];
        bounds.extend(cuts);
        bounds.push(hi);
        let mut segs = Vec::with_capacity(bounds.len() - 1);
        for (i, w) in bounds.windows(2).enumerate() {
            let status = if i == 0 && r.chance(70) {
                KmmStatus::Online
            } else {
                match r.below(10) {
                    0..=4 => KmmStatus::Online,
                    5..=6 => KmmStatus::BackSoon,
                    _ => KmmStatus::Away,
                }
            };
            let reason = match status {
                KmmStatus::Away if r.below(5) > 0 => AWAY_REASONS[r.below(AWAY_REASONS.len() as i64) as usize],
                KmmStatus::BackSoon if r.chance(50) => BACK_SOON_REASON,
                _ => KMM_NO_REASON,
            };
            segs.push(Seg {
                start: start + w[0],
                end: start + w[1],
                status,
                reason,
            });
        }
        let closes = (0..r.below(load_at(start) + 2))
            .map(|_| start + lo + r.below(hi - lo))
            .collect();
        AgentBlock { segs, closes }
    }
}

#[cfg(test)]
mod tests;
