//! `wfm`: LivePerson Operational Realtime statistics into NICE WFM report files.
//! See ARCHITECTURE.md for the map.

pub mod aggregate;
pub mod alert;
pub mod app;
pub(crate) mod atomic;
pub(crate) mod check;
pub(crate) mod cli;
pub mod config;
pub mod deadline;
pub mod deliver;
#[cfg(feature = "demo")]
pub(crate) mod demo;
pub(crate) mod job;
pub(crate) mod lock;
pub(crate) mod logging;
pub mod lp;
pub mod mapping;
pub(crate) mod net;
pub(crate) mod outcome;
pub(crate) mod outside;
pub mod quarter;
pub(crate) mod quarter_set;
pub mod report;
pub(crate) mod run;
pub(crate) mod select;
pub(crate) mod state;
pub(crate) mod status;
pub(crate) mod textfile;
