//! queuehealth replies: per-skill figures of the slots summed, maxima merged, minima
//! derived, averages recomputed, and the account totals.

use std::sync::Arc;

use super::generator::{Generator, QueueHealthValues};
use super::json::{sorted_keys, JsonOut, Num, Stop};
use super::params::{DataParams, IdSel};
use super::reply::MethodData;
use super::slots::Slot;

/// Queue Health figures with the derived minima.
#[derive(Debug, Clone, Default)]
pub(super) struct QStats {
    pub(super) entered: i64,
    pub(super) connected: i64,
    pub(super) abandoned: i64,
    pub(super) tta: i64,
    pub(super) tab: i64,
    pub(super) max_q: i64,
    pub(super) min_q: i64,
    pub(super) q_sum: i64,
    pub(super) q_count: i64,
    pub(super) max_s: i64,
    pub(super) min_s: i64,
    pub(super) s_sum: i64,
    pub(super) s_count: i64,
}

/// A plausible minimum for samples with this max, sum and count (-1 without samples).
fn derived_min(max: i64, sum: i64, count: i64) -> i64 {
    if count <= 0 {
        -1
    } else {
        (sum - max * (count - 1)).clamp(0, max.max(0))
    }
}

fn merge_max(a: i64, b: i64) -> i64 {
    a.max(b)
}

fn merge_min(a: i64, b: i64) -> i64 {
    match (a, b) {
        (-1, x) | (x, -1) => x,
        (x, y) => x.min(y),
    }
}

impl QStats {
    pub(super) fn empty() -> Self {
        QStats {
            max_q: -1,
            min_q: -1,
            max_s: -1,
            min_s: -1,
            ..Default::default()
        }
    }

    pub(super) fn from_slot(v: &QueueHealthValues, slot: &Slot) -> Self {
        let q_count = slot.scale(v.queue_size_count);
        let s_count = slot.scale(v.available_slots_count);
        let q_sum = slot.scale(v.queue_size_sum);
        let s_sum = slot.scale(v.available_slots_sum);
        let max_q = if q_count > 0 { v.max_queue_size } else { -1 };
        let max_s = if s_count > 0 { v.max_available_slots } else { -1 };
        QStats {
            entered: slot.scale(v.entered_q_eng),
            connected: slot.scale(v.connected_eng),
            abandoned: slot.scale(v.abandoned_eng),
            tta: slot.scale(v.total_time_to_answer),
            tab: slot.scale(v.total_time_to_abandon),
            max_q,
            min_q: derived_min(max_q, q_sum, q_count),
            q_sum,
            q_count,
            max_s,
            min_s: derived_min(max_s, s_sum, s_count),
            s_sum,
            s_count,
        }
    }

    /// Merges another part in (sums added, maxima and minima merged): the order of merging
    /// does not change the result.
    pub(super) fn merge(&mut self, o: &QStats) {
        self.entered += o.entered;
        self.connected += o.connected;
        self.abandoned += o.abandoned;
        self.tta += o.tta;
        self.tab += o.tab;
        self.max_q = merge_max(self.max_q, o.max_q);
        self.min_q = merge_min(self.min_q, o.min_q);
        self.q_sum += o.q_sum;
        self.q_count += o.q_count;
        self.max_s = merge_max(self.max_s, o.max_s);
        self.min_s = merge_min(self.min_s, o.min_s);
        self.s_sum += o.s_sum;
        self.s_count += o.s_count;
    }

