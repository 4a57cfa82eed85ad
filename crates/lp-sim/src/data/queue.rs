//! queuehealth replies: per-skill figures of the slots summed, maxima merged, minima
//! derived, averages recomputed, and the account totals.

use serde_json::{json, Map, Value};

use super::generator::{Generator, QueueHealthValues};
use super::params::{DataParams, IdSel};
use super::slots::Slot;

/// Queue Health figures with the derived minima.
#[derive(Debug, Clone, Default)]
struct QStats {
    entered: i64,
    connected: i64,
    abandoned: i64,
    tta: i64,
    tab: i64,
    max_q: i64,
    min_q: i64,
    q_sum: i64,
    q_count: i64,
    max_s: i64,
    min_s: i64,
    s_sum: i64,
    s_count: i64,
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
    fn empty() -> Self {
        QStats {
            max_q: -1,
            min_q: -1,
            max_s: -1,
            min_s: -1,
            ..Default::default()
        }
    }

    fn from_slot(v: &QueueHealthValues, slot: &Slot) -> Self {
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

    fn merge(&mut self, o: &QStats) {
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

    fn to_json(&self, current_key: &str) -> Value {
        let ratio = |n: i64, d: i64| if d > 0 { n as f64 / d as f64 } else { 0.0 };
        let avg = |sum: i64, count: i64| {
            if count > 0 {
                json!(sum as f64 / count as f64)
            } else {
                json!(-1)
            }
        };
        let mut m = Map::new();
        m.insert("enteredQEng".into(), json!(self.entered));
        m.insert("connectedEng".into(), json!(self.connected));
        m.insert("abandonedEng".into(), json!(self.abandoned));
        m.insert("totalTimeToAnswer".into(), json!(self.tta));
        m.insert("avgTimeToAnswer".into(), json!(ratio(self.tta, self.connected)));
        m.insert("totalTimeToAbandon".into(), json!(self.tab));
        m.insert("avgTimeToAbandon".into(), json!(ratio(self.tab, self.abandoned)));
        m.insert("abandonmentRate".into(), json!(ratio(self.abandoned, self.entered)));
        m.insert("maxQueueSize".into(), json!(self.max_q));
        m.insert("minQueueSize".into(), json!(self.min_q));
        m.insert("averageQueueSize".into(), avg(self.q_sum, self.q_count));
        m.insert("queueSizeSum".into(), json!(self.q_sum));
        m.insert("queueSizeCount".into(), json!(self.q_count));
        m.insert("maxAvailableSlots".into(), json!(self.max_s));
        m.insert("minAvailableSlots".into(), json!(self.min_s));
        m.insert("averageAvailableSlots".into(), avg(self.s_sum, self.s_count));
        m.insert("availableSlotsSum".into(), json!(self.s_sum));
        m.insert("availableSlotsCount".into(), json!(self.s_count));
        m.insert(current_key.into(), json!(-1));
        m.insert("currentAvailableSlots".into(), json!(-1));
        Value::Object(m)
    }
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
                per_skill.insert(skill, stats.to_json(key));
            }
        }
    }
    json!({"skillsMetrics": per_skill, "metricsTotals": totals.to_json("currentQueueSize")})
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
