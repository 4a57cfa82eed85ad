//! Replies to data calls: the slots a timeframe covers, one method's data over them, and
//! the intervals of `metricsByIntervals` in the configured order, written interval by
//! interval into chunks (never the whole reply at once).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::agent::AgentData;
use super::eng::EngData;
use super::generator::{hash, Generator, GeneratorConfig};
use super::json::{JsonOut, Stop};
use super::msg_conversation::ConvData;
use super::params::DataParams;
use super::queue::QueueData;
use super::slots::{floor_to, slots_between, Slot, SLOT_MS};
use crate::{IntervalOrder, Method};

/// The simulated account's data: the generator and how replies are shaped.
pub(crate) struct DataSource {
    pub generator: Arc<Generator>,
    pub(super) seed: u64,
    pub(super) order: IntervalOrder,
    /// `false`: a messaging account, whose chat methods answer empty intervals.
    pub(super) chat_data: bool,
    /// msgconversation intervals without the `metricsData` wrapper; msgskillsegments
    /// buckets with it (both forms are LivePerson's).
    pub(crate) msg_conversation_unwrapped: AtomicBool,
    pub(crate) msg_segments_wrapped: AtomicBool,
}

/// One method's data over a set of slots: a JSON object whose members (`MEMBERS`, in key
/// order) the reply writes once for the whole timeframe, and once per interval.
pub(super) trait MethodData {
    /// The data over some slots, as the members after the first need it.
    type Part;
    /// The members' names, sorted as serde_json's map sorts them.
    const MEMBERS: &'static [&'static str];
    /// Computes the data over `slots` and writes the value of the first member: entry by
    /// entry while computing where the method can, so a long computation (the whole
    /// timeframe of a large account) sends its first bytes at once.
    fn compute_writing_first(&self, slots: &[Slot], out: &mut JsonOut) -> Result<Self::Part, Stop>;
    /// Writes the value of `MEMBERS[member]`, for `member` >= 1.
    fn write_member(&self, part: &Self::Part, member: usize, out: &mut JsonOut) -> Result<(), Stop>;
}

/// The members of the data over `slots`: the first while it is computed, then the others.
fn write_members<M: MethodData>(m: &M, slots: &[Slot], out: &mut JsonOut) -> Result<(), Stop> {
    out.const_key(M::MEMBERS[0]);
    let part = m.compute_writing_first(slots, out)?;
    for (member, name) in M::MEMBERS.iter().enumerate().skip(1) {
        out.raw(b",");
        out.const_key(name);
        m.write_member(&part, member, out)?;
        out.flush_if_full()?;
    }
    Ok(())
}

/// The member the intervals are written as, in its key-order place among a method's members.
const INTERVALS: &str = "metricsByIntervals";

/// A reply to write: everything it needs, owned, so it can be written on another thread.
pub(crate) struct Reply {
    data: MethodReply,
    /// The slots of the whole timeframe (none for a messaging account's chat methods).
    all: Vec<Slot>,
    /// With an interval: each interval's end and slots, in the configured order.
    intervals: Option<Vec<(i64, Vec<Slot>)>>,
    /// Each interval's members inside `metricsData` (always for the chat methods).
    wrapped: bool,
}

enum MethodReply {
    Queue(QueueData),
    Eng(EngData),
    Agent(AgentData),
    MsgConv(ConvData),
    /// KMM is answered by `kmm_routes`, never here: `{}`.
    Empty,
}

impl DataSource {
    /// The configured order of `metricsByIntervals`.
    pub fn order(&self) -> IntervalOrder {
        self.order
    }

    pub fn new(cfg: GeneratorConfig, order: IntervalOrder, chat_data: bool) -> Self {
        DataSource {
            seed: cfg.seed,
            generator: Arc::new(Generator::new(cfg)),
            order,
            chat_data,
            msg_conversation_unwrapped: AtomicBool::new(false),
            msg_segments_wrapped: AtomicBool::new(false),
        }
    }