    /// The members by name, with averages recomputed; `current_key` is the spelling of the
    /// current queue size (`currentQueueSize`, or `currentQueueState` for every other skill).
    pub(super) fn members(&self, current_key: &'static str) -> [(&'static str, Num); 20] {
        let ratio = |n: i64, d: i64| Num::F(if d > 0 { n as f64 / d as f64 } else { 0.0 });
        let avg = |sum: i64, count: i64| {
            if count > 0 {
                Num::F(sum as f64 / count as f64)
            } else {
                Num::I(-1)
            }
        };
        // In key order (both spellings of the current queue size sort at the same place).
        [
            ("abandonedEng", Num::I(self.abandoned)),
            ("abandonmentRate", ratio(self.abandoned, self.entered)),
            ("availableSlotsCount", Num::I(self.s_count)),
            ("availableSlotsSum", Num::I(self.s_sum)),
            ("averageAvailableSlots", avg(self.s_sum, self.s_count)),
            ("averageQueueSize", avg(self.q_sum, self.q_count)),
            ("avgTimeToAbandon", ratio(self.tab, self.abandoned)),
            ("avgTimeToAnswer", ratio(self.tta, self.connected)),
            ("connectedEng", Num::I(self.connected)),
            ("currentAvailableSlots", Num::I(-1)),
            (current_key, Num::I(-1)),
            ("enteredQEng", Num::I(self.entered)),
            ("maxAvailableSlots", Num::I(self.max_s)),
            ("maxQueueSize", Num::I(self.max_q)),
            ("minAvailableSlots", Num::I(self.min_s)),
            ("minQueueSize", Num::I(self.min_q)),
            ("queueSizeCount", Num::I(self.q_count)),
            ("queueSizeSum", Num::I(self.q_sum)),
            ("totalTimeToAbandon", Num::I(self.tab)),
            ("totalTimeToAnswer", Num::I(self.tta)),
        ]
    }
}

/// The spelling of the current queue size for the skill at this position.
pub(super) fn current_key(position: Option<usize>) -> &'static str {
    match position {
        Some(i) if i % 2 == 1 => "currentQueueState",
        _ => "currentQueueSize",
    }
}

/// The queuehealth data of one request.
pub(super) struct QueueData {
    g: Arc<Generator>,
    /// Account level (no skillIds): totals only.
    totals_only: bool,
    /// The asked skills in key order: written key, position in the generator.
    skills: Vec<(Vec<u8>, Option<usize>)>,
}

/// The data over some slots: each skill's merged figures (`None`: no data), the totals.
pub(super) struct QueuePart {
    skills: Vec<Option<QStats>>,
    totals: QStats,
}

impl QueueData {
    pub fn new(g: Arc<Generator>, p: &DataParams) -> Self {
        let skills = sorted_keys(
            p.skills
                .resolve(g.skill_ids())
                .into_iter()
                .map(|s| (s.clone(), g.skill_position(&s))),
        );
        QueueData {
            g,
            totals_only: p.skills == IdSel::Missing,
            skills,
        }
    }
}

impl QueueData {
    fn compute(&self, slots: &[Slot]) -> QueuePart {
        let mut totals = QStats::empty();
        let skills = self
            .skills
            .iter()
            .map(|(_, si)| {
                let si = (*si)?;
                let mut acc: Option<QStats> = None;
                for slot in slots {
                    if let Some(v) = self.g.queue_health_at(si, slot.end) {
                        let s = QStats::from_slot(&v, slot);
                        match acc.as_mut() {
                            Some(a) => a.merge(&s),
                            None => acc = Some(s),
                        }
                    }
                }
                if let Some(stats) = &acc {
                    totals.merge(stats);
                }
                acc
            })
            .collect();
        QueuePart { skills, totals }
    }
}

