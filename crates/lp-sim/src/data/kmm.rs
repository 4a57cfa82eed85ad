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

/// An agent status as KMM names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KmmStatus {
    Online,
    BackSoon,
    Away,
    Offline,
}

impl KmmStatus {
    pub const ALL: [KmmStatus; 4] = [
        KmmStatus::Online,
        KmmStatus::BackSoon,
        KmmStatus::Away,
        KmmStatus::Offline,
    ];

    /// `ONLINE`, `BACK_SOON`, `AWAY`, `OFFLINE`.
    pub fn as_str(self) -> &'static str {
        match self {
            KmmStatus::Online => "ONLINE",
            KmmStatus::BackSoon => "BACK_SOON",
            KmmStatus::Away => "AWAY",
            KmmStatus::Offline => "OFFLINE",
        }
    }

    pub fn parse(s: &str) -> Option<KmmStatus> {
        KmmStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An average of `metrics` as the reply carries it. "No data" (no conversation in the
/// window contributed to the average) is sent in one of three ways, chosen
/// deterministically per (skill, window, metric).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KmmAvg {
    /// Milliseconds (a float, often with a fractional part).
    Ms(f64),
    /// No data: `null`.
    Null,
    /// No data: the key is left out.
    Absent,
    /// No data: `-1`.
    Negative,
}

impl KmmAvg {
    /// The average in ms, `None` for no data.
    pub fn ms(self) -> Option<f64> {
        match self {
            KmmAvg::Ms(v) => Some(v),
            _ => None,
        }
    }

    /// Whole seconds, rounded half up (41500.0 ms → 42), `None` for no data.
    pub fn secs_half_up(self) -> Option<i64> {
        self.ms().map(|v| ((v + 500.0) / 1000.0).floor() as i64)
    }
}

/// One group of a `metrics` reply (groupBy skillId): the truth for one skill and window.
#[derive(Debug, Clone, PartialEq)]
pub struct KmmSkill {
    /// `key`.
    pub skill_id: String,
    /// `keyDescription`.
    pub name: String,
    /// `closedConversations` = closed_by_agent + closed_by_consumer + auto_closed (> 0).
    pub closed_conversations: i64,
    pub closed_by_agent: i64,
    pub closed_by_consumer: i64,
    pub auto_closed: i64,
    pub avg_wait_time: KmmAvg,
    pub avg_wait_time_first_response: KmmAvg,
    pub avg_time_to_response: KmmAvg,
    pub avg_time_to_first_response_first_assignment: KmmAvg,
}

impl KmmSkill {
    /// The four averages with their reply names, in the reply's order.
    pub fn averages(&self) -> [(&'static str, KmmAvg); 4] {
        [
            ("avgWaitTime", self.avg_wait_time),
            ("avgWaitTimeFirstResponse", self.avg_wait_time_first_response),
            ("avgTimeToResponse", self.avg_time_to_response),
            (
                "avgTimeToFirstResponseFirstAssignment",
                self.avg_time_to_first_response_first_assignment,
            ),
        ]
    }
}

/// An entry of `agentStatusDurationList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmmStatusDuration {
    pub status: KmmStatus,
    /// ms, > 0.
    pub duration: i64,
}

/// An entry of `agentStatusWithReasonDurationList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmmReasonDuration {
    /// AWAY or BACK_SOON.
    pub status: KmmStatus,
    /// A numeric string, or [`KMM_NO_REASON`] (`"NA"`).
    pub reason_id: String,
    /// ms, > 0.
    pub duration: i64,
}

/// One record of an `agent_view` reply: the truth for one agent and window. All durations
/// are whole milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmmAgent {
    pub agent_id: String,
    /// `agentGroupId` (-1 for some agents).
    pub agent_group_id: i64,
    /// `loginDuration` = ONLINE + BACK_SOON + AWAY (> 0, at most the window's length).
    pub login_duration: i64,
    /// `onlineDuration` = the ONLINE time.
    pub online_duration: i64,
    pub closed_conversations: i64,
    /// `agentStatusDurationList`: ONLINE, BACK_SOON, AWAY in that order, states with no
    /// time left out.
    pub status_durations: Vec<KmmStatusDuration>,
    /// `agentStatusWithReasonDurationList`: one entry per (status, reason) in order of first
    /// occurrence in the window. AWAY entries sum to the AWAY time, BACK_SOON entries to the
    /// BACK_SOON time; ONLINE has none.
    pub reason_durations: Vec<KmmReasonDuration>,
    /// `transfers`, `backToQueue`, `concludedConversations` ([`KmmMoves`]).
    pub moves: KmmMoves,
}

