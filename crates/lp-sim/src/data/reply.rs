//! Replies to data calls: the slots a timeframe covers, one method's data over them, and
//! the intervals of `metricsByIntervals` in the configured order.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::agent::agent_data;
use super::eng::eng_data;
use super::generator::{hash, Generator, GeneratorConfig};
use super::params::DataParams;
use super::queue::queue_data;
use super::slots::{floor_to, slots_between, Slot, SLOT_MS};
use crate::{IntervalOrder, Method};

/// The simulated account's data: the generator and how replies are shaped.
pub(crate) struct DataSource {
    pub generator: Generator,
    seed: u64,
    order: IntervalOrder,
    /// `false`: a messaging account, whose chat methods answer empty intervals.
    chat_data: bool,
}

impl DataSource {
    pub fn new(cfg: GeneratorConfig, order: IntervalOrder, chat_data: bool) -> Self {
        DataSource {
            seed: cfg.seed,
            generator: Generator::new(cfg),
            order,
            chat_data,
        }
    }

    /// The reply to a data call at `now`: totals over the timeframe and, with an interval,
    /// `metricsByIntervals` (every interval ending after the window start, up to the one in
    /// progress) in the configured order.
    pub fn reply(&self, method: Method, p: &DataParams, now: DateTime<Utc>) -> Value {
        let now_ms = now.timestamp_millis();
        let w = now_ms - p.timeframe * 60_000;
        let all_slots = slots_between(floor_to(w, SLOT_MS), floor_to(now_ms, SLOT_MS) + SLOT_MS, w, now_ms);
        // A messaging account answers the chat methods with intervals but no data.
        let data = |slots: &[Slot]| {
            let slots = if self.chat_data { slots } else { &[] };
            match method {
                Method::QueueHealth => queue_data(&self.generator, p, slots),
                Method::EngActivity => eng_data(&self.generator, p, slots),
                Method::AgentActivity => agent_data(&self.generator, p, slots),
                // KMM is answered by `kmm_routes`, never here.
                Method::Metrics | Method::AgentView => Value::Object(Map::new()),
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
            match self.order {
                IntervalOrder::Ascending => {}
                IntervalOrder::Descending => ends.reverse(),
                IntervalOrder::Shuffled => ends.sort_by_key(|e| hash(&[self.seed, *e as u64])),
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
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::test_support::*;
    use crate::{IntervalOrder, SimClock, SimOptions, Simulator};

    #[tokio::test]
    async fn interval_orders() {
        let now = at(8, 7, 0);
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        let asc = start(Some(now), IntervalOrder::Ascending).await;
        let a = timestamps(&get_json(&asc, "queuehealth", &q).await);
        assert_eq!(a.len(), 13);
        assert_eq!(*a.last().unwrap(), ts(at(8, 10, 0)));
        assert!(a.windows(2).all(|w| w[1] - w[0] == 300_000));
        let desc = start(Some(now), IntervalOrder::Descending).await;
        let d = timestamps(&get_json(&desc, "queuehealth", &q).await);
        assert_eq!(d, a.iter().rev().copied().collect::<Vec<_>>());
        let shuf = start(Some(now), IntervalOrder::Shuffled).await;
        let s1 = get_json(&shuf, "queuehealth", &q).await;
        let s = timestamps(&s1);
        assert_ne!(s, a);
        assert_ne!(s, d);
        let mut sorted = s.clone();
        sorted.sort();
        assert_eq!(sorted, a);
        assert_eq!(get_json(&shuf, "queuehealth", &q).await, s1);
        // Same data whatever the order.
        assert_eq!(
            by_ts(&s1, at(7, 30, 0)),
            by_ts(&get_json(&asc, "queuehealth", &q).await, at(7, 30, 0))
        );
        // On a 5-minute boundary the newest bucket is empty (no time elapsed in it).
        desc.set_now(at(8, 5, 0));
        let b = get_json(&desc, "queuehealth", &q).await;
        assert_eq!(timestamps(&b).len(), 13);
        assert_eq!(by_ts(&b, at(8, 10, 0))["skillsMetrics"], json!({}));
        for sim in [asc, desc, shuf] {
            sim.shutdown().await;
        }
    }

    #[tokio::test]
    async fn a_messaging_account_has_empty_chat_intervals() {
        let mut opts = SimOptions::demo(ACCOUNT);
        opts.chat_data = false;
        opts.clock = SimClock::Fixed(at(12, 0, 0));
        let sim = Simulator::start(opts).await.unwrap();
        let token = get_token(&sim).await;
        let v: Value = json_of(
            reqwest::Client::new()
                .get(data_url(&sim, "queuehealth"))
                .query(&[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")])
                .header("Authorization", format!("Bearer {token}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(timestamps(&v).len(), 13);
        assert_eq!(v["skillsMetrics"], json!({}));
        assert_eq!(v["metricsTotals"]["enteredQEng"], 0);
        sim.shutdown().await;
    }
}
