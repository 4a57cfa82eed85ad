//! The data of the data methods: the deterministic [`generator`], the request parameters
//! (`params`), 5-minute slots and their coverage of a timeframe (`slots`), and the replies
//! built from them (`reply`, with one module per method: `queue`, `eng`, `agent`), written
//! into chunks by `json`; for the Key Messaging Metrics methods, the data per window
//! ([`kmm`], with `kmm_moves`: transfers, back to queue, concluded) and the checked request
//! and its reply (`kmm_request`); for the Messaging Operations methods, `msg_segments`
//! (msgskillsegments: truth, checked request, reply) and `msg_conversation` (msgconversation
//! truth and its streamed data, written by `reply`). Tests only: `identity`, which holds
//! the streamed replies to the bytes of the former whole-body builder (recorded digests).

mod agent;
mod eng;
pub mod generator;
#[cfg(test)]
mod identity;
pub(crate) mod json;
pub mod kmm;
pub(crate) mod kmm_figures;
pub(crate) mod kmm_moves;
pub(crate) mod kmm_request;
pub mod msg_conversation;
pub mod msg_segments;
pub(crate) mod params;
mod per_skill;
mod queue;
mod reply;
pub(crate) mod slots;

pub(crate) use params::DataParams;
pub(crate) use reply::{DataSource, Reply};
