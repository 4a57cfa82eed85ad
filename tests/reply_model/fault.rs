//! Replies a quarter must be refused for, and what the refusal must say.

use super::{Case, EngSkill, Rec, State, EA, QH_COUNTERS, QUARTER, ST, V};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A reply the quarter must be refused for; `method` indexes [`super::METHODS`].
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// A counter below -1 in one of the quarter's intervals.
    Negative {
        method: usize,
        interval: usize,
        field: usize,
        value: i64,
    },
    /// A counter whose sum over the quarter overflows (refused as too large first).
    Overflow { method: usize, field: usize },
    /// One of a reply's five intervals left out: a quarter interval is missing,
    /// or (the oldest or newest gone) one is the reply's partial edge.
    LeftOut { method: usize, interval: usize },
}

pub fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        // Not i64::MIN: that is the mark of a figure not whole (lp::model::Figure).
        (0..3usize, 0..3usize, 0..9usize, (i64::MIN + 1)..-1).prop_map(|(method, interval, field, value)| {
            Fault::Negative {
                method,
                interval,
                field,
                value,
            }
        }),
        (0..3usize, 0..9usize).prop_map(|(method, field)| Fault::Overflow { method, field }),
        (0..3usize, 0..5usize).prop_map(|(method, interval)| Fault::LeftOut { method, interval }),
    ]
}

impl Case {
    /// Puts `fault` into the replies (every id reported, none skipped) and
    /// returns the method at fault and what else its error must say.
    pub fn break_with(&mut self, fault: Fault) -> (usize, Vec<String>) {
        self.skills = None;
        self.agents = None;
        self.skip_unmapped = false;
        let counters: [&[&'static str]; 3] = [&QH_COUNTERS, &EA, &ST];
        let id = |method: usize| if method == 2 { "888" } else { "777" };
        let at = |minute: usize| format!("2026-11-24 10:{minute:02}");
        match fault {
            Fault::Negative {
                method,
                interval,
                field,
                value,
            } => {
                let field = counters[method][field % counters[method].len()];
                self.put(method, QUARTER.start + interval, field, V::Int(value));
                (method, vec![field.into(), value.to_string(), id(method).into()])
            }
            Fault::Overflow { method, field } => {
                let field = counters[method][field % counters[method].len()];
                for i in QUARTER {
                    self.put(method, i, field, V::Int(i64::MAX));
                }
                // Refused as beyond any quarter's figure before the sum could overflow.
                let value = i64::MAX.to_string();
                (method, vec![field.into(), value, "above".into(), id(method).into()])
            }
            Fault::LeftOut { method, interval } => {
                self.left_out = Some((method, interval));
                let needles = match interval {
                    0 => vec![at(5), "oldest".into()],
                    4 => vec![at(15), "still in progress".into()],
                    i => vec![format!("no interval ending {}", at(5 * i))],
                };
                (method, needles)
            }
        }
    }

    /// A record of skill 777 (agent 888) holding only `field`.
    fn put(&mut self, method: usize, interval: usize, field: &'static str, v: V) {
        let rec = Rec::from([(field, v)]);
        let iv = &mut self.intervals[interval];
        match method {
            0 => {
                iv.qh.insert(777, rec);
            }
            1 => {
                let agents = BTreeMap::from([(888, rec)]);
                iv.ea.insert(777, EngSkill { agents, totals: None });
            }
            _ => {
                let state = State {
                    id: 2,
                    value: rec,
                    reasons: vec![],
                };
                iv.aa.insert(888, vec![state]);
            }
        }
    }
}
