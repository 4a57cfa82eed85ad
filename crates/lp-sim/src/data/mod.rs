//! The data of the three methods: the deterministic [`generator`], the request parameters
//! (`params`), 5-minute slots and their coverage of a timeframe (`slots`), and the replies
//! built from them (`reply`, with one module per method: `queue`, `eng`, `agent`).

mod agent;
mod eng;
pub mod generator;
pub(crate) mod params;
mod queue;
mod reply;
pub(crate) mod slots;

pub(crate) use params::DataParams;
pub(crate) use reply::DataSource;