    /// The reply to a data call at `now`: totals over the timeframe and, with an interval,
    /// `metricsByIntervals` (every interval ending after the window start, up to the one in
    /// progress) in the configured order.
    pub fn reply(&self, method: Method, p: &DataParams, now: DateTime<Utc>) -> Reply {
        let now_ms = now.timestamp_millis();
        let w = now_ms - p.timeframe * 60_000;
        // A messaging account answers the chat methods with intervals but no data; the
        // Messaging Operations methods answer either way (as KMM does).
        let with_data = self.chat_data || method == Method::MsgConversation;
        let slots = |start: i64, end: i64| {
            if with_data {
                slots_between(start, end, w, now_ms)
            } else {
                Vec::new()
            }
        };
        let all = slots(floor_to(w, SLOT_MS), floor_to(now_ms, SLOT_MS) + SLOT_MS);
        let intervals = p.interval.map(|interval| {
            let b = interval * 60_000;
            let first = floor_to(w, b) + b;
            let last = floor_to(now_ms, b) + b;
            let mut ends: Vec<i64> = (0..).map(|k| first + k * b).take_while(|e| *e <= last).collect();
            match self.order {
                IntervalOrder::Ascending => {}
                IntervalOrder::Descending => ends.reverse(),
                IntervalOrder::Shuffled => ends.sort_by_key(|e| hash(&[self.seed, *e as u64])),
            }
            ends.into_iter().map(|e| (e, slots(e - b, e))).collect()
        });
        let g = self.generator.clone();
        let data = match method {
            Method::QueueHealth => MethodReply::Queue(QueueData::new(g, p)),
            Method::EngActivity => MethodReply::Eng(EngData::new(g, p)),
            Method::AgentActivity => MethodReply::Agent(AgentData::new(g, p)),
            Method::MsgConversation => MethodReply::MsgConv(ConvData::new(g, p)),
            Method::Metrics | Method::AgentView | Method::MsgSkillSegments => MethodReply::Empty,
        };
        let wrapped = method != Method::MsgConversation || !self.msg_conversation_unwrapped.load(Ordering::SeqCst);
        Reply {
            data,
            all,
            intervals,
            wrapped,
        }
    }
}

impl Reply {
    /// Writes the reply, handing chunks on as they fill; `Err(Stop)` when the receiver stops it.
    pub fn write(&self, out: &mut JsonOut) -> Result<(), Stop> {
        match &self.data {
            MethodReply::Queue(m) => self.write_as(m, out),
            MethodReply::Eng(m) => self.write_as(m, out),
            MethodReply::Agent(m) => self.write_as(m, out),
            MethodReply::MsgConv(m) => self.write_as(m, out),
            MethodReply::Empty => {
                out.raw(b"{}");
                Ok(())
            }
        }
    }

    /// `{...}`: the data of the whole timeframe, with `metricsByIntervals` in its key-order
    /// place (first, or between the data's members, or last).
    fn write_as<M: MethodData>(&self, m: &M, out: &mut JsonOut) -> Result<(), Stop> {
        out.raw(b"{");
        let first_member = M::MEMBERS[0];
        let Some(list) = &self.intervals else {
            write_members(m, &self.all, out)?;
            out.raw(b"}");
            return Ok(());
        };
        if INTERVALS < first_member {
            write_intervals(m, list, self.wrapped, out)?;
            out.raw(b",");
            write_members(m, &self.all, out)?;
        } else {
            // The intervals after the members sorting before them.
            out.const_key(first_member);
            let part = m.compute_writing_first(&self.all, out)?;
            let mut intervals = Some(list);
            for (member, name) in M::MEMBERS.iter().enumerate().skip(1) {
                if *name > INTERVALS {
                    if let Some(list) = intervals.take() {
                        out.raw(b",");
                        write_intervals(m, list, self.wrapped, out)?;
                    }
                }
                out.raw(b",");
                out.const_key(name);
                m.write_member(&part, member, out)?;
                out.flush_if_full()?;
            }
            if let Some(list) = intervals {
                out.raw(b",");
                write_intervals(m, list, self.wrapped, out)?;
            }
        }
        out.raw(b"}");
        Ok(())
    }
}

/// `"metricsByIntervals":[{"metricsData":{...},"timestamp":END},...]`, one interval at a time;
/// not `wrapped`: `[{...,"timestamp":END},...]` (every member name sorts before `timestamp`).
fn write_intervals<M: MethodData>(
    m: &M,
    list: &[(i64, Vec<Slot>)],
    wrapped: bool,
    out: &mut JsonOut,
) -> Result<(), Stop> {
    out.const_key(INTERVALS);
    out.raw(b"[");
    for (n, (end, slots)) in list.iter().enumerate() {
        if n > 0 {
            out.raw(b",");
        }
        if wrapped {
            out.raw(b"{\"metricsData\":{");
            write_members(m, slots, out)?;
            out.raw(b"},\"timestamp\":");
        } else {
            out.raw(b"{");
            write_members(m, slots, out)?;
            out.raw(b",\"timestamp\":");
        }
        out.int(*end);
        out.raw(b"}");
        out.flush_if_full()?;
    }
    out.raw(b"]");
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::test_support::*;
    use crate::IntervalOrder;

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
        let sim = messaging_account(at(12, 0, 0)).await;
        let token = get_token(&sim).await;
        let v: Value = json_of(
            crate::test_support::http()
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
