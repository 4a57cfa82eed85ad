//! Messaging Operations `msgskillsegments` (v=2): skill segments per skill over any window
//! from the same [`Generator`], the request checked as the contract says LivePerson checks
//! it, and the reply (small: one object per skill and bucket, built as a `Value`).
//!
//! Time is cut into 15-minute blocks; each block of a skill is a deterministic list of
//! segments, each entering the skill at some millisecond of the block. A window's figures
//! are the segments entering inside it, so buckets of any size add up.

use serde_json::{json, Map, Value};

use super::generator::{hash, hash_str, load_of_hour, Generator, Rng};
use super::kmm::KMM_BLOCK_MS;
use super::params::IdSel;
use crate::IntervalOrder;

/// How far back `fromMillis` may reach ("24 hours before the current time").
pub const MSG_SEGMENTS_REACH_MS: i64 = 24 * 3_600_000;

const TAG_MSG_SEGMENTS: u64 = 31;
const TAG_MSG_SEGMENTS_NO_DATA: u64 = 32;

/// `avgTimetoFirstAgentMessageFromAgentAssignment` as a skill's entry carries it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MsgAvg {
    /// Milliseconds; written as an integer when whole (`40250`), else as a float.
    Ms(f64),
    /// No data: the key is left out.
    Absent,
    /// No data: `-1`.
    Negative,
}

impl MsgAvg {
    /// The average in ms, `None` for no data.
    pub fn ms(self) -> Option<f64> {
        match self {
            MsgAvg::Ms(v) => Some(v),
            _ => None,
        }
    }

    /// Whole seconds, half up (40500 ms → 41), `None` for no data.
    pub fn secs_half_up(self) -> Option<i64> {
        self.ms().map(|v| ((v + 500.0) / 1000.0).floor() as i64)
    }
}

/// A skill's `skillsMetrics` entry over a window: the truth the tests compare against.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillSegments {
    /// `totalSkillConversationSegments` (> 0).
    pub total: i64,
    /// `skillSegmentsAbandonedByConsumers` (consumer left with no agent response; the
    /// abandons in queue included).
    pub abandoned_by_consumers: i64,
    /// `skillSegmentsAbandonedByConsumersInQueue`.
    pub abandoned_by_consumers_in_queue: i64,
    /// `skillSegmentsWithNonResponsiveConsumers`.
    pub non_responsive_consumers: i64,
    /// `skillSegmentsWithNonResponsiveAgents`.
    pub non_responsive_agents: i64,
    /// `interactiveSkillSegments`.
    pub interactive: i64,
    pub avg_first_agent_message: MsgAvg,
    /// The sum and count behind the average (for `metricsTotal`).
    first_message_sum_ms: i64,
    first_message_count: i64,
}

/// One segment of a skill's block.
struct Segment {
    at: i64,
    /// 0 abandoned in queue, 1 abandoned after assignment, 2 non-responsive agent,
    /// 3 interactive, 4 interactive with a non-responsive consumer, 5 other.
    kind: u8,
    first_message_ms: Option<i64>,
}

impl Generator {
    /// The `msgskillsegments` entry of a skill over [from_ms, to_ms): `None` when no segment
    /// entered the skill in the window (the skill is left out of `skillsMetrics`), for an
    /// unknown skill or an empty window. A quarter S is `(S, S + 15 min)` in ms.
    pub fn msg_skill_segments(&self, skill: &str, from_ms: i64, to_ms: i64) -> Option<SkillSegments> {
        let si = self.skill_position(skill)?;
        if to_ms <= from_ms {
            return None;
        }
        let mut s = SkillSegments {
            total: 0,
            abandoned_by_consumers: 0,
            abandoned_by_consumers_in_queue: 0,
            non_responsive_consumers: 0,
            non_responsive_agents: 0,
            interactive: 0,
            avg_first_agent_message: MsgAvg::Absent,
            first_message_sum_ms: 0,
            first_message_count: 0,
        };
        let blocks = from_ms.div_euclid(KMM_BLOCK_MS)..=(to_ms - 1).div_euclid(KMM_BLOCK_MS);
        for b in blocks {
            for seg in self.segment_block(si, skill, b) {
                if !(from_ms..to_ms).contains(&seg.at) {
                    continue;
                }
                s.total += 1;
                match seg.kind {
                    0 => {
                        s.abandoned_by_consumers += 1;
                        s.abandoned_by_consumers_in_queue += 1;
                    }
                    1 => s.abandoned_by_consumers += 1,
                    2 => s.non_responsive_agents += 1,
                    3 => s.interactive += 1,
                    4 => {
                        s.interactive += 1;
                        s.non_responsive_consumers += 1;
                    }
                    _ => {}
                }
                if let Some(ms) = seg.first_message_ms {
                    s.first_message_sum_ms += ms;
                    s.first_message_count += 1;
                }
            }
        }
        if s.total == 0 {
            return None;
        }
        s.avg_first_agent_message = if s.first_message_count > 0 {
            MsgAvg::Ms(s.first_message_sum_ms as f64 / s.first_message_count as f64)
        } else if hash(&[
            self.seed(),
            TAG_MSG_SEGMENTS_NO_DATA,
            si as u64,
            from_ms as u64,
            to_ms as u64,
        ])
        .is_multiple_of(2)
        {
            MsgAvg::Absent
        } else {
            MsgAvg::Negative
        };
        Some(s)
    }

