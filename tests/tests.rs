//! The integration tests, one test binary (as ripgrep's `tests/tests.rs`): the
//! shared helpers compile once, and every test of the suite runs in one pool of
//! threads instead of one binary after another. Each module below was a test
//! crate of its own; its submodules live in the folder of the same name.

// Shared by the modules below.
mod common;
mod delivery_support;
mod reply_model;

mod architecture;
mod bad_input;
mod config_shell;
mod deadline;
mod delivery;
mod deploy;
mod ftp_push;
mod fuzz_replies;
mod mail;
mod messaging;
mod monitoring;
mod never_lose;
mod oauth2;
mod operator;
mod operator_cli;
mod operator_day;
mod pipeline;
mod reliability;
mod replay;
