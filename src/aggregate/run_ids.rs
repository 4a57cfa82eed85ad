//! The run's ids as the aggregation meets them: interned `u32`s
//! ([`crate::lp::model::IdTable`]) named and ordered once per run, which ids a
//! selection takes, each agent's employee id looked up once per quarter, and
//! a quarter's records gathered per id.

use super::{cmp_ids, row_ids, Naming};
use crate::lp::model::ids::FastHash;
use crate::lp::model::IdTable;
use crate::select::IdSelection;
use std::collections::{HashMap, HashSet};

/// Each id's place in numeric id order ([`cmp_ids`]), by index.
pub fn id_ranks(ids: &IdTable) -> Vec<u32> {
    let mut order: Vec<(u32, &str)> = ids.iter().collect();
    order.sort_by(|a, b| cmp_ids(a.1, b.1));
    let mut rank = vec![0; ids.len()];
    for (r, (i, _)) in order.into_iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
}

/// The run's ids: names and ranks.
#[derive(Debug, Clone, Copy)]
pub struct RunIds<'a> {
    pub ids: &'a IdTable,
    pub rank: &'a [u32],
}

impl RunIds<'_> {
    pub(super) fn name(&self, id: u32) -> &str {
        self.ids.name(id)
    }

    pub(super) fn rank(&self, id: u32) -> u32 {
        self.rank.get(id as usize).copied().unwrap_or(u32::MAX)
    }

    /// The rows' ids: every listed id (whether the replies named it or not),
    /// or with `all` every id `present`, in numeric id order.
    pub(super) fn rows(
        &self,
        selection: &IdSelection,
        present: impl IntoIterator<Item = u32>,
    ) -> Vec<(String, Option<u32>)> {
        match selection {
            IdSelection::List(_) => row_ids(selection, std::iter::empty())
                .into_iter()
                .map(|name| {
                    let id = self.ids.get(&name);
                    (name, id)
                })
                .collect(),
            IdSelection::All => {
                let mut v: Vec<u32> = present
                    .into_iter()
                    .collect::<HashSet<u32, FastHash>>()
                    .into_iter()
                    .collect();
                v.sort_unstable_by_key(|id| self.rank(*id));
                v.into_iter().map(|id| (self.name(id).to_string(), Some(id))).collect()
            }
        }
    }

    /// Which ids `selection` takes, by index.
    pub(super) fn taken(&self, selection: &IdSelection) -> Taken {
        match selection {
            IdSelection::All => Taken::All,
            IdSelection::List(list) => {
                let mut t = vec![false; self.ids.len()];
                for id in list.iter().filter_map(|n| self.ids.get(n)) {
                    t[id as usize] = true;
                }
                Taken::These(t)
            }
        }
    }
}

pub(super) enum Taken {
    All,
    These(Vec<bool>),
}

impl Taken {
    pub(super) fn contains(&self, id: u32) -> bool {
        match self {
            Taken::All => true,
            Taken::These(t) => t.get(id as usize).copied().unwrap_or(false),
        }
    }
}

/// Employee ids by agent, looked up once per agent and quarter.
pub(super) struct Employees<'a, 'n> {
    pub naming: &'n mut Naming<'a>,
    pub ids: RunIds<'n>,
    pub known: HashMap<u32, Option<String>, FastHash>,
}

impl Employees<'_, '_> {
    pub(super) fn of(&mut self, agent: u32) -> Option<String> {
        if let Some(e) = self.known.get(&agent) {
            return e.clone();
        }
        let e = self.naming.employee_of(self.ids.name(agent));
        self.known.insert(agent, e.clone());
        e
    }
}

/// Per id, its record in each of the three intervals.
pub(super) type ByInterval<'r, T> = HashMap<u32, [Option<&'r T>; 3], FastHash>;

pub(super) fn by_interval<'r, T: 'r, I: IntoIterator<Item = (u32, &'r T)>>(intervals: [I; 3]) -> ByInterval<'r, T> {
    let mut m: ByInterval<'r, T> = HashMap::default();
    for (i, records) in intervals.into_iter().enumerate() {
        for (id, r) in records {
            m.entry(id).or_default()[i] = Some(r);
        }
    }
    m
}