    /// The segments entering skill `si` in block `b` (a quarter of the epoch).
    fn segment_block(&self, si: usize, skill: &str, b: i64) -> Vec<Segment> {
        let mut r = Rng::new(&[self.seed(), TAG_MSG_SEGMENTS, si as u64, hash_str(skill), b as u64]);
        if r.chance(20) {
            return Vec::new();
        }
        let start = b * KMM_BLOCK_MS;
        let load = load_of_hour(start.div_euclid(3_600_000).rem_euclid(24) as u32);
        let n = r.range(1, 4 * load);
        (0..n)
            .map(|_| {
                let at = start + r.below(KMM_BLOCK_MS);
                let kind = match r.below(100) {
                    0..=9 => 0,
                    10..=17 => 1,
                    18..=22 => 2,
                    23..=74 => 3,
                    75..=84 => 4,
                    _ => 5,
                };
                // An agent message follows an assignment: never for abandons in queue.
                let first_message_ms = (kind >= 3 && r.chance(85)).then(|| {
                    let secs = r.range(2, 180);
                    match r.below(3) {
                        0 => secs * 1000,
                        1 => secs * 1000 + 500,
                        _ => secs * 1000 + r.below(1000),
                    }
                });
                Segment {
                    at,
                    kind,
                    first_message_ms,
                }
            })
            .collect()
    }
}

/// A checked v=2 request.
#[derive(Debug)]
pub(crate) struct SegmentsParams {
    pub from: i64,
    pub to: i64,
    /// Bucket length in ms; `None`: no `metricsByIntervals`.
    pub interval_ms: Option<i64>,
    pub skills: IdSel,
    /// `userType=bot` finds nothing: every simulated agent is human.
    pub humans: bool,
}

impl SegmentsParams {
    /// Checks the query of a v=2 request at `now_ms` (`v` itself is checked by the route).
    pub fn parse(query: &[(String, String)], now_ms: i64) -> Result<SegmentsParams, String> {
        let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
        let int = |k: &str| -> Result<i64, String> {
            let v = get(k).ok_or_else(|| format!("{k} is required with v=2 (epoch milliseconds)"))?;
            v.parse::<i64>()
                .map_err(|_| format!("{k} must be an integer, got {v:?}"))
        };
        let (from, to) = (int("fromMillis")?, int("toMillis")?);
        if from >= to {
            return Err(format!("fromMillis ({from}) must be before toMillis ({to})"));
        }
        if from < now_ms - MSG_SEGMENTS_REACH_MS {
            return Err(format!(
                "fromMillis ({from}) is more than 24 hours before the current time ({now_ms})"
            ));
        }
        if to > now_ms {
            return Err(format!("toMillis ({to}) is after the current time ({now_ms})"));
        }
        let interval_ms = match get("interval") {
            None => None,
            Some(v) => {
                let i = v
                    .parse::<i64>()
                    .map_err(|_| format!("interval must be an integer, got {v:?}"))?;
                if i < 5 {
                    return Err(format!("interval must be at least 5 minutes, got {i}"));
                }
                let ms = i * 60_000;
                if ms > to - from || (to - from) % ms != 0 {
                    return Err(format!(
                        "interval {i} must be smaller or equal to the time frame ({} ms) and a divisor of it",
                        to - from
                    ));
                }
                Some(ms)
            }
        };
        let humans = match get("userType").map(str::to_ascii_lowercase).as_deref() {
            None | Some("human") | Some("all") => true,
            Some("bot") => false,
            Some(other) => return Err(format!("userType must be human, bot or all, got {other:?}")),
        };
        Ok(SegmentsParams {
            from,
            to,
            interval_ms,
            skills: IdSel::parse(get("skillIds")),
            humans,
        })
    }
}

