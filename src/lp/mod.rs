//! LivePerson: the API's reply shapes ([`model`]), the hosts ([`domain`]),
//! OAuth 2.0 tokens ([`token`]) and the authorised HTTP client ([`client`]).
pub mod client;
pub mod domain;
pub mod error;
pub mod model;
pub mod retry;
mod spool;
pub mod token;

pub use error::{redact, LpError};
