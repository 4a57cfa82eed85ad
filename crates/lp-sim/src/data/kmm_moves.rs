//! The three `agent_view` metrics of the messaging step: `transfers`, `backToQueue` and
//! `concludedConversations`, per agent over a window, from the agent's KMM timeline.
//!
//! Transfers and back-to-queue moves happen at moments inside the agent's logged-in time of
//! a block; concluded = conversations closed in the window + transfers in the window. A
//! figure of 0 is sometimes left out of the record (the contract reads absent as 0).

use super::generator::{hash, hash_str, Generator, Rng};
use super::kmm::KMM_BLOCK_MS;

const TAG_KMM_MOVES: u64 = 25;
const TAG_KMM_MOVES_ABSENT: u64 = 26;

/// An agent's moves over a window: `None` = the key is left out of the record (means 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KmmMoves {
    pub transfers: Option<i64>,
    pub back_to_queue: Option<i64>,
    pub concluded_conversations: Option<i64>,
}

impl KmmMoves {
    /// (reply key, value as sent) of the three metrics.
    pub fn members(&self) -> [(&'static str, Option<i64>); 3] {
        [
            ("transfers", self.transfers),
            ("backToQueue", self.back_to_queue),
            ("concludedConversations", self.concluded_conversations),
        ]
    }

    /// `transfers`, absent read as 0.
    pub fn transfers(&self) -> i64 {
        self.transfers.unwrap_or(0)
    }

    /// `backToQueue`, absent read as 0.
    pub fn back_to_queue(&self) -> i64 {
        self.back_to_queue.unwrap_or(0)
    }

    /// `concludedConversations`, absent read as 0.
    pub fn concluded(&self) -> i64 {
        self.concluded_conversations.unwrap_or(0)
    }
}

impl Generator {
    /// The moves of agent `ai` over [from_ms, to_ms) (a non-empty window).
    pub(super) fn kmm_moves(&self, ai: usize, agent: &str, from_ms: i64, to_ms: i64) -> KmmMoves {
        let (mut transfers, mut back, mut closed) = (0, 0, 0);
        let inside = |t: &i64| (from_ms..to_ms).contains(t);
        for b in from_ms.div_euclid(KMM_BLOCK_MS)..=(to_ms - 1).div_euclid(KMM_BLOCK_MS) {
            let block = self.agent_block(ai, agent, b);
            let (Some(first), Some(last)) = (block.segs.first(), block.segs.last()) else {
                continue;
            };
            closed += block.closes.iter().filter(|t| inside(t)).count() as i64;
            let (lo, hi) = (first.start, last.end);
            let mut r = Rng::new(&[self.seed(), TAG_KMM_MOVES, ai as u64, hash_str(agent), b as u64]);
            let n_transfers = r.below(3);
            let n_back = if r.chance(70) { 0 } else { r.range(1, 2) };
            for _ in 0..n_transfers {
                transfers += i64::from(inside(&(lo + r.below(hi - lo))));
            }
            for _ in 0..n_back {
                back += i64::from(inside(&(lo + r.below(hi - lo))));
            }
        }
        let sent = |metric: u64, v: i64| {
            let absent = v == 0
                && hash(&[
                    self.seed(),
                    TAG_KMM_MOVES_ABSENT,
                    ai as u64,
                    from_ms as u64,
                    to_ms as u64,
                    metric,
                ])
                .is_multiple_of(2);
            (!absent).then_some(v)
        };
        KmmMoves {
            transfers: sent(0, transfers),
            back_to_queue: sent(1, back),
            concluded_conversations: sent(2, closed + transfers),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Generator, GeneratorConfig};

    #[test]
    fn moves_add_up_over_quarters_and_zero_is_sometimes_absent() {
        let g = Generator::new(GeneratorConfig {
            seed: 42,
            agents: 12,
            skills: 4,
        });
        let day = 1_795_478_400_000; // 2026-11-24T00:00:00Z
        let q = 900_000;
        let (mut absent, mut zero, mut some) = (0, 0, 0);
        for a in g.agent_ids() {
            for h in 0..24 {
                let from = day + h * 3_600_000;
                let hour = g.kmm_agent(&a, from, from + 4 * q).map(|r| r.moves);
                let parts: Vec<_> = (0..4)
                    .filter_map(|k| g.kmm_agent(&a, from + k * q, from + (k + 1) * q))
                    .collect();
                let sum = |f: fn(&crate::KmmMoves) -> i64| parts.iter().map(|p| f(&p.moves)).sum::<i64>();
                if let Some(m) = hour {
                    assert_eq!(m.transfers(), sum(crate::KmmMoves::transfers));
                    assert_eq!(m.back_to_queue(), sum(crate::KmmMoves::back_to_queue));
                    assert_eq!(m.concluded(), sum(crate::KmmMoves::concluded));
                }
                for p in &parts {
                    assert_eq!(p.moves.concluded(), p.closed_conversations + p.moves.transfers());
                    for (_, v) in p.moves.members() {
                        match v {
                            None => absent += 1,
                            Some(0) => zero += 1,
                            Some(_) => some += 1,
                        }
                    }
                }
            }
        }
        assert!(absent > 0 && zero > 0 && some > 0, "{absent} {zero} {some}");
    }
}