impl KmmAgent {
    /// Time in `status` (0 when absent from the list).
    pub fn status_duration(&self, status: KmmStatus) -> i64 {
        self.status_durations
            .iter()
            .filter(|d| d.status == status)
            .map(|d| d.duration)
            .sum()
    }
}

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
mod tests {
    use std::collections::{HashMap, HashSet};

    use chrono::TimeZone;

    use super::*;
    use crate::GeneratorConfig;

    fn generator(agents: usize, skills: usize) -> Generator {
        Generator::new(GeneratorConfig {
            seed: 42,
            agents,
            skills,
        })
    }

    fn day_start() -> i64 {
        Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap().timestamp_millis()
    }

    /// Every quarter of a day, then 300 windows of random bounds (to the ms) and lengths
    /// (1 ms to 24 h).
    fn windows() -> Vec<(i64, i64)> {
        let d = day_start();
        let mut w: Vec<(i64, i64)> = (0..96)
            .map(|q| (d + q * KMM_BLOCK_MS, d + (q + 1) * KMM_BLOCK_MS))
            .collect();
        let mut r = Rng::new(&[7]);
        for _ in 0..300 {
            let from = d + r.below(86_400_000);
            let len = match r.below(3) {
                0 => 1 + r.below(60_000),
                1 => 1 + r.below(3 * 3_600_000),
                _ => 1 + r.below(86_400_000),
            };
            w.push((from, from + len));
        }
        w
    }

    fn check_agent(a: &KmmAgent, from: i64, to: i64) {
        let by = |s| a.status_duration(s);
        assert!(a.login_duration > 0 && a.login_duration <= to - from, "{a:?}");
        assert_eq!(
            by(KmmStatus::Online) + by(KmmStatus::BackSoon) + by(KmmStatus::Away),
            a.login_duration
        );
        assert_eq!(a.online_duration, by(KmmStatus::Online));
        assert!(a.status_durations.iter().all(|d| d.duration > 0));
        assert!(a.status_durations.windows(2).all(|w| w[0].status < w[1].status));
        assert!(a.status_durations.iter().all(|d| d.status != KmmStatus::Offline));
        for s in [KmmStatus::BackSoon, KmmStatus::Away] {
            let reasons: i64 = a
                .reason_durations
                .iter()
                .filter(|r| r.status == s)
                .map(|r| r.duration)
                .sum();
            assert_eq!(reasons, by(s), "{a:?}");
        }
        assert!(a.reason_durations.iter().all(|r| r.duration > 0
            && matches!(r.status, KmmStatus::Away | KmmStatus::BackSoon)
            && (r.reason_id == KMM_NO_REASON || r.reason_id.parse::<u64>().is_ok())));
        let keys: HashSet<_> = a.reason_durations.iter().map(|r| (r.status, &r.reason_id)).collect();
        assert_eq!(keys.len(), a.reason_durations.len());
        assert!(a.closed_conversations >= 0);
    }

    fn check_skill(s: &KmmSkill) {
        assert!(s.closed_conversations > 0);
        assert_eq!(
            s.closed_conversations,
            s.closed_by_agent + s.closed_by_consumer + s.auto_closed
        );
        assert!(s.closed_by_agent >= 0 && s.closed_by_consumer >= 0 && s.auto_closed >= 0);
        for (_, a) in s.averages() {
            if let KmmAvg::Ms(v) = a {
                assert!(v.is_finite() && v >= 0.0);
            }
        }
    }

