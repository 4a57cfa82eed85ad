//! `wfm`: LivePerson Operational Realtime statistics into NICE WFM report files.
//! See ARCHITECTURE.md for the map.

pub mod aggregate;
pub mod alert;
pub mod app;
pub mod atomic;
pub mod check;
pub mod cli;
pub mod config;
pub mod deadline;
pub mod deliver;
#[cfg(feature = "demo")]
pub mod demo;
pub mod job;
pub mod lock;
pub mod logging;
pub mod lp;
pub mod mapping;
pub mod outcome;
pub mod outside;
pub mod quarter;
pub mod quarter_set;
pub mod report;
pub mod run;
pub mod select;
pub mod state;
pub mod status;
pub mod textfile;