impl MethodData for QueueData {
    type Part = QueuePart;
    const MEMBERS: &'static [&'static str] = &["metricsTotals", "skillsMetrics"];

    /// The totals need every skill: computed, then written.
    fn compute_writing_first(&self, slots: &[Slot], out: &mut JsonOut) -> Result<QueuePart, Stop> {
        let part = self.compute(slots);
        out.numbers(&part.totals.members("currentQueueSize"));
        Ok(part)
    }

    /// skillsMetrics.
    fn write_member(&self, part: &QueuePart, _member: usize, out: &mut JsonOut) -> Result<(), Stop> {
        out.raw(b"{");
        if !self.totals_only {
            let mut first = true;
            for ((key, si), stats) in self.skills.iter().zip(&part.skills) {
                let Some(stats) = stats else { continue };
                if !std::mem::take(&mut first) {
                    out.raw(b",");
                }
                out.raw(key);
                out.numbers(&stats.members(current_key(*si)));
                out.flush_if_full()?;
            }
        }
        out.raw(b"}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration as CDuration, Utc};
    use serde_json::json;

    use super::*;
    use crate::test_support::*;
    use crate::IntervalOrder;

    fn q_fields(q: &QueueHealthValues) -> [(&'static str, i64); 11] {
        [
            ("enteredQEng", q.entered_q_eng),
            ("connectedEng", q.connected_eng),
            ("abandonedEng", q.abandoned_eng),
            ("totalTimeToAnswer", q.total_time_to_answer),
            ("totalTimeToAbandon", q.total_time_to_abandon),
            ("maxQueueSize", q.max_queue_size),
            ("queueSizeSum", q.queue_size_sum),
            ("queueSizeCount", q.queue_size_count),
            ("maxAvailableSlots", q.max_available_slots),
            ("availableSlotsSum", q.available_slots_sum),
            ("availableSlotsCount", q.available_slots_count),
        ]
    }

    #[tokio::test]
    async fn queuehealth_intervals_and_scaling() {
        let now = at(10, 8, 0);
        let sim = start(Some(now), IntervalOrder::Ascending).await;
        let g = sim.generator().clone();
        let v = get_json(
            &sim,
            "queuehealth",
            &[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")],
        )
        .await;
        let ends: Vec<DateTime<Utc>> = (0..13).map(|k| at(9, 10, 0) + CDuration::minutes(5 * k)).collect();
        assert_eq!(timestamps(&v), ends.iter().map(|e| ts(*e)).collect::<Vec<_>>());
        assert!(v["skillsMetrics"].is_object() && v["metricsTotals"].is_object());
        let mut scaled_differs = false;
        for (k, e) in ends.iter().enumerate() {
            let data = by_ts(&v, *e);
            // Oldest covers 09:08-09:10 (2/5), newest 10:05-10:08 (3/5).
            let (num, den) = match k {
                0 => (2, 5),
                12 => (3, 5),
                _ => (1, 1),
            };
            let mut entered_sum = 0;
            for (i, skill) in g.skill_ids().iter().enumerate() {
                let got = &data["skillsMetrics"][skill];
                let Some(q) = g.queue_health(skill, *e) else {
                    assert!(got.is_null(), "{skill} at {e}");
                    continue;
                };
                for (name, want) in q_fields(&q) {
                    let want = if name.starts_with("max") {
                        let count = if name == "maxQueueSize" {
                            q.queue_size_count
                        } else {
                            q.available_slots_count
                        };
                        if count * num / den == 0 {
                            -1
                        } else {
                            want
                        }
                    } else {
                        want * num / den
                    };
                    if want != got[name].as_i64().unwrap() {
                        panic!("{skill} {e} {name}: want {want}, got {}", got[name]);
                    }
                    scaled_differs |= num != den && want != q_fields(&q).iter().find(|f| f.0 == name).unwrap().1;
                }
                entered_sum += got["enteredQEng"].as_i64().unwrap();
                let (present, absent) = if i % 2 == 0 {
                    ("currentQueueSize", "currentQueueState")
                } else {
                    ("currentQueueState", "currentQueueSize")
                };
                assert_eq!(got[present], json!(-1));
                assert!(got[absent].is_null());
                if got["queueSizeCount"].as_i64() == Some(0) {
                    assert_eq!(got["averageQueueSize"], json!(-1));
                    assert_eq!(got["minQueueSize"], json!(-1));
                }
            }
            assert_eq!(data["metricsTotals"]["enteredQEng"].as_i64(), Some(entered_sum));
        }
        assert!(scaled_differs);

        // A list with an unknown id; interval 15 sums three slots.
        let skill = g.skill_ids()[1].clone();
        let list = format!("{skill},424242");
        let v = get_json(
            &sim,
            "queuehealth",
            &[("timeframe", "60"), ("interval", "15"), ("v", "1"), ("skillIds", &list)],
        )
        .await;
        assert_eq!(timestamps(&v).len(), 5);
        let data = by_ts(&v, at(9, 45, 0));
        assert!(data["skillsMetrics"]["424242"].is_null());
        let want: i64 = [35, 40, 45]
            .iter()
            .filter_map(|m| g.queue_health(&skill, at(9, *m, 0)))
            .map(|q| q.entered_q_eng)
            .sum();
        assert_eq!(data["metricsTotals"]["enteredQEng"].as_i64(), Some(want));

        // No interval: totals only.
        let v = get_json(&sim, "queuehealth", &[("timeframe", "7"), ("v", "1")]).await;
        assert!(v.get("metricsByIntervals").is_none());
        assert_eq!(v["skillsMetrics"], json!({}));
        assert!(v["metricsTotals"]["enteredQEng"].is_i64());
        sim.shutdown().await;
    }
}