    #[test]
    fn agent_records_are_consistent_over_many_windows() {
        let g = generator(12, 5);
        let (mut present, mut absent) = (0, 0);
        for (from, to) in windows() {
            for a in g.agent_ids() {
                match g.kmm_agent(&a, from, to) {
                    Some(rec) => {
                        present += 1;
                        check_agent(&rec, from, to);
                        assert_eq!(rec.agent_id, a);
                    }
                    None => absent += 1,
                }
            }
        }
        assert!(present > 0 && absent > 0, "{present} {absent}");
    }

    #[test]
    fn skill_groups_are_consistent_over_many_windows() {
        let g = generator(4, 12);
        let (mut present, mut absent) = (0, 0);
        for (from, to) in windows() {
            for s in g.skill_ids() {
                match g.kmm_skill(&s, from, to) {
                    Some(rec) => {
                        present += 1;
                        check_skill(&rec);
                        assert_eq!(rec.skill_id, s);
                    }
                    None => absent += 1,
                }
            }
        }
        assert!(present > 0 && absent > 0, "{present} {absent}");
    }

    #[test]
    fn quarters_add_up_to_the_hour() {
        let g = generator(10, 6);
        let d = day_start();
        for h in [3, 10, 15, 21] {
            let hour = d + h * 3_600_000;
            let quarters: Vec<(i64, i64)> = (0..4)
                .map(|q| (hour + q * KMM_BLOCK_MS, hour + (q + 1) * KMM_BLOCK_MS))
                .collect();
            for a in g.agent_ids() {
                let whole = g.kmm_agent(&a, hour, hour + 3_600_000);
                let parts: Vec<KmmAgent> = quarters.iter().filter_map(|(f, t)| g.kmm_agent(&a, *f, *t)).collect();
                let sum = |f: fn(&KmmAgent) -> i64| parts.iter().map(f).sum::<i64>();
                match whole {
                    None => assert!(parts.is_empty()),
                    Some(w) => {
                        assert_eq!(w.login_duration, sum(|p| p.login_duration));
                        assert_eq!(w.online_duration, sum(|p| p.online_duration));
                        assert_eq!(w.closed_conversations, sum(|p| p.closed_conversations));
                        for s in [KmmStatus::BackSoon, KmmStatus::Away] {
                            assert_eq!(
                                w.status_duration(s),
                                parts.iter().map(|p| p.status_duration(s)).sum::<i64>()
                            );
                        }
                    }
                }
            }
            for s in g.skill_ids() {
                let whole = g.kmm_skill(&s, hour, hour + 3_600_000);
                let parts: Vec<KmmSkill> = quarters.iter().filter_map(|(f, t)| g.kmm_skill(&s, *f, *t)).collect();
                let closed: i64 = parts.iter().map(|p| p.closed_conversations).sum();
                assert_eq!(whole.map_or(0, |w| w.closed_conversations), closed);
            }
        }
    }

    #[test]
    fn the_data_has_every_shape_wfm_must_handle() {
        let g = generator(16, 10);
        let mut avg_kinds: HashMap<&str, usize> = HashMap::new();
        let (mut half_seconds, mut fractional) = (0, 0);
        let (mut back_soon_reason, mut away_na, mut away_ids) = (0, 0, HashSet::new());
        let (mut missing_state, mut no_group) = (0, 0);
        let d = day_start();
        for q in 0..96 {
            let (from, to) = (d + q * KMM_BLOCK_MS, d + (q + 1) * KMM_BLOCK_MS);
            for s in g.skill_ids() {
                let Some(rec) = g.kmm_skill(&s, from, to) else {
                    no_group += 1;
                    continue;
                };
                for (_, a) in rec.averages() {
                    let kind = match a {
                        KmmAvg::Ms(v) => {
                            if v.fract() == 0.0 && v.rem_euclid(1000.0) == 500.0 {
                                half_seconds += 1;
                            }
                            if v.fract() != 0.0 {
                                fractional += 1;
                            }
                            "ms"
                        }
                        KmmAvg::Null => "null",
                        KmmAvg::Absent => "absent",
                        KmmAvg::Negative => "negative",
                    };
                    *avg_kinds.entry(kind).or_default() += 1;
                }
            }
            for a in g.agent_ids() {
                let Some(rec) = g.kmm_agent(&a, from, to) else {
                    continue;
                };
                if rec.status_durations.len() < 3 {
                    missing_state += 1;
                }
                for r in &rec.reason_durations {
                    match (r.status, r.reason_id.as_str()) {
                        (KmmStatus::BackSoon, id) if id != KMM_NO_REASON => back_soon_reason += 1,
                        (KmmStatus::Away, KMM_NO_REASON) => away_na += 1,
                        (KmmStatus::Away, id) => {
                            away_ids.insert(id.to_string());
                        }
                        _ => {}
                    }
                }
            }
        }
        assert_eq!(avg_kinds.len(), 4, "{avg_kinds:?}");
        assert!(avg_kinds.values().all(|n| *n > 3), "{avg_kinds:?}");
        assert!(half_seconds > 3 && fractional > 3, "{half_seconds} {fractional}");
        assert!(back_soon_reason > 0 && away_na > 0 && away_ids.len() == AWAY_REASONS.len());
        assert!(missing_state > 0 && no_group > 0);
        // 41500.0 ms is 42 s, 41499.9 ms 41 s.
        assert_eq!(KmmAvg::Ms(41500.0).secs_half_up(), Some(42));
        assert_eq!(KmmAvg::Ms(41499.9).secs_half_up(), Some(41));
        assert_eq!(KmmAvg::Negative.secs_half_up(), None);
    }