/// The metric names, in key order, with their values.
fn members(s: &SkillSegments) -> Vec<(&'static str, i64)> {
    vec![
        ("interactiveSkillSegments", s.interactive),
        ("skillSegmentsAbandonedByConsumers", s.abandoned_by_consumers),
        (
            "skillSegmentsAbandonedByConsumersInQueue",
            s.abandoned_by_consumers_in_queue,
        ),
        ("skillSegmentsWithNonResponsiveAgents", s.non_responsive_agents),
        ("skillSegmentsWithNonResponsiveConsumers", s.non_responsive_consumers),
        ("totalSkillConversationSegments", s.total),
    ]
}

fn avg_value(ms: f64) -> Value {
    if ms.fract() == 0.0 {
        json!(ms as i64)
    } else {
        json!(ms)
    }
}

/// A skill's entry.
fn entry(s: &SkillSegments) -> Value {
    let mut m: Map<String, Value> = members(s).into_iter().map(|(k, v)| (k.into(), json!(v))).collect();
    let avg = "avgTimetoFirstAgentMessageFromAgentAssignment";
    match s.avg_first_agent_message {
        MsgAvg::Ms(v) => {
            m.insert(avg.into(), avg_value(v));
        }
        MsgAvg::Negative => {
            m.insert(avg.into(), json!(-1));
        }
        MsgAvg::Absent => {}
    }
    Value::Object(m)
}

/// `{"skillsMetrics": {...}, "metricsTotal": {...}}` over [from, to): totals over the
/// skills present, every metric 0 when none is.
fn window(g: &Generator, skills: &[String], from: i64, to: i64) -> (Value, Value) {
    let mut per_skill = Map::new();
    let mut sums = [0i64; 6];
    let (mut avg_sum, mut avg_n) = (0i64, 0i64);
    for skill in skills {
        let Some(s) = g.msg_skill_segments(skill, from, to) else {
            continue;
        };
        for (sum, (_, v)) in sums.iter_mut().zip(members(&s)) {
            *sum += v;
        }
        avg_sum += s.first_message_sum_ms;
        avg_n += s.first_message_count;
        per_skill.insert(skill.clone(), entry(&s));
    }
    let names = [
        "interactiveSkillSegments",
        "skillSegmentsAbandonedByConsumers",
        "skillSegmentsAbandonedByConsumersInQueue",
        "skillSegmentsWithNonResponsiveAgents",
        "skillSegmentsWithNonResponsiveConsumers",
        "totalSkillConversationSegments",
    ];
    let mut total: Map<String, Value> = names.iter().zip(sums).map(|(k, v)| ((*k).into(), json!(v))).collect();
    let avg = if avg_n > 0 { avg_sum as f64 / avg_n as f64 } else { 0.0 };
    total.insert("avgTimetoFirstAgentMessageFromAgentAssignment".into(), avg_value(avg));
    (Value::Object(per_skill), Value::Object(total))
}

/// The reply: `metricsByIntervals` (buckets stamped with their start, in `order`) when an
/// interval was asked, and `timeframeSummary` over the whole [from, to). `wrapped` puts
/// each bucket's members in a `metricsData` object.
pub(crate) fn segments_reply(g: &Generator, p: &SegmentsParams, order: IntervalOrder, wrapped: bool) -> Value {
    let skills = if p.humans {
        p.skills.resolve(g.skill_ids())
    } else {
        Vec::new()
    };
    let mut reply = Map::new();
    if let Some(step) = p.interval_ms {
        let mut starts: Vec<i64> = (0..).map(|k| p.from + k * step).take_while(|s| *s < p.to).collect();
        match order {
            IntervalOrder::Ascending => {}
            IntervalOrder::Descending => starts.reverse(),
            IntervalOrder::Shuffled => starts.sort_by_key(|s| hash(&[g.seed(), *s as u64])),
        }
        let buckets: Vec<Value> = starts
            .into_iter()
            .map(|start| {
                let (per_skill, total) = window(g, &skills, start, start + step);
                let data = json!({"skillsMetrics": per_skill, "metricsTotal": total});
                if wrapped {
                    json!({"timestamp": start, "metricsData": data})
                } else {
                    json!({"timestamp": start, "skillsMetrics": data["skillsMetrics"], "metricsTotal": data["metricsTotal"]})
                }
            })
            .collect();
        reply.insert("metricsByIntervals".into(), Value::Array(buckets));
    }
    let (per_skill, total) = window(g, &skills, p.from, p.to);
    reply.insert(
        "timeframeSummary".into(),
        json!({"skillsMetrics": per_skill, "metricsTotal": total}),
    );
    Value::Object(reply)
}