    #[test]
    fn status_now_matches_the_timeline_and_is_sometimes_offline() {
        let g = generator(30, 2);
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let now_ms = now.timestamp_millis();
        let offline: Vec<String> = g
            .agent_ids()
            .into_iter()
            .filter(|a| g.kmm_agent_offline_now(a, now))
            .collect();
        assert!(!offline.is_empty() && offline.len() < 30, "{}", offline.len());
        for a in g.agent_ids() {
            // A 1 ms window at now holds the status now.
            let status = g.kmm_agent_status(&a, now_ms).unwrap();
            match g.kmm_agent(&a, now_ms, now_ms + 1) {
                None => assert_eq!(status, KmmStatus::Offline),
                Some(rec) => assert_eq!(rec.status_durations[0].status, status),
            }
        }
        assert_eq!(g.kmm_agent_status("nobody", now_ms), None);
        assert!(!g.kmm_agent_offline_now("nobody", now));
    }

    #[test]
    fn deterministic_and_unknown_ids() {
        let (a, b) = (generator(8, 4), generator(8, 4));
        let d = day_start();
        for q in (0..96).step_by(5) {
            let (from, to) = (d + q * KMM_BLOCK_MS, d + (q + 1) * KMM_BLOCK_MS);
            for s in a.skill_ids() {
                assert_eq!(a.kmm_skill(&s, from, to), b.kmm_skill(&s, from, to));
            }
            for ag in a.agent_ids() {
                assert_eq!(a.kmm_agent(&ag, from, to), b.kmm_agent(&ag, from, to));
            }
        }
        assert_eq!(a.kmm_skill("nope", d, d + KMM_BLOCK_MS), None);
        assert_eq!(a.kmm_agent("nope", d, d + KMM_BLOCK_MS), None);
        let s = &a.skill_ids()[0];
        assert_eq!(a.kmm_skill(s, d, d), None);
        assert_eq!(a.kmm_skill_name(s).as_deref(), Some("Billing"));
        let many = generator(1, 30);
        let names: HashSet<String> = many
            .skill_ids()
            .iter()
            .map(|s| many.kmm_skill_name(s).unwrap())
            .collect();
        assert_eq!(names.len(), 30);
    }

    #[test]
    fn two_thousand_agents_per_quarter_are_cheap() {
        let g = generator(2000, 60);
        let d = day_start() + 10 * 3_600_000;
        let t0 = std::time::Instant::now();
        let n = g
            .agent_ids()
            .iter()
            .filter(|a| g.kmm_agent(a, d, d + KMM_BLOCK_MS).is_some())
            .count();
        assert!(n > 1000);
        // Generous for debug builds on a busy machine; release takes about a millisecond.
        assert!(t0.elapsed() < std::time::Duration::from_secs(2), "{:?}", t0.elapsed());
    }
}
